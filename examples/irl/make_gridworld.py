#!/usr/bin/env python3
"""Writes the inverse RL example: an 8 x 8 gridworld with slippery moves, three state
features and demonstrations sampled (seeded) from the soft-optimal policy of a known
reward. Standard library only; run it from anywhere, it writes next to itself.

    T.csv            transitions (state,action,next_state,probability)
    F.csv            features (state,feature,value): goal, lava, water
    D.csv            200 episodes of 20 steps (episode,t,state,action)
    demos.csv        the same steps as gridworld.copi reads them (episode,t,row,col,move)
    true_reward.csv  the known reward, in the `copi mdp --rewards` format
"""
import math
import os
import random

SIZE = 8
HORIZON = 20
EPISODES = 200
SLIP = 0.1  # the move goes to one of the other three directions with this probability in all
TRUE = {"goal": 2.0, "lava": -3.0, "water": -0.5}
ACTIONS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
GOAL = {(6, 6)}
LAVA = {(2, 3), (3, 3), (4, 3), (5, 3), (2, 4)}
WATER = {(r, c) for r in range(SIZE) for c in range(SIZE) if r == 6 and c < 5}


def name(cell):
    return f"{cell[0]}_{cell[1]}"


def move(cell, delta):
    r, c = cell[0] + delta[0], cell[1] + delta[1]
    return (r, c) if 0 <= r < SIZE and 0 <= c < SIZE else cell


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    cells = [(r, c) for r in range(SIZE) for c in range(SIZE)]
    actions = list(ACTIONS)
    # p(s'|s,a): the intended move with probability 1 - SLIP, each other one SLIP / 3.
    dynamics = {}
    for cell in cells:
        for a in actions:
            p = {}
            for b in actions:
                nxt = move(cell, ACTIONS[b])
                p[nxt] = p.get(nxt, 0.0) + ((1 - SLIP) if b == a else SLIP / 3)
            dynamics[cell, a] = p
    features = {cell: {"goal": float(cell in GOAL), "lava": float(cell in LAVA), "water": float(cell in WATER)}
                for cell in cells}
    reward = {cell: sum(TRUE[f] * v for f, v in features[cell].items()) for cell in cells}
    # Soft value iteration (variational, α = 1): Q = r + E[V'], V = log Σ exp Q.
    policy = [None] * HORIZON
    v_next = {cell: 0.0 for cell in cells}
    for t in reversed(range(HORIZON)):
        v, pi = {}, {}
        for cell in cells:
            q = {a: reward[cell] + sum(p * v_next[n] for n, p in dynamics[cell, a].items()) for a in actions}
            top = max(q.values())
            v[cell] = top + math.log(sum(math.exp(x - top) for x in q.values()))
            pi[cell] = {a: math.exp(q[a] - v[cell]) for a in actions}
        policy[t], v_next = pi, v
    rng = random.Random(2018)
    starts = [(r, 0) for r in range(SIZE)]
    with open(os.path.join(here, "T.csv"), "w") as out:
        out.write("state,action,next_state,probability\n")
        for cell in cells:
            for a in actions:
                for n, p in sorted(dynamics[cell, a].items()):
                    out.write(f"{name(cell)},{a},{name(n)},{p!r}\n")
    with open(os.path.join(here, "F.csv"), "w") as out:
        out.write("state,feature,value\n")
        for cell in cells:
            for f, v in features[cell].items():
                if v != 0.0:
                    out.write(f"{name(cell)},{f},{v:g}\n")
    with open(os.path.join(here, "true_reward.csv"), "w") as out:
        out.write("state,action,reward\n")
        for cell in cells:
            for a in actions:
                out.write(f"{name(cell)},{a},{reward[cell]!r}\n")
    with open(os.path.join(here, "D.csv"), "w") as out, open(os.path.join(here, "demos.csv"), "w") as demos:
        out.write("episode,t,state,action\n")
        demos.write("episode,t,row,col,move\n")  # the same steps, in gridworld.copi's components
        for e in range(EPISODES):
            cell = rng.choice(starts)
            for t in range(HORIZON):
                pi = policy[t][cell]
                a = rng.choices(actions, weights=[pi[b] for b in actions])[0]
                out.write(f"{e},{t},{name(cell)},{a}\n")
                demos.write(f"{e},{t},{cell[0]},{cell[1]},{a}\n")
                nxt = dynamics[cell, a]
                cell = rng.choices(list(nxt), weights=list(nxt.values()))[0]


if __name__ == "__main__":
    main()
