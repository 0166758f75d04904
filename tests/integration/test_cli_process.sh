#!/usr/bin/env bash
# pqcha attest/watch --pid end to end: a simulated model server maps a model
# file; its memory verifies against a policy made from the file, and one byte
# written into that memory through /proc/PID/mem (as a malicious host could)
# is drift naming the region. Synchronised on the helper's output, not on time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${PQCHA_BUILD:?set PQCHA_BUILD to the build directory}"
sim="$PQCHA_BUILD/model_server_sim"
[ -x "$sim" ] || fail "missing $sim"
[ -r /proc/self/maps ] || { echo "skip: no /proc"; exit 77; }

nonce=00112233445566778899aabbccddeeff
"$PQCHA" keygen -o signer.pem >/dev/null
# Neither a whole number of pages nor a single tree leaf.
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 13 + 5) % 251 for i in range(300013)))' >model.bin
python3 -c 'import sys; sys.stdout.buffer.write(b"\x41" * 65536)' >anon.ref

# Start the helper; read "KIND ADDRESS SIZE" lines up to "ready" through a FIFO.
mkfifo sim.out
"$sim" --rw "$PWD/model.bin" --anon 65536:0x41 >sim.out </dev/null &
sim_pid=$!
cleanup_hooks+=("kill -9 $sim_pid 2>/dev/null")
exec 3<sim.out
ready=0
while read -r kind addr size <&3; do
  case $kind in
    ready) ready=1; break ;;
    rw) rw_addr=$addr ;;
    anon) anon_addr=$addr; anon_size=$size ;;
  esac
done
[ "$ready" -eq 1 ] || fail "model_server_sim did not start"

expect_exit 0 "$PQCHA" policy --workload server --trust signer.pub.pem --platform process \
  --region model.bin=model.bin --region anon=anon.ref -o policy.json

attest() {
  "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" --map '*model.bin' \
    --range "anon=$anon_addr+$anon_size" --nonce "$nonce" "$@"
}
verify() { "$PQCHA" verify --trust signer.pub.pem --policy policy.json --nonce "$nonce" "$@"; }

# The memory holds what the file holds: valid.
expect_exit 0 attest -o report.json
expect_exit 0 verify report.json
assert_contains out "PASS  region:model.bin"
assert_contains out "PASS  region:anon"
assert_contains out "VALID"
python3 - report.json <<'PY'
import base64, json, sys
env = json.loads(open(sys.argv[1]).read())
payload = json.loads(base64.b64decode(env["payload"]))
assert payload["predicate"]["platform"] == "process", payload["predicate"]["platform"]
PY

# --pid-file: the PID read from a file, as a service manager writes it.
printf '%s\n' "$sim_pid" >server.pid
expect_exit 0 "$PQCHA" attest --key signer.pem --workload server --pid-file server.pid \
  --map '*model.bin' --range "anon=$anon_addr+$anon_size" --nonce "$nonce" -o by-pid-file.json
expect_exit 0 verify by-pid-file.json
for bad in "" "0" "-5" "12x" "4242 4243" "99999999999" " $sim_pid" "$sim_pid"$'\n\n'; do
  printf '%s' "$bad" >bad.pid
  expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid-file bad.pid \
    --map '*model.bin' -o bad.json
  assert_contains err "expected a process id"
done
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid-file missing.pid \
  --map '*model.bin' -o bad.json
assert_contains err "missing.pid"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" \
  --pid-file server.pid --map '*model.bin' -o bad.json
assert_contains err "--pid and --pid-file exclude each other"
[ ! -e bad.json ] || fail "a refused attest wrote its output"

# --map ID=GLOB names the region; --readonly-files finds nothing of model.bin (it is rw).
expect_exit 0 "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" \
  --map 'weights=*model.bin' -o named.json
expect_exit 0 "$PQCHA" inspect named.json
assert_contains out "weights"

# One byte written into the mapped model: drift (1), naming the region.
python3 - "$sim_pid" "$rw_addr" <<'PY'
import sys
pid, address = int(sys.argv[1]), int(sys.argv[2], 16)
with open("/proc/%d/mem" % pid, "r+b", buffering=0) as mem:
    mem.seek(address + 123456)
    old = mem.read(1)
    mem.seek(address + 123456)
    mem.write(bytes([old[0] ^ 0xff]))
PY
expect_exit 0 attest -o tampered.json
expect_exit 1 verify tampered.json
assert_contains out "DRIFT"
assert_contains out "model.bin"
assert_contains out "PASS  region:anon"

# watch takes the same options.
expect_exit 0 "$PQCHA" watch --key signer.pem --workload server --pid "$sim_pid" \
  --range "anon=$anon_addr+$anon_size" --count 1 --interval 0.1 -o watched.jsonl
[ "$(wc -l <watched.jsonl)" -eq 1 ] || fail "watch wrote $(wc -l <watched.jsonl) reports"

# A process that does not exist: exit 4 with the remedy.
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid 2147483647 --map '*'
assert_contains err "process"
assert_contains err "hint:"
assert_contains err "ps -p PID"

# A glob that matches nothing; options that do not go together.
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" --map '*nothing*'
assert_contains err "no such region"
assert_contains err "the process maps these model files"
assert_contains err "model.bin"
assert_contains err "anonymous memory"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid"
assert_contains err "missing --map"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --map '*'
assert_contains err "need --pid"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" --map '*' --backend file
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" --range 0x1000
assert_contains err "ADDR+LEN"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload server --pid 0 --map '*'

# A mapped file whose name is no valid id (an ESC in it): --readonly-files
# skips it with a warning naming it, escaped, and measures the rest; --map
# that selects it says which mapping it could not use.
odd=$'odd\x1b[2Jname.bin'
head -c 5000 model.bin >"$odd"
head -c 7000 model.bin >good.bin
mkfifo sim2.out
"$sim" --ro "$PWD/good.bin" --ro "$PWD/$odd" >sim2.out </dev/null &
sim2_pid=$!
cleanup_hooks+=("kill -9 $sim2_pid 2>/dev/null")
exec 4<sim2.out
while read -r kind _ _ <&4; do [ "$kind" = ready ] && break; done
expect_exit 0 "$PQCHA" attest --key signer.pem --workload odd --pid "$sim2_pid" --readonly-files \
  -o ro.json
assert_contains err "warning: --readonly-files: skipped the mapping of '$PWD/odd\x1b[2Jname.bin': invalid identifier"
if grep -q $'\x1b' err; then fail "a raw ESC reached the terminal"; fi
expect_exit 0 "$PQCHA" inspect ro.json
assert_contains out "good.bin"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload odd --pid "$sim2_pid" --map 'odd*'
assert_contains err "could not use the mapping of '$PWD/odd\x1b[2Jname.bin': invalid identifier"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload odd --pid "$sim2_pid" --map "w=$PWD/$odd"
assert_contains err "could not use the mapping of '$PWD/odd\x1b[2Jname.bin'"
if grep -q $'\x1b' err; then fail "a raw ESC reached the terminal"; fi
kill -9 "$sim2_pid"

# Another user's process without privilege: exit 4, and the hint names the remedies.
if [ "$(id -u)" -eq 0 ]; then
  expect_exit 4 setpriv --reuid=65533 --regid=65533 --clear-groups --inh-caps=-all \
    "$PQCHA" attest --key signer.pem --workload server --pid "$sim_pid" --map '*model.bin'
  assert_contains err "CAP_SYS_PTRACE"
  assert_contains err "same uid"
  assert_contains err "kernel.yama.ptrace_scope"
else
  echo "note: permission case skipped (needs root to switch users)"
fi
echo "ok"
