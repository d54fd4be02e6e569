"""``nhp serve --workers N``: the workers die with their parent, even when it is SIGKILLed, and the port is free
for a restart (issue 20, item 14)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.server import ROOT, free_port

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _children(pid: int) -> set[int]:
    """Every live process whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _serve(port: int, home: Path, log) -> subprocess.Popen:
    # The factory `nhp serve --workers N` gives uvicorn, started as it does (SQLite is enough for a smoke test:
    # `nhp serve` itself asks for PostgreSQL with several workers, for throughput, not for this).
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NHP_HOME_DIR": str(home)}
    env.pop("NHP_DATABASE_URL", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import uvicorn, sys; uvicorn.run('cli.serve:worker_app', "
            f"factory=True, host='127.0.0.1', port={port}, workers=2, log_level='info')",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_up(base: str, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(f"{base}/api/v1/areas", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not start")


def test_workers_die_with_a_killed_parent_and_the_port_is_free_again(tmp_path):
    port, log = free_port(), open(tmp_path / "serve.log", "ab")
    parent = _serve(port, tmp_path / "home", log)
    workers: set[int] = set()
    try:
        _wait_up(f"http://127.0.0.1:{port}", parent)
        # Each limit below only stops a hang; none is a speed requirement (a loaded 2-core machine is slow).
        deadline = time.monotonic() + 300
        while len(workers := {p for p in _children(parent.pid) if _is_python(p)}) < 2:
            assert time.monotonic() < deadline, "two workers did not start"
            time.sleep(0.2)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 120
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, f"workers still alive 120 s after their parent died: {workers}"
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while not _port_free(port):  # the kernel may take a moment to close the last socket
            assert time.monotonic() < deadline, "the port is still taken"
            time.sleep(0.2)
        again = _serve(port, tmp_path / "home", log)  # a restart on the same port works
        try:
            _wait_up(f"http://127.0.0.1:{port}", again)
        finally:
            again.terminate()
            again.wait(30)
    finally:
        if parent.poll() is None:
            parent.kill()
        for worker in workers:  # never leave a worker serving, even when the test fails
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
        log.close()


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False
