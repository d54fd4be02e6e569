"""CSV delimiter injection (issue 20, item 12): ``South;=cmd|' /C calc'!A0`` passed the name rule and became a formula
cell when the CSV was opened with ``;`` as separator. The name rule now refuses it, and every CSV writer makes text
that never reached the rule (LSOA names from files, the uploaded file's name in a source note) inert: read back
with any common separator, no cell starts a formula.
"""

from __future__ import annotations

import csv
import io

import pytest

from geo.errors import PlanError
from geo.names import check_name, formula_safe
from geo.plan import Plan
from geo.plan.io import write_plan
from geo.testing import grid_atlas

INJECTION = "South;=cmd|' /C calc'!A0"
ATLAS = grid_atlas(4, 4)
SITED = grid_atlas(4, 1, practice_every=1)
SEPARATORS = [",", ";", "\t", "|"]


def _number(cell: str) -> bool:
    """A negative number is a value, not a formula."""
    try:
        float(cell)
        return True
    except ValueError:
        return False


def formula_cells(text: str) -> list[tuple[str, str]]:
    """Every (separator, cell) that a spreadsheet splitting ``text`` at that separator would run as a formula."""
    found = []
    for separator in SEPARATORS:
        for row in csv.reader(io.StringIO(text), delimiter=separator):
            found += [
                (separator, cell)
                for cell in row
                if cell.lstrip(" ").startswith(("=", "+", "-", "@")) and not _number(cell)
            ]
    return found


@pytest.mark.parametrize("name", [INJECTION, "North, +1", "A | @SUM(1)", "Ward; =1"])
def test_the_name_rule_refuses_a_formula_after_a_separator(name):
    with pytest.raises(PlanError, match="spreadsheet"):
        check_name(name)


@pytest.mark.parametrize("name", ["Charnwood North", "Loughborough, Shepshed and Hathern", "A-B; C", "Melton - East"])
def test_ordinary_names_pass(name):
    assert check_name(name) == name


def test_formula_safe_neutralises_every_separator():
    for text in (INJECTION, "a,=1", "a;  -2", "a|+3", "a\t@x", "=1;=2"):
        assert formula_cells(formula_safe(text)) == [], text


@pytest.fixture
def unruled(monkeypatch):
    """Plans built as if the name rule had been skipped (an old file, a future path that forgets it): every CSV
    writer must still make the text inert, as it does for text that never meets the rule (LSOA names, file names)."""
    import geo.plan.plan

    monkeypatch.setattr(geo.plan.plan, "check_name", lambda name, **_: str(name).strip())


def _plan_with(name: str) -> Plan:
    return Plan(ATLAS, {c: (name if i % 2 else "North") for i, c in enumerate(ATLAS.codes)})


def test_plan_csv_has_no_formula_cell_under_any_separator(tmp_path, unruled):
    text = write_plan(_plan_with(INJECTION), tmp_path / "plan.csv").read_text()
    assert INJECTION.split(";")[0] in text and formula_cells(text) == []


def test_profiles_csv_has_no_formula_cell_under_any_separator(tmp_path, unruled):
    from geo.profiles import neighbourhood_profiles

    out = neighbourhood_profiles(_plan_with(INJECTION)).write(tmp_path / "profiles.csv")
    assert formula_cells(out.read_text()) == []


def test_hotspots_csv_has_no_formula_cell_under_any_separator(tmp_path):
    from geo.hotspots import find_hotspots
    from geo.uec import read_uec_extract, synthetic_extract, write_extract

    extract = write_extract(synthetic_extract(ATLAS, seed=2), tmp_path / "x.csv")
    layer = read_uec_extract(extract, ATLAS, label=f"Local UEC extract {INJECTION}.csv")
    out = find_hotspots(ATLAS, layer).to_csv(tmp_path / "hotspots.csv")
    text = out.read_text()
    assert "cmd|" in text and formula_cells(text) == []


def test_every_csv_format_of_the_export_table(tmp_path, unruled):
    """Each CSV row of :data:`geo.export.FORMATS` (what the API's exports and the CLI write), fed the injection."""
    from geo.export import FORMATS
    from geo.hotspots import find_hotspots
    from geo.profiles import neighbourhood_profiles
    from geo.uec import read_uec_extract, synthetic_extract, write_extract

    import pandas as pd

    from geo.access.siting import choose_sites

    plan = _plan_with(INJECTION)
    extract = write_extract(synthetic_extract(ATLAS, seed=2), tmp_path / "x.csv")
    with_sites = Plan(SITED, {c: (INJECTION if i % 2 else "North") for i, c in enumerate(SITED.codes)})
    # The access table as geo.access.report.access_and_need shapes it (one row per neighbourhood), with a source
    # note carrying the injection too: the writer, not the figures, is under test (the grid has no official files).
    access = pd.DataFrame({"practice_km_mean": [0.5, 1.0]}, index=pd.Index([INJECTION, "North"], name="neighbourhood"))
    notes = {"access": {"km": {"label": INJECTION, "source": INJECTION, "method": "straight line", "kind": "measured"}}}
    values = {
        "plan": (plan, {}),
        "profiles": (neighbourhood_profiles(plan), {}),
        "hotspots": (find_hotspots(ATLAS, read_uec_extract(extract, ATLAS, label=INJECTION)), {}),
        "sites": (
            choose_sites(with_sites, per_neighbourhood=1, need=pd.DataFrame({"need_score": 0.0}, SITED.codes)),
            {},
        ),
        "access": (access, {"notes": notes}),
    }
    csvs = [f for (kind, ext), f in FORMATS.items() if ext == ".csv"]
    assert {f.kind for f in csvs} <= set(values), "a new CSV format: feed it the injection here"
    for f in csvs:
        value, options = values[f.kind]
        text = f.write(value, tmp_path / f"{f.kind}.csv", **options).read_text()
        assert "cmd|" in text and formula_cells(text) == [], f.kind
