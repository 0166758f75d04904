"""Negative tests: each weakness of the original (seed-behaviour section 6, Security 1-12)
that applies, and the safe behaviour this package has instead."""

import base64
import hashlib
import json
import os
import stat
import threading

import pytest

import pqcha
from pqc_hypervisor_attestation import (
    AttestationClaim,
    AttestationReport,
    AttestationVerificationError,
    AttestationVerifier,
    Attester,
    AttesterIdentity,
    ContinuousAttester,
    HypervisorAttestationError,
    InMemoryBackend,
    InvalidRegionError,
    MemoryRegion,
    RegionDriftError,
    RegionSnapshot,
    TrustAnchorError,
)

from .conftest import WEIGHTS, WEIGHTS_CONTENT, WORKLOAD_ID
from .helpers import REGION, expires, hand_built_report, issued, signed_report

GOOD = b"good"
GOOD_HASH = RegionSnapshot.hash_bytes(GOOD)


def pinned(identity, **kw):
    return AttestationVerifier(trusted=[identity], expected_hashes={"w0": GOOD_HASH}, **kw)


# ---- 1. self-asserted public key ----------------------------------------------------------


def test_attacker_key_with_victim_did_rejected(attester_identity, attacker_identity):
    """The original's PoC: an attacker signs a 'clean' report with their own key and sets
    the victim's DID (and key) afterwards. The verifier trusts only the victim's key."""
    forged = Attester(attacker_identity).sign(hand_built_report(GOOD, expected_hash=GOOD_HASH))
    forged.signer_did = attester_identity.did
    forged.attester_id = attester_identity.did
    forged.public_key = attester_identity.public_key_hex
    result = pinned(attester_identity).verify(forged)
    assert result.valid is False
    assert result.signature_valid is False
    assert result.error_code == "UNTRUSTED_KEY"
    assert result.drifts == []


def test_embedded_public_key_is_never_trusted(attester, attester_identity, attacker_identity):
    """Swapping the report's public_key field changes nothing about trust: the report no
    longer matches what was signed."""
    report = signed_report(attester, GOOD)
    report.public_key = attacker_identity.public_key_hex
    result = pinned(attester_identity).verify(report)
    assert result.valid is False and result.signature_valid is False
    assert result.error_code == "REPORT_MISMATCH"
    assert "public_key" in result.error


def test_verifier_without_trust_anchor_refuses():
    """The original's static call AttestationVerifier.verify(report) trusted the report's own
    key; it now raises TrustAnchorError saying what to pass, as does a verifier with no keys."""
    report = hand_built_report(GOOD)
    with pytest.raises(TrustAnchorError, match="trusted="):
        AttestationVerifier.verify(report)
    with pytest.raises(TrustAnchorError, match="trusted="):
        AttestationVerifier.verify_or_raise(report, strict=True)
    with pytest.raises(TrustAnchorError):
        AttestationVerifier()
    with pytest.raises(TrustAnchorError):
        AttestationVerifier(trusted=[], expected_hashes={"w0": GOOD_HASH})
    # TrustAnchorError is an AttestationVerificationError: code catching that still fails closed.
    assert issubclass(TrustAnchorError, AttestationVerificationError)


def test_did_is_not_a_trust_anchor(attester_identity):
    with pytest.raises(TypeError, match="DID is not a trust anchor"):
        AttestationVerifier(trusted=[attester_identity.did])


def test_trust_anchor_forms(attester, attester_identity, tmp_path):
    """An identity, a pqcha.Key, PEM text or a .pub.pem path are all accepted."""
    report = signed_report(attester, GOOD)
    pub = tmp_path / "attester.pub.pem"
    attester_identity.save_public(str(pub))
    for anchor in (
        attester_identity,
        attester_identity.public_key(),
        attester_identity.public_pem(),
        str(pub),
        pub,
    ):
        assert pinned(anchor).verify(report).valid


# ---- 2. stub crypto fails open ------------------------------------------------------------


def test_garbage_signature_and_empty_key_fail_closed(attester, attester_identity):
    report = signed_report(attester, GOOD)
    report.signature = "00"
    report.public_key = ""
    result = pinned(attester_identity).verify(report)
    assert result.valid is False and result.signature_valid is False
    assert result.error_code == "BAD_SIGNATURE_LENGTH"


def test_no_fallback_signature_scheme():
    with pytest.raises(pqcha.PqchaError):
        AttesterIdentity.create("x", algorithm="Ed25519")


# ---- 3. algorithm mislabelled --------------------------------------------------------------


def test_algorithm_is_real_ml_dsa_65(attester, attester_identity):
    report = signed_report(attester, GOOD)
    assert report.algorithm == "ML-DSA-65"
    sig = bytes.fromhex(report.signature)
    assert len(sig) == 3309  # FIPS 204 ML-DSA-65 (round-3 Dilithium3 was 3293, Ed25519 64)
    # The signature verifies with the public key over the DSSE PAE of the payload.
    env = json.loads(report.envelope)
    payload = base64.b64decode(env["payload"])
    ptype = env["payloadType"].encode()
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(payload), payload)
    key = attester_identity.public_key()
    assert key.verify(pae, sig) is True
    # Relabelling the algorithm is caught.
    report.algorithm = "ML-DSA-87"
    result = pinned(attester_identity).verify(report)
    assert result.valid is False and result.error_code == "REPORT_MISMATCH"


# ---- 4. drift policy set by the attester ----------------------------------------------------


def test_attester_set_expected_hash_is_ignored(attester, attester_identity):
    """A compromised attester declares the tampered hash as 'expected' (or none at all):
    the verifier's own expected hash decides."""
    evil = b"evil"
    for claimed in (RegionSnapshot.hash_bytes(evil), ""):
        report = signed_report(attester, evil, expected_hash=claimed)
        result = pinned(attester_identity).verify(report)
        assert result.valid is False
        assert result.signature_valid is True
        assert result.drifts == ["w0"]
        assert result.error_code == "MEMORY_DRIFT"


def test_dropped_region_is_drift(attester, attester_identity):
    """A report that leaves out a region the verifier requires is not valid (the original
    accepted dropped claims, and even an empty claim list)."""
    report = signed_report(attester, GOOD)
    verifier = AttestationVerifier(
        trusted=[attester_identity], expected_hashes={"w0": GOOD_HASH, "w1": GOOD_HASH}
    )
    result = verifier.verify(report)
    assert result.valid is False
    assert result.signature_valid is True
    assert result.drifts == ["w1"]
    assert result.error_code == "MISSING_REGION"


def test_empty_claims_cannot_be_signed_or_attested(attester):
    with pytest.raises(HypervisorAttestationError, match="no claims"):
        attester.sign(AttestationReport.create([]))
    loop = ContinuousAttester(attester=attester, backend=InMemoryBackend(), workload_id="empty")
    with pytest.raises(HypervisorAttestationError) as info:
        loop.attest_once()
    assert getattr(info.value.__cause__, "name", None) == "EMPTY_REPORT"


def test_extra_regions_policy(attester, attester_identity, backend, expected_hashes):
    """Unpinned regions are accepted by default (as the original only compared pinned ones)
    and refused with allow_extra_regions=False."""
    report = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID).attest_once()
    only_weights = {"model-weights-0": expected_hashes["model-weights-0"]}
    assert AttestationVerifier(trusted=[attester_identity], expected_hashes=only_weights).verify(report).valid
    strict = AttestationVerifier(
        trusted=[attester_identity], expected_hashes=only_weights, allow_extra_regions=False
    )
    result = strict.verify(report)
    assert result.valid is False and result.error_code == "UNEXPECTED_REGION"


def test_workload_pinned_by_verifier(attester, attester_identity, backend, expected_hashes):
    report = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID).attest_once()
    ok = AttestationVerifier(trusted=[attester_identity], expected_hashes=expected_hashes, workload_id=WORKLOAD_ID)
    assert ok.verify(report).valid
    other = AttestationVerifier(trusted=[attester_identity], expected_hashes=expected_hashes, workload_id="other")
    result = other.verify(report)
    assert result.valid is False and result.error_code == "UNKNOWN_WORKLOAD"
    no_policy = AttestationVerifier(trusted=[attester_identity], workload_id="other")
    assert no_policy.verify(report).error_code == "UNKNOWN_WORKLOAD"


# ---- 5. replay / nonce ------------------------------------------------------------------------


def test_verifier_nonce_required(attester, attester_identity, backend, expected_hashes):
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID)
    challenge = AttestationVerifier.new_nonce()
    verifier = AttestationVerifier(trusted=[attester_identity], expected_hashes=expected_hashes, nonce=challenge)
    fresh = loop.attest_once(nonce=challenge)
    assert {c.nonce for c in fresh.claims} == {challenge}
    assert verifier.verify(fresh).valid
    # A report made for another challenge (or none) is refused: no replay.
    replayed = loop.attest_once()
    result = verifier.verify(replayed)
    assert result.valid is False
    assert result.signature_valid is True
    assert result.error_code == "NONCE_MISMATCH"
    # The old report under a new challenge is refused too (per-call nonce).
    result = verifier.verify(fresh, nonce=AttestationVerifier.new_nonce())
    assert result.valid is False and result.error_code == "NONCE_MISMATCH"


def test_nonce_cannot_be_edited(attester, attester_identity):
    challenge = AttestationVerifier.new_nonce()
    report = signed_report(attester, GOOD, nonce=AttestationVerifier.new_nonce())
    for c in report.claims:
        c.nonce = challenge
    result = pinned(attester_identity, nonce=challenge).verify(report)
    assert result.valid is False
    assert result.error_code == "REPORT_MISMATCH"


def test_bad_nonce_refused(attester, backend):
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID)
    for bad in ("", "ABCDEF0123456789", "00", "zz" * 16):
        with pytest.raises(HypervisorAttestationError, match="nonce"):
            loop.attest_once(nonce=bad)
    with pytest.raises(ValueError):
        AttestationVerifier(trusted=[attester.identity], nonce="xyz")


# ---- 6. expiry holes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp",
    ["", "garbage", "2099-01-01T00:00:00", "2099-01-01T00:00:00+00:00", "2099-01-01 00:00:00Z",
     "2099-02-30T00:00:00Z", "2099-01-01t00:00:00z", None],
)
def test_unparseable_expiry_is_expired(stamp):
    report = hand_built_report(GOOD)
    report.expires_at = stamp
    assert report.is_expired() is True


def test_is_expired_accepts_pqcha_timestamps():
    report = hand_built_report(GOOD)
    report.expires_at = "2099-01-01T00:00:00Z"
    assert report.is_expired() is False
    report.expires_at = "2099-01-01T00:00:00.123456789Z"
    assert report.is_expired() is False


def test_expiry_cannot_be_extended(attester, attester_identity):
    report = signed_report(attester, GOOD, ttl_seconds=1)
    report.expires_at = "2099-01-01T00:00:00Z"
    result = pinned(attester_identity, now=expires(report) + 10).verify(report)
    assert result.valid is False
    assert result.signature_valid is False
    assert result.error_code == "REPORT_MISMATCH"


def test_future_dated_report_rejected(attester, attester_identity):
    report = signed_report(attester, GOOD)
    result = pinned(attester_identity, now=issued(report) - 3600).verify(report)
    assert result.valid is False
    assert result.not_expired is False
    assert result.error_code == "NOT_YET_VALID"
    # Within the allowed skew it passes.
    assert pinned(attester_identity, now=issued(report) - 30).verify(report).valid


def test_lifetime_bounds(attester, attester_identity):
    with pytest.raises(HypervisorAttestationError, match="lifetime"):
        attester.sign(hand_built_report(GOOD, ttl_seconds=0))
    with pytest.raises(ValueError):
        AttestationReport.create([], ttl_seconds=604801)
    with pytest.raises(ValueError):
        AttestationReport.create([], ttl_seconds=-1)
    long_lived = signed_report(attester, GOOD, ttl_seconds=7200)
    result = pinned(attester_identity).verify(long_lived)
    assert result.valid is False and result.error_code == "LIFETIME_TOO_LONG"
    assert pinned(attester_identity, max_lifetime=7200).verify(long_lived).valid


# ---- 7. unauthenticated data is not acted on ------------------------------------------------


def test_no_drift_reported_for_unauthentic_report(attester, attester_identity):
    report = signed_report(attester, b"evil")
    report.signature = ("1" if report.signature[0] == "0" else "0") + report.signature[1:]
    verifier = pinned(attester_identity)
    result = verifier.verify(report)
    assert result.valid is False and result.signature_valid is False
    assert result.drifts == []
    with pytest.raises(AttestationVerificationError) as info:
        verifier.verify_or_raise(report)
    assert not isinstance(info.value, RegionDriftError)


def test_expired_drifting_report_is_not_drift(attester, attester_identity):
    report = signed_report(attester, b"evil", ttl_seconds=1)
    verifier = pinned(attester_identity, now=expires(report))
    result = verifier.verify(report)
    assert result.drifts == [] and result.error_code == "EXPIRED"
    with pytest.raises(AttestationVerificationError) as info:
        verifier.verify_or_raise(report)
    assert not isinstance(info.value, RegionDriftError)


# ---- 8. claim consistency --------------------------------------------------------------------


def test_inconsistent_claims_cannot_be_signed(attester):
    region = REGION
    # snapshot of another region
    bad = AttestationReport.create([AttestationClaim.create(region, RegionSnapshot.create("w1", GOOD))])
    with pytest.raises(InvalidRegionError, match="snapshot of region"):
        attester.sign(bad)
    # content size differs from the region's size
    bad = AttestationReport.create([AttestationClaim.create(region, RegionSnapshot.create("w0", b"toolong"))])
    with pytest.raises(InvalidRegionError, match="bytes"):
        attester.sign(bad)
    # the same region twice
    c = AttestationClaim.create(region, RegionSnapshot.create("w0", GOOD))
    with pytest.raises(InvalidRegionError, match="twice"):
        attester.sign(AttestationReport.create([c, AttestationClaim.create(region, RegionSnapshot.create("w0", GOOD))]))
    # claims of different workloads
    r1 = MemoryRegion("w1", "x", 0, 4)
    two = AttestationReport.create(
        [
            AttestationClaim.create(region, RegionSnapshot.create("w0", GOOD), workload_id="a"),
            AttestationClaim.create(r1, RegionSnapshot.create("w1", GOOD), workload_id="b"),
        ]
    )
    with pytest.raises(HypervisorAttestationError, match="workload"):
        attester.sign(two)
    # attester_id naming someone else
    other = hand_built_report(GOOD)
    other.attester_id = "did:pqaid:" + "00" * 32
    with pytest.raises(HypervisorAttestationError, match="attester_id"):
        attester.sign(other)


def test_snapshot_without_content_cannot_be_signed(attester):
    """The signer measures what it signs: a hash it is only told about is refused."""
    report = AttestationReport.from_dict(hand_built_report(GOOD).to_dict())
    with pytest.raises(HypervisorAttestationError, match="no content to measure"):
        attester.sign(report)
    told = AttestationReport.create(
        [AttestationClaim.create(REGION, RegionSnapshot("w0", GOOD_HASH, 4, "2026-01-01T00:00:00Z"))]
    )
    with pytest.raises(HypervisorAttestationError, match="no content to measure"):
        attester.sign(told)


def test_sign_rewrites_report_to_signed_statement(attester):
    report = hand_built_report(b"abcd", expected_hash=RegionSnapshot.hash_bytes(b"abcd"))
    old_id = report.report_id
    same = attester.sign(report)
    assert same is report
    assert report.report_id != old_id and report.report_id.startswith("urn:pqc-attreport:")
    assert report.claims[0].claim_id.startswith("urn:pqc-att:")
    st = pqcha.Report.from_envelope(report.envelope)
    assert report.report_id == "urn:pqc-attreport:" + st.id[len("urn:uuid:"):].replace("-", "")
    assert report.claims[0].workload_id == st.workload_id == "default"
    assert report.claims[0].snapshot.content_hash == st.regions[0].digest
    assert st.regions[0].algorithm == "sha3-256"
    assert st.regions[0].expected == RegionSnapshot.hash_bytes(b"abcd")
    # Deterministic: rebuilding from the envelope gives the same report.
    again = AttestationReport.from_envelope(report.envelope, signer=attester.identity)
    assert again.to_dict() == report.to_dict()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: setattr(r.claims[0], "workload_id", "other"),
        lambda r: setattr(r.claims[0], "platform", "amd-sev-snp"),
        lambda r: setattr(r, "platform", "intel-tdx"),
        lambda r: setattr(r.claims[0], "expected_hash", GOOD_HASH),
        lambda r: setattr(r.claims[0], "snapshot", RegionSnapshot("w0", GOOD_HASH, 4, r.claims[0].snapshot.taken_at)),
        lambda r: setattr(r.claims[0], "region", MemoryRegion("w0", "weights", 0x2000, 4, "RO")),
        lambda r: setattr(r.claims[0], "region", MemoryRegion("w0", "weights", "4096", 4, "RO")),
        lambda r: r.claims.append(r.claims[0]),
        lambda r: r.claims.clear(),
        lambda r: setattr(r, "report_id", "urn:pqc-attreport:" + "0" * 32),
        lambda r: setattr(r, "issued_at", "2026-01-01T00:00:00Z"),
        lambda r: setattr(r, "signer_did", "did:pqaid:" + "0" * 64),
        lambda r: setattr(r.claims[0], "claim_id", "urn:pqc-att:" + "0" * 32),
    ],
)
def test_mutated_report_rejected(attester, attester_identity, mutate):
    """Any visible field changed after signing (here: the evil content relabelled as good,
    a claim moved, duplicated, dropped, a type changed...) fails with a clear error."""
    report = signed_report(attester, b"evil")
    mutate(report)
    result = pinned(attester_identity).verify(report)
    assert result.valid is False
    assert result.signature_valid is False
    assert result.error_code == "REPORT_MISMATCH"
    assert result.error.startswith("report fields differ from the signed statement")
    assert result.drifts == []


# ---- 9. domain separation ----------------------------------------------------------------------


def test_signature_is_domain_separated(attester, attester_identity):
    """The signature covers DSSE's PAE with pqcha's payload type, not a bare digest: it does
    not verify as a signature over the original's sha3(canonical bytes) or the raw payload."""
    report = signed_report(attester, GOOD)
    env = json.loads(report.envelope)
    assert env["payloadType"] == "application/vnd.pqcha.attestation.v1+json"
    sig = bytes.fromhex(report.signature)
    key = attester_identity.public_key()
    payload = base64.b64decode(env["payload"])
    assert key.verify(payload, sig) is False
    assert key.verify(hashlib.sha3_256(report.canonical_bytes()).digest(), sig) is False


# ---- 10. non-canonical envelope -----------------------------------------------------------------


@pytest.mark.parametrize(
    "rewrite",
    [str.upper, lambda s: s[:64] + " " + s[64:], lambda s: s + "\n", lambda s: s[:-2],
     lambda s: s + "00", lambda s: "0x" + s],
)
def test_non_canonical_signature_rejected(attester, attester_identity, rewrite):
    report = signed_report(attester, GOOD)
    report.signature = rewrite(report.signature)
    result = pinned(attester_identity).verify(report)
    assert result.valid is False
    assert result.signature_valid is False


def test_envelope_tampering_rejected(attester, attester_identity):
    report = signed_report(attester, GOOD)
    env = json.loads(report.envelope)
    payload = json.loads(base64.b64decode(env["payload"]))
    payload["predicate"]["regions"][0]["description"] = "swapped"
    env["payload"] = base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    report.envelope = json.dumps(env)
    result = pinned(attester_identity).verify(report)
    assert result.valid is False and result.error_code == "BAD_SIGNATURE"
    report.envelope = ""
    result = pinned(attester_identity).verify(report)
    assert result.valid is False and result.error_code == "MISSING_ENVELOPE"


# ---- 11. type-unsafe fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "region",
    [
        MemoryRegion("w0", "x", "4096", 4),
        MemoryRegion("w0", "x", True, 4),
        MemoryRegion("w0", "x", 1.5, 4),
        MemoryRegion("w0", "x", 0, 4, "X"),
        MemoryRegion("", "x", 0, 4),
        MemoryRegion("w\n0", "x", 0, 4),
        MemoryRegion("w0", "bad\x07description", 0, 4),
        MemoryRegion("w0", "x", -1, 4),
    ],
)
def test_malformed_region_refused(attester, region):
    report = AttestationReport.create([AttestationClaim.create(region, RegionSnapshot.create(region.region_id or "w0", GOOD))])
    with pytest.raises(InvalidRegionError):
        attester.sign(report)
    with pytest.raises(InvalidRegionError):
        InMemoryBackend().register("w", region, GOOD)


# ---- 12. key hygiene ------------------------------------------------------------------------------


def test_identity_saved_private_0600_and_reloaded(tmp_path, attester_identity):
    ident = AttesterIdentity.create("host-a")
    priv, pub = tmp_path / "a.pem", tmp_path / "a.pub.pem"
    ident.save(str(priv), str(pub))
    assert stat.S_IMODE(os.stat(priv).st_mode) == 0o600
    assert "PRIVATE KEY" in priv.read_text() and "PUBLIC KEY" in pub.read_text()
    loaded = AttesterIdentity.load(str(priv))
    assert loaded.did == ident.did and loaded.can_sign
    assert ident.did == "did:pqaid:" + hashlib.sha3_256(ident.public_key().public_raw()).hexdigest()
    public_only = AttesterIdentity.load(str(pub))
    assert public_only.did == ident.did and not public_only.can_sign
    with pytest.raises(HypervisorAttestationError, match="only a public key"):
        Attester(public_only).sign(hand_built_report(GOOD))
    with pytest.raises(pqcha.PqchaError):
        ident.save(str(priv), str(pub))  # refuses to overwrite without force
    # A report signed by the reloaded identity verifies with the saved public key file.
    report = Attester(loaded).sign(hand_built_report(GOOD))
    assert pinned(str(pub)).verify(report).valid


# ---- InMemoryBackend fixes --------------------------------------------------------------------------


def test_region_ids_scoped_per_workload(attester):
    backend = InMemoryBackend()
    region = MemoryRegion("w0", "x", 0, 4)
    backend.register("a", region, b"aaaa")
    backend.register("b", region, b"bbbb")
    assert backend.snapshot(region, workload_id="a").content_hash == RegionSnapshot.hash_bytes(b"aaaa")
    assert backend.snapshot(region, workload_id="b").content_hash == RegionSnapshot.hash_bytes(b"bbbb")
    with pytest.raises(InvalidRegionError, match="several workloads"):
        backend.update("w0", b"cccc")
    backend.update("w0", b"cccc", workload_id="a")
    ra = ContinuousAttester(attester=attester, backend=backend, workload_id="a").attest_once()
    rb = ContinuousAttester(attester=attester, backend=backend, workload_id="b").attest_once()
    assert ra.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(b"cccc")
    assert rb.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(b"bbbb")


def test_content_size_must_match_region():
    backend = InMemoryBackend()
    with pytest.raises(InvalidRegionError, match="size"):
        backend.register("w", WEIGHTS, b"\xaa" * 127)
    backend.register("w", WEIGHTS, WEIGHTS_CONTENT)
    with pytest.raises(InvalidRegionError, match="size"):
        backend.update("model-weights-0", b"\xaa" * 129)


def test_registered_content_is_copied(attester):
    backend = InMemoryBackend()
    buf = bytearray(b"abcd")
    region = MemoryRegion("w0", "x", 0, 4)
    backend.register("w", region, buf)
    buf[:] = b"zzzz"
    report = ContinuousAttester(attester=attester, backend=backend, workload_id="w").attest_once()
    assert report.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(b"abcd")


def test_in_memory_backend_thread_safe(attester, attester_identity):
    backend = InMemoryBackend()
    regions = [MemoryRegion(f"r{i}", "x", i * 64, 64) for i in range(8)]
    for r in regions:
        backend.register("w", r, b"\x00" * 64)
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id="w")
    errors = []

    def writer():
        try:
            for n in range(200):
                for r in regions:
                    backend.update(r.region_id, bytes([n % 256]) * 64)
        except Exception as e:  # pragma: no cover
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    reports = [loop.attest_once() for _ in range(5)]
    t.join()
    assert not errors
    verifier = AttestationVerifier(trusted=[attester_identity])
    assert all(verifier.verify(r).valid for r in reports)
    assert all(len(r.claims) == 8 for r in reports)


# ---- the loop ---------------------------------------------------------------------------------------


def test_backend_errors_propagate_with_partial_reports(attester):
    class Flaky(InMemoryBackend):
        calls = 0

        def read_region(self, workload_id, region):
            Flaky.calls += 1
            if Flaky.calls > 1:
                raise InvalidRegionError("backend went away")
            return super().read_region(workload_id, region)

    backend = Flaky()
    backend.register("w", MemoryRegion("w0", "x", 0, 4), b"abcd")
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id="w")
    with pytest.raises(InvalidRegionError, match="went away") as info:
        loop.run_for(seconds=5, interval=0.01)
    assert len(info.value.reports) == 1
    seen = []
    Flaky.calls = 0
    reports = loop.run_for(seconds=0.1, interval=0.02, on_error=seen.append)
    assert len(reports) == 1 and seen and all(isinstance(e, InvalidRegionError) for e in seen)


def test_ttl_bounds_in_loop(attester, backend):
    for ttl in (0, -5, 604801):
        loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID, ttl_seconds=ttl)
        with pytest.raises(HypervisorAttestationError, match="ttl_seconds"):
            loop.attest_once()


def test_stop_ends_run_for(attester, backend):
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID)
    reports = loop.run_for(seconds=30, interval=0.01, on_report=lambda r: loop.stop())
    assert len(reports) == 1
