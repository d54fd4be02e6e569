"""Coterminosity of a plan with wards, local authorities, PCNs or a file: the ``coterminosity`` metric
(:mod:`geo.metrics.coterminosity`, where the definition and the arithmetic live) read for a geography named by
the user.

:func:`coterminosity` and :func:`align_all` only turn a name or a file into a
:class:`geo.plan.geography.Geography` and read the plan's cached metric, so ``nhp score --align``, the API's
``/plans/{id}/coterminosity``, the comparison map and profiles show the one value computed per plan and geography.
"""

from __future__ import annotations

import pandas as pd

from geo.metrics.coterminosity import Coterminosity
from geo.plan.geography import Geography, geography

__all__ = ["Coterminosity", "align_all", "coterminosity"]


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
    >>> coterminosity(plan, "las") is c  # computed once per plan and geography
    True
    """
    geo = other if isinstance(other, Geography) else geography(plan.atlas, other)
    return plan.metric("coterminosity", geo)


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
