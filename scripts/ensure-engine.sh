#!/usr/bin/env bash
# Prints a directory whose node_modules hold a real inference engine:
# llama.cpp through node-llama-cpp 3.21.1, CPU build for linux-x64 only,
# installed exactly as tests/engine/package-lock.json pins it.
#
#   dir=$(scripts/ensure-engine.sh) || exit $?   # 77 = no node/npm: skip
#   PQCHA_ENGINE_DIR=$dir node tests/engine/engine.mjs model.gguf
#
# The copy lives outside the clone, in the user's cache, keyed by the lock
# file's hash, and is reused. Nothing is downloaded or built at install or
# run time beyond the npm tarballs: node-llama-cpp's postinstall (which may
# fetch or compile llama.cpp) is not run, and the optional CUDA/Vulkan and
# other platforms' binary packages are left out (--omit=optional; the CPU
# package is a direct dependency, so it is kept).
set -euo pipefail

log() { echo "ensure-engine: $*" >&2; }

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "SKIP: '$tool' not found — the llama.cpp engine (node-llama-cpp) is not installed"
    exit 77
  fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
  log "SKIP: node $(node --version) is older than 20, which node-llama-cpp 3.21.1 needs"
  exit 77
fi
platform=$(node -p 'process.platform + "-" + process.arch')
if [[ "$platform" != linux-x64 ]]; then
  log "SKIP: the pinned engine is the linux-x64 CPU build; this is $platform"
  exit 77
fi

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/engine"
cache="${PQCHA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pqcha}"
lock_hash=$(sha256sum "$src/package-lock.json" | cut -c1-16)
dir="$cache/engine-$lock_hash"
if [[ -f "$dir/.complete" ]]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
npm_log="$cache/engine-$lock_hash.npm.log"
staging=$(mktemp -d "$cache/engine-staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp "$src/package.json" "$src/package-lock.json" "$staging/"
if ! (cd "$staging" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --omit=optional --ignore-scripts \
        --no-audit --no-fund --loglevel=warn) >"$npm_log" 2>&1; then
  log "npm ci of node-llama-cpp failed; the full log is $npm_log"
  exit 1
fi

# Check what landed: the CPU binaries, and no other @node-llama-cpp package.
bins="$staging/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
extra=""
for pkg in "$staging"/node_modules/@node-llama-cpp/*; do
  [[ "${pkg##*/}" == linux-x64 ]] || extra+="${pkg##*/} "
done
if [[ ! -f "$bins/llama-addon.node" ]] || [[ -n "$extra" ]]; then
  log "unexpected install (CPU addon present: $([[ -f "$bins/llama-addon.node" ]] && echo yes || echo no);" \
      "other binary packages: ${extra:-none}); the full log is $npm_log"
  exit 1
fi

touch "$staging/.complete"
# Another run may have won the race; then use its copy.
if mv -T "$staging" "$dir" 2>/dev/null; then
  trap - EXIT
fi
echo "$dir"
