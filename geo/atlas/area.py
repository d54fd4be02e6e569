"""Resolve what a planner types as a study area ("QK1", "E54000015", "04C", "E06000016,E06000017", "england", a
file of LSOA codes) into a named area and the LSOA codes it covers in the chosen geography vintage."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd

from geo.atlas.model import StudyArea
from geo.errors import AreaError

ENGLAND = {"ENGLAND", "E92000001"}
_LSOA = re.compile(r"^[EW]01\d{6}$")
_LAD = re.compile(r"^E0[6-9]\d{6}$")
_UTLA = re.compile(r"^E1[01]\d{6}$")


def resolve_area(spec: str | list[str], geography: pd.DataFrame) -> tuple[StudyArea, pd.Index]:
    """Return the study area and its sorted LSOA codes.

    Parameters
    ----------
    spec
        ``england``; an ICB (``QK1`` or ``E54000015``); a sub-ICB location (``04C`` or ``E38000...``); one or more
        local authority codes, comma-separated (lower tier, or an upper-tier county ``E10...``); LSOA codes,
        comma-separated or as a list; or the path of a file with one LSOA code per line (a header is allowed).
        A value is read as a file only when that file exists, so a list of any length is never taken for a path;
        codes are case-insensitive.
    geography
        One row per LSOA of the vintage: ``lsoa_code, lad_code, lad_name, utla_code, utla_name, sub_icb_code,
        sub_icb_code_nhs, sub_icb_name, icb_code, icb_code_nhs, icb_name``.

    Examples
    --------
    >>> geo = pd.DataFrame({"lsoa_code": ["E01000002", "E01000001"], "lad_code": "E06000016",
    ...     "lad_name": "Leicester", "utla_code": "E06000016", "utla_name": "Leicester",
    ...     "sub_icb_code": "E38000097", "sub_icb_code_nhs": "04C", "sub_icb_name": "Leicester City",
    ...     "icb_code": "E54000015", "icb_code_nhs": "QK1", "icb_name": "NHS LLR ICB"})
    >>> area, codes = resolve_area("qk1", geo)
    >>> area.kind, list(codes)
    ('icb', ['E01000001', 'E01000002'])
    """
    if isinstance(spec, (list, tuple)):
        return _lsoa_area([str(code).strip().upper() for code in spec], geography, "LSOA list")
    text = str(spec).strip()
    if not text:
        raise AreaError("the study area is empty", expected="an ICB, sub-ICB, local authority or LSOA codes")
    path = _existing_file(text)
    if path is not None:
        return _lsoa_area(_read_code_file(path), geography, path.name)
    if "," not in text and Path(text).suffix.lower() in {".txt", ".csv"}:
        raise AreaError("file of LSOA codes not found", file=text, expected="an existing file, one LSOA code a line")
    upper = text.upper()
    if upper in ENGLAND:
        codes = geography.lsoa_code[geography.lsoa_code.str.startswith("E")]
        return StudyArea("england", ("E92000001",), "England"), _sorted(codes)
    for kind, code_cols, name_col in (
        ("icb", ("icb_code", "icb_code_nhs"), "icb_name"),
        ("sub_icb", ("sub_icb_code", "sub_icb_code_nhs"), "sub_icb_name"),
    ):
        for column in code_cols:
            match = geography[geography[column].astype(str).str.upper() == upper]
            if len(match):
                return StudyArea(kind, (upper,), str(match[name_col].iloc[0])), _sorted(match.lsoa_code)
    parts = [p.strip().upper() for p in text.split(",") if p.strip()]
    if all(_LSOA.match(p) for p in parts):
        return _lsoa_area(parts, geography, "LSOA list")
    if all(_LAD.match(p) or _UTLA.match(p) for p in parts):
        return _la_area(parts, geography)
    raise AreaError(
        f"study area '{text}' was not found",
        expected="an ICB (QK1 or E54000015), a sub-ICB (04C or E38...), local authority codes (E06000016,...), "
        "LSOA codes, a file of LSOA codes, or 'england'",
    )


def _existing_file(text: str) -> Path | None:
    """``text`` as a path when a file of that name exists; a value too long to be a path is not one."""
    try:
        path = Path(text)
        return path if path.is_file() else None
    except (OSError, ValueError):  # "File name too long", embedded NUL
        return None


def cache_spec(spec: str | list[str]) -> str | list[str]:
    """The study area as the cache key sees it: codes upper-cased, a file of codes by its content.

    Examples
    --------
    >>> cache_spec("qk1") == cache_spec(" QK1 "), cache_spec("e06000016, e07000129")
    (True, 'E06000016,E07000129')
    >>> cache_spec(["e01000002", "E01000001"])
    ['E01000001', 'E01000002']
    """
    if isinstance(spec, (list, tuple)):
        return sorted({str(code).strip().upper() for code in spec})
    text = str(spec).strip()
    path = _existing_file(text)
    if path is not None:
        # The same file name with other codes in it is another area.
        return "file:" + hashlib.sha256(path.read_bytes()).hexdigest()
    return ",".join(part.strip().upper() for part in text.split(",") if part.strip())


def _la_area(codes: list[str], geography: pd.DataFrame) -> tuple[StudyArea, pd.Index]:
    rows, names = [], []
    for code in codes:
        column, name_col = ("utla_code", "utla_name") if _UTLA.match(code) else ("lad_code", "lad_name")
        match = geography[geography[column] == code]
        if match.empty:
            raise AreaError(f"local authority {code} has no LSOAs in this geography", expected="a current LA code")
        rows.append(match)
        names.append(str(match[name_col].iloc[0]))
    selected = pd.concat(rows)
    return StudyArea("lad", tuple(codes), ", ".join(names)), _sorted(selected.lsoa_code)


def _lsoa_area(codes: list[str], geography: pd.DataFrame, label: str) -> tuple[StudyArea, pd.Index]:
    codes = [c for c in codes if c]
    if not codes:
        raise AreaError(f"{label} holds no LSOA codes", file=label, expected="one LSOA code per line")
    known = set(geography.lsoa_code)
    for row, code in enumerate(codes, start=1):
        if code not in known:
            raise AreaError(
                f"unknown LSOA code '{code}' for this geography vintage",
                file=label,
                row=row,
                column="lsoa_code",
                expected="codes of the atlas vintage (LSOA 2021 by default; use --vintage 2011 for 2011 codes)",
            )
    unique = sorted(set(codes))
    return StudyArea(
        "lsoas", tuple(unique[:3]) + (("...",) if len(unique) > 3 else ()), f"{len(unique)} LSOAs"
    ), pd.Index(unique, name="lsoa_code")


def _read_code_file(path: Path) -> list[str]:
    if not path.exists():
        raise AreaError("file of LSOA codes not found", file=path)
    lines = [
        line.split(",")[0].strip().strip('"').upper() for line in path.read_text(encoding="utf-8-sig").splitlines()
    ]
    lines = [line for line in lines if line]
    if lines and not _LSOA.match(lines[0]):
        lines = lines[1:]  # a header row
    return lines


def _sorted(codes: pd.Series) -> pd.Index:
    return pd.Index(sorted(set(codes.astype(str))), name="lsoa_code")
