# Shared helpers for the scripts: install what a fresh Debian machine lacks.
# Sourced, not run.

APT_PACKAGES=(cmake pkg-config gcc g++ libjansson-dev libcurl4-openssl-dev zlib1g-dev python3-venv clang-format)

# ensure_apt_deps [EXTRA_PACKAGE...]: the project's apt packages (and the extra ones) installed.
ensure_apt_deps() {
  local missing=()
  local arch
  arch="$(dpkg --print-architecture)"
  for p in "${APT_PACKAGES[@]}" "$@"; do
    # With a second architecture's copy installed (multiarch), `dpkg -s NAME` is ambiguous and
    # fails: ask for the native one too, rather than running apt-get on every run.
    dpkg -s "$p" >/dev/null 2>&1 || dpkg -s "$p:$arch" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "== installing ${missing[*]} (apt)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# ensure_venv DIR PACKAGE... : a venv at DIR with the packages installed (once).
ensure_venv() {
  local dir=$1; shift
  local stamp="$dir/.installed-$(echo "$*" | md5sum | cut -c1-8)"
  if [ ! -f "$stamp" ]; then
    echo "== creating $dir with $* (pip)"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check "$@"
    touch "$stamp"
  fi
}

# find_swift: prints the swift driver to use ($SWIFT, `swift` on PATH, /opt/swift); fails if none.
find_swift() {
  if [ -n "${SWIFT:-}" ]; then echo "$SWIFT"; return 0; fi
  if command -v swift >/dev/null 2>&1; then command -v swift; return 0; fi
  if [ -x /opt/swift/usr/bin/swift ]; then echo /opt/swift/usr/bin/swift; return 0; fi
  return 1
}
