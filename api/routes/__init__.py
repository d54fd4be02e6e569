"""One router per resource; ``api.app`` mounts each under ``/api/v1``."""

from api.routes import areas, exports, hotspots, keys, lifecycle, plans, proposals

ROUTERS = [areas.router, proposals.router, plans.router, lifecycle.router, exports.router, hotspots.router, keys.router]
