"""Null-space certificates: random directions that change no relation, for components too large for an LP.

Where every suppressed cell of a component sits well above zero, the non-negativity bounds are inactive
near the true table x: a cell can move (width > 0) exactly when some v with A v = 0 has v_i != 0, and
then x + t v is feasible for every |t| up to min_j x_j / |v_j|. A random vector projected onto null(A)
(v = r - A^T y, y a least-squares solution of A^T y = r by LSMR, refined once) is, with probability 1,
non-zero on every cell that is not pinned, so one direction proves most cells at once.

Trusted for nothing: the residual e = A v is measured, the step is shrunk until the end tables miss no
relation by more than `TOL` (the centres' standard) and stay within [0, cap], the tables are checked
again, and a cell is credited only where |v_i| exceeds `GUARD` times the largest residual: a pinned cell
has v_i = w^T e for the relation combination w that pins it, so noise cannot pass for a move unless
|w|_1 > `GUARD`.

Measured on the 5-D bench table (`bench/protect.py five_dim`, k = 0): at 5k records (one component of
147,128 suppressed cells, 146,232 in need) one direction (2,391 + 63 LSMR iterations, rows scaled; residual
9e-13, steps 1.1 / -1.2) proves 146,073 cells in 12 s wall, a second 2 more; 157 stay unproven. At 100k
records (1.33M cells, 2.5M relations) an iteration costs 0.05-0.15 s and, rows scaled, 6,400 iterations
still leave a residual of 5e-4 (falling about as 1 / iterations) while the projected vector holds at a
median of 0.045, above 1e-2 on 1.15M of the 1.31M cells in need (they look unpinned, but a residual near
1e-8 would be needed to prove them): there the `SECONDS` budget runs out first and the cells stay
unproven (conservative). A preconditioner or a direct factorisation is what is missing.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import lsmr

from atlas.protection.certify import Bounds

log = logging.getLogger(__name__)

TOL = 1e-9
GUARD = 1e6
MARGIN = 0.5
DIRECTIONS = 4
ITER_CHUNK = 200
MAX_ITER = 5_000
SOLVE_TOL = 1e-14
SECONDS = 20.0


def _project(a: sp.csr_matrix, r: np.ndarray, deadline: float | None) -> np.ndarray | None:
    """r minus its least-squares fit by the rows of `a` (a vector of null(a) up to the solver's residual);
    rows scaled to unit length first (same null space, fewer iterations)."""
    norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
    at = (sp.diags(1.0 / np.maximum(norms, 1e-300)) @ a).T.tocsr()
    v = r
    for _ in range(2):
        y = np.zeros(a.shape[0])
        done = 0
        while done < MAX_ITER:
            if deadline is not None and time.perf_counter() > deadline:
                return None
            out = lsmr(at, v, atol=SOLVE_TOL, btol=SOLVE_TOL, maxiter=ITER_CHUNK, x0=y)
            y, istop, done = out[0], out[1], done + out[2]
            if istop != 7:
                break
        log.debug("projection: %d LSMR iterations, stop %d, residual %.1e", done, istop, out[3])
        v = v - at @ y
    return v


def _steps(x: np.ndarray, cap: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Largest steps t_hi >= 0 and t_lo <= 0 keeping x + t v within [0, cap]."""
    up = np.where(v < 0, x / np.where(v < 0, -v, 1.0), (cap - x) / np.where(v > 0, v, 1.0))
    down = np.where(v > 0, x / np.where(v > 0, v, 1.0), (cap - x) / np.where(v < 0, -v, 1.0))
    moving = v != 0
    return float(up[moving].min(initial=np.inf)), -float(down[moving].min(initial=np.inf))


def widen_by_nullspace(a: sp.csr_matrix, bounds: Bounds, cap: np.ndarray, *, directions: int = DIRECTIONS,
                       deadline: float | None = None, seconds: float = SECONDS, seed: int = 0) -> int:
    """Widen `bounds` of one component (relations `a` over its unknown cells) by the end tables of random
    null-space directions over its cells of value at least `MARGIN` from 0 and cap; returns how many
    directions were used. The other cells are held at their true values (a restriction: still sound).
    Gives up (leaving the cells unproven) at `deadline` or after `seconds`, whichever comes first."""
    stop = time.perf_counter() + seconds
    deadline = stop if deadline is None else min(deadline, stop)
    x = bounds.x
    free = (x >= MARGIN) & (cap - x >= MARGIN)
    cols = np.flatnonzero(free)
    if len(cols) == 0:
        return 0
    sub = sp.csr_matrix(a[:, cols])
    sub = sub[np.flatnonzero(sub.getnnz(axis=1) > 0)]
    rng = np.random.default_rng(seed)
    used = 0
    for _ in range(directions):
        left = bounds.pending()
        if len(left) == 0:
            break
        r = rng.standard_normal(len(cols))
        v = _project(sub, r, deadline) if sub.shape[0] else r
        if v is None:
            break
        before = len(left)
        used += credit_direction(a, x, cap, cols, v, bounds)
        if len(bounds.pending()) == before:
            break
    return used


def credit_direction(a: sp.csr_matrix, x: np.ndarray, cap: np.ndarray, cols: np.ndarray, v: np.ndarray,
                     bounds: Bounds) -> int:
    """Widen `bounds` by the end tables x + t v (v over the cells `cols`, zero elsewhere), each checked
    against every relation of `a`; returns how many end tables were used.

    The residual e = |a v| is measured here, whatever produced v; steps are shrunk until the tables miss
    no relation by more than `TOL`, and a cell is credited only where |v_i| > `GUARD` * e.
    """
    v = v / max(np.abs(v).max(initial=0.0), 1e-300)
    move = np.zeros(len(x))
    move[cols] = v
    e = float(np.abs(a @ move).max(initial=0.0))  # no column slice of `a`: the zero entries add nothing
    credit = np.zeros(len(x), dtype=bool)
    credit[cols] = np.abs(v) > GUARD * e
    xs, cs = x[cols], cap[cols]
    t_hi, t_lo = _steps(xs, cs, v)
    scale = min(1.0, TOL / (2 * e)) if e > 0 else 1.0
    t_hi, t_lo = t_hi * scale, t_lo * scale
    used = 0
    before = len(bounds.pending())
    for t in (t_hi, t_lo):
        if not np.isfinite(t) or t == 0:
            continue
        table = x.copy()
        table[cols] = xs + t * v
        if np.abs(a @ (table - x)).max(initial=0.0) > TOL or table.min(initial=0.0) < -TOL:
            continue
        bounds.see(np.where(credit, table, x))
        used += 1
    log.debug("null-space direction: residual %.1e, steps %.3g / %.3g, %d of %d unproven left", e, t_hi, t_lo,
              len(bounds.pending()), before)
    return used
