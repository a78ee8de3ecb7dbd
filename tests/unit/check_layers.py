#!/usr/bin/env python3
"""The layering rule (README, Layout): cli -> core -> pool -> {h1, h2} -> tls
-> x509 -> net -> base; no file under src/ includes a header of a layer above
its own (or of a sibling on the same level). Fails naming each offending
#include."""
import glob
import os
import re
import sys

RANK = {"cli": 8, "core": 7, "pool": 6, "h1": 5, "h2": 5, "tls": 4, "x509": 3, "net": 2,
        "base": 1}
src = os.path.join(os.environ.get("HXC_SOURCE_DIR", "."), "src")
bad = []
layers = sorted(os.path.basename(d) for d in glob.glob(os.path.join(src, "*")) if os.path.isdir(d))
unknown = [l for l in layers if l not in RANK]
for path in sorted(glob.glob(os.path.join(src, "*", "*.[ch]"))):
    layer = path.split(os.sep)[-2]
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.match(r'\s*#\s*include\s+"(\w+)/', line)
            if m and m.group(1) in RANK and m.group(1) != layer and \
                    RANK[m.group(1)] >= RANK.get(layer, 0):
                bad.append("%s:%d: %s includes from %s/, a layer not below it"
                           % (os.path.relpath(path, src), n, layer, m.group(1)))
for l in unknown:
    bad.append("src/%s/ is not a known layer: add it to tests/unit/check_layers.py" % l)
print("\n".join(bad) if bad else "layers ok: %s" % ", ".join(layers))
sys.exit(1 if bad else 0)
