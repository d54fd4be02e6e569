"""Named plan metrics ("updaters"): each is computed the first time a plan is asked for it, then cached.

A metric is a function of a :class:`geo.plan.Plan`. Metrics that can be patched from the parent plan (population
tallies, registrations by practice, practice homes and splits, cut edges, contiguous components, perimeters,
dissolved shapes) also carry an ``update(child, parent_value)`` that starts from the parent's cached value and
applies only the units that moved, so an edit and its summary cost well under a millisecond on an ICB. This
follows GerryChain's updaters, with plain functions in a registry rather than per-partition dictionaries.

A **keyed** metric is a figure of a plan *and* something else it is compared with or laid over: coterminosity with
a geography, UEC load of a hotspot layer. ``plan.metric(name, of)`` computes it once per plan and ``of`` (cached by
the metric's ``token(of)`` when it gives one, e.g. a built-in geography's name, else by the object itself) and
every output reads that value. Every per-neighbourhood figure is registered here, exact; outputs publish it
(:mod:`geo.disclosure`) where it leaves the process.

Examples
--------
>>> from geo.metrics import REGISTRY
>>> {"tallies", "parts", "polsby_popper", "practice_splits"} <= set(REGISTRY)
True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.plan import Plan


@dataclass
class Metric:
    """One named metric: a full computation and, optionally, an incremental update from the parent's value."""

    name: str
    compute: Callable[["Plan"], Any]
    description: str = ""
    update: Callable[["Plan", Any], Any] | None = None
    #: Keyed metrics are ``compute(plan, of)``, read by ``plan.metric(name, of)``.
    keyed: bool = False
    #: For a keyed metric: ``token(of)`` names ``of`` by value (a cache key), or ``None`` to cache by identity.
    token: Callable[[Any], Hashable | None] | None = None

    def updater(self, func: Callable[["Plan", Any], Any]) -> Callable[["Plan", Any], Any]:
        """Register ``func(child, parent_value)`` as the incremental update of this metric."""
        self.update = func
        return func


REGISTRY: dict[str, Metric] = {}


def metric(
    name: str, description: str = "", *, keyed: bool = False, token: Callable[[Any], Hashable | None] | None = None
) -> Callable[[Callable[..., Any]], Metric]:
    """Register a metric computed by the decorated function of a plan.

    Parameters
    ----------
    name
        The key under which ``plan[name]`` (or ``plan.metric(name, of)`` for a keyed metric) returns the value.
    description
        One line for documentation and ``nhp score --help``.
    keyed
        The function is ``f(plan, of)``: a figure of the plan and of ``of`` (a geography, a UEC layer).
    token
        For a keyed metric: a function naming ``of`` by value for the cache, or ``None`` for "by identity".

    Examples
    --------
    >>> @metric("example_lsoa_total", "number of LSOAs in the plan")
    ... def _total(plan):
    ...     return len(plan.assignment)
    >>> REGISTRY.pop("example_lsoa_total").description
    'number of LSOAs in the plan'
    """

    def register(func: Callable[..., Any]) -> Metric:
        if name in REGISTRY:
            raise ValueError(f"metric {name!r} is registered twice")
        REGISTRY[name] = Metric(name, func, description, keyed=keyed, token=token)
        return REGISTRY[name]

    return register


def plan_metrics() -> list[str]:
    """Names of the metrics of a plan alone (``plan[name]``), in registration order; keyed ones left out.

    Examples
    --------
    >>> "population" in plan_metrics(), "coterminosity" in plan_metrics(), "coterminosity" in REGISTRY
    (True, False, True)
    """
    return [name for name, entry in REGISTRY.items() if not entry.keyed]


# Registering happens on import; the order matters only for readability of the registry.
from geo.metrics import tallies as _tallies  # noqa: E402,F401
from geo.metrics import contiguity as _contiguity  # noqa: E402,F401
from geo.metrics import compactness as _compactness  # noqa: E402,F401
from geo.metrics import nesting as _nesting  # noqa: E402,F401
from geo.metrics import deprivation as _deprivation  # noqa: E402,F401
from geo.metrics import practices as _practices  # noqa: E402,F401
from geo.metrics import lists as _lists  # noqa: E402,F401
from geo.metrics import coterminosity as _coterminosity  # noqa: E402,F401
from geo.metrics import uec as _uec  # noqa: E402,F401
from geo.metrics import profile as _profile  # noqa: E402,F401
from geo.metrics import margins as _margins  # noqa: E402,F401
