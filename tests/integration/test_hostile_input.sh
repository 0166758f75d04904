#!/usr/bin/env bash
# Hostile input costs memory in proportion to its size, never to its
# structure, and what it holds is escaped before it reaches a terminal.
# Each case is a shape from the adversarial review (issue 8, items 12-14):
# the peak RSS of the whole pqcha process is measured and bounded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sanitized=0
case "${PQCHA_SANITIZED:-}" in ON|on|1|TRUE|true) sanitized=1 ;; esac
[ "$sanitized" -eq 0 ] || echo "note: peak RSS bounds not checked: AddressSanitizer changes RSS"

# peak_rss_kib EXPECTED_EXIT CMD...: runs CMD (stdout in ./out, stderr in
# ./err), checks its exit code and prints its peak RSS in KiB.
peak_rss_kib() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
want, cmd = int(sys.argv[1]), sys.argv[2:]
with open("out", "wb") as out, open("err", "wb") as err:
    rc = subprocess.run(cmd, stdout=out, stderr=err).returncode
if rc != want:
    sys.stderr.write("expected exit %d, got %d: %s\n%s" % (want, rc, " ".join(cmd), open("err").read()))
    sys.exit(1)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

# bounded KIB INPUT_BYTES FACTOR WHAT: the peak is at most FACTOR times the
# input plus 48 MiB for the process itself (OpenSSL, jansson, the binary).
bounded() {
  local kib=$1 bytes=$2 factor=$3 what=$4 limit
  limit=$(( bytes * factor / 1024 + 48 * 1024 ))
  echo "$what: peak RSS $((kib / 1024)) MiB for $((bytes >> 20)) MiB of input (bound $((limit / 1024)) MiB)"
  [ "$sanitized" -eq 1 ] || [ "$kib" -le "$limit" ] || fail "$what used $kib KiB, above $limit KiB"
}

"$PQCHA" keygen -o signer.pem >/dev/null

# 12. Unauthenticated envelopes of 16 MiB made of tiny values: refused from
# a scan, before any tree, at about the cost of reading the file.
python3 - <<'PY'
cap = 16 << 20
for name, item in (("objects", "{}"), ("zeros", "0"), ("arrays", "[]")):
    n = (cap - 16) // (len(item) + 1)
    with open("env-%s.json" % name, "w") as f:
        f.write('{"x":[' + ",".join([item] * n) + "]}")
PY
for shape in objects zeros arrays; do
  size=$(stat -c %s "env-$shape.json")
  kib=$(peak_rss_kib 3 "$PQCHA" verify --trust signer.pub.pem --authenticity-only "env-$shape.json")
  assert_contains out "JSON too deeply nested or too many values for its size"
  bounded "$kib" "$size" 3 "verify {\"x\":[$shape]}"
  kib=$(peak_rss_kib 3 "$PQCHA" inspect "env-$shape.json")
  assert_contains err "JSON too deeply nested or too many values for its size"
  bounded "$kib" "$size" 3 "inspect {\"x\":[$shape]}"
done

# A well-formed envelope whose 11 MiB payload is hostile: verify refuses the
# signer before it reads the payload; inspect (unverified) refuses the
# payload's structure before building it.
python3 - <<'PY'
import base64, json
n = (11 << 20) // 3
payload = ('{"x":[' + ",".join(["{}"] * n) + "]}").encode()
env = {"payload": base64.b64encode(payload).decode(),
       "payloadType": "application/vnd.pqcha.attestation.v1+json",
       "signatures": [{"keyid": "0" * 64, "sig": base64.b64encode(bytes(3309)).decode()}]}
open("env-payload.json", "w").write(json.dumps(env))
PY
size=$(stat -c %s env-payload.json)
kib=$(peak_rss_kib 2 "$PQCHA" verify --trust signer.pub.pem --authenticity-only env-payload.json)
assert_contains out "not trusted"
bounded "$kib" "$size" 4 "verify, hostile payload"
kib=$(peak_rss_kib 3 "$PQCHA" inspect env-payload.json)
assert_contains err "JSON too deeply nested or too many values for its size"
bounded "$kib" "$size" 4 "inspect, hostile payload"

# 13. A safetensors file with a 100 MiB header of {"a":[{},...]}: the header
# is decoded token by token, so memory follows the tensor table it holds.
python3 - <<'PY'
import struct
n = (100 * 1000 * 1000 - 16) // 3
header = ('{"a":[' + ",".join(["{}"] * n) + "]}").encode()
with open("hostile.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header)
PY
size=$(stat -c %s hostile.safetensors)
kib=$(peak_rss_kib 3 "$PQCHA" manifest hostile.safetensors -o never.json)
assert_contains err "hostile.safetensors"
[ ! -e never.json ] || fail "a refused manifest was written"
bounded "$kib" "$size" 2 "manifest, 100 MB hostile safetensors header"

# A 64 MiB manifest of tiny values given to policy: refused by the scan.
python3 - <<'PY'
n = ((64 << 20) - 64) // 3
open("hostile-manifest.json", "w").write('{"files":[' + ",".join(["{}"] * n) + '],"version":1}')
PY
size=$(stat -c %s hostile-manifest.json)
kib=$(peak_rss_kib 4 "$PQCHA" policy --workload w --trust signer.pub.pem --manifest hostile-manifest.json -o never.json)
assert_contains err "JSON too deeply nested or too many values for its size"
bounded "$kib" "$size" 2 "policy --manifest, 64 MiB hostile manifest"
# 14. A model file whose tensor name forges output: a newline, a fake PASS
# line and VALID, then ESC [8m (hide what follows) and U+202E (reverse the
# text). The drifted report's text output shows the name escaped, and only
# the real verdict; JSON output holds the exact name, escaped for terminals.
: "${PQCHA_BUILD:?}"
sim="$PQCHA_BUILD/model_server_sim"
python3 - <<'PY'
import json, struct
evil = "w\n  PASS  region:evil.safetensors\nVALID\n\x1b[8m\u202e"
tensors = {evil: {"dtype": "U8", "shape": [8192], "data_offsets": [0, 8192]},
           "other": {"dtype": "U8", "shape": [8192], "data_offsets": [8192, 16384]}}
header = json.dumps(tensors).encode()
with open("evil.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + bytes(range(256)) * 64)
PY
expect_exit 0 "$PQCHA" manifest evil.safetensors -o evil-manifest.json
expect_exit 0 "$PQCHA" policy --workload w --trust signer.pub.pem --manifest evil-manifest.json -o evil-policy.json
mkfifo sim.out
"$sim" --rw "$PWD/evil.safetensors" >sim.out </dev/null &
sim_pid=$!
cleanup_hooks+=("kill -9 $sim_pid 2>/dev/null")
exec 3<sim.out
while read -r kind addr _ <&3; do
  [ "$kind" = rw ] && evil_addr=$addr
  [ "$kind" = ready ] && break
done
header_len=$(python3 -c 'import struct; print(8 + struct.unpack("<Q", open("evil.safetensors","rb").read(8))[0])')
python3 - "$sim_pid" "$evil_addr" "$header_len" <<'PY'
import sys
pid, address, data = int(sys.argv[1]), int(sys.argv[2], 16), int(sys.argv[3])
with open("/proc/%d/mem" % pid, "r+b", buffering=0) as mem:  # one byte of the evil tensor
    mem.seek(address + data + 100)
    mem.write(b"\xff")
PY
expect_exit 0 "$PQCHA" attest --key signer.pem --workload w --pid "$sim_pid" --map 'evil*' -o drifted.json
expect_exit 1 "$PQCHA" verify --policy evil-policy.json drifted.json
assert_contains out 'w\x0a  PASS  region:evil.safetensors\x0aVALID\x0a\x1b[8m\u202e'
if grep -q $'\x1b' out; then fail "a raw ESC reached the terminal"; fi
if grep -q $'\xe2\x80\xae' out; then fail "a raw U+202E reached the terminal"; fi
if grep -qx 'VALID' out; then fail "a forged VALID line"; fi
if grep -q '^  PASS  region:evil' out; then fail "a forged PASS line"; fi
[ "$(tail -n 1 out | cut -c1-5)" = "DRIFT" ] || fail "the verdict is not the last line: $(tail -n 1 out)"
expect_exit 1 "$PQCHA" verify --policy evil-policy.json --json drifted.json
if grep -q $'\x1b' out || grep -q $'\xe2\x80\xae' out; then fail "raw controls in --json output"; fi
python3 - <<'PY'
import json
result = json.load(open("out"))
names = [t for d in result["driftDetails"] for t in d["tensors"]]
assert names == ["w\n  PASS  region:evil.safetensors\nVALID\n\x1b[8m\u202e"], names
PY
expect_exit 0 "$PQCHA" inspect drifted.json
if grep -q $'\x1b' out || grep -q $'\xe2\x80\xae' out; then fail "raw controls in inspect output"; fi

# Ids may hold U+202E (they are UTF-8 without control characters): every
# place that prints one escapes it.
printf 'x' > plain.bin
rlo=$'\u202e'
expect_exit 0 "$PQCHA" attest --key signer.pem --workload "w${rlo}1" --region "r${rlo}x=plain.bin" -o bidi.json
expect_exit 0 "$PQCHA" inspect bidi.json
assert_contains out 'r\u202ex'
assert_contains out 'w\u202e1'
if grep -q $'\xe2\x80\xae' out; then fail "a raw U+202E in inspect output"; fi
expect_exit 0 "$PQCHA" verify --authenticity-only --trust signer.pub.pem bidi.json
if grep -q $'\xe2\x80\xae' out; then fail "a raw U+202E in verify output"; fi
echo "ok: hostile input bounded and escaped"
