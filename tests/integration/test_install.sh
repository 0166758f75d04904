#!/usr/bin/env bash
# Installs into scratch prefixes and builds consumers against libpqcha.pc, as a
# downstream project would:
#  1. the build under test into a fresh prefix: shared and static consumers;
#  2. a /usr-style multiarch layout (CMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu)
#     to prefix A: pkg-config gives A's -I and -L, a consumer links and runs;
#  3. `make install PREFIX=B` from that build configured for (and installed
#     to) A: everything lands in B and libpqcha.pc names B, not A;
#  4. `make install PREFIX=/usr DESTDIR=stage`: staged under stage/usr with the
#     paths of /usr, usable through PKG_CONFIG_SYSROOT_DIR.
# Parts 2-4 configure a build directory of their own (the libdir is fixed at
# configure time) but build nothing: it is given the already built binaries of
# the build under test, which is all `cmake --install` reads from it.
set -euo pipefail
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

cache_get() { sed -n "s/^$1:[A-Za-z]*=//p" "$PQCHA_BUILD/CMakeCache.txt" | head -1; }
fail() { echo "FAIL: $*"; exit 1; }

cat >"$work/consumer.c" <<'C'
#include <pqcha.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    pqcha_key *key = NULL;
    if (pqcha_key_generate(&key, PQCHA_ML_DSA_65) != PQCHA_OK) return 1;
    const char msg[] = "hello";
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    int ok = pqcha_sign(&sig, &sig_len, key, (const uint8_t *)msg, strlen(msg)) == PQCHA_OK &&
             pqcha_verify_signature(key, (const uint8_t *)msg, strlen(msg), sig, sig_len) == PQCHA_OK;
    printf("%s %s %zu\n", pqcha_version(), ok ? "signed+verified" : "FAILED", sig_len);
    pqcha_free(sig);
    pqcha_key_free(key);
    return ok ? 0 : 1;
}
C
cc=${CC:-cc}
# The sanitizer build's libpqcha.a needs the sanitizer runtimes in the consumer too.
flags=${PQCHA_CONSUMER_FLAGS:-}

# ---- 1. the build under test, into a fresh prefix ----
libdir=$(cache_get CMAKE_INSTALL_LIBDIR)
cmake --install "$PQCHA_BUILD" --prefix "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/$libdir/pkgconfig"
[ -f "$work/prefix/share/man/man1/pqcha.1" ] || fail "man page not installed"
# shellcheck disable=SC2046,SC2086
"$cc" $flags -std=c11 -Wall -Werror "$work/consumer.c" $(pkg-config --cflags --libs libpqcha) \
  -Wl,-rpath,"$work/prefix/$libdir" -o "$work/consumer_shared"
"$work/consumer_shared" | grep -q "signed+verified 3309"
# shellcheck disable=SC2046,SC2086
"$cc" $flags -std=c11 -Wall -Werror "$work/consumer.c" $(pkg-config --cflags libpqcha) "$work/prefix/$libdir/libpqcha.a" \
  $(pkg-config --static --libs libpqcha | sed 's/-lpqcha//') -o "$work/consumer_static"
"$work/consumer_static" | grep -q "signed+verified 3309"
echo "ok: installed library, headers, man page and libpqcha.pc work for shared and static consumers"

# ---- 2. a /usr-style multiarch layout, to prefix A ----
multiarch=lib/x86_64-linux-gnu
A="$work/A" B="$work/B" stage="$work/stage"
mbuild="$work/build-multiarch"
configure_args=(-DCMAKE_INSTALL_PREFIX="$A" -DCMAKE_INSTALL_LIBDIR="$multiarch")
for var in CMAKE_C_COMPILER CMAKE_BUILD_TYPE PQCHA_OPENSSL_PREFIX PQCHA_SANITIZE PQCHA_FUZZ PQCHA_WERROR; do
  value=$(cache_get "$var")
  [ -z "$value" ] || configure_args+=("-D$var=$value")
done
if ! cmake -S "$PQCHA_SOURCE" -B "$mbuild" "${configure_args[@]}" >"$work/configure.log" 2>&1; then
  cat "$work/configure.log"; fail "configuring $mbuild failed"
fi
# The binaries `cmake --install` copies from the build directory, taken from
# the build under test (symbolic links kept).
grep -oE "\"$mbuild/[^\"\$]+\"" "$mbuild/cmake_install.cmake" | tr -d '"' | sort -u |
  while read -r built; do
    [ -e "$built" ] || [ -L "$built" ] && continue
    cp -P "$PQCHA_BUILD/${built#"$mbuild/"}" "$built" || fail "the build under test lacks ${built#"$mbuild/"}"
  done
cmake --install "$mbuild" >/dev/null

# check_layout PREFIX ROOT: the files of an install to PREFIX, found under
# ROOT (PREFIX itself, or PREFIX inside a DESTDIR), and libpqcha.pc's paths.
check_layout() {
  local prefix=$1 root=$2 f pc
  for f in bin/pqcha "$multiarch/libpqcha.so" "$multiarch/libpqcha.so.0" "$multiarch/libpqcha.a" \
           include/pqcha.h include/pqcha/crypto.h share/man/man1/pqcha.1 \
           "$multiarch/pkgconfig/libpqcha.pc"; do
    [ -e "$root/$f" ] || fail "install to $prefix: missing $root/$f"
  done
  [ ! -e "$root/lib/pkgconfig/libpqcha.pc" ] || fail "install to $prefix: libpqcha.pc also in lib/pkgconfig"
  pc="$root/$multiarch/pkgconfig/libpqcha.pc"
  grep -qxF "prefix=$prefix" "$pc" || { cat "$pc"; fail "$pc: prefix is not $prefix"; }
  [ "$(PKG_CONFIG_PATH="${pc%/*}" pkg-config --variable=libdir libpqcha)" = "$prefix/$multiarch" ] ||
    { cat "$pc"; fail "$pc: libdir is not $prefix/$multiarch"; }
  [ "$(PKG_CONFIG_PATH="${pc%/*}" pkg-config --variable=includedir libpqcha)" = "$prefix/include" ] ||
    { cat "$pc"; fail "$pc: includedir is not $prefix/include"; }
}

# consume PREFIX ROOT [pkg-config environment...]: pkg-config's -I and -L are
# those of ROOT's layout; a consumer compiles, links to libpqcha.so and runs.
consume() {
  local prefix=$1 root=$2 cflags libs
  shift 2
  cflags=$(env PKG_CONFIG_PATH="$root/$multiarch/pkgconfig" "$@" pkg-config --cflags libpqcha)
  libs=$(env PKG_CONFIG_PATH="$root/$multiarch/pkgconfig" "$@" pkg-config --libs libpqcha)
  [[ " $cflags " == *" -I$root/include "* ]] || fail "install to $prefix: pkg-config --cflags gives '$cflags', not -I$root/include"
  [[ " $libs " == *" -L$root/$multiarch -lpqcha "* ]] ||
    fail "install to $prefix: pkg-config --libs gives '$libs', not -L$root/$multiarch -lpqcha"
  # shellcheck disable=SC2086
  "$cc" $flags -std=c11 -Wall -Werror "$work/consumer.c" $cflags $libs \
    -Wl,-rpath,"$root/$multiarch" -o "$work/consumer_$$"
  "$work/consumer_$$" | grep -q "signed+verified 3309" || fail "install to $prefix: the consumer does not run"
  rm -f "$work/consumer_$$"
}

check_layout "$A" "$A"
consume "$A" "$A"
echo "ok: multiarch layout ($multiarch): libpqcha.pc gives -I$A/include -L$A/$multiarch; a consumer links and runs"

# ---- 3. make install PREFIX=B, from the build configured for A ----
# The top-level Makefile, with the build directory taken as complete (-o build:
# only the install recipe runs) and none of an outer make's variables.
run_make() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$PQCHA_SOURCE" -o build "$@"; }
run_make install BUILD="$mbuild" PREFIX="$B" DESTDIR= >"$work/install-B.log" 2>&1 ||
  { cat "$work/install-B.log"; fail "make install PREFIX=$B failed"; }
check_layout "$B" "$B"
if grep -rlF "$A" "$B" >"$work/refs-A"; then
  cat "$work/refs-A"; fail "files installed to B refer to A"
fi
consume "$B" "$B"
grep -qxF "prefix=$A" "$A/$multiarch/pkgconfig/libpqcha.pc" || fail "installing to B changed A's libpqcha.pc"
echo "ok: make install PREFIX=B after a build and install for A: everything is in B, libpqcha.pc names B"

# ---- 4. make install PREFIX=/usr DESTDIR=stage ----
run_make install BUILD="$mbuild" PREFIX=/usr DESTDIR="$stage" >"$work/install-stage.log" 2>&1 || { cat "$work/install-stage.log"; fail "make install DESTDIR=$stage failed"; }
grep -qE "Installing: $stage/usr/$multiarch/pkgconfig/libpqcha.pc" "$work/install-stage.log" ||
  { cat "$work/install-stage.log"; fail "libpqcha.pc was not installed under DESTDIR"; }
[ "$(find "$stage" -mindepth 1 -maxdepth 1)" = "$stage/usr" ] || fail "DESTDIR install wrote outside $stage/usr"
pc="$stage/usr/$multiarch/pkgconfig/libpqcha.pc"
grep -qxF "prefix=/usr" "$pc" || { cat "$pc"; fail "$pc: prefix is not /usr"; }
[ "$(PKG_CONFIG_PATH="${pc%/*}" pkg-config --variable=libdir libpqcha)" = "/usr/$multiarch" ] ||
  { cat "$pc"; fail "$pc: libdir is not /usr/$multiarch"; }
consume /usr "$stage/usr" PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
echo "ok: make install PREFIX=/usr DESTDIR=stage: staged under stage/usr, libpqcha.pc names /usr"

# A build inside a directory other users cannot enter (a clone in a home of
# mode 0700, or in mktemp -d): the test that runs its helper as another user
# still passes, by running a copy the other user can reach.
private="$work/private"
mkdir -m 0700 "$private"
cp "$PQCHA_BUILD/test_process_backend" "$PQCHA_BUILD/model_server_sim" "$private/"
if ! (cd "$private" && ./test_process_backend) >"$work/private.log" 2>&1; then
  cat "$work/private.log"
  echo "FAIL: test_process_backend fails from a directory of mode 0700"
  exit 1
fi
grep -q "test_other_users_process_needs_privilege" "$work/private.log" || {
  cat "$work/private.log"; echo "FAIL: the other-user case did not run"; exit 1; }
echo "ok: test_process_backend runs from a directory of mode 0700"
