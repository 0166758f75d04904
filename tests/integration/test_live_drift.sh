#!/usr/bin/env bash
# The product's point, end to end: a simulated inference server maps a
# safetensors and a GGUF model (private writable mappings) and holds an
# anonymous buffer. Attested by PID, its memory equals the manifest made from
# the files. Then bytes inside exactly one tensor of each model are
# overwritten through /proc/PID/mem, as a malicious host or co-tenant would,
# and the verifier must report drift in exactly those tensors and no other.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
sim="$PQCHA_BUILD/model_server_sim"
[ -x "$sim" ] || fail "missing $sim"
[ -r /proc/self/maps ] || { echo "skip: no /proc"; exit 77; }

nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0
python3 "$PQCHA_SOURCE/tests/helpers/make_models.py" --safetensors weights.safetensors \
  --gguf weights.gguf --size 3000000 --seed 7 >tables.json
"$PQCHA" keygen -o signer.pem >/dev/null
expect_exit 0 "$PQCHA" manifest -o manifest.json weights.safetensors weights.gguf
expect_exit 0 "$PQCHA" policy --workload llm --trust signer.pub.pem --platform process \
  --manifest manifest.json -o policy.json

mkfifo sim.out
"$sim" --rw "$PWD/weights.safetensors" --rw "$PWD/weights.gguf" --anon 65536:0x42 >sim.out </dev/null &
sim_pid=$!
cleanup_hooks+=("kill -9 $sim_pid 2>/dev/null")
exec 3<sim.out
addrs=()
while read -r kind addr size <&3; do
  [ "$kind" = ready ] && break
  [ "$kind" = rw ] && addrs+=("$addr")
done
[ "${#addrs[@]}" -eq 2 ] || fail "model_server_sim did not report its two mappings"
st_addr=${addrs[0]} gguf_addr=${addrs[1]}

attest() {
  "$PQCHA" attest --key signer.pem --workload llm --pid "$sim_pid" \
    --map '*weights.safetensors' --map '*weights.gguf' --nonce "$nonce" -o "$1"
}
verify() { "$PQCHA" verify --policy policy.json --nonce "$nonce" "$@"; }

# 1. Untouched memory: the digests equal the manifest's, and the report verifies.
expect_exit 0 attest clean.json
expect_exit 0 verify clean.json
assert_contains out "VALID"
python3 - clean.json manifest.json <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
stmt = json.loads(base64.b64decode(env["payload"]))
manifest = {f["name"]: f for f in json.load(open(sys.argv[2]))["files"]}
regions = {r["id"]: r for r in stmt["predicate"]["regions"]}
for s in stmt["subject"]:
    ref = manifest[s["name"]]
    assert s["digest"] == ref["digest"], (s["name"], s["digest"], ref["digest"])
    r = regions[s["name"]]
    assert r["size"] == ref["size"] and r["mapping"]["offset"] == 0, r
    assert r["nodes"] == ref["nodes"], "node digests differ from the manifest's"
assert set(regions) == {"weights.safetensors", "weights.gguf"}, set(regions)
PY

# 2. A malicious host overwrites bytes inside one tensor of each model (the
#    middle of a large tensor, so the changed 64 KiB leaf lies inside it).
python3 - "$sim_pid" tables.json "$st_addr" "$gguf_addr" <<'PY'
import json, sys
pid, tables = int(sys.argv[1]), json.load(open(sys.argv[2]))
bases = {"safetensors": int(sys.argv[3], 16), "gguf": int(sys.argv[4], 16)}
targets = {"safetensors": "token_embd.weight", "gguf": "blk.0.attn_q.weight"}
with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
    for fmt, name in targets.items():
        t = next(t for t in tables[fmt]["tensors"] if t["name"] == name)
        where = bases[fmt] + t["offset"] + t["size"] // 2
        mem.seek(where)
        old = mem.read(16)
        mem.seek(where)
        mem.write(bytes(b ^ 0xFF for b in old))
PY

# 3. The report is authentic and fresh, the memory drifted: exit 1, and the
#    drift is named down to exactly the two tampered tensors.
expect_exit 0 attest tampered.json
expect_exit 1 verify tampered.json
assert_contains out "DRIFT"
assert_contains out "blk.0.attn_q.weight"
assert_contains out "token_embd.weight"
expect_exit 1 verify --json tampered.json
python3 - out <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["verdict"] == "drift", result["verdict"]
spans = result["driftDetails"]
by_region = {}
for s in spans:
    by_region.setdefault(s["region"], []).extend(s["tensors"])
assert by_region == {"weights.gguf": ["blk.0.attn_q.weight"],
                     "weights.safetensors": ["token_embd.weight"]}, by_region
assert sorted(result["drift"]) == ["weights.gguf", "weights.safetensors"], result["drift"]
for region in result["report"]["regions"]:  # where the bytes came from, as signed
    assert region["mapping"]["file"].endswith("/" + region["id"]), region["mapping"]
    assert region["mapping"]["offset"] == 0, region["mapping"]
PY
echo "ok: live memory equals the manifest; tampering is named down to the tensor"
