"""Names people type (plans, neighbourhoods, keys) and text the project writes: one rule for each.

Three jobs, each a small pure function so every entry point and every writer can share it:

- :func:`check_name` is the one rule for a name: 1 to :data:`MAX_NAME` characters after trimming, no control
  or invisible formatting characters (ANSI escapes, BEL, tabs, right-to-left overrides, zero-width joiners), and
  no ``= + - @`` (which a spreadsheet would run as a formula) at the start or just after a ``,``, ``;`` or ``|``
  (where a spreadsheet that splits the file at that character starts a new cell), and not a word that pandas,
  R or a spreadsheet reads as a missing value (``None``, ``NaN``, ``NA``, ``null``, ``#N/A``: a plan saved with
  such a name could not be read back). A bad name raises one
  :class:`geo.errors.PlanError` naming the file, row and column when the caller knows them.
  :func:`name_from_file` makes a valid name of a file's name (``nhp score FILE`` names the plan after it).
- :func:`formula_safe` makes a text cell inert in a spreadsheet: a cell beginning with ``= + - @``, a tab or a
  carriage return gets a leading apostrophe (OWASP's advice for CSV injection), so Excel and LibreOffice show it
  as text; so does each such character after a ``,``, ``;``, ``|`` or tab inside the cell, because a spreadsheet
  that opens the file with that separator splits the cell there (``South;=cmd|' /C calc'!A0`` opened with ``;``
  is a formula in its second cell). :func:`formula_safe_frame` applies it to every text column of a table.
- :func:`printable` removes control and formatting characters from text bound for a terminal, so a name from a
  file cannot move the cursor, recolour the screen, ring the bell or reverse the line.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

import pandas as pd

from geo.errors import PlanError

#: Longest name of a plan or neighbourhood, in characters.
MAX_NAME = 80
#: First characters a spreadsheet treats as the start of a formula (tab and CR too: Excel strips them first).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A separator (with any spaces) followed by a formula start: where a file opened with that separator starts a cell.
_EMBEDDED_FORMULA = re.compile(r"([,;|\t]\s*)(?=[=+\-@\t\r])")
#: Words that common readers (pandas' defaults, R, spreadsheets) take for a missing value, compared case-folded.
MISSING_WORDS = frozenset(
    w.casefold()
    for w in ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA")
    + ("NULL", "NaN", "None", "nil", "missing")
)
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
    >>> check_name("South;=cmd|' /C calc'!A0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: name 'South;=cmd|' /C calc'!A0' has '=' after ';', which a spreadsheet...
    >>> check_name("None")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: name 'None' is a word spreadsheets and data tools read as a missing value...
    """
    if name is None or (isinstance(name, float) and name != name):  # None or NaN: no name at all
        name = ""
    text = str(name).strip()
    shown = printable(text)[:40] + ("..." if len(text) > 40 else "")
    expected = (
        f"1 to {MAX_NAME} printable characters, not beginning with = + - or @, without one of them "
        "right after , ; or |, and not a missing-value word such as None, NaN or NA"
    )
    problem = None
    if not text:
        problem = f"{what} is empty"
    elif text.casefold() in MISSING_WORDS:
        problem = f"{what} '{shown}' is a word spreadsheets and data tools read as a missing value"
    elif len(text) > MAX_NAME:
        problem = f"{what} '{shown}' is {len(text):,} characters long (at most {MAX_NAME})"
    elif any(_is_control(c) for c in text):
        bad = next(c for c in text if _is_control(c))
        problem = f"{what} '{shown}' holds the control character U+{ord(bad):04X}"
    elif text.startswith(FORMULA_START):
        problem = f"{what} '{shown}' begins with '{text[0]}', which a spreadsheet would run as a formula"
    elif found := _EMBEDDED_FORMULA.search(text):
        problem = (
            f"{what} '{shown}' has '{text[found.end()]}' after '{found.group(1).strip()}', which a "
            "spreadsheet splitting the file there would run as a formula"
        )
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
    >>> formula_safe("South;=cmd|' /C calc'!A0"), formula_safe("A, +B | @C")
    ("South;'=cmd|' /C calc'!A0", "A, '+B | '@C")
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START):
        value = "'" + value
    if _EMBEDDED_FORMULA.search(value):
        value = _EMBEDDED_FORMULA.sub(r"\1'", value)
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


def name_from_file(file_name, default: str = "imported plan") -> str:
    """Return a name that passes :func:`check_name` made of a file's name (its stem), else ``default``.

    Control characters and escapes are removed, spaces collapsed, leading formula characters dropped and the name
    cut to :data:`MAX_NAME` characters; a stem that still breaks the rule gives ``default``.

    Examples
    --------
    >>> name_from_file("plans/Charnwood North.csv"), name_from_file("\\x1b[31mred\\x1b[0m plan.geojson")
    ('Charnwood North', 'red plan')
    >>> name_from_file("=cmd.csv"), name_from_file("a;=b.csv"), name_from_file("\\x07.csv")
    ('cmd', 'imported plan', 'imported plan')
    """
    stem = PurePath(str(file_name).replace("\\", "/")).stem
    text = " ".join(printable(stem).split()).lstrip("".join(FORMULA_START) + " ")[:MAX_NAME].strip()
    try:
        return check_name(text)
    except PlanError:
        return default


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
