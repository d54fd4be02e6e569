"""Coterminosity of plans with wards, LAs, PCNs and user geographies, and bad comparison files: issue 12."""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict

import geopandas as gpd
import pandas as pd
import pytest

import cli._common
from cli import main
from geo.errors import DataError
from geo.plan import Plan
from geo.plan.coterminosity import coterminosity
from geo.plan.geography import Geography, read_geography
from geo.testing import grid_atlas
from tests.plan.test_naming import ward_grid


def recount(assignment: dict, units: dict, pop: dict) -> tuple[float, set]:
    """The index and split units counted LSOA by LSOA, the slow obvious way (the definition in the module doc)."""
    cell, hood, unit = defaultdict(float), defaultdict(float), defaultdict(float)
    for code, n in assignment.items():
        u = units.get(code)
        if u is None:
            continue
        cell[n, u] += pop[code]
        hood[n] += pop[code]
        unit[u] += pop[code]
    best_unit = {n: max(sorted(u for (m, u) in cell if m == n), key=lambda u: cell[n, u]) for n in hood}
    main_hood = {u: max(sorted(n for (n, v) in cell if v == u), key=lambda n: cell[n, u]) for u in unit}
    agree = {(n, u): (main_hood[u] == n) if unit[u] <= hood[n] else (best_unit[n] == u) for (n, u) in cell}
    index = sum(p for k, p in cell.items() if agree[k]) / sum(cell.values())
    return index, {u for (n, u), ok in agree.items() if not ok}


def test_wards_nested_in_neighbourhoods_are_fully_coterminous():
    atlas = ward_grid()
    plan = Plan(atlas, atlas.lsoas.lad_code)  # every 2 x 2 ward lies in one authority
    c = coterminosity(plan, "wards")
    assert c.index == 1.0 and c.split_units == [] and c.units == 16
    assert (c.neighbourhoods.units == 8).all()


def test_a_split_ward_is_named_and_the_index_recounts():
    atlas = ward_grid()
    moved = Plan(atlas, atlas.lsoas.lad_code).move({"G0003": "E07009001"})  # one LSOA of ward 1 across the line
    c = coterminosity(moved, "wards")
    index, split = recount(
        moved.assignment.to_dict(), atlas.lsoas.ward_code.to_dict(), atlas.lsoas.resident_population.to_dict()
    )
    assert c.index == pytest.approx(index) and set(c.split_units) == split == {"E05000001"}
    row = c.split.iloc[0]
    assert row.neighbourhoods == ["E07009000", "E07009001"] and row.outside_pct == pytest.approx(25.0)
    assert not c.agree["G0003"] and c.agree.sum() == len(atlas.lsoas) - 1
    east = c.neighbourhoods.set_index("neighbourhood").loc["E07009001"]
    assert east.units == 9 and east.agree_pct == pytest.approx(100 * 32 / 33)


def test_las_and_pcns():
    atlas = grid_atlas(8, 8, lad_width=4)
    plan = Plan(atlas, atlas.lsoas.lad_code)
    assert coterminosity(plan, "las").index == 1.0
    pcns = coterminosity(plan, "pcns")
    expected = {}
    for code in atlas.codes:  # the PCN whose practices hold most of the LSOA's registered residents
        reg = atlas.registrations[atlas.registrations.lsoa_code == code]
        by = reg.assign(pcn=reg.practice_code.map(atlas.practices.pcn_code)).groupby("pcn").patients.sum()
        expected[code] = by.sort_index().idxmax()
    index, split = recount(plan.assignment.to_dict(), expected, atlas.lsoas.resident_population.to_dict())
    assert pcns.index == pytest.approx(index) and set(pcns.split_units) == split


def test_user_lookup_and_polygons_agree(tmp_path):
    atlas = ward_grid()
    halves = atlas.lsoas.geometry.centroid.y.lt(300_000 + 4_000).map({True: "South", False: "North"})
    csv = tmp_path / "ints.csv"
    halves.rename("unit").rename_axis("lsoa_code").to_csv(csv)
    shapes = gpd.GeoDataFrame(
        {"INT24CD": ["S", "N"], "INT24NM": ["South", "North"]},
        geometry=[atlas.lsoas[halves == "South"].union_all(), atlas.lsoas[halves == "North"].union_all()],
        crs=27700,
    ).to_crs(4326)
    polygons = tmp_path / "ints.geojson"
    shapes.to_file(polygons, driver="GeoJSON")
    plan = Plan(atlas, atlas.lsoas.lad_code)
    a, b = coterminosity(plan, str(csv)), coterminosity(plan, str(polygons))
    assert a.index == b.index == pytest.approx(0.5) and len(a.split) == len(b.split) == 2
    assert read_geography(polygons, atlas).names == {"S": "South", "N": "North"}


def bad_file(tmp_path, atlas, kind):
    lsoas = atlas.lsoas
    if kind == "short":
        path = tmp_path / "short.csv"
        lsoas.index[:-2].to_frame(name="lsoa_code").assign(unit="A").to_csv(path, index=False)
    elif kind == "unknown":
        path = tmp_path / "unknown.csv"
        frame = lsoas.index.to_frame(name="lsoa_code").assign(unit="A")
        frame.iloc[5, 0] = "NOT-AN-LSOA"
        frame.to_csv(path, index=False)
    elif kind == "overlap":
        path = tmp_path / "overlap.geojson"
        gpd.GeoDataFrame(
            {"unit": ["A", "B"]}, geometry=[lsoas.union_all(), lsoas.iloc[:10].union_all()], crs=27700
        ).to_crs(4326).to_file(path, driver="GeoJSON")
    elif kind == "crs":  # metres written into a file that says WGS84
        path = tmp_path / "crs.geojson"
        frame = gpd.GeoDataFrame({"unit": ["A"]}, geometry=[lsoas.union_all()], crs=27700)
        frame.set_crs(4326, allow_override=True).to_file(path, driver="GeoJSON")
    elif kind == "noprj":
        shp = gpd.GeoDataFrame({"unit": ["A"]}, geometry=[lsoas.union_all()], crs=None)
        shp.to_file(tmp_path / "units.shp")
        path = tmp_path / "units.zip"
        with zipfile.ZipFile(path, "w") as z:
            for part in tmp_path.glob("units.*"):
                if part.suffix != ".zip":
                    z.write(part, part.name)
    return path


@pytest.mark.parametrize(
    "kind, row, column, words",
    [
        ("short", None, "lsoa_code", "does not cover the study area: 2 LSOAs"),
        ("unknown", 6, "lsoa_code", "'NOT-AN-LSOA' is not an LSOA code"),
        ("overlap", 1, "geometry", "overlap"),
        ("crs", 1, "geometry", "the CRS is wrong"),
        ("noprj", None, "geometry", "no coordinate reference system"),
    ],
)
def test_bad_comparison_geography_is_one_clear_error(tmp_path, kind, row, column, words):
    atlas = ward_grid()
    path = bad_file(tmp_path, atlas, kind)
    with pytest.raises(DataError, match=words) as caught:
        read_geography(path, atlas)
    assert caught.value.file == path.name and caught.value.row == row and caught.value.column == column


def test_score_align_prints_and_includes_json(tmp_path, monkeypatch, capsys):
    atlas = ward_grid()
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: atlas)
    plan = tmp_path / "plan.csv"
    Plan(atlas, atlas.lsoas.lad_code).move({"G0003": "E07009001"}).assignment.rename_axis("lsoa_code").to_csv(plan)
    assert main(["score", str(plan), "--area", "X", "--align", "wards,las,pcns"]) == 0
    text = capsys.readouterr().out
    assert "Coterminosity with electoral wards" in text and "Ward 1 (E05000001)" in text
    assert main(["score", str(plan), "--area", "X", "--align", "wards", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)["coterminosity"][0]
    assert body["geography"] == "wards" and body["units_split"] == 1 and body["split"][0]["unit"] == "E05000001"
    assert main(["score", str(plan), "--area", "X", "--align", str(bad_file(tmp_path, atlas, "short"))]) == 2
    assert "short.csv" in capsys.readouterr().err


def test_map_overlays_the_compared_footprint(tmp_path, monkeypatch):
    atlas = ward_grid()
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: atlas)
    plan = tmp_path / "plan.csv"
    Plan(atlas, atlas.lsoas.lad_code).move({"G0003": "E07009001"}).assignment.rename_axis("lsoa_code").to_csv(plan)
    out = tmp_path / "map.html"
    assert main(["map", "--area", "X", "--plan", str(plan), "--align", "wards", "--out", str(out)]) == 0
    html = out.read_text()
    assert "Compared: electoral wards" in html and "1 LSOAs; 1 unit split" in html and "G0003" in html


@pytest.mark.realdata
def test_qk1_ward_coterminosity_recounts_from_the_raw_lookup(data_dir):
    from geo.atlas import load_atlas
    from geo.propose import ProposalParams, propose

    qk1 = load_atlas("QK1", data_dir=data_dir)
    plan = propose(qk1, ProposalParams(target=50_000, seed=1))
    lookup = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str).set_index("lsoa21_code")
    wards = lookup["ward24_code"].reindex(qk1.codes).to_dict()
    index, split = recount(plan.assignment.to_dict(), wards, qk1.lsoas.resident_population.to_dict())
    c = coterminosity(plan, "wards")
    assert c.index == pytest.approx(index) and set(c.split_units) == split
    assert c.units == len(set(wards.values())) and 0.8 < c.index < 1
    assert isinstance(c.geography, Geography)
