#!/usr/bin/env bash
# The product's point, end to end: a simulated inference server maps a
# safetensors model whole and a GGUF model from the page holding its first
# tensor, as llama.cpp does (its header pages unmapped), both private and
# writable, and holds an anonymous buffer. Attested by PID, its memory equals
# the manifest made from the files, tensor by tensor. Then bytes inside
# exactly one tensor of each model are overwritten through /proc/PID/mem, as a
# malicious host or co-tenant would, and the verifier must report drift in
# exactly those tensors and no other.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
sim="$PQCHA_BUILD/model_server_sim"
[ -x "$sim" ] || fail "missing $sim"
[ -r /proc/self/maps ] || { echo "skip: no /proc"; exit 77; }

nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f0
python3 "$PQCHA_SOURCE/tests/helpers/make_models.py" --safetensors weights.safetensors \
  --gguf weights.gguf --size 3000000 --seed 7 --gguf-header 10000 >tables.json
gguf_data=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["gguf"]["tensors"][0]["offset"])' tables.json)
page=$(getconf PAGESIZE)
"$PQCHA" keygen -o signer.pem >/dev/null
expect_exit 0 "$PQCHA" manifest -o manifest.json weights.safetensors weights.gguf
expect_exit 0 "$PQCHA" policy --workload llm --trust signer.pub.pem --platform process \
  --manifest manifest.json -o policy.json

mkfifo sim.out
"$sim" --rw "$PWD/weights.safetensors" --rw-after "$gguf_data:$PWD/weights.gguf" --anon 65536:0x42 >sim.out </dev/null &
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

# 1. Untouched memory: every tensor's digest equals the manifest's, wherever
#    the mapping starts, and the report verifies.
expect_exit 0 attest clean.json
expect_exit 0 verify clean.json
assert_contains out "VALID"
python3 - clean.json manifest.json "$gguf_data" "$page" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
stmt = json.loads(base64.b64decode(env["payload"]))
manifest = {f["name"]: f for f in json.load(open(sys.argv[2]))["files"]}
gguf_data, page = int(sys.argv[3]), int(sys.argv[4])
regions = {r["id"]: r for r in stmt["predicate"]["regions"]}
assert set(regions) == {"weights.safetensors", "weights.gguf"}, set(regions)
start = {"weights.safetensors": 0, "weights.gguf": gguf_data // page * page}
for s in stmt["subject"]:
    ref, r = manifest[s["name"]], regions[s["name"]]
    assert list(s["digest"]) == ["sha3-256-segments"], s["digest"]
    assert r["mapping"]["offset"] == start[r["id"]], r["mapping"]
    assert r["size"] == ref["size"] - start[r["id"]], r["size"]
    tensors = {t["name"]: t for t in ref["tensors"]}
    named = [seg for seg in r["segments"] if "tensor" in seg]
    assert len(named) == len(tensors), (len(named), len(tensors))
    for seg in named:
        t = tensors[seg["tensor"]]
        assert (seg["offset"], seg["size"]) == (t["offset"], t["size"]), seg
        assert seg["digest"] == t["digest"]["sha3-256-tree"], seg["tensor"]
    json.dump(ref["tensors"], open(r["id"] + ".tensors.json", "w"))
    open(r["id"] + ".expected", "w").write(s["digest"]["sha3-256-segments"] + "\n" + "".join(
        f'{seg["digest"]} {seg["offset"]} {seg["size"]}' + (f' {seg["tensor"]}' if "tensor" in seg else "") + "\n"
        for seg in r["segments"]))
PY
# The independent reference computes the same segments and digest from the files.
for f in weights.safetensors weights.gguf; do
  from=0; [ "$f" = weights.gguf ] && from=$((gguf_data / page * page))
  python3 "$PQCHA_SOURCE/tests/oracle/tree_hash_ref.py" --segments "$f.tensors.json" --from "$from" "$f" |
    sed '1s/  .*$//' > "$f.oracle"
  cmp "$f.oracle" "$f.expected" || fail "$f: report segments differ from tests/oracle/tree_hash_ref.py"
done
# The same memory measured as a whole cannot be compared with the whole file
# when the header pages are not mapped, and the verifier says why.
"$PQCHA" attest --key signer.pem --workload llm --pid "$sim_pid" --no-tensors \
  --map 'weights.gguf' --map 'weights.safetensors' --nonce "$nonce" -o whole.json
expect_exit 1 verify whole.json
assert_contains out "the size differs"
assert_contains out "DRIFT in 1 region: weights.gguf"

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
for s in spans:  # exactly the tampered tensor's bytes
    assert s["length"] > 0 and len(s["tensors"]) == 1, s
assert result["missingTensors"] == [], result["missingTensors"]
for region in result["report"]["regions"]:  # where the bytes came from, as signed
    assert region["mapping"]["file"].endswith("/" + region["id"]), region["mapping"]
    assert region["mapping"]["deleted"] is False, region["mapping"]
PY
echo "ok: live memory equals the manifest; tampering is named down to the tensor"
