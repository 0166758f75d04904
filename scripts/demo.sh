#!/usr/bin/env bash
# pqcha demo: sign a model file's measurement with ML-DSA, verify it against
# a policy, then show the verifier catching a flipped byte, a replayed report
# and a report from an untrusted key. Every step checks its exit code; the
# demo fails loudly if anything does not behave.
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

work=$(mktemp -d "${TMPDIR:-/tmp}/pqcha-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
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

# Deterministic 8 MiB stand-in for model weights (the same bytes every run).
make_model() {
  if command -v python3 >/dev/null; then
    python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(2026).randbytes(8 << 20))' >"$1"
  else
    yes 'pqcha demo model weights' | head -c $((8 << 20)) >"$1"
  fi
}

# Inverts one byte in place, whatever its value was.
flip_byte() {
  local file=$1 offset=$2 old new
  old=$(od -An -tu1 -j "$offset" -N1 "$file" | tr -d ' ')
  new=$((old ^ 0xff))
  printf "\\$(printf '%03o' "$new")" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

fresh_nonce() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

printf '%spqcha demo%s in %s\n' "$bold" "$reset" "$work"
run 0 --version

step "The attester gets an ML-DSA-65 key pair." \
     "The private key stays with the workload (mode 0600); the verifier pins the public key."
run 0 keygen --algorithm ML-DSA-65 -o attester.pem
ls -l attester.pem attester.pub.pem | sed 's/^/   /'

step "A model to protect: 8 MiB of deterministic pseudo-random 'weights'."
make_model model.bin
run 0 hash model.bin

step "The verifier writes its policy from the known-good model:" \
     "reference SHA3-256 digests of the whole file and of its 4 KiB header, and the trusted key."
run 0 policy --workload demo-model --trust attester.pub.pem --platform file \
  --region model-weights-0=model.bin --region model-header=model.bin@0+4096 -o policy.json

step "The verifier sends a fresh challenge (nonce); the attester measures and signs." \
     "The report is a DSSE envelope: an in-toto statement with one subject per region."
nonce=$(fresh_nonce)
run 0 attest --key attester.pem --workload demo-model \
  --region model-weights-0=model.bin --region model-header=model.bin@0+4096 \
  --nonce "$nonce" -o report.json
SHOW=19 run 0 inspect report.json
expect_output "UNVERIFIED"

step "The verifier checks trust, the ML-DSA signature, freshness, the nonce and every digest."
run 0 verify --trust attester.pub.pem --policy policy.json --nonce "$nonce" report.json
expect_output "VALID"

step "Tampering: one byte of the weights flips (at 5 MiB, outside the header)." \
     "The report is still authentic, but the memory drifted: exit 1, naming the region."
flip_byte model.bin $((5 << 20))
nonce=$(fresh_nonce)
run 0 attest --key attester.pem --workload demo-model \
  --region model-weights-0=model.bin --region model-header=model.bin@0+4096 \
  --nonce "$nonce" -o drifted.json
run 1 verify --trust attester.pub.pem --policy policy.json --nonce "$nonce" drifted.json
expect_output "DRIFT in 1 region: model-weights-0"

step "Replay: the old, valid report answers a new challenge. Rejected: exit 2."
run 2 verify --trust attester.pub.pem --policy policy.json --nonce "$(fresh_nonce)" report.json
expect_output "REJECTED"

step "Impersonation: someone with another key signs a report of the original model." \
     "The verifier does not trust that key: exit 2."
flip_byte model.bin $((5 << 20))
run 0 keygen -o intruder.pem
nonce=$(fresh_nonce)
run 0 attest --key intruder.pem --workload demo-model \
  --region model-weights-0=model.bin --region model-header=model.bin@0+4096 \
  --nonce "$nonce" -o forged.json
run 2 verify --trust attester.pub.pem --policy policy.json --nonce "$nonce" forged.json
expect_output "REJECTED: signed by a key that is not trusted"

printf '\n%s%sdemo complete: valid (0), drift (1), replay and untrusted key rejected (2).%s\n' \
  "$bold" "$green" "$reset"
