"""Re-nesting: make an agreed plan nest in a new geography (proposed unitaries, say) by moving as few people as
possible.

Every neighbourhood keeps the part of it in the unit holding most of its people (:func:`renest`); each other
part (a connected run of its LSOAs inside one other unit) either joins a neighbouring neighbourhood of that unit
or, when it is a neighbourhood's worth on its own, becomes one ("split"). Among the joins that keep the receiver
inside the plan's band the one ending nearest the target is taken; otherwise the choice that is least off the
target (a join or a split), and the miss is reported. Every join is of adjacent LSOAs and every kept part is one
connected run, so contiguity holds by construction; where the part kept is not connected once the rest is taken
away, its smaller runs move too and the extra people are reported. A plan made with a number of neighbourhoods
(places of different ideal sizes) is balanced against each unit's own ideal, its people over the neighbourhoods
that keep their main part in it, as the proposal's places were (the new plan's files record each unit's count and
ideal: :mod:`geo.plan.ideals`); a plan made for a target, against the target.
A plan of whole practices is nested and rebalanced by whole practices (:func:`renest_practices`).

**Lower bound.** If every neighbourhood must lie within one unit and keep its name, each neighbourhood's people
outside the unit it keeps must change neighbourhood, so the sum over neighbourhoods of the population outside its
largest part is a lower bound on people moved by any re-nesting; :class:`Renested` reports both. The input plan
is never changed: the result is a new :class:`geo.plan.Plan`.

**Disclosure.** The people moved, the lower bound and every count in a note are totals of parts (LSOAs, or whole
practices' lists, which can be 1 to 7), so what leaves here (:meth:`Renested.published`, :meth:`Renested.to_dict`,
the notes) is each total's published margin (:func:`geo.disclosure.publish_sums`), like every other total: an exact
lower bound less the lists shown beside it would give a small list back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.disclosure import publish_sums
from geo.disclosure.margins import place_totals
from geo.errors import PlanError
from geo.plan import Plan
from geo.plan.params import Provenance
from geo.propose.practice_graph import practice_units
from geo.propose.refine import refine
from geo.propose.units import Piece
from geo.propose.wards import nest_in


@dataclass
class Renested:
    """What a re-nesting did.

    Attributes
    ----------
    assignment
        The new ``lsoa_code -> neighbourhood``.
    moved
        One row per moved LSOA: ``lsoa_code, from, to, unit, population`` (per practice, ``practice_code``, for a
        plan of whole practices).
    people_moved, lower_bound
        People in a different neighbourhood than before, and the lower bound on that for any re-nesting (exact:
        published only through :meth:`published`).
    notes
        What could not be kept (balance, contiguity), in words.
    ideals
        Each new unit's ideal size (its people over its neighbourhoods) for a plan made with a number per place;
        empty for a plan made for a target. The re-nested plan is measured from them, as the re-nesting was.
    counts
        Each such unit's count: the neighbourhoods keeping their main part in it, which its ideal divides its
        published total by (recorded in the new plan's files, ``place_neighbourhoods``).
    """

    assignment: pd.Series
    moved: pd.DataFrame
    people_moved: float
    lower_bound: float
    notes: list[str] = field(default_factory=list)
    ideals: dict = field(default_factory=dict)
    bound_parts: np.ndarray = field(default_factory=lambda: np.zeros(0))  # the parts the lower bound sums
    counts: dict = field(default_factory=dict)

    def published(self) -> dict:
        """The people moved and the lower bound as they may leave the process: margins of their parts (the moved
        LSOAs or practices; those outside each neighbourhood's kept unit), ``None`` when suppressed, with the base
        each is rounded to.

        Examples
        --------
        >>> out = Renested(pd.Series(dtype=object), pd.DataFrame({"population": [5.0, 5446.0]}), 5451.0, 5451.0,
        ...                bound_parts=np.array([5.0, 5446.0]))
        >>> out.published()
        {'people_moved': 5450.0, 'people_moved_rounded_to': 10, 'lower_bound': 5450.0, 'lower_bound_rounded_to': 10}
        """
        body = {}
        for key, parts in (("people_moved", self.moved["population"]), ("lower_bound", self.bound_parts)):
            total, rounded_to = _margin(parts)
            body |= {key: total, f"{key}_rounded_to": rounded_to}
        return body

    def to_dict(self) -> dict:
        """The figures as stored in the new plan's provenance (the moved LSOAs are the plan's difference), as
        published."""
        kind = "practices" if "practice_code" in self.moved.columns else "lsoas"
        shown = self.published()
        return {
            "people_moved": shown["people_moved"],
            "lower_bound": shown["lower_bound"],
            f"{kind}_moved": len(self.moved),
        }


def _margin(parts) -> tuple[float | None, int]:
    """The published total of ``parts`` (:func:`geo.disclosure.publish_sums`: exact unless a part is 1 to 7) and
    the base it is rounded to; ``None`` when suppressed."""
    values = np.asarray(parts, dtype=float)
    total, rounded_to = publish_sums(values, np.zeros(len(values), np.int64), 1)
    return (None if np.isnan(total[0]) else float(total[0])), int(rounded_to[0])


def _people(parts) -> str:
    """A count of people in a note, as published (:func:`_margin`): "5,450 (rounded to 10)" or "a few"."""
    total, rounded_to = _margin(parts)
    if total is None:
        return "a few"
    return f"{total:,.0f}" + (f" (rounded to {rounded_to})" if rounded_to > 1 else "")


def _extra_note(pop, original, nested, final, who: str, how: str) -> list[str]:
    """The note on the people rebalancing moved beyond nesting's (``nested``): the published people moved in all
    less those moved by nesting, two margins of the same parts, so the difference gives back no small count."""
    if not pop[final != original].sum() > pop[nested != original].sum():
        return []
    extra = [_margin(pop[labels != original])[0] for labels in (final, nested)]
    # Two rounded margins can differ by less than nothing when the exact difference is under the rounding base.
    figure = "some" if None in extra or extra[0] - extra[1] <= 0 else f"about {extra[0] - extra[1]:,.0f}"
    return [
        f"{figure} more {who} moved{how} between neighbourhoods of one unit to bring them into the band "
        "(rebalance=False moves only what nesting needs)"
    ]


def renest(plan, geography, *, rebalance: bool = True) -> Renested:
    """Return how ``plan`` nests in ``geography`` (a :class:`geo.plan.geography.Geography`) moving fewest people.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.plan.geography import Geography
    >>> from geo.plan.params import PlanParams
    >>> atlas = grid_atlas(6, 1)  # six LSOAs of 1,500 people in a row
    >>> plan = Plan(atlas, pd.Series(["A"] * 3 + ["B"] * 3, index=atlas.codes), PlanParams(target=4500, tolerance=0.5))
    >>> units = Geography("u", "units", pd.Series(["W", "W", "E", "E", "E", "E"], index=atlas.codes), {})
    >>> out = renest(plan, units)
    >>> out.assignment.tolist(), out.people_moved, out.lower_bound
    (['A', 'A', 'B', 'B', 'B', 'B'], 1500.0, 1500.0)
    """
    if plan.practice_assignment is not None:
        return renest_practices(plan, geography, rebalance=rebalance)
    atlas = plan.atlas
    codes = atlas.codes
    labels = plan.assignment.reindex(codes).astype(object).to_numpy().copy()
    original = labels.copy()
    units = geography.units.reindex(codes).astype(object).to_numpy()
    if pd.isna(units).any():
        raise PlanError(
            f"LSOA {codes[np.flatnonzero(pd.isna(units))[0]]} is in no unit of {geography.key}",
            column="into",
            expected="a geography covering the plan's area",
        )
    pop = pd.to_numeric(atlas.lsoas[plan.params.population_column], errors="coerce").fillna(0).clip(lower=0)
    pop = pop.to_numpy(float)
    adjacency = atlas.adjacency.tocsr()
    frame = pd.DataFrame({"n": labels, "u": units, "p": pop})
    parts = frame.groupby(["n", "u"]).p.sum().reset_index().sort_values(["n", "p", "u"], ascending=[True, False, True])
    keep = parts.drop_duplicates("n").set_index("n")["u"]
    ideal, counts = _unit_ideals(plan, frame, keep)
    tol = plan.params.tolerance
    totals = frame.groupby("n").p.sum()
    lower_bound = float((totals - parts.drop_duplicates("n").set_index("n")["p"]).sum())
    home = {str(n): u for n, u in keep.items()}  # the unit each neighbourhood lies in
    notes: list[str] = []
    orphan = units != np.array([home[str(n)] for n in labels], dtype=object)
    bound_parts = pop[orphan]  # the people outside each neighbourhood's kept unit: the lower bound's parts
    for n in sorted(set(labels[orphan])):  # what stays of a crossing neighbourhood must stay connected
        rows = np.flatnonzero((labels == n) & ~orphan)
        count, comp = csgraph.connected_components(adjacency[rows][:, rows], directed=False)
        if count > 1:
            sizes = np.bincount(comp, weights=pop[rows])
            extra = rows[comp != int(np.argmax(sizes))]
            orphan[extra] = True
            notes.append(
                f"{n}: {_people(pop[extra])} people in {len(extra)} LSOA(s) of its own unit were cut off "
                "from the rest of it by the parts taken away, and moved too (above the lower bound)"
            )
    labels[orphan] = None
    for rows, n, unit in _fragments(orphan, original, units, adjacency, pop):
        names = _neighbours(rows, labels, adjacency)
        current = {m: pop[labels == m].sum() for m in names if home.get(str(m)) == unit}
        size = pop[rows].sum()
        own = f"{n} ({geography.names.get(unit, unit)})"
        while own in home:
            own += "'"
        target = ideal.get(unit, float(plan.params.target))  # the unit's own ideal for a counted plan
        low, high = target * (1 - tol), target * (1 + tol)
        fits = {m: abs(p + size - target) for m, p in current.items() if low <= p + size <= high}
        if fits:
            chosen = min(fits, key=lambda m: (fits[m], str(m)))
        elif low <= size <= high or not current:
            chosen = own
        else:
            best = min(current, key=lambda m: (abs(current[m] + size - target), str(m)))
            chosen = best if abs(current[best] + size - target) < abs(size - target) else own
        labels[rows] = chosen
        home.setdefault(str(chosen), unit)
    nested = labels.copy()
    if rebalance:
        labels = _rebalance(atlas, labels, units, pop, plan.params, ideal)
        notes += _extra_note(pop, original, nested, labels, "people", "")
    out = pd.Series(labels, index=codes, name="neighbourhood")
    why = (
        "boundary moves within its unit could not bring it inside" if rebalance else "not rebalanced (rebalance=False)"
    )
    notes += _balance_notes(out, original, pop, units, ideal, plan.params, why)
    changed = out.to_numpy() != original
    moved = pd.DataFrame(
        {
            "lsoa_code": codes[changed],
            "from": original[changed],
            "to": out.to_numpy()[changed],
            "unit": units[changed],
            "population": pop[changed],
        }
    )
    return Renested(out, moved, float(pop[changed].sum()), lower_bound, notes, ideal, bound_parts, counts)


#: Rebalancing leaves a neighbourhood alone once it is this far inside the band's edge (relative to the target).
EDGE_MARGIN = 0.01


def _unit_ideals(plan, frame: pd.DataFrame, keep: pd.Series) -> dict:
    """Each unit's ideal size for a plan made with a number of neighbourhoods (``ideal_sizes`` in its provenance):
    its people over the neighbourhoods that keep their main part in it, as the plan's places had theirs (``{}``
    for a plan made for a target: every unit aims at the target); its people as published
    (:func:`geo.disclosure.margins.place_totals`). Returns ``(ideals, counts)``."""
    if not (plan.provenance.params or {}).get("ideal_sizes"):
        return {}, {}
    count = keep.value_counts()
    # The unit's published total (its parts' lists can be 1 to 7): the ideals leave in the provenance and files.
    people = place_totals(frame.p.to_numpy(float), frame.u.astype(str).to_numpy())
    return {u: float(people[str(u)]) / int(count[u]) for u in count.index}, {u: int(count[u]) for u in count.index}


def _band_of(unit, ideal: dict, params) -> tuple[float, float]:
    if unit not in ideal:
        return params.band
    return ideal[unit] * (1 - params.tolerance), ideal[unit] * (1 + params.tolerance)


def _rebalance(atlas, labels, units, pop, params, ideal: dict | None = None) -> np.ndarray:
    """Move boundary LSOAs between neighbourhoods of the same unit until each is inside the band (around the
    unit's own ideal for a counted plan, ``ideal``) where the unit's graph allows
    (:func:`geo.propose.refine.refine` with a goal just inside the tolerance, so in-band neighbourhoods are only
    touched to help one that is not)."""
    labels = labels.copy()
    ideal = ideal or {}
    adjacency = atlas.adjacency.tocsr()
    sizes = pd.Series(pop).groupby(labels).sum()
    where = pd.Series(units).groupby(labels).first()
    off = {
        n
        for n, p in sizes.items()
        if not _band_of(where[n], ideal, params)[0] <= p <= _band_of(where[n], ideal, params)[1]
    }
    for unit in sorted({units[i] for i in np.flatnonzero(pd.Series(labels).isin(off).to_numpy())}, key=str):
        rows = np.flatnonzero(units == unit)
        local, names = pd.factorize(labels[rows], sort=True)
        if len(names) < 2:
            continue
        piece = Piece(
            str(unit),
            str(unit),
            rows,
            adjacency[rows][:, rows].tocsr(),
            pop[rows],
            np.zeros(len(rows)),
            np.zeros(len(rows)),
            np.ones(len(rows)),
            -np.ones(len(rows), int),
            len(names),
            targets=np.full(len(names), float(ideal.get(unit, params.target))),
        )
        new = refine(piece, local, compactness_weight=0.0, goal=max(params.tolerance - EDGE_MARGIN, 0.0))
        labels[rows] = np.asarray(names, dtype=object)[new]
    return labels


def _fragments(orphan, original, units, adjacency, pop):
    """Yield ``(rows, old neighbourhood, unit)`` of each connected run of orphaned LSOAs sharing both, largest
    first (ties by first LSOA), so that big parts settle before the small ones that may join them."""
    rows = np.flatnonzero(orphan)
    if not len(rows):
        return
    key = pd.factorize(pd.Series(original[rows]).astype(str) + "\x00" + pd.Series(units[rows]).astype(str))[0]
    sub = adjacency[rows][:, rows].tocoo()
    same = key[sub.row] == key[sub.col]

    graph = sparse.csr_matrix((np.ones(int(same.sum())), (sub.row[same], sub.col[same])), shape=(len(rows),) * 2)
    _, comp = csgraph.connected_components(graph, directed=False)
    groups = [rows[comp == c] for c in np.unique(comp)]
    groups.sort(key=lambda g: (-pop[g].sum(), int(g.min())))
    for g in groups:
        yield g, original[g[0]], units[g[0]]


def _neighbours(rows, labels, adjacency) -> list:
    """The neighbourhoods (already placed) of the LSOAs touching ``rows``."""
    touching = np.unique(adjacency[rows].indices)
    return sorted({labels[t] for t in touching if labels[t] is not None}, key=str)


def _balance_notes(new: pd.Series, original, pop, units, ideal: dict, params, why) -> list[str]:
    """One note per neighbourhood outside its band after re-nesting (its unit's for a counted plan), saying whether
    it was already outside the plan's band and why it is still outside (``why``: one reason for all, or a dict of
    each neighbourhood's own)."""
    pop, labels, original = np.asarray(pop, dtype=float), new.to_numpy(), np.asarray(original)
    where = pd.Series(units).groupby(labels).first()
    old_low, old_high = params.band
    # The verdicts leave with the notes: judged on the published totals (margins of the parts; None, suppressed,
    # is outside), never the exact ones, which with the band's edge set a few people above a published total
    # would say whether a small list was above or below it.
    inside = lambda total, lo, hi: total is not None and lo <= total <= hi  # noqa: E731
    notes = []
    for n in where.index:
        low, high = _band_of(where[n], ideal, params)
        if not inside(_margin(pop[labels == n])[0], low, high):
            was = (original == n).any() and not inside(_margin(pop[original == n])[0], old_low, old_high)
            already = " (as before)" if was and not ideal else ""
            reason = why.get(str(n), BALANCE_MISSED) if isinstance(why, dict) else why
            shown = _people(pop[labels == n])  # a margin of its parts
            notes.append(f"{n}: {shown} people is outside the band of {low:,.0f}-{high:,.0f}{already}; {reason}")
    return notes


#: Why a neighbourhood of whole practices is still outside its band after rebalancing, when nothing more is known.
BALANCE_MISSED = "moves of whole practices within its unit could not bring it inside"


def _rebalance_practices(plan, codes, labels, units, pop, adjacency, ideal: dict) -> tuple[np.ndarray, dict]:
    """Move whole practices between touching neighbourhoods of one unit (never across units) until each is inside
    the band of its unit's ideal (the plan's target, or the unit's own ideal for a counted plan, ``ideal``).

    Greedy, one practice at a time: of the moves into or out of a neighbourhood outside the band (a practice to a
    neighbourhood it touches in the practice graph, its old one keeping a practice), the one leaving the unit's
    deviations (largest first) least is taken, ties by practice code then neighbourhood, as long as it lowers them;
    a move is kept only when no neighbourhood's place footprint (derived from the practices by
    :meth:`geo.plan.Plan.move_practices`) ends in more parts than before, as :func:`_rebalance` keeps every LSOA
    neighbourhood connected. At most :data:`PRACTICE_MOVES` moves per practice of the unit. Returns the labels and,
    per neighbourhood still outside its band, why.
    """
    labels = labels.copy()
    tol = plan.params.tolerance
    reasons: dict[str, str] = {}
    current = None  # the nested plan, made once: each move's footprint is derived from it
    indptr, indices = adjacency.indptr, adjacency.indices
    for unit in sorted(set(units), key=str):
        rows = np.flatnonzero(units == unit)
        aim = float(ideal.get(unit, plan.params.target))
        low, high = aim * (1 - tol), aim * (1 + tol)
        size = pd.Series(pop[rows]).groupby(labels[rows]).sum().to_dict()
        count = pd.Series(labels[rows]).value_counts().to_dict()
        limit = PRACTICE_MOVES * len(rows)
        moves = 0
        while True:
            off = {n for n, p in size.items() if not low <= p <= high}
            if not off:
                break
            if len(size) < 2:
                reasons.update({str(n): "the only neighbourhood of its unit, so no practice can move" for n in off})
                break
            if moves >= limit:
                reasons.update({str(n): f"the limit of {limit} practice moves in its unit was reached" for n in off})
                break
            now = _deviations(size, aim)
            candidates = {}
            for i in rows:
                src = labels[i]
                if count[src] <= 1:
                    continue
                for j in indices[indptr[i] : indptr[i + 1]]:
                    dst = labels[j]
                    if units[j] != unit or dst == src or (src not in off and dst not in off):
                        continue
                    after = _deviations({**size, src: size[src] - pop[i], dst: size[dst] + pop[i]}, aim)
                    if after < now:
                        candidates[(str(codes[i]), str(dst))] = (after, i, dst)
            if current is None:
                current = Plan.from_practices(
                    plan.atlas, pd.Series(labels, index=pd.Index(codes, name="practice_code")), plan.params
                )
            chosen = None
            for key in sorted(candidates, key=lambda k: (candidates[k][0], k)):
                child = current.move_practices({key[0]: key[1]})
                if _footprints_kept(current, child):
                    chosen = candidates[key]
                    break
            if chosen is None:
                reasons.update(
                    {
                        str(n): "no move of a whole practice to or from a touching neighbourhood of its unit lowers "
                        "the unit's deviations without breaking a footprint into more parts"
                        for n in off
                    }
                )
                break
            _, i, dst = chosen
            src = labels[i]
            size[src] -= pop[i]
            size[dst] += pop[i]
            count[src] -= 1
            count[dst] += 1
            labels[i] = dst
            current = child
            moves += 1
    return labels, reasons


#: Rebalancing a plan of whole practices makes at most this many moves per practice of a unit.
PRACTICE_MOVES = 1


def _deviations(size: dict, aim: float) -> tuple:
    """The neighbourhoods' absolute relative deviations from ``aim``, largest first (compared as a whole: the
    worst first, then the next), rounded so that float noise never counts as a gain."""
    return tuple(sorted((round(abs(p / aim - 1), 12) for p in size.values()), reverse=True))


def _footprints_kept(before, after) -> bool:
    """Whether no neighbourhood's place footprint has more parts in ``after`` than in ``before`` (at least one)."""
    old, new = before["parts"], after["parts"]
    return all(parts <= max(old.get(n, 1), 1) for n, parts in new.items())


def renest_practices(plan, geography, *, rebalance: bool = True) -> Renested:
    """Re-nest a plan of whole practices: each practice belongs to the unit of its site's LSOA (as a list-based
    proposal nests practices by their site), each neighbourhood keeps its practices in the unit holding most of its
    list, and every other connected run of its practices (in the practice graph of
    :mod:`geo.propose.practice_graph`) joins a neighbourhood of that unit it touches or becomes one, as
    :func:`renest` does with LSOAs. Practices stay whole. With ``rebalance`` whole practices then move between
    touching neighbourhoods of one unit to bring them into the band (:func:`_rebalance_practices`; a practice moved
    for balance moves all its patients, and every one is listed). ``assignment`` and ``moved`` are by practice
    (``practice_code`` rows, their lists as ``population``); the lower bound is each neighbourhood's list outside
    its largest unit.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.plan.geography import Geography
    >>> atlas = grid_atlas(4, 4)  # practices Z00000 and Z00001 are sited in the south, Z00002 and Z00003 north
    >>> plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, ["A", "B", "A", "B"])), target=12_000)
    >>> south = pd.Series(["S"] * 8 + ["N"] * 8, index=atlas.codes)
    >>> out = renest(plan, Geography("u", "units", south, {}))
    >>> out.moved.values.tolist(), out.people_moved == out.lower_bound
    ([['Z00000', 'A', 'B', 'S', 5250.0], ['Z00003', 'B', 'A', 'N', 4633.0]], True)
    """

    atlas = plan.atlas
    practices = plan.practice_assignment.astype(str)
    graph = practice_units(atlas)
    codes = np.asarray(graph.codes).astype(str)
    missing = sorted(set(practices.index) - set(codes))
    if missing:
        raise PlanError(
            f"practice {missing[0]} of the plan is not an in-area practice with patients",
            column="plan",
            expected="the practices of the area's atlas",
        )
    labels = practices.reindex(codes).to_numpy(dtype=object).copy()
    original = labels.copy()
    site = atlas.practices["lsoa_code"].reindex(codes).astype(object)
    unit_of = geography.units.astype(object)
    units = site.map(lambda c: unit_of.get(c) if isinstance(c, str) else None).to_numpy(dtype=object)
    if pd.isna(units).any():
        bad = codes[np.flatnonzero(pd.isna(units))[0]]
        raise PlanError(
            f"practice {bad} is sited in LSOA {site[bad]}, in no unit of {geography.key}",
            column="into",
            expected="a geography covering the LSOAs where the plan's practices are sited",
        )
    pop = np.asarray(graph.lists, dtype=float)
    adjacency = sparse.csr_matrix(graph.adjacency, dtype=bool)
    frame = pd.DataFrame({"n": labels, "u": units, "p": pop})
    parts = frame.groupby(["n", "u"]).p.sum().reset_index().sort_values(["n", "p", "u"], ascending=[True, False, True])
    keep = parts.drop_duplicates("n").set_index("n")["u"]
    lower_bound = float((frame.groupby("n").p.sum() - parts.drop_duplicates("n").set_index("n")["p"]).sum())
    ideal, counts = _unit_ideals(plan, frame, keep)
    home = {str(n): u for n, u in keep.items()}
    orphan = units != np.array([home[str(n)] for n in labels], dtype=object)
    bound_parts = pop[orphan]  # the lists outside each neighbourhood's kept unit: the lower bound's parts
    labels[orphan] = None
    tol = plan.params.tolerance
    for rows, n, unit in _fragments(orphan, original, units, adjacency, pop):
        touching = _neighbours(rows, labels, adjacency)
        current = {m: pop[labels == m].sum() for m in touching if home.get(str(m)) == unit}
        if not current:  # no neighbourhood of its unit touches it in the practice graph: any of its unit
            current = {m: pop[labels == m].sum() for m in sorted(set(home), key=str) if home[m] == unit}
        size = pop[rows].sum()
        own = f"{n} ({geography.names.get(unit, unit)})"
        while own in home:
            own += "'"
        target = ideal.get(unit, float(plan.params.target))
        low, high = target * (1 - tol), target * (1 + tol)
        fits = {m: abs(p + size - target) for m, p in current.items() if low <= p + size <= high}
        if fits:
            chosen = min(fits, key=lambda m: (fits[m], str(m)))
        elif low <= size <= high or not current:
            chosen = own
        else:
            best = min(current, key=lambda m: (abs(current[m] + size - target), str(m)))
            chosen = best if abs(current[best] + size - target) < abs(size - target) else own
        labels[rows] = chosen
        home.setdefault(str(chosen), unit)
    notes: list[str] = []
    why: str | dict = "not rebalanced (rebalance=False)"
    if rebalance:
        nested = labels.copy()
        labels, why = _rebalance_practices(plan, codes, labels, units, pop, adjacency, ideal)
        notes += _extra_note(pop, original, nested, labels, "patients", " with whole practices")
    out = pd.Series(labels, index=pd.Index(codes, name="practice_code"), name="neighbourhood")
    notes += _balance_notes(out, original, pop, units, ideal, plan.params, why)
    changed = out.to_numpy() != original
    moved = pd.DataFrame(
        {
            "practice_code": codes[changed],
            "from": original[changed],
            "to": out.to_numpy()[changed],
            "unit": units[changed],
            "population": pop[changed],
        }
    )
    return Renested(out, moved, float(pop[changed].sum()), lower_bound, notes, ideal, bound_parts, counts)


def renested_plan(plan, geography, result: Renested, *, name: str | None = None):
    """Return the re-nested plan: a new :class:`geo.plan.Plan` (the agreed one is untouched) whose provenance
    says what it came from, into what, and the people moved against the lower bound."""

    made = {"into": str(geography.key), **result.to_dict()}
    atlas = plan.atlas
    if result.ideals:  # a counted plan stays counted: each neighbourhood measured from its new unit's ideal
        atlas = nest_in(atlas, geography)
        made |= {"nest": "custom", "ideal_sizes": _ideal_sizes(geography, result)}
    provenance = Provenance("renested", unmet=tuple(result.notes), source=plan.name, params=made)
    name = name or f"{plan.name} nested in {geography.key}"
    if plan.practice_assignment is not None:  # the footprint follows the practices' patients
        return Plan.from_practices(atlas, result.assignment, plan.params, provenance=provenance, name=name)
    return Plan(atlas, result.assignment, plan.params, provenance=provenance, name=name)


def _ideal_sizes(geography, result: Renested) -> dict[str, dict]:
    """Each new unit's ideal as a counted plan's provenance keeps it (``name, population, neighbourhoods, ideal``:
    :func:`geo.propose.counts.ideal_table`), so the new plan's files record its count and ideal
    (:mod:`geo.plan.ideals`) and a plan read back is measured from them; the population is the published total
    the ideal was made of (its count times its ideal)."""
    return {
        str(u): {
            "name": str(geography.names.get(u, u)),
            "population": float(ideal) * int(result.counts[u]),
            "neighbourhoods": int(result.counts[u]),
            "ideal": float(ideal),
        }
        for u, ideal in result.ideals.items()
    }
