"""Ensembles: thousands of plans that meet the same rules, to show where one plan sits among them.

:func:`run_ensemble` runs a seeded ReCom chain (GerryChain's default proposal, compiled with numba) on an atlas's
LSOA graph and records the scores a board compares after every step; :func:`write_runs`/:func:`read_runs` keep
them as Parquet; :func:`place` gives a plan's percentile on each score and :func:`render_placement` draws the
histograms with the plan marked.
"""

from geo.ensemble.chain import MAX_STEPS, Ensemble, run_ensemble
from geo.ensemble.start import start_plan
from geo.ensemble.kernels import SCORES
from geo.ensemble.scores import DESCRIPTIONS, plan_scores

__all__ = ["DESCRIPTIONS", "MAX_STEPS", "SCORES", "Ensemble", "plan_scores", "run_ensemble", "start_plan"]
