"""Stored plan versions as :class:`geo.plan.Plan` objects: rebuild, cache, create, move and change state.

This is the one place where the database (``api.plan_versions``, ``api.lifecycle``) meets the domain
(``geo.plan``). The latest Plan object of each version is kept in a small LRU cache, so "move one LSOA, then read
the metrics" reuses the parent's cached tallies (``Plan.move`` patches them from the moved units) instead of
rebuilding the plan from its stored assignment on every request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from geo.atlas.model import Atlas
from geo.errors import PlanError
from geo.plan import Plan
from geo.plan.ideals import CUSTOM
from geo.plan.params import PlanParams, Provenance
from geo.plan.user_units import unit_places, with_places

from api.etags import check_if_match, version_etag
from api.plan_versions import add_version, check_editable, create_plan, get_version, list_versions
from api.rename_storage import stored_assignment
from api import lifecycle
from api.atlases import AtlasProvider
from api.caches import plan_files
from api.auth import Principal
from api.db import Database
from api.limits import heavy_work
from api.models import AuditEvent, PlanVersion
from api.problems import PreconditionFailed
from api.rows import VersionRow, version_row
from api.readcache import Assembler, BytesCache, dumps, json_array, model_json
from api.schemas import AuditEventPublic, VersionPublic
from api.serialize import metrics_body, plan_metrics, version_public
from api.signoff import check_confirmed, unmet_rules
from geo.plan.compare import compare_plans

#: The key of the stored parameters holding a re-nested plan's ``{neighbourhood: unit}``.
PLACES = "places"
#: Plan objects kept in memory (about 1 MB each for an ICB of 700 LSOAs with metrics computed).
CACHE_SIZE = 256
#: Encoded versions and audit events kept (a few hundred bytes each).
PIECES = 50_000
# The queries run on every read of versions and audit, built once (building a select costs more than running it).
_VERSION_KEYS = (
    select(PlanVersion.version, PlanVersion.state)
    .where(PlanVersion.plan_id == bindparam("plan_id"))
    .order_by(PlanVersion.version)
)
_EVENT_IDS = (
    select(AuditEvent.id)
    .where(AuditEvent.plan_id == bindparam("plan_id"), AuditEvent.id > bindparam("after"))
    .order_by(AuditEvent.id)
    .limit(bindparam("limit"))
)


class PlanCache:
    """Thread-safe LRU cache of Plan objects (or their metrics) by ``(plan_id, version)``."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._items: OrderedDict[tuple[int, int], object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]):
        with self._lock:
            plan = self._items.get(key)
            if plan is not None:
                self._items.move_to_end(key)
            return plan

    def put(self, key: tuple[int, int], plan) -> None:
        with self._lock:
            self._items[key] = plan
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def stored_params(params: PlanParams, provenance: Provenance | None = None, practices=None, places=None) -> dict:
    """The parameters stored with a version: the plan's own, how the plan was made (its provenance), for a
    list-based plan its practice assignment (the list view its footprint is derived from) and, for a plan nested
    in a user's units (a re-nested counted plan), each neighbourhood's unit (``places``: in no data folder, so a
    worker rebuilding the version puts them back, :func:`geo.plan.user_units.with_places`).

    Examples
    --------
    >>> stored_params(PlanParams(target=30000))["target"], "provenance" in stored_params(PlanParams())
    (30000, False)
    """
    body = params.plan_params().to_dict()
    if provenance is not None:
        body["provenance"] = provenance.to_dict()
    if practices is not None:
        body["practice_assignment"] = {str(k): str(v) for k, v in practices.items()}
    if places is not None:
        body[PLACES] = dict(places)
    return body


def plan_stored_params(plan: Plan) -> dict:
    """:func:`stored_params` of a Plan."""
    return stored_params(plan.params, plan.provenance, plan.practice_assignment, unit_places(plan))


def params_of(stored: dict) -> tuple[PlanParams, Provenance]:
    """Rebuild the parameters and provenance stored with a version (older rows hold only the first three)."""
    known = {k: v for k, v in (stored or {}).items() if k in PlanParams.model_fields}
    return PlanParams(**known), Provenance.from_dict((stored or {}).get("provenance"))


def assignment_dict(assignment) -> dict[str, str]:
    """Return an assignment (Series or mapping) as a plain ``{lsoa_code: neighbourhood}`` dict of strings."""
    items = assignment.items() if isinstance(assignment, (pd.Series, dict)) else dict(assignment).items()
    return {str(code): str(label) for code, label in items}


class PlanService:
    """Plans of the service: each call is one transaction plus the geo work it needs.

    Parameters
    ----------
    db
        The plans database.
    atlases
        Area id to atlas.
    cache
        Plan objects by version.
    """

    def __init__(self, db: Database, atlases: AtlasProvider, cache: PlanCache | None = None) -> None:
        self.db = db
        self.atlases = atlases
        self.cache = cache or PlanCache()
        self.metrics_cache = PlanCache()
        self.metrics_bytes = BytesCache(CACHE_SIZE)
        self.files = plan_files()  # built exports, profiles and maps of saved versions
        self.version_rows = Assembler(PIECES)
        self.audit_rows = Assembler(PIECES)

    def build(self, atlas: Atlas, assignment, params: dict, *, name: str = "plan") -> Plan:
        """Build a Plan from stored parameters, raising PlanError (422) for an assignment or parameters that do
        not fit the atlas."""
        plan_params, provenance = params_of(params)
        practices = (params or {}).get("practice_assignment")
        places = (params or {}).get(PLACES)
        if places is not None and provenance.params.get("nest") == CUSTOM:
            # A re-nested plan's units, put back as the plan-file reader puts them back, so this worker measures
            # it from the units' ideals as the worker that made it did (not from the area's places).
            atlas = with_places(
                atlas,
                places,
                None if practices is not None else pd.Series(assignment, dtype=object),
                None if practices is None else pd.Series(practices, dtype=object),
            )
        if practices is not None:
            # The footprint of a list-based plan is derived from its practices, never trusted from storage.
            return Plan.from_practices(atlas, practices, plan_params, provenance=provenance, name=name)
        return Plan(atlas, assignment, plan_params, provenance=provenance, name=name)

    def atlas(self, area: str, actor: Principal) -> Atlas:
        """The atlas of ``area``: the one in memory, else built while it holds a place of ``actor``'s caps.

        Building an atlas that is not in memory is the costliest thing a request can cause (seconds of CPU,
        hundreds of megabytes while it is built), so it takes a place like any heavy request
        (:func:`api.limits.heavy_work`, 429 when none is free): one planner key once built four ICBs at once, and
        a viewer reading plans of several areas after a restart would otherwise build them all at once. Every
        atlas a request needs comes through here, named by the URL (:func:`api.deps.area_atlas`) or by a plan.
        """
        area = self.atlases.canonical(area)  # "grid" is the loaded "GRID": no place taken for it
        atlas = self.atlases.loaded(area)
        if atlas is not None:
            return atlas
        with heavy_work(self.db, actor, "atlas"):
            return self.atlases.get(area)

    def plan_of(self, row: PlanVersion, area: str, actor: Principal, assignment=None) -> Plan:
        """Return the Plan of a stored version, from the cache when it is there (else built on the atlas of
        :meth:`atlas`, which may take a place of ``actor``'s caps)."""
        key = (row.plan_id, row.version)
        plan = self.cache.get(key)
        if plan is None:
            stored = assignment if assignment is not None else row.assignment
            plan = self.build(self.atlas(area, actor), stored, row.params, name=f"plan-{row.plan_id}-v{row.version}")
            self.cache.put(key, plan)
        return plan

    def metrics(
        self, plan_id: int, version: int | None = None, row: PlanVersion | None = None, *, actor: Principal
    ) -> tuple[PlanVersion, dict]:
        """Return a stored version and its metrics as JSON, computed once per version.

        A version's assignment and parameters never change, so neither do its metrics: caching the JSON makes
        repeated reads (every planner's screen polling the same plan) cost a database lookup and no geography.
        """
        row = row or self.row(plan_id, version)
        key = (row.plan_id, row.version)
        body = self.metrics_cache.get(key)
        if body is None:
            body = plan_metrics(self.plan_for(row, actor))
            self.metrics_cache.put(key, body)
        return row, body

    def metrics_json(self, plan_id: int, version: int | None = None, *, actor: Principal) -> tuple[PlanVersion, bytes]:
        """:meth:`metrics` as the encoded answer body (:func:`api.serialize.metrics_body`), cached by version
        and state (the body carries the ETag), so a repeated read costs one database lookup and no encoding."""
        row = self.row(plan_id, version)
        key = (row.plan_id, row.version, row.state)
        body = self.metrics_bytes.get(key)
        if body is None:
            body = dumps(metrics_body(row, self.metrics(plan_id, row=row, actor=actor)[1]))
            self.metrics_bytes.put(key, body)
        return row, body

    def row(self, plan_id: int, version: int | None = None) -> VersionRow:
        """Return a stored version (the latest by default) without its assignment, in one query (404 if none)."""
        with self.db.read_connection() as connection:
            return version_row(connection, plan_id, version)

    def plan_for(self, row: VersionRow, actor: Principal) -> Plan:
        """The Plan of a version row from :meth:`row`: from the cache, else rebuilt from its stored assignment
        (on the atlas of :meth:`atlas`, which may take a place of ``actor``'s caps)."""
        plan = self.cache.get((row.plan_id, row.version))
        if plan is not None:  # looked up once: another thread may evict it before a second look
            return plan
        with self.db.read() as session:
            assignment = stored_assignment(session, row.plan_id, row.version)
        replayed = self._replay(row, assignment)
        if replayed is not None:
            self.cache.put((row.plan_id, row.version), replayed)
            return replayed
        return self.plan_of(row, row.plan.area, actor, assignment)

    def _replay(self, row: VersionRow, assignment: dict) -> Plan | None:
        """The Plan of an edit made by another worker, replayed from its parent when this worker holds the parent:
        the stored moves (or renames) applied incrementally instead of every metric recounted. Kept only when it
        gives exactly the stored assignment."""
        parent = self.cache.get((row.plan_id, row.parent_version)) if row.parent_version else None
        if parent is None or not row.moves or row.source not in ("moves", "rename"):
            return None
        try:
            if row.source == "rename":
                child = parent.rename(row.moves)
            elif parent.practice_assignment is not None:
                child = parent.move_practices(row.moves)
            else:
                child = parent.move(row.moves)
        except PlanError:
            return None
        if assignment_dict(child.assignment) != assignment:
            return None
        return child.named(f"plan-{row.plan_id}-v{row.version}")  # as plan_of names a version it builds

    def load(self, plan_id: int, version: int | None = None, *, actor: Principal) -> tuple[PlanVersion, Plan]:
        """Return a stored version (the latest by default) and its Plan.

        The assignment, the largest column, is read only when the Plan is not cached, as most reads find it there.
        """
        row = self.row(plan_id, version)
        return row, self.plan_for(row, actor)

    def versions_json(self, plan_id: int) -> bytes:
        """The encoded list of a plan's versions, oldest first (404 for no such plan).

        One query lists the versions and states; only versions not seen in that state are read and encoded.
        """

        def render(missing):
            with self.db.read() as session:
                rows = session.scalars(
                    select(PlanVersion)
                    .options(defer(PlanVersion.assignment))
                    .where(PlanVersion.plan_id == plan_id, PlanVersion.version.in_([v for _, v, _ in missing]))
                )
                return {(r.plan_id, r.version, r.state): model_json(VersionPublic, version_public(r)) for r in rows}

        for _ in range(3):
            with self.db.read_connection() as connection:
                keys = [(plan_id, v, s) for v, s in connection.execute(_VERSION_KEYS, {"plan_id": plan_id})]
            if not keys:
                self.row(plan_id)  # 404: every plan has a version
            body = self.version_rows(keys, render)
            if body is not None:
                return body
        # A state kept changing between the two queries: answer from one query, uncached.
        with self.db.read() as session:
            return json_array(model_json(VersionPublic, version_public(r)) for r in list_versions(session, plan_id))

    def audit_json(self, plan_id: int, *, after: int = 0, limit: int = 500) -> bytes:
        """The encoded audit events of a plan, oldest first, after the event id ``after`` (404 for no such plan).

        Events are never changed, so each is encoded once; one indexed query finds the ids of the answer."""

        def render(missing):
            with self.db.read() as session:
                return {
                    e.id: model_json(AuditEventPublic, e)
                    for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(missing)))
                }

        with self.db.read_connection() as connection:
            ids = list(connection.execute(_EVENT_IDS, {"plan_id": plan_id, "after": after, "limit": limit}).scalars())
        if not ids:
            self.row(plan_id)  # 404 for no such plan
        body = self.audit_rows(ids, render)
        if body is None:  # cannot happen (events are never changed), but never answer an empty 200
            body = json_array(render(ids)[i] for i in ids)
        return body

    def create(
        self,
        *,
        name: str,
        area: str,
        assignment=None,
        params: dict | None = None,
        source: str,
        actor: Principal,
        note: str = "",
        detail: dict | None = None,
        plan: Plan | None = None,
    ) -> PlanVersion:
        """Check the assignment against the area's atlas (or take a Plan already built, e.g. a list-based one),
        then save it as version 1 of a new plan."""
        if plan is None:
            plan = self.build(self.atlas(area, actor), assignment, params, name=name)
        params = plan_stored_params(plan)
        stored = assignment_dict(plan.assignment)
        with self.db.write() as session:
            row = create_plan(
                session,
                name=name,
                area=area,
                assignment=stored,
                params=params,
                source=source,
                actor=actor,
                note=note,
                detail=detail,
            )
        plan = plan.named(f"plan-{row.plan_id}-v{row.version}")  # the same name whichever worker builds it
        self.cache.put((row.plan_id, row.version), plan)
        return row

    def move(
        self, plan_id: int, moves: dict[str, str], *, if_match: str | None, actor: Principal, note: str = ""
    ) -> PlanVersion:
        """Move LSOAs (or, in a list-based plan, practices) on the latest version, saving the result as a new
        version (If-Match required).

        The precondition is checked before any geography work, so a stale or missing ETag answers 412/428
        quickly; the compare-and-set in the repository still decides races between concurrent writers.
        """
        current = self.row(plan_id)
        check_if_match(current, if_match)
        check_editable(current)
        parent = self.plan_for(current, actor)  # after the precondition: a stale edit never rebuilds a plan
        if parent.practice_assignment is not None:
            child = parent.move_practices(moves)
            before = parent.practice_assignment
            changed = {code: label for code, label in child.moved_practices.items() if before.get(code) != label}
            unit = "practice"
        else:
            child = parent.move(moves)
            changed = {code: label for code, label in child.moved.items() if parent.assignment.get(code) != label}
            unit = "LSOA"
        if not changed:
            raise PlanError(
                f"the moves change nothing: every {unit} is already in that neighbourhood",
                column="moves",
                expected=f"at least one {unit} moved to another neighbourhood",
            )
        with self.db.write() as session:
            fresh = get_version(session, plan_id)
            check_if_match(fresh, if_match)
            row = add_version(
                session,
                fresh,
                assignment=assignment_dict(child.assignment),
                moves=changed,
                actor=actor,
                note=note,
                params=plan_stored_params(child),
            )
        child = child.named(f"plan-{row.plan_id}-v{row.version}")  # the same name whichever worker builds it
        self.cache.put((row.plan_id, row.version), child)
        return row

    def rename(
        self, plan_id: int, names: dict[str, str], *, if_match: str | None, actor: Principal, note: str = ""
    ) -> PlanVersion:
        """Rename neighbourhoods of the latest version (``{old: new}``), saving a new version audited as
        ``plan.renamed`` with the renames as its moves (If-Match required)."""
        current = self.row(plan_id)
        check_if_match(current, if_match)
        check_editable(current)
        child = self.plan_for(current, actor).rename(names)
        changed = {old: new for old, new in names.items() if old.strip() != new.strip()}
        if not changed:
            raise PlanError("the names change nothing", column="names", expected="at least one new name")
        return self.save_child(
            plan_id,
            child,
            moves=changed,
            if_match=if_match,
            actor=actor,
            note=note,
            source="rename",
            action="plan.renamed",
        )

    def save_child(
        self,
        plan_id: int,
        child: Plan,
        *,
        moves: dict[str, str],
        if_match: str | None,
        actor: Principal,
        note: str,
        source: str,
        action: str,
        from_agreed: bool = False,
        detail: dict | None = None,
    ) -> PlanVersion:
        """Save ``child`` (made from the latest version) as the next version, checking ``If-Match`` again inside
        the transaction, and keep it in the cache under its version's name (renames and re-nestings)."""
        with self.db.write() as session:
            fresh = get_version(session, plan_id)
            check_if_match(fresh, if_match)
            row = add_version(
                session,
                fresh,
                assignment=assignment_dict(child.assignment),
                moves=moves,
                actor=actor,
                note=note,
                source=source,
                action=action,
                params=plan_stored_params(child),
                from_agreed=from_agreed,
                detail=detail,
            )
        self.cache.put((row.plan_id, row.version), child.named(f"plan-{row.plan_id}-v{row.version}"))
        return row

    def transition(
        self,
        plan_id: int,
        action: str,
        *,
        if_match: str | None,
        actor: Principal,
        hwb_reference: str | None = None,
        note: str = "",
        confirmed: list[str] | None = None,
    ) -> PlanVersion:
        """Submit, agree or return the latest version (If-Match required).

        Agreeing checks that ``confirmed`` names every rule the version does not meet (:mod:`api.signoff`), from
        the metrics of the very version the transaction then agrees: fail closed if it changed meanwhile.
        """
        checked, confirmed_rules = None, None
        if action == "agree":
            read = self.row(plan_id)
            check_if_match(read, if_match)
            if read.state == "proposed":  # otherwise the transition refuses it with the state's 409
                checked = read.version
                confirmed_rules = check_confirmed(self.unmet(read, actor), confirmed, read.version)
        with self.db.write() as session:
            current = get_version(session, plan_id)
            check_if_match(current, if_match)
            if checked is not None and current.version != checked:
                raise PreconditionFailed("the plan changed while it was checked; reload it", version_etag(current))
            row = lifecycle.transition(
                session, current, action, actor=actor, hwb_reference=hwb_reference, note=note, confirmed=confirmed_rules
            )
        return row

    def unmet(self, row: PlanVersion, actor: Principal) -> list[dict]:
        """The rules a stored version does not meet (:func:`api.signoff.unmet_rules`), from its cached metrics."""
        metrics = self.metrics(row.plan_id, row=row, actor=actor)[1]
        return unmet_rules(metrics, practices=(metrics.get("summary") or {}).get("practices"))

    def compare(self, plan_id: int, a: int, b: int, *, actor: Principal) -> dict:
        """Return the differences between two versions: moved LSOAs and the metrics of both."""

        _, first = self.load(plan_id, a, actor=actor)
        _, second = self.load(plan_id, b, actor=actor)
        return compare_plans(first, second)
