#!/usr/bin/env bash
# pqcha serve under pressure: a thousand connections at once (nothing
# exhausted, every request answered, the server's memory bounded), many
# reports from several clients in parallel (every one stored once), and —
# with PostgreSQL — the database going away (503, nothing stored, health
# says so) and coming back (served again without a restart); SIGTERM with
# reports in flight (a clean exit; every acknowledged report stored).
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
"$PQCHA" keygen -o signer.pem >/dev/null
head -c 65536 /dev/urandom >weights.bin
prefix="load-$$-$RANDOM"
# A fleet policy: one workload per `pqcha policy` run, merged.
for i in 0 1 2 3; do
  "$PQCHA" policy --workload "$prefix-$i" --trust signer.pub.pem --platform file \
    --region weights=weights.bin -o "policy-$i.json"
done
python3 - <<'PY'
import json
merged = json.load(open("policy-0.json"))
for i in (1, 2, 3):
    merged["workloads"].update(json.load(open("policy-%d.json" % i))["workloads"])
json.dump(merged, open("policy.json", "w"))
PY
ulimit -n 4096 2>/dev/null || true  # the client side's thousand sockets
start_server srv "$db" --threads 4
url=$srv_url

# ---- 1000 connections at once: 500 stalled mid-header, 500 real requests ----
python3 - "$url" <<'PY'
import concurrent.futures, http.client, socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
stalled = []
for _ in range(500):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"GET /v1/workloads HTTP/1.1\r\nHost: x\r\n")  # and never finish
    stalled.append(s)
def ask(_):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    return r.status
with concurrent.futures.ThreadPoolExecutor(max_workers=250) as pool:
    statuses = list(pool.map(ask, range(500)))
assert statuses.count(200) == 500, {s: statuses.count(s) for s in set(statuses)}
for s in stalled:
    s.close()
PY
rss_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$srv_pid/status")
[ "$rss_kb" -lt 262144 ] || fail "pqcha serve peaked at ${rss_kb} kB with 1000 connections"
http GET "$url/healthz"
expect_status 200

# ---- 4 clients x 25 reports in parallel: 100 stored, each once ----
for i in 0 1 2 3; do
  for n in $(seq 25); do
    "$PQCHA" attest --key signer.pem --workload "$prefix-$i" --region weights=weights.bin \
      -o "r-$i-$n.json"
  done
done
python3 - "$url" "$prefix" <<'PY'
import concurrent.futures, glob, http.client, json, sys, urllib.parse
u, prefix = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2]
def post(path):
    body = open(path, "rb").read()
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    c.request("POST", "/v1/reports", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    return r.status, json.loads(r.read())["errorName"]
paths = sorted(glob.glob("r-*.json"))
with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
    first = list(pool.map(post, paths))
    again = list(pool.map(post, paths))  # every one re-sent: idempotent
# No challenge was issued for these nonces: authentic, so stored, but a
# replay as far as the server knows (NONCE_UNKNOWN), and each stored once.
assert all(r == (200, "NONCE_UNKNOWN") for r in first + again), set(first + again)
for i in range(4):
    c = http.client.HTTPConnection(u.hostname, u.port)
    c.request("GET", "/v1/workloads/%s-%d/reports?limit=1000" % (prefix, i))
    reports = json.loads(c.getresponse().read())["reports"]
    assert len(reports) == 25, (i, len(reports))
    assert len({r["digest"] for r in reports}) == 25
PY

# ---- the database goes away and comes back (PostgreSQL) ----
if [ -n "${PQCHA_TEST_PG_CTL:-}" ]; then
  challenge "$prefix-0" c1
  "$PQCHA" attest --key signer.pem --workload "$prefix-0" --region weights=weights.bin \
    --nonce "$(cat c1.nonce)" -o fresh.json
  "$PQCHA_TEST_PG_CTL" stop
  http POST "$url/v1/reports" fresh.json
  expect_status 503
  [ "$(json_get 'j["error"]')" = STORE ] || fail "an outage is not reported as STORE"
  http GET "$url/healthz"
  expect_status 503
  http GET "$url/metrics"
  assert_contains body "pqcha_store_up 0"
  "$PQCHA_TEST_PG_CTL" start
  http POST "$url/v1/reports" fresh.json  # the agent's retry
  expect_status 200
  [ "$(json_get 'j["verdict"]')" = valid ] || fail "after the outage the report was not verified"
  http GET "$url/healthz"
  expect_status 200
else
  echo "note: the database outage part runs with PostgreSQL (an embedded SQLite file cannot go away)"
fi
# ---- SIGTERM while reports are in flight: a clean exit, and every report
# acknowledged is stored (commits in flight land before the server stops) ----
for n in $(seq 40); do
  "$PQCHA" attest --key signer.pem --workload "$prefix-1" --region weights=weights.bin \
    -o "t-$n.json"
done
python3 - "$url" "$srv_pid" <<'PY'
import concurrent.futures, glob, hashlib, http.client, os, signal, sys, threading, urllib.parse
u, pid = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2])
first_answer = threading.Event()
def post(path):
    body = open(path, "rb").read()
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("POST", "/v1/reports", body, {"Content-Type": "application/json"})
        status = c.getresponse().status
    except OSError:
        status = 0  # refused or closed: the server was stopping
    first_answer.set()
    return hashlib.sha3_256(body).hexdigest(), status
def stop():
    first_answer.wait(60)
    os.kill(pid, signal.SIGTERM)
threading.Thread(target=stop).start()
with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
    answers = list(pool.map(post, sorted(glob.glob("t-*.json"))))
with open("acknowledged", "w") as out:
    for digest, status in answers:
        assert status in (0, 200, 503), status
        if status == 200:
            out.write(digest + "\n")
PY
stop_server "$srv_pid" || fail "pqcha serve did not exit 0 on SIGTERM with reports in flight"
[ -s acknowledged ] || fail "no report was acknowledged before SIGTERM"
start_server srv2 "$db"
python3 - "$srv2_url" "$prefix-1" <<'PY'
import http.client, json, sys, urllib.parse
u, workload = urllib.parse.urlsplit(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection(u.hostname, u.port)
c.request("GET", "/v1/workloads/%s/reports?limit=1000" % workload)
stored = {r["digest"] for r in json.loads(c.getresponse().read())["reports"]}
acknowledged = set(open("acknowledged").read().split())
assert acknowledged <= stored, acknowledged - stored
PY
stop_server "$srv2_pid" TERM || fail "pqcha serve did not exit 0"
echo "ok: 1000 connections (peak RSS ${rss_kb} kB), 200 parallel posts stored once," \
  "$(wc -l <acknowledged) posts acknowledged before SIGTERM all stored"
