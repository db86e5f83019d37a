"""The dlib model files, loaded lazily on first use (never at import time)."""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["model_path", "hog_detector", "cnn_detector", "shape_predictor", "shape_predictor_68", "dlib_encoder",
           "EMBEDDING_MODEL", "models_dir", "ENV_MODELS"]

#: Overrides where the models made at set-up are looked for (packaging/fetch_models.py honours it too).
ENV_MODELS = "FACEAUDIT_MODELS"

#: Identity of the 128-d embedding model. The dlib build and FaceAudit's ONNX port of the same
#: network produce the same numbers, so both carry this name; a scan refuses to mix others.
EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1"

_FILES = {
    "recognition": "dlib_face_recognition_resnet_model_v1.dat",
    "cnn": "mmod_human_face_detector.dat",
    "shape5": "shape_predictor_5_face_landmarks.dat",
    "shape68": "shape_predictor_68_face_landmarks.dat",
}


def model_path(name: str) -> Path:
    """The path of one of the bundled model files ("recognition", "cnn", "shape5" or "shape68")."""
    from importlib.resources import files

    return Path(str(files("face_recognition_models") / "models" / _FILES[name]))


@functools.cache
def hog_detector():
    """dlib's HOG frontal face detector."""
    import dlib

    return dlib.get_frontal_face_detector()


@functools.cache
def cnn_detector():
    """dlib's MMOD CNN face detector (accurate, slow on a CPU)."""
    import dlib

    return dlib.cnn_face_detection_model_v1(str(model_path("cnn")))


@functools.cache
def shape_predictor():
    """dlib's 5-point landmark model, which places the face chip."""
    import dlib

    return dlib.shape_predictor(str(model_path("shape5")))


def models_dir() -> Path:
    """Where the models made at set-up live: `$FACEAUDIT_MODELS`, else `models/` in a frozen bundle,
    else `.models/` at the root of the source tree (ignored by git)."""
    from faceaudit.core.storage.resources import bundled_dir

    return bundled_dir(ENV_MODELS, "models", ".models")


@functools.cache
def shape_predictor_68():
    """dlib's 68-point landmark model, which places the ArcFace crop (eyes, nose tip, mouth corners)."""
    import dlib

    return dlib.shape_predictor(str(model_path("shape68")))


@functools.cache
def dlib_encoder():
    """dlib's ResNet that turns a 150x150 face chip into 128 numbers."""
    import dlib

    return dlib.face_recognition_model_v1(str(model_path("recognition")))
