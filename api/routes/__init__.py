"""One router per resource; ``api.app`` mounts each under ``/api/v1``."""

from api.routes import areas, ensembles, exports, hotspots, keys, layers, lifecycle, plans, proposals, rename

ROUTERS = [areas.router, layers.router, proposals.router, plans.router, rename.router, lifecycle.router, exports.router, hotspots.router, keys.router, ensembles.router]
