"""Official names in ordinary case: an upper-case name from an official file ("MELTON, SYSTON AND VALE PCN") as a
board would write it ("Melton, Syston and Vale PCN") in a neighbourhood's name (:mod:`geo.plan.naming`) and the
pack's pages.
"""

from __future__ import annotations

_SMALL_WORDS = {"and", "of", "the", "upon", "on", "in", "with", "under", "by", "at", "le", "en", "de"}
_ACRONYMS = {"PCN", "NHS", "GP", "ICB", "UK", "HWB", "SAS", "CIC", "LLP", "II", "III", "IV"}


def display_case(text: str) -> str:
    """Return an upper-case official name in ordinary case ("MELTON, SYSTON AND VALE PCN" -> "Melton, Syston and
    Vale PCN"); names already in mixed case are kept.

    Examples
    --------
    >>> display_case("ST MARY'S AND STOKE-ON-TRENT PCN"), display_case("Oadby & Wigston PCN")
    ("St Mary's and Stoke-on-Trent PCN", 'Oadby & Wigston PCN')
    >>> display_case("BEACON (CHARNWOOD) PCN")
    'Beacon (Charnwood) PCN'
    """
    text = str(text).strip()
    if text != text.upper():
        return text

    def word(token: str, first: bool) -> str:
        if token in _ACRONYMS:
            return token
        if not first and token.lower() in _SMALL_WORDS:
            return token.lower()
        return "-".join(
            part
            if part.strip("()") in _ACRONYMS
            else (_capital(part) if i == 0 or part.lower() not in _SMALL_WORDS else part.lower())
            for i, part in enumerate(token.split("-"))
        )

    tokens = text.split(" ")
    return " ".join(word(t, i == 0) for i, t in enumerate(tokens))


def _capital(word: str) -> str:
    """``word`` in lower case but its first letter ("(CHARNWOOD)" -> "(Charnwood)")."""
    lower = word.lower()
    first = next((i for i, c in enumerate(lower) if c.isalpha()), None)
    return lower if first is None else lower[:first] + lower[first].upper() + lower[first + 1 :]
