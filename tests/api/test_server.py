"""The real thing: ``nhp serve`` in its own process on a free port, and ``nhp keys`` on the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from cli import main


HUNG_AFTER_S = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "NHP_HOME_DIR": str(tmp_path), "NHP_PORT": str(port), "NHP_HOST": "127.0.0.1"}
    env.pop("NHP_DATABASE_URL", None)
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # Wait for the server however loaded the machine is: until it answers or its process ends. The limit only
        # keeps a hung start-up from hanging the suite; it is far beyond any start-up seen (about 5 s at load 10).
        deadline = time.monotonic() + HUNG_AFTER_S
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "nhp serve hung: " + (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        yield base, tmp_path
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def test_nhp_serve_answers_and_says_it_is_in_local_mode(server):
    base, home = server
    areas = httpx.get(f"{base}/api/v1/areas", timeout=10)
    assert areas.status_code == 200
    from geo.demo import DEMO_AREA

    assert DEMO_AREA in [a["id"] for a in areas.json()]
    assert httpx.get(f"{base}/docs", timeout=10).status_code == 200
    assert (home / "nhp.sqlite3").exists()
    log = (home / "server.log").read_text()
    assert "local single-user mode, every request acts as admin" in log


def test_keys_command_line(tmp_path, monkeypatch, capsys):
    from geo.settings import get_settings

    monkeypatch.setenv("NHP_HOME_DIR", str(tmp_path))
    monkeypatch.delenv("NHP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    assert main(["keys", "create", "--name", "alice", "--role", "planner"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("nhp_")
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "planner" in listing and secret not in listing
    assert main(["keys", "revoke", "1"]) == 0
    assert main(["keys", "revoke", "99"]) == 2
    assert main(["keys", "list", "--active"]) == 0
    assert "local single-user mode" in capsys.readouterr().out
