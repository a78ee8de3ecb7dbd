"""Shared helpers for hxc's integration tests (python3 standard library only).

- free_port(): a free TCP port on a loopback address
- Pki: a throwaway CA and server certificates minted with the openssl CLI
- Server and its makers: nghttpd(), s_server(), node_server(): real servers on
  loopback with readiness waits and guaranteed cleanup (context managers,
  plus an atexit sweep)
- run_hxc(): run the CLI and capture stdout (bytes), stderr (text), exit code
  and elapsed time
- run_tests(): run test functions, print PASS/FAIL lines and the closing
  "N passed, N failed" line, exit non-zero on failure

Environment: HXC_BIN (the CLI), HXC_SOURCE_DIR, HXC_BUILD_DIR; HXC_WASM=1 when
HXC_BIN runs hxc as WebAssembly (the wasm suites, see wasm/wasi.cmake), with
HXC_WASM_RUNNER saying how (node, hxc-wasmtime: hxc.wasm in a hostnet_v1
host; wasmtime: hxc.component.wasm in stock `wasmtime run`), for the few
checks that cannot hold there.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("HXC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("HXC_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
HXC_BIN = os.environ.get("HXC_BIN") or os.path.join(BUILD_DIR, "hxc")
SERVERS_DIR = os.path.join(SOURCE_DIR, "tests", "servers")
# HXC_BIN runs hxc as WebAssembly (ctest in a wasm build), and which way.
WASM = os.environ.get("HXC_WASM") == "1"
WASM_RUNNER = os.environ.get("HXC_WASM_RUNNER", "node") if WASM else None

DEFAULT_SANS = ("DNS:localhost", "IP:127.0.0.1", "IP:::1")

_live = []      # servers still running, stopped at exit whatever happens
_tmpdirs = []   # temp dirs removed at exit


def _cleanup():
    for srv in list(_live):
        srv.stop()
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    _cleanup()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


class TestFailure(AssertionError):
    pass


def fail(msg):
    raise TestFailure(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def tempdir(prefix="hxc-test-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def ipv6_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, 0))
        return s.getsockname()[1]


def closed_port(host="127.0.0.1"):
    """A port with nothing listening (bound then released)."""
    return free_port(host)


# ------------------------------------------------------------------ PKI

def openssl(args, cwd):
    proc = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed (exit %d): %s"
                           % (" ".join(args), proc.returncode, proc.stderr.strip()))
    return proc.stdout


def _genkey(path, key_type, cwd):
    if key_type == "ec" or key_type.startswith("ec-"):
        curve = key_type[3:] or "P-256"
        openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve,
                 "-out", path], cwd)
    elif key_type.startswith("rsa"):
        bits = key_type[3:] or "2048"
        openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + bits,
                 "-out", path], cwd)
    else:
        raise ValueError("key_type must be 'ec', 'ec-CURVE' or 'rsa[BITS]', not %r" % key_type)


def _utc(ts):
    """Unix seconds -> openssl ca date 'YYYYMMDDHHMMSSZ'."""
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(ts))


class Pki:
    """A throwaway CA in its own temp dir, able to issue server certificates.

    ca_cert / ca_key: the root; issue() returns a Leaf with cert, key and
    chain (leaf + CA) paths.
    """

    def __init__(self, key_type="ec", cn="hxc test CA", days=3650, directory=None):
        self.dir = directory or tempdir("hxc-pki-")
        self.key_type = key_type
        self.ca_key = os.path.join(self.dir, "ca.key")
        self.ca_cert = os.path.join(self.dir, "ca.pem")
        self._serial = 0x1000
        os.makedirs(os.path.join(self.dir, "newcerts"), exist_ok=True)
        open(os.path.join(self.dir, "index.txt"), "w").close()
        with open(os.path.join(self.dir, "ca.cnf"), "w") as f:
            f.write(
                "[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=%s\n"
                "[v3_ca]\nbasicConstraints=critical,CA:TRUE\n"
                "keyUsage=critical,keyCertSign,cRLSign\n"
                "subjectKeyIdentifier=hash\n"
                "[ca]\ndefault_ca=hxc_ca\n"
                "[hxc_ca]\ndir=%s\ndatabase=$dir/index.txt\nnew_certs_dir=$dir/newcerts\n"
                "serial=$dir/serial\ndefault_md=sha256\npolicy=any\nunique_subject=no\n"
                "copy_extensions=none\nemail_in_dn=no\n"
                "[any]\ncommonName=supplied\norganizationName=optional\n" % (cn, self.dir))
        _genkey(self.ca_key, key_type, self.dir)
        openssl(["req", "-x509", "-new", "-config", "ca.cnf", "-extensions", "v3_ca",
                 "-key", self.ca_key, "-sha256", "-days", str(days), "-out", self.ca_cert],
                self.dir)

    def issue(self, name="server", cn="localhost", sans=DEFAULT_SANS, key_type=None,
              days=30, not_before=None, not_after=None, eku="serverAuth", md="sha256"):
        """Issues a leaf certificate. key_type: "ec" (P-256), "ec-P-384",
        "ec-P-521", "rsa", "rsa3072"...; md: the CA's signature digest.
        not_before / not_after are Unix seconds and override days (e.g. an
        expired certificate)."""
        key_type = key_type or self.key_type
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        cert = os.path.join(self.dir, name + ".pem")
        ext = os.path.join(self.dir, name + ".ext")
        _genkey(key, key_type, self.dir)
        usage = ("digitalSignature" if key_type.startswith("ec")
                 else "digitalSignature,keyEncipherment")
        lines = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical," + usage,
                 "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"]
        if eku:
            lines.append("extendedKeyUsage=" + eku)
        if sans:
            lines.append("subjectAltName=" + ",".join(sans))
        with open(ext, "w") as f:
            f.write("\n".join(lines) + "\n")
        openssl(["req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr], self.dir)
        self._serial += 1
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("%X\n" % self._serial)
        now = int(time.time())
        start = not_before if not_before is not None else now - 3600
        end = not_after if not_after is not None else now + days * 86400
        openssl(["ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", self.ca_cert,
                 "-keyfile", self.ca_key, "-in", csr, "-out", cert, "-extfile", ext, "-md", md,
                 "-startdate", _utc(start), "-enddate", _utc(end)], self.dir)
        chain = os.path.join(self.dir, name + "-chain.pem")
        with open(chain, "w") as out:
            for p in (cert, self.ca_cert):
                with open(p) as f:
                    out.write(f.read())
        return Leaf(cert, key, chain)


class Leaf:
    def __init__(self, cert, key, chain):
        self.cert = cert
        self.key = key
        self.chain = chain


# -------------------------------------------------------------- servers

def _can_connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect((host, port))
        return True
    except OSError:
        return False


class Server:
    """A server process. Ready when `ready_line` appears in its log (the port
    may be read from it: "READY <port>"), or when host:port accepts TCP."""

    stdin = subprocess.DEVNULL  # StdinServer: a pipe

    def __init__(self, argv, name, host="127.0.0.1", port=None, ready_line=None, cwd=None,
                 timeout=15.0):
        self.argv = argv
        self.name = name
        self.host = host
        self.port = port
        self.ready_line = ready_line
        self.cwd = cwd
        self.timeout = timeout
        self.proc = None
        self.log_path = None

    def start(self):
        logdir = tempdir("hxc-srv-")
        self.log_path = os.path.join(logdir, self.name + ".log")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdin=self.stdin, stdout=log,
                                     stderr=subprocess.STDOUT, cwd=self.cwd,
                                     start_new_session=True)
        log.close()
        _live.append(self)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("%s exited with %s before it was ready; log:\n%s"
                                   % (self.name, self.proc.returncode, self.log()))
            if self._ready():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("%s not ready after %.0f s; log:\n%s"
                           % (self.name, self.timeout, self.log()))

    def _ready(self):
        if self.ready_line is not None:
            for line in self.log().splitlines():
                if line.startswith(self.ready_line):
                    rest = line[len(self.ready_line):].strip()
                    if self.port is None and rest.isdigit():
                        self.port = int(rest)
                    return True
            return False
        return _can_connect(self.host, self.port)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=3)
        if self in _live:
            _live.remove(self)

    @property
    def url_host(self):
        return "[%s]" % self.host if ":" in self.host else self.host

    def url(self, path="/", host=None):
        return "%s://%s:%d%s" % (self.scheme, host or self.url_host, self.port, path)

    scheme = "https"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def nghttpd(leaf, htdocs, host="127.0.0.1", port=None, extra=()):
    """nghttpd (HTTP/2 over TLS, ALPN h2) serving htdocs with leaf's cert."""
    port = port or free_port(host)
    argv = ["nghttpd", "--address=" + host, "-d", htdocs] + list(extra) + \
        [str(port), leaf.key, leaf.cert]
    return Server(argv, "nghttpd", host=host, port=port)


def s_server(leaf, host="127.0.0.1", port=None, www_dir=None, alpn="http/1.1", extra=()):
    """openssl s_server; with www_dir: -WWW serving files from it (HTTP/1.0)."""
    port = port or free_port(host)
    argv = ["openssl", "s_server", "-accept", "%s:%d" % ("[%s]" % host if ":" in host else host,
                                                         port),
            "-cert", leaf.cert, "-key", leaf.key, "-quiet"]
    if alpn:
        argv += ["-alpn", alpn]
    if www_dir:
        argv += ["-WWW"]
    argv += list(extra)
    return Server(argv, "s_server", host=host, port=port, cwd=www_dir)


def node_server(leaf=None, host="127.0.0.1", mode="http"):
    """tests/servers/fault_server.js (TLS with leaf, plain without)."""
    argv = ["node", os.path.join(SERVERS_DIR, "fault_server.js"), "--host", host, "--port", "0",
            "--mode", mode]
    if leaf is not None:
        argv += ["--tls", "--key", leaf.key, "--cert", leaf.cert]
    srv = Server(argv, "node-" + mode, host=host, ready_line="READY")
    srv.scheme = "https" if leaf is not None else "http"
    return srv


def h2_fault_server(leaf, host="127.0.0.1", mode="http2"):
    """tests/servers/h2_fault_server.js: HTTP/2 resets and GOAWAYs."""
    argv = ["node", os.path.join(SERVERS_DIR, "h2_fault_server.js"), "--host", host,
            "--port", "0", "--key", leaf.key, "--cert", leaf.cert, "--mode", mode]
    return Server(argv, "node-h2-" + mode, host=host, ready_line="READY")


def htdocs_dir(files=None):
    """A temp document root with a few known files."""
    d = tempdir("hxc-htdocs-")
    files = files or {
        "index.html": b"<h1>hxc test page</h1>\n",
        "hello.txt": b"hello over TLS\n",
        "binary.bin": bytes(range(256)) * 64,
    }
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    return d


# ------------------------------------------------------------------ hxc

class ComponentExitStatus(int):
    """The exit status of hxc.component.wasm under stock `wasmtime run`.

    WASI 0.2.0's wasi:cli/exit carries only success or failure (exit codes
    other than 0 come out as 1; wasmtime's exit-with-code is an unstable
    interface behind -S cli-exit-with-code, which the documented command
    line does not pass, and a component importing it would not start
    without that flag). So a failure is compared as "non-zero": an expected
    code N > 1 matches 1, and the test prints a SKIP line naming it. hxc's
    error message, checked by the tests, still says what happened."""

    def __eq__(self, other):
        if isinstance(other, int) and other > 1 and int(self) == 1:
            print("SKIP exit code %d not distinguishable: WASI 0.2.0's wasi:cli/exit carries only "
                  "success or failure (wasmtime run exits 1)" % other)
            return True
        return int(self) == other

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = int.__hash__


def exit_status(rc):
    """A CLI exit status as the tests compare it (see ComponentExitStatus)."""
    return ComponentExitStatus(rc) if WASM_RUNNER == "wasmtime" else rc


def is_specific_failure(rc):
    """rc is a failure with a code of its own: not 0, not the generic 1, not
    a signal (for hxc.component.wasm in stock wasmtime only non-zero is
    checked, see ComponentExitStatus)."""
    if isinstance(rc, ComponentExitStatus):
        print("SKIP specific exit code not checked: WASI 0.2.0's wasi:cli/exit carries only "
              "success or failure (got %d)" % rc)
        return int(rc) != 0
    return rc not in (0, 1) and 0 < rc < 128


class Result:
    def __init__(self, argv, rc, out, err, elapsed):
        self.argv = argv
        self.rc = exit_status(rc)
        self.out = out          # bytes
        self.err = err          # str
        self.elapsed = elapsed  # seconds

    @property
    def text(self):
        return self.out.decode("utf-8", "replace")

    def describe(self):
        out = self.out if len(self.out) < 2000 else self.out[:2000] + b"..."
        return ("command: %s\nexit: %s (%.2f s)\nstdout: %r\nstderr:\n%s"
                % (" ".join(self.argv), self.rc, self.elapsed, out, self.err))


def run_hxc(args, timeout=30, stdin=None, cwd=None, env=None):
    """env: variables to set (value None: remove) on top of os.environ.
    The trust_env variables (SSL_CERT_FILE, SSL_CERT_DIR, SSLKEYLOGFILE) are
    removed unless env sets them, so that every test sees the same roots
    whatever the machine's environment says."""
    argv = [HXC_BIN] + [str(a) for a in args]
    run_env = dict(os.environ)
    for k in ("SSL_CERT_FILE", "SSL_CERT_DIR", "SSLKEYLOGFILE"):
        run_env.pop(k, None)
    if env is not None:
        for k, v in env.items():
            if v is None:
                run_env.pop(k, None)
            else:
                run_env[k] = str(v)
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, cwd=cwd,
                              env=run_env)
    except subprocess.TimeoutExpired as e:
        fail("hxc did not finish within %d s: %s\nstderr so far: %s"
             % (timeout, " ".join(argv), (e.stderr or b"").decode("utf-8", "replace")))
    elapsed = time.monotonic() - start
    return Result(argv, proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"),
                  elapsed)


def check_private_mode(path, what):
    """A file hxc creates for secrets (a TLS key log) must be mode 0600.
    Under WASI (HXC_WASM=1) this one check is skipped, and says so: WASI
    preview1 has no permission bits, so a module cannot choose the mode of
    the files it creates; they get the host's defaults (0666 & ~umask with
    Node's uvwasi). Everything else about the file is still checked."""
    mode = os.stat(path).st_mode & 0o777
    if WASM:
        print("SKIP %s: key log mode %o not checked: WASI has no permission bits (HXC_WASM=1)"
              % (what, mode))
        return
    check(mode == 0o600, "%s: key log mode %o, expected 600" % (what, mode))


def expect_rc(res, code, what=""):
    if res.rc != code:
        fail("expected exit %d%s, got %s\n%s"
             % (code, " (" + what + ")" if what else "", res.rc, res.describe()))


def expect_in(needle, haystack, res, where="output"):
    if needle not in haystack:
        fail("expected %r in %s\n%s" % (needle, where, res.describe()))


def expect_error_message(res):
    """A failing run must say why on stderr: 'hxc: <message in words>'."""
    lines = [l for l in res.err.splitlines() if l.startswith("hxc: ") and
             "warning:" not in l]
    if not lines or len(lines[-1]) < len("hxc: ") + 8:
        fail("expected an 'hxc: <reason>' line on stderr\n" + res.describe())
    return lines[-1]


# --------------------------------------------------------------- runner

def run_tests(tests):
    """tests: list of callables (or (name, callable)). Prints PASS/FAIL per
    test and 'N passed, N failed'; exits 1 on any failure."""
    if not os.path.exists(HXC_BIN):
        print("hxc binary not found at %s (set HXC_BIN)" % HXC_BIN)
        print("0 passed, 1 failed")
        sys.exit(1)
    passed = failed = 0
    for t in tests:
        name, fn = t if isinstance(t, tuple) else (t.__name__, t)
        start = time.monotonic()
        try:
            fn()
        except Exception as e:  # report and keep going
            failed += 1
            print("FAIL %s (%.1f s)" % (name, time.monotonic() - start))
            if isinstance(e, TestFailure):
                print("  " + str(e).replace("\n", "\n  "))
            else:
                print("  " + traceback.format_exc().replace("\n", "\n  "))
        else:
            passed += 1
            print("PASS %s (%.1f s)" % (name, time.monotonic() - start))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    _cleanup()
    sys.exit(1 if failed else 0)


# ------------------------------------------------------- TLS 1.3 helpers
# For test_tls13.py and test_tls13_hostile.py: certificates on other curves,
# tests/servers/tls13_server.py (which needs python3-cryptography), servers
# driven through their stdin, and hxc's "-v" TLS lines.

def debian_python():
    """The Python that runs tests/servers/tls13_server.py: Debian's
    /usr/bin/python3 (it has the python3-cryptography package; the python3
    on PATH may be a pyenv build without it), else this interpreter."""
    for candidate in ("/usr/bin/python3", sys.executable):
        if candidate and os.path.exists(candidate):
            probe = subprocess.run([candidate, "-c", "import cryptography"],
                                   capture_output=True)
            if probe.returncode == 0:
                return candidate
    fail("no python3 with the 'cryptography' module (Debian package python3-cryptography) "
         "for tests/servers/tls13_server.py")


def tls13_server(leaf, mode="ok", host="127.0.0.1", timeout=None, extra=()):
    """tests/servers/tls13_server.py (scripted TLS 1.3 server) in `mode`,
    serving leaf's chain; ready on its "PORT <n>" line. Its log has one
    "CONN ..." line per finished connection (see conn_lines())."""
    argv = [debian_python(), os.path.join(SERVERS_DIR, "tls13_server.py"), "--host", host,
            "--port", "0", "--cert", leaf.chain or leaf.cert, "--key", leaf.key,
            "--mode", mode]
    if timeout is not None:
        argv += ["--timeout", str(timeout)]
    return Server(argv + list(extra), "tls13_server-" + mode, host=host, ready_line="PORT")


def conn_lines(srv):
    """The "CONN ..." lines of a tls13_server log, in order."""
    return [l for l in srv.log().splitlines() if l.startswith("CONN ")]


def wait_conn_lines(srv, count, timeout=10.0):
    """Polls until the server logged `count` CONN lines (they come when a
    connection ends); returns them, fails with the log if they do not come."""
    deadline = time.monotonic() + timeout
    while True:
        lines = conn_lines(srv)
        if len(lines) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if len(lines) < count:
        fail("%s logged %d CONN line(s) within %.0f s, expected %d; log:\n%s"
             % (srv.name, len(lines), timeout, count, srv.log()))
    return lines


def conn_fields(line):
    """A CONN line as (fields dict, set of tokens)."""
    fields, tokens = {}, set()
    for part in line.split()[2:]:
        if "=" in part:
            k, v = part.split("=", 1)
            fields[k] = v
        else:
            tokens.add(part)
    return fields, tokens


def tls_done_lines(res):
    """hxc -v's "* TLS handshake done: ..." lines, one per connection."""
    return [l for l in res.err.splitlines() if l.startswith("* TLS handshake done:")]


def expect_no_crash(res, what=""):
    """hxc ended by itself (no signal) and no sanitizer reported anything."""
    for marker in ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:"):
        if marker in res.err:
            fail("sanitizer report (%s)%s\n%s" % (marker, " (" + what + ")" if what else "",
                                                   res.describe()))
    if int(res.rc) < 0 or int(res.rc) >= 128:
        fail("hxc died from a signal%s\n%s" % (" (" + what + ")" if what else "",
                                               res.describe()))


class StdinServer(Server):
    """A Server whose stdin is a pipe the test writes to (openssl s_server's
    interactive commands: "K\\n" KeyUpdate, ...). stdout+stderr go to the log."""

    stdin = subprocess.PIPE

    def write(self, data):
        self.proc.stdin.write(data if isinstance(data, bytes) else data.encode())
        self.proc.stdin.flush()

    def wait_log(self, needle, timeout=10.0, start=0):
        """Polls the log for needle (after offset start); returns the offset
        just past it, or None after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            i = self.log().find(needle, start)
            if i >= 0:
                return i + len(needle)
            time.sleep(0.02)
        return None

    def stop(self):
        if self.proc is not None and self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        Server.stop(self)
