"""Thin HiGHS wrappers: one LP model per component, re-solved with changed costs (warm start)."""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

INF = highspy.kHighsInf


_banner_shown = False


def _construct() -> highspy.Highs:
    """HiGHS prints a banner on stdout at its first construction; library code must not, so the first
    instance is made with the process's stdout pointed at /dev/null."""
    global _banner_shown
    if _banner_shown:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _banner_shown = True
    return h


def new_highs(time_limit: float | None = None) -> highspy.Highs:
    """A quiet, single-threaded (hence deterministic) HiGHS instance."""
    h = _construct()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


def equality_lp(a: sp.spmatrix, b: np.ndarray, upper: np.ndarray) -> highspy.Highs:
    """HiGHS holding {x : a x = b, 0 <= x <= upper} with a zero objective, ready for cost changes."""
    csc = sp.csc_matrix(a)
    n, m = csc.shape[1], csc.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.asarray(upper, dtype=float)
    lp.row_lower_ = np.asarray(b, dtype=float)
    lp.row_upper_ = np.asarray(b, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    h = new_highs()
    h.setOptionValue("presolve", "off")
    # a cost change keeps the basis primal feasible: primal simplex re-optimises from it (about 10x faster
    # than HiGHS' default dual simplex here)
    h.setOptionValue("simplex_strategy", 4)
    h.passModel(lp)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return h


def solve_costs(h: highspy.Highs, idx: np.ndarray, cost: np.ndarray, maximize: bool) -> tuple[float, np.ndarray] | None:
    """Optimise sum(cost * x[idx]) over the model; (objective, x) or None when not solved to optimality.

    The model is always maximised (a minimum is minus the maximum of minus the costs), so the basis of
    the previous solve stays a valid warm start.
    """
    sign = 1.0 if maximize else -1.0
    ids = np.asarray(idx, dtype=np.int32)
    h.changeColsCost(len(ids), ids, sign * np.asarray(cost, dtype=float))
    h.run()
    ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    out = (sign * h.getInfo().objective_function_value, np.asarray(h.getSolution().col_value)) if ok else None
    h.changeColsCost(len(ids), ids, np.zeros(len(ids)))
    return out
