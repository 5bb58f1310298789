#!/usr/bin/env bash
# Builds and tests everything C of CScopeCore, in this order; exits non-zero on
# any failure (all stages run, the failures are listed at the end):
#   (0) refcount include check (support/json_refcount.h)
#   (a) release build + ctest                         build/c-release
#   (b) ASan+UBSan build + ctest (leak checking on)   build/c-asan
#   (c) TSan build, every test but test_memory        build/c-tsan
#   (d) install, examples via find_package and via pkg-config   build/c-install
# Dependencies (installed by the caller): cmake, pkg-config, gcc, g++,
# libjansson-dev, libcurl4-openssl-dev, zlib1g-dev.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-2}

# ---------------------------------------------------------------- dependencies
missing=()
for tool in cmake ctest pkg-config cc c++; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if command -v pkg-config >/dev/null 2>&1; then
  for mod in jansson libcurl zlib; do
    pkg-config --exists "$mod" || missing+=("$mod (pkg-config module)")
  done
fi
if ((${#missing[@]})); then
  echo "test-c.sh: missing: ${missing[*]}" >&2
  echo "  install with: apt-get install cmake pkg-config gcc g++ libjansson-dev libcurl4-openssl-dev zlib1g-dev" >&2
  exit 2
fi

# The benchmark is not a test; skip it if its directory is absent, else let it build.
COMMON=(-DCSC_BUILD_TESTS=ON -DCSC_BUILD_EXAMPLES=ON)
[ -f Benchmarks/CMakeLists.txt ] || COMMON+=(-DCSC_BUILD_BENCH=OFF)

failed=()
stage() {
  local name=$1; shift
  echo
  echo "======== test-c: $name"
  local t0=$SECONDS
  if "$@"; then
    echo "======== test-c: $name: ok ($((SECONDS - t0)) s)"
  else
    echo "======== test-c: $name: FAILED ($((SECONDS - t0)) s)"
    failed+=("$name")
  fi
}

configure_build() { # dir, extra cmake args... (logs in <dir>.configure.log / <dir>.build.log)
  local dir=$1; shift
  mkdir -p "$(dirname "$dir")"
  cmake -S . -B "$dir" "${COMMON[@]}" "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; echo "configure failed ($dir)"; return 1; }
  cmake --build "$dir" -j"$JOBS" >"$dir.build.log" 2>&1 \
    || { grep -E "error|warning" "$dir.build.log" | head -40; tail -20 "$dir.build.log"; echo "build failed ($dir)"; return 1; }
  grep -E "warning:" "$dir.build.log" | sort -u | head -20
  echo "built $dir"
}

# ---------------------------------------------------------------- (a) release
stage_release() {
  configure_build build/c-release -DCMAKE_BUILD_TYPE=RelWithDebInfo || return 1
  ctest --test-dir build/c-release --output-on-failure -j"$JOBS"
}

# ---------------------------------------------------------------- (b) ASan + UBSan
stage_asan() {
  mkdir -p build
  # (the benchmarks build with the sanitizer flags too: a link failure there fails this stage)
  configure_build build/c-asan -DCMAKE_BUILD_TYPE=Debug -DCSC_SANITIZE=address || return 1
  # LeakSanitizer needs ptrace-like access; it does not work under some debuggers/containers.
  local leaks=1
  if ! ASAN_OPTIONS=detect_leaks=1 build/c-asan/Tests/CScopeCoreTests/test_scope >/dev/null 2>build/c-asan/lsan-probe.log \
     && grep -q "LeakSanitizer does not work" build/c-asan/lsan-probe.log; then
    echo "note: LeakSanitizer does not work here; running with detect_leaks=0"
    leaks=0
  fi
  ASAN_OPTIONS="detect_leaks=$leaks:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ctest --test-dir build/c-asan --output-on-failure -j"$JOBS"
}

# ---------------------------------------------------------------- (c) TSan
# gcc's TSan fails at start ("unexpected memory mapping", "FATAL: ThreadSanitizer")
# on kernels with a high vm.mmap_rnd_bits. Probe, then retry without ASLR (setarch -R).
TSAN_PREFIX=()
tsan_probe() {
  local probe=build/c-tsan/Tests/CScopeCoreTests/test_tiers out
  out=$("$probe" 2>&1) && return 0
  if grep -qiE "unexpected memory mapping|FATAL: ThreadSanitizer|failed to allocate|mmap_rnd_bits" <<<"$out"; then
    if command -v setarch >/dev/null && setarch "$(uname -m)" -R true 2>/dev/null \
       && setarch "$(uname -m)" -R "$probe" >/dev/null 2>&1; then
      echo "note: TSan needs ASLR off on this kernel; running under setarch -R"
      TSAN_PREFIX=(setarch "$(uname -m)" -R)
      return 0
    fi
    echo "TSan cannot start on this kernel (tried setarch -R); lower vm.mmap_rnd_bits, e.g." >&2
    echo "  sysctl vm.mmap_rnd_bits=28" >&2
    echo "$out" | head -20 >&2
    return 1
  fi
  return 0 # it started; a real failure is reported by the run below
}

stage_tsan() {
  configure_build build/c-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSC_SANITIZE=thread -DCSC_BUILD_BENCH=OFF || return 1
  tsan_probe || return 1
  local rc=0 t
  # test_memory is left out: its RSS bounds are not meant for TSan's shadow memory.
  for t in test_stress test_tiers test_scope test_breadcrumbs test_capture test_bad_input test_transport_vectors test_tracing test_transport_unit test_health test_logs; do
    echo "-- $t (TSan)"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1" "${TSAN_PREFIX[@]}" build/c-tsan/Tests/CScopeCoreTests/$t \
      || { echo "$t failed under TSan"; rc=1; }
  done
  return $rc
}

# ---------------------------------------------------------------- (d) install + examples
stage_install() {
  local prefix=$ROOT/build/c-install/prefix
  rm -rf build/c-install
  mkdir -p build/c-install
  configure_build build/c-install/lib -DCMAKE_BUILD_TYPE=Release -DCSC_BUILD_TESTS=OFF -DCSC_BUILD_EXAMPLES=OFF -DCSC_BUILD_BENCH=OFF \
    -DCMAKE_INSTALL_PREFIX="$prefix" || return 1
  cmake --install build/c-install/lib >/dev/null || { echo "install failed"; return 1; }
  local libdir
  libdir=$(dirname "$(find "$prefix" -name cscope.pc | head -1)")/..
  [ -f "$libdir/pkgconfig/cscope.pc" ] || { echo "cscope.pc not installed"; return 1; }
  libdir=$(cd "$libdir" && pwd)

  echo "-- examples via find_package(cscope) (CMAKE_PREFIX_PATH=$prefix)"
  cmake -S Examples -B build/c-install/examples -DCMAKE_PREFIX_PATH="$prefix" >build/c-install/examples.log 2>&1 \
    || { cat build/c-install/examples.log; echo "configuring the examples against the install failed"; return 1; }
  cmake --build build/c-install/examples -j"$JOBS" || return 1
  local rc=0
  build/c-install/examples/c/cscope_example_c || { echo "C example failed"; rc=1; }
  build/c-install/examples/cpp/cscope_example_cpp || { echo "C++ example failed"; rc=1; }

  echo "-- C example via pkg-config --static"
  local flags
  flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs --static cscope) \
    || { echo "pkg-config cscope failed"; return 1; }
  echo "cc Examples/c/main.c $flags"
  # shellcheck disable=SC2086
  cc -std=c11 -Wall -o build/c-install/example_c_pkgconfig Examples/c/main.c $flags -Wl,-rpath,"$libdir" \
    || { echo "pkg-config build failed"; return 1; }
  build/c-install/example_c_pkgconfig || { echo "pkg-config C example failed"; rc=1; }
  return $rc
}

# Every core file that retains or releases a json_t does it through support/json_refcount.h
# (jansson's own inline helpers race when sibling forks share a value; see that header).
stage_refcount_includes() {
  local f rc=0
  for f in $(grep -rlE "json_(incref|decref|object_set)\(" Sources/CScopeCore --include=*.c); do
    grep -q '#include "support/json_refcount.h"' "$f" || { echo "$f: uses jansson reference counting without support/json_refcount.h"; rc=1; }
  done
  return $rc
}

stage "(0) core files count references through support/json_refcount.h" stage_refcount_includes
stage "(a) release build + ctest" stage_release
stage "(b) ASan+UBSan build + ctest" stage_asan
stage "(c) TSan: every test but test_memory" stage_tsan
stage "(d) install + examples (find_package, pkg-config)" stage_install

echo
if ((${#failed[@]})); then
  echo "test-c: FAILED stages: ${failed[*]}"
  exit 1
fi
echo "test-c: all stages passed"
