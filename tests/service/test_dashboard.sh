#!/usr/bin/env bash
# pqcha serve's dashboard (the page at /) in real headless Chromium, as an
# operator meets it: the page and its files are served without the token
# and with a strict Content-Security-Policy, they name no other host, the
# page takes the token from the URL fragment, shows a workload trusted after
# a valid report and drifted after a tampered one, with the drifted region
# and tensors on its timeline, and asks for the token when it is refused.
# Writes a screenshot of the drifted dashboard next to the build.
# Runs against SQLite, and against PostgreSQL when PQCHA_TEST_STORE_URL is
# set (with_postgres.sh). Needs Chromium (Debian's chromium package):
# without it, skipped (exit 77).
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

chromium=""
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null 2>&1; then
    chromium=$(command -v "$candidate")
    break
  fi
done
if [ -z "$chromium" ]; then
  echo "skip: no Chromium (chromium or chromium-browser) on PATH;" \
    "scripts/install-deps.sh installs Debian's chromium"
  exit 77
fi

# Chromium's stderr is noise (D-Bus, GPU...) unless something failed.
fail() {
  if [ -s "$work/chromium.log" ]; then
    echo "--- chromium's log (last 80 lines)" >&2
    grep -v -e dbus/ -e 'unexpected operator' "$work/chromium.log" | tail -n 80 >&2
  fi
  echo "FAIL: $*" >&2
  exit 1
}

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
"$PQCHA" keygen -o signer.pem >/dev/null
# A safetensors model, its manifest and a policy made from it: drift is then
# localised to tensors, which the timeline names.
python3 "$PQCHA_SOURCE/tests/helpers/make_models.py" --safetensors weights.safetensors \
  --size 300000 --seed 11 >tables.json
"$PQCHA" manifest -o manifest.json weights.safetensors
workload="dashboard-$$-$RANDOM" # its own id, also on a shared PostgreSQL database
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform file \
  --manifest manifest.json -o policy.json
new_token

start_server srv "$db" --token-file token
url=$srv_url

attest() {
  "$PQCHA" attest --key signer.pem --workload "$workload" \
    --region weights.safetensors=weights.safetensors "$@"
}

# get_with_headers URL: like http GET without the token, the response's
# headers (lower-case names) also in ./headers.
get_with_headers() {
  python3 - "$1" <<'PY'
import http.client, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
conn.request("GET", u.path)
r = conn.getresponse()
open("status", "w").write("%d\n" % r.status)
open("headers", "w").write("".join("%s: %s\n" % (k.lower(), v) for k, v in r.getheaders()))
open("body", "wb").write(r.read())
PY
}
header() { sed -n "s/^$1: //p" headers; }

# ---- the page and its files: no token needed, strict headers ----
get_with_headers "$url/"
expect_status 200
[[ "$(header content-type)" == "text/html; charset=utf-8" ]] || fail "/ is $(header content-type)"
csp=$(header content-security-policy)
for directive in "default-src 'self'" "script-src 'self'" "style-src 'self'" "frame-ancestors 'none'"; do
  [[ "$csp" == *"$directive"* ]] || fail "the page's CSP lacks $directive: $csp"
done
[[ "$csp" != *unsafe-inline* && "$csp" != *unsafe-eval* ]] || fail "the page's CSP allows inline code: $csp"
[ "$(header x-frame-options)" = DENY ] || fail "the page may be framed"
[ "$(header x-content-type-options)" = nosniff ] || fail "the page lacks nosniff"
cp body index.html.served
# Nothing inline (the CSP would block it): scripts and styles come from files.
python3 - index.html.served <<'PY' || fail "the page has inline script or style"
import html.parser, sys
class Inline(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "style" in a or any(k.startswith("on") for k in a):
            self.bad.append((tag, a))
        if tag == "style" or (tag == "script" and not a.get("src")):
            self.bad.append((tag, a))
parser = Inline()
parser.feed(open(sys.argv[1]).read())
if parser.bad:
    sys.exit("inline: %r" % parser.bad)
PY
for asset in dashboard.css:text/css dashboard.js:text/javascript; do
  get_with_headers "$url/${asset%%:*}"
  expect_status 200
  [[ "$(header content-type)" == "${asset#*:}"* ]] || fail "/${asset%%:*} is $(header content-type)"
  cp body "${asset%%:*}.served"
done
TOKEN='' http GET "$url/v1/workloads"
expect_status 401 # the data still needs the token
# The folder holds exactly what the page uses, and nothing names another
# host (no CDN, no font: the page works offline).
for f in "$PQCHA_SOURCE"/src/service/dashboard/*; do
  name=$(basename "$f")
  [ "$name" = index.html ] || grep -qF "\"$name\"" index.html.served ||
    fail "src/service/dashboard/$name is not used by the page"
  cmp -s "$f" "$name.served" || fail "/$name is not src/service/dashboard/$name"
done
if grep -nE '\b(https?|ftp|wss?|data|blob):|(["'\''(=[:space:]]|^)//[A-Za-z0-9]|@import|url\(' \
  index.html.served dashboard.css.served dashboard.js.served; then
  fail "the dashboard refers to something other than its own server"
fi

# ---- headless Chromium ----
# browse RUN ARGS...: Chromium on its own profile (and HOME), resolving no
# name (only 127.0.0.1, where the server is, is reachable), recording every
# request in RUN.netlog. --virtual-time-budget: the page runs its fetches and
# a refresh or two before the DOM is dumped or the screenshot taken.
browse() {
  local run=$1
  shift
  mkdir -p "$work/$run.home"
  echo "--- $run" >>chromium.log
  local status=0
  HOME="$work/$run.home" XDG_CONFIG_HOME="$work/$run.home/.config" \
    XDG_CACHE_HOME="$work/$run.home/.cache" timeout 120 "$chromium" \
    --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$work/$run.profile" --no-first-run --no-default-browser-check \
    --disable-extensions --disable-sync --disable-background-networking \
    --disable-component-update --disable-default-apps \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
    --log-net-log="$work/$run.netlog" --virtual-time-budget=10000 \
    "$@" 2>>chromium.log || status=$?
  [ "$status" -eq 0 ] || fail "chromium exited $status ($run)"
}

# dom RUN [TOKEN]: the page's DOM after it ran (given TOKEN in the URL
# fragment, by default the right one), into RUN.html; what it shows of the
# workload, the banner and the token form, into RUN.json.
dom() {
  browse "$1" --dump-dom "$url/#token=${2:-$TOKEN}" >"$1.html"
  python3 - "$1.html" "$workload" >"$1.json" <<'PY' || fail "cannot read the DOM of $1"
import html.parser, json, sys
dom, workload = open(sys.argv[1]).read(), sys.argv[2]

class Page(html.parser.HTMLParser):
    """The workload's row (data-workload) and its badge (data-state); its
    events on the timeline with their regions and tensors; whether the
    banner and the token form are shown, and their text."""
    def __init__(self):
        super().__init__()
        self.rows, self.states, self.events = 0, [], []
        self.in_row = False
        self.event_depth = 0  # <li> nesting inside an event
        self.chip = None
        self.capture = None  # element id whose text is collected
        self.text = {"banner": "", "auth-message": ""}
        self.hidden = {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") in ("banner", "auth", "content"):
            self.hidden[a["id"]] = "hidden" in a
        if a.get("id") in self.text:
            self.capture = a["id"]
        if tag == "tr" and a.get("data-workload") == workload:
            self.rows += 1
            self.in_row = True
        if self.in_row and "data-state" in a:
            self.states.append(a["data-state"])
        if tag == "li":
            if self.event_depth:
                self.event_depth += 1
                cls = a.get("class", "")
                self.chip = cls if cls in ("region", "tensor") else None
                if self.chip:
                    self.events[-1][self.chip + "s"].append("")
            elif a.get("data-event-workload") == workload:
                self.event_depth = 1
                self.events.append({"to": a.get("data-to"), "seq": a.get("data-seq"),
                                    "regions": [], "tensors": [], "text": ""})
    def handle_endtag(self, tag):
        if tag == "tr":
            self.in_row = False
        if tag == "li" and self.event_depth:
            self.event_depth -= 1
            self.chip = None
        if tag in ("div", "p", "section"):
            self.capture = None
    def handle_data(self, data):
        if self.capture:
            self.text[self.capture] += data
        if self.event_depth:
            self.events[-1]["text"] += data
            if self.chip:
                self.events[-1][self.chip + "s"][-1] += data

page = Page()
page.feed(dom)
print(json.dumps({"rows": page.rows, "states": page.states, "events": page.events,
                  "hidden": page.hidden, "text": page.text}))
PY
}

# check RUN [ARG...] <<'PY' ... PY: Python assertions over what the page
# showed in RUN (j: dom's summary; args: the ARGs), all in one process.
check() {
  local run=$1
  shift
  python3 -c '
import json, sys
j, args = json.load(open(sys.argv[1] + ".json")), sys.argv[2:]
try:
    exec(sys.stdin.read())
except AssertionError as e:
    sys.exit("%s; the page showed %s" % (e, json.dumps(j)))
' "$run" "$@" 2>check.err || fail "$(cat check.err)"
}

# requests RUN: every request the page made (initiated by it, or the page
# itself) went to the server, and no request line carried the token (it
# travels in the Authorization header only); prints how many.
requests() {
  python3 - "$work/$1.netlog" "$url" "$TOKEN" <<'PY' || fail "the page's requests ($1)"
import json, sys
text = open(sys.argv[1]).read()
try:
    log = json.loads(text)
except ValueError:  # cut short: the events written so far
    log = json.loads(text.rstrip().rstrip(",") + "]}")
types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
origin = sys.argv[2]
page, elsewhere = [], []
for e in log["events"]:
    p = e.get("params") or {}
    line = p.get("line", "")
    if sys.argv[3] in line or "#" in line:
        sys.exit("a request line carries the token or a fragment: %r" % line)
    if line.startswith("GET /v1/") and not any(
            h.lower().startswith("authorization: ") for h in p.get("headers", [])):
        sys.exit("an API request without the Authorization header: %r" % line)
    if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
        continue
    if p.get("initiator") == origin or p.get("request_type") == "main frame":
        (page if p["url"].startswith(origin + "/") else elsewhere).append(p["url"])
if elsewhere:
    sys.exit("elsewhere: %r" % elsewhere)
wanted = ["/dashboard.css", "/dashboard.js", "/v1/workloads", "/v1/events?after=0"]
missing = [w for w in wanted if not any(u[len(origin):].startswith(w) for u in page)]
if missing:
    sys.exit("the page did not request %r (it did: %r)" % (missing, page))
print(len(page))
PY
}

# ---- a valid report: the workload is shown trusted ----
challenge "$workload" c1
attest --nonce "$(cat c1.nonce)" -o r1.json
http POST "$url/v1/reports" r1.json
expect_status 200
[ "$(json_get 'j["verdict"]')" = valid ] || fail "a fresh report is not valid"

dom trusted
check trusted <<'PY'
assert j["rows"] == 1, "the page does not show the workload once"
assert j["states"] == ["trusted"], "the workload is not shown trusted"
assert [e["to"] for e in j["events"]] == ["trusted"], "the timeline lacks unknown -> trusted"
assert j["hidden"] == {"banner": True, "auth": True, "content": False}, "a banner or the token form is shown"
PY
requests trusted >/dev/null

# ---- a tampered model: drift, the region and tensors on the timeline ----
tampered=$(python3 -c 'import json; t = json.load(open("tables.json"))["safetensors"]["tensors"]
w = max(t, key=lambda x: x["size"]); print(w["name"], w["offset"] + w["size"] // 2)')
tensor=${tampered% *}
printf '\xff' | dd of=weights.safetensors bs=1 seek="${tampered#* }" conv=notrunc status=none
challenge "$workload" c2
attest --nonce "$(cat c2.nonce)" -o r2.json
http POST "$url/v1/reports" r2.json
expect_status 200
cp body r2.answer
python3 - r2.answer "$tensor" <<'PY' || fail "the tampered model was not reported as drift in $tensor"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["verdict"] == "drift", j["verdict"]
tensors = [t for d in j["driftDetails"] for t in d["tensors"]]
assert sys.argv[2] in tensors, tensors
PY

dom drifted
check drifted r2.answer <<'PY'
verdict = json.load(open(args[0]))
assert j["states"] == ["drifted"], "the workload is not shown drifted"
assert [e["to"] for e in j["events"]] == ["drifted", "trusted"], \
    "the timeline is not newest first, or lacks trusted -> drifted"
drift = j["events"][0]
assert drift["regions"] == verdict["drift"] == ["weights.safetensors"], \
    "the timeline does not name the drifted region"
assert drift["tensors"] == [t for d in verdict["driftDetails"] for t in d["tensors"]], \
    "the timeline's tensors are not the verdict's"
assert verdict["errorName"] in drift["text"], "the timeline lacks the error name"
PY
made=$(requests drifted)
echo "dashboard: $workload shown drifted; the page made $made requests, all to $url"

# ---- a wrong token: the page asks for the right one ----
dom refused "wrong-token-0123456789abcdef"
check refused <<'PY'
assert not j["hidden"]["auth"], "a refused token does not show the token form"
assert j["hidden"]["content"] and j["rows"] == 0, "a refused token still shows the dashboard"
assert "refused" in j["text"]["auth-message"], "the form does not say the token was refused"
PY

# ---- a verifier in trouble: the page says so ----
# A stand-in for pqcha serve on its own port, serving the page and its
# files as served above, and answering every API call as pqcha serve does
# when its database is down (503 STORE), or dropping the connection.
cat >fake_verifier.py <<'PY'
import http.server, json, os, sys
mode, port_file = sys.argv[1], sys.argv[2]
files = {"/": ("index.html", "text/html; charset=utf-8"),
         "/dashboard.css": ("dashboard.css", "text/css; charset=utf-8"),
         "/dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8")}
csp = sys.argv[3]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if path in files:
            name, kind = files[path]
            self.reply(200, kind, open(name + ".served", "rb").read())
        elif path.startswith("/v1/") and mode == "database":
            self.reply(503, "application/json", json.dumps(
                {"error": "STORE", "message": "the verifier's database is unavailable"}).encode())
        elif path.startswith("/v1/"):
            self.close_connection = True  # no answer at all
        else:
            self.reply(404, "application/json", b'{"error":"NOT_FOUND"}')
    def reply(self, status, kind, body):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Security-Policy", csp)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
open(port_file + ".tmp", "w").write(str(server.server_port))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
for trouble in database:"Database unavailable" unreachable:"Verifier unreachable"; do
  kind=${trouble%%:*}
  python3 fake_verifier.py "$kind" "$kind.port" "$csp" 2>"$kind.log" &
  fake_pid=$!
  cleanup_hooks+=("kill $fake_pid 2>/dev/null")
  while [ ! -s "$kind.port" ]; do
    kill -0 "$fake_pid" 2>/dev/null || { cat "$kind.log" >&2; fail "the stand-in verifier did not start"; }
    sleep 0.05
  done
  saved_url=$url
  url="http://127.0.0.1:$(cat "$kind.port")"
  dom "$kind"
  url=$saved_url
  kill "$fake_pid" 2>/dev/null || true
  wait "$fake_pid" 2>/dev/null || true
  check "$kind" "${trouble#*:}" <<'PY'
assert not j["hidden"]["banner"], "no banner"
assert j["text"]["banner"].startswith(args[0]), "the banner does not say " + args[0]
PY
done

# ---- the screenshot: the drifted dashboard at 1280x800 ----
browse shot --hide-scrollbars --window-size=1280,800 --screenshot="$work/shot.png" \
  "$url/#token=$TOKEN" >/dev/null
python3 - shot.png <<'PY' || fail "the screenshot is not a plausible 1280x800 PNG"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
assert data[12:16] == b"IHDR", "no IHDR"
width, height = struct.unpack(">II", data[16:24])
assert (width, height) == (1280, 800), (width, height)
assert len(data) > 15000, "%d bytes: a blank page?" % len(data)
PY
# Next to the build, so that it survives the test; each store its own.
shot_dir=${PQCHA_BUILD:-${TMPDIR:-/tmp}}
shot="$shot_dir/dashboard-screenshot${PQCHA_TEST_STORE_URL:+-postgresql}.png"
cp shot.png "$shot.tmp" && mv -f "$shot.tmp" "$shot"
echo "screenshot: $shot ($(stat -c %s "$shot") bytes)"

stop_server "$srv_pid" TERM || fail "pqcha serve did not exit 0 on SIGTERM"
echo "ok: dashboard in $("$chromium" --version 2>/dev/null | head -n 1) (store ${db%%:*})"
