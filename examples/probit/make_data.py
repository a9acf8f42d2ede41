#!/usr/bin/env python3
"""Writes data.csv: 30 points (x, y) of a probit regression with bias -0.5 and slope
1.5: x ~ U(-2, 2), y = +1 with probability Phi(-0.5 + 1.5 x), else -1 (fixed seed).
Standard library only."""
import math
import random

rng = random.Random(7)
with open("data.csv", "w") as out:
    out.write("x,y\n")
    for _ in range(30):
        x = rng.uniform(-2, 2)
        p = 0.5 * (1 + math.erf((-0.5 + 1.5 * x) / math.sqrt(2)))
        out.write(f"{x:.4f},{1 if rng.random() < p else -1}\n")
