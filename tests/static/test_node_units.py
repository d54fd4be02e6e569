"""The page's pure JavaScript modules (static/format.js, names.js, roles.js, requests.js, undo.js, state.js, api.js, access.js)
unit-tested by ``node --test`` (tests/static/*.test.mjs), run here so the test command runs them too.

Skipped only when no ``node`` is installed (``scripts/system-packages.sh`` installs Debian's nodejs).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_node_unit_tests_pass():
    files = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("*.test.mjs"))
    assert files, "no *.test.mjs files in tests/static"
    done = subprocess.run([NODE, "--test", *files], cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    passed = re.search(r"^# pass (\d+)$", report, re.M)
    failed = re.search(r"^# fail (\d+)$", report, re.M)
    assert passed and failed, report[-2000:]
    assert int(failed.group(1)) == 0 and int(passed.group(1)) >= len(files), report[-2000:]
