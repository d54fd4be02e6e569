"""No text a user sends runs as a template (issue 20, item 1): a viewer's ``map.html`` once ran a neighbourhood
name as Jinja. Template syntax comes in through an upload and a rename and must come out literally in every
answer: the map, the profiles (HTML, CSV, XLSX), the exports and the JSON."""

from __future__ import annotations

import io
import zipfile

from tests.api.conftest import AREA
from tests.maps.test_template_injection import BROKEN, PAYLOADS, assert_literal


def test_names_from_an_upload_and_a_rename_come_out_literally(client, atlas):
    first, second = list(PAYLOADS)[:2]
    body = "lsoa_code,neighbourhood\n" + "".join(
        f"{code},{first if code < 'G0018' else 'North'}\n" for code in atlas.codes
    )
    made = client.post(
        "/api/v1/plans/import", data={"area": AREA}, files={"file": ("plan.csv", body.encode(), "text/csv")}
    )
    assert made.status_code == 201, made.text
    plan_id, etag = made.json()["id"], made.headers["ETag"]
    renamed = client.post(
        f"/api/v1/plans/{plan_id}/rename", json={"names": {"North": second}}, headers={"If-Match": etag}
    )
    assert renamed.status_code == 201, renamed.text
    broken = client.post(
        f"/api/v1/plans/{plan_id}/rename",
        json={"names": {second: BROKEN}},
        headers={"If-Match": renamed.headers["ETag"]},
    )
    assert broken.status_code == 201, broken.text
    outputs = {}
    for path in ("map.html", "profiles.html", "profiles.csv", "export.csv", "export.geojson", "metrics"):
        response = client.get(f"/api/v1/plans/{plan_id}/{path}")
        assert response.status_code == 200, (path, response.text)
        outputs[path] = response.text
    book = client.get(f"/api/v1/plans/{plan_id}/profiles.xlsx")
    assert book.status_code == 200
    with zipfile.ZipFile(io.BytesIO(book.content)) as xlsx:
        outputs["profiles.xlsx"] = "".join(xlsx.read(n).decode() for n in xlsx.namelist() if n.endswith(".xml"))
    for path, text in outputs.items():
        assert_literal(text, [first, BROKEN])
    earlier = client.get(f"/api/v1/plans/{plan_id}/map.html?version=2")
    assert earlier.status_code == 200
    assert_literal(earlier.text, [first, second])
