#!/usr/bin/env bash
# Runs every test of the project: the formatting check (scripts/format.sh --check), the C core (plain, ASan+UBSan, TSan, install +
# examples; and cross-built for aarch64, its unit tests under qemu-user), the Swift overlay and scenario tests, the framework integrations and their example
# servers, the consumer packages (what each product
# fetches), the scenario oracle (the committed
# expected files equal a fresh sentry-python run), the DocC build, a short libFuzzer run of every harness,
# and the end-to-end tests against Bugsink, a fault-injecting server and Relay's normalizer, with a 60 s soak
# under faults.
# Installs what it needs (apt packages; pip packages into .venv/).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_apt_deps || { echo "could not install the apt packages"; exit 1; }
command -v swift >/dev/null || { echo "swift is not on PATH (the Swift 6 toolchain is needed)"; exit 1; }

passed=0 failed=0 failed_names=()
stage() {
  local name=$1; shift
  echo
  echo "================ $name"
  local t0=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); echo "== $name: ok ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "== $name: FAILED ($((SECONDS - t0)) s)"
  fi
}

stage "formatting (clang-format, swift-format)" bash scripts/format.sh --check
stage "C core (ctest, ASan+UBSan, TSan, install, examples)" bash scripts/test-c.sh
stage "C core on arm64 (aarch64 cross build, ctest under qemu-user)" bash scripts/test-arm64.sh
stage "Swift overlay and scenarios (swift test)" bash scripts/test-swift.sh
stage "framework integrations (Hummingbird, Vapor, AsyncHTTPClient; examples against a Python service)" bash scripts/test-frameworks.sh
stage "packaging (what a consumer of each product fetches and builds)" bash scripts/test-packaging.sh
stage "scenario oracle (sentry-python regenerates Tests/Scenarios)" bash scripts/test-scenario-oracle.sh
stage "documentation (DocC, no warnings)" bash scripts/test-docs.sh
stage "fuzzing (libFuzzer, 15 s per harness)" bash scripts/fuzz.sh --seconds 15
stage "end to end (Bugsink, fault server, Relay, 60 s soak under faults)" bash scripts/test-e2e.sh

echo
((failed)) && echo "failed stages: ${failed_names[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
