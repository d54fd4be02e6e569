"""Edges of issue 15 outside the API: archive bombs at every reader, and the command line's terminal output.

- Every reader that opens a zip (official files through ``sniff``, UEC extracts, zipped-shapefile plans) refuses an
  archive that inflates beyond its stated limit before decompressing it.
- The CLI writes no control characters to the terminal, answers a bad option in one line, refuses ``--out`` into a
  missing folder (and creates none), never says "row 0", and calls a binary UEC extract binary.
"""

from __future__ import annotations

import unicodedata
import zipfile

import pytest

from geo.errors import DataError
from geo.testing import grid_atlas


def _bomb(path, inflated: int, member: str, extra: dict | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
        with archive.open(member, "w") as out:
            for _ in range(inflated // 1_000_000):
                out.write(b" " * 1_000_000)
    return path


def _readers(tmp_path):
    from geo.plan.io import read_plan
    from geo.sources.archives import BOMB_MIN_BYTES
    from geo.sources.io import sniff
    from geo.uec.importer import read_uec_extract

    atlas = grid_atlas(2, 2)
    xlsx = {"[Content_Types].xml": "<Types/>"}
    return {
        "official file (sniff)": lambda: sniff(
            _bomb(tmp_path / "iod.xlsx", BOMB_MIN_BYTES + 10_000_000, "xl/worksheets/sheet1.xml", xlsx)
        ),
        "UEC extract (xlsx)": lambda: read_uec_extract(
            _bomb(tmp_path / "uec.xlsx", 20_000_000, "xl/worksheets/sheet1.xml", xlsx), atlas
        ),
        "UEC extract named .csv": lambda: read_uec_extract(_bomb(tmp_path / "uec.csv", 20_000_000, "a.csv"), atlas),
        "zipped shapefile plan": lambda: read_plan(_bomb(tmp_path / "plan.zip", 20_000_000, "plan.shp"), atlas),
    }


@pytest.mark.parametrize(
    "reader", ["official file (sniff)", "UEC extract (xlsx)", "UEC extract named .csv", "zipped shapefile plan"]
)
def test_every_reader_refuses_an_archive_bomb(tmp_path, reader):
    with pytest.raises(DataError) as refused:
        _readers(tmp_path)[reader]()
    assert "zip bomb" in refused.value.message


def test_the_reader_list_covers_every_zip_reader(tmp_path):
    assert len(_readers(tmp_path)) == 4


def _run(argv, capsys):
    from cli import main

    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_printable_drops_every_control_and_format_character():
    from geo.names import printable

    every = "".join(chr(c) for c in range(0x3000)) + "\U000e0001\ufeff\u2066\u2069"
    kept = printable("\x1b[2J\x1b]0;title\x07" + every)
    assert not [c for c in kept if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} and c not in "\n\t"]
    assert "[2J" not in kept and "title" not in kept


def test_terminal_output_carries_no_control_characters(tmp_path, monkeypatch, capsys):
    from geo.settings import get_settings

    monkeypatch.setenv("NHP_HOME_DIR", str(tmp_path))
    monkeypatch.delenv("NHP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        status, out, err = _run(["keys", "create", "--name", "\x1b[31mred\u202e\x07", "--role", "viewer"], capsys)
    finally:
        get_settings.cache_clear()
    assert status == 2 and err.count("\n") == 1
    assert not [c for c in out + err if unicodedata.category(c) in {"Cc", "Cf"} and c not in "\n"]


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "p.csv", "--format", "yaml"],
        ["keys", "create", "--name", "a", "--role", "king"],
        ["propose", "--nest", "x"],
        ["hotspots", "--demo"],
    ],
)
def test_a_bad_option_is_one_line(argv, capsys):
    status, out, err = _run(argv, capsys)
    assert status == 2 and out == "" and err.count("\n") == 1 and "usage:" not in err, err


@pytest.mark.parametrize("command", [["propose", "--demo"], ["hotspots", "--demo"], ["map", "--demo"]])
def test_out_into_a_missing_folder_is_an_error_and_creates_nothing(tmp_path, capsys, command):
    missing = tmp_path / "no" / "such"
    status, _, err = _run([*command, "--out", str(missing / "p.csv")], capsys)
    assert status == 2 and "does not exist" in err and not (tmp_path / "no").exists()


def test_no_error_says_row_0():
    from cli import describe

    error = DataError("no LSOA code column", file="plan.csv", row=0, column="lsoa_code")
    assert "row 0" not in describe(error) and "header row" in describe(error)
    assert "row 3" in describe(DataError("bad", file="plan.csv", row=3))


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, b"PK\x03\x04" + b"\x00" * 64, b"\x7fELF\x02\x01\x01" + bytes(200)],
)
def test_a_binary_uec_extract_is_called_binary(tmp_path, content):
    from geo.uec.importer import read_uec_extract

    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as refused:
        read_uec_extract(path, grid_atlas(2, 2))
    assert "binary" in refused.value.message or "zip" in refused.value.message, refused.value.message
    assert refused.value.file == "extract.csv"


def test_the_bomb_is_small(tmp_path):
    path = _bomb(tmp_path / "x.zip", 20_000_000, "a.csv")
    assert path.stat().st_size < 50_000, "the bombs above are small files that inflate 1,000 to 1"
