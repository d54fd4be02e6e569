"""The synthetic grid atlas other tests stand on is what its docstring draws."""

from geo.testing import grid_atlas


def test_grid_populations_and_queen_neighbours():
    atlas = grid_atlas(3, 3)
    assert len(atlas.lsoas) == 9
    assert atlas.lsoas.resident_population.sum() == 13_500
    assert sorted(atlas.neighbours["G0000"]) == ["G0001", "G0003", "G0004"]
    assert len(atlas.neighbours["G0004"]) == 8


def test_grid_registrations_match_layer():
    atlas = grid_atlas(6, 6, lad_width=3)
    by_lsoa = atlas.registrations.groupby("lsoa_code").patients.sum()
    assert (by_lsoa.reindex(atlas.lsoas.index).to_numpy() == atlas.lsoas.registered_population.to_numpy()).all()
    assert atlas.lsoas.lad_code.nunique() == 2
    assert atlas.practices.list_size.sum() == atlas.registrations.patients.sum()
