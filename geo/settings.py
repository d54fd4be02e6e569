"""One table of settings: name, default and help text, read from ``NHP_*`` environment variables.

Every setting lives in :class:`Settings`; the README documents each one (``tests/test_settings.py`` fails when
one is missing), so the settings and their documentation cannot drift apart.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".nhp"


class Settings(BaseSettings):
    """Settings of the Neighbourhood Health Planner.

    Each field is read from the environment variable ``NHP_<FIELD NAME IN CAPITALS>``.

    Examples
    --------
    >>> Settings(suppression_threshold=10).suppression_threshold
    10
    """

    model_config = SettingsConfigDict(env_prefix="NHP_", extra="ignore")

    data_dir: Path | None = Field(
        None,
        description="Folder holding the official open-data files (recognised by their headers, not names). "
        "Unset: commands that need real data say so; `nhp demo` uses synthetic data.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: _default_home() / "cache",
        description="Folder for cached atlases (GeoParquet), keyed by the checksums of the input files.",
    )
    home_dir: Path = Field(
        default_factory=_default_home,
        description="Folder for the embedded SQLite database, demo outputs and API keys' database.",
    )
    vintage: int = Field(
        2021,
        description="LSOA geography vintage: 2021 (IoD2025, Census 2021, 2021 boundaries) or 2011 "
        "(IoD2019, ONS mid-2020 estimates, 2011 boundaries).",
    )
    target_population: int = Field(50_000, description="Target population of one neighbourhood.")
    tolerance: float = Field(0.10, description="Allowed relative deviation from the target population.")
    mnp_target_population: int = Field(250_000, description="Target population of a Multi-Neighbourhood Provider area.")
    suppression_threshold: int = Field(
        7,
        ge=7,  # the NHS small-number rule: a lower (or 0, or negative) value would publish counts of 1 to 7
        description="Counts from 1 to this number of patients or attendances are suppressed in every output "
        "(at least 7; a larger number suppresses more).",
    )
    hotspot_alpha: float = Field(
        0.05, description="False-discovery-rate level for Getis-Ord Gi* hotspots (two-sided, Benjamini-Hochberg)."
    )
    hotspot_permutations: int = Field(
        999,
        description="Least conditional permutations when permutation inference is asked for (raised "
        "automatically to the resolution the FDR needs); the default inference is analytic.",
    )
    seed: int = Field(1, description="Default random seed for proposals and permutation tests.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the plans database, e.g. postgresql+psycopg://user@host/nhp. "
        "Unset: SQLite in the home folder.",
    )
    host: str = Field("127.0.0.1", description="Address `nhp serve` listens on.")
    port: int = Field(8000, description="Port `nhp serve` listens on.")
    api_areas: str = Field(
        "",
        description="Study areas `nhp serve` lists besides the demo region, separated by ';' (e.g. QK1;QPM). "
        "With a data folder set, any other area still loads on demand.",
    )
    max_upload_mb: float = Field(25.0, description="Largest upload the API accepts, in megabytes.")
    proposal_time_budget: float = Field(
        300.0,
        description="Seconds a proposal may run before it returns its best plan so far (a safety net: "
        "every search is bounded by counts; a plan it cuts short says so in every output).",
    )
    jobs: str = Field(
        "local",
        description="Who runs background jobs: local (a child process of the API process that accepted the job) "
        "or queue (a durable queue in PostgreSQL, run by `nhp worker` on any machine).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the settings read from the environment (cached; call ``get_settings.cache_clear()`` to reread)."""
    return Settings()


def settings_table() -> list[dict[str, str]]:
    """Return every setting as ``{"name", "env", "default", "help"}`` rows, for docs and ``nhp settings``."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default
        rows.append(
            {
                "name": name,
                "env": f"NHP_{name.upper()}",
                "default": "" if default is None else str(default),
                "help": field.description or "",
            }
        )
    return rows
