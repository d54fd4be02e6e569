"""One router per resource; ``api.app`` mounts each under ``/api/v1``."""

from api.routes import (
    access,
    areas,
    coterminosity,
    ensembles,
    exports,
    hotspots,
    keys,
    layers,
    lifecycle,
    plans,
    proposals,
    rename,
    renest,
    rules,
    signoff,
)

ROUTERS = [
    areas.router,
    layers.router,
    proposals.router,
    plans.router,
    rename.router,
    coterminosity.router,
    renest.router,
    lifecycle.router,
    exports.router,
    hotspots.router,
    keys.router,
    access.router,
    ensembles.router,
    rules.router,
    signoff.router,
]
