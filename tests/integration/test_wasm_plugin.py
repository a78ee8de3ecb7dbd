#!/usr/bin/env python3
"""The sample plugin (issue 5): wasm/plugin/fetch_digest.c, built against the
wasm32 libhxc.a, run by a WASI host under a connection policy: the Node
reference host (wasm/host/hxc-host.mjs) or hxc-wasmtime (wasm/hxc-wasmtime),
chosen by HXC_WASM_HOST=node (default) | wasmtime; for wasmtime,
HXC_WASMTIME_HOST is the hxc-wasmtime binary. The checks through the Node-only
JavaScript API (run-plugin.mjs, runModule) print a SKIP line under wasmtime.

Part of the wasm suite: it needs the wasm build's fetch_digest.wasm and
libhxc.a. It looks for them in $HXC_WASM_PLUGIN / $HXC_WASM_LIB, then in
$HXC_BUILD_DIR (the wasm build tree when the wasm CTest runs it), then in
build-wasm/ of the source tree; it fails (never skips) when they are missing.

Against a local nghttpd serving known files (certificates minted here):
  - the plugin's digest, byte count, status and HTTP version equal
    hashlib.sha256 of the served file, through hxc-host.mjs and through the
    embedding example wasm/plugin/run-plugin.mjs (runModule API);
  - a URL on a host:port the policy does not allow fails with the policy
    message and a non-zero exit, and the host process goes on to run the
    plugin again successfully (it survives);
  - certificate verification runs inside the module (no CA: untrusted);
  - a 404 prints the digest line and exits 3;
  - the plugin compiles out of tree with only include/hxc.h and libhxc.a.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hxctest  # noqa: E402
from hxctest import Pki, TestFailure, check, fail, nghttpd, tempdir, free_port  # noqa: E402

SRC = hxctest.SOURCE_DIR
HOST = os.path.join(SRC, "wasm", "host", "hxc-host.mjs")
HOST_API = os.path.join(SRC, "wasm", "host", "host.mjs")
RUN_PLUGIN = os.path.join(SRC, "wasm", "plugin", "run-plugin.mjs")
PLUGIN_C = os.path.join(SRC, "wasm", "plugin", "fetch_digest.c")
NODE = ["node", "--no-turbo-fast-api-calls"]
HOST_KIND = os.environ.get("HXC_WASM_HOST") or "node"
WASMTIME_HINT = ("build it with: CARGO_TARGET_DIR=/var/cache/hxc/cargo-hxc-wasmtime cargo build --release --locked "
                 "--manifest-path wasm/hxc-wasmtime/Cargo.toml and set HXC_WASMTIME_HOST to "
                 "/var/cache/hxc/cargo-hxc-wasmtime/release/hxc-wasmtime")


class Skip(Exception):
    """A check that does not apply to the chosen host; the message says why."""


def host_cmd():
    """The command that runs a module in the chosen host, without its options."""
    if HOST_KIND == "node":
        if not shutil.which("node"):
            fail("node not found: the reference host needs Node.js 20")
        return NODE + [HOST]
    if HOST_KIND == "wasmtime":
        exe = os.environ.get("HXC_WASMTIME_HOST")
        if not exe or not os.access(exe, os.X_OK):
            fail("HXC_WASM_HOST=wasmtime needs HXC_WASMTIME_HOST, the hxc-wasmtime binary (got %r); %s"
                 % (exe, WASMTIME_HINT))
        return [exe]
    fail("HXC_WASM_HOST must be node or wasmtime, not %r" % HOST_KIND)


def node_only(what):
    if HOST_KIND != "node":
        raise Skip("%s is the Node host's JavaScript API (runModule), not part of the %s host"
                   % (what, HOST_KIND))
BUILD_HINT = ("build the wasm tree first: cmake -S . -B build-wasm "
              "-DCMAKE_TOOLCHAIN_FILE=wasm/toolchain.cmake -DHXC_WASI=ON && "
              "cmake --build build-wasm (or just wasm)")


def find_artifact(env_name, filename):
    candidates = [os.environ.get(env_name)]
    if os.environ.get("HXC_BUILD_DIR"):
        candidates.append(os.path.join(os.environ["HXC_BUILD_DIR"], filename))
    candidates.append(os.path.join(SRC, "build-wasm", filename))
    for c in candidates:
        if c and os.path.isfile(c):
            return os.path.abspath(c)
    print("FAIL %s not found (looked in: %s); %s"
          % (filename, ", ".join(c for c in candidates if c), BUILD_HINT))
    print("0 passed, 1 failed")
    sys.exit(1)


class Env:
    """One PKI, one nghttpd with known files, the plugin module."""

    def __init__(self):
        self.plugin = find_artifact("HXC_WASM_PLUGIN", "fetch_digest.wasm")
        self.host = host_cmd()
        self.pki = Pki()
        leaf = self.pki.issue()
        # The CA alone in a directory the host preopens for the module as /ca.
        self.cadir = tempdir("hxc-plugin-ca-")
        shutil.copy(self.pki.ca_cert, os.path.join(self.cadir, "ca.pem"))
        self.htdocs = tempdir("hxc-plugin-htdocs-")
        self.files = {
            "empty": b"",
            "small.txt": b"digest me, sandboxed\n",
            # odd size, several DATA frames and flow-control windows
            "big.bin": os.urandom(3 * 1024 * 1024 + 12345),
        }
        for name, data in self.files.items():
            with open(os.path.join(self.htdocs, name), "wb") as f:
                f.write(data)
        self.server = nghttpd(leaf, self.htdocs).start()
        self.port = self.server.port

    def url(self, name, port=None):
        return "https://localhost:%d/%s" % (port or self.port, name)

    def close(self):
        self.server.stop()


def run(argv, timeout=60):
    start = time.monotonic()
    try:
        p = subprocess.run(argv, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("did not finish within %d s: %s" % (timeout, " ".join(argv)))
    p.elapsed = time.monotonic() - start
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    return p


def describe(p):
    return "command: %s\nexit: %s (%.2f s)\nstdout: %s\nstderr: %s" % (
        " ".join(p.args), p.returncode, p.elapsed, p.out[:2000], p.err[:2000])


def host_run(env, url, allow, ca=True, extra=()):
    argv = env.host + [a for rule in allow for a in ("--allow", rule)] + list(extra)
    argv += ["--dir", env.cadir + "::/ca", "--", env.plugin, url]
    if ca:
        argv.append("/ca/ca.pem")
    return run(argv)


def expect_digest(p, data, what):
    want = "sha256 %s %d 200 HTTP/2" % (hashlib.sha256(data).hexdigest(), len(data))
    check(p.returncode == 0, "%s: expected exit 0\n%s" % (what, describe(p)))
    check(p.out.strip() == want, "%s: expected stdout %r\n%s" % (what, want, describe(p)))


def policy_message(port):
    return "connection to localhost:%d refused by the host's policy" % port


# ------------------------------------------------------------------ tests

def test_digest_through_hxc_host(env):
    """The digest equals hashlib.sha256 of each served file (empty, small, 3 MiB)."""
    for name, data in env.files.items():
        p = host_run(env, env.url(name), ["localhost:%d" % env.port], extra=["--audit"])
        expect_digest(p, data, name)
        check("hxc-host audit: allow name=localhost port=%d" % env.port in p.err,
              "%s: expected the host's audit line allowing localhost:%d\n%s"
              % (name, env.port, describe(p)))


def test_digest_through_js_api(env):
    """run-plugin.mjs (runModule API, policy = exactly the URL's host:port)."""
    node_only("run-plugin.mjs")
    data = env.files["big.bin"]
    p = run(NODE + [RUN_PLUGIN, "--plugin", env.plugin, "--cacert",
                    os.path.join(env.cadir, "ca.pem"), env.url("big.bin")])
    check(p.returncode == 0, "run-plugin.mjs: expected exit 0\n" + describe(p))
    try:
        r = json.loads(p.out)
    except ValueError:
        fail("run-plugin.mjs did not print one JSON object\n" + describe(p))
    want = {"url": env.url("big.bin"), "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data), "status": 200, "httpVersion": "HTTP/2", "connects": 1,
            "denied": 0}
    check(r == want, "run-plugin.mjs printed %r, expected %r\n%s" % (r, want, describe(p)))


def test_denied_port(env):
    """A URL on a port the policy does not allow: the policy message, exit 1."""
    other = free_port()
    p = host_run(env, env.url("small.txt", other), ["localhost:%d" % env.port])
    check(p.returncode == 1, "expected exit 1 (hxc error) for a denied port\n" + describe(p))
    check(policy_message(other) in p.err,
          "expected %r on stderr\n%s" % (policy_message(other), describe(p)))
    check(p.out == "", "a denied fetch must print no digest\n" + describe(p))


def test_denied_host(env):
    """A host the policy does not name (the same server reached by another name)."""
    p = host_run(env, "https://127.0.0.1:%d/small.txt" % env.port, ["localhost:%d" % env.port])
    want = "connection to 127.0.0.1:%d refused by the host's policy" % env.port
    check(p.returncode == 1, "expected exit 1 for a denied host\n" + describe(p))
    check(want in p.err, "expected %r on stderr\n%s" % (want, describe(p)))


def test_denied_through_js_api(env):
    """run-plugin.mjs with a policy that does not cover the URL."""
    node_only("run-plugin.mjs")
    p = run(NODE + [RUN_PLUGIN, "--plugin", env.plugin, "--allow", "localhost:1", "--cacert",
                    os.path.join(env.cadir, "ca.pem"), env.url("small.txt")])
    check(p.returncode == 1, "run-plugin.mjs: expected exit 1\n" + describe(p))
    check(policy_message(env.port) in p.err and "run-plugin: the plugin failed (exit 1)" in p.err,
          "expected the plugin's policy message on stderr\n" + describe(p))
    check(p.out == "", "no JSON result for a denied fetch\n" + describe(p))


HOST_SURVIVES_JS = r"""
import { runModule } from %(api)s;
import fs from 'node:fs';
const out = fs.openSync(%(out)s, 'w');
const base = { module: %(plugin)s, allow: [%(rule)s], dirs: { '/ca': %(cadir)s },
               stdio: { stdout: out, stderr: out } };
const denied = await runModule({ ...base, args: [%(denied)s, '/ca/ca.pem'] });
const allowed = await runModule({ ...base, args: [%(allowed)s, '/ca/ca.pem'] });
fs.closeSync(out);
const brief = (r) => ({ exitCode: r.exitCode, trapped: r.trapped, timedOut: r.timedOut,
                        denied: r.stats.denied, connects: r.stats.connects });
console.log(JSON.stringify({ denied: brief(denied), allowed: brief(allowed) }));
"""


def test_host_survives_denial(env):
    """In one Node process: a denied run, then an allowed one that succeeds."""
    node_only("running several modules in one embedding process")
    d = tempdir("hxc-plugin-js-")
    out = os.path.join(d, "module.out")
    other = free_port()
    script = HOST_SURVIVES_JS % {
        "api": json.dumps("file://" + HOST_API), "out": json.dumps(out),
        "plugin": json.dumps(env.plugin), "rule": json.dumps("localhost:%d" % env.port),
        "cadir": json.dumps(env.cadir), "denied": json.dumps(env.url("small.txt", other)),
        "allowed": json.dumps(env.url("small.txt"))}
    path = os.path.join(d, "survive.mjs")
    with open(path, "w") as f:
        f.write(script)
    p = run(NODE + [path])
    check(p.returncode == 0, "the embedding process did not exit cleanly\n" + describe(p))
    try:
        r = json.loads(p.out)
    except ValueError:
        fail("the embedding script printed no JSON\n" + describe(p))
    want = {"denied": {"exitCode": 1, "trapped": False, "timedOut": False, "denied": 1,
                       "connects": 0},
            "allowed": {"exitCode": 0, "trapped": False, "timedOut": False, "denied": 0,
                        "connects": 1}}
    check(r == want, "expected %r, got %r\n%s" % (want, r, describe(p)))
    with open(out, encoding="utf-8", errors="replace") as f:
        text = f.read()
    check(policy_message(other) in text, "the denied run's stderr lacks %r: %r"
          % (policy_message(other), text))
    data = env.files["small.txt"]
    line = "sha256 %s %d 200 HTTP/2" % (hashlib.sha256(data).hexdigest(), len(data))
    check(line in text, "the allowed run's digest line %r is missing: %r" % (line, text))


def test_verification_inside_module(env):
    """Without the test CA the embedded roots do not trust the server."""
    p = host_run(env, env.url("small.txt"), ["localhost:%d" % env.port], ca=False)
    check(p.returncode == 1, "expected exit 1 for an untrusted server\n" + describe(p))
    check("certificate verify failed for 'localhost'" in p.err and "HXC_E_CERT_UNTRUSTED" in p.err,
          "expected the certificate error in words\n" + describe(p))
    check(p.out == "", "an untrusted server must give no digest\n" + describe(p))


def test_http_status_not_2xx(env):
    """A 404 still prints the digest line (of the error body) and exits 3."""
    p = host_run(env, env.url("missing.txt"), ["localhost:%d" % env.port])
    check(p.returncode == 3, "expected exit 3 for a 404\n" + describe(p))
    fields = p.out.split()
    check(len(fields) == 5 and fields[0] == "sha256" and fields[3] == "404"
          and fields[4] == "HTTP/2", "expected 'sha256 HEX BYTES 404 HTTP/2'\n" + describe(p))
    check("answered with HTTP status 404" in p.err, "expected the status on stderr\n" + describe(p))


def test_out_of_tree_build(env):
    """A plugin author's build: only include/hxc.h and the wasm32 libhxc.a."""
    lib = find_artifact("HXC_WASM_LIB", "libhxc.a")
    sdk = os.environ.get("WASI_SDK_PATH")
    clang = os.path.join(sdk, "bin", "clang") if sdk else (
        os.environ.get("HXC_WASI_CLANG") or shutil.which("clang-19") or shutil.which("clang"))
    sysroot = os.path.join(sdk, "share", "wasi-sysroot") if sdk else "/usr"
    if not clang:
        fail("clang not found: the wasm32-wasi toolchain is required")
    out = os.path.join(tempdir("hxc-plugin-build-"), "fetch_digest.wasm")
    # The only include path is the public header's directory.
    cmd = [clang, "--target=wasm32-wasi", "--sysroot=" + sysroot, "-O2", "-Wall", "-Wextra",
           "-Werror", "-I", os.path.join(SRC, "include"), PLUGIN_C, lib,
           "-Wl,-z,stack-size=1048576", "-Wl,--stack-first", "-Wl,--strip-all", "-o", out]
    p = run(cmd, timeout=120)
    check(p.returncode == 0, "the out-of-tree plugin build failed\n" + describe(p))
    env_plugin, env.plugin = env.plugin, out
    try:
        p = host_run(env, env.url("small.txt"), ["localhost:%d" % env.port])
        expect_digest(p, env.files["small.txt"], "out-of-tree build")
    finally:
        env.plugin = env_plugin


TESTS = [test_digest_through_hxc_host, test_digest_through_js_api, test_denied_port,
         test_denied_host, test_denied_through_js_api, test_host_survives_denial,
         test_verification_inside_module, test_http_status_not_2xx, test_out_of_tree_build]


def main():
    try:
        env = Env()
    except Exception:
        print("FAIL setup\n  " + traceback.format_exc().replace("\n", "\n  "))
        print("0 passed, 1 failed")
        return 1
    passed = failed = skipped = 0
    print("host: %s (%s)" % (HOST_KIND, " ".join(env.host)))
    try:
        for t in TESTS:
            start = time.monotonic()
            try:
                t(env)
            except Skip as e:
                skipped += 1
                print("SKIP %s: %s" % (t.__name__, e))
            except Exception as e:  # report and keep going
                failed += 1
                print("FAIL %s (%.1f s)" % (t.__name__, time.monotonic() - start))
                detail = str(e) if isinstance(e, TestFailure) else traceback.format_exc()
                print("  " + detail.replace("\n", "\n  "))
            else:
                passed += 1
                print("PASS %s (%.1f s)" % (t.__name__, time.monotonic() - start))
            sys.stdout.flush()
    finally:
        env.close()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
