"""The four examples run as subprocesses and exit 0 on their expected outcome."""

import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.mark.parametrize(
    "name, expect",
    [
        ("basic_attestation.py", "valid       : True"),
        ("detect_memory_tampering.py", "drifts=['model-weights-0']"),
        ("continuous_loop_demo.py", "total reports: 3"),
        ("attest_process.py", "verdict: drift"),
    ],
)
def test_example_runs(name, expect):
    proc = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, name)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert expect in proc.stdout
