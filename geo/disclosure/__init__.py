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

The package has one job per module: :mod:`~geo.disclosure.kinds` (what each published field is),
:mod:`~geo.disclosure.small` (primary suppression), :mod:`~geo.disclosure.cells` (secondary suppression of a table),
:mod:`~geo.disclosure.margins` (published totals of parts) and :mod:`~geo.disclosure.shares` (percentages); every
name is imported from ``geo.disclosure``.
"""

from geo.disclosure.kinds import COUNT, FIELD_FAMILIES, FIELD_KINDS, field_kind
from geo.disclosure.small import _threshold, is_disclosive, suppress  # noqa: F401 (_threshold: test support)
from geo.disclosure.cells import suppress_frame
from geo.disclosure.margins import (
    MARGIN_BASE,
    hidden_mask,
    margin_parts,
    margin_totals,
    publish_sums,
    publish_totals,
    publish_weighted,
    suppressed_as,
)
from geo.disclosure.shares import publish_share, shareable

__all__ = [
    "COUNT",
    "FIELD_FAMILIES",
    "FIELD_KINDS",
    "MARGIN_BASE",
    "field_kind",
    "hidden_mask",
    "margin_parts",
    "margin_totals",
    "is_disclosive",
    "publish_share",
    "publish_sums",
    "publish_totals",
    "publish_weighted",
    "shareable",
    "suppress",
    "suppress_frame",
    "suppressed_as",
]
