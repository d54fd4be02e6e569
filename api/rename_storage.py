"""How a rename's version is stored: a pointer to its parent (its renames are its ``moves``) instead of a whole
assignment, and how a stored version's full assignment is read back (a bounded chain of renames replayed).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import PlanVersion

#: A rename stores no assignment, only a pointer to its parent (its renames are its ``moves``): a version's
#: assignment is the parent's with the renames applied. At most this many such versions follow each other before
#: one stores its whole assignment again, so a read replays a bounded chain.
MAX_DELTA_CHAIN = 16
_DELTA = "$renamed_from"  # never an LSOA code


def is_delta(stored) -> bool:
    """True when a stored assignment is a rename's pointer to its parent rather than an assignment.

    Examples
    --------
    >>> is_delta({"$renamed_from": 3, "$depth": 1}), is_delta({"E01000001": "N1"})
    (True, False)
    """
    return isinstance(stored, dict) and _DELTA in stored


def stored_assignment(session: Session, plan_id: int, version: int) -> dict[str, str]:
    """The full assignment of a stored version: its own, or its parent's with its renames applied (a chain of at
    most :data:`MAX_DELTA_CHAIN` renames back to a version that stores its assignment)."""
    renames = []
    while True:
        stored, moves = session.execute(
            select(PlanVersion.assignment, PlanVersion.moves).where(
                PlanVersion.plan_id == plan_id, PlanVersion.version == version
            )
        ).one()
        if not is_delta(stored):
            break
        renames.append(moves or {})
        version = int(stored[_DELTA])
    for names in reversed(renames):
        stored = {code: names.get(label, label) for code, label in stored.items()}
    return stored


def rename_storage(session: Session, current: PlanVersion, renames: dict[str, str], assignment: dict[str, str]) -> dict:
    """What to store as the assignment of a rename of ``current`` giving ``assignment``: a pointer to ``current``
    (a few bytes) while the chain of such pointers is short and replaying ``renames`` gives exactly
    ``assignment``; else the assignment itself."""
    parent = session.scalar(
        select(PlanVersion.assignment).where(
            PlanVersion.plan_id == current.plan_id, PlanVersion.version == current.version
        )
    )
    depth = int(parent.get("$depth", 1)) + 1 if is_delta(parent) else 1
    base = stored_assignment(session, current.plan_id, current.version)
    if depth > MAX_DELTA_CHAIN or {code: renames.get(label, label) for code, label in base.items()} != assignment:
        return assignment
    return {_DELTA: current.version, "$depth": depth}
