// noble.mjs — the other side of pqcha's ML-DSA interop test, written against
// @noble/post-quantum (an independent FIPS 204 implementation in JavaScript).
//
//   node noble.mjs verify PUBRAWHEX ENVELOPE.json   exit 0 valid, 1 invalid
//   node noble.mjs sign OUTDIR                      writes noble.pub.pem, noble.payload, noble.envelope.json
//   node noble.mjs tamper IN.json OUT.json          same signature, one payload byte changed
//
// It re-implements, from docs/FORMAT.md alone, the DSSE PAE, the RFC 9881
// SubjectPublicKeyInfo and the key id, so a disagreement with pqcha on any
// of them fails the test.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { sha3_256 } from '@noble/hashes/sha3.js';

const PAYLOAD_TYPE = 'application/vnd.pqcha.attestation.v1+json';

// Raw public key length -> implementation and RFC 9881 OID arc (2.16.840.1.101.3.4.3.N).
const BY_PUBLIC_KEY_LENGTH = new Map([
  [1312, { name: 'ML-DSA-44', impl: ml_dsa44, oidArc: 17 }],
  [1952, { name: 'ML-DSA-65', impl: ml_dsa65, oidArc: 18 }],
  [2592, { name: 'ML-DSA-87', impl: ml_dsa87, oidArc: 19 }],
]);

const utf8 = (s) => new TextEncoder().encode(s);
const toHex = (b) => Buffer.from(b).toString('hex');
const concat = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

// DSSE v1: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in decimal bytes.
function pae(payloadType, payload) {
  const type = utf8(payloadType);
  return concat(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

// DER definite length (short form below 128, else long form).
function derLength(n) {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

// SEQUENCE { SEQUENCE { OID id-ml-dsa-XX } (no parameters), BIT STRING { 0, raw } }:
// a fixed header per parameter set in front of the raw key.
function spkiDer(rawPublicKey) {
  const alg = BY_PUBLIC_KEY_LENGTH.get(rawPublicKey.length);
  if (!alg) throw new Error(`no ML-DSA public key has ${rawPublicKey.length} bytes`);
  const oid = Uint8Array.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, alg.oidArc);
  const algorithmIdentifier = concat(Uint8Array.of(0x30), derLength(oid.length), oid);
  const bitString = concat(Uint8Array.of(0x03), derLength(rawPublicKey.length + 1), Uint8Array.of(0x00),
    rawPublicKey);
  const body = concat(algorithmIdentifier, bitString);
  return concat(Uint8Array.of(0x30), derLength(body.length), body);
}

const keyId = (rawPublicKey) => toHex(sha3_256(spkiDer(rawPublicKey)));

function pem(label, der) {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g);
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// Keys in sorted order and no whitespace, as pqcha writes envelopes.
function envelopeJson(payload, keyid, sig) {
  return JSON.stringify({
    payload: Buffer.from(payload).toString('base64'),
    payloadType: PAYLOAD_TYPE,
    signatures: [{ keyid, sig: Buffer.from(sig).toString('base64') }],
  });
}

function verify(pubRawHex, envelopePath) {
  const rawPublicKey = new Uint8Array(Buffer.from(pubRawHex, 'hex'));
  const alg = BY_PUBLIC_KEY_LENGTH.get(rawPublicKey.length);
  if (!alg) throw new Error(`no ML-DSA public key has ${rawPublicKey.length} bytes`);
  const env = JSON.parse(readFileSync(envelopePath, 'utf8'));
  const problems = [];
  if (env.payloadType !== PAYLOAD_TYPE) problems.push('payloadType');
  if (!Array.isArray(env.signatures) || env.signatures.length !== 1) problems.push('signature count');
  const [signature] = env.signatures ?? [];
  if (signature?.keyid !== keyId(rawPublicKey)) problems.push('keyid');
  const payload = new Uint8Array(Buffer.from(env.payload ?? '', 'base64'));
  const sig = new Uint8Array(Buffer.from(signature?.sig ?? '', 'base64'));
  // Pure ML-DSA, empty context: noble's default when no context is passed.
  let ok = false;
  try {
    ok = alg.impl.verify(sig, pae(env.payloadType, payload), rawPublicKey);
  } catch (e) {
    problems.push(`verify threw: ${e.message}`);
  }
  if (!ok) problems.push('signature');
  if (problems.length) {
    console.log(`invalid (${alg.name}): ${problems.join(', ')}`);
    return 1;
  }
  console.log(`valid (${alg.name})`);
  return 0;
}

function sign(outDir) {
  const keys = ml_dsa65.keygen();
  const payload = utf8(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', note: 'signed by noble' }));
  const sig = ml_dsa65.sign(pae(PAYLOAD_TYPE, payload), keys.secretKey);
  writeFileSync(join(outDir, 'noble.pub.pem'), pem('PUBLIC KEY', spkiDer(keys.publicKey)));
  writeFileSync(join(outDir, 'noble.payload'), payload);
  writeFileSync(join(outDir, 'noble.envelope.json'), envelopeJson(payload, keyId(keys.publicKey), sig));
  console.log(toHex(keys.publicKey));
  return 0;
}

// Keeps the signature and keyid, changes the payload's last byte: the
// envelope stays well-formed, so only the signature check can catch it.
function tamper(inPath, outPath) {
  const env = JSON.parse(readFileSync(inPath, 'utf8'));
  const payload = Buffer.from(env.payload, 'base64');
  payload[payload.length - 1] ^= 0x01;
  env.payload = payload.toString('base64');
  writeFileSync(outPath, JSON.stringify(env));
  return 0;
}

const [command, ...args] = process.argv.slice(2);
const commands = { verify: [verify, 2], sign: [sign, 1], tamper: [tamper, 2] };
if (!commands[command] || args.length !== commands[command][1]) {
  console.error('usage: noble.mjs verify PUBRAWHEX ENVELOPE.json | sign OUTDIR | tamper IN.json OUT.json');
  process.exit(2);
}
process.exit(commands[command][0](...args));
