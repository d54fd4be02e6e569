"""The PDF data pack on the synthetic grid (two local authorities, practices, QOF, ages, ethnicity, UEC): its pages
counted and looked at as images, its text read back with poppler (``pdfinfo``, ``pdftotext``, ``pdftoppm``)."""

from __future__ import annotations

import html
import re
import subprocess

import numpy as np
import pytest
from PIL import Image

from geo import export
from geo.plan import Plan
from geo.profiles import neighbourhood_profiles
from geo.profiles.figures import ENGLAND, ICB
from geo.profiles.html import page, summary_pages
from geo.profiles.pdf import _fetcher

pytestmark = pytest.mark.slow


def _run(*command) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pack(place_plan, hotspots, england, tmp_path_factory):
    profiles = neighbourhood_profiles(place_plan, hotspots, england=england)
    path = export.write("profiles", profiles, tmp_path_factory.mktemp("pdf") / "pack.pdf")
    pages = [
        _run("pdftotext", "-layout", "-f", str(k), "-l", str(k), str(path), "-") for k in range(1, _pages(path) + 1)
    ]
    return profiles, path, pages


def _pages(path) -> int:
    info = _run("pdfinfo", str(path))
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_pack_is_a_cover_the_summary_two_pages_per_neighbourhood_and_a_methods_page(pack):
    profiles, path, pages = pack
    n, s = len(profiles.summary), summary_pages(profiles)
    assert path.read_bytes()[:5] == b"%PDF-"
    assert len(pages) == 1 + s + 2 * n + 1
    assert "Neighbourhood profiles" in pages[0] and profiles.area_label in pages[0]
    assert "Summary" in pages[1]
    for k, name in enumerate(profiles.summary.index):
        first, second = pages[1 + s + 2 * k], pages[2 + s + 2 * k]
        assert name in first and "Key figures" in first
        assert f"{name} (continued)" in second and "Long-term conditions" in second
        assert "Estimates: this neighbourhood is built from LSOAs" in second  # the notes, at the foot
    assert "Sources and methods" in pages[-1]
    assert all(f"Page {k} of {len(pages)}" in text for k, text in enumerate(pages, start=1))


def test_no_page_is_near_empty(pack, tmp_path):
    _, path, pages = pack
    _run("pdftoppm", "-r", "30", "-gray", "-png", str(path), str(tmp_path / "page"))
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(pages)
    for image in images:
        ink = (np.asarray(Image.open(image).convert("L")) < 200).mean()
        assert ink > 0.02, f"{image.name} is nearly empty ({ink:.1%} ink)"


def test_summary_has_study_area_authority_and_england_rows_and_signed_deviations(pack, place_plan):
    profiles, path, pages = pack
    summary = "\n".join(pages[1 : 1 + summary_pages(profiles)])
    # read in reading order: a long name may wrap in its column ("Grid District 1 (local" / "authority)")
    flowing = _run("pdftotext", "-f", "2", "-l", str(1 + summary_pages(profiles)), str(path), "-")
    for area in (ICB, ENGLAND, *set(profiles.figures.comparator.values())):
        assert re.search(r"\s+".join(map(re.escape, area.split())), flowing), area
    # the same rounding as `nhp propose` prints (one decimal of the published figure), with its sign
    table = place_plan.neighbourhood_table().set_index("name")
    for name, value in table.deviation_pct.items():
        assert f"{value:+.1f}%" in summary if round(value, 1) else "0.0%" in summary


def test_key_figures_sit_beside_their_comparators(pack):
    profiles, _, pages = pack
    s = summary_pages(profiles)
    for k, name in enumerate(profiles.summary.index):
        first = pages[1 + s + 2 * k]
        la = profiles.figures.comparator[name].replace(" (local authority)", "")
        header = next(line for line in first.splitlines() if "Key figure" in line and "Here" in line)
        assert f"{la} (LA)" in header and "Study area" in header and "England" in header
        core20 = next(line for line in first.splitlines() if line.strip().startswith("Core20: living"))
        assert f"{profiles.summary.at[name, 'core20_pct']:.1f}%" in core20 and "≈20%" in core20


def test_a_name_is_printed_as_text_and_the_renderer_fetches_nothing(atlas, england, tmp_path):
    name = '<img src="http://example.invalid/x.png"> & Co'
    plan = Plan(atlas, dict(zip(atlas.codes, [name] * 12 + ["Other"] * 12)))
    path = export.write("profiles", neighbourhood_profiles(plan, england=england), tmp_path / "pack.pdf")
    assert name in _run("pdftotext", str(path), "-")
    with pytest.raises(ValueError, match="fetches nothing"):
        _fetcher().fetch("http://example.invalid/x.png")


def test_a_long_made_of_line_keeps_each_neighbourhood_to_two_pages(england, tmp_path, caplog):
    """A list-based plan of many long-named practices, each its own PCN: each neighbourhood's "Made of" line and
    PCN list are cut at a whole name and counted, nothing is clipped, and every neighbourhood is still two pages."""
    from dataclasses import replace

    from geo.propose import ProposalParams, propose
    from geo.testing import grid_atlas

    grid = grid_atlas(6, 6, practice_every=1)
    practices = grid.practices.copy()
    practices["practice_name"] = [
        f"The Long Named Medical Practice And Health Centre {k}" for k in range(len(practices))
    ]
    practices["pcn_name"] = [f"The Long Named Primary Care Network {k}" for k in range(len(practices))]
    grid = replace(grid, practices=practices)
    plan = propose(grid, ProposalParams(build_from="practices", target=27_000, tolerance=0.5, seed=1))
    profiles = neighbourhood_profiles(plan, england=england)
    sizes = plan.practice_assignment.value_counts()
    assert sizes.max() >= 15  # long enough to need cutting
    with caplog.at_level("WARNING", logger="geo.profiles.pdf"):
        path = export.write("profiles", profiles, tmp_path / "pack.pdf")
    assert not [r for r in caplog.records if "clipped" in r.getMessage()]
    assert _pages(path) == 1 + summary_pages(profiles) + 2 * len(profiles.summary) + 1
    lines = re.findall(r"<p class=\"src\">Made of (.*?)</p>", html.unescape(page(profiles)))
    assert len(lines) == len(profiles.summary)
    for line in lines:
        count, rest = re.fullmatch(r"(\d+) practices: (.*)", line).groups()
        shown = rest.split("; ")
        more = re.fullmatch(r"and (\d+) more \(all in the CSV and workbook\)", shown[-1])
        assert more, line  # every neighbourhood here is long enough to be cut
        named = [re.fullmatch(r"(.*) \((\w+)\)", s).group(2) for s in shown[:-1]]
        hood = plan.practice_assignment[named[0]]
        assert all(plan.practice_assignment[c] == hood for c in named)
        assert len(named) + int(more.group(1)) == int(count) == sizes[hood]
        assert len(line) < 500
    assert page(profiles).count("more (all in the CSV and workbook)") == 2 * len(profiles.summary)  # and PCNs
