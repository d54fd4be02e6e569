"""Coterminosity: how well a plan's neighbourhoods line up with another geography (wards, LAs, PCNs, a file).

Each LSOA has a neighbourhood and a unit (:mod:`geo.plan.geography`). A neighbourhood's **best-matching unit** is
the unit holding most of its people; a unit's **main neighbourhood** the neighbourhood holding most of its people.
A person lives where the two footprints **agree** when the smaller of their unit and their neighbourhood (in
people) lies mainly in the larger: a unit smaller than its neighbourhood must have it as its main neighbourhood, a
neighbourhood smaller than its unit must have it as its best match. So wards nested in neighbourhoods agree
everywhere, as do neighbourhoods nested in local authorities. The **coterminosity index** is the population-weighted share of people who live where
they agree (1 = every unit nests in a neighbourhood or every neighbourhood in a unit). A unit is **split** when
some of its people live where they do not agree: part of it lies in a neighbourhood that is neither its main one
nor mainly made of it. Populations are the plan's own basis; LSOAs with no unit (no registered patients, for PCNs)
are left out of every share and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.plan.geography import Geography, geography


@dataclass
class Coterminosity:
    """A plan compared with a geography.

    Attributes
    ----------
    geography
        The :class:`geo.plan.geography.Geography` compared with.
    index
        Population-weighted share of people living where neighbourhood and unit agree (0 to 1).
    neighbourhoods
        One row per neighbourhood: ``neighbourhood, best_unit, best_unit_name, share_in_best_pct, agree_pct, units``.
    split
        One row per split unit: ``unit, unit_name, neighbourhoods`` (list, largest share first),
        ``outside_pct`` (share of the unit's people where they do not agree).
    unplaced_population
        People in LSOAs with no unit (left out of the shares).
    units
        Units holding people of the area.
    agree
        ``lsoa_code -> bool`` in atlas order: whether the LSOA lies where neighbourhood and unit agree (True for
        an LSOA with no unit); the map highlights the others.
    """

    geography: Geography
    index: float
    neighbourhoods: pd.DataFrame
    split: pd.DataFrame
    unplaced_population: float = 0.0
    units: int = 0
    agree: pd.Series = field(default_factory=lambda: pd.Series(dtype=bool))

    @property
    def split_units(self) -> list[str]:
        """Codes of the split units."""
        return self.split["unit"].tolist()

    def to_dict(self) -> dict:
        """Return the comparison as JSON-ready values."""
        return {
            "geography": self.geography.key,
            "title": self.geography.title,
            "units": self.units,
            "coterminosity_index": round(self.index, 4),
            "units_split": len(self.split),
            "unplaced_population": round(float(self.unplaced_population), 1),
            "neighbourhoods": self.neighbourhoods.round(1).to_dict("records"),
            "split": [{**r, "outside_pct": round(float(r["outside_pct"]), 1)} for r in self.split.to_dict("records")],
        }

    def table(self) -> str:
        """Return the short text table ``nhp score --align`` prints."""
        lines = [
            f"Coterminosity with {self.geography.title}: index {self.index:.3f} "
            f"({self.units} units, {len(self.split)} split between neighbourhoods)"
        ]
        view = self.neighbourhoods.assign(
            best=[self.geography.name_of(u) for u in self.neighbourhoods.best_unit],
            share=self.neighbourhoods.share_in_best_pct.map("{:.0f}%".format),
            agree=self.neighbourhoods.agree_pct.map("{:.0f}%".format),
        )
        view = view[["neighbourhood", "best", "share", "agree", "units"]]
        lines.append(view.rename(columns={"best": "best-matching unit", "share": "in it"}).to_string(index=False))
        if len(self.split):
            lines.append("Split units:")
            for row in self.split.itertuples():
                lines.append(
                    f"  - {self.geography.name_of(row.unit)}: {', '.join(row.neighbourhoods)} "
                    f"({row.outside_pct:.0f}% outside where it agrees)"
                )
        if self.unplaced_population:
            lines.append(f"{self.unplaced_population:,.0f} people in LSOAs with no unit are left out")
        return "\n".join(lines)


def coterminosity(plan, other: Geography | str) -> Coterminosity:
    """Compare ``plan`` with ``other`` (a Geography, or ``"wards"``, ``"las"``, ``"pcns"`` or a file path).

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(6, 1, lad_width=3)
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["A", "A", "A", "A", "B", "B"])))
    >>> c = coterminosity(plan, "las")  # A holds one LSOA of the second authority, which is mainly B
    >>> round(c.index, 3), c.split_units, c.split.neighbourhoods.tolist()
    (0.833, ['E07009001'], [['B', 'A']])
    >>> c.neighbourhoods[["neighbourhood", "best_unit", "share_in_best_pct"]].values.tolist()
    [['A', 'E07009000', 75.0], ['B', 'E07009001', 100.0]]
    """
    geo = other if isinstance(other, Geography) else geography(plan.atlas, other)
    pop = pd.to_numeric(plan.atlas.lsoas[plan.population_column], errors="coerce").fillna(0).clip(lower=0)
    frame = pd.DataFrame(
        {
            "n": plan.assignment.to_numpy(),
            "u": geo.units.reindex(plan.atlas.codes).to_numpy(),
            "pop": pop.to_numpy(dtype=float),
        }
    )
    placed = frame[frame.u.notna()]
    cells = placed.groupby(["n", "u"]).pop.sum()
    best_unit = _argmax(cells, level=0)
    main_hood = _argmax(cells.swaplevel(), level=0)
    n_of, u_of = cells.index.get_level_values(0), cells.index.get_level_values(1)
    hood_size = cells.groupby(level=0).sum().reindex(n_of).to_numpy()
    unit_size = cells.groupby(level=1).sum().reindex(u_of).to_numpy()
    agree = pd.Series(
        np.where(
            unit_size <= hood_size,
            main_hood.reindex(u_of).to_numpy() == n_of,
            best_unit.reindex(n_of).to_numpy() == u_of,
        ),
        index=cells.index,
    )
    total = float(cells.sum())
    index = float(cells[agree].sum() / total) if total > 0 else 1.0
    hood_pop = cells.groupby(level=0).sum()
    rows = []
    for hood in plan.neighbourhoods:
        if hood not in best_unit.index:
            rows.append((hood, None, "", 0.0, 0.0, 0))
            continue
        unit = best_unit[hood]
        size = hood_pop[hood] if hood_pop[hood] > 0 else np.nan
        mine = cells.loc[hood]
        rows.append(
            (
                hood,
                unit,
                geo.names.get(unit, unit),
                _pct(mine[unit], size),
                _pct(cells.loc[hood][agree.loc[hood]].sum(), size),
                len(mine),
            )
        )
    table = pd.DataFrame(
        rows, columns=["neighbourhood", "best_unit", "best_unit_name", "share_in_best_pct", "agree_pct", "units"]
    )
    split = []
    by_unit = cells.swaplevel().sort_index()
    unit_agree = agree.swaplevel().sort_index()
    for unit in sorted(set(u_of[~agree.to_numpy()])):
        part = by_unit.loc[unit].sort_values(ascending=False, kind="stable")
        outside = float(by_unit.loc[unit][~unit_agree.loc[unit]].sum())
        split.append((unit, geo.names.get(unit, unit), list(map(str, part.index)), _pct(outside, part.sum() or np.nan)))
    split = pd.DataFrame(split, columns=["unit", "unit_name", "neighbourhoods", "outside_pct"])
    unplaced = float(frame.loc[frame.u.isna(), "pop"].sum())
    keys = pd.MultiIndex.from_arrays([frame.n, frame.u])
    lsoa_agree = pd.Series(agree.reindex(keys).fillna(True).to_numpy(dtype=bool), index=plan.atlas.codes)
    return Coterminosity(geo, index, table, split, unplaced, units=int(placed.u.nunique()), agree=lsoa_agree)


def _argmax(cells: pd.Series, level: int) -> pd.Series:
    """For each key of ``level``, the other key with the largest value (ties: the first in sorted order)."""
    frame = cells.rename("v").reset_index()
    a, b = frame.columns[0], frame.columns[1]
    frame = frame.sort_values(["v", b], ascending=[False, True], kind="stable").drop_duplicates(a)
    return frame.set_index(a)[b]


def _pct(part, whole) -> float:
    return float(100.0 * part / whole) if whole and np.isfinite(whole) else 0.0


def align_all(plan, specs) -> list[Coterminosity]:
    """Compare ``plan`` with each of ``specs`` (``"wards,pcns,las,FILE"`` or a list), in the order given.

    The function profiles and the API call; every geography is read (and checked) before any is scored.
    """
    if isinstance(specs, str):
        specs = [s for s in (p.strip() for p in specs.split(",")) if s]
    geos = [geography(plan.atlas, spec) for spec in specs]
    return [coterminosity(plan, g) for g in geos]


def side_by_side(aligned: list[Coterminosity]) -> str:
    """Return the comparisons of one plan with several geographies as one table, a column each: the index, units,
    units split, then each neighbourhood's share of people living where it and that geography agree.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(6, 1, lad_width=3)
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["A"] * 4 + ["B"] * 2)))
    >>> print(side_by_side(align_all(plan, "las")))
    Coterminosity side by side (agree: % of each neighbourhood's people where it and the units agree)
                   las
    index        0.833
    units            2
    units split      1
    agree A        75%
    agree B       100%
    """
    columns = {}
    for c in aligned:
        agree = c.neighbourhoods.set_index("neighbourhood").agree_pct
        columns[c.geography.key] = {
            "index": f"{c.index:.3f}",
            "units": str(c.units),
            "units split": str(len(c.split)),
            **{f"agree {n}": f"{v:.0f}%" for n, v in agree.items()},
        }
    table = pd.DataFrame(columns)
    return (
        "Coterminosity side by side (agree: % of each neighbourhood's people where it and the units agree)\n"
        + table.fillna("").to_string()
    )
