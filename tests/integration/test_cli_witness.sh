#!/usr/bin/env bash
# pqcha witness: cosigns a log's checkpoint only once it is proved
# consistent with the last one cosigned, and keeps that one as its state.
# Offline (witness cosign): trust on first use, growth with a proof, and
# each refusal (rollback, fork, a bad proof, another origin, another key, a
# bad signature, malformed input) with its own message and exit code and
# the state unchanged; a state written atomically (faults injected); one
# witness per state; untrusted text escaped. Online (--once, the loop): the
# same rounds against a static mirror of tiles served over HTTP, the proof
# computed from the tiles, publication; and one round against a live
# `pqcha serve` when it has its log endpoints. Logs and proofs come from
# tests/helpers/tlog_witness_helper.c.
set -euo pipefail
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
. "$PQCHA_SOURCE/tests/integration/lib.sh"
helper="$PQCHA_BUILD/tlog_witness_helper"
[ -x "$helper" ] || fail "$helper not built"
command -v python3 >/dev/null || { echo "skip: python3 not found"; exit 77; }

origin=example.com/pqcha-log
name=witness.example/w1
"$PQCHA" keygen -o log.pem >/dev/null
"$PQCHA" keygen -o w.pem >/dev/null
"$PQCHA" keygen -o other.pem >/dev/null
W=(--log-key log.pub.pem --origin "$origin" --key w.pem --name "$name")

checkpoint() { "$helper" checkpoint log.pem "$origin" "$@"; } # SIZE [FORK_AT]
cosign() { "$PQCHA" witness cosign "${W[@]}" "$@"; }
# verify_cosigned FILE: the log's signature and our cosignature verify
# (pqcha_checkpoint_open, pqcha_note_verify).
verify_cosigned() {
  "$helper" verify "$1" log.pub.pem "$origin" w.pub.pem "$name" >/dev/null ||
    fail "$1: the cosigned checkpoint does not verify"
}
size_of() { sed -n 2p "$1"; }
leftovers() { find . -name '.*pqcha-*' | grep . && fail "temporary files left behind" || true; }
# refused CODE MESSAGE STATE CMD...: refused with CODE and MESSAGE, nothing
# on stdout, the state exactly as it was.
refused() {
  local code=$1 message=$2 state=$3
  shift 3
  cp "$state" state.before
  expect_exit "$code" "$@"
  assert_contains err "$message"
  [ ! -s out ] || fail "a refusal printed a checkpoint"
  cmp -s "$state" state.before || fail "a refusal ($message) changed the state"
}
flip_char() { # flip_char FILE LINE COLUMN: one base64 character changed
  python3 - "$@" <<'PY'
import sys
path, line, col = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = open(path, encoding="utf-8").read().split("\n")
s = lines[line - 1]
lines[line - 1] = s[:col] + ("B" if s[col] != "B" else "C") + s[col + 1:]
open(path, "w", encoding="utf-8").write("\n".join(lines))
PY
}

# ---- offline: pqcha witness cosign ----
checkpoint 5 >cp5
checkpoint 300 >cp300
checkpoint 1000 >cp1000
"$helper" proof 5 300 >p5-300
"$helper" proof 300 1000 >p300-1000

# The first run trusts the checkpoint it is given (no state yet).
expect_exit 0 cosign --state st cp5
assert_contains err "size 5: no state yet: trusted on first use and cosigned"
verify_cosigned out
cmp -s out st || fail "the state is not the cosigned checkpoint"

# Growth with a consistency proof: cosigned, the state advanced.
expect_exit 0 cosign --state st cp300 p5-300
assert_contains err "size 300: consistent with size 5: cosigned"
verify_cosigned out
cmp -s out st || fail "the state did not advance to size 300"
[ "$(size_of st)" = 300 ] || fail "state size $(size_of st), expected 300"
leftovers

# The same checkpoint, already cosigned: nothing to do, the state as it was.
cp out cosigned300
cp st st.300
expect_exit 0 cosign --state st cosigned300
assert_contains err "size 300: already cosigned"
cmp -s st st.300 || fail "an unchanged round rewrote the state"
# The log's copy without our cosignature: cosigned again, the state kept.
expect_exit 0 cosign --state st cp300
assert_contains err "size 300: already cosigned; the log's copy lacks our cosignature"
verify_cosigned out
cmp -s st st.300 || fail "the state changed"

# The tree grew and no proof was given: a usage error, nothing cosigned.
refused 4 "the tree grew: give the proof file" st cosign --state st cp1000

# A rollback: a smaller tree than the one cosigned.
refused 1 "refused: the log rolled back: size 5 after size 300 was cosigned [LOG_ROLLBACK]" st \
  cosign --state st cp5

# A fork: the same size, another root (same key, same origin, other entries).
checkpoint 300 100 >fork300
refused 1 "refused: the log forked: size 300 with root" st cosign --state st fork300
assert_contains err "[LOG_FORK]"
cmp -s st.fork fork300 || fail "the fork's checkpoint was not kept in st.fork"

# A larger tree of the forked log: its proof does not lead to our root.
checkpoint 1000 100 >fork1000
"$helper" proof 300 1000 100 >pfork
refused 1 "refused: the consistency proof from size 300 to 1000 does not verify" st \
  cosign --state st fork1000 pfork
assert_contains err "[LOG_PROOF]"
# The honest checkpoint with the forked log's proof, and with a tampered proof.
refused 1 "[LOG_PROOF]" st cosign --state st cp1000 pfork
cp p300-1000 bad-proof
flip_char bad-proof 1 60
refused 1 "does not verify: " st cosign --state st cp1000 bad-proof
# A proof one hash short; a proof of other sizes.
python3 -c '
import json; p = json.load(open("p300-1000")); p["consistencyProof"].pop()
json.dump(p, open("short-proof", "w"))'
refused 1 "[LOG_PROOF_SIZE]" st cosign --state st cp1000 short-proof
refused 1 "p5-300 is a proof from size 5 to 300" st cosign --state st cp1000 p5-300
# Malformed proof files: unknown member, bad base64, not JSON.
printf '{"oldSize":300,"newSize":1000,"consistencyProof":[],"extra":1}' >unknown-proof
refused 3 "unknown-proof: " st cosign --state st cp1000 unknown-proof
printf '{"oldSize":300,"newSize":1000,"consistencyProof":["***"]}' >b64-proof
refused 3 "[BAD_BASE64]" st cosign --state st cp1000 b64-proof
printf 'not json' >junk-proof
refused 3 "[JSON_SYNTAX]" st cosign --state st cp1000 junk-proof

# Not this log's checkpoint: another origin, another key, a bad signature.
"$helper" checkpoint log.pem other.example/log 1000 >other-origin
refused 2 "refused: a checkpoint of another log: origin 'other.example/log', not '$origin' [LOG_ORIGIN]" \
  st cosign --state st other-origin p300-1000
"$helper" checkpoint other.pem "$origin" 1000 >other-key
refused 2 "refused: the checkpoint carries no signature by the log's key as '$origin' [UNTRUSTED_KEY]" \
  st cosign --state st other-key p300-1000
cp cp1000 bad-signature
flip_char bad-signature 5 200
refused 2 "refused: the log's signature on the checkpoint does not verify" st \
  cosign --state st bad-signature p300-1000
assert_contains err "[BAD_SIGNATURE]"
# Malformed checkpoints.
printf 'not a note\n' >junk-checkpoint
refused 3 "refused: not a well-formed signed checkpoint" st cosign --state st junk-checkpoint
head -c 300000 /dev/zero | tr '\0' 'a' >huge-checkpoint
refused 3 "huge-checkpoint" st cosign --state st huge-checkpoint

# After all refusals the honest growth is still cosigned.
expect_exit 0 cosign --state st cp1000 p300-1000
assert_contains err "size 1000: consistent with size 300: cosigned"
verify_cosigned st
leftovers

# A state that is not this log's (another log's checkpoint, garbage, empty)
# is refused: never silently replaced by trust on first use.
cp other-key st.other
expect_exit 4 cosign --state st.other cp1000
assert_contains err "state st.other: not a checkpoint signed by this log's key for its origin"
: >st.empty
expect_exit 4 cosign --state st.empty cp1000
assert_contains err "state st.empty:"
[ ! -s st.empty ] || fail "an empty state was replaced"

# The state is written atomically: a failed write or a kill before the
# rename leaves the old state, and nothing is cosigned without a state.
if [ -n "${PQCHA_FAULTINJECT:-}" ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
  checkpoint 1500 >cp1500
  "$helper" proof 1000 1500 >p1000-1500
  for spec in write:1:ENOSPC fsync:1:EIO rename:1:EIO; do
    refused 4 "not cosigned: the state st cannot be saved" st \
      env LD_PRELOAD="$PQCHA_FAULTINJECT" PQCHA_FAULT="$spec" \
      "$PQCHA" witness cosign "${W[@]}" --state st cp1500 p1000-1500
  done
  cp st st.before
  rc=0
  (LD_PRELOAD=$PQCHA_FAULTINJECT PQCHA_FAULT=rename:1:KILL \
    "$PQCHA" witness cosign "${W[@]}" --state st cp1500 p1000-1500; exit $?) >out 2>err || rc=$?
  [ "$rc" -eq 137 ] || fail "a kill before the rename: exit $rc"
  cmp -s st st.before || fail "a kill before the rename changed the state"
  verify_cosigned st
  expect_exit 0 cosign --state st cp1500 p1000-1500 # the next run cleans up
  [ "$(size_of st)" = 1500 ] || fail "the state did not advance after the faults"
  leftovers
else
  echo "skip: fault injection (PQCHA_FAULTINJECT unset)"
fi

# One witness per state file.
exec 9>st.lock
flock -n 9
refused 4 "another 'pqcha witness' uses this state file" st cosign --state st cp1000
exec 9>&-

# Untrusted text is escaped: a bidirectional override in another log's
# origin, an escape character in the state's file name.
evil=$'evil\xe2\x80\xae.example/log'
"$helper" checkpoint log.pem "$evil" 1000 >evil-origin
refused 2 "origin 'evil\\u202e.example/log'" st cosign --state st evil-origin
! grep -q $'\xe2\x80\xae' err || fail "a bidirectional override reached the terminal"
printf 'junk\n' >$'bad\x1b[31mstate'
expect_exit 4 cosign --state $'bad\x1b[31mstate' cp1000
assert_contains err 'state bad\x1b[31mstate'
! grep -q $'\x1b' err || fail "an escape character reached the terminal"

# Usage errors.
expect_exit 4 "$PQCHA" witness cosign --origin "$origin" --key w.pem --name "$name" --state st cp1000
assert_contains err "--log-key is required"
expect_exit 4 cosign --state st
expect_exit 4 "$PQCHA" witness "${W[@]}" --state st --once
assert_contains err "--log is required"
expect_exit 4 "$PQCHA" witness --log http://127.0.0.1:1 "${W[@]}" --state st --once --interval 5
expect_exit 4 "$PQCHA" witness --log http://127.0.0.1:1 --log-key log.pub.pem --origin "$origin" \
  --key w.pem --name "$origin" --state st --once
assert_contains err "--name must differ"
expect_exit 4 "$PQCHA" witness cosign --log-key log.pub.pem --origin "$origin" --key w.pem \
  --name 'bad name' --state st cp1000
assert_contains err "--name 'bad name'"
expect_exit 4 "$PQCHA" witness --log 'ftp://example.com' "${W[@]}" --state st --once
assert_contains err "--log 'ftp://example.com'"
expect_exit 4 "$PQCHA" witness cosign --log-key w.pem --origin "$origin" --key w.pem --name "$name" \
  --state st cp1000
expect_exit 0 "$PQCHA" witness --help
assert_contains out "trust on"

# ---- online: a static mirror of tiles over HTTP ----
# A file server (python3 -m http.server's handler) whose POST answers with
# the status in post.status (none: 501, as http.server does) and keeps the
# body in post.body.
mkdir -p www/v1
python3 -u - www >http.log 2>&1 <<'PY' &
import functools, http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            status = int(open("post.status").read())
        except OSError:
            status = 501
        if status < 300:
            open("post.body", "wb").write(body)
        self.send_response(status)
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"answered\n")
server = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
open("http.port.tmp", "w").write(str(server.server_port))
os.rename("http.port.tmp", "http.port")
server.serve_forever()
PY
server_pid=$!
cleanup_hooks+=("kill $server_pid 2>/dev/null")
for _ in $(seq 200); do [ -s http.port ] && break; sleep 0.05; done
[ -s http.port ] || fail "the file server did not start"
url="http://127.0.0.1:$(cat http.port)"
mirror() { # mirror KEY ORIGIN SIZE [FORK_AT]: the log served at $url/v1/log
  rm -rf www/v1/log
  "$helper" mirror "$1" "$2" "$3" www/v1/log "${@:4}"
}
witness() { "$PQCHA" witness --log "$url" "${W[@]}" --state on "$@"; }

# First round: trust on first use; the file server takes no POST (501): a
# warning, the state saved all the same.
mirror log.pem "$origin" 5
expect_exit 0 witness --once
assert_contains err "witnessing $origin at $url/v1/log as $name; no state yet in on"
assert_contains err "size 5: no state yet: trusted on first use and cosigned; not published"
assert_contains err "answered HTTP 501: this log takes no cosignatures"
verify_cosigned on

# Growth across tile levels (70 000 leaves: full and partial tiles at three
# levels): the proof is computed from the tiles. Published: the body is the
# cosigned checkpoint.
mirror log.pem "$origin" 70000
echo 200 >post.status
expect_exit 0 witness --once
assert_contains err "size 70000: consistent with size 5: cosigned; published"
verify_cosigned on
cmp -s post.body on || fail "the published cosignature is not the state's checkpoint"
grep -q 'GET /v1/log/tile/' http.log || fail "no tile was read"

# The same checkpoint again: already cosigned; --no-publish posts nothing.
rm -f post.body
expect_exit 0 witness --once --no-publish
assert_contains err "size 70000: already cosigned; the log's copy lacks our cosignature; not published (--no-publish)"
[ ! -e post.body ] || fail "--no-publish posted"
# A log that refuses the cosignature: a warning with its answer, escaped.
echo 409 >post.status
expect_exit 0 witness --once
assert_contains err "the log refused it: HTTP 409: answered"
rm -f post.status

# Refusals online: each with its exit code, the state unchanged.
mirror log.pem "$origin" 70000 1000
refused 1 "refused: the log forked: size 70000" on witness --once
mirror log.pem "$origin" 70500 1000
refused 1 "refused: the consistency proof from size 70000 to 70500 does not verify" on witness --once
mirror log.pem "$origin" 300
refused 1 "[LOG_ROLLBACK]" on witness --once
mirror log.pem other.example/log 70500
refused 2 "[LOG_ORIGIN]" on witness --once
mirror other.pem "$origin" 70500
refused 2 "[UNTRUSTED_KEY]" on witness --once
# Tampered tiles: the proof they give does not verify; truncated tiles do
# not have their width's length; missing tiles are an I/O error.
mirror log.pem "$origin" 70500
python3 - <<'PY'
import os
for top, dirs, files in os.walk("www/v1/log/tile"):
    dirs[:] = [d for d in dirs if d != "entries"]
    for f in files:  # every hash of every tile changed
        path = os.path.join(top, f)
        data = open(path, "rb").read()
        open(path, "wb").write(bytes(b ^ 0x5a for b in data))
PY
refused 1 "[LOG_PROOF]" on witness --once
mirror log.pem "$origin" 70500
find www/v1/log/tile -path '*/entries' -prune -o -type f -print | while read -r tile; do
  truncate -s -1 "$tile"
done
refused 1 "[LOG_TILE_SIZE]" on witness --once
mirror log.pem "$origin" 70500
rm -rf www/v1/log/tile
refused 4 "HTTP 404" on witness --once
rm -rf www/v1/log
refused 4 "not cosigned: GET $url/v1/log/checkpoint: HTTP 404" on witness --once
# The honest log again: cosigned (an explicit prefix URL works as well).
mirror log.pem "$origin" 70500
expect_exit 0 "$PQCHA" witness --log "$url/v1/log/" "${W[@]}" --state on --once --no-publish
assert_contains err "size 70500: consistent with size 70000: cosigned"
verify_cosigned on

# The loop: a round per interval until SIGTERM, then exit 0.
mirror log.pem "$origin" 70600
"$PQCHA" witness --log "$url" "${W[@]}" --state on --interval 0.1 --no-publish 2>loop.err &
loop_pid=$!
cleanup_hooks+=("kill $loop_pid 2>/dev/null")
for _ in $(seq 600); do
  [ "$(grep -c 'already cosigned' loop.err)" -ge 2 ] && break
  sleep 0.05
done
kill -TERM "$loop_pid"
rc=0
wait "$loop_pid" || rc=$?
[ "$rc" -eq 0 ] || { cat loop.err >&2; fail "the loop exited $rc on SIGTERM"; }
assert_contains loop.err "size 70600: consistent with size 70500: cosigned"
assert_contains loop.err "stopping after"
[ "$(size_of on)" = 70600 ] || fail "the loop did not advance the state"

# An unreachable log: an I/O error, the state unchanged.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
refused 4 "not cosigned: GET $url/v1/log/checkpoint: " on witness --once
leftovers

# ---- online: a live pqcha serve with its log ----
if "$PQCHA" serve --help 2>/dev/null | grep -q -- '--log-key'; then
  . "$PQCHA_SOURCE/tests/service/serve_lib.sh"
  "$PQCHA" keygen -o signer.pem >/dev/null
  head -c 4096 /dev/urandom >weights.bin
  "$PQCHA" policy --workload logged --trust signer.pub.pem --platform file \
    --region weights=weights.bin -o policy.json
  start_server srv "sqlite:$work/verifier.db" --log-key log.pem --log-origin "$origin" \
    --log-witness "$name=w.pub.pem" --log-checkpoint-interval 1
  url=$srv_url
  post_report() {
    challenge logged "c$1"
    "$PQCHA" attest --key signer.pem --workload logged --region weights=weights.bin \
      --nonce "$(cat "c$1.nonce")" -o "r$1.json"
    http POST "$url/v1/reports" "r$1.json"
    expect_status 200
  }
  post_report 1
  rm -f live
  expect_exit 0 "$PQCHA" witness --log "$url" "${W[@]}" --state live --once
  assert_contains err "size 1: no state yet: trusted on first use and cosigned; published"
  post_report 2
  post_report 3
  expect_exit 0 "$PQCHA" witness --log "$url" "${W[@]}" --state live --once
  assert_contains err "size 3: consistent with size 1: cosigned; published"
  verify_cosigned live
  # The log serves the checkpoint with our cosignature merged.
  http GET "$url/v1/log/checkpoint"
  expect_status 200
  cp body served
  verify_cosigned served
  expect_exit 0 "$PQCHA" witness --log "$url" "${W[@]}" --state live --once
  assert_contains err "size 3: already cosigned"
  # A forked checkpoint of the same size, signed with the log's key: refused.
  checkpoint 3 1 >live-fork
  refused 1 "[LOG_FORK]" live cosign --state live live-fork
  stop_server "$srv_pid" || fail "pqcha serve did not stop cleanly"
  echo "ok: a live pqcha serve witnessed"
else
  echo "skip: pqcha serve has no --log-key yet: the round against a live log is not run"
fi

echo "ok: pqcha witness"
