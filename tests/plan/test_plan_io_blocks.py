"""Issue 25: a plan file records the building blocks the plan was built from (``building_blocks``), and a plan
read back names its MSOAs or wards in its profiles as the plan did when it was proposed."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from geo.errors import DataError, PlanError
from geo.plan import Plan
from geo.plan.io import BLOCKS_COLUMN, load_plan, write_plan
from geo.plan.params import BLOCK_TITLES, BLOCK_TYPES
from geo.propose import ProposalParams, propose
from geo.propose.blocks import Blocks, made_of, msoa_blocks, with_blocks
from geo.propose.model import BLOCK_BUILDS
from geo.testing import grid_atlas

FILES = [
    ("plan.csv", "neighbourhoods"),
    ("plan.geojson", "neighbourhoods"),
    ("plan.gpkg", "neighbourhoods"),
    ("plan.geojson", "lsoas"),
    ("plan.gpkg", "lsoas"),
]


def _square(atlas, nx: int, size: int) -> np.ndarray:
    """Each LSOA's square of ``size`` x ``size`` grid cells, numbered."""
    i = np.arange(len(atlas.lsoas))
    return np.array([f"{x}-{y}" for x, y in zip(i % nx // size, i // nx // size)])


@pytest.fixture(scope="module")
def grid():
    """An 8 x 4 grid in two authorities of 4 columns (1,500 people an LSOA), with 2 x 2 wards and MSOAs."""
    atlas = grid_atlas(8, 4, lad_width=4)
    lsoas = atlas.lsoas.copy()
    square = _square(atlas, 8, 2)
    lsoas["ward_code"] = [f"W{s}" for s in square]
    lsoas["ward_name"] = [f"Ward {s}" for s in square]
    stems = {s: f"Gridshire {k:03d}" for k, s in enumerate(dict.fromkeys(square), start=1)}
    lsoas["lsoa_name"] = [f"{stems[s]}{'ABCD'[k % 4]}" for k, s in enumerate(square)]
    return replace(atlas, lsoas=lsoas), stems


@pytest.fixture(scope="module")
def msoa_table(grid):
    _, stems = grid
    return pd.DataFrame({"code": [f"E02{k:06d}" for k in range(1, len(stems) + 1)], "name": list(stems.values())})


@pytest.fixture(scope="module")
def ward_plan(grid):
    atlas, _ = grid
    return propose(atlas, ProposalParams(build_from="wards", target=12_000, tolerance=0.2, seed=1))


@pytest.fixture(scope="module")
def msoa_atlas(grid, msoa_table):
    """The atlas carrying its MSOAs, as `nhp propose --build-from msoas` and a data folder give them."""
    atlas, _ = grid
    return with_blocks(atlas, msoa_blocks(atlas.lsoas, msoa_table))


@pytest.fixture(scope="module")
def msoa_plan(msoa_atlas):
    return propose(msoa_atlas, ProposalParams(build_from="msoas", target=12_000, tolerance=0.2, seed=1))


def test_the_block_types_are_one_list():
    assert BLOCK_TYPES == tuple(BLOCK_TITLES) == BLOCK_BUILDS == ("msoas", "wards", "custom")
    assert set(BLOCK_TYPES) < set(ProposalParams.model_fields["build_from"].annotation.__args__)


@pytest.mark.parametrize("filename, layer", FILES)
def test_a_ward_plan_read_back_is_made_of_the_same_wards(tmp_path, grid, ward_plan, filename, layer):
    atlas, _ = grid
    wanted = made_of(ward_plan)
    assert wanted and all(text.startswith("2 wards: ") for text in wanted.values())  # each of two whole wards
    back = load_plan(write_plan(ward_plan, tmp_path / filename, layer=layer), atlas)
    assert back.provenance.params["blocks"] == {
        "type": "wards",
        "title": "electoral wards (2024)",
        "recorded_in": filename,
    }
    assert made_of(back) == wanted


@pytest.mark.parametrize("filename, layer", FILES)
def test_an_msoa_plan_read_back_is_made_of_the_same_msoas(tmp_path, msoa_atlas, msoa_plan, filename, layer):
    wanted = made_of(msoa_plan)
    assert wanted and all(text.startswith("2 MSOAs: E02") for text in wanted.values())
    back = load_plan(write_plan(msoa_plan, tmp_path / filename, layer=layer), msoa_atlas)
    assert made_of(back) == wanted


def test_an_msoa_plan_read_back_without_the_msoa_file_names_them_by_their_lsoas(tmp_path, grid, msoa_plan):
    atlas, _ = grid
    back = load_plan(write_plan(msoa_plan, tmp_path / "plan.csv"), atlas)  # an atlas without the MSOAs
    with mock.patch("geo.propose.blocks.read_msoas", side_effect=DataError("no data folder")):
        named = made_of(back)
    for hood, text in made_of(msoa_plan).items():  # the same MSOAs, named by their stem without their codes
        parts = text.removeprefix("2 MSOAs: ").split("; ")
        assert named[hood] == "2 MSOAs: " + "; ".join(part.split(" ", 1)[1] for part in parts)
        assert named[hood].startswith("2 MSOAs: Gridshire 0")


def test_every_file_records_the_blocks_on_every_row(tmp_path, ward_plan, msoa_plan):
    lookup = pd.read_csv(write_plan(msoa_plan, tmp_path / "plan.csv"))
    assert list(lookup.columns) == [
        "lsoa_code",
        "neighbourhood",
        "population_basis",
        BLOCKS_COLUMN,
        "target",
        "tolerance",
    ]
    assert set(lookup[BLOCKS_COLUMN]) == {"msoas"}
    for filename, layer in FILES[1:]:
        table = pyogrio.read_dataframe(write_plan(ward_plan, tmp_path / f"{layer}-{filename}", layer=layer))
        assert set(table[BLOCKS_COLUMN]) == {"wards"}, (filename, layer)
    book = load_workbook(write_plan(msoa_plan, tmp_path / "plan.xlsx"))
    header = [cell.value for cell in book["Data"][1]]
    column = header.index(BLOCKS_COLUMN) + 1
    assert {book["Data"].cell(row=r, column=column).value for r in range(2, book["Data"].max_row + 1)} == {"msoas"}
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]}
    assert "built from MSOAs (2021)" in notes["Method"] and notes[BLOCKS_COLUMN] == "Building blocks"


def test_a_plan_of_lsoas_and_an_old_file_record_no_blocks(tmp_path, grid, ward_plan):
    atlas, _ = grid
    plain = Plan(atlas, ward_plan.assignment, ward_plan.params)
    assert BLOCKS_COLUMN not in pd.read_csv(write_plan(plain, tmp_path / "lsoas.csv")).columns
    assert BLOCKS_COLUMN not in pyogrio.read_dataframe(write_plan(plain, tmp_path / "lsoas.gpkg")).columns
    old = tmp_path / "old.csv"  # a file written before issue 25: the plan still reads, with no "Made of"
    pd.read_csv(write_plan(ward_plan, tmp_path / "new.csv")).drop(columns=BLOCKS_COLUMN).to_csv(old, index=False)
    back = load_plan(old, atlas)
    assert "blocks" not in back.provenance.params and made_of(back) is None
    assert back.assignment.equals(ward_plan.assignment)
    blank = tmp_path / "blank.csv"  # an emptied column is no record either
    pd.read_csv(tmp_path / "new.csv").assign(**{BLOCKS_COLUMN: ""}).to_csv(blank, index=False)
    assert made_of(load_plan(blank, atlas)) is None


@pytest.mark.parametrize(
    "value, row, message",
    [
        ("parishes", 3, "building block type 'parishes' is not one of msoas, wards, custom"),
        ("msoas", 3, "building block type 'msoas' differs from 'wards' on an earlier row"),
    ],
)
def test_a_bad_block_type_names_file_row_and_column(tmp_path, grid, ward_plan, value, row, message):
    atlas, _ = grid
    frame = pd.read_csv(write_plan(ward_plan, tmp_path / "plan.csv"))
    frame.loc[row - 1, BLOCKS_COLUMN] = value
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(PlanError, match=message) as error:
        load_plan(bad, atlas)
    assert (error.value.file, error.value.row, error.value.column) == ("bad.csv", row, BLOCKS_COLUMN)
    assert "blocks the plan was built from" in str(error.value)


def test_a_bad_block_type_in_a_polygon_file_is_refused_too(tmp_path, grid, ward_plan):
    atlas, _ = grid
    path = write_plan(ward_plan, tmp_path / "plan.geojson")
    table = pyogrio.read_dataframe(path)
    table.loc[1, BLOCKS_COLUMN] = "lsoas"
    bad = tmp_path / "bad.geojson"
    pyogrio.write_dataframe(table, bad)
    with pytest.raises(PlanError, match="'lsoas' is not one of") as error:
        load_plan(bad, atlas)
    assert (error.value.file, error.value.row, error.value.column) == ("bad.geojson", 2, BLOCKS_COLUMN)


def test_the_blocks_column_is_never_taken_for_the_names(tmp_path, grid, ward_plan):
    atlas, _ = grid
    path = tmp_path / "plan.csv"
    frame = pd.DataFrame(
        {"LSOA21CD": ward_plan.assignment.index, "Building Blocks": "wards", "Area": ward_plan.assignment.to_numpy()}
    )
    frame.to_csv(path, index=False)
    back = load_plan(path, atlas)
    assert back.assignment.equals(ward_plan.assignment) and made_of(back) == made_of(ward_plan)


@pytest.fixture(scope="module")
def unit_plan(grid):
    """A plan built from a user's units (2 x 2 squares named "Locality ..."), on the atlas carrying them."""
    atlas, _ = grid
    units = pd.Series(_square(atlas, 8, 2), index=atlas.codes)
    blocks = Blocks("custom", units, {u: f"Locality {u}" for u in units}, "localities.csv")
    carried = with_blocks(atlas, blocks)
    return propose(carried, ProposalParams(build_from="custom", target=12_000, tolerance=0.2, seed=1)), units


@pytest.mark.parametrize("filename, layer", [("plan.csv", "neighbourhoods"), *FILES[3:]])
def test_a_plan_of_a_users_units_records_each_unit_and_names_them_read_back(tmp_path, grid, unit_plan, filename, layer):
    """A user's units are in no data folder: the plan file records each LSOA's unit (``block``, ``block_name``),
    and the plan read back on the plain atlas names them in its profiles as the proposal did."""
    atlas, _ = grid
    plan, units = unit_plan
    path = write_plan(plan, tmp_path / filename, layer=layer)
    if filename.endswith(".csv"):
        frame = pd.read_csv(path, dtype=str).set_index("lsoa_code")
    else:
        frame = pd.DataFrame(pyogrio.read_dataframe(path)).set_index("lsoa_code")
    assert frame["block"].to_dict() == units.to_dict()
    assert (frame["block_name"] == "Locality " + frame["block"]).all()
    back = load_plan(path, atlas)
    assert back.provenance.params["blocks"]["type"] == "custom"
    assert made_of(back) == made_of(plan) and "Locality" in next(iter(made_of(back).values()))
    assert back.assignment.equals(plan.assignment)


def test_an_old_file_of_a_users_units_says_so_but_names_none(tmp_path, grid, unit_plan):
    """A file written before the units were recorded: known to be built from them, naming none (never a guess),
    unless the atlas carries them again."""
    atlas, _ = grid
    plan, _ = unit_plan
    path = write_plan(plan, tmp_path / "plan.csv")
    pd.read_csv(path).drop(columns=["block", "block_name"]).to_csv(path, index=False)
    back = load_plan(path, atlas)
    assert back.provenance.params["blocks"]["type"] == "custom" and made_of(back) is None
    assert made_of(load_plan(path, plan.atlas)) == made_of(plan) and made_of(plan)
    book = load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))  # the workbook's notes name the units' file
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]}
    assert "built from units of a user geography (localities.csv)" in notes["Method"]


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("block", "", "row 2, column 'block': LSOA 'G0001' has no unit"),
        ("block_name", "Somewhere else", "row 2, column 'block_name': unit '0-0' is named both"),
    ],
)
def test_a_bad_unit_names_file_row_and_column(tmp_path, grid, unit_plan, column, value, message):
    atlas, _ = grid
    plan, _ = unit_plan
    path = write_plan(plan, tmp_path / "plan.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert frame.loc[1, "lsoa_code"] == "G0001" and frame.loc[1, "block"] == "0-0"  # G0000's square
    frame.loc[1, column] = value
    frame.to_csv(path, index=False)
    with pytest.raises(PlanError, match=message):
        load_plan(path, atlas)


def test_a_block_split_by_an_edit_is_named_as_a_part(tmp_path, grid, ward_plan):
    atlas, _ = grid
    hoods = ward_plan.assignment
    code = hoods.index[0]
    other = next(h for h in ward_plan.neighbourhoods if h != hoods[code])
    edited = ward_plan.move({code: other})
    ward = atlas.lsoas.ward_name[code]
    back = load_plan(write_plan(edited, tmp_path / "edited.csv"), atlas)
    for plan in (edited, back):
        named = made_of(plan)
        assert f"{ward} (part)" in named[hoods[code]] and f"{ward} (part)" in named[other]
        assert sum(text.count("(part)") for text in named.values()) == 2
    assert "(part)" not in "".join(made_of(ward_plan).values())
