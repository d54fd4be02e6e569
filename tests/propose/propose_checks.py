"""What a planner checks on a proposal, computed directly from the atlas (independent of the code under test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csgraph


def populations(atlas, assignment: pd.Series, column: str = "resident_population") -> pd.Series:
    """Population of each neighbourhood."""
    return atlas.lsoas[column].groupby(assignment.reindex(atlas.codes).to_numpy()).sum()


def pieces(atlas, assignment: pd.Series) -> pd.Series:
    """Number of connected parts of each neighbourhood on the atlas contiguity graph."""
    labels = assignment.reindex(atlas.codes).to_numpy()
    parts = {}
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        parts[label] = csgraph.connected_components(atlas.adjacency[rows][:, rows], directed=False)[0]
    return pd.Series(parts)


def practice_spread(atlas, assignment: pd.Series) -> int:
    """Practices whose plurality LSOAs fall in more than one neighbourhood."""
    frame = pd.DataFrame({"practice": atlas.lsoas.plurality_practice, "hood": assignment.reindex(atlas.codes)})
    return int((frame.groupby("practice").hood.nunique() > 1).sum())
