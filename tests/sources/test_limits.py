"""Bounds checked before a user's table is parsed (geo/sources/limits.py)."""

from __future__ import annotations

import pytest

from geo.errors import DataError
from geo.sources.limits import MAX_COLUMNS, check_table
from geo.sources.memory import MemoryFile
from geo.sources.uploads import open_upload, read_table


def ragged(fields: int, row: int = 2) -> bytes:
    """A two-column plan whose data row ``row`` has ``fields`` fields."""
    rows = [b"G0000,North"] * (row - 1) + [b"G0001,South" + b",x" * (fields - 2), b"G0002,North"]
    return b"lsoa_code,neighbourhood\n" + b"\n".join(rows) + b"\n"


def test_a_row_of_a_million_fields_is_refused_before_any_parse():
    """A 2 MB file of one ragged row: pandas spends minutes and gigabytes on it before reporting the row, so the
    byte count refuses it first, naming its row and the limit."""
    with pytest.raises(DataError, match="MAX_COLUMNS") as refused:
        check_table(ragged(1_000_000, row=3), file="ragged.csv")
    assert refused.value.row == 3 and "ragged.csv" in str(refused.value)
    # The same file through the upload reader: the one error, never a parse.
    with pytest.raises(DataError, match="MAX_COLUMNS"):
        read_table(open_upload(MemoryFile("ragged.csv", ragged(1_000_000)), "plan"))


def test_a_row_at_the_limit_and_quoted_names_pass():
    check_table(ragged(MAX_COLUMNS + 1), file="wide.csv")  # MAX_COLUMNS commas: MAX_COLUMNS + 1 fields at most
    check_table(b'lsoa_code,neighbourhood\nG0000,"North, East, and West"\n', file="names.csv")
    with pytest.raises(DataError, match="MAX_COLUMNS"):
        check_table(ragged(MAX_COLUMNS + 2), file="wide.csv")
