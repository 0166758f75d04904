#!/usr/bin/env bash
# pqcha hash: SHA3-256 known answers, sha256sum-style output and --check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

empty=a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a
abc=3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532

: >empty.bin
printf abc >abc.bin
expect_exit 0 "$PQCHA" hash empty.bin abc.bin
printf '%s  empty.bin\n%s  abc.bin\n' "$empty" "$abc" >want
cmp -s out want || { diff want out; fail "hash output"; }

# stdin, explicitly and by default
printf abc | "$PQCHA" hash - >out
[ "$(cat out)" = "$abc  -" ] || fail "hash of stdin: $(cat out)"
printf abc | "$PQCHA" hash >out
[ "$(cat out)" = "$abc  -" ] || fail "hash with no FILE: $(cat out)"

# A file larger than one chunk agrees with Python's SHA3-256.
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 5000)' >big.bin
want=$(python3 -c 'import hashlib,sys; print(hashlib.sha3_256(open(sys.argv[1],"rb").read()).hexdigest())' big.bin)
expect_exit 0 "$PQCHA" hash big.bin
[ "$(cat out)" = "$want  big.bin" ] || fail "big.bin: $(cat out), want $want"

# --check: OK, then FAILED after a change (exit 1), like sha256sum -c.
"$PQCHA" hash empty.bin abc.bin big.bin >sums
expect_exit 0 "$PQCHA" hash --check sums
printf 'empty.bin: OK\nabc.bin: OK\nbig.bin: OK\n' >want
cmp -s out want || { diff want out; fail "--check output"; }
expect_exit 0 "$PQCHA" hash -c - <sums

printf abd >abc.bin
expect_exit 1 "$PQCHA" hash --check sums
assert_contains out "empty.bin: OK"
assert_contains out "abc.bin: FAILED"
assert_contains err "1 computed checksum did NOT match"
expect_exit 1 "$PQCHA" hash --check --quiet sums
[ "$(cat out)" = "abc.bin: FAILED" ] || fail "--quiet printed: $(cat out)"

rm big.bin
expect_exit 1 "$PQCHA" hash --check sums
assert_contains out "big.bin: FAILED open or read"

echo "this is not a checksum line" >bad-sums
expect_exit 1 "$PQCHA" hash --check bad-sums
assert_contains err "no properly formatted"

# A missing input file or check file is an I/O error (exit 4).
expect_exit 4 "$PQCHA" hash no-such-file
assert_contains err "no-such-file"
expect_exit 4 "$PQCHA" hash --check no-such-sums
expect_exit 4 "$PQCHA" hash --quiet empty.bin

# Progress for large inputs: only when stderr is a terminal, and cleared at the end.
truncate -s 64M sparse.bin
zeros64m=$(python3 -c 'import hashlib; print(hashlib.sha3_256(bytes(64 << 20)).hexdigest())')
expect_exit 0 "$PQCHA" hash sparse.bin
[ "$(cat out)" = "$zeros64m  sparse.bin" ] || fail "64 MiB digest: $(cat out)"
[ ! -s err ] || fail "progress shown although stderr is not a terminal: $(od -c err | head -3)"
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
  script -qec "'$PQCHA' hash sparse.bin" /dev/null >tty.out
  grep -q 'MB/s' tty.out || fail "no progress on a terminal: $(od -c tty.out | head -5)"
  grep -q "$zeros64m" tty.out || fail "digest missing on a terminal"
  grep -q $'\e\[K'"$zeros64m" tty.out || fail "progress line not cleared before the output"
fi

echo "ok: hash"
