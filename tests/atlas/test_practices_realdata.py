"""Every practice counted, on today's lists: QMJ, QT6 and QHL atlases against the raw files, recounted with pandas."""

import pandas as pd
import pytest

from geo.atlas import load_atlas
from geo.atlas.arrays import atlas_arrays
from geo.atlas.summary import closed_practices, practice_status
from geo.disclosure import hidden_mask
from geo.propose.pcns import pcn_plan_assignment

from tests.atlas.atlas_recount import icb_practices, lists_2026, registrations_2023, to_lsoa21

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module", params=["QMJ", "QT6", "QHL"])
def icb(request, data_dir):
    return request.param, load_atlas(request.param, data_dir=data_dir)


def non_geographic(raw, codes) -> set:
    """ODS prescribing setting other than 4 (GP practice) among ``codes``: one rule of several, enough here."""
    ods = pd.read_csv(raw / "ods_epraccur.csv", header=None, dtype=str)
    return set(ods[(ods[0].isin(codes)) & (ods[25] != "4")][0])


def test_every_practice_of_the_icb_map_is_in_the_atlas_and_counted(icb, data_dir):
    code, atlas = icb
    mapped = icb_practices(data_dir, code)
    practices = atlas.practices
    assert set(practices.index) == set(mapped.index)
    lists = lists_2026(data_dir)
    today = set(mapped.index[mapped.index.isin(lists.index)]) - non_geographic(data_dir, mapped.index)
    listed = {c for c in today if lists[c] > 0 and practices.loc[c, "status"] != "non_geographic"}
    in_plan = set(practices.index[practices.in_area])
    assert listed <= in_plan, sorted(listed - in_plan)
    # ... wherever their sites fall: the plans' arrays count every one of them, sited outside the ICB or not.
    arrays = atlas_arrays(atlas)
    counted = set(arrays.practice_codes[arrays.practice_in_area])
    assert in_plan == counted
    assert (arrays.practice_site[arrays.practice_in_area] >= 0).all()


def test_list_totals_equal_the_july_2026_file(icb, data_dir):
    code, atlas = icb
    lists = lists_2026(data_dir)
    mapped = icb_practices(data_dir, code)
    expected = lists.reindex(mapped.index).fillna(0).sum()
    assert atlas.practices.list_size.sum() == expected
    status = practice_status(atlas)
    assert status.practices.sum() == len(mapped)
    out = atlas.practices[~atlas.practices.in_area]
    assert (out.status != "in_plan").all() and (out.status_reason.str.len() > 0).all()


def test_closed_practices_patients_equal_an_independent_recount(icb, data_dir):
    code, atlas = icb
    reg = registrations_2023(data_dir)
    closed = reg[~reg.PRACTICE_CODE.isin(lists_2026(data_dir).index)]
    on21 = to_lsoa21(data_dir, closed.groupby("LSOA_CODE").NUMBER_OF_PATIENTS.sum())
    expected = on21.reindex(atlas.lsoas.index).fillna(0).sum()
    assert abs(atlas.closed_registrations.patients.sum() - expected) < 1
    total = closed_practices(atlas).iloc[-1]
    # Published as a margin of its cells (practice x LSOA registrations): exact unless one is 1 to 7, then each such
    # cell counted as 4 and the total rounded to 10, so within 5 + 3 per small cell of the exact count.
    small = int(hidden_mask(atlas.closed_registrations.patients).sum())
    assert abs(total.patients - expected) <= (5 + 3 * small if small else 0.5)
    assert total.practices == atlas.closed_registrations.practice_code.nunique() > 0


def test_site_la_comes_from_the_postcode(data_dir):
    atlas = load_atlas("QHL", data_dir=data_dir)
    geo = pd.read_csv(data_dir / "practice_pcn_geocoded_lookup_2024-01.csv", dtype=str).set_index("PRAC_CODE")
    lad = pd.read_csv(data_dir / "lsoa11_lsoa21_lad22_lookup.csv", dtype=str).drop_duplicates("LSOA21CD")
    lad = lad.set_index("LSOA21CD").LAD22CD
    same = atlas.practices[atlas.practices.site_source == "postcode"]
    assert len(same) > 150
    assert (same.lsoa_code == geo.PRAC_LSOA21.reindex(same.index)).all()
    assert (same.lad_code == geo.PRAC_LSOA21.reindex(same.index).map(lad)).all()
    assert atlas.practices.loc["M89024", "lad_code"] == "E08000029"  # Solihull, not Birmingham
    assert atlas.practices.loc["M91642", "in_area"]  # Queslett: sited in Walsall, in BSol's map


def test_pcn_baseline_leaves_out_non_geographic_units(data_dir):
    atlas = load_atlas("QK1", data_dir=data_dir)
    baseline = pcn_plan_assignment(atlas)
    assert not {"Y03584", "Y05412"} & set(baseline.index)  # LLR SAS provider, South Wigston asylum service
    mapped = icb_practices(data_dir, "QK1")
    pcns = mapped.PCN_CODE[mapped.index.isin(baseline.index) & (mapped.PCN_CODE != "U")].nunique()
    alone = baseline.str.endswith(", no PCN)").sum()
    assert baseline.nunique() == pcns + alone


def test_an_area_without_a_practice_builds(data_dir):
    """One LSOA with no practice sited in it and no ICB's map (an LSOA-code area a planner may load): the status
    table of no practices is empty, not a 500 (adding the labels of an empty Int64 column to text raised)."""
    atlas = load_atlas("E01025000", data_dir=data_dir)
    assert len(atlas.lsoas) == 1
    assert (atlas.practices.status_reason.str.len() > 0).all()


def test_a_practice_outside_the_area_never_gives_back_a_few_living_elsewhere_by_its_share():
    """The second review: "99% of its list lives in the area" beside a public list of 300 gave back 2 to 4 living
    elsewhere. The share is said only where publish_share would publish it."""
    from types import SimpleNamespace

    import pandas as pd

    from geo.atlas.practices import _status

    index = pd.Index(["A", "B"], name="practice_code")
    practices = pd.DataFrame(
        {"patients_in_area": [297.0, 150.0], "list_size": [300.0, 300.0], "lad_code": ["E07000001"] * 2}, index=index
    ).assign(pcn_code="U00001")
    lists = SimpleNamespace(lists=practices.list_size, scaled=False, vintage="2025-10")
    regs = pd.DataFrame({"practice_code": ["A", "B"], "lsoa_code": ["E01000001"] * 2, "patients": [297.0, 150.0]})
    status, reason = _status(practices, lists, regs, None, pd.Series(True, index=index))
    assert (status == "outside_area").all()
    assert "99%" not in reason["A"] and "not shown" in reason["A"], reason["A"]
    assert reason["B"].endswith("50% of its list lives in the area"), reason["B"]
