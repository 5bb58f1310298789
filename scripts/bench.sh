#!/usr/bin/env bash
# Runs the C core benchmark and the Python SDK's equivalents in the same run and
# prints one table: op, ours ns/op, Python SDK ns/op, ratio (medians of 5 repeats).
# Usage: scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_apt_deps
ensure_venv .venv/bench sentry-sdk==2.75.0

cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DCSC_BUILD_TESTS=OFF -DCSC_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench -j2 --target csc_bench >/dev/null
ours=$(mktemp) py=$(mktemp)
trap 'rm -f "$ours" "$py"' EXIT
./build/bench/bench/csc_bench --json >"$ours"
.venv/bench/bin/python bench/python_bench.py "$@" >"$py"
python3 - "$ours" "$py" <<'PY'
import json, sys
ours = {}
for line in open(sys.argv[1]):
    d = json.loads(line); ours[d["op"]] = d
py = {}
for line in open(sys.argv[2]):
    d = json.loads(line); py[d["op"]] = d
print(f"{'op':<40} {'ours ns/op':>12} {'Python ns/op':>14} {'ratio':>8}")
for op, d in ours.items():
    if "median" not in d or op == "event_bytes":
        continue
    p = py.get(op, {}).get("median")
    ratio = f"{p / d['median']:.0f}x" if p else "-"
    print(f"{op:<40} {d['median']:>12,.1f} {p if p is not None else '-':>14} {ratio:>8}")
rss = ours.get("rss_100k_captures_kb")
if rss:
    print(f"peak RSS over 100,000 captures (C core): {rss['before']} KB -> {rss['after']} KB")
eb = ours.get("event_bytes")
if eb:
    print(f"representative event JSON: {eb['median']} bytes")
PY
