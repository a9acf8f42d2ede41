#!/usr/bin/env bash
# copi's tree-reweighted BP against libDAI's TRWBP, side by side in one run, on
# ising_grid100 (../shared/data/libdai).
#
#   usage (from the repository root):  bash bench/compare_libdai_trw.sh
#
# libDAI: bench/libdai_trwbp --bench (compiled here against ../shared/peers/libdai):
#   TRWBP::run() for ITERS iterations on a constructed object (weights from 100 sampled
#   trees), median wall time of REPS; updates counted as 2E per iteration.
# copi:   bench_trw (bench preset): 100 sweeps with the fixed per-call work removed by
#   differencing (see bench/bench_trw.cpp), median of REPS; parallel schedule on 1 and
#   2 threads, sequential on 1. Also copi's fixed setup (model, 100 Wilson trees, edge
#   layout, bound) on 1 and 2 threads.
# Prints updates/s for both, copi/libDAI, and copi's 2-thread speed-up.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${COPI_SHARED_DATA_DIR:-$ROOT/../shared/data}/libdai
REPS=${REPS:-5}
ITERS=${ITERS:-20}   # libDAI sweeps per timed run (about 0.1 s each on this grid)
BUILD=build/bench
if [ ! -f "$BUILD/CMakeCache.txt" ]; then cmake --preset bench >/dev/null; fi
cmake --build "$BUILD" --target bench_trw >&2
DAIDRV=$(bash "$ROOT/../shared/peers/libdai/ensure.sh")
LIBDAI=$(dirname "$DAIDRV")/libdai
OUT=$BUILD/compare_libdai_trw
mkdir -p "$OUT"
DRV=$OUT/libdai_trwbp
if [ ! -x "$DRV" ] || [ bench/libdai_trwbp.cpp -nt "$DRV" ]; then
  g++ -std=c++17 -O3 -Wall -Wextra -Wno-deprecated-declarations -I"$LIBDAI/include" bench/libdai_trwbp.cpp \
      "$LIBDAI/lib/libdai.a" -lgmpxx -lgmp -o "$DRV" >&2
fi

"$BUILD/bench/bench_trw" --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_format=csv >"$OUT/copi.csv" 2>/dev/null
header=$(head -1 "$OUT/copi.csv")
rate_col=$(echo "$header" | tr ',' '\n' | grep -n 'updates_per_second' | cut -d: -f1)
time_col=$(echo "$header" | tr ',' '\n' | grep -n '^real_time$' | cut -d: -f1)
copi_rate() { grep "^\"$1.*_median\"" "$OUT/copi.csv" | head -1 | cut -d, -f"$rate_col"; }
copi_ms() { grep "^\"$1.*_median\"" "$OUT/copi.csv" | head -1 | cut -d, -f"$time_col"; }

m=ising_grid100
printf '%-14s %-10s %14s %14s %8s %14s %8s\n' model schedule libDAI_upd/s copi_1t_upd/s ratio copi_2t_upd/s speedup
for s in PARALL SEQFIX; do
  "$DRV" --bench "$DATA/$m.fg" "TRWBP[updates=$s,logdomain=0,damping=0,nrtrees=100,verbose=0]" "$ITERS" "$REPS" \
    >"$OUT/libdai_${m}_$s.txt"
  lib=$(awk '$1 == "run_wall" {print $7}' "$OUT/libdai_${m}_$s.txt")
  if [ "$s" = PARALL ]; then
    one=$(copi_rate "BM_TrwParallel_$m/threads:1")
    two=$(copi_rate "BM_TrwParallel_$m/threads:2")
    awk -v m="$m" -v l="$lib" -v a="$one" -v b="$two" \
      'BEGIN {printf "%-14s %-10s %14.3e %14.3e %8.1f %14.3e %8.2f\n", m, "parallel", l, a, a / l, b, b / a}'
  else
    one=$(copi_rate "BM_TrwSequential_$m")
    awk -v m="$m" -v l="$lib" -v a="$one" \
      'BEGIN {printf "%-14s %-10s %14.3e %14.3e %8.1f %14s %8s\n", m, "sequential", l, a, a / l, "-", "-"}'
  fi
done
printf 'copi setup (model, 100 Wilson trees, edge layout, 1 sweep, bound): %s ms on 1 thread, %s ms on 2\n' \
  "$(copi_ms "BM_TrwSetup_$m/threads:1")" "$(copi_ms "BM_TrwSetup_$m/threads:2")"
