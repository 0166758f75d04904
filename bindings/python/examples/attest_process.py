#!/usr/bin/env python3
"""Attest the model bytes a running process holds in memory, with the `pqcha` API.

1. A child process maps a model file (as an inference server maps its weights).
2. The attester reads that mapping out of the child's memory by PID
   (pqcha.ProcessBackend), measures it and signs a report answering the
   verifier's challenge.
3. The verifier builds its own policy from the known-good file on disk
   (a pqcha.Manifest of it), trusts only the attester's public key, and verifies.
4. The child's copy of the weights is then changed in memory only (the file on
   disk is untouched) and attested again: the verifier reports drift and where.

Exit status: 0 when the first report is valid and the second one drifts, 1 otherwise.
"""

import os
import subprocess
import sys
import tempfile

import _path  # noqa: F401  (finds the packages in a checkout)

import pqcha

WORKLOAD = "llm-server"
MODEL_SIZE = 3 * 65536 + 1234  # a few 64 KiB leaves of the sha3-256-tree digest

# The "inference server": maps the model privately (copy-on-write, like a loader that
# patches weights in place), says "ready", and flips one byte in memory on "tamper".
CHILD = r"""
import mmap, sys
path = sys.argv[1]
with open(path, "rb") as f:
    weights = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
print("ready", flush=True)
for line in sys.stdin:
    if line.strip() == "tamper":
        weights[70000] ^= 0xFF
        print("tampered", flush=True)
"""


def say(child, line):
    child.stdin.write(line + "\n")
    child.stdin.flush()
    return child.stdout.readline().strip()


def verdict(result):
    lines = [f"verdict: {result.verdict}"]
    for c in result.checks:
        if c.status == "fail" or c.name.startswith("region:"):
            lines.append(f"  {c.name}: {c.status} (expected {c.expected or '-'}; found {c.found or '-'})")
    for s in result.spans:
        lines.append(f"  changed: region {s.region} bytes {s.offset:#x}..{s.offset + s.length - 1:#x}")
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.bin")
        with open(model, "wb") as f:
            f.write(bytes((i * 31 + 7) & 0xFF for i in range(MODEL_SIZE)))

        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, model],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            if child.stdout.readline().strip() != "ready":
                print("the child process did not start", file=sys.stderr)
                return 1
            print(f"child pid {child.pid} maps {model}")

            # --- the attester's side (same host as the workload) ---
            key = pqcha.Key.generate("ML-DSA-65")
            backend = pqcha.ProcessBackend()
            backend.add_mappings(WORKLOAD, child.pid, "model.bin")  # region id: the base name
            attester = pqcha.Attester(key, backend, WORKLOAD)

            # --- the verifier's side: its own reference values and trust ---
            # A manifest of the file (its digest and node digests) lets drift be localised.
            manifest = pqcha.Manifest.from_files([model])
            policy = pqcha.Policy().add_workload(WORKLOAD, platform="process", manifest=manifest)
            trusted = [key.public_key()]

            challenge = os.urandom(16).hex()
            report = attester.attest(challenge)
            first = pqcha.Verifier(trusted_keys=trusted, policy=policy, nonce=challenge).verify(report)
            print("[clean]\n" + verdict(first))

            if say(child, "tamper") != "tampered":
                print("the child process did not tamper", file=sys.stderr)
                return 1
            challenge = os.urandom(16).hex()
            report = attester.attest(challenge)
            second = pqcha.Verifier(trusted_keys=trusted, policy=policy, nonce=challenge).verify(report)
            print("[tampered in memory]\n" + verdict(second))

            ok = first.verdict == "valid" and second.verdict == "drift" and second.drifted_regions == ["model.bin"]
            return 0 if ok else 1
        finally:
            child.stdin.close()
            child.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
