#!/usr/bin/env bash
# Plants each mutant of Tests/Mutants/mutants.txt (a small bug in the C core) one at a time,
# rebuilds, runs the fast C tests (release ctest), restores the source and reports how many
# mutants the tests catch (a mutant is caught when a test fails, or the build breaks).
#
#   scripts/mutants.sh [--list FILE] [--swift] [NAME...]   (names: only those mutants)
#
# --swift: for a mutant the C tests miss, also run `swift test` (slow: the overlay rebuilds).
# Exit status: 0 when every mutant was caught, 1 otherwise, 2 on a bad list or a failed baseline.
# The source is restored on exit, also on Ctrl-C. Build folder: build/mutants.
set -uo pipefail
cd "$(dirname "$0")/.."
LIST=Tests/Mutants/mutants.txt
SWIFT=0
ONLY=()
while (($#)); do
  case $1 in
    --list) LIST=$2; shift 2 ;;
    --swift) SWIFT=1; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) ONLY+=("$1"); shift ;;
  esac
done
JOBS=${JOBS:-2}
BUILD=build/mutants
SRC=Sources/CScopeCore
BACKUP=$(mktemp -d)
planted=""

restore() {
  if [ -n "$planted" ]; then cp "$BACKUP/file" "$SRC/$planted"; touch "$SRC/$planted"; planted=""; fi  # a new mtime: make rebuilds it
}
trap 'restore; rm -rf "$BACKUP"' EXIT
trap 'exit 130' INT TERM

build() { cmake --build "$BUILD" -j"$JOBS" >"$BUILD/mutant.build.log" 2>&1; }
# test_memory measures RSS (slow, not about behaviour): left out.
run_c_tests() { ctest --test-dir "$BUILD" -j"$JOBS" -E '^test_memory$' --timeout 120 >"$BUILD/mutant.ctest.log" 2>&1; }

mkdir -p build
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSC_BUILD_TESTS=ON -DCSC_BUILD_EXAMPLES=OFF \
  -DCSC_BUILD_BENCH=OFF >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 2; }
echo "== baseline (no mutant)"
build || { tail -30 "$BUILD/mutant.build.log"; echo "baseline build failed"; exit 2; }
run_c_tests || { tail -30 "$BUILD/mutant.ctest.log"; echo "baseline tests fail: fix them first"; exit 2; }

total=0 caught=0 missed=()
t0=$SECONDS
while read -r name file script; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if ((${#ONLY[@]})) && [[ ! " ${ONLY[*]} " == *" $name "* ]]; then continue; fi
  [ -f "$SRC/$file" ] || { echo "mutant $name: no file $SRC/$file"; exit 2; }
  cp -p "$SRC/$file" "$BACKUP/file"
  planted=$file
  sed -i -e "$script" "$SRC/$file"
  if cmp -s "$SRC/$file" "$BACKUP/file"; then
    restore
    echo "mutant $name: the sed script changed nothing in $file (stale list?)"; exit 2
  fi
  total=$((total + 1))
  t1=$SECONDS
  verdict="MISSED"
  if ! build; then
    verdict="caught (build fails)"
  elif ! run_c_tests; then
    verdict="caught by: $(grep -oE '[0-9]+ - [a-z_]+' "$BUILD/mutant.ctest.log" | sed 's/^[0-9]* - //' | tr '\n' ' ')"
  elif ((SWIFT)); then
    if ! swift test >"$BUILD/mutant.swift.log" 2>&1; then verdict="caught by swift test"; fi
  fi
  restore
  [[ $verdict == MISSED ]] && missed+=("$name") || caught=$((caught + 1))
  printf '%-28s %-28s %s (%d s)\n' "$name" "$file" "$verdict" $((SECONDS - t1))
done <"$LIST"
build >/dev/null 2>&1 || true # leave the build folder matching the restored source

echo
echo "mutants caught: $caught/$total ($((total ? caught * 100 / total : 0)) %) in $((SECONDS - t0)) s"
if ((${#missed[@]})); then echo "missed: ${missed[*]}"; exit 1; fi
exit 0
