#!/usr/bin/env bash
# pqcha CLI: help, version, dispatch and usage errors (exit 4).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

commands="keygen pubkey hash attest verify inspect watch policy serve agent"

expect_exit 0 "$PQCHA" --help
for cmd in $commands; do assert_contains out "$cmd"; done
expect_exit 0 "$PQCHA" -h

expect_exit 0 "$PQCHA" --version
assert_contains out "pqcha 0.2.0"
assert_contains out "OpenSSL 3."

for cmd in $commands; do
  expect_exit 0 "$PQCHA" "$cmd" --help
  assert_contains out "Usage: pqcha $cmd"
  assert_contains out "Exit codes:"
  expect_exit 0 "$PQCHA" help "$cmd"
  assert_contains out "Usage: pqcha $cmd"
  expect_exit 4 "$PQCHA" "$cmd" --no-such-option
  assert_contains err "pqcha $cmd --help"
done

expect_exit 4 "$PQCHA"
expect_exit 4 "$PQCHA" frobnicate
assert_contains err "unknown command 'frobnicate'"
expect_exit 4 "$PQCHA" help frobnicate

# Missing required options are usage errors.
expect_exit 4 "$PQCHA" keygen
assert_contains err "missing -o"
expect_exit 4 "$PQCHA" attest --workload w --region a=/dev/null
assert_contains err "missing --key"
expect_exit 4 "$PQCHA" policy --region a=/dev/null
assert_contains err "missing --workload"
expect_exit 4 "$PQCHA" attest --key k.pem --workload w --region 'no-equals-sign'
expect_exit 4 "$PQCHA" attest --key k.pem --workload w --region 'a=f@12+zz'
assert_contains err "bad range"
expect_exit 4 "$PQCHA" watch --key k.pem --workload w --region a=f --interval soon
assert_contains err "--interval"

echo "ok: help, version and usage errors"
