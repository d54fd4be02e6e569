"""The England overview, writing pages (with inlined local Leaflet) and the ``nhp map`` command."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from cli import main
from geo.errors import DataError
from geo.maps import atlas_map, england_overview, save_map
from geo.testing import grid_atlas
from tests.maps.conftest import features, legends, overlay_names, page


@pytest.fixture
def icbs():
    table = gpd.GeoDataFrame(
        {
            "icb_code_nhs": ["QK1", "QPM", "QU9"],
            "icb_name": ["Leicester, Leicestershire and Rutland", "Northamptonshire", "<b>BOB</b>"],
            "resident_population": [1_121_954, 785_243, 5],
            "neighbourhoods": [22, 16, 35],
            "deviation_pct": [3.25, -1.5, 0.0],
        },
        geometry=[
            box(440_000, 280_000, 500_000, 340_000),
            box(440_000, 220_000, 500_000, 280_000),
            box(420_000, 160_000, 500_000, 220_000),
        ],
        crs=27700,
    )
    table.attrs["source"] = "ONS ICB boundaries (July 2022); Census 2021"
    return table


def test_overview_has_one_polygon_per_icb_with_its_figures(icbs):
    html = page(england_overview(icbs))
    rows = [f["properties"] for f in features(html)]
    assert len(rows) == 3
    qk1 = next(r for r in rows if "QK1" in r.values())
    assert "1,121,954" in qk1.values() and "22" in qk1.values() and "3.2" in qk1.values()
    bob = next(r for r in rows if "QU9" in r.values())
    assert "&lt;b&gt;BOB&lt;/b&gt;" in bob.values()
    assert "suppressed" in bob.values()  # a population of 5 is a small count, whatever the column
    assert overlay_names(html) == ["Integrated care boards"]
    assert any("ONS ICB boundaries (July 2022); Census 2021" in box for box in legends(html))


def test_overview_refuses_a_table_without_names(icbs):
    with pytest.raises(DataError, match="name"):
        england_overview(icbs.drop(columns="icb_name"))


def test_save_map_writes_the_page_and_inlines_local_leaflet(tmp_path):
    m = atlas_map(grid_atlas(3, 3))
    plain = save_map(m, tmp_path / "out" / "plain.html", offline=False)
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in plain.read_text(encoding="utf-8")
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "leaflet.js").write_text("/* local leaflet */ var L = {}; // '</script>' in a comment", encoding="utf-8")
    (assets / "leaflet.css").write_text(".leaflet-pane { z-index: 400; }", encoding="utf-8")
    text = save_map(m, tmp_path / "inline.html", assets_dir=assets, offline=False).read_text(encoding="utf-8")
    assert "/* local leaflet */" in text and "leaflet@1.9.3/dist/leaflet.js" not in text
    assert "leaflet@1.9.3/dist/leaflet.css" not in text and ".leaflet-pane { z-index: 400; }" in text
    assert "'<\\/script>'" in text  # the library cannot end its own inline block
    assert "code.jquery.com/jquery" in text  # files not in the folder stay linked


@pytest.fixture
def grid_cli(monkeypatch):
    atlas = grid_atlas(6, 4, lad_width=3)
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: atlas)
    return atlas


def test_nhp_map_writes_plan_and_hotspot_layers(grid_cli, tmp_path, capsys):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "lsoa_code,neighbourhood\n"
        + "".join(f"{c},{'North' if i >= 12 else 'South'}\n" for i, c in enumerate(grid_cli.codes)),
        encoding="utf-8",
    )
    hotspots = tmp_path / "hotspots.csv"
    hotspots.write_text(
        "lsoa_code,attendances,rate_per_1000,hotspot\n"
        + "".join(f"{c},{100 + i},{50 + i},{'high' if i > 20 else ''}\n" for i, c in enumerate(grid_cli.codes)),
        encoding="utf-8",
    )
    out = tmp_path / "map.html"
    status = main(["map", "--area", "QZZ", "--plan", str(plan), "--hotspots", str(hotspots), "--out", str(out)])
    assert status == 0 and "wrote" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    names = overlay_names(html)
    assert "Neighbourhood footprints" in names and "UEC hotspots (Gi*)" in names
    assert {"North", "South"} <= {f["properties"].get("label") for f in features(html)}


def test_nhp_map_draws_hub_sites_and_their_catchments(grid_cli, tmp_path, capsys, monkeypatch):
    import cli.maps

    need = pd.DataFrame({"need_score": 0.0}, index=grid_cli.codes)  # the grid has no IoD file
    real = cli.maps.choose_sites
    monkeypatch.setattr(cli.maps, "choose_sites", lambda plan, **kw: real(plan, need=need, **kw))
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "lsoa_code,neighbourhood\n"
        + "".join(f"{c},{'North' if i >= 12 else 'South'}\n" for i, c in enumerate(grid_cli.codes)),
        encoding="utf-8",
    )
    out = tmp_path / "map.html"
    assert main(["map", "--area", "QZZ", "--plan", str(plan), "--sites", "1", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert {"Hub catchments", "Hub sites (chosen)"} <= set(overlay_names(html))
    chosen = [f["properties"] for f in features(html) if "opening_order" in f["properties"]]
    assert sorted(p["neighbourhood"] for p in chosen) == ["North", "South"]  # one hub in each neighbourhood
    # Each site's catchment is its neighbourhood (the grid has no postcodes: centroids for all its LSOAs).
    lsoas = {"North": len(grid_cli.codes) - 12, "South": 12}
    for site in chosen:
        assert site["km_method"] == (
            f"straight line from LSOA centroids (not population-weighted) for all {lsoas[site['neighbourhood']]} LSOAs"
        )
    assert main(["map", "--area", "QZZ", "--sites", "1", "--out", str(tmp_path / "x.html")]) == 2


def test_nhp_map_reports_a_bad_hotspot_file(grid_cli, tmp_path, capsys):
    hotspots = tmp_path / "hotspots.csv"
    hotspots.write_text("lsoa_code,rate_per_1000\nG0000,12\nG0001,lots\n", encoding="utf-8")
    status = main(["map", "--area", "QZZ", "--hotspots", str(hotspots), "--out", str(tmp_path / "m.html")])
    err = capsys.readouterr().err
    assert status == 2 and "row 2" in err and "rate_per_1000" in err and not (tmp_path / "m.html").exists()


def test_nhp_map_rejects_unknown_layers(grid_cli, tmp_path, capsys):
    assert main(["map", "--area", "QZZ", "--layers", "imd,lads", "--out", str(tmp_path / "m.html")]) == 2
    assert "imd" in capsys.readouterr().err


@pytest.mark.realdata
@pytest.mark.slow
def test_llr_plan_map_is_at_most_5_mb(data_dir, tmp_path):
    from geo.atlas import load_atlas
    from geo.maps import plan_map

    atlas = load_atlas("QK1", data_dir=data_dir)
    # Footprints by local authority: the size is in the LSOA layers, whatever the plan.
    path = save_map(plan_map(atlas, atlas.lsoas.lad_code), tmp_path / "llr.html")
    assert len(atlas.lsoas) == 634
    assert path.stat().st_size <= 5e6
