"""Long fuzzing runs (the bounded versions are tests/adversarial/test_fuzz.py and tests/api/test_schemathesis.py).

1. Schemathesis over every operation of the OpenAPI schema, in local mode and with a planner key, ``--examples``
   per operation: counts requests and 5xx answers (target: none).
2. Mutation fuzzing of every file reader (``geo.sources.READERS``) and every upload entry point
   (``tests.adversarial.fuzzing.upload_targets``: plans on disk and in memory, geographies, UEC extracts, candidate
   sites): ``--file-examples`` mutated files each; anything but a read or a DataError is a failure, and the
   slowest file of each is reported.

Prints a JSON report and exits 1 when anything failed. Runs in-process against the ASGI app (no network).

Usage::

    python bench/fuzz.py [--examples 100] [--file-examples 300] [--only api|files]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fuzz_api(examples: int) -> dict:
    import schemathesis
    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck, Phase, given, settings

    from api.app import create_app
    from api.auth import create_key
    from geo.settings import Settings
    from geo.testing import grid_atlas

    report = {}
    for mode in ("local", "planner key"):
        app = create_app(
            Settings(home_dir=tempfile.mkdtemp(prefix="nhp-fuzz-"), target_population=4500, max_upload_mb=0.05),
            atlas_provider={"GRID": grid_atlas(3, 3)},
        )
        headers = {}
        with TestClient(app) as client:
            if mode != "local":
                create_key(app.state.nhp.db, "admin", "admin")
                headers = {"Authorization": f"Bearer {create_key(app.state.nhp.db, 'fuzzer', 'planner')[1]}"}
            created = client.post("/api/v1/plans", json={"name": "seed", "area": "GRID"}, headers=headers)
            client.post(
                "/api/v1/plans/1/moves",
                json={"moves": {"G0000": "N2"}},
                headers={"If-Match": created.headers["ETag"], **headers},
            )
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        calls, statuses, failures = 0, Counter(), []
        for result in schema.get_all_operations():
            operation = result.ok()

            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
                database=None,
            )
            @given(case=operation.as_strategy())
            def run(case):
                nonlocal calls
                calls += 1
                try:
                    status = case.call(headers=headers).status_code
                except Exception as error:  # noqa: BLE001 - the in-process client re-raises what answers 500
                    status = f"500 ({type(error).__name__})"
                statuses[str(status)[:1] + "xx"] += 1
                if not str(status)[0].isdigit() or int(str(status)[:3]) >= 500:
                    failures.append(f"{case.method} {case.operation.path} {case.path_parameters} -> {status}")

            run()
        report[mode] = {
            "operations": len(list(schema.get_all_operations())),
            "requests": calls,
            "by_status": dict(sorted(statuses.items())),
            "server_errors": len(failures),
            "first_server_errors": sorted(set(failures))[:10],
        }
    return report


def fuzz_files(examples: int) -> dict:
    from hypothesis import HealthCheck, Phase, given, settings

    from geo.sources import READERS
    from geo.testing import grid_atlas
    from tests.adversarial.fuzzing import mutated, only_data_errors, upload_targets
    from tests.adversarial.samples import TABLES, csv_text

    atlas = grid_atlas(3, 3)
    targets = {f"reader {key}": (READERS[key], csv_text(key).encode(), ".csv") for key in sorted(TABLES)}
    targets.update(upload_targets(atlas))  # every upload entry point: plans, geographies, UEC extracts, sites
    report = {}
    for name, (read, seed, suffix) in targets.items():
        outcomes, crashes, slowest = Counter(), Counter(), 0.0

        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
            database=None,
        )
        @given(mutated(seed))
        def run(data):
            nonlocal slowest
            started = time.monotonic()
            try:
                outcomes[only_data_errors(read, data, suffix)] += 1
            except Exception as error:  # noqa: BLE001 - the point is to count what escapes
                frame = traceback.extract_tb(error.__traceback__)[-1]
                crashes[f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"] += 1
            slowest = max(slowest, time.monotonic() - started)

        run()
        report[name] = {
            "files": sum(outcomes.values()) + sum(crashes.values()),
            **outcomes,
            "crashes": dict(crashes),
            "slowest_seconds": round(slowest, 3),
        }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="schemathesis examples per operation")
    parser.add_argument("--file-examples", type=int, default=300, help="mutated files per reader")
    parser.add_argument("--only", choices=["api", "files"])
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.CRITICAL)  # the service logs each 500; the report counts them
    started = time.monotonic()
    report: dict = {}
    if args.only in (None, "api"):
        report["api"] = fuzz_api(args.examples)
    if args.only in (None, "files"):
        report["files"] = fuzz_files(args.file_examples)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["command"] = "python bench/fuzz.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(json.dumps(report, indent=2))
    failed = any(m["server_errors"] for m in report.get("api", {}).values()) or any(
        t["crashes"] for t in report.get("files", {}).values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
