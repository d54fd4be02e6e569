"""One JSON conversion (geo/jsonable.py) for every answer: the API, the plan reports and the hotspot answers."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd

from geo.jsonable import jsonable


def test_every_value_a_domain_function_returns_becomes_strict_json():
    @dataclasses.dataclass
    class Figure:
        value: float
        when: pd.Timestamp

    value = {
        "count": np.int64(7),
        "share": np.float32(0.25),
        "missing": [float("nan"), np.inf, -np.inf, pd.NA, pd.NaT, None],
        "flags": (np.bool_(False), True),
        "table": pd.DataFrame({"n": [1, 2]}, index=pd.Index(["a", "b"], name="k")),
        "series": pd.Series([np.int32(1)], index=[3]),
        "array": np.array([[1.5, np.nan]]),
        "figure": Figure(np.float64(1.0), pd.Timestamp("2026-12-07")),
        "codes": {"E01000001"},
        5: "key",
    }
    out = jsonable(value)
    assert json.loads(json.dumps(out, allow_nan=False)) == out  # strict JSON: no NaN, no numpy, no objects
    assert out["missing"] == [None] * 6
    assert out["table"] == [{"k": "a", "n": 1}, {"k": "b", "n": 2}]
    assert out["series"] == {"3": 1} and out["array"] == [[1.5, None]] and out["5"] == "key"
    assert out["figure"] == {"value": 1.0, "when": "2026-12-07T00:00:00"}
    assert type(out["count"]) is int and type(out["share"]) is float and out["flags"] == [False, True]


def test_reports_api_and_hotspots_use_the_one_conversion():
    import api.routes.plans
    import api.serialize
    import geo.hotspots.result
    import geo.plan.compare
    import geo.plan.report

    for module in (api.serialize, api.routes.plans, geo.hotspots.result, geo.plan.compare, geo.plan.report):
        assert module.jsonable is jsonable, module.__name__
    assert not hasattr(geo.hotspots.result, "_jsonable")


def test_a_plan_report_is_strict_json():
    from geo.plan import Plan
    from geo.plan.report import plan_dict
    from geo.testing import grid_atlas

    doc = plan_dict(Plan(grid_atlas(2, 2), {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"}, target=3000))
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc
