#!/usr/bin/env bash
# pqcha policy, attest, verify and inspect end to end, with the exit code of
# every verdict: 0 valid, 1 drift, 2 rejected, 3 malformed, 4 usage/I/O.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
assert_last_line() { [ "$(tail -n 1 "$1")" = "$2" ] || { cat "$1" >&2; fail "last line is not '$2'"; }; }

nonce=0123456789abcdef0123456789abcdef
"$PQCHA" keygen -o signer.pem >/dev/null
"$PQCHA" keygen -o stranger.pem >/dev/null
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(300000)))' >weights.bin
printf 'tokenizer v1\n' >tokenizer.json

regions=(--region model-weights-0=weights.bin --region header=weights.bin@0x10+4096
         --region tokenizer=tokenizer.json)
expect_exit 0 "$PQCHA" policy --workload serving-1 --trust signer.pub.pem --platform file \
  "${regions[@]}" -o policy.json
python3 - policy.json weights.bin "$PQCHA_SOURCE/tests/oracle" <<'PY'
import hashlib, json, sys
sys.path.insert(0, sys.argv[3])
from tree_hash_ref import tree_digest_of_file
p = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
w = p["workloads"]["serving-1"]
assert p["version"] == 1 and len(p["trustedKeys"]) == 1
assert w["platform"] == "file" and w["allowExtraRegions"] is False
# The default digest is sha3-256-tree: a Merkle tree above one leaf (64 KiB) ...
assert w["regions"]["model-weights-0"] == {"sha3-256-tree": tree_digest_of_file(sys.argv[2]).hex()}
# ... and plain SHA3-256 up to one leaf.
assert w["regions"]["header"] == {"sha3-256-tree": hashlib.sha3_256(data[16:16 + 4096]).hexdigest()}
PY

attest() { "$PQCHA" attest --key signer.pem --workload serving-1 "${regions[@]}" "$@"; }
verify() { "$PQCHA" verify --trust signer.pub.pem --policy policy.json "$@"; }

# Valid.
expect_exit 0 attest --nonce "$nonce" -o report.json
expect_exit 0 verify --nonce "$nonce" report.json
assert_contains out "PASS  signature"
assert_contains out "PASS  region:model-weights-0"
assert_last_line out "VALID"
# Keys from the policy alone are trusted; stdin works.
expect_exit 0 "$PQCHA" verify --policy policy.json --nonce "$nonce" - <report.json
assert_last_line out "VALID"

# --json: parses, has the verdict and every check.
expect_exit 0 verify --json --nonce "$nonce" report.json
python3 -c '
import json, sys
r = json.load(open("out"))
names = [c["name"] for c in r["checks"]]
assert r["verdict"] == "valid", r["verdict"]
for n in ("signature", "nonce", "region:model-weights-0", "region:tokenizer"):
    assert n in names, (n, names)
assert all(c["status"] == "pass" for c in r["checks"] if c["name"] != "evidence")
ev = [c for c in r["checks"] if c["name"] == "evidence"]
assert ev and ev[0]["status"] == "skipped", ev  # the policy requires no hardware evidence
'

# One flipped byte in the weights: drift (1), naming the region.
cp weights.bin weights.orig
printf '\xff' | dd of=weights.bin bs=1 seek=200000 conv=notrunc status=none
expect_exit 0 attest --nonce "$nonce" -o drift.json
expect_exit 1 verify --nonce "$nonce" drift.json
assert_contains out "FAIL  region:model-weights-0"
assert_last_line out "DRIFT in 1 region: model-weights-0"
expect_exit 1 verify --json --nonce "$nonce" drift.json
python3 -c 'import json; r = json.load(open("out")); assert r["verdict"] == "drift", r'
cp weights.orig weights.bin

# Signed by a key nobody trusts: rejected (2).
expect_exit 0 "$PQCHA" attest --key stranger.pem --workload serving-1 "${regions[@]}" -o stranger.json
expect_exit 2 verify stranger.json
assert_last_line out "REJECTED: signed by a key that is not trusted"

# Wrong nonce: rejected (2).
expect_exit 2 verify --nonce ffffffffffffffffffffffffffffffff report.json
assert_contains out "FAIL  nonce"
assert_contains out "REJECTED"

# Expired as of a later --now, and not yet valid as of an earlier one: rejected (2).
expect_exit 0 attest --now 2030-01-01T00:00:00Z --ttl 60 -o dated.json
expect_exit 0 verify --now 2030-01-01T00:00:30Z dated.json
expect_exit 2 verify --now 2030-01-01T00:02:00Z dated.json
assert_contains out "expired"
expect_exit 2 verify --now 2029-12-31T23:00:00Z dated.json

# A tampered payload byte: the signature no longer verifies (2).
python3 - report.json <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
payload = bytearray(base64.b64decode(env["payload"]))
payload[payload.index(b"serving-1")] ^= 0x01
env["payload"] = base64.b64encode(bytes(payload)).decode()
json.dump(env, open("tampered.json", "w"), separators=(",", ":"))
PY
expect_exit 2 verify tampered.json
assert_contains out "FAIL  signature"

# Malformed (3): garbage, truncated, empty.
echo 'this is not json' >garbage.json
expect_exit 3 verify garbage.json
assert_contains out "MALFORMED"
head -c 700 report.json >truncated.json
expect_exit 3 verify truncated.json
: >empty.json
expect_exit 3 verify empty.json

# A report on stdin is capped like a file: 16 MiB and one byte is malformed (3).
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >oversize.json
expect_exit 3 "$PQCHA" verify --policy policy.json - <oversize.json
assert_contains err "16 MiB"
expect_exit 3 "$PQCHA" inspect - <oversize.json

# inspect prints an UNVERIFIED payload: nothing in it reaches the terminal raw,
# neither C1 controls (U+009B is CSI, "\xc2\x9b" in UTF-8) nor bidi overrides.
python3 - report.json <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
payload = json.loads(base64.b64decode(env["payload"]))
payload["note"] = "\u009b2J\u009b31mALL CLEAR\u202e"
env["payload"] = base64.b64encode(json.dumps(payload, ensure_ascii=False).encode()).decode()
json.dump(env, open("escapes.json", "w"), separators=(",", ":"))
PY
expect_exit 3 "$PQCHA" inspect escapes.json
assert_contains out "UNVERIFIED"
assert_contains out '\u009B2J'
python3 - out <<'PY' || fail "inspect printed a non-ASCII byte"
import sys
data = open(sys.argv[1], "rb").read()
sys.exit(1 if any(b >= 0x80 for b in data) else 0)
PY

# Usage and I/O errors (4).
expect_exit 4 verify no-such-report.json
assert_contains err "no-such-report.json"
expect_exit 4 "$PQCHA" verify --trust missing.pub.pem --authenticity-only report.json
expect_exit 4 "$PQCHA" verify --trust signer.pub.pem --policy missing-policy.json report.json
expect_exit 4 "$PQCHA" verify --trust signer.pub.pem --now yesterday --authenticity-only report.json
expect_exit 4 "$PQCHA" verify --authenticity-only report.json
assert_contains err "no trusted keys"
expect_exit 4 verify report.json extra-argument
expect_exit 4 "$PQCHA" verify --trust signer.pub.pem --policy policy.json --authenticity-only report.json

# No policy: refused unless --authenticity-only says that is intended.
expect_exit 4 "$PQCHA" verify --trust signer.pub.pem report.json
assert_contains err "--authenticity-only"
assert_contains err "memory as expected"
expect_exit 0 "$PQCHA" verify --trust signer.pub.pem --authenticity-only drift.json
assert_contains out "VALID (authenticity only"
assert_contains out "SKIP  workload"
expect_exit 2 "$PQCHA" verify --trust signer.pub.pem --authenticity-only stranger.json

# attest errors (4): public key as signer, missing region file, range past the end,
# and a platform backend whose device is absent.
expect_exit 4 "$PQCHA" attest --key signer.pub.pem --workload serving-1 "${regions[@]}"
assert_contains err "private key"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 --region r=no-such-file
assert_contains err "no-such-file"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 --region r=tokenizer.json@0+100000
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 --region r=tokenizer.json --nonce xyz
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 --backend amd-sev-snp
assert_contains err "platform device not present"
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 --backend no-such-backend
assert_contains err "amd-sev-snp"

# More regions than a report or a policy can carry: refused before anything is
# hashed, with the size and the real limit, and no output file.
ln -s tokenizer.json t # short arguments: 60 000 regions within the kernel's ARG_MAX
# --stale-after: the workload's own interval for a verifier service, in the
# policy as staleAfterSeconds (0: never); verification itself ignores it.
expect_exit 0 "$PQCHA" policy --workload serving-1 --trust signer.pub.pem --platform file \
  "${regions[@]}" --stale-after 45 -o stale-policy.json
python3 -c '
import json
w = json.load(open("stale-policy.json"))["workloads"]["serving-1"]
assert w["staleAfterSeconds"] == 45, w
'
expect_exit 0 attest --nonce "$nonce" -o stale-report.json
expect_exit 0 "$PQCHA" verify --trust signer.pub.pem --policy stale-policy.json --nonce "$nonce" \
  stale-report.json
expect_exit 4 "$PQCHA" policy --workload serving-1 --region weights=weights.bin \
  --stale-after 31536001 -o stale-policy.json
assert_contains err "--stale-after: 31536001 is above the maximum 31536000"
expect_exit 4 "$PQCHA" policy --workload serving-1 --region weights=weights.bin \
  --stale-after soon -o stale-policy.json
many=()
for i in $(seq 1 60000); do many+=("--region=r$i=t"); done
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 "${many[@]}" -o many.json
assert_contains err "above the 12 MiB a report's payload may have"
assert_contains err "nothing was hashed"
[ ! -e many.json ] || fail "a refused attest left many.json"
expect_exit 4 "$PQCHA" policy --workload serving-1 --trust signer.pub.pem "${many[@]}" -o many.json
assert_contains err "above the 4 MiB a policy may have"
assert_contains err "nothing was hashed"
[ ! -e many.json ] || fail "a refused policy left many.json"
# A region id given twice is found among thousands, and named.
expect_exit 4 "$PQCHA" attest --key signer.pem --workload serving-1 "${many[@]:0:9998}" "${many[@]:4:1}"
assert_contains err "'r5' given twice"
unset many

# --expect and --sequence end up in the (unverified) report.
digest=$("$PQCHA" hash tokenizer.json | cut -d' ' -f1)
expect_exit 0 "$PQCHA" attest --key signer.pem --workload serving-1 --region tokenizer=tokenizer.json \
  --expect "tokenizer=$digest" --sequence 41 -o seq.json

# Every algorithm signs and verifies; the signature length shows in inspect.
for alg in ML-DSA-44:2420 ML-DSA-65:3309 ML-DSA-87:4627; do
  "$PQCHA" keygen --algorithm "${alg%%:*}" -o "$alg.pem" >/dev/null
  expect_exit 0 "$PQCHA" attest --key "$alg.pem" --workload serving-1 --region t=tokenizer.json -o "$alg.json"
  expect_exit 0 "$PQCHA" verify --trust "$alg.pub.pem" --authenticity-only "$alg.json"
  expect_exit 0 "$PQCHA" inspect "$alg.json"
  assert_contains out "${alg##*:} bytes (${alg%%:*})"
done

# A file name with '@' but no range is just a file name.
cp tokenizer.json 'tok@v1.json'
expect_exit 0 "$PQCHA" attest --key signer.pem --workload w --region 't=tok@v1.json' -o at.json

# inspect: the UNVERIFIED banner on both streams, key id, signature length, regions.
expect_exit 0 "$PQCHA" inspect seq.json
head -n 1 out | grep -q '^UNVERIFIED' || fail "first stdout line of inspect is not the banner"
assert_contains err "UNVERIFIED"
assert_contains out "$("$PQCHA" pubkey --id signer.pem)"
assert_contains out "3309 bytes"
assert_contains out "tokenizer"
assert_contains out "$digest"
assert_contains out '"sequence": 41'
expect_exit 3 "$PQCHA" inspect garbage.json
expect_exit 4 "$PQCHA" inspect no-such-report.json

# Progress: none when stderr is not a terminal; on a terminal, a line for a
# large region, cleared afterwards, and the report is the same kind of report.
truncate -s 64M large.bin
expect_exit 0 "$PQCHA" policy --workload big --trust signer.pub.pem --region large=large.bin -o big-policy.json
expect_exit 0 "$PQCHA" attest --key signer.pem --workload big --region large=large.bin -o big.json
[ ! -s err ] || fail "progress shown although stderr is not a terminal"
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
  script -qec "'$PQCHA' attest --key signer.pem --workload big --region large=large.bin -o big-tty.json" \
    /dev/null >tty.out
  grep -q 'large: .*MB/s' tty.out || fail "no progress on a terminal: $(od -c tty.out | head -5)"
  expect_exit 0 "$PQCHA" verify --policy big-policy.json big-tty.json
  assert_contains out "VALID"
  python3 - big-tty.json <<'PY'
import base64, json, sys
stmt = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
assert stmt["predicate"]["platform"] == "file", stmt["predicate"]["platform"]
PY
fi

echo "ok: policy, attest, verify, inspect"
