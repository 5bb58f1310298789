#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Tests/FuzzTests, a CMake project of its own: clang with
# libFuzzer, ASan+UBSan) and runs each for N seconds (default 20) from its seed corpus
# (Tests/FuzzTests/corpus/<harness>/, read only: new inputs go to build/fuzz/corpus/<harness>/).
#   scripts/fuzz.sh [--seconds N] [HARNESS...]     harnesses: dsn envelope disk_cache ratelimit scope breadcrumb logs propagation
# Prints executions/s per harness; exits non-zero on any crash, leak, sanitizer report or failed
# invariant (the input is saved as build/fuzz/crash-<harness>-*; add it to the corpus and to a
# unit test once fixed). CC overrides the compiler (default: /opt/swift/usr/bin/clang, else clang).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=20
harnesses=()
while (($#)); do
  case $1 in
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --seconds=*) SECONDS_EACH=${1#*=}; shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
ALL=(dsn envelope disk_cache ratelimit scope breadcrumb logs propagation)
((${#harnesses[@]})) || harnesses=("${ALL[@]}")

CC=${CC:-}
if [ -z "$CC" ]; then
  if [ -x /opt/swift/usr/bin/clang ]; then CC=/opt/swift/usr/bin/clang; else CC=$(command -v clang || true); fi
fi
[ -n "$CC" ] || { echo "fuzz.sh: clang with libFuzzer is needed (set CC)" >&2; exit 2; }

OUT=$ROOT/build/fuzz
mkdir -p "$OUT"
CC=$CC cmake -S Tests/FuzzTests -B "$OUT" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$OUT.configure.log" 2>&1 \
  || { cat "$OUT.configure.log"; echo "fuzz.sh: configure failed"; exit 1; }
cmake --build "$OUT" -j"${JOBS:-2}" >"$OUT.build.log" 2>&1 \
  || { grep -E "error" "$OUT.build.log" | head -30; echo "fuzz.sh: build failed"; exit 1; }

failed=()
for h in "${harnesses[@]}"; do
  bin=$OUT/fuzz_$h
  [ -x "$bin" ] || { echo "fuzz.sh: no harness '$h' (have: ${ALL[*]})"; failed+=("$h"); continue; }
  seeds=$ROOT/Tests/FuzzTests/corpus/$h
  work=$OUT/corpus/$h
  mkdir -p "$work" "$seeds"
  log=$OUT/$h.log
  # detect_leaks: a leak is a failure too. -timeout: a stuck input counts as a crash.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$OUT/crash-$h-" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE 'in [0-9]+' | grep -oE '[0-9]+' | tail -1)
  rate=$(grep -oE 'exec/s: *[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
  [ -n "$secs" ] && [ "$secs" -gt 0 ] && [ -n "$runs" ] && rate=$((runs / secs))
  if ((rc != 0)); then
    echo "fuzz $h: FAILED (rc $rc) after ${runs:-?} runs; log $log"
    grep -E "ERROR|invariant|runtime error|SUMMARY|Test unit written" "$log" | head -8
    failed+=("$h")
  else
    echo "fuzz $h: ok, ${runs:-?} runs in ${secs:-$SECONDS_EACH} s, ${rate:-?} exec/s, corpus $(ls "$work" | wc -l) inputs"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz.sh: all ${#harnesses[@]} harnesses passed (${SECONDS_EACH} s each)"
