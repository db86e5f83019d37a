"""Parity of the ONNX ports of dlib's face networks with dlib itself, on real photos."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

dlib = pytest.importorskip("dlib")
face_recognition_models = pytest.importorskip("face_recognition_models")

from faceaudit.core.faces.dlibnet import MODEL_ID, CnnDetector, Embedder, available_devices, engine_info  # noqa: E402
from faceaudit.core.faces.dlibnet.dat_reader import DatFormatError, read_network  # noqa: E402

FACEDATA = Path(__file__).resolve().parents[3].parent / "shared" / "facedata"
LFW = FACEDATA / "lfw-deepfunneled" / "data" / "lfw-deepfunneled"
EXAMPLES = FACEDATA / "ageitgey-face_recognition" / "examples"

needs_facedata = pytest.mark.skipif(
    not LFW.is_dir() or not EXAMPLES.is_dir(),
    reason=f"face photos not present (expected {FACEDATA}, see shared/facedata/INDEX.md)",
)
needs_cuda = pytest.mark.skipif(
    "cuda" not in available_devices(), reason="no CUDAExecutionProvider (onnxruntime-gpu)"
)

# (photo under examples/, upsample): small and medium photos keep the test quick.
CNN_CASES = [
    ("obama_small.jpg", 0),
    ("alex-lacamoire.png", 0),
    ("knn_examples/train/kit_harington/john2.jpeg", 0),
    ("knn_examples/test/kit_with_rose.jpg", 0),
    ("obama-240p.jpg", 1),
    ("obama_small.jpg", 1),
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def embedder(cache_dir) -> Embedder:
    return Embedder(cache_dir)


@pytest.fixture(scope="module")
def detector(cache_dir) -> CnnDetector:
    return CnnDetector(cache_dir)


def _face_chips(limit: int) -> np.ndarray:
    """Chips of the first HOG face in LFW <Name>_0001 photos and the example photos."""
    hog = dlib.get_frontal_face_detector()
    shape5 = dlib.shape_predictor(
        face_recognition_models.pose_predictor_five_point_model_location())
    paths = sorted(EXAMPLES.glob("*.jpg")) + [
        LFW / name / f"{name}_0001.jpg" for name in sorted(os.listdir(LFW))[:60]
    ]
    chips = []
    for path in paths:
        image = dlib.load_rgb_image(str(path))
        if image.shape[0] * image.shape[1] > 1500 * 1500:
            continue
        faces = hog(image, 1)
        if faces:
            shape = shape5(image, faces[0])
            chips.append(dlib.get_face_chip(image, shape, size=150, padding=0.25))
        if len(chips) == limit:
            break
    return np.stack(chips)


@pytest.fixture(scope="module")
def chips() -> np.ndarray:
    if not LFW.is_dir() or not EXAMPLES.is_dir():
        pytest.skip(f"face photos not present under {FACEDATA}")
    return _face_chips(40)


@pytest.mark.parametrize("getter", ["face_recognition_model_location",
                                    "cnn_face_detector_model_location"])
def test_parse_consumes_whole_file(getter, tmp_path):
    path = Path(getattr(face_recognition_models, getter)())
    network = read_network(path)  # raises unless the parse ends exactly at end-of-file
    assert network.layers

    data = path.read_bytes()
    (tmp_path / "extra.dat").write_bytes(data + b"\x00")
    with pytest.raises(DatFormatError, match="left after"):
        read_network(tmp_path / "extra.dat")
    (tmp_path / "short.dat").write_bytes(data[:-100])
    with pytest.raises(DatFormatError):
        read_network(tmp_path / "short.dat")


def test_recognition_network_shape():
    network = read_network(face_recognition_models.face_recognition_model_location())
    kinds = [layer.kind for layer in network.layers]
    assert kinds.count("con") == 29 and kinds.count("add_prev") == 14
    assert network.layers[-1].weights["weight"].shape == (256, 128)
    assert network.input_options["rows"] == network.input_options["cols"] == 150


@needs_facedata
def test_embeddings_match_dlib(embedder, chips):
    model = dlib.face_recognition_model_v1(
        face_recognition_models.face_recognition_model_location())
    expected = np.array([model.compute_face_descriptor(chip) for chip in chips], np.float32)
    got = embedder.embed(chips)
    assert len(chips) >= 32
    assert got.shape == (len(chips), 128) and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-4


@needs_facedata
def test_batch_sizes_agree(cache_dir, chips):
    single = Embedder(cache_dir, threads=1, batch_size=1).embed(chips[:5])
    batched = Embedder(cache_dir, batch_size=64).embed(chips[:5])
    assert np.abs(single - batched).max() < 1e-5
    assert Embedder(cache_dir).embed(chips[0]).shape == (1, 128)
    assert Embedder(cache_dir).embed(chips[:0]).shape == (0, 128)


def test_cached_model_is_reused(cache_dir):
    first = Embedder(cache_dir).model_path()
    mtime = first.stat().st_mtime_ns
    assert Embedder(cache_dir).model_path() == first
    assert first.stat().st_mtime_ns == mtime
    assert first.name.startswith("dlib_resnet_v1-")
    assert not list(cache_dir.glob("*.tmp"))


def _dlib_cnn():
    return dlib.cnn_face_detection_model_v1(
        face_recognition_models.cnn_face_detector_model_location())


@needs_facedata
@pytest.mark.parametrize("name,upsample", CNN_CASES)
def test_cnn_detections_match_dlib(detector, name, upsample):
    image = dlib.load_rgb_image(str(EXAMPLES / name))
    expected = sorted(
        (d.rect.top(), d.rect.right(), d.rect.bottom(), d.rect.left())
        for d in _dlib_cnn()(image, upsample)
    )
    got = sorted(box for box, _ in detector.detect(image, upsample))
    assert len(got) == len(expected) > 0
    for box, ref in zip(got, expected):
        assert max(abs(a - b) for a, b in zip(box, ref)) <= 2


@needs_facedata
def test_detect_batch_matches_single(detector):
    image = dlib.load_rgb_image(str(EXAMPLES / "obama_small.jpg"))
    other = np.ascontiguousarray(image[:, ::-1])
    batch = detector.detect_batch([image, other, image[:200]], 0)
    assert batch == [detector.detect(image), detector.detect(other), detector.detect(image[:200])]


def test_model_identity():
    info = engine_info()
    assert MODEL_ID == "dlib_face_recognition_resnet_model_v1" == info["model_id"]
    assert info["engine"] == "onnxruntime" and "cpu" in info["available_devices"]


def test_cuda_request_without_cuda_fails_clearly(cache_dir):
    if "cuda" in available_devices():
        pytest.skip("CUDA is available here")
    with pytest.raises(RuntimeError, match="onnxruntime-gpu"):
        Embedder(cache_dir, device="cuda").embed(np.zeros((1, 150, 150, 3), np.uint8))


@pytest.mark.gpu
@needs_cuda
@needs_facedata
def test_cuda_embeddings_match_dlib(cache_dir, chips):
    model = dlib.face_recognition_model_v1(
        face_recognition_models.face_recognition_model_location())
    expected = np.array([model.compute_face_descriptor(chip) for chip in chips[:8]], np.float32)
    got = Embedder(cache_dir, device="cuda").embed(chips[:8])
    assert np.abs(got - expected).max() < 1e-4  # TF32 is off (dlibnet/_runtime.py)


@pytest.mark.gpu
@needs_cuda
@needs_facedata
def test_cuda_detections_match_cpu(cache_dir, detector):
    image = dlib.load_rgb_image(str(EXAMPLES / "knn_examples/test/kit_with_rose.jpg"))
    cpu = sorted(box for box, _ in detector.detect(image))
    gpu = sorted(box for box, _ in CnnDetector(cache_dir, device="cuda").detect(image))
    assert len(cpu) == len(gpu)
    for a, b in zip(cpu, gpu):
        assert max(abs(x - y) for x, y in zip(a, b)) <= 2


def test_auto_device_is_cuda_only_where_onnx_runtime_has_it(monkeypatch):
    from faceaudit.core.faces import dlibnet
    from faceaudit.core.faces.engine import FaceEngine

    here = "cuda" if "cuda" in available_devices() else "cpu"
    assert FaceEngine(embedder="onnx").settings["device"] == here  # recorded as decided, never "auto"
    monkeypatch.setattr(dlibnet, "available_devices", lambda: ["cpu", "cuda"])
    assert FaceEngine(embedder="onnx").device == "cuda"
    assert FaceEngine(embedder="dlib", detector="cnn").device == "cuda"
    assert FaceEngine(embedder="dlib").device == "cpu"  # nothing runs in ONNX Runtime
    assert FaceEngine(embedder="onnx", device="cpu").device == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        FaceEngine(device="tpu")
