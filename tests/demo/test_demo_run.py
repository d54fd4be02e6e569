"""``nhp demo`` runs offline end to end, labels every output as synthetic and discloses no small counts."""

import json

import pandas as pd

from cli import main
from geo.testing.disclosure import assert_no_small_counts


def test_demo_writes_every_output_labelled_synthetic(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC DEMO DATA" in printed and "nhp serve" in printed
    files = sorted(tmp_path.iterdir())
    assert {f.suffix for f in files} >= {".csv", ".json", ".geojson", ".html", ".xlsx"}
    for path in files:
        assert path.name.startswith("synthetic-demo-")
        if path.suffix in {".csv", ".json", ".geojson", ".html"}:
            assert "synthetic demo data" in path.read_text(encoding="utf-8").lower(), path.name

    summary = pd.read_csv(tmp_path / "synthetic-demo-atlas-summary.csv")
    assert summary.iloc[-1].lad_name == "Total" and summary.iloc[-1].lsoas == 200
    score = json.loads((tmp_path / "synthetic-demo-plan-score.json").read_text())
    assert score["plan"]["contiguous"] is True and score["plan"]["la_crossings"] == 0

    hotspots = pd.read_csv(tmp_path / "synthetic-demo-uec-hotspots.csv", dtype={"hotspot": str})
    assert (hotspots.hotspot == "high").sum() >= 3  # the planted clusters are found
    assert_no_small_counts(hotspots[["attendances"]], 7)
    assert_no_small_counts((tmp_path / "synthetic-demo-neighbourhood-profiles.html").read_text(), 7)
