#!/usr/bin/env bash
# Against a real inference engine: llama.cpp (node-llama-cpp 3.21.1, pinned by
# tests/engine/package-lock.json, CPU build) serves a small llama-architecture
# GGUF whose header is larger than a page, memory-mapped. llama.cpp unmaps the
# header pages, so the process maps the file from a non-zero page offset: the
# case tensor-level attestation exists for.
#   1. attest by PID -> VALID against the manifest policy;
#   2. bytes of one tensor changed in the file on disk -> the engine's output
#      changes, and verify names exactly that tensor (exit 1);
#   3. the bytes restored -> the output is back, and VALID again.
# Skipped, with a message, only when node/npm are absent (or not linux-x64).
set -euo pipefail
: "${PQCHA_SOURCE:?}"
. "$PQCHA_SOURCE/tests/integration/lib.sh"
command -v python3 >/dev/null || { echo "skip: python3 not found"; exit 77; }
[ -r /proc/self/maps ] || { echo "skip: no /proc"; exit 77; }

status=0
engine_dir=$("$PQCHA_SOURCE/scripts/ensure-engine.sh") || status=$?
if [ "$status" -eq 77 ]; then
  echo "skip: the real inference engine needs node and npm (see scripts/ensure-engine.sh)"
  exit 77
fi
[ "$status" -eq 0 ] || fail "could not install the pinned llama.cpp engine"

gen="$PQCHA_SOURCE/tests/engine/make_llama_gguf.py"
python3 "$gen" -o model.gguf --seed 3 >/dev/null
python3 "$gen" --describe model.gguf >table.tsv
header=$(sed -n 's/.*header \([0-9]*\) bytes.*/\1/p' table.tsv)
[ "$header" -gt 4096 ] || fail "the test model's header ($header bytes) must exceed a page"
# The tensor to tamper with: the final norm's weights (F32), used straight
# from the mapping; zeroing part of them changes every logit.
read -r target_offset target_size < <(awk -F'\t' '$1 == "output_norm.weight" {print $3, $4}' table.tsv)
[ -n "$target_offset" ] || fail "no output_norm.weight in the test model"
cp model.gguf original.gguf

"$PQCHA" keygen -o signer.pem >/dev/null
expect_exit 0 "$PQCHA" manifest model.gguf -o manifest.json
expect_exit 0 "$PQCHA" policy --workload llm --trust signer.pub.pem --manifest manifest.json -o policy.json

mkfifo engine.in engine.out
PQCHA_ENGINE_DIR=$engine_dir node "$PQCHA_SOURCE/tests/engine/engine.mjs" model.gguf \
  <engine.in >engine.out 2>engine.err &
engine_pid=$!
exec 4>engine.in 3<engine.out
cleanup_hooks+=("kill -9 $engine_pid 2>/dev/null")

# Lines from the engine, never a sleep: the first generation, then "ready".
next_tokens() {
  local line
  while read -r line <&3; do
    case $line in
      tokens:*) echo "$line"; return 0 ;;
      ready*) ;;
      *) fail "engine said: $line" ;;
    esac
  done
  fail "the engine exited: $(tail -5 engine.err)"
}
baseline=$(next_tokens)
read -r ready pid <&3 || fail "the engine exited: $(tail -5 engine.err)"
[ "$ready" = ready ] && [ "$pid" = "$engine_pid" ] || fail "unexpected engine line: $ready $pid"
grep -q 'model\.gguf$' "/proc/$engine_pid/maps" || fail "the engine does not map the model"

nonce=00112233445566778899aabbccddeeff
attest() {
  "$PQCHA" attest --key signer.pem --workload llm --pid "$engine_pid" --map model.gguf \
    --nonce "$nonce" -o "$1"
}
verify() { "$PQCHA" verify --policy policy.json --nonce "$nonce" "$@"; }

# 1. Untouched: VALID, and the mapping really starts past the header's first page.
expect_exit 0 attest clean.json
expect_exit 0 verify clean.json
assert_contains out "VALID"
expect_exit 0 verify --json clean.json
python3 - out "$header" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
(region,) = result["report"]["regions"]
offset = region["mapping"]["offset"]
assert 0 < offset <= int(sys.argv[2]), ("llama.cpp should map from the header's last page", offset)
assert region["digestAlgorithm"] == "sha3-256-segments", region["digestAlgorithm"]
assert region["tensorCount"] == 21, region["tensorCount"]
PY

# 2. Bytes of one tensor change in the file on disk (the engine maps it shared).
python3 - model.gguf "$target_offset" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]) + 32)
    f.write(bytes(64))
PY
echo generate >&4
tampered=$(next_tokens)
[ "$tampered" != "$baseline" ] || fail "the engine's output did not change ($baseline)"
expect_exit 0 attest tampered.json
expect_exit 1 verify tampered.json
assert_contains out "output_norm.weight"
expect_exit 1 verify --json tampered.json
python3 - out <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["verdict"] == "drift", result["verdict"]
named = [t for s in result["driftDetails"] for t in s["tensors"]]
assert named == ["output_norm.weight"], named
assert result["missingTensors"] == [], result["missingTensors"]
PY

# 3. Restored: the same output as before, and VALID.
python3 - model.gguf original.gguf "$target_offset" "$target_size" <<'PY'
import sys
offset, size = int(sys.argv[3]), int(sys.argv[4])
good = open(sys.argv[2], "rb").read()[offset:offset + size]
with open(sys.argv[1], "r+b") as f:
    f.seek(offset)
    f.write(good)
PY
echo generate >&4
[ "$(next_tokens)" = "$baseline" ] || fail "the engine's output did not come back after the restore"
expect_exit 0 attest restored.json
expect_exit 0 verify restored.json
assert_contains out "VALID"
echo quit >&4
wait "$engine_pid" || true
echo "ok: llama.cpp's memory verified tensor by tensor; a tampered tensor named exactly"
