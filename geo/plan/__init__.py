"""Plans as values: a :class:`Plan` assigns every building block of an atlas to a neighbourhood.

:mod:`geo.plan.params` holds the one validated parameter object, :mod:`geo.plan.plan` the value and its moves,
:mod:`geo.plan.constraints` the checks, :mod:`geo.plan.report` the tables a person reads, :mod:`geo.plan.io`
plan files, and :mod:`geo.plan.compare` the differences between two plans.
"""

from geo.plan.plan import Plan, natural_key

__all__ = ["Plan", "natural_key"]
