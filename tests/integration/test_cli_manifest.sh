#!/usr/bin/env bash
# pqcha manifest: model files written by an independent producer
# (tests/helpers/make_models.py) must come back with the producer's sizes and
# tensor tables and the reference digest (tests/oracle/tree_hash_ref.py);
# malformed model files exit 3 naming the file, usage errors exit 4.
set -euo pipefail
: "${PQCHA_SOURCE:?set PQCHA_SOURCE to the source tree}"
source "$PQCHA_SOURCE/tests/integration/lib.sh"
command -v python3 >/dev/null || { echo "python3 not found: skipping"; exit 77; }
helper="$PQCHA_SOURCE/tests/helpers/make_models.py"
oracle="$PQCHA_SOURCE/tests/oracle/tree_hash_ref.py"

# ~600 KiB each: ten tree leaves and node digests.
python3 "$helper" --safetensors model.safetensors --gguf model.gguf --size 600000 --seed 7 > expected.json
cp expected.json tables.json
expect_exit 0 "$PQCHA" manifest --threads 2 -o manifest.json model.safetensors model.gguf
[ -s manifest.json ] || fail "no manifest written"
python3 "$oracle" model.safetensors model.gguf > digests.txt

python3 - expected.json manifest.json digests.txt "$(dirname "$oracle")" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[4])
from tree_hash_ref import tree_digest
expected = json.load(open(sys.argv[1]))
manifest = json.load(open(sys.argv[2]))
digests = {}
for line in open(sys.argv[3]):
    hexd, name = line.split()
    digests[name] = hexd
assert manifest["version"] == 1, manifest["version"]
files = {f["name"]: f for f in manifest["files"]}
assert sorted(files) == ["model.gguf", "model.safetensors"], sorted(files)
for kind in ("safetensors", "gguf"):
    want = expected[kind]
    got = files[want["path"]]
    assert got["format"] == kind, (kind, got["format"])
    assert got["size"] == want["size"], (kind, got["size"], want["size"])
    assert got["digest"] == {"sha3-256-tree": digests[want["path"]]}, (kind, got["digest"])
    bare = [{k: v for k, v in t.items() if k != "digest"} for t in got["tensors"]]
    assert bare == want["tensors"], (kind, bare, want["tensors"])
    # Every tensor's digest, and every gap's, as the oracle computes it from
    # exactly those bytes; the gaps are all the bytes outside tensors.
    data = open(want["path"], "rb").read()
    for t in got["tensors"]:
        piece = data[t["offset"]:t["offset"] + t["size"]]
        assert t["digest"] == {"sha3-256-tree": tree_digest(piece).hex()}, (kind, t["name"])
    covered = sorted([(t["offset"], t["size"]) for t in got["tensors"] if t["size"]] +
                     [(g["offset"], g["size"]) for g in got["gaps"]])
    at = 0
    for offset, size in covered:
        assert offset == at, (kind, "tensors and gaps must tile the file", offset, at)
        at += size
    assert at == got["size"], (kind, at)
    for g in got["gaps"]:
        piece = data[g["offset"]:g["offset"] + g["size"]]
        assert g["digest"] == {"sha3-256-tree": tree_digest(piece).hex()}, (kind, g)
    # Node digests: present for files above one leaf once the hasher records
    # them, and then exactly as many as FORMAT.md 4.5 gives for the size.
    if "nodes" in got:
        leaves = -(-got["size"] // 65536)
        level = 0
        while -(-leaves // (1 << level)) > 256:
            level += 1
        assert got["nodes"]["level"] == level, got["nodes"]["level"]
        assert len(got["nodes"]["digests"]) == -(-leaves // (1 << level))
print("manifest matches make_models.py and the oracle")
EOF

# The same output on stdout; a raw file is listed without tensors.
printf 'not a model\n' > notes.txt
expect_exit 0 "$PQCHA" manifest notes.txt
python3 -c 'import json,sys; f=json.load(open("out"))["files"][0]; assert f["format"]=="raw" and "tensors" not in f and f["size"]==12, f'

# Truncated and corrupted model files: exit 3, naming the file.
head -c 4000 model.safetensors > truncated.safetensors
expect_exit 3 "$PQCHA" manifest truncated.safetensors
assert_contains err "truncated.safetensors"
head -c 300 model.gguf > truncated.gguf
expect_exit 3 "$PQCHA" manifest truncated.gguf
assert_contains err "truncated.gguf"
python3 - <<'EOF'
data = bytearray(open("model.gguf", "rb").read())
data[4] = 9  # version 9
open("future.gguf", "wb").write(data)
data = bytearray(open("model.safetensors", "rb").read())
i = data.index(b'"F16"')
data[i:i + 5] = b'"F15"'
open("dtype.safetensors", "wb").write(data)
EOF
expect_exit 3 "$PQCHA" manifest future.gguf
assert_contains err "future.gguf"
expect_exit 3 "$PQCHA" manifest model.gguf dtype.safetensors
assert_contains err "dtype.safetensors"
assert_contains err "tensor 'blk.0.attn_k.weight' has dtype 'F15'"
[ ! -s out ] || fail "output written despite a malformed file"
# A ggml type this version does not know: the tensor and the type id are named.
python3 - tables.json <<'EOF'
import json, struct, sys
t = json.load(open(sys.argv[1]))["gguf"]["tensors"][1]   # blk.0.attn_q.weight, F16 (type 1)
data = bytearray(open("model.gguf", "rb").read())
name = t["name"].encode()
at = data.index(struct.pack("<Q", len(name)) + name) + 8 + len(name)
dims = struct.unpack_from("<I", data, at)[0]
struct.pack_into("<I", data, at + 4 + 8 * dims, 77)
open("newtype.gguf", "wb").write(data)
EOF
expect_exit 3 "$PQCHA" manifest newtype.gguf
assert_contains err "tensor 'blk.0.attn_q.weight' has ggml type 77"

# A sharded safetensors model, by its index: every shard, in name order, each
# tensor where the index says; a wrong index names the tensor.
mkdir shards
python3 - <<'EOF'
import json, struct
def shard(path, tensors):
    header, data, at = {}, b"", 0
    for name, size in tensors:
        header[name] = {"dtype": "U8", "shape": [size], "data_offsets": [at, at + size]}
        data += bytes([len(name)]) * size
        at += size
    text = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + data)
shard("shards/m-00001-of-00002.safetensors", [("a", 100), ("b", 200)])
shard("shards/m-00002-of-00002.safetensors", [("c", 300)])
wm = {"a": "m-00001-of-00002.safetensors", "b": "m-00001-of-00002.safetensors", "c": "m-00002-of-00002.safetensors"}
json.dump({"metadata": {"total_size": 600}, "weight_map": wm}, open("shards/model.safetensors.index.json", "w"))
wm["a"] = "m-00002-of-00002.safetensors"
json.dump({"weight_map": wm}, open("shards/wrong.safetensors.index.json", "w"))
EOF
expect_exit 0 "$PQCHA" manifest shards/model.safetensors.index.json
python3 -c 'import json; f=json.load(open("out"))["files"]; assert [(e["name"], [t["name"] for t in e["tensors"]]) for e in f] == [("m-00001-of-00002.safetensors", ["a", "b"]), ("m-00002-of-00002.safetensors", ["c"])], f'
expect_exit 3 "$PQCHA" manifest shards/wrong.safetensors.index.json
assert_contains err "tensor 'a' is not in m-00002-of-00002.safetensors, where the index places it"

# Usage and I/O errors: exit 4.
expect_exit 4 "$PQCHA" manifest
expect_exit 4 "$PQCHA" manifest missing.gguf
mkdir sub && cp model.gguf sub/
expect_exit 4 "$PQCHA" manifest model.gguf sub/model.gguf
assert_contains err "same base name"
expect_exit 4 "$PQCHA" manifest --threads x model.gguf
expect_exit 4 "$PQCHA" manifest --bogus model.gguf
expect_exit 0 "$PQCHA" manifest --help
assert_contains out "Usage: pqcha manifest"
expect_exit 0 "$PQCHA" help manifest
echo "ok: pqcha manifest"
