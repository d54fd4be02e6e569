"""One router per resource; ``api.app`` mounts each under ``/api/v1``."""

from api.routes import (
    access,
    areas,
    ensembles,
    exports,
    hotspots,
    keys,
    layers,
    lifecycle,
    plans,
    proposals,
    rename,
    rules,
    signoff,
)

ROUTERS = [
    areas.router,
    layers.router,
    proposals.router,
    plans.router,
    rename.router,
    lifecycle.router,
    exports.router,
    hotspots.router,
    keys.router,
    access.router,
    ensembles.router,
    rules.router,
    signoff.router,
]
