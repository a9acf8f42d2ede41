#!/usr/bin/env bash
# copi's mean field against libDAI's MF, side by side in one run, on the libDAI models
# of ../shared/data/libdai (ising_grid100, potts5_grid50), and copi's structured sweep
# with row clusters against one flooding BP iteration on ising_grid100 — the speed
# targets of issue 11.
#
#   usage (from the repository root):  bash bench/compare_libdai_mf.sh
#
# libDAI: bench/libdai_mf --bench-mf MODEL.fg PASSES REPS (compiled here against
#   ../shared/peers/libdai): MF::run() doing exactly PASSES passes (each updates every
#   variable once, in a shuffled order), median wall time over REPS runs.
# copi:   bench_mean_field (bench preset), 100 sweeps with the fixed per-call work
#   removed by differencing (see bench/bench_mean_field.cpp; a copi sweep includes its
#   ELBO), median of REPS repetitions; naive mean field sequential on 1 thread and by
#   colouring (parallel) on 1 and 2 threads; row clusters; flooding BP.
# Both: variable updates per second = variables x sweeps / wall seconds.
#
# Prints, per model, the rates, copi / libDAI on one thread (target >= 10) and copi's
# 2-thread speed-up of the parallel schedule (target >= 1.7); then the row-cluster sweep
# against one flooding BP iteration (target <= 3). The machine's load average is printed
# before and after: on a shared machine wall times are inflated by other processes, the
# more so with 2 threads. Environment: REPS (default 7), LIBDAI_PASSES (default 10 on
# ising_grid100, 40 on potts5_grid50). Raw outputs: build/bench/compare_libdai_mf/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DATA=${COPI_SHARED_DATA_DIR:-$ROOT/../shared/data}/libdai
REPS=${REPS:-7}
BUILD=build/bench
OUT=$BUILD/compare_libdai_mf
mkdir -p "$OUT"
if [ ! -x "$BUILD/bench/bench_mean_field" ]; then
  cmake --preset bench >/dev/null
  cmake --build "$BUILD" --target bench_mean_field >&2
fi
DAIDRV=$(bash "$ROOT/../shared/peers/libdai/ensure.sh")
LIBDAI=$(dirname "$DAIDRV")/libdai
DRV=build/libdai_mf/libdai_mf
mkdir -p "$(dirname "$DRV")"
if [ ! -x "$DRV" ] || [ bench/libdai_mf.cpp -nt "$DRV" ]; then
  g++ -std=c++17 -O3 -Wall -Wextra -Wno-deprecated-declarations -I"$LIBDAI/include" bench/libdai_mf.cpp \
      "$LIBDAI/lib/libdai.a" -lgmpxx -lgmp -o "$DRV" >&2
fi

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$BUILD/bench/bench_mean_field" --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_format=csv >"$OUT/copi.csv" 2>/dev/null
header=$(head -1 "$OUT/copi.csv")
column() { echo "$header" | tr ',' '\n' | grep -n "^\"\\?$1\"\\?\$" | cut -d: -f1; }
rate_col=$(column var_updates_per_second)
ms_col=$(column ms_per_sweep)
copi_value() { grep "^\"$1/manual_time_median\"" "$OUT/copi.csv" | head -1 | cut -d, -f"$2"; }

printf '%-14s %13s %13s %7s %13s %7s %13s %7s\n' model libDAI_upd/s copi_seq_1t ratio copi_par_1t ratio copi_par_2t 2t/1t
for m in ising_grid100 potts5_grid50; do
  passes=${LIBDAI_PASSES:-$([ $m = ising_grid100 ] && echo 10 || echo 40)}
  "$DRV" --bench-mf "$DATA/$m.fg" "$passes" "$REPS" >"$OUT/libdai_$m.txt"
  lib=$(awk '$1 == "run_wall" {print $7}' "$OUT/libdai_$m.txt")
  seq=$(copi_value "BM_MfNaiveSequential_$m" "$rate_col")
  one=$(copi_value "BM_MfNaiveParallel_$m/threads:1" "$rate_col")
  two=$(copi_value "BM_MfNaiveParallel_$m/threads:2" "$rate_col")
  awk -v m="$m" -v l="$lib" -v s="$seq" -v a="$one" -v b="$two" \
    'BEGIN {printf "%-14s %13.3e %13.3e %7.1f %13.3e %7.1f %13.3e %7.2f\n", m, l, s, s / l, a, a / l, b, b / a}'
done

echo
printf '%-34s %10s %10s %7s\n' "ising_grid100, ms per sweep" copi_rows flood_BP ratio
for t in 1 2; do
  bp=$(copi_value "BM_BpFlooding_ising_grid100/threads:$t" "$ms_col")
  par=$(copi_value "BM_MfRowsParallel_ising_grid100/threads:$t" "$ms_col")
  awk -v t="$t" -v r="$par" -v b="$bp" 'BEGIN {printf "%-34s %10.3f %10.3f %7.2f\n", "rows by colour, " t " thread(s)", r, b, r / b}'
  if [ "$t" = 1 ]; then
    seq=$(copi_value "BM_MfRowsSequential_ising_grid100" "$ms_col")
    awk -v r="$seq" -v b="$bp" 'BEGIN {printf "%-34s %10.3f %10.3f %7.2f\n", "rows in order, 1 thread", r, b, r / b}'
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
