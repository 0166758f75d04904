#!/usr/bin/env bash
# pqcha serve --tls-cert/--tls-key: HTTPS with the operator's certificate
# (here a throw-away CA and server certificate made with the openssl
# command), checked by a client that trusts only that CA; plain HTTP to the
# HTTPS port gets no answer, and a key that does not load stops the start.
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

command -v openssl >/dev/null || { echo "skip: no openssl command to make a test certificate"; exit 77; }
db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
"$PQCHA" keygen -o signer.pem >/dev/null
head -c 4096 /dev/urandom >weights.bin
"$PQCHA" policy --workload "tls-$$" --trust signer.pub.pem --region weights=weights.bin -o policy.json

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
  -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile san.ext -out server.pem 2>/dev/null

start_server srv "$db" --tls-cert server.pem --tls-key server.key
grep -q "listening on https://" srv.log || { cat srv.log >&2; fail "not announced as https"; }
python3 - "$(cat srv.port)" <<'PY'
import http.client, json, ssl, sys
port = int(sys.argv[1])
context = ssl.create_default_context(cafile="ca.pem")  # verifies the chain and the name
c = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
c.request("GET", "/healthz")
r = c.getresponse()
assert r.status == 200, r.status
assert json.loads(r.read())["status"] == "ok"
# Plain HTTP to the TLS port is not served.
p = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
try:
    p.request("GET", "/healthz")
    status = p.getresponse().status
except (http.client.HTTPException, ConnectionError, OSError):
    status = None
assert status is None, status
PY
stop_server "$srv_pid" TERM || fail "pqcha serve did not exit 0"

printf 'not a key\n' >bad.key
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --listen 127.0.0.1:0 \
  --tls-cert server.pem --tls-key bad.key
assert_contains err "did not start"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --tls-cert server.pem
assert_contains err "--tls-cert and --tls-key go together"
echo "ok: HTTPS with the operator's certificate"
