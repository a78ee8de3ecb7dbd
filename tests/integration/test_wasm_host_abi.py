#!/usr/bin/env python3
"""hostnet_v1 ABI and policy tests for a WASI host: the Node reference host
(wasm/host/hxc-host.mjs) or hxc-wasmtime (wasm/hxc-wasmtime, the wasmtime
embedding), chosen by HXC_WASM_HOST=node (default) | wasmtime; for wasmtime,
HXC_WASMTIME_HOST is the hxc-wasmtime binary.

Builds a small probe module (tests/integration/wasm/hostnet_probe.c) with
clang --target=wasm32-wasi, runs it under the host against loopback TCP
servers started here, and checks every result: the same checks for both
hosts, except the Node-only JavaScript API (runModule), which is skipped
with a SKIP line under wasmtime. Under wasmtime it also checks the policy
for the WASI 0.2 component (build-wasm/hxc.component.wasm, or
$HXC_WASM_COMPONENT; a SKIP line names the file when it is missing). Fails
(never skips) when the wasm toolchain or the chosen host is missing.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.environ.get("HXC_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HOST = os.path.join(SRC, "wasm", "host", "hxc-host.mjs")
PROBE_C = os.path.join(SRC, "tests", "integration", "wasm", "hostnet_probe.c")
NODE = ["node", "--no-turbo-fast-api-calls"]
HOST_KIND = os.environ.get("HXC_WASM_HOST") or "node"
WASMTIME_HINT = ("build it with: CARGO_TARGET_DIR=/var/cache/hxc/cargo-hxc-wasmtime cargo build --release --locked "
                 "--manifest-path wasm/hxc-wasmtime/Cargo.toml and set HXC_WASMTIME_HOST to "
                 "/var/cache/hxc/cargo-hxc-wasmtime/release/hxc-wasmtime")
TOOLCHAIN_HINT = ("install it with .ci/setup (clang-19 lld-19 libclang-rt-19-dev-wasm32 and wasi-libc from "
                  "bookworm-backports; the same clang as wasm/toolchain.cmake) or set WASI_SDK_PATH to a wasi-sdk")

failures = []
passes = []
skips = []


def check(cond, what, detail=""):
    if cond:
        passes.append(what)
        print("ok   " + what)
    else:
        print("FAIL " + what + ("\n     " + detail.replace("\n", "\n     ") if detail else ""))
        failures.append(what)


def die(msg):
    print("FAIL " + msg, file=sys.stderr)
    sys.exit(1)


def host_cmd():
    """The command that runs a module in the chosen host, without its options."""
    if HOST_KIND == "node":
        if not shutil.which("node"):
            die("node not found: the reference host needs Node.js 20")
        return NODE + [HOST]
    if HOST_KIND == "wasmtime":
        exe = os.environ.get("HXC_WASMTIME_HOST")
        if not exe or not os.access(exe, os.X_OK):
            die("HXC_WASM_HOST=wasmtime needs HXC_WASMTIME_HOST, the hxc-wasmtime binary (got %r); %s"
                % (exe, WASMTIME_HINT))
        return [exe]
    die("HXC_WASM_HOST must be node or wasmtime, not %r" % HOST_KIND)


HOST_CMD = None


def skip(what, why):
    skips.append(what)
    print("SKIP %s: %s" % (what, why))


def build_probe(tmp):
    sdk = os.environ.get("WASI_SDK_PATH")
    clang = os.path.join(sdk, "bin", "clang") if sdk else (
        os.environ.get("HXC_WASI_CLANG") or shutil.which("clang-19") or shutil.which("clang"))
    sysroot = os.path.join(sdk, "share", "wasi-sysroot") if sdk else "/usr"
    if not clang or not os.path.exists(clang):
        die("clang not found: the wasm32-wasi toolchain is required; " + TOOLCHAIN_HINT)
    out = os.path.join(tmp, "probe.wasm")
    cmd = [clang, "--target=wasm32-wasi", "--sysroot=" + sysroot, "-O2", "-Wall", "-Wextra", "-Werror",
           "-I" + os.path.join(SRC, "wasm"), PROBE_C, "-o", out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        die("cannot build the wasm32-wasi probe module (%s):\n%s\n%s" % (" ".join(cmd), p.stderr, TOOLCHAIN_HINT))
    return out


class Server:
    """A loopback TCP server on a free port running `handler(conn)` per connection."""

    def __init__(self, handler):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.conns = []
        self.stopped = False
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        try:
            self.handler(c)
        except OSError:
            pass

    def stop(self):
        self.stopped = True
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def echo(c):
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()


def talk_later(c):
    time.sleep(0.4)
    c.sendall(b"hello")
    time.sleep(3)


def silent(c):
    time.sleep(5)


def sink(c):
    while c.recv(65536):
        pass


def firehose(c):
    c.sendall(b"x" * (1 << 20))
    time.sleep(3)


def deaf(c):
    time.sleep(10)  # accepts, never reads, never closes


def run(probe, host_args, probe_args, timeout=30):
    cmd = HOST_CMD + host_args + ["--", probe] + probe_args
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    p.elapsed = time.monotonic() - t0
    p.cmd = " ".join(cmd)
    return p


def kv(out):
    d = {}
    for line in out.split():
        if "=" in line:
            k, v = line.split("=", 1)
            d[k] = v
    return d


def expect(p, what, want, rc=0):
    got = kv(p.stdout)
    # a value may be a tuple of acceptable values
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) not in (v if isinstance(v, tuple) else (v,))}
    check(p.returncode == rc and not bad, what,
          "command: %s\nexit %d (want %d); mismatches (got, want): %s\nstdout: %s\nstderr: %s"
          % (p.cmd, p.returncode, rc, bad, p.stdout, p.stderr))
    return got


API_SCRIPT = r"""
import { runModule } from %(host)s;
let ticks = 0;
const iv = setInterval(() => ticks++, 20);
const probe = %(probe)s;
const a = await runModule({ module: probe, args: ['block'], limits: { timeoutMs: 600 } });
const b = await runModule({ module: probe, args: ['exit', '3'] });
const lines = [];
const c = await runModule({ module: probe, args: ['connect', 'localhost', '%(port)d'], allow: ['localhost:%(port)d'],
                            audit: (l) => lines.push(l), stdio: { stdout: 2 } });
clearInterval(iv);
console.log(JSON.stringify({ aTimedOut: a.timedOut, aErr: a.error, bExit: b.exitCode, cExit: c.exitCode,
                             audit: lines, ticks, stats: c.stats }));
"""


def check_js_api(tmp, probe, es):
    """The JavaScript API: the embedder survives a killed module and keeps its event loop."""
    import json
    script = os.path.join(tmp, "api.mjs")
    with open(script, "w") as f:
        f.write(API_SCRIPT % {"host": json.dumps("file://" + os.path.join(SRC, "wasm", "host", "host.mjs")),
                              "probe": json.dumps(probe), "port": es.port})
    p = subprocess.run(NODE + [script], capture_output=True, text=True, timeout=30)
    try:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        r = {}
    check(r.get("aTimedOut") is True and "wall-clock" in (r.get("aErr") or ""),
          "runModule reports the wall-clock kill", p.stdout + p.stderr)
    check(r.get("bExit") == 3 and r.get("cExit") == 0, "the same process runs further modules afterwards",
          p.stdout + p.stderr)
    check(r.get("ticks", 0) >= 15, "the embedder's event loop ran while the module blocked in poll",
          p.stdout)
    check(any(l.startswith("hxc-host audit: allow name=localhost") for l in r.get("audit", [])),
          "an audit callback receives decisions", p.stdout)
    check((r.get("stats") or {}).get("connects") == 1, "stats count connections", p.stdout)


def find_component():
    cands = [os.environ.get("HXC_WASM_COMPONENT")]
    if os.environ.get("HXC_BUILD_DIR"):
        cands.append(os.path.join(os.environ["HXC_BUILD_DIR"], "hxc.component.wasm"))
    cands.append(os.path.join(SRC, "build-wasm", "hxc.component.wasm"))
    for c in cands:
        if c and os.path.isfile(c):
            return os.path.abspath(c), cands
    return None, [c for c in cands if c]


def slam(c):
    c.close()


def check_component(tmp, servers):
    """hxc.component.wasm (wasi:sockets) under hxc-wasmtime: every name lookup and every
    address is checked by the same rules as hostnet_v1. Each case counts the connections
    a loopback server accepted, so a refusal is seen on the wire, not only in messages."""
    comp, looked = find_component()
    if comp is None:
        skip("the WASI 0.2 component policy checks", "hxc.component.wasm not found (looked in: %s); "
             "build it with the wasm build (just wasm)" % ", ".join(looked))
        return
    srv = Server(slam)
    servers.append(srv)
    P = str(srv.port)

    def hxc(host_args, url, what, want_conn, audit=None, rc_nonzero=True):
        before = len(srv.conns)
        cmd = HOST_CMD + ["--audit"] + host_args + ["--", comp, "--max-time", "10", url]
        t0 = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        time.sleep(0.1)
        got = len(srv.conns) - before
        ok = (got > 0) == want_conn and (p.returncode != 0 if rc_nonzero else True)
        if audit:
            ok = ok and audit in p.stderr
        check(ok, "component: " + what,
              "command: %s\nexit %d after %.1fs, server accepted %d connection(s) (want %s)\n"
              "want audit: %s\nstderr: %s" % (" ".join(cmd), p.returncode, time.monotonic() - t0, got,
                                              "some" if want_conn else "none", audit, p.stderr))

    hxc(["--allow", "localhost:" + P], "https://localhost:%s/" % P,
        "a name rule allows the name's loopback address (lookup remembered, address checked)", True,
        "hxc-host audit: allow name=localhost port=%s address=127.0.0.1 rule=localhost:%s" % (P, P))
    hxc([], "https://localhost:%s/" % P, "default deny: the name lookup is refused before DNS", False,
        "hxc-host audit: deny name=localhost port=- address=- rule=- reason=\"no rule allows host 'localhost' "
        "on any port\"")
    hxc(["--allow", "localhost:1"], "https://localhost:%s/" % P, "a denied port is refused at connect", False,
        "deny name=localhost port=%s address=127.0.0.1 rule=- reason=\"no rule allows port %s\"" % (P, P))
    hxc(["--allow", "*:" + P], "https://localhost:%s/" % P, "'*' does not reach loopback", False,
        "loopback address and rule '*:%s' does not name it" % P)
    hxc(["--resolve", "rebind.test:127.0.0.1", "--allow", "rebind.test:" + P], "https://rebind.test:%s/" % P,
        "a name pinned to a loopback address without a rule for it is refused", False,
        "deny name=rebind.test port=%s address=127.0.0.1" % P)
    hxc(["--resolve", "lab.test:127.0.0.1", "--allow", "127.0.0.0/8:" + P], "https://lab.test:%s/" % P,
        "a CIDR rule names the loopback range (--resolve pin used)", True,
        "allow name=lab.test port=%s address=127.0.0.1 rule=127.0.0.0/8:%s" % (P, P))
    hxc(["--allow", "localhost:" + P], "https://127.0.0.1:%s/" % P,
        "an IP literal is not reached through a name rule", False,
        "deny name=127.0.0.1 port=%s address=127.0.0.1" % P)
    hxc(["--allow", "127.0.0.1:" + P], "https://127.0.0.1:%s/" % P, "an IP-literal rule allows that literal",
        True, "allow name=127.0.0.1 port=%s address=127.0.0.1 rule=127.0.0.1:%s" % (P, P))
    hxc(["--allow", "localhost:" + P, "--max-total-conns", "0"], "https://localhost:%s/" % P,
        "the total-connection quota applies to the component", False,
        "reason=\"quota: 0 connections already made (max-total-conns)\"")
    p = subprocess.run(HOST_CMD + ["--max-bytes", "10", "--", comp, "https://localhost:%s/" % P],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 125 and "cannot be enforced for the component" in p.stderr,
          "component: byte quotas it cannot meter are refused as a usage error (125)", p.stderr)


def main():
    global HOST_CMD
    HOST_CMD = host_cmd()
    print("host: %s (%s)" % (HOST_KIND, " ".join(HOST_CMD)))
    tmp = tempfile.mkdtemp(prefix="hxc-wasm-abi-")
    servers = []
    try:
        probe = build_probe(tmp)
        es, ts, ss, sk = Server(echo), Server(talk_later), Server(silent), Server(sink)
        fh, df = Server(firehose), Server(deaf)
        servers = [es, ts, ss, sk, fh, df]
        E = str(es.port)
        allow_lo = ["--allow", "localhost:%d,%d,%d,%d" % (es.port, ts.port, ss.port, sk.port)]

        # exit status and argv pass through
        p = run(probe, [], ["exit", "7"])
        check(p.returncode == 7, "module exit code is the host's exit code", p.stderr)

        # stdout is a pipe read slowly: the module's writes block instead of failing with EAGAIN
        pr = subprocess.Popen(HOST_CMD + ["--allow", "localhost:" + E, "--audit", "--", probe, "flood"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.0)
        out, err = pr.communicate(timeout=30)
        check(pr.returncode == 0 and len(out) == 64 * 65536, "4 MiB of module stdout into a slow pipe arrives whole",
              "exit %d, %d bytes; stderr: %s" % (pr.returncode, len(out), err.decode(errors="replace")))
        # 64 MiB through a shell pipeline whose reader starts late: `... | (sleep 1; sha256sum)`
        sh = "%s | (sleep 1; sha256sum)" % " ".join(HOST_CMD + ["--", probe, "flood", "1024"])
        p = subprocess.run(["bash", "-o", "pipefail", "-c", sh], capture_output=True, text=True, timeout=60)
        want = hashlib.sha256(b"x" * (64 << 20)).hexdigest()
        check(p.returncode == 0 and p.stdout.split()[:1] == [want],
              "64 MiB of module stdout through `| (sleep 1; sha256sum)` arrives whole",
              "exit %d; stdout: %s; stderr: %s" % (p.returncode, p.stdout, p.stderr))

        # --- wire tests ---
        expect(run(probe, [], ["badhandle"]), "unknown handles give -EBADF and POLLNVAL",
               {"status": "-8", "send": "-8", "recv": "-8", "shutdown": "-8", "close": "-8",
                "poll": "1", "revents0": "0x4000", "revents1": "0x0"})
        expect(run(probe, allow_lo, ["efault", "localhost", E]),
               "out-of-bounds pointers give -EFAULT, bad arguments -EINVAL",
               {"connect": "-21", "h": "1", "status": "0", "send": "-21", "recv": "-21", "poll": "-21",
                "sendneg": "-28", "flags": "-28", "port": "-28", "how": "-28", "close": "0", "close2": "-8"})
        got = expect(run(probe, allow_lo, ["echo", "localhost", E, "300000"]),
                     "echo round trip of 300000 bytes with partial sends in >=16 KiB chunks",
                     {"status": "0", "sent": "300000", "got": "300000", "same": "1", "partial": "1",
                      "maxchunk_ge_16k": "1", "eof": "0", "shutdown": "0", "send_after_shut": "-64", "close": "0"})
        expect(run(probe, allow_lo, ["twopoll", "localhost", str(ss.port), str(ts.port)]),
               "poll waits on several handles: timeout first, then the one that becomes readable",
               {"status": "0,0", "poll1": "0", "waited_ge_90": "1", "poll2": "1", "a_in": "0", "b_in": "1",
                "recv_b": "hello", "recv_a": "-6"})
        expect(run(probe, ["--allow", "localhost:1"], ["connect", "localhost", "1"]),
               "a refused connection is reported by status as -ECONNREFUSED",
               {"connect": "1", "status": "-14", "close": "0"})

        # --- policy tests ---
        p = run(probe, ["--audit"], ["connect", "localhost", E])
        got = expect(p, "default deny: no rules -> -EACCES", {"connect": "-2"})
        check("hxc-host audit: deny name=localhost port=%s" % E in p.stderr, "the denial is audited", p.stderr)
        expect(run(probe, ["--allow", "other.example:" + E], ["connect", "localhost", E]),
               "a denied host -> -EACCES", {"connect": "-2"})
        expect(run(probe, ["--allow", "localhost:%d" % (es.port + 1)], ["connect", "localhost", E]),
               "a denied port -> -EACCES", {"connect": "-2"})
        p = run(probe, ["--audit", "--allow", "*:" + E], ["connect", "localhost", E])
        expect(p, "'*' does not reach loopback: -EACCES", {"connect": "-2"})
        check("loopback address and rule '*:%s' does not name it" % E in p.stderr,
              "the audit line names the loopback reason", p.stderr)
        p = run(probe, ["--audit", "--resolve", "rebind.test:127.0.0.1", "--allow", "rebind.test:" + E],
                ["connect", "rebind.test", E])
        expect(p, "a name resolving to a loopback address without a rule for it -> -EACCES", {"connect": "-2"})
        check("deny name=rebind.test port=%s address=127.0.0.1" % E in p.stderr, "audit shows the checked address",
              p.stderr)
        expect(run(probe, ["--resolve", "rebind.test:10.1.2.3", "--allow", "rebind.test:" + E],
                   ["connect", "rebind.test", E]),
               "a name resolving to a private address without a rule -> -EACCES", {"connect": "-2"})
        p = run(probe, ["--audit", "--resolve", "lab.test:127.0.0.1", "--allow", "127.0.0.0/8:" + E],
                ["connect", "lab.test", E])
        expect(p, "a CIDR rule names the loopback range: connected", {"connect": "1", "status": "0"})
        check("allow name=lab.test port=%s address=127.0.0.1 rule=127.0.0.0/8:%s" % (E, E) in p.stderr,
              "the allow decision is audited with its rule", p.stderr)
        expect(run(probe, ["--allow", "127.0.0.1:" + E], ["connect", "127.0.0.1", E]),
               "an IP-literal rule allows that literal", {"connect": "1", "status": "0"})
        expect(run(probe, ["--allow", "*.invalid:" + E], ["connect", "no-such-host.invalid", E]),
               "an unresolvable name -> -ENOENT", {"connect": "-44"})
        expect(run(probe, allow_lo + ["--max-conns", "2"], ["many", "localhost", E, "3"]),
               "concurrent-connection quota -> -ENOBUFS", {"connect0": "1", "connect1": "1", "connect2": "-42"})
        expect(run(probe, allow_lo + ["--max-total-conns", "2"], ["many", "localhost", E, "3", "close"]),
               "total-connection quota -> -ENOBUFS", {"connect0": "1", "connect1": "1", "connect2": "-42"})
        expect(run(probe, allow_lo + ["--max-bytes-out", "20000"], ["bytes", "localhost", str(sk.port)]),
               "bytes-out quota: partial up to the quota, then -ENOBUFS",
               {"status": "0", "total": "20000", "last": "-42"})
        p = run(probe, ["--audit", "--allow", "localhost:%d" % fh.port, "--max-bytes-in", "50000"],
                ["recvall", "localhost", str(fh.port)])
        expect(p, "bytes-in quota: the bytes up to the quota arrive, then recv gives -ENOBUFS",
               {"status": "0", "total": "50000", "last": "-42", "close": "0"})
        check("reached max-bytes-in 50000" in p.stderr, "the bytes-in quota is audited", p.stderr)

        # --- the host exits promptly once the module has ---
        p = run(probe, ["--allow", "localhost:%d" % df.port], ["stuck", "localhost", str(df.port)])
        expect(p, "a module closes a connection whose peer never reads", {"status": "0", "queued_ge_1m": "1",
                                                                         "close": "0"})
        check(p.elapsed < 3.5, "the host exits promptly though a closed socket cannot flush",
              "took %.1f s" % p.elapsed)
        p = run(probe, ["--allow", "localhost:%d" % df.port], ["many", "localhost", str(df.port), "3"])
        check(p.returncode == 0 and p.elapsed < 3.5, "the host exits promptly with handles the module left open",
              "exit %d after %.1f s; stderr: %s" % (p.returncode, p.elapsed, p.stderr))

        # --- --dir and --env: the module's view of files and environment ---
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        with open(os.path.join(data, "in.txt"), "w") as f:
            f.write("from the host\n")
        expect(run(probe, ["--dir", data + "::/data"], ["file", "/data/in.txt", "/data/out.txt"]),
               "--dir HOST::GUEST: the module reads and writes under GUEST",
               {"read": "from", "write": "1"})
        with open(os.path.join(data, "out.txt")) as f:
            check(f.read() == "written by the module\n", "the module's file lands in the host directory")
        expect(run(probe, ["--dir", data], ["file", os.path.join(data, "in.txt")]),
               "--dir HOST: preopened at the same path", {"read": "from"})
        # The errno of a refused path comes from the WASI implementation, not from hostnet_v1:
        # escaping a preopen with .. is ENOTCAPABLE (76) in Node's uvwasi and EPERM (63) in
        # wasmtime-wasi (cap-std); a path under no preopen at all is refused by wasi-libc itself
        # before any host call: ENOENT (44) since wasi-libc 2023, ENOTCAPABLE (76) before.
        refused_escape = ("76", "63")
        refused_no_preopen = ("44", "76")
        expect(run(probe, ["--dir", data + "::/data"], ["file", "/data/../../etc/hostname", "/etc/hxc-probe"]),
               "paths outside the preopened directories are refused (ENOTCAPABLE/EPERM, ENOENT)",
               {"read_errno": refused_escape, "write_errno": refused_no_preopen})
        expect(run(probe, [], ["file", "/data/in.txt"]), "no --dir: no files at all",
               {"read_errno": refused_no_preopen})
        check(not os.path.exists("/etc/hxc-probe"), "nothing was written outside the preopens")
        expect(run(probe, ["--env", "HXC_A=1", "--env", "HXC_B=x y=z"], ["env", "HXC_A", "HXC_B", "PATH", "HOME"]),
               "--env K=V sets exactly those variables, nothing of the host's environment leaks",
               {"HXC_A": "1", "HXC_B": "x", "PATH": "(unset)", "HOME": "(unset)", "environ_count": "2"})
        expect(run(probe, [], ["env", "PATH"]), "no --env: an empty environment",
               {"PATH": "(unset)", "environ_count": "0"})
        p = run(probe, ["--env", "novalue"], ["exit", "0"])
        check(p.returncode == 125 and "--env expects K=V" in p.stderr, "a malformed --env is a usage error",
              p.stderr)

        for what in ("spin", "block"):
            p = run(probe, ["--timeout-ms", "800"], [what])
            check(p.returncode == 124 and "wall-clock limit of 800 ms" in p.stderr and p.elapsed < 10,
                  "a module that never returns (%s) is terminated at the wall-clock limit" % what,
                  "exit %d after %.1fs; stderr: %s" % (p.returncode, p.elapsed, p.stderr))
        for rule in ("bad rule:x", "10.0.0.0/:443", "10.0.0.0/33:443", "example.com/8:443"):
            p = run(probe, ["--allow", rule], ["exit", "0"])
            check(p.returncode == 125 and "bad --allow rule" in p.stderr,
                  "a malformed rule is a usage error: %r" % rule, p.stderr)

        if HOST_KIND == "node":
            check_js_api(tmp, probe, es)
        else:
            skip("the JavaScript API checks (runModule: the embedder's event loop, audit callback, stats)",
                 "Node-only API of wasm/host/host.mjs, not part of the %s host" % HOST_KIND)
        if HOST_KIND == "wasmtime":
            check_component(tmp, servers)
        else:
            skip("the WASI 0.2 component policy checks", "the component runs in hxc-wasmtime only "
                 "(HXC_WASM_HOST=wasmtime)")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = "%d passed, %d failed, %d skipped" % (len(passes), len(failures), len(skips))
    if failures:
        print("%d check(s) failed: %s" % (len(failures), "; ".join(failures)), file=sys.stderr)
        print(summary)
        sys.exit(1)
    print("all wasm host ABI checks passed (%s host)" % HOST_KIND)
    print(summary)


if __name__ == "__main__":
    main()
