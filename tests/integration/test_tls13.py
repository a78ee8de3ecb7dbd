"""TLS 1.3 interop: hxc's own TLS 1.3 client engine (src/tls/tls13.c) against
real servers, each started here on a free loopback port.

- openssl s_server -tls1_3: each cipher suite; key exchange with x25519 (no
  HelloRetryRequest) and P-256 / P-384 only (a HelloRetryRequest); server
  certificates RSA-2048 (RSA-PSS signatures), ECDSA P-256 and P-384 (the
  signature scheme checked in s_server's -trace); client certificates RSA and
  EC (-Verify 1), and the missing certificate; resumption with the server's
  NewSessionTickets (also after a HelloRetryRequest and with SHA-384), none
  with -num_tickets 0; KeyUpdate from the server (s_server's "K" and "k"
  commands on its stdin), answered by hxc.
- hxc's own KeyUpdates (--tls13-key-update) on a few MB upload to a Node.js
  TLS 1.3 server (tests/servers/tls13_echo.js) that answers with the SHA-256
  of what it decrypted and traces the KeyUpdates it received.
- nginx with ssl_protocols TLSv1.3 only: HTTP/1.1 and HTTP/2, resumption seen
  in its access log ($ssl_session_reused).
- nghttpd (HTTP/2; no x25519 there: a HelloRetryRequest for secp256r1) and
  Node's http2.createSecureServer with minVersion TLSv1.3.
- TLS 1.2 servers: the fallback through BearSSL (one "reconnecting" line,
  TLS_FALLBACK_SCSV in the fallback ClientHellos, seen in s_server's -trace),
  --tlsv1.3 against a TLS 1.2 server, --tls-max 1.2 against a TLS 1.3 one.

Needs openssl, nginx, nghttpd and node; a missing one makes its tests FAIL.

With --tlsv1.3, a TLS 1.2-only OpenSSL server answers with a
protocol_version alert; hxc's message says that the server supports TLS 1.2
only (the way --tls-max 1.2 gets "the server may require TLS 1.3").
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import time

import hxctest as h

SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")

pki = h.Pki(key_type="ec", cn="hxc tls13 CA")
ec_leaf = pki.issue("ec")
rsa_leaf = pki.issue("rsa", key_type="rsa2048")
p384_leaf = pki.issue("p384", key_type="ec-P-384", md="sha384")

client_pki = h.Pki(key_type="rsa", cn="hxc tls13 client CA")
alice = client_pki.issue("alice", cn="alice", sans=None, key_type="rsa", eku="clientAuth")
bob = client_pki.issue("bob", cn="bob", sans=None, key_type="ec", eku="clientAuth")


def hxc(args, **kw):
    return h.run_hxc(["--cacert", pki.ca_cert] + list(args), **kw)


def tls13_s_server(leaf=ec_leaf, extra=(), trace=None):
    """s_server -tls1_3 -www (each response closes its connection); trace:
    a file for its -trace output."""
    args = ["-tls1_3", "-www"] + list(extra)
    if trace:
        args += ["-trace", "-msgfile", trace]
    return h.s_server(leaf, alpn=None, extra=args)


def handshakes(res, count, what):
    lines = h.tls_done_lines(res)
    h.check(len(lines) == count, "%s: expected %d 'TLS handshake done' line(s), got %d\n%s"
            % (what, count, len(lines), res.describe()))
    return lines


def expect_line(line, needles, res, what):
    for n in needles:
        h.check(n in line, "%s: expected %r in %r\n%s" % (what, n, line, res.describe()))


def read_text(path, settle=0.2):
    time.sleep(settle)  # s_server writes its trace as records go
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def trace_records(trace):
    """s_server -trace output as [(direction 'Sent'/'Received', text)]."""
    parts = re.split(r"^(Sent|Received) Record\n", trace, flags=re.M)
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def trace_client_hellos(trace):
    """The ClientHellos of an s_server -trace, as texts."""
    return [text for d, text in trace_records(trace) if d == "Received" and
            "ClientHello, Length=" in text]


def cert_verify_scheme(trace, direction):
    """The signature algorithm line of the CertificateVerify sent/received."""
    for d, text in trace_records(trace):
        if d == direction and "CertificateVerify, Length=" in text:
            m = re.search(r"Signature Algorithm: (\S+ \(0x[0-9a-f]{4}\))", text)
            if m:
                return m.group(1)
    return None


# ------------------------------------------------------------ s_server

def test_each_cipher_suite():
    for suite in SUITES:
        with tls13_s_server(extra=["-ciphersuites", suite]) as srv:
            res = hxc(["-v", srv.url("/")])
            h.expect_rc(res, 0, suite)
            line = handshakes(res, 1, suite)[0]
            expect_line(line, ["TLSv1.3 / " + suite, "full handshake"], res, suite)
            h.expect_in("New, TLSv1.3, Cipher is " + suite, res.text, res,
                        "s_server's page (%s)" % suite)


def test_x25519_needs_no_hello_retry():
    with tls13_s_server(extra=["-groups", "X25519"]) as srv:
        res = hxc(["-v", srv.url("/")])
        h.expect_rc(res, 0)
        line = handshakes(res, 1, "x25519")[0]
        expect_line(line, ["(key exchange x25519, full handshake)"], res, "x25519")
        h.check("HelloRetryRequest" not in res.err,
                "no HelloRetryRequest with x25519\n" + res.describe())


def test_p256_and_p384_only_force_hello_retry():
    for group, name in (("P-256", "secp256r1"), ("P-384", "secp384r1")):
        with tls13_s_server(extra=["-groups", group]) as srv:
            res = hxc(["-v", srv.url("/")])
            h.expect_rc(res, 0, group)
            line = handshakes(res, 1, group)[0]
            expect_line(line, ["TLSv1.3", "key exchange %s after a HelloRetryRequest" % name,
                               "full handshake"], res, group)
            h.expect_in("New, TLSv1.3", res.text, res, "s_server's page")


def test_no_common_group_or_suite():
    # X448 (hxc does not offer it) or only TLS_AES_128_CCM_SHA256: the server
    # has nothing to choose and says handshake_failure.
    for extra, what in ((["-groups", "X448"], "no common group"),
                        (["-ciphersuites", "TLS_AES_128_CCM_SHA256"], "no common suite")):
        with tls13_s_server(extra=extra) as srv:
            res = hxc([srv.url("/")])
            h.expect_rc(res, 35, what)
            msg = h.expect_error_message(res)
            h.expect_in("handshake_failure (40)", msg, res, "the message (%s)" % what)
            h.expect_in("127.0.0.1", msg, res, "the message names the host")


def test_server_certificate_types():
    # The server's CertificateVerify: RSA keys sign with RSA-PSS in TLS 1.3.
    d = h.tempdir("hxc-tls13-trace-")
    for leaf, key_desc, scheme in (
            (rsa_leaf, "RSA-2048", "rsa_pss_rsae_sha256 (0x0804)"),
            (ec_leaf, "ECDSA P-256", "ecdsa_secp256r1_sha256 (0x0403)"),
            (p384_leaf, "ECDSA P-384", "ecdsa_secp384r1_sha384 (0x0503)")):
        trace = os.path.join(d, key_desc.replace(" ", "_") + ".trace")
        with tls13_s_server(leaf, trace=trace) as srv:
            res = hxc(["-v", srv.url("/", host="localhost")])
            h.expect_rc(res, 0, key_desc)
            line = handshakes(res, 1, key_desc)[0]
            expect_line(line, ["TLSv1.3", "full handshake"], res, key_desc)
            h.expect_in("verification: OK", res.err, res, "-v (%s)" % key_desc)
            h.expect_in("New, TLSv1.3", res.text, res, "s_server's page")
            got = cert_verify_scheme(read_text(trace), "Sent")
            h.check(got == scheme, "%s: server signed with %r, expected %r\n%s"
                    % (key_desc, got, scheme, res.describe()))


def mtls_s_server(trace=None):
    return tls13_s_server(extra=["-Verify", "1", "-CAfile", client_pki.ca_cert,
                                 "-verify_return_error"], trace=trace)


def test_client_certificates():
    d = h.tempdir("hxc-tls13-mtls-")
    for who, scheme in ((alice, "rsa_pss_rsae_sha256 (0x0804)"),
                        (bob, "ecdsa_secp256r1_sha256 (0x0403)")):
        cn = os.path.basename(who.cert)[:-4]
        trace = os.path.join(d, cn + ".trace")
        with mtls_s_server(trace) as srv:
            res = hxc(["-v", "--cert", who.cert, "--key", who.key, srv.url("/")])
            h.expect_rc(res, 0, "client certificate " + cn)
            expect_line(handshakes(res, 1, cn)[0], ["TLSv1.3"], res, cn)
            h.expect_in("Subject: CN=" + cn, res.text, res, "s_server's page (it saw the "
                        "client certificate)")
            got = cert_verify_scheme(read_text(trace), "Received")
            h.check(got == scheme, "client %s signed its CertificateVerify with %r, expected "
                    "%r\n%s" % (cn, got, scheme, res.describe()))


def test_client_certificate_missing():
    with mtls_s_server() as srv:
        res = hxc([srv.url("/")])
        h.expect_rc(res, 35, "no client certificate")
        h.check(res.out == b"", "no body\n" + res.describe())
        msg = h.expect_error_message(res)
        h.expect_in("certificate_required (116)", msg, res, "the message (the alert)")
        h.expect_in("requires a client certificate (--cert)", msg, res, "the message (hint)")


def test_resumption_with_tickets():
    # s_server sends two NewSessionTickets by default: the second connection
    # of the same client resumes, also after a HelloRetryRequest (the binder
    # covers the HRR transcript) and with a SHA-384 suite.
    for extra, first, second in (
            ([], "key exchange x25519, full handshake",
             "key exchange x25519, session resumed (PSK)"),
            (["-groups", "P-256"], "secp256r1 after a HelloRetryRequest, full handshake",
             "secp256r1 after a HelloRetryRequest, session resumed (PSK)"),
            (["-ciphersuites", "TLS_AES_256_GCM_SHA384"], "full handshake",
             "session resumed (PSK)")):
        with tls13_s_server(extra=extra) as srv:
            res = hxc(["-v", srv.url("/"), srv.url("/")])
            h.expect_rc(res, 0, " ".join(extra))
            lines = handshakes(res, 2, "two connections " + " ".join(extra))
            expect_line(lines[0], ["TLSv1.3", first], res, "first connection")
            expect_line(lines[1], ["TLSv1.3", second], res, "second connection")
            h.check(res.text.count("New, TLSv1.3") == 1 and
                    res.text.count("Reused, TLSv1.3") == 1,
                    "s_server's pages: one New, one Reused session\n" + res.describe())


def test_no_tickets_means_full_handshakes():
    with tls13_s_server(extra=["-num_tickets", "0"]) as srv:
        res = hxc(["-v", srv.url("/"), srv.url("/")])
        h.expect_rc(res, 0)
        for line in handshakes(res, 2, "-num_tickets 0"):
            expect_line(line, ["TLSv1.3", "full handshake"], res, "-num_tickets 0")
        h.check(res.text.count("New, TLSv1.3") == 2 and "Reused" not in res.text,
                "s_server's pages: two new sessions\n" + res.describe())


# ----------------------------------------------- KeyUpdate from the server

def msg_key_updates(text):
    """KeyUpdates in s_server -msg output: [('>>>' sent | '<<<' received,
    request byte)]."""
    out = []
    for m in re.finditer(r"^(>>>|<<<) TLS 1\.3, Handshake \[length 0005\], KeyUpdate\n"
                         r"\s+18 00 00 01 (0[01])", text, re.M):
        out.append((m.group(1), int(m.group(2))))
    return out


def wait_key_update(msg, which, timeout=10):
    """Polls s_server's -msg file for a KeyUpdate (direction, request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if which in msg_key_updates(read_text(msg, 0)):
            return True
        time.sleep(0.05)
    return False


def test_server_key_update_s_server():
    """s_server in its interactive mode: "K" sends KeyUpdate(update_requested),
    "k" KeyUpdate(update_not_requested); then the test writes the HTTP/1.0
    response on its stdin. hxc must read the response under the server's new
    keys and answer the request with exactly one KeyUpdate of its own."""
    d = h.tempdir("hxc-tls13-ku-")
    msg = os.path.join(d, "msg")
    port = h.free_port()
    srv = h.StdinServer(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                         "-cert", ec_leaf.cert, "-key", ec_leaf.key, "-tls1_3",
                         "-num_tickets", "0", "-msg", "-msgfile", msg],
                        "s_server-keyupdate", port=port, ready_line="ACCEPT")
    body = b"body read after the server's KeyUpdates\n"
    with srv:
        proc = subprocess.Popen([h.HXC_BIN, "-v", "--http1.1", "--cacert", pki.ca_cert,
                                 "https://127.0.0.1:%d/ku" % port],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            h.check(srv.wait_log("GET /ku HTTP/1.1\r\n") is not None and
                    srv.wait_log("\r\n\r\n") is not None,
                    "s_server did not print hxc's request; log:\n" + srv.log())
            # s_server reads its stdin in chunks and takes a command only at
            # the start of one: each step waits for the previous one's effect.
            srv.write("K\n")
            h.check(wait_key_update(msg, (">>>", 1)), "s_server sent no KeyUpdate(update_"
                    "requested); log:\n" + srv.log())
            # hxc answers when it reads it (at the latest before it writes again)
            wait_key_update(msg, ("<<<", 0), timeout=3)
            srv.write("k\n")
            h.check(wait_key_update(msg, (">>>", 0)), "s_server sent no KeyUpdate(update_"
                    "not_requested); log:\n" + srv.log())
            srv.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            out, err = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err = err.decode("utf-8", "replace")
        res = h.Result(proc.args, proc.returncode, out, err, 0.0)
        h.expect_rc(res, 0, "response after the server's KeyUpdates")
        h.check(out == body, "hxc printed the body sent after the KeyUpdates\n" + res.describe())
        updates = msg_key_updates(read_text(msg, 0.3))
        sent = [r for d_, r in updates if d_ == ">>>"]
        got = [r for d_, r in updates if d_ == "<<<"]
        h.check(sent == [1, 0], "s_server sent KeyUpdate(update_requested) then "
                "KeyUpdate(update_not_requested): %r\n%s" % (updates, res.describe()))
        h.check(got == [0], "hxc answered update_requested with exactly one "
                "KeyUpdate(update_not_requested), and did not answer the other: %r\n%s"
                % (updates, res.describe()))
        h.check(updates.index(("<<<", 0)) > updates.index((">>>", 1)),
                "hxc's KeyUpdate came after the server's request: %r" % updates)
        h.check("<<< TLS 1.3, Alert [length 0002], warning close_notify" in read_text(msg, 0),
                "hxc's close_notify (under its updated key) was read by s_server\n"
                + res.describe())


def test_server_key_update_scripted_server():
    # tests/servers/tls13_server.py --mode keyupdate: KeyUpdate(update_requested)
    # right after the handshake; KEYUPDATE-ANSWERED when hxc's came.
    with h.tls13_server(ec_leaf, "keyupdate") as srv:
        res = hxc(["-v", "--http1.1", srv.url("/", host="localhost")])
        h.expect_rc(res, 0)
        h.check(res.out == b"hello from tls13_server keyupdate\n", "body\n" + res.describe())
        fields, tokens = h.conn_fields(h.wait_conn_lines(srv, 1)[0])
        h.check("KEYUPDATE-ANSWERED" in tokens and fields.get("client_keyupdates") == "1",
                "hxc answered the KeyUpdate once: %s" % h.conn_lines(srv))
        h.check(fields.get("sni") == "localhost" and fields.get("result") == "ok",
                "SNI localhost, response sent: %s" % h.conn_lines(srv))


# ----------------------------------------------------- hxc's own KeyUpdate

def echo_server(trace=False):
    """tests/servers/tls13_echo.js: TLS 1.3 only, h2 + http/1.1; answers with
    a JSON report (bytes, sha256 of the body, protocol, ...)."""
    argv = ["node", os.path.join(h.SERVERS_DIR, "tls13_echo.js"), "--host", "127.0.0.1",
            "--port", "0", "--key", ec_leaf.key, "--cert", ec_leaf.cert,
            "--trace", "1" if trace else "0"]
    return h.Server(argv, "tls13_echo", ready_line="READY")


def received_key_updates(log):
    """KeyUpdates the Node server received, from its OpenSSL trace."""
    n = 0
    for block in re.split(r"^(?=Sent Record|Received Record)", log, flags=re.M):
        if block.startswith("Received Record") and "KeyUpdate, Length=1" in block:
            n += 1
    return n


def report(res):
    try:
        return json.loads(res.text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        h.fail("expected the echo server's JSON report\n" + res.describe())


def test_client_key_updates_on_upload():
    d = h.tempdir("hxc-tls13-upload-")
    path = os.path.join(d, "upload.bin")
    data = os.urandom(4 * 1024 * 1024 + 4321)
    with open(path, "wb") as f:
        f.write(data)
    digest = hashlib.sha256(data).hexdigest()
    limit = 65536
    for proto in ([], ["--http1.1"]):
        what = "HTTP/1.1" if proto else "HTTP/2"
        with echo_server(trace=True) as srv:
            res = hxc(["-sS", "--tls13-key-update", str(limit), "--data-binary", "@" + path]
                      + proto + [srv.url("/upload")], timeout=60)
            h.expect_rc(res, 0, "upload " + what)
            r = report(res)
            h.check(r["protocol"] == "TLSv1.3" and r["method"] == "POST",
                    "TLS 1.3 POST (%s): %r" % (what, r))
            h.check(r["httpVersion"] == ("1.1" if proto else "2.0"), "%s: %r" % (what, r))
            h.check(r["bytes"] == len(data) and r["sha256"] == digest,
                    "%s: the server decrypted every byte after hxc's key changes: got %d "
                    "bytes, sha256 %s; sent %d bytes, sha256 %s"
                    % (what, r["bytes"], r["sha256"], len(data), digest))
            time.sleep(0.2)
            n = received_key_updates(srv.log())
            low = len(data) // limit            # at least one per full 64 KiB of body
            high = (len(data) + 64 * 1024) // limit + 1  # headers and h2 framing
            h.check(low <= n <= high, "%s: %d bytes with --tls13-key-update %d: the server "
                    "received %d KeyUpdates, expected %d..%d" % (what, len(data), limit, n,
                                                                 low, high))


def test_client_key_update_after_every_record():
    # --tls13-key-update 1: a new key after every record hxc sends.
    data = bytes(range(256)) * 400     # 102400 bytes: 7 records of at most 16 KiB
    path = os.path.join(h.tempdir("hxc-tls13-upload-"), "small.bin")
    with open(path, "wb") as f:
        f.write(data)
    digest = hashlib.sha256(data).hexdigest()
    with echo_server(trace=True) as srv:
        # the default (16 GiB): no KeyUpdate at all
        res = hxc(["-sS", "--http1.1", "--data-binary", "@" + path, srv.url("/default")])
        h.expect_rc(res, 0)
        r = report(res)
        h.check(r["bytes"] == len(data) and r["sha256"] == digest, "body intact: %r" % r)
        time.sleep(0.2)
        h.check(received_key_updates(srv.log()) == 0,
                "no KeyUpdate by default: %d" % received_key_updates(srv.log()))
        res = hxc(["-sS", "--http1.1", "--tls13-key-update", "1", "--data-binary", "@" + path,
                   srv.url("/every-record")])
        h.expect_rc(res, 0)
        r = report(res)
        h.check(r["bytes"] == len(data) and r["sha256"] == digest, "body intact: %r" % r)
        time.sleep(0.2)
        n = received_key_updates(srv.log())
        h.check(n >= len(data) // 16384, "at least one KeyUpdate per record: %d" % n)


# ------------------------------------------------------------------ nginx

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    log_format tls13 '$server_port $ssl_protocol $ssl_cipher $ssl_session_reused '
                     '$server_protocol $request_uri';
    access_log {dir}/access.log tls13;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    ssl_protocols TLSv1.3;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_session_tickets on;
    default_type text/plain;
    # HTTP/2: both requests on one connection
    server {{
        listen 127.0.0.1:{h2} ssl http2;
        server_name localhost;
        location / {{ return 200 "h2 $ssl_protocol $ssl_session_reused\\n"; }}
    }}
    # HTTP/2, one request per connection (GOAWAY after it): the second resumes
    server {{
        listen 127.0.0.1:{h2one} ssl http2;
        server_name localhost;
        keepalive_requests 1;
        location / {{ return 200 "h2one $ssl_protocol $ssl_session_reused\\n"; }}
    }}
    # HTTP/1.1, Connection: close after each response: the second resumes
    server {{
        listen 127.0.0.1:{h1} ssl;
        server_name localhost;
        keepalive_timeout 0;
        location / {{ return 200 "h1 $ssl_protocol $ssl_session_reused\\n"; }}
    }}
}}
"""


class Nginx:
    def __init__(self):
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                          else None)
        if nginx is None:
            h.fail("nginx is not installed (Debian package 'nginx')")
        self.dir = d = h.tempdir("hxc-nginx13-")
        self.ports = {"h2": h.free_port(), "h2one": h.free_port(), "h1": h.free_port()}
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=d, cert=ec_leaf.cert, key=ec_leaf.key, **self.ports))
        check = subprocess.run([nginx, "-t", "-p", d, "-c", conf, "-e",
                                os.path.join(d, "error.log")], capture_output=True, text=True)
        if check.returncode != 0:
            h.fail("nginx rejected the generated configuration:\n" + check.stderr)
        self.server = h.Server([nginx, "-p", d, "-c", conf, "-e", os.path.join(d, "error.log"),
                                "-g", "daemon off;"], "nginx", port=self.ports["h1"])

    def url(self, which, path):
        return "https://localhost:%d%s" % (self.ports[which], path)

    def access_log(self, which):
        """[(protocol, cipher, reused, server_protocol, uri)] for one server block."""
        time.sleep(0.2)
        try:
            with open(os.path.join(self.dir, "access.log")) as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        out = []
        for line in lines:
            parts = line.split()
            if len(parts) == 6 and parts[0] == str(self.ports[which]):
                out.append(tuple(parts[1:]))
        return out

    def __enter__(self):
        self.server.start()
        for p in self.ports.values():     # all three blocks listen
            deadline = time.monotonic() + 5
            while not h._can_connect("127.0.0.1", p) and time.monotonic() < deadline:
                time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.stop()
        return False


def test_nginx_http1_resumption():
    with Nginx() as ngx:
        res = hxc(["-v", "--http1.1", ngx.url("h1", "/a"), ngx.url("h1", "/b")])
        h.expect_rc(res, 0)
        h.check(res.text == "h1 TLSv1.3 .\nh1 TLSv1.3 r\n",
                "nginx's answers: a new session, then a reused one\n" + res.describe())
        lines = handshakes(res, 2, "nginx HTTP/1.1, keepalive_timeout 0")
        expect_line(lines[0], ["TLSv1.3", "full handshake"], res, "first connection")
        expect_line(lines[1], ["TLSv1.3", "session resumed (PSK)"], res, "second connection")
        log = ngx.access_log("h1")
        h.check([(p, r, sp, uri) for p, _c, r, sp, uri in log] ==
                [("TLSv1.3", ".", "HTTP/1.1", "/a"), ("TLSv1.3", "r", "HTTP/1.1", "/b")],
                "nginx's access log: TLSv1.3, the second request on a reused session: %r" % log)
        h.check(all(c.startswith("TLS_") for _p, c, _r, _sp, _u in log),
                "TLS 1.3 cipher names in the log: %r" % log)


def test_nginx_http2():
    with Nginx() as ngx:
        # one connection for both requests
        res = hxc(["-v", ngx.url("h2", "/a"), ngx.url("h2", "/b")])
        h.expect_rc(res, 0)
        h.check(res.text == "h2 TLSv1.3 .\nh2 TLSv1.3 .\n", "nginx's answers\n" + res.describe())
        expect_line(handshakes(res, 1, "nginx HTTP/2")[0], ["TLSv1.3", "full handshake"], res,
                    "HTTP/2")
        h.expect_in("Using HTTP/2", res.err, res, "-v")
        log = ngx.access_log("h2")
        h.check([(p, r, sp) for p, _c, r, sp, _u in log] ==
                [("TLSv1.3", ".", "HTTP/2.0")] * 2, "nginx's access log: %r" % log)
        # keepalive_requests 1: GOAWAY after /a, a new (resumed) connection for /b
        res = hxc(["-v", ngx.url("h2one", "/a"), ngx.url("h2one", "/b")])
        h.expect_rc(res, 0)
        h.check(res.text == "h2one TLSv1.3 .\nh2one TLSv1.3 r\n",
                "nginx's answers (second connection resumed)\n" + res.describe())
        lines = handshakes(res, 2, "nginx HTTP/2, keepalive_requests 1")
        expect_line(lines[1], ["TLSv1.3", "session resumed (PSK)"], res, "second connection")
        log = ngx.access_log("h2one")
        h.check([(p, r, sp) for p, _c, r, sp, _u in log] ==
                [("TLSv1.3", ".", "HTTP/2.0"), ("TLSv1.3", "r", "HTTP/2.0")],
                "nginx's access log: %r" % log)


def test_nginx_refuses_tls12():
    with Nginx() as ngx:
        res = hxc(["--tls-max", "1.2", ngx.url("h2", "/")])
        h.expect_rc(res, 35, "--tls-max 1.2 against a TLS 1.3-only nginx")
        msg = h.expect_error_message(res)
        h.expect_in("protocol_version (70)", msg, res, "the message")
        h.expect_in("--tls-max 1.2", msg, res, "the message (hint)")
        h.check(ngx.access_log("h2") == [], "no request reached nginx")


# --------------------------------------------------------- nghttpd, Node

def test_nghttpd_http2():
    docs = h.htdocs_dir()
    with h.nghttpd(ec_leaf, docs) as srv:
        res = hxc(["-v", srv.url("/hello.txt"), srv.url("/binary.bin")])
        h.expect_rc(res, 0)
        h.check(res.out == b"hello over TLS\n" + bytes(range(256)) * 64,
                "both files, byte for byte\n" + res.describe())
        line = handshakes(res, 1, "nghttpd")[0]
        # nghttpd sets its groups to P-256 (no x25519): a HelloRetryRequest
        expect_line(line, ["TLSv1.3", "key exchange secp256r1 after a HelloRetryRequest",
                           "full handshake"], res, "nghttpd")
        h.expect_in("Using HTTP/2", res.err, res, "-v")


def test_node_http2_tls13():
    with echo_server() as srv:
        res = hxc(["-v", "--data-binary", "node body", srv.url("/node")])
        h.expect_rc(res, 0)
        r = report(res)
        h.check(r["protocol"] == "TLSv1.3" and r["alpn"] == "h2" and r["httpVersion"] == "2.0",
                "Node saw TLS 1.3 and h2: %r" % r)
        h.check(r["sha256"] == hashlib.sha256(b"node body").hexdigest(), "body: %r" % r)
        line = handshakes(res, 1, "node")[0]
        expect_line(line, ["TLSv1.3 / " + r["cipher"], "key exchange x25519"], res, "node")
        h.expect_in("Using HTTP/2", res.err, res, "-v")


# ---------------------------------------------------------------- TLS 1.2

RECONNECT = "answered TLS 1.2 to TLS 1.3: reconnecting with TLS 1.2"


def test_tls12_server_fallback():
    with h.s_server(ec_leaf, alpn=None, extra=["-tls1_2", "-www"]) as srv:
        res = hxc(["-v", srv.url("/"), srv.url("/")])
        h.expect_rc(res, 0)
        h.check(res.err.count(RECONNECT) == 1, "exactly one reconnect line for two URLs\n"
                + res.describe())
        h.expect_in("* the server https://127.0.0.1:%d %s" % (srv.port, RECONNECT), res.err,
                    res, "-v (names the origin)")
        first, second = handshakes(res, 2, "TLS 1.2 server")
        expect_line(first, ["TLSv1.2 / ECDHE-", "TLS 1.2 fallback (the server answered "
                            "TLS 1.2 to TLS 1.3)", "full handshake"], res, "TLS 1.2")
        # the second connection resumes the first's session (session ID)
        expect_line(second, ["TLSv1.2 / ECDHE-", "session resumed (session ID)"], res,
                    "TLS 1.2 resumed")
        h.check(res.text.count("Protocol  : TLSv1.2") == 2,
                "both responses, over TLS 1.2\n" + res.describe())
        h.check(res.text.count("New, TLSv1.2") == 1 and res.text.count("Reused, TLSv1.2") == 1,
                "s_server saw one new and one reused session\n" + res.describe())


def test_tls12_resumption_off():
    """--no-sessionid: every TLS 1.2 connection is a full handshake."""
    with h.s_server(ec_leaf, alpn=None, extra=["-tls1_2", "-www"]) as srv:
        res = hxc(["-v", "--tlsv1.2", "--no-sessionid", srv.url("/"), srv.url("/"),
                   srv.url("/")])
        h.expect_rc(res, 0)
        # (BearSSL 0.6's TLS 1.2 ClientHello lists P-256 first, and
        # s_server follows the client's order)
        for line in handshakes(res, 3, "TLS 1.2 server, --no-sessionid"):
            expect_line(line, ["TLSv1.2 / ECDHE-", "(key exchange secp256r1, ", "full handshake"],
                        res, "TLS 1.2 without resumption")
        h.check(res.text.count("New, TLSv1.2") == 3 and "Reused" not in res.text,
                "s_server saw three new sessions\n" + res.describe())


def test_tls12_fallback_sends_fallback_scsv():
    trace = os.path.join(h.tempdir("hxc-tls12-trace-"), "trace")
    with h.s_server(ec_leaf, alpn=None, extra=["-tls1_2", "-www", "-trace",
                                                "-msgfile", trace]) as srv:
        res = hxc(["-v", srv.url("/"), srv.url("/")])
        h.expect_rc(res, 0)
        hellos = trace_client_hellos(read_text(trace))
    # the TLS 1.3 ClientHello, the fallback's, then the second URL's (the
    # origin is remembered as TLS 1.2: no TLS 1.3 attempt)
    h.check(len(hellos) == 3, "three ClientHellos, got %d\n%s" % (len(hellos), res.describe()))
    h.check("TLS 1.3 (772)" in hellos[0] and "TLS_FALLBACK_SCSV" not in hellos[0],
            "first ClientHello: TLS 1.3 offered, no TLS_FALLBACK_SCSV:\n" + hellos[0])
    for i in (1, 2):
        h.check("{0x56, 0x00} TLS_FALLBACK_SCSV" in hellos[i],
                "ClientHello %d (TLS 1.2 fallback) carries TLS_FALLBACK_SCSV (0x5600):\n%s"
                % (i + 1, hellos[i]))
        h.check("TLS 1.3 (772)" not in hellos[i] and "{0x13, 0x01}" not in hellos[i],
                "ClientHello %d offers no TLS 1.3:\n%s" % (i + 1, hellos[i]))


def test_tlsv13_only_against_tls12_server():
    """The message names the alert and says that the server supports TLS 1.2
    only while --tlsv1.3 requires TLS 1.3."""
    with h.s_server(ec_leaf, alpn=None, extra=["-tls1_2", "-www"]) as srv:
        res = hxc(["-v", "--tlsv1.3", srv.url("/")])
        h.expect_rc(res, 35, "--tlsv1.3 against a TLS 1.2 server")
        h.check(RECONNECT not in res.err, "no fallback with --tlsv1.3\n" + res.describe())
        msg = h.expect_error_message(res)
        h.expect_in("protocol_version (70)", msg, res, "the message (the alert)")
        h.check("TLS 1.2" in msg and "--tlsv1.3" in msg,
                "the message should say the server supports TLS 1.2 only, "
                "which --tlsv1.3 rules out\n" + res.describe())


def test_tls_max_12_against_tls13_server():
    with tls13_s_server() as srv:
        res = hxc(["-v", "--tls-max", "1.2", srv.url("/")])
        h.expect_rc(res, 35, "--tls-max 1.2 against a TLS 1.3 server")
        msg = h.expect_error_message(res)
        h.expect_in("protocol_version (70)", msg, res, "the message")
        h.expect_in("the server may require TLS 1.3, which --tls-max 1.2 rules out", msg, res,
                    "the message (hint)")


if __name__ == "__main__":
    h.run_tests([
        test_each_cipher_suite,
        test_x25519_needs_no_hello_retry,
        test_p256_and_p384_only_force_hello_retry,
        test_no_common_group_or_suite,
        test_server_certificate_types,
        test_client_certificates,
        test_client_certificate_missing,
        test_resumption_with_tickets,
        test_no_tickets_means_full_handshakes,
        test_server_key_update_s_server,
        test_server_key_update_scripted_server,
        test_client_key_updates_on_upload,
        test_client_key_update_after_every_record,
        test_nginx_http1_resumption,
        test_nginx_http2,
        test_nginx_refuses_tls12,
        test_nghttpd_http2,
        test_node_http2_tls13,
        test_tls12_server_fallback,
        test_tls12_resumption_off,
        test_tls12_fallback_sends_fallback_scsv,
        test_tlsv13_only_against_tls12_server,
        test_tls_max_12_against_tls13_server,
    ])
