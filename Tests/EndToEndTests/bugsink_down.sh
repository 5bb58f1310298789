#!/usr/bin/env bash
# Stops the Bugsink started by Tests/EndToEndTests/bugsink_up.sh: only the PID in its server.pid, after checking
# that it still is a gunicorn. TERM, then KILL after 10 s. Exits 0 when nothing runs.
# Usage: Tests/EndToEndTests/bugsink_down.sh [--purge]   (--purge also deletes the state dir)
set -uo pipefail
DIR="${CSC_BUGSINK_DIR:-${TMPDIR:-/tmp}/cscope-bugsink-$(id -u)}"
F="$DIR/server.pid"
if [ -s "$F" ]; then
  pid="$(cat "$F")"
  if [ -d "/proc/$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q gunicorn; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null
    echo "stopped bugsink (pid $pid)"
  fi
  rm -f "$F"
fi
[ "${1:-}" = "--purge" ] && rm -rf "$DIR"
exit 0
