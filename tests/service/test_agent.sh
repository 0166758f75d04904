#!/usr/bin/env bash
# pqcha agent end to end against pqcha serve: rounds delivered; the verifier
# down (reports spooled, on disk) and back (the spool drained oldest first,
# nothing stored twice); drift; kill -9 of the verifier mid-run; several
# agents at once; the spool's bound; refusals (a report the verifier will
# never take, a wrong token); configuration errors and SIGHUP; HTTPS with
# the verifier's CA. Runs against SQLite, and against PostgreSQL when
# PQCHA_TEST_STORE_URL is set (with_postgres.sh). No timing assertions:
# waits are for log lines.
# shellcheck disable=SC2154 # srvN_url and srvN_pid are set by start_server
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
"$PQCHA" keygen -o signer.pem >/dev/null
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(200000)))' >weights.bin
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 5 + 1) % 241 for i in range(50000)))' >other.bin
cp weights.bin weights.orig
tag="$$-$RANDOM" # ids of this run only, also on a shared PostgreSQL database
workload="agent-$tag"
others=("agent-b-$tag" "agent-c-$tag" "agent-d-$tag")

# One policy for every workload: weights.bin for the first, other.bin for the rest.
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform file \
  --region weights=weights.bin -o p0.json
for w in "${others[@]}"; do
  "$PQCHA" policy --workload "$w" --trust signer.pub.pem --platform file \
    --region weights=other.bin -o "p-$w.json"
done
python3 - p0.json p-*.json <<'PY'
import json, sys
merged = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    merged["workloads"].update(json.load(open(path))["workloads"])
json.dump(merged, open("policy.json", "w"), indent=1)
PY
new_token

# Configurations live in conf/ and name everything relative to it, while the
# agent runs from the work directory: relative paths are the file's.
mkdir conf
# write_config NAME WORKLOAD REGION_FILE SPOOL_DIR [MORE_SPOOL_MEMBERS]: conf/NAME.json
write_config() {
  cat >"conf/$1.json" <<EOF
{
  "verifier": "$url",
  "tokenFile": "../${token_file:-token}",
  "key": "../signer.pem",
  "workload": "$2",
  "platform": "file",
  "regions": ["weights=../$3"],
  "interval": 0,
  "spool": {"dir": "../$4"${5:+, $5}}
}
EOF
}
# (in the background, "$PQCHA" agent itself: $! must be its pid, not a subshell's)
agent() { "$PQCHA" agent "$@"; }
spooled() { find "$1" -maxdepth 1 -name '*.report' | wc -l; }
# workload ID EXPR: a field of GET /v1/workloads/ID
workload_field() {
  http GET "$url/v1/workloads/$1"
  expect_status 200
  json_get "$2"
}
# reports ID EXPR: EXPR over the workload's report listing, oldest first
reports() {
  http GET "$url/v1/workloads/$1/reports?limit=1000"
  expect_status 200
  json_get "$2"
}
# sha3-256 digests of a spool's reports, oldest (lowest name) first: the
# verifier identifies a report by the digest of its exact bytes.
spool_digests() {
  python3 - "$1" <<'PY'
import glob, hashlib, sys
print([hashlib.sha3_256(open(p, "rb").read()).hexdigest()
       for p in sorted(glob.glob(sys.argv[1] + "/*.report"))])
PY
}
# wait_for_lines FILE PATTERN N PID: until FILE has N lines matching, while PID runs.
wait_for_lines() {
  until [ "$(grep -c -- "$2" "$1" || true)" -ge "$3" ]; do
    kill -0 "$4" 2>/dev/null || { cat "$1" >&2; fail "the agent exited waiting for '$2'"; }
    sleep 0.05
  done
}

start_server srv "$db" --token-file token
url=$srv_url

# ---- (1) rounds delivered: three reports stored, the workload trusted ----
write_config main "$workload" weights.bin spool
expect_exit 0 agent --config conf/main.json --rounds 3
[ "$(grep -c 'verdict valid (OK)' err)" = 3 ] || { cat err >&2; fail "three valid rounds expected"; }
assert_contains err "spool 0, dropped 0"
[ "$(workload_field "$workload" 'j["reportCount"]')" = 3 ] || fail "three reports not stored"
[ "$(workload_field "$workload" 'j["state"]')" = trusted ] || fail "workload not trusted"
[ "$(spooled spool)" = 0 ] || fail "delivered reports left in the spool"
stat -c %a spool | grep -qx 700 || fail "the spool directory is not private"

# ---- (2) the verifier down: each round's report waits in the spool ----
stop_server "$srv_pid" TERM
expect_exit 4 agent --config conf/main.json --rounds 2 # 4: reports left undelivered
[ "$(spooled spool)" = 2 ] || { ls -la spool >&2; fail "two reports expected in the spool"; }
[ "$(grep -c 'kept in the spool: no answer' err)" = 2 ] || { cat err >&2; fail "rounds not logged as kept"; }
assert_contains err "random nonce"
assert_contains err "2 waiting in the spool"
spool_digests spool >spooled.digests

# ---- (3) back: the spool drains oldest first, then the round's own report ----
start_server srv2 "$db" --token-file token
url=$srv2_url
write_config main "$workload" weights.bin spool
expect_exit 0 agent --config conf/main.json --once
assert_contains err "2 spooled reports delivered"
[ "$(spooled spool)" = 0 ] || fail "the spool was not drained"
[ "$(reports "$workload" 'len(j["reports"])')" = 6 ] || { cat body >&2; fail "six reports expected"; }
[ "$(reports "$workload" 'len(set(r["digest"] for r in j["reports"]))')" = 6 ] || fail "a report stored twice"
[ "$(reports "$workload" '[r["digest"] for r in j["reports"]][3:5]')" = "$(cat spooled.digests)" ] ||
  fail "the spool was not delivered oldest first"
# The spooled reports answer no challenge: stored, but they do not count.
[ "$(reports "$workload" '[r["outcome"] for r in j["reports"]]')" = \
  "['valid', 'valid', 'valid', 'ignored', 'ignored', 'valid']" ] || { cat body >&2; fail "outcomes"; }
[ "$(workload_field "$workload" 'j["reportCount"]')" = 4 ] || fail "reportCount after the drain"

# ---- (4) tampered memory: the next round's verdict is drift ----
printf '\xff' | dd of=weights.bin bs=1 seek=4096 conv=notrunc status=none
expect_exit 0 agent --config conf/main.json --once
assert_contains err "verdict drift (MEMORY_DRIFT)"
[ "$(workload_field "$workload" 'j["state"]')" = drifted ] || fail "workload not drifted"
cp weights.orig weights.bin
total=7

# ---- (5) kill -9 of the verifier mid-run: acknowledged reports stored once ----
"$PQCHA" agent --config conf/main.json --rounds 100000 --interval 0.05 2>agent5.log &
agent_pid=$!
cleanup_hooks+=("kill -9 $agent_pid 2>/dev/null")
wait_for_lines agent5.log 'verdict valid' 3 "$agent_pid"
stop_server "$srv2_pid" KILL || true
wait_for_lines agent5.log 'kept in the spool: no answer' 2 "$agent_pid"
kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
[ "$status" = 0 ] || { cat agent5.log >&2; fail "SIGTERM: exit $status, expected 0"; }
assert_contains agent5.log "stopping after"
rounds=$(grep -c ': round ' agent5.log)
start_server srv3 "$db" --token-file token
url=$srv3_url
write_config main "$workload" weights.bin spool
expect_exit 0 agent --config conf/main.json --once
[ "$(spooled spool)" = 0 ] || fail "the spool was not drained after the restart"
total=$((total + rounds + 1))
[ "$(reports "$workload" 'len(j["reports"])')" = "$total" ] ||
  fail "$(reports "$workload" 'len(j["reports"])') reports stored, expected $total"
[ "$(reports "$workload" 'len(set(r["digest"] for r in j["reports"]))')" = "$total" ] ||
  fail "a report was stored twice"
[ "$(workload_field "$workload" 'j["state"]')" = trusted ] || fail "not trusted after the restart"

# ---- (6) three agents at once, one workload each ----
pids=()
for w in "${others[@]}"; do
  write_config "$w" "$w" other.bin "spool-$w"
  "$PQCHA" agent --config "conf/$w.json" --rounds 4 2>"agent-$w.log" &
  pids+=($!)
done
for i in 0 1 2; do
  status=0
  wait "${pids[$i]}" || status=$?
  [ "$status" = 0 ] || { cat "agent-${others[$i]}.log" >&2; fail "agent ${others[$i]}: exit $status"; }
done
for w in "${others[@]}"; do
  [ "$(workload_field "$w" 'j["reportCount"]')" = 4 ] || fail "$w: four reports not stored"
  [ "$(workload_field "$w" 'j["state"]')" = trusted ] || fail "$w: not trusted"
done

# ---- (7) the spool's bound: the oldest dropped and counted ----
write_config bounded "$workload" weights.bin spool7 '"maxReports": 2'
stop_server "$srv3_pid" TERM
expect_exit 4 agent --config conf/bounded.json --rounds 4
[ "$(spooled spool7)" = 2 ] || { ls -la spool7 >&2; fail "the bound of 2 reports was not kept"; }
if [ ! -f spool7/00000000000000000003.report ] || [ ! -f spool7/00000000000000000004.report ]; then
  ls -la spool7 >&2
  fail "not the newest two kept"
fi
[ "$(cat spool7/dropped)" = 2 ] || fail "dropped count: $(cat spool7/dropped)"
assert_contains err "spool 2, dropped 2"
# The count survives a restart (and shows in the first line).
expect_exit 4 agent --config conf/bounded.json --once
assert_contains err "(dropped so far: 2)"
assert_contains err "spool 2, dropped 3"

start_server srv4 "$db" --token-file token
url=$srv4_url

# ---- refusals: a report never taken leaves the spool; a bad token keeps it ----
write_config main "$workload" weights.bin spool
printf 'this is no report' >spool/00000000000000000001.report
expect_exit 4 agent --config conf/main.json --once # 4: a report was refused
assert_contains err "refused a report for good (HTTP 400"
assert_contains err "verdict valid (OK)"
[ "$(spooled spool)" = 0 ] || fail "a refused report stayed in the spool"
printf 'wrong-token-0123456789abcdef\n' >badtoken && chmod 600 badtoken
token_file=badtoken write_config badtoken "$workload" weights.bin spool
expect_exit 4 agent --config conf/badtoken.json --once
assert_contains err "kept in the spool: HTTP 401 UNAUTHORIZED"
[ "$(spooled spool)" = 1 ] || fail "a report refused for a bad token was not kept"
expect_exit 0 agent --config conf/main.json --once
assert_contains err "1 spooled report delivered"
[ "$(spooled spool)" = 0 ] || fail "the report kept for a bad token was not delivered"

# ---- (8) configuration errors name the key; SIGHUP with a bad one goes on ----
bad_config() {
  printf '%s\n' "$1" >conf/bad.json
  expect_exit 4 agent --config conf/bad.json --once
  assert_contains err "$2"
}
good='"verifier": "'$url'", "key": "../signer.pem", "workload": "'$workload'", "regions": ["weights=../weights.bin"]'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\"}, \"bogus\": 1}" 'unknown key "bogus"'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\", \"max\": 1}}" 'unknown key "spool.max"'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\"}, \"interval\": \"10\"}" '"interval": expected'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\"}, \"pid\": -1}" '"pid": expected'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\"}, \"workload\": \"x\"}" "duplicate object key"
bad_config "{$good}" 'missing "spool"'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\"}, \"platform\": \"tpm\"}" '"platform": expected'
bad_config "{$good, \"spool\": {\"dir\": \"../s8\"}" "line "
expect_exit 4 agent --config conf/missing.json
expect_exit 4 agent --rounds 1
assert_contains err "--config FILE is required"
expect_exit 0 agent --help
assert_contains out "SIGHUP reloads"
# Another agent on a spool in use is refused.
write_config main "$workload" weights.bin spool
cp conf/main.json conf/live.json
"$PQCHA" agent --config conf/live.json --interval 0.1 2>agent8.log &
agent_pid=$!
cleanup_hooks+=("kill -9 $agent_pid 2>/dev/null")
wait_for_lines agent8.log ': round 1:' 1 "$agent_pid"
expect_exit 4 agent --config conf/main.json --once
assert_contains err "in use by another pqcha agent"
printf '{"verifier": "%s", "bogus": true}\n' "$url" >conf/live.json
kill -HUP "$agent_pid"
wait_for_lines agent8.log 'was refused; still running the previous one' 1 "$agent_pid"
assert_contains agent8.log 'unknown key "bogus"'
rounds_then=$(grep -c ': round ' agent8.log)
wait_for_lines agent8.log ': round ' $((rounds_then + 2)) "$agent_pid"
cp conf/main.json conf/live.json
kill -HUP "$agent_pid"
wait_for_lines agent8.log 'reloaded conf/live.json' 1 "$agent_pid"
rounds_then=$(grep -c ': round ' agent8.log)
wait_for_lines agent8.log ': round ' $((rounds_then + 1)) "$agent_pid"
kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
[ "$status" = 0 ] || { cat agent8.log >&2; fail "SIGTERM after reloads: exit $status"; }
if grep ': round ' agent8.log | grep -v 'verdict valid (OK)'; then
  fail "a round went wrong around the reloads"
fi
stop_server "$srv4_pid" TERM || fail "pqcha serve did not stop cleanly"

# ---- (9) HTTPS: the verifier's certificate checked against caFile ----
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout tls.key -out tls.pem 2>/dev/null
  start_server tls "$db" --token-file token --tls-cert tls.pem --tls-key tls.key
  url=https://127.0.0.1:$(cat tls.port)
  write_config https "$workload" weights.bin spool9
  expect_exit 4 agent --config conf/https.json --once # not trusted: kept
  assert_contains err "kept in the spool: no answer: SSL certificate problem"
  sed 's|"verifier": |"caFile": "../tls.pem", "verifier": |' conf/https.json >conf/https-ca.json
  expect_exit 0 agent --config conf/https-ca.json --once
  assert_contains err "1 spooled report delivered"
  assert_contains err "verdict valid (OK)"
  [ "$(spooled spool9)" = 0 ] || fail "HTTPS: the spool was not drained"
  stop_server "$tls_pid" TERM || fail "pqcha serve (HTTPS) did not stop cleanly"
else
  echo "note: no openssl command: HTTPS not tested"
fi
echo "ok: pqcha agent (store ${db%%:*})"
