"""Today's primary care networks as a list-based plan: every in-area practice labelled by its PCN's name.

NHS England's practice -> PCN map (October 2025, ``atlas.practices.pcn_code``/``pcn_name``) is the baseline each
proposal is scored against (``nhp plan pcns``). A label is the PCN's name, or ``name (code)`` when two PCNs share
a name; a practice in no PCN (no code, or ``U`` "Unallocated") is a neighbourhood of its own, labelled
``<practice name> (<practice code>, no PCN)``, and counted apart from the PCNs (:func:`pcn_baseline_counts`).
Only the practices in the area's plans are taken (``atlas.practices.in_area``): special allocation schemes, asylum
and homeless services and other non-geographic units, closed practices and those with no patients are left out, and
listed with their patients by :func:`geo.atlas.summary.practices_out`.
"""

from __future__ import annotations

import pandas as pd


def pcn_plan_assignment(atlas) -> pd.Series:
    """Return ``practice_code -> PCN label`` for every practice sited in the study area (``in_area``).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> pcn_plan_assignment(grid_atlas(4, 4)).to_dict()
    {'Z00000': 'Grid PCN 0', 'Z00001': 'Grid PCN 0', 'Z00002': 'Grid PCN 0', 'Z00003': 'Grid PCN 1'}
    """
    practices = atlas.practices[atlas.practices["in_area"].fillna(False).astype(bool)].sort_index()
    code = practices["pcn_code"].astype("string").str.strip()
    name = practices["pcn_name"].astype("string").str.strip()
    alone = code.isna() | code.isin(["", "U"])
    name = name.where(name.notna() & (name != ""), code)
    # Two PCNs with one name (different codes) would merge under a name label: add the code to both.
    codes_per_name = code[~alone].groupby(name[~alone]).nunique()
    shared = name.isin(codes_per_name.index[codes_per_name > 1]) & ~alone
    label = name.where(~shared, name + " (" + code + ")")
    own = practices["practice_name"].astype(str) + " (" + practices.index.astype(str) + ", no PCN)"
    label[alone] = own[alone]
    out = label.astype(str).rename("neighbourhood")
    out.index.name = "practice_code"
    return out


def pcn_baseline_counts(atlas) -> dict[str, int]:
    """Return how the PCN baseline is made: ``pcns`` (real networks), ``practices_in_no_pcn`` (each a neighbourhood
    of its own), ``neighbourhoods`` (their sum) and ``practices_left_out`` (not in the area's plans).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> pcn_baseline_counts(grid_atlas(4, 4))
    {'pcns': 2, 'practices_in_no_pcn': 0, 'neighbourhoods': 2, 'practices_left_out': 0}
    """
    labels = pcn_plan_assignment(atlas)
    alone = labels.str.endswith(", no PCN)")
    pcns, single = int(labels[~alone].nunique()), int(alone.sum())
    left_out = int((~atlas.practices["in_area"].fillna(False).astype(bool)).sum())
    return {
        "pcns": pcns,
        "practices_in_no_pcn": single,
        "neighbourhoods": pcns + single,
        "practices_left_out": left_out,
    }
