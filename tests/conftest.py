"""Shared fixtures; real-data tests run when ``NHP_DATA_DIR`` is set and must then never be skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA_DIR = os.environ.get("NHP_DATA_DIR")
_skipped_realdata: list[str] = []


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of official files; real-data tests skip without it (and fail CI if skipped with it)."""
    if not DATA_DIR:
        pytest.skip("NHP_DATA_DIR is not set")
    path = Path(DATA_DIR)
    if not path.is_dir():
        pytest.fail(f"NHP_DATA_DIR={DATA_DIR} is not a folder")
    return path


def pytest_configure(config):
    """Keep the whole session (module-scoped fixtures too) away from the user's ~/.nhp."""
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="nhp-tests-"))
    os.environ.setdefault("NHP_HOME_DIR", str(root / "home"))
    os.environ["NHP_CACHE_DIR"] = str(root / "cache")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep every test's database, keys and demo outputs out of the user's home; share the atlas cache."""
    from geo.settings import get_settings

    home = tmp_path_factory.mktemp("nhp-home")
    monkeypatch.setenv("NHP_HOME_DIR", str(home))
    monkeypatch.setenv("NHP_CACHE_DIR", str(_shared_cache(tmp_path_factory)))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _shared_cache(factory) -> Path:
    root = factory.getbasetemp()
    cache = root / "atlas-cache"
    cache.mkdir(exist_ok=True)
    return cache


def pytest_runtest_logreport(report):
    if report.skipped and "realdata" in report.keywords:
        _skipped_realdata.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if DATA_DIR and _skipped_realdata:
        print(f"\nERROR: NHP_DATA_DIR is set but {len(_skipped_realdata)} real-data tests were skipped:")
        for nodeid in _skipped_realdata[:20]:
            print(f"  {nodeid}")
        session.exitstatus = 1


# Tiny named plans shared by tests/plan and tests/metrics. ``grid3`` is a 3x3 grid of 1 km square LSOAs with
# 1,500 residents each, in one local authority; ``west_east`` splits it into W (the left column, 4,500 people)
# and E (the rest, 9,000), with a target of 6,750::
#
#     G0006 G0007 G0008
#     G0003 G0004 G0005
#     G0000 G0001 G0002
WEST = {"G0000", "G0003", "G0006"}


@pytest.fixture(scope="session")
def grid3():
    from geo.testing import grid_atlas

    return grid_atlas(3, 3)


@pytest.fixture
def west_east(grid3):
    from geo.plan import Plan

    return Plan(grid3, {c: "W" if c in WEST else "E" for c in grid3.codes}, target=6750, name="west-east")


@pytest.fixture(scope="session")
def playwright_session():
    """One Playwright driver per test process: its sync API cannot be started twice in one thread, so the browser
    tests and the offline map tests share it (each launches its own browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright
