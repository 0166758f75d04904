#!/usr/bin/env bash
# pqcha serve --webhook: every state change is POSTed to the operator's
# endpoint with its bearer token, and a failing endpoint is retried until it
# answers 2xx; an event not yet delivered survives a stop and a kill -9 of
# the server, and the next start delivers it. The receiver is a small
# python3 HTTP server that fails its first request, and every request while
# hook.mode says "fail".
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
"$PQCHA" keygen -o signer.pem >/dev/null
head -c 100000 /dev/urandom >weights.bin
workload="hooked-$$-$RANDOM"
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform file \
  --region weights=weights.bin -o policy.json
printf 'hook-secret-%s-0123456789\n' "$$" >hook.token && chmod 600 hook.token

python3 - <<'PY' &
import http.server, json, threading
calls = {"n": 0}
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        calls["n"] += 1
        failing = open("hook.mode").read().strip() == "fail"
        status = 500 if calls["n"] == 1 else 503 if failing else 200  # the first attempt fails
        with open("hook.log", "a") as log:
            log.write(json.dumps({"status": status, "auth": self.headers.get("Authorization"),
                                  "type": self.headers.get("Content-Type"),
                                  "event": json.loads(body)}) + "\n")
        self.send_response(status)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
open("hook.port.tmp", "w").write(str(server.server_port))
__import__("os").rename("hook.port.tmp", "hook.port")
server.serve_forever()
PY
receiver=$!
echo ok >hook.mode
cleanup_hooks+=("kill $receiver 2>/dev/null")
while [ ! -s hook.port ]; do sleep 0.05; done

start_server srv "$db" --webhook "http://127.0.0.1:$(cat hook.port)/events" \
  --webhook-token-file hook.token
url=$srv_url

challenge "$workload" c1
"$PQCHA" attest --key signer.pem --workload "$workload" --region weights=weights.bin \
  --nonce "$(cat c1.nonce)" -o r1.json
http POST "$url/v1/reports" r1.json
expect_status 200

# Waits for delivery (the retry comes after a backoff of about a second);
# the bound only keeps a broken build from hanging the suite.
for _ in $(seq 600); do
  grep -q '"status": 200' hook.log 2>/dev/null && break
  sleep 0.1
done
python3 - "$workload" "$(cat hook.token)" <<'PY'
import json, sys
workload, token = sys.argv[1], sys.argv[2]
calls = [json.loads(l) for l in open("hook.log")]
assert [c["status"] for c in calls] == [500, 200], calls  # retried once, then delivered
for c in calls:
    assert c["auth"] == "Bearer " + token, c["auth"]
    assert c["type"] == "application/json"
    e = c["event"]
    assert e["workload"] == workload and e["from"] == "unknown" and e["to"] == "trusted", e
    assert e["detail"]["verdict"] == "valid" and e["seq"] >= 1
PY
http GET "$url/metrics"
assert_contains body 'pqcha_webhook_events_total{outcome="delivered"} 1'
assert_contains body 'pqcha_webhook_retries_total 1'
assert_contains body 'pqcha_webhook_pending 0'

# ---- an event the endpoint has not taken survives restarts ----
# wait_for_calls N: until the receiver has answered N requests.
wait_for_calls() {
  for _ in $(seq 600); do
    [ "$(wc -l <hook.log)" -ge "$1" ] && return 0
    sleep 0.1
  done
  fail "the webhook was not called $1 times"
}
echo fail >hook.mode
head -c 100000 /dev/urandom >weights.bin # the memory changed: trusted -> drifted
challenge "$workload" c2
"$PQCHA" attest --key signer.pem --workload "$workload" --region weights=weights.bin \
  --nonce "$(cat c2.nonce)" -o r2.json
http POST "$url/v1/reports" r2.json
expect_status 200
wait_for_calls 3
stop_server "$srv_pid" TERM || fail "pqcha serve did not exit 0"
assert_contains srv.log "webhook: 1 events wait in the database for the next start"
start_server again "$db" --webhook "http://127.0.0.1:$(cat hook.port)/events" \
  --webhook-token-file hook.token
calls=$(wc -l <hook.log)
wait_for_calls $((calls + 1)) # tried again by the new process, and refused again
stop_server "$again_pid" KILL || true
echo ok >hook.mode
start_server third "$db" --webhook "http://127.0.0.1:$(cat hook.port)/events" \
  --webhook-token-file hook.token
url=$third_url
for _ in $(seq 600); do
  [ "$(tail -n 1 hook.log | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = 200 ] && break
  sleep 0.1
done
python3 - "$workload" <<'PY'
import json, sys
calls = [json.loads(l) for l in open("hook.log")]
drift = [c for c in calls if c["event"]["to"] == "drifted"]
assert drift and all(c["event"]["workload"] == sys.argv[1] for c in drift), calls
assert [c["status"] for c in drift][-1] == 200, drift  # delivered at last, by the third process
assert all(c["status"] == 503 for c in drift[:-1]) and len(drift) >= 3, drift
assert len({c["event"]["seq"] for c in drift}) == 1, drift  # one event, sent again
PY
http GET "$url/metrics"
assert_contains body 'pqcha_webhook_pending 0'
stop_server "$third_pid" TERM || fail "pqcha serve did not exit 0"
"$PQCHA" serve --policy policy.json --db "$db" --webhook ftp://x >out 2>err && fail "ftp webhook accepted"
assert_contains err "--webhook needs an http:// or https:// URL"
echo "ok: webhook delivered after one retry, and across a stop and a kill -9"
