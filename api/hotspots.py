"""Hotspots of the server-held (modelled) UEC layer as a background job, and the one renderer of every answer.

``POST /areas/{area}/hotspot-jobs`` queues a job of kind ``hotspots`` (``api.jobs.KINDS``), run by the same
machinery as a proposal: a thread of the API process (``NHP_JOBS=local``) or ``nhp worker`` on any machine
(``NHP_JOBS=queue``), each time in a child process (:func:`work`). The child builds the modelled layer, runs
:func:`geo.hotspots.find_hotspots` and renders it with :func:`render`, the function the synchronous routes use
too, so a job's answer is the GET's answer byte for byte and has passed the same suppression
(:meth:`geo.hotspots.result.HotspotResult.answer`, ``to_csv``, ``to_geojson``: counts of 1 to 7 and all that
is derived from them are empty, totals are published margins). Only that rendered, published text is stored
(table ``hotspot_results``, migration 0004), in the transaction that marks the job done.

An uploaded extract never comes here: ``POST /areas/{area}/hotspots`` aggregates it within its request and
stores nothing. The data folder is the one of the process computing the job (its ``NHP_DATA_DIR``, like its
suppression threshold): every API and worker machine holds the same official files.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.db import Database
from api.jobs import send_outcome
from api.models import Base, CompressedJSON, UTCDateTime, utcnow
from api.problems import NotFound
from geo import export
from geo.demo import DEMO_AREA, demo_data_dir
from geo.hotspots import find_hotspots
from geo.settings import get_settings
from geo.uec import uec_layer_for

#: Media type of each answer format.
#: Media types: JSON, and the hotspot formats of the one export table (``geo.export.FORMATS``).
MEDIA_TYPES = {"json": "application/json"} | {
    ext.lstrip("."): fmt.media_type for (kind, ext), fmt in export.FORMATS.items() if kind == "hotspots"
}
#: Seconds a hotspot job is expected to take, for its progress estimate before its first report.
TIME_BUDGET = 60.0


class HotspotRun(Base):
    """The published answer of a finished hotspot job (table ``hotspot_results``, migration 0004)."""

    __tablename__ = "hotspot_results"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(36), index=True)
    area: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(10))
    uec_kind: Mapped[str] = mapped_column(String(20))
    #: The rendered answer (JSON, CSV or GeoJSON text), zlib-compressed.
    body: Mapped[str] = mapped_column("body_z", CompressedJSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


def data_folder(atlas, configured):
    """The folder the atlas's modelled layer comes from: the demo region's own files, else ``configured``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> data_folder(grid_atlas(2, 2), "/srv/nhp/raw")
    '/srv/nhp/raw'
    """

    return demo_data_dir() if DEMO_AREA in atlas.area.codes else configured


def modelled(atlas, configured):
    """:func:`geo.hotspots.find_hotspots` on the modelled UEC layer of ``atlas`` (true figures: render them)."""

    return find_hotspots(atlas, uec_layer_for(atlas, data_folder(atlas, configured)))


def render(result, fmt: str) -> str:
    """The published answer of a hotspot result as text: JSON, CSV or GeoJSON (disclosure-controlled in ``geo``).

    Examples
    --------
    >>> import json, os, tempfile
    >>> from geo.hotspots import find_hotspots
    >>> from geo.testing import grid_atlas
    >>> from geo.uec import read_uec_extract, synthetic_extract, write_extract
    >>> atlas = grid_atlas(6, 6)
    >>> path = write_extract(synthetic_extract(atlas, seed=2), os.path.join(tempfile.mkdtemp(), "x.csv"))
    >>> result = find_hotspots(atlas, read_uec_extract(path, atlas))
    >>> json.loads(render(result, "json"))["uec_kind"], render(result, "csv").split(",")[0]
    ('extract', 'lsoa_code')
    """
    if fmt == "json":
        return json.dumps(result.answer())
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown hotspot format {fmt!r}")
    with tempfile.TemporaryDirectory(prefix="nhp-hotspots-") as folder:  # the writers take a path
        path = Path(folder) / f"hotspots.{fmt}"
        export.write("hotspots", result, path)
        return path.read_text(encoding="utf-8")


def work(atlas, params: dict, conn) -> None:
    """Job body, run in a child process: progress, then ``("done", answer)`` or ``("error", problem)``."""

    def answer() -> dict:
        conn.send(("progress", 0.1, "building the modelled UEC layer and Gi* statistics"))
        result = modelled(atlas, get_settings().data_dir)
        conn.send(("progress", 0.9, "publishing (small counts suppressed)"))
        return {
            "format": params["format"],
            "uec_kind": str(result.layer.kind),
            "body": render(result, params["format"]),
        }

    send_outcome(conn, answer, "The hotspot analysis failed")


def save(session: Session, record, result: dict) -> str:
    """Store a finished job's answer in the job's own transaction (``api.jobs.JobKind.save``); returns its id."""
    row = HotspotRun(
        id=str(uuid.uuid4()),
        job_id=record.id,
        area=record.area,
        format=result["format"],
        uec_kind=result["uec_kind"],
        body=result["body"],
        created_at=utcnow(),
        created_by=record.created_by,
    )
    session.add(row)
    return row.id


def load(db: Database, result_id: str) -> HotspotRun:
    """A stored answer, or 404.

    Examples
    --------
    >>> load(Database("sqlite://"), "no-such-id")
    Traceback (most recent call last):
    ...
    api.problems.NotFound: hotspot result no-such-id does not exist
    """
    with db.read() as session:
        row = session.get(HotspotRun, result_id)
    if row is None:
        raise NotFound(f"hotspot result {result_id} does not exist")
    return row
