"""Wards (or a user geography's units) kept whole in a proposal of whole practices or PCNs.

A list-built neighbourhood is a set of whole practices, so "keep a ward whole" has one rule there: **every practice
whose site lies in the same ward (or unit) goes to the same neighbourhood**. The practices are grouped by the unit
holding their site LSOA (the atlas's ``practices.lsoa_code``, from the practice's postcode) before the search, as
PCNs group practices in a PCN build (:func:`geo.propose.practice_graph.grouped_units`), so the exact solver is
unchanged: it balances the groups. In a PCN build a PCN and a ward group that share a practice are one node (the
practices are joined over both, union-find style), so both stay whole. A practice whose site LSOA has no unit is
a node of its own (or its PCN's). The place footprint of the plan is then derived from where the patients live as
for any list plan, and each respected unit it splits is reported (:func:`geo.propose.wards.split_notes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.propose.practice_graph import Units, grouped_units, practice_pcns, practice_units
from geo.propose.wards import respected_columns


def respected_units(atlas, params) -> tuple[Units, dict]:
    """Return the nodes of a list build that keeps ``params.respect`` whole, and the rule as the plan records it.

    Returns
    -------
    tuple
        ``(units, grouped)``: the nodes (groups of practices), and ``grouped``: ``{"rule", "unit", "groups",
        "practices", "shared", "unplaced"}`` (``shared``: groups of more than one practice; ``unplaced``: practices
        whose site LSOA has no unit, each a node of its own; ``rule``: the summary's words).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose.model import ProposalParams
    >>> atlas = grid_atlas(4, 4, practice_every=2)  # practices in G0000, G0002, G0004 ...
    >>> atlas.lsoas["ward_code"] = ["W1"] * 4 + ["W2"] * 12
    >>> atlas.lsoas["ward_name"] = ["North"] * 4 + ["South"] * 12
    >>> units, grouped = respected_units(atlas, ProposalParams(build_from="practices", respect="wards"))
    >>> units.codes.tolist(), [len(m) for m in units.members]
    (['W1', 'W2'], [2, 6])
    >>> grouped["rule"]
    'practices grouped by the ward their site is in: 2 groups from 8 practices'
    """
    practices = practice_units(atlas)
    code_col, name_col, word = respected_columns(atlas.lsoas, params)
    lsoas = atlas.lsoas
    site_unit = lsoas[code_col].astype("string").str.strip().to_numpy(dtype=object, na_value=None)[practices.site]
    unit_names = dict(zip(lsoas[code_col].astype(str), lsoas.get(name_col, lsoas[code_col]).astype(str)))
    unplaced = np.array([u is None or u in ("", "nan") for u in site_unit], dtype=bool)
    key = np.where(unplaced, practices.codes, site_unit).astype(str)
    n = len(practices)
    if params.build_from == "pcns":
        pcn, pcn_name = practice_pcns(atlas, practices)
        # A PCN and a ward that share a practice must both stay whole: join the practices over either.
        pcns, by_pcn = np.unique(pcn, return_inverse=True)
        wards, by_ward = np.unique(key, return_inverse=True)
        link = sparse.csr_matrix(
            (np.ones(2 * n), (np.r_[np.arange(n), np.arange(n)], np.r_[by_pcn, len(pcns) + by_ward])),
            shape=(n, len(pcns) + len(wards)),
        )
        _, component = csgraph.connected_components(link @ link.T, directed=False)
        which, codes, names = _components(component, pcn, pcn_name)
        kind, node_word = f"PCNs joined by {word}", f"group of PCNs and {word}s"
    else:
        codes, which = np.unique(key, return_inverse=True)
        names = np.array([unit_names.get(c, c) if c in unit_names else _name_of(practices, c) for c in codes])
        kind, node_word = f"{word} groups", f"{word} group"
    units = grouped_units(atlas, practices, which, codes, names, kind, node_word)
    groups = len(units)
    rule = (
        f"practices grouped by the {word} their site is in: {groups} groups from {n} practices"
        if params.build_from == "practices"
        else f"PCNs and the {word}s their practices' sites are in kept whole together: {groups} groups of "
        f"{len(np.unique(pcn))} PCNs from {n} practices"
    )
    grouped = {
        "rule": rule,
        "unit": word,
        "groups": groups,
        "practices": n,
        "shared": int(sum(len(m) > 1 for m in units.members)),
        "unplaced": int(unplaced.sum()),
    }
    return units, grouped


def _name_of(practices: Units, code: str) -> str:
    return str(practices.names[list(practices.codes).index(code)])


def _components(component: np.ndarray, pcn: np.ndarray, pcn_name: np.ndarray):
    """Node of each practice, and each node's code and name, from the components of the PCN-ward join: coded by
    its first PCN in code order (``+N``: and N more PCNs)."""
    frame = pd.DataFrame({"c": component, "pcn": pcn, "name": pcn_name}).drop_duplicates(["c", "pcn"])
    frame = frame.sort_values(["c", "pcn"], kind="stable")
    first = frame.groupby("c").first()
    more = frame.groupby("c").size() - 1
    label = {
        c: (
            first.at[c, "pcn"] + (f"+{more[c]}" if more[c] else ""),
            first.at[c, "name"] + (f" and {more[c]} more PCNs" if more[c] else ""),
        )
        for c in first.index
    }
    codes, which = np.unique([label[c][0] for c in component], return_inverse=True)
    by_code = {label[c][0]: label[c][1] for c in first.index}
    return which, codes, np.array([by_code[c] for c in codes])
