#!/usr/bin/env bash
# pqcha agent following a restarted inference server through "pidFile": the
# stand-in server (tests/helpers/model_server_sim) maps the model and its PID
# is in a file, as a service manager writes it; the agent attests it to
# pqcha serve; the server is killed and started again (a new PID, the file
# rewritten); the agent measures the new process without a reload, and the
# verifier trusts it again. The agent starts before the server has written
# its PID, and waits for it. Synchronised on the helper's "ready" line, the
# agent's log and the verifier's state, never on time alone.
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"
sim="$PQCHA_BUILD/model_server_sim"
[ -x "$sim" ] || fail "missing $sim"
[ -r /proc/self/maps ] || { echo "skip: no /proc"; exit 77; }

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
workload="pid-file-$$-$RANDOM" # its own id, also on a shared PostgreSQL database
"$PQCHA" keygen -o signer.pem >/dev/null
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 11 + 7) % 251 for i in range(200003)))' >model.bin
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform process \
  --region model.bin=model.bin -o policy.json
new_token
start_server srv "$db" --token-file token
url=$srv_url

# start_sim NAME: a stand-in server mapping model.bin, once it says "ready";
# its PID in server.pid (written whole: a temporary file renamed over it).
start_sim() {
  mkfifo "$1.out"
  "$sim" --ro "$PWD/model.bin" >"$1.out" </dev/null &
  sim_pid=$!
  cleanup_hooks+=("kill -9 $sim_pid 2>/dev/null")
  local line ready=0
  while read -r line; do
    if [ "$line" = ready ]; then ready=1; break; fi
  done <"$1.out"
  [ "$ready" = 1 ] || fail "model_server_sim did not start"
  printf '%s\n' "$sim_pid" >server.pid.new && mv server.pid.new server.pid
}

# wait_for WHAT COMMAND...: until COMMAND succeeds; fails after a generous
# bound (the condition, not the time, is what the test is about).
wait_for() {
  local what=$1 i
  shift
  for ((i = 0; i < 1200; i++)); do
    "$@" && return 0
    kill -0 "$agent_pid" 2>/dev/null || { cat agent.log >&2; fail "the agent exited: $what"; }
    sleep 0.1
  done
  cat agent.log >&2
  fail "timed out waiting: $what"
}
report_count() {
  http GET "$url/v1/workloads/$workload"
  [ "$(cat status)" = 200 ] && json_get 'j["reportCount"]' || echo 0
}
trusted_with_more_than() {
  http GET "$url/v1/workloads/$workload"
  [ "$(cat status)" = 200 ] && [ "$(json_get 'j["state"]')" = trusted ] &&
    [ "$(json_get 'j["reportCount"]')" -gt "$1" ]
}

mkdir conf
cat >conf/agent.json <<EOF
{
  "verifier": "$url",
  "tokenFile": "../token",
  "key": "../signer.pem",
  "workload": "$workload",
  "pidFile": "../server.pid",
  "map": ["*model.bin"],
  "interval": 0.2,
  "spool": {"dir": "../spool"}
}
EOF
"$PQCHA" agent --config conf/agent.json 2>agent.log &
agent_pid=$!
cleanup_hooks+=("kill -9 $agent_pid 2>/dev/null")
# Started before the server (no PID file yet), as a service manager may
# start them: the agent waits rather than exit, making no report meanwhile.
wait_for "the agent to wait for a process" grep -q "no process to measure yet" agent.log
wait_for "a round without a process" grep -q "no report (no process to measure" agent.log
[ "$(report_count)" = 0 ] || fail "a report was made while no process ran"
start_sim first
first_pid=$sim_pid
wait_for "a first trusted report" trusted_with_more_than 0
assert_contains agent.log "pid $first_pid"

# The server restarts: a new process, a new PID in the file.
kill -9 "$first_pid"
wait "$first_pid" 2>/dev/null || true
start_sim second
[ "$sim_pid" != "$first_pid" ] || fail "the restarted server has the same PID"
wait_for "the agent to follow the new PID" grep -q "names pid $sim_pid: measuring that process now" agent.log
before=$(report_count)
wait_for "a trusted report of the new process" trusted_with_more_than "$before"
stop_server "$agent_pid" || fail "the agent did not stop cleanly on SIGTERM"
# Reports of the first process, none of another workload's, and the state
# history: trusted throughout (the rounds while no process answered made
# no report, so nothing went stale or drifted).
http GET "$url/v1/events?workload=$workload"
[ "$(json_get '[(e["from"], e["to"]) for e in j["events"]]')" = "[('unknown', 'trusted')]" ] ||
  { cat body >&2; fail "the restart moved the workload's state"; }
echo "ok: the agent follows the server's PID file"
