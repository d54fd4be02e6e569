"""Load test: many concurrent planners reading and editing plans against a real ``nhp serve`` on PostgreSQL.

Starts a throwaway PostgreSQL cluster (``scripts/postgres.sh``) unless ``--database-url`` is given, and ``nhp serve``
on 127.0.0.1 with the demo region (``Q99``) or, with ``NHP_DATA_DIR`` set, the ICB given by ``--area`` (e.g. QK1).
Then ``--clients`` clients run for ``--seconds``: each loops over a mix of reads (plan, versions, metrics, the LSOA
layer, audit) and edits (move one LSOA with ``If-Match``). Clients share ``--plans`` plans, so stale edits happen:
a 412 is the expected answer to an edit made from an old ETag. A refused edit is counted and timed apart from the
saved ones; the client then re-reads the plan (a timed ``plan`` read) for its current ETag and makes the same edit
once more, as a planner would, so each client edits from a fresh ETag and the move timings are those of real edits.
Any other non-2xx answer, or a transport error, is an error; the target is zero.

``--workers 1,2,4`` runs the same load once per worker count (a fresh ``nhp serve --workers N`` each time, on the
same cluster) after ``--warmup`` untimed seconds that make every worker load the atlas and its caches, and ends
with a table side by side. The report includes the p95 of move + metrics (the edit a planner waits for) and the
machine's load average before and after, as the machine is shared. That p95 counts saved edits only: refusals
(412) are answered before any geography work, so timing them with the edits would flatter the figure.

Each client is one keep-alive connection spoken with h11 (``--client h11``, the default): it costs about 0.4 ms of
CPU per request, where httpx's async client (``--client httpx``) costs about 6 ms. On a 2-core machine that runs the
server as well, the heavier client alone capped the pair at about 180 req/s, so it measured the client. The report
gives server, client and PostgreSQL CPU per request.

Prints a JSON report per run: requests, throughput, p50/p95/p99 per kind and overall, edits saved and refused (412),
errors, and the CPU
milliseconds per request of the server (all workers), the client and PostgreSQL: on a shared machine the
latencies follow the other load, the CPU cost per request much less. Everything
stays on 127.0.0.1; the server and the cluster are stopped at the end.

Usage::

    python bench/load.py --clients 50 --seconds 120 [--workers 1,2,4] [--plans 10] [--edit-share 0.3] [--area QK1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import h11
import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its live children (the uvicorn workers), from
    /proc; 0.0 where /proc is not available."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for p in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Reply:
    """What a test needs of an answer: status, headers (case-insensitive) and body."""

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self._headers, self.content = status_code, headers, content
        self.headers = self

    def get(self, name: str, default=None):
        return self._headers.get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return self._headers[name.lower()]

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class H11Client:
    """One keep-alive HTTP/1.1 connection on asyncio streams, spoken with h11 (the protocol library uvicorn itself
    uses). It costs well under a millisecond of CPU per request where httpx costs about 6 ms, so on a 2-core machine
    that runs the server too, the server rather than the client is what gets measured (``--client h11``)."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.reader = self.writer = self.conn = None

    async def request(self, method: str, url: str, json=None, headers=None) -> Reply:
        for attempt in (0, 1):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                self.conn = h11.Connection(h11.CLIENT)
            try:
                return await self._exchange(method, url, json, headers)
            except (OSError, h11.ProtocolError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt:  # a reused connection the server had closed is retried once, fresh
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method, url, json_body, headers) -> Reply:
        body = b"" if json_body is None else json.dumps(json_body).encode()
        fields = [("Host", f"{self.host}:{self.port}"), ("Content-Length", str(len(body)))]
        if json_body is not None:
            fields.append(("Content-Type", "application/json"))
        fields += list((headers or {}).items())
        conn = self.conn
        data = conn.send(h11.Request(method=method, target=url, headers=fields))
        data += (conn.send(h11.Data(data=body)) if body else b"") + conn.send(h11.EndOfMessage())
        self.writer.write(data)
        await self.writer.drain()
        response, chunks = None, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await self.reader.read(65536))
            elif isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("the server closed the connection")
        reply = Reply(
            response.status_code, {k.decode().lower(): v.decode() for k, v in response.headers}, b"".join(chunks)
        )
        if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
            conn.start_next_cycle()
        else:  # the server asked to close: the next request opens a new connection
            self.close()
        return reply

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = self.conn = None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


class Postgres:
    """A throwaway cluster from scripts/postgres.sh (start_test_postgres / stop_test_postgres)."""

    def __init__(self) -> None:
        script = (
            f"source {shlex.quote(str(ROOT / 'scripts' / 'postgres.sh'))}; start_test_postgres >&2; "
            "echo NHP_TEST_POSTGRES_URL=$NHP_TEST_POSTGRES_URL; echo PG_TEST_DIR=$PG_TEST_DIR; "
            "echo PG_TEST_BIN=$PG_TEST_BIN; echo PG_TEST_RUN=$PG_TEST_RUN"
        )
        out = subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        self.url = env["NHP_TEST_POSTGRES_URL"]
        self.pid = int((Path(env["PG_TEST_DIR"]) / "data" / "postmaster.pid").read_text().split()[0])
        self.env = {k: env[k] for k in ("PG_TEST_DIR", "PG_TEST_BIN", "PG_TEST_RUN")}

    def stop(self) -> None:
        script = f"source {shlex.quote(str(ROOT / 'scripts' / 'postgres.sh'))}; stop_test_postgres"
        subprocess.run(["bash", "-c", script], env={**os.environ, **self.env}, check=False)


def start_server(home: Path, port: int, db_url: str, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "NHP_HOME_DIR": str(home),
        "NHP_PORT": str(port),
        "NHP_HOST": "127.0.0.1",
        "NHP_DATABASE_URL": db_url,
    }
    log = open(home / "server.log", "wb")
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--workers", str(workers), "--log-level", "warning"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )


async def wait_ready(base: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("the server exited during start-up")
            try:
                if (await client.get(f"{base}/api/v1/areas")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit("the server did not start")


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.stale = 0
        self.saved = 0
        self.errors: list[str] = []

    def add(self, kind: str, seconds: float) -> None:
        self.times[kind].append(seconds)


async def client_loop(
    http: httpx.AsyncClient,
    plans: list[dict],
    codes: list[str],
    labels: list[str],
    stats: Stats,
    stop: float,
    edit_share: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    etags = {p["id"]: p["etag"] for p in plans}

    async def timed(kind: str, method: str, url: str, **kwargs):
        started = time.perf_counter()
        try:
            response = await http.request(method, url, **kwargs)
        except (httpx.HTTPError, OSError, h11.ProtocolError, asyncio.IncompleteReadError) as error:
            stats.errors.append(f"{kind}: {type(error).__name__}")
            return None
        elapsed = time.perf_counter() - started
        if kind == "move" and response.status_code == 412:
            stats.stale += 1
            stats.add("move_refused_412", elapsed)
        elif kind == "move" and response.status_code == 422 and "change nothing" in response.text:
            stats.add("move_no_change_422", elapsed)  # refused too, before any geography work
        else:
            stats.add(kind, elapsed)
        return response

    while time.monotonic() < stop:
        plan = rng.choice(plans)["id"]
        roll = rng.random()
        if roll < edit_share:
            body = {"moves": {rng.choice(codes): rng.choice(labels)}}
            url = f"/api/v1/plans/{plan}/moves"
            for attempt in (0, 1):  # a refused edit is made once more from a freshly read ETag
                response = await timed("move", "POST", url, json=body, headers={"If-Match": etags[plan]})
                if response is None or response.status_code != 412 or attempt:
                    break
                reread = await timed("plan", "GET", f"/api/v1/plans/{plan}")
                if reread is None or reread.status_code != 200:
                    if reread is not None:
                        stats.errors.append(f"plan: {reread.status_code} {reread.text[:200]}")
                    response = None
                    break
                etags[plan] = reread.headers["ETag"]
            if response is None or response.status_code == 412:
                continue
            if response.status_code == 422 and "change nothing" in response.text:
                continue  # the LSOA was already in that neighbourhood: a valid refusal, not a failure
            if response.status_code >= 300:
                stats.errors.append(f"move: {response.status_code} {response.text[:200]}")
                continue
            stats.saved += 1
            etags[plan] = response.headers["ETag"]
            continue
        kind, url = rng.choice(
            [
                ("plan", f"/api/v1/plans/{plan}"),
                ("metrics", f"/api/v1/plans/{plan}/metrics"),
                ("versions", f"/api/v1/plans/{plan}/versions"),
                ("audit", f"/api/v1/plans/{plan}/audit"),
                ("lsoas", f"/api/v1/areas/{plans[0]['area']}/lsoas"),
            ]
        )
        response = await timed(kind, "GET", url)
        if response is None:
            continue
        if response.status_code >= 300:
            stats.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
        elif kind == "plan":
            etags[plan] = response.headers["ETag"]


async def run(
    base: str,
    area: str,
    clients: int,
    seconds: float,
    n_plans: int,
    edit_share: float,
    warmup: float = 0.0,
    server_pid: int | None = None,
    db_pid: int | None = None,
    client: str = "h11",
) -> dict:
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout, so a request never races the server
    # closing its connection (a client artefact that would show as ReadError).
    limits = httpx.Limits(max_connections=clients + 5, max_keepalive_connections=clients + 5, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        plans = []
        for k in range(n_plans):
            response = await http.post("/api/v1/plans", json={"name": f"load {k}", "area": area, "start": "lad"})
            response.raise_for_status()
            plans.append({"id": response.json()["id"], "etag": response.headers["ETag"], "area": area})
        first = (await http.get(f"/api/v1/plans/{plans[0]['id']}/versions/1")).json()["assignment"]
        codes, labels = sorted(first), sorted(set(first.values()))
        await http.get(f"/api/v1/plans/{plans[0]['id']}/metrics")  # warm the caches once
        await http.get(f"/api/v1/areas/{area}/lsoas")
        # Each simulated planner has its own keep-alive connection (h11) or shares httpx's pool.
        loops = [H11Client(base) for _ in range(clients)] if client == "h11" else [http] * clients
        if warmup > 0:  # untimed: every worker process loads the atlas and fills its caches
            await asyncio.gather(
                *(
                    client_loop(
                        loops[seed], plans, codes, labels, Stats(), time.monotonic() + warmup, edit_share, 10_000 + seed
                    )
                    for seed in range(clients)
                )
            )
        stats = Stats()
        cpu_before, client_before = (cpu_seconds(server_pid) if server_pid else 0.0), time.process_time()
        db_before = cpu_seconds(db_pid) if db_pid else 0.0
        started = time.monotonic()
        stop = started + seconds
        await asyncio.gather(
            *(client_loop(loops[seed], plans, codes, labels, stats, stop, edit_share, seed) for seed in range(clients))
        )
        for loop in loops:
            if isinstance(loop, H11Client):
                loop.close()
        elapsed = time.monotonic() - started
        server_cpu = (cpu_seconds(server_pid) - cpu_before) if server_pid else float("nan")
        client_cpu = time.process_time() - client_before
        db_cpu = (cpu_seconds(db_pid) - db_before) if db_pid else float("nan")
    everything = [t for ts in stats.times.values() for t in ts]
    kinds = {
        kind: {
            "requests": len(ts),
            "p50_ms": round(percentile(ts, 0.5) * 1000, 1),
            "p95_ms": round(percentile(ts, 0.95) * 1000, 1),
        }
        for kind, ts in sorted(stats.times.items())
    }
    # Saved edits only (and the metrics read after them): a 412 is refused before any geography work.
    edit = stats.times.get("move", []) + stats.times.get("metrics", [])
    return {
        "client": client,
        "area": area,
        "lsoas": len(codes),
        "clients": clients,
        "seconds": round(elapsed, 1),
        "plans": n_plans,
        "requests": len(everything),
        "throughput_rps": round(len(everything) / elapsed, 1),
        "p50_ms": round(percentile(everything, 0.5) * 1000, 1),
        "p95_ms": round(percentile(everything, 0.95) * 1000, 1),
        "p99_ms": round(percentile(everything, 0.99) * 1000, 1),
        "move_metrics_p95_ms": round(percentile(edit, 0.95) * 1000, 1),
        "edits_saved": stats.saved,
        "edits_refused_412": stats.stale,
        "refused_share": round(stats.stale / max(stats.saved + stats.stale, 1), 3),
        "errors": len(stats.errors),
        "first_errors": stats.errors[:10],
        "by_kind": kinds,
        # CPU per request, the figure the machine's other load does not change much (the latencies it does).
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(len(everything), 1), 2),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(len(everything), 1), 2),
        "postgres_cpu_ms_per_request": round(1000 * db_cpu / max(len(everything), 1), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--plans", type=int, default=10, help="plans the clients share (fewer: more 412s)")
    parser.add_argument("--edit-share", type=float, default=0.3, help="share of requests that are edits")
    parser.add_argument("--workers", default="1", help="uvicorn worker processes, or a list (1,2,4): one run each")
    parser.add_argument("--warmup", type=float, default=10, help="untimed seconds of load before each timed run")
    parser.add_argument("--area", help="area id (default: QK1 with NHP_DATA_DIR, else the demo region)")
    parser.add_argument("--database-url", help="use this database instead of a throwaway PostgreSQL cluster")
    parser.add_argument(
        "--client",
        choices=["h11", "httpx"],
        default="h11",
        help="h11: one light keep-alive connection per client (default); httpx: httpx's async "
        "client, about 6 ms of CPU per request on the same cores as the server",
    )
    args = parser.parse_args(argv)
    from geo.demo import DEMO_AREA

    area = args.area or ("QK1" if os.environ.get("NHP_DATA_DIR") else DEMO_AREA)
    counts = [int(n) for n in str(args.workers).split(",")]
    postgres = None if args.database_url else Postgres()
    db_url = args.database_url or postgres.url
    reports = []
    try:
        for workers in counts:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with tempfile.TemporaryDirectory(prefix="nhp-load-") as home:
                process = start_server(Path(home), port, db_url, workers)
                try:
                    asyncio.run(wait_ready(base, process))
                    before = os.getloadavg()
                    report = asyncio.run(
                        run(
                            base,
                            area,
                            args.clients,
                            args.seconds,
                            args.plans,
                            args.edit_share,
                            args.warmup,
                            process.pid,
                            postgres.pid if postgres else None,
                            args.client,
                        )
                    )
                    report["loadavg_before_after"] = [round(before[0], 2), round(os.getloadavg()[0], 2)]
                finally:
                    process.terminate()
                    try:
                        process.wait(20)
                    except subprocess.TimeoutExpired:
                        process.kill()
            report["workers"] = workers
            report["database"] = "postgresql (throwaway cluster)" if postgres else db_url.split(":", 1)[0]
            report["command"] = "python bench/load.py " + " ".join(argv if argv is not None else sys.argv[1:])
            print(json.dumps(report, indent=2), flush=True)
            reports.append(report)
    finally:
        if postgres:
            postgres.stop()
    print(
        f"{'workers':>7} {'req/s':>8} {'p95 ms':>8} {'move+metrics p95 ms':>20} {'saved':>6} {'412':>6} "
        f"{'errors':>7} {'load avg':>12} {'server cpu ms/req':>18}"
    )
    for r in reports:
        print(
            f"{r['workers']:>7} {r['throughput_rps']:>8} {r['p95_ms']:>8} {r['move_metrics_p95_ms']:>20} "
            f"{r['edits_saved']:>6} {r['edits_refused_412']:>6} "
            f"{r['errors']:>7} {'%.2f->%.2f' % tuple(r['loadavg_before_after']):>12} "
            f"{r['server_cpu_ms_per_request']:>18}"
        )
    return 0 if all(r["errors"] == 0 for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
