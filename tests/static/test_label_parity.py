"""One map-label rule: the planner page's mirror (static/names.js labelLines) draws the same lines as
geo.plan.labels.label_lines, which the pack's cover and the Folium exports draw, for the same names.

Skipped only when no ``node`` is installed (``scripts/system-packages.sh`` installs Debian's nodejs).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from geo.plan.labels import label_lines, short_label

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
NAMES = [
    "AAAAAAAAAAAAAA-A-AAAAAAAAAAAAAAA-A",  # one hyphenated word longer than three lines (found in CI)
    "Market Harborough-Welland and Thurnby & Houghton",
    "Earl Shilton and Newbold Verdon with Desford and Peckleton",
    "Hinckley De Montfort and Burbage Sketchley and Stretton",
    "Loughborough East and Dishley, Hathern & Thorpe Acre",
    "Loughborough Outwoods & Shelthorpe and Shepshed West",
    "Braunstone Park & Rowley Fields and Western",
    "Melton, Syston and Vale PCN",
    "St Mary's and Stoke-on-Trent PCN",
    "Charnwood: Loughborough Hastings",
    "Newcastle-under-Lyme Town",
    "Humberstone Hamilton Thurncourt Rushey Mead Evington",
    "Shepshed, Hathern and Great Glen Villages PCN",
    "A: ",
    "  Spaced   out  name  ",
    "Ænon & Ōtaki-Ūpper Wharf",
    "x" * 40,
    "Abbey",
    "Bishop's Stortford-Thorley and Sawbridgeworth-Hertford East",
]


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_the_page_draws_the_same_label_lines_as_the_pack_and_the_exports():
    script = (
        "import { labelLines, shortLabel } from './static/names.js';"
        "const names = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(names.map((n) => [shortLabel(n), labelLines(n)])));"
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script, json.dumps(NAMES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert page == [[short_label(n), list(label_lines(n))] for n in NAMES]
