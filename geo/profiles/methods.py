"""The data pack's last page: what every figure means, where it comes from, and the sources with their vintages.

One A4 page with room to spare: the notes (with the hub siting line, :mod:`geo.profiles.hub_sites`), then the table of figures (fixed columns, the definition given the
width), whose source column cites the numbered list of sources below it rather than repeating their names (a
source named in full is a line or two of every row it serves). The page ends with an empty marker
``methods-end``: :func:`geo.profiles.pdf.methods_overflow` finds it on a later page when the content would not fit.
"""

from __future__ import annotations

from geo.atlas.model import AGE_BANDS
from geo.profiles.access_need import method_notes
from geo.profiles import hub_sites
from geo.profiles.htmlkit import PRACTICE_COLUMNS, _esc, _modelled, _vintages
from geo.columns import COLUMNS


def methods(p) -> str:
    shown = [
        c
        for c in COLUMNS
        if (c in p.summary.columns or c in PRACTICE_COLUMNS)
        and c
        not in (
            *AGE_BANDS[1:],
            "imd_q2_pct",
            "imd_q3_pct",
            "imd_q4_pct",
            "pcn_code",
            "rural_pct",
            "practice_code",
            "practice_name",
            "pcn_name",
        )
    ]
    if _modelled(p):
        shown = [
            c
            for c in shown
            if c not in ("attendances", "rate_lci", "rate_uci", "ratio_lci", "ratio_uci", "funnel", "hotspot_lsoas")
        ]
    numbers = {str(r.dataset): k for k, r in enumerate(p.sources.itertuples(), start=1)}

    def where(column: str) -> str:
        """The numbers of a figure's sources in the list below, in brackets ("[8, 13]": a reference, never read as a
        count); the UEC figures cite the layer in use, an extract or the modelled one. "see below" when the atlas
        has none of them (the synthetic grid)."""
        meta = COLUMNS[column]
        if meta.sources == ("plan",):
            return "This plan"
        cited = sorted(
            {k for s in meta.sources for d, k in numbers.items() if d == s or (s == "uec" and d.startswith("uec_"))}
        )
        return f"[{', '.join(map(str, cited))}]" if cited else "see below"

    rows = "".join(
        f"<tr><th>{_esc(COLUMNS[c].label)}</th><td>{_esc(COLUMNS[c].unit)}</td>"
        f"<td>{_esc(COLUMNS[c].definition)}</td><td>{_esc(where(c))}</td></tr>"
        for c in shown
    )
    notes = [
        *p.figures.notes,
        *method_notes(p.access_notes),
        *hub_sites.method_notes(getattr(p, "hub_notes", {})),
        "Comparators: each local authority and the study area are counted as a "
        "neighbourhood is, from the same plan metrics on the same population basis; England's practice figures "
        "and ethnic groups come from the national files of the same edition.",
        "Disclosure control: counts of 1 to 7 are suppressed; a total with a small part is given to the nearest "
        "10; shares are not shown when a part or its complement is a small count.",
    ]
    if _modelled(p):
        notes.append(
            "UEC figures are modelled (the layer is described under Sources): rates only. Modelled: no intervals."
        )
    elif p.uec_note:
        notes.append("UEC: " + p.uec_note)
    vintages = _vintages(p)
    if vintages:
        notes.append(vintages)
    sources = "".join(
        f"<li>{_esc(r.label)}" + ("" if str(r.vintage) in str(r.label) else f" ({_esc(r.vintage)})") + "</li>"
        for r in p.sources.itertuples()
    )
    return (
        '<section class="sheet flow methods"><i id="methods"></i><h2>Sources and methods</h2><ul>'
        + "".join(f"<li>{_esc(n)}</li>" for n in notes)
        + "</ul>"
        '<table class="figures"><colgroup><col class="figure"><col class="unit"><col><col class="source">'
        "</colgroup><thead><tr><th>Figure</th><th>Unit</th><th>Definition</th><th>Source</th></tr></thead>"
        f'<tbody>{rows}</tbody></table><h3>Sources (numbered as the table cites them)</h3><ol class="sources">'
        f'{sources}</ol><i id="methods-end"></i></section>'
    )
