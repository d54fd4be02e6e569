"""The UEC attendance layer: aggregate A&E / urgent-care attendances per LSOA of a study area.

A :class:`UecLayer` holds only aggregates (never a patient's row), labelled with where they came from: an ICB's
own extract (``kind == "extract"``) or the modelled share-out of NHS England's monthly ICB totals
(``kind == "modelled"``), which every output built on it must say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.atlas.model import AGE_BANDS, AGE_BAND_LABELS, SourceInfo

#: Age band labels accepted in extracts, mapped to the atlas's Census 2021 bands.
AGE_BAND_ALIASES = {
    **{label: band for band, label in AGE_BAND_LABELS.items()},
    **{band: band for band in AGE_BANDS},
    "0 to 15": "age_0_15",
    "16 to 24": "age_16_24",
    "25 to 34": "age_25_34",
    "35 to 49": "age_35_49",
    "50 to 64": "age_50_64",
    "65 and over": "age_65_plus",
    "65 plus": "age_65_plus",
    "65_plus": "age_65_plus",
    "65-120": "age_65_plus",
}
_AGE_EDGES = [0, 16, 25, 35, 50, 65, 200]
#: What the modelled layer is, said wherever it appears.
MODELLED_PREFIX = (
    "MODELLED UEC attendances: expected attendances from NHS England ICB totals shared out by IoD2025 "
    "acute morbidity, not observed"
)


def age_band_of_years(age: pd.Series) -> pd.Series:
    """Return the atlas age band of ages in years (missing for negative, missing or implausible ages).

    Examples
    --------
    >>> age_band_of_years(pd.Series([0, 15, 16, 64, 65, 101])).tolist()
    ['age_0_15', 'age_0_15', 'age_16_24', 'age_50_64', 'age_65_plus', 'age_65_plus']
    """
    cut = pd.cut(age, bins=_AGE_EDGES, right=False, labels=AGE_BANDS)
    return cut.astype(object).where(cut.notna(), None)


@dataclass
class UecLayer:
    """Attendances per LSOA for one study area and period.

    Attributes
    ----------
    attendances
        Attendances per LSOA (float, index ``lsoa_code`` in atlas order; 0 where the source has none).
    kind
        ``"extract"`` (an ICB's own data) or ``"modelled"`` (estimated, not observed).
    source
        Label, vintage and file of the data.
    period_start, period_end
        First and last day covered (ISO dates).
    months
        Number of calendar months covered.
    by_age
        Attendances by atlas age band (columns ``AGE_BANDS``), when the source has ages.
    by_department
        Attendances by department type (``1``, ``2``, ``3``, ``UTC``, ...), when the source has it.
    vintage
        LSOA vintage the source used (the layer is always on the atlas vintage).
    rejections
        Rows rejected on import, counted by reason.
    rows_read
        Data rows read from the source (patient rows or aggregate rows).
    """

    attendances: pd.Series
    kind: str
    source: SourceInfo
    period_start: str
    period_end: str
    months: int
    by_age: pd.DataFrame | None = None
    by_department: pd.DataFrame | None = None
    vintage: int = 2021
    rejections: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def modelled(self) -> bool:
        """True when the attendances are modelled estimates rather than observed counts."""
        return self.kind == "modelled"

    @property
    def total(self) -> float:
        """Total attendances in the study area over the period."""
        return float(self.attendances.sum())

    def source_note(self) -> str:
        """Return the caption every figure built on this layer carries.

        Examples
        --------
        >>> layer = UecLayer(pd.Series([1.0]), "modelled", SourceInfo("uec", "NHS England A&E", "2024-08 to 2025-07"),
        ...                  "2024-08-01", "2025-07-31", 12)
        >>> layer.source_note()
        'MODELLED UEC attendances: expected attendances from NHS England ICB totals shared out by IoD2025 acute morbidity, not observed: NHS England A&E (2024-08 to 2025-07)'
        """
        prefix = MODELLED_PREFIX if self.modelled else "UEC attendances"
        return f"{prefix}: {self.source.label} ({self.source.vintage})"

    def rejection_report(self) -> str:
        """Return one line saying how many rows were read and rejected, by reason."""
        if not self.rejections:
            return f"{self.rows_read} rows read, none rejected"
        parts = ", ".join(f"{n} {reason}" for reason, n in sorted(self.rejections.items()))
        return f"{self.rows_read} rows read, {sum(self.rejections.values())} rejected ({parts})"
