#!/usr/bin/env bash
# Prints a prefix that holds OpenSSL >= 3.5 headers and libcrypto (lib/pkgconfig/libcrypto.pc),
# building a private static copy from Debian trixie's source package when the system's is older.
#
# Why: pqcha signs with ML-DSA (FIPS 204), which OpenSSL ships from 3.5 on. Debian 12 has 3.0.
# The private copy lives outside the clone (in the user's cache) so later builds and CI reuse it,
# and the system's apt sources are never touched.
set -euo pipefail

want_major=3 want_minor=5
log() { echo "ensure-openssl: $*" >&2; }

version_ok() { # $1 = "3.5.7" etc.
  local major minor
  IFS=. read -r major minor _ <<<"$1"
  [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
}

if [ -z "${PQCHA_PRIVATE_OPENSSL:-}" ] && v=$(pkg-config --modversion libcrypto 2>/dev/null) && version_ok "$v"; then
  log "using system OpenSSL $v"
  echo "system"
  exit 0
fi

cache="${PQCHA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pqcha}"
prefix="$cache/openssl-3.5"
if [ -f "$prefix/.complete" ]; then
  echo "$prefix"
  exit 0
fi

for tool in apt-get dpkg-source make perl; do
  command -v "$tool" >/dev/null || { log "missing '$tool' (install: dpkg-dev make perl)"; exit 1; }
done

work="$cache/openssl-build"
rm -rf "$work"
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/src"
# apt's and OpenSSL's own output goes to a log kept next to the cache; a
# newcomer sees a few progress lines, and the log's path when something fails.
build_log="$cache/openssl-build.log"
: >"$build_log"
trap 'status=$?; [ "$status" -eq 0 ] || log "failed (exit $status); the full log is $build_log"' EXIT
echo "deb-src http://deb.debian.org/debian trixie main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=/dev/null"
          -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::archives=$work/archives"
          -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
log "fetching the trixie source index (private apt configuration)"
apt-get "${apt_opts[@]}" -qq update >>"$build_log" 2>&1

# Newest first; the archive index may list a version whose files are already gone.
mapfile -t versions < <(apt-cache "${apt_opts[@]}" showsrc openssl | awk '/^Version:/ {print $2}' | sort -Vr | uniq)
[ "${#versions[@]}" -gt 0 ] || { log "no openssl source versions listed"; exit 1; }
got=""
for v in "${versions[@]}"; do
  upstream=${v%%-*}; upstream=${upstream#*:}
  version_ok "$upstream" || continue
  log "trying openssl=$v"
  if (cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only "openssl=$v" >>"$build_log" 2>&1); then
    got=$v; break
  fi
  rm -f "$work/src"/*
done
[ -n "$got" ] || { log "could not download any openssl >= 3.5 source package"; exit 1; }

log "unpacking openssl $got"
(cd "$work/src" && dpkg-source --no-check -x ./*.dsc tree >>"$build_log" 2>&1)
log "building static libcrypto (about 90 s on 2 cores)"
(
  cd "$work/src/tree"
  ./Configure no-shared no-apps no-tests no-docs no-legacy no-engine no-module no-ssl no-tls \
    no-dtls no-quic no-comp no-ui-console -fPIC --prefix="$prefix" --libdir=lib
  make -j"$(nproc)" build_libs
  make install_dev
) >>"$build_log" 2>&1
touch "$prefix/.complete"
rm -rf "$work"
log "installed into $prefix"
echo "$prefix"
