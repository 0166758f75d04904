#!/usr/bin/env bash
# Configures and builds pqcha in a build directory.
#   scripts/build.sh BUILD_DIR [extra cmake -D options...]
# Used by `make build`, `make demo` and scripts/check.sh so that every build
# finds OpenSSL >= 3.5 the same way. The first run configures (RelWithDebInfo
# unless the options say otherwise); later runs apply the options given again
# (e.g. a new -DCMAKE_INSTALL_PREFIX from `make build PREFIX=...`), which
# changes nothing when they are those already in the cache.
set -euo pipefail
build_dir=$1; shift
cd "$(dirname "$0")/.."
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  prefix=$(scripts/ensure-openssl.sh)
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPQCHA_OPENSSL_PREFIX="$prefix" "$@" >/dev/null
elif [ "$#" -gt 0 ]; then
  cmake -S . -B "$build_dir" "$@" >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc 2>/dev/null || echo 2)"
