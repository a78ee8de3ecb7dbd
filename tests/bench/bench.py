#!/usr/bin/env python3
"""hxc benchmark (issues 4 and 5, TLS 1.3, performance): a measurement, never a pass/fail test.

    python3 tests/bench/bench.py build/hxc [--wasm build-wasm/hxc.wasm]
        [--wasmtime-host .../hxc-wasmtime] [--component build-wasm/hxc.component.wasm]
        [--wasmtime PATH] [--rounds 5] [--only 1,1b,2,3,3c,5] ...

It mints a throwaway CA and a localhost certificate with the openssl CLI in a
temp dir, starts ONE nghttpd (TLS 1.2 and 1.3, HTTP/2, one worker) on a free
loopback port serving a 1 KiB, a 100 KiB and a 64 MiB file, and one nginx (one worker,
TLS 1.2 and 1.3, the same files; see below), and then, in one process, runs
the tools of each section interleaved (A B C D A B C D ... for --rounds
rounds, after --warmup discarded rounds):

  1. W1: 1000 GETs of the 1 KiB file over one HTTP/2 TLS connection:
       hxc -Z --parallel-max 100 --cacert CA -s -o NULL URL ... (x1000)
       curl --parallel --parallel-max 100 --http2 --cacert CA -s --config F
       nghttp -n -y -m 1000 URL
       h2load -n1000 -c1 -m100 URL           (the load generator: the limit)
     plus, when valgrind is installed, one untimed run of hxc and of curl
     [TLS 1.3, nginx] under callgrind: instructions per request, a figure
     that does not move with the machine's load.
  1b. W1b: 100 GETs of a 100 KiB file over one connection: hxc, curl and
     h2load as in W1 (rows tagged "W1b"); target hxc/curl <= 0.55 (h2load's
     level) and peak RSS hxc/curl <= 0.25.
  2. W2: one 64 MiB download: hxc, curl, nghttp (and h2load -n1 as a reference).
  3. W3: a fresh process per fetch of the 1 KiB file (one connection, a full
     handshake every time): hxc and curl, --w3-fetches (50) runs per tool and
     round, interleaved run by run (A B C D A B C D ...); figures per fetch.
  3c. W3c: one process, --w3c-urls (200) sequential fetches of the 1 KiB file
     (URL repeated, no -Z), each on a new TLS connection because the server
     closes after every response (nginx, HTTP/1.1, keepalive_timeout 0), so a
     client that keeps its sessions resumes them:
       hxc --http1.1 [--tls-max 1.2] [--no-sessionid] --cacert CA -s -o NULL URL ...
       curl --http1.1 [--tls-max 1.2] [--no-sessionid] --cacert CA -s -S --config F
     rows [TLS 1.3, resumption], [TLS 1.3, --no-sessionid], [TLS 1.2,
     resumption] and [TLS 1.2, --no-sessionid] for hxc and curl (both resume
     by default: hxc TLS 1.3 tickets and TLS 1.2 session IDs, curl tickets).
  5. W5: memory per connection: 100 concurrent GETs of the 1 KiB file over
     100 distinct origins (h1.bench.test ... h100.bench.test, all routed by
     --connect-to ::127.0.0.1:PORT to nghttpd; the certificate also names
     *.bench.test), so one connection each, and the same 100 GETs over one
     origin; (peak RSS with 100 - peak RSS with 1) / 99, for hxc and curl.
     The connections are all open at once (each TLS engine, HTTP/2 session
     and buffer allocated), measured at their peak rather than idle; the
     performance issue's target is <= 80 KiB for hxc.
--only SECTIONS (comma-separated: 1, 1b, 2, 3, 3c, 5) runs a subset, e.g. while
iterating; --skip-big leaves out section 2.

TLS versions. Every native row of sections 1, 2 and 3 comes twice: "[TLS
1.3]", the tool's default against a server that allows TLS 1.2 and 1.3 (so
every client picks its best), and "[TLS 1.2]": hxc --tls-max 1.2, curl
--tls-max 1.2, and for nghttp and h2load, which have no such flag, an OpenSSL
configuration given through OPENSSL_CONF ($TMP/openssl-tls12.cnf, a
system_default section). MaxProtocol = TLSv1.2 alone is not enough there:
nghttp2's tools call SSL_CTX_set_max_proto_version(TLS1_3_VERSION) after
SSL_CTX_new, which overrides it (h2load still reports TLSv1.3); the file also
says Protocol = -TLSv1.3 (SSL_OP_NO_TLSv1_3, which they leave alone). Every
preflight checks the version really negotiated: hxc -v ('* TLS handshake
done: TLSv1.3 / SUITE (key exchange ..., full handshake)', every connection),
curl -v ('SSL connection using TLSv1.3 / SUITE'), h2load's 'TLS Protocol:'
line (checked on every timed run too), and for nghttp, which prints no
version, the same command run against a probe server (Python's ssl module,
TLS 1.2 and 1.3 allowed, closed right after the handshake).

nghttpd offers only P-256 for key exchange (no X25519): a TLS 1.3 client
that sends an X25519 key share first (hxc; curl, nghttp and h2load on OpenSSL
3.0 too) gets a HelloRetryRequest, one more round trip and key share; and
it picks the suite by its own order: TLS_AES_256_GCM_SHA384 under TLS 1.3,
ECDHE-ECDSA-AES128-GCM-SHA256 under TLS 1.2. So sections 1, 2 and 3 also run
hxc, curl (and h2load in 1 and 2) against nginx (Debian's 1.22, OpenSSL
defaults: X25519, the client's suite order, session tickets and a session
cache), the rows "[TLS 1.3, nginx]" and "[TLS 1.2, nginx]", on its HTTP/2
server block (100 concurrent streams, no request limit). Section 3c uses its
HTTP/1.1 block, whose access log ($ssl_protocol $ssl_cipher
$ssl_session_reused $status $body_bytes_sent) the bench reads: the preflight
of a 3c row compares the 200 outputs with the served file, counts hxc -v's
'Opening connection #' and 'session resumed (PSK)' lines (curl: the sum of -w
%{num_connects}) and requires, in the log, 200 requests with status 200 and
the whole body over the row's TLS version, and 199 on a reused session ('r')
with resumption, 0 without (hxc's count must agree with the log); every timed
3c run is checked against the log the same way. Without nginx (--nginx PATH,
default nginx on PATH or /usr/sbin/nginx) the nginx rows and section 3c are
left out and the exit status is non-zero.

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
report "N succeeded" (and the TLS version, see above).
Each timed run is checked too (exit status 0; h2load "N succeeded" and its
TLS version; section 3c: the access log). Issue 4's targets for section 1
(hxc >= 2x faster than curl, within 1.5x of h2load, peak RSS under half of
curl's) are reported per TLS version and server as met / not met, as
information: they never change the exit status. So are the TLS 1.3 issue's
targets, in each section and collected at the end of the report:
  - hxc [TLS 1.3] no slower than hxc [TLS 1.2] (time ratio <= 1) in W1, W2
    and W3, against nghttpd and against nginx;
  - W3c: hxc [TLS 1.3, --no-sessionid] / hxc [TLS 1.3, resumption] >= 1.5;
  - hxc at or below curl (time ratio hxc/curl <= 1) on every row: the same
    TLS version (and server) in W1, W2, W3; in W3c the same case (and the
    performance issue's W3c target: hxc/curl <= 0.5 with resumption).
Ratios are of the medians; the minima's ratio and the CPU times' ratio are
shown beside them. The exit status is non-zero only when something could not
be measured (server did not start, a tool failed).

With --wasm path/to/hxc.wasm (issue 5) hxc.wasm runs too, in the Node
reference host (node wasm/host/hxc-host.mjs
--allow localhost:PORT --dir $TMP::/w --dir /dev::/dev -- hxc.wasm ...), as
the row "hxc.wasm (node host)" right after the hxc rows in sections 1 and 2,
with the same arguments (paths as the module sees them) and hxc's default TLS
version (TLS 1.3 against nghttpd; the preflight records the suite). Two more wasm runners add a
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

A second nghttpd, the same binary with its suites forced to ChaCha20 (nghttpd
has no cipher option: a small LD_PRELOAD shim built here replaces the TLS 1.2
cipher list it passes to OpenSSL by ECDHE-ECDSA-CHACHA20-POLY1305 and sets
the TLS 1.3 suites, which nghttpd leaves at OpenSSL's default, to
TLS_CHACHA20_POLY1305_SHA256), adds the rows "hxc [chacha20]" and "RUNNER
[chacha20]" for every wasm runner: nghttpd otherwise picks AES-GCM by its own
order, and wasm has no AES-NI. These rows run hxc's default, TLS 1.3, so they
mean TLS_CHACHA20_POLY1305_SHA256 (either ChaCha20 suite is accepted). Each
hxc row's preflight checks the suite hxc -v reports; the wasm rows are
compared with hxc [TLS 1.3] and hxc [chacha20]. The issue's wasm targets are
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
next to the hxc binary, i.e. build/bench-results.txt for `just bench`), and
the targets' ratios are drawn as a bar chart in plain SVG to --svg (default:
bench-results-ratios.svg beside it).
Python 3 standard library only.
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SMALL_NAME = "1k.bin"
MID_NAME = "100k.bin"   # section 1b
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
    """A throwaway EC P-256 CA and a leaf for localhost / 127.0.0.1 / ::1 and
    *.bench.test (section 5's many origins)."""
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
                "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:*.%s\n" % W5_DOMAIN)
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


class ServerProcess:
    """A server started by the bench: self.proc, self.name, self.log."""

    def wait_port(self, port, deadline):
        """Until 127.0.0.1:port accepts a connection; SetupError when the
        process exits first or the deadline (time.monotonic) passes."""
        while True:
            if self.proc.poll() is not None:
                raise SetupError("%s exited early (status %d): %s"
                                 % (self.name, self.proc.returncode, tail(self.log)))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise SetupError("%s did not accept connections on port %d within 10 s"
                                     % (self.name, port))
                time.sleep(0.05)

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


class Nghttpd(ServerProcess):
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
        self.wait_port(self.port, time.monotonic() + 10)

    def command(self):
        return " ".join(["%s=%s" % kv for kv in sorted(self.env.items())] + self.argv)



# nghttpd 1.52 has no option to choose its cipher suites: it sets its own TLS
# 1.2 list with SSL_CTX_set_cipher_list and prefers its own order, which puts
# AES-GCM first (and an OPENSSL_CONF CipherString is overridden by that call);
# for TLS 1.3 it keeps OpenSSL's default suites, in OpenSSL's order
# (TLS_AES_256_GCM_SHA384 first), also with the server's preference. For the
# ChaCha20 pair (hxc.wasm has no AES-NI: BearSSL's portable AES is far slower
# than its ChaCha20 there) a second nghttpd runs with this shim in LD_PRELOAD:
# it replaces the TLS 1.2 list nghttpd passes by $HXC_BENCH_CIPHERS and sets
# the TLS 1.3 suites (SSL_CTX_set_ciphersuites, which nghttpd never calls) to
# $HXC_BENCH_CIPHERSUITES, so the server can only pick
# ECDHE-ECDSA-CHACHA20-POLY1305 (TLS 1.2) or TLS_CHACHA20_POLY1305_SHA256 (TLS
# 1.3). Everything else about the server is unchanged. Each hxc row's preflight
# checks the negotiated suite.
CHACHA_SUITE = "ECDHE-ECDSA-CHACHA20-POLY1305"
CHACHA_SUITE13 = "TLS_CHACHA20_POLY1305_SHA256"
CHACHA_SUITES = (CHACHA_SUITE13, CHACHA_SUITE)
CIPHER_SHIM_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
typedef struct ssl_ctx_st SSL_CTX;
typedef int (*set_fn)(SSL_CTX *, const char *);
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str);
int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str)
{
    set_fn real = (set_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_cipher_list");
    set_fn suites13 = (set_fn)dlsym(RTLD_NEXT, "SSL_CTX_set_ciphersuites");
    const char *forced = getenv("HXC_BENCH_CIPHERS");
    const char *forced13 = getenv("HXC_BENCH_CIPHERSUITES");
    if (forced13 && *forced13 && (!suites13 || suites13(ctx, forced13) != 1))
        return 0;   /* nghttpd then refuses to start: the bench says why */
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


def run_child(argv, workdir, timeout, stdout_path=None, env=None):
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
    hit a recycled id. env: variables added to this process's environment
    (OPENSSL_CONF for the [TLS 1.2] rows of nghttp and h2load)."""
    out_path = stdout_path or os.path.join(workdir, "child.out")
    err_path = os.path.join(workdir, "child.err")
    rss_path = os.path.join(workdir, "child.rss")
    lock = threading.Lock()
    state = {"done": False, "killed": False}
    wrapped = [TIME, "-f", "%M", "-o", rss_path, "--"] + argv
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(wrapped, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True,
                                env=dict(os.environ, **env) if env else None)

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
    untimed preflight that verifies the data really arrived. env: variables
    added to the environment of every run (OPENSSL_CONF); before: called
    before every timed run (W3c: the access log's position)."""

    def __init__(self, name, argv, check, preflight, note="", env=None, before=None):
        self.name = name
        self.argv = argv
        self.check = check          # Run -> None or a reason string
        self.preflight = preflight  # () -> None or a reason string
        self.note = note
        self.env = env
        self.before = before
        self.runs = []
        self.round_meds = []        # sections with several runs per round: each round's median
        self.failures = []
        self.info = None            # set by the preflight: connections used, TLS


def exit_zero(run):
    if run.status != 0:
        return "exit status %d: %s" % (run.status, run.err_tail or run.out_tail)
    return None


def h2load_tls(text, version):
    """None, or why h2load's output does not name the TLS version wanted."""
    m = re.search(r"TLS Protocol: (\S+)", text)
    if not m:
        return "h2load printed no 'TLS Protocol:' line"
    if version and m.group(1) != version:
        return "h2load negotiated %s, not %s" % (m.group(1), version)
    return None


def h2load_check(n, version=None):
    def check(run):
        if run.status != 0:
            return "exit status %d: %s" % (run.status, run.err_tail or run.out_tail)
        want = "%d succeeded" % n
        if want not in run.out_tail:
            return "h2load did not report '%s': %s" % (want, run.out_tail)
        return h2load_tls(run.out_tail, version)
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


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


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


def hxc_handshakes(verbose_log):
    """[(version, suite, details)] for every 'TLS handshake done' line of hxc -v:
    '* TLS handshake done: TLSv1.3 / TLS_AES_128_GCM_SHA256 (key exchange
    x25519, full handshake)'; details is '' when there are no parentheses."""
    return [(m.group(1), m.group(2), m.group(3) or "")
            for m in re.finditer(r"TLS handshake done: (\S+) / (\S+)(?: \((.*)\))?[ \t\r]*$",
                                 read_text(verbose_log), re.M)]


def curl_handshakes(verbose_log):
    """[(version, suite)] from curl -v's 'SSL connection using TLSv1.3 / SUITE'."""
    return re.findall(r"SSL connection using (\S+) / (\S+)", read_text(verbose_log))


def describe_handshakes(hs):
    """'TLSv1.3 / SUITE (details)', or 'N x ...; M x ...' when they differ."""
    counts = {}
    for h in hs:
        counts[h] = counts.get(h, 0) + 1

    def one(h):
        return "%s / %s%s" % (h[0], h[1], " (%s)" % h[2] if len(h) > 2 and h[2] else "")
    if len(counts) == 1:
        (h, c), = counts.items()
        return one(h) + ("" if c == 1 else ", all %d connections" % c)
    return "; ".join("%d x %s" % (c, one(h)) for h, c in counts.items())


def check_versions(hs, version, who):
    """None, or why the handshakes hs are not all of TLS version (None: any)."""
    if not hs:
        return "%s printed no TLS handshake line" % who
    bad = [h for h in hs if version and h[0] != version]
    if bad:
        return "%s: %d of %d handshakes were %s, not %s" % (who, len(bad), len(hs),
                                                          bad[0][0], version)
    return None


def devnull_intact(run):
    """Check for hxc.wasm runs given -o /dev/null (the host preopens /dev)."""
    bad = exit_zero(run)
    if devnull_ok():
        return bad
    return (bad + "; " if bad else "") + "/dev/null is no longer the null device"


# ------------------------------------------------------ TLS 1.2 / TLS 1.3

# nghttp and h2load have no option for the TLS version. Given through
# OPENSSL_CONF, this file applies to every SSL_CTX they create. MaxProtocol
# alone does not work: nghttp2's tools call SSL_CTX_set_max_proto_version
# (TLS1_3_VERSION) after SSL_CTX_new, which overrides it (h2load then still
# reports 'TLS Protocol: TLSv1.3'); the Protocol command sets
# SSL_OP_NO_TLSv1_3, which they leave alone. The preflight checks the result:
# h2load's 'TLS Protocol:' line, and for nghttp, which prints no TLS version,
# a handshake with a probe server (probe_client_tls).
OPENSSL_TLS12_CNF = """\
# hxc bench: TLS 1.2 for nghttp and h2load (OPENSSL_CONF=this file)
openssl_conf = openssl_init

[openssl_init]
ssl_conf = ssl_sect

[ssl_sect]
system_default = system_default_sect

[system_default_sect]
MaxProtocol = TLSv1.2
Protocol = -TLSv1.3
"""


class Variant:
    """A TLS version for a row: label ('TLS 1.3'), version (what the preflight
    must see negotiated: 'TLSv1.3'), hxc's and curl's flags, and the
    environment for nghttp and h2load."""

    def __init__(self, label, version, hxc, curl, env, env_shown=""):
        self.label = label
        self.version = version
        self.hxc = hxc
        self.curl = curl
        self.env = env
        self.env_shown = env_shown


def tls_variants(work):
    """[TLS 1.3]: every tool's default against a server that allows both;
    [TLS 1.2]: hxc and curl --tls-max 1.2, nghttp and h2load OPENSSL_CONF."""
    cnf = os.path.join(work, "openssl-tls12.cnf")
    with open(cnf, "w") as f:
        f.write(OPENSSL_TLS12_CNF)
    return [Variant("TLS 1.3", "TLSv1.3", [], [], None),
            Variant("TLS 1.2", "TLSv1.2", ["--tls-max", "1.2"], ["--tls-max", "1.2"],
                    {"OPENSSL_CONF": cnf})]


def row(tool, variant, tag=""):
    """A row's name: 'hxc [TLS 1.3]', 'curl [TLS 1.2, nginx]'."""
    return "%s [%s%s]" % (tool, variant.label, tag)


def probe_client_tls(argv_for, env, key, cert, timeout=15):
    """(version, suite, None) or (None, None, why): what a client command
    negotiates with a server that allows TLS 1.2 and 1.3 (Python's ssl module,
    ALPN h2 and http/1.1, on 127.0.0.1). For clients that do not print their
    TLS version (nghttp): it shows which versions the command offers. The
    connection is closed right after the handshake, so the client fails."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(timeout)
        url = "https://127.0.0.1:%d/%s" % (ls.getsockname()[1], SMALL_NAME)
        proc = subprocess.Popen(argv_for(url), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, **env) if env else None)
        try:
            conn, _ = ls.accept()
            conn.settimeout(timeout)
            with ctx.wrap_socket(conn, server_side=True) as tls:
                return tls.version(), tls.cipher()[0], None
        except (OSError, ssl.SSLError) as e:
            return None, None, "probe handshake failed: %s" % e
        finally:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ------------------------------------------------------------------ nginx

# nginx 1.22 for the W3c section (HTTP/1.1, the connection closed after every
# response) and for the [..., nginx] rows: nghttpd offers only P-256 (no
# X25519), so a TLS 1.3 client that sends an X25519 key share first (hxc;
# OpenSSL 3.0's curl, nghttp, h2load too) gets a HelloRetryRequest from it,
# and it picks the suite by its own order (TLS_AES_256_GCM_SHA384 under TLS
# 1.3, ECDHE-ECDSA-AES128-GCM-SHA256 under TLS 1.2). nginx (OpenSSL defaults)
# takes X25519 and lets the client choose the suite.
NGINX_CONF = """\
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format bench '$ssl_protocol $ssl_cipher $ssl_session_reused $status '
                     '$body_bytes_sent $server_protocol';
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    # tickets (TLS 1.3, TLS 1.2) and a session cache: without one, curl's TLS
    # 1.2 sessions are not resumed here
    ssl_session_tickets on;
    ssl_session_cache shared:bench:10m;
    default_type application/octet-stream;
    root {htdocs};
    # W1, W2, W3 [..., nginx]: HTTP/2, like nghttpd: 100 concurrent streams
    server {{
{listen_h2}
        server_name localhost;
        http2_max_concurrent_streams 100;
        keepalive_requests 1000000;
    }}
    # W3c: HTTP/1.1, the connection closed after every response
    server {{
{listen_h1}
        server_name localhost;
        keepalive_timeout 0;
        access_log {dir}/h1-access.log bench;
    }}
}}
"""


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port_both(v6):
    """A port free on 127.0.0.1 (and on ::1 when v6)."""
    for _ in range(50):
        port = free_port()
        if not v6:
            return port
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.bind(("::1", port))
            return port
        except OSError:
            continue
    raise SetupError("no port free on both 127.0.0.1 and ::1")


class AccessLog:
    """New lines of an nginx access log, from a remembered offset."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def skip(self):
        """Forget everything logged so far."""
        try:
            self.offset = os.path.getsize(self.path)
        except OSError:
            self.offset = 0

    def take(self, n, wait=2.0):
        """The complete lines logged since the offset, waiting up to `wait`
        seconds for n of them (nginx logs a request just after its response
        went out, so the last line may lag the client's exit)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except OSError:
                data = b""
            end = data.rfind(b"\n") + 1
            lines = data[:end].decode("utf-8", "replace").splitlines()
            if len(lines) >= n or time.monotonic() >= deadline:
                self.offset += end
                return [line.split() for line in lines]
            time.sleep(0.01)


def nginx_log_check(lines, n, version, reused_ok, size):
    """(None, summary, reused) or (why, None, None) for the access log lines of
    one run of n requests: all 200 with the whole body, all of TLS version, and
    the number on a resumed session ($ssl_session_reused 'r') one of reused_ok."""
    if len(lines) != n:
        return "nginx logged %d requests, not %d" % (len(lines), n), None, None
    bad = [x for x in lines if len(x) != 6 or x[3] != "200" or x[4] != str(size)]
    if bad:
        return "nginx logged %d requests without status 200 and %d bytes: %s" \
            % (len(bad), size, " ".join(bad[0])), None, None
    wrong = [x for x in lines if x[0] != version]
    if wrong:
        return "nginx logged %d requests over %s, not %s" % (len(wrong), wrong[0][0],
                                                            version), None, None
    reused = sum(1 for x in lines if x[2] == "r")
    if reused not in reused_ok:
        return "nginx logged %d of %d requests on a reused session ($ssl_session_reused " \
            "'r'), expected %s" % (reused, n, " or ".join(map(str, reused_ok))), None, None
    suites = sorted(set(x[1] for x in lines))
    return None, "nginx log: %d x 200, %s %s, %d on a reused session" \
        % (n, version, "/".join(suites), reused), reused


class Nginx(ServerProcess):
    """One nginx (one worker) with two server blocks on free ports: h2 (TLS,
    HTTP/2) and h1 (TLS, HTTP/1.1, keepalive_timeout 0, access log)."""

    def __init__(self, binary, htdocs, key, cert, work):
        self.name = "nginx"
        self.dir = d = os.path.join(work, "nginx")
        os.makedirs(d)
        v6 = ipv6_loopback()
        self.h2 = free_port_both(v6)
        self.h1 = free_port_both(v6)

        def listen(port, extra):
            hosts = ["127.0.0.1"] + (["[::1]"] if v6 else [])
            return "\n".join("        listen %s:%d ssl%s;" % (h, port, extra) for h in hosts)
        user = ""
        if os.geteuid() == 0:   # workers would run as nobody, who cannot read $TMP (0700)
            import grp
            import pwd
            user = "user %s %s;" % (pwd.getpwuid(os.geteuid()).pw_name,
                                    grp.getgrgid(os.getegid()).gr_name)
        self.conf = os.path.join(d, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(user=user, dir=d, cert=cert, key=key, htdocs=htdocs,
                                      listen_h2=listen(self.h2, " http2"),
                                      listen_h1=listen(self.h1, "")))
        self.log = os.path.join(d, "error.log")
        self.access = AccessLog(os.path.join(d, "h1-access.log"))
        base = [binary, "-p", d, "-c", self.conf, "-e", self.log]
        check = subprocess.run(base + ["-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise SetupError("nginx rejected the bench's configuration: %s"
                             % check.stderr.strip())
        self.argv = base + ["-g", "daemon off;"]
        with open(os.path.join(d, "nginx.out"), "wb") as out:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        for port in (self.h2, self.h1):
            self.wait_port(port, deadline)

    def command(self):
        return " ".join(self.argv)



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
    $TMP under /w). extra: hxc's TLS flags (--tls-max 1.2); version: the TLS
    version the preflight must see negotiated (None: any, recorded); suites:
    the cipher suites the server may have chosen (None: any)."""

    def __init__(self, name, prefix, work, null, check, guest_root=None, suites=None,
                 version=None, extra=()):
        self.name = name
        self.prefix = prefix
        self.work = work
        self.null = null
        self.check = check
        self.guest_root = guest_root
        self.suites = suites
        self.version = version
        self.extra = list(extra)
        self.got_tls = None

    def argv(self, tool_args):
        return self.prefix + self.extra + tool_args

    def path(self, host_path):
        if self.guest_root is None:
            return host_path
        return self.guest_root + "/" + os.path.relpath(host_path, self.work)

    def verify_tls(self, verbose_log, full=False):
        """None, or why the handshakes hxc -v reports are not what this row
        needs (TLS version, suite; full: a full handshake); records them for
        the report."""
        hs = hxc_handshakes(verbose_log)
        bad = check_versions(hs, self.version, "hxc -v")
        if bad:
            return bad
        if self.suites:
            other = [h for h in hs if h[1] not in self.suites]
            if other:
                return "the server chose %s, not %s" % (other[0][1], " or ".join(self.suites))
        if full:
            other = [h for h in hs if "full handshake" not in h[2]]
            if other:
                return "hxc -v: not a full handshake: (%s)" % other[0][2]
        self.got_tls = describe_handshakes(hs)
        return None


class Bench:
    """What the section builders share: paths, servers, TLS variants."""

    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.probes = {}

    def groups(self):
        """[(row tag, HTTP/2 port, server description)]: nghttpd, then nginx."""
        out = [("", self.nghttpd.port, "nghttpd")]
        if self.nginx:
            out.append((", nginx", self.nginx.h2, "nginx"))
        return out


def native_flavour(args, b, name, variant=None, suites=None):
    return Flavour(name, [args.hxc], b.work, args.null, writes_through(args.null),
                   suites=suites, version=variant.version if variant else None,
                   extra=variant.hxc if variant else ())


def wasm_flavour(rn, b, port, suites=None):
    return Flavour(rn.name + (" [chacha20]" if suites else ""), rn.prefix(port, b.work), b.work,
                   "/dev/null", devnull_intact, guest_root="/w", suites=suites)


def slug_of(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def remove_files(paths):
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass


def curl_config(path, url, outputs):
    with open(path, "w") as f:
        for out in outputs:
            f.write('url = "%s"\noutput = "%s"\n' % (url, out))
    return path


def curl_tls(args, name, verbose_log, version, prefix=""):
    """None (and the handshakes recorded in args.info) or why curl -v's 'SSL
    connection using' lines do not show the TLS version wanted."""
    hs = curl_handshakes(verbose_log)
    bad = check_versions(hs, version, "curl -v")
    if not bad:
        args.info[name] = prefix + describe_handshakes(hs) + " (curl -v)"
    return bad


def nghttp_tls(args, b, name, variant, prefix=""):
    """nghttp prints no TLS version: the same command against the probe server
    (probe_client_tls), once per variant."""
    if variant.label not in b.probes:
        b.probes[variant.label] = probe_client_tls(lambda url: ["nghttp", "-n", "-y", url],
                                                   variant.env, b.key, b.cert)
    version, suite, bad = b.probes[variant.label]
    if bad:
        return "nghttp: " + bad
    if version != variant.version:
        return "nghttp negotiated %s with the probe server (allows TLS 1.2 and 1.3), not %s" \
            % (version, variant.version)
    args.info[name] = prefix + "TLS: the same nghttp command against a probe server that " \
        "allows TLS 1.2 and 1.3 negotiated %s / %s" % (version, suite)
    return None


def h2load_info(args, name, out_path):
    text = read_text(out_path)
    got = [re.search(p, text) for p in (r"TLS Protocol: (\S+)", r"Cipher: (\S+)",
                                          r"Server Temp Key: ([^\n]+)")]
    args.info[name] = "h2load: %s" % " / ".join(m.group(1).strip() for m in got if m)


CURL_PARALLEL_NOTE = ("curl 7.88 --parallel now and then stalls for exactly 1 s (its 1000 ms "
                      "multi-poll timeout), seen with 127.0.0.1 as with localhost: compare "
                      "medians and minima")
NGHTTP_NOTE = ("nghttp cannot be given a CA file: it checks against the system store and "
               "only warns (-y silences the warning)")
H2LOAD_NOTE = "h2load does not verify the certificate"


# -------------------------------------------- section 1 (W1): 1000 x 1 KiB

def hxc_w1_tool(args, b, fl, url, n=None, served=None):
    """n GETs of url (default: section 1's, the 1 KiB file) on one connection."""
    n, pmax, served = n or args.requests, args.parallel_max, served or b.small
    files = [os.path.join(b.pre_dir, "%s-%d" % (slug_of(fl.name), i)) for i in range(n)]

    def pre():
        argv = fl.argv(["-v"] + hxc_many_args(fl.path(b.ca), url, pmax,
                                              [fl.path(f) for f in files]))
        r = run_child(argv, b.work, args.timeout)
        err = os.path.join(b.work, "child.err")
        bad = exit_zero(r) or compare_files(files, served) or fl.verify_tls(err)
        remove_files(files)
        if not bad:
            args.info[fl.name] = "%s; %s" % (hxc_connections(err, n), fl.got_tls)
        return bad
    return Tool(fl.name, fl.argv(hxc_many_args(fl.path(b.ca), url, pmax, [fl.null] * n)),
                fl.check, pre)


def curl_w1_tool(args, b, name, v, url, n=None, served=None):
    n, pmax, served = n or args.requests, args.parallel_max, served or b.small
    slug = slug_of(name)
    files = [os.path.join(b.pre_dir, "%s-%d" % (slug, i)) for i in range(n)]
    pre_cfg = curl_config(os.path.join(b.work, slug + "-pre.cfg"), url, files)
    cfg = curl_config(os.path.join(b.work, slug + ".cfg"), url, [args.null] * n)
    base = ["curl", "--parallel", "--parallel-max", str(pmax), "--http2"] + v.curl + \
        ["--cacert", b.ca, "-s", "-S"]

    def pre():
        r = run_child(base + ["-v", "-w", "%{num_connects}\\n", "--config", pre_cfg], b.work,
                      args.timeout)
        bad = exit_zero(r) or compare_files(files, served)
        remove_files(files)
        if bad:
            return bad
        with open(r.out_path) as f:
            conns = sum(int(x) for x in f.read().split() if x.isdigit())
        return curl_tls(args, name, os.path.join(b.work, "child.err"), v.version,
                        "%d transfers opened %d connection(s) (sum of -w %%{num_connects}); "
                        % (n, conns))
    return Tool(name, base + ["--config", cfg], writes_through(args.null), pre,
                CURL_PARALLEL_NOTE)


def nghttp_w1_tool(args, b, v, url):
    n = args.requests
    name = row("nghttp", v)
    path = url.split("//", 1)[1].split("/", 1)[1]

    def pre():
        r = run_child(["nghttp", "-n", "-y", "-s", "-m", str(n), url], b.work, args.timeout,
                      env=v.env)
        bad = exit_zero(r)
        if bad:
            return bad
        with open(r.out_path, encoding="utf-8", errors="replace") as f:
            got = sum(1 for line in f if " 200 " in line and path in line)
        if got != n:
            return "nghttp -s listed %d responses with status 200, not %d" % (got, n)
        return nghttp_tls(args, b, name, v, "%d responses with status 200 (nghttp -s); " % n)
    return Tool(name, ["nghttp", "-n", "-y", "-m", str(n), url], exit_zero, pre, NGHTTP_NOTE,
                env=v.env)


def h2load_tool(args, b, name, v, argv, n):
    def pre():
        r = run_child(argv, b.work, args.timeout, env=v.env)
        bad = h2load_check(n, v.version)(r)
        if not bad:
            h2load_info(args, name, r.out_path)
        return bad
    return Tool(name, argv, h2load_check(n, v.version), pre, H2LOAD_NOTE, env=v.env)


def w1_tools(args, b):
    n, pmax = args.requests, args.parallel_max
    tools = []
    parallel = hxc_has_parallel(args.hxc)
    if not parallel:
        args.notes.append("hxc: %s has no -Z/--parallel-max (issue 4): hxc was not "
                          "measured in section 1" % args.hxc)
        args.broken.append("section 1 / hxc (no -Z)")
    for tag, port, _ in b.groups():
        url = "https://localhost:%d/%s" % (port, SMALL_NAME)
        if parallel:
            for v in b.variants:
                tools.append(hxc_w1_tool(args, b, native_flavour(args, b, row("hxc", v, tag), v),
                                         url))
            if not tag:
                for rn in args.runners:
                    tools.append(hxc_w1_tool(args, b, wasm_flavour(rn, b, port), url))
        if b.curl:
            tools += [curl_w1_tool(args, b, row("curl", v, tag), v, url) for v in b.variants]
        if not tag:
            tools += [nghttp_w1_tool(args, b, v, url) for v in b.variants]
        tools += [h2load_tool(args, b, row("h2load", v, tag), v,
                              ["h2load", "-n", str(n), "-c", "1", "-m", str(pmax), url], n)
                  for v in b.variants]
    if b.chacha and parallel:
        url = "https://localhost:%d/%s" % (b.chacha.port, SMALL_NAME)
        tools.append(hxc_w1_tool(args, b, native_flavour(args, b, "hxc [chacha20]",
                                                         suites=CHACHA_SUITES), url))
        for rn in args.runners:
            tools.append(hxc_w1_tool(args, b, wasm_flavour(rn, b, b.chacha.port, CHACHA_SUITES),
                                     url))
    return tools


def w1b_tools(args, b):
    """Section 1b: W1's tools with 100 GETs of a 100 KiB file."""
    n = W1B_REQUESTS
    tools = []
    for tag, port, _ in b.groups():
        url = "https://localhost:%d/%s" % (port, MID_NAME)
        tag += W1B_TAG  # its own row names: section 1's rows keep theirs
        if tag == W1B_TAG:  # nghttpd: the wasm runners too (hxc's default, TLS 1.3)
            for rn in args.runners:
                tools.append(hxc_w1_tool(args, b, wasm_flavour(rn, b, port), url, n, b.mid))
        for v in b.variants:
            tools.append(hxc_w1_tool(args, b, native_flavour(args, b, row("hxc", v, tag), v),
                                     url, n, b.mid))
            if b.curl:
                tools.append(curl_w1_tool(args, b, row("curl", v, tag), v, url, n, b.mid))
            tools.append(h2load_tool(args, b, row("h2load", v, tag), v,
                                     ["h2load", "-n", str(n), "-c", "1", "-m",
                                      str(args.parallel_max), url], n))
    return tools


W1B_REQUESTS = 100
W1B_TAG = ", W1b"


# ------------------------------- section 5 (W5): memory per connection

W5_DOMAIN = "bench.test"
W5_CONNS = 100


def w5_tool(args, b, name, tool, v, origins):
    """W5_CONNS concurrent GETs of the 1 KiB file from `origins` distinct
    origins (h1.bench.test ... all --connect-to the nghttpd port): with 100
    origins a connection each, with 1 all on one connection. Peak RSS is
    what the section reads."""
    port = b.nghttpd.port
    urls = ["https://h%d.%s:%d/%s" % (i % origins + 1, W5_DOMAIN, port, SMALL_NAME)
            for i in range(W5_CONNS)]
    route = ["--connect-to", "::127.0.0.1:%d" % port]
    if tool == "hxc":
        argv = [args.hxc] + v.hxc + route + ["-Z", "--parallel-max", str(W5_CONNS),
                                             "--cacert", b.ca, "-s"]
        for u in urls:
            argv += ["-o", args.null, u]
    else:
        cfg = os.path.join(b.work, slug_of(name) + ".cfg")
        with open(cfg, "w") as f:
            f.writelines('url = "%s"\noutput = "%s"\n' % (u, args.null) for u in urls)
        argv = ["curl", "--parallel", "--parallel-max", str(W5_CONNS), "--http2"] + v.curl + \
            route + ["--cacert", b.ca, "-s", "-S", "--config", cfg]

    def pre():
        r = run_child(argv[:1] + ["-v"] + argv[1:], b.work, args.timeout)
        bad = exit_zero(r)
        if bad:
            return bad
        text = read_text(os.path.join(b.work, "child.err"))
        opened = len(re.findall(r"Opening connection #" if tool == "hxc" else r"Connected to ",
                                text))
        args.info[name] = "%d URLs over %d origin(s): %d connection(s) opened (-v)" % (
            W5_CONNS, origins, opened)
        if opened != origins:
            return "%d connections opened, not %d" % (opened, origins)
        return None
    return Tool(name, argv, writes_through(args.null), pre)


def w5_tools(args, b):
    v13 = b.variants[0]
    tools = []
    for tool in ("hxc", "curl") if b.curl else ("hxc",):
        for origins in (W5_CONNS, 1):
            tools.append(w5_tool(args, b, "%s [%d connection%s]" % (
                tool, origins, "s" if origins > 1 else ""), tool, v13, origins))
    return tools


def report_w5(tools, args, b, log):
    report_head(tools, log,
                    "Section 5 (W5): %d concurrent 1 KiB GETs over %d connections (distinct "
                    "origins) and over 1, %d rounds (+%d warm-up), interleaved; memory per "
                    "connection = (peak RSS with %d - peak RSS with 1) / %d"
                    % (W5_CONNS, W5_CONNS, args.rounds, args.warmup, W5_CONNS, W5_CONNS - 1),
                    [], "connections")
    by = {t.name: stats(t) for t in tools if t.runs}
    per_conn = {}
    for tool in ("hxc", "curl"):
        many, one = by.get("%s [%d connections]" % (tool, W5_CONNS)), \
            by.get("%s [1 connection]" % tool)
        if many and one:
            per = (many["rss"] - one["rss"]) / (W5_CONNS - 1)
            want = "   target <= 80 KiB %s" % ("met" if per <= 80 else "NOT met") \
                if tool == "hxc" else ""
            log("  memory per connection, %s: %.1f KiB%s" % (tool, per, want))
            per_conn[tool] = per
            if tool == "hxc":
                args.targets.append(("W5", "memory per connection hxc / 80 KiB", per / 80,
                                     "<= 1.00", per <= 80))
    if per_conn.get("curl", 0) > 0 and "hxc" in per_conn:
        log("  memory per connection hxc/curl: %.2f" % (per_conn["hxc"] / per_conn["curl"]))


# ------------------------------- sections 2 (W2) and 3 (W3): one fetch each

def hxc_single_tool(args, b, fl, url, served, full=False):
    """One fetch of url (W2: the big file; W3: the 1 KiB file, full: the
    preflight checks it was a full handshake)."""
    pre = os.path.join(b.work, "pre-single.out")

    def preflight():
        r = run_child(fl.argv(["-v", "--cacert", fl.path(b.ca), "-s", "-o", fl.path(pre), url]),
                      b.work, args.timeout)
        bad = exit_zero(r) or compare_files([pre], served) or \
            fl.verify_tls(os.path.join(b.work, "child.err"), full)
        remove_files([pre])
        if not bad:
            args.info[fl.name] = fl.got_tls
        return bad
    return Tool(fl.name, fl.argv(["--cacert", fl.path(b.ca), "-s", "-o", fl.null, url]),
                fl.check, preflight)


def curl_single_tool(args, b, name, v, url, served):
    pre = os.path.join(b.work, "pre-single.out")
    base = ["curl", "--http2"] + v.curl + ["--cacert", b.ca, "-s", "-S"]

    def preflight():
        r = run_child(base + ["-v", "-o", pre, url], b.work, args.timeout)
        bad = exit_zero(r) or compare_files([pre], served)
        remove_files([pre])
        return bad or curl_tls(args, name, os.path.join(b.work, "child.err"), v.version)
    return Tool(name, base + ["-o", args.null, url], writes_through(args.null), preflight)


def nghttp_w2_tool(args, b, v, url):
    pre = os.path.join(b.work, "pre-single.out")
    name = row("nghttp", v)

    def preflight():
        r = run_child(["nghttp", "-y", url], b.work, args.timeout, stdout_path=pre, env=v.env)
        bad = exit_zero(r) or compare_files([pre], b.big)
        remove_files([pre])
        return bad or nghttp_tls(args, b, name, v)
    return Tool(name, ["nghttp", "-n", "-y", url], exit_zero, preflight,
                "nghttp keeps its default 64 KiB stream and connection windows (-w/-W change "
                "them)", env=v.env)


def w2_tools(args, b):
    tools = []
    for tag, port, _ in b.groups():
        url = "https://localhost:%d/%s" % (port, BIG_NAME)
        for v in b.variants:
            tools.append(hxc_single_tool(args, b, native_flavour(args, b, row("hxc", v, tag), v),
                                         url, b.big))
        if not tag:
            tools += [hxc_single_tool(args, b, wasm_flavour(rn, b, port), url, b.big)
                      for rn in args.runners]
        if b.curl:
            tools += [curl_single_tool(args, b, row("curl", v, tag), v, url, b.big)
                      for v in b.variants]
        if not tag:
            tools += [nghttp_w2_tool(args, b, v, url) for v in b.variants]
        tools += [h2load_tool(args, b, row("h2load", v, tag), v,
                              ["h2load", "-n", "1", "-c", "1", url], 1) for v in b.variants]
    if b.chacha:
        url = "https://localhost:%d/%s" % (b.chacha.port, BIG_NAME)
        tools.append(hxc_single_tool(args, b, native_flavour(args, b, "hxc [chacha20]",
                                                             suites=CHACHA_SUITES), url, b.big))
        tools += [hxc_single_tool(args, b, wasm_flavour(rn, b, b.chacha.port, CHACHA_SUITES),
                                  url, b.big) for rn in args.runners]
    return tools


def w3_tools(args, b):
    tools = []
    for tag, port, _ in b.groups():
        url = "https://localhost:%d/%s" % (port, SMALL_NAME)
        tools += [hxc_single_tool(args, b, native_flavour(args, b, row("hxc", v, tag), v), url,
                                  b.small, full=True) for v in b.variants]
        if b.curl:
            tools += [curl_single_tool(args, b, row("curl", v, tag), v, url, b.small)
                      for v in b.variants]
    return tools


# ------------------- section 3c (W3c): 200 sequential new connections, nginx

def w3c_tool(args, b, name, tool, v, nosess, reused_ok, url, note=""):
    n = args.w3c_urls
    ngx = b.nginx
    size = os.path.getsize(b.small)
    slug = slug_of(name)
    files = [os.path.join(b.pre_dir, "%s-%d" % (slug, i)) for i in range(n)]
    flags = ["--http1.1"] + (v.hxc if tool == "hxc" else v.curl) + \
        (["--no-sessionid"] if nosess else [])
    if tool == "hxc":
        head = [args.hxc] + flags + ["--cacert", b.ca, "-s"]
        timed = head + [a for _ in range(n) for a in ("-o", args.null, url)]
        pre_argv = head[:1] + ["-v"] + head[1:] + [a for f in files for a in ("-o", f, url)]
    else:
        head = ["curl"] + flags + ["--cacert", b.ca, "-s", "-S"]
        timed = head + ["--config", curl_config(os.path.join(b.work, slug + ".cfg"), url,
                                                [args.null] * n)]
        pre_argv = head + ["-v", "-w", "%{num_connects}\\n", "--config",
                           curl_config(os.path.join(b.work, slug + "-pre.cfg"), url, files)]

    def pre():
        ngx.access.skip()
        r = run_child(pre_argv, b.work, args.timeout)
        err = os.path.join(b.work, "child.err")
        bad = exit_zero(r) or compare_files(files, b.small)
        remove_files(files)
        if bad:
            return bad
        text = read_text(err)
        if tool == "hxc":
            opened = len(re.findall(r"Opening connection #", text))
            hs = hxc_handshakes(err)
            resumed = sum(1 for h in hs if "session resumed" in h[2])
            if opened != n or len(hs) != n:
                return "hxc -v: %d 'Opening connection' and %d 'TLS handshake done' lines, " \
                    "not %d" % (opened, len(hs), n)
            client = "hxc -v: %d connections, %d 'session resumed'" % (opened, resumed)
            who = "hxc -v"
        else:
            conns = sum(int(x) for x in read_text(r.out_path).split() if x.isdigit())
            if conns != n:
                return "curl opened %d connections (sum of -w %%{num_connects}), not %d" \
                    % (conns, n)
            hs = curl_handshakes(err)
            resumed = None
            client = "curl: %d connections (-w %%{num_connects}), %d 'SSL re-using session " \
                "ID' (-v)" % (conns, len(re.findall(r"SSL re-using session ID", text)))
            who = "curl -v"
        bad = check_versions(hs, v.version, who)
        if bad:
            return bad
        bad, summary, reused = nginx_log_check(ngx.access.take(n), n, v.version, reused_ok,
                                               size)
        if bad:
            return bad
        if resumed is not None and resumed != reused:
            return "hxc -v reports %d resumed sessions, nginx's log %d" % (resumed, reused)
        args.info[name] = "%s; %s; %s" % (client, summary,
                                          describe_handshakes([h[:2] for h in hs]))
        return None

    def check(run):
        bad = writes_through(args.null)(run)
        logged, _, _ = nginx_log_check(ngx.access.take(n), n, v.version, reused_ok, size)
        return bad or logged
    return Tool(name, timed, check, pre, note, before=ngx.access.skip)


def w3c_tools(args, b):
    n = args.w3c_urls
    url = "https://localhost:%d/%s" % (b.nginx.h1, SMALL_NAME)
    v13, v12 = b.variants
    res, none = (n - 1,), (0,)
    tools = [
        w3c_tool(args, b, "hxc [TLS 1.3, resumption]", "hxc", v13, False, res, url),
        w3c_tool(args, b, "hxc [TLS 1.3, --no-sessionid]", "hxc", v13, True, none, url),
        w3c_tool(args, b, "hxc [TLS 1.2, resumption]", "hxc", v12, False, res, url,
                 "hxc resumes TLS 1.2 sessions by session ID (RFC 5246 7.3)"),
        w3c_tool(args, b, "hxc [TLS 1.2, --no-sessionid]", "hxc", v12, True, none, url)]
    if b.curl:
        tools += [
            w3c_tool(args, b, "curl [TLS 1.3, resumption]", "curl", v13, False, res, url,
                     "curl resumes sessions by default (TLS 1.3 tickets, TLS 1.2 tickets)"),
            w3c_tool(args, b, "curl [TLS 1.3, --no-sessionid]", "curl", v13, True, none, url),
            w3c_tool(args, b, "curl [TLS 1.2, resumption]", "curl", v12, False, res, url),
            w3c_tool(args, b, "curl [TLS 1.2, --no-sessionid]", "curl", v12, True, none, url)]
    return tools


def show_commands(title, tools, work, log):
    log("")
    log("commands, %s:" % title)
    w = name_width(tools)
    for t in tools:
        argv = t.argv
        if len(argv) > 24:
            i = argv.index("-o") if "-o" in argv else 12
            argv = argv[:i + 3] + ["...", "(%d args)" % len(argv)]
        env = " ".join("%s=%s" % kv for kv in sorted((t.env or {}).items()))
        log(("  %-*s %s%s" % (w + 1, t.name + ":", env + " " if env else "", " ".join(argv)))
            .replace(work, "$TMP"))


# ----------------------------------------------------------- measuring

def measure(section, tools, args, work, servers, log, per_round=1):
    """Preflight every tool, then warm-up + timed rounds, interleaved: A B C D
    A B C D ...; with per_round > 1 (W3: one fetch per process) every round
    runs each tool per_round times, still interleaved run by run."""
    log("")
    log("== %s" % section)
    w = name_width(tools)
    for t in tools:
        reason = t.preflight()
        if reason:
            t.failures.append("preflight: " + reason)
            log("  %-*s preflight FAILED, not timed: %s" % (w, t.name, reason))
        else:
            t.info = args.info.pop(t.name, None)
            log("  %-*s preflight ok (data verified)%s"
                % (w, t.name, "; " + t.info if t.info else ""))
    for server in servers:
        if not server.alive():
            raise SetupError("%s died during the preflight" % server.name)
    total = args.warmup + args.rounds
    timed = [t for t in tools if not t.failures]
    for rnd in range(total):
        this = dict((t.name, []) for t in timed)
        failed = dict((t.name, 0) for t in timed)
        for i in range(per_round):
            for t in timed:
                if t.before:
                    t.before()
                r = run_child(t.argv, work, args.timeout, env=t.env)
                bad = t.check(r)
                if bad:
                    failed[t.name] += 1
                    t.failures.append("round %d%s: %s" % (
                        rnd + 1, " run %d" % (i + 1) if per_round > 1 else "", bad))
                else:
                    this[t.name].append(r)
                    if rnd >= args.warmup:
                        t.runs.append(r)
        progress = []
        for t in timed:
            walls = [r.wall for r in this[t.name]]
            if walls and rnd >= args.warmup and per_round > 1:
                t.round_meds.append(med(walls))
            shown = ("%.1f ms" if per_round > 1 else "%.0f ms") % (med(walls) * 1000) \
                if walls else "FAILED"
            if walls and failed[t.name]:
                shown += " (%d FAILED)" % failed[t.name]
            progress.append("%s %s" % (t.name, shown))
        log("  round %d/%d%s%s %s" % (rnd + 1, total,
                                     " (warm-up, discarded)" if rnd < args.warmup else "",
                                     " (median of %d runs each)" % per_round
                                     if per_round > 1 else "", ", ".join(progress)))
    for server in servers:
        if not server.alive():
            args.notes.append("%s was no longer running after %s" % (server.name, section))
            args.broken.append("%s (%s died)" % (section, server.name))
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
        "rss_min": min(r.maxrss_kib for r in t.runs),
        "rss_max": max(r.maxrss_kib for r in t.runs),
        "cpu": med([r.cpu for r in t.runs]) * 1000,
    }


def name_width(tools):
    return max([8] + [len(t.name) for t in tools])


def table(tools, log, extra=()):
    """The section's table: median and minimum wall time, CPU, peak RSS, and
    extra columns [(header, width, format, function of the stats)]."""
    s = dict((t.name, stats(t)) for t in tools)
    w = name_width(tools)
    log(("%-*s %10s %10s %10s %14s" % (w, "tool", "median ms", "min ms", "cpu ms",
                                       "peak RSS KiB"))
        + "".join(" %*s" % (cw, h) for h, cw, _f, _fn in extra))
    for t in tools:
        st = s[t.name]
        if st is None:
            log("%-*s no valid runs (see FAILED below)" % (w, t.name))
            continue
        log(("%-*s %10.1f %10.1f %10.1f %14d" % (w, t.name, st["med"], st["min"], st["cpu"],
                                                 st["rss"]))
            + "".join(" %*s" % (cw, f % fn(st)) for _h, cw, f, fn in extra))
    return s


def log_details(tools, log, per_round=1):
    w = name_width(tools) + 1
    for t in tools:
        if per_round > 1 and t.round_meds:
            log("  round medians %-*s %s ms (%d runs each)"
                % (w, t.name + ":", " ".join("%.1f" % (x * 1000) for x in t.round_meds),
                   per_round))
        elif t.runs:
            log("  runs %-*s %s ms" % (w, t.name + ":", " ".join("%.0f" % (r.wall * 1000)
                                                             for r in t.runs)))
    notes = []
    for t in tools:
        if t.note:
            names = [x.name for x in tools if x.note == t.note]
            if t.name == names[0]:
                notes.append("  note: %s: %s" % (", ".join(names), t.note))
    for line in notes:
        log(line)
    for t in tools:
        for f in t.failures[:5]:
            log("  FAILED run: %s: %s" % (t.name, f))
        if len(t.failures) > 5:
            log("  FAILED run: %s: ... %d more" % (t.name, len(t.failures) - 5))


def log_info(tools, log, what):
    for t in tools:
        if t.info:
            log("  %s: %s: %s" % (what, t.name, t.info))


def report_head(tools, log, title, columns, info, runs=1, what="medians"):
    """The opening of a section's report: title, table, runs, per-tool info,
    and the ratio heading. Returns the table's statistics."""
    log("")
    log(title)
    s = table(tools, log, columns)
    log_details(tools, log, runs)
    log_info(tools, log, info)
    log("")
    log("Ratios of the %s (minima and CPU in parentheses) and the targets "
        "(information, never a failure):" % what)
    return s


RATIO_W = 52


def ratio(args, log, s, label, num, den, want=None, issue=None, key="med"):
    """Logs label: num/den of the medians (with the minima and the CPU times
    in parentheses) and, with want = (op, bound), whether the target is met.
    issue: the section (W1 ...) when it is a target of the TLS 1.3 issue,
    collected for the summary at the end. key: 'med' (time) or 'rss'."""
    x, y = s.get(num), s.get(den)
    want_s = "%s %.2f" % want if want else ""
    if not (x and y):
        log("  %-*s no ratio (%s has no valid runs)" % (RATIO_W, label, den if x else num))
        if issue:
            args.targets.append((issue, label, None, want_s, False))
        return
    if key == "rss":
        r, rmin = x["rss"] / y["rss"], x["rss_min"] / y["rss_min"]
        more = "on minima %.2f" % rmin
    else:
        r, rmin = x["med"] / y["med"], x["min"] / y["min"]
        more = "on minima %.2f, cpu %s" % (rmin, "%.2f" % (x["cpu"] / y["cpu"])
                                           if y["cpu"] > 0 else "-")
    if want:
        op, bound = want
        ok = {"<=": r <= bound, ">=": r >= bound, "<": r < bound}[op]
        verdict = "target %-7s %-8s" % (want_s, "met" if ok else "NOT met")
        if issue:
            args.targets.append((issue, label, r, want_s, ok))
    else:
        verdict = "(information)"
    log("  %-*s %6.2f   %s (%s)" % (RATIO_W, label, r, verdict, more))


def tls_ratios(args, log, s, b, section, tools, tag):
    """hxc on TLS 1.3 vs TLS 1.2 (a target), the others as information."""
    v13, v12 = b.variants
    for tool in tools:
        ratio(args, log, s, "time %s [TLS 1.3%s]/[TLS 1.2%s]" % (tool, tag, tag),
              row(tool, v13, tag), row(tool, v12, tag),
              ("<=", 1.0) if tool == "hxc" else None, section if tool == "hxc" else None)


def group_header(log, tag, desc):
    log("  against %s%s:" % (desc, " (its TLS 1.3: a HelloRetryRequest to P-256, as it has no "
                             "X25519, and AES-256-GCM by its order; its TLS 1.2: P-256, "
                             "AES-128-GCM)" if not tag else
                             " (X25519 under both versions, the client's suite order)"))


def callgrind_counts(tools, names, args, work):
    """Instructions per request (callgrind's "Collected", one untimed run
    each, divided by the requests) of the named W1 rows: a figure that,
    unlike time, does not move with the machine's load. {} without
    valgrind (Debian package 'valgrind')."""
    out = {}
    valgrind = shutil.which("valgrind")
    for t in tools:
        if valgrind is None or t.name not in names:
            continue
        cg = os.path.join(work, "callgrind.out")
        r = run_child([valgrind, "--tool=callgrind", "--callgrind-out-file=" + cg] + t.argv,
                      work, args.timeout * 10, env=t.env)
        m = re.search(r"Collected : (\d+)", read_text(os.path.join(work, "child.err")))
        if r.status == 0 and m:
            out[t.name] = int(m.group(1)) / args.requests
    return out


def report_w1(tools, args, b, log):
    s = report_head(tools, log,
                    "Section 1 (W1): %d GETs of a 1 KiB file, one HTTP/2 TLS connection, %d "
                    "rounds (+%d warm-up), interleaved" % (args.requests, args.rounds,
                                                           args.warmup),
                    [("req/s (med)", 12, "%.0f", lambda st: args.requests / (st["med"] / 1000))],
                    "connections, TLS")
    for tag, _port, desc in b.groups():
        group_header(log, tag, desc)
        for v in b.variants:
            hx, cu, h2 = (row(x, v, tag) for x in ("hxc", "curl", "h2load"))
            ratio(args, log, s, "time curl/hxc [%s%s] (issue 4)" % (v.label, tag), cu, hx,
                  (">=", 2.0))
            ratio(args, log, s, "time hxc/h2load [%s%s] (issue 4)" % (v.label, tag), hx, h2,
                  ("<=", 1.5))
            ratio(args, log, s, "peak RSS hxc/curl [%s%s] (issue 4)" % (v.label, tag), hx, cu,
                  ("<", 0.5), key="rss")
            ratio(args, log, s, "time hxc/curl [%s%s]" % (v.label, tag), hx, cu, ("<=", 1.0),
                  "W1")
            if not tag:
                ratio(args, log, s, "time nghttp/hxc [%s]" % v.label, row("nghttp", v), hx)
        tls_ratios(args, log, s, b, "W1", ("hxc", "curl") + (("nghttp",) if not tag else ())
                   + ("h2load",), tag)
    if args.runners:
        wasm_ratios(s, "time", 3.0, args, log)
    cg = args.callgrind
    if cg:
        log("  callgrind instructions per request (one untimed run each, handshake and "
            "process start included):")
        for name, ir in sorted(cg.items()):
            log("    %-*s %10.0f" % (RATIO_W - 2, name, ir))
        if len(cg) == 2:
            (n1, c), (n2, x) = sorted(cg.items())  # curl [..], hxc [..]
            log("    %-*s %10.2f" % (RATIO_W - 2, "hxc/curl", x / c))


def report_w1b(tools, args, b, log):
    s = report_head(tools, log,
                    "Section 1b (W1b): %d GETs of a 100 KiB file, one HTTP/2 TLS connection, "
                    "%d rounds (+%d warm-up), interleaved" % (W1B_REQUESTS, args.rounds,
                                                              args.warmup),
                    [("MiB/s (med)", 12, "%.0f",
                      lambda st: W1B_REQUESTS * 100 / 1024 / (st["med"] / 1000))],
                    "connections, TLS")
    for tag, _port, desc in b.groups():
        group_header(log, tag, desc)
        tag += W1B_TAG
        for v in b.variants:
            hx, cu, h2 = (row(x, v, tag) for x in ("hxc", "curl", "h2load"))
            ratio(args, log, s, "time hxc/curl [%s%s]" % (v.label, tag), hx, cu, ("<=", 0.55),
                  "W1b")
            ratio(args, log, s, "time hxc/h2load [%s%s]" % (v.label, tag), hx, h2)
            ratio(args, log, s, "peak RSS hxc/curl [%s%s]" % (v.label, tag), hx, cu,
                  ("<=", 0.25), "W1b", key="rss")


def report_w2(tools, args, b, log):
    size = args.big_mib * 1024 * 1024
    s = report_head(tools, log,
                    "Section 2 (W2): one %d MiB download, %d rounds (+%d warm-up), interleaved"
                    % (args.big_mib, args.rounds, args.warmup),
                    [("MiB/s med", 10, "%.0f", lambda st: size / 1048576 / (st["med"] / 1000)),
                     ("MiB/s best", 10, "%.0f",
                      lambda st: size / 1048576 / (st["min"] / 1000))],
                    "tls")
    for tag, _port, desc in b.groups():
        group_header(log, tag, desc)
        for v in b.variants:
            hx, cu = row("hxc", v, tag), row("curl", v, tag)
            ratio(args, log, s, "time hxc/curl [%s%s]" % (v.label, tag), hx, cu, ("<=", 1.0),
                  "W2")
            ratio(args, log, s, "peak RSS hxc/curl [%s%s]" % (v.label, tag), hx, cu, key="rss")
        tls_ratios(args, log, s, b, "W2", ("hxc", "curl") + (("nghttp",) if not tag else ())
                   + ("h2load",), tag)
    if args.runners:
        wasm_ratios(s, "throughput", 0.25, args, log)


def report_w3(tools, args, b, log):
    s = report_head(tools, log,
                    "Section 3 (W3): a fresh process per 1 KiB fetch (one connection, a full "
                    "handshake each), %d per tool and round, %d rounds (+%d warm-up), "
                    "interleaved run by run; figures per fetch"
                    % (args.w3_fetches, args.rounds, args.warmup),
                    [("fetch/s (med)", 14, "%.0f", lambda st: 1000 / st["med"])], "tls",
                    runs=args.w3_fetches, what="per-fetch medians")
    for tag, _port, desc in b.groups():
        group_header(log, tag, desc)
        for v in b.variants:
            ratio(args, log, s, "time hxc/curl [%s%s]" % (v.label, tag), row("hxc", v, tag),
                  row("curl", v, tag), ("<=", 1.0), "W3")
        tls_ratios(args, log, s, b, "W3", ("hxc", "curl"), tag)


def report_w3c(tools, args, b, log):
    n = args.w3c_urls
    s = report_head(tools, log,
                    "Section 3c (W3c): one process, %d sequential 1 KiB fetches, each on a new "
                    "TLS connection (nginx, HTTP/1.1, keepalive_timeout 0), %d rounds (+%d "
                    "warm-up), interleaved" % (n, args.rounds, args.warmup),
                    [("ms/fetch", 9, "%.2f", lambda st: st["med"] / n),
                     ("cpu ms/fetch", 12, "%.2f", lambda st: st["cpu"] / n)],
                    "connections")
    for version in ("TLS 1.3", "TLS 1.2"):
        for case, target in (("resumption", 0.5), ("--no-sessionid", 1.0)):
            v = "%s, %s" % (version, case)
            ratio(args, log, s, "time hxc/curl [%s]" % v, "hxc [%s]" % v, "curl [%s]" % v,
                  ("<=", target), "W3c")
    ratio(args, log, s, "resumption: hxc [TLS 1.3] --no-sessionid/resumption",
          "hxc [TLS 1.3, --no-sessionid]", "hxc [TLS 1.3, resumption]", (">=", 1.5), "W3c")
    ratio(args, log, s, "resumption: hxc [TLS 1.2] --no-sessionid/resumption",
          "hxc [TLS 1.2, --no-sessionid]", "hxc [TLS 1.2, resumption]")
    for v in ("TLS 1.3", "TLS 1.2"):
        ratio(args, log, s, "resumption: curl [%s] --no-sessionid/resumption" % v,
              "curl [%s, --no-sessionid]" % v, "curl [%s, resumption]" % v)
    for case in ("resumption", "--no-sessionid"):
        ratio(args, log, s, "time hxc [TLS 1.3, %s]/[TLS 1.2, %s]" % (case, case),
              "hxc [TLS 1.3, %s]" % case, "hxc [TLS 1.2, %s]" % case)


def write_svg(path, targets, title):
    """The targets' ratios as a horizontal bar chart in plain SVG (no plotting
    library needed): one bar per ratio, green when its target is met, red
    when not, the target as a black tick; the scale stops at 3 (longer
    bars end in an arrow and carry their value)."""
    rows = [t for t in targets if t[2] is not None]
    top, row_h, label_w, plot_w, cap = 40, 18, 430, 360, 3.0
    height = top + row_h * len(rows) + 30
    esc = lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    x_of = lambda v: label_w + plot_w * min(v, cap) / cap
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (label_w + plot_w + 60, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="8" y="18" font-size="13" font-weight="bold">%s</text>' % esc(title)]
    for tick in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        x = x_of(tick)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                   % (x, top - 6, x, height - 26))
        out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%.1f</text>'
                   % (x, height - 12, tick))
    for i, (sec, label, r, want, ok) in enumerate(rows):
        y = top + i * row_h
        out.append('<text x="%d" y="%d" text-anchor="end">%s %s</text>'
                   % (label_w - 6, y + 12, esc(sec), esc(label)))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (label_w, y + 3, x_of(r) - label_w, row_h - 6,
                      "#4a9a4a" if ok else "#c84a4a"))
        out.append('<text x="%.1f" y="%d">%.2f%s</text>'
                   % (x_of(r) + 4, y + 12, r, " &#8594;" if r > cap else ""))
        bound = float(want.split()[-1]) if want else None
        if bound is not None:
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" '
                       'stroke-width="2"/>' % (x_of(bound), y + 1, x_of(bound), y + row_h - 1))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def report_targets(args, log):
    """The TLS 1.3 issue's targets, collected from the sections."""
    if not args.targets:
        return
    met = sum(1 for t in args.targets if t[4])
    log("")
    log("Targets of the TLS 1.3 and performance issues (hxc on TLS 1.3 no slower than on "
        "TLS 1.2 for W1, W2, W3; W3c with resumption at least 1.5x faster than without and "
        "at most 0.5x curl's time; hxc at or below curl on every row; W1b at most 0.55x "
        "curl, peak RSS 0.25x; W5 at most 80 KiB per connection): %d of %d met "
        "(information only, never a failure)" % (met, len(args.targets)))
    for sec, label, r, want, ok in args.targets:
        log("  %-4s %-*s %6s   %-7s %s" % (sec, RATIO_W, label, "-" if r is None else "%.2f" % r,
                                          want, "met" if ok else
                                          "NOT met" if r is not None else "not measured"))


# The issue's wasm targets, for every wasm runner: within 3x of native on the
# multiplexed run (time ratio wasm/native <= 3), at least a quarter of native
# throughput on the download (throughput ratio wasm/native = time native/wasm
# >= 0.25). Also shown, as information: the ratio with the runner's fixed
# start-up (report_startup; the figure of the command the rows run) taken off
# the wasm time, i.e. what an embedding that keeps the runtime up pays; and,
# for the download, wasm with ChaCha20 against native's default suite. The
# wasm rows run hxc's default (TLS 1.3), so the native partner is hxc [TLS
# 1.3]; both [chacha20] rows are TLS 1.3 with TLS_CHACHA20_POLY1305_SHA256.
def wasm_ratios(s, kind, bound, args, log):
    for rn in args.runners:
        startup = rn.startup().ms
        log("")
        log("%s vs native hxc (issue 5 target, information only; 'less start-up' takes "
            "the runner's fixed %.0f ms off the wasm median):" % (rn.name, startup))
        chacha = rn.name + " [chacha20]"
        native = "hxc [TLS 1.3]"
        pairs = [("AES-GCM (nghttpd's choice)", native, rn.name),
                 ("ChaCha20-Poly1305 (forced)", "hxc [chacha20]", chacha)]
        if kind != "time":
            pairs.append(("wasm ChaCha20 / native AES", native, chacha))
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

SECTIONS = ("1", "1b", "2", "3", "3c", "5")


def parse_sections(text):
    out = []
    for part in text.replace(" ", "").lower().split(","):
        part = part[1:] if part.startswith("w") else part
        if part not in SECTIONS:
            raise argparse.ArgumentTypeError("unknown section '%s' (sections: %s)"
                                             % (part, ", ".join(SECTIONS)))
        if part not in out:
            out.append(part)
    return [x for x in SECTIONS if x in out]


def parse_args(argv):
    p = argparse.ArgumentParser(description="hxc benchmark against curl, nghttp and h2load "
                                            "(a measurement, not a test)")
    p.add_argument("hxc", help="the hxc CLI binary (e.g. build/hxc)")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    p.add_argument("--warmup", type=int, default=1,
                   help="discarded warm-up rounds before them (default 1)")
    p.add_argument("--only", metavar="SECTIONS", type=parse_sections, default=list(SECTIONS),
                   help="run only these sections, comma-separated: 1 (W1), 1b (W1b), 2 (W2), "
                        "3 (W3), 3c (W3c), 5 (W5); e.g. --only 1,3c (default: all)")
    p.add_argument("--requests", type=int, default=1000, help="GETs in section 1 (1000)")
    p.add_argument("--parallel-max", type=int, default=100,
                   help="concurrent streams for hxc, curl and h2load -m (100)")
    p.add_argument("--big-mib", type=int, default=64, help="size of section 2's file (64)")
    p.add_argument("--skip-big", action="store_true", help="leave out section 2")
    p.add_argument("--w3-fetches", type=int, default=50,
                   help="section 3: fresh processes per tool and round (50)")
    p.add_argument("--w3c-urls", type=int, default=200,
                   help="section 3c: sequential fetches (new connections) per run (200)")
    p.add_argument("--nginx", metavar="PATH",
                   default=shutil.which("nginx") or ("/usr/sbin/nginx"
                                                     if os.path.exists("/usr/sbin/nginx")
                                                     else None),
                   help="nginx for section 3c and the [..., nginx] rows (default: nginx on "
                        "PATH or /usr/sbin/nginx)")
    p.add_argument("--timeout", type=float, default=120, help="per-run limit, seconds (120)")
    p.add_argument("--results", help="report file (default: bench-results.txt next to hxc)")
    p.add_argument("--svg", help="chart of the targets' ratios (default: beside --results)")
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
    if args.rounds < 1 or args.warmup < 0 or args.requests < 1 or args.w3_fetches < 1 \
            or args.w3c_urls < 2:
        p.error("--rounds >= 1, --warmup >= 0, --requests >= 1, --w3-fetches >= 1 and "
                "--w3c-urls >= 2")
    args.sections = [x for x in args.only if not (args.skip_big and x == "2")]
    if not args.sections:
        p.error("no section left to run")
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
    args.info = {}      # preflight -> measure(): connections a tool used, TLS
    args.broken = []
    args.runners = []   # the wasm runners that could be set up (WasmRunner)
    args.targets = []   # the TLS 1.3 issue's targets: (section, label, ratio, want, met)
    args.callgrind = {}  # section 1: instructions per request
    return args


def main(argv):
    args = parse_args(argv)
    wasm_sections = any(x in args.sections for x in ("1", "1b", "2"))
    for tool in ("openssl", "nghttpd", "nghttp", "h2load", TIME) + \
            (("node",) if args.wasm and wasm_sections else ()):
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
    servers = []
    try:
        log("hxc benchmark (issues 4 and 5, TLS 1.3) - a measurement, not a test")
        log("date %s, commit %s, %d CPUs, load average %.2f %.2f %.2f at start"
            % ((time.strftime("%Y-%m-%d %H:%M:%S %Z"), git_head(src), os.cpu_count())
               + os.getloadavg()))
        log("sections: %s" % ", ".join(args.sections))
        log("hxc:    %s (%s)" % (version_line([args.hxc, "--version"]), args.hxc))
        log("curl:   %s" % version_line(["curl", "--version"]))
        log("nghttp: %s; h2load %s" % (version_line(["nghttp", "--version"]),
                                      version_line(["h2load", "--version"])))
        if args.nginx:
            log("nginx:  %s (%s)" % (version_line([args.nginx, "-v"]), args.nginx))
        if wasm_sections:
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
        small = os.path.join(htdocs, SMALL_NAME)
        big = os.path.join(htdocs, BIG_NAME)
        write_random(small, 1024)
        mid = os.path.join(htdocs, MID_NAME)
        if "1b" in args.sections:
            write_random(mid, 100 * 1024)
        if "2" in args.sections:
            write_random(big, args.big_mib * 1024 * 1024)
        ca, key, cert = mint_pki(work)
        variants = tls_variants(work)
        log("TLS variants: [TLS 1.3] = each tool's default against a server that allows TLS "
            "1.2 and 1.3; [TLS 1.2] = hxc --tls-max 1.2, curl --tls-max 1.2, nghttp and "
            "h2load with OPENSSL_CONF=$TMP/openssl-tls12.cnf (Protocol = -TLSv1.3: they have "
            "no such flag); every preflight checks the version negotiated")
        server = Nghttpd(htdocs, key, cert, work)
        servers.append(server)
        log("server: %s (TLS 1.2 and 1.3, HTTP/2, max 100 concurrent streams by default; "
            "key exchange P-256 only: a TLS 1.3 client that offers an X25519 key share first "
            "gets a HelloRetryRequest; suites in its own order: TLS_AES_256_GCM_SHA384 under "
            "TLS 1.3, ECDHE-ECDSA-AES128-GCM-SHA256 under TLS 1.2)"
            % server.command().replace(work, "$TMP"))
        nginx = None
        if not args.nginx:
            args.notes.append("nginx is not installed (Debian package 'nginx'): no [..., "
                              "nginx] rows, section 3c not measured")
            if "3c" in args.sections:
                args.broken.append("section 3c (no nginx)")
        else:
            try:
                nginx = Nginx(args.nginx, htdocs, key, cert, work)
            except SetupError as e:
                log("nginx: could not be started: %s" % e)
                args.notes.append("nginx could not be started: no [..., nginx] rows, section "
                                  "3c not measured")
                args.broken.append("nginx")
        if nginx:
            servers.append(nginx)
            log("server: %s (one worker; port %d: TLS 1.2 and 1.3, HTTP/2, 100 concurrent "
                "streams, for the [..., nginx] rows; port %d: TLS 1.2 and 1.3, HTTP/1.1, "
                "keepalive_timeout 0, for section 3c, access log with $ssl_protocol "
                "$ssl_cipher $ssl_session_reused; OpenSSL defaults: X25519, the client's "
                "suite order; session tickets and a session cache)"
                % (nginx.command().replace(work, "$TMP"), nginx.h2, nginx.h1))
        chacha = None
        if args.runners:
            chacha = Nghttpd(htdocs, key, cert, work, name="nghttpd-chacha20",
                             env={"LD_PRELOAD": build_cipher_shim(work),
                                  "HXC_BENCH_CIPHERS": CHACHA_SUITE,
                                  "HXC_BENCH_CIPHERSUITES": CHACHA_SUITE13})
            servers.append(chacha)
            log("server for the [chacha20] rows: %s (the same nghttpd, its TLS 1.2 cipher "
                "list and its TLS 1.3 suites replaced through a small LD_PRELOAD shim: "
                "nghttpd has no cipher option; the rows run hxc's default, TLS 1.3)"
                % chacha.command().replace(work, "$TMP"))
        pre_dir = os.path.join(work, "pre")
        os.makedirs(pre_dir)
        b = Bench(work=work, ca=ca, key=key, cert=cert, small=small, mid=mid, big=big,
                  variants=variants, nghttpd=server, nginx=nginx, chacha=chacha,
                  pre_dir=pre_dir, curl=shutil.which("curl"))
        if not b.curl:
            args.notes.append("curl is not installed (Debian package 'curl'): not measured")

        done = []
        if "1" in args.sections:
            t1 = w1_tools(args, b)
            show_commands("section 1 (URL repeated; CA = $TMP/ca.pem; curl's --config F "
                          "lists %d url/output pairs)" % args.requests, t1, work, log)
            measure("section 1 (W1): %d x 1 KiB" % args.requests, t1, args, work, servers, log)
            tag = ", nginx" if nginx else ""  # curl 7.88 --parallel can stall on nghttpd
            args.callgrind = callgrind_counts(t1, {"hxc [TLS 1.3%s]" % tag,
                                                   "curl [TLS 1.3%s]" % tag}, args, work)
            done.append((report_w1, t1))
        if "1b" in args.sections:
            t1b = w1b_tools(args, b)
            show_commands("section 1b (URL repeated)", t1b, work, log)
            measure("section 1b (W1b): %d x 100 KiB" % W1B_REQUESTS, t1b, args, work, servers,
                    log)
            done.append((report_w1b, t1b))
        if "2" in args.sections:
            t2 = w2_tools(args, b)
            show_commands("section 2", t2, work, log)
            measure("section 2 (W2): %d MiB" % args.big_mib, t2, args, work, servers, log)
            done.append((report_w2, t2))
        if "3" in args.sections:
            t3 = w3_tools(args, b)
            show_commands("section 3 (each run one fresh process)", t3, work, log)
            measure("section 3 (W3): a fresh process per fetch, %d per tool and round"
                    % args.w3_fetches, t3, args, work, servers, log, per_round=args.w3_fetches)
            done.append((report_w3, t3))
        if "3c" in args.sections and nginx:
            t3c = w3c_tools(args, b)
            show_commands("section 3c (curl's --config F lists %d url/output pairs)"
                          % args.w3c_urls, t3c, work, log)
            measure("section 3c (W3c): %d sequential new connections in one process"
                    % args.w3c_urls, t3c, args, work, servers, log)
            done.append((report_w3c, t3c))
        if "5" in args.sections:
            t5 = w5_tools(args, b)
            show_commands("section 5 (curl's --config F lists the URLs)", t5, work, log)
            measure("section 5 (W5): %d connections" % W5_CONNS, t5, args, work, servers, log)
            done.append((report_w5, t5))

        log("")
        log("=" * 78)
        for report, tools in done:
            report(tools, args, b, log)
        if args.runners:
            report_startup(args, log)
        report_targets(args, log)
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
        for srv in servers:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)
        try:
            with open(args.results, "w") as f:
                f.write("\n".join(lines) + "\n")
            print("(written to %s)" % args.results)
            svg = args.svg or os.path.splitext(args.results)[0] + "-ratios.svg"
            write_svg(svg, args.targets, "hxc benchmark: ratios against their targets "
                      "(time unless said; bar = measured, tick = target)")
            print("(chart: %s)" % svg)
        except OSError as e:
            print("bench: cannot write %s: %s" % (args.results, e), file=sys.stderr)
    return 1 if args.broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
