"""dlib's 128-d face recognition ResNet as an ONNX graph, and a batched embedder on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from faceaudit.core.faces.dlibnet._graph import GraphBuilder, float_input
from faceaudit.core.faces.dlibnet._runtime import cached_model, make_session
from faceaudit.core.faces.dlibnet.dat_reader import Layer, Network, read_network
from faceaudit.core.faces.model_files import EMBEDDING_MODEL

__all__ = ["CHIP_PADDING", "CHIP_SIZE", "Embedder", "build_recognition_model"]

CHIP_SIZE = 150
CHIP_PADDING = 0.25
# Bump when the graph construction changes, so cached files are rebuilt.
_GRAPH_STEM = "dlib_resnet_v1-g1"


def _default_dat() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.face_recognition_model_location())


class _Layers:
    """Sequential cursor over the parsed layers that checks each kind as it is taken."""

    def __init__(self, layers: list[Layer]):
        self._layers = layers
        self._pos = 0

    def peek(self) -> Layer:
        return self._layers[self._pos]

    def take(self, kind: str) -> Layer:
        layer = self.peek()
        if layer.kind != kind:
            raise ValueError(f"layer {self._pos}: expected {kind}, found {layer.kind}")
        self._pos += 1
        return layer

    def done(self) -> bool:
        return self._pos == len(self._layers)


def _conv_affine(g: GraphBuilder, layers: _Layers, x: str, relu: bool) -> str:
    x = g.conv(x, layers.take("con"), layers.take("affine"))
    if relu:
        layers.take("relu")
        x = g.relu(x)
    return x


def build_recognition_model(network: Network) -> onnx.ModelProto:
    """Build the ONNX graph of ``dlib_face_recognition_resnet_model_v1``.

    The wiring follows dlib's ``dnn_face_recognition_ex.cpp`` (the file stores no tag
    ids): a stem, residual blocks whose shortcut is either the identity or a 2x2 average
    pool, a global average pool and a 256 -> 128 fully connected layer without bias.

    Args:
        network: The parsed ``.dat`` file.

    Returns:
        A model mapping ``chips`` (N, 150, 150, 3 float32 RGB, 0..255) to ``embeddings``
        (N, 128 float32).
    """
    if network.input_kind != "input_rgb_image_sized":
        raise ValueError(f"not the recognition network (input {network.input_kind})")
    opts = network.input_options
    rows, cols = opts["rows"], opts["cols"]
    g = GraphBuilder()
    mean = np.array(opts["mean"], np.float32).reshape(1, 1, 1, 3)
    centred = g.node("Sub", ["chips", g.const(mean, "mean")])
    scaled = g.node("Mul", [centred, g.const(np.array(1 / 256, np.float32), "scale")])
    x = g.node("Transpose", [scaled], perm=[0, 3, 1, 2])
    g.shapes[x] = (3, rows, cols)

    layers = _Layers(network.layers)
    x = _conv_affine(g, layers, x, relu=True)
    x = g.pool(x, layers.take("max_pool"))
    while layers.peek().kind == "con":
        y = _conv_affine(g, layers, x, relu=True)
        y = _conv_affine(g, layers, y, relu=False)
        if layers.peek().kind == "avg_pool":  # down-sampling block: pooled shortcut
            x = g.pool(x, layers.take("avg_pool"))
        layers.take("add_prev")
        layers.take("relu")
        x = g.relu(g.zero_fill_add(y, x))
    x = g.pool(x, layers.take("avg_pool"))
    fc = layers.take("fc")
    if not layers.done():
        raise ValueError("unexpected layers after the fully connected layer")
    flat = g.node("Flatten", [x], axis=1)
    out = g.node("MatMul", [flat, g.const(fc.weights["weight"], "fc_w")])
    if "bias" in fc.weights:
        out = g.node("Add", [out, g.const(fc.weights["bias"], "fc_b")])
    g.nodes.append(onnx.helper.make_node("Identity", [out], ["embeddings"]))
    return g.model(
        [float_input("chips", ["N", rows, cols, 3])],
        [float_input("embeddings", ["N", fc.attrs["outputs"]])],
        EMBEDDING_MODEL,
        "dlib face recognition ResNet (128-d), ported from the .dat file by FaceAudit",
    )


class Embedder:
    """Computes dlib's 128-d face descriptors with ONNX Runtime, in batches.

    The ONNX file is built from the ``.dat`` file on first use and cached; nothing is
    loaded until the first call to :meth:`embed`.

    Args:
        cache_dir: Folder for the generated ONNX file.
        device: ``"cpu"`` or ``"cuda"``.
        threads: ONNX Runtime intra-op threads; ``None`` uses all cores.
        batch_size: Chips per inference call.
        dat_path: The dlib model; defaults to the one in ``face_recognition_models``.
    """

    def __init__(self, cache_dir: Path, device: str = "cpu", threads: int | None = None,
                 *, batch_size: int = 32, dat_path: Path | None = None):
        self.cache_dir = Path(cache_dir)
        self.device = device
        self.threads = threads
        self.batch_size = max(1, int(batch_size))
        self.dat_path = Path(dat_path) if dat_path else None
        self._session = None

    def model_path(self) -> Path:
        """Build (if needed) and return the cached ONNX file."""
        dat = self.dat_path or _default_dat()
        return cached_model(
            self.cache_dir, dat, _GRAPH_STEM, lambda p: build_recognition_model(read_network(p))
        )

    def prepare(self) -> None:
        """Build the cached graph (first use only) and open the session now, not at the first batch."""
        self._ensure_session()

    def _ensure_session(self):
        if self._session is None:
            self._session = make_session(self.model_path(), self.device, self.threads)
        return self._session

    def embed(self, chips: np.ndarray) -> np.ndarray:
        """Embed aligned face chips.

        Args:
            chips: (N, 150, 150, 3) uint8 RGB chips from
                ``dlib.get_face_chip(rgb, shape5, size=150, padding=0.25)``; one (150, 150, 3)
                chip is accepted too.

        Returns:
            (N, 128) float32 descriptors, comparable by Euclidean distance (0.6 = same person).
        """
        chips = np.asarray(chips)
        if chips.ndim == 3:
            chips = chips[None]
        if chips.ndim != 4 or chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(f"expected (N, {CHIP_SIZE}, {CHIP_SIZE}, 3) chips, got {chips.shape}")
        if len(chips) == 0:
            return np.zeros((0, 128), np.float32)
        session = self._ensure_session()
        parts = []
        for start in range(0, len(chips), self.batch_size):
            batch = np.ascontiguousarray(chips[start : start + self.batch_size], dtype=np.float32)
            parts.append(session.run(None, {"chips": batch})[0])
        return np.concatenate(parts).astype(np.float32, copy=False)
