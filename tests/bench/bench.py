#!/usr/bin/env python3
"""hxc benchmark (issue 4): a measurement, never a pass/fail test.

    python3 tests/bench/bench.py build/hxc [--wasm build-wasm/hxc.wasm]
        [--wasmtime-host .../hxc-wasmtime] [--component build-wasm/hxc.component.wasm]
        [--wasmtime PATH] [--rounds 5] ...

It mints a throwaway CA and a localhost certificate with the openssl CLI in a
temp dir, starts ONE nghttpd (TLS, HTTP/2, one worker) on a free loopback
port serving a 1 KiB and a 64 MiB file, and then, in one process, runs the
tools interleaved (A B C D A B C D ... for --rounds rounds, after --warmup
discarded rounds):

  1. 1000 GETs of the 1 KiB file over one HTTP/2 TLS connection:
       hxc -Z --parallel-max 100 --cacert CA -s -o NULL URL ... (x1000)
       curl --parallel --parallel-max 100 --http2 --cacert CA -s --config F
       nghttp -n -y -m 1000 URL
       h2load -n1000 -c1 -m100 URL           (the load generator: the limit)
  2. one 64 MiB download: hxc, curl, nghttp (and h2load -n1 as a reference).

NULL is $TMP/null, a symbolic link to /dev/null: it behaves like -o /dev/null
for a tool that opens its output and writes, but a tool that instead writes
a temporary file and renames it over the output (as hxc's -o did before
issue 4) replaces only the link, never the system's /dev/null (run as root,
`-o /dev/null` would have replaced the device with a regular file). The link
is checked after every run; a replaced link fails that run.

Per run it records the wall time (time.monotonic around the child, from
just before the spawn to the moment it has exited), CPU time, and the
child's peak RSS as GNU time reports it (/usr/bin/time -f %M, Debian package
'time'): each tool runs as a child of the small time binary, which reaps it
with wait4 and prints that child's own ru_maxrss. Two tempting shortcuts are
wrong: getrusage(RUSAGE_CHILDREN) is the maximum over all children reaped so
far and never resets, and ru_maxrss of a child spawned directly from this
Python process includes Python's own peak (Linux keeps the pre-exec image's
high-water mark across exec), which would hide any tool smaller than Python.
Under time the floor is time's own ~1 MiB, measured and printed at start.
None of the tools fork, so the figure is the tool's own.

Before timing, each tool is run once untimed to check that it really
fetched the data: hxc and curl write to files that are compared with the
served ones (and report how many connections they used: hxc -v's 'using
connection #C' lines, curl's -w %{num_connects}); nghttp -s must list N
responses with status 200 (section 2: its body is compared); h2load must
report "N succeeded".
Each timed run is checked too (exit status 0; h2load "N succeeded"). The
issue's targets (hxc >= 2x faster than curl, within 1.5x of h2load, peak
RSS under half of curl's) are reported as met / not met, as information:
they never change the exit status. The exit status is non-zero only when
something could not be measured (server did not start, a tool failed).

With --wasm path/to/hxc.wasm (issue 5) hxc.wasm runs too, in the Node
reference host (node wasm/host/hxc-host.mjs
--allow localhost:PORT --dir $TMP::/w --dir /dev::/dev -- hxc.wasm ...), as
the row "hxc.wasm (node host)" right after "hxc" in both sections, with the
same arguments (paths as the module sees them). Two more wasm runners add a
row each beside it, with the same preflight checks and measurement:

  --wasmtime-host PATH   "hxc.wasm (hxc-wasmtime)": the same hxc.wasm in
      hxc-wasmtime, the wasmtime embedding that supplies the hostnet_v1
      imports; same command line as the Node host. It caches compiled code
      itself: the bench points HXC_WASMTIME_CACHE at $TMP/hxc-wasmtime-cache,
      so its first run is cold and the rows run with the cache warm.
  --component PATH       "hxc.component.wasm (wasmtime run)": the WASI 0.2
      command component (wasi:sockets) in the stock wasmtime CLI (--wasmtime
      PATH, default: wasmtime on PATH). At start the bench compiles it ahead
      of time, as a user would for a module run often (wasmtime compile -o
      $TMP/hxc.component.cwasm; the time is printed), and the rows run
      wasmtime run -S inherit-network -S allow-ip-name-lookup --dir $TMP::/w
      --dir /dev::/dev --allow-precompiled $TMP/hxc.component.cwasm ...
      (stock wasmtime has no per-host allow list).

A wasm row's peak RSS is its runner process's (node's worker thread
included), measured like every other tool's. A runner that cannot be set up
(binary missing, compile or '--version' failing) is skipped with the reason
printed, its rows left out, and the exit status is non-zero; the rest runs.

Start-up, shown separately for every runner: the fixed cost of a run that
does no network I/O ('hxc --version'), the median of 5 runs each: node host
(node start-up, module compile and instantiation); hxc-wasmtime cold (cache
emptied before each run) and warm (the rows' case); wasmtime run with the
precompiled .cwasm (the rows' case) and, for comparison, from the .wasm
compiled at every run (-C cache=n: wasmtime run's own cache, on by default
in ~/.cache/wasmtime, would otherwise hide the compile); native hxc as a
reference.

A second nghttpd, the same binary with its cipher list forced to
ECDHE-ECDSA-CHACHA20-POLY1305 (nghttpd has no cipher option: a small
LD_PRELOAD shim built here replaces the list it passes to OpenSSL), adds the
rows "hxc [chacha20]" and "RUNNER [chacha20]" for every wasm runner: nghttpd
otherwise picks AES-GCM by its own order, and wasm has no AES-NI. Each hxc
row's preflight checks the suite hxc -v reports. The issue's wasm targets are
reported for every runner, as information (met / not met):
  - section 1: time within 3x of native hxc, for the AES and ChaCha20 pairs;
  - section 2: at least a quarter of native throughput, ChaCha20 wasm vs
    ChaCha20 native (and the AES pair, and ChaCha20 wasm vs native's default
    AES, as information);
  - start-up under 30 ms with a precompiled module (the rows' start-up
    figure; the node host compiles at every start, and says so).
Each ratio is also given with the runner's start-up taken off the wasm
median (what an embedding that keeps the runtime up would pay).

The report is printed and written to --results (default: bench-results.txt
next to the hxc binary, i.e. build/bench-results.txt for `just bench`).
Python 3 standard library only.
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SMALL_NAME = "1k.bin"
BIG_NAME = "big.bin"


# ------------------------------------------------------------ utilities

class SetupError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(args, cwd):
    proc = subprocess.run(["openssl"] + args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SetupError("openssl %s failed (exit %d): %s"
                         % (" ".join(args), proc.returncode, proc.stderr.strip()))


def mint_pki(d):
    """A throwaway EC P-256 CA and a leaf for localhost / 127.0.0.1 / ::1."""
    ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    openssl(["genpkey"] + ec + ["-out", "ca.key"], d)
    openssl(["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=hxc bench CA",
             "-days", "2", "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem"], d)
    openssl(["genpkey"] + ec + ["-out", "server.key"], d)
    openssl(["req", "-new", "-key", "server.key", "-subj", "/CN=localhost",
             "-out", "server.csr"], d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n")
    openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", "server.ext",
             "-out", "server.pem"], d)
    return (os.path.join(d, "ca.pem"), os.path.join(d, "server.key"),
            os.path.join(d, "server.pem"))


def write_random(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tail(path, n=600):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace").strip()


class Nghttpd:
    """One nghttpd (TLS, HTTP/2, one worker) on a free port. env: extra
    environment variables (the ChaCha20 server's LD_PRELOAD, see below)."""

    def __init__(self, htdocs, key, cert, logdir, name="nghttpd", env=None):
        self.port = free_port()
        self.name = name
        self.log = os.path.join(logdir, name + ".log")
        self.env = dict(env or {})
        self.argv = ["nghttpd", "-n", "1", "-d", htdocs, str(self.port), key, cert]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         env=dict(os.environ, **self.env))
        self._wait_ready()

    def command(self):
        return " ".join(["%s=%s" % kv for kv in sorted(self.env.items())] + self.argv)

    def _wait_ready(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError("%s exited early (status %d): %s"
                                 % (self.name, self.proc.returncode, tail(self.log)))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SetupError("%s did not accept connections on port %d within 10 s"
                         % (self.name, self.port))

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# nghttpd 1.52 has no option to choose its TLS 1.2 cipher suites: it sets its
# own list with SSL_CTX_set_cipher_list and prefers its own order, which puts
# AES-GCM first (and an OPENSSL_CONF CipherString is overridden by that call).
# For the ChaCha20 pair (hxc.wasm has no AES-NI: BearSSL's portable AES is far
# slower than its ChaCha20 there) a second nghttpd runs with this shim in
# LD_PRELOAD: it replaces the list nghttpd passes by $HXC_BENCH_CIPHERS, so the
# server can only pick ECDHE-ECDSA-CHACHA20-POLY1305. Everything else about the
# server is unchanged. Each hxc row's preflight checks the negotiated suite.
CHACHA_SUITE = "ECDHE-ECDSA-CHACHA20-POLY1305"
CIPHER_SHIM_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
typedef struct ssl_ctx_st SSL_CTX;
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str);
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str)
{
    int (*real)(SSL_CTX *, const char *) =
        (int (*)(SSL_CTX *, const char *))dlsym(RTLD_NEXT, "SSL_CTX_set_cipher_list");
    const char *forced = getenv("HXC_BENCH_CIPHERS");
    return real ? real(ctx, forced && *forced ? forced : str) : 0;
}
"""


def build_cipher_shim(work):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise SetupError("no C compiler (cc) for the ChaCha20 server's cipher shim")
    src = os.path.join(work, "cipher_shim.c")
    out = os.path.join(work, "cipher_shim.so")
    with open(src, "w") as f:
        f.write(CIPHER_SHIM_C)
    p = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", out, src, "-ldl"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SetupError("cannot build the cipher shim: %s" % p.stderr.strip())
    return out


# ---------------------------------------------------------- one child run

class Run:
    def __init__(self, wall, maxrss_kib, cpu, status, out_tail, err_tail, out_path):
        self.wall = wall                # seconds
        self.maxrss_kib = maxrss_kib    # the child's own peak RSS (wait4)
        self.cpu = cpu                  # user + system seconds
        self.status = status            # exit code, or -signal
        self.out_tail = out_tail
        self.err_tail = err_tail
        self.out_path = out_path


TIME = "/usr/bin/time"   # GNU time (Debian package 'time')


def run_child(argv, workdir, timeout, stdout_path=None):
    """Runs argv under GNU time -f %M; returns a Run.

    Wall time spans spawn .. exit of the wrapper (its own fork + exec, about
    a millisecond, is the same for every tool). Peak RSS is what GNU time
    reports for its child: the ru_maxrss of wait4 on a process forked from
    the small time binary. We cannot take ru_maxrss from our own wait4 on a
    direct child: Linux keeps the pre-exec image's high-water mark across
    exec (signal->maxrss), so every child spawned from this Python process
    would report at least Python's own peak RSS. Under time the floor is
    time's own ~1 MiB (measured and printed at start). CPU time comes from
    our wait4 on the wrapper, which includes its reaped child.

    The child is waited for without being reaped first (waitid WNOWAIT), so
    the timeout killer (SIGKILL to the run's own process group) can never
    hit a recycled id."""
    out_path = stdout_path or os.path.join(workdir, "child.out")
    err_path = os.path.join(workdir, "child.err")
    rss_path = os.path.join(workdir, "child.rss")
    lock = threading.Lock()
    state = {"done": False, "killed": False}
    wrapped = [TIME, "-f", "%M", "-o", rss_path, "--"] + argv
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(wrapped, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)

        def kill():
            with lock:
                if not state["done"]:
                    state["killed"] = True
                    os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            t1 = time.monotonic()
            with lock:
                state["done"] = True
        finally:
            timer.cancel()
        _, wstatus, ru = os.wait4(proc.pid, 0)
    status = os.waitstatus_to_exitcode(wstatus)
    proc.returncode = status   # reaped here: keep Popen from waiting again
    err_tail = tail(err_path)
    if state["killed"]:
        err_tail = ("killed after the %g s timeout. " % timeout) + err_tail
    return Run(t1 - t0, read_rss(rss_path), ru.ru_utime + ru.ru_stime, status,
               tail(out_path, 4000), err_tail, out_path)


def read_rss(path):
    """The last line of GNU time's -o file is %M (KiB); earlier lines may say
    'Command exited with non-zero status N'."""
    try:
        with open(path) as f:
            return int(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return 0


# ------------------------------------------------------------ the tools

class Tool:
    """name, argv for the timed run, a sanity check for one timed run, and an
    untimed preflight that verifies the data really arrived."""

    def __init__(self, name, argv, check, preflight, note=""):
        self.name = name
        self.argv = argv
        self.check = check          # Run -> None or a reason string
        self.preflight = preflight  # () -> None or a reason string
        self.note = note
        self.runs = []
        self.failures = []
        self.info = None            # set by the preflight: connections used


def exit_zero(run):
    if run.status != 0:
        return "exit status %d: %s" % (run.status, run.err_tail or run.out_tail)
    return None


def h2load_check(n):
    def check(run):
        if run.status != 0:
            return "exit status %d: %s" % (run.status, run.err_tail or run.out_tail)
        want = "%d succeeded" % n
        if want not in run.out_tail:
            return "h2load did not report '%s': %s" % (want, run.out_tail)
        return None
    return check


def devnull_ok():
    try:
        return stat.S_ISCHR(os.stat("/dev/null").st_mode)
    except OSError:
        return False


def make_null_link(path):
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink("/dev/null", path)


def writes_through(null):
    """A check for tools given -o NULL: exit 0 and the link left in place."""
    def check(run):
        bad = exit_zero(run)
        if os.path.islink(null) and os.readlink(null) == "/dev/null":
            return bad
        make_null_link(null)
        return (bad + "; " if bad else "") + \
            ("the -o output %s (a symlink to /dev/null) was replaced instead of written "
             "through: with -o /dev/null the tool would replace the system's /dev/null" % null)
    return check


def compare_files(paths, expected_path):
    want = sha256_file(expected_path)
    size = os.path.getsize(expected_path)
    for p in paths:
        if not os.path.exists(p):
            return "%s was not written" % p
        if os.path.getsize(p) != size:
            return "%s has %d bytes, expected %d" % (p, os.path.getsize(p), size)
        if sha256_file(p) != want:
            return "%s differs from the served %s" % (p, expected_path)
    return None


def hxc_connections(verbose_log, n):
    """Counts the connections hxc -v names ('* [N] using connection #C, stream S')."""
    conns, uses = set(), 0
    with open(verbose_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"using connection #(\d+)", line)
            if m:
                conns.add(m.group(1))
                uses += 1
    if not uses:
        return "connections not verified: -v printed no 'using connection #C' lines"
    return "%d transfers on %d connection(s) (hxc -v: %d 'using connection' lines)" \
        % (n, len(conns), uses)


def hxc_has_parallel(hxc):
    """True when the CLI has -Z/--parallel-max (issue 4)."""
    try:
        proc = subprocess.run([hxc, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--parallel-max" in proc.stdout + proc.stderr


def hxc_many_args(ca, url, pmax, outputs):
    argv = ["-Z", "--parallel-max", str(pmax), "--cacert", ca, "-s"]
    for out in outputs:
        argv += ["-o", out, url]
    return argv


def tls_suite(verbose_log):
    """The suite hxc -v names ('* TLS handshake done: TLSv1.2 / SUITE'), or None."""
    with open(verbose_log, encoding="utf-8", errors="replace") as f:
        m = re.search(r"TLS handshake done: (\S+) / (\S+)", f.read())
    return m.group(2) if m else None


def devnull_intact(run):
    """Check for hxc.wasm runs given -o /dev/null (the host preopens /dev)."""
    bad = exit_zero(run)
    if devnull_ok():
        return bad
    return (bad + "; " if bad else "") + "/dev/null is no longer the null device"


# No --no-turbo-fast-api-calls: the host's worker turns V8's fast API calls
# off itself before it compiles the module (wasm/host/worker.mjs), and the
# flag on the command line costs every run about 30 ms of start-up (V8 then
# rejects the code cache of Node's internal modules, in both threads).
NODE_HOST = ["node"]

STARTUP_RUNS = 5            # '--version' runs per start-up figure (median)
STARTUP_TARGET_MS = 30.0    # issue 5: process start-up with a precompiled module


class Startup:
    """One start-up figure of a runner: the fixed cost of a run that does no
    network I/O (hxc '--version'), the median over STARTUP_RUNS runs.
    before: called before each run (the cold case empties a cache); rows: the
    figure of the command the rows run (taken off their medians as 'less
    start-up'); precompiled: the module arrives compiled (the 30 ms target)."""

    def __init__(self, label, argv=None, before=None, rows=False, precompiled=False, note=""):
        self.label = label
        self.note = note
        self.argv = argv            # None: the runner's own command + --version
        self.before = before
        self.rows = rows
        self.precompiled = precompiled
        self.ms = self.min_ms = self.rss_mib = None

    def measure(self, work, timeout):
        """None, or why a run failed."""
        runs = []
        for _ in range(STARTUP_RUNS):
            if self.before:
                self.before()
            r = run_child(self.argv, work, timeout)
            if r.status != 0 or "hxc" not in r.out_tail:
                return "'%s' failed (exit %d): %s" % (" ".join(self.argv), r.status,
                                                      r.err_tail or r.out_tail)
            runs.append(r)
        self.ms = med([r.wall for r in runs]) * 1000
        self.min_ms = min(r.wall for r in runs) * 1000
        self.rss_mib = med([r.maxrss_kib for r in runs]) / 1024
        return None


class WasmRunner:
    """One way to run hxc as WebAssembly, giving the rows 'NAME' and
    'NAME [chacha20]'. Its command: head, then (policy) --allow
    localhost:PORT, then $TMP preopened as /w (CA file, preflight outputs) and
    /dev as /dev (timed runs write to /dev/null: a symbolic link pointing out
    of a preopened directory cannot be followed inside WASI), then tail (the
    module), then hxc's arguments. prepare: None, or a callable run once
    before the start-up runs (None, or why the runner cannot run). skip: why
    it cannot run (its rows are left out and the bench exits non-zero)."""

    def __init__(self, name, head, policy, tail, startups, about, skip=None, prepare=None):
        self.name = name
        self.head = head
        self.policy = policy
        self.tail = tail
        self.startups = startups
        self.about = about
        self.skip = skip
        self.prepare = prepare
        for st in startups:
            st.argv = st.argv or head + tail + ["--version"]

    def prefix(self, port, work):
        allow = ["--allow", "localhost:%d" % port] if self.policy else []
        return self.head + allow + ["--dir", work + "::/w", "--dir", "/dev::/dev"] + self.tail

    def startup(self):
        """The start-up figure of the command the rows run."""
        return next(st for st in self.startups if st.rows)


def wasm_runners(args, work, log):
    """The wasm runners asked for, each set up (the component compiled, the
    start-up measured); runners that cannot run carry the reason in skip."""
    def missing(what, path):
        if not path:
            return "%s: none given and none on PATH" % what
        return None if os.access(path, os.X_OK) else \
            "%s '%s' is not an executable file" % (what, path)

    def size(path):
        if not os.path.isfile(path):
            return "%s (missing)" % path
        return "%s, %d bytes (%.0f KiB)" % (path, os.path.getsize(path),
                                            os.path.getsize(path) / 1024)
    out = []
    if args.wasm:
        host = os.path.join(args.src, "wasm", "host", "hxc-host.mjs")
        out.append(WasmRunner(
            "hxc.wasm (node host)", NODE_HOST + [host], True, ["--", args.wasm],
            [Startup("node start-up, module compile and instantiation", rows=True)],
            "%s in node %s wasm/host/hxc-host.mjs (peak RSS = the node process, worker thread "
            "included)" % (size(args.wasm), version_line(["node", "--version"]))))
    if args.wasmtime_host:
        cache = os.path.join(work, "hxc-wasmtime-cache")
        os.environ["HXC_WASMTIME_CACHE"] = cache
        out.append(WasmRunner(
            "hxc.wasm (hxc-wasmtime)", [args.wasmtime_host], True, ["--", args.wasm],
            [Startup("first run, cold: empty cache, compiles and stores",
                     before=lambda: shutil.rmtree(cache, ignore_errors=True)),
             Startup("second run, cache warm", rows=True, precompiled=True)],
            "%s in %s (the wasmtime embedding with the hostnet_v1 imports; its compiled-code "
            "cache: HXC_WASMTIME_CACHE=$TMP/hxc-wasmtime-cache, emptied before each cold run)"
            % (size(args.wasm), args.wasmtime_host),
            missing("--wasmtime-host", args.wasmtime_host)))
    if args.component:
        wt = args.wasmtime
        cwasm = os.path.join(work, "hxc.component.cwasm")

        def compile_component():
            t0 = time.monotonic()
            p = subprocess.run([wt, "compile", "-o", cwasm, args.component],
                               capture_output=True, text=True, timeout=args.timeout)
            if p.returncode != 0:
                return "wasmtime compile failed (exit %d): %s" % (p.returncode,
                                                                 p.stderr.strip()[-600:])
            log("  wasmtime compile -o $TMP/hxc.component.cwasm %s: %.0f ms (.cwasm: %s)"
                % (args.component, (time.monotonic() - t0) * 1000,
                   size(cwasm).replace(work, "$TMP")))
            return None
        out.append(WasmRunner(
            "hxc.component.wasm (wasmtime run)",
            [wt, "run", "-S", "inherit-network", "-S", "allow-ip-name-lookup"], False,
            ["--allow-precompiled", cwasm],
            [Startup("precompiled .cwasm (--allow-precompiled)", rows=True, precompiled=True),
             Startup("from the .wasm, compiled at every run (-C cache=n)",
                     argv=[wt, "run", "-C", "cache=n", args.component, "--version"],
                     note="for comparison; wasmtime run also has its own compiled-code cache, "
                          "on by default (~/.cache/wasmtime): without -C cache=n a repeated "
                          "run of the .wasm costs about what the .cwasm does")],
            "%s in %s (%s; no per-host allow list: -S inherit-network)"
            % (size(args.component), wt, version_line([wt, "--version"]) if wt else "?"),
            missing("--wasmtime", wt) or
            (None if os.path.isfile(args.component) else
             "--component '%s' is not a file (build it: just wasm)" % args.component),
            compile_component))
    for rn in out:
        log("%s: %s" % (rn.name, rn.about))
        if not rn.skip and rn.prepare:
            rn.skip = rn.prepare()
        for st in ([] if rn.skip else rn.startups):
            rn.skip = st.measure(work, args.timeout)
            if rn.skip:
                break
            log("  start-up (%s): %.0f ms, peak RSS %.1f MiB (median of %d '--version' runs)"
                % (st.label, st.ms, st.rss_mib, STARTUP_RUNS))
        if rn.skip:
            log("  SKIPPED, no rows: %s" % rn.skip)
            args.notes.append("%s was not measured: %s" % (rn.name, rn.skip))
            args.broken.append(rn.name)
    return [rn for rn in out if not rn.skip]


class Flavour:
    """How one hxc row runs: the native CLI, or hxc as WebAssembly in one of
    the wasm runners (WasmRunner: its command line, with the guest paths of
    $TMP under /w). suite: the cipher suite the server must have chosen
    (None: any)."""

    def __init__(self, name, prefix, work, null, check, guest_root=None, suite=None):
        self.name = name
        self.prefix = prefix
        self.work = work
        self.null = null
        self.check = check
        self.guest_root = guest_root
        self.suite = suite

    def argv(self, tool_args):
        return self.prefix + tool_args

    def path(self, host_path):
        if self.guest_root is None:
            return host_path
        return self.guest_root + "/" + os.path.relpath(host_path, self.work)

    def verify_suite(self, verbose_log):
        """None, or why the negotiated suite is not the one this row needs;
        also records the suite for the report."""
        got = tls_suite(verbose_log)
        if got is None:
            return "hxc -v printed no 'TLS handshake done' line"
        if self.suite and got != self.suite:
            return "the server chose %s, not %s" % (got, self.suite)
        self.got_suite = got
        return None


def hxc_flavours(args, work, server, chacha):
    tag = " [chacha20]" if chacha else ""
    suite = CHACHA_SUITE if chacha else None
    out = [Flavour("hxc" + tag, [args.hxc], work, args.null, writes_through(args.null),
                   suite=suite)]
    for rn in args.runners:
        out.append(Flavour(rn.name + tag, rn.prefix(server.port, work), work, "/dev/null",
                           devnull_intact, guest_root="/w", suite=suite))
    return out


def hxc_small_tool(args, fl, ca, url, work, served, pre_dir):
    n, pmax = args.requests, args.parallel_max
    slug = re.sub(r"[^a-z0-9]+", "-", fl.name.lower()).strip("-")
    files = [os.path.join(pre_dir, "%s-%d" % (slug, i)) for i in range(n)]

    def pre():
        argv = fl.argv(["-v"] + hxc_many_args(fl.path(ca), url, pmax,
                                              [fl.path(f) for f in files]))
        r = run_child(argv, work, args.timeout)
        err = os.path.join(work, "child.err")
        bad = exit_zero(r) or compare_files(files, served) or fl.verify_suite(err)
        if not bad:
            args.info[fl.name] = "%s; TLS suite %s" % (hxc_connections(err, n), fl.got_suite)
        return bad
    return Tool(fl.name, fl.argv(hxc_many_args(fl.path(ca), url, pmax, [fl.null] * n)),
                fl.check, pre)


def hxc_big_tool(args, fl, ca, url, work, served):
    pre = os.path.join(work, "pre-big.out")

    def preflight():
        r = run_child(fl.argv(["-v", "--cacert", fl.path(ca), "-s", "-o", fl.path(pre), url]),
                      work, args.timeout)
        bad = exit_zero(r) or compare_files([pre], served) or \
            fl.verify_suite(os.path.join(work, "child.err"))
        if not bad:
            args.info[fl.name] = "TLS suite %s" % fl.got_suite
        return bad
    return Tool(fl.name, fl.argv(["--cacert", fl.path(ca), "-s", "-o", fl.null, url]),
                fl.check, preflight)


def curl_config(path, url, outputs):
    with open(path, "w") as f:
        for out in outputs:
            f.write('url = "%s"\noutput = "%s"\n' % (url, out))
    return path


def small_tools(args, ca, work, server, chacha_server):
    n, pmax, timeout = args.requests, args.parallel_max, args.timeout
    url = "https://localhost:%d/%s" % (server.port, SMALL_NAME)
    tools = []
    pre_dir = os.path.join(work, "pre-small")
    os.makedirs(pre_dir, exist_ok=True)
    served = os.path.join(work, "htdocs", SMALL_NAME)

    if hxc_has_parallel(args.hxc):
        for fl in hxc_flavours(args, work, server, False):
            tools.append(hxc_small_tool(args, fl, ca, url, work, served, pre_dir))
    else:
        args.notes.append("hxc: %s has no -Z/--parallel-max (issue 4): hxc was not "
                          "measured in section 1" % args.hxc)
        args.broken.append("section 1 / hxc (no -Z)")

    if shutil.which("curl"):
        files = [os.path.join(pre_dir, "curl-%d" % i) for i in range(n)]
        pre_cfg = curl_config(os.path.join(work, "curl-pre.cfg"), url, files)
        cfg = curl_config(os.path.join(work, "curl-small.cfg"), url, [args.null] * n)
        base = ["curl", "--parallel", "--parallel-max", str(pmax), "--http2",
                "--cacert", ca, "-s", "-S"]

        def curl_pre():
            r = run_child(base + ["-w", "%{num_connects}\\n", "--config", pre_cfg], work,
                          timeout)
            bad = exit_zero(r) or compare_files(files, served)
            if not bad:
                with open(r.out_path) as f:
                    conns = sum(int(x) for x in f.read().split() if x.isdigit())
                args.info["curl"] = "%d transfers opened %d connection(s) " \
                    "(sum of -w %%{num_connects})" % (n, conns)
            return bad
        tools.append(Tool("curl", base + ["--config", cfg], writes_through(args.null), curl_pre,
                          "curl 7.88 --parallel now and then stalls for exactly 1 s (its "
                          "1000 ms multi-poll timeout), seen with 127.0.0.1 as with "
                          "localhost: compare medians and minima"))
    else:
        args.notes.append("curl is not installed (Debian package 'curl'): not measured")

    nghttp = ["nghttp", "-n", "-y", "-m", str(n), url]

    def nghttp_pre():
        r = run_child(["nghttp", "-n", "-y", "-s", "-m", str(n), url], work, timeout)
        bad = exit_zero(r)
        if bad:
            return bad
        with open(r.out_path, encoding="utf-8", errors="replace") as f:
            got = sum(1 for line in f if " 200 " in line and url.split("//", 1)[1]
                      .split("/", 1)[1] in line)
        return None if got == n else "nghttp -s listed %d responses with status 200, not %d" \
            % (got, n)
    tools.append(Tool("nghttp", nghttp, exit_zero, nghttp_pre,
                      "nghttp cannot be given a CA file: it checks against the system store "
                      "and only warns (-y silences the warning)"))

    h2load = ["h2load", "-n", str(n), "-c", "1", "-m", str(pmax), url]
    tools.append(Tool("h2load", h2load, h2load_check(n),
                      lambda: h2load_check(n)(run_child(h2load, work, timeout)),
                      "h2load does not verify the certificate"))

    if chacha_server and hxc_has_parallel(args.hxc):
        chacha_url = "https://localhost:%d/%s" % (chacha_server.port, SMALL_NAME)
        for fl in hxc_flavours(args, work, chacha_server, True):
            tools.append(hxc_small_tool(args, fl, ca, chacha_url, work, served, pre_dir))
    return tools


def big_tools(args, ca, work, server, chacha_server):
    timeout = args.timeout
    url = "https://localhost:%d/%s" % (server.port, BIG_NAME)
    served = os.path.join(work, "htdocs", BIG_NAME)
    pre = os.path.join(work, "pre-big.out")
    tools = [hxc_big_tool(args, fl, ca, url, work, served)
             for fl in hxc_flavours(args, work, server, False)]

    if shutil.which("curl"):
        curl = ["curl", "--http2", "--cacert", ca, "-s", "-S", "-o", args.null, url]

        def curl_pre():
            r = run_child(curl[:-3] + ["-o", pre, url], work, timeout)
            return exit_zero(r) or compare_files([pre], served)
        tools.append(Tool("curl", curl, writes_through(args.null), curl_pre))

    nghttp = ["nghttp", "-n", "-y", url]

    def nghttp_pre():
        r = run_child(["nghttp", "-y", url], work, timeout, stdout_path=pre)
        return exit_zero(r) or compare_files([pre], served)
    tools.append(Tool("nghttp", nghttp, exit_zero, nghttp_pre,
                      "nghttp keeps its default 64 KiB stream and connection windows "
                      "(-w/-W change them)"))

    h2load = ["h2load", "-n", "1", "-c", "1", url]
    tools.append(Tool("h2load", h2load, h2load_check(1),
                      lambda: h2load_check(1)(run_child(h2load, work, timeout)),
                      "reference only"))

    if chacha_server:
        chacha_url = "https://localhost:%d/%s" % (chacha_server.port, BIG_NAME)
        tools += [hxc_big_tool(args, fl, ca, chacha_url, work, served)
                  for fl in hxc_flavours(args, work, chacha_server, True)]
    return tools


# ----------------------------------------------------------- measuring

def measure(section, tools, args, work, servers, log):
    log("")
    log("== %s" % section)
    for t in tools:
        reason = t.preflight()
        if reason:
            t.failures.append("preflight: " + reason)
            log("  %-7s preflight FAILED, not timed: %s" % (t.name, reason))
        else:
            t.info = args.info.pop(t.name, None)
            log("  %-7s preflight ok (data verified)%s"
                % (t.name, "; " + t.info if t.info else ""))
    for server in servers:
        if not server.alive():
            raise SetupError("%s died during the preflight" % server.name)
    total = args.warmup + args.rounds
    timed = [t for t in tools if not t.failures]
    for rnd in range(total):
        progress = []
        for t in timed:
            r = run_child(t.argv, work, args.timeout)
            bad = t.check(r)
            if bad:
                t.failures.append("round %d: %s" % (rnd + 1, bad))
            elif rnd >= args.warmup:
                t.runs.append(r)
            progress.append("%s %s" % (t.name, "FAILED" if bad else "%.0f ms" % (r.wall * 1000)))
        progress = ", ".join(progress)
        log("  round %d/%d%s %s" % (rnd + 1, total,
                                   " (warm-up, discarded)" if rnd < args.warmup else "",
                                   progress))
    for t in tools:
        if t.failures:
            args.broken.append("%s / %s" % (section, t.name))


def med(values):
    return statistics.median(values) if values else None


def stats(t):
    if not t.runs:
        return None
    return {
        "med": med([r.wall for r in t.runs]) * 1000,
        "min": min(r.wall for r in t.runs) * 1000,
        "rss": med([r.maxrss_kib for r in t.runs]),
        "rss_max": max(r.maxrss_kib for r in t.runs),
        "cpu": med([r.cpu for r in t.runs]) * 1000,
    }


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def name_width(tools):
    return max([8] + [len(t.name) for t in tools])


def log_details(tools, log):
    w = name_width(tools) + 1
    for t in tools:
        if t.runs:
            log("  runs %-*s %s ms" % (w, t.name + ":", " ".join("%.0f" % (r.wall * 1000)
                                                             for r in t.runs)))
    for t in tools:
        if t.note:
            log("  note: %s: %s" % (t.name, t.note))
        for f in t.failures:
            log("  FAILED run: %s: %s" % (t.name, f))


def report_small(tools, args, log):
    s = {t.name: stats(t) for t in tools}
    log("")
    log("Section 1: %d GETs of a 1 KiB file, one HTTP/2 TLS connection, %d rounds "
        "(+%d warm-up), interleaved" % (args.requests, args.rounds, args.warmup))
    w = name_width(tools)
    log("%-*s %10s %10s %10s %14s %12s" % (w, "tool", "median ms", "min ms", "cpu ms",
                                          "peak RSS KiB", "req/s (med)"))
    for t in tools:
        st = s[t.name]
        if st is None:
            log("%-*s no valid runs (see FAILED below)" % (w, t.name))
            continue
        log("%-*s %10.1f %10.1f %10.1f %14d %12.0f" % (
            w, t.name, st["med"], st["min"], st["cpu"], st["rss"],
            args.requests / (st["med"] / 1000)))
    log_details(tools, log)
    for t in tools:
        if t.info:
            log("  connections: %s: %s" % (t.name, t.info))
    hx, cu, h2, ng = (s.get(k) for k in ("hxc", "curl", "h2load", "nghttp"))
    by_name = {t.name: t for t in tools}
    hx_t, cu_t = by_name.get("hxc"), by_name.get("curl")
    log("")
    log("Ratios of the medians (and of the minima) and the issue's targets "
        "(information, never a failure):")
    targets = []
    if hx and cu:
        r = cu["med"] / hx["med"]
        targets.append(("time curl/hxc", r, ">= 2.0", r >= 2.0, cu["min"] / hx["min"]))
    if hx and h2:
        r = hx["med"] / h2["med"]
        targets.append(("time hxc/h2load", r, "<= 1.5", r <= 1.5, hx["min"] / h2["min"]))
    if hx and cu:
        r = hx["rss"] / cu["rss"]
        targets.append(("peak RSS hxc/curl", r, "< 0.5", r < 0.5,
                        min(x.maxrss_kib for x in hx_t.runs)
                        / min(x.maxrss_kib for x in cu_t.runs)))
    for name, r, want, ok, rmin in targets:
        log("  %-20s %6.2f   target %-7s %-8s (on minima: %.2f)"
            % (name, r, want, "met" if ok else "NOT met", rmin))
    if hx and ng:
        log("  %-20s %6.2f   (information)" % ("time nghttp/hxc", ng["med"] / hx["med"]))
    if not targets:
        log("  (hxc or a reference tool has no valid runs: no ratios)")
    if args.runners:
        wasm_ratios(s, "time", 3.0, args, log)


# The wasm targets, for every wasm runner: within 3x of native on the
# multiplexed run (time ratio wasm/native <= 3), at least a quarter of native
# throughput on the download (throughput ratio wasm/native = time native/wasm
# >= 0.25). Also shown, as information: the ratio with the runner's fixed
# start-up (report_startup; the figure of the command the rows run) taken off
# the wasm time, i.e. what an embedding that keeps the runtime up pays; and,
# for the download, wasm with ChaCha20 against native's default suite.
def wasm_ratios(s, kind, bound, args, log):
    for rn in args.runners:
        startup = rn.startup().ms
        log("")
        log("%s vs native hxc (issue 5 target, information only; 'less start-up' takes "
            "the runner's fixed %.0f ms off the wasm median):" % (rn.name, startup))
        chacha = rn.name + " [chacha20]"
        pairs = [("AES-GCM (nghttpd's choice)", "hxc", rn.name),
                 ("ChaCha20-Poly1305 (forced)", "hxc [chacha20]", chacha)]
        if kind != "time":
            pairs.append(("wasm ChaCha20 / native AES", "hxc", chacha))
        for label, native, wasm in pairs:
            nat, wa = s.get(native), s.get(wasm)
            if not (nat and wa):
                log("  %-27s no ratio (a row has no valid runs)" % label)
                continue
            rest = max(wa["med"] - startup, 1e-3)
            if kind == "time":
                r, rmin, rless = wa["med"] / nat["med"], wa["min"] / nat["min"], rest / nat["med"]
                want, ok, what = "<= %.1f" % bound, r <= bound, "time wasm/native"
            else:
                r, rmin, rless = nat["med"] / wa["med"], nat["min"] / wa["min"], nat["med"] / rest
                want, ok, what = ">= %.2f" % bound, r >= bound, "throughput wasm/native"
            log("  %-27s %s %6.2f   target %-7s %-8s (on minima: %.2f; less start-up: %.2f); "
                "runner peak RSS %.1f MiB (native hxc %.1f MiB)"
                % (label, what, r, want, "met" if ok else "NOT met", rmin, rless,
                   wa["rss"] / 1024, nat["rss"] / 1024))


def report_startup(args, log):
    """Every runner's start-up figures, and the issue's start-up target."""
    log("")
    log("Start-up: the fixed cost of a run that does no network I/O ('--version'), "
        "median of %d runs each; target (issue 5, information only): under %.0f ms with a "
        "precompiled module" % (STARTUP_RUNS, STARTUP_TARGET_MS))
    rows = [("hxc", args.native_startup)]
    rows += [(rn.name, st) for rn in args.runners for st in rn.startups]
    w = max(len(n) for n, _ in rows)
    lw = max(len(st.label) for _, st in rows)
    log("%-*s %-*s %9s %8s %8s  %s" % (w, "runner", lw, "case", "median ms", "min ms",
                                       "RSS MiB", "target < %.0f ms" % STARTUP_TARGET_MS))
    shown = None
    for name, st in rows:
        target = ""
        if st.rows:
            target = "met" if st.ms < STARTUP_TARGET_MS else "NOT met"
            if not st.precompiled:
                target += " (no precompiled module: compiled at every start)"
        log(("%-*s %-*s %9.1f %8.1f %8.1f  %s" % (w, "" if name == shown else name, lw, st.label,
                                                  st.ms, st.min_ms, st.rss_mib, target)).rstrip())
        shown = name
    for name, st in rows:
        if st.note:
            log("  note: %s, %s: %s" % (name, st.label, st.note))


def report_big(tools, args, log):
    size = args.big_mib * 1024 * 1024
    log("")
    log("Section 2: one %d MiB download, %d rounds (+%d warm-up), interleaved"
        % (args.big_mib, args.rounds, args.warmup))
    w = name_width(tools)
    log("%-*s %10s %10s %10s %14s %10s %10s" % (w, "tool", "median ms", "min ms", "cpu ms",
                                               "peak RSS KiB", "MiB/s med", "MiB/s best"))
    s = {}
    for t in tools:
        st = s[t.name] = stats(t)
        if st is None:
            log("%-*s no valid runs (see FAILED below)" % (w, t.name))
            continue
        log("%-*s %10.1f %10.1f %10.1f %14d %10.0f %10.0f" % (
            w, t.name, st["med"], st["min"], st["cpu"], st["rss"],
            size / 1048576 / (st["med"] / 1000), size / 1048576 / (st["min"] / 1000)))
    log_details(tools, log)
    for t in tools:
        if t.info:
            log("  tls: %s: %s" % (t.name, t.info))
    hx, cu = s.get("hxc"), s.get("curl")
    if hx and cu:
        log("  time curl/hxc %.2f, peak RSS hxc/curl %.2f (information)"
            % (cu["med"] / hx["med"], hx["rss"] / cu["rss"]))
    if args.runners:
        wasm_ratios(s, "throughput", 0.25, args, log)


def version_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "(unavailable)"


def git_head(src):
    try:
        p = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", src, "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return p.stdout.strip() + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        return "?"


# ------------------------------------------------------------------ main

def parse_args(argv):
    p = argparse.ArgumentParser(description="hxc benchmark against curl, nghttp and h2load "
                                            "(a measurement, not a test)")
    p.add_argument("hxc", help="the hxc CLI binary (e.g. build/hxc)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument("--warmup", type=int, default=1,
                   help="discarded warm-up rounds before them (default 1)")
    p.add_argument("--requests", type=int, default=1000, help="GETs in section 1 (1000)")
    p.add_argument("--parallel-max", type=int, default=100,
                   help="concurrent streams for hxc, curl and h2load -m (100)")
    p.add_argument("--big-mib", type=int, default=64, help="size of section 2's file (64)")
    p.add_argument("--skip-big", action="store_true", help="only section 1")
    p.add_argument("--timeout", type=float, default=120, help="per-run limit, seconds (120)")
    p.add_argument("--results", help="report file (default: bench-results.txt next to hxc)")
    p.add_argument("--wasm", metavar="HXC_WASM",
                   help="also measure this hxc.wasm in the Node reference host "
                        "(wasm/host/hxc-host.mjs), with a ChaCha20 pair for every build")
    p.add_argument("--wasmtime-host", metavar="PATH",
                   help="also run --wasm's hxc.wasm in this hxc-wasmtime (the wasmtime "
                        "embedding with the hostnet_v1 imports)")
    p.add_argument("--component", metavar="PATH",
                   help="also run this hxc.component.wasm (WASI 0.2) in `wasmtime run`, "
                        "compiled ahead of time here (wasmtime compile) and run with "
                        "--allow-precompiled")
    p.add_argument("--wasmtime", metavar="PATH", default=shutil.which("wasmtime"),
                   help="the wasmtime CLI for --component, a path or a name looked up on "
                        "PATH (default: wasmtime on PATH, here %s)" % shutil.which("wasmtime"))
    args = p.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0 or args.requests < 1:
        p.error("--rounds >= 1, --warmup >= 0 and --requests >= 1")
    if not os.access(args.hxc, os.X_OK):
        p.error("'%s' is not an executable hxc binary" % args.hxc)
    args.hxc = os.path.abspath(args.hxc)
    if args.wasm:
        if not os.path.isfile(args.wasm):
            p.error("--wasm: '%s' is not a file (build it: just wasm)" % args.wasm)
        args.wasm = os.path.abspath(args.wasm)
    elif args.wasmtime_host:
        p.error("--wasmtime-host runs the module given with --wasm: give both")
    if args.wasmtime and os.sep not in args.wasmtime:
        args.wasmtime = shutil.which(args.wasmtime) or args.wasmtime
    for k in ("wasmtime_host", "component", "wasmtime"):
        if getattr(args, k):
            setattr(args, k, os.path.abspath(getattr(args, k)))
    args.src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not args.results:
        args.results = os.path.join(os.path.dirname(args.hxc), "bench-results.txt")
    args.notes = []
    args.info = {}      # preflight -> measure(): connections a tool used
    args.broken = []
    args.runners = []   # the wasm runners that could be set up (WasmRunner)
    return args


def main(argv):
    args = parse_args(argv)
    for tool in ("openssl", "nghttpd", "nghttp", "h2load", TIME) + (("node",) if args.wasm else ()):
        if not shutil.which(tool):
            print("bench: '%s' is not installed (Debian: %s)"
                  % (tool, "time" if tool == TIME else "nodejs" if tool == "node" else
                     "nghttp2-client / nghttp2-server / openssl"), file=sys.stderr)
            return 2
    lines = []

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    src = args.src
    work = tempfile.mkdtemp(prefix="hxc-bench-")
    server = chacha = None
    try:
        log("hxc benchmark (issue 4) - a measurement, not a test")
        log("date %s, commit %s, %d CPUs, load average %.2f %.2f %.2f at start"
            % ((time.strftime("%Y-%m-%d %H:%M:%S %Z"), git_head(src), os.cpu_count())
               + os.getloadavg()))
        log("hxc:    %s (%s)" % (version_line([args.hxc, "--version"]), args.hxc))
        log("curl:   %s" % version_line(["curl", "--version"]))
        log("nghttp: %s; h2load %s" % (version_line(["nghttp", "--version"]),
                                      version_line(["h2load", "--version"])))
        args.runners = wasm_runners(args, work, log)
        if args.runners:
            args.native_startup = Startup("native binary, for reference",
                                          argv=[args.hxc, "--version"])
            bad = args.native_startup.measure(work, args.timeout)
            if bad:
                raise SetupError(bad)
        floor = run_child(["true"], work, 10).maxrss_kib
        log("method: wall = time.monotonic() around each run (spawn .. exit); peak RSS = "
            "/usr/bin/time -f %%M (the tool's own ru_maxrss via wait4; floor of the method: "
            "%d KiB for 'true'); tables show medians over the timed rounds" % floor)
        if not devnull_ok():
            raise SetupError("/dev/null is not the null device (a regular file replaced it?); "
                             "as root: mknod -m 666 /dev/null.new c 1 3 && "
                             "mv -f /dev/null.new /dev/null")
        args.null = os.path.join(work, "null")
        make_null_link(args.null)
        htdocs = os.path.join(work, "htdocs")
        os.makedirs(htdocs)
        write_random(os.path.join(htdocs, SMALL_NAME), 1024)
        if not args.skip_big:
            write_random(os.path.join(htdocs, BIG_NAME), args.big_mib * 1024 * 1024)
        ca, key, cert = mint_pki(work)
        server = Nghttpd(htdocs, key, cert, work)
        servers = [server]
        base = "https://localhost:%d/" % server.port
        log("server: %s (TLS, HTTP/2, max 100 concurrent streams by default)"
            % server.command().replace(work, "$TMP"))
        if args.runners:
            chacha = Nghttpd(htdocs, key, cert, work, name="nghttpd-chacha20",
                             env={"LD_PRELOAD": build_cipher_shim(work),
                                  "HXC_BENCH_CIPHERS": CHACHA_SUITE})
            servers.append(chacha)
            log("server for the [chacha20] rows: %s (the same nghttpd, its cipher list "
                "replaced by %s through a small LD_PRELOAD shim: nghttpd has no cipher "
                "option)" % (chacha.command().replace(work, "$TMP"), CHACHA_SUITE))

        small = small_tools(args, ca, work, server, chacha)
        log("")
        log("commands, section 1 (URL = %s, repeated; CA = $TMP/ca.pem):" % (base + SMALL_NAME))
        for t in small:
            k = t.argv.index("-o") + 3 if "-o" in t.argv else 13
            shown = t.argv if len(t.argv) <= k + 4 else t.argv[:k] + ["...", "(%d args)"
                                                                      % len(t.argv)]
            log("  %s" % " ".join(shown).replace(work, "$TMP"))
        measure("section 1: %d x 1 KiB" % args.requests, small, args, work, servers, log)

        big = []
        if not args.skip_big:
            big = big_tools(args, ca, work, server, chacha)
            log("")
            log("commands, section 2:")
            for t in big:
                log("  %s" % " ".join(t.argv).replace(work, "$TMP"))
            measure("section 2: %d MiB" % args.big_mib, big, args, work, servers, log)

        log("")
        log("=" * 78)
        report_small(small, args, log)
        if not args.skip_big:
            report_big(big, args, log)
        if args.runners:
            report_startup(args, log)
        log("")
        log("load average %.2f %.2f %.2f at the end (shared machine: timings are noisy; "
            "cpu ms is less so)" % os.getloadavg())
        for n in args.notes:
            log("note: " + n)
        if args.broken:
            log("could not measure: %s" % ", ".join(args.broken))
    except SetupError as e:
        log("bench: setup failed: %s" % e)
        args.broken.append("setup")
    finally:
        for srv in (server, chacha):
            if srv:
                srv.stop()
        shutil.rmtree(work, ignore_errors=True)
        try:
            with open(args.results, "w") as f:
                f.write("\n".join(lines) + "\n")
            print("(written to %s)" % args.results)
        except OSError as e:
            print("bench: cannot write %s: %s" % (args.results, e), file=sys.stderr)
    return 1 if args.broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
