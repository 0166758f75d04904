#!/usr/bin/env bash
# pqcha serve end to end over HTTP, as an operator and an agent meet it:
# challenge, attest, post, verdict and state; replay, idempotency, tampering;
# refusals (token, type, size, garbage); kill -9 and restart; SIGHUP reload.
# Runs against SQLite, and against PostgreSQL when PQCHA_TEST_STORE_URL is
# set (with_postgres.sh).
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
"$PQCHA" keygen -o signer.pem >/dev/null
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(200000)))' >weights.bin
workload="serving-$$-$RANDOM"  # its own id, also on a shared PostgreSQL database
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform file \
  --region weights=weights.bin -o policy.json
new_token

start_server srv "$db" --token-file token
url=$srv_url

attest() { "$PQCHA" attest --key signer.pem --workload "$workload" --region weights=weights.bin "$@"; }

# ---- the happy path: challenge, attest, post → valid, trusted ----
challenge "$workload" c1
attest --nonce "$(cat c1.nonce)" -o r1.json
http POST "$url/v1/reports" r1.json
expect_status 200
[ "$(json_get 'j["verdict"]')" = valid ] || fail "a fresh report is not valid"
cp body r1.answer
http GET "$url/v1/workloads/$workload"
expect_status 200
[ "$(json_get 'j["state"]')" = trusted ] || fail "workload not trusted after a valid report"

# The same report again: stored once, answered the same (idempotent delivery).
http POST "$url/v1/reports" r1.json
expect_status 200
cmp -s body r1.answer || fail "a repeated report was answered differently"
http GET "$url/v1/workloads/$workload"
[ "$(json_get 'j["reportCount"]')" = 1 ] || fail "a repeated report was stored twice"

# Another report answering the used challenge: a replay, refused, state kept.
attest --nonce "$(cat c1.nonce)" -o r1b.json
http POST "$url/v1/reports" r1b.json
expect_status 200
[ "$(json_get 'j["verdict"]')" = rejected ] || fail "a second answer to one challenge was accepted"
[ "$(json_get 'j["errorName"]')" = NONCE_USED ] || fail "replay not reported as NONCE_USED"
# A nonce the server never issued.
attest --nonce 00112233445566778899aabbccddeeff -o r_unknown.json
http POST "$url/v1/reports" r_unknown.json
[ "$(json_get 'j["errorName"]')" = NONCE_UNKNOWN ] || fail "an unissued nonce was accepted"
http GET "$url/v1/workloads/$workload"
[ "$(json_get 'j["state"]')" = trusted ] || fail "a replay moved the workload's state"

# A report signed by a key the policy does not trust: rejected, moves nothing.
"$PQCHA" keygen -o stranger.pem >/dev/null
challenge "$workload" c2
"$PQCHA" attest --key stranger.pem --workload "$workload" --region weights=weights.bin \
  --nonce "$(cat c2.nonce)" -o forged.json
http POST "$url/v1/reports" forged.json
expect_status 200
[ "$(json_get 'j["errorName"]')" = UNTRUSTED_KEY ] || fail "a stranger's report was not refused"
http GET "$url/v1/workloads/$workload"
[ "$(json_get 'j["state"]')" = trusted ] || fail "an unauthenticated report moved the state"

# ---- tampering: drift, with the event on the timeline ----
printf '\xff' | dd of=weights.bin bs=1 seek=4096 conv=notrunc status=none
attest --nonce "$(cat c2.nonce)" -o r2.json  # the forgery did not use up c2
http POST "$url/v1/reports" r2.json
expect_status 200
[ "$(json_get 'j["verdict"]')" = drift ] || fail "tampered memory was not reported as drift"
http GET "$url/v1/workloads/$workload"
[ "$(json_get 'j["state"]')" = drifted ] || fail "workload not drifted after drift"
assert_contains srv.log "workload $workload: trusted -> drifted"  # the operator's log
http GET "$url/v1/events?workload=$workload"
expect_status 200
[ "$(json_get '[(e["from"], e["to"]) for e in j["events"]]')" = "[('unknown', 'trusted'), ('trusted', 'drifted')]" ] ||
  { cat body >&2; fail "events do not record the transitions"; }
[ "$(json_get 'j["events"][1]["detail"]["drift"]')" = "['weights']" ] || fail "event lacks the drifted region"
http GET "$url/v1/workloads/$workload/reports?limit=2"
expect_status 200
[ "$(json_get 'len(j["reports"])')" = 2 ] || fail "limit not applied"
http GET "$url/v1/workloads/$workload/reports?since=2000-01-01T00:00:00Z&limit=1000"
[ "$(json_get '[r["outcome"] for r in j["reports"]]')" = "['valid', 'ignored', 'ignored', 'ignored', 'drift']" ] ||
  { cat body >&2; fail "reports listing"; }
http GET "$url/v1/workloads/$workload/reports?since=yesterday"
expect_status 400

# ---- metrics ----
http GET "$url/metrics"
expect_status 200
for line in 'pqcha_reports_total{verdict="valid"} 1' 'pqcha_reports_total{verdict="drift"} 1' \
            'pqcha_report_rejections_total{reason="NONCE_USED"}' 'pqcha_drift_events_total 1' \
            'pqcha_workloads{state="drifted"}' 'pqcha_verify_seconds_bucket{le="+Inf"}' 'pqcha_store_up 1'; do
  assert_contains body "$line"
done

# ---- refusals: each a 4xx, and the server keeps serving ----
TOKEN= http GET "$url/v1/workloads"
expect_status 401
TOKEN=wrong-token-0123456789 http GET "$url/v1/workloads"
expect_status 401
TOKEN= http GET "$url/healthz"
expect_status 200
http POST "$url/v1/reports" r1.json "Content-Type: text/plain"
expect_status 415
printf 'not json at all' >garbage.json
http POST "$url/v1/reports" garbage.json
expect_status 400
[ "$(json_get 'j["verdict"]')" = malformed ] || fail "garbage not answered as malformed"
head -c "$(($(stat -c %s r2.json) / 2))" r2.json >truncated.json
http POST "$url/v1/reports" truncated.json
expect_status 400
python3 -c 'import sys; sys.stdout.write("{\"x\":\"" + "a" * (17 << 20) + "\"}")' >huge.json
http POST "$url/v1/reports" huge.json
expect_status 413
printf '{"workload": "no-such-workload"}' >req.json
http POST "$url/v1/challenge" req.json
expect_status 404
printf '{"workload": "%s", "extra": 1}' "$workload" >req.json
http POST "$url/v1/challenge" req.json
expect_status 400
http GET "$url/v1/reports"
expect_status 405
http GET "$url/nothing-here"
expect_status 404
# A slow client (headers never finished) holds nothing: others are served.
python3 - "$srv_url" <<'PY' &
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection(("127.0.0.1", int(port)))
s.sendall(b"POST /v1/reports HTTP/1.1\r\nHost: x\r\n")
time.sleep(3)
PY
slow=$!
http GET "$url/healthz"
expect_status 200
kill "$slow" 2>/dev/null || true
wait "$slow" 2>/dev/null || true
# A request's head of a few KiB (a long token, a proxy's headers) is served;
# one past the connection's memory is refused, and the server keeps serving.
http GET "$url/healthz" "" "X-Forwarded-For: $(printf '10.0.0.1, %.0s' $(seq 600))"
expect_status 200
http GET "$url/healthz" "" "X-Padding: $(head -c 40000 /dev/zero | tr '\0' a)"
expect_status 431
http GET "$url/healthz"
expect_status 200

# ---- kill -9 and restart: what was acknowledged is still there ----
stop_server "$srv_pid" KILL || true
start_server srv2 "$db" --token-file token
url=$srv2_url
http GET "$url/v1/workloads/$workload"
expect_status 200
[ "$(json_get 'j["state"]')" = drifted ] || fail "state lost on restart"
http POST "$url/v1/reports" r1.json
cmp -s body r1.answer || fail "a stored report is answered differently after a restart"

# ---- SIGHUP: a broken policy is refused loudly, a good one is taken ----
cp policy.json policy.good
printf '{"version": 1, "broken": ' >policy.json
kill -HUP "$srv2_pid"
http GET "$url/healthz"  # served meanwhile, by the old policy
expect_status 200
until grep -q 'was refused' srv2.log; do sleep 0.05; done
cp policy.good policy.json
kill -HUP "$srv2_pid"
until grep -q 'reloaded policy' srv2.log; do sleep 0.05; done
challenge "$workload" c3
attest --nonce "$(cat c3.nonce)" -o r3.json
http POST "$url/v1/reports" r3.json
[ "$(json_get 'j["verdict"]')" = drift ] || fail "reloaded policy lost"
stop_server "$srv2_pid" TERM || fail "pqcha serve did not exit 0 on SIGTERM"
assert_contains srv2.log "stopping"
echo "ok: pqcha serve ($(cat status) last; store ${db%%:*})"
