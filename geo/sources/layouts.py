"""Published layouts: which header columns make a file one dataset, and the registry the catalogue searches.

A :class:`Layout` names the columns a reader needs as regular expressions over normalised header names (lower case,
single spaces), so one layout covers the year-stamped ONS names (``LOC22CD``, ``SICBL24CD``...) and both the
official and the renamed copies of a file. Each reader module registers its layouts with :func:`register`;
:func:`resolve` picks the layout a file matches or says which columns are missing from the closest one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.errors import DataError
from geo.sources.io import Sniff, normalise, sniff

LAYOUTS: list[Layout] = []
TITLES: dict[str, str] = {}


@dataclass(frozen=True)
class Layout:
    """One published layout of one dataset.

    Parameters
    ----------
    dataset
        Dataset key (``imd2025``, ``gp_registrations``...).
    name
        The layout as a person knows it ("IoD2025 File 7").
    columns
        Our column name -> regex over the normalised source header; all must be present.
    optional
        As ``columns``, used when present.
    geo
        Geographic layer (GeoJSON, GeoPackage, zipped shapefile) rather than a table.
    vintage
        Vintage label shown in ``nhp data check``.
    shape
        For headerless files: a test of the first row that recognises the file by shape.
    """

    dataset: str
    name: str
    columns: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    geo: bool = False
    vintage: str = ""
    shape: Callable[[list[str]], bool] | None = None

    def match(self, s: Sniff) -> dict[str, str] | None:
        """Return our name -> source column when ``s`` has every required column, else ``None``."""
        if self.geo != s.is_geo:
            return None
        if self.shape is not None:
            # A headerless file's first line was sniffed as its header: test that line's shape.
            return dict(self.columns) if self.shape(s.columns) else None
        found = self._find(s.columns, self.columns)
        if len(found) < len(self.columns):
            return None
        return {**found, **self._find(s.columns, self.optional)}

    def missing(self, s: Sniff) -> list[str]:
        """Required patterns with no matching header column."""
        found = self._find(s.columns, self.columns)
        return [pattern_label(p) for k, p in self.columns.items() if k not in found]

    @staticmethod
    def _find(columns: list[str], patterns: dict[str, str]) -> dict[str, str]:
        out = {}
        names = [(c, normalise(c)) for c in columns]
        for ours, pattern in patterns.items():
            compiled = _compiled(pattern)
            hits = [c for c, n in names if compiled.fullmatch(n)]
            if hits:
                out[ours] = hits[0]
        return out


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    # The layouts hold more patterns than re's own cache (512), so without this every discover recompiles them.
    return re.compile(pattern)


def pattern_label(pattern: str) -> str:
    """A readable form of a column pattern for error messages."""
    return re.sub(r"\\(.)", r"\1", pattern.replace(r"\d\d", "NN")).replace("(?:", "(")


def lit(text: str) -> str:
    """Pattern matching a published header exactly (after normalisation)."""
    return re.escape(normalise(text))


def register(*layouts: Layout, title: str | None = None) -> None:
    """Add layouts to the registry the catalogue searches."""
    LAYOUTS.extend(layouts)
    if title:
        TITLES[layouts[0].dataset] = title


def matches(s: Sniff) -> list[tuple[Layout, dict[str, str]]]:
    """Every (layout, columns) pair a sniffed file matches, most complete first."""
    found = [(lay, cols) for lay in LAYOUTS if (cols := lay.match(s)) is not None]
    return sorted(found, key=lambda lc: -len(lc[1]))


def resolve(path: str | Path, dataset: str) -> tuple[Sniff, Layout, dict[str, str]]:
    """Sniff ``path`` and return its layout of ``dataset``; DataError naming the missing columns if none fits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geo.sources  # registers the layouts
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ruc.csv"
    >>> _ = p.write_text("lsoa21_code,ruc21_code,classification\\nE01000001,UN1,Urban\\n")
    >>> try:
    ...     resolve(p, "rural_urban")
    ... except DataError as e:
    ...     print(e.column)
    ruc|urban_rural|rucNN_broad
    """
    s = sniff(path)
    candidates = [lay for lay in LAYOUTS if lay.dataset == dataset]
    for lay, cols in matches(s):
        if lay.dataset == dataset:
            return s, lay, cols
    same_kind = [lay for lay in candidates if lay.geo == s.is_geo and lay.shape is None] or candidates
    closest = min(same_kind, key=lambda lay: len(lay.missing(s)) / max(1, len(lay.columns)))
    missing = closest.missing(s)
    raise DataError(
        f"not a {dataset} file: columns missing or renamed: {', '.join(missing)}",
        file=s.path,
        row=0,
        column=missing[0] if len(missing) == 1 else None,
        expected=f"the {closest.name} layout with columns {', '.join(pattern_label(p) for p in closest.columns.values())}",
    )


def finish(df: pd.DataFrame, s: Sniff, lay: Layout, cols: dict[str, str], order: list[str], **attrs) -> pd.DataFrame:
    """Select ``order`` columns and set the provenance attrs every reader output carries."""
    out = df[[c for c in order if c in df.columns]].reset_index(drop=True)
    out.attrs.update(
        dataset=lay.dataset,
        vintage=attrs.pop("vintage", lay.vintage),
        source_label=TITLES.get(lay.dataset, lay.name),
        layout=lay.name,
        file=str(s.path),
        **attrs,
    )
    return out
