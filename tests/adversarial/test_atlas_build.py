"""A failed atlas build leaves no atlas behind: a bad file in the data folder is one DataError naming it, no atlas
is written to the cache, and a second build gives the same error (the parsed-source cache, which keeps each frame a
reader accepted so a retry after mending one file skips the others' parse, never turns a refusal into a build).

The data folder is the synthetic demo region (``geo.demo``), written to ``tmp_path`` and then broken in one place.
"""

from __future__ import annotations

import shutil

import pytest

from geo.errors import DataError


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    from geo.demo import write_demo_region

    return write_demo_region(tmp_path_factory.mktemp("demo-region"))


def _census_with_2011_codes(path):
    # The census file on the wrong LSOA vintage: every code swapped for an LSOA 2011 code of the region.
    lines = path.read_text().splitlines()
    lines[1:] = [line.replace("E0199", "E0198", 1) for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n")


def _registrations_with_huge_count(path):
    lines = path.read_text().splitlines()
    head, *rest = lines[5].rsplit(",", 1)
    lines[5] = f"{head},{10**30}"
    path.write_text("\n".join(lines) + "\n")


def _boundaries_truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


BREAKS = [
    ("census on LSOA 2011 codes (wrong vintage)", "census2021_age6", _census_with_2011_codes, "no population for LSOA"),
    ("registrations with 10**30 patients", "gp_registrations_lsoa", _registrations_with_huge_count, "too large"),
    ("LSOA boundaries cut in half", "lsoa21_boundaries", _boundaries_truncated, "truncated"),
]


@pytest.mark.slow
@pytest.mark.parametrize("what, key, spoil, words", BREAKS, ids=[b[0] for b in BREAKS])
def test_failed_build_writes_nothing_to_the_cache(demo_folder, tmp_path, monkeypatch, what, key, spoil, words):
    from geo.atlas import load_atlas
    from geo.demo import DEMO_AREA
    from geo.settings import get_settings

    folder = tmp_path / "data"
    shutil.copytree(demo_folder[key].parent, folder)
    spoil(folder / demo_folder[key].name)
    cache = tmp_path / "cache"
    monkeypatch.setenv("NHP_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    with pytest.raises(DataError) as info:
        load_atlas(DEMO_AREA, data_dir=folder)
    error = info.value
    assert words in error.message, str(error)
    assert error.file and demo_folder[key].name in str(error.file), "the error names the file at fault"
    written = [p for p in cache.rglob("*") if p.is_file() and "checksums" not in p.parts] if cache.exists() else []
    kept = [p for p in written if p.parent.name == "sources" and p.suffix == ".parquet"]
    assert written == kept, f"a failed build wrote more than parsed sources: {sorted(set(written) - set(kept))}"
    with pytest.raises(DataError) as again:
        load_atlas(DEMO_AREA, data_dir=folder)
    assert again.value.message == error.message, "the second build, from the cache, fails the same way"
    assert not [
        p for p in cache.rglob("*") if p.is_file() and p.parent.name != "sources" and "checksums" not in p.parts
    ]
