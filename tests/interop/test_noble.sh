#!/usr/bin/env bash
# test_noble.sh — ML-DSA interop between pqcha (OpenSSL underneath) and
# @noble/post-quantum, an independent FIPS 204 implementation:
#   1. pqcha-signed envelopes (ML-DSA-44/65/87) verify with noble;
#   2. a noble-signed envelope (its own SPKI, key id and PAE) verifies with pqcha;
#   3. a tampered envelope is rejected by both.
# Needs $PQCHA_BUILD (with interop_helper) and $PQCHA_SOURCE; exit 77 = skipped.
set -euo pipefail

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node not found — ML-DSA interop with @noble/post-quantum not run"
    exit 77
fi
# @noble/post-quantum 0.7 declares node >= 20.19 (ESM-only, modern builtins).
node_major=$(node -p 'process.versions.node.split(".")[0]')
if (( node_major < 20 )); then
    echo "SKIP: node $(node --version) is older than 20 — ML-DSA interop with @noble/post-quantum not run"
    exit 77
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: npm not found — ML-DSA interop with @noble/post-quantum not run"
    exit 77
fi

: "${PQCHA_BUILD:?set PQCHA_BUILD to the build directory}"
: "${PQCHA_SOURCE:?set PQCHA_SOURCE to the source directory}"
helper="$PQCHA_BUILD/interop_helper"
interop_src="$PQCHA_SOURCE/tests/interop"
if [[ ! -x "$helper" ]]; then
    echo "FAIL: $helper not built (cmake --build ... --target interop_helper)" >&2
    exit 1
fi

# node_modules live outside the clone, keyed by the lock file, and are reused.
cache_root="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pqcha"
lock_hash=$(sha256sum "$interop_src/package-lock.json" | cut -c1-16)
modules="$cache_root/npm-interop-$lock_hash"
if [[ ! -f "$modules/.complete" ]]; then
    mkdir -p "$cache_root"
    staging=$(mktemp -d "$cache_root/npm-interop-staging.XXXXXX")
    cp "$interop_src/package.json" "$interop_src/package-lock.json" "$staging/"
    if ! (cd "$staging" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
        rm -rf "$staging"
        echo "FAIL: npm ci for @noble/post-quantum failed" >&2
        exit 1
    fi
    touch "$staging/.complete"
    # Another run may have won the race; then use its copy.
    mv -T "$staging" "$modules" 2>/dev/null || rm -rf "$staging"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pqcha-interop.XXXXXX")
trap 'rm -rf "$work"' EXIT
# ESM resolves packages from the script's own directory, not NODE_PATH.
cp "$interop_src/noble.mjs" "$work/noble.mjs"
ln -s "$modules/node_modules" "$work/node_modules"
noble() { node "$work/noble.mjs" "$@"; }

failures=0
passes=0
pass() { echo "ok   $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
# expect WANT_EXIT WANT_TEXT DESCRIPTION COMMAND... — runs COMMAND; passes when
# its exit status is WANT_EXIT and its output contains WANT_TEXT (so a
# rejection is for the expected reason, not an unrelated error).
expect() {
    local want=$1 text=$2 what=$3 got=0
    shift 3
    "$@" >"$work/last.out" 2>&1 || got=$?
    if [[ $got -eq $want ]] && grep -qF -- "$text" "$work/last.out"; then
        pass "$what"
    else
        fail "$what (exit $got, expected $want with \"$text\")"
        sed 's/^/     /' "$work/last.out"
    fi
}

printf '{"statement":"pqcha interop payload","bytes":"\\u00e9\\n"}' >"$work/payload.json"

for alg in ML-DSA-44 ML-DSA-65 ML-DSA-87; do
    "$helper" keygen "$alg" "$work/$alg.key" "$work/$alg.pub"
    "$helper" sign "$work/$alg.key" "$work/payload.json" >"$work/$alg.env.json"
    pubraw=$("$helper" pubraw "$work/$alg.pub")
    expect 0 "valid" "$alg: pqcha verifies its own envelope" "$helper" verify "$work/$alg.pub" "$work/$alg.env.json"
    expect 0 "valid (" "$alg: noble verifies pqcha's envelope" noble verify "$pubraw" "$work/$alg.env.json"

    noble tamper "$work/$alg.env.json" "$work/$alg.tampered.json"
    expect 1 "): signature" "$alg: noble rejects a tampered pqcha envelope" noble verify "$pubraw" "$work/$alg.tampered.json"
    expect 1 "invalid: BAD_SIGNATURE" "$alg: pqcha rejects a tampered pqcha envelope" "$helper" verify "$work/$alg.pub" "$work/$alg.tampered.json"
done

# noble signs with its own key; pqcha must parse noble's SPKI, agree on the
# key id (the helper compares keyid with pqcha_key_id) and verify.
mkdir "$work/noble"
noble_raw=$(noble sign "$work/noble")
expect 0 "valid (" "noble verifies its own envelope" noble verify "$noble_raw" "$work/noble/noble.envelope.json"
expect 0 "valid" "pqcha verifies noble's envelope" "$helper" verify "$work/noble/noble.pub.pem" "$work/noble/noble.envelope.json"
if [[ "$("$helper" pubraw "$work/noble/noble.pub.pem")" == "$noble_raw" ]]; then
    pass "pqcha reads noble's public key bytes unchanged"
else
    fail "pqcha reads noble's public key bytes unchanged"
fi
noble tamper "$work/noble/noble.envelope.json" "$work/noble/tampered.json"
expect 1 "invalid: BAD_SIGNATURE" "pqcha rejects a tampered noble envelope" "$helper" verify "$work/noble/noble.pub.pem" "$work/noble/tampered.json"
expect 1 "): signature" "noble rejects a tampered noble envelope" noble verify "$noble_raw" "$work/noble/tampered.json"

# A key mismatch: pqcha's ML-DSA-65 key cannot verify noble's envelope, and back.
expect 1 "invalid: UNTRUSTED_KEY" "pqcha rejects noble's envelope under another key" "$helper" verify "$work/ML-DSA-65.pub" "$work/noble/noble.envelope.json"
expect 1 "invalid (ML-DSA-65): keyid, signature" "noble rejects pqcha's envelope under another key" noble verify "$noble_raw" "$work/ML-DSA-65.env.json"

echo "interop: $passes passed, $failures failed"
[[ $failures -eq 0 ]]
