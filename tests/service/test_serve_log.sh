#!/usr/bin/env bash
# pqcha serve's transparency log over HTTP, as an agent, an auditor and a
# witness meet it: every answer carries a receipt whose proof leads to its
# checkpoint (checked with the hashlib reference, and with
# `pqcha log verify-inclusion` for the signatures); a report sent again keeps
# its index; the public tiles and bundles give the published root; reports
# are served byte for byte; pqcha log mirror copies the log and keeps the
# copy up to date, and the copy audits; a witness's cosignature is taken and served; the
# limits hold; a restart continues the log, and one with another key or
# origin is refused. Runs against SQLite, and PostgreSQL (with_postgres.sh).
# shellcheck disable=SC2154 # srvN_url and srvN_pid are set by start_server
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
log_keys
"$PQCHA" keygen -o witness.pem >/dev/null
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(100000)))' >weights.bin
workload="logged-$$-$RANDOM"
origin="log.example/test-$$"
witness="witness.example/w-$$"
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform file \
  --region weights=weights.bin -o policy.json
new_token
log_options=(--log-key logkey.pem --log-origin "$origin" --log-checkpoint-interval 0)

start_server srv "$db" --token-file token "${log_options[@]}" \
  --log-witness "$witness=witness.pub.pem"
url=$srv_url
assert_contains srv.log "transparency log $origin, 0 entries, 1 witness"

attest() { "$PQCHA" attest --key signer.pem --workload "$workload" --region weights=weights.bin "$@"; }
have_log_cli=0
"$PQCHA" log --help >/dev/null 2>&1 && have_log_cli=1

# post NAME: posts NAME.json, checks its receipt; prints "INDEX SIZE".
post() {
  http POST "$url/v1/reports" "$1.json"
  expect_status 200
  cp body "$1.answer"
  log_check receipt "$1.answer" "$1.json" policy.json "$origin"
  if [ "$have_log_cli" = 1 ]; then
    "$PQCHA" log verify-inclusion --log-key logkey.pub.pem --origin "$origin" \
      --receipt "$1.answer.receipt" >/dev/null 2>"$1.verify" ||
      { cat "$1.verify" >&2; fail "pqcha log verify-inclusion refused the receipt of $1"; }
  fi
}

# ---- every answer carries a receipt ----
challenge "$workload" c1
attest --nonce "$(cat c1.nonce)" -o r1.json
read -r index size < <(post r1)
[ "$index $size" = "0 1" ] || fail "the first receipt is $index of $size"
[ "$(json_get 'j["verdict"]')" = valid ] || fail "not valid"
printf '\xff' | dd of=weights.bin bs=1 seek=4096 conv=notrunc status=none
challenge "$workload" c2
attest --nonce "$(cat c2.nonce)" -o r2.json
read -r index size < <(post r2)
[ "$index $size" = "1 2" ] || fail "the second receipt is $index of $size"
[ "$(json_get 'j["verdict"]')" = drift ] || fail "drift not logged as such"
attest -o r3.json # no challenge: stored as not counting, and logged all the same
read -r index size < <(post r3)
[ "$index $size" = "2 3" ] || fail "the third receipt is $index of $size"
[ "$(json_get 'j["errorName"]')" = NONCE_UNKNOWN ] || fail "r3 not NONCE_UNKNOWN"
[ "$have_log_cli" = 1 ] || echo "note: pqcha log is not built: receipts' signatures not checked here"

# Sent again (an agent whose answer was lost): its entry, not a new one.
cp r1.answer r1.first
read -r index size < <(post r1)
[ "$index $size" = "0 3" ] || fail "a repeated report got $index of $size"
python3 - <<'PY' || fail "a repeated report's receipt names another entry"
import json
first, again = (json.load(open(f)) for f in ("r1.first", "r1.answer"))
assert first["log"]["entry"] == again["log"]["entry"]
del first["log"], again["log"]
assert first == again  # the stored result, as the first time
PY

# ---- the public log: no token needed ----
log_check get "$url/v1/log" checkpoint checkpoint.txt >status.txt
read -r status cache <status.txt
[ "$status" = 200 ] || fail "GET /v1/log/checkpoint without a token: $status"
[ "$cache" = "public, max-age=5" ] || fail "checkpoint Cache-Control: $cache"
read -r cp_size cp_root < <(log_check checkpoint checkpoint.txt)
[ "$cp_size" = 3 ] || fail "the published checkpoint has size $cp_size"
log_check tree "$url/v1/log" "$cp_size" "$cp_root"
# Reports, content-addressed, byte for byte.
sha=$(sha256sum r2.json | cut -d' ' -f1)
read -r status cache < <(log_check get "$url/v1/log" "report/$sha" served.json)
[ "$status $cache" = "200 public, max-age=31536000, immutable" ] || fail "report: $status $cache"
cmp -s served.json r2.json || fail "the served report differs from the posted one"
log_check entries "$url/v1/log" 3 >entries.txt
[ "$(sed -n 2p entries.txt)" = "$sha" ] || fail "entry 1 does not name r2"
for path in report/0000000000000000000000000000000000000000000000000000000000000000 \
  "report/$(echo "$sha" | tr a-f A-F)" tile/0/000.p/4 tile/0/001 tile/entries/000.p/4 \
  tile/0/00 tile/1/000 nothing; do
  read -r status _ < <(log_check get "$url/v1/log" "$path" out.bin)
  [ "$status" = 404 ] || fail "GET /v1/log/$path: $status, expected 404"
done
TOKEN='' http POST "$url/v1/log/tile/0/000.p/3" r1.json
expect_status 405

# ---- a mirror, made and brought up to date by pqcha log mirror, audited ----
# mirror_and_audit URL NEW: mirrors into mirror/, NEW entries fetched; audits it.
mirror_and_audit() {
  if [ "$have_log_cli" = 0 ]; then return 0; fi
  "$PQCHA" log mirror --log "$1" --log-key logkey.pub.pem --origin "$origin" mirror \
    >mirror.out 2>&1 || { cat mirror.out >&2; fail "pqcha log mirror failed"; }
  assert_contains mirror.out "MIRRORED: mirror holds the log of $cp_size entries ($2 new)"
  "$PQCHA" log audit --log-key logkey.pub.pem --origin "$origin" --policy policy.json mirror \
    >audit.out 2>&1 || { cat audit.out >&2; fail "the mirror does not audit"; }
  assert_contains audit.out "AUDIT OK: the mirror holds the log of $cp_size entries"
}
mirror_and_audit "$url" 3
assert_contains audit.out "PASS  signatures: 3 verified"

# ---- witnesses ----
printf 'not a note\n' >garbage.txt
TOKEN='' http POST "$url/v1/log/cosignature" garbage.txt "Content-Type: text/plain"
expect_status 400
python3 -c 'import sys; sys.stdout.write("a" * (300 << 10))' >huge.txt
TOKEN='' http POST "$url/v1/log/cosignature" huge.txt "Content-Type: text/plain"
expect_status 413
if "$PQCHA" witness --help >/dev/null 2>&1; then
  "$PQCHA" witness --log "$url" --log-key logkey.pub.pem --origin "$origin" \
    --key witness.pem --name "$witness" --state witness.state --once 2>witness.log ||
    { cat witness.log >&2; fail "pqcha witness did not cosign the log"; }
  log_check get "$url/v1/log" checkpoint cosigned.txt >/dev/null
  assert_contains cosigned.txt "— $witness "
  assert_contains cosigned.txt "— $origin "
  if [ "$have_log_cli" = 1 ]; then
    "$PQCHA" log verify-inclusion --log-key logkey.pub.pem --origin "$origin" \
      --witness "$witness=witness.pub.pem" --min-witnesses 1 --checkpoint cosigned.txt \
      --receipt r3.answer.receipt >/dev/null || fail "the cosigned checkpoint does not verify"
  fi
else
  echo "note: pqcha witness is not built: cosigning over HTTP not run (test_log.c covers it)"
fi

# ---- the agent keeps its receipts ----
mkdir conf
write_agent_config() {
  cat >conf/agent.json <<EOF
{"verifier": "$1", "tokenFile": "../token", "key": "../signer.pem",
 "workload": "$workload", "platform": "file", "regions": ["weights=../weights.bin"],
 "interval": 0, "spool": {"dir": "../spool"}, "receipts": "../receipts.jsonl"}
EOF
}
write_agent_config "$url"
"$PQCHA" agent --config conf/agent.json --rounds 2 2>agent.log ||
  { cat agent.log >&2; fail "the agent did not deliver"; }
assert_contains agent.log "log entry 3"
[ "$(wc -l <receipts.jsonl)" = 2 ] || fail "the agent kept $(wc -l <receipts.jsonl) receipts for 2 reports"
[ "$(log_check receipts receipts.jsonl "$origin" | tr '\n' ' ')" = "3 4 " ] ||
  fail "the agent's receipts are not entries 3 and 4"
if [ "$have_log_cli" = 1 ]; then
  tail -n1 receipts.jsonl >last.receipt
  "$PQCHA" log verify-inclusion --log-key logkey.pub.pem --origin "$origin" \
    --receipt last.receipt >/dev/null || fail "an agent's receipt does not verify"
fi

# ---- metrics ----
http GET "$url/metrics"
assert_contains body "pqcha_log_entries 5"
assert_contains body 'pqcha_log_checkpoints_total{event="published"}'
assert_contains body 'pqcha_log_cosignatures_total{outcome="refused"} 1'
# The mirror brought up to date: only the new entries' reports fetched.
log_check get "$url/v1/log" checkpoint checkpoint.txt >/dev/null
read -r cp_size cp_root < <(log_check checkpoint checkpoint.txt)
mirror_and_audit "$url" $((cp_size - 3))
[ "$have_log_cli" = 0 ] || assert_contains mirror.out "$((cp_size - 3)) reports fetched"

# ---- restarts: the same log continues; another key or origin is refused ----
stop_server "$srv_pid" TERM || fail "pqcha serve did not exit 0"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --listen 127.0.0.1:0 \
  --log-key logkey.pem --log-origin "log.example/another-$$"
assert_contains err "signed with another key or for another origin"
"$PQCHA" keygen -o otherkey.pem >/dev/null
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --listen 127.0.0.1:0 \
  --log-key otherkey.pem --log-origin "$origin"
assert_contains err "signed with another key or for another origin"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --log-key logkey.pem
assert_contains err "--log-key and --log-origin go together"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --log-key logkey.pem \
  --log-origin "has space"
assert_contains err "--log-origin"
start_server plain "$db" --token-file token
# A verifier without a log: the agent says its report came without a receipt.
write_agent_config "$plain_url"
"$PQCHA" agent --config conf/agent.json --once 2>agent.log ||
  { cat agent.log >&2; fail "the agent did not deliver"; }
assert_contains agent.log "NO RECEIPT"
assert_contains agent.log "1 delivered report came without a receipt"
stop_server "$plain_pid" TERM || true
assert_contains plain.log "keeps a transparency log of 5 entries"
start_server srv2 "$db" --token-file token "${log_options[@]}"
url=$srv2_url
attest -o r4.json
read -r index size < <(post r4)
# (the report the agent delivered meanwhile to a server without a log is not in it)
[ "$index $size" = "5 6" ] || fail "after a restart the log went on at $index of $size"
log_check get "$url/v1/log" checkpoint checkpoint.txt >/dev/null
read -r cp_size cp_root < <(log_check checkpoint checkpoint.txt)
log_check tree "$url/v1/log" "$cp_size" "$cp_root"
mirror_and_audit "$url" 1
stop_server "$srv2_pid" TERM || fail "pqcha serve did not exit 0"
echo "ok: transparency log over HTTP (store ${db%%:*})"
