#!/usr/bin/env python3
"""Writes data.csv: 20 points of Minka's clutter problem with theta = 2: each point is
N(theta, 1) with probability 1 - w = 0.5 and clutter N(0, 10) otherwise (fixed seed).
Standard library only."""
import math
import random

rng = random.Random(3)
theta, w = 2.0, 0.5
with open("data.csv", "w") as out:
    out.write("x\n")
    for _ in range(20):
        x = rng.gauss(0, math.sqrt(10)) if rng.random() < w else rng.gauss(theta, 1)
        out.write(f"{x:.4f}\n")
