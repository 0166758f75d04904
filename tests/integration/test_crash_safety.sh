#!/usr/bin/env bash
# Nothing lost, nothing half-written: every file pqcha writes survives a kill
# at any system call, a full disk and an I/O error as either the old file or
# the new one, never a torn, spliced or empty one; a key pair stays a pair;
# errors say what happened and name the file. Faults are injected at exact
# calls by tests/faultinject (LD_PRELOAD), so every case is deterministic.
set -euo pipefail
: "${PQCHA_SOURCE:?}" "${PQCHA_FAULTINJECT:?}"
. "$PQCHA_SOURCE/tests/integration/lib.sh"
command -v python3 >/dev/null || { echo "skip: python3 not found"; exit 77; }
# The shim is not built with the sanitizers; an ASan binary accepts it anyway.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# faulty SPEC CMD...: runs CMD with the fault SPEC (see faultinject.c); its
# status in $rc, output in ./out and ./err. A kill is status 137.
faulty() {
  local spec=$1
  shift
  rc=0
  # In a subshell, whose stderr (err) gets the shell's "Killed" notice.
  (LD_PRELOAD=$PQCHA_FAULTINJECT PQCHA_FAULT=$spec "$@"; exit $?) >out 2>err || rc=$?
}
leftovers() { find . -maxdepth 2 -name '.*pqcha-*' | grep -v '^\./\.$' || true; }
key_id() { "$PQCHA" pubkey --id "$1" 2>/dev/null || echo none; }

printf 'reference bytes\n' >ref.bin
"$PQCHA" keygen -o signer.pem >/dev/null

# ---- 1. keygen: a failed keygen leaves the previous pair exactly as it was ----
"$PQCHA" keygen -o pair.pem >/dev/null
old_id=$(key_id pair.pem)
cp pair.pem pair.pem.orig
cp pair.pub.pem pair.pub.pem.orig
expect_exit 4 "$PQCHA" keygen --force -o pair.pem --pub missing-dir/pair.pub.pem
assert_contains err "file not found"
cmp pair.pem pair.pem.orig && cmp pair.pub.pem pair.pub.pem.orig || fail "a failed keygen changed the old pair"
for spec in fsync:1:ENOSPC fsync:2:EIO write:1:ENOSPC write:2:SHORT linkat:1:EIO linkat:2:EIO \
            rename:1:EIO rename:2:EIO; do
  faulty "$spec" "$PQCHA" keygen --force -o pair.pem
  [ "$rc" -eq 4 ] || fail "keygen under $spec: exit $rc"
  [ "$(key_id pair.pem)" = "$(key_id pair.pub.pem)" ] || fail "keygen under $spec: a mismatched pair"
done
grep -q "no space left on device" err || grep -q "input/output error" err || fail "no cause named: $(cat err)"

# A kill at every write, fsync, link and rename of keygen --force: the pair
# is the old one or the new one (completed by the next load of the private
# key when the kill came after the decision to publish), never mixed or empty.
for call in write fsync linkat link rename; do
  for n in 1 2 3 4 5 6; do

    faulty "$call:$n:KILL" "$PQCHA" keygen --force -o pair.pem
    after=$(key_id pair.pem)
    [ "$after" != none ] || fail "keygen killed at $call $n: no private key left"
    [ "$after" = "$(key_id pair.pub.pem)" ] || fail "keygen killed at $call $n: a mismatched pair"
    [ -s pair.pem ] && [ -s pair.pub.pem ] || fail "keygen killed at $call $n: an empty file"
    [ "$rc" -eq 137 ] || [ "$rc" -eq 0 ] || fail "keygen killed at $call $n: exit $rc"
  done
done
expect_exit 0 "$PQCHA" keygen --force -o pair.pem
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"

# ---- 2. attest, policy, manifest -o: the old file or a whole new one ----
"$PQCHA" policy --workload w --trust signer.pub.pem --region ref=ref.bin -o policy.json 2>/dev/null
attest() { "$PQCHA" attest --key signer.pem --workload w --region ref=ref.bin -o report.json; }
attest
cp report.json report.orig
valid() { "$PQCHA" verify --policy policy.json report.json >/dev/null 2>&1; }
for call in write fsync linkat rename; do
  for n in 1 2 3 4; do
    faulty "$call:$n:KILL" attest
    valid || fail "attest killed at $call $n: report.json is no valid report"
    [ -s report.json ] || fail "attest killed at $call $n: an empty report.json"
  done
done
for spec in write:1:ENOSPC write:1:SHORT fsync:1:EIO fsync:1:EDQUOT linkat:1:EROFS rename:1:EIO; do
  cp report.orig report.json
  faulty "$spec" attest
  [ "$rc" -eq 4 ] || fail "attest under $spec: exit $rc"
  cmp report.json report.orig || fail "attest under $spec: the old report changed"
  grep -q "report.json" err || fail "attest under $spec: the error does not name the file: $(cat err)"
done
faulty write:1:ENOSPC attest
assert_contains err "report.json: no space left on device"
faulty fsync:1:EIO attest
assert_contains err "report.json: input/output error"
faulty linkat:1:EROFS attest
assert_contains err "report.json: read-only file system"
# The directory's fsync fails after the rename: the new report is in place,
# and the failure to make it durable is still an error.
faulty fsync:2:EIO attest
[ "$rc" -eq 4 ] && valid || fail "attest with a failing directory fsync: exit $rc"
attest
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"

# Thirty writers at once: the last one wins, whole.
for i in $(seq 30); do attest & done
wait
valid || fail "concurrent writers spliced report.json"
[ -z "$(leftovers)" ] || fail "left behind: $(leftovers)"

faulty write:1:ENOSPC "$PQCHA" policy --workload w --trust signer.pub.pem --region ref=ref.bin -o policy.json
[ "$rc" -eq 4 ] && grep -q "policy.json: no space left on device" err || fail "policy under ENOSPC: $rc $(cat err)"
"$PQCHA" verify --policy policy.json report.json >/dev/null || fail "the old policy was damaged"
faulty rename:1:KILL "$PQCHA" manifest ref.bin -o manifest.json
[ ! -e manifest.json ] || fail "a killed manifest left a file"
"$PQCHA" manifest ref.bin -o manifest.json
faulty fsync:1:EIO "$PQCHA" manifest ref.bin -o manifest.json
[ "$rc" -eq 4 ] && python3 -c 'import json; json.load(open("manifest.json"))' || fail "manifest under EIO"

# A small tmpfs that really fills up, where this user may mount one.
if mkdir -p small && mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
  cleanup_hooks+=("umount $PWD/small")
  attest && cp report.json small/report.json
  head -c 60000 /dev/zero >small/filler 2>/dev/null || true
  expect_exit 4 "$PQCHA" attest --key signer.pem --workload w --region ref=ref.bin -o small/report.json
  assert_contains err "small/report.json: no space left on device"
  cmp small/report.json report.json || fail "the full tmpfs lost the old report"
  [ -z "$(find small -name '.*pqcha-*')" ] || fail "a temporary file was left on the full tmpfs"
else
  echo "note: cannot mount a tmpfs here; ENOSPC is checked by fault injection only"
fi

# ---- 3. standard output that cannot be written is an error ----
for cmd in "pubkey --id signer.pem" "--version" "pubkey --help" "hash ref.bin" "inspect report.json"; do
  rc=0
  # shellcheck disable=SC2086
  "$PQCHA" $cmd >/dev/full 2>err || rc=$?
  [ "$rc" -eq 4 ] || fail "pqcha $cmd >/dev/full: exit $rc"
  assert_contains err "standard output: no space left on device"
done

echo "ok: crash-safe outputs, pairs that stay pairs, errors that name the cause and the file"
