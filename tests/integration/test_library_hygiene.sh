#!/usr/bin/env bash
# The library's contract, checked mechanically:
#  - libpqcha.so exports only the public pqcha_* API (no pqcha__* internals, no OpenSSL);
#  - every exported symbol is declared in a public header;
#  - library code never prints, exits or reads the environment (only tools do).
set -euo pipefail
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
lib="$PQCHA_BUILD/libpqcha.so"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }
status=0

exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort)
bad=$(grep -v '^pqcha_[a-z]' <<<"$exported" || true)
if [ -n "$bad" ]; then
  echo "FAIL: libpqcha.so exports symbols outside the public API:"; echo "$bad" | head -20; status=1
fi

for sym in $exported; do
  if ! grep -qw "$sym" "$PQCHA_SOURCE"/include/pqcha.h "$PQCHA_SOURCE"/include/pqcha/*.h; then
    echo "FAIL: exported symbol $sym is not declared in include/"; status=1
  fi
done

forbidden='\b(printf|fprintf|puts|perror|exit|abort|getenv|secure_getenv|system)[[:space:]]*\('
if hits=$(grep -nE "$forbidden" "$PQCHA_SOURCE"/src/*/*.c | grep -v '^\s*//' ); then
  echo "FAIL: library code prints, exits or reads the environment:"; echo "$hits"; status=1
fi

# The pqcha executable carries a private static OpenSSL next to libpq's and
# libcurl's shared one: none of its OpenSSL symbols may be visible to them.
if leaked=$(nm -D --defined-only "$PQCHA" | grep -E ' (EVP|OSSL|OPENSSL|SSL|CRYPTO|ERR|BIO|X509)_'); then
  echo "FAIL: pqcha exports OpenSSL symbols that libpq or libcurl would bind to:"
  head -5 <<<"$leaked"; status=1
fi

[ "$status" -eq 0 ] && echo "ok: $(wc -l <<<"$exported") exported symbols, all public and declared; no I/O side channels in src/"
exit "$status"
