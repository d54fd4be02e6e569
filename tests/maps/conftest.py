"""Fixtures for the map tests: a small grid atlas and readers for what a rendered page holds.

The 6x4 grid (1 km cells, two local authorities of three columns) and its two-neighbourhood plan::

    G0018 G0019 G0020 | G0021 G0022 G0023      North = rows 2-3
    G0012 G0013 G0014 | G0015 G0016 G0017
    G0006 G0007 G0008 | G0009 G0010 G0011      South = rows 0-1
    G0000 G0001 G0002 | G0003 G0004 G0005
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from geo.testing import grid_atlas

_GEOJSON = re.compile(r"(geo_json_[0-9a-f]+)_add\((\{.*?\})\);\n", re.S)
_LEGEND = re.compile(r"div\.innerHTML = (\".*?\");", re.S)
_ATTRIBUTION = re.compile(r"addAttribution\((\".*?\")\);", re.S)
_OVERLAYS = re.compile(r"overlays\s*:\s*\{(.*?)\}", re.S)


@pytest.fixture
def atlas():
    return grid_atlas(6, 4, lad_width=3, practice_every=3)


@pytest.fixture
def plan(atlas):
    rows = np.arange(len(atlas.lsoas)) // 6
    return pd.Series(np.where(rows >= 2, "North", "South"), index=atlas.codes, name="neighbourhood")


@pytest.fixture
def hotspots(atlas):
    n = len(atlas.lsoas)
    return pd.DataFrame(
        {
            "lsoa_code": atlas.codes,
            "attendances": np.linspace(20, 400, n).round(),
            "rate_per_1000": np.linspace(10, 260, n),
            "ratio": np.linspace(0.5, 1.8, n),
            "gi_z": np.linspace(-3, 3, n),
            "gi_p": 0.01,
            "hotspot": ["low"] * 4 + [""] * (n - 8) + ["high"] * 4,
        }
    )


def page(m) -> str:
    """The full HTML of a map, as saved (through the one rendering path, which defuses template syntax)."""
    from geo.maps._safety import render_page

    return render_page(m)


def features(html: str) -> list[dict]:
    """Every GeoJSON feature embedded in the page (the data tooltips and popups show)."""
    return [f for _, data in _GEOJSON.findall(html) for f in json.loads(data)["features"]]


def layers(html: str) -> list[dict]:
    """The features of each GeoJSON layer, in page order."""
    return [json.loads(data)["features"] for _, data in _GEOJSON.findall(html)]


def legends(html: str) -> list[str]:
    """The HTML of every legend and title box, decoded from the page's script."""
    return [json.loads(text) for text in _LEGEND.findall(html)]


def attribution(html: str) -> str:
    return " ".join(json.loads(text) for text in _ATTRIBUTION.findall(html))


def overlay_names(html: str) -> list[str]:
    """Names of the overlays listed in the LayerControl."""
    block = _OVERLAYS.search(html).group(1)
    return [json.loads(name) for name in re.findall(r'("(?:[^"\\]|\\.)*")\s*:', block)]
