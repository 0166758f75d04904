#!/usr/bin/env bash
# Files read by the hashing threads (pread, src/io/file_reader.c) and read
# ahead on a thread (read, for a single-stream digest): an I/O error and a
# truncation injected at an exact read give the exact error, never a digest
# or a crash, through pqcha hash.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -n "${PQCHA_FAULTINJECT:-}" ] || { echo "skip: no fault-injection library"; exit 77; }

faulty() { # faulty SPEC CMD...: CMD with the fault SPEC; sets rc
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD=$PQCHA_FAULTINJECT PQCHA_FAULT=$1 "${@:2}" >out 2>err || rc=$?
}

head -c 40000000 /dev/urandom >big.bin
"$PQCHA" hash --algorithm sha3-256-tree big.bin >want

# Unharmed, the file's digest (read ahead) is the one of the same bytes
# streamed through standard input (read and hashed in turn).
"$PQCHA" hash --algorithm sha3-256-tree - <big.bin >stdin.out
[ "$(cut -c1-64 want)" = "$(cut -c1-64 stdin.out)" ] || fail "file and stdin digests differ"


# The parallel digests: 40 MB is 77 reads of 512 KiB (sha3-256-tree) or
# 153 of 256 KiB (k12), spread over the hashing threads.
for n in 1 2 40 77; do # the first read, the second thread's, one mid-file, the last
  faulty "pread:$n:EIO" "$PQCHA" hash --algorithm sha3-256-tree big.bin
  [ "$rc" -eq 4 ] || fail "hash with pread $n failing: exit $rc"
  assert_contains err "could not read"
  [ ! -s out ] || fail "a digest was printed despite an I/O error: $(cat out)"
done

faulty pread:3:TRUNC "$PQCHA" hash --algorithm k12 big.bin
[ "$rc" -eq 4 ] || fail "hash of a file truncated while the threads read it: exit $rc"
assert_contains err "truncated, extended or rewritten while it was read"
[ ! -s out ] || fail "a digest was printed for a file that changed: $(cat out)"
head -c 40000000 /dev/urandom >big.bin # TRUNC cut it

# Plain sha3-256 is one stream, read ahead on a thread of its own.
for n in 1 2 5; do # the first read, one on the reader thread, one near the end
  faulty "read:$n:EIO" "$PQCHA" hash --algorithm sha3-256 big.bin
  [ "$rc" -eq 4 ] || fail "sha3-256 with read $n failing: exit $rc"
  assert_contains err "could not read"
  [ ! -s out ] || fail "a digest was printed despite an I/O error: $(cat out)"
done

faulty read:3:TRUNC "$PQCHA" hash --algorithm sha3-256 big.bin
[ "$rc" -eq 4 ] || fail "sha3-256 of a file truncated on the reader thread: exit $rc"
assert_contains err "truncated, extended or rewritten while it was read"
[ ! -s out ] || fail "a digest was printed for a file that changed: $(cat out)"

echo "ok: file reader faults"
