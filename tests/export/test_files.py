"""Files the commands write, opened as a GIS user opens them: ``nhp hotspots`` on the modelled layer."""

from __future__ import annotations

import json

import pandas as pd
import pyogrio

import cli._common as common
from cli import main
from geo.testing import grid_atlas
from geo.writers import describe


def test_modelled_hotspots_geojson_has_no_text_typed_numbers(monkeypatch, tmp_path):
    """The modelled layer has no intervals: they were null in every feature, which GIS tools read as text."""
    atlas = grid_atlas(10, 10)
    monkeypatch.setattr(common, "atlas_from_args", lambda args: atlas)
    data = tmp_path / "data"
    data.mkdir()
    months = [f"2024-{m:02d}" for m in range(8, 13)] + [f"2025-{m:02d}" for m in range(1, 8)]
    pd.DataFrame(
        {
            "month": months,
            "icb22_code": "E54009999",
            "total_attendances": 5000.0,
            "attendances_over_4hours": 100.0,
            "total_emergency_admissions": 900.0,
            "emergency_admissions_over_4hours": 50.0,
        }
    ).to_csv(data / "ae.csv", index=False)
    out = tmp_path / "hot.geojson"
    assert main(["hotspots", "--data-dir", str(data), "--out", str(out)]) == 0
    info = pyogrio.read_info(out)
    fields = dict(zip(info["fields"], info["dtypes"]))
    text = {"lsoa_code", "lsoa_name", "hotspot", "funnel", "uec_kind", "uec_kind_label", "source"}
    assert {c for c, dtype in fields.items() if dtype == "object"} <= text, fields
    assert "rate_lci" not in fields and fields["rate_per_1000"] == "float64"
    assert fields["population"] in ("int32", "int64")
    collection = json.loads(out.read_text())
    assert collection["uec_kind"] == "modelled" and collection["name"].startswith("UEC_modelled")
    assert all(describe(c)[1] for c in fields if c != "funnel")  # every column has a definition to show
