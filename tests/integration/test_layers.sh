#!/usr/bin/env bash
# The library's layers hold: src/base < src/core < src/io < src/runtime, and
# the CLI and the verifier service (src/service, the daemons' code outside
# libpqcha) see only the public headers. A file may use its own layer and the
# ones below it. Checked on what the compiler saw (each object file's
# undefined pqcha symbols, resolved to the object that defines them) and on
# the #include lines, so that neither a call nor a header crosses upwards;
# and units do not call each other in cycles.
set -euo pipefail
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
python3 - "$PQCHA_SOURCE" "$PQCHA_BUILD" <<'PY'
import glob, os, re, subprocess, sys

source, build = sys.argv[1], sys.argv[2]
order = ["base", "core", "io", "runtime"]
objects = os.path.join(build, "CMakeFiles", "pqcha_objects.dir", "src")
problems = []

def layer_of(path):
    return os.path.relpath(path, os.path.join(source, "src")).split(os.sep)[0]

# 1. Symbols: only the objects of today's sources (a stale object of a moved
#    file would otherwise speak for it).
defined, used = {}, {}
for c_file in glob.glob(os.path.join(source, "src", "*", "*.c")):
    layer, name = layer_of(c_file), os.path.basename(c_file)
    if layer not in order:
        continue  # src/service: checked below, as a user of the public API
    obj = os.path.join(objects, layer, name + ".o")
    if not os.path.exists(obj):
        problems.append("no object file for %s/%s (build first)" % (layer, name))
        continue
    unit = "%s/%s" % (layer, name)
    for line in subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U" and parts[1].startswith("pqcha"):
            used.setdefault(unit, set()).add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined[parts[2]] = unit
for unit, symbols in sorted(used.items()):
    for symbol in sorted(symbols):
        home = defined.get(symbol)
        if home and order.index(home.split("/")[0]) > order.index(unit.split("/")[0]):
            problems.append("%s uses %s from %s, a higher layer" % (unit, symbol, home))

# 2. No cycle between units (a parser that needs the manifest that needs the
#    parser), except two deliberate ones: a registry that constructs its
#    backends, which use its shared helpers; a dispatcher that picks a SIMD
#    permutation, which shares its constants.
allowed = [{"io/backend.c", "io/backend_file.c", "io/backend_memory.c", "io/backend_process.c",
            "io/backend_platform.c"},
           {"core/keccak.c", "core/keccak_avx2.c", "core/keccak_avx512.c"}]
graph = {u: {defined[s] for s in syms if s in defined and defined[s] != u} for u, syms in used.items()}
index, low, stack, on_stack, cycles = {}, {}, [], set(), []
def strongly_connected(v):
    index[v] = low[v] = len(index)
    stack.append(v); on_stack.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            strongly_connected(w); low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        component = set()
        while True:
            w = stack.pop(); on_stack.discard(w); component.add(w)
            if w == v:
                break
        if len(component) > 1 and not any(component <= group for group in allowed):
            cycles.append(sorted(component))
for unit in sorted(graph):
    if unit not in index:
        strongly_connected(unit)
for cycle in cycles:
    problems.append("units call each other in a cycle: " + ", ".join(cycle))

# 3. Includes: "layer/x.h" names its layer; a bare "x.h" is the file's own.
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
for path in glob.glob(os.path.join(source, "src", "*", "*.[ch]")):
    layer = layer_of(path)
    if layer not in order:
        continue
    for target in include.findall(open(path, encoding="utf-8").read()):
        first = target.split("/")[0]
        if "/" in target and first in order and order.index(first) > order.index(layer):
            problems.append("%s includes %s, a higher layer" % (os.path.relpath(path, source), target))
for path in glob.glob(os.path.join(source, "tools", "*", "*.[ch]")) + \
        glob.glob(os.path.join(source, "src", "service", "*.[ch]")):
    for target in include.findall(open(path, encoding="utf-8").read()):
        if target.split("/")[0] in order:
            problems.append("%s includes the internal %s" % (os.path.relpath(path, source), target))

# 4. The service's objects call libpqcha through its public API only.
service_objects = os.path.join(build, "CMakeFiles", "pqcha_service.dir", "src", "service")
for c_file in glob.glob(os.path.join(source, "src", "service", "*.c")):
    obj = os.path.join(service_objects, os.path.basename(c_file) + ".o")
    if not os.path.exists(obj):
        problems.append("no object file for service/%s (build first)" % os.path.basename(c_file))
        continue
    for line in subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U" and parts[1].startswith("pqcha__"):
            problems.append("service/%s uses the library's internal %s" % (os.path.basename(c_file), parts[1]))

if problems:
    print("FAIL: layering:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("ok: %d units in %d layers use only their own layer and those below" % (len(used), len(order)))
PY
