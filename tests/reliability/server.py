"""A real uvicorn process serving the API on a 6 x 6 grid atlas, for tests that kill and restart the server.

``python -m tests.reliability.server PORT DATABASE_URL HOME`` serves ``create_app`` (grid area ``GRID``) on
127.0.0.1:PORT and logs at INFO to stderr. :class:`Server` starts it, waits until it answers, and SIGKILLs it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One server process; ``start()`` (again after ``kill()``) keeps the same port, database and log file."""

    def __init__(self, db_url: str, home: Path, log: Path) -> None:
        self.db_url, self.home, self.log_path = db_url, Path(home), Path(log)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 600) -> None:  # a hang guard, not a speed limit
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NHP_HOME_DIR": str(self.home)}
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.server", str(self.port), self.db_url, str(self.home)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/api/v1/me", timeout=2).status_code in (200, 401):
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no rollback; exactly a power cut for the process."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def main(argv: list[str]) -> None:
    import logging

    import uvicorn

    from api.app import create_app
    from geo.settings import Settings
    from geo.testing import grid_atlas

    port, db_url, home = int(argv[0]), argv[1], argv[2]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    app = create_app(
        Settings(home_dir=home, database_url=db_url, target_population=9000),
        atlas_provider={"GRID": grid_atlas(6, 6, lad_width=3)},
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info", access_log=True)


if __name__ == "__main__":
    main(sys.argv[1:])
