"""Propose neighbourhood footprints: LSOAs grouped into neighbourhoods of about a target population.

Neighbourhoods nest in a chosen unit (local authority by default), are contiguous, balanced and compact, and keep
the LSOAs of a GP practice together where they can. :func:`group_mnp` groups whole neighbourhoods into
Multi-Neighbourhood Provider areas.

Examples
--------
>>> from geo.testing import grid_atlas
>>> from geo.propose import ProposalParams, propose
>>> plan = propose(grid_atlas(8, 4, lad_width=4), ProposalParams(target=12_000))
>>> len(plan.neighbourhoods), plan.provenance.method
(4, 'tree-bisection')
"""

from geo.propose.engine import ALGORITHMS, propose
from geo.propose.mnp import group_mnp
from geo.propose.model import NEST_LEVELS, ProposalParams

__all__ = ["ALGORITHMS", "NEST_LEVELS", "ProposalParams", "group_mnp", "propose"]
