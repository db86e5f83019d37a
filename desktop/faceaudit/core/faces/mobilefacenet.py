"""MobileFaceNet: the ArcFace-aligned 112x112 crop of a face (from dlib's 68 landmarks) and its 192 numbers."""

from __future__ import annotations

import numpy as np

from faceaudit.core.faces import model_files
from faceaudit.core.faces.aligned import align_to_template
from faceaudit.core.faces.face_models import mobilefacenet_path

__all__ = ["five_points", "arcface_crop", "MobileFaceNet", "CROP_SIZE", "DIMENSIONS"]

CROP_SIZE = 112
DIMENSIONS = 192
#: Faces per ONNX Runtime call on the CPU: a few faces' activations stay in the CPU's caches, where 64
#: at once (about 200 MB at the first layers) do not: batches of 8 ran 1.36x faster than 64 by the
#: clock and 1.43x by CPU time, on LFW crops (bench/mobilefacenet_batch.py).
BATCH = 8
#: Faces per call on a GPU, which needs large batches to be kept busy.
GPU_BATCH = 64
#: The network's input scaling (that of its training): (pixel - 127.5) / 128.
_MEAN, _SCALE = 127.5, 128.0


def five_points(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The ArcFace template's 5 points of the face in `box`, from dlib's 68-point landmarks.

    Eye centres (mean of points 36-41 and 42-47, image left first), the nose tip (30) and the
    mouth corners (48, 54).
    """
    import dlib

    top, right, bottom, left = box
    shape = model_files.shape_predictor_68()(rgb, dlib.rectangle(int(left), int(top), int(right), int(bottom)))
    points = np.array([[p.x, p.y] for p in shape.parts()], np.float64)
    return np.array([points[36:42].mean(axis=0), points[42:48].mean(axis=0), points[30], points[48], points[54]])


def arcface_crop(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The 112x112 RGB crop of the face in `box`, aligned to the ArcFace template."""
    return align_to_template(rgb, five_points(rgb, box), (CROP_SIZE, CROP_SIZE))


class MobileFaceNet:
    """The converted network, run by ONNX Runtime in batches; loaded on first use.

    Args:
        device: "cpu" or "cuda".
        threads: ONNX Runtime's intra-op threads (None: all cores).
    """

    def __init__(self, device: str = "cpu", threads: int | None = None):
        self.device = device
        self.threads = threads
        self._session = None

    def prepare(self) -> None:
        """Load the network now (raises FileNotFoundError when set-up did not make it)."""
        if self._session is None:
            from faceaudit.core.faces.dlibnet._runtime import make_session

            path = mobilefacenet_path()
            if not path.is_file():
                raise FileNotFoundError(f"MobileFaceNet is not on this computer ({path})")
            self._session = make_session(path, self.device, self.threads)

    def embed(self, crops: np.ndarray) -> np.ndarray:
        """Unit-length embeddings (N x 192 float32) of ArcFace-aligned 112x112 RGB crops (uint8)."""
        if len(crops) == 0:
            return np.zeros((0, DIMENSIONS), np.float32)
        self.prepare()
        name = self._session.get_inputs()[0].name
        out = []
        step = BATCH if self.device == "cpu" else GPU_BATCH
        for start in range(0, len(crops), step):
            batch = (np.asarray(crops[start:start + step], np.float32) - _MEAN) / _SCALE
            out.append(self._session.run(None, {name: np.ascontiguousarray(batch.transpose(0, 3, 1, 2))})[0])
        vectors = np.concatenate(out).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
