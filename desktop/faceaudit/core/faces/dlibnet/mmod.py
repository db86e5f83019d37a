"""dlib's MMOD CNN face detector: the network as ONNX, pyramid and decoding in numpy."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx

from faceaudit.core.faces.dlibnet import _pyramid
from faceaudit.core.faces.dlibnet._graph import GraphBuilder, float_input
from faceaudit.core.faces.dlibnet._runtime import cached_model, make_session
from faceaudit.core.faces.dlibnet.dat_reader import Network, read_network

__all__ = ["CnnDetector", "Detection", "build_mmod_model"]

# ((top, right, bottom, left), confidence), the order face_recognition uses for boxes.
Detection = tuple[tuple[int, int, int, int], float]

_GRAPH_STEM = "dlib_mmod_face-g1"


def _default_dat() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.cnn_face_detector_model_location())


def build_mmod_model(network: Network) -> onnx.ModelProto:
    """Build the ONNX graph of ``mmod_human_face_detector``.

    Every ``con`` is followed by ``bn`` (folded into the convolution) and ``relu``,
    except the last, which gives the per-cell detection score.

    Args:
        network: The parsed ``.dat`` file.

    Returns:
        A model mapping ``tiles`` (N, 3, H, W float32, a normalised tiled pyramid) to
        ``scores`` (N, 1, H', W').
    """
    if network.loss != "loss_mmod_":
        raise ValueError(f"not an MMOD network (loss {network.loss})")
    g = GraphBuilder()
    x = "tiles"
    g.shapes[x] = None  # dynamic spatial size: no zero-fill adds in this network
    layers = network.layers
    i = 0
    while i < len(layers):
        con = layers[i]
        if con.kind != "con":
            raise ValueError(f"layer {i}: expected con, found {con.kind}")
        if i + 1 < len(layers):
            if (layers[i + 1].kind, layers[i + 2].kind) not in {("bn", "relu"), ("affine", "relu")}:
                raise ValueError(f"layer {i}: expected con/bn/relu")
            x = g.relu(g.conv(x, con, layers[i + 1]))
            i += 3
        else:
            x = g.conv(x, con)
            i += 1
    g.nodes.append(onnx.helper.make_node("Identity", [x], ["scores"]))
    return g.model(
        [float_input("tiles", ["N", 3, "H", "W"])],
        [float_input("scores", ["N", 1, "H_out", "W_out"])],
        "mmod_human_face_detector",
        "dlib MMOD CNN face detector, ported from the .dat file by FaceAudit",
    )


def _output_to_input_map(network: Network) -> tuple[int, int]:
    """(scale, offset) with input = scale * output + offset, from the conv geometry."""
    scale, offset = 1, 0
    for layer in reversed(network.layers):
        if layer.kind == "con":
            stride, pad = layer.attrs["stride"][0], layer.attrs["pad"][0]
            kernel = layer.attrs["kernel"][0]
            # dlib maps p -> p * stride - pad + kernel / 2 through each convolution.
            offset = offset * stride - pad + kernel // 2
            scale *= stride
    return scale, offset


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int],
              iou_thresh: float, covered_thresh: float) -> bool:
    """dlib's ``test_box_overlap``: inclusive areas; 'union' is the bounding box of both."""
    iw = min(a[2], b[2]) - max(a[0], b[0]) + 1
    ih = min(a[3], b[3]) - max(a[1], b[1]) + 1
    if iw <= 0 or ih <= 0:
        return False
    inner = iw * ih
    outer = (max(a[2], b[2]) - min(a[0], b[0]) + 1) * (max(a[3], b[3]) - min(a[1], b[1]) + 1)
    area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1)
    area_b = (b[2] - b[0] + 1) * (b[3] - b[1] + 1)
    return (inner / outer > iou_thresh or inner / area_a > covered_thresh
            or inner / area_b > covered_thresh)


class CnnDetector:
    """Runs dlib's CNN face detector through ONNX Runtime, with dlib's exact pre/post steps.

    Nothing is loaded until the first detection.

    Args:
        cache_dir: Folder for the generated ONNX file.
        device: ``"cpu"`` or ``"cuda"``.
        threads: ONNX Runtime intra-op threads; ``None`` uses all cores.
        dat_path: The dlib model; defaults to the one in ``face_recognition_models``.
    """

    def __init__(self, cache_dir: Path, device: str = "cpu", threads: int | None = None,
                 *, dat_path: Path | None = None):
        self.cache_dir = Path(cache_dir)
        self.device = device
        self.threads = threads
        self.dat_path = Path(dat_path) if dat_path else None
        self._session = None
        self._network: Network | None = None

    def _load(self):
        if self._session is None:
            dat = self.dat_path or _default_dat()
            self._network = read_network(dat)
            path = cached_model(self.cache_dir, dat, _GRAPH_STEM,
                                lambda _p: build_mmod_model(self._network))
            self._session = make_session(path, self.device, self.threads)
        return self._session

    def detect(self, rgb: np.ndarray, upsample: int = 0) -> list[Detection]:
        """Detect faces like ``dlib.cnn_face_detection_model_v1(path)(rgb, upsample)``.

        Args:
            rgb: (H, W, 3) uint8 RGB image, or (H, W) uint8 grayscale.
            upsample: How many times to double the image first (finds faces below ~80 px).

        Returns:
            ``((top, right, bottom, left), confidence)`` per face, most confident first;
            boxes are not clipped to the image, as dlib returns them.
        """
        return self.detect_batch([rgb], upsample)[0]

    def detect_batch(self, images: Sequence[np.ndarray],
                     upsample: int = 0) -> list[list[Detection]]:
        """Detect faces in several images; images of the same size share one inference run.

        Args:
            images: RGB (or grayscale) uint8 images.
            upsample: As in :meth:`detect`.

        Returns:
            One detection list per image, in input order.
        """
        session = self._load()
        prepared = [self._prepare(img, upsample) for img in images]
        results: list[list[Detection]] = [[] for _ in images]
        groups: dict[tuple[int, int], list[int]] = {}
        for index, img in enumerate(prepared):
            groups.setdefault(img.shape[:2], []).append(index)
        opts = self._network.input_options
        mean = np.array(opts["mean"], np.float32).reshape(1, 3, 1, 1)
        for (rows, cols), members in groups.items():
            rects, tiled_rows, tiled_cols = _pyramid.tiled_layout(
                rows, cols, opts["padding"], opts["outer_padding"])
            if not rects:
                continue
            batch = np.stack([np.moveaxis(prepared[i], -1, 0) for i in members]).astype(np.float32)
            batch = (batch - mean) / np.float32(256)
            tiles = _pyramid.build_tiled_pyramid(batch, rects, tiled_rows, tiled_cols)
            scores = session.run(None, {"tiles": tiles})[0]
            for slot, index in enumerate(members):
                results[index] = self._decode(scores[slot], rects, upsample)
        return results

    @staticmethod
    def _prepare(image: np.ndarray, upsample: int) -> np.ndarray:
        image = np.asarray(image)
        if image.dtype != np.uint8:
            raise ValueError(f"expected a uint8 image, got {image.dtype}")
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB or (H, W) gray image, got {image.shape}")
        for _ in range(max(0, int(upsample))):
            image = _pyramid.pyramid_up2(image)
        return image

    def _decode(self, scores: np.ndarray, rects: list[_pyramid.Rect],
                upsample: int) -> list[Detection]:
        options = self._network.loss_options
        window = options["detector_windows"][0]
        half_w, half_h = (window["width"] - 1) / 2, (window["height"] - 1) / 2
        scale, offset = _output_to_input_map(self._network)
        rows, cols = np.nonzero(scores[0] > 0)
        candidates = []
        for r, c in zip(rows.tolist(), cols.tolist()):
            x, y = scale * c + offset, scale * r + offset
            box = _pyramid.tiled_to_image(rects, (x - half_w, y - half_h, x + half_w, y + half_h))
            rounded = tuple(math.floor(v + 0.5) for v in box)
            candidates.append((float(scores[0, r, c]), rounded))
        candidates.sort(key=lambda item: -item[0])

        nms = options["overlaps_nms"]
        kept: list[tuple[float, tuple[int, int, int, int]]] = []
        for score, box in candidates:
            if any(_overlaps(k, box, nms["iou_thresh"], nms["percent_covered_thresh"])
                   for _, k in kept):
                continue
            kept.append((score, box))

        detections = []
        for score, box in kept:
            left, top, right, bottom = _pyramid.rect_down2(box, upsample) if upsample else box
            detections.append(((top, right, bottom, left), score))
        return detections
