"""The service's caches (issue 20, item 11): keyed by what an atlas holds, never by ``id(atlas)``, and bounded."""

from __future__ import annotations

import gc
import json
import weakref

from api import caches
from api.caches import BoundedCache, atlas_fingerprint
from geo.testing import grid_atlas


def test_a_reused_object_id_never_returns_another_atlas_fingerprint():
    old = grid_atlas(3, 3, population=1500)
    stale = atlas_fingerprint(old)
    new = grid_atlas(3, 3, population=2000)
    # What a reused id looks like to the memo: an entry under the new atlas's id that was made for another object.
    caches._memo[id(new)] = (weakref.ref(old), stale)
    assert atlas_fingerprint(new) != stale
    assert atlas_fingerprint(new) == atlas_fingerprint(grid_atlas(3, 3, population=2000))


def test_layers_of_two_areas_loaded_one_after_the_other_are_their_own(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.settings import Settings
    from tests.api.conftest import AREA

    bodies = []
    for population in (1500, 2500):
        atlas = grid_atlas(4, 4, population=population)
        settings = Settings(data_dir=None, home_dir=tmp_path / str(population))
        app = create_app(settings, atlas_provider={AREA: atlas})
        with TestClient(app, base_url="http://127.0.0.1") as client:
            answer = client.get(f"/api/v1/areas/{AREA}/lsoas")
        assert answer.status_code == 200, answer.text
        bodies.append(json.loads(answer.content))
        del atlas, app
        gc.collect()
    shown = [{f["properties"]["resident_population"] for f in body["features"]} for body in bodies]
    assert shown == [{1500.0}, {2500.0}]


def test_every_cache_is_bounded():
    cache = BoundedCache(3)
    for i in range(100):
        cache.get_or_make(i, lambda i=i: i)
    assert len(cache) == 3
    assert caches.LAYERS.size <= 64 and caches.HOTSPOTS.size <= 8


def test_a_version_profile_pack_is_built_once_and_is_that_version(client, monkeypatch):
    import geo.profiles

    from tests.api.conftest import new_plan

    built = []
    real = geo.profiles.neighbourhood_profiles

    def counting(plan, *args, **kwargs):
        built.append(sorted(set(plan.assignment)))
        return real(plan, *args, **kwargs)

    monkeypatch.setattr(geo.profiles, "neighbourhood_profiles", counting)
    plan_id, etag = new_plan(client)
    first = [client.get(f"/api/v1/plans/{plan_id}/profiles.csv").text for _ in range(3)]
    assert len(built) == 1 and first[0] == first[1] == first[2]
    renamed = client.post(
        f"/api/v1/plans/{plan_id}/rename", json={"names": {"E07009000": "West"}}, headers={"If-Match": etag}
    )
    assert renamed.status_code == 201, renamed.text
    second = client.get(f"/api/v1/plans/{plan_id}/profiles.csv").text
    assert len(built) == 2 and "West" in second and "West" not in first[0]
    again = client.get(f"/api/v1/plans/{plan_id}/profiles.csv?version=1").text
    assert again == first[0] and len(built) == 2
