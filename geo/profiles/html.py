"""The HWB data pack as one self-contained, paged HTML document: the same text prints from a browser and becomes
the PDF (:mod:`geo.profiles.pdf`).

Pages (A4, :data:`STYLE`): a cover (plan, area, version and sign-off state when known, an overview map of every
neighbourhood with its label); the summary (one row per neighbourhood, then the study area, each local authority
and England); exactly two pages per neighbourhood (1: where it is, its footprint and practices, its size and key
figures beside its local authority, the study area and England, IMD and age charts; 2: ethnicity, registered ages,
long-term conditions, practices, and the notes at the foot of the page); sources and methods. Every sheet but the
last has a fixed A4 height, so a neighbourhood is two pages whatever its content; :func:`page` takes ``compact``
neighbourhoods to set in a smaller type when the renderer finds they would not fit.

Readable labels only (:mod:`geo.columns`); every chart and table names its source; no scripts and no
external fetches (fonts are the system's, named in the CSS).
"""

from __future__ import annotations

from geo.profiles.cover import cover
from geo.profiles.hood_pages import first_page, second_page
from geo.profiles.htmlkit import STYLE, _esc
from geo.profiles.methods import methods
from geo.profiles.summary_pages import summary, summary_pages

__all__ = ["page", "summary_pages"]


def page(p, compact: frozenset | set = frozenset()) -> str:
    """The whole data pack as HTML text (``compact``: neighbourhoods set in smaller type).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.profiles import neighbourhood_profiles
    >>> atlas = grid_atlas(4, 4)
    >>> text = page(neighbourhood_profiles(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8)))))
    >>> text.count('class="sheet hood"'), "Summary" in text, "core20_pct" in text
    (2, True, False)
    """
    hoods = "".join(
        first_page(p, name, row, k, name in compact) + second_page(p, name, row, k, name in compact)
        for k, (name, row) in enumerate(p.summary.iterrows(), start=1)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>Neighbourhood profiles: {_esc(p.area_label)}</title>'
        f"<style>{STYLE}</style></head><body><main>"
        + cover(p)
        + summary(p)
        + hoods
        + methods(p)
        + "</main></body></html>"
    )
