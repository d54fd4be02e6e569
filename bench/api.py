"""Benchmark the API as a planner feels it: p50/p95 of "move one LSOA and get metrics" and "get plan metrics"
with 20 concurrent clients, against a real ``nhp serve`` process on this machine.

It uses the LLR ICB (``QK1``) when ``NHP_DATA_DIR`` holds the official files, else the synthetic demo region,
and says which. Each client works on its own plan (one neighbourhood per local authority) so that the moves do
not collide on ETags: the numbers measure the service, not 412 retries. Every request goes to 127.0.0.1 only,
the number of requests is fixed, and the server is stopped at the end.

Usage::

    python bench/api.py [--clients 20] [--rounds 15] [--area QK1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def start_server(home: Path, port: int, data_dir: str | None) -> subprocess.Popen:
    env = {**os.environ, "NHP_HOME_DIR": str(home), "NHP_PORT": str(port), "NHP_HOST": "127.0.0.1"}
    env.pop("NHP_DATABASE_URL", None)
    if data_dir:
        env["NHP_DATA_DIR"] = data_dir
    log = open(home / "server.log", "w")
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


async def wait_ready(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("the server stopped while starting")
            try:
                await client.get(f"{base}/openapi.json", timeout=2)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.3)
    raise SystemExit("the server did not start in time")


async def make_plan(client: httpx.AsyncClient, area: str, k: int) -> tuple[int, str, str, str]:
    """Create one plan per client; return its id, ETag, the LSOA this client moves, and its neighbourhood."""
    response = await client.post(
        "/api/v1/plans", json={"name": f"bench {k}", "area": area, "start": "lad"}, timeout=600
    )
    response.raise_for_status()
    plan_id, etag = response.json()["id"], response.headers["ETag"]
    version = (await client.get(f"/api/v1/plans/{plan_id}/versions/1")).json()
    codes = sorted(version["assignment"])
    code = codes[(k * 37) % len(codes)]
    return plan_id, etag, code, version["assignment"][code]


async def run_client(client, plan, rounds, move_times, metric_times) -> None:
    plan_id, etag, code, home = plan
    for r in range(rounds):
        target = "bench-new" if r % 2 == 0 else home
        started = time.perf_counter()
        moved = await client.post(
            f"/api/v1/plans/{plan_id}/moves", json={"moves": {code: target}}, headers={"If-Match": etag}
        )
        moved.raise_for_status()
        etag = moved.headers["ETag"]
        version = moved.json()["version"]
        metrics = await client.get(f"/api/v1/plans/{plan_id}/versions/{version}/metrics")
        metrics.raise_for_status()
        move_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        (await client.get(f"/api/v1/plans/{plan_id}/metrics")).raise_for_status()
        metric_times.append(time.perf_counter() - started)


async def bench(base: str, area: str, clients: int, rounds: int) -> dict:
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        await client.get(f"/api/v1/areas/{area}", timeout=900)  # load the atlas once, outside the timings
        plans = [await make_plan(client, area, k) for k in range(clients)]
        for plan in plans:  # warm each plan's cached metrics, as a planner opening it would
            (await client.get(f"/api/v1/plans/{plan[0]}/metrics")).raise_for_status()
        move_times, metric_times = [], []
        started = time.perf_counter()
        await asyncio.gather(*(run_client(client, p, rounds, move_times, metric_times) for p in plans))
        wall = time.perf_counter() - started
        lsoas = (await client.get(f"/api/v1/areas/{area}")).json()["lsoas"]
    result = {
        "area": area,
        "lsoas": lsoas,
        "clients": clients,
        "requests": 3 * clients * rounds,
        "wall_s": round(wall, 2),
    }
    for name, values in (("move_then_metrics", move_times), ("get_metrics", metric_times)):
        result[name] = {
            "n": len(values),
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * _percentile(values, 0.95), 1),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--area", help="area id (default: QK1 with NHP_DATA_DIR, else the demo region)")
    args = parser.parse_args(argv)
    data_dir = os.environ.get("NHP_DATA_DIR")
    if not args.area:
        from geo.demo import DEMO_AREA

        args.area = "QK1" if data_dir and Path(data_dir).is_dir() else DEMO_AREA
    print(f"area {args.area} ({'official data in ' + data_dir if args.area == 'QK1' else 'synthetic demo region'})")
    with tempfile.TemporaryDirectory(prefix="nhp-bench-") as folder:
        port = _free_port()
        process = start_server(Path(folder), port, data_dir)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base, process))
            result = asyncio.run(bench(base, args.area, args.clients, args.rounds))
        finally:
            process.terminate()
            process.wait(30)
    for key in ("move_then_metrics", "get_metrics"):
        r = result[key]
        print(f"{key:<18} n={r['n']:<4} p50 {r['p50_ms']:>7.1f} ms   p95 {r['p95_ms']:>7.1f} ms")
    print(
        f"{result['clients']} clients, {result['requests']} requests in {result['wall_s']} s on {result['area']} "
        f"({result['lsoas']} LSOAs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
