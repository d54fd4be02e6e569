"""The summary page carries the cover's key figures of the plan, each read from the plan's own summary (one value),
never counted again from the pack's tables."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest

from geo.profiles.cover import cover
from geo.profiles.htmlkit import format_value
from geo.profiles.plan_figures import plan_rows
from geo.profiles.summary_pages import summary, summary_figures


@pytest.fixture(scope="module")
def pack(place_plan, england):
    from geo.profiles import neighbourhood_profiles

    return neighbourhood_profiles(place_plan, england=england)


def test_the_summary_gives_the_cover_s_figures_from_the_plan_s_own_summary(pack, place_plan):
    told = place_plan.summary()
    pack = replace(pack, title="Draft A", version="4", state="agreed")
    rows = dict(plan_rows(pack))
    assert rows["Neighbourhoods"].startswith(f"{told['neighbourhoods']}, ")
    assert rows["Plan population"] == f"{format_value('resident_population', told['population'])} residents"
    page, front = summary(pack), cover(pack)
    for label, value in summary_figures(pack):
        assert f"<b>{label}</b> {html.escape(value)}" in page.split("</h2>")[0]  # in the heading
        assert f"<th>{label}</th><td>{html.escape(value)}</td>" in front
    assert {k for k, _ in summary_figures(pack)} >= {"Plan", "Version", "Sign-off", "Neighbourhoods", "Plan population"}


def test_the_figures_are_the_plan_s_not_recounted_from_the_pack_s_table(pack, place_plan):
    fewer = replace(pack, summary=pack.summary.iloc[:1])  # a table of one row: the plan's count still stands
    told = place_plan.summary()
    assert dict(plan_rows(fewer))["Neighbourhoods"].startswith(f"{told['neighbourhoods']}, ")
    assert told["neighbourhoods"] != 1
