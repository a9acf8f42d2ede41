#!/usr/bin/python3
"""copi irl against a plain NumPy/SciPy implementation of the same algorithm.

The problem is bench_irl.cpp's: a 100 x 100 slippery gridworld (10^4 states, 5 actions:
stay, up, down, left, right; the intended move 0.8, each other 0.05, a move into the
border stays), horizon 50, alpha = 1, 25 one-hot region features (20 x 20 cells), true
theta_k = sin(1.7 k + 0.3), 1,000 demonstrations of 50 steps sampled here (NumPy seed 7)
from states drawn uniformly. (bench_irl.cpp samples its own demonstrations with copi's
generator; the numbers below are for the demonstrations written here.)

The NumPy fit is the same maximum causal entropy IRL: backward soft value iteration
with a scipy.sparse transition matrix, forward visitation, L(theta) and its gradient
(empirical - expected counts), maximised with SciPy's L-BFGS-B from theta = 0 and
stopped, like copi, when |gradient| <= 1e-6 max(|empirical counts|, 1).

    /usr/bin/python3 bench/compare_irl_numpy.py [path/to/copi]   (default build/release/cli/copi)

prints both fits' theta and L, their largest differences, the evaluations and times,
and the ratio of the whole fits' times.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.optimize
import scipy.sparse

SIDE, ACTIONS, HORIZON, BLOCK, EPISODES, TOL = 100, 5, 50, 20, 1000, 1e-6
MOVES = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]
NAMES = ["stay", "up", "down", "left", "right"]


def gridworld():
    """P: (S*A) x S sparse transition matrix, rows s*A + a."""
    rows, cols, vals = [], [], []
    for s in range(SIDE * SIDE):
        r, c = divmod(s, SIDE)
        for a in range(ACTIONS):
            succ = {}
            for b, (dr, dc) in enumerate(MOVES):
                nr, nc = r + dr, c + dc
                if not (0 <= nr < SIDE and 0 <= nc < SIDE):
                    nr, nc = r, c
                n = nr * SIDE + nc
                succ[n] = succ.get(n, 0.0) + (0.8 if b == a else 0.05)
            for n, p in sorted(succ.items()):
                rows.append(s * ACTIONS + a)
                cols.append(n)
                vals.append(p)
    return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(SIDE * SIDE * ACTIONS, SIDE * SIDE))


def region_of_state():
    s = np.arange(SIDE * SIDE)
    per = SIDE // BLOCK
    return (s // SIDE // BLOCK) * per + (s % SIDE) // BLOCK


def soft_backward(P, r_state):
    """Finite-horizon soft value iteration (variational): V_t, pi_t for t = 0..T-1."""
    S = SIDE * SIDE
    V = np.zeros((HORIZON + 1, S))
    pi = np.empty((HORIZON, S, ACTIONS))
    for t in range(HORIZON - 1, -1, -1):
        Q = r_state[:, None] + (P @ V[t + 1]).reshape(S, ACTIONS)
        top = Q.max(axis=1)
        V[t] = top + np.log(np.exp(Q - top[:, None]).sum(axis=1))
        pi[t] = np.exp(Q - V[t][:, None])
    return V, pi


def sample_demos(P, pi, rng):
    S = SIDE * SIDE
    indptr, indices, data = P.indptr, P.indices, P.data
    width = np.diff(indptr).max()
    succ = np.zeros((P.shape[0], width), dtype=np.int64)
    cum = np.ones((P.shape[0], width))
    for row in range(P.shape[0]):
        k = indptr[row + 1] - indptr[row]
        succ[row, :k] = indices[indptr[row]:indptr[row + 1]]
        succ[row, k:] = succ[row, k - 1]
        cum[row, :k] = np.cumsum(data[indptr[row]:indptr[row + 1]])
    states = np.empty((EPISODES, HORIZON), dtype=np.int64)
    actions = np.empty((EPISODES, HORIZON), dtype=np.int64)
    s = rng.integers(0, S, EPISODES)
    for t in range(HORIZON):
        cpi = np.cumsum(pi[t][s], axis=1)
        a = np.minimum((rng.random(EPISODES)[:, None] > cpi).sum(axis=1), ACTIONS - 1)
        states[:, t], actions[:, t] = s, a
        row = s * ACTIONS + a
        k = np.minimum((rng.random(EPISODES)[:, None] > cum[row]).sum(axis=1), width - 1)
        s = succ[row, k]
    return states, actions


def numpy_fit(P, phi, empirical, p0):
    """L-BFGS-B on -L; phi: S x K dense state features."""
    PT = P.T.tocsr()
    scale = max(np.linalg.norm(empirical), 1.0)
    evaluations = [0]

    class Converged(Exception):
        def __init__(self, theta, value):
            self.theta, self.value = theta, value

    def negative_dual(theta):
        evaluations[0] += 1
        V, pi = soft_backward(P, phi @ theta)
        L = theta @ empirical - p0 @ V[0]
        d = p0.copy()
        D = np.zeros_like(p0)
        for t in range(HORIZON):
            D += d
            if t + 1 < HORIZON:
                d = PT @ (d[:, None] * pi[t]).ravel()
        gradient = empirical - phi.T @ D
        if np.linalg.norm(gradient) <= TOL * scale:
            raise Converged(theta.copy(), L)
        return -L, -gradient

    start = time.perf_counter()
    try:
        result = scipy.optimize.minimize(negative_dual, np.zeros(phi.shape[1]), jac=True, method="L-BFGS-B",
                                         options={"maxiter": 10000, "maxfun": 10000, "gtol": 0.0, "ftol": 0.0})
        theta, value, converged = result.x, -result.fun, False
    except Converged as done:
        theta, value, converged = done.theta, done.value, True
    return theta, value, evaluations[0], time.perf_counter() - start, converged


def main():
    copi = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "build/release/cli/copi")
    rng = np.random.default_rng(7)
    P = gridworld()
    region = region_of_state()
    K = (SIDE // BLOCK) ** 2
    phi = np.zeros((SIDE * SIDE, K))
    phi[np.arange(SIDE * SIDE), region] = 1.0
    truth = np.sin(1.7 * np.arange(K) + 0.3)
    _, pi = soft_backward(P, phi @ truth)
    states, actions = sample_demos(P, pi, rng)
    empirical = phi[states].sum(axis=1).mean(axis=0)
    p0 = np.bincount(states[:, 0], minlength=SIDE * SIDE) / EPISODES

    with tempfile.TemporaryDirectory() as folder:
        name = lambda s: f"{s // SIDE}_{s % SIDE}"
        with open(os.path.join(folder, "T.csv"), "w") as out:
            out.write("state,action,next_state,probability\n")
            coo = P.tocoo()
            for row, n, p in zip(coo.row, coo.col, coo.data):
                out.write(f"{name(row // ACTIONS)},{NAMES[row % ACTIONS]},{name(n)},{p!r}\n")
        with open(os.path.join(folder, "F.csv"), "w") as out:
            out.write("state,feature,value\n")
            for s in range(SIDE * SIDE):
                out.write(f"{name(s)},region{region[s]},1\n")
        with open(os.path.join(folder, "D.csv"), "w") as out:
            out.write("episode,t,state,action\n")
            for e in range(EPISODES):
                for t in range(HORIZON):
                    out.write(f"{e},{t},{name(states[e, t])},{NAMES[actions[e, t]]}\n")
        report = os.path.join(folder, "irl.json")
        command = [copi, "irl", "--transitions", os.path.join(folder, "T.csv"), "--features",
                   os.path.join(folder, "F.csv"), "--demos", os.path.join(folder, "D.csv"), "--horizon",
                   str(HORIZON), "--tol", str(TOL), "--json", report]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        copi_wall = time.perf_counter() - start
        with open(report) as f:
            doc = json.load(f)

    theta, value, evaluations, numpy_seconds, converged = numpy_fit(P, phi, empirical, p0)
    copi_theta = np.array([doc["weights"][f"region{k}"] for k in range(K)])
    print(f"problem: {SIDE * SIDE} states x {ACTIONS} actions, horizon {HORIZON}, {K} features, "
          f"{EPISODES} demonstrations of {HORIZON} steps")
    print(f"copi : L = {doc['objective']:.12f}  evaluations {doc['iterations']:4d}  fit {doc['seconds']:.3f} s  "
          f"(whole command {copi_wall:.3f} s)  converged {doc['converged']}")
    print(f"numpy: L = {value:.12f}  evaluations {evaluations:4d}  fit {numpy_seconds:.3f} s  converged {converged}")
    print(f"max |theta_copi - theta_numpy| = {np.abs(copi_theta - theta).max():.3e}   "
          f"|L_copi - L_numpy| = {abs(doc['objective'] - value):.3e}")
    print(f"max |theta_copi - theta_true| = {np.abs(copi_theta - truth).max():.3f}")
    print(f"time ratio numpy / copi (fit): {numpy_seconds / doc['seconds']:.1f}x   "
          f"per evaluation: {numpy_seconds / evaluations / (doc['seconds'] / doc['iterations']):.1f}x   "
          f"numpy fit / whole copi command: {numpy_seconds / copi_wall:.1f}x")


if __name__ == "__main__":
    main()
