"""Reader for Census 2021 TS021 "Ethnic group" by LSOA 2021: the five high-level groups and the total.

The Nomis bulk file (``census2021-ts021-lsoa.csv``) has 28 columns: ``date, geography, geography code``, the
total of all usual residents, then each of the five high-level groups followed by its detailed categories. The
planner uses the five groups; the reader checks on every row that they sum to the total, which is what catches a
shifted or mislabelled column. Some Nomis extracts suffix each header with ``; measures: Value``; both read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.contract import ETHNICITY_COLUMNS
from geo.errors import DataError
from geo.sources.io import read_table
from geo.sources.layouts import Layout, finish, lit, register, resolve
from geo.sources.validate import check_lsoa_codes, check_unique, parse_numbers

#: Our column -> the TS021 high-level group it counts, in the published column order.
ETHNIC_GROUPS = {
    "ethnicity_asian": "Ethnic group: Asian, Asian British or Asian Welsh",
    "ethnicity_black": "Ethnic group: Black, Black British, Black Welsh, Caribbean or African",
    "ethnicity_mixed": "Ethnic group: Mixed or Multiple ethnic groups",
    "ethnicity_white": "Ethnic group: White",
    "ethnicity_other": "Ethnic group: Other ethnic group",
}
assert ETHNICITY_COLUMNS == [*ETHNIC_GROUPS, "ethnicity_total"]
_MEASURE = r"(?:; measures: value)?"

register(
    Layout(
        "ethnicity_census2021",
        "Census 2021 TS021 ethnic group (Nomis bulk, LSOA 2021)",
        {
            "lsoa_code": r"geography code",
            "lsoa_name": r"geography",
            "ethnicity_total": lit("Ethnic group: Total: All usual residents") + _MEASURE,
            **{ours: lit(header) + _MEASURE for ours, header in ETHNIC_GROUPS.items()},
        },
        vintage="Census 2021",
    ),
    title="ONS Census 2021 TS021 ethnic group (usual residents)",
)


def read_ethnicity_census2021(path: str | Path) -> pd.DataFrame:
    """Read TS021 as ``lsoa_code, lsoa_name, ethnicity_asian, ethnicity_black, ethnicity_mixed, ethnicity_white,
    ethnicity_other, ethnicity_total`` (usual residents, int64), one row per LSOA 2021 of England and Wales.

    Raises
    ------
    DataError
        Naming file, row and column: a code that is not an LSOA, a repeated LSOA, a count that is not a whole
        number of people, or five groups that do not sum to the total.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> header = ["date", "geography", "geography code", "Ethnic group: Total: All usual residents",
    ...           *(f'"{h}"' for h in ETHNIC_GROUPS.values())]
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ts021.csv"
    >>> _ = p.write_text(",".join(header) + "\\n2021,City of London 001A,E01000001,1474,158,25,76,1178,37\\n")
    >>> e = read_ethnicity_census2021(p)
    >>> e.ethnicity_asian.tolist(), e.ethnicity_total.tolist(), e.attrs["vintage"]
    ([158], [1474], 'Census 2021')
    """
    s, lay, cols = resolve(path, "ethnicity_census2021")
    df = read_table(s, list(cols.values()))
    codes = df[cols["lsoa_code"]].astype("str").str.strip()
    check_lsoa_codes(codes, file=s.path, column=cols["lsoa_code"])
    check_unique(codes, file=s.path, column=cols["lsoa_code"], what="LSOA")
    out = pd.DataFrame({"lsoa_code": codes, "lsoa_name": df[cols["lsoa_name"]]})
    for name in ETHNICITY_COLUMNS:
        out[name] = parse_numbers(df[cols[name]], file=s.path, column=cols[name], count=True).astype("int64")
    groups = out[list(ETHNIC_GROUPS)].sum(axis=1)
    gap = groups != out.ethnicity_total
    if gap.any():
        i = int(np.flatnonzero(gap.to_numpy())[0])
        raise DataError(
            f"total {out.ethnicity_total.iloc[i]} is not the sum of the five ethnic groups ({groups.iloc[i]})",
            file=s.path,
            row=i + 1,
            column=cols["ethnicity_total"],
            expected="Asian + Black + Mixed + White + Other = all usual residents on every row",
        )
    return finish(out, s, lay, cols, ["lsoa_code", "lsoa_name", *ETHNICITY_COLUMNS], lsoa_vintage=2021)
