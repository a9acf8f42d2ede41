#!/usr/bin/env bash
# copi's exact inference against libDAI's junction tree, side by side in one run.
#
#   usage (from the repository root):  bash bench/compare_libdai.sh [--survey]
#                                       bash bench/compare_libdai.sh bp   (belief propagation)
#
# For every BM_JunctionTree_<problem> benchmark of bench_exact (the Ising grids built
# in code, the three slowest shipped UAI problems copi solves within 2 GiB), one
# problem at a time:
#   copi    bench_exact --benchmark_filter=^BM_JunctionTree_<problem>$ with REPS
#           repetitions: solve_exact(MAR) = elimination order, junction tree, HUGIN-style
#           collect + distribute, log Z and every marginal. Median thread CPU time.
#   libDAI  bench/libdai_jtree (compiled here against ../shared/peers/libdai) on the same
#           model written as .fg by bench_exact: JTREE[updates=HUGIN] = elimination order
#           (MINFILL, libDAI's default), clique tables, HUGIN run, logZ() and beliefV(i)
#           for every variable. Median thread CPU time over REPS runs.
# Both exclude reading the model file. Evidence: libDAI's JTREE has no evidence input,
# so the .fg gets each observed variable as a unary 0/1 indicator factor (same joint, so
# the same log Z = log P(e) and marginals); copi instead removes observed variables
# from the scopes, as it always does.
#
# ratio = libDAI seconds / copi seconds (> 1: copi is faster). |dlogZ| cross-checks
# that both solved the same problem.
#
# Environment: REPS (default 5) repetitions for both; LIBDAI_VMEM_KB (default 12 GiB)
# address-space limit for a libDAI run, LIBDAI_MAXMEM (default 32 GiB) libDAI's own
# maxmem option (it compares 6 x 8 bytes x its elimination-clique entries with it, so
# that a hopeless plan - the 20x20 grid - is refused before allocating).
# Raw outputs: build/bench/compare_libdai/.
set -euo pipefail
# `bash bench/compare_libdai.sh bp`: the belief propagation comparison instead.
if [ "${1:-}" = bp ]; then exec bash "$(dirname "$0")/compare_libdai_bp.sh"; fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=build/bench
OUT=$BUILD/compare_libdai
DATA=${COPI_SHARED_DATA_DIR:-$ROOT/../shared/data}
PEER=$ROOT/../shared/peers/libdai
REPS=${REPS:-5}
LIBDAI_VMEM_KB=${LIBDAI_VMEM_KB:-12582912}
LIBDAI_MAXMEM=${LIBDAI_MAXMEM:-34359738368}
METHOD="JTREE[updates=HUGIN,verbose=0,maxmem=$LIBDAI_MAXMEM]"
SURVEY=0
for arg in "$@"; do
  case $arg in
    --survey) SURVEY=1 ;;
    *) echo "usage: bash bench/compare_libdai.sh [--survey]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"

# ---- copi: the bench preset (the release build's flags, COPI_BUILD_BENCH=ON)
echo "== building copi (bench preset)" >&2
[ -f "$BUILD/CMakeCache.txt" ] || cmake --preset bench >&2
cmake --build --preset bench -j2 --target bench_exact >&2   # only what the comparison needs
BENCH=$BUILD/bench/bench_exact

# ---- libDAI: the peer build (-O3) and our timing driver
echo "== building libDAI (../shared/peers/libdai/ensure.sh)" >&2
DAIDRV=$("$PEER/ensure.sh")
LIBDAI=$(dirname "$DAIDRV")/libdai
JT=$BUILD/libdai_jtree
if [ ! -x "$JT" ] || [ bench/libdai_jtree.cpp -nt "$JT" ] || [ "$LIBDAI/lib/libdai.a" -nt "$JT" ]; then
  g++ -std=c++17 -O3 -Wall -Wextra -Wno-deprecated-declarations -I"$LIBDAI/include" bench/libdai_jtree.cpp \
      "$LIBDAI/lib/libdai.a" -lgmpxx -lgmp -o "$JT" >&2
fi

if [ "$SURVEY" = 1 ]; then
  echo "== survey: one MAR solve of every shipped UAI problem (how the three were chosen)"
  "$BENCH" --survey "$DATA/uai" | tee "$OUT/survey.txt"
  echo
fi

# ---- the problems: every BM_JunctionTree_* benchmark
mapfile -t PROBLEMS < <("$BENCH" --benchmark_list_tests --benchmark_filter='^BM_JunctionTree_' |
                        sed 's/^BM_JunctionTree_//')

model_fg() {  # the problem as a .fg file for libDAI (evidence as indicator factors)
  local p=$1 fg=$OUT/$1.fg
  if [ -f "$fg" ] && [ "$fg" -nt "$BENCH" ]; then echo "$fg"; return; fi
  if [[ $p =~ ^Ising([0-9]+)x[0-9]+$ ]]; then
    "$BENCH" --write-ising "${BASH_REMATCH[1]}" "$fg"
  else
    local uai=$DATA/uai/$p.uai
    if [ -f "$uai.evid" ]; then "$BENCH" --write-fg "$uai" "$uai.evid" "$fg"; else "$BENCH" --write-fg "$uai" "$fg"; fi
  fi
  echo "$fg"
}

# copi's median from the Google Benchmark JSON:
# "cpu_s logZ width largest_table table_entries domain" or "ERR message"
copi_result() {  # with REPS=1 there is no _median aggregate: the single run is used
  awk -v want="BM_JunctionTree_$1" '
    function num(s) { gsub(/[",]/, "", s); return s }
    /"name":/          { name = num($2); k = name == want "_median" ? "m" : name == want ? "r" : "" }
    k != "" && /"error_occurred": true/ { failed[k] = 1 }
    /"error_message":/ { if (err == "") { err = $0; sub(/^[^:]*: "/, "", err); sub(/",?$/, "", err) } }
    k != "" && /"cpu_time":/      { cpu[k] = num($2) }
    k != "" && /"time_unit":/     { unit[k] = num($2) }
    k != "" && /"logZ":/          { logz[k] = num($2) }
    k != "" && /"width":/         { width[k] = num($2) }
    k != "" && /"largest_table":/ { largest[k] = num($2) }
    k != "" && /"table_entries":/ { entries[k] = num($2) }
    k != "" && /"log_domain":/    { logdom[k] = num($2) }
    END {
      k = ("m" in cpu) ? "m" : "r"
      if (!(k in cpu) || (k in failed)) { print "ERR " (err != "" ? err : "no result"); exit }
      u = unit[k]; scale = u == "ns" ? 1e-9 : u == "us" ? 1e-6 : u == "ms" ? 1e-3 : 1
      printf "%.6f %.17g %d %.0f %.0f %s\n", cpu[k] * scale, logz[k], width[k], largest[k], entries[k],
             logdom[k] + 0 == 1 ? "log" : "linear"
    }' "$2"
}

# libDAI's medians: "cpu_s run_cpu_s logZ largest_table table_entries" or "ERR message"
libdai_result() {
  awk '
    / refused: / { sub(/^.* refused: /, ""); sub(/ \[File.*/, " (its estimate exceeds maxmem)"); print "ERR " $0;
                   done = 1; exit }
    /^model /    { for (i = 1; i < NF; ++i) { if ($i == "logZ") logz = $(i + 1);
                                             if ($i == "largest_table") largest = $(i + 1);
                                             if ($i == "table_entries") entries = $(i + 1) } }
    /^total /    { total = $3 }
    /^run /      { run = $3 }
    END { if (done) exit; if (total != "") print total, run, logz, largest, entries; else print "ERR no result (crashed?)" }' "$1"
}

ROWS=$OUT/rows.txt
: > "$ROWS"
echo "== $(date -u '+%F %T UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), REPS=$REPS" >&2
for p in "${PROBLEMS[@]}"; do
  fg=$(model_fg "$p")
  echo "== $p: copi" >&2
  "$BENCH" --benchmark_filter="^BM_JunctionTree_${p//./\\.}\$" --benchmark_repetitions="$REPS" \
           --benchmark_report_aggregates_only=true --benchmark_out="$OUT/copi_$p.json" \
           --benchmark_out_format=json > "$OUT/copi_$p.txt" 2>&1 || true
  echo "== $p: libDAI $METHOD" >&2
  ( ulimit -v "$LIBDAI_VMEM_KB"; "$JT" "$fg" "$REPS" "$METHOD" ) > "$OUT/libdai_$p.txt" 2>&1 || true
  echo "$p|$(copi_result "$p" "$OUT/copi_$p.json")|$(libdai_result "$OUT/libdai_$p.txt")" >> "$ROWS"
done

# ---- the table
echo
echo "copi $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- graph inference/src/exact inference/include 2>/dev/null || echo '+local changes') solve_exact(MAR) vs libDAI $METHOD"
echo "median thread CPU seconds of $REPS runs; $(date -u '+%F %T UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(each: elimination order + clique tables + calibration + log Z + all marginals; file reading excluded)"
awk -F'|' '
  function sci(x) { return sprintf("%.2e", x) }
  BEGIN {
    printf "%-12s %9s %9s %7s %9s %9s %6s %7s %19s %19s\n", "problem", "copi_s", "libDAI_s", "ratio",
           "lib_run_s", "|dlogZ|", "width", "domain", "largest copi/lib", "entries copi/lib"
  }
  {
    split($2, c, " "); split($3, l, " ")
    cs = c[1] == "ERR" ? "refused" : sprintf("%.3f", c[1])
    ls = l[1] == "ERR" ? "refused" : sprintf("%.3f", l[1])
    if (c[1] == "ERR" || l[1] == "ERR") {
      printf "%-12s %9s %9s %7s %9s %9s %6s %7s %19s %19s\n", $1, cs, ls, "-", l[1] == "ERR" ? "-" : sprintf("%.3f", l[2]),
             "-", c[1] == "ERR" ? "-" : c[3], c[1] == "ERR" ? "-" : c[6], c[1] == "ERR" ? "-" : sci(c[4]) "/-",
             c[1] == "ERR" ? "-" : sci(c[5]) "/-"
      if (c[1] == "ERR") notes = notes sprintf("  %s, copi: %s\n", $1, substr($2, 5))
      if (l[1] == "ERR") notes = notes sprintf("  %s, libDAI: %s\n", $1, substr($3, 5))
      next
    }
    d = c[2] - l[3]; if (d < 0) d = -d
    printf "%-12s %9.3f %9.3f %7.2f %9.3f %9.1e %6d %7s %19s %19s\n", $1, c[1], l[1], l[1] / c[1], l[2], d, c[3],
           c[6], sci(c[4]) "/" sci(l[4]), sci(c[5]) "/" sci(l[5])
  }
  END { if (notes != "") printf "\nrefused:\n%s", notes }' "$ROWS"
cat <<'EOF'

ratio = libDAI_s / copi_s (> 1: copi is faster). lib_run_s: libDAI's init() + run() alone
(the HUGIN passes, without elimination order, clique-table construction and beliefs: the
part daidrv times). width: copi's induced width. domain: copi's numeric domain (log = the
linear pass hit its underflow guard and the solve was redone in the log domain; libDAI is
always linear). largest / entries: largest clique table
and clique + separator entries of each junction tree (copi weighted min-fill, libDAI MINFILL).
EOF
