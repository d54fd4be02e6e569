"""Readers for ONS code lookups (LSOA 2011<->2021, LSOA->sub-ICB->ICB, LSOA->ward->LAD, LAD->upper tier),
the rural-urban classification and Code-Point Open postcode centroids.

Lookups are matched by year-agnostic patterns (``LOC22CD``, ``SICBL24CD``, ``sicbl24_code``...) so next year's
ONS release reads without a code change; the vintage label is taken from the year in the code column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, register, resolve
from geo.sources.validate import check_codes, check_lsoa_codes, check_unique, parse_numbers

CD, NM = r"_?(cd|code)", r"_?(nm|name)"
ICB_COLUMNS = [
    "lsoa_code",
    "lsoa_name",
    "sub_icb_code",
    "sub_icb_code_nhs",
    "sub_icb_name",
    "icb_code",
    "icb_code_nhs",
    "icb_name",
    "lad_code",
    "lad_name",
]
LAD = {"lad_code": rf"(lad|ltla)\d\d{CD}", "lad_name": rf"(lad|ltla)\d\d{NM}"}


def _icb(lsoa: str, sub: str, icb: str) -> dict[str, str]:
    return {
        "lsoa_code": rf"{lsoa}{CD}",
        "lsoa_name": rf"{lsoa}{NM}",
        "sub_icb_code": rf"{sub}{CD}",
        "sub_icb_code_nhs": rf"{sub}(cdh|_code_nhs)",
        "sub_icb_name": rf"{sub}{NM}",
        "icb_code": rf"{icb}{CD}",
        "icb_code_nhs": rf"{icb}(cdh|_code_nhs)",
        "icb_name": rf"{icb}{NM}",
    }


register(
    Layout(
        "lsoa11_lsoa21_lookup",
        "ONS LSOA 2011 to LSOA 2021 to LAD lookup",
        {
            "lsoa11_code": rf"lsoa11{CD}",
            "lsoa11_name": rf"lsoa11{NM}",
            "lsoa21_code": rf"lsoa21{CD}",
            "lsoa21_name": rf"lsoa21{NM}",
            "change": r"chgind|change_indicator",
            **LAD,
        },
        vintage="LSOA 2011-2021",
    ),
    title="ONS LSOA (2011) to LSOA (2021) to LAD lookup",
)
register(
    Layout(
        "lsoa11_icb_lookup",
        "ONS LSOA 2011 to sub-ICB to ICB lookup",
        _icb("lsoa11", r"(loc|sicbl)\d\d", r"icb\d\d"),
        optional=LAD,
    ),
    title="ONS LSOA (2011) to sub-ICB location to ICB lookup",
)
register(
    Layout(
        "lsoa21_icb_lookup",
        "ONS LSOA 2021 to sub-ICB to ICB lookup",
        _icb("lsoa21", r"(loc|sicbl)\d\d", r"icb\d\d"),
        optional=LAD,
    ),
    title="ONS LSOA (2021) to sub-ICB location to ICB lookup",
)
register(
    Layout(
        "lsoa21_ward_lad_lookup",
        "ONS LSOA 2021 to ward to LAD best-fit lookup",
        {
            "lsoa_code": rf"lsoa21{CD}",
            "lsoa_name": rf"lsoa21{NM}",
            "ward_code": rf"wd\d\d{CD}|ward\d\d{CD}",
            "ward_name": rf"wd\d\d{NM}|ward\d\d{NM}",
            **LAD,
        },
    ),
    title="ONS LSOA (2021) to electoral ward to LAD best-fit lookup",
)
register(
    Layout(
        "rural_urban",
        "ONS rural-urban classification of LSOAs",
        {
            "lsoa_code": rf"lsoa21{CD}|lsoa11{CD}",
            "ruc_code": rf"ruc\d\d{CD}|ruc\d\dcd",
            "ruc_class": rf"classification|ruc\d\d{NM}|ruc\d\dnm",
            "ruc": r"ruc|urban_rural|ruc\d\d_broad",
        },
    ),
    title="ONS Rural-Urban Classification of LSOAs",
)
register(
    Layout(
        "lad_utla_lookup",
        "ONS LTLA to UTLA lookup",
        {
            "lad_code": rf"ltla\d\d{CD}",
            "lad_name": rf"ltla\d\d{NM}",
            "utla_code": rf"utla\d\d{CD}",
            "utla_name": rf"utla\d\d{NM}",
        },
    ),
    title="ONS Lower Tier Local Authority to Upper Tier Local Authority lookup",
)


def _pc_headerless(row: list[str]) -> bool:
    return (
        len(row) == 10
        and bool(re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? *\d[A-Z]{2}", row[0].strip()))
        and row[2].strip().isdigit()
        and row[3].strip().isdigit()
    )


register(
    Layout(
        "postcode_centroids",
        "OS Code-Point Open (with header)",
        {"postcode": "postcode", "easting": "eastings?", "northing": "northings?", "lad_code": r"admin_district_code"},
        optional={"quality": r"positional_quality_indicator|pqi"},
        vintage="Code-Point Open",
    ),
    Layout(
        "postcode_centroids",
        "OS Code-Point Open (headerless, 10 fields)",
        {"postcode": "0", "quality": "1", "easting": "2", "northing": "3", "lad_code": "8"},
        shape=_pc_headerless,
        vintage="Code-Point Open",
    ),
    title="OS Code-Point Open postcode centroids",
)
#: Code-Point Open's positional quality indicators (PQI), best first (OS Code-Point Open technical specification):
#: 10 within the building of the matched address closest to the postcode mean (OS, automatic), 20 the same found
#: by visual inspection (National Records of Scotland), 30 within 50 m, 40 the mean of formerly matched
#: addresses, 50 estimated from the surrounding postcodes, 60 the postcode sector mean, 90 no coordinates.
POSITIONAL_QUALITY = (10, 20, 30, 40, 50, 60, 90)


def codepoint_vintage(path: str | Path) -> str:
    """The Code-Point Open release a file name states ("codepoint_open_2025-10_em_oxon.csv" -> "Code-Point Open
    2025-10"); the rows themselves carry no date.

    Examples
    --------
    >>> codepoint_vintage("codepoint_open_2025-10_em_oxon.csv"), codepoint_vintage("codepo_gb_202510.csv")
    ('Code-Point Open 2025-10', 'Code-Point Open 2025-10')
    >>> codepoint_vintage("le.csv")
    'Code-Point Open'
    """
    found = re.search(r"(?<!\d)(20\d\d)[-_]?(0[1-9]|1[0-2])(?!\d)", Path(path).stem)
    return f"Code-Point Open {found.group(1)}-{found.group(2)}" if found else "Code-Point Open"


def _year(column: str) -> str:
    found = re.search(r"(\d\d)", column)
    return f"20{found.group(1)}" if found else ""


def _read(
    path: str | Path,
    dataset: str,
    order: list[str],
    lsoa: tuple[str, ...] = ("lsoa_code",),
    unique: str | None = "lsoa_code",
) -> tuple[pd.DataFrame, object]:
    s, lay, cols = resolve(path, dataset)
    df = read_table(s, list(cols.values()))
    for name in lsoa:
        check_lsoa_codes(df[cols[name]], file=s.path, column=cols[name])
    if unique:
        check_unique(df[cols[unique]], file=s.path, column=cols[unique])
    out = df.rename(columns={v: k for k, v in cols.items()})
    return out, (s, lay, cols)


def read_lsoa11_lsoa21_lookup(path: str | Path) -> pd.DataFrame:
    """Read the ONS LSOA 2011 -> 2021 lookup: ``lsoa11_code, lsoa11_name, lsoa21_code, lsoa21_name, change
    (U unchanged, S split, M merged, X irregular), lad_code, lad_name``.

    Examples
    --------
    >>> lk = read_lsoa11_lsoa21_lookup("lsoa11_lsoa21_lad22_lookup.csv")  # doctest: +SKIP
    >>> lk.change.value_counts().to_dict()  # doctest: +SKIP
    {'U': 33647, 'S': 1900, 'M': 239, 'X': 10}
    """
    out, (s, lay, cols) = _read(path, "lsoa11_lsoa21_lookup", [], ("lsoa11_code", "lsoa21_code"), unique=None)
    check_codes(out.change, r"[USMX]", "a change indicator", file=s.path, column=cols["change"])
    order = ["lsoa11_code", "lsoa11_name", "lsoa21_code", "lsoa21_name", "change", "lad_code", "lad_name"]
    return finish(out, s, lay, cols, order, vintage=f"LSOA 2011-2021, LAD {_year(cols['lad_code'])}")


def _read_icb(path: str | Path, dataset: str) -> pd.DataFrame:
    out, (s, lay, cols) = _read(path, dataset, ICB_COLUMNS)
    check_codes(out.icb_code, r"E54\d{6}", "an ONS ICB code", file=s.path, column=cols["icb_code"])
    check_codes(out.sub_icb_code, r"E38\d{6}", "an ONS sub-ICB code", file=s.path, column=cols["sub_icb_code"])
    vintage = f"ICB {_year(cols['icb_code'])}"
    return finish(out, s, lay, cols, ICB_COLUMNS, vintage=vintage, lsoa_vintage=int(_year(cols["lsoa_code"])))


def read_lsoa11_icb_lookup(path: str | Path) -> pd.DataFrame:
    """Read the LSOA 2011 -> sub-ICB -> ICB lookup: ``lsoa_code, lsoa_name, sub_icb_code, sub_icb_code_nhs,
    sub_icb_name, icb_code, icb_code_nhs, icb_name`` (+ ``lad_code, lad_name`` when present).

    Examples
    --------
    >>> (read_lsoa11_icb_lookup("lsoa11_subicb22_icb22_lad22_lookup.csv").icb_code_nhs == "QK1").sum()  # doctest: +SKIP
    611
    """
    return _read_icb(path, "lsoa11_icb_lookup")


def read_lsoa21_icb_lookup(path: str | Path) -> pd.DataFrame:
    """Read the LSOA 2021 -> sub-ICB -> ICB lookup, same columns as :func:`read_lsoa11_icb_lookup`.

    Examples
    --------
    >>> (read_lsoa21_icb_lookup("lsoa21_sicbl24_icb24_lookup.csv").icb_code_nhs == "QK1").sum()  # doctest: +SKIP
    634
    """
    return _read_icb(path, "lsoa21_icb_lookup")


def read_lsoa21_ward_lad_lookup(path: str | Path) -> pd.DataFrame:
    """Read the LSOA 2021 -> ward -> LAD best-fit lookup: ``lsoa_code, lsoa_name, ward_code, ward_name, lad_code,
    lad_name``.

    Examples
    --------
    >>> read_lsoa21_ward_lad_lookup("lsoa21_ward24_lad24_lookup.csv").lad_code.nunique()  # doctest: +SKIP
    318
    """
    out, (s, lay, cols) = _read(path, "lsoa21_ward_lad_lookup", [])
    order = ["lsoa_code", "lsoa_name", "ward_code", "ward_name", "lad_code", "lad_name"]
    return finish(out, s, lay, cols, order, vintage=f"ward/LAD {_year(cols['ward_code'])}", lsoa_vintage=2021)


def read_rural_urban(path: str | Path) -> pd.DataFrame:
    """Read the rural-urban classification: ``lsoa_code, ruc_code, ruc_class`` (long text), ``ruc_broad``.

    Examples
    --------
    >>> read_rural_urban("ruc21_lsoa21.csv").ruc_broad.unique().tolist()  # doctest: +SKIP
    ['Urban', 'Rural']
    """
    out, (s, lay, cols) = _read(path, "rural_urban", [])
    out = out.rename(columns={"ruc": "ruc_broad"})
    broad = out.ruc_broad.astype("str").str.strip().str.capitalize()
    check_codes(broad, r"Urban|Rural", "Urban or Rural", file=s.path, column=cols["ruc"])
    out["ruc_broad"] = broad
    year = _year(cols["ruc_code"])
    return finish(
        out,
        s,
        lay,
        cols,
        ["lsoa_code", "ruc_code", "ruc_class", "ruc_broad"],
        vintage=f"RUC {year}",
        lsoa_vintage=int(_year(cols["lsoa_code"])),
    )


def read_lad_utla_lookup(path: str | Path) -> pd.DataFrame:
    """Read an ONS LTLA -> UTLA lookup: ``lad_code, lad_name, utla_code, utla_name``.

    Examples
    --------
    >>> read_lad_utla_lookup("LTLA23_UTLA23_EW_LU.csv").columns.tolist()  # doctest: +SKIP
    ['lad_code', 'lad_name', 'utla_code', 'utla_name']
    """
    s, lay, cols = resolve(path, "lad_utla_lookup")
    df = read_table(s, list(cols.values()))
    check_unique(df[cols["lad_code"]], file=s.path, column=cols["lad_code"], what="district")
    out = df.rename(columns={v: k for k, v in cols.items()})
    return finish(
        out, s, lay, cols, ["lad_code", "lad_name", "utla_code", "utla_name"], vintage=f"LAD {_year(cols['lad_code'])}"
    )


#: Exactly the characters Python's ``\s`` matches in text (``str.isspace``), as an RE2 class for Arrow.
_WHITESPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}]+"
)


def normalise_postcode(postcodes: pd.Series) -> pd.Series:
    """Upper-case postcodes with one space before the inward code ("le11aa" -> "LE1 1AA").

    Examples
    --------
    >>> normalise_postcode(pd.Series(["LE1  1AA", "le11 2ab", "B11AA"])).tolist()
    ['LE1 1AA', 'LE11 2AB', 'B1 1AA']
    """
    compact = postcodes.astype("str").str.upper()
    try:
        # Arrow, with Python's whitespace spelled out for RE2 (pandas runs "\s+" through Python's re row by row);
        # plain spaces go first, literally, and the regex runs only if anything else is left.
        stripped = pc.replace_substring(pa.array(compact, from_pandas=True), pattern=" ", replacement="")
        if pc.any(pc.match_substring_regex(stripped, pattern=_WHITESPACE)).as_py():
            stripped = pc.replace_substring_regex(stripped, pattern=_WHITESPACE, replacement="")
        compact = pd.Series(pd.array(stripped, dtype=compact.dtype), index=compact.index, name=compact.name)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        compact = compact.str.replace(r"\s+", "", regex=True)
    return compact.str[:-3] + " " + compact.str[-3:]


def read_postcode_centroids(path: str | Path) -> pd.DataFrame:
    """Read Code-Point Open centroids: ``postcode`` (single space), ``easting, northing`` (BNG metres),
    ``lad_code`` and ``quality`` (the positional quality indicator, one of :data:`POSITIONAL_QUALITY`; left out
    of a copy whose header lacks it). Accepts the official headerless 10-field CSV and copies with the documented
    header.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "le.csv"
    >>> _ = p.write_text('"LE1  1AA",10,459318,304176,"E92000001","E19000001","E18000004","","E06000016","E05010463"\\n')
    >>> read_postcode_centroids(p).postcode.tolist()
    ['LE1 1AA']
    """
    s, lay, cols = resolve(path, "postcode_centroids")
    if lay.shape is not None:
        s.headerless, s.first_row = True, s.columns
        s.columns = [str(i) for i in range(len(s.first_row))]
    df = read_table(s, list(cols.values()))
    out = pd.DataFrame({"postcode": normalise_postcode(df[cols["postcode"]])})
    for name in ("easting", "northing"):
        out[name] = parse_numbers(df[cols[name]], file=s.path, column=cols[name], count=True).astype("int64")
    out["lad_code"] = df[cols["lad_code"]]
    if "quality" in cols:
        quality = parse_numbers(df[cols["quality"]], file=s.path, column=cols["quality"], count=True)
        check_codes(
            quality.astype("int64").astype("str"),
            "|".join(str(q) for q in POSITIONAL_QUALITY),
            "a positional quality indicator",
            file=s.path,
            column=cols["quality"],
        )
        out["quality"] = quality.astype("int64")
    check_unique(out.postcode, file=s.path, column=cols["postcode"], what="postcode")
    order = ["postcode", "easting", "northing", "lad_code", "quality"]
    return finish(out, s, lay, cols, order, vintage=codepoint_vintage(s.path))
