"""Wards and a user's units kept whole in list builds (issue 23): every practice whose site is in one ward (or unit)
in one neighbourhood, PCNs whole too in a PCN build; recounted from the practice assignment and the atlas."""

from __future__ import annotations

import pandas as pd
import pytest

import cli._common
from cli import main
from geo.propose import ProposalParams, propose

TARGET = 40_000


@pytest.fixture(scope="module")
def demo():
    """The synthetic demo region: 200 LSOAs, 35 wards, 30 practices in 8 PCNs (three wards hold two sites)."""
    from geo.atlas import load_atlas
    from geo.demo import DEMO_AREA, demo_data_dir

    return load_atlas(DEMO_AREA, data_dir=demo_data_dir())


def site_units(atlas, units: pd.Series | None = None) -> pd.Series:
    """The unit (default: ward) of each in-area practice's site, from the practices layer's site LSOA."""
    units = atlas.lsoas.ward_code if units is None else units
    practices = atlas.practices[atlas.practices.in_area.astype(bool)]
    return pd.Series(units.reindex(practices.lsoa_code).to_numpy(), index=practices.index)


def units_split(plan, units: pd.Series) -> set:
    """Units whose sited practices are in more than one neighbourhood of the plan (or ``practice -> label``)."""
    practices = plan if isinstance(plan, pd.Series) else plan.practice_assignment
    counts = practices.groupby(units.reindex(practices.index)).nunique()
    return set(counts.index[counts > 1])


def footprint_splits(plan, column: str = "ward_code") -> set:
    """Units the plan's place footprint (its LSOA assignment) puts in more than one neighbourhood."""
    counts = pd.DataFrame({"w": plan.atlas.lsoas[column], "n": plan.assignment}).groupby("w").n.nunique()
    return set(counts.index[counts > 1])


def test_practices_sited_in_one_ward_share_a_neighbourhood(demo):
    wards = site_units(demo)
    shared = wards.value_counts()
    assert (shared > 1).sum() >= 2  # the test means something: wards with more than one site
    params = ProposalParams(target=TARGET, build_from="practices", seed=1)
    kept = propose(demo, params.replace(respect="wards"))
    assert units_split(kept, wards) == set()
    assert units_split(propose(demo, params), wards)  # without the rule some such ward is parted
    grouped = kept.provenance.params["grouped"]
    assert grouped["rule"] == (
        f"practices grouped by the ward their site is in: {wards.nunique()} groups from {len(wards)} practices"
    )
    assert grouped["groups"] == wards.nunique() and grouped["shared"] == int((shared > 1).sum())
    # Every ward the place footprint splits is reported by name, as an LSOA build reports it.
    split = footprint_splits(kept)
    assert split and {w for w in split if any(f"({w}) is split" in note for note in kept.unmet)} == split
    # Same seed, same plan.
    again = propose(demo, params.replace(respect="wards"))
    assert again.practice_assignment.equals(kept.practice_assignment) and again.assignment.equals(kept.assignment)


def test_pcns_build_keeps_pcns_and_wards_whole_and_says_when_a_group_is_too_large(demo):
    wards = site_units(demo)
    pcn = demo.practices.pcn_code.reindex(wards.index)
    plan = propose(demo, ProposalParams(target=TARGET, build_from="pcns", respect="wards", seed=1))
    practices = plan.practice_assignment
    assert practices.groupby(pcn.reindex(practices.index)).nunique().eq(1).all()  # every PCN whole
    assert units_split(plan, wards) == set()  # and every ward of practice sites
    # A PCN that shares a ward with another is in its neighbourhood: recount the joined groups independently.
    high = TARGET * 1.1
    lists = demo.practices.list_size.reindex(practices.index)
    for label, members in practices.groupby(practices):
        if lists[members.index].sum() > high and members.size > 1:
            assert any(f"above the largest size of {high:,.0f}; kept whole" in n for n in plan.unmet), label
    assert (
        "PCNs and the wards their practices' sites are in kept whole together"
        in plan.provenance.params["grouped"]["rule"]
    )


def test_cli_respect_file_for_a_practice_build(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: demo)
    # A user geography: LSOAs grouped by their MSOA ("Demo City 014A" -> "Demo City 014").
    units = tmp_path / "localities.csv"
    msoa = demo.lsoas.lsoa_name.str[:-1]
    pd.DataFrame({"lsoa_code": demo.codes, "unit": msoa.to_numpy()}).to_csv(units, index=False)
    out = tmp_path / "plan.csv"
    command = ["propose", "--area", "Q99", "--target", str(TARGET), "--build-from", "practices", "--seed", "1"]
    assert main([*command, "--respect", str(units), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    sites = site_units(demo, msoa)
    assert f"practices grouped by the unit their site is in: {sites.nunique()} groups from {len(sites)}" in text
    written = pd.read_csv(out, dtype=str).set_index("practice_code").neighbourhood  # a list plan's file
    assert set(written.index) == set(sites.index) and units_split(written, sites) == set()
    assert units_split(written, site_units(demo))  # MSOAs kept whole, not wards: the rule follows the file
