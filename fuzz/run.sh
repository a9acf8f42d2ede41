#!/bin/sh
# Runs one fuzz target the way its corpus was grown:
#   fuzz/run.sh TARGET [libFuzzer flags, e.g. -runs=1000000 or -max_total_time=600]
# TARGET is parser, uai, fg, evidence, evidence_cards, solution, clusters, csv, mdp_csv, irl_csv or latent_csv (build them
# first: see README, "Benchmarks and fuzzing"). New inputs go to
# build/fuzz/corpus/TARGET (fuzz/corpus/TARGET is read, not written); a crash input
# lands in build/fuzz/artifacts/TARGET/. Fold new inputs back into the committed
# corpus with -merge=1 (README).
set -eu
target=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
case $target in
  uai | fg | parser) max_len=8192 ;;
  solution | csv | mdp_csv | irl_csv | latent_csv) max_len=2048 ;;
  evidence | evidence_cards | clusters) max_len=1024 ;;
  *) echo "unknown fuzz target '$target'" >&2; exit 2 ;;
esac
dict=
case $target in
  evidence_cards | clusters) dict=-dict=$root/fuzz/dict/evidence.dict ;;
  irl_csv | latent_csv) dict=-dict=$root/fuzz/dict/mdp_csv.dict ;;
  parser) ;;
  *) dict=-dict=$root/fuzz/dict/$target.dict ;;
esac
mkdir -p "$root/build/fuzz/corpus/$target" "$root/build/fuzz/artifacts/$target"
exec nice -n 10 "$root/build/fuzz/fuzz/fuzz_$target" -rss_limit_mb=2048 -max_len=$max_len -timeout=10 \
  -print_final_stats=1 $dict -artifact_prefix="$root/build/fuzz/artifacts/$target/" "$@" \
  "$root/build/fuzz/corpus/$target" "$root/fuzz/corpus/$target"
