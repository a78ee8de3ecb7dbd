#!/usr/bin/env python3
"""SSLKEYLOGFILE for real: tshark decrypts hxc's HTTP/2 traffic with the key log.

hxc fetches a file with a distinctive path from nghttpd (HTTP/2 over TLS on a
free loopback port, certificate minted for the test) while tshark captures the
port on the loopback interface. hxc gets the key log path through the
SSLKEYLOGFILE environment variable (trust_env is on by default). Then:

- the key log holds NSS lines for the client random tshark sees in the
  captured ClientHello: over TLS 1.3 (the default) the four traffic secrets
  "CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET /
  CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0 <64 hex> <64 or 96 hex>"
  (plus EXPORTER_SECRET), over TLS 1.2 (--tls-max 1.2) one
  "CLIENT_RANDOM <64 hex> <96 hex>";
- tshark given the key log (-o tls.keylog_file:FILE) decrypts the records and
  its HTTP/2 dissector shows the request's :path;
- tshark without the key log shows TLS application data but no HTTP/2 at all
  and nothing of the path: the traffic on the wire was encrypted.

Field names (Wireshark 4.0.17, Debian 12 "tshark" package; checked with
`tshark -G fields`): the HTTP/2 dissector puts every decoded header into
http2.header.name / http2.header.value, and the pseudo-headers also into
http2.headers.method, http2.headers.path, http2.headers.status... We read
http2.headers.path (":path") and http2.headers.status (":status").
tls.handshake.random is the 32-byte hello random (printed as plain hex), so
the ClientHello's (tls.handshake.type == 1) is the CLIENT_RANDOM key.
`-d tcp.port==N,tls` makes tshark decode the ephemeral port as TLS without
relying on its heuristics; HTTP/2 inside is then chosen by ALPN "h2".

Waiting for the capture: tshark prints "Capturing on 'Loopback: lo'" before
the kernel really delivers packets to it, and packets reach it in batches
(up to about a second late). So the capture filter also takes two UDP probe
ports; tshark prints the UDP destination port of each packet it captures
(-P -l -T fields -e udp.dstport, while writing the pcap with -w). We send
probe datagrams to the first port until tshark has printed it (it is really
capturing), run hxc, then send probes to the second port until tshark has
printed that one: packets arrive in order, so everything of hxc's exchange is
in the capture too. Only then tshark is stopped (SIGINT) and waited for.

Needs root (or capture capabilities) for `tshark -i lo`, and the packages
tshark (preseed wireshark-common/install-setuid false) and nghttp2-server. A
missing tshark is a failure, not a skip.
"""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hxctest as H  # noqa: E402

TSHARK = shutil.which("tshark")
KEYLOG_LINE = re.compile(r"^(CLIENT_RANDOM) ([0-9a-f]{64}) ([0-9a-f]{96})$|"
                         r"^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|"
                         r"CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) "
                         r"([0-9a-f]{64}) ([0-9a-f]{64}|[0-9a-f]{96})$")
TLS13_LABELS = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]
# Trust variables from the machine must not change what these tests see.
CLEAN_ENV = {"SSL_CERT_FILE": None, "SSL_CERT_DIR": None, "SSLKEYLOGFILE": None}


def hxc_env(**extra):
    env = dict(CLEAN_ENV)
    env.update(extra)
    return env


def need_tshark():
    if TSHARK is None:
        H.fail("tshark is not installed, so the key log cannot be checked against a real "
               "capture; install it with: echo 'wireshark-common "
               "wireshark-common/install-setuid boolean false' | debconf-set-selections && "
               "DEBIAN_FRONTEND=noninteractive apt-get install -y tshark")


def run_tshark(args, timeout=30):
    proc = subprocess.run([TSHARK] + list(args), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        H.fail("tshark %s failed (exit %d):\n%s"
               % (" ".join(args), proc.returncode, proc.stderr.strip()))
    return proc.stdout


class Capture:
    """tshark capturing tcp port `port` on lo into a pcap file, with UDP probe
    ports to know when it is capturing and when it has everything."""

    def __init__(self, port, directory):
        self.port = port
        self.pcap = os.path.join(directory, "capture.pcapng")
        self.out_path = os.path.join(directory, "tshark.out")
        self.err_path = os.path.join(directory, "tshark.err")
        self.start_probe = H.free_port()
        self.end_probe = H.free_port()
        while self.end_probe == self.start_probe:
            self.end_probe = H.free_port()
        self.proc = None

    def start(self):
        filt = "tcp port %d or udp port %d or udp port %d" % (self.port, self.start_probe,
                                                              self.end_probe)
        argv = [TSHARK, "-i", "lo", "-f", filt, "-w", self.pcap,
                "-P", "-l", "-T", "fields", "-e", "udp.dstport"]
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, start_new_session=True)
        self._await_probe(self.start_probe, "start capturing")
        return self

    def _text(self, path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _await_probe(self, probe_port, what, timeout=20.0):
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    H.fail("tshark exited (%s) before it could %s; stderr:\n%s"
                           % (self.proc.returncode, what, self._text(self.err_path)))
                s.sendto(b"hxc capture probe", ("127.0.0.1", probe_port))
                time.sleep(0.05)
                if str(probe_port) in self._text(self.out_path).split():
                    return
        self.stop()
        H.fail("tshark did not %s within %.0f s (probe datagrams to udp port %d not seen); "
               "stderr:\n%s" % (what, timeout, probe_port, self._text(self.err_path)))

    def finish(self):
        """Waits until every packet sent so far is captured, then stops."""
        self._await_probe(self.end_probe, "capture the end of the exchange")
        self.stop()
        if not os.path.exists(self.pcap) or os.path.getsize(self.pcap) == 0:
            H.fail("tshark wrote no capture file %s; stderr:\n%s"
                   % (self.pcap, self._text(self.err_path)))

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def read(self, keylog, display_filter, fields):
        """Dissects the capture (keylog None: without keys) and returns one
        list of field values per matching packet."""
        args = ["-r", self.pcap, "-d", "tcp.port==%d,tls" % self.port,
                # An empty key log setting overrides any user preference file.
                "-o", "tls.keylog_file:" + (keylog or ""),
                "-Y", display_filter, "-T", "fields", "-E", "separator=/t"]
        for f in fields:
            args += ["-e", f]
        rows = []
        for line in run_tshark(args).splitlines():
            if line.strip():
                rows.append(line.split("\t"))
        return rows

    def verbose(self, keylog):
        return run_tshark(["-r", self.pcap, "-d", "tcp.port==%d,tls" % self.port,
                           "-o", "tls.keylog_file:" + (keylog or ""), "-V"])


def read_keylog(path, res):
    if not os.path.exists(path):
        H.fail("hxc did not create the key log %s named by SSLKEYLOGFILE\n%s"
               % (path, res.describe()))
    with open(path) as f:
        return f.read().splitlines()


def keylog_entries(lines):
    """(label, client random) of every well-formed line."""
    out = []
    for line in lines:
        m = KEYLOG_LINE.match(line)
        if m:
            out.append((m.group(1) or m.group(4), m.group(2) or m.group(5)))
    return out


def client_randoms(lines):
    """The distinct client randoms, in order of first appearance."""
    out = []
    for _, r in keylog_entries(lines):
        if r not in out:
            out.append(r)
    return out


def serve_probe_file():
    token = secrets.token_hex(8)
    name = "keylog-probe-%s.txt" % token
    body = ("decrypted by tshark %s\n" % token).encode()
    return "/" + name, body, H.htdocs_dir({name: body})


def tshark_decrypts(tls_args, labels):
    need_tshark()
    pki = H.Pki()
    leaf = pki.issue()
    path, body, docs = serve_probe_file()
    work = H.tempdir("hxc-keylog-")
    keylog = os.path.join(work, "sslkeys.log")
    with H.nghttpd(leaf, docs) as srv:
        with Capture(srv.port, work) as cap:
            res = H.run_hxc(tls_args + ["-v", "--cacert", pki.ca_cert, srv.url(path)],
                            env=hxc_env(SSLKEYLOGFILE=keylog))
            cap.finish()
    H.expect_rc(res, 0, "HTTP/2 fetch from nghttpd")
    H.check(res.out == body, "unexpected body %r (expected %r)\n%s"
            % (res.out, body, res.describe()))

    lines = read_keylog(keylog, res)
    bad = [l for l in lines if l and not l.startswith("#") and not KEYLOG_LINE.match(l)]
    H.check(not bad, "key log lines not in NSS format 'LABEL <64 hex> <secret hex>': %r" % bad)
    randoms = client_randoms(lines)
    H.check(len(randoms) == 1, "key log %s: expected lines for one client random: %r"
            % (keylog, lines))
    got = [label for label, _ in keylog_entries(lines)]
    H.check(all(label in got for label in labels),
            "key log %s lacks some of %r: %r" % (keylog, labels, lines))

    hellos = cap.read(None, "tls.handshake.type == 1", ["tls.handshake.random"])
    # nghttpd has no X25519: over TLS 1.3 it answers with a HelloRetryRequest,
    # and the second ClientHello repeats the first one's random.
    H.check(len({h[0] for h in hellos}) == 1,
            "expected the ClientHellos of one handshake in the capture, got %r" % hellos)
    hello_random = hellos[0][0].replace(":", "").lower()
    H.check(hello_random in randoms,
            "the captured ClientHello's random %s is not in the key log %r"
            % (hello_random, randoms))

    # With the key log: the HTTP/2 request and response decrypted.
    rows = cap.read(keylog, "http2.headers.path || http2.headers.status",
                    ["http2.headers.path", "http2.headers.status"])
    paths = [r[0] for r in rows if r and r[0]]
    statuses = [r[1] for r in rows if len(r) > 1 and r[1]]
    H.check(path in paths, "tshark with the key log does not show the request path %s; "
            "decoded paths: %r; rows: %r" % (path, paths, rows))
    H.check("200" in statuses, "tshark with the key log does not show :status 200; rows: %r"
            % rows)

    # Without it: encrypted records only, no HTTP/2 and nowhere the path.
    app_data = cap.read(None, "tls.app_data", ["frame.number"])
    H.check(app_data, "the capture holds no TLS application data records")
    no_key = cap.read(None, "http2", ["http2.headers.path"])
    H.check(not no_key, "tshark decoded HTTP/2 without the key log: %r" % no_key)
    dump = cap.verbose(None)
    H.check(path.lstrip("/") not in dump,
            "the request path is readable in the capture without the key log")


def test_tshark_decrypts_with_hxc_keylog_tls13():
    tshark_decrypts([], TLS13_LABELS)


def test_tshark_decrypts_with_hxc_keylog_tls12():
    tshark_decrypts(["--tls-max", "1.2"], ["CLIENT_RANDOM"])


def test_keylog_is_appended():
    """Earlier content of the key log stays; each handshake adds its line."""
    pki = H.Pki()
    leaf = pki.issue()
    path, body, docs = serve_probe_file()
    keylog = os.path.join(H.tempdir("hxc-keylog-"), "sslkeys.log")
    earlier = "# earlier session\nCLIENT_RANDOM %s %s\n" % ("ab" * 32, "cd" * 48)
    with open(keylog, "w") as f:
        f.write(earlier)
    env = hxc_env(SSLKEYLOGFILE=keylog)
    with H.nghttpd(leaf, docs) as srv:
        for _ in range(2):
            res = H.run_hxc(["--cacert", pki.ca_cert, srv.url(path)], env=env)
            H.expect_rc(res, 0, "fetch with SSLKEYLOGFILE")
    with open(keylog) as f:
        text = f.read()
    H.check(text.startswith(earlier), "the key log's earlier content was not kept: %r" % text)
    randoms = client_randoms(text[len(earlier):].splitlines())
    H.check(len(randoms) == 2 and randoms[0] != randoms[1],
            "expected key log lines for two distinct client randoms after two runs, "
            "got %r" % text[len(earlier):])


def test_no_trust_env_ignores_sslkeylogfile():
    pki = H.Pki()
    leaf = pki.issue()
    path, body, docs = serve_probe_file()
    keylog = os.path.join(H.tempdir("hxc-keylog-"), "sslkeys.log")
    with H.nghttpd(leaf, docs) as srv:
        res = H.run_hxc(["--no-trust-env", "--cacert", pki.ca_cert, srv.url(path)],
                        env=hxc_env(SSLKEYLOGFILE=keylog))
    H.expect_rc(res, 0, "fetch with --no-trust-env")
    H.check(res.out == body, "unexpected body %r\n%s" % (res.out, res.describe()))
    H.check(not os.path.exists(keylog),
            "with --no-trust-env hxc still wrote the key log named by SSLKEYLOGFILE")


if __name__ == "__main__":
    H.run_tests([test_tshark_decrypts_with_hxc_keylog_tls13,
                 test_tshark_decrypts_with_hxc_keylog_tls12, test_keylog_is_appended,
                 test_no_trust_env_ignores_sslkeylogfile])
