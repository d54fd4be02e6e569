"""Upload bombs (issue 20, items 3, 4 and 9): each is refused before the heavy work with an error that names the
limit, and the process's peak memory stays bounded; an upload never touches the disk, even when killed.

Each bomb runs in its own Python process (:func:`_run`), which measures its peak resident memory
(``ru_maxrss``) after the imports and an upload warm-up, then runs the bomb under an address-space limit of that
process's size plus 1.5 GB: a regression fails on its error or its memory, never by exhausting the machine. Nothing
here depends on wall-clock speed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial.bombs import large_xlsx, multipart_geojson, sparse_xlsx, star_geojson

ROOT = Path(__file__).resolve().parents[2]
CODES = [f"G{i:04d}" for i in range(36)]
#: Growth of the peak resident memory a refused bomb may cause (the star held 5.4 GB before the bounds).
BOUND_MB = 250

PRELUDE = """
import io, json, resource, sys
import pyogrio, openpyxl, shapely
import geo.plan.io, geo.plan.geography, geo.uec, geo.sources.limits
from geo.testing import grid_atlas
ATLAS = grid_atlas(6, 6, lad_width=3)
data = open(sys.argv[1], "rb").read()
name = sys.argv[2]

def virtual_size():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
"""

API = """
import tempfile
from fastapi.testclient import TestClient
from api.app import create_app
from geo.settings import Settings
app = create_app(Settings(home_dir=tempfile.mkdtemp(prefix="nhp-bomb-"), data_dir=None, target_population=9000,
                          max_upload_mb=20), atlas_provider={"GRID": ATLAS})
client = TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1").__enter__()
plan = b"lsoa_code,neighbourhood\\n" + b"".join(f"G{i:04d},N{i % 2}\\n".encode() for i in range(36))
assert client.post("/api/v1/plans/import", files={"file": ("warm.csv", io.BytesIO(plan))},
                   data={"area": "GRID"}).status_code == 201

def run():
    url = "/api/v1/plans/import" if name.endswith("json") else "/api/v1/areas/GRID/hotspots?strict=true"
    r = client.post(url, files={"file": (name, io.BytesIO(data), "application/octet-stream")},
                    data={"area": "GRID"} if "import" in url else None)
    return {"status": r.status_code, "body": r.json()}
"""

CLI = """
import contextlib, os, tempfile
import cli, cli._common
cli._common.atlas_from_args = lambda args: ATLAS
folder = tempfile.mkdtemp(prefix="nhp-bomb-")
upload = os.path.join(folder, name)
open(upload, "wb").write(data)
plan = os.path.join(folder, "plan.csv")
open(plan, "w").write("lsoa_code,neighbourhood\\n" + "".join(f"G{i:04d},N{i % 2}\\n" for i in range(36)))
argv = [a.replace("UPLOAD", upload).replace("PLAN", plan) for a in sys.argv[3:]]
with contextlib.redirect_stdout(io.StringIO()):
    assert cli.main(["score", plan, "--area", "GRID", "--target", "9000"]) == 0

def run():
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(argv)
    return {"status": status, "stderr": err.getvalue()}
"""

MEASURE = """
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cap = virtual_size() + 1_500_000_000
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
outcome = run()
outcome["grew_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print("RESULT " + json.dumps(outcome))
"""


def _run(tmp_path, mode: str, data: bytes, name: str, *argv: str, limits: str = "") -> dict:
    """Run one bomb in a fresh process (``mode``: the API or the CLI) and return its outcome and memory growth."""
    upload = tmp_path / "bomb.bin"
    upload.write_bytes(data)
    code = PRELUDE + limits + (API if mode == "api" else CLI) + MEASURE
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "NHP_HOME": str(tmp_path / "home"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code, str(upload), name, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=900,
        check=False,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(line[len("RESULT ") :])


def _api_refusal(outcome: dict, limit: str, file: str) -> None:
    assert outcome["status"] in (413, 422), outcome
    assert limit in outcome["body"]["detail"], outcome["body"]
    assert outcome["body"]["file"] == file
    assert outcome["grew_mb"] < BOUND_MB, outcome


def _cli_refusal(outcome: dict, limit: str) -> None:
    assert outcome["status"] == 2, outcome
    lines = outcome["stderr"].strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nhp: error:") and limit in lines[0], outcome
    assert outcome["grew_mb"] < BOUND_MB, outcome


pytestmark = pytest.mark.slow


def test_star_polygon_plan_upload_is_refused_before_make_valid(tmp_path):
    star = star_geojson()
    assert 200_000 < len(star) < 220_000  # the 210 KB of the report
    outcome = _run(tmp_path, "api", star, "star.geojson")
    _api_refusal(outcome, "MAX_SELF_INTERSECTIONS", "star.geojson")
    assert outcome["body"]["row"] == 1 and outcome["body"]["column"] == "geometry"


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "UPLOAD", "--area", "GRID"],
        ["score", "PLAN", "--area", "GRID", "--align", "UPLOAD"],
        ["propose", "--area", "GRID", "--nest", "UPLOAD", "--target", "9000"],
    ],
    ids=["score", "align", "nest"],
)
def test_star_polygon_on_the_command_line_is_one_line_exit_2(tmp_path, argv):
    outcome = _run(tmp_path, "cli", star_geojson(), "star.geojson", *argv)
    _cli_refusal(outcome, "MAX_SELF_INTERSECTIONS")


def test_many_part_multipolygon_is_refused_by_parts(tmp_path):
    dust = multipart_geojson(parts=12_000)  # one feature of 12,000 triangles, under 1 MB
    outcome = _run(tmp_path, "api", dust, "dust.geojson")
    _api_refusal(outcome, "MAX_FEATURE_PARTS", "dust.geojson")
    assert outcome["body"]["row"] == 1


def test_sparse_xlsx_in_column_xfd_is_refused_at_its_first_row(tmp_path):
    bomb = sparse_xlsx(600, CODES)
    assert len(bomb) < 10_000
    outcome = _run(tmp_path, "api", bomb, "sparse.xlsx")
    _api_refusal(outcome, "MAX_COLUMNS", "sparse.xlsx")
    assert outcome["body"]["column"] == "XFD" and outcome["body"]["row"] == 1


def test_sparse_xlsx_that_declares_its_width_is_refused_before_any_row(tmp_path):
    from tests.adversarial.bombs import workbook

    bomb = workbook([[(1, "lsoa_code"), (2, "month"), (3, "attendances")]], dimension="A1:XFD1048576")
    outcome = _run(tmp_path, "api", bomb, "declared.xlsx")
    _api_refusal(outcome, "MAX_COLUMNS", "declared.xlsx")


def test_large_valid_xlsx_is_bounded_by_cells_not_bytes(tmp_path):
    """A dense, valid extract past the cell limit (lowered here to 30,000 cells so the workbook stays small) is
    refused where the count passes the limit, having read no more than that."""
    rows = 20_000
    outcome = _run(
        tmp_path, "api", large_xlsx(rows, CODES), "large.xlsx", limits="geo.sources.limits.MAX_XLSX_CELLS = 30_000\n"
    )
    _api_refusal(outcome, "MAX_XLSX_CELLS", "large.xlsx")
    assert outcome["body"]["row"] < 30_000 // 3 + 2  # stopped at the limit, not at the end of the sheet


def test_wide_csv_header_is_refused_before_parsing(tmp_path):
    wide = (",".join(f"c{i}" for i in range(200_000)) + "\n").encode()
    outcome = _run(tmp_path, "api", wide, "wide.csv", limits="")
    assert outcome["status"] == 422 and "MAX_COLUMNS" in outcome["body"]["detail"], outcome
    assert outcome["grew_mb"] < BOUND_MB


@pytest.mark.realdata
def test_real_england_layers_pass_the_geometry_limits(data_dir):
    """England's MSOAs and LSOAs 2021 (generalised) as published are well inside every limit."""
    import pyogrio

    from geo.sources.limits import check_geometries

    for name in ("msoa21_boundaries_bsc_england.geojson", "lsoa21_boundaries_bsc_england.geojson"):
        path = Path(data_dir) / name
        if not path.is_file():
            pytest.skip(f"{name} is not in the data folder")
        layer = pyogrio.read_dataframe(path)
        check_geometries(layer.geometry.to_numpy(), file=name)


KILLED = """
import io, sys, time
from fastapi import UploadFile
from api.uploads import read_upload

def reader(upload):
    print("parsing", flush=True)
    time.sleep(600)

read_upload(UploadFile(io.BytesIO(b"lsoa_code,neighbourhood\\nSECRET-MARKER,North\\n" * 100), filename="p.csv"),
            "plan", reader)
"""


def test_an_upload_killed_mid_parse_leaves_nothing_on_disk(tmp_path):
    """SIGKILL during the parse: the temporary folder (the process's TMPDIR) is as empty as before."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)}
    child = subprocess.Popen([sys.executable, "-c", KILLED], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "parsing"
        assert list(scratch.iterdir()) == [], "the upload was written to disk while it was parsed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert list(scratch.iterdir()) == []


def test_an_upload_is_parsed_without_a_temporary_file(client, monkeypatch, tmp_path):
    """While the plan reader runs, no file under the temporary folder holds the upload's bytes."""
    import tempfile

    import api.routes.plans

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    seen = []
    real = api.routes.plans.load_plan  # where the import route looks the reader up

    def spying(path, *args, **kwargs):
        seen.append([p for p in scratch.rglob("*") if p.is_file() and b"G0035,Marker" in p.read_bytes()])
        seen.append(type(path).__name__)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(api.routes.plans, "load_plan", spying)
    plan = b"lsoa_code,neighbourhood\n" + b"".join(
        f"{c},{'Marker' if c == 'G0035' else 'North'}\n".encode() for c in CODES
    )
    response = client.post("/api/v1/plans/import", files={"file": ("p.csv", plan, "text/csv")}, data={"area": "GRID"})
    assert response.status_code == 201, response.text
    assert seen == [[], "MemoryFile"]
