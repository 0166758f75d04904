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

# --nonce is honoured: every report carries it, and verify --nonce accepts each.
nonce=00112233445566778899aabbccddeeff
"$PQCHA" watch --key key.pem --workload w --region model=model.bin --interval 0.05 --count 3 \
  --nonce "$nonce" -o nonced.jsonl 2>err || fail "watch --nonce: $(cat err)"
[ "$(wc -l <nonced.jsonl)" -eq 3 ] || fail "watch --nonce wrote $(wc -l <nonced.jsonl) lines"
while read -r line; do
  printf '%s\n' "$line" >one.json
  "$PQCHA" verify --trust key.pub.pem --authenticity-only --nonce "$nonce" one.json >/dev/null ||
    fail "a watch --nonce report does not carry the nonce"
done <nonced.jsonl

# A line torn by an interrupted run is removed before the next report is
# appended, and said so; every line is then a whole report.
head -n 1 nonced.jsonl >torn.jsonl
head -c 300 nonced.jsonl | tail -c 200 >>torn.jsonl   # half a line, no newline
"$PQCHA" watch "${watch_args[@]}" --interval 0.05 --count 1 -o torn.jsonl 2>err || fail "$(cat err)"
grep -q "removed a torn last line of 200 bytes" err || fail "no word of the torn line: $(cat err)"
[ "$(wc -l <torn.jsonl)" -eq 2 ] || fail "torn.jsonl has $(wc -l <torn.jsonl) lines"
python3 -c 'import json,sys; [json.loads(l) for l in open("torn.jsonl")]' || fail "a torn line survived"

# Two watchers appending to one file never interleave their lines.
"$PQCHA" watch "${watch_args[@]}" --interval 0.02 --count 25 -o shared.jsonl 2>/dev/null &
a=$!
"$PQCHA" watch "${watch_args[@]}" --interval 0.02 --count 25 -o shared.jsonl 2>/dev/null &
b=$!
wait "$a" && wait "$b" || fail "a concurrent watcher failed"
[ "$(wc -l <shared.jsonl)" -eq 50 ] || fail "shared.jsonl has $(wc -l <shared.jsonl) lines"
python3 -c 'import json; [json.loads(l) for l in open("shared.jsonl")]' || fail "interleaved lines"

# A full disk mid-line: the partial line is cut back off, and the error names the file.
if [ -n "${PQCHA_FAULTINJECT:-}" ]; then
  cp shared.jsonl full.jsonl
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    LD_PRELOAD=$PQCHA_FAULTINJECT PQCHA_FAULT=write:1:SHORT \
    "$PQCHA" watch "${watch_args[@]}" --count 1 -o full.jsonl 2>err || rc=$?
  [ "$rc" -eq 4 ] || fail "watch on a full disk exited $rc"
  grep -q "full.jsonl: no space left on device" err || fail "$(cat err)"
  cmp full.jsonl shared.jsonl || fail "a partial line was left in full.jsonl"
fi

echo "ok: watch"
