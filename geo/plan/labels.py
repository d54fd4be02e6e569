"""A neighbourhood's map label, the one rule for every map: :func:`short_label` gives the short form drawn on a map
and :func:`label_lines` its lines (the cover of the pack, the Folium exports, and the planner page's mirror of it
in static/names.js, under a parity test). A label is never cut inside a word and never ends with an ellipsis; the
full name stays in tooltips and tables.
"""

from __future__ import annotations

import re
from itertools import combinations

#: A map label's line holds at most this many characters (:func:`label_lines`); a longer single word keeps a line
#: to itself, whole.
LABEL_WIDTH = 16
#: A map label wraps onto at most this many lines; a place whose name alone needs more gets :data:`LABEL_MOST`.
LABEL_LINES = 2
#: The most lines of any map label.
LABEL_MOST = 3


def short_label(name: str) -> str:
    """The short form of a neighbourhood name drawn on a map (its lines are :func:`label_lines`).

    A label is never cut inside a word and never ends with an ellipsis: the full name stays in tooltips and tables.
    The rule, for a board member reading a map of places they know:

    1. An authority prefix that only made the name unique goes ("Charnwood: Loughborough Hastings"): the map
       shows where it is.
    2. A name that wraps onto :data:`LABEL_LINES` lines of :data:`LABEL_WIDTH` characters is kept whole.
    3. Otherwise it is shortened, step by step and only while it still does not fit: a trailing " PCN" goes;
       then only the first of the places joined by " and ", by ", ", then by " & " is kept (a ward name lists its
       largest place first, so the label names the biggest part a reader will recognise).
    4. A first place that still needs more lines keeps up to :data:`LABEL_MOST` ("Market / Harborough- / Welland");
       only a name of more words than that is cut, after its last whole word (or part of a hyphenated word) that
       fits, and a hyphen left at the cut goes.

    Examples
    --------
    >>> short_label("Loughborough Hastings and Shelthorpe"), short_label("Charnwood: Loughborough Hastings")
    ('Loughborough Hastings', 'Loughborough Hastings')
    >>> short_label("Oadby and Wigston"), short_label("Melton, Syston and Vale PCN")
    ('Oadby and Wigston', 'Melton, Syston and Vale PCN')
    >>> short_label("Market Harborough-Welland and Thurnby & Houghton")  # not "Market…"
    'Market Harborough-Welland'
    >>> short_label("Loughborough Outwoods & Shelthorpe and Shepshed West")
    'Loughborough Outwoods'
    >>> short_label("Humberstone Hamilton Thurncourt Rushey Mead Evington")  # no separator: whole words
    'Humberstone Hamilton Thurncourt'
    >>> short_label("Aaaaaaaaaaaaaa-a-Aaaaaaaaaaaaaaa-a-Aaaaaaaaaaaaaaaaa")  # or whole parts of a hyphenated word
    'Aaaaaaaaaaaaaa-a-Aaaaaaaaaaaaaaa'
    """
    text = " ".join(str(name).split())
    if ": " in text:
        text = text.split(": ", 1)[1] or text
    for shorten in _SHORTER:
        if _wrap(text, LABEL_LINES) is not None:
            return text
        text = shorten(text) or text
    if _wrap(text, LABEL_MOST) is not None:
        return text
    # Cut after the last whole piece that fits: pieces are words and the parts of a hyphenated word, as wrapped.
    pieces = _pieces(text)
    keep = max(k for k in range(1, len(pieces) + 1) if k == 1 or _wrap("".join(pieces[:k]).strip(), LABEL_MOST))
    return "".join(pieces[:keep]).strip().rstrip("-") if keep < len(pieces) else text


def label_lines(name: str) -> tuple[str, ...]:
    """The lines of a neighbourhood's map label: :func:`short_label` wrapped at spaces (or after a hyphen inside a
    word) onto the fewest lines of at most :data:`LABEL_WIDTH` characters, balanced (the longest line as short
    as it can be). At most :data:`LABEL_LINES` lines, :data:`LABEL_MOST` for a long single place.

    Examples
    --------
    >>> label_lines("Melton"), label_lines("Belgrave and Rushey Mead")
    (('Melton',), ('Belgrave and', 'Rushey Mead'))
    >>> label_lines("Hinckley De Montfort and Burbage Sketchley and Stretton")
    ('Hinckley', 'De Montfort')
    >>> label_lines("Market Harborough-Welland and Thurnby & Houghton")
    ('Market', 'Harborough-', 'Welland')
    """
    text = short_label(name)
    return _wrap(text, LABEL_MOST) or (text,)


def _shorter_pcn(text: str) -> str:
    return text[: -len(" PCN")] if text.endswith(" PCN") else text


def _first_of(joiner: str):
    return lambda text: text.split(joiner, 1)[0].rstrip(" ,&")


#: The shortening steps of :func:`short_label`, in order.
_SHORTER = (_shorter_pcn, _first_of(" and "), _first_of(", "), _first_of(" & "))


def _pieces(text: str) -> list[str]:
    """The pieces a label may break between: each word with its trailing space, a hyphenated word's parts.

    Examples
    --------
    >>> _pieces("Market Harborough-Welland")
    ['Market ', 'Harborough-', 'Welland']
    """
    return [t for t in re.split(r"(?<=[^\W\d_]-)(?=[^\W\d_])|(?<= )", text) if t]


def _wrap(text: str, most: int) -> tuple[str, ...] | None:
    """``text`` on the fewest lines (up to ``most``) of at most :data:`LABEL_WIDTH` characters, breaking at spaces
    and after a hyphen between letters; among as many lines, the one whose longest line is shortest (the first
    such, breaks taken in order). A single word longer than a line may stand alone. ``None`` when it needs more.

    Examples
    --------
    >>> _wrap("Castle Donington Central", 2), _wrap("Stoke-on-Trent", 1)
    (('Castle Donington', 'Central'), ('Stoke-on-Trent',))
    >>> _wrap("Harborough-Welland", 1) is None
    True
    """
    tokens = _pieces(text)
    for count in range(1, min(most, len(tokens)) + 1):
        best = None
        for cuts in combinations(range(1, len(tokens)), count - 1):
            bounds = (0, *cuts, len(tokens))
            lines = tuple("".join(tokens[a:b]).strip() for a, b in zip(bounds, bounds[1:]))
            if all(len(line) <= LABEL_WIDTH or b - a == 1 for line, a, b in zip(lines, bounds, bounds[1:])):
                if best is None or max(map(len, lines)) < max(map(len, best)):
                    best = lines
        if best is not None:
            return best
    return None
