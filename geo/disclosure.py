"""Statistical disclosure control: every count that leaves ``geo/`` passes through here.

NHS small-number rules forbid publishing counts of 1 to ``suppression_threshold`` (7 by default) patients or
attendances, and anything a reader could use to work such a count out again. This module does three things:

- **primary suppression** (:func:`suppress`): counts 1..threshold become missing (an empty cell in CSV);
- **secondary suppression** (:func:`suppress_frame`): where a published total and the other shown parts would
  give a suppressed cell back by subtraction, the next smallest shown cell is suppressed too; rates, ratios and
  intervals computed from a suppressed count go with it;
- **margins** (:func:`publish_totals`, :func:`publish_sums`, :func:`publish_weighted`): a total published with a
  table (a cluster, a neighbourhood, the study area) is a margin of its parts. The parts are what the count is
  made of: LSOAs for attendances, residents and registered residents; **practices** for everything summed over
  practices (list populations, QOF registers and their denominators, registered age-sex cells and totals),
  whatever the plan was built from. A total none of whose parts is suppressed is exact. A total with suppressed
  parts counts each of them as :func:`suppressed_as` (4, the midpoint of 1..7), whatever its true value, and is
  rounded to the nearest :data:`MARGIN_BASE` (10); one whose shown parts are all 0 is suppressed itself. So a
  published total depends only on each part's own count (small ones as 4) and the grouping: the same practice
  contributes the same way to every neighbourhood, version and plan it is in, and subtracting shown parts from
  any total, or one total from another (two versions of a plan with a practice moved, two plans of one area,
  nested or overlapping areas, a neighbourhood and its comparator), gives back only the 4s, never a true count;
  the rounding keeps even that from pinning a value (the result is at least 3 values wide within 1..7). A
  comparator that shares a practice's list among areas (an estimate) weights each part by its share, and rounds
  when any small part has a positive weight. Every figure of a total (its rate, ratio, intervals, excess, funnel
  flag, prevalence, share, and a neighbourhood's deviation from its target) is computed from the published total
  where it leaves the process, so none gives the exact total back; the metrics inside stay exact. A total is off
  by at most 5 + 3 per suppressed part; tables say which totals are rounded (``rounded_to``). Complementary cell
  suppression, the usual alternative, cannot protect totals across overlapping areas and versions whose
  suppression patterns differ, and hides real figures;
- **shares** (:func:`publish_share`): a percentage goes when its part or its complement is a small count, and is
  rounded to a whole percent;
- **checking** lives with the test support (:func:`geo.testing.disclosure.assert_no_small_counts`): it walks any
  output and fails if a count 1..threshold is still there, finding counts by what they are, declared once in
  :data:`FIELD_KINDS` (count, number, share, rate, deviation, measure, code), and failing on any numeric field not
  declared there, so a new count cannot slip out unchecked. Its differencing checkers
  (:func:`~geo.testing.disclosure.assert_no_differencing` for LSOA parts,
  :func:`~geo.testing.disclosure.assert_no_practice_differencing` for practice parts) search every subtraction
  within and between answers. Tests of every output path use them.

Counts can be fractional (registrations bridged between LSOA vintages), and outputs round them, so "small" means
``0 < value < threshold + 0.5``: anything that would *display* as 1..threshold.
"""

from __future__ import annotations

import re
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from geo.contract import QOF_REGISTERS
from geo.settings import get_settings

#: What each published field is (checked by :func:`geo.testing.disclosure.assert_no_small_counts`, which fails on
#: a numeric field not declared here, so a new count cannot slip out unchecked). ``count``: people or events, never
#: 1..threshold; ``number``: areas, practices, LSOAs or neighbourhoods (not people); ``share``: a percentage or
#: fraction published by :func:`publish_share`'s rule; ``rate``: rates, ratios, intervals, expected values and test
#: statistics (derived figures that go with their count); ``deviation``: a difference from a target or an expected
#: value, computed from the published figure; ``measure``: shapes, scores, parameters, timings; ``code``: numeric
#: identifiers, editions, coordinates.
FIELD_KINDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "attendances",
            "observed",
            "admissions",
            "events",
            "patients",
            "registrations",
            "population",
            "resident_population",
            "registered_population",
            "list_population",
            "practice_list_size",
            "list_size",
            "registered_total",
            "patients_from_outside",
            "own_patients",
            "population_moved",
            "ethnicity_total",
            "population_a",
            "population_b",
            "residents",
            "registered",
            "patients_in_area",
            # access and siting (geo.access): people beyond a threshold, people a hub serves
            "beyond_practice_km_people",
            "beyond_hospital_minutes_people",
            "beyond_threshold",
            "people",
        ],
        "count",
    ),
    **dict.fromkeys(
        [
            "lsoas",
            "lsoas_a",
            "lsoas_b",
            "lsoas_moved",
            "practices",
            "pcns",
            "local_authorities",
            "parts",
            "parts_a",
            "parts_b",
            "neighbourhoods",
            "la_crossings",
            "practice_splits",
            "cut_edges",
            "local_decile_mix",
            "lsoas_local_decile_1_2",
            "hotspot_lsoas",
            "coldspot_lsoas",
            "suppressed_lsoas",
            "suppressed_parts",
            "suppressed_cells",
            "nodes",
            "k",
            "units",
            "rounded_to",
            "opening_order",
            "healthy_life_rank",
            "need_rank",
            "per_neighbourhood",
            "total",
            "candidates",
            "sites",
        ],
        "number",
    ),
    **dict.fromkeys(
        [
            "alignment_pct",
            "core20_pct",
            "core20_pct_list",
            "urban_pct",
            "rural_pct",
            "list_living_here_pct",
            "prevalence_pct",
            "pct",
            "registration_leakage_pct",
            "within_5_pct",
            "within_10_pct",
            "within_tolerance",
            "practice_home_share",
            "p10",
            "p25",
            "median",
            "min",
            "plurality_share",
            "beyond_practice_km_pct",
            "beyond_hospital_minutes_pct",
            "beyond_threshold_pct",
            "aged_65_plus",
            "core20",
            "qof_ltc",
        ],
        "share",
    ),
    **dict.fromkeys(
        [
            "rate_per_1000",
            "rate_lci",
            "rate_uci",
            "ratio",
            "ratio_lci",
            "ratio_uci",
            "expected",
            "gi_z",
            "gi_p",
            "gi_q",
        ],
        "rate",
    ),
    **dict.fromkeys(
        [
            "deviation",
            "deviation_pct",
            "deviation_pct_a",
            "deviation_pct_b",
            "max_abs_deviation_pct",
            "mean_abs_deviation_pct",
            "max_deviation",
            "lower_bound",
            "gap",
            "excess",
        ],
        "deviation",
    ),
    **dict.fromkeys(
        [
            "polsby_popper",
            "polsby_popper_a",
            "polsby_popper_b",
            "mean_polsby_popper",
            "mean_imd_score",
            "imd_score",
            "local_decile_median",
            "target",
            "tolerance",
            "practice_split_threshold",
            "compactness_weight",
            "seed",
            "time_budget",
            "seconds",
            "mnp_target",
            "area_km2",
            "acute_morbidity",
            "phi",
            "tau2",
            # access and need (geo.access): distances, times, indicator scores and the need index
            "practice_km",
            "practice_km_mean",
            "practice_km_median",
            "hospital_minutes",
            "hospital_minutes_mean",
            "hospital_minutes_median",
            "mean_km",
            "p90_km",
            "threshold_km",
            "km",
            "connectivity_score",
            "digital_connectivity",
            "years_of_potential_life_lost",
            "illness_disability_ratio",
            "patient_to_gp_ratio",
            "health_proxy",
            "health_score",
            "need_score",
            "need_index",
            "weight",
            "objective",
            "max_gap",
        ],
        "measure",
    ),
    **dict.fromkeys(
        [
            "coordinates",
            "bbox",
            "imd_edition",
            "lsoa_vintage",
            "vintage",
            "imd_rank",
            "imd_decile",
            "imd_quintile",
            "local_decile",
            "cluster",
            "id",
            "plan_id",
            "version",
            "latest_version",
            "parent_version",
            "label_lat",
            "label_lon",
            "easting",
            "northing",
            "latitude",
            "longitude",
            "x",
            "y",
        ],
        "code",
    ),
}
#: Families of fields declared by pattern: resident age bands, registered age-sex cells (``FEMALE|0_4``), QOF
#: registers as columns (``DEM``), IMD quintile shares, ethnic groups (published as whole-percent shares).
FIELD_FAMILIES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^age_\d+(_\d+|_plus)$"), "count"),
    (re.compile(r"^(female|male)\|", re.I), "count"),
    (re.compile(r"^imd_q\d_(pct|resident|registered)$"), "share"),
    (re.compile(r"^ethnicity_(asian|black|mixed|white|other)$"), "share"),
    # Percentages by name (whole percents by publish_share's rule); deviations are declared above, by name first.
    (re.compile(r"_pct$"), "share"),
)
#: The kind of the fields that hold counts of people or events.
COUNT = "count"


def field_kind(name) -> str | None:
    """Return the kind of a published field (see :data:`FIELD_KINDS`), or None when it is not declared.

    QOF register codes (``DEM``, ``EP``...) are counts: a table with registers as columns holds patients.

    Examples
    --------
    >>> field_kind("list_population"), field_kind("FEMALE|95+"), field_kind("DEM"), field_kind("new_count")
    ('count', 'count', 'count', None)
    """
    name = str(name)
    if name in FIELD_KINDS:
        return FIELD_KINDS[name]
    for pattern, kind in FIELD_FAMILIES:
        if pattern.search(name):
            return kind
    return COUNT if name in QOF_REGISTERS else None


def _threshold(threshold: int | None) -> int:
    if threshold is not None:
        return int(threshold)

    return int(get_settings().suppression_threshold)


def _small(values: np.ndarray, threshold: int) -> np.ndarray:
    # Fractional counts round on display, so 7.4 would show as 7: suppress below threshold + 0.5.
    with np.errstate(invalid="ignore"):
        return (values > 0) & (values < threshold + 0.5)


def is_disclosive(value, threshold: int | None = None) -> bool:
    """Return True when ``value`` is a count that would show as 1..threshold.

    Examples
    --------
    >>> is_disclosive(3, 7), is_disclosive(0, 7), is_disclosive(8, 7), is_disclosive(None, 7)
    (True, False, False, False)
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(number) and _small(np.array([number]), _threshold(threshold))[0])


def suppress(values, threshold: int | None = None):
    """Return ``values`` with counts 1..threshold replaced by missing, keeping the shape and index.

    Scalars give ``None`` when suppressed; lists keep ``None``; arrays, Series and DataFrames give ``NaN`` (an
    empty cell in CSV).

    Examples
    --------
    >>> suppress(pd.Series([0, 3, 8, 120])).tolist()
    [0.0, nan, 8.0, 120.0]
    >>> suppress([5, 10], threshold=7)
    [None, 10]
    """
    t = _threshold(threshold)
    if isinstance(values, pd.DataFrame):
        return values.apply(lambda col: suppress(col, t))
    if isinstance(values, pd.Series):
        numeric = pd.to_numeric(values, errors="coerce").astype(float)
        return numeric.mask(_small(numeric.to_numpy(), t))
    if isinstance(values, np.ndarray):
        out = values.astype(float)
        out[_small(out, t)] = np.nan
        return out
    if isinstance(values, (list, tuple)):
        return type(values)(None if is_disclosive(v, t) else v for v in values)
    return None if is_disclosive(values, t) else values


def _complete(table: pd.DataFrame, was_shown: pd.DataFrame, t: int) -> pd.DataFrame:
    """Suppress further cells in each row until the hidden cells cannot be recovered from a shown total.

    A row whose total is shown gives back the sum of its hidden cells, so that sum must not be an exact single
    count (one hidden cell) nor a small number (several hidden cells summing to 1..t). Each step hides the
    smallest shown non-zero cell, which costs the least information.
    """
    values = table.to_numpy(dtype=float)
    hidden = ~was_shown.to_numpy()
    for i in range(values.shape[0]):
        while True:
            h = hidden[i] & ~np.isnan(values[i])
            n_hidden = int(h.sum())
            if n_hidden == 0 or (n_hidden > 1 and not _small(np.array([values[i][h].sum()]), t)[0]):
                break
            candidates = np.where(~hidden[i] & (values[i] > 0))[0]
            if len(candidates) == 0:
                candidates = np.where(~hidden[i] & ~np.isnan(values[i]))[0]
            if len(candidates) == 0:
                break
            hidden[i, candidates[np.argmin(values[i][candidates])]] = True
    return pd.DataFrame(~hidden, index=table.index, columns=table.columns)


def suppress_frame(
    df: pd.DataFrame,
    count_columns: Iterable[str],
    threshold: int | None = None,
    secondary: bool = True,
    total_column: str | None = None,
    group: str | bool | None = None,
    derived: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` with small counts, their complements and their derived figures suppressed.

    Parameters
    ----------
    df
        The table to publish.
    count_columns
        Columns holding counts of people or events.
    threshold
        Largest count to suppress (default: the ``suppression_threshold`` setting).
    secondary
        Also suppress complementary cells (see below).
    total_column
        A column holding each row's total of ``count_columns`` (e.g. all ages, with age bands as parts). When one
        part is suppressed and the total is shown, the next smallest part is suppressed too.
    group
        Rows that add up to a published total: a column name (rows sharing a value form one group, e.g.
        neighbourhood) or ``True`` (the whole table adds up to a published total). Secondary suppression then also
        runs down each count column within each group.
    derived
        ``{derived_column: count_column}``: rates, ratios, intervals or expected values that reveal a count and so
        are suppressed wherever it is.

    Examples
    --------
    >>> table = pd.DataFrame({"age_0_15": [3, 40], "age_16_64": [20, 60], "age_65_plus": [90, 5],
    ...                       "all_ages": [113, 105]})
    >>> out = suppress_frame(table, ["age_0_15", "age_16_64", "age_65_plus"], total_column="all_ages")
    >>> out.to_dict("list")["age_16_64"], out.to_dict("list")["age_65_plus"]
    ([nan, 60.0], [90.0, nan])
    """
    t = _threshold(threshold)
    counts = [c for c in count_columns if c in df.columns]
    if total_column is not None and total_column not in counts:
        counts.append(total_column)
    parts = [c for c in counts if c != total_column]
    out = df.copy()
    original = out[counts].apply(pd.to_numeric, errors="coerce").astype(float)
    shown = ~pd.DataFrame(_small(original.to_numpy(), t), index=out.index, columns=counts)
    if secondary:
        for _ in range(len(out) + len(counts)):  # each pass hides at least one cell or stops
            before = int(shown.to_numpy().sum())
            if total_column in counts and parts:
                rows_with_total = shown[total_column]
                sub = _complete(original.loc[rows_with_total, parts], shown.loc[rows_with_total, parts], t)
                shown.loc[rows_with_total, parts] = sub
            if group is not None and group is not False:
                keys = pd.Series(0, index=out.index) if group is True else out[group]
                for _, idx in keys.groupby(keys, sort=False).groups.items():
                    sub = _complete(original.loc[idx].T, shown.loc[idx].T, t).T
                    shown.loc[idx] = sub
            if int(shown.to_numpy().sum()) == before:
                break
    for column in counts:
        out[column] = original[column].where(shown[column])
    for column, source in (derived or {}).items():
        if column in out.columns and source in shown.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").where(shown[source])
    out.attrs["suppressed_cells"] = int((~shown & original.notna()).to_numpy().sum())
    return out


#: Published totals with suppressed parts are rounded to a multiple of this.
MARGIN_BASE = 10


def suppressed_as(threshold: int | None = None) -> float:
    """Return the value every suppressed count stands for in published totals: the midpoint of 1..threshold.

    Examples
    --------
    >>> suppressed_as(7)
    4.0
    """
    return (_threshold(threshold) + 1) / 2


def hidden_mask(counts, threshold: int | None = None) -> np.ndarray:
    """Return True where a count is suppressed (it would show as 1..threshold).

    Examples
    --------
    >>> hidden_mask([0, 3, 8.2]).tolist()
    [False, True, False]
    """
    return _small(np.asarray(pd.to_numeric(pd.Series(counts), errors="coerce"), dtype=float), _threshold(threshold))


def publish_sums(
    values, groups, n_groups: int, threshold: int | None = None, base: int = MARGIN_BASE, weights=None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(total, rounded_to)`` of the parts in each of ``n_groups`` groups, by the margin rule (numpy).

    The fast form of :func:`publish_totals` that plan tables use after every edit: ``values`` are the parts'
    true counts, ``groups`` each part's group (``-1``: in none), ``weights`` an optional share of each part
    counted in its group (an estimate). A part with a positive weight and a small count counts as
    :func:`suppressed_as` times its weight, and its group's total is rounded to ``base``; a total whose shown
    parts add up to 0 while some are small is NaN; a total shown exactly that would display as 1..threshold
    (only possible with fractional parts or weights) is NaN too.

    Examples
    --------
    >>> total, rounded_to = publish_sums([1200.0, 5.0, 300.0, 0.0, 6.0], [0, 0, 1, 2, 2], 3, threshold=7)
    >>> total.tolist(), rounded_to.tolist()
    ([1200.0, 300.0, nan], [10, 1, 10])
    """
    t = _threshold(threshold)
    values = np.nan_to_num(np.asarray(values, dtype=float))
    groups = np.asarray(groups, dtype=np.int64)
    w = np.ones(len(values)) if weights is None else np.nan_to_num(np.asarray(weights, dtype=float))
    use = (groups >= 0) & (w > 0)
    hidden = _small(values, t) & use
    g = np.where(use, groups, 0)
    shown = np.bincount(g, weights=np.where(use & ~hidden, values * w, 0.0), minlength=n_groups)
    imputed = shown + np.bincount(g, weights=np.where(hidden, suppressed_as(t) * w, 0.0), minlength=n_groups)
    k = np.bincount(g, weights=hidden.astype(float), minlength=n_groups) > 0
    total = np.where(k, np.floor(imputed / base + 0.5) * base, shown)
    total[(k & (shown <= 0)) | (~k & _small(shown, t))] = np.nan
    return total, np.where(k, base, 1)


def publish_weighted(
    parts: pd.DataFrame, weights: pd.DataFrame, threshold: int | None = None, base: int = MARGIN_BASE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Publish, for every area and column, the weighted sum of the parts by the margin rule.

    ``parts`` holds the true counts (rows: parts, e.g. practices; columns: figures, e.g. QOF registers) and
    ``weights`` the share of each part counted in each area (rows: areas; columns: parts; 1 for a whole
    practice, a fraction for an estimate). Each published cell depends only on the parts' own counts (small
    ones as 4) and the weights, never on a small count's true value. Returns ``(total, rounded_to)``.

    Examples
    --------
    >>> parts = pd.DataFrame({"DEM": [6.0, 120.0, 40.0]}, index=["P1", "P2", "P3"])
    >>> weights = pd.DataFrame([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], index=["A", "B"], columns=parts.index)
    >>> total, rounded_to = publish_weighted(parts, weights, threshold=7)
    >>> total.DEM.tolist(), rounded_to.DEM.tolist()  # 120 + 4 -> 120, whatever P1's true 1..7
    ([120.0, 40.0], [10, 1])
    """
    t = _threshold(threshold)
    w = weights.reindex(columns=parts.index, fill_value=0.0).fillna(0.0).to_numpy(dtype=float)
    values = np.nan_to_num(parts.to_numpy(dtype=float))
    hidden = _small(values, t)
    used = (w > 0).astype(float)
    shown = w @ np.where(hidden, 0.0, values)
    imputed = shown + w @ (hidden * suppressed_as(t))
    k = (used @ hidden.astype(float)) > 0
    total = np.where(k, np.floor(imputed / base + 0.5) * base, shown)
    total[(k & (shown <= 0)) | (~k & _small(shown, t))] = np.nan
    frame = lambda a: pd.DataFrame(a, index=weights.index, columns=parts.columns)  # noqa: E731
    return frame(total), frame(np.where(k, base, 1))


def publish_totals(counts: pd.Series, keys=None, threshold: int | None = None, base: int = MARGIN_BASE) -> pd.DataFrame:
    """Return the publishable total of the parts in each group (see the module docstring: margins).

    Parameters
    ----------
    counts
        The true count of every part (e.g. attendances per LSOA, or a practice's list).
    keys
        Group of each part (a Series aligned with ``counts``); ``None`` for one total of everything.
    threshold, base
        Suppression threshold and the rounding base of totals with suppressed parts.

    Returns
    -------
    DataFrame
        Per group: ``total`` (NaN when suppressed), ``rounded_to`` (1 when exact, else ``base``) and
        ``suppressed_parts``.

    Examples
    --------
    >>> counts = pd.Series([120.0, 5.0, 40.0, 3.0, 0.0])
    >>> publish_totals(counts, pd.Series(["A", "A", "B", "C", "C"]), threshold=7).to_dict("list")
    {'total': [120.0, 40.0, nan], 'rounded_to': [10, 1, 10], 'suppressed_parts': [1, 0, 1]}
    >>> [float(publish_totals(pd.Series([121.0, c]), threshold=7).total.iloc[0]) for c in (1, 7)]  # 121 + 4
    [130.0, 130.0]
    """
    t = _threshold(threshold)
    values = pd.to_numeric(counts, errors="coerce").astype(float).fillna(0.0)
    keys = pd.Series("all", index=values.index) if keys is None else pd.Series(keys, index=values.index)
    codes, uniques = pd.factorize(keys, sort=True)
    total, rounded_to = publish_sums(values.to_numpy(), codes, len(uniques), t, base)
    k = np.bincount(
        codes[codes >= 0], weights=_small(values.to_numpy(), t)[codes >= 0].astype(float), minlength=len(uniques)
    ).astype(int)
    return pd.DataFrame({"total": total, "rounded_to": rounded_to, "suppressed_parts": k}, index=pd.Index(uniques))


def publish_share(part, whole, threshold: int | None = None):
    """Return ``100 * part / whole`` rounded to a whole percent, or None when it would reveal a small count.

    It goes when the part, the complement ``whole - part`` or the whole is 1..threshold.

    Examples
    --------
    >>> publish_share(30, 200), publish_share(3, 200), publish_share(197, 200), publish_share(0, 0)
    (15.0, None, None, None)
    """
    t = _threshold(threshold)
    part, whole = float(part), float(whole)
    if not whole or any(is_disclosive(v, t) for v in (part, whole - part, whole)) or math.isnan(part):
        return None
    return float(round(100.0 * part / whole))
