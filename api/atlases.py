"""Which study areas the service offers, and their atlases, loaded once and kept in memory.

The service always offers the synthetic demo region; with ``NHP_DATA_DIR`` set it also loads real areas on
demand (an ICB such as ``QK1``, a sub-ICB, or local authority codes) through :func:`geo.atlas.load_atlas`, whose
GeoParquet cache makes a restart quick. Tests hand :func:`as_provider` a mapping of area id to a synthetic atlas.

An area id arrives in a URL, so it is checked against a strict pattern before it reaches ``load_atlas``: that
function also accepts the path of a file of LSOA codes, which must never be reachable from a request. Ids are
canonical (upper case; a list of codes de-duplicated and sorted), so ``qk1`` and ``Qk1`` are one atlas, built once.

Building an atlas is the costliest thing a request can cause, so who may cause it depends on the role
(:meth:`AtlasProvider.authorize`): any caller may use an area that is listed or already loaded; only planners may
load another one, and only up to :data:`PLANNER_MAX_LSOAS` LSOAs (sized from the lookup before anything is
built); only admins may load any size.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Annotated

from pydantic import StringConstraints

from geo.atlas.model import Atlas
from geo.errors import AreaError, DataError
from geo.settings import Settings

from api.problems import NotFound, Problem
from geo.atlas import load_atlas
from geo.atlas.sizing import area_lsoa_count

#: The one area-id rule: codes of letters, digits, ``_`` and ``-`` (up to 20 characters each), comma-separated, at
#: most :data:`MAX_AREA_ID` characters in all. URLs (:func:`check_area_id`) and request bodies (:data:`AreaId`)
#: read it from here, so an area a proposal was made for is an area a plan can be made for.
AREA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}(,[A-Za-z0-9][A-Za-z0-9_-]{0,19}){0,19}$")
#: Longest area id (the database columns that hold it are 100 characters).
MAX_AREA_ID = 100
#: An area id in a request body or form: the same pattern and length as :func:`check_area_id`.
AreaId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_AREA_ID, pattern=AREA_ID.pattern)
]
#: Atlases kept in memory at once; the least recently used is dropped beyond this (and reloaded from cache).
MAX_LOADED = 8
#: Largest area (LSOAs) a planner may have built on demand; England's largest ICB has about 1,900.
PLANNER_MAX_LSOAS = 2_500


def check_area_id(area: str) -> str:
    """Return ``area`` when it is a safe area id, else raise 404.

    Examples
    --------
    >>> check_area_id("QK1")
    'QK1'
    >>> check_area_id("../etc/passwd")
    Traceback (most recent call last):
    ...
    api.problems.NotFound: no study area '../etc/passwd'...
    """
    if not AREA_ID.match(area) or area.lower() in {"england", "e92000001"}:
        raise NotFound(f"no study area {area!r}: use an ICB (QK1), sub-ICB or local authority codes")
    if len(area) > MAX_AREA_ID:  # plans, proposals and jobs store the id in 100 characters
        raise NotFound(
            f"no study area {area[:40]!r}...: an area id has at most {MAX_AREA_ID} characters (ten "
            "local authority codes); for more, use the ICB or sub-ICB code"
        )
    return area


def canonical_area(area: str) -> str:
    """Return the canonical id of a safe area id: upper case, a list of codes de-duplicated and sorted.

    Examples
    --------
    >>> canonical_area("qk1"), canonical_area("e07000129,E06000016,e06000016")
    ('QK1', 'E06000016,E07000129')
    """
    check_area_id(area)
    return ",".join(sorted(dict.fromkeys(part.upper() for part in area.split(","))))


class AtlasProvider:
    """Maps an area id to its atlas, loading each at most once at a time and caching it.

    Parameters
    ----------
    loader
        ``loader(area) -> Atlas``; raises :class:`geo.errors.DataError` for an area it cannot build.
    listed
        Area ids to list in ``GET /api/v1/areas`` before they are loaded.
    open_ended
        When True any well-formed area id may be loaded on demand; otherwise only the listed ones.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> provider = as_provider({"GRID": grid_atlas(2, 2)})
    >>> provider.areas(), len(provider.get("GRID").lsoas)
    (['GRID'], 4)
    """

    def __init__(
        self,
        loader: Callable[[str], Atlas],
        listed: list[str],
        *,
        open_ended: bool = False,
        sizer: Callable[[str], int] | None = None,
    ) -> None:
        self._loader = loader
        self._listed = list(dict.fromkeys(listed))
        self._open_ended = open_ended
        self._sizer = sizer
        self._loaded: OrderedDict[str, Atlas] = OrderedDict()
        self._lock = threading.Lock()
        self._area_locks: dict[str, threading.Lock] = {}

    def areas(self) -> list[str]:
        """Listed area ids followed by any other area loaded so far."""
        with self._lock:
            return list(dict.fromkeys([*self._listed, *self._loaded]))

    def loaded(self, area: str) -> Atlas | None:
        """The atlas of ``area`` when it is in memory, without loading it."""
        with self._lock:
            return self._loaded.get(area)

    def canonical(self, area: str) -> str:
        """The id under which ``area`` is listed or loaded (matched without regard to case), else its canonical id."""
        check_area_id(area)
        with self._lock:
            known = {a.upper(): a for a in [*self._listed, *self._loaded]}
        return known.get(area.upper()) or known.get(canonical_area(area).upper()) or canonical_area(area)

    def authorize(self, area: str, principal) -> str:
        """Return the canonical id when ``principal`` may use ``area``, else raise 403 (or 404 for no such area).

        Listed and loaded areas are open to every role; loading another needs a planner (up to
        :data:`PLANNER_MAX_LSOAS` LSOAs, sized before building) or an admin (any size).
        """
        area = self.canonical(area)
        with self._lock:
            known = area in self._listed or area in self._loaded
        if known or principal.can("admin"):
            return area
        if not self._open_ended:
            raise NotFound(f"no study area {area!r}; available: {', '.join(self._listed) or 'none'}")
        if not principal.can("planner"):
            raise _forbidden(
                f"a viewer may use only the areas already offered ({', '.join(self.areas())}); "
                f"ask a planner or admin to load {area}"
            )
        size = self._size(area)
        if size is None or size > PLANNER_MAX_LSOAS:
            raise _forbidden(
                f"area {area} has {'an unknown number of' if size is None else f'{size:,}'} LSOAs; "
                f"a planner may load areas of up to {PLANNER_MAX_LSOAS:,} LSOAs (an ICB); "
                "ask an admin to load or list a larger one"
            )
        return area

    def _size(self, area: str) -> int | None:
        if self._sizer is None:
            return None
        try:
            return int(self._sizer(area))
        except AreaError as error:
            raise NotFound(f"no study area {area!r}: {error.message}") from error

    def get(self, area: str) -> Atlas:
        """Return the atlas of ``area``; 404 for an area the service does not offer or cannot find."""
        area = self.canonical(area)
        with self._lock:
            if area in self._loaded:
                self._loaded.move_to_end(area)
                return self._loaded[area]
            if area not in self._listed and not self._open_ended:
                raise NotFound(f"no study area {area!r}; available: {', '.join(self._listed) or 'none'}")
            area_lock = self._area_locks.setdefault(area, threading.Lock())
        # One loader per area: a second request for the same area waits for the first instead of loading twice.
        with area_lock:
            with self._lock:
                if area in self._loaded:
                    return self._loaded[area]
            try:
                atlas = self._loader(area)
            except AreaError as error:
                raise NotFound(f"no study area {area!r}: {error.message}") from error
            with self._lock:
                self._loaded[area] = atlas
                while len(self._loaded) > MAX_LOADED:
                    self._loaded.popitem(last=False)
            return atlas


def default_provider(settings: Settings) -> AtlasProvider:
    """The real service's provider: the demo region always; real areas on demand when a data folder is set."""

    def load(area: str) -> Atlas:

        demo_area, demo_dir = _demo()
        if demo_area is not None and area == demo_area:
            return load_atlas(area, data_dir=demo_dir(), vintage=settings.vintage)
        if settings.data_dir is None:
            raise AreaError(
                f"only the demo region {demo_area} is available",
                expected="NHP_DATA_DIR set to the folder of official files for real areas",
            )
        return load_atlas(area, data_dir=settings.data_dir, vintage=settings.vintage)

    def size(area: str) -> int:
        """LSOAs of an area from the lookup alone (a second or two, against minutes to build the atlas)."""

        return area_lsoa_count(area, settings.data_dir, settings.vintage)

    demo_area, _ = _demo()
    listed = [demo_area] if demo_area else []
    listed += [canonical_area(a.strip()) for a in str(getattr(settings, "api_areas", "") or "").split(";") if a.strip()]
    return AtlasProvider(
        load, listed, open_ended=settings.data_dir is not None, sizer=size if settings.data_dir is not None else None
    )


def _forbidden(detail: str) -> Problem:
    return Problem(403, "Forbidden", detail, slug="area-too-large")


def _demo():
    try:
        from geo.demo import DEMO_AREA, demo_data_dir  # lazy: optional dependency, guarded by try/except
    except ImportError:  # the demo module is optional for the service: real areas still work without it
        return None, None
    return DEMO_AREA, demo_data_dir


def as_provider(source, settings: Settings | None = None) -> AtlasProvider:
    """Turn what ``create_app(atlas_provider=...)`` was given into an :class:`AtlasProvider`.

    ``None`` gives :func:`default_provider`; a mapping of area id to :class:`Atlas` gives a fixed set (tests);
    a callable ``f(area) -> Atlas`` is used as the loader with on-demand areas; a provider is used as it is.
    """
    if isinstance(source, AtlasProvider):
        return source
    if source is None:
        return default_provider(settings or Settings())
    if isinstance(source, Mapping):
        atlases = dict(source)

        def lookup(area: str) -> Atlas:
            if area not in atlases:
                raise AreaError(f"unknown area {area!r}")
            return atlases[area]

        return AtlasProvider(lookup, list(atlases), open_ended=False)
    if callable(source):
        return AtlasProvider(source, [], open_ended=True)
    raise DataError(
        f"cannot use {type(source).__name__} as an atlas provider",
        expected="a mapping of area id to Atlas, a callable, or an AtlasProvider",
    )
