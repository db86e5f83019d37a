"""A small ONNX graph builder for dlib layers: folded convolutions, pools, zero-fill adds."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from faceaudit.core.faces.dlibnet.dat_reader import Layer

__all__ = ["GraphBuilder", "float_input", "fold_scale_shift"]

OPSET = 17
IR_VERSION = 8  # readable by older onnxruntime(-gpu) releases too


def fold_scale_shift(norm: Layer) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (scale, shift) of an affine layer, or of a batch-norm at inference.

    Args:
        norm: An ``affine`` or ``bn`` layer.

    Returns:
        float64 arrays ``g`` and ``b`` with ``y = g * x + b``.
    """
    gamma = norm.weights["gamma"].astype(np.float64)
    beta = norm.weights["beta"].astype(np.float64)
    if norm.kind == "affine":
        return gamma, beta
    if norm.kind != "bn":
        raise ValueError(f"expected affine or bn, got {norm.kind}")
    # Same folding dlib applies when it turns a trained bn_ into an affine_ layer.
    g = gamma / np.sqrt(norm.weights["running_var"].astype(np.float64) + float(norm.weights["eps"]))
    return g, beta - g * norm.weights["running_mean"].astype(np.float64)


class GraphBuilder:
    """Accumulates nodes and initializers, tracking static (C, H, W) shapes of NCHW values."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.shapes: dict[str, tuple[int, int, int] | None] = {}
        self._count = 0

    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def const(self, array: np.ndarray, prefix: str = "c") -> str:
        """Add an initializer and return its name."""
        name = self._name(prefix)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], prefix: str | None = None, **attrs) -> str:
        """Add a node with one output and return the output's name."""
        out = self._name(prefix or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x: str, con: Layer, norm: Layer | None = None) -> str:
        """A dlib ``con_`` layer, with a following affine/bn folded into its weights."""
        weight = con.weights["weight"].astype(np.float64)
        bias = con.weights["bias"].astype(np.float64)
        if norm is not None:
            g, b = fold_scale_shift(norm)
            weight = weight * g[:, None, None, None]
            bias = bias * g + b
        (kh, kw), (sh, sw), (ph, pw) = con.attrs["kernel"], con.attrs["stride"], con.attrs["pad"]
        w_name = self.const(weight.astype(np.float32), "w")
        b_name = self.const(bias.astype(np.float32), "b")
        out = self.node(
            "Conv",
            [x, w_name, b_name],
            kernel_shape=[kh, kw],
            strides=[sh, sw],
            pads=[ph, pw, ph, pw],
        )
        if self.shapes.get(x) is not None:  # None: dynamic spatial size, not tracked
            _, h, w = self.shapes[x]
            h, w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
            self.shapes[out] = (weight.shape[0], h, w)
        else:
            self.shapes[out] = None
        return out

    def relu(self, x: str) -> str:
        """Elementwise ReLU."""
        out = self.node("Relu", [x])
        self.shapes[out] = self.shapes[x]
        return out

    def pool(self, x: str, layer: Layer) -> str:
        """dlib ``max_pool``/``avg_pool``; a 0x0 window means a global pool."""
        c, h, w = self.shapes[x]
        (kh, kw), (sh, sw) = layer.attrs["kernel"], layer.attrs["stride"]
        ph, pw = layer.attrs["pad"]
        if kh == 0 and kw == 0:
            op = "GlobalAveragePool" if layer.kind == "avg_pool" else "GlobalMaxPool"
            out = self.node(op, [x])
            self.shapes[out] = (c, 1, 1)
            return out
        if (ph, pw) != (0, 0):
            # dlib's avg pool divides by the in-image count; ONNX must be told the same.
            raise NotImplementedError("padded pooling is not needed by the face models")
        op = "AveragePool" if layer.kind == "avg_pool" else "MaxPool"
        out = self.node(op, [x], kernel_shape=[kh, kw], strides=[sh, sw])
        self.shapes[out] = (c, (h - kh) // sh + 1, (w - kw) // sw + 1)
        return out

    def _pad_to(self, x: str, target: tuple[int, int, int]) -> str:
        c, h, w = self.shapes[x]
        if (c, h, w) == target:
            return x
        pads = np.array([0, 0, 0, 0, 0, target[0] - c, target[1] - h, target[2] - w], np.int64)
        out = self.node("Pad", [x, self.const(pads, "pads")], mode="constant")
        self.shapes[out] = target
        return out

    def zero_fill_add(self, a: str, b: str) -> str:
        """dlib's add_prev: the output takes the larger size in each dimension, and the
        smaller operand is zero-filled at the end (extra channels, bottom rows, right
        columns)."""
        target = tuple(max(p, q) for p, q in zip(self.shapes[a], self.shapes[b]))
        out = self.node("Add", [self._pad_to(a, target), self._pad_to(b, target)])
        self.shapes[out] = target
        return out

    def model(self, inputs: list[onnx.ValueInfoProto], outputs: list[onnx.ValueInfoProto],
              name: str, doc: str) -> onnx.ModelProto:
        """Assemble the model."""
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.initializers)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="faceaudit"
        )
        model.ir_version = IR_VERSION
        model.doc_string = doc
        return model


def float_input(name: str, shape: list) -> onnx.ValueInfoProto:
    """A float32 graph input or output with the given (partly symbolic) shape."""
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
