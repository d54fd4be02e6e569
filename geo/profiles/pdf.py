"""The HWB data pack as a PDF: the paged HTML of :mod:`geo.profiles.html`, laid out by WeasyPrint.

Why WeasyPrint rather than printing from headless Chromium: it is a Python library (BSD, maintained by
CourtBouillon, releases several times a year) that implements CSS Paged Media itself, so the API and ``nhp
profile`` make the PDF in-process from the very HTML the ``.html`` pack holds, with ``@page`` margin boxes
("Page 3 of 48", the area's name) that Chromium's print path only partly supports, and with no browser to
install, launch, sandbox and time out on a server (Chromium and playwright stay test tools). It needs Debian's
Pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``; see ``scripts/system-packages.sh``).

Offline by construction: the pack has no external reference (inline SVG, inline CSS, system fonts named in the
CSS and found through fontconfig), and the URL fetcher given to WeasyPrint refuses every URL, so a name in a
plan that looked like a link could never make the renderer fetch anything.

Every neighbourhood is exactly two A4 pages (fixed-height sheets). Before writing, the layout is checked: a
neighbourhood whose content would run past its sheet (many practices, long names) is laid out again in compact
type; if it still would not fit, a warning names it (the sheet is clipped, never a third page). The sources and
methods are one page with room to spare (:mod:`geo.profiles.methods`); should they ever run on
(:func:`methods_overflow`), a warning says so and the pack has a page more rather than losing text.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from geo.errors import DataError
from geo.profiles.html import page

log = logging.getLogger(__name__)
#: Bottom of a sheet's content on the page in CSS px (A4 297 mm less the 13 mm bottom margin, 96 px per inch),
#: less a little for the notes' own height, checked against each sheet's end marker.
_MM = 96 / 25.4
#: More practices than this and a neighbourhood's pages are set in compact type from the first layout.
LONG_PRACTICE_LIST = 8


def _fetcher():
    from weasyprint.urls import URLFetcher  # lazy: weasyprint loads cairo and pango; only PDF output needs it

    class Refuse(URLFetcher):
        """Fetch nothing: the pack is self-contained, and a plan's names must never make the renderer fetch."""

        def fetch(self, url, headers=None):
            raise ValueError(f"the data pack fetches nothing (refused {url[:60]!r})")

    return Refuse()


def render(text: str):
    """Lay out pack HTML with WeasyPrint; return the :class:`weasyprint.Document`."""
    try:
        import weasyprint  # lazy: weasyprint loads cairo and pango; only PDF output needs it
    except (ImportError, OSError) as error:  # OSError: the Python package is there but Pango is not
        raise DataError(
            "cannot write a PDF pack: WeasyPrint is not installed",
            file="weasyprint",
            expected="pip install weasyprint and Debian's libpango-1.0-0 libpangoft2-1.0-0 "
            f"(scripts/system-packages.sh): {error}",
        ) from error
    return weasyprint.HTML(string=text, url_fetcher=_fetcher(), base_url=None).render()


def overflowing(document) -> set[int]:
    """Numbers ``k`` of the neighbourhoods (1-based, in pack order) whose content runs past one of their sheets.

    Each sheet ends with an empty marker ``hood-K-S-end``; the second sheet's notes sit at its foot (``notes``
    box). A marker lower than its page's content area (or on another page than its sheet's start) overflows.
    """
    starts, ends = {}, {}
    for number, pdf_page in enumerate(document.pages):
        for anchor, box in pdf_page.anchors.items():
            y = box[1]
            if anchor.startswith("hood-") and anchor.endswith("-end"):
                ends[anchor[:-4]] = (number, y)
            elif anchor.startswith("hood-"):
                starts[anchor] = (number, y)
    # A marker past a fixed-height sheet is not laid out at all: its sheet overflows.
    bad = {int(sheet.split("-")[1]) for sheet in starts if sheet not in ends}
    for sheet, (number, y) in ends.items():
        k, side = sheet.split("-")[1:3]
        limit = (297 - 13) * _MM - (26 * _MM if side == "2" else 0)  # page 2: above the notes at the foot
        if starts.get(sheet, (number,))[0] != number or y > limit:
            bad.add(int(k))
    return bad


def methods_overflow(document) -> bool:
    """Whether the sources and methods run past their page: the section's end marker ``methods-end`` is on a later
    page than its start (``methods``), or lower than the page's content area."""
    start, end = None, (None, 0.0)
    for number, sheet in enumerate(document.pages):
        if "methods" in sheet.anchors and start is None:  # a section split over pages is anchored on each
            start = number
        if "methods-end" in sheet.anchors:
            end = (number, sheet.anchors["methods-end"][1])
    return start is not None and (end[0] != start or end[1] > (297 - 13) * _MM)


def cover_overflow(document) -> bool:
    """Whether the cover's content runs past its sheet: its end marker ``cover-end`` is missing from the first
    page (past the fixed-height sheet, so not laid out) or lower than the sheet's foot."""
    if not document.pages or "cover" not in document.pages[0].anchors:
        return False
    end = document.pages[0].anchors.get("cover-end")
    return end is None or end[1] > (11 + 272) * _MM


def write_pdf(profiles, path: str | Path) -> Path:
    """Write ``profiles`` as the PDF data pack at ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.profiles import neighbourhood_profiles
    >>> atlas = grid_atlas(4, 4)
    >>> p = neighbourhood_profiles(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8)), target=12_000))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     pdf = write_pdf(p, pathlib.Path(folder) / "pack.pdf")
    ...     pdf.read_bytes()[:5]
    b'%PDF-'
    """
    path = Path(path)
    names = list(profiles.summary.index)
    # Set in compact type from the start where the practice table is long (saves a second layout of the pack).
    counts = profiles.practices.groupby("neighbourhood").size() if len(profiles.practices) else pd.Series(dtype=int)
    compact = frozenset(counts.index[counts > LONG_PRACTICE_LIST])
    document = render(page(profiles, compact=compact))
    tight = overflowing(document)
    if tight:
        compact = compact | frozenset(names[k - 1] for k in tight)
        document = render(page(profiles, compact=compact))
        still = overflowing(document)
        if still:
            log.warning(
                "data pack: content of %s is clipped to its two pages",
                ", ".join(repr(names[k - 1]) for k in sorted(still)),
            )
    if cover_overflow(document):
        log.warning("data pack: the cover's number key runs past its page (the plan has too many crowded names)")
    if methods_overflow(document):
        log.warning("data pack: the sources and methods run past their page (the pack has a page more)")
    document.write_pdf(path)
    return path
