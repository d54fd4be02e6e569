"""Readers for what a practice's list looks like: QOF disease registers and patients by sex and 5-year age band.

QOF ``PREVALENCE_yyyy.csv`` has one row per practice and register with the register count and the list size of
the age group the register is defined on (``TOTAL`` all ages, ``06OV``, ``16OV``, ``17OV``, ``18OV``, ``50OV``);
a register much larger than its list is refused. ``gp-reg-pat-prac-quin-age.csv`` holds practices and
their PCN, sub-ICB, ICB and region totals; the reader keeps the practices (``ORG_TYPE`` GP), checks that the
FEMALE and MALE bands add up to each practice's ALL/ALL total (and to the per-sex totals), and returns the bands,
so the list size is their sum.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import DataError
from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, register, resolve
from geo.sources.practices import _month
from geo.sources.validate import check_codes, check_unique, parse_numbers

QOF_COLUMNS = ["practice_code", "register", "patients", "list_type", "list_size"]
AGE_COLUMNS = ["practice_code", "sex", "age_band", "patients"]
PRACTICE_CODE = r"[A-Z][A-Z0-9]{4,7}"
#: A register may exceed its list size by this factor (see read_qof_prevalence).
REGISTER_SLACK = 1.1

register(
    Layout(
        "qof_prevalence",
        "NHS England QOF PREVALENCE (registers by practice)",
        {
            "practice_code": "practice_code",
            "register": "group_code",
            "patients": "register",
            "list_type": "patient_list_type",
            "list_size": "practice_list_size",
        },
    ),
    title="NHS England Quality and Outcomes Framework, disease registers by practice",
)
register(
    Layout(
        "practice_ages",
        "NHS England gp-reg-pat-prac-quin-age",
        {
            "extract_date": "extract_date",
            "org_type": "org_type",
            "practice_code": "org_code",
            "sex": "sex",
            "age_band": "age_group_5",
            "patients": "number_of_patients",
        },
    ),
    title="NHS England, Patients Registered at a GP Practice by sex and 5-year age band",
)


def qof_year(path: str | Path) -> str:
    """The QOF year a file name states ("PREVALENCE_2425.csv" -> "QOF 2024-25"); the file itself does not say.

    Examples
    --------
    >>> qof_year("qof_prevalence_by_practice_2024-25.csv"), qof_year("PREVALENCE_2425.csv"), qof_year("q.csv")
    ('QOF 2024-25', 'QOF 2024-25', 'QOF (year not in the file name)')
    """
    found = re.search(r"(?:20)?(\d\d)-?(\d\d)(?!\d)", Path(path).stem)
    if found and int(found.group(2)) == (int(found.group(1)) + 1) % 100:
        return f"QOF 20{found.group(1)}-{found.group(2)}"
    return "QOF (year not in the file name)"


def read_qof_prevalence(path: str | Path) -> pd.DataFrame:
    """Read QOF registers as ``practice_code, register`` (group code: AF, HYP...), ``patients`` (on the register),
    ``list_type`` (the age group of the denominator) and ``list_size`` (patients of that age group), int64 counts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "PREVALENCE_2425.csv"
    >>> _ = p.write_text("PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,PRACTICE_LIST_SIZE\\n"
    ...                  "A81001,AF,113.0,TOTAL,3904\\nA81001,AST,324.0,06OV,3687\\n")
    >>> q = read_qof_prevalence(p)
    >>> q.patients.tolist(), q.attrs["vintage"]
    ([113, 324], 'QOF 2024-25')
    """
    s, lay, cols = resolve(path, "qof_prevalence")
    df = read_table(s, list(cols.values()))
    out = pd.DataFrame({k: df[cols[k]].astype("str").str.strip() for k in ("practice_code", "register", "list_type")})
    check_codes(out.practice_code, PRACTICE_CODE, "a GP practice code", file=s.path, column=cols["practice_code"])
    check_codes(out.register, r"[A-Z]{2,6}", "a QOF register code", file=s.path, column=cols["register"])
    check_codes(out.list_type, r"TOTAL|\d\dOV", "a QOF list type", file=s.path, column=cols["list_type"])
    check_unique(
        out.practice_code + " " + out.register, file=s.path, column=cols["register"], what="practice and register"
    )
    for name in ("patients", "list_size"):
        out[name] = parse_numbers(df[cols[name]], file=s.path, column=cols[name], count=True).astype("int64")
    # Registers are counted at the year end and list sizes earlier in the year, so a practice whose whole list is
    # on a register (2024-25: Y05750, learning disability 120 of 119) can exceed its list by a little; far more
    # than the list means the columns are swapped or shifted.
    over = out.patients > np.floor(out.list_size * REGISTER_SLACK)
    if over.any():
        i = int(np.flatnonzero(over.to_numpy())[0])
        raise DataError(
            f"register of {out.patients.iloc[i]} patients is larger than the list of {out.list_size.iloc[i]}",
            file=s.path,
            row=i + 1,
            column=cols["patients"],
            expected=f"a register count at most {REGISTER_SLACK:g} times the list size it is a share of",
        )
    return finish(out, s, lay, cols, QOF_COLUMNS, vintage=qof_year(s.path))


def _band_start(band: pd.Series) -> pd.Series:
    """First age of each band ("0_4" -> 0, "95+" -> 95), parsed once per distinct band (there are 20)."""
    codes, uniques = pd.factorize(band)
    starts = pd.to_numeric(pd.Series(uniques, dtype=object).str.extract(r"^(\d+)", expand=False), errors="coerce")
    starts = starts.to_numpy()
    if (codes < 0).any():
        starts = np.append(starts.astype(float), np.nan)  # a missing band (code -1) has no start
    return pd.Series(starts[codes], index=band.index)


def read_practice_ages(path: str | Path) -> pd.DataFrame:
    """Read registered patients of each practice as ``practice_code, sex`` (FEMALE/MALE), ``age_band`` (``0_4`` ...
    ``90_94``, ``95+``), ``patients`` (int64), sorted by practice, sex and age. ``attrs["extract_date"]``.

    PCN, sub-ICB, ICB and region rows are dropped; a practice's list size is the sum of its rows, which the
    reader has checked against the published ALL/ALL total.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "q.csv"
    >>> rows = ["GP,A81001,ALL,ALL,9", "GP,A81001,FEMALE,0_4,4", "GP,A81001,MALE,0_4,5", "ICB,QHM,ALL,ALL,9"]
    >>> _ = p.write_text("PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\\n"
    ...                  + "".join(f"GP_PRAC_PAT_LIST,2026-07-01,{r}\\n" for r in rows))
    >>> a = read_practice_ages(p)
    >>> a.patients.tolist(), a.attrs["vintage"]
    ([4, 5], '2026-07')
    """
    s, lay, cols = resolve(path, "practice_ages")
    df = read_table(s, list(cols.values()))
    sex = df[cols["sex"]].astype("str").str.strip().str.upper()
    band = df[cols["age_band"]].astype("str").str.strip().str.upper()
    check_codes(sex, r"ALL|FEMALE|MALE", "ALL, FEMALE or MALE", file=s.path, column=cols["sex"])
    check_codes(band, r"ALL|\d{1,3}_\d{1,3}|\d{1,3}\+", "a 5-year age band", file=s.path, column=cols["age_band"])
    patients = parse_numbers(df[cols["patients"]], file=s.path, column=cols["patients"], count=True).astype("int64")
    org = df[cols["org_type"]].astype("str").str.strip().str.upper()
    gp = org == "GP"
    if not gp.any():
        raise DataError(
            "no practice rows (ORG_TYPE GP)",
            file=s.path,
            row=0,
            column=cols["org_type"],
            expected="rows for GP practices as well as PCN, ICB and region totals",
        )
    codes = df[cols["practice_code"]].astype("str").str.strip()
    # Checks run on every row so the row they name is the row of the file; only practice codes have a pattern.
    check_codes(
        codes.where(gp, "A00000"), PRACTICE_CODE, "a GP practice code", file=s.path, column=cols["practice_code"]
    )
    check_unique(
        org + " " + codes + " " + sex + " " + band,
        file=s.path,
        column=cols["age_band"],
        what="organisation, sex and age band",
    )
    frame = pd.DataFrame({"practice_code": codes, "sex": sex, "age_band": band, "patients": patients})[gp]
    _check_totals(frame, s.path, cols)
    bands = frame[(frame.sex != "ALL") & (frame.age_band != "ALL")]
    order = bands.assign(_start=_band_start(bands.age_band)).sort_values(["practice_code", "sex", "_start"])
    extract = str(df[cols["extract_date"]].iloc[0])
    return finish(order, s, lay, cols, AGE_COLUMNS, vintage=_month(extract), extract_date=extract)


def _check_totals(frame: pd.DataFrame, file, cols: dict[str, str]) -> None:
    """Every practice has one ALL/ALL total equal to its FEMALE + MALE bands; per-sex totals match their bands."""
    is_band = frame.age_band != "ALL"
    totals = frame[(frame.sex == "ALL") & ~is_band].set_index("practice_code").patients
    practices = frame.drop_duplicates("practice_code")
    lacking = ~practices.practice_code.isin(totals.index)
    if lacking.any():
        first = practices[lacking].iloc[0]
        raise DataError(
            f"practice {first.practice_code} has no ALL/ALL total row",
            file=file,
            row=int(practices[lacking].index[0]) + 1,
            column=cols["sex"],
            expected="one SEX=ALL, AGE_GROUP_5=ALL row per practice holding its list size",
        )
    band_rows = frame[is_band & (frame.sex != "ALL")]
    checks = [("ALL", totals, band_rows.groupby("practice_code").patients.sum(), "FEMALE and MALE age bands")]
    for each in ("FEMALE", "MALE"):
        stated = frame[(frame.sex == each) & ~is_band].set_index("practice_code").patients
        summed = band_rows[band_rows.sex == each].groupby("practice_code").patients.sum()
        checks.append((each, stated, summed, f"{each} age bands"))
    for sex, stated, summed, what in checks:
        counted = summed.reindex(stated.index, fill_value=0)
        wrong = stated != counted
        if wrong.any():
            code = stated.index[wrong.to_numpy()][0]
            at = frame[(frame.practice_code == code) & (frame.sex == sex) & ~is_band].index[0]
            raise DataError(
                f"practice {code}: {sex}/ALL total {stated[code]} is not the sum of its {what} ({counted[code]})",
                file=file,
                row=int(at) + 1,
                column=cols["patients"],
                expected="each total to equal the sum of the age bands it covers",
            )
