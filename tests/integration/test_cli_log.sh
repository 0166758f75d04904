#!/usr/bin/env bash
# pqcha log verify-inclusion, verify-consistency and audit, offline, against
# mirrors written without a server by tests/helpers/tlog_mirror_helper.c
# (from reports made here with keygen/attest), with the exit code of every
# outcome: 0 verified, 1 the log's data contradicts it, 2 not the log's,
# 3 malformed, 4 usage/I/O.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${PQCHA_BUILD:?}"
helper="$PQCHA_BUILD/tlog_mirror_helper"
[ -x "$helper" ] || fail "$helper not built"
assert_last_line() { [ "$(tail -n 1 "$1")" = "$2" ] || { cat "$1" >&2; fail "last line is not '$2'"; }; }
assert_not_contains() { ! grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 has '$2'"; }; }

origin=example.com/pqcha-log
for k in signer log otherlog; do "$PQCHA" keygen -o $k.pem >/dev/null; done
for k in w1 w2 w3; do "$PQCHA" keygen -a ML-DSA-44 -o $k.pem >/dev/null; done

# Three valid reports, one drifted, one whose signature was altered.
printf 'model weights v1\n' >weights.bin
"$PQCHA" policy --workload serving-1 --trust signer.pub.pem --platform file \
  --region weights=weights.bin -o policy.json >/dev/null
attest() { "$PQCHA" attest --key signer.pem --workload serving-1 --region weights=weights.bin "$@"; }
for n in 1 2 3; do attest --nonce "0123456789abcdef0123456789abcde$n" -o r$n.json; done
printf 'model weights v2\n' >weights.bin
attest --nonce 0123456789abcdef0123456789abcdef -o r4.json
python3 - r1.json rbad.json <<'PY'
import json, sys
env = json.load(open(sys.argv[1]))
sig = env["signatures"][0]["sig"]
env["signatures"][0]["sig"] = ("B" if sig[0] != "B" else "C") + sig[1:]
open(sys.argv[2], "w").write(json.dumps(env))
PY

# The log: 300 entries (a full level-0 tile, a partial one, a level-1 tile),
# cosigned by witnesses w1 and w2; receipts, and checkpoints at 3 and 5.
mirror() { "$helper" --key log.pem --origin "$origin" --policy policy.json --trust signer.pub.pem "$@"; }
mirror --out m --receipts rc --at 3 --at 5 --count 300 \
  --witness w1=w1.pem --witness w2=w2.pem r1.json r2.json r3.json r4.json
# The same log when it had 5 entries (for pqcha log mirror).
mirror --out s5 --count 5 r1.json r2.json r3.json r4.json
[ -f m/tile/0/000 ] && [ -f m/tile/0/001.p/44 ] && [ -f m/tile/1/000.p/1 ] &&
  [ -f m/tile/entries/001.p/44 ] || fail "unexpected mirror layout: $(cd m && find . -type f | head)"

# ---- usage ----
expect_exit 0 "$PQCHA" log --help
assert_contains out "verify-inclusion"
for sub in verify-inclusion verify-consistency audit mirror; do
  expect_exit 0 "$PQCHA" log $sub --help
  assert_contains out "Exit codes"
done
expect_exit 0 "$PQCHA" help log
expect_exit 4 "$PQCHA" log
expect_exit 4 "$PQCHA" log frobnicate
assert_contains err "unknown command"
expect_exit 4 "$PQCHA" log verify-inclusion --receipt rc/receipt-3.json
assert_contains err "--log-key"
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem --policy policy.json --receipt rc/receipt-3.json
assert_contains err "does not apply"
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem rc/entry-3
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem --receipt rc/receipt-3.json rc/entry-3 rc/proof-3.json
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem rc/entry-3 rc/proof-3.json
assert_contains err "--checkpoint"
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pem --receipt rc/receipt-3.json
assert_contains err "private key"
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem --receipt missing.json
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem --min-witnesses 1 --receipt rc/receipt-3.json
expect_exit 4 "$PQCHA" log verify-inclusion --log-key log.pub.pem --witness w1.pub.pem --receipt rc/receipt-3.json
assert_contains err "NAME=PUB.pem"

# ---- verify-inclusion ----
incl() { "$PQCHA" log verify-inclusion --log-key log.pub.pem "$@"; }
expect_exit 0 incl --receipt rc/receipt-3.json
assert_contains out "PASS  inclusion: entry 3 of 300"
assert_contains out "verdict:   drift (MEMORY_DRIFT)"
assert_contains out "INCLUDED"
expect_exit 0 incl --origin "$origin" --checkpoint m/checkpoint rc/entry-299 rc/proof-299.json
expect_exit 0 incl --checkpoint m/checkpoint rc/entry-0 rc/receipt-0.json
expect_exit 0 incl --witness w1=w1.pub.pem --witness w2=w2.pub.pem --min-witnesses 2 --receipt rc/receipt-7.json
assert_contains out "PASS  checkpoint witnesses: 2 of the 2 trusted cosigned (2 required)"
expect_exit 0 incl --witness w2=w2.pub.pem --receipt rc/receipt-7.json

# The wrong entry, index or proof: not included (1), naming the failure.
expect_exit 1 incl --checkpoint m/checkpoint rc/entry-4 rc/proof-3.json
assert_contains out "FAIL  inclusion: entry 3 of 300"
assert_contains out "(LOG_PROOF)"
assert_last_line out "NOT INCLUDED: the proof does not lead from this entry to the checkpoint's root"
expect_exit 1 incl --checkpoint m/checkpoint rc/entry-4 rc/receipt-3.json
assert_contains out "the proof file's entry is not rc/entry-4"
python3 - rc/proof-3.json <<'PY'
import base64, json, sys
p = json.load(open(sys.argv[1]))
json.dump(dict(p, index=4), open("index.json", "w"))
h = bytearray(base64.b64decode(p["inclusionProof"][2])); h[5] ^= 1
q = dict(p); q["inclusionProof"] = list(p["inclusionProof"]); q["inclusionProof"][2] = base64.b64encode(bytes(h)).decode()
json.dump(q, open("flipped.json", "w"))
json.dump(dict(p, inclusionProof=p["inclusionProof"][:-1]), open("short.json", "w"))
json.dump(dict(p, index=300), open("beyond.json", "w"))
json.dump(dict(p, inclusionProof=p["inclusionProof"] + [5]), open("bad.json", "w"))
PY
expect_exit 1 incl --checkpoint m/checkpoint rc/entry-3 index.json
assert_contains out "FAIL  inclusion: entry 4 of 300"
assert_contains out "(LOG_PROOF)"
expect_exit 1 incl --checkpoint m/checkpoint rc/entry-3 flipped.json
assert_contains out "(LOG_PROOF)"
expect_exit 1 incl --checkpoint m/checkpoint rc/entry-3 short.json
assert_contains out "(LOG_PROOF_SIZE)"
assert_contains out "wrong number of hashes"
expect_exit 1 incl --checkpoint rc/checkpoint-5 rc/entry-3 rc/proof-3.json
assert_contains out "the proof is for a tree of 300 entries, the checkpoint's has 5"
# Malformed proof files (3).
expect_exit 3 incl --checkpoint m/checkpoint rc/entry-3 beyond.json
assert_contains out "(OUT_OF_RANGE)"
expect_exit 3 incl --checkpoint m/checkpoint rc/entry-3 bad.json
assert_contains out "(WRONG_TYPE)"
printf 'not json' >garbage.json
expect_exit 3 incl --checkpoint m/checkpoint rc/entry-3 garbage.json
assert_last_line out "MALFORMED: garbage.json"

# A checkpoint signed by another key (2); another origin (2); a log that
# signs a checkpoint of another origin under this one's name (2).
"$helper" --key otherlog.pem --origin "$origin" --out other r1.json r2.json r3.json
expect_exit 2 incl --checkpoint other/checkpoint rc/entry-3 rc/proof-3.json
assert_contains out "(UNTRUSTED_KEY)"
assert_last_line out "REJECTED: the checkpoint is not the log's, or lacks the witnesses required"
"$helper" --key log.pem --origin example.com/another-log --out another r1.json
expect_exit 2 incl --origin "$origin" --checkpoint another/checkpoint rc/entry-0 rc/proof-0.json
assert_contains out "FAIL  checkpoint: not signed by the log's key under this origin"
"$helper" --key log.pem --origin example.com/another-log --key-name "$origin" --out liar r1.json
expect_exit 2 incl --origin "$origin" --checkpoint liar/checkpoint rc/entry-0 rc/proof-0.json
assert_contains out "(LOG_ORIGIN)"
# An altered checkpoint (2) and a malformed one (3).
sed 's/^300$/301/' m/checkpoint >altered
expect_exit 2 incl --checkpoint altered rc/entry-3 rc/proof-3.json
assert_contains out "(BAD_SIGNATURE)"
printf 'just text\n' >notnote
expect_exit 3 incl --checkpoint notnote rc/entry-3 rc/proof-3.json
assert_contains out "(LOG_NOTE)"
assert_last_line out "MALFORMED: the checkpoint is not a well-formed signed checkpoint"

# Witnesses below the quorum (2).
expect_exit 2 incl --witness w1=w1.pub.pem --witness w3=w3.pub.pem --min-witnesses 2 --receipt rc/receipt-7.json
assert_contains out "FAIL  checkpoint witnesses: fewer than 2 of the 2 trusted witnesses cosigned it (LOG_WITNESSES)"
expect_exit 2 incl --witness w3=w3.pub.pem --receipt rc/receipt-7.json
assert_contains out "(LOG_WITNESSES)"
expect_exit 2 incl --witness w1=w1.pub.pem --checkpoint another/checkpoint rc/entry-0 rc/proof-0.json
assert_contains out "(LOG_WITNESSES)" # a checkpoint nobody cosigned

# ---- verify-consistency ----
cons() { "$PQCHA" log verify-consistency --log-key log.pub.pem "$@"; }
expect_exit 0 cons rc/checkpoint-3 m/checkpoint rc/consistency-3.json
assert_contains out "PASS  consistency: the tree of 300 entries extends the tree of 3"
assert_last_line out "CONSISTENT"
expect_exit 0 cons --origin "$origin" rc/checkpoint-5 m/checkpoint rc/consistency-5.json
expect_exit 0 cons m/checkpoint m/checkpoint
# Forked: the same key and origin, the same size, another tree (1).
mirror --out fork --count 300 --lie 5=rejected:BAD_SIGNATURE r1.json r2.json r3.json r4.json
expect_exit 1 cons m/checkpoint fork/checkpoint
assert_contains out "(LOG_FORK)"
assert_last_line out "FORKED: two checkpoints of the same size with different roots"
# Rolled back (1).
expect_exit 1 cons m/checkpoint rc/checkpoint-5
assert_contains out "(LOG_ROLLBACK)"
assert_last_line out "ROLLED BACK: the new checkpoint has fewer entries than the old one"
# A proof that does not verify, or is for other sizes (1).
python3 - rc/consistency-3.json <<'PY'
import base64, json, sys
p = json.load(open(sys.argv[1]))
h = bytearray(base64.b64decode(p["consistencyProof"][0])); h[0] ^= 0x80
q = dict(p); q["consistencyProof"] = [base64.b64encode(bytes(h)).decode()] + p["consistencyProof"][1:]
json.dump(q, open("cflipped.json", "w"))
json.dump(dict(p, consistencyProof=p["consistencyProof"][1:]), open("cshort.json", "w"))
PY
expect_exit 1 cons rc/checkpoint-3 m/checkpoint cflipped.json
assert_contains out "(LOG_PROOF)"
assert_last_line out "INCONSISTENT: the proof does not lead to both roots"
expect_exit 1 cons rc/checkpoint-3 m/checkpoint cshort.json
assert_contains out "(LOG_PROOF_SIZE)"
expect_exit 1 cons rc/checkpoint-5 m/checkpoint rc/consistency-3.json
assert_contains out "the proof is from 3 to 300 entries, the checkpoints are 5 and 300"
expect_exit 4 cons rc/checkpoint-3 m/checkpoint
assert_contains err "a PROOF is needed"
# Not the log's (2), two logs (2), malformed proof (3).
expect_exit 2 cons rc/checkpoint-3 other/checkpoint rc/consistency-3.json
assert_contains out "(UNTRUSTED_KEY)"
expect_exit 2 cons another/checkpoint m/checkpoint rc/consistency-3.json
assert_contains out "(LOG_ORIGIN)"
assert_last_line out "REJECTED: the checkpoints are of two different logs"
expect_exit 3 cons rc/checkpoint-3 m/checkpoint garbage.json
expect_exit 3 cons rc/checkpoint-3 m/checkpoint rc/proof-3.json
assert_contains out "(UNKNOWN_FIELD)"

# ---- audit ----
audit() { "$PQCHA" log audit --log-key log.pub.pem --policy policy.json "$@"; }
expect_exit 0 audit m
assert_contains out "PASS  tiles: 3 tiles of 2 levels lead to the checkpoint's root"
assert_contains out "PASS  entries: 300 entries"
assert_contains out "PASS  signatures: 300 verified"
assert_contains out "PASS  verdicts: 300 recomputed as logged"
assert_last_line out "AUDIT OK: the mirror holds the log of 300 entries its checkpoint commits to"
expect_exit 0 audit --json --witness w1=w1.pub.pem m
python3 -c '
import json
r = json.load(open("out"))
assert r["ok"] is True and r["treeSize"] == 300 and r["discrepancies"] == [], r
assert r["checked"]["verdictsRecomputed"] == 300 and r["checked"]["tiles"] == 3, r'
# Without keys or policies: structure only, saying what was skipped.
expect_exit 0 "$PQCHA" log audit --log-key log.pub.pem m
assert_contains out "SKIP  signatures: no trusted keys"
assert_contains out "SKIP  verdicts: no --policy"
# Against a checkpoint of its own: the mirror is another log (2), or another tree (1).
expect_exit 2 audit --checkpoint other/checkpoint m
expect_exit 1 audit --checkpoint fork/checkpoint m
assert_contains out "(LOG_TILE)"
expect_exit 4 audit nowhere
# An older checkpoint: its partial tiles are prefixes of the mirror's full ones.
expect_exit 0 audit --checkpoint rc/checkpoint-5 m
assert_contains out "PASS  entries: 5 entries"
# --json: a checkpoint that is not the log's says why on stderr.
expect_exit 2 audit --json --checkpoint other/checkpoint m
assert_contains err "checkpoint: not signed by the log's key under this origin"
[ ! -s out ] || fail "--json printed on a refused checkpoint: $(cat out)"

tampered() { rm -rf t; cp -r m t; }
# A tampered tile: named, LOG_TILE.
tampered
printf '\x01' | dd of=t/tile/0/000 bs=1 seek=100 conv=notrunc status=none
expect_exit 1 audit t
assert_contains out "FAIL  tiles: the tiles do not hash to each other and the checkpoint's root: a tampered tile"
assert_contains out "tile/0/000"
assert_contains out "(LOG_TILE)"
assert_last_line out "AUDIT FAILED: 2 discrepancies" # the tile, and the entry it no longer holds
# A truncated tile: named, LOG_TILE_SIZE.
tampered
truncate -s -1 t/tile/0/001.p/44
expect_exit 1 audit t
assert_contains out "FAIL  tile/0/001.p/44: not 32 bytes per hash of its width: truncated or overlong (LOG_TILE_SIZE)"
# A tampered report file.
tampered
report=$(ls t/report | head -n 1)
python3 - "t/report/$report" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-5] ^= 1; open(p, "wb").write(b)
PY
expect_exit 1 audit t
assert_contains out "report/$report does not hash to the SHA-256 the entry names: a tampered report"
# A missing report file.
tampered
rm "t/report/$report"
expect_exit 1 audit t
assert_contains out "report/$report: missing from the mirror (NOT_FOUND)"
# A tampered entry (its receivedAt moved by a second): LOG_TILE, naming it.
tampered
python3 - t/tile/entries/001.p/44 <<'PY'
import re, sys
p = sys.argv[1]; b = open(p, "rb").read()
m = re.search(rb'"receivedAt":"[^"]*(\d)Z"', b)
d = m.start(1)
b = b[:d] + bytes([ord("0") + (b[d] - ord("0") + 1) % 10]) + b[d + 1:]
open(p, "wb").write(b)
PY
expect_exit 1 audit t
assert_contains out "FAIL  entry 256: not the entry its tile holds: a tampered entry (or tile) (LOG_TILE)"
assert_last_line out "AUDIT FAILED: 1 discrepancy"
# A bundle with an entry too few, or trailing bytes: LOG_BUNDLE.
tampered
printf 'xx' >>t/tile/entries/000
expect_exit 1 audit t
assert_contains out "FAIL  tile/entries/000: not 256 entries, each with its length (LOG_BUNDLE)"
# A wrong logged verdict: entry 3 (the drifted report) logged valid.
mirror --out lie --count 8 --lie 3=valid:OK r1.json r2.json r3.json r4.json
expect_exit 1 audit lie
assert_contains out "FAIL  entry 3: logged valid (OK), recomputed drift (MEMORY_DRIFT) under policy.json"
assert_contains out "FAIL  verdicts: 7 recomputed as logged, 0 under other policies, 0 decided by the service's challenges; 1 discrepancy"
expect_exit 1 audit --json lie
python3 -c '
import json
r = json.load(open("out"))
assert r["ok"] is False and r["discrepancyCount"] == 1, r
d = r["discrepancies"][0]
assert d["kind"] == "verdict" and d["entry"] == 3, d'
# A report whose signature does not verify, logged valid.
mirror --out badsig --lie 1=valid:OK r1.json rbad.json
expect_exit 1 audit badsig
assert_contains out "FAIL  entry 1: logged valid, but the report's signature does not verify (BAD_SIGNATURE)"
assert_contains out "FAIL  entry 1: logged valid (OK), recomputed rejected (BAD_SIGNATURE)"
# As logged (rejected): no discrepancy; other policies are counted apart.
mirror --out asis r1.json rbad.json
expect_exit 0 audit asis
assert_contains out "PASS  signatures: 1 verified with the trusted keys, 1 not (logged as rejected)"
assert_contains out "PASS  verdicts: 2 recomputed as logged"
printf '\n' >>policy.json
expect_exit 0 audit asis
assert_contains out "0 recomputed as logged, 2 under other policies"

# ---- mirror: a log served as static files (any HTTP server can) ----
mkdir web
python3 -c '
import functools, http.server
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="web")
handler.func.log_message = lambda *a: None
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
open("web.port.new", "w").write(str(server.server_address[1]))
__import__("os").rename("web.port.new", "web.port")
server.serve_forever()' &
web_pid=$!
cleanup_hooks+=("kill $web_pid 2>/dev/null")
for ((i = 0; i < 600; i++)); do [ -f web.port ] && break; sleep 0.05; done
[ -f web.port ] || fail "the static HTTP server did not start"
web="http://127.0.0.1:$(cat web.port)/log"
serve_log() { rm -rf web/log && cp -r "$1" web/log; }
mir() { "$PQCHA" log mirror --log "$web" --log-key log.pub.pem --origin "$origin" "$@"; }
serve_log s5
expect_exit 0 mir mm
assert_last_line out "MIRRORED: mm holds the log of 5 entries (5 new)"
expect_exit 0 audit mm
# The log grew (the same first 5 entries): only what mm lacks is fetched,
# mm's tree is recomputed from the new tiles, the old partial tiles go.
serve_log m
expect_exit 0 mir mm
assert_contains out "PASS  consistency: the log's 300 entries extend DIR's 5"
assert_contains out "2 bundles and 0 reports fetched" # its 4 reports repeat: mm has them
[ ! -e mm/tile/0/000.p/5 ] && [ ! -e mm/tile/entries/000.p/5 ] || fail "old partial tiles left in mm"
expect_exit 0 audit mm
assert_last_line out "AUDIT OK: the mirror holds the log of 300 entries its checkpoint commits to"
expect_exit 0 mir mm # nothing new
assert_contains out "0 bundles and 0 reports fetched"
# Rolled back, forked: refused, and the mirror's checkpoint kept.
cp mm/checkpoint mm.checkpoint
serve_log s5
expect_exit 1 mir mm
assert_contains out "ROLLED BACK"
assert_contains out "(LOG_ROLLBACK)"
cmp -s mm/checkpoint mm.checkpoint || fail "a rolled-back log replaced the mirror's checkpoint"
serve_log s5
expect_exit 0 mir mf
serve_log lie # entry 3 of another verdict: not the tree mf holds
expect_exit 1 mir mf
assert_contains out "FORKED"
assert_contains out "(LOG_FORK)"
cmp -s mf/checkpoint s5/checkpoint || fail "a forked log replaced the mirror's checkpoint"
# Tampered files on the server: refused, nothing published.
serve_log s5
printf '\x01' | dd of=web/log/tile/0/000.p/5 bs=1 seek=40 conv=notrunc status=none
expect_exit 1 mir mt
assert_contains out "(LOG_TILE)"
[ ! -e mt/checkpoint ] || fail "a mirror of a tampered log got a checkpoint"
serve_log s5
rm -rf mt
report=$(ls web/log/report | head -n 1)
printf ' ' >>"web/log/report/$report"
expect_exit 1 mir mt
assert_contains out "is not the report it names"
[ ! -e "mt/report/$report" ] && [ ! -e mt/checkpoint ] || fail "a tampered report was kept"
# Not the log's key (2); a directory holding another log's mirror (4);
# nothing listening (4); usage.
serve_log s5
expect_exit 2 "$PQCHA" log mirror --log "$web" --log-key otherlog.pub.pem mo
serve_log other
expect_exit 4 "$PQCHA" log mirror --log "$web" --log-key otherlog.pub.pem --origin "$origin" mm
assert_contains err "not a checkpoint of this log"
expect_exit 4 mir --log http://127.0.0.1:1/log mm
expect_exit 4 "$PQCHA" log mirror --log-key log.pub.pem mm
assert_contains err "--log URL is required"
expect_exit 4 mir
expect_exit 4 mir --log ftp://example.com/log mm

echo "ok: pqcha log"
