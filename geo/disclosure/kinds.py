"""What each published field is (count, number, share, rate, deviation, measure, code): declared once, read by
the tests' checker (:func:`geo.testing.disclosure.assert_no_small_counts`), which fails on an undeclared numeric
field."""

from __future__ import annotations

import re

from geo.contract import QOF_REGISTERS

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
            "population_in",
            "population_out",
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
            # access (geo.access.points): LSOAs measured from postcode-weighted points, postcode units averaged
            "point_lsoas",
            "postcode_point_lsoas",
            "postcode_units",
            "lsoas_a",
            "lsoas_b",
            "lsoas_moved",
            "lsoas_in",
            "lsoas_out",
            "neighbourhoods_changed",
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
