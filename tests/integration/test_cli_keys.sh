#!/usr/bin/env bash
# pqcha keygen and pubkey: permissions, overwrite refusal, algorithms, key ids.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mode_of() { stat -c %a "$1"; }

# Default algorithm; the private key is 0600 whatever the umask.
umask 022
expect_exit 0 "$PQCHA" keygen -o key.pem
id=$(cat out)
[[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "keygen printed '$id', not a key id"
[ "$(mode_of key.pem)" = 600 ] || fail "key.pem has mode $(mode_of key.pem)"
[ -f key.pub.pem ] || fail "keygen did not write key.pub.pem"
grep -q "BEGIN PRIVATE KEY" key.pem || fail "key.pem is not a PEM private key"
grep -q "BEGIN PUBLIC KEY" key.pub.pem || fail "key.pub.pem is not a PEM public key"

# Refuses to overwrite without --force, and leaves the key untouched.
before=$(sha256sum key.pem)
expect_exit 4 "$PQCHA" keygen -o key.pem
assert_contains err "key.pem"
assert_contains err "exists"
[ "$(sha256sum key.pem)" = "$before" ] || fail "keygen changed key.pem without --force"
# ... also when only the public file exists.
touch lonely.pub.pem
expect_exit 4 "$PQCHA" keygen -o lonely.pem
[ ! -e lonely.pem ] || fail "keygen left a private key behind"

expect_exit 0 "$PQCHA" keygen --force -o key.pem
[ "$(cat out)" != "$id" ] || fail "--force did not write a new key"
[ "$(mode_of key.pem)" = 600 ] || fail "replaced key.pem has mode $(mode_of key.pem)"
id=$(cat out)

# pubkey: the id matches keygen's, for the private and the public file.
expect_exit 0 "$PQCHA" pubkey --id key.pem
[ "$(cat out)" = "$id" ] || fail "pubkey --id differs from keygen's id"
expect_exit 0 "$PQCHA" pubkey --id key.pub.pem
[ "$(cat out)" = "$id" ] || fail "pubkey --id of the public file differs"
expect_exit 0 "$PQCHA" pubkey key.pem
cmp -s out key.pub.pem || fail "pubkey output differs from key.pub.pem"
expect_exit 0 "$PQCHA" pubkey -o copy.pub.pem key.pem
cmp -s copy.pub.pem key.pub.pem || fail "pubkey -o wrote something else"
expect_exit 4 "$PQCHA" pubkey -o copy.pub.pem key.pem
expect_exit 0 "$PQCHA" pubkey --force -o copy.pub.pem key.pem

# The key id is SHA3-256 of the DER SubjectPublicKeyInfo (docs/FORMAT.md 2).
python3 - "$id" key.pub.pem <<'PY'
import base64, hashlib, sys
pem = open(sys.argv[2]).read().split("-----")[2]
der = base64.b64decode("".join(pem.split()))
assert hashlib.sha3_256(der).hexdigest() == sys.argv[1], "key id is not SHA3-256(SPKI DER)"
PY

# A group-readable private key: a warning, not a failure.
chmod 640 key.pem
expect_exit 0 "$PQCHA" pubkey --id key.pem
assert_contains err "warning"
assert_contains err "chmod 600"
chmod 600 key.pem
expect_exit 0 "$PQCHA" pubkey --id key.pem
[ ! -s err ] || { cat err; fail "warning printed for a 0600 key"; }

# Every algorithm, with an explicit --pub path.
for alg in ML-DSA-44 ML-DSA-65 ML-DSA-87; do
  expect_exit 0 "$PQCHA" keygen --algorithm "$alg" -o "$alg.key" --pub "$alg.pub"
  [ "$(mode_of "$alg.key")" = 600 ] || fail "$alg key has mode $(mode_of "$alg.key")"
  expect_exit 0 "$PQCHA" pubkey --id "$alg.pub"
done
# The public key sizes differ by algorithm: 1312 < 1952 < 2592 bytes.
s44=$(wc -c <ML-DSA-44.pub); s65=$(wc -c <ML-DSA-65.pub); s87=$(wc -c <ML-DSA-87.pub)
[ "$s44" -lt "$s65" ] && [ "$s65" -lt "$s87" ] || fail "public key sizes $s44 $s65 $s87"

expect_exit 4 "$PQCHA" keygen --algorithm RSA-2048 -o rsa.pem
assert_contains err "ML-DSA-65"
expect_exit 4 "$PQCHA" pubkey missing.pem
assert_contains err "missing.pem"
echo "not a key" >junk.pem
expect_exit 4 "$PQCHA" pubkey junk.pem

# Signing with a private key others can read is refused, as ssh refuses it;
# pinning a private key as a trusted key is refused; a PEM file holding two
# keys is refused, never silently trusted as its first.
printf 'bytes' >region.bin
chmod 644 key.pem
expect_exit 4 "$PQCHA" attest --key key.pem --workload w --region r=region.bin
assert_contains err "readable by group or others"
chmod 600 key.pem
"$PQCHA" attest --key key.pem --workload w --region r=region.bin -o report.json
expect_exit 4 "$PQCHA" verify --trust key.pem --authenticity-only report.json
assert_contains err "this is a private key"
"$PQCHA" keygen -o other.pem >/dev/null
cat key.pub.pem other.pub.pem >both.pub.pem
expect_exit 4 "$PQCHA" verify --trust both.pub.pem --authenticity-only report.json
assert_contains err "more than one PEM block"
expect_exit 0 "$PQCHA" verify --trust key.pub.pem --authenticity-only report.json

echo "ok: keygen and pubkey"
