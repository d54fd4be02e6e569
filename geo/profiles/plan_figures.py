"""The plan's key figures, as the pack's cover and its summary both give them: the study area, the plan, its version
and sign-off state, its number of neighbourhoods, what they are built from and balanced on, and its population.

One list of rows (:func:`plan_rows`) read from the plan's own summary (:func:`geo.plan.report.summary`, kept on the
pack as ``Profiles.totals``): the count and the population total are the plan's published figures, never counted
again from the pack's tables, so the two pages cannot disagree.
"""

from __future__ import annotations

from datetime import date

from geo.profiles.htmlkit import _esc, format_value

#: The plan summary's figures the pack keeps (:func:`geo.plan.report.summary`).
TOTALS = ("neighbourhoods", "population_basis", "population")


def plan_totals(summary: dict) -> dict:
    """The plan summary's figures the pack's key rows give (:data:`TOTALS`).

    Examples
    --------
    >>> plan_totals({"neighbourhoods": 2, "population_basis": "resident", "population": 3000.0, "lsoas": 9})
    {'neighbourhoods': 2, 'population_basis': 'resident', 'population': 3000.0}
    """
    return {k: summary[k] for k in TOTALS}


def plan_rows(p, made: date | None = None) -> list[tuple[str, str]]:
    """(label, text) of the plan's key figures, those without a value left out; ``made``: the date the pack was
    made (``None``: no "Made" row).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(area_label="Rutland", title="", version="3", state="agreed", built_from="lsoas",
    ...                     totals={"neighbourhoods": 2, "population_basis": "resident", "population": 41043.0})
    >>> plan_rows(p)  # doctest: +NORMALIZE_WHITESPACE
    [('Study area', 'Rutland'), ('Version', '3'), ('Sign-off', 'agreed'),
     ('Neighbourhoods', '2, built from LSOAs (place-based); balancing residents'),
     ('Plan population', '41,043 residents')]
    """
    totals = getattr(p, "totals", None) or {}
    basis = "whole GP practices (list-based)" if p.built_from == "practices" else "LSOAs (place-based)"
    counted = format_value("population_basis", totals["population_basis"]) if totals else ""
    rows = [
        ("Study area", p.area_label),
        ("Plan", p.title),
        ("Version", p.version),
        ("Sign-off", p.state),
        ("Neighbourhoods", f"{totals['neighbourhoods']}, built from {basis}; balancing {counted}" if totals else ""),
        ("Plan population", f"{format_value('resident_population', totals['population'])} {counted}" if totals else ""),
        ("Made", made.strftime("%-d %B %Y") if made else ""),
    ]
    return [(k, str(v)) for k, v in rows if v]


def rows_html(rows: list[tuple[str, str]], pairs: int = 1) -> str:
    """The rows as the body of a ``table.meta``, ``pairs`` (label, text) pairs to a table row.

    Examples
    --------
    >>> rows_html([("Plan", "A & B"), ("Version", "2"), ("Sign-off", "agreed")], pairs=2)
    '<tr><th>Plan</th><td>A &amp; B</td><th>Version</th><td>2</td></tr><tr><th>Sign-off</th><td>agreed</td></tr>'
    """
    cells = [f"<th>{_esc(k)}</th><td>{_esc(v)}</td>" for k, v in rows]
    return "".join(f"<tr>{''.join(cells[i : i + pairs])}</tr>" for i in range(0, len(cells), pairs))
