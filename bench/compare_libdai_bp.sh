#!/usr/bin/env bash
# copi's belief propagation against libDAI's BP, side by side in one run, on the
# libDAI models of ../shared/data/libdai (ising_grid100, dreg3_10k, potts5_grid50).
#
#   usage (from the repository root):  bash bench/compare_libdai_bp.sh
#
# libDAI: daidrv --bench MODEL.fg PARALL|SEQFIX 100 REPS (../shared/peers/libdai), its
#   "run" figure: BP::run() with the per-iteration belief/convergence check, median
#   wall time; updates counted as 2E per iteration (../shared/data/libdai/README.md).
# copi:   bench_bp (bench preset), 100 sweeps with the fixed per-call work removed by
#   differencing (see bench/bench_bp.cpp), median of REPS; parallel schedule on 1 and
#   2 threads, sequential on 1.
# Prints updates/s for both, copi/libDAI, and copi's 2-thread speed-up.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${COPI_SHARED_DATA_DIR:-$ROOT/../shared/data}/libdai
REPS=${REPS:-7}
BUILD=build/bench
if [ ! -x "$BUILD/bench/bench_bp" ]; then
  cmake --preset bench >/dev/null
  cmake --build "$BUILD" --target bench_bp >&2
fi
DAIDRV=$(bash "$ROOT/../shared/peers/libdai/ensure.sh")
OUT=$BUILD/compare_libdai_bp
mkdir -p "$OUT"

"$BUILD/bench/bench_bp" --benchmark_filter='Parallel|Sequential' --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true --benchmark_format=csv >"$OUT/copi.csv" 2>/dev/null
header=$(head -1 "$OUT/copi.csv")
col=$(echo "$header" | tr ',' '\n' | grep -n 'updates_per_second' | cut -d: -f1)
copi_rate() { grep "^\"$1.*_median\"" "$OUT/copi.csv" | head -1 | cut -d, -f"$col"; }

printf '%-14s %-9s %14s %14s %8s %14s %8s\n' model schedule libDAI_upd/s copi_1t_upd/s ratio copi_2t_upd/s speedup
for m in ising_grid100 dreg3_10k potts5_grid50; do
  for s in PARALL SEQFIX; do
    "$DAIDRV" --bench "$DATA/$m.fg" "$s" 100 "$REPS" >"$OUT/libdai_${m}_$s.txt"
    lib=$(awk '$1 == "run_wall" {print $7}' "$OUT/libdai_${m}_$s.txt")
    if [ "$s" = PARALL ]; then
      one=$(copi_rate "BM_BpParallel_$m/threads:1")
      two=$(copi_rate "BM_BpParallel_$m/threads:2")
      awk -v m="$m" -v l="$lib" -v a="$one" -v b="$two" \
        'BEGIN {printf "%-14s %-9s %14.3e %14.3e %8.1f %14.3e %8.2f\n", m, "parallel", l, a, a / l, b, b / a}'
    else
      one=$(copi_rate "BM_BpSequential_$m")
      awk -v m="$m" -v l="$lib" -v a="$one" \
        'BEGIN {printf "%-14s %-9s %14.3e %14.3e %8.1f %14s %8s\n", m, "sequential", l, a, a / l, "-", "-"}'
    fi
  done
done
