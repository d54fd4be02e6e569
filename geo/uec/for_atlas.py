"""The UEC layer for an atlas: a local extract when one is given, otherwise the modelled layer from the data folder.

One function serves the CLI and the API, so both choose the layer, bridge vintages and label "modelled" output the
same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.errors import DataError
from geo.uec.importer import read_uec_extract
from geo.uec.layer import UecLayer
from geo.uec.modelled import modelled_uec
from geo.atlas.org_codes import reconcile_codes
from geo.atlas import load_atlas
from geo.sources import discover


def uec_layer_for(
    atlas,
    data_dir: str | Path | None,
    *,
    extract: str | Path | None = None,
    strict: bool = False,
    months: int = 12,
    label: str | None = None,
) -> UecLayer:
    """Return the UEC layer of ``atlas``.

    Parameters
    ----------
    atlas
        The study area.
    data_dir
        Folder of official files: the NHS England monthly A&E by ICB file for the modelled layer, and the LSOA
        2011-2021 lookup for extracts on the other vintage.
    extract
        A local UEC extract (CSV/XLSX, aggregated or patient-level); ``None`` for the modelled layer.
    strict
        Stop at the first bad row of the extract instead of rejecting and counting it.
    months
        Months of the modelled layer (the latest ones published).

    Examples
    --------
    >>> from geo.demo import DEMO_AREA, demo_data_dir
    >>> from geo.atlas import load_atlas
    >>> atlas = load_atlas(DEMO_AREA, data_dir=demo_data_dir())  # doctest: +SKIP
    >>> uec_layer_for(atlas, demo_data_dir()).kind  # doctest: +SKIP
    'modelled'
    """
    catalogue = None
    if data_dir is not None and Path(data_dir).is_dir():
        catalogue = discover(data_dir)
    if extract is not None:
        lookup = catalogue.read("lsoa11_lsoa21_lookup") if catalogue and catalogue.has("lsoa11_lsoa21_lookup") else None
        return read_uec_extract(extract, atlas, strict=strict, lookup=lookup, label=label)
    if catalogue is None:
        raise DataError(
            "no UEC extract and no data folder for the modelled layer",
            expected="a UEC extract, or a data folder holding the NHS England A&E by ICB file",
        )
    return modelled_uec(
        atlas,
        catalogue.read("ae_monthly_icb"),
        months=months,
        reference=_whole_icbs(atlas, data_dir),
        codes=icb_codes_for(atlas, catalogue),
    )


def icb_codes_for(atlas, catalogue) -> pd.DataFrame | None:
    """The 2022 ICB codes (the A&E series') reconciled to the atlas's (2024 on LSOA 2021), or ``None`` when the
    folder lacks a lookup of either vintage (then the codes must already agree)."""

    needed = ("lsoa11_icb_lookup", "lsoa21_icb_lookup")
    if getattr(atlas, "vintage", 2021) == 2011:
        return None  # a 2011 atlas carries the 2022 codes the A&E series is published on
    if not all(catalogue.has(name) for name in needed):
        return None
    old, new = (catalogue.read(name) for name in needed)
    lookup = catalogue.read("lsoa11_lsoa21_lookup") if catalogue.has("lsoa11_lsoa21_lookup") else None
    population = (
        catalogue.read("population_census2021").set_index("lsoa_code").population
        if catalogue.has("population_census2021")
        else None
    )
    if lookup is None:
        return None
    return reconcile_codes(old, new, lookup, population)


def _whole_icbs(atlas, data_dir) -> pd.DataFrame | None:
    """LSOAs of every ICB the study area touches, so a part-ICB area gets its true share of the ICB total."""
    if atlas.area.kind in ("icb", "england"):
        return None

    frames = []
    for code in sorted(atlas.lsoas["icb_code_nhs"].astype(str).unique()):
        whole = load_atlas(code, data_dir=data_dir, vintage=atlas.vintage, imd=atlas.imd_edition)
        frames.append(whole.lsoas[["icb_code", "resident_population", "acute_morbidity"]])
    return pd.concat(frames)
