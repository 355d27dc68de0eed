"""Repair: protect every cell the audit could not prove, one cell at a time, within a budget.

Where many cells fail (more than `PAIRS_ABOVE`, as on large sparse cubes), each first gets the cheapest
pair certificate of `atlas.protection.pairs` (a record traded with a sibling cell; no LP). Each failing
primary cell left (largest first, so that its new partners often protect smaller cells too) is
first checked again on its neighbourhood, since earlier repairs may have protected it already. Else the
cheapest box through it (`boxes`: a product of one balanced line per dimension, such as the cell minus a
sibling, whose signed perturbation keeps every relation) that moves it far enough is suppressed if it
adds at most `BOX_CELLS` cell (no repair adds fewer), or, past half the budget, any box when the MILPs at
the pace and rate timed so far would not fit the cells left into the rest: a box takes milliseconds, a
MILP 0.03-5 s, but on a sparse table with k = 10 any box first left a third more secondary cells than the
MILP. Else a MILP (`milp.solve_pattern`) adds the cheapest suppressions on its 1-, 2-, then 3-hop
neighbourhood, then on its 2- and 3-hop neighbourhoods closed down the hierarchies (cells outside held at
their values: a restriction, hence sound); a MILP that finds no solution in its time gives way to its LP
relaxation rounded up. Every repair is then certified by the cell's own LP on the new pattern (inner
bounds, independent of MILP tolerances). More suppression never narrows an interval, so the cells proven
before stay proven and one pass suffices.

When the budget is spent, each cell still failing gets the safe, over-protecting choice: every publishable
cell of its smallest neighbourhood that the LP then proves wide enough is suppressed. A cell that even that
cannot protect stays failing, and so do all cells beyond the first `MAX_FALLBACK`, or left when the
fallback has used as much time again as the budget (a table that far from protected is not worth
over-suppressing cell by cell): the audit fails and `protect()` refuses the table. An unaudited table is
never returned, and the whole run takes at most about twice its `time_limit` (plus `FALLBACK_FLOOR`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from atlas.protection.audit import SpaceAudit, audit_space
from atlas.protection.certify import extremes
from atlas.protection.interval import ProtectionInterval
from atlas.protection.milp import hop_graph, neighbourhood, rings, solve_pattern
from atlas.protection.pairs import pair_repair
from atlas.protection.relations import CellSpace
from atlas.protection.status import CellStatus

REPAIR_STEPS = ((1, False), (2, False), (3, False), (2, True), (3, True))
CHECK_RADII = (1, 2, 3)
MAX_CHECK = 6_000
FALLBACK_RADII = (1, 2, 3, 4, 6)
MILP_SECONDS = 1.0
MAX_FALLBACK = 1_000
FALLBACK_FLOOR = 10.0
MAX_LOCAL = 100_000
MAX_MILP = 20_000
AUDIT_SHARE = 0.5
FINAL_AUDIT_BELOW = 5_000
MAX_BOXES = 4_096
BOX_CELLS = 1  # one new cell is the least any repair adds; a larger box waits for the MILP, which often needs fewer
PACE = 0.1  # seconds a MILP repair is assumed to take until some have been timed
BOX_TRIES = 8
PAIRS_ABOVE = 100  # more failing cells than this (large sparse cubes): pair certificates first, no LP each


@dataclass
class Repaired:
    """Final pattern, its audit (exact bounds or certificates), and what the repair did."""

    supp: np.ndarray
    audit: SpaceAudit
    repaired: int
    fallback: int
    exhausted: bool


class _Local:
    """LP bounds of one cell on a neighbourhood, every other cell held at its true value."""

    def __init__(self, st: CellStatus, req: tuple[np.ndarray, np.ndarray, np.ndarray], res: SpaceAudit) -> None:
        self.st, self.req, self.res = st, req, res
        self.x = st.space.value
        self.csr = st.space.relations.tocsr()
        self.csc = self.csr.tocsc()
        self.cap = np.full(len(self.x), 1.5 * (np.abs(self.x).max() + max(r.max() for r in req)) + 1.0)
        self.graph = hop_graph(self.csr)

    def holds(self, i: int, lo: float, hi: float) -> bool:
        s = slice(i, i + 1)
        return bool(ProtectionInterval.holds(np.array([lo]), np.array([hi]), self.x[s],
                                             (self.req[0][s], self.req[1][s], self.req[2][s]))[0])

    def certify(self, i: int, unknown: np.ndarray, cells: np.ndarray, commit: bool = True) -> bool:
        """Whether the LP extremes of `i` on `cells` ∩ `unknown` prove it; if so (and `commit`), the tables
        found widen the audit (they are feasible tables of the pattern `unknown`, which the caller adopts)."""
        var = cells[unknown[cells]]
        if len(var) == 0 or len(var) > MAX_LOCAL:
            return self.holds(i, self.res.lower[i], self.res.upper[i])
        rows = np.unique(self.csc[:, var].indices)
        sub = self.csr[rows][:, var]
        pos = int(np.searchsorted(var, i))
        lo, hi, tables = extremes(sub, self.x[var], self.cap[var], pos)
        hi = np.inf if hi >= self.cap[i] * (1 - 1e-9) else hi
        ok = self.holds(i, min(lo, self.res.lower[i]), max(hi, self.res.upper[i]))
        if ok and commit:
            for table in tables:
                np.minimum.at(self.res.lower, var, np.maximum(table, 0.0))
                np.maximum.at(self.res.upper, var, table)
            self.res.upper[i] = max(self.res.upper[i], hi)
        return ok

    def neighbours(self, i: int, radius: int, through: np.ndarray, closed: bool = True) -> np.ndarray:
        return neighbourhood(self.csr, np.array([i]), radius, through, closed, self.graph)


def audit_and_repair(st: CellStatus, req: tuple[np.ndarray, np.ndarray, np.ndarray], costs: np.ndarray,
                     supp: np.ndarray, deadline: float, milp_seconds: float = MILP_SECONDS) -> Repaired:
    """Audit `supp`, repair every primary cell not proven, certify each repair; see the module docstring."""
    space = st.space
    allowed = ~st.forced & (st.current | st.fixed_unknown)
    supp = supp.copy()
    now = time.perf_counter()
    hard = deadline + max(FALLBACK_FLOOR, deadline - now)
    audit_by = now + AUDIT_SHARE * max(0.0, deadline - now)
    res = audit_space(space, supp, req, st.primary, deadline=audit_by)
    complete = time.perf_counter() < audit_by
    bad = np.flatnonzero(~res.protected & st.primary & ~st.forced)
    before = int(supp.sum())
    if len(bad) > PAIRS_ABOVE:
        bad = _pair_repair(space, supp, bad, allowed, costs, req, res)
    if len(bad) == 0:
        return Repaired(supp, res, int(supp.sum()) - before, 0, False)
    res.lower[bad], res.upper[bad], res.exact[bad] = space.value[bad], space.value[bad], False
    local = _Local(st, req, res)
    audited = supp.copy()
    fallback, exhausted, tried = 0, False, 0
    milp_time, milp_runs, halfway = 0.0, 0, (time.perf_counter() + deadline) / 2
    for done, i in enumerate(bad[np.lexsort((bad, -space.value[bad]))]):
        left = len(bad) - done
        added = supp & ~audited if complete else None
        if (added is None or added.any()) and any(local.certify(i, supp, c) for c in _checks(local, i, supp, added)):
            continue
        if time.perf_counter() > deadline:
            exhausted = True
            tried += 1
            if tried > MAX_FALLBACK or time.perf_counter() > hard:
                break
        else:
            pace = milp_time / milp_runs if milp_runs else PACE
            now = time.perf_counter()
            hurry = now > halfway and deadline - now < pace * left * (milp_runs + 1) / (done + 2)
            if _box_repair(local, i, supp, allowed, costs, None if hurry else BOX_CELLS):
                continue
            begun = time.perf_counter()
            fixed = _repair_cell(local, i, supp, allowed, costs, milp_seconds, deadline)
            milp_time, milp_runs = milp_time + time.perf_counter() - begun, milp_runs + 1
            if fixed:
                continue
        fallback += int(_fallback(local, i, supp, allowed))
    res.protected = ProtectionInterval.holds(res.lower, res.upper, space.value, req) | ~st.primary
    repaired = int(supp.sum()) - before
    if repaired and int(supp.sum()) <= FINAL_AUDIT_BELOW and time.perf_counter() < deadline:
        res = _merge(audit_space(space, supp, req, st.primary, deadline=deadline), res, space.value, req, st.primary)
    return Repaired(supp, res, repaired, fallback, exhausted)


def _pair_repair(space: CellSpace, supp: np.ndarray, bad: np.ndarray, allowed: np.ndarray, costs: np.ndarray,
                 req: tuple[np.ndarray, np.ndarray, np.ndarray], res: SpaceAudit) -> np.ndarray:
    """Pair certificates (`atlas.protection.pairs`) for many failing cells at once; returns the cells left."""
    got = pair_repair(space, supp, bad, allowed, costs, req)
    if got is None or not got.proven.any():
        return bad
    supp |= got.add
    ok = bad[got.proven]
    res.lower[ok] = np.minimum(res.lower[ok], got.lower[got.proven])
    res.upper[ok] = np.maximum(res.upper[ok], got.upper[got.proven])
    res.protected[ok] = True
    return bad[~got.proven]


def _repair_cell(local: _Local, i: int, supp: np.ndarray, allowed: np.ndarray, costs: np.ndarray,
                 milp_seconds: float, deadline: float) -> bool:
    space = local.st.space
    for radius, closed in REPAIR_STEPS:
        cells = local.neighbours(i, radius, allowed, closed)
        if len(cells) > MAX_MILP:  # new cells next to i only; the suppressed ones further out may move
            cells = np.union1d(cells[supp[cells]], local.neighbours(i, 1, allowed))
        if len(cells) > MAX_MILP or not _possible(local, i, cells, supp, allowed):
            continue
        seconds = max(0.2, min(milp_seconds * max(1.0, len(cells) / 1000), deadline - time.perf_counter()))
        reach = 4.0 * max(float(r[i]) for r in local.req) + 1.0
        for relax, cap in ((False, reach), (False, None), (True, None)):
            found = solve_pattern(space.relations, space.value, cells, np.array([i]), local.req, costs, supp,
                                  ~allowed, seconds, relax=relax, reach=cap)
            if found is None:
                continue
            new = supp.copy()
            new[found] = True
            if local.certify(i, new, cells):
                supp[:] = new
                return True
    return False


def _checks(local: _Local, i: int, supp: np.ndarray, added: np.ndarray | None) -> list[np.ndarray]:
    """Small neighbourhoods of suppressed cells around `i` on which to check it again: only those holding a
    cell suppressed since the audit (elsewhere the audit's verdict stands; with `added` None, check all)."""
    out = []
    for cells in rings(local.csr, np.array([i]), max(CHECK_RADII), supp, False, local.graph):
        if len(cells) > MAX_CHECK:
            break
        if added is None or added[cells].any():
            out.append(cells)
    return out


def _possible(local: _Local, i: int, cells: np.ndarray, supp: np.ndarray, allowed: np.ndarray) -> bool:
    """Whether suppressing every publishable cell of `cells` would protect `i` (else the MILP is infeasible)."""
    trial = supp.copy()
    trial[cells[allowed[cells]]] = True
    return local.certify(i, trial, cells, commit=False)


def _fallback(local: _Local, i: int, supp: np.ndarray, allowed: np.ndarray) -> bool:
    """Suppress the publishable cells next to `i` (then further out) until the LP on a region proves it."""
    for radius in FALLBACK_RADII:
        region = local.neighbours(i, radius, allowed)
        for near in sorted({1, min(radius, 2), radius}):
            trial = supp.copy()
            extra = region if near == radius else local.neighbours(i, near, allowed)
            trial[extra[allowed[extra]]] = True
            if local.certify(i, trial, region):
                supp[:] = trial
                return True
    return False


def _merge(final: SpaceAudit, certs: SpaceAudit, x: np.ndarray, req: tuple[np.ndarray, np.ndarray, np.ndarray],
           need: np.ndarray) -> SpaceAudit:
    """The final audit widened by the repair certificates (both inner bounds of the final pattern)."""
    lower = np.minimum(final.lower, certs.lower)
    upper = np.maximum(final.upper, certs.upper)
    exact = final.exact & (lower == final.lower) & (upper == final.upper)
    protected = ProtectionInterval.holds(lower, upper, x, req) | ~need
    return SpaceAudit(lower, upper, exact, protected)


def _box_repair(local: _Local, i: int, supp: np.ndarray, allowed: np.ndarray, costs: np.ndarray,
                most: int | None = None) -> bool:
    """Suppress the cheapest box (`boxes`) that moves `i` far enough (adding at most `most` cells), certified
    by its LP on the box."""
    space = local.st.space
    cells, signs = boxes(space, i, supp, costs)
    real = cells >= 0
    c = np.maximum(cells, 0)
    fine = ((supp[c] | allowed[c]) | ~real).all(axis=1)
    x = np.maximum(space.value, 0.0)
    up = np.where(real & (signs < 0), x[c], np.inf).min(axis=1)
    down = np.where(real & (signs > 0), x[c], np.inf).min(axis=1)
    n = len(cells)
    lo = np.minimum(local.res.lower[i], x[i] - down)
    hi = np.maximum(local.res.upper[i], x[i] + up)
    need = local.req
    fine &= ProtectionInterval.holds(lo, hi, np.full(n, x[i]),
                                     (np.full(n, need[0][i]), np.full(n, need[1][i]), np.full(n, need[2][i])))
    price = np.where(real & ~supp[c], costs[c], 0.0).sum(axis=1)
    if most is not None:
        fine &= (real & ~supp[c]).sum(axis=1) <= most
    for k in np.flatnonzero(fine)[np.lexsort((-np.minimum(up, down)[fine], price[fine]))][:BOX_TRIES]:
        new = supp.copy()
        new[cells[k][real[k]]] = True
        if local.certify(i, new, np.unique(cells[k][real[k]])):
            supp[:] = new
            return True
    return False


def boxes(space: CellSpace, i: int, supp: np.ndarray, costs: np.ndarray,
          limit: int = MAX_BOXES) -> tuple[np.ndarray, np.ndarray]:
    """Boxes through cell `i` whose signed perturbation keeps every relation: (cells, signs), one row each.

    In each dimension `i`'s code gets a signed vector that balances every relation of that dimension
    (`_lines`: itself minus a sibling, or the path from the root through it, each continued down to a
    leaf); the box is their product (signs 0 pad the rows). Every box is checked against the relation
    matrix (linked cubes with other hierarchies may break the pattern), so the ones returned are exact
    feasible directions. Past `limit` boxes, each dimension keeps the lines already suppressed or cheapest.
    """
    base = space.coords[i].astype(np.int64)
    options = []
    for j in range(len(space.dims)):
        lines = _lines(space, j, int(base[j]))
        width = max(len(c) for c, _ in lines)
        codes = np.array([np.pad(c, (0, width - len(c)), constant_values=c[0]) for c, _ in lines])
        signs = np.array([np.pad(g, (0, width - len(g))) for _, g in lines])
        probe = np.repeat(base[None, :], codes.size, axis=0)
        probe[:, j] = codes.ravel()
        idx = space.lookup(probe).reshape(codes.shape)
        missing = ((idx < 0) & (signs != 0)).any(axis=1)
        score = np.where(signs != 0, np.where(supp[idx] & (idx >= 0), 0.0, costs[np.maximum(idx, 0)]), 0.0).sum(axis=1)
        order = np.flatnonzero(~missing)[np.argsort(score[~missing], kind="stable")]
        options.append((codes[order], signs[order]))
    per = [len(c) for c, _ in options]
    while np.prod(np.array(per, dtype=float)) > limit and max(per) > 1:
        per[int(np.argmax(per))] -= 1
    if min(per) == 0:
        return np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1))
    picks = [g.ravel() for g in np.meshgrid(*[np.arange(p) for p in per], indexing="ij")]
    widths = [c.shape[1] for c, _ in options]
    slots = [g.ravel() for g in np.meshgrid(*[np.arange(w) for w in widths], indexing="ij")]
    b, m = len(picks[0]), len(slots[0])
    coords = np.repeat(np.repeat(base[None, None, :], b, axis=0), m, axis=1)
    signs = np.ones((b, m))
    for j, ((codes, sgn), pick, slot) in enumerate(zip(options, picks, slots)):
        coords[:, :, j] = codes[pick][:, slot]
        signs *= sgn[pick][:, slot]
    cells = space.lookup(coords.reshape(-1, len(base))).reshape(b, m)
    whole = ((cells >= 0) | (signs == 0)).all(axis=1)
    cells, signs = np.where(signs != 0, cells, -1)[whole], signs[whole]
    if len(cells) == 0:
        return cells, signs
    rows, cols = np.nonzero(signs)
    d = sp.csc_matrix((signs[rows, cols], (cells[rows, cols], rows)), shape=(space.n, len(cells)))
    balanced = np.asarray(abs(space.relations @ d).sum(axis=0)).ravel() < 1e-9
    return cells[balanced], signs[balanced]


def _lines(space: CellSpace, j: int, code: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Signed code vectors of dimension `j` through `code` that balance every relation of each hierarchy."""
    found: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    for dims, ids in zip(space.hierarchies, space.cube_dims):
        for d in (d for d, jj in zip(dims, ids) if jj == j):
            pos = {c: k for k, c in enumerate(space.codes[j])}
            par = np.array([pos[p] if (p := d.parent.get(c)) is not None else -1 for c in space.codes[j]])
            if space.codes[j][code] not in d.parent:
                continue
            down = _leaf_path(par, code)
            up = []
            p = par[code]
            while p >= 0:
                up.append(int(p))
                p = par[p]
            lines = [(np.array(up[::-1] + down), np.ones(len(up) + len(down)))]
            if par[code] >= 0:
                for b in np.flatnonzero(par == par[code]):
                    if b != code:
                        other = _leaf_path(par, int(b))
                        lines.append((np.array(down + other), np.r_[np.ones(len(down)), -np.ones(len(other))]))
            for c, g in lines:
                found.setdefault((tuple(c), tuple(g)), (c.astype(np.int64), g))
    return list(found.values()) or [(np.array([code]), np.ones(1))]


def _leaf_path(par: np.ndarray, code: int) -> list[int]:
    path = [code]
    kids = np.flatnonzero(par == path[-1])
    while len(kids):
        path.append(int(kids[0]))
        kids = np.flatnonzero(par == path[-1])
    return path
