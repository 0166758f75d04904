#!/usr/bin/env bash
# pqcha watch: one JSON report per line, --count, -o appends, clean SIGTERM stop.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
watch_pid=""
cleanup_hooks+=('[ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null')

"$PQCHA" keygen -o key.pem >/dev/null
printf 'weights' >model.bin
watch_args=(--key key.pem --workload w --region model=model.bin --interval 1)

# --count 2: exactly two lines, each a report that verifies, sequences 0 and 1.
"$PQCHA" watch "${watch_args[@]}" --count 2 >reports.jsonl
[ "$(wc -l <reports.jsonl)" -eq 2 ] || fail "expected 2 reports, got $(wc -l <reports.jsonl)"
seq=0
while IFS= read -r line; do
  printf '%s\n' "$line" >one.json
  "$PQCHA" verify --trust key.pub.pem --authenticity-only one.json >/dev/null ||
    fail "report $seq does not verify"
  python3 -c '
import base64, json, sys
env = json.load(open("one.json"))
seq = json.loads(base64.b64decode(env["payload"]))["predicate"]["sequence"]
assert seq == int(sys.argv[1]), (seq, sys.argv[1])
' "$seq"
  seq=$((seq + 1))
done <reports.jsonl

# -o appends.
"$PQCHA" watch "${watch_args[@]}" --count 1 -o out.jsonl
"$PQCHA" watch "${watch_args[@]}" --count 1 -o out.jsonl
[ "$(wc -l <out.jsonl)" -eq 2 ] || fail "-o did not append"

# SIGTERM ends an unlimited run cleanly (exit 0) once a report is out.
"$PQCHA" watch "${watch_args[@]}" -o running.jsonl 2>watch.err &
watch_pid=$!
for _ in $(seq 1 100); do
  [ -s running.jsonl ] && break
  sleep 0.1
done
[ -s running.jsonl ] || fail "watch wrote no report within 10 s"
kill -TERM "$watch_pid"
rc=0
wait "$watch_pid" || rc=$?
watch_pid=""
[ "$rc" -eq 0 ] || { cat watch.err; fail "watch exited $rc after SIGTERM"; }

# Same for SIGINT.
"$PQCHA" watch "${watch_args[@]}" -o running2.jsonl 2>watch.err &
watch_pid=$!
for _ in $(seq 1 100); do
  [ -s running2.jsonl ] && break
  sleep 0.1
done
kill -INT "$watch_pid"
rc=0
wait "$watch_pid" || rc=$?
watch_pid=""
[ "$rc" -eq 0 ] || { cat watch.err; fail "watch exited $rc after SIGINT"; }

# The platform backend without its device: one clear error, exit 4.
rc=0
"$PQCHA" watch --key key.pem --workload w --backend intel-tdx --count 1 2>err || rc=$?
[ "$rc" -eq 4 ] || fail "watch --backend intel-tdx exited $rc"
grep -q "platform device not present" err || fail "no device error: $(cat err)"

echo "ok: watch"
