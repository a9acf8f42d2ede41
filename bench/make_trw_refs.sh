#!/usr/bin/env bash
# Regenerates tests/data/libdai_trwbp/: libDAI's tree-reweighted BP (TRWBP) on the
# libDAI models of ../shared/data/libdai, with libDAI's own edge appearance
# probabilities, for tests/inference/test_trw_libdai.cpp (CI has no libDAI).
#
#   usage (from the repository root):  bash bench/make_trw_refs.sh
#
# Per model, two files:
#   MODEL.trwbp.weights  "trees N", then one integer per factor (file order): the number
#                        of libDAI's N sampled spanning trees (nrtrees=N, rnd_seed 1) that
#                        contain the factor's edge (unary factors: N). libDAI's weight is
#                        count / N, the same double copi computes from it.
#   MODEL.trwbp.ref      libDAI's TRWBP fixed point (SEQFIX) with those weights: log Z
#                        (the TRW bound), convergence and variable beliefs (%.12g), in the
#                        layout of ../shared/data/libdai's reference files. For the large
#                        models only every 10th variable's belief is kept (file size).
# Tolerances: 1e-11 on belief changes; K8 converges slowly (a near-boundary optimum), so it
# runs to 1e-13 (about 340000 sweeps, half a minute).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${COPI_SHARED_DATA_DIR:-$ROOT/../shared/data}/libdai
OUT=tests/data/libdai_trwbp
BUILD=build/libdai_trwbp
TREES=100
mkdir -p "$OUT" "$BUILD"

DAIDRV=$(bash "$ROOT/../shared/peers/libdai/ensure.sh")
LIBDAI=$(dirname "$DAIDRV")/libdai
DRV=$BUILD/libdai_trwbp
if [ ! -x "$DRV" ] || [ bench/libdai_trwbp.cpp -nt "$DRV" ]; then
  g++ -std=c++17 -O3 -Wall -Wextra -Wno-deprecated-declarations -I"$LIBDAI/include" bench/libdai_trwbp.cpp \
      "$LIBDAI/lib/libdai.a" -lgmpxx -lgmp -o "$DRV" >&2
fi

run() {  # model tol maxiter keep_every
  local m=$1 tol=$2 maxiter=$3 every=$4
  local opts="updates=SEQFIX,tol=$tol,maxiter=$maxiter,logdomain=0,damping=0,nrtrees=$TREES,verbose=0"
  "$DRV" "$DATA/$m.fg" "TRWBP[$opts]" --seed 1 --dump "$BUILD/$m.ref" --dump-weights "$BUILD/$m.w" |
    sed -n 2,3p | tr '\n' ' '
  echo " <- $m"
  { echo "trees $TREES"; awk -v n=$TREES '{ printf "%d\n", $1 * n + 0.5 }' "$BUILD/$m.w"; } >"$OUT/$m.trwbp.weights"
  awk -v every="$every" 'NR <= 2 { print; next }
       $1 % every == 0 { printf "%s %s", $1, $2; for (i = 3; i <= NF; ++i) printf " %.12g", $i; printf "\n" }' \
    "$BUILD/$m.ref" >"$OUT/$m.trwbp.ref"
}

run small_ising4x4 1e-11 100000 1
run small_potts3x3 1e-11 100000 1
run small_complete8 1e-13 1000000 1
run ising_grid100 1e-11 10000 10
run potts5_grid50 1e-11 10000 10
run dreg3_10k 1e-11 10000 10
