"""Find faces in a photo and turn each into a 128-d embedding, with quality measures."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from faceaudit.core import limits
from faceaudit.core.faces import model_files as models
from faceaudit.core.faces.aligned import geometry_of
from faceaudit.core.faces.images import downscale_for_detection
from faceaudit.core.faces.settings import Detector, Device, EmbeddingEngine  # declared light, for the CLI

__all__ = [
    "Face",
    "FaceEngine",
    "Detector",
    "EmbeddingEngine",
    "Device",
    "DETECTORS",
    "DEVICES",
    "Box",
    "REFERENCE_JITTER",
    "jitter_chip",
    "central_face",
]

#: (top, right, bottom, left) in the original photo's pixels, as face_recognition reports them.
Box = tuple[int, int, int, int]



DETECTORS = tuple(Detector)
DEVICES = tuple(Device)

#: A face narrower than this (pixels) gives unreliable embeddings.
SMALL_FACE_PX = 60
#: Below this Laplacian variance of the 150x150 chip a face is too blurred to trust.
BLURRED_SHARPNESS = 40.0
#: Jittered copies averaged for a reference photo (dlib's LFW 99.38% uses 100; 10 gives most of
#: the gain at 10x the cost of one embedding, still well under a second per photo).
REFERENCE_JITTER = 10


@dataclass
class Face:
    """One detected face.

    Attributes:
        box: position in the original photo.
        score: detector confidence where the detector gives one (HOG and CNN both do).
        size: face width in original pixels.
        sharpness: variance of the Laplacian of the aligned 150x150 chip (higher is sharper).
        embedding: 128 float32 numbers; faces of one person lie within about 0.6 of each other.
        chip: the aligned 150x150 RGB chip (kept only while needed, never stored).
    """

    box: Box
    score: float | None
    size: int
    sharpness: float
    embedding: np.ndarray | None = None
    chip: np.ndarray | None = field(default=None, repr=False)

    @property
    def quality_problem(self) -> str | None:
        """In two or three words, why this face may match badly ("face is small"), or None."""
        if self.size < SMALL_FACE_PX:
            return "face is small"
        if self.sharpness < BLURRED_SHARPNESS:
            return "face looks blurred"
        return None

    @property
    def quality_hint(self) -> str | None:
        """A plain-words warning when this face is too small or blurred to match well."""
        if self.size < SMALL_FACE_PX:
            return f"face is small ({self.size} px wide); a closer photo will match better"
        if self.sharpness < BLURRED_SHARPNESS:
            return "face looks blurred; a sharper photo will match better"
        return None


class FaceEngine:
    """Detection, landmarks and embeddings with one set of settings.

    Models load on first use. Detection and chip extraction run per photo; embedding runs on
    batches of chips, so callers can pool the faces of many photos into one batch.

    Args:
        detector: "hog" (fast, dlib's default) or "cnn" (dlib's MMOD network, finds more
            turned and small faces, slow on a CPU).
        upsample: how many times to double the photo before detection (finds smaller faces).
        embedder: "dlib" (reference implementation) or "onnx" (FaceAudit's batched port of the
            same network), or "auto" for the fastest available.
        device: "cpu" or "cuda" for the ONNX engines, or "auto": CUDA where ONNX Runtime has it
            (onnxruntime-gpu and an NVIDIA GPU), else the CPU; decided on first use.
        cnn_fallback: with the HOG detector, run the CNN detector on photos where HOG finds no
            face (turned, dark or partly hidden faces); costs time only on those photos.
        aligned: "none" (always detect), "auto" (photos of an ArcFace crop size are taken as
            pre-aligned crops and skip detection), or "arcface" (every photo is such a crop).
        square: with "auto", the dataset's learned square crop ([side, top, right, bottom,
            left], see `aligned.learn_square_crop`): photos of that size skip detection too.
    """

    def __init__(self, detector: str = "hog", upsample: int = 1, embedder: str = "auto", device: str = "auto",
                 cnn_fallback: bool = False, aligned: str = "none", square: list[int] | None = None):
        if detector not in DETECTORS:
            raise ValueError(f"unknown detector {detector!r}; choose one of {', '.join(DETECTORS)}")
        if not 0 <= upsample <= 3:
            raise ValueError("upsample must be between 0 and 3")
        self.detector = detector
        self.upsample = upsample
        if device not in DEVICES:
            raise ValueError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
        self._device = device
        self.cnn_fallback = bool(cnn_fallback) and detector == "hog"
        if aligned not in ("none", "auto", "arcface"):
            raise ValueError(f"unknown aligned setting {aligned!r}; choose auto, arcface or none")
        self.aligned = aligned
        self.square = list(square) if square and aligned == "auto" else None
        self.embedder = _resolve_embedder(embedder)
        self._onnx = None
        self._cnn = None

    @property
    def device(self) -> str:
        """Where the ONNX networks run, "cpu" or "cuda" ("auto" is decided here, once)."""
        if self._device == "auto":
            self._device = _resolve_device(self.embedder, self.detector, self.cnn_fallback)
        return self._device

    @property
    def settings(self) -> dict:
        """The settings that decide which faces are found and their numbers."""
        settings = {"detector": self.detector, "upsample": self.upsample, "embedder": self.embedder,
                    "device": self.device, "model": models.EMBEDDING_MODEL}
        if self.cnn_fallback:  # only when set, so that earlier recorded settings stay equal
            settings["cnn_fallback"] = True
        if self.aligned != "none":  # likewise
            settings["aligned"] = self.aligned
        if self.square:
            settings["square"] = self.square
        return settings

    def detect(self, rgb: np.ndarray) -> list[tuple[Box, float | None]]:
        """Face boxes in original coordinates, with detector scores, sorted top-left first."""
        small, scale = downscale_for_detection(rgb, limits.DETECTION_MAX_SIDE)
        if self.detector == "hog":
            rects, scores, _ = models.hog_detector().run(small, self.upsample, 0.0)
            found = [(_rect_box(r), float(s)) for r, s in zip(rects, scores)]
            if not found and self.cnn_fallback:
                found = self._cnn_detect(small)
        else:
            found = self._cnn_detect(small)
        height, width = rgb.shape[:2]
        return [(_scale_trim(box, scale, width, height), score) for box, score in found]

    def _cnn_detect(self, small: np.ndarray) -> list[tuple[Box, float | None]]:
        if self.embedder == "onnx":
            return self._onnx_detector().detect(small, self.upsample)
        return [(_rect_box(d.rect), float(d.confidence)) for d in models.cnn_detector()(small, self.upsample)]

    def analyse(self, rgb: np.ndarray, embed: bool = True, jitter: int = 0) -> list[Face]:
        """Detect every face, align it, measure it and (by default) embed it.

        Args:
            rgb: the photo.
            embed: compute embeddings.
            jitter: average this many randomly perturbed copies of each chip (0: the chip itself).
        """
        geometry = geometry_of(rgb.shape[1], rgb.shape[0], self.aligned, self.square)
        if geometry is not None:
            # A pre-aligned crop: the face is where its geometry says; no detection.
            faces = [self.face_at(rgb, geometry.box)]
        else:
            faces = [self.face_at(rgb, box, score) for box, score in self.detect(rgb)]
        if embed and faces:
            self.embed_faces(faces, jitter)
        return faces

    def face_at(self, rgb: np.ndarray, box: Box, score: float | None = None) -> Face:
        """Align the face in `box` (landmarks, chip) and measure its quality."""
        import dlib

        top, right, bottom, left = box
        shape = models.shape_predictor()(rgb, dlib.rectangle(left, top, right, bottom))
        chip = dlib.get_face_chip(rgb, shape, size=150, padding=0.25)
        return Face(box=box, score=score, size=int(right - left), sharpness=_sharpness(chip), chip=chip)

    def embed_faces(self, faces: list[Face], jitter: int = 0) -> None:
        """Fill in the embeddings of faces whose chips are set, in one batch, and drop the chips."""
        pending = [f for f in faces if f.chip is not None]
        if not pending:
            return
        chips = np.stack([f.chip for f in pending])
        vectors = self.embed_jittered(chips, jitter) if jitter > 0 else self.embed_chips(chips)
        for face, vector in zip(pending, vectors):
            face.embedding = vector
            face.chip = None

    def embed_chips(self, chips: np.ndarray) -> np.ndarray:
        """Embeddings (N x 128 float32) of aligned 150x150 RGB chips."""
        if len(chips) == 0:
            return np.zeros((0, 128), np.float32)
        if self.embedder == "onnx":
            return np.asarray(self._onnx_embedder().embed(chips), dtype=np.float32)
        vectors = models.dlib_encoder().compute_face_descriptor(list(chips))
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)

    def embed_jittered(self, chips: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
        """Embeddings averaged over `count` randomly perturbed copies of each chip, in one batch.

        This is dlib's `num_jitters`: a reference photo's embedding then depends less on the
        exact alignment and on which way the head leans. The same chips give the same result.
        """
        if len(chips) == 0 or count <= 0:
            return self.embed_chips(chips)
        rng = np.random.default_rng(seed)
        copies = np.stack([jitter_chip(chip, rng) for chip in chips for _ in range(count)])
        vectors = self.embed_chips(copies).reshape(len(chips), count, -1)
        return vectors.mean(axis=1).astype(np.float32)

    def prepare(self) -> None:
        """Load the embedding network now instead of at the first face.

        On first use in a data folder its ONNX graph is built, checked and written: about
        0.1 s, mostly in C++ calls that hold Python's GIL. Done before worker processes load
        both cores, no other thread (the window's) waits long for it; done after, the window
        froze for up to 186 ms in a CI run.
        """
        if self.embedder == "onnx":
            self._onnx_embedder().prepare()

    def _onnx_embedder(self):
        if self._onnx is None:
            from faceaudit.core.faces.dlibnet import Embedder
            from faceaudit.core.storage.paths import cache_dir

            self._onnx = Embedder(cache_dir(), device=self.device)
        return self._onnx

    def _onnx_detector(self):
        if self._cnn is None:
            from faceaudit.core.faces.dlibnet import CnnDetector
            from faceaudit.core.storage.paths import cache_dir

            self._cnn = CnnDetector(cache_dir(), device=self.device)
        return self._cnn


def _resolve_device(embedder: str, detector: str, cnn_fallback: bool) -> str:
    if embedder != "onnx" and detector != "cnn" and not cnn_fallback:
        return "cpu"  # nothing runs through ONNX Runtime
    from faceaudit.core.faces.dlibnet import available_devices

    # Same networks, same numbers (the GPU parity tests check it where a GPU is present).
    return "cuda" if "cuda" in available_devices() else "cpu"


def _resolve_embedder(name: str) -> str:
    if name in ("dlib", "onnx"):
        return name
    if name != "auto":
        raise ValueError(f"unknown engine {name!r}; choose dlib, onnx or auto")
    import importlib.util

    # The ONNX port gives dlib's numbers (to 1e-6) many times faster; dlib stays the fallback.
    return "onnx" if importlib.util.find_spec("onnxruntime") else "dlib"


def _rect_box(rect) -> Box:
    return int(rect.top()), int(rect.right()), int(rect.bottom()), int(rect.left())


def _scale_trim(box: Box, scale: float, width: int, height: int) -> Box:
    top, right, bottom, left = (round(v * scale) for v in box) if scale != 1.0 else box
    return max(top, 0), min(right, width), min(bottom, height), max(left, 0)


def _sharpness(chip: np.ndarray) -> float:
    from faceaudit.core.faces._cv import cv2

    grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def jitter_chip(chip: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A randomly perturbed copy of an aligned chip, as dlib's `jitter_image` makes it.

    Rotation up to 3 degrees either way, a crop 0.97-1.0 of the face's size (so a slight zoom),
    a shift up to 2% of the size, and a left-right mirror half of the time; outside is black.
    """
    from faceaudit.core.faces._cv import cv2

    height, width = chip.shape[:2]
    inner = width - 6  # dlib shrinks the chip's rectangle by 3 px on each side
    shift_x, shift_y = rng.uniform(-0.02, 0.02, 2) * inner
    box = inner / rng.uniform(0.97, 1.0)
    angle = rng.uniform(-3.0, 3.0)
    centre = ((width - 1) / 2 + shift_x, (height - 1) / 2 + shift_y)
    matrix = cv2.getRotationMatrix2D(centre, angle, width / box)
    matrix[0, 2] += (width - 1) / 2 - centre[0]
    matrix[1, 2] += (height - 1) / 2 - centre[1]
    out = cv2.warpAffine(chip, matrix, (width, height), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def central_face(boxes: list[Box], width: int, height: int) -> int | None:
    """Index of the face a photo is about: the one holding the centre pixel (LFW's rule),
    else the one whose centre is nearest; None when there is no face."""
    if not boxes:
        return None
    cx, cy = width / 2, height / 2

    def key(box: Box) -> tuple[bool, float]:
        top, right, bottom, left = box
        holds = left <= cx <= right and top <= cy <= bottom
        return (not holds, ((left + right) / 2 - cx) ** 2 + ((top + bottom) / 2 - cy) ** 2)

    return min(range(len(boxes)), key=lambda n: key(boxes[n]))
