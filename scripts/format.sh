#!/usr/bin/env bash
# Applies (default) or checks (--check) the house style, .clang-format, on
# every C file in git. The style is pinned to clang-format 14 (Debian 12):
# another major version formats some constructs differently, so --check
# skips, with a message, rather than failing on a version difference.
set -euo pipefail
cd "$(dirname "$0")/.."
pinned=14
mode=${1:-apply}

formatter=""
for candidate in clang-format-$pinned clang-format; do
  if command -v "$candidate" >/dev/null; then formatter=$candidate; break; fi
done
if [ -z "$formatter" ]; then
  echo "format: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  [ "$mode" = --check ] && { echo "skip: style not checked"; exit 0; }
  exit 1
fi
major=$("$formatter" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$major" != "$pinned" ] && [ "$mode" = --check ]; then
  echo "skip: $formatter is version $major, the style is pinned to $pinned"
  exit 0
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files and new ones not yet added (but not ignored ones: build trees).
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
else # a source tarball
  mapfile -t files < <(find include src tools tests bench -name '*.[ch]' -not -path '*/node_modules/*' | sort)
fi
if [ "$mode" = --check ]; then
  bad=()
  for f in "${files[@]}"; do
    "$formatter" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [ "${#bad[@]}" -gt 0 ]; then
    printf 'FAIL: not in the house style (run make format): %s\n' "${bad[@]}"
    exit 1
  fi
  echo "ok: ${#files[@]} C files match .clang-format"
else
  "$formatter" -i "${files[@]}"
fi
