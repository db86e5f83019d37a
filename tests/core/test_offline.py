"""Acceptance: the full command-line flow never opens a network socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.lfw_sets import build_dataset, person_photos

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


def test_full_flow_opens_no_network_socket(lfw, tmp_path):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(_GUARD)
    log = tmp_path / "network.log"
    env = {**os.environ, "FACEAUDIT_HOME": str(tmp_path / "home"), "FACEAUDIT_NET_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")])}

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "faceaudit.cli", *args], env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    dataset = build_dataset(lfw, tmp_path / "dataset", (PERSON,), enrolled=2, strangers=40)
    # The guard is live in the child processes: a deliberate connection attempt is caught.
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
                           env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "network use blocked" in probe.stderr
    log.unlink()

    cli("me", "add", *map(str, person_photos(lfw, PERSON)[:2]))
    cli("me", "list")
    cli("dataset", "add", str(dataset), "--name", "lfw-offline")
    cli("index", "--workers", "2")
    cli("dataset", "list")
    cli("dataset", "errors", "lfw-offline")
    found = json.loads(cli("scan", "--json"))
    assert found and found[0]["band"] == "strong"
    cli("review", str(found[0]["id"]), "me")
    cli("wipe", "--yes")
    assert not log.exists(), f"network use attempted:\n{log.read_text()}"
    assert not Path(env["FACEAUDIT_HOME"]).exists()
