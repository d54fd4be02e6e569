"""The pack's sources and methods keep to one A4 page with room to spare: laid out by WeasyPrint (what the PDF pack
uses) with the pack's style sheet, on the synthetic pack with every UEC figure (a local extract: the fullest table)
and as many sources and notes as LLR's pack has, then eight lines of notes more."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from geo.profiles import neighbourhood_profiles
from geo.profiles.htmlkit import STYLE
from geo.profiles.methods import methods
from geo.profiles.pdf import methods_overflow, render

pytestmark = pytest.mark.slow
#: LLR's methods page (QK1 with the modelled UEC layer and the hub sites, 2026-12): 9 notes of 3,386 characters between them, and 16
#: sources of 1,303 characters.
LLR_NOTES, LLR_SOURCES, LLR_SOURCE_CHARS = 3_314, 16, 1_303
#: One line of a note on the page holds about this many characters (6.6 pt across the page).
LINE = 130
WORDS = "the same figures over every area counted the same way from the same files of one edition, " * 40


@pytest.fixture(scope="module")
def profiles(place_plan, hotspots, england):
    return neighbourhood_profiles(place_plan, hotspots, england=england)


def notes_of(text: str) -> list[str]:
    """The notes of a methods page's HTML (the list under its heading)."""
    return re.findall(r"<li>(.*?)</li>", text.split("<h2>Sources and methods</h2><ul>", 1)[1].split("</ul>")[0])


def fuller(p, extra_lines: int):
    """``p`` with at least as many characters of notes and as many sources (and characters of them) as LLR's
    pack, then ``extra_lines`` notes of one line more."""
    have = sum(len(html.unescape(n)) for n in notes_of(methods(p)))
    notes = [WORDS[:400] for _ in range(-(-max(LLR_NOTES - have, 0) // 400))]
    notes += [WORDS[:LINE].rstrip(", ") + "." for _ in range(extra_lines)]
    sources = p.sources.copy()
    missing = LLR_SOURCES - len(sources)
    length = -(-max(LLR_SOURCE_CHARS - sum(len(str(label)) for label in sources.label), 0) // max(missing, 1))
    for k in range(missing):
        label = f"Made-up source {k}: " + WORDS[:length]
        sources.loc[len(sources)] = {"dataset": f"made_up_{k}", "label": label, "vintage": "2025-26", "file": ""}
    return replace(p, sources=sources, figures=replace(p.figures, notes=[*p.figures.notes, *notes]))


def laid_out(p):
    """The methods page of ``p`` laid out alone, as the pack lays it out (it starts on a page of its own)."""
    return render(
        f"<!DOCTYPE html><html><head><style>{STYLE}</style></head><body><main>{methods(p)}</main></body></html>"
    )


def test_the_methods_page_has_room_for_llrs_sources_and_notes_and_eight_lines_more(profiles):
    p = fuller(profiles, extra_lines=8)
    text = methods(p)
    assert sum(len(html.unescape(n)) for n in notes_of(text)) >= LLR_NOTES + 8 * (LINE - 10)
    assert text.count("<li>") - len(notes_of(text)) == LLR_SOURCES
    assert "UEC attendances" in text and "Funnel plot position" in text  # every UEC figure: the fullest table
    document = laid_out(p)
    assert len(document.pages) == 1 and not methods_overflow(document)


def test_methods_that_run_past_their_page_are_found(profiles):
    document = laid_out(fuller(profiles, extra_lines=80))
    assert len(document.pages) == 2 and methods_overflow(document)


def test_the_table_cites_the_numbered_sources(profiles):
    text = methods(profiles)
    sources = re.search(r'<ol class="sources">(.*?)</ol>', text).group(1)
    numbered = {k: label for k, label in enumerate(re.findall(r"<li>(.*?)</li>", sources), start=1)}
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td></tr>", text))
    assert rows["LSOAs"] == "This plan"
    uec = [k for k, label in numbered.items() if "UEC attendances (planted)" in label]
    assert rows["UEC attendances"] == f"[{uec[0]}]"  # the extract in use, cited by its number
    cited = {
        int(k)
        for value in rows.values()
        if value not in ("This plan", "see below")
        for k in value.strip("[]").split(", ")
    }
    assert cited <= set(numbered) and rows["Residents"] == "see below"  # the synthetic grid: no census file
    assert len(numbered) == len(profiles.sources)
