"""What a hotspot is: the class of each LSOA and the connected clusters of high (or low) LSOAs, ranked.

An LSOA is ``"high"`` only when both hold:

- it is in a significant high Gi* window: ``q <= alpha`` (Benjamini-Hochberg over all LSOAs) and ``z > 0``;
- its *own* rate is above the study area's: the lower limit of its exact 95 % Poisson interval for the ratio is
  above 1 (for a modelled layer, which has no sampling error, the ratio itself is above 1).

``"low"`` is the mirror image (``z < 0`` and the upper limit below 1). So an LSOA below the area rate is never
"high" because of its neighbours. LSOAs whose count is suppressed are never classed: their own rate cannot be
published. Clusters are connected (queen) sets of LSOAs of one class, ranked by excess attendances (observed -
expected): the largest excess first for high clusters, the largest deficit first for low ones.

Examples
--------
>>> import pandas as pd
>>> from scipy import sparse
>>> chain = sparse.diags([1, 1], [-1, 1], shape=(4, 4)).tocsr()
>>> frame = pd.DataFrame({"hotspot": ["high", "high", "", "high"], "attendances": [50.0, 40.0, 10.0, 30.0],
...                       "expected": [20.0, 20.0, 10.0, 20.0]}, index=list("abcd"))
>>> labels, table = clusters(chain, frame, "high")
>>> labels.tolist(), table[["cluster", "lsoas", "excess"]].values.tolist()
(['H1', 'H1', None, 'H2'], [['H1', 2, 50.0], ['H2', 1, 10.0]])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

CLUSTER_COLUMNS = ["cluster", "kind", "lsoas", "lsoa_codes", "attendances", "expected", "excess"]


def classify(z, q, ratio, ratio_lci, ratio_uci, hidden, alpha: float, modelled: bool) -> np.ndarray:
    """Return ``"high"``, ``"low"`` or ``""`` per LSOA (rules in the module docstring).

    Examples
    --------
    >>> classify([3.0, 3.0, -3.0], [0.01, 0.01, 0.01], [1.4, 0.9, 0.7], [1.1, 0.8, 0.5], [1.8, 1.1, 0.9],
    ...          [False, False, False], 0.05, modelled=False).tolist()
    ['high', '', 'low']
    """
    z, q = np.asarray(z, float), np.asarray(q, float)
    ratio, lci, uci = (np.asarray(v, float) for v in (ratio, ratio_lci, ratio_uci))
    above, below = (ratio > 1, ratio < 1) if modelled else (lci > 1, uci < 1)
    ok = (q <= alpha) & ~np.asarray(hidden, bool)
    return np.where(ok & (z > 0) & above, "high", np.where(ok & (z < 0) & below, "low", "")).astype(object)


def clusters(adjacency, frame: pd.DataFrame, kind: str) -> tuple[pd.Series, pd.DataFrame]:
    """Return each LSOA's cluster id (``H1``, ``H2``, ... or ``L1``, ...) and the ranked cluster table.

    ``frame`` needs ``hotspot``, ``attendances`` and ``expected``; the table has :data:`CLUSTER_COLUMNS` with the
    true (unsuppressed) attendances, for use inside ``geo/`` (publish with ``HotspotResult.published_clusters``).
    """
    members = np.flatnonzero(frame["hotspot"].to_numpy() == kind)
    labels = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    if len(members) == 0:
        return labels, pd.DataFrame(columns=CLUSTER_COLUMNS)
    sub = sparse.csr_matrix(adjacency)[members][:, members]
    _, component = connected_components(sub, directed=False)
    part = frame.iloc[members].assign(_component=component)
    grouped = part.groupby("_component")
    table = grouped.agg(attendances=("attendances", "sum"), expected=("expected", "sum"), lsoas=("attendances", "size"))
    table["lsoa_codes"] = grouped.apply(lambda g: " ".join(g.index), include_groups=False)
    table["excess"] = table["attendances"] - table["expected"]
    table = table.sort_values("excess", ascending=(kind == "low"), kind="stable")
    table["cluster"] = [f"{kind[0].upper()}{k}" for k in range(1, len(table) + 1)]
    table["kind"] = kind
    labels.iloc[members] = table["cluster"].reindex(component).to_numpy()
    return labels, table.reset_index(drop=True)[CLUSTER_COLUMNS]
