"""The one conversion of domain values into JSON: numpy scalars and arrays, NaN and infinity, pandas tables,
timestamps, dataclasses and values with ``to_dict``. The API's answers (``api/serialize.py``), the reports
(``geo/plan/report.py``, ``geo/plan/compare.py``) and the hotspot answers (``geo/hotspots/result.py``) all use it,
so a figure is written the same way wherever it leaves the process.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any) -> Any:
    """Return ``value`` made of dicts, lists, str, int, float, bool and None only (NaN, infinity, ``pd.NA`` and
    ``NaT`` become None; keys become strings; anything else becomes its text).

    Examples
    --------
    >>> jsonable({"a": np.int64(3), "b": [np.float32(0.5), float("nan")], "c": pd.Series([1, 2], index=["x", "y"])})
    {'a': 3, 'b': [0.5, None], 'c': {'x': 1, 'y': 2}}
    >>> jsonable({1: (np.bool_(True), pd.NaT, pd.Timestamp("2026-01-31"), np.array([np.inf, 2.0]))})
    {'1': [True, None, '2026-01-31T00:00:00', [None, 2.0]]}
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if value is pd.NA or value is pd.NaT:  # NaT is a datetime: caught before isoformat() would write "NaT"
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.reset_index().to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)
