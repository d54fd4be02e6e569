"""Build the atlas of a study area: one checked LSOA layer joining boundaries, population, deprivation,
registrations, practices and rural-urban class, with its contiguity graph; cached for quick restarts.

Vintages are kept straight by one table (:mod:`geo.atlas.vintages`): a 2021 atlas uses LSOA 2021 boundaries,
Census 2021 population and IoD2025; a 2011 atlas uses LSOA 2011 boundaries, ONS mid-2020 estimates and IoD2019.
Registrations (published on LSOA 2011) are bridged to 2021 through the ONS lookup. An IMD edition from the other
vintage is carried over from the predecessor (or successor) LSOA holding most people. Census 2021 ethnicity is
bridged to LSOA 2011 as counts. Ethnicity, QOF registers and practice age profiles are optional datasets.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.atlas import cache as atlas_cache
from geo.atlas.area import ENGLAND, cache_spec, resolve_area
from geo.atlas.bridging import bridge_counts, code_isin, crosswalk
from geo.atlas.lookups import lsoa_geography
from geo.atlas.model import AGE_BANDS, ETHNICITY_COLUMNS, LSOA_COLUMNS, Atlas, SourceInfo, normalise_dtypes
from geo.atlas.lists import todays_lists
from geo.atlas.practices import add_unplaced, plurality, practice_profiles, practices_layer, registrations_for_area
from geo.atlas.sites import practice_sites
from geo.atlas.vintages import VINTAGES, imd_geography, vintage_for
from geo.atlas.graph import contiguity
from geo.errors import DataError
from geo.settings import get_settings
from geo.sources import discover

IMD_COLUMNS = ["imd_score", "imd_rank", "imd_decile"]


def load_atlas(
    area: str | list[str],
    *,
    data_dir: str | Path | None = None,
    vintage: int | None = None,
    imd: int | None = None,
    cache: bool = True,
) -> Atlas:
    """Return the atlas of a study area, from the cache when its input files have not changed.

    Parameters
    ----------
    area
        ``QK1``/``E54000015`` (ICB), a sub-ICB, LA code(s), LSOA codes or a file of them, or ``england``.
    data_dir
        Folder of official files (default: the ``NHP_DATA_DIR`` setting).
    vintage
        2021 (default) or 2011 LSOA geography.
    imd
        IMD edition, 2025 or 2019; by default the one published on the chosen geography. Asking for 2019 alone
        selects the 2011 geography it was published on.
    cache
        Read and write the GeoParquet cache (``NHP_CACHE_DIR``).

    Examples
    --------
    >>> atlas = load_atlas("QK1", data_dir="../shared/data/raw")  # doctest: +SKIP
    >>> len(atlas.lsoas)  # doctest: +SKIP
    634
    """
    settings = get_settings()
    folder = Path(data_dir) if data_dir else settings.data_dir
    if folder is None:
        raise DataError(
            "no data folder", expected="NHP_DATA_DIR or --data-dir pointing at the official files, or --demo"
        )
    if not Path(folder).is_dir():
        raise DataError("data folder not found", file=folder, expected="a folder of official open-data files")
    if vintage is None:
        # Asking for an IMD edition alone selects the geography it was published on.
        vintage = imd_geography(imd) if imd else settings.vintage
    vintage = vintage_for(vintage).year
    imd = imd or vintage_for(vintage).imd
    imd_geography(imd)  # DataError for an unknown edition

    catalogue = discover(folder)
    # Parsed files are kept beside the atlases (geo.sources.parsed): a new area skips parsing what others read.
    catalogue.cache_dir = settings.cache_dir if cache else None
    request = {"area": cache_spec(area), "vintage": vintage, "imd": imd}
    key = None
    if cache:
        files = {f.dataset: f.path for f in catalogue.found}
        key = atlas_cache.cache_key(files, request, settings.cache_dir)
        cached = atlas_cache.load(settings.cache_dir / f"atlas-{key}")
        if cached is not None:
            return cached
    atlas = build_atlas(catalogue, area, vintage=vintage, imd=imd)
    if cache and key:
        atlas_cache.save(atlas, settings.cache_dir / f"atlas-{key}")
    return atlas


def build_atlas(catalogue, area: str | list[str], *, vintage: int, imd: int) -> Atlas:
    """Build an atlas from a :class:`geo.sources.Catalogue` without touching the cache."""
    v = vintage_for(vintage)
    # Start the reads in background threads, so parsing overlaps the joins. The build still asks for them in its own
    # order, so the atlas and any error are the same. Parsed boundaries are read for the area's rows only, later, and
    # so are the LSOA tables (IMD, rural-urban, indicators, ethnicity) of an area smaller than England.
    keys = _datasets(v, imd)
    by_rows = [v.boundaries] + ([] if _is_england(area) else _lsoa_tables(imd))
    catalogue.prefetch([k for k in keys if not (k in by_rows and catalogue.is_parsed(k))])
    try:
        return _build(catalogue, area, v, imd)
    finally:
        catalogue.cancel_prefetch()


def _is_england(area) -> bool:
    return isinstance(area, str) and area.strip().upper() in ENGLAND


def _lsoa_tables(imd: int) -> list[str]:
    """The LSOA tables whose rows the build takes for the area's LSOAs only (and their other-vintage counterparts)."""
    return [f"imd{imd}", "rural_urban", "iod2025_indicators", "ethnicity_census2021"]


def _related(codes: pd.Index, lookup: pd.DataFrame | None) -> pd.Index:
    """The area's LSOA codes and their predecessors and successors in the LSOA 2011 to 2021 lookup: every code whose
    row a join carrying a dataset across vintages (by successor, by most people, or bridged as counts) can look at."""
    if lookup is None:
        return codes
    linked = [codes]
    for own, other in (("lsoa11_code", "lsoa21_code"), ("lsoa21_code", "lsoa11_code")):
        linked.append(pd.Index(lookup[other][code_isin(lookup[own], codes)].dropna().unique()))
    return pd.Index(sorted(set().union(*linked)), name="lsoa_code")


def _datasets(v, imd: int) -> list[str]:
    """The datasets a build reads, the ones the build needs first (and the slow boundaries) at the front."""
    return [
        v.icb_lookup,
        v.boundaries,
        v.lad_lookup,
        "lsoa11_lsoa21_lookup",
        "lsoa21_ward_lad_lookup",
        "lad_utla_lookup",
        "gp_registrations",
        v.population,
        f"imd{imd}",
        "rural_urban",
        "iod2025_indicators",
        "ethnicity_census2021",
        "practice_ages",
        "practice_map",
        "practice_geocodes",
        "postcode_centroids",
        "qof_prevalence",
        "epraccur",
    ]


def _build(catalogue, area: str | list[str], v, imd: int) -> Atlas:
    vintage = v.year
    geography = lsoa_geography(catalogue, v)
    study_area, codes = resolve_area(area, geography)
    if len(codes) == 0:
        raise DataError(f"study area {study_area.label} has no LSOAs", expected="a non-empty area")
    sources: dict[str, SourceInfo] = {}

    def read(key: str):
        frame = catalogue.read(key)
        sources[key] = _source_info(key, frame, catalogue)
        return frame

    polygons = BoundaryReader(catalogue, v.boundaries, sources)

    lsoas = geography.set_index("lsoa_code").loc[codes]
    boundaries = polygons(codes)
    missing = codes.difference(boundaries.index)
    if len(missing):
        raise DataError(
            f"{len(missing)} LSOAs of the area have no boundary (first: {missing[0]})",
            file=catalogue.path(v.boundaries),
            column="lsoa_code",
            expected=f"LSOA {vintage} boundaries covering the study area",
        )

    population = read(v.population).set_index("lsoa_code")
    lsoas["resident_population"] = population.population.reindex(codes)
    for band in AGE_BANDS:
        lsoas[band] = population[band].reindex(codes) if band in population else np.nan
    if lsoas.resident_population.isna().any():
        first = lsoas.index[lsoas.resident_population.isna()][0]
        raise DataError(
            f"no population for LSOA {first}",
            file=catalogue.path(v.population),
            column="lsoa_code",
            expected="every LSOA of the area",
        )

    lookup = read("lsoa11_lsoa21_lookup") if catalogue.has("lsoa11_lsoa21_lookup") else None
    related = None if study_area.kind == "england" else _related(codes, lookup)

    def area_rows(key: str):
        # The joins below drop duplicate codes (first row kept) and look codes up: the rows of the related codes,
        # in file order, give the same columns as the whole table; from Parquet only those rows are read.
        if related is None or key not in _lsoa_tables(imd):
            return read(key)
        frame = catalogue.read_rows(key, "lsoa_code", related)
        sources[key] = _source_info(key, frame, catalogue)
        return frame

    _join_imd(lsoas, area_rows(f"imd{imd}"), v, imd, lookup, population)
    _join_optional(lsoas, catalogue, area_rows, v, lookup)
    _join_ethnicity(lsoas, catalogue, area_rows, v, lookup, population, sources)

    registrations = read("gp_registrations")
    practice_map = read("practice_map")
    geocodes = read("practice_geocodes") if catalogue.has("practice_geocodes") else None
    postcodes = read("postcode_centroids") if catalogue.has("postcode_centroids") else None
    sites = practice_sites(practice_map, geocodes, postcodes, geography, polygons, vintage=vintage)
    ages = read("practice_ages") if catalogue.has("practice_ages") else None
    # Today's lists spread over the July 2023 home shares; closed practices' patients kept apart and reported.
    lists = todays_lists(registrations, ages, practice_map, sites.lsoa_code)
    _label_lists(sources, lists)
    pop21 = population.population if v.population == "population_census2021" else None
    if vintage != 2011 and lookup is None:
        catalogue.path("lsoa11_lsoa21_lookup")  # raises, naming the download page
    area_regs, report = registrations_for_area(lists.registrations, codes, vintage, lookup, pop21)
    closed, _ = registrations_for_area(lists.closed, codes, vintage, lookup, pop21)
    closed = closed.merge(
        lists.closed.drop_duplicates("practice_code")[["practice_code", "practice_name"]],
        on="practice_code",
        how="left",
    )[["practice_code", "practice_name", "lsoa_code", "patients"]]
    lsoas = lsoas.join(plurality(area_regs, codes))

    ranks = lsoas.imd_rank.rank(method="first")
    lsoas["local_decile"] = np.ceil(ranks * 10 / len(lsoas)).clip(1, 10).astype("Int64")
    layer = gpd.GeoDataFrame(lsoas, geometry=boundaries.geometry.reindex(codes), crs="EPSG:27700")
    layer.index.name = "lsoa_code"
    layer = layer[[c for c in LSOA_COLUMNS if c != "geometry"] + ["geometry"]]

    epraccur = read("epraccur") if catalogue.has("epraccur") else None
    practices = practices_layer(study_area, layer, practice_map, sites, lists, area_regs, registrations, epraccur)
    report = add_unplaced(report, lists.registrations, practices.index)
    qof = read("qof_prevalence") if catalogue.has("qof_prevalence") else None
    practices, qof_table, age_table = practice_profiles(practices, qof, ages)

    adjacency, bridges = contiguity(layer)
    layer, practices, area_regs, closed = (normalise_dtypes(f) for f in (layer, practices, area_regs, closed))
    return Atlas(
        study_area,
        vintage,
        imd,
        layer,
        practices,
        area_regs,
        adjacency,
        bridges,
        sources,
        report,
        qof=qof_table,
        practice_ages=age_table,
        closed_registrations=closed,
    )


class BoundaryReader:
    """LSOA polygons by code, read from the catalogue only for codes not read before.

    The build asks for the area's polygons, then for those of the districts where practices moved
    (:mod:`geo.atlas.sites`): for England (or districts inside the area) the second set is already at hand, and
    taking it from the first frame spares a second read and decode of the same rows. Each frame is indexed by
    ``lsoa_code`` and holds the first row of each code, as a fresh read would; callers look polygons up by code.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> class Catalogue:
    ...     reads = 0
    ...     def read_rows(self, key, column, values):
    ...         Catalogue.reads += 1
    ...         frame = gpd.GeoDataFrame({"lsoa_code": ["A", "B", "C"]}, geometry=[box(0, 0, 1, 1)] * 3)
    ...         return frame[frame.lsoa_code.isin(values)]
    ...     def path(self, key):
    ...         return "boundaries.geojson"
    >>> sources = {}
    >>> polygons = BoundaryReader(Catalogue(), "lsoa21_boundaries", sources)
    >>> polygons(["A", "B"]).index.tolist(), polygons(["B"]).index.tolist(), Catalogue.reads
    (['A', 'B'], ['B'], 1)
    >>> polygons(["C"]).index.tolist(), Catalogue.reads, sources["lsoa21_boundaries"].file
    (['C'], 2, 'boundaries.geojson')
    """

    def __init__(self, catalogue, key: str, sources: dict[str, SourceInfo]) -> None:
        self.catalogue, self.key, self.sources = catalogue, key, sources
        self.frames: list[gpd.GeoDataFrame] = []

    def __call__(self, wanted) -> gpd.GeoDataFrame:
        wanted = pd.Index(wanted)
        for frame in self.frames:
            if code_isin(wanted.to_series(), frame.index).all():
                return frame.loc[wanted.unique()]
        frame = self.catalogue.read_rows(self.key, "lsoa_code", wanted)
        self.sources[self.key] = _source_info(self.key, frame, self.catalogue)
        frame = frame.drop_duplicates("lsoa_code").set_index("lsoa_code")
        self.frames.append(frame)
        return frame


def _label_lists(sources: dict, lists) -> None:
    """Both vintages on every registered figure: today's lists, and the month whose home shares spread them."""
    info = sources["gp_registrations"]
    if lists.scaled:
        ages = sources["practice_ages"]
        sources["gp_registrations"] = SourceInfo(
            info.dataset, info.label, f"home LSOA shares {lists.pattern}, scaled to {lists.vintage} lists", info.file
        )
        sources["practice_lists"] = SourceInfo(
            "practice_lists",
            "NHS England, Patients Registered at a GP Practice (list by practice)",
            lists.vintage,
            ages.file,
        )
    else:
        sources["practice_lists"] = SourceInfo(
            "practice_lists", info.label + " (list: all registrations)", lists.pattern, info.file
        )


def _join_imd(lsoas, imd_frame, v, imd, lookup, population) -> None:
    """Join IMD score, rank, national decile and quintile, carrying an edition across vintages if asked."""
    frame = imd_frame.drop_duplicates("lsoa_code").set_index("lsoa_code")[IMD_COLUMNS]
    native = imd_geography(imd)
    if native != v.year:
        if lookup is None:
            raise DataError(
                f"IMD {imd} is on LSOA {native}: the LSOA 2011 to 2021 lookup is needed for a {v.year} atlas"
            )
        # Each LSOA takes the index of the other-vintage LSOA that shares most of its people.
        own, other = v.lookup_column, VINTAGES[v.other].lookup_column
        pairs = lookup[[own, other]].copy()
        # Only the atlas population is at hand: it weighs the candidates whose codes it holds (the 2021 successors
        # of a 2011 LSOA); candidates it does not hold tie and keep the lookup's order.
        pairs["weight"] = pairs[other].map(population.population).fillna(0)
        best = pairs.sort_values([own, "weight"], ascending=[True, False]).drop_duplicates(own).set_index(own)[other]
        frame = frame.reindex(best.reindex(lsoas.index)).set_axis(lsoas.index)
    for column in IMD_COLUMNS:
        lsoas[column] = frame[column].reindex(lsoas.index)
    if lsoas.imd_decile.isna().any():
        first = lsoas.index[lsoas.imd_decile.isna()][0]
        raise DataError(
            f"no IMD {imd} decile for LSOA {first}",
            column="lsoa_code",
            expected=f"the IMD {imd} file to cover every LSOA of the area",
        )
    lsoas["imd_rank"] = lsoas.imd_rank.astype(int)
    lsoas["imd_decile"] = lsoas.imd_decile.astype(int)
    lsoas["imd_quintile"] = (lsoas.imd_decile + 1) // 2


def _join_optional(lsoas, catalogue, read, v, lookup) -> None:
    """Rural-urban class and the acute morbidity indicator (LSOA 2021 datasets; carried to 2011 by successor)."""

    def on_vintage(frame: pd.DataFrame) -> pd.DataFrame:
        native = frame.attrs.get("lsoa_vintage", 2021)
        frame = frame.drop_duplicates("lsoa_code").set_index("lsoa_code")
        if native == v.year or lookup is None:
            return frame.reindex(lsoas.index)
        successor = lookup.drop_duplicates(v.lookup_column).set_index(v.lookup_column).lsoa21_code
        return frame.reindex(successor.reindex(lsoas.index)).set_axis(lsoas.index)

    if catalogue.has("rural_urban"):
        ruc = on_vintage(read("rural_urban"))
        lsoas["ruc_code"], lsoas["ruc_class"] = ruc.ruc_code, ruc.ruc_class
    else:
        lsoas["ruc_code"], lsoas["ruc_class"] = pd.NA, pd.NA
    if catalogue.has("iod2025_indicators"):
        lsoas["acute_morbidity"] = on_vintage(read("iod2025_indicators")).acute_morbidity_indicator.astype(float)
    else:
        lsoas["acute_morbidity"] = np.nan


def _join_ethnicity(lsoas, catalogue, read, v, lookup, population, sources) -> None:
    """Census 2021 residents of the five ethnic groups and their total; bridged as counts to LSOA 2011.

    A 2011 LSOA takes each 2021 successor whole where it split and a share (by mid-2020 population) where it merged,
    so the area's totals are kept; without the dataset the columns are missing values.
    """
    if not catalogue.has("ethnicity_census2021"):
        for column in ETHNICITY_COLUMNS:
            lsoas[column] = np.nan
        return
    frame = read("ethnicity_census2021")
    native = frame.attrs.get("lsoa_vintage", 2021)
    frame = frame[["lsoa_code", *ETHNICITY_COLUMNS]]
    if native != v.year:
        if lookup is None:
            catalogue.path("lsoa11_lsoa21_lookup")  # raises, naming the download page
        english = lookup[lookup.lsoa21_code.str.startswith("E")]
        weights = crosswalk(english, source=2021, target=v.year, target_population=population.population)
        frame, _ = bridge_counts(frame, code_column="lsoa_code", value_columns=ETHNICITY_COLUMNS, weights=weights)
        frame = frame.groupby("lsoa_code")[ETHNICITY_COLUMNS].sum().round(1).reset_index()
        info = sources["ethnicity_census2021"]
        sources["ethnicity_census2021"] = SourceInfo(
            info.dataset, info.label, f"{info.vintage}, bridged to {v.label}", info.file
        )
    on_lsoas = frame.drop_duplicates("lsoa_code").set_index("lsoa_code").reindex(lsoas.index)
    for column in ETHNICITY_COLUMNS:
        lsoas[column] = on_lsoas[column].astype(float)


def _source_info(key: str, frame, catalogue) -> SourceInfo:
    attrs = getattr(frame, "attrs", {}) or {}
    path = catalogue.path(key)
    return SourceInfo(key, str(attrs.get("source_label", key)), str(attrs.get("vintage", "")), Path(path).name)
