#!/usr/bin/env bash
# Installs into a scratch prefix and builds a consumer against libpqcha.pc,
# both shared and static, as a downstream project would.
set -euo pipefail
: "${PQCHA_BUILD:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cmake --install "$PQCHA_BUILD" --prefix "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
[ -f "$work/prefix/share/man/man1/pqcha.1" ] || { echo "FAIL: man page not installed"; exit 1; }

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
# shellcheck disable=SC2046,SC2086
"$cc" $flags -std=c11 -Wall -Werror "$work/consumer.c" $(pkg-config --cflags --libs libpqcha) \
  -Wl,-rpath,"$work/prefix/lib" -o "$work/consumer_shared"
"$work/consumer_shared" | grep -q "signed+verified 3309"
# shellcheck disable=SC2046,SC2086
"$cc" $flags -std=c11 -Wall -Werror "$work/consumer.c" $(pkg-config --cflags libpqcha) "$work/prefix/lib/libpqcha.a" \
  $(pkg-config --static --libs libpqcha | sed 's/-lpqcha//') -o "$work/consumer_static"
"$work/consumer_static" | grep -q "signed+verified 3309"
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
echo "ok: installed library, headers, man page and libpqcha.pc work for shared and static consumers"
