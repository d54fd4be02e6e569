"""The parsed-source cache serves the reader's own frame back, and never a stale, damaged or refused one."""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import box

from geo.errors import DataError
from geo.sources import discover
from geo.sources.boundaries import read_lsoa21_boundaries
from geo.sources.parsed import entry, file_sha256, read_parsed, read_rows
from geo.sources.population import read_population_census2021

CENSUS = (
    "lsoa21_code,lsoa21_name,usual_residents_total,Aged 15 years and under,Aged 16 to 24 years,"
    "Aged 25 to 34 years,Aged 35 to 49 years,Aged 50 to 64 years,Aged 65 years and over\n"
)
ROW = "{code},Somewhere {n},{total},{a},100,100,100,100,100\n"


def census(tmp_path, totals: dict[str, int]):
    path = tmp_path / "census.csv"
    rows = [ROW.format(code=c, n=i, total=t, a=t - 500) for i, (c, t) in enumerate(totals.items())]
    path.write_text(CENSUS + "".join(rows))
    return path


class Counting:
    """A reader that counts its calls, to tell a parse from a cache hit."""

    def __init__(self, reader):
        self.reader, self.calls = reader, 0

    def __call__(self, path):
        self.calls += 1
        return self.reader(path)


def test_second_read_comes_from_the_cache_with_the_same_frame_and_attrs(tmp_path):
    path = census(tmp_path, {"E01000001": 600, "E01000002": 700})
    reader = Counting(read_population_census2021)
    first = read_parsed("population_census2021", path, reader, tmp_path / "cache")
    again = read_parsed("population_census2021", path, reader, tmp_path / "cache")
    assert reader.calls == 1
    pd.testing.assert_frame_equal(again, first)
    assert again.attrs == first.attrs and again.attrs["vintage"]


def test_an_edited_file_is_parsed_again(tmp_path):
    path = census(tmp_path, {"E01000001": 600})
    reader = Counting(read_population_census2021)
    read_parsed("population_census2021", path, reader, tmp_path / "cache")
    census(tmp_path, {"E01000001": 650})
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a new time, as any edit gives
    assert read_parsed("population_census2021", path, reader, tmp_path / "cache").population.tolist() == [650]
    assert reader.calls == 2


def test_a_damaged_entry_is_parsed_again_not_trusted(tmp_path):
    path = census(tmp_path, {"E01000001": 600})
    reader = Counting(read_population_census2021)
    read_parsed("population_census2021", path, reader, tmp_path / "cache")
    entry("population_census2021", path, tmp_path / "cache").write_bytes(b"PAR1 not really parquet")
    assert read_parsed("population_census2021", path, reader, tmp_path / "cache").population.tolist() == [600]
    assert reader.calls == 2


def test_a_refused_file_is_never_cached_and_refused_again(tmp_path):
    path = tmp_path / "census.csv"
    path.write_text(CENSUS + ROW.format(code="E0100000X", n=1, total=600, a=100))
    for _ in range(2):
        with pytest.raises(DataError) as error:
            read_parsed("population_census2021", path, read_population_census2021, tmp_path / "cache")
        assert error.value.row == 1
    assert not list((tmp_path / "cache").glob("sources/*.parquet"))


def test_rows_of_a_layer_are_read_alone_with_geometry_and_crs(tmp_path):
    import geopandas as gpd

    path = tmp_path / "b.gpkg"
    codes = [f"E0100000{i}" for i in range(1, 6)]
    gpd.GeoDataFrame(
        {"LSOA21CD": codes, "LSOA21NM": [f"A 00{i}A" for i in range(5)]},
        geometry=[box(530000 + 1000 * i, 180000, 531000 + 1000 * i, 181000) for i in range(5)],
        crs=27700,
    ).to_file(path)
    assert read_rows("lsoa21_boundaries", path, "lsoa_code", codes[:2], tmp_path / "cache") is None  # no entry yet
    whole = read_parsed("lsoa21_boundaries", path, read_lsoa21_boundaries, tmp_path / "cache")
    part = read_rows("lsoa21_boundaries", path, "lsoa_code", [codes[3], codes[1]], tmp_path / "cache")
    expected = whole[whole.lsoa_code.isin([codes[1], codes[3]])].reset_index(drop=True)
    assert_geodataframe_equal(part, expected)
    assert part.crs.to_epsg() == 27700 and part.attrs == whole.attrs


def test_catalogue_rows_are_the_same_with_and_without_the_cache(tmp_path):
    path = census(tmp_path, {"E01000001": 600, "E01000002": 700, "E01000003": 800})
    wanted = ["E01000003", "E01000001"]
    plain = discover(tmp_path).read_rows("population_census2021", "lsoa_code", wanted)
    cached = discover(tmp_path)
    cached.cache_dir = tmp_path / "cache"
    cached.read("population_census2021")  # fills the entry
    fresh = discover(tmp_path)
    fresh.cache_dir = tmp_path / "cache"
    assert fresh.is_parsed("population_census2021") and not discover(tmp_path).is_parsed("population_census2021")
    rows = fresh.read_rows("population_census2021", "lsoa_code", wanted)
    pd.testing.assert_frame_equal(rows, plain)
    assert rows.lsoa_code.tolist() == ["E01000001", "E01000003"] and rows.attrs == plain.attrs
    assert path.is_file()


def test_a_file_copied_over_with_the_same_size_and_time_is_hashed_again(tmp_path):
    # The checksum memo is keyed by path, size, modification time and inode: a copy that keeps the old time (cp -p, a
    # download tool keeping the server's) is a new inode, so it is hashed again, in this process and the next.
    path, other = tmp_path / "a.csv", tmp_path / "b.csv"
    path.write_text("a,b\n1,2\n")
    first = file_sha256(path, tmp_path / "memo")
    assert file_sha256(path, tmp_path / "memo") == first == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    other.write_text("a,b\n1,3\n")
    stat = path.stat()
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, path)
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert file_sha256(path, tmp_path / "memo") == hashlib.sha256(b"a,b\n1,3\n").hexdigest()


def test_a_file_rewritten_in_place_to_the_same_size_and_time_is_hashed_again(tmp_path):
    # Same inode, same size, modification time set back (``touch -d``, ``cp -p`` over an existing file): only the
    # change time, which no user tool can set back, tells the memo the bytes changed.
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n")
    stat = path.stat()
    assert file_sha256(path, tmp_path / "memo") == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    with open(path, "r+b") as handle:
        handle.write(b"a,b\n1,3\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    while path.stat().st_ctime_ns == stat.st_ctime_ns:  # the kernel's clock is coarse (a tick): wait for the next
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    now = path.stat()
    assert (now.st_ino, now.st_size, now.st_mtime_ns) == (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    assert file_sha256(path, tmp_path / "memo") == hashlib.sha256(b"a,b\n1,3\n").hexdigest()
