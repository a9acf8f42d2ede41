#!/usr/bin/env python3
"""Writes the skills example's tables (Python standard library only; the outputs are
committed, so nothing needs regenerating):

  T.csv           a 7 x 7 gridworld, states r_c, actions up/down/left/right; the intended
                  move with probability 0.9, each other one 0.1/3; moves into the border
                  stay (so a corner can be held by pushing into its walls)
  I_train.csv     training episodes start anywhere (uniform over the cells), so every
                  task visits every cell and a skill must be consistent across them
  I.csv           the new task's episodes start in the centre cell 3_3
  R_east.csv,     three training tasks: reward +1 per step on the task's edge (the
  R_north.csv,    right column, the top row, the left column), -0.1 per step elsewhere
  R_west.csv
  R_corner.csv    the new task: +1 per step in the top-right corner 0_6, -0.1 elsewhere
  INIT.csv        initial skills p(a|s,z) for three latents: each leans (4 to 1)
                  towards a seeded random action in every cell, with a little per-cell
                  noise. EM needs such a start: from uniform (or per-cell random) skills
                  every task's posterior over z is its prior, the first M-step makes all
                  skills equal, and that is a fixed point
"""
import random

SIDE = 7
ACTIONS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
TASKS = {
    "east": lambda r, c: c == SIDE - 1,
    "north": lambda r, c: r == 0,
    "west": lambda r, c: c == 0,
    "corner": lambda r, c: (r, c) == (0, SIDE - 1),
}
LATENTS = ["A", "B", "C"]


def name(r, c):
    return f"{r}_{c}"


def move(r, c, a):
    dr, dc = ACTIONS[a]
    nr, nc = r + dr, c + dc
    if 0 <= nr < SIDE and 0 <= nc < SIDE:
        return nr, nc
    return r, c


def cells():
    return [(r, c) for r in range(SIDE) for c in range(SIDE)]


def main():
    with open("T.csv", "w") as out:
        out.write("state,action,next_state,probability\n")
        for r, c in cells():
            for a in ACTIONS:
                merged = {}
                for b in ACTIONS:
                    p = 0.9 if a == b else 0.1 / 3
                    target = name(*move(r, c, b))
                    merged[target] = merged.get(target, 0.0) + p
                for target in sorted(merged):
                    out.write(f"{name(r, c)},{a},{target},{merged[target]!r}\n")
    with open("I_train.csv", "w") as out:
        out.write("state,probability\n")
        for r, c in cells():
            out.write(f"{name(r, c)},{1 / (SIDE * SIDE)!r}\n")
    with open("I.csv", "w") as out:
        out.write("state,probability\n")
        out.write(f"{name(SIDE // 2, SIDE // 2)},1\n")
    for task, goal in TASKS.items():
        with open(f"R_{task}.csv", "w") as out:
            out.write("state,action,reward\n")
            for r, c in cells():
                for a in ACTIONS:
                    out.write(f"{name(r, c)},{a},{1 if goal(r, c) else -0.1}\n")
    rng = random.Random(2018)
    leaning = {z: rng.choice(list(ACTIONS)) for z in LATENTS}
    with open("INIT.csv", "w") as out:
        out.write("state,latent,action,probability\n")
        for r, c in cells():
            for z in LATENTS:
                weights = [(4.0 if a == leaning[z] else 1.0) * rng.uniform(0.9, 1.1) for a in ACTIONS]
                total = sum(weights)
                for a, w in zip(ACTIONS, weights):
                    out.write(f"{name(r, c)},{z},{a},{w / total!r}\n")


if __name__ == "__main__":
    main()
