#!/usr/bin/env bash
# Formats the project's code: C/C++ with clang-format (.clang-format), Swift with the
# toolchain's swift-format (.swift-format).
#
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   change nothing; list the files that are not formatted, exit 1 if any
#
# Files: the C core, the public headers, tests, benchmarks and examples (git ls-files, so
# build folders and packages are never touched).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

check=0
[ "${1:-}" = "--check" ] && check=1

command -v clang-format >/dev/null || ensure_apt_deps
command -v clang-format >/dev/null || { echo "format.sh: clang-format is missing (apt-get install clang-format)" >&2; exit 2; }
swift format --version >/dev/null 2>&1 || { echo "format.sh: swift format is missing (Swift 6 toolchain)" >&2; exit 2; }

mapfile -t c_files < <(git ls-files -- '*.c' '*.h' '*.cpp')
mapfile -t swift_files < <(git ls-files -- '*.swift' ':!Package.swift')
# symbolic links are formatted through the file they point to (swift format prints nothing for a link)
for i in "${!swift_files[@]}"; do [ -L "${swift_files[$i]}" ] && unset 'swift_files[i]'; done
swift_files=("${swift_files[@]}")

if ((check == 0)); then
    clang-format -i --style=file "${c_files[@]}"
    swift format format -i --configuration .swift-format "${swift_files[@]}"
    exit 0
fi

bad=()
for f in "${c_files[@]}"; do
    clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
done
for f in "${swift_files[@]}"; do
    swift format format --configuration .swift-format "$f" | cmp -s - "$f" || bad+=("$f")
done
if ((${#bad[@]})); then
    printf 'not formatted: %s\n' "${bad[@]}"
    echo "format.sh: ${#bad[@]} file(s) need scripts/format.sh" >&2
    exit 1
fi
echo "format.sh: ${#c_files[@]} C and ${#swift_files[@]} Swift files formatted"
