"""The data pack's cover: the plan, area, version and sign-off state, and an overview map of every neighbourhood."""

from __future__ import annotations

from datetime import date

from geo.profiles.htmlkit import _esc, _modelled, _source_text, format_value
from geo.profiles.maps import overview_svg
from geo.plan.naming import short_label


def cover(p) -> str:

    basis = "whole GP practices (list-based)" if p.built_from == "practices" else "LSOAs (place-based)"
    counted = format_value("population_basis", p.summary.population_basis.iloc[0]) if len(p.summary) else ""
    rows = [
        ("Study area", p.area_label),
        ("Plan", p.title),
        ("Version", p.version),
        ("Sign-off", p.state),
        ("Neighbourhoods", f"{len(p.summary)}, built from {basis}; balancing {counted}"),
        ("Made", date.today().strftime("%-d %B %Y")),
    ]
    meta = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows if v)
    overview = ""
    if p.shapes and p.outline is not None:
        overview = overview_svg(
            p.shapes,
            p.outline,
            {n: short_label(n) for n in p.shapes},
            authorities=p.authorities or None,
            width=700,
            height=600 if len(meta) else 640,
        )
        overview += (
            '<p class="src">Neighbourhoods of this plan'
            + (", local authority boundaries dashed" if p.authorities else "")
            + ". "
            + _source_text(p, "lsoa21_boundaries", "lsoa11_boundaries")
            + "</p>"
        )
    modelled = (
        '<p><span class="tag modelled">Modelled</span> UEC figures are modelled estimates of expected '
        "need, not observed attendances: rates only, with no intervals.</p>"
        if _modelled(p)
        else ""
    )
    return (
        f'<section class="sheet cover"><h1>Neighbourhood profiles</h1>'
        f'<p class="lead area-name">{_esc(p.area_label)}</p><table class="meta"><tbody>{meta}</tbody></table>'
        f"{overview}<p>Counts of 1 to 7 people are suppressed, with further figures where a total would reveal "
        f"them; estimates are marked.</p>{modelled}</section>"
    )
