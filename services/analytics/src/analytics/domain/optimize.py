"""A small derivative-free minimiser, so the CLV models need no numerical library.

The models have three or four parameters and cheap likelihoods; Nelder-Mead
(with the dimension-adaptive coefficients of Gao & Han 2012) finds their
maximum reliably when it is restarted from where it stopped, which undoes the
simplex collapsing early on a ridge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Objective = Callable[[Sequence[float]], float]


@dataclass(frozen=True)
class Minimum:
    """Where the search stopped, and whether it stopped because it had found the minimum
    (rather than running out of evaluations): a fit that did not converge is no estimate."""

    point: list[float]
    value: float
    converged: bool


def minimize(
    objective: Objective,
    start: Sequence[float],
    *,
    step: float = 0.5,
    tolerance: float = 1e-10,
    max_evaluations: int = 20_000,
    restarts: int = 3,
) -> Minimum:
    """The point where ``objective`` is smallest, searched from ``start``.

    It converged when the last search settled within ``max_evaluations`` and
    restarting from it no longer improved the objective."""
    best = list(start)
    best_value = objective(best)
    converged = False
    for _ in range(restarts + 1):
        point, value, settled = _nelder_mead(objective, best, step, tolerance, max_evaluations)
        improved = best_value - value
        best, best_value = point, value
        if improved <= tolerance:
            converged = settled
            break
        step /= 2
    return Minimum(best, best_value, converged and math.isfinite(best_value))


def _nelder_mead(
    objective: Objective,
    start: list[float],
    step: float,
    tolerance: float,
    max_evaluations: int,
) -> tuple[list[float], float, bool]:
    """The simplex's best vertex, its value, and whether the simplex settled."""
    n = len(start)
    reflection, expansion = 1.0, 1.0 + 2.0 / n
    contraction, shrinkage = 0.75 - 1.0 / (2 * n), 1.0 - 1.0 / n
    simplex = [list(start)]
    for i in range(n):
        vertex = list(start)
        vertex[i] += step
        simplex.append(vertex)
    values = [objective(vertex) for vertex in simplex]
    evaluations = len(values)
    settled = False

    def towards(a: Sequence[float], b: Sequence[float], t: float) -> list[float]:
        return [ai + t * (bi - ai) for ai, bi in zip(a, b, strict=True)]

    while evaluations < max_evaluations:
        order = sorted(range(n + 1), key=values.__getitem__)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        spread = max(abs(v - values[0]) for v in values[1:])
        size = max(
            abs(c - b) for vertex in simplex[1:] for c, b in zip(vertex, simplex[0], strict=True)
        )
        if spread <= tolerance and size <= 1e-9:
            settled = True
            break
        centroid = [sum(vertex[i] for vertex in simplex[:-1]) / n for i in range(n)]
        worst = simplex[-1]
        reflected = towards(centroid, worst, -reflection)
        reflected_value = objective(reflected)
        evaluations += 1
        if reflected_value < values[0]:
            expanded = towards(centroid, worst, -reflection * expansion)
            expanded_value = objective(expanded)
            evaluations += 1
            if expanded_value < reflected_value:
                simplex[-1], values[-1] = expanded, expanded_value
            else:
                simplex[-1], values[-1] = reflected, reflected_value
            continue
        if reflected_value < values[-2]:
            simplex[-1], values[-1] = reflected, reflected_value
            continue
        if reflected_value < values[-1]:  # outside contraction
            contracted = towards(centroid, reflected, contraction)
        else:  # inside contraction
            contracted = towards(centroid, worst, contraction)
        contracted_value = objective(contracted)
        evaluations += 1
        if contracted_value < min(reflected_value, values[-1]):
            simplex[-1], values[-1] = contracted, contracted_value
            continue
        for i in range(1, n + 1):
            simplex[i] = towards(simplex[0], simplex[i], shrinkage)
            values[i] = objective(simplex[i])
            evaluations += 1
    best = min(range(n + 1), key=values.__getitem__)
    return simplex[best], values[best], settled
