"""Map labels (geo.plan.labels.short_label and label_lines): never cut inside a word, never an ellipsis; wrapped at
word boundaries onto two lines, three for a single long place; shortened by the documented steps only."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.names import MAX_NAME
from geo.plan.labels import LABEL_LINES, LABEL_MOST, LABEL_WIDTH, label_lines, short_label

# The QK1 proposal's names (seed 1) and other real shapes of names: wards, PCNs, places, prefixed repeats.
REAL = [
    "Market Harborough-Welland and Thurnby & Houghton",
    "Earl Shilton and Newbold Verdon with Desford and Peckleton",
    "Hinckley De Montfort and Burbage Sketchley and Stretton",
    "Leicester Forest & Lubbesthorpe and Braunstone Millfield",
    "Loughborough East and Dishley, Hathern & Thorpe Acre",
    "Loughborough Outwoods & Shelthorpe and Shepshed West",
    "Braunstone Park & Rowley Fields and Western",
    "Castle Donington Central and Ashby Ivanhoe",
    "Kibworths and Broughton Astley South & Leire",
    "Humberstone & Hamilton and Evington",
    "Sileby & Seagrave and Rothley Brook",
    "Melton, Syston and Vale PCN",
    "St Mary's and Stoke-on-Trent PCN",
    "Charnwood: Loughborough Hastings",
    "Newcastle-under-Lyme Town",
    "Oadby and Wigston",
    "Rutland",
    "Stoneygate North",
    "AAAAAAAAAAAAAA-A-AAAAAAAAAAAAAAA-A",  # one hyphenated word longer than three lines (found in CI)
]
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM'-", min_size=1, max_size=22).filter(
    lambda w: w.strip("-")
)
JOIN = st.sampled_from([" ", " ", " ", " and ", ", ", " & ", "-", ": "])


def _words(text: str) -> list[str]:
    """The pieces a label may break between: words, and the parts of a word hyphenated between letters."""
    return [w for w in re.split(r"(?<=[^\W\d_]-)(?=[^\W\d_])|\s+", text) if w]


def check(name: str) -> None:
    label, lines = short_label(name), label_lines(name)
    assert "…" not in label and not label.endswith("...") and label, (name, label)
    assert 1 <= len(lines) <= LABEL_MOST, (name, lines)
    # the lines are the label, broken only at spaces or after a hyphen, each within a line unless one word
    assert _words(" ".join(lines)) == _words(label), (name, lines)
    for line in lines:
        assert len(line) <= LABEL_WIDTH or len(_words(line)) == 1, (name, lines)
    # every word drawn is a whole word of the name, in order: nothing cut inside a word
    words = _words(re.sub(r"^[^:]*: ", "", " ".join(name.split())))
    drawn = _words(label)
    # (a cut after a hyphenated word's part drops the hyphen left at the end)
    assert drawn == words[: len(drawn)] or all(w.rstrip(",&-") in [v.rstrip(",&-") for v in words] for w in drawn), (
        name,
        label,
    )


@pytest.mark.parametrize("name", REAL)
def test_real_names_are_wrapped_or_shortened_at_words_never_cut(name):
    check(name)


def test_the_qk1_cover_label_that_read_market_ellipsis_names_the_town():
    assert short_label("Market Harborough-Welland and Thurnby & Houghton") == "Market Harborough-Welland"
    assert label_lines("Market Harborough-Welland and Thurnby & Houghton") == ("Market", "Harborough-", "Welland")


def test_names_that_fit_two_lines_are_kept_whole():
    assert label_lines("Melton, Syston and Vale PCN") == ("Melton, Syston", "and Vale PCN")
    assert label_lines("Belgrave and Rushey Mead") == ("Belgrave and", "Rushey Mead")
    assert label_lines("Rutland") == ("Rutland",)
    assert all(len(label_lines(n)) <= LABEL_LINES for n in REAL[1:-1])


def test_the_shortening_steps_in_order():
    assert short_label("Charnwood: Loughborough Hastings") == "Loughborough Hastings"  # prefix
    assert short_label("Shepshed, Hathern and Great Glen Villages PCN") == "Shepshed, Hathern"  # PCN, then ' and '
    assert short_label("Loughborough Outwoods & Shelthorpe and Shepshed West") == "Loughborough Outwoods"  # ' & '
    assert short_label("Humberstone Hamilton Thurncourt Rushey Mead Evington") == "Humberstone Hamilton Thurncourt"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORD, JOIN), min_size=1, max_size=12))
def test_any_name_gets_a_label_of_whole_words_without_an_ellipsis(parts):
    """(Found by this test in CI: "AAAAAAAAAAAAAA-A-AAAAAAAAAAAAAAA-A", one hyphenated word of 34 characters,
    was drawn on one line; it is now cut after its last part that fits three lines.)"""
    name = "".join(w + j for w, j in parts).strip(" ,&:-")[:MAX_NAME].strip() or "x"
    check(name)
