"""Names people type (plans, neighbourhoods, keys) and text the project writes: one rule for each.

Three jobs, each a small pure function so every entry point and every writer can share it:

- :func:`check_name` is the one rule for a name: 1 to :data:`MAX_NAME` characters after trimming, no control
  or invisible formatting characters (ANSI escapes, BEL, tabs, right-to-left overrides, zero-width joiners), and
  no leading ``= + - @`` (which a spreadsheet would run as a formula). A bad name raises one
  :class:`geo.errors.PlanError` naming the file, row and column when the caller knows them.
- :func:`formula_safe` makes a text cell inert in a spreadsheet: a cell beginning with ``= + - @``, a tab or a
  carriage return gets a leading apostrophe (OWASP's advice for CSV injection), so Excel and LibreOffice show it
  as text. :func:`formula_safe_frame` applies it to every text column of a table before it is written.
- :func:`printable` removes control and formatting characters from text bound for a terminal, so a name from a
  file cannot move the cursor, recolour the screen, ring the bell or reverse the line.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from geo.errors import PlanError

#: Longest name of a plan or neighbourhood, in characters.
MAX_NAME = 80
#: First characters a spreadsheet treats as the start of a formula (tab and CR too: Excel strips them first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in _CONTROL_CATEGORIES


def check_name(name, *, what: str = "name", file=None, row: int | None = None, column: str | None = None) -> str:
    """Return ``name`` trimmed, or raise PlanError when it breaks the name rule.

    Parameters
    ----------
    name
        The name as given.
    what
        What is named, for the message ("plan name", "neighbourhood name").
    file, row, column
        Where the name came from, when the caller knows.

    Examples
    --------
    >>> check_name("  Charnwood North ")
    'Charnwood North'
    >>> check_name("=HYPERLINK(\\"http://x\\")", what="neighbourhood name")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: neighbourhood name '=HYPERLINK("http://x")' begins with '='...
    """
    text = "" if name is None else str(name).strip()
    shown = printable(text)[:40] + ("..." if len(text) > 40 else "")
    expected = f"1 to {MAX_NAME} printable characters, not beginning with = + - or @"
    problem = None
    if not text:
        problem = f"{what} is empty"
    elif len(text) > MAX_NAME:
        problem = f"{what} '{shown}' is {len(text):,} characters long (at most {MAX_NAME})"
    elif any(_is_control(c) for c in text):
        bad = next(c for c in text if _is_control(c))
        problem = f"{what} '{shown}' holds the control character U+{ord(bad):04X}"
    elif text.startswith(FORMULA_START):
        problem = f"{what} '{shown}' begins with '{text[0]}', which a spreadsheet would run as a formula"
    if problem:
        raise PlanError(problem, file=file, row=row, column=column, expected=expected)
    return text


def formula_safe(value):
    """Return a text cell a spreadsheet shows as text: a leading ``'`` when it could start a formula.

    Anything that is not a string (numbers, missing values) is returned unchanged.

    Examples
    --------
    >>> formula_safe("=1+2"), formula_safe("-3 North"), formula_safe("North"), formula_safe(4)
    ("'=1+2", "'-3 North", 'North', 4)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells (and text column names) are :func:`formula_safe`.

    Examples
    --------
    >>> formula_safe_frame(pd.DataFrame({"name": ["=cmd|' /C calc'!A0", "A"], "n": [1, 2]})).name.tolist()
    ["'=cmd|' /C calc'!A0", 'A']
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(formula_safe)
    out.columns = [formula_safe(c) for c in out.columns]
    return out


def printable(text) -> str:
    """Return ``text`` without ANSI escape sequences and control or formatting characters (newlines and tabs kept).

    Examples
    --------
    >>> printable("\\x1b[31mred\\x1b[0m \\u202eevil\\x07")
    'red evil'
    """
    text = str(text)
    if text.isascii() and text.isprintable():  # the usual case, and no escape can hide in it (ESC is not printable)
        return text
    text = _ANSI.sub("", text)
    return "".join(c for c in text if c in "\n\t" or not _is_control(c))
