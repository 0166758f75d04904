#!/usr/bin/env bash
# Installs the Debian packages pqcha needs to build and test, when missing
# (with --bench, also those make bench compares with). As root it runs
# apt-get; otherwise it lists what to install and fails.
set -euo pipefail

# package : why
required=(
  build-essential   # gcc, make
  cmake             # the build
  pkg-config        # finds jansson and a system OpenSSL >= 3.5
  libjansson-dev    # strict JSON decoding
  dpkg-dev          # dpkg-source, to unpack Debian's OpenSSL 3.5 source on Debian 12
  perl              # OpenSSL's Configure
  python3           # test oracles and JSON checks in integration tests
  clang             # libFuzzer targets
  libclang-rt-14-dev  # libFuzzer and sanitizer runtimes for clang 14
  clang-format      # the house style (.clang-format), checked by make check
  binutils          # readelf, nm: the hardening and layering tests
  libsqlite3-dev    # the verifier service's embedded store (pqcha serve --db sqlite:)
  libpq-dev         # the verifier service's PostgreSQL store
  postgresql        # a throw-away PostgreSQL server the store tests start themselves
  libmicrohttpd-dev # pqcha serve's HTTP server
  libcurl4-openssl-dev  # pqcha agent's HTTP client, and serve's webhooks
  chromium          # the dashboard's test, in real headless Chromium
  python3-pytest    # the Python bindings' tests (bindings/python)
  python3-venv      # the bindings' install test: pip install into a fresh venv, offline
  python3-setuptools  # the bindings' build backend (pyproject.toml)
  python3-wheel     # ... which needs it to build the wheel pip installs
)
optional_node=(nodejs npm)  # ML-DSA interop test with @noble/post-quantum
# make bench only (install-deps.sh --bench): the peer users compare with.
if [ "${1:-}" = "--bench" ]; then
  required+=(b3sum)  # BLAKE3's file hasher, a row of the "file" section
fi

missing=()
for pkg in "${required[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# node may come from elsewhere than Debian (e.g. a newer upstream build); only install if absent.
command -v node >/dev/null && command -v npm >/dev/null || missing+=("${optional_node[@]}")

# Debian 12's clang is 14; on newer releases the runtime package has another name.
if [ "${#missing[@]}" -gt 0 ] && ! apt-cache show libclang-rt-14-dev >/dev/null 2>&1; then
  missing=("${missing[@]/libclang-rt-14-dev/libclang-rt-dev}")
fi

[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "pqcha needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
