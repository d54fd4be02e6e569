"""Neighbourhood names from the wards they cover, and renaming (Python, CLI, API): issue 12."""

from __future__ import annotations

import pandas as pd
import pytest

import cli._common
from cli import main
from geo.errors import PlanError
from geo.names import MAX_NAME, check_name
from geo.plan import Plan
from geo.plan.naming import neighbourhood_names, rename
from geo.propose import ProposalParams, propose
from geo.testing import grid_atlas


def ward_grid(nx=8, ny=8, lad_width=4, block=2, names=None):
    """A grid atlas whose wards are ``block`` x ``block`` squares, named ``names(k)`` (default "Ward k")."""
    atlas = grid_atlas(nx, ny, lad_width=lad_width)
    cols = [int(c[1:]) % nx for c in atlas.codes]
    rows = [int(c[1:]) // nx for c in atlas.codes]
    ward = [(r // block) * (nx // block) + c // block for c, r in zip(cols, rows)]
    atlas.lsoas["ward_code"] = [f"E05{k:06d}" for k in ward]
    atlas.lsoas["ward_name"] = [(names or (lambda k: f"Ward {k}"))(k) for k in ward]
    return atlas


def largest_ward(plan, label):
    members = plan.atlas.lsoas[plan.assignment == label]
    return members.groupby("ward_name").resident_population.sum().sort_values(ascending=False).index[0]


def test_proposed_neighbourhoods_are_named_after_their_largest_ward():
    atlas = ward_grid()
    plan = propose(atlas, ProposalParams(target=12_000, seed=1))
    names = plan.neighbourhoods
    assert len(names) == len(set(names)) == 8
    for name in names:
        assert check_name(name) == name and len(name) <= MAX_NAME
        covered = set(plan.atlas.lsoas.loc[plan.lsoas_of(name), "ward_name"])
        assert any(ward in name for ward in covered)  # the name comes from the places it covers
    # the code-like label the solver used is kept in the provenance, one per neighbourhood
    assert sorted(plan.provenance.labels) == sorted(names)
    assert all(code.startswith(("E07009000-N", "E07009001-N")) for code in plan.provenance.labels.values())


def test_a_whole_place_takes_the_place_name_and_a_whole_pcn_its_pcn_name():
    atlas = ward_grid()
    lsoas = atlas.lsoas
    whole = lsoas.lad_code.where(lsoas.lad_code == "E07009001", lsoas.ward_code)  # all of district 1, wards in 0
    names = neighbourhood_names(Plan(atlas, whole))
    assert names["E07009001"] == "Grid District 1"
    codes = list(atlas.practices.index)
    atlas.practices["pcn_code"] = ["U00001"] * 2 + ["U00002"] * (len(codes) - 2)
    atlas.practices["pcn_name"] = ["NORTH & SOUTH OF THE CITY PCN"] * 2 + ["OTHER PCN"] * (len(codes) - 2)
    plan = Plan.from_practices(atlas, {c: ("A" if i < 2 else "B") for i, c in enumerate(codes)}, target=24_000)
    names = neighbourhood_names(plan)
    assert names["A"] == "North & South of the City PCN" and names["B"] == "Other PCN"


def test_no_two_names_share_a_ward_without_a_qualifier():
    atlas = ward_grid(block=4)  # four big wards, two per district
    plan = propose(atlas, ProposalParams(target=6_000, seed=2))  # more neighbourhoods than wards
    names = plan.neighbourhoods
    bare = {}
    for name in names:
        for ward in set(atlas.lsoas.ward_name):
            if name == ward or name.startswith(ward + " and ") or name.endswith(" and " + ward):
                bare.setdefault(ward, []).append(name)
    assert all(len(v) == 1 for v in bare.values()), bare
    assert len(set(names)) == len(names)


def test_a_name_repeated_across_authorities_gets_the_authority():
    atlas = ward_grid(names=lambda k: "Abbey" if k in (0, 3) else f"Ward {k}")  # ward 0 in LA 0, ward 3 in LA 1
    lsoas = atlas.lsoas
    plan = Plan(atlas, lsoas.ward_code.where(lsoas.ward_name != "Abbey", "abbey-" + lsoas.lad_code))
    names = neighbourhood_names(plan)
    assert names["abbey-E07009000"] == "Grid District 0: Abbey"
    assert names["abbey-E07009001"] == "Grid District 1: Abbey"
    assert len(set(names.values())) == len(names)


def test_long_ward_names_are_cut_to_the_limit_and_stay_unique():
    atlas = ward_grid(names=lambda k: f"{'Long ward name ' * 6}{k}")
    plan = Plan(atlas, atlas.lsoas.ward_code)
    names = neighbourhood_names(plan).values()
    assert len(set(names)) == len(names) and all(len(n) <= MAX_NAME and check_name(n) == n for n in names)


def test_ward_names_that_look_like_formulas_are_made_safe():
    atlas = ward_grid(names=lambda k: f"=HYPERLINK({k})" if k == 0 else f"Ward {k}")
    names = neighbourhood_names(Plan(atlas, atlas.lsoas.ward_code))
    assert names["E05000000"] == "HYPERLINK(0)"


def test_without_wards_names_fall_back_to_the_authority_and_a_number():
    atlas = grid_atlas(8, 4, lad_width=4)
    plan = propose(atlas, ProposalParams(target=12_000, seed=3))
    assert plan.neighbourhoods == ["Grid District 0 1", "Grid District 0 2", "Grid District 1 1", "Grid District 1 2"]


def test_rename_relabels_and_keeps_params_and_provenance():
    atlas = ward_grid()
    plan = propose(atlas, ProposalParams(target=12_000, seed=1))
    old = plan.neighbourhoods[0]
    renamed = plan.rename({old: "Belgrave and Rushey Mead"})
    assert (renamed.assignment == "Belgrave and Rushey Mead").sum() == (plan.assignment == old).sum()
    assert renamed.params == plan.params and renamed.provenance.seed == plan.provenance.seed
    assert renamed.provenance.labels["Belgrave and Rushey Mead"] == plan.provenance.labels[old]
    assert renamed["population"]["Belgrave and Rushey Mead"] == plan["population"][old]
    swapped = plan.rename(
        {plan.neighbourhoods[0]: plan.neighbourhoods[1], plan.neighbourhoods[1]: plan.neighbourhoods[0]}
    )
    assert swapped.neighbourhoods == plan.neighbourhoods and not swapped.assignment.equals(plan.assignment)


def test_rename_relabels_the_practice_view_of_a_list_based_plan():
    atlas = grid_atlas(4, 4)
    plan = Plan.from_practices(atlas, dict(zip(atlas.practices.index, ["A", "A", "B", "B"])), target=12_000)
    renamed = rename(plan, {"A": "Abbey"})
    assert renamed.practice_assignment.tolist() == ["Abbey", "Abbey", "B", "B"]
    assert set(renamed.assignment) == {"Abbey", "B"} and renamed.built_from == "practices"


@pytest.mark.parametrize(
    "mapping, words",
    [
        ({"Nowhere": "X"}, "no neighbourhood called 'Nowhere'"),
        ({"A": "B"}, "two neighbourhoods would be called 'B'"),
        ({"A": "C", "B": "C"}, "two neighbourhoods would be called 'C'"),
        ({"A": "=cmd|' /C calc'!A0"}, "begins with '='"),
        ({"A": "x" * (MAX_NAME + 1)}, "characters long"),
        ({"A": "bad\x1b[31m"}, "control character"),
    ],
)
def test_rename_refuses_with_one_clear_error(mapping, words):
    plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})
    with pytest.raises(PlanError, match=pytest.importorskip("re").escape(words)) as caught:
        rename(plan, mapping)
    assert caught.value.column == "neighbourhood"


def test_cli_rename_writes_the_renamed_plan_and_nothing_on_error(tmp_path, monkeypatch, capsys):
    atlas = ward_grid()
    monkeypatch.setattr(cli._common, "atlas_from_args", lambda args: atlas)
    source = tmp_path / "plan.csv"
    source.write_text(
        "lsoa_code,neighbourhood\n" + "".join(f"{c},{lad}-N1\n" for c, lad in atlas.lsoas.lad_code.items())
    )
    out = tmp_path / "named.csv"
    assert main(["rename", str(source), "--area", "X", "--set", "E07009000-N1=West End", "--out", str(out)]) == 0
    written = pd.read_csv(out)
    assert set(written.neighbourhood) == {"West End", "E07009001-N1"}
    assert main(["rename", str(source), "--area", "X", "--auto", "--out", str(out)]) == 0
    assert set(pd.read_csv(out).neighbourhood) == set(
        neighbourhood_names(Plan(atlas, atlas.lsoas.lad_code + "-N1")).values()
    )
    bad = tmp_path / "bad.csv"
    assert main(["rename", str(source), "--area", "X", "--set", "E07009000-N1=E07009001-N1", "--out", str(bad)]) == 2
    assert "two neighbourhoods would be called" in capsys.readouterr().err and not bad.exists()


@pytest.mark.realdata
def test_qk1_proposal_names_are_unique_readable_and_from_its_wards(data_dir):
    from geo.atlas import load_atlas

    qk1 = load_atlas("QK1", data_dir=data_dir)
    plan = propose(qk1, ProposalParams(target=50_000, tolerance=0.10, seed=1))
    names = plan.neighbourhoods
    assert len(names) == len(set(names)) == 22
    lookup = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str).set_index("lsoa21_code")
    lads = lookup.groupby("ltla24_code").size()
    places = []
    for name in names:
        assert check_name(name) == name
        mine = lookup.loc[plan.lsoas_of(name)]
        whole = mine.ltla24_code.nunique() == 1 and len(mine) == lads[mine.ltla24_code.iloc[0]]
        if whole:  # a whole local authority is named after it (Rutland, Melton, Oadby and Wigston)
            assert name == mine.ltla24_name.iloc[0], name
            places.append(name)
        else:
            assert any(ward in name for ward in mine.ward24_name.unique()), name  # named after wards it covers
    assert {"Rutland", "Melton", "Oadby and Wigston"} <= set(places)
