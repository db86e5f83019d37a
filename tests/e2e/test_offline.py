"""Acceptance: the whole flow never opens a network connection, and data at rest stays private.

One flow (enrol, index, scan, review, identity, letter as PDF, text and e-mail draft, requests, calendar,
registry correction, lock, unlock, lock, wipe) runs with an audit hook that logs and refuses every network
attempt; the same flow runs again in a network namespace without interfaces and must give the same
results. The flow also records the modes of every file it left in the data folder, and what wipe left.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.lfw_sets import build_dataset, person_photos

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "desktop" / "faceaudit"

# Loaded into every Python process of the flow (worker processes too, through PYTHONPATH):
# an audit hook that records, then refuses, any attempt at a network socket or name lookup.
_GUARD = '''
import os, socket, sys
_LOG = os.environ["FACEAUDIT_NET_LOG"]
_NET = {socket.AF_INET, socket.AF_INET6}
def _hook(event, args):
    bad = (event == "socket.__new__" and args[1] in _NET) or event in (
        "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "socket.bind",
        "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect")
    if event == "socket.connect" and args and getattr(args[0], "family", None) == socket.AF_UNIX:
        bad = False
    if bad:
        with open(_LOG, "a") as log:
            log.write(f"{os.getpid()} {event} {args!r}\\n")
        raise PermissionError(f"network use blocked in tests: {event}")
sys.addaudithook(_hook)
'''

PERSON = "Winona_Ryder"
SECRET = "offline passphrase"
#: Top-level modules that speak to a network; no faceaudit module may import one.
NETWORK_MODULES = {"socket", "ssl", "urllib", "http", "requests", "httpx", "aiohttp", "urllib3", "ftplib",
                   "smtplib", "poplib", "imaplib", "telnetlib", "xmlrpc", "socketserver", "webbrowser", "asyncio",
                   "websocket", "websockets", "grpc", "paramiko"}
#: Qt parts that can fetch or show remote content.
QT_NETWORK = ("QtNetwork", "QNetwork", "QtWebEngine", "QWebEngine", "QtWebSockets", "QtWebChannel", "QtWebView")


def _guarded_env(tmp_path: Path, home: Path) -> tuple[dict, Path]:
    guard = tmp_path / "guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(_GUARD)
    log = tmp_path / "network.log"
    env = {**os.environ, "FACEAUDIT_HOME": str(home), "FACEAUDIT_NET_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")])}
    return env, log


def _modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home)): stat.S_IMODE(p.lstat().st_mode) for p in [home, *home.rglob("*")]}


def _flow(lfw: Path, dataset: Path, home: Path, env: dict, prefix: tuple[str, ...] = ()) -> dict:
    """Every command a user runs, in order; returns what to compare and what the data folder held."""
    commands = 0

    def cli(*args: str, stdin: str | None = None) -> str:
        nonlocal commands
        commands += 1
        done = subprocess.run([*prefix, sys.executable, "-m", "faceaudit.cli", *args], env=env, input=stdin,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    cli("me", "add", *map(str, person_photos(lfw, PERSON)[:2]))
    cli("me", "list")
    cli("dataset", "add", str(dataset), "--name", "lfw-offline")
    cli("index", "--workers", "2")
    cli("dataset", "list")
    cli("dataset", "errors", "lfw-offline")
    found = json.loads(cli("scan", "--json"))
    assert found and found[0]["band"] == "strong"
    cli("review", str(found[0]["id"]), "me")
    cli("review", str(found[-1]["id"]), "not-me")
    cli("identity", "set", "--name", "Jane Doe", "--address", "1 Road\\nTown", "--email", "jane@example.org",
        "--country", "DE", "--region", "DE-BE")  # a GDPR letter to a US university reaches a sender in the EU
    cli("registry", "link", "lfw-offline", "lfw")
    cli("registry", "edit", "lfw", "contact.email=privacy@example.org")
    letters = home / "letters"
    letters.mkdir(mode=0o700)  # the user's choice of folder; the letters in it are the app's
    cli("letter", "--type", "erasure", "--dataset", "lfw-offline", "--out", str(letters / "erasure.pdf"),
        "--text", str(letters / "erasure.txt"), "--eml", str(letters / "erasure.eml"), "--date", "2026-01-31")
    letter = (letters / "erasure.txt").read_text(encoding="utf-8")
    cli("requests", "add", "--type", "access", "--law", "gdpr", "--recipient", "Lab", "--sent", "2026-01-02",
        "--notes", "by post")
    cli("requests", "update", "1", "--sent", "2026-02-01", "--note", "sent by e-mail")
    cli("requests", "reply", "2", "--received", "2026-02-10", "--summary", "we hold no data", "--status", "answered")
    cli("requests", "list")
    cli("requests", "show", "1")
    cli("requests", "export-ics", str(home / "deadlines.ics"))
    rescanned = json.loads(cli("scan", "--json"))
    plain_modes = _modes(home)
    cli("lock", "--passphrase-stdin", stdin=SECRET + "\n")
    cli("unlock", "--passphrase-stdin", stdin=SECRET + "\n")
    cli("lock", "--passphrase-stdin", stdin=SECRET + "\n")
    locked_modes = _modes(home)
    # The letters and the calendar were saved in the data folder by the user's choice: wipe deletes
    # only what FaceAudit itself made there, so it refuses (deleting nothing) until they are moved out.
    refused = subprocess.run([*prefix, sys.executable, "-m", "faceaudit.cli", "wipe", "--yes"], env=env,
                             capture_output=True, text=True, timeout=600)
    assert refused.returncode == 2 and "deadlines.ics, letters" in refused.stderr, refused.stderr
    kept = home.parent / f"kept-{home.name}"
    kept.mkdir()
    shutil.move(letters, kept / "letters")
    shutil.move(home / "deadlines.ics", kept / "deadlines.ics")
    cli("wipe", "--yes")
    return {"scan": found, "rescan": rescanned, "letter": letter,
            "commands": commands, "modes": {**plain_modes, **locked_modes}, "left": home.exists()}


@pytest.fixture(scope="module")
def dataset(lfw, tmp_path_factory) -> Path:
    return build_dataset(lfw, tmp_path_factory.mktemp("offline") / "dataset", (PERSON,), enrolled=2, strangers=20)


@pytest.fixture(scope="module")
def guarded_run(lfw, dataset, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("guarded")
    env, log = _guarded_env(tmp, tmp / "home")
    # A fresh user home and temp folder, to see whether anything (a library's telemetry queue, a
    # device id, a session file) is written outside the data folder.
    outside = [tmp / "user-home", tmp / "tmpdir"]
    for folder in outside:
        folder.mkdir()
    env.update(HOME=str(outside[0]), TMPDIR=str(outside[1]))
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        env.pop(name, None)
    # The guard is live in the child processes: a deliberate connection attempt is caught.
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                           env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "network use blocked" in probe.stderr
    log.unlink()
    result = _flow(lfw, dataset, tmp / "home", env)
    result["network_log"] = log.read_text() if log.exists() else ""
    result["outside"] = sorted(str(p) for folder in outside for p in folder.rglob("*"))
    return result


def test_full_flow_opens_no_network_socket(guarded_run):
    assert guarded_run["network_log"] == "", f"network use attempted:\n{guarded_run['network_log']}"
    print(f"\noffline [audit hook]: {guarded_run['commands']} commands, 0 network events, 0 bytes sent")


def test_nothing_is_written_outside_the_data_folder(guarded_run):
    # ONNX Runtime 1.31's telemetry would leave $TMPDIR/.ses and ~/.cache/Microsoft/.../onnxruntime.db
    # (a queue of events to upload) and a device id here, were it not switched off (faceaudit/__init__.py).
    assert guarded_run["outside"] == []
    print("\noffline [telemetry]: 0 files written to the user's home or temp folder (no session file, device id"
          " or event queue)")


def test_every_file_the_app_created_is_private(guarded_run):
    modes = guarded_run["modes"]
    assert "faceaudit.db" in modes and "faceaudit.db.enc" in modes and "registry/local.json" in modes
    assert any(name.startswith("cache/") for name in modes) and "letters/erasure.eml" in modes
    loose = {name: oct(mode) for name, mode in modes.items()
             if mode != (0o700 if name in (".", "cache", "registry", "letters") else 0o600)}
    assert not loose, f"not private to the owner: {loose}"
    print(f"\ndata at rest: {len(modes)} files and folders checked, all 0700/0600")


def test_wipe_removes_every_file_the_app_created(guarded_run):
    assert not guarded_run["left"]  # letters, calendar, caches, registry corrections, encrypted database: gone
    print(f"\nwipe: {len(guarded_run['modes'])} entries (database, encrypted database, cache, registry,"
          " letters, calendar) removed, 0 left")


def _network_namespace_refusal() -> str | None:
    if not shutil.which("unshare"):
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(["unshare", "-n", sys.executable, "-c", "import socket; print(socket.if_nameindex())"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make a network namespace here: {probe.stderr.strip() or probe.returncode}"
    if probe.stdout.strip() != "[(1, 'lo')]":
        return f"the namespace has interfaces: {probe.stdout.strip()}"
    return None


def test_full_flow_inside_a_network_namespace_gives_the_same_results(lfw, dataset, guarded_run, tmp_path):
    refusal = _network_namespace_refusal()
    if refusal:
        pytest.skip(refusal)
    unreachable = subprocess.run(["unshare", "-n", sys.executable, "-c",
                                  "import socket; socket.create_connection(('192.0.2.1', 80), timeout=2)"],
                                 capture_output=True, text=True)
    assert unreachable.returncode != 0 and "unreachable" in unreachable.stderr.lower()
    home = tmp_path / "home"
    result = _flow(lfw, dataset, home, {**os.environ, "FACEAUDIT_HOME": str(home)}, prefix=("unshare", "-n"))
    assert result["scan"] == guarded_run["scan"] and result["rescan"] == guarded_run["rescan"]
    assert result["letter"] == guarded_run["letter"]
    assert not result["left"]
    print(f"\noffline [network namespace, no interfaces]: {result['commands']} commands, scan JSON identical"
          f" ({len(result['scan'])} candidates), letter identical")


_GUI_START = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from faceaudit.core.storage import paths
from faceaudit.gui.app import app_icon, create_window
from faceaudit.gui.support.single_instance import SingleInstance
app.setWindowIcon(app_icon())
instance = SingleInstance(paths.data_home())  # one window per data folder: a file lock and a watched file
assert instance.claim()
window = create_window()
raised = []
instance.raise_requested.connect(lambda: raised.append(True) or QTimer.singleShot(500, app.quit))
instance.watch()
window.show()
second = SingleInstance(paths.data_home())  # as a second start of the app does
QTimer.singleShot(100, lambda: second.ask_first_to_come_forward())
QTimer.singleShot(20000, app.quit)  # the request never arrived: the check below says so
app.exec()
window.close()
window.store.close()
instance.release()
print("started", "raised" if raised else "not raised")
"""


def test_gui_start_up_opens_no_network_socket(tmp_path):
    env, log = _guarded_env(tmp_path, tmp_path / "home")
    env["QT_QPA_PLATFORM"] = "offscreen"
    command = [sys.executable, "-c", _GUI_START]
    # Qt's own C++ code is invisible to Python's audit hooks: where strace works, it watches system calls too.
    trace = tmp_path / "strace.txt"
    traced = shutil.which("strace") and subprocess.run(["strace", "-o", "/dev/null", "true"]).returncode == 0
    if traced:
        command = ["strace", "-f", "-qq", "-e", "trace=socket,connect,sendto,sendmsg", "-o", str(trace), *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "started raised" in done.stdout, done.stdout + done.stderr
    assert not log.exists(), f"network use attempted:\n{log.read_text()}"
    assert not traced or trace.exists()
    calls = trace.read_text().splitlines() if traced else []
    internet = [line for line in calls if "AF_INET" in line or "sin_port" in line or "sin6_port" in line]
    assert not internet, "\n".join(internet)
    print(
        "\noffline [GUI start-up with the one-window guard, a second start's request]: 0 network events (audit hook);"
        + (f" {len(calls)} socket system calls traced, 0 to the internet (strace)" if traced else " strace unavailable")
    )


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_faceaudit_module_imports_a_network_module():
    sources = sorted(PACKAGE.rglob("*.py"))
    found = {}
    for path in sources:
        text = path.read_text(encoding="utf-8")
        bad = {name for name in _imports(path) if name.split(".")[0] in NETWORK_MODULES}
        bad |= {word for word in QT_NETWORK if word in text}
        if bad:
            found[str(path.relative_to(ROOT))] = sorted(bad)
    assert not found, f"network code in the app: {found}"
    print(f"\nstatic check: {len(sources)} source files, 0 network imports")
