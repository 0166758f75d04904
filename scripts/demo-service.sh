#!/usr/bin/env bash
# pqcha demo, part 3 (make demo runs it after the others): the fleet view.
# A verifier service (pqcha serve, SQLite) and an agent (pqcha agent) that
# attests a live process's model memory tensor by tensor and delivers each
# report; the dashboard shows the workload trusted. A malicious host then
# rewrites bytes of one tensor in the process's memory: the agent's next
# report comes back as drift, the workload turns drifted on the dashboard,
# naming the tensor. Screenshots of the dashboard (headless Chromium, when
# installed) are written next to pqcha and their paths printed. Every
# report is also in the verifier's transparency log: an auditor mirrors it
# (pqcha log mirror), audits every entry offline (pqcha log audit), and the
# agent's receipt proves its drifted report is in it (verify-inclusion).
#
# The live process is the stand-in server (tests/helpers/model_server_sim),
# which maps the model as llama.cpp does; part 1 showed the real engine.
#
# Usage: scripts/demo-service.sh [PATH/TO/pqcha]     (or PQCHA=PATH/TO/pqcha)
set -euo pipefail

PQCHA=${1:-${PQCHA:-}}
[ -n "$PQCHA" ] || { echo "usage: $0 PATH/TO/pqcha (or set PQCHA)" >&2; exit 2; }
case "$PQCHA" in /*) ;; *) PQCHA="$PWD/$PQCHA" ;; esac
[ -x "$PQCHA" ] || { echo "demo: $PQCHA is not an executable" >&2; exit 2; }
build_dir=$(dirname "$PQCHA")
sim="$build_dir/model_server_sim"
[ -x "$sim" ] || { echo "demo: $sim is missing (make build)" >&2; exit 2; }
source_dir=$(cd "$(dirname "$0")/.." && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/pqcha-demo-service.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

DEMO_PART="service "
. "$source_dir/scripts/demo-lib.sh"
die() {
  printf '%sDEMO FAILED: %s%s\n' "$bad" "$1" "$n" >&2
  [ -z "${2:-}" ] || { echo "--- $2:" >&2; tail -n 20 "$2" >&2; }
  exit 1
}

# api PATH: GET from the verifier with the token, into ./answer.json.
api() {
  python3 - "$url$1" "$(cat token)" <<'PY'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
open("answer.json", "wb").write(urllib.request.urlopen(req, timeout=30).read())
PY
}
field() { python3 -c "import json; j=json.load(open('answer.json')); print($1)"; }

# screenshot NAME: the dashboard as a browser shows it, next to pqcha.
chromium=$(command -v chromium || command -v chromium-browser || true)
screenshot() {
  local out="$build_dir/demo-dashboard-$1.png"
  if [ -z "$chromium" ]; then
    printf '   (no Chromium here: open %s/#token=%s in a browser to see it)\n' "$url" "$(cat token)"
    return 0
  fi
  HOME="$work/chromium" timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
    --disable-dev-shm-usage --user-data-dir="$work/chromium/profile" --no-first-run \
    --window-size=1280,800 --virtual-time-budget=8000 --screenshot="$work/shot.png" \
    "$url/#token=$(cat token)" >>chromium.log 2>&1 || die "chromium could not take a screenshot" chromium.log
  mv "$work/shot.png" "$out"
  printf '   %sdashboard screenshot: %s%s\n' "$ok" "$out" "$n"
}

heading "A verifier service: pqcha serve, its state in one SQLite file, a token for its API," \
  "and a transparency log of every verdict, signed with its own ML-DSA key."
"$PQCHA" keygen -o attester.pem >/dev/null
"$PQCHA" keygen -o log.pem >/dev/null
origin=demo.example/pqcha-log
python3 "$source_dir/tests/helpers/make_models.py" --gguf model.gguf --size 6000000 --seed 2026 \
  --gguf-header 20000 >tables.json
"$PQCHA" manifest model.gguf -o manifest.json >/dev/null
"$PQCHA" policy --workload llama-fleet-1 --trust attester.pub.pem --manifest manifest.json \
  -o policy.json >/dev/null
od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >token && chmod 600 token
"$PQCHA" serve --policy policy.json --db "sqlite:$work/verifier.db" --listen 127.0.0.1:0 \
  --port-file port --token-file token --log-key log.pem --log-origin "$origin" \
  --log-checkpoint-interval 0 2>serve.log &
pids+=($!)
while [ ! -s port ]; do
  kill -0 "${pids[0]}" 2>/dev/null || die "pqcha serve did not start" serve.log
  sleep 0.05
done
url="http://127.0.0.1:$(cat port)"
printf '   listening on %s (dashboard: %s/#token=...)\n' "$url" "$url"

heading "A live process holds the model in memory (mapped past its header, as llama.cpp does)."
mkfifo sim.in sim.out
first_tensor=$(python3 -c 'import json; print(min(t["offset"] for t in json.load(open("tables.json"))["gguf"]["tensors"]))')
"$sim" --rw-after "$first_tensor:$PWD/model.gguf" <sim.in >sim.out &
sim_pid=$!
pids+=("$sim_pid")
exec 4>sim.in 3<sim.out
while read -r line <&3; do [ "$line" = ready ] && break; done
printf '   pid %s maps model.gguf\n' "$sim_pid"

cat >agent.json <<EOF
{"verifier": "$url", "tokenFile": "token", "key": "attester.pem",
 "workload": "llama-fleet-1", "platform": "process", "pid": $sim_pid, "map": ["model.gguf"],
 "manifest": "manifest.json", "interval": 0, "spool": {"dir": "spool"},
 "receipts": "receipts.jsonl"}
EOF
heading "The agent: challenge, measure the process's memory, sign (ML-DSA-65), deliver." \
  "$ pqcha agent --config agent.json --once"
"$PQCHA" agent --config agent.json --once 2>agent.log || die "the agent's round failed" agent.log
sed 's/^/   /' agent.log
api "/v1/workloads/llama-fleet-1"
[ "$(field 'j["state"]')" = trusted ] || die "the workload is not trusted" serve.log
printf '   %sverifier: workload llama-fleet-1 is %s%s\n' "$ok" "$(field 'j["state"]')" "$n"
screenshot trusted

target=blk.0.attn_q.weight
heading "A malicious host rewrites 16 bytes of tensor $target in the process's memory."
python3 - "$sim_pid" "$target" <<'PY'
import json, sys
pid, name = int(sys.argv[1]), sys.argv[2]
t = next(t for t in json.load(open("tables.json"))["gguf"]["tensors"] if t["name"] == name)
where = t["offset"] + t["size"] // 2
base = next(int(l.split("-")[0], 16) - int(l.split()[2], 16)
            for l in open(f"/proc/{pid}/maps") if l.rstrip().endswith("/model.gguf"))
try:
    with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
        mem.seek(base + where); old = mem.read(16)
        mem.seek(base + where); mem.write(bytes(b ^ 0xFF for b in old))
except PermissionError:
    sys.exit("demo: writing another process's memory needs ptrace rights (run as root)")
print(f"   wrote 16 bytes at {base + where:#x}, inside tensor {name}")
PY

heading "The agent's next round: the report is authentic, the memory is not what it was."
"$PQCHA" agent --config agent.json --once 2>agent.log || die "the agent's round failed" agent.log
sed 's/^/   /' agent.log
api "/v1/events?workload=llama-fleet-1"
[ "$(field 'j["events"][-1]["to"]')" = drifted ] || die "no drift event" serve.log
printf '   %sverifier: llama-fleet-1 %s -> %s, tensors %s%s\n' "$ok" \
  "$(field 'j["events"][-1]["from"]')" "$(field 'j["events"][-1]["to"]')" \
  "$(field '", ".join(j["events"][-1]["detail"]["tensors"])')" "$n"
[ "$(field 'j["events"][-1]["detail"]["tensors"]')" = "['$target']" ] || die "the drift does not name $target"
screenshot drifted

heading "An auditor, offline: mirror the public log, check every entry, and the agent's receipt." \
  "$ pqcha log mirror --log $url --log-key log.pub.pem mirror" \
  "$ pqcha log audit --log-key log.pub.pem --policy policy.json mirror" \
  "$ pqcha log verify-inclusion --log-key log.pub.pem --receipt drift-receipt.json"
"$PQCHA" log mirror --log "$url" --log-key log.pub.pem --origin "$origin" mirror >mirror.out 2>&1 ||
  die "pqcha log mirror failed" mirror.out
printf '   %s\n' "$(tail -n 1 mirror.out)"
"$PQCHA" log audit --log-key log.pub.pem --origin "$origin" --policy policy.json mirror \
  >audit.out 2>&1 || die "the mirror does not audit" audit.out
grep -E '^  PASS  (verdicts|signatures):' audit.out | sed 's/^  /   /'
printf '   %s%s%s\n' "$ok" "$(tail -n 1 audit.out)" "$n"
tail -n 1 receipts.jsonl >drift-receipt.json
"$PQCHA" log verify-inclusion --log-key log.pub.pem --origin "$origin" \
  --receipt drift-receipt.json >inclusion.out 2>&1 || die "the agent's receipt does not verify" inclusion.out
printf '   %s%s%s\n' "$ok" "$(grep -m 1 '^INCLUDED' inclusion.out)" "$n"
grep -E '^ *verdict:' inclusion.out | sed 's/^ */   /'


printf '\n%s%sservice demo complete: the agent reported, the verifier stored and logged each verdict and moved the workload trusted -> drifted; the log audits.%s\n' \
  "$b" "$ok" "$n"
