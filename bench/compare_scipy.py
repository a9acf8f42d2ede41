#!/usr/bin/python3
"""copi's one-step soft Bellman backup, and whole solves, against NumPy/scipy.sparse.

Run from the repository root with Debian's Python (it has numpy and scipy; the
`python3` first on PATH may not):

    /usr/bin/python3 bench/compare_scipy.py [--reps R] [--side N] [--skip-check]

On a fresh machine: apt-get install python3-numpy python3-scipy.

What is measured: one backup of every state of the 1000 x 1000 slippery gridworld of
bench/bench_control.cpp (10^6 states, 5 actions, 2.5e7 CSR entries, alpha = 1,
gamma = 0.99) from a fixed, non-constant V' (the values after one backup from V' = 0),
for method in exact / variational / map, writing V only ("values") or V and the policy
("policy"). copi's side is BM_Backup_Gridworld1000/<method>/<output>/threads:1 (the
private StepBackup::run alone, one thread); the NumPy side is the vectorised backup
below (a scipy CSR mat-vec plus whole-array exp/log/max), single-threaded. Both are the
median of R repetitions of real time; construction of the MDP is not timed. The ratio
is scipy time / copi time.

Why the cross-check: a speed ratio means nothing unless both sides compute the same
thing. Before timing, the side-12 gridworld is written as CSV, solved by `copi mdp`
(horizon 3, gamma = 1 and gamma = 0.99) and compared, every V_t and policy, with the
backward recursion of the NumPy backup below (relative 1e-9). The NumPy gridworld is
built by the same function for the check and for the timing.

Builds (incrementally, a no-op when current) bench_control and the copi CLI in
$COPI_BENCH_DIR (default build/bench, the `bench` CMake preset).

With --solve SIDES (e.g. --solve 300 or --solve 300,1000): whole infinite-horizon
solves instead (issue 15). The slippery gridworld above, gamma = 0.99, alpha = 1,
variational, tolerance 1e-8: `copi mdp` built with the README's `release` preset
($COPI_RELEASE_DIR, default build/release) on 1 and 2 threads (its solve_seconds: the
solve alone, median of R runs; both thread counts must give the same V), against
scipy soft value iteration and soft policy iteration with evaluation by
scipy.sparse.linalg.spsolve. All three stop on the same certified bound,
gamma ||T V - V|| / (1 - gamma) <= tol on the returned T V, so each answer is within tol
of the fixed point and any two within 2 tol: that is checked before the table is printed.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported

import argparse
import json
import math
import resource
import shlex
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import scipy
    import scipy.sparse as sp
except ImportError as error:
    print(f"compare_scipy: cannot import numpy/scipy ({error}).\n"
          "Run it with /usr/bin/python3 (Debian packages python3-numpy and python3-scipy: "
          "apt-get install python3-numpy python3-scipy).", file=sys.stderr)
    sys.exit(2)

ACTIONS = 5  # stay, up (dy=-1), down (dy=+1), left (dx=-1), right (dx=+1)
METHODS = ("exact", "variational", "map")
OUTPUTS = ("values", "policy")


def build_gridworld(side):
    """P (CSR, rows s*A + a, float64, int32 indices) and R (S*A) of bench_control's grid.

    Every row's candidate successors, in increasing next-state order, are s-side (up),
    s-1 (left), s (stay and every move into a wall), s+1 (right), s+side (down); the
    self entry sums stay then up, down, left, right in that order, as the C++ does.
    """
    S = side * side
    s = np.arange(S, dtype=np.int32)  # int32 throughout: the CSR's index type
    y, x = s // side, s % side
    moves = {"up": (1, y == 0, -side), "down": (2, y == side - 1, side),
             "left": (3, x == 0, -1), "right": (4, x == side - 1, 1)}
    a = np.arange(ACTIONS)
    prob = lambda move: np.where(a == move, 0.8, 0.05)  # p(move | a), one per action
    self_p = np.broadcast_to(prob(0), (S, ACTIONS)).copy()
    slot = {}
    for name, (move, wall, step) in moves.items():
        p = np.broadcast_to(prob(move), (S, ACTIONS))
        self_p += np.where(wall[:, None], p, 0.0)
        slot[name] = (np.where(wall[:, None], 0.0, p), ~wall, s + step)
    order = ("up", "left", None, "right", "down")  # sorted by next state
    cols = np.stack([np.broadcast_to((s if k is None else slot[k][2])[:, None], (S, ACTIONS))
                     for k in order], axis=2).reshape(-1, 5)
    data = np.stack([self_p if k is None else slot[k][0] for k in order], axis=2).reshape(-1, 5)
    keep = np.stack([np.broadcast_to((np.ones(S, bool) if k is None else slot[k][1])[:, None],
                                     (S, ACTIONS)) for k in order], axis=2).reshape(-1, 5)
    indptr = np.zeros(S * ACTIONS + 1, dtype=np.int32)
    np.cumsum(keep.sum(axis=1), out=indptr[1:])
    P = sp.csr_matrix((data[keep], cols[keep], indptr), shape=(S * ACTIONS, S))
    R = np.tile(np.array([-0.02] + [-0.04] * (ACTIONS - 1)), S)
    R[(S - 1) * ACTIONS:] = 1.0
    return P, R


def backup(P, R, next_v, method, gamma, alpha, with_policy):
    """One backup from V' = next_v: returns (V, pi or None); pi has shape (S, A)."""
    S = next_v.size
    if method == "exact":  # Q = R + alpha log(gamma E[exp(V'/alpha)] + 1 - gamma), stably
        m = next_v.max()
        z = np.exp((next_v - m) / alpha)
        with np.errstate(divide="ignore"):
            log_pz = np.log(P @ z)
            log_end = math.log(1.0 - gamma) if gamma < 1.0 else -np.inf
        Q = R + alpha * np.logaddexp(math.log(gamma) + m / alpha + log_pz, log_end)
    else:
        Q = R + gamma * (P @ next_v)
    Q = Q.reshape(S, -1)
    if method == "map":
        V = Q.max(axis=1)
        if not with_policy:
            return V, None
        pi = np.zeros_like(Q)
        pi[np.arange(S), Q.argmax(axis=1)] = 1.0  # the first best action
        return V, pi
    X = Q / alpha
    hi = X.max(axis=1)
    W = np.exp(X - hi[:, None])
    sum_w = W.sum(axis=1)
    V = alpha * (hi + np.log(sum_w))
    return V, (W / sum_w[:, None] if with_policy else None)


def run(cmd, **kwargs):
    print("+", " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def ensure_built(build_dir):
    """Configure (when needed) and incrementally build bench_control and the copi CLI."""
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        run(["cmake", "--preset", "bench", "-B", build_dir])
    run(["cmake", "--build", build_dir, "--target", "bench_control", "copi", "-j", "2"])
    return os.path.join(build_dir, "bench", "bench_control"), os.path.join(build_dir, "cli", "copi")


def write_csv(directory, P, R, side):
    S = side * side
    paths = {k: os.path.join(directory, k + ".csv") for k in ("T", "R", "I")}
    with open(paths["T"], "w") as out:
        out.write("state,action,next_state,probability\n")
        for row in range(S * ACTIONS):
            for k in range(P.indptr[row], P.indptr[row + 1]):
                out.write(f"{row // ACTIONS},{row % ACTIONS},{P.indices[k]},{P.data[k]!r}\n")
    with open(paths["R"], "w") as out:
        out.write("state,action,reward\n")
        out.writelines(f"{row // ACTIONS},{row % ACTIONS},{R[row]!r}\n" for row in range(S * ACTIONS))
    with open(paths["I"], "w") as out:
        out.write("state,probability\n0,1\n")
    return paths


def rel_diff(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)))


def cross_check(copi_cli, side=12, horizon=3, tol=1e-9):
    """copi mdp against the NumPy recursion on the side-12 grid; exits 1 on a mismatch."""
    P, R = build_gridworld(side)
    S = side * side
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="copi_scipy_") as tmp:
        paths = write_csv(tmp, P, R, side)
        for gamma in (1.0, 0.99):
            for method in METHODS:
                out = os.path.join(tmp, f"{method}_{gamma}.json")
                cmd = [copi_cli, "mdp", "--transitions", paths["T"], "--rewards", paths["R"],
                       "--initial", paths["I"], "--horizon", str(horizon), "--alpha", "1",
                       "--method", method, "--json", out]
                if gamma < 1.0:
                    cmd += ["--discount", repr(gamma)]
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                with open(out) as f:
                    doc = json.load(f)
                if doc["states"] != [str(i) for i in range(S)] or doc["actions"] != [str(a) for a in range(ACTIONS)]:
                    sys.exit(f"compare_scipy: unexpected labels in {out}")
                copi_v, copi_pi = np.array(doc["V"]), np.array(doc["policy"])
                v_next, diffs = np.zeros(S), []
                for t in reversed(range(horizon)):
                    V, pi = backup(P, R, v_next, method, gamma, 1.0, True)
                    diffs.append(("V", t + 1, rel_diff(V, copi_v[t])))
                    if method == "map":  # copi's one-hot action must be a best action of our Q
                        chosen = copi_pi[t].argmax(axis=1)
                        one_hot = np.array_equal(copi_pi[t], np.eye(ACTIONS)[chosen])
                        Q = (R + gamma * (P @ v_next)).reshape(S, ACTIONS)
                        gap = float(np.max((Q.max(1) - Q[np.arange(S), chosen]) / np.abs(Q).max(1)))
                        diffs.append(("pi", t + 1, gap if one_hot else math.inf))
                    else:
                        diffs.append(("pi", t + 1, rel_diff(pi, copi_pi[t])))
                    v_next = V
                what, t, d = max(diffs, key=lambda e: e[2])
                worst = max(worst, d)
                status = "ok" if d <= tol else "MISMATCH"
                print(f"check side {side}, horizon {horizon}, gamma {gamma}, {method:11s}: "
                      f"largest relative difference {d:.2e} ({what}_{t}) {status}")
                if d > tol:
                    print(f"compare_scipy: copi and NumPy disagree ({method}, gamma {gamma}, {what}_{t}: "
                          f"{d:.3e} > {tol:g})", file=sys.stderr)
                    sys.exit(1)
    return worst


def time_copi(bench, reps):
    """Median real time (ms) of BM_Backup_Gridworld1000/<method>/<output>/threads:1."""
    cmd = [bench, "--benchmark_filter=^BM_Backup_Gridworld1000/.*/threads:1/real_time$",
           f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true",
           "--benchmark_format=json"]
    doc = json.loads(run(cmd, stdout=subprocess.PIPE, text=True).stdout)
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    times, peak = {}, 0.0
    for b in doc["benchmarks"]:
        if b.get("aggregate_name") == "median":
            method, output = b["run_name"].split("/")[1:3]
            times[method, output] = b["real_time"] * scale[b["time_unit"]]
            peak = max(peak, b.get("peak_rss_MB", 0.0))
    return times, peak


def time_scipy(side, reps, gamma=0.99, alpha=1.0):
    """Median wall time (ms) of the NumPy backup, same V' as bm_backup."""
    P, R = build_gridworld(side)
    print(f"scipy grid: side {side}, {P.shape[0] // ACTIONS} states, {P.nnz} CSR entries", flush=True)
    times = {}
    for method in METHODS:
        next_v, _ = backup(P, R, np.zeros(side * side), method, gamma, alpha, False)
        for output in OUTPUTS:
            backup(P, R, next_v, method, gamma, alpha, output == "policy")  # warm
            samples = []
            for _ in range(reps):
                start = time.perf_counter()
                backup(P, R, next_v, method, gamma, alpha, output == "policy")
                samples.append(time.perf_counter() - start)
            times[method, output] = 1e3 * float(np.median(samples))
    return times


# ---- whole infinite-horizon solves (issue 15): copi mdp against scipy soft VI and PI ----

def soft_policy_matrix(P, pi):
    """P_pi (S x S, CSR): row s is sum_a pi(a|s) P[s*A + a]."""
    S, A = pi.shape
    rows = np.repeat(np.arange(S), A)
    weights = sp.csr_matrix((pi.ravel(), (rows, np.arange(S * A))), shape=(S, S * A))
    return (weights @ P).tocsr()


def certified(residual, gamma):
    """The bound both sides stop on: ||T V - V*|| <= gamma ||T V - V|| / (1 - gamma)."""
    return gamma * residual / (1.0 - gamma)


def scipy_soft_vi(P, R, gamma, alpha, tol):
    """Plain soft value iteration (variational, no prior) until the bound is <= tol."""
    v = np.zeros(P.shape[1])
    backups = 0
    while True:
        tv, _ = backup(P, R, v, "variational", gamma, alpha, False)
        backups += 1
        if certified(float(np.max(np.abs(tv - v))), gamma) <= tol:
            return tv, backups
        v = tv


def scipy_soft_pi(P, R, gamma, alpha, tol):
    """Soft policy iteration: evaluation (I - gamma P_pi) W = c_pi by scipy.sparse.linalg.spsolve,
    improvement by one soft backup; the same stopping rule as scipy_soft_vi on T W."""
    from scipy.sparse.linalg import spsolve
    S = P.shape[1]
    v = np.zeros(S)
    backups = 0
    while True:
        tv, pi = backup(P, R, v, "variational", gamma, alpha, True)
        backups += 1
        if certified(float(np.max(np.abs(tv - v))), gamma) <= tol:
            return tv, backups
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy_term = np.where(pi > 0.0, pi * (R.reshape(S, -1) - alpha * np.log(pi)), 0.0)
        c = entropy_term.sum(axis=1)
        A = (sp.identity(S, format="csr") - gamma * soft_policy_matrix(P, pi)).tocsc()
        v = spsolve(A, c)


def ensure_release_cli(build_dir):
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        run(["cmake", "--preset", "release", "-B", build_dir])
    run(["cmake", "--build", build_dir, "--target", "copi", "-j", "2"])
    return os.path.join(build_dir, "cli", "copi")


def copi_solve(cli, paths, threads, gamma, alpha, tol, reps, out_json):
    """Median solve_seconds of `copi mdp` (the solve alone: backups, policy evaluations and
    the objective) over reps runs, with the last run's JSON."""
    cmd = [cli, "mdp", "--transitions", paths["T"], "--rewards", paths["R"], "--initial", paths["I"],
           "--discount", repr(gamma), "--alpha", repr(alpha), "--method", "variational", "--tol", repr(tol),
           "--threads", str(threads), "--json", out_json]
    times = []
    for _ in range(reps):
        run(cmd, stdout=subprocess.DEVNULL)
        with open(out_json) as f:
            doc = json.load(f)
        times.append(doc["solve_seconds"])
    return float(np.median(times)), doc, cmd


def compare_solves(sides, reps, gamma=0.99, alpha=1.0, tol=1e-8):
    build_dir = os.environ.get("COPI_RELEASE_DIR", "build/release")
    cli = ensure_release_cli(build_dir)
    rows = []
    for side in sides:
        P, R = build_gridworld(side)
        S = side * side
        print(f"solve grid: side {side}, {S} states, {P.nnz} CSR entries, gamma {gamma}, alpha {alpha}, "
              f"variational, tol {tol:g}", flush=True)
        with tempfile.TemporaryDirectory(prefix="copi_solve_") as tmp:
            paths = write_csv(tmp, P, R, side)
            copi = {}
            for threads in (1, 2):
                seconds, doc, cmd = copi_solve(cli, paths, threads, gamma, alpha, tol, reps,
                                               os.path.join(tmp, f"copi{threads}.json"))
                copi[threads] = (seconds, doc)
                print(f"  copi {threads} thread(s): {seconds:.3f} s, {doc['iterations']} backups, "
                      f"{doc['evaluations']} evaluation products, solver {doc['solver']}, "
                      f"error bound {doc['error_bound']:.2e}", flush=True)
            copi_v = np.array(copi[1][1]["V"][0])
            if not np.array_equal(copi_v, np.array(copi[2][1]["V"][0])):
                sys.exit("compare_scipy: copi's V differs between 1 and 2 threads")
        start = time.perf_counter()
        vi_v, vi_backups = scipy_soft_vi(P, R, gamma, alpha, tol)
        vi_seconds = time.perf_counter() - start
        print(f"  scipy soft VI: {vi_seconds:.2f} s, {vi_backups} backups", flush=True)
        start = time.perf_counter()
        pi_v, pi_backups = scipy_soft_pi(P, R, gamma, alpha, tol)
        pi_seconds = time.perf_counter() - start
        print(f"  scipy soft PI (spsolve): {pi_seconds:.2f} s, {pi_backups} backups", flush=True)
        # Each answer is within tol of the fixed point, so any two are within 2 tol.
        for name, v in (("scipy VI", vi_v), ("scipy PI", pi_v)):
            d = float(np.max(np.abs(copi_v - v)))
            status = "ok" if d <= 2 * tol else "MISMATCH"
            print(f"  check: max |V_copi - V_{name}| = {d:.2e} (<= 2 tol = {2 * tol:g}) {status}")
            if d > 2 * tol:
                sys.exit(f"compare_scipy: copi and {name} disagree beyond the tolerance ({d:.3e})")
        rows.append((side, copi[1][0], copi[2][0], vi_seconds, pi_seconds, copi[1][1]["iterations"],
                     vi_backups, pi_backups))
    print("\n| grid | copi 1 thread s | copi 2 threads s | 1->2 speed-up | scipy VI s | VI / copi | "
          "scipy PI s | PI / copi | backups copi / VI / PI |\n|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for side, c1, c2, vi, pi, cb, vb, pb in rows:
        print(f"| {side}x{side} | {c1:.3f} | {c2:.3f} | {c1 / c2:.2f}x | {vi:.2f} | {vi / c1:.1f}x | {pi:.2f} | "
              f"{pi / c1:.1f}x | {cb} / {vb} / {pb} |")
    print("Times: copi = median solve_seconds of R runs of `copi mdp` (release preset: the solve alone, "
          "without reading the CSV); scipy = one run each, single-threaded BLAS. Ratios: scipy / copi (1 thread).")


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per benchmark (median)")
    parser.add_argument("--side", type=int, default=1000, help="grid side for the NumPy timing")
    parser.add_argument("--skip-check", action="store_true", help="skip the copi mdp cross-check")
    parser.add_argument("--solve", metavar="SIDES", default=None,
                        help="instead: whole infinite-horizon solves on SIDE x SIDE grids (comma list, e.g. 300 or "
                             "300,1000): copi mdp (release preset, 1 and 2 threads) against scipy soft value "
                             "iteration and soft policy iteration with spsolve, gamma 0.99, alpha 1, tol 1e-8")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.solve:
        compare_solves([int(x) for x in args.solve.split(",")], args.reps)
        print(f"\nMachine: {len(os.sched_getaffinity(0))} CPUs (nproc), {cpu_model()}; numpy {np.__version__}, "
              f"scipy {scipy.__version__}.")
        print(f"Reproduce (from the repository root): /usr/bin/python3 bench/compare_scipy.py --solve {args.solve} "
              f"--reps {args.reps}")
        print(f"Total run time: {time.perf_counter() - started:.0f} s")
        return
    build_dir = os.environ.get("COPI_BENCH_DIR", "build/bench")
    bench, cli = ensure_built(build_dir)
    if not args.skip_check:
        cross_check(cli)
    copi, copi_peak = (time_copi(bench, args.reps) if args.side == 1000 else ({}, None))
    scipy_ms = time_scipy(args.side, args.reps)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # KiB on Linux

    print(f"\n| method | output | copi ms (1 thread) | scipy ms | ratio |\n|---|---|---:|---:|---:|")
    for method in METHODS:
        for output in OUTPUTS:
            c, s = copi.get((method, output)), scipy_ms[method, output]
            cells = (f"{c:.2f}", f"{s / c:.1f}x") if c else ("-", "-")
            print(f"| {method} | {output} | {cells[0]} | {s:.2f} | {cells[1]} |")
    command = " ".join(["/usr/bin/python3", "bench/compare_scipy.py", "--reps", str(args.reps)]
                       + (["--side", str(args.side)] if args.side != 1000 else [])
                       + (["--skip-check"] if args.skip_check else []))
    if "COPI_BENCH_DIR" in os.environ:
        command = f"COPI_BENCH_DIR={shlex.quote(build_dir)} {command}"
    print(f"\nMachine: {len(os.sched_getaffinity(0))} CPUs (nproc), {cpu_model()}; numpy {np.__version__}, "
          f"scipy {scipy.__version__}. Times: median of R = {args.reps} repetitions, real time, one thread; "
          f"ratio = scipy / copi.")
    print(f"Peak RSS: scipy process {peak_mb:.0f} MB"
          + (f", copi bench_control {copi_peak:.0f} MB" if copi_peak else "") + ".")
    print(f"Reproduce (from the repository root): {command}")
    print(f"Total run time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
