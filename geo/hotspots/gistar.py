"""Getis-Ord Gi*: z scores, two-sided p-values and Benjamini-Hochberg q-values for every LSOA.

Method (the default, ``inference="analytic"``)
    Gi* with binary queen weights including the LSOA itself (``star=True``). The z score is esda's analytic one
    (``esda.G_Local(..).Zs``: the statistic's expectation and variance under randomisation, Getis & Ord 1995),
    computed here straight from the sparse adjacency with scipy: ``G_i = (W y)_i / sum(y)``,
    ``E[G_i] = w_i / n`` and ``Var[G_i] = w_i (n - w_i) / (n - 1) / n^2 * s^2 / ybar^2`` with ``w_i`` the number
    of LSOAs in the window (itself included), ``ybar`` and ``s^2`` the mean and (population) variance of ``y``.
    The p-value is the *two-sided* normal tail ``2 * (1 - Phi(|z|))`` (esda's ``p_norm`` is one-sided) and the
    q-values are Benjamini-Hochberg adjusted over all LSOAs (``scipy.stats.false_discovery_control``), so
    "q <= alpha" controls the false discovery rate at ``alpha`` for high and low together. The answer does not
    depend on any simulation setting. Computing the z score ourselves avoids importing esda/libpysal/numba, whose
    import alone takes seconds and whose permutation kernels compile for about a minute in each new process; a
    test checks the figures against esda.

Permutation inference (``inference="permutation"``)
    esda's conditional permutations, two-sided (twice esda's folded pseudo p-value, capped at 1). A pseudo p-value
    cannot fall below ``1 / (P + 1)``, so the two-sided one not below ``2 / (P + 1)``; the smallest
    Benjamini-Hochberg threshold is ``alpha / n``, so ``P`` is raised to at least ``2 n / alpha - 1`` (rounded up
    to a number ending in 9s) whatever was asked for, and the count used is reported.

Examples
--------
>>> import numpy as np
>>> from scipy import sparse
>>> ring = sparse.csr_matrix(np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1))
>>> out = gi_star([1.0, 1.0, 1.0, 5.0, 6.0, 5.0], ring)
>>> out.z.round(2).tolist()
[-0.85, -2.21, -0.85, 0.85, 2.21, 0.85]
>>> bool((out.q >= out.p).all()), out.attrs["inference"]
(True, 'analytic')
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse, stats

INFERENCE = ("analytic", "permutation")


def permutations_needed(n: int, alpha: float, asked: int = 0) -> int:
    """Return the permutations a two-sided pseudo p-value needs to reach the smallest BH threshold ``alpha / n``.

    Examples
    --------
    >>> permutations_needed(634, 0.05), permutations_needed(10, 0.05, asked=999)
    (29999, 999)
    """
    needed = math.ceil(2 * n / alpha) - 1
    wanted = max(int(asked), needed, 99) + 1
    magnitude = 10 ** (len(str(wanted)) - 1)
    return math.ceil(wanted / magnitude) * magnitude - 1  # 25,360 -> 29,999: a count people recognise


def _analytic_z(y: np.ndarray, adjacency) -> np.ndarray:
    """esda's ``G_Local(star=True, transform="B").Zs`` from the adjacency, with scipy only."""
    n = len(y)
    window = sparse.csr_matrix(adjacency, dtype=float).copy()
    window.data[:] = 1.0
    window = window.tolil()
    window.setdiag(1.0)  # Gi*: each LSOA is in its own window
    window = window.tocsr()
    cardinality = np.asarray(window.sum(axis=1)).ravel()
    total = y.sum()
    mean = total / n
    variance = (y**2).mean() - mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (window @ y) / total
        expected = cardinality / n
        var = cardinality * (n - cardinality) / (n - 1) / n**2 * variance / mean**2
        z = (g - expected) / np.sqrt(var)
    # A flat map (no variance) or a window that is the whole area carries no evidence either way.
    return np.where(np.isfinite(z), z, 0.0)


def _permutation_p(y: np.ndarray, adjacency, codes, permutations: int, seed: int) -> np.ndarray:
    from esda.getisord import G_Local  # lazy: PySAL (esda, libpysal) only for hotspot statistics
    from libpysal.weights import W  # lazy: PySAL (esda, libpysal) only for hotspot statistics

    dense = sparse.csr_matrix(adjacency)
    neighbours = {
        codes[i]: [codes[j] for j in dense.indices[dense.indptr[i] : dense.indptr[i + 1]] if j != i]
        for i in range(len(codes))
    }
    gi = G_Local(
        y,
        W(neighbours, id_order=list(codes), silence_warnings=True),
        transform="B",
        star=True,
        permutations=permutations,
        seed=seed,
        keep_simulations=False,
        n_jobs=1,
    )
    return np.minimum(1.0, 2.0 * gi.p_sim)


def gi_star(
    values,
    adjacency,
    *,
    inference: str = "analytic",
    permutations: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
    codes=None,
) -> pd.DataFrame:
    """Return Gi* ``z``, two-sided ``p`` and BH ``q`` for each unit (see the module docstring for the method).

    Parameters
    ----------
    values
        Non-negative values per unit (observed/expected ratios).
    adjacency
        Sparse symmetric contiguity matrix (any non-zero is a neighbour).
    inference
        ``"analytic"`` (normal approximation, the default) or ``"permutation"``.
    permutations, seed
        Least permutations asked for and their seed (permutation inference only; raised to what BH needs).
    alpha
        The FDR level the permutation count must resolve.
    codes
        Unit codes (the index of the answer).

    ``DataFrame.attrs`` holds ``inference`` and ``permutations`` (0 for analytic).
    """
    if inference not in INFERENCE:
        raise ValueError(f"inference must be one of {INFERENCE}, not {inference!r}")
    y = np.asarray(values, dtype=float)
    codes = list(codes) if codes is not None else list(range(len(y)))
    z = _analytic_z(y, adjacency)
    used = 0
    if inference == "analytic":
        p = np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z)))
    else:
        used = permutations_needed(len(y), alpha, permutations)
        p = _permutation_p(y, adjacency, codes, used, seed)
    out = pd.DataFrame({"z": z, "p": p, "q": stats.false_discovery_control(p, method="bh")}, index=codes)
    out.attrs.update(inference=inference, permutations=used)
    return out
