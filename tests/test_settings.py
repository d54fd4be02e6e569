"""Every setting is documented in the README, with its environment variable."""

from pathlib import Path

import pytest

from cli import main
from geo.settings import Settings, get_settings, settings_table

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("row", settings_table(), ids=lambda r: r["env"])
def test_every_setting_is_documented_in_readme(row):
    assert f"`{row['env']}`" in README, f"{row['env']} is not documented in README.md"
    assert row["help"], f"{row['name']} has no help text"


def test_settings_read_from_environment(monkeypatch):
    monkeypatch.setenv("NHP_SUPPRESSION_THRESHOLD", "10")
    monkeypatch.setenv("NHP_TARGET_POPULATION", "30000")
    settings = Settings()
    assert settings.suppression_threshold == 10
    assert settings.target_population == 30000


def test_settings_reject_bad_values(monkeypatch):
    monkeypatch.setenv("NHP_TOLERANCE", "a lot")
    with pytest.raises(ValueError):
        Settings()


@pytest.mark.parametrize("value", ["0", "-1", "6"])
def test_a_suppression_threshold_below_7_is_refused_not_taken(monkeypatch, value):
    """NHP_SUPPRESSION_THRESHOLD=0 (or a typo'd -1) switched disclosure control off: counts of 1 to 7 were
    published. The setting may only suppress more."""
    monkeypatch.setenv("NHP_SUPPRESSION_THRESHOLD", value)
    with pytest.raises(ValueError, match="suppression_threshold"):
        Settings()


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [("NHP_SUPPRESSION_THRESHOLD", "3", "greater than or equal to 7"), ("NHP_TOLERANCE", "abc", "valid number")],
)
def test_a_setting_out_of_range_is_one_line_naming_its_variable(monkeypatch, capsys, variable, value, said):
    """A review found a bad setting printed a nine-frame pydantic traceback (exit 1), not one error."""
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        assert main(["settings"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"nhp: error: {variable}={value}") and said in err, err
