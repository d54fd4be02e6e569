"""A counted plan written to a file and read back (``nhp score``, ``POST /plans/import``) is measured from each
place's ideal exactly as the plan that wrote it; a tampered ideal or place is one error naming file, row, column."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import cli._common
from cli import main
from geo.errors import PlanError
from geo.metrics.balance import ideal_places
from geo.plan.geography import Geography
from geo.plan.io import load_plan, write_plan
from geo.propose import ProposalParams, propose
from geo.propose.renest import renest, renested_plan
from geo.testing import grid_atlas
from geo.testing.small_count_area import SMALL_PRACTICES, small_count_atlas
from geo.writers import describe

#: Two authorities of unequal people (four columns each), so the two places' ideals differ from the area's mean.
ATLAS = grid_atlas(8, 6, lad_width=4, population=np.random.default_rng(3).integers(1000, 2000, 48))
COUNTS = {"E07009000": 2, "E07009001": 3}


@pytest.fixture(scope="module")
def counted():
    return propose(ATLAS, ProposalParams(neighbourhoods=COUNTS))


def _recounted_ideals(plan) -> dict[str, float]:
    """Each neighbourhood's ideal recounted from the atlas: its authority's residents over the authority's count."""
    lsoas = ATLAS.lsoas
    totals = lsoas.groupby("lad_code")["resident_population"].sum()
    home = lsoas.groupby(plan.assignment.reindex(lsoas.index).to_numpy())["lad_code"].agg(lambda s: s.mode()[0])
    return {name: float(totals[home[name]]) / COUNTS[home[name]] for name in plan.neighbourhoods}


def test_the_counted_plan_is_measured_from_each_place_ideal(counted):
    expected = _recounted_ideals(counted)
    assert counted["ideal"] == pytest.approx(expected)
    assert len(set(expected.values())) == 2 and counted.target not in expected.values()


@pytest.mark.parametrize("suffix, layer", [(".csv", "neighbourhoods"), (".geojson", "neighbourhoods"),
                                           (".gpkg", "neighbourhoods"), (".gpkg", "lsoas")])  # fmt: skip
def test_a_counted_plan_read_back_gives_the_same_deviations_tallies_and_verdicts(counted, tmp_path, suffix, layer):
    path = write_plan(counted, tmp_path / f"plan{suffix}", layer=layer)
    back = load_plan(path, ATLAS)  # its own band too (a reader's other target is refused: tests/plan/test_band.py)
    assert back["ideal"] == counted["ideal"]
    assert back["deviation_pct"] == counted["deviation_pct"]
    assert back["ideal"] == pytest.approx(_recounted_ideals(counted))
    summary, written = back.summary(), counted.summary()
    for key in ("deviation_from", "max_abs_deviation_pct", "within_5_pct", "within_10_pct", "within_tolerance"):
        assert summary[key] == written[key], key
    assert back.validate() == counted.validate()


def test_the_lookup_carries_place_count_and_ideal_on_every_row(counted, tmp_path):
    table = pd.read_csv(write_plan(counted, tmp_path / "plan.csv"), dtype=str)
    assert not table[["place", "place_neighbourhoods", "place_ideal"]].isna().any().any()
    recount = _recounted_ideals(counted)
    for name, rows in table.groupby("neighbourhood"):
        assert rows["place_ideal"].astype(float).nunique() == 1
        assert float(rows["place_ideal"].iloc[0]) == pytest.approx(recount[name])
        assert int(rows["place_neighbourhoods"].iloc[0]) == COUNTS[rows["place"].iloc[0]]


def test_a_reader_basis_other_than_the_files_keeps_the_recorded_ideals(counted, tmp_path):
    back = load_plan(write_plan(counted, tmp_path / "plan.csv"), ATLAS, population="registered")
    assert back.population == "registered" and back["ideal"] == counted["ideal"]


def test_the_place_columns_are_described_for_a_gis_and_a_workbook():
    for column in ("place", "place_neighbourhoods", "place_ideal"):
        label, definition = describe(column)
        assert label != column and definition


def test_a_counted_plan_of_whole_practices_read_back_gives_the_same_deviations(tmp_path):
    plan = propose(ATLAS, ProposalParams(build_from="practices", neighbourhoods=COUNTS, target=14_000))
    assert len(set(plan["ideal"].values())) == 2
    back = load_plan(write_plan(plan, tmp_path / "practices.csv"), ATLAS)
    assert back.practice_assignment is not None
    assert back["deviation_pct"] == plan["deviation_pct"]
    assert back.summary()["within_tolerance"] == plan.summary()["within_tolerance"]


def test_a_plan_of_a_target_and_an_older_file_are_read_as_before(counted, tmp_path):
    plain = propose(ATLAS, ProposalParams(target=14_000))
    assert "place_ideal" not in pd.read_csv(write_plan(plain, tmp_path / "plain.csv")).columns
    old = tmp_path / "old.csv"
    pd.read_csv(write_plan(counted, tmp_path / "plan.csv")).drop(columns=["place", "place_neighbourhoods", "place_ideal", "target", "tolerance"]).to_csv(old, index=False)  # fmt: skip
    back = load_plan(old, ATLAS, target=14_000)
    assert set(back["ideal"].values()) == {14_000.0}
    # an older file whose one other column is called "place" still names its neighbourhoods by it
    named = tmp_path / "named.csv"
    named.write_text(
        "lsoa_code,place\n" + "".join(f"{c},{'West' if int(c[1:]) % 8 < 4 else 'East'}\n" for c in ATLAS.codes)
    )
    assert sorted(load_plan(named, ATLAS).neighbourhoods) == ["East", "West"]


def test_the_cli_score_of_the_file_gives_the_written_deviations(counted, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: ATLAS)
    path = write_plan(counted, tmp_path / "plan.csv")
    assert main(["score", str(path), "--area", "QZZ", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    scored = {row["name"]: row["deviation_pct"] for row in doc["neighbourhoods"]}
    assert scored == pytest.approx(counted["deviation_pct"], abs=0.05)
    assert doc["plan"]["deviation_from"] == counted.summary()["deviation_from"]
    assert doc["plan"]["within_5_pct"] == counted.summary()["within_5_pct"]


def _tampered(counted, tmp_path, change) -> str:
    table = pd.read_csv(write_plan(counted, tmp_path / "plan.csv"), dtype=str)
    change(table)
    path = tmp_path / "tampered.csv"
    table.to_csv(path, index=False)
    return str(path)


def _first_row(table, place) -> int:
    return int((table["place"] == place).to_numpy().argmax())


def _set_ideal(table):
    rows = table["place"] == "E07009001"
    table.loc[rows, "place_ideal"] = str(float(table.loc[rows, "place_ideal"].iloc[0]) + 100)


def _unknown_place(table):
    table.loc[table["place"] == "E07009001", "place"] = "E06000016"


def _one_row_differs(table):
    table.loc[table.index[_first_row(table, "E07009001") + 1 :][0], "place_neighbourhoods"] = "4"


def _swapped_place(table):
    # one neighbourhood of E07009000 recorded in E07009001, with that place's own count and ideal (consistent)
    name = table.loc[table["place"] == "E07009000", "neighbourhood"].iloc[0]
    other = table.loc[table["place"] == "E07009001"].iloc[0]
    rows = table["neighbourhood"] == name
    table.loc[rows, ["place", "place_neighbourhoods", "place_ideal"]] = other[["place", "place_neighbourhoods", "place_ideal"]].to_numpy()  # fmt: skip


@pytest.mark.parametrize(
    "change, column, words",
    [
        (_set_ideal, "place_ideal", "is not its total"),
        (_unknown_place, "place", "is not a place of"),
        (_one_row_differs, "place_neighbourhoods", "on an earlier row"),
        (_swapped_place, "place", "most of its people are in E07009000"),
        (lambda t: t.drop(columns=["place_neighbourhoods"], inplace=True), "place_neighbourhoods", "has no"),
        (lambda t: t.__setitem__("place_ideal", "lots"), "place_ideal", "ideal size 'lots'"),
    ],
)
def test_a_tampered_file_is_one_error_naming_file_row_and_column(counted, tmp_path, change, column, words):
    path = _tampered(counted, tmp_path, change)
    with pytest.raises(PlanError) as raised:
        load_plan(path, ATLAS)
    error = raised.value
    assert error.file == "tampered.csv" and error.column == column and words in error.message
    table = pd.read_csv(path, dtype=str)
    if column in table.columns and error.row:
        assert 1 <= error.row <= len(table)


def test_the_cli_refuses_a_tampered_file_with_exit_2(counted, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: ATLAS)
    path = _tampered(counted, tmp_path, _set_ideal)
    assert main(["score", path, "--area", "QZZ"]) == 2
    err = capsys.readouterr().err
    assert "tampered.csv" in err and "place_ideal" in err and "row" in err


def test_the_api_import_measures_the_plan_as_written_and_refuses_a_tampered_one(counted, tmp_path):
    from fastapi.testclient import TestClient  # lazy: the API is an optional layer of this test

    from api.app import create_app  # lazy: as above
    from geo.settings import Settings  # lazy: as above

    settings = Settings(home_dir=tmp_path / "home", data_dir=None, database_url=f"sqlite:///{tmp_path / 'nhp.sqlite3'}")
    path = write_plan(counted, tmp_path / "plan.csv")
    with TestClient(create_app(settings, atlas_provider={"GRID": ATLAS}), base_url="http://127.0.0.1") as client:
        files = {"file": ("plan.csv", io.BytesIO(path.read_bytes()), "text/csv")}
        response = client.post("/api/v1/plans/import", data={"area": "GRID"}, files=files)
        assert response.status_code == 201, response.text
        metrics = client.get(f"/api/v1/plans/{response.json()['id']}/metrics").json()
        imported = {row["name"]: row["deviation_pct"] for row in metrics["neighbourhoods"]}
        assert imported == pytest.approx(counted["deviation_pct"], abs=0.05)
        assert metrics["summary"]["within_5_pct"] == counted.summary()["within_5_pct"]
        bad = _tampered(counted, tmp_path, _set_ideal)
        files = {"file": ("tampered.csv", io.BytesIO(open(bad, "rb").read()), "text/csv")}
        refused = client.post("/api/v1/plans/import", data={"area": "GRID"}, files=files)
        assert refused.status_code == 422, refused.text
        assert "place_ideal" in refused.text and "tampered.csv" in refused.text


@pytest.mark.realdata
def test_leicester_leicestershire_and_rutland_by_place_read_back_as_written(data_dir, tmp_path):
    from geo.atlas import load_atlas  # lazy: the real atlas is read only when NHP_DATA_DIR is set

    atlas = load_atlas("QK1", data_dir=data_dir)
    counts = {"E06000016": 4, "E10000018": 7, "E06000017": 1}
    plan = propose(atlas, ProposalParams(neighbourhoods=counts, nest="utla", build_from="msoas", seed=1))
    path = write_plan(plan, tmp_path / "llr.csv")
    back = load_plan(path, atlas)  # the file records its own target and tolerance
    assert back["deviation_pct"] == plan["deviation_pct"]
    assert back.provenance.params["nest"] == "utla" and back.validate() == plan.validate()
    totals = atlas.lsoas.groupby("utla_code")["resident_population"].sum()
    recorded = {p: v["ideal"] for p, v in back.provenance.params["ideal_sizes"].items()}
    assert recorded == pytest.approx({p: float(totals[p]) / n for p, n in counts.items()})
    table = pd.read_csv(path, dtype=str)
    table.loc[table["place"] == "E06000017", "place_ideal"] = "30000"  # Rutland's ideal made up
    table.to_csv(tmp_path / "tampered.csv", index=False)
    with pytest.raises(PlanError, match="is not its total") as raised:
        load_plan(tmp_path / "tampered.csv", atlas)
    assert raised.value.column == "place_ideal" and raised.value.row == _first_row(table, "E06000017") + 1


# Issue 23: a re-nested counted plan and a counted plan of whole practices, read back from their files.


def _renested(practices: bool):
    """A counted plan re-nested in made-up units (West = the first columns, East the rest), as ``nhp renest``
    makes it: of LSOAs on :data:`ATLAS`, or of whole practices on a grid whose practices sit two columns apart."""

    atlas = grid_atlas(8, 8, lad_width=4, practice_every=2) if practices else ATLAS
    built = {"build_from": "practices", "target": 24_000} if practices else {}
    plan = propose(atlas, ProposalParams(neighbourhoods={"E07009000": 2, "E07009001": 2}, seed=1, **built))
    units = pd.Series(np.where(np.arange(len(atlas.codes)) % 8 < 3, "WEST", "EAST"), index=atlas.codes)
    into = Geography("units.csv", "new units", units, {"WEST": "West", "EAST": "East"})
    return atlas, renested_plan(plan, into, renest(plan, into)), units


def _same_measure(back, plan) -> None:
    assert back["ideal"] == plan["ideal"] and back["deviation_pct"] == plan["deviation_pct"]
    summary, written = back.summary(), plan.summary()
    for key in ("deviation_from", "max_abs_deviation_pct", "within_5_pct", "within_10_pct", "within_tolerance"):
        assert summary[key] == written[key], key
    assert back.validate() == plan.validate()


@pytest.mark.parametrize("practices, suffix, layer", [(False, ".csv", "neighbourhoods"),
                                                      (False, ".geojson", "neighbourhoods"),
                                                      (False, ".gpkg", "lsoas"), (True, ".csv", "neighbourhoods"),
                                                      (True, ".geojson", "neighbourhoods")])  # fmt: skip
def test_a_renested_counted_plan_read_back_is_measured_from_its_units_ideals(practices, suffix, layer, tmp_path):
    atlas, renested, units = _renested(practices)
    assert renested.summary()["deviation_from"] != "the target"
    path = write_plan(renested, tmp_path / f"renested{suffix}", layer=layer)
    back = load_plan(path, atlas)
    _same_measure(back, renested)
    assert back.provenance.params["nest"] == "custom"
    # each unit's ideal is its people (lists) over its count, as the re-nesting balanced it
    for unit, entry in back.provenance.params["ideal_sizes"].items():
        assert entry["ideal"] == renested.provenance.params["ideal_sizes"][unit]["ideal"]
    again = load_plan(write_plan(back, tmp_path / f"again{suffix}", layer=layer), atlas)  # written twice
    _same_measure(again, renested)


def test_a_renested_lookup_records_each_units_count_and_ideal_on_every_row(tmp_path):
    atlas, renested, units = _renested(False)
    table = pd.read_csv(write_plan(renested, tmp_path / "renested.csv"), dtype=str).set_index("lsoa_code")
    assert (table["place"] == units.reindex(table.index)).all() and set(table["place_level"]) == {"custom"}
    people = atlas.lsoas.resident_population.groupby(units).sum()
    for unit, rows in table.groupby("place"):
        count = int(rows["place_neighbourhoods"].iloc[0])
        assert set(rows["place_ideal"].astype(float)) == {float(people[unit]) / count}


def _set_ideal_of(place: str, ideal: str):
    def change(table):
        table.loc[table["place"] == place, "place_ideal"] = ideal

    return change


@pytest.mark.parametrize("practices", [False, True])
def test_a_renested_plans_tampered_ideal_is_refused_naming_file_row_and_column(practices, tmp_path):
    atlas, renested, _ = _renested(practices)
    table = pd.read_csv(write_plan(renested, tmp_path / "renested.csv"), dtype=str)
    ideal = float(table.loc[table["place"] == "EAST", "place_ideal"].iloc[0])
    for change, column, words in [
        (_set_ideal_of("EAST", str(ideal + 100)), "place_ideal", "is not its total"),
        (lambda t: t.__setitem__("place_level", "lad"), "place_level", "'lad' is not allowed"),
    ]:
        bad = table.copy()
        change(bad)
        bad.to_csv(tmp_path / "tampered.csv", index=False)
        with pytest.raises(PlanError) as raised:
            load_plan(tmp_path / "tampered.csv", atlas)
        error = raised.value
        assert error.file == "tampered.csv" and error.column == column and words in error.message
        if column == "place_ideal":
            assert error.row == _first_row(bad, "EAST") + 1
    # without place_level the units are not the area's places: refused as before, naming the first one's row
    table.drop(columns="place_level").to_csv(tmp_path / "unmarked.csv", index=False)
    with pytest.raises(PlanError, match="is not a place of") as raised:
        load_plan(tmp_path / "unmarked.csv", atlas)
    assert raised.value.column == "place"


def test_a_counted_plan_of_whole_practices_is_recounted_from_its_lists(tmp_path):
    plan = propose(ATLAS, ProposalParams(build_from="practices", neighbourhoods=COUNTS, target=14_000))
    table = pd.read_csv(write_plan(plan, tmp_path / "practices.csv"), dtype=str)
    ideal = float(table.loc[table["place"] == "E07009001", "place_ideal"].iloc[0])
    _set_ideal_of("E07009001", str(ideal - 500))(table)
    table.to_csv(tmp_path / "tampered.csv", index=False)
    with pytest.raises(PlanError, match="is not its total") as raised:
        load_plan(tmp_path / "tampered.csv", ATLAS)
    error = raised.value
    assert error.file == "tampered.csv" and error.column == "place_ideal"
    assert error.row == _first_row(table, "E07009001") + 1


def test_a_counted_plan_of_whole_practices_edited_across_places_reads_back_as_written(tmp_path):
    # A practice moved into a neighbourhood of the other place: each place keeps the ideal it was made with (its
    # practices by site), which its neighbourhoods' lists no longer add up to; read back it is measured the same.

    plan = propose(ATLAS, ProposalParams(build_from="practices", neighbourhoods=COUNTS, target=14_000))
    place = plan.practice_assignment.map(ideal_places(plan))
    into = next(n for n, p in ideal_places(plan).items() if p == "E07009001")
    edited = plan.move_practices({place.index[place == "E07009000"][-1]: into})
    back = load_plan(write_plan(edited, tmp_path / "edited.csv"), ATLAS)
    _same_measure(back, edited)


def test_a_small_practice_list_is_never_worked_back_and_the_plan_reads_back(tmp_path):
    # The ideals read back are recounted by the margin rule too: a place holding a list of 1 to 7 has a total
    # rounded to 10, equal to the written one, so the file round-trips without the exact total leaving.
    from geo.propose.renest import renest, renested_plan  # lazy: as above

    atlas = small_count_atlas()
    plan = propose(atlas, ProposalParams(build_from="practices", neighbourhoods=2, nest="lad"))
    units = pd.Series(np.where(np.arange(len(atlas.codes)) % 6 < 2, "WEST", "EAST"), index=atlas.codes)
    into = Geography("units.csv", "new units", units, {})
    lists = pd.Series(plan.arrays.practice_list, index=plan.arrays.practice_codes)
    for made in (plan, renested_plan(plan, into, renest(plan, into))):
        path = write_plan(made, tmp_path / "plan.csv")
        _same_measure(load_plan(path, atlas), made)
        place = made.practice_assignment.map(ideal_places(made))
        table = pd.read_csv(path).drop_duplicates("place").set_index("place")
        for code, practices in place.groupby(place):
            assert practices.index.isin(list(SMALL_PRACTICES)).any()  # every place holds a small list
            written = table.loc[code, "place_ideal"] * table.loc[code, "place_neighbourhoods"]
            assert written % 10 == 0 and written != lists[practices.index].sum(), code
