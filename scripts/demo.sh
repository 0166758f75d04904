#!/usr/bin/env bash
# pqcha demo: an inference server holds a GGUF model in memory; pqcha measures
# that memory by PID, tensor by tensor, signs the measurement with ML-DSA and
# verifies it against a policy made from the model file's manifest. Then a
# "malicious host" changes bytes of one tensor, and the verifier names the
# tensor; a replayed report and a report from an untrusted key are rejected.
#
# The server is real when it can be: llama.cpp through node-llama-cpp (pinned,
# CPU build, installed once into ~/.cache/pqcha by scripts/ensure-engine.sh),
# which maps the model from the page past its header and generates text with
# it. Without node it is a stand-in (model_server_sim) that maps the model
# the same way. Every step checks its exit code; the demo fails loudly if
# anything does not behave.
#
# Usage: scripts/demo.sh [PATH/TO/pqcha]     (or PQCHA=PATH/TO/pqcha)
#        PQCHA_DEMO_SERVER=stand-in scripts/demo.sh ...   (skip llama.cpp)
set -euo pipefail

PQCHA=${1:-${PQCHA:-}}
if [ -z "$PQCHA" ]; then
  echo "usage: $0 PATH/TO/pqcha (or set PQCHA)" >&2
  exit 2
fi
case "$PQCHA" in /*) ;; *) PQCHA="$PWD/$PQCHA" ;; esac
[ -x "$PQCHA" ] || { echo "demo: $PQCHA is not an executable" >&2; exit 2; }

sim="$(dirname "$PQCHA")/model_server_sim"   # built with pqcha (tests/helpers)
[ -x "$sim" ] || { echo "demo: $sim is missing (make build)" >&2; exit 2; }
source_dir=$(cd "$(dirname "$0")/.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/pqcha-demo.XXXXXX")
sim_pid=""
cleanup() {
  # Waited for with stderr closed: bash would report the kill ("Killed").
  [ -z "$sim_pid" ] || { kill -9 "$sim_pid"; wait "$sim_pid"; } 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

. "$source_dir/scripts/demo-lib.sh"

# run EXIT_CODE pqcha ARGS...: shows the command and its output (the first
# $SHOW lines if set), and stops the demo unless it exits with EXIT_CODE.
# The whole output is kept in ./last.out.
run() {
  local want=$1 rc=0
  shift
  printf '%s$ pqcha' "$b"
  printf ' %q' "$@"
  printf '%s\n' "$n"
  "$PQCHA" "$@" >last.out 2>&1 || rc=$?
  sed -n "1,${SHOW:-100000}p" last.out | sed 's/^/   /'
  if [ "$(wc -l <last.out)" -gt "${SHOW:-100000}" ]; then printf '   [...]\n'; fi
  if [ "$rc" -ne "$want" ]; then
    printf '%sDEMO FAILED: expected exit %d, got %d%s\n' "$bad" "$want" "$rc" "$n" >&2
    exit 1
  fi
  printf '   %s-> exit %d, as expected%s\n' "$ok" "$rc" "$n"
}

expect_output() {
  grep -qF -- "$1" last.out || {
    printf '%sDEMO FAILED: the output lacks "%s"%s\n' "$bad" "$1" "$n" >&2
    exit 1
  }
}

fresh_nonce() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# ---- the server: llama.cpp, or the stand-in ----

engine_dir=""
engine_log="${PQCHA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pqcha}/engine-install.log"
choose_server() {
  local rc=0
  mkdir -p "$(dirname "$engine_log")"
  if [ "${PQCHA_DEMO_SERVER:-auto}" = stand-in ]; then
    echo "ensure-engine: the stand-in was asked for (PQCHA_DEMO_SERVER=stand-in)" >"$engine_log"
    rc=77
  else
    engine_dir=$("$source_dir/scripts/ensure-engine.sh" 2>"$engine_log") || rc=$?
  fi
  if [ "$rc" -eq 0 ]; then
    printf '   a real inference engine: llama.cpp (node-llama-cpp 3.21.1, CPU build)\n'
  else
    engine_dir=""
    printf '   llama.cpp is not available (%s); a stand-in server maps the model as it would\n' \
      "$(tail -1 "$engine_log" | sed 's/^ensure-engine: //')"
  fi
}

make_model() {
  if [ -n "$engine_dir" ]; then
    python3 "$source_dir/tests/engine/make_llama_gguf.py" -o model.gguf --seed 2026 --describe |
      awk -F'\t' 'NR > 2 {print $1, $3, $4}' >tensors.txt
  else
    python3 "$source_dir/tests/helpers/make_models.py" --gguf model.gguf --size 6000000 --seed 2026 \
      --gguf-header 20000 >tables.json
    python3 -c 'import json; [print(t["name"], t["offset"], t["size"]) for t in json.load(open("tables.json"))["gguf"]["tensors"]]' >tensors.txt
  fi
}

tensor_field() { awk -v n="$1" -v f="$2" '$1 == n {print $f}' tensors.txt; }

start_server() {
  mkfifo server.in server.out
  if [ -n "$engine_dir" ]; then
    PQCHA_ENGINE_DIR=$engine_dir node "$source_dir/tests/engine/engine.mjs" model.gguf \
      <server.in >server.out 2>server.err &
  else
    "$sim" --rw-after "$(tensor_field token_embd.weight 2):$PWD/model.gguf" <server.in >server.out &
  fi
  sim_pid=$!
  exec 4>server.in 3<server.out
  local line
  while read -r line <&3; do
    case $line in
      tokens:*) printf '   llama.cpp generated %s\n' "$line" ;;
      ready*) return 0 ;;
    esac
  done
  printf '%sDEMO FAILED: the server did not start%s\n' "$bad" "$n" >&2
  exit 1
}

# A malicious host changes 16 bytes of one tensor. llama.cpp maps the model
# file shared, read-only: the bytes are changed in the file (its page cache),
# and the engine computes with them at once. The stand-in's private mapping
# is written through /proc/PID/mem, as a host or co-tenant with ptrace rights can.
tamper_tensor() {
  local tensor=$1 offset size
  offset=$(tensor_field "$tensor" 2) size=$(tensor_field "$tensor" 3)
  python3 - "$sim_pid" "$tensor" "$offset" "$size" "${engine_dir:+file}" <<'PY'
import sys
pid, name, offset, size, via_file = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
where = offset + size // 2
if via_file:
    with open("model.gguf", "r+b") as f:
        f.seek(where); f.write(bytes(16))
    print(f"   wrote 16 bytes into model.gguf at {where:#x}, inside tensor {name}")
    sys.exit(0)
base = next(int(l.split("-")[0], 16) - int(l.split()[2], 16) for l in open(f"/proc/{pid}/maps") if l.rstrip().endswith("/model.gguf"))
try:
    with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
        mem.seek(base + where); old = mem.read(16)
        mem.seek(base + where); mem.write(bytes(b ^ 0xFF for b in old))
except PermissionError:
    sys.exit("demo: writing another process's memory needs ptrace rights (run as root, "
             "or see kernel.yama.ptrace_scope)")
print(f"   wrote 16 bytes at {base + where:#x}: file offset {where:#x}, inside tensor {name}")
PY
}

printf '%spqcha demo%s in %s\n' "$b" "$n" "$work"
run 0 --version

heading "The attester gets an ML-DSA-65 key pair." \
     "The private key stays with the workload (mode 0600); the verifier pins the public key."
run 0 keygen --algorithm ML-DSA-65 -o attester.pem
ls -l attester.pem attester.pub.pem | sed 's/^/   /'

heading "The inference server." 
choose_server

heading "A model to protect: a small llama-architecture GGUF file (generated; the same bytes" \
     "every run), whose header fills more than a page, as real vocabularies do."
make_model
SHOW=12 run 0 manifest model.gguf -o manifest.json
printf '   %s tensors, each with its own digest\n' "$(wc -l <tensors.txt)"

heading "The verifier's reference values: the manifest (tensor table and digests) and the" \
     "trusted public key go into its policy. Nothing in a report can change them."
run 0 policy --workload llama-demo --trust attester.pub.pem --manifest manifest.json -o policy.json

heading "The server maps the model into its memory: from the page that holds the first" \
     "tensor, its header pages unmapped, as llama.cpp does."
start_server
grep 'model\.gguf$' "/proc/$sim_pid/maps" | awk '{printf "   pid '"$sim_pid"': %s %s file offset 0x%s\n", $1, $2, $3}'

heading "The verifier sends a fresh challenge; the attester measures the server's memory by PID" \
     "(process_vm_readv, hashed in parallel lanes) and signs the report with ML-DSA-65."
nonce=$(fresh_nonce)
run 0 attest --key attester.pem --workload llama-demo --pid "$sim_pid" --map model.gguf \
  --nonce "$nonce" -o report.json
SHOW=19 run 0 inspect report.json
expect_output "UNVERIFIED"

heading "The verifier checks trust, the ML-DSA signature, freshness, the nonce and the memory," \
     "tensor by tensor against its manifest."
run 0 verify --policy policy.json --nonce "$nonce" report.json
expect_output "VALID"

target=blk.0.attn_q.weight
[ -z "$engine_dir" ] || target=output_norm.weight
heading "Tampering: a malicious host changes bytes of one tensor the server computes with."
tamper_tensor "$target"
if [ -n "$engine_dir" ]; then
  echo generate >&4
  read -r line <&3
  printf '   llama.cpp now generates %s\n' "$line"
fi

heading "The next report is still authentic, but the memory drifted: exit 1," \
     "naming the region and exactly the tensor that changed."
nonce=$(fresh_nonce)
run 0 attest --key attester.pem --workload llama-demo --pid "$sim_pid" --map model.gguf \
  --nonce "$nonce" -o drifted.json
run 1 verify --policy policy.json --nonce "$nonce" drifted.json
expect_output "DRIFT in 1 region: model.gguf"
expect_output "$target"

heading "Replay: the old, clean report answers a new challenge. Rejected: exit 2."
run 2 verify --policy policy.json --nonce "$(fresh_nonce)" report.json
expect_output "REJECTED"

heading "Impersonation: someone with another key signs a clean-looking report." \
     "The verifier does not trust that key: exit 2."
run 0 keygen -o intruder.pem
nonce=$(fresh_nonce)
run 0 attest --key intruder.pem --workload llama-demo --pid "$sim_pid" --map model.gguf \
  --nonce "$nonce" -o forged.json
run 2 verify --policy policy.json --nonce "$nonce" forged.json
expect_output "REJECTED: signed by a key that is not trusted"

printf '\n%s%sdemo complete: valid (0), tensor-level drift (1), replay and untrusted key rejected (2).%s\n' \
  "$b" "$ok" "$n"
