"""A neighbourhood whose practices have no QOF rows (the Isles of Scilly's L82017) says "not published", never
"suppressed": suppressed means a published count of 1 to 7 was hidden."""

from __future__ import annotations

import re

import numpy as np

from geo.profiles import neighbourhood_profiles


def test_conditions_without_qof_rows_are_not_published(list_plan, england, tmp_path):
    atlas = list_plan.atlas
    assignment = list_plan.practice_assignment
    hood = sorted(set(assignment))[0]
    saved = atlas.qof
    atlas.qof = saved[~saved.practice_code.isin(assignment.index[assignment == hood])].reset_index(drop=True)
    try:
        profiles = neighbourhood_profiles(list_plan, england=england)
        html = profiles.write(tmp_path / "profiles.html").read_text(encoding="utf-8")
    finally:
        atlas.qof = saved
    cond = profiles.figures.conditions
    mine = cond[cond.area == hood]
    assert len(mine) and not mine.published.any() and mine.prevalence_pct.isna().all()
    assert cond[cond.area != hood].published.all()
    assert np.isnan(mine.patients).all()
    # The neighbourhood's conditions table: every row "not published", none "suppressed".
    section = html[html.index(f"{hood} <small>(continued)") :]
    table = re.search(r"QOF registers and prevalence.*?</table>", section, flags=re.S).group(0)
    assert table.count("not published") == 2 * len(mine) and "suppressed" not in table
