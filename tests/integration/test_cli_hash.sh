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

# A directory as CHECKFILE or FILE is an I/O error (exit 4) that says so.
mkdir -p adir
expect_exit 4 "$PQCHA" hash --check adir
assert_contains err "adir: is a directory"
expect_exit 4 "$PQCHA" hash adir
assert_contains err "is a directory"

# A check "file" without newlines (/dev/zero) is read in bounded memory.
python3 - "$PQCHA" <<'EOF'
import resource, subprocess, sys
zeros = subprocess.Popen(["head", "-c", str(128 << 20), "/dev/zero"], stdout=subprocess.PIPE)
rc = subprocess.run([sys.argv[1], "hash", "--check", "-"], stdin=zeros.stdout,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
zeros.wait()
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
assert rc == 1, rc
assert peak_kib < 96 * 1024, f"hash --check of 128 MiB without a newline peaked at {peak_kib} KiB"
EOF

# A file truncated while it is hashed gets no digest (fault injection
# truncates it at the second read).
if [ -n "${PQCHA_FAULTINJECT:-}" ]; then
  head -c 20000000 /dev/urandom >shrinking.bin
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" LD_PRELOAD=$PQCHA_FAULTINJECT \
    PQCHA_FAULT=read:2:TRUNC "$PQCHA" hash shrinking.bin >out 2>err || rc=$?
  [ "$rc" -eq 4 ] || fail "hash of a file truncated while read: exit $rc"
  grep -q "truncated, extended or rewritten while it was read" err || fail "$(cat err)"
  [ ! -s out ] || fail "a digest was printed for a file that changed: $(cat out)"
fi

# Names from a check file are escaped before they reach the terminal.
printf '%s  %s\n' "$(printf '' | "$PQCHA" hash | cut -c1-64)" $'evil\e[8mname' >esc-sums
expect_exit 1 "$PQCHA" hash --check esc-sums
grep -q 'evil\\x1b\[8mname' err || fail "an escape sequence reached the terminal: $(od -c err | head)"

# --threads is capped at four per CPU.
expect_exit 4 "$PQCHA" hash --threads 100000 empty.bin
assert_contains err "above the maximum"

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
