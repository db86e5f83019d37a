"""Reader for dlib's binary serialization of its face networks, producing numpy weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["DatFormatError", "Layer", "Network", "read_network"]

# dlib's float_details marks special values with these exponents.
_EXP_INF, _EXP_NINF, _EXP_NAN = 32000, 32001, 32002


class DatFormatError(ValueError):
    """The file is not a dlib network this reader understands."""


@dataclass
class Layer:
    """One computational layer, in input-to-output order.

    Attributes:
        kind: ``con``, ``affine``, ``bn``, ``relu``, ``max_pool``, ``avg_pool``, ``fc`` or
            ``add_prev``.
        attrs: Integer hyper-parameters (strides, padding, window sizes, mode).
        weights: numpy arrays (``weight``/``bias`` for con and fc, ``gamma``/``beta`` for
            affine, plus ``running_mean``/``running_var``/``eps`` for bn).
    """

    kind: str
    attrs: dict[str, int] = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Network:
    """A parsed dlib network.

    Attributes:
        loss: The loss layer's serialized name, e.g. ``loss_metric_2`` or ``loss_mmod_``.
        loss_options: Loss settings (detector windows and NMS thresholds for MMOD).
        input_kind: The input layer's serialized name.
        input_options: Mean colour and, for pyramids, the tile paddings.
        layers: Data-carrying layers from the input towards the output.
        nesting: One entry per nested layer from the output inwards: ``"layer"`` or
            ``"tag_or_skip"`` (dlib stores no tag ids; wiring comes from the definition).
    """

    loss: str
    loss_options: dict
    input_kind: str
    input_options: dict
    layers: list[Layer]
    nesting: list[str]


class _Stream:
    """Cursor over the file's bytes with dlib's primitive decoders."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise DatFormatError(f"unexpected end of file at byte {self.pos} (wanted {n} bytes)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        control = self._take(1)[0]
        size = control & 0x0F
        if size > 8:
            raise DatFormatError(f"bad integer control byte {control:#x} at {self.pos - 1}")
        value = int.from_bytes(self._take(size), "little") if size else 0
        return -value if control & 0x80 else value

    def float(self) -> float:
        mantissa = self.int()
        exponent = self.int()
        if exponent == _EXP_INF:
            return float("inf")
        if exponent == _EXP_NINF:
            return float("-inf")
        if exponent == _EXP_NAN:
            return float("nan")
        return float(np.ldexp(float(mantissa), exponent))

    def bool(self) -> bool:
        byte = self._take(1)
        if byte not in (b"0", b"1"):
            raise DatFormatError(f"bad bool byte {byte!r} at {self.pos - 1}")
        return byte == b"1"

    def str(self) -> str:
        return self._take(self.int()).decode("latin-1")

    def tensor(self) -> np.ndarray:
        version = self.int()
        if version != 2:
            raise DatFormatError(f"unknown tensor version {version} at {self.pos}")
        shape = tuple(self.int() for _ in range(4))
        count = int(np.prod(shape))
        values = np.frombuffer(self._take(4 * count), dtype="<f4")
        return values.reshape(shape).astype(np.float32)

    def alias(self) -> tuple[int, ...]:
        version = self.int()
        if version != 1:
            raise DatFormatError(f"unknown alias_tensor version {version} at {self.pos}")
        return tuple(self.int() for _ in range(4))


def _read_con(s: _Stream, name: str) -> Layer:
    params = s.tensor().ravel()
    num_filters, nr, nc, stride_y, stride_x, pad_y, pad_x = (s.int() for _ in range(7))
    filters = s.alias()
    s.alias()  # biases
    for _ in range(4):
        s.float()  # learning-rate and weight-decay multipliers
    use_bias = s.bool() if name == "con_5" else True
    n_weights = int(np.prod(filters))
    weight = params[:n_weights].reshape(num_filters, n_weights // (num_filters * nr * nc), nr, nc)
    bias = params[n_weights:] if use_bias else np.zeros(num_filters, np.float32)
    attrs = dict(stride=(stride_y, stride_x), pad=(pad_y, pad_x), kernel=(nr, nc))
    return Layer("con", attrs, {"weight": weight, "bias": bias.copy()})


def _read_affine(s: _Stream) -> Layer:
    params = s.tensor().ravel()
    gamma_shape = s.alias()
    s.alias()
    mode = s.int()
    n = int(np.prod(gamma_shape))
    return Layer("affine", {"mode": mode}, {"gamma": params[:n].copy(), "beta": params[n:].copy()})


def _read_bn(s: _Stream) -> Layer:
    params = s.tensor().ravel()
    gamma_shape = s.alias()
    s.alias()
    s.tensor()  # means (training batch statistics)
    s.tensor()  # invstds
    running_mean = s.tensor().ravel()
    running_var = s.tensor().ravel()
    s.int()  # num_updates
    s.int()  # running_stats_window_size
    for _ in range(4):
        s.float()
    eps = s.float()
    n = int(np.prod(gamma_shape))
    weights = {
        "gamma": params[:n].copy(),
        "beta": params[n:].copy(),
        "running_mean": running_mean,
        "running_var": running_var,
        "eps": np.float64(eps),
    }
    return Layer("bn", {}, weights)


def _read_pool(s: _Stream, kind: str) -> Layer:
    nr, nc, stride_y, stride_x, pad_y, pad_x = (s.int() for _ in range(6))
    attrs = dict(kernel=(nr, nc), stride=(stride_y, stride_x), pad=(pad_y, pad_x))
    return Layer(kind, attrs)


def _read_fc(s: _Stream) -> Layer:
    num_outputs = s.int()
    num_inputs = s.int()
    params = s.tensor().ravel()
    s.alias()
    s.alias()
    bias_mode = s.int()  # 0 = FC_HAS_BIAS, 1 = FC_NO_BIAS
    for _ in range(4):
        s.float()
    weight = params[: num_inputs * num_outputs].reshape(num_inputs, num_outputs)
    weights = {"weight": weight.copy()}
    if bias_mode == 0:
        weights["bias"] = params[num_inputs * num_outputs :].copy()
    return Layer("fc", {"outputs": num_outputs}, weights)


def _read_layer(s: _Stream) -> Layer:
    name = s.str()
    if name in ("con_4", "con_5"):
        return _read_con(s, name)
    if name == "affine_":
        return _read_affine(s)
    if name == "bn_con2":
        return _read_bn(s)
    if name == "relu_":
        return Layer("relu")
    if name == "add_prev_":
        return Layer("add_prev")
    if name == "max_pool_2":
        return _read_pool(s, "max_pool")
    if name == "avg_pool_2":
        return _read_pool(s, "avg_pool")
    if name == "fc_2":
        return _read_fc(s)
    raise DatFormatError(f"unsupported layer {name!r} at byte {s.pos}")


def _read_test_box_overlap(s: _Stream) -> dict:
    return {"iou_thresh": s.float(), "percent_covered_thresh": s.float()}


def _read_loss(s: _Stream) -> tuple[str, dict]:
    name = s.str()
    if name == "loss_metric_2":
        return name, {"margin": s.float(), "dist_thresh": s.float()}
    if name == "loss_metric_":
        return name, {}
    if name != "loss_mmod_":
        raise DatFormatError(f"unsupported loss layer {name!r}")
    version = s.int()
    if not 1 <= version <= 4:
        raise DatFormatError(f"unknown mmod_options version {version}")
    windows = []
    if version == 1:
        windows.append({"width": s.int(), "height": s.int(), "label": ""})
    else:
        for _ in range(s.int()):
            window_version = s.int()
            width, height = s.int(), s.int()
            label = s.str() if window_version >= 2 else ""
            windows.append({"width": width, "height": height, "label": label})
    options = {
        "detector_windows": windows,
        "loss_per_false_alarm": s.float(),
        "loss_per_missed_target": s.float(),
        "truth_match_iou_threshold": s.float(),
        "overlaps_nms": _read_test_box_overlap(s),
        "overlaps_ignore": _read_test_box_overlap(s),
        "use_image_pyramid": True,
        "use_bounding_box_regression": False,
    }
    if version >= 3:
        options["use_image_pyramid"] = bool(s.int())
    if version >= 4:
        options["use_bounding_box_regression"] = s.bool()
        options["bbr_lambda"] = s.float()
    return name, options


def _read_input(s: _Stream) -> tuple[str, dict]:
    name = s.str()
    if name == "input_rgb_image_sized":
        mean = (s.float(), s.float(), s.float())
        return name, {"mean": mean, "rows": s.int(), "cols": s.int()}
    if name in ("input_rgb_image_pyramid", "input_rgb_image_pyramid2"):
        mean = (s.float(), s.float(), s.float())
        padding, outer_padding = (s.int(), s.int()) if name.endswith("2") else (10, 11)
        return name, {"mean": mean, "padding": padding, "outer_padding": outer_padding}
    raise DatFormatError(f"unsupported input layer {name!r}")


def read_network(path: str | Path) -> Network:
    """Parse a dlib network file (``net_type`` serialized by ``dlib::serialize``).

    Args:
        path: The ``.dat`` file.

    Returns:
        The parsed network.

    Raises:
        DatFormatError: On any unexpected token, or when bytes remain after the network:
            the whole file must be consumed, which is the check that the layout was right.
    """
    s = _Stream(Path(path).read_bytes())
    if s.int() != 1:
        raise DatFormatError("not a dlib network: bad add_loss_layer version")
    loss, loss_options = _read_loss(s)

    nesting: list[str] = []
    while True:
        version = s.int()
        if version == 1:
            nesting.append("tag_or_skip")
        elif version == 2:
            nesting.append("layer")
        elif version == 3:
            nesting.append("layer")
            break
        else:
            raise DatFormatError(f"unexpected layer version {version} at byte {s.pos}")

    input_kind, input_options = _read_input(s)
    layers = []
    for index in range(nesting.count("layer")):
        layers.append(_read_layer(s))
        for _ in range(3):
            s.bool()  # setup called, gradient stale, outputs disabled
        for _ in range(3):
            s.tensor()  # x_grad, cached_output, params_grad / grad_final (empty)
        if index == 0:
            s.int()  # sample_expansion_factor of the input-adjacent layer
    if s.pos != len(s.data):
        raise DatFormatError(
            f"{len(s.data) - s.pos} bytes left after the network in {path}: layout not understood"
        )
    return Network(loss, loss_options, input_kind, input_options, layers, nesting)
