"""How many neighbourhoods, not only how big: a count for the whole area, or one per place.

``neighbourhoods=N`` spreads ``N`` over the places (nesting units) by population, at least one each, by largest
remainder (:func:`apportion`); ``neighbourhoods={"E06000016": 4, ...}`` names every place once
(:func:`place_counts` refuses a missing or unknown place, naming each). Each place's ideal size is then its
population over its count (:func:`ideal_sizes`), and each connected piece of the place aims at it
(:func:`counted_pieces`). These functions take plain populations, so the list-based proposer (whole practices or
PCNs) can call :func:`place_counts` and :func:`ideal_sizes` on its own units' lists too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.disclosure.margins import place_totals
from geo.errors import PlanError
from geo.plan.report import published_populations
from geo.propose.units import split_units

#: The most neighbourhoods one request may ask for (England has about 1,300 of 50,000 people).
MAX_COUNT = 10_000


def parse_counts(text: str) -> int | dict[str, int]:
    """Read ``--neighbourhoods``: a whole number, or ``CODE=N`` pairs separated by commas.

    Examples
    --------
    >>> parse_counts("12"), parse_counts("E06000016=4, E10000018=7")
    (12, {'E06000016': 4, 'E10000018': 7})
    >>> parse_counts("E06000016=4,E06000016=5")
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'neighbourhoods': place E06000016 is given more than once (expected every place once, as CODE=N separated by commas)
    """
    text = str(text).strip()
    expected = "a whole number, or every place once as CODE=N separated by commas"
    if "=" not in text:
        try:
            return int(text)
        except ValueError:
            raise PlanError(
                f"{text!r} is not a number of neighbourhoods", column="neighbourhoods", expected=expected
            ) from None
    counts: dict[str, int] = {}
    for item in (p.strip() for p in text.split(",")):
        code, _, value = item.partition("=")
        code = code.strip()
        if not code or not value.strip().isdigit():
            raise PlanError(f"{item!r} is not CODE=N", column="neighbourhoods", expected=expected)
        if code in counts:
            raise PlanError(
                f"place {code} is given more than once",
                column="neighbourhoods",
                expected="every place once, as CODE=N separated by commas",
            )
        counts[code] = int(value)
    return counts


def apportion(count: int, weights, lower=1, upper=None) -> np.ndarray:
    """Split ``count`` into whole numbers proportional to ``weights``, each between ``lower`` and ``upper``, by
    largest remainder.

    Parts pushed to a bound are fixed there and the rest re-apportioned, so a small place's one neighbourhood
    does not come out of a large place's share twice.

    Examples
    --------
    >>> apportion(12, [368_558, 712_366, 41_049]).tolist()
    [4, 7, 1]
    >>> apportion(5, [100, 1, 1]).tolist(), apportion(4, [10, 10], upper=[1, 5]).tolist()
    ([3, 1, 1], [1, 3])
    """
    w = np.maximum(np.asarray(weights, dtype=float), 0)
    n = len(w)
    low = np.broadcast_to(np.asarray(lower, dtype=int), n).copy()
    high = np.broadcast_to(np.asarray(upper if upper is not None else count, dtype=int), n).copy()
    if low.sum() > count or high.sum() < count:
        raise PlanError(
            f"{count} cannot be split between {n} parts of {low.min()} to {high.max()} each", column="neighbourhoods"
        )
    fixed = np.full(n, -1)
    while True:
        free = fixed < 0
        left = count - fixed[~free].sum()
        share = w[free] / w[free].sum() * left if w[free].sum() > 0 else np.full(free.sum(), left / free.sum())
        below, above = share < low[free], share > high[free]
        if not (below.any() or above.any()):
            break
        idx = np.flatnonzero(free)
        fixed[idx[below]] = low[idx[below]]
        fixed[idx[above]] = high[idx[above]]
    parts = fixed.copy()
    idx = np.flatnonzero(free)
    base = np.clip(np.floor(share).astype(int), low[idx], high[idx])
    parts[idx] = base
    remainder = share - base
    for j in np.lexsort((idx, -remainder)):  # largest remainder first, then place order
        if parts.sum() >= count:
            break
        if parts[idx[j]] < high[idx[j]]:
            parts[idx[j]] += 1
    return parts


def place_counts(
    populations: pd.Series, spec, capacity: pd.Series | None = None, names: dict | None = None
) -> dict[str, int]:
    """Return the number of neighbourhoods of each place.

    Parameters
    ----------
    populations
        ``place code -> population`` (people, or registered lists for a list-based proposal).
    spec
        A whole number for the whole area, or ``{place code: count}`` naming every place exactly once.
    capacity
        ``place code -> blocks`` (a place cannot hold more neighbourhoods than it has blocks).
    names
        ``place code -> name``, for errors.

    Examples
    --------
    >>> pops = pd.Series({"E06000016": 368_558, "E10000018": 712_366, "E06000017": 41_049})
    >>> place_counts(pops, 12)
    {'E06000016': 4, 'E10000018': 7, 'E06000017': 1}
    >>> place_counts(pops, {"E06000016": 4, "E10000018": 7, "E06000099": 1})
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'neighbourhoods': every place must be named once: missing E06000017; unknown E06000099 (expected a count for each of E06000016, E06000017, E10000018)
    """
    names = names or {}
    places = [str(p) for p in populations.index]
    cap = (
        capacity.reindex(populations.index).fillna(1).astype(int).to_numpy()
        if capacity is not None
        else np.full(len(places), MAX_COUNT)
    )
    if isinstance(spec, dict):
        given = {str(k): v for k, v in spec.items()}
        missing = [p for p in places if p not in given]
        unknown = sorted(set(given) - set(places))
        if missing or unknown:
            parts = (
                [f"missing {', '.join(f'{names[p]} ({p})' if p in names else p for p in missing)}"] if missing else []
            ) + ([f"unknown {', '.join(unknown)}"] if unknown else [])
            raise PlanError(
                f"every place must be named once: {'; '.join(parts)}",
                column="neighbourhoods",
                expected=f"a count for each of {', '.join(sorted(places))}",
            )
        counts = {}
        for place, most in zip(places, cap):
            k = given[place]
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= most:
                raise PlanError(
                    f"{names.get(place, place)} ({place}) cannot have {k!r} neighbourhoods",
                    column="neighbourhoods",
                    expected=f"a whole number from 1 to {most} (its blocks)",
                )
            counts[place] = int(k)
        return counts
    total = int(spec)
    if total < len(places):
        raise PlanError(
            f"{total} neighbourhood{'s' if total != 1 else ''} cannot give each of the {len(places)} "
            "places at least one",
            column="neighbourhoods",
            expected=f"at least {len(places)}, or a coarser --nest, or a count per place",
        )
    if total > cap.sum():
        raise PlanError(
            f"{total} neighbourhoods is more than the area's {int(cap.sum())} building blocks",
            column="neighbourhoods",
            expected=f"at most {int(cap.sum())}",
        )
    return dict(zip(places, apportion(total, populations.to_numpy(float), 1, cap).tolist()))


def ideal_sizes(populations: pd.Series, counts: dict[str, int]) -> dict[str, float]:
    """Return each place's ideal neighbourhood size: its population over its count.

    >>> ideal_sizes(pd.Series({"A": 300.0, "B": 50.0}), {"A": 4, "B": 1})
    {'A': 75.0, 'B': 50.0}
    """
    return {str(p): float(populations[p]) / counts[str(p)] for p in populations.index}


def ideal_table(
    populations: pd.Series, counts: dict[str, int], names: dict | None = None, counted: str = "people"
) -> dict[str, dict]:
    """Return, per place, what its ideal size is made of: ``name, population, neighbourhoods, ideal`` (and what
    is ``counted`` when it is not people: a list-based plan's registered lists), as the plan's provenance keeps it.

    >>> ideal_table(pd.Series({"A": 300.0}), {"A": 4}, {"A": "Alpha"}, counted="patients")
    {'A': {'name': 'Alpha', 'population': 300.0, 'neighbourhoods': 4, 'ideal': 75.0, 'counted': 'patients'}}
    """
    names = names or {}
    extra = {} if counted == "people" else {"counted": counted}
    return {
        str(p): {
            "name": names.get(str(p), str(p)),
            "population": float(populations[p]),
            "neighbourhoods": int(counts[str(p)]),
            "ideal": float(populations[p]) / counts[str(p)],
            **extra,
        }
        for p in populations.index
    }


def counted_pieces(units: pd.Series, names: pd.Series, adjacency, arrays, counts: dict[str, int], tolerance: float):
    """Return the connected pieces of every place, each place aiming at its own ideal size with its own count.

    ``arrays`` is ``(pop, x, y, area, group)`` in node order. A place's count is shared between its connected
    pieces by population (at least one each); a place with more pieces than neighbourhoods has all its parts
    joined by virtual links (and says so).
    """
    pop, x, y, area, group = arrays
    codes = units.astype(str).to_numpy()
    pieces = []
    for place in sorted(counts):
        rows = np.flatnonzero(codes == place)
        if not len(rows):
            continue
        k = counts[place]
        ideal = float(pop[rows].sum()) / k
        sub = adjacency[rows][:, rows]
        args = (units.iloc[rows], names.iloc[rows], sub, pop[rows], x[rows], y[rows], area[rows], group[rows])
        mine = split_units(*args, ideal, tolerance)
        if len(mine) > k:  # more separate parts than neighbourhoods: join them all into one piece
            mine = split_units(*args, float("inf"), tolerance)
        shares = apportion(k, [p.pop.sum() for p in mine], 1, [len(p.rows) for p in mine])
        for piece, share in zip(mine, shares):
            piece.rows = rows[piece.rows]
            piece.k, piece.target, piece.tolerance = int(share), ideal, tolerance
            piece.targets = np.full(piece.k, piece.pop.sum() / piece.k)
        pieces += mine
    return pieces


def place_populations(units: pd.Series, pop: np.ndarray) -> pd.Series:
    """Return ``place -> population`` in place-code order: each place's total of its parts (LSOAs, or practices'
    lists) as published (:func:`geo.disclosure.margins.place_totals`), since a place's total and ideal leave the
    process in the plan's provenance and files.

    >>> place_populations(pd.Series(["B", "A", "B"]), np.array([1000.0, 2000.0, 3000.0])).to_dict()
    {'A': 2000.0, 'B': 4000.0}
    >>> place_populations(pd.Series(["A", "A"]), np.array([1000.0, 3.0])).to_dict()  # 1,003 would give the 3 away
    {'A': 1000.0}
    """
    return place_totals(pop, units.astype(str).to_numpy())


def ideal_lines(ideals: dict[str, dict]) -> list[str]:
    """Return one line per place: "Leicester (E06000016): 368,558 people / 4 = ideal 92,140" (a list-based plan
    counts its practices' registered lists, and says so).

    >>> ideal_lines({"A": {"name": "Alpha", "population": 300.0, "neighbourhoods": 4, "ideal": 75.0}})
    ['Alpha (A): 300 people / 4 neighbourhoods = ideal size 75']
    """
    return [
        f"{v['name']} ({p}): {v['population']:,.0f} {v.get('counted', 'people')} / {v['neighbourhoods']} "
        "neighbourhood"
        f"{'s' if v['neighbourhoods'] != 1 else ''} = ideal size {v['ideal']:,.0f}"
        for p, v in ideals.items()
    ]


def place_deviation(plan) -> pd.Series | None:
    """Return each neighbourhood's relative deviation from its own place's ideal size (None for a plan made
    without a number of neighbourhoods): the plan's own ``deviation_pct``, which a counted plan measures from each
    place's ideal (:mod:`geo.metrics.balance`), so this line and the plan's summary never disagree.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> atlas = grid_atlas(6, 2, lad_width=2)
    >>> plan = propose(atlas, ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2, "E07009002": 1}))
    >>> bool(place_deviation(plan).abs().max() < 1e-9)
    True
    """
    if not (plan.provenance.params or {}).get("ideal_sizes"):
        return None
    # The line leaves the process: the published deviations (of margins of the parts), never the exact ones,
    # whose maximum or tallies within a band's edge would give a small practice's list back.
    published = published_populations(plan)["deviation_pct"]
    return pd.Series(published, index=plan.neighbourhoods, dtype=float).div(100).rename("place_deviation")


def place_balance_line(plan) -> str:
    """One line: the largest deviation from each place's ideal and the shares within ±5 % and the tolerance."""
    dev = place_deviation(plan)
    if dev is None or not len(dev):
        return ""
    tol = plan.tolerance
    return (
        f"against each place's ideal (place total / its count): max |deviation| {100 * dev.abs().max():.1f} %; "
        f"within ±5 %: "
        f"{(dev.abs() <= 0.05 + 1e-9).mean():.0%}; within ±{100 * tol:g} %: {(dev.abs() <= tol + 1e-9).mean():.0%}"
    )
