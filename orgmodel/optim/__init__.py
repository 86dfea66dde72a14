"""The optimisation engine, in three layers (linopy style):

* :mod:`.model`: the instance (U, candidate moves after the merge rules, target counts) and the
  MILP as arrays, one ``define_*`` function per constraint family over whole tables;
* :mod:`.solvers`: ``run_highs`` (highspy, one ``passModel`` call) and ``run_cbc`` (PuLP) behind
  :func:`~.solvers.run_solver`;
* :mod:`.answers` and :mod:`.sweep`: the plan, max_reduction, blocking units and pins,
  :func:`~.answers.solve_scenario`, and the exact frontier by decomposition.
"""

from .answers import PLAN_COLUMNS, Clock, Solution, plan_table, solve_scenario
from .sweep import DEFAULT_FRONTIER_STEPS, FRONTIER_COLUMNS, FrontierAnswer, frontier, frontier_answer, frontier_points
from .model import Instance, Model, build_max_model, build_model, prepare
from .solvers import (CBC_OPTIONS, HIGHS_OPTIONS, STATUS_FEASIBLE, STATUS_INFEASIBLE, STATUS_OPTIMAL, STATUS_UNKNOWN,
                      SolveResult, run_cbc, run_highs, run_solver)

__all__ = ["PLAN_COLUMNS", "Clock", "Solution", "plan_table", "solve_scenario", "DEFAULT_FRONTIER_STEPS",
           "FRONTIER_COLUMNS", "FrontierAnswer", "frontier", "frontier_answer", "frontier_points", "Instance", "Model",
           "build_max_model", "build_model", "prepare", "CBC_OPTIONS", "HIGHS_OPTIONS", "STATUS_FEASIBLE",
           "STATUS_INFEASIBLE", "STATUS_OPTIMAL", "STATUS_UNKNOWN", "SolveResult", "run_cbc", "run_highs", "run_solver"]
