# serve_lib.sh — starting and stopping `pqcha serve` in the service tests,
# and an HTTP client (python3, standard library only). Source after lib.sh.

# start_server NAME DB_URL [serve options...]: starts pqcha serve on a free
# loopback port in the background; sets ${NAME}_pid and ${NAME}_url.
start_server() {
  local name=$1 db=$2
  shift 2
  rm -f "$name.port"
  "$PQCHA" serve --policy policy.json --db "$db" --listen 127.0.0.1:0 \
    --port-file "$name.port" "$@" 2>>"$name.log" &
  local pid=$!
  printf -v "${name}_pid" '%s' "$pid"
  cleanup_hooks+=("kill -9 $pid 2>/dev/null")
  # Ready when the port file exists (written after the socket listens); a
  # server that exits instead fails the test with its log.
  while [ ! -s "$name.port" ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$name.log" >&2; fail "pqcha serve exited at start"; }
    sleep 0.05
  done
  printf -v "${name}_url" 'http://127.0.0.1:%s' "$(cat "$name.port")"
}

# stop_server PID [SIGNAL]: stops it and waits; returns its exit status.
stop_server() {
  kill "-${2:-TERM}" "$1" 2>/dev/null || true
  local status=0
  wait "$1" 2>/dev/null || status=$?  # (no "Killed" report from bash)
  return "$status"
}

# http METHOD URL [BODY_FILE] [extra header lines...]: prints the status on
# the first line of ./status and the body in ./body. TOKEN (if set) is sent.
http() {
  python3 - "$@" <<'PY'
import http.client, os, sys, urllib.parse
method, url = sys.argv[1], sys.argv[2]
body = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 and sys.argv[3] else None
headers = {}
if body is not None:
    headers["Content-Type"] = "application/json"
    headers["Content-Length"] = str(len(body))
for extra in sys.argv[4:]:
    k, v = extra.split(": ", 1)
    headers[k] = v
if os.environ.get("TOKEN"):
    headers["Authorization"] = "Bearer " + os.environ["TOKEN"]
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
conn.putrequest(method, u.path + ("?" + u.query if u.query else ""))
for k, v in headers.items():
    conn.putheader(k, v)
conn.endheaders()
# A server may answer (413, 401...) and close before the whole body is sent:
# the answer is still read.
try:
    if body:
        for i in range(0, len(body), 65536):
            conn.send(body[i:i + 65536])
except (BrokenPipeError, ConnectionResetError):
    pass
r = conn.getresponse()
open("status", "w").write("%d\n" % r.status)
open("body", "wb").write(r.read())
PY
}

# new_token: a bearer token of this run in ./token (0600), exported as TOKEN
# for http to send.
new_token() {
  printf 'token-%s-0123456789abcdef\n' "$$" >token && chmod 600 token
  export TOKEN
  TOKEN=$(cat token)
}

# challenge WORKLOAD NAME: a nonce for WORKLOAD from the server at $url,
# into NAME.nonce.
challenge() {
  printf '{"workload": "%s"}' "$1" >req.json
  http POST "$url/v1/challenge" req.json
  expect_status 200
  json_get 'j["nonce"]' >"$2.nonce"
}

expect_status() {
  [ "$(cat status)" = "$1" ] || { cat body >&2; echo >&2; fail "HTTP status $(cat status), expected $1"; }
}

# json_get EXPR: evaluates a Python expression over the JSON body (as j).
json_get() { python3 -c "import json,sys; j=json.load(open('body')); print($1)"; }

# The transparency log's tests: log_check (tests/service/log_check.py, the
# independent checker) and log_keys (a report signer and the log's key:
# signer.pem, logkey.pem and their .pub.pem).
log_check() { python3 "$PQCHA_SOURCE/tests/service/log_check.py" "$@"; }
log_keys() {
  "$PQCHA" keygen -o signer.pem >/dev/null
  "$PQCHA" keygen -o logkey.pem >/dev/null
}
