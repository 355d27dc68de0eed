"""Fast first pass: no relation may hold exactly one suppressed cell (it would give that cell by subtraction).

Rounds over all relations at once (sparse matrix products, no loop per cell): every relation with a single
suppressed cell gets one more, chosen among its publishable cells by cost divided by how many such
relations the cell would mend at once. This is necessary, not sufficient (a cell can still be isolated by
combining several relations, or narrowed below its interval); the audit and its repair finish the job.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

MAX_ROUNDS = 200


def mend_singletons(relations: sp.csr_matrix, suppressed: np.ndarray, cost: np.ndarray,
                    allowed: np.ndarray) -> np.ndarray:
    """`suppressed` grown until no relation holds exactly one suppressed cell (where a partner exists)."""
    pattern = sp.csr_matrix((relations != 0).astype(np.int32))
    supp = suppressed.copy()
    for _ in range(MAX_ROUNDS):
        count = pattern @ supp.astype(np.int32)
        rows = np.flatnonzero(count == 1)
        if len(rows) == 0:
            break
        sub = pattern[rows]
        mend = np.asarray(sub.sum(axis=0)).ravel()
        free = allowed & ~supp
        lengths = np.diff(sub.indptr)
        row_of = np.repeat(np.arange(len(rows)), lengths)
        cell = sub.indices
        ok = free[cell]
        if not ok.any():
            break
        row_of, cell = row_of[ok], cell[ok]
        score = cost[cell] / (1.0 + mend[cell])
        order = np.lexsort((cell, score, row_of))
        first = np.ones(len(order), dtype=bool)
        first[1:] = row_of[order][1:] != row_of[order][:-1]
        picks = cell[order][first]
        prow = row_of[order][first]
        # one pick per cell, most-mending first, so a shared pick is not doubled within the round
        taken = np.zeros(len(rows), dtype=bool)
        chosen = []
        for k in np.lexsort((picks, -mend[picks])):
            if taken[prow[k]]:
                continue
            c = picks[k]
            chosen.append(c)
            taken[sub[:, [c]].nonzero()[0]] = True
        if not chosen:
            break
        supp[np.array(chosen)] = True
    return supp
