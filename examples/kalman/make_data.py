#!/usr/bin/env python3
"""Writes observations.csv: 50 noisy positions of the constant-velocity model of
kalman.copi (x_0 ~ N([0, 1], I), x_{t+1} = A x_t + N(0, Q), y_t = x_t[0] + N(0, 0.5)),
simulated with a fixed seed. Standard library only."""
import math
import random

rng = random.Random(12)
T = 50
q = 0.1
# Cholesky factor of Q = q [[1/3, 1/2], [1/2, 1]].
l11 = math.sqrt(q / 3)
l21 = (q / 2) / l11
l22 = math.sqrt(q - l21 * l21)
x = [rng.gauss(0, 1), 1 + rng.gauss(0, 1)]
with open("observations.csv", "w") as out:
    out.write("y\n")
    for t in range(T):
        if t > 0:
            e1, e2 = rng.gauss(0, 1), rng.gauss(0, 1)
            x = [x[0] + x[1] + l11 * e1, x[1] + l21 * e1 + l22 * e2]
        out.write(f"{x[0] + rng.gauss(0, math.sqrt(0.5)):.4f}\n")
