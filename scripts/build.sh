#!/usr/bin/env bash
# Configures and builds pqcha in a build directory.
#   scripts/build.sh BUILD_DIR [extra cmake -D options...]
# Used by `make build`, `make demo` and scripts/check.sh so that every build
# finds OpenSSL >= 3.5 the same way. The first run configures (RelWithDebInfo
# unless the options say otherwise); later runs apply the options given again
# (e.g. a new -DCMAKE_INSTALL_PREFIX from `make build PREFIX=...`), which
# changes nothing when they are those already in the cache.
# The compiler's output goes to BUILD_DIR/build.log (a newcomer's first
# `make demo` shows progress, not hundreds of compile lines); a failed build
# prints the log's end and its path. PQCHA_VERBOSE_BUILD=1 shows it all.
set -euo pipefail
build_dir=$1; shift
cd "$(dirname "$0")/.."
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  prefix=$(scripts/ensure-openssl.sh)
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPQCHA_OPENSSL_PREFIX="$prefix" "$@" >/dev/null
elif [ "$#" -gt 0 ]; then
  cmake -S . -B "$build_dir" "$@" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
if [ "${PQCHA_VERBOSE_BUILD:-0}" = 1 ]; then
  exec cmake --build "$build_dir" -j"$jobs"
fi
log="$build_dir/build.log"
echo "pqcha: building in $build_dir (compiler output in $log)"
if ! cmake --build "$build_dir" -j"$jobs" >"$log" 2>&1; then
  echo "pqcha: the build in $build_dir failed; its errors, then the end of $log:" >&2
  grep -E ': (fatal )?error:' "$log" | head -n 20 >&2 || true
  tail -n 30 "$log" >&2
  exit 1
fi
