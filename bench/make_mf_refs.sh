#!/usr/bin/env bash
# Regenerates tests/data/libdai_mf/: libDAI's naive mean field (MF) on the libDAI
# models of ../shared/data/libdai, for tests/inference/test_mean_field_libdai.cpp
# (CI has no libDAI).
#
#   usage (from the repository root):  bash bench/make_mf_refs.sh [MODEL...]
#
# libDAI's MF (bench/libdai_mf.cpp): MF[tol=TOL,maxiter=...,damping=0,init=UNIFORM,
# updates=NAIVE]; every pass updates each variable once in an order shuffled by libDAI's
# global generator, so the fixed point reached can depend on rnd_seed. Each model is run
# with several seeds (several update orders); runs whose marginals agree to 1e-6 reached
# the same fixed point. Per model:
#   MODEL.mf.seeds   one line per seed: "seed S fixed_point F logZ L converged C iterations I"
#                    (F = 1, 2, ... numbers the distinct fixed points in order of first
#                    appearance; L is MF::logZ(), the ELBO, %.17g)
#   MODEL.mf.F.ref   fixed point F (the first seed that reached it) in the layout of
#                    ../shared/data/libdai's reference files: logZ, convergence, then
#                    "label card p_0 ..." per variable. Small models: every variable,
#                    %.17g. potts5_grid50: every 10th label, %.12g (file size).
#                    ising_grid100 and dreg3_10k: none (every order reaches a fixed point
#                    of its own, so there is nothing copi can be compared with; their
#                    .seeds files record that).
# Tolerances: 1e-13 (small models), 1e-11 (large models; ~0.2-0.5 s per libDAI pass on
# the 10000-variable models, so those take several minutes per seed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${COPI_SHARED_DATA_DIR:-$ROOT/../shared/data}/libdai
OUT=tests/data/libdai_mf
BUILD=build/libdai_mf
mkdir -p "$OUT" "$BUILD"

DAIDRV=$(bash "$ROOT/../shared/peers/libdai/ensure.sh")
LIBDAI=$(dirname "$DAIDRV")/libdai
DRV=$BUILD/libdai_mf
if [ ! -x "$DRV" ] || [ bench/libdai_mf.cpp -nt "$DRV" ]; then
  g++ -std=c++17 -O3 -Wall -Wextra -Wno-deprecated-declarations -I"$LIBDAI/include" bench/libdai_mf.cpp \
      "$LIBDAI/lib/libdai.a" -lgmpxx -lgmp -o "$DRV" >&2
fi

# Groups the seeds' dumps by fixed point and writes the .seeds and .ref files.
group() {  # model every(0: no ref files) format seeds...
  python3 - "$BUILD" "$OUT" "$@" <<'EOF'
import sys
build, out, model, every, fmt, seeds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6:]

def read(path):
    lines = open(path).read().splitlines()
    log_z = float(lines[0].split()[1])
    head = lines[1].split()  # converged C iterations I
    marginals = {}
    for line in lines[2:]:
        f = line.split()
        marginals[int(f[0])] = [float(x) for x in f[2:]]
    return log_z, int(head[1]), int(head[3]), marginals

def distance(a, b):
    return max(abs(x - y) for v in a for x, y in zip(a[v], b[v]))

points = []  # (seed, marginals)
with open(f"{out}/{model}.mf.seeds", "w") as summary:
    for seed in seeds:
        log_z, converged, iterations, marginals = read(f"{build}/{model}.{seed}.ref")
        fp = next((k + 1 for k, (_, m) in enumerate(points) if distance(m, marginals) <= 1e-6), None)
        if fp is None:
            points.append((seed, marginals))
            fp = len(points)
            if every > 0:
                with open(f"{out}/{model}.mf.{fp}.ref", "w") as ref:
                    ref.write(f"logZ {log_z:.17g}\nconverged {converged} iterations {iterations}\n")
                    for v in sorted(marginals):
                        if v % every == 0:
                            p = marginals[v]
                            ref.write(f"{v} {len(p)} " + " ".join(format(x, fmt) for x in p) + "\n")
        summary.write(f"seed {seed} fixed_point {fp} logZ {log_z:.17g} converged {converged} iterations {iterations}\n")
        print(f"{model}: seed {seed} -> fixed point {fp}, logZ {log_z:.12f}, converged {converged}, {iterations} passes")
EOF
}

run() {  # model tol maxiter every format seeds...
  local m=$1 tol=$2 maxiter=$3 every=$4 format=$5
  shift 5
  for s in "$@"; do
    "$DRV" "$DATA/$m.fg" "MF[tol=$tol,maxiter=$maxiter,damping=0,init=UNIFORM,updates=NAIVE,verbose=0]" --seed "$s" \
      --dump "$BUILD/$m.$s.ref" >/dev/null
  done
  group "$m" "$every" "$format" "$@"
}

SMALL_SEEDS="1 2 3 4 5 6 7 8 9 10"
want() { [ $# -eq 0 ] || [[ " $* " == *" $M "* ]]; }
for M in small_tree small_loopy small_ising4x4 small_potts3x3 small_complete8; do
  if want "$@"; then run $M 1e-13 1000000 1 .17g $SMALL_SEEDS; fi
done
M=potts5_grid50; if want "$@"; then run $M 1e-11 20000 10 .12g 1 2 3; fi
M=ising_grid100; if want "$@"; then run $M 1e-11 20000 0 .12g 1 2; fi
M=dreg3_10k; if want "$@"; then run $M 1e-11 20000 0 .12g 1 2; fi
