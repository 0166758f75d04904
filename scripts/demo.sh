#!/usr/bin/env bash
# pqcha demo: a stand-in inference server holds a GGUF model in memory; pqcha
# measures that memory by PID, signs the measurement with ML-DSA and verifies
# it against a policy made from the model file's manifest. Then a "malicious
# host" overwrites bytes of one tensor in the server's memory, and the
# verifier names the tensor; a replayed report and a report from an untrusted
# key are rejected. Every step checks its exit code; the demo fails loudly if
# anything does not behave.
#
# Usage: scripts/demo.sh [PATH/TO/pqcha]     (or PQCHA=PATH/TO/pqcha)
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
  [ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

if [ -t 1 ]; then bold=$'\e[1m'; green=$'\e[32m'; red=$'\e[31m'; reset=$'\e[0m'
else bold=""; green=""; red=""; reset=""; fi
step_number=0

step() {
  step_number=$((step_number + 1))
  printf '\n%s== %d. %s%s\n' "$bold" "$step_number" "$1" "$reset"
  shift
  local line
  for line in "$@"; do printf '   %s\n' "$line"; done
}

# run EXIT_CODE pqcha ARGS...: shows the command and its output (the first
# $SHOW lines if set), and stops the demo unless it exits with EXIT_CODE.
# The whole output is kept in ./last.out.
run() {
  local want=$1 rc=0
  shift
  printf '%s$ pqcha' "$bold"
  printf ' %q' "$@"
  printf '%s\n' "$reset"
  "$PQCHA" "$@" >last.out 2>&1 || rc=$?
  sed -n "1,${SHOW:-100000}p" last.out | sed 's/^/   /'
  if [ "$(wc -l <last.out)" -gt "${SHOW:-100000}" ]; then printf '   [...]\n'; fi
  if [ "$rc" -ne "$want" ]; then
    printf '%sDEMO FAILED: expected exit %d, got %d%s\n' "$red" "$want" "$rc" "$reset" >&2
    exit 1
  fi
  printf '   %s-> exit %d, as expected%s\n' "$green" "$rc" "$reset"
}

expect_output() {
  grep -qF -- "$1" last.out || {
    printf '%sDEMO FAILED: the output lacks "%s"%s\n' "$red" "$1" "$reset" >&2
    exit 1
  }
}

fresh_nonce() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# Overwrites 16 bytes in the middle of a tensor inside the server's memory,
# through /proc/PID/mem, as a malicious host or co-tenant with ptrace rights can.
tamper_tensor() {
  local tensor=$1
  python3 - "$sim_pid" "$model_addr" "$tensor" <<'PY'
import json, sys
pid, base, name = int(sys.argv[1]), int(sys.argv[2], 16), sys.argv[3]
tensor = next(t for t in json.load(open("tables.json"))["gguf"]["tensors"] if t["name"] == name)
where = base + tensor["offset"] + tensor["size"] // 2
try:
    with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
        mem.seek(where); old = mem.read(16)
        mem.seek(where); mem.write(bytes(b ^ 0xFF for b in old))
except PermissionError:
    sys.exit("demo: writing another process's memory needs ptrace rights (run as root, "
             "or see kernel.yama.ptrace_scope)")
print(f"   wrote 16 bytes at {where:#x}: file offset {tensor['offset'] + tensor['size'] // 2:#x}, "
      f"inside tensor {name}")
PY
}

printf '%spqcha demo%s in %s\n' "$bold" "$reset" "$work"
run 0 --version

step "The attester gets an ML-DSA-65 key pair." \
     "The private key stays with the workload (mode 0600); the verifier pins the public key."
run 0 keygen --algorithm ML-DSA-65 -o attester.pem
ls -l attester.pem attester.pub.pem | sed 's/^/   /'

step "A model to protect: a small GGUF file (generated; the same bytes every run)."
python3 "$source_dir/tests/helpers/make_models.py" --gguf model.gguf --size 6000000 --seed 2026 >tables.json
SHOW=12 run 0 manifest model.gguf -o manifest.json
printf '   tensors:'; python3 -c 'import json; print(" " + ", ".join(t["name"] for t in json.load(open("manifest.json"))["files"][0]["tensors"]))'

step "The verifier's reference values: the manifest (digest, tree nodes, tensor table)" \
     "and the trusted public key go into its policy. Nothing in a report can change them."
run 0 policy --workload llama-demo --trust attester.pub.pem --platform process \
  --manifest manifest.json -o policy.json

step "An inference server maps the model into its memory (a stand-in: model_server_sim)."
mkfifo sim.out
"$sim" --rw "$PWD/model.gguf" >sim.out </dev/null &
sim_pid=$!
exec 3<sim.out
read -r _ model_addr model_size <&3 && read -r ready <&3
[ "$ready" = ready ] || { printf '%sDEMO FAILED: model_server_sim did not start%s\n' "$red" "$reset" >&2; exit 1; }
printf '   pid %s holds model.gguf at %s (%s bytes)\n' "$sim_pid" "$model_addr" "$model_size"

step "The verifier sends a fresh challenge; the attester measures the server's memory by PID" \
     "(process_vm_readv, hashed in parallel lanes) and signs the report with ML-DSA-65."
nonce=$(fresh_nonce)
run 0 attest --key attester.pem --workload llama-demo --pid "$sim_pid" --map '*model.gguf' \
  --nonce "$nonce" -o report.json
SHOW=19 run 0 inspect report.json
expect_output "UNVERIFIED"

step "The verifier checks trust, the ML-DSA signature, freshness, the nonce and the memory."
run 0 verify --policy policy.json --nonce "$nonce" report.json
expect_output "VALID"

step "Tampering: a malicious host overwrites bytes of one tensor in the server's memory."
tamper_tensor blk.0.attn_q.weight

step "The next report is still authentic, but the memory drifted: exit 1," \
     "naming the region, the changed byte range and the tensor in it."
nonce=$(fresh_nonce)
run 0 attest --key attester.pem --workload llama-demo --pid "$sim_pid" --map '*model.gguf' \
  --nonce "$nonce" -o drifted.json
run 1 verify --policy policy.json --nonce "$nonce" drifted.json
expect_output "DRIFT in 1 region: model.gguf"
expect_output "blk.0.attn_q.weight"

step "Replay: the old, clean report answers a new challenge. Rejected: exit 2."
run 2 verify --policy policy.json --nonce "$(fresh_nonce)" report.json
expect_output "REJECTED"

step "Impersonation: someone with another key signs a clean-looking report." \
     "The verifier does not trust that key: exit 2."
run 0 keygen -o intruder.pem
nonce=$(fresh_nonce)
run 0 attest --key intruder.pem --workload llama-demo --pid "$sim_pid" --map '*model.gguf' \
  --nonce "$nonce" -o forged.json
run 2 verify --policy policy.json --nonce "$nonce" forged.json
expect_output "REJECTED: signed by a key that is not trusted"

printf '\n%s%sdemo complete: valid (0), tensor-level drift (1), replay and untrusted key rejected (2).%s\n' \
  "$bold" "$green" "$reset"
