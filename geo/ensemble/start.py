"""What a ReCom chain starts from: its graph (:func:`lsoa_digest`, which runs and a plan placed among them must
share), its start plan (:func:`start_plan`, measured as the runs are: :func:`measured_as_runs`) and the nesting
groups a neighbourhood never leaves (:func:`nest_groups`).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.errors import PlanError
from geo.plan import Plan

NESTS = ("lad", "utla", "icb", "none")


def measured_as_runs(plan: Plan, **overrides) -> Plan:
    """``plan`` measured as the chain measures every step: from one target (``overrides``: target, tolerance,
    population), so a counted plan's place ideals are dropped, or a plan started from or placed among the runs
    would be measured from its places' ideals beside runs measured from the target.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> counted = propose(grid_atlas(4, 1, lad_width=2), ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2}))
    >>> max(abs(v) for v in counted["deviation_pct"].values())  # from each place's ideal
    0.0
    >>> max(abs(v) for v in measured_as_runs(counted, target=1500)["deviation_pct"].values())  # from the target
    100.0
    """
    params = {k: v for k, v in (plan.provenance.params or {}).items() if k != "ideal_sizes"}
    plain = Plan(
        plan.atlas, plan.assignment, plan.params, provenance=replace(plan.provenance, params=params), name=plan.name
    )
    return plain.with_params(**overrides) if overrides else plain


def lsoa_digest(atlas) -> str:
    """A digest of the chain's graph: the atlas's LSOA codes in graph order, its contiguity edges and populations
    (runs and the plan placed in them must share it).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> lsoa_digest(grid_atlas(2, 2)) == lsoa_digest(grid_atlas(2, 2)) != lsoa_digest(grid_atlas(3, 2))
    True
    >>> lsoa_digest(grid_atlas(2, 2)) != lsoa_digest(grid_atlas(2, 2, population=1000))
    True
    """
    digest = hashlib.sha256("\n".join(map(str, atlas.lsoas.index)).encode())
    digest.update(np.ascontiguousarray(atlas.edges(), dtype=np.int64).tobytes())
    for column in ("resident_population", "registered_population"):
        digest.update(atlas.lsoas[column].to_numpy(dtype=float).tobytes())
    return digest.hexdigest()[:16]


def start_plan(
    atlas, start=None, *, target=None, tolerance=None, population=None, nest: str = "lad", seed: int | None = None
):
    """Return the chain's start as a :class:`geo.plan.Plan` built from LSOAs.

    ``start`` is a Plan, an assignment (``lsoa_code -> neighbourhood``) or ``None`` for the proposal
    :func:`geo.propose.propose` makes with the same target, tolerance, population, nesting and seed. Explicit
    ``target``/``tolerance``/``population`` override a given plan's own parameters.
    """

    if start is None:
        from geo.propose import ProposalParams, propose  # lazy: nhp --help start-up: geo.propose, 36 modules, 0.7 s

        params = ProposalParams.from_settings(
            target=target, tolerance=tolerance, population=population, nest=nest, seed=seed
        )
        return propose(atlas, params, name=f"proposal seed {params.seed}")
    overrides = {
        k: v for k, v in (("target", target), ("tolerance", tolerance), ("population", population)) if v is not None
    }
    if isinstance(start, Plan):
        if start.practice_assignment is not None:
            raise PlanError(
                "an ensemble reshapes plans built from LSOAs: this plan is built from whole practices",
                column="build_from",
                expected="a plan built from LSOAs",
            )
        return measured_as_runs(start, **overrides)
    if overrides.get("population") == "list":
        raise PlanError(
            "an ensemble counts resident or registered people of LSOAs",
            column="population",
            expected="'resident' or 'registered'",
        )
    return Plan(atlas, start, **overrides)


def nest_groups(atlas, label: np.ndarray, nest: str) -> np.ndarray:
    """Return each LSOA's nesting group: its unit (``nest``), joined with every unit a start neighbourhood spans.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, lad_width=1)  # four authorities in a row
    >>> nest_groups(atlas, np.array([0, 0, 1, 2]), "lad").tolist()  # neighbourhood 0 joins the first two
    [0, 0, 1, 2]
    """
    if nest not in NESTS:
        raise PlanError(
            f"nesting level {nest!r} is not allowed", column="nest", expected="'lad', 'utla', 'icb' or 'none'"
        )
    n = len(label)
    if nest == "none":
        return np.zeros(n, dtype=np.int64)
    column = {"lad": "lad_code", "utla": "utla_code", "icb": "icb_code"}[nest]
    if column not in atlas.lsoas.columns:
        raise PlanError(f"this atlas has no {column} to nest in", column="nest", expected="'none' or another level")
    unit = pd.factorize(atlas.lsoas[column].astype(str))[0]
    units = int(unit.max()) + 1
    # Units and neighbourhoods as one graph: a neighbourhood joins every unit it spans.
    links = sparse.coo_matrix((np.ones(n), (unit, units + label)), shape=(units + label.max() + 1,) * 2)
    _, component = csgraph.connected_components(links, directed=False)
    return pd.factorize(component[unit])[0].astype(np.int64)
