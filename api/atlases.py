"""Which study areas the service offers, and their atlases, loaded once and kept in memory.

The service always offers the synthetic demo region; with ``NHP_DATA_DIR`` set it also loads real areas on
demand (an ICB such as ``QK1``, a sub-ICB, or local authority codes) through :func:`geo.atlas.load_atlas`, whose
GeoParquet cache makes a restart quick. Tests hand :func:`as_provider` a mapping of area id to a synthetic atlas.

An area id arrives in a URL, so it is checked against a strict pattern before it reaches ``load_atlas``: that
function also accepts the path of a file of LSOA codes, which must never be reachable from a request.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

from geo.atlas.model import Atlas
from geo.errors import AreaError, DataError
from geo.settings import Settings

from api.problems import NotFound

AREA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}(,[A-Za-z0-9][A-Za-z0-9_-]{0,19}){0,19}$")
#: Atlases kept in memory at once; the least recently used is dropped beyond this (and reloaded from cache).
MAX_LOADED = 8


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
    return area


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

    def __init__(self, loader: Callable[[str], Atlas], listed: list[str], *, open_ended: bool = False) -> None:
        self._loader = loader
        self._listed = list(dict.fromkeys(listed))
        self._open_ended = open_ended
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

    def get(self, area: str) -> Atlas:
        """Return the atlas of ``area``; 404 for an area the service does not offer or cannot find."""
        check_area_id(area)
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
        from geo.atlas import load_atlas

        demo_area, demo_dir = _demo()
        if demo_area is not None and area == demo_area:
            return load_atlas(area, data_dir=demo_dir(), vintage=settings.vintage)
        if settings.data_dir is None:
            raise AreaError(f"only the demo region {demo_area} is available",
                            expected="NHP_DATA_DIR set to the folder of official files for real areas")
        return load_atlas(area, data_dir=settings.data_dir, vintage=settings.vintage)

    demo_area, _ = _demo()
    listed = [demo_area] if demo_area else []
    listed += [a.strip() for a in str(getattr(settings, "api_areas", "") or "").split(";") if a.strip()]
    return AtlasProvider(load, listed, open_ended=settings.data_dir is not None)


def _demo():
    try:
        from geo.demo import DEMO_AREA, demo_data_dir
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
    raise DataError(f"cannot use {type(source).__name__} as an atlas provider",
                    expected="a mapping of area id to Atlas, a callable, or an AtlasProvider")
