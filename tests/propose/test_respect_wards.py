"""``respect="wards"``: whole wards wherever balance allows, each split reported; ``--nest FILE``: issue 12."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cli._common
from cli import main
from geo.errors import PlanError
from geo.plan.coterminosity import coterminosity
from geo.propose import ProposalParams, propose
from geo.testing import grid_atlas
from tests.plan.test_naming import ward_grid


def split_wards(plan) -> set:
    lsoas = plan.atlas.lsoas
    counts = pd.DataFrame({"w": lsoas.ward_code, "n": plan.assignment}).groupby("w").n.nunique()
    return set(counts.index[counts > 1])


@pytest.fixture(scope="module")
def uneven():
    atlas = ward_grid(12, 12, lad_width=6, block=2)
    atlas.lsoas["resident_population"] = np.random.default_rng(3).integers(1000, 2000, 144)
    return atlas


def test_whole_wards_when_they_fit_the_tolerance(uneven):
    params = ProposalParams(target=uneven.lsoas.resident_population.sum() / 8, tolerance=0.15, seed=1)
    default = propose(uneven, params)
    wards = propose(uneven, params.replace(respect="wards"))
    low, high = params.band
    assert all(low <= p <= high for p in wards["population"].values())
    assert len(split_wards(wards)) <= len(split_wards(default))
    # every ward still split is reported, by name, in what the proposal could not meet
    reported = {w for w in split_wards(wards) if any(w in note for note in wards.unmet)}
    assert reported == split_wards(wards)
    assert wards.provenance.params["respect"] == "wards"


def test_a_ward_is_split_only_when_balance_needs_it():
    atlas = ward_grid(8, 4, lad_width=8, block=4)  # two wards of 16 LSOAs, each 24,000 people
    whole = propose(atlas, ProposalParams(target=24_000, tolerance=0.1, respect="wards", seed=1))
    assert split_wards(whole) == set() and whole.unmet == []
    assert coterminosity(whole, "wards").index == 1.0
    thirds = propose(atlas, ProposalParams(target=16_000, tolerance=0.1, respect="wards", seed=1))
    assert split_wards(thirds) and all(any(w in n for n in thirds.unmet) for w in split_wards(thirds))
    assert max(abs(p / 16_000 - 1) for p in thirds["population"].values()) <= 0.1


def test_wards_needed():
    with pytest.raises(PlanError, match="no electoral wards"):
        propose(grid_atlas(4, 4), ProposalParams(target=6000, respect="wards"))


def test_practices_whole_behaves_as_before():
    atlas = grid_atlas(8, 8, lad_width=4)
    a = propose(atlas, ProposalParams(target=24_000, seed=2))
    b = propose(atlas, ProposalParams(target=24_000, seed=2, practices="whole", respect="practices"))
    assert a.assignment.equals(b.assignment)


def test_cli_respect_wards_and_nest_in_a_user_geography(tmp_path, monkeypatch, capsys):
    atlas = ward_grid(8, 8, lad_width=8)
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: atlas)
    unitaries = tmp_path / "unitaries.csv"
    west = np.array([int(c[1:]) % 8 for c in atlas.codes]) < 4
    pd.DataFrame({"lsoa_code": atlas.codes, "unit": np.where(west, "West", "East")}).to_csv(unitaries, index=False)
    out = tmp_path / "plan.csv"
    assert (
        main(
            [
                "propose",
                "--area",
                "X",
                "--target",
                "24000",
                "--respect",
                "wards",
                "--nest",
                str(unitaries),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    plan = pd.read_csv(out).set_index("lsoa_code").neighbourhood
    side = pd.Series(np.where(west, "West", "East"), index=atlas.codes)
    assert (plan.groupby(plan).apply(lambda n: side[n.index].nunique()) == 1).all()  # nested in the file's units
    short = tmp_path / "short.csv"
    pd.DataFrame({"lsoa_code": atlas.codes[:10], "unit": "West"}).to_csv(short, index=False)
    bad = tmp_path / "bad.csv"
    assert main(["propose", "--area", "X", "--nest", str(short), "--out", str(bad)]) == 2
    assert "short.csv" in capsys.readouterr().err and not bad.exists()


@pytest.mark.realdata
def test_qk1_respect_wards_splits_fewer_wards_and_says_which(data_dir):
    from geo.atlas import load_atlas

    qk1 = load_atlas("QK1", data_dir=data_dir)
    default = propose(qk1, ProposalParams(target=50_000, seed=1))
    wards = propose(qk1, ProposalParams(target=50_000, seed=1, respect="wards"))
    lookup = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str).set_index("lsoa21_code")

    def raw_splits(plan):
        frame = pd.DataFrame({"w": lookup["ward24_code"].reindex(qk1.codes), "n": plan.assignment})
        counts = frame.groupby("w").n.nunique()
        return set(counts.index[counts > 1])

    assert len(raw_splits(wards)) < len(raw_splits(default)) / 2
    assert {w for w in raw_splits(wards) if any(w in note for note in wards.unmet)} == raw_splits(wards)
    assert wards.summary()["within_10_pct"] >= default.summary()["within_10_pct"]


@pytest.mark.realdata
def test_qk1_from_whole_practices_keeps_the_ward_of_every_practice_site_whole(data_dir):
    # Issue 23: recounted from the official ward lookup and the practices' site LSOAs, not from the atlas's wards.
    from geo.atlas import load_atlas

    qk1 = load_atlas("QK1", data_dir=data_dir)
    plan = propose(qk1, ProposalParams(target=50_000, seed=1, build_from="practices", respect="wards"))
    lookup = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str).set_index("lsoa21_code")
    practices = plan.practice_assignment
    ward = lookup["ward24_code"].reindex(qk1.practices.lsoa_code.reindex(practices.index)).to_numpy()
    assert practices.groupby(ward).nunique().eq(1).all()
    assert (
        f"{pd.Series(ward).nunique()} groups from {len(practices)} practices"
        in plan.provenance.params["grouped"]["rule"]
    )
    frame = pd.DataFrame({"w": lookup["ward24_code"].reindex(qk1.codes), "n": plan.assignment})
    counts = frame.groupby("w").n.nunique()
    split = set(counts.index[counts > 1])  # wards the place footprint splits: each reported
    assert split and {w for w in split if any(f"({w}) is split" in note for note in plan.unmet)} == split
