#!/usr/bin/python3
"""The Python binding's overhead, side by side with the C API in one run.

For each of the original package's small shapes (2 x 128 B, 100 x 4 KiB,
1000 x 64 B in memory), attest then verify through `pqcha` (bindings/python)
and through the C API (`pqcha_bench --only reports`, the same shapes, the
same policy kind, the same threads), alternating the two several times and
keeping each one's best, so a noisy neighbour slows both alike. Prints the
milliseconds of each and the ratio Python / C (1.00 = no overhead).

    bench/python_bench.py [--build DIR] [--rounds N] [--repeat N]

Nothing here asserts a time; docs/PERFORMANCE.md records what it printed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))

SHAPES = [("2 x 128 B", 2, 128), ("100 x 4 KiB", 100, 4096), ("1000 x 64 B", 1000, 64)]


def c_api_times(build, repeat):
    """Best attest and verify milliseconds per shape, from pqcha_bench."""
    out = subprocess.run([os.path.join(build, "pqcha_bench"), "--only", "reports", "--json",
                          "--size", "1", "--repeat", str(repeat)],
                         check=True, capture_output=True, text=True).stdout
    times = {}
    for row in json.loads(out)["rows"]:
        for name, _, _ in SHAPES:
            for op in ("attest", "verify"):
                if row["name"].startswith(f"{op} {name} "):
                    times[(name, op)] = row["value"]
    return times


def shape_setup(pqcha, key, name, regions, size, threads):
    """A memory backend holding the shape, an attester and a verifier whose
    policy pins every region's sha3-256-tree digest (as pqcha_bench does)."""
    content = bytes((i * 31 + 7) & 0xFF for i in range(size))
    backend = pqcha.MemoryBackend()
    digests = {}
    for r in range(regions):
        region = pqcha.Region(id=f"region-{r}", size=size, description="bench",
                              address=0x1000 * (r + 1), protection="RO")
        backend.register("bench", region, content)
        digests[region.id] = backend.digest("bench", region.id, "sha3-256-tree").hex()
    policy = pqcha.Policy()
    policy.trust(key)
    policy.add_workload("bench", backend.platform, regions=digests)
    policy.finish()
    attester = pqcha.Attester(key, backend, "bench", threads=threads)
    verifier = pqcha.Verifier(policy=policy)
    return attester, verifier


def python_times(pqcha, key, repeat, threads):
    times = {}
    for name, regions, size in SHAPES:
        attester, verifier = shape_setup(pqcha, key, name, regions, size, threads)
        best_attest = best_verify = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            report = attester.attest()
            t1 = time.perf_counter()
            result = verifier.verify(report)
            t2 = time.perf_counter()
            if result.verdict != "valid":
                sys.exit(f"python_bench: {name}: verdict {result.verdict}: {result.error}")
            best_attest = min(best_attest, t1 - t0)
            best_verify = min(best_verify, t2 - t1)
        times[(name, "attest")] = best_attest * 1e3
        times[(name, "verify")] = best_verify * 1e3
    return times


def best_of(runs):
    best = {}
    for run in runs:
        for k, v in run.items():
            best[k] = min(best.get(k, float("inf")), v)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--rounds", type=int, default=3, help="C/Python alternations")
    parser.add_argument("--repeat", type=int, default=20, help="runs per shape per round")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    os.environ.setdefault("PQCHA_LIBRARY", os.path.join(build, "libpqcha.so"))
    import pqcha

    threads = os.cpu_count() or 1  # pqcha_bench's attester uses every CPU too
    key = pqcha.Key.generate()
    c_runs, py_runs = [], []
    for _ in range(args.rounds):
        c_runs.append(c_api_times(build, args.repeat))
        py_runs.append(python_times(pqcha, key, args.repeat, threads))
    c_best, py_best = best_of(c_runs), best_of(py_runs)

    print(f"python binding vs C API (pqcha {pqcha.library_version()}, best of "
          f"{args.rounds} x {args.repeat}, alternating)")
    print(f"  {'operation':<24}{'C API ms':>10}{'Python ms':>11}{'Python/C':>10}")
    for name, _, _ in SHAPES:
        for op in ("attest", "verify"):
            c, py = c_best[(name, op)], py_best[(name, op)]
            print(f"  {op + ' ' + name:<24}{c:>10.3f}{py:>11.3f}{py / c:>9.2f}x")


if __name__ == "__main__":
    main()
