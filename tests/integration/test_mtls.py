"""Mutual TLS: hxc's client certificates (--cert, --key, --pass) against
`openssl s_server -Verify` (which rejects in the handshake with an alert) and
nginx with `ssl_verify_client on` (which completes the handshake and answers
400 when the certificate is missing or not trusted).

Every key form is accepted: certificate and key in one PEM file, separate
files, RSA PKCS#1, EC SEC1, PKCS#8 (PEM and DER), encrypted PKCS#8 (PBES2)
and legacy encrypted PEM, with --pass PHRASE, pass:, env:VAR and file:PATH.
Rejections: no certificate (exit 35, the server's alert named, a hint to use
--cert), a certificate from another CA (exit 35, alert named, "rejected"),
a wrong password or a key that does not match the certificate (exit 58, the
key file named).

nginx must be installed (Debian package `nginx`): without it the nginx tests
FAIL, they do not skip.
"""

import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading

import hxctest as h

PASSWORD = "s3cret pass"

# Trust variables from the machine must not change what these tests see.
CLEAN_ENV = {"SSL_CERT_FILE": None, "SSL_CERT_DIR": None, "SSLKEYLOGFILE": None}


def run(args, env=None):
    e = dict(CLEAN_ENV)
    e.update(env or {})
    return h.run_hxc(args, env=e)


# ------------------------------------------------------------------ PKI

server_pki = h.Pki(key_type="ec", cn="hxc mtls server CA")
server_leaf = server_pki.issue("server")
client_pki = h.Pki(key_type="rsa", cn="hxc mtls client CA")
other_pki = h.Pki(key_type="ec", cn="hxc mtls other CA")

alice = client_pki.issue("alice", cn="alice", sans=None, key_type="rsa", eku="clientAuth")
bob = client_pki.issue("bob", cn="bob", sans=None, key_type="ec", eku="clientAuth")
mallory = other_pki.issue("mallory", cn="mallory", sans=None, key_type="ec", eku="clientAuth")

KD = h.tempdir("hxc-mtls-keys-")


def kpath(name):
    return os.path.join(KD, name)


def ossl(*args):
    h.openssl(list(args), KD)


def concat(out, *parts):
    with open(out, "w") as o:
        for p in parts:
            with open(p) as f:
                o.write(f.read())
    return out


def first_line(path):
    with open(path, "rb") as f:
        return f.readline().decode("ascii", "replace").strip()


# Key forms. genpkey (Pki) writes unencrypted PKCS#8 ("BEGIN PRIVATE KEY").
ossl("rsa", "-in", alice.key, "-traditional", "-out", kpath("alice-pkcs1.pem"))
ossl("ec", "-in", bob.key, "-out", kpath("bob-sec1.pem"))
ossl("pkey", "-in", bob.key, "-outform", "DER", "-out", kpath("bob-pkcs8.der"))
ossl("pkcs8", "-topk8", "-in", alice.key, "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256",
     "-passout", "pass:" + PASSWORD, "-out", kpath("alice-enc-pkcs8.pem"))
ossl("pkcs8", "-topk8", "-in", bob.key, "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1",
     "-passout", "pass:" + PASSWORD, "-out", kpath("bob-enc-pkcs8.pem"))
ossl("rsa", "-in", alice.key, "-traditional", "-aes256", "-passout", "pass:" + PASSWORD,
     "-out", kpath("alice-legacy-aes.pem"))
ossl("ec", "-in", bob.key, "-des3", "-passout", "pass:" + PASSWORD,
     "-out", kpath("bob-legacy-3des.pem"))
alice_combined = concat(kpath("alice-combined.pem"), alice.cert, alice.key)
bob_combined_sec1 = concat(kpath("bob-combined-sec1.pem"), bob.cert, kpath("bob-sec1.pem"))
pass_file = kpath("password.txt")
with open(pass_file, "w") as f:
    f.write(PASSWORD + "\n")

h.check(first_line(kpath("alice-pkcs1.pem")) == "-----BEGIN RSA PRIVATE KEY-----", "PKCS#1 key")
h.check(first_line(kpath("bob-sec1.pem")) == "-----BEGIN EC PRIVATE KEY-----", "SEC1 key")
h.check(first_line(kpath("alice-enc-pkcs8.pem")) == "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "encrypted PKCS#8 key")
with open(kpath("alice-legacy-aes.pem")) as f:
    h.check("Proc-Type: 4,ENCRYPTED" in f.read(), "legacy encrypted PEM key")

# (name, cert, key or None, extra args, env, expected CN)
ACCEPTED = [
    ("cert+key in one PEM file (RSA, PKCS#8)", alice_combined, None, [], {}, "alice"),
    ("cert+key in one PEM file (EC, SEC1)", bob_combined_sec1, None, [], {}, "bob"),
    ("separate cert and key (RSA, PKCS#8)", alice.cert, alice.key, [], {}, "alice"),
    ("RSA PKCS#1 key", alice.cert, kpath("alice-pkcs1.pem"), [], {}, "alice"),
    ("EC SEC1 key", bob.cert, kpath("bob-sec1.pem"), [], {}, "bob"),
    ("EC PKCS#8 key", bob.cert, bob.key, [], {}, "bob"),
    ("EC PKCS#8 DER key", bob.cert, kpath("bob-pkcs8.der"), [], {}, "bob"),
    ("encrypted PKCS#8 (AES-256, SHA-256) --pass PHRASE", alice.cert,
     kpath("alice-enc-pkcs8.pem"), ["--pass", PASSWORD], {}, "alice"),
    ("encrypted PKCS#8 (AES-128, SHA-1) --pass pass:PHRASE", bob.cert,
     kpath("bob-enc-pkcs8.pem"), ["--pass", "pass:" + PASSWORD], {}, "bob"),
    ("legacy encrypted PEM (AES-256) --pass env:VAR", alice.cert,
     kpath("alice-legacy-aes.pem"), ["--pass", "env:HXC_TEST_KEY_PASS"],
     {"HXC_TEST_KEY_PASS": PASSWORD}, "alice"),
    ("legacy encrypted PEM (3DES) --pass file:PATH", bob.cert, kpath("bob-legacy-3des.pem"),
     ["--pass", "file:" + pass_file], {}, "bob"),
]


def cert_args(cert, key, extra):
    args = ["--cert", cert]
    if key:
        args += ["--key", key]
    return args + list(extra)


# ------------------------------------------------------------ s_server

def mtls_s_server(extra=()):
    """s_server that demands a client certificate from client_pki."""
    return h.s_server(server_leaf, alpn=None,
                      extra=["-www", "-Verify", "1", "-CAfile", client_pki.ca_cert,
                             "-verify_return_error"] + list(extra))


def test_s_server_accepts_each_key_form():
    with mtls_s_server() as srv:
        for name, cert, key, extra, env, cn in ACCEPTED:
            res = run(["-sS", "--cacert", server_pki.ca_cert] + cert_args(cert, key, extra) +
                      [srv.url("/")], env=env)
            h.expect_rc(res, 0, name)
            h.expect_in("Subject: CN=" + cn, res.text, res, "s_server's page (%s)" % name)


def test_s_server_rejects_missing_certificate():
    with mtls_s_server() as srv:
        res = run(["-sS", "--cacert", server_pki.ca_cert, srv.url("/")])
        h.expect_rc(res, 35, "no client certificate")
        msg = h.expect_error_message(res)
        h.check("alert" in msg and ("handshake_failure (40)" in msg or
                                    "certificate_required (116)" in msg),
                "the server's alert is named\n" + res.describe())
        h.expect_in("requires a client certificate (--cert)", msg, res, "the hint")


def test_s_server_rejects_certificate_from_other_ca():
    with mtls_s_server() as srv:
        res = run(["-sS", "--cacert", server_pki.ca_cert, "--cert", mallory.cert,
                   "--key", mallory.key, srv.url("/")])
        h.expect_rc(res, 35, "client certificate from another CA")
        msg = h.expect_error_message(res)
        h.check("unknown_ca (48)" in msg or "bad_certificate (42)" in msg or
                "decrypt_error" in msg, "the server's alert is named\n" + res.describe())
        h.expect_in("the server rejected the client certificate", msg, res, "the hint")


def test_insecure_still_sends_client_certificate():
    with mtls_s_server() as srv:
        res = run(["-sSk", "--cert", alice.cert, "--key", alice.key, srv.url("/")])
        h.expect_rc(res, 0, "-k with a client certificate")
        h.expect_in("Subject: CN=alice", res.text, res, "s_server's page")


def test_http1_only_with_client_certificate():
    with mtls_s_server() as srv:
        res = run(["-sS", "--http1.1", "--cacert", server_pki.ca_cert, "--cert",
                   bob_combined_sec1, srv.url("/")])
        h.expect_rc(res, 0)
        h.expect_in("Subject: CN=bob", res.text, res, "s_server's page")


class SilentRejectServer:
    """A TLS server (Python's ssl over memory BIOs) that requires a client
    certificate from client_pki and, when the check fails, hangs up without
    sending its alert: what some servers do. how="eof": a clean TCP close
    (FIN); how="reset": an abortive close (RST). Serves in a thread."""

    def __init__(self, how="eof"):
        self.how = how
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(server_leaf.cert, server_leaf.key)
        self.ctx.load_verify_locations(client_pki.ca_cert)
        self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path="/"):
        return "https://localhost:%d%s" % (self.port, path)

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                self._one(conn)

    def _one(self, conn):
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.ctx.wrap_bio(inc, out, server_side=True)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                conn.sendall(out.read())
                data = conn.recv(65536)
                if not data:
                    return
                inc.write(data)
            except (ssl.SSLError, OSError):
                self._hang_up(conn)  # without flushing `out`: no alert
                return
        conn.sendall(out.read())
        tls.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
        conn.sendall(out.read())

    def _hang_up(self, conn):
        if self.how == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        try:  # FIN, then wait for the client's close so that no RST follows
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        except OSError:
            pass

    def close(self):
        self.sock.close()


def test_server_hanging_up_without_alert():
    check_silent_server("eof", "closed the connection during the TLS handshake")


def test_server_resetting_without_alert():
    check_silent_server("reset", "reset the connection during the TLS handshake")


def check_silent_server(how, what):
    srv = SilentRejectServer(how)
    try:
        res = run(["-sS", "--cacert", server_pki.ca_cert, "--cert", alice.cert, "--key",
                   alice.key, srv.url()])
        h.expect_rc(res, 0, "accepted certificate")
        h.check(res.out == b"ok\n", "body\n" + res.describe())
        res = run(["-sS", "--cacert", server_pki.ca_cert, srv.url()])
        h.expect_rc(res, 35, "no certificate, server hangs up")
        msg = h.expect_error_message(res)
        h.expect_in(what, msg, res, "the message")
        h.expect_in("asked for a client certificate and we had none", msg, res, "the hint")
        res = run(["-sS", "--cacert", server_pki.ca_cert, "--cert", mallory.cert, "--key",
                   mallory.key, srv.url()])
        h.expect_rc(res, 35, "rejected certificate, server hangs up")
        msg = h.expect_error_message(res)
        h.expect_in("after it received our client certificate", msg, res, "the hint")
    finally:
        srv.close()


# ------------------------------------------------ local key problems (58)

def test_wrong_password():
    for key in (kpath("alice-enc-pkcs8.pem"), kpath("alice-legacy-aes.pem")):
        res = run(["-sS", "--cacert", server_pki.ca_cert, "--cert", alice.cert, "--key", key,
                   "--pass", "not the password", "https://localhost:1/"])
        h.expect_rc(res, 58, "wrong password for %s" % key)
        msg = h.expect_error_message(res)
        h.expect_in(key, msg, res, "the message (names the key file)")
        h.expect_in("wrong password", msg, res, "the message")


def test_encrypted_key_without_password():
    res = run(["-sS", "--cert", alice.cert, "--key", kpath("alice-enc-pkcs8.pem"),
               "https://localhost:1/"])
    h.expect_rc(res, 58, "encrypted key, no --pass")
    msg = h.expect_error_message(res)
    h.expect_in("alice-enc-pkcs8.pem", msg, res, "the message")
    h.expect_in("password", msg, res, "the message")


def test_key_not_matching_certificate():
    res = run(["-sS", "--cert", alice.cert, "--key", bob.key, "https://localhost:1/"])
    h.expect_rc(res, 58, "key of another certificate")
    msg = h.expect_error_message(res)
    h.expect_in("does not match", msg, res, "the message")
    mine = kpath("alice-other.key")
    ossl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", mine)
    res = run(["-sS", "--cert", alice.cert, "--key", mine, "https://localhost:1/"])
    h.expect_rc(res, 58, "another RSA key of the same type")
    h.expect_in("does not match", h.expect_error_message(res), res, "the message")


def test_unreadable_certificate_or_key():
    missing = kpath("no-such-cert.pem")
    res = run(["-sS", "--cert", missing, "https://localhost:1/"])
    h.expect_rc(res, 58, "missing --cert file")
    h.expect_in(missing, h.expect_error_message(res), res, "the message")
    res = run(["-sS", "--cert", alice.cert, "https://localhost:1/"])
    h.expect_rc(res, 58, "certificate without key")
    h.expect_in("private key", h.expect_error_message(res), res, "the message")


def test_pass_sources_errors():
    res = run(["-sS", "--cert", alice.cert, "--key", kpath("alice-enc-pkcs8.pem"), "--pass",
               "env:HXC_TEST_UNSET_VARIABLE", "https://localhost:1/"],
              env={"HXC_TEST_UNSET_VARIABLE": None})
    h.expect_rc(res, 2, "--pass env: with an unset variable")
    h.expect_in("HXC_TEST_UNSET_VARIABLE", res.err, res, "stderr")
    res = run(["-sS", "--cert", alice.cert, "--key", kpath("alice-enc-pkcs8.pem"), "--pass",
               "file:" + kpath("no-such-password-file"), "https://localhost:1/"])
    h.expect_rc(res, 26, "--pass file: with a missing file")
    h.expect_in("no-such-password-file", res.err, res, "stderr")
    res = run(["-sS", "--key", alice.key, "https://localhost:1/"])
    h.expect_rc(res, 2, "--key without --cert")


# ------------------------------------------------------------------ nginx

NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_client_certificate {client_ca};
        ssl_verify_client on;
        ssl_verify_depth 2;
        default_type text/plain;
        location / {{
            return 200 "$ssl_client_s_dn\\n";
        }}
    }}
}}
"""


def nginx_server():
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                      else None)
    if nginx is None:
        h.fail("nginx is not installed (Debian package 'nginx'); the nginx mutual TLS tests "
               "need it")
    d = h.tempdir("hxc-nginx-")
    port = h.free_port()
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(dir=d, port=port, cert=server_leaf.cert, key=server_leaf.key,
                                  client_ca=client_pki.ca_cert))
    check = subprocess.run([nginx, "-t", "-p", d, "-c", os.path.join(d, "nginx.conf"),
                            "-e", os.path.join(d, "error.log")], capture_output=True, text=True)
    if check.returncode != 0:
        h.fail("nginx rejected the generated configuration:\n" + check.stderr)
    return h.Server([nginx, "-p", d, "-c", os.path.join(d, "nginx.conf"),
                     "-e", os.path.join(d, "error.log"), "-g", "daemon off;"],
                    "nginx", port=port)


def test_nginx_accepts_each_key_form():
    with nginx_server() as srv:
        for name, cert, key, extra, env, cn in ACCEPTED:
            res = run(["-sS", "-v", "--cacert", server_pki.ca_cert] +
                      cert_args(cert, key, extra) + [srv.url("/")], env=env)
            h.expect_rc(res, 0, name)
            h.check(res.text.strip() == "CN=" + cn,
                    "nginx saw client certificate CN=%s (%s)\n%s" % (cn, name, res.describe()))
            h.expect_in("HTTP/2", res.err, res, "-v output (nginx speaks h2)")


def test_nginx_without_certificate():
    # nginx completes the handshake and answers 400 itself.
    with nginx_server() as srv:
        res = run(["-sS", "--cacert", server_pki.ca_cert, srv.url("/")])
        h.expect_rc(res, 0, "nginx answers 400 over a completed handshake")
        h.expect_in("No required SSL certificate was sent", res.text, res, "nginx's page")
        res = run(["-sS", "-f", "--cacert", server_pki.ca_cert, srv.url("/")])
        h.expect_rc(res, 22, "--fail on nginx's 400")
        h.expect_in("400", h.expect_error_message(res), res, "the message")


def test_nginx_certificate_from_other_ca():
    with nginx_server() as srv:
        res = run(["-sS", "-f", "--cacert", server_pki.ca_cert, "--cert", mallory.cert,
                   "--key", mallory.key, srv.url("/")])
        h.expect_rc(res, 22, "nginx rejects the certificate with 400")
        res = run(["-sS", "--cacert", server_pki.ca_cert, "--cert", mallory.cert,
                   "--key", mallory.key, srv.url("/")])
        h.expect_rc(res, 0)
        h.expect_in("The SSL certificate error", res.text, res, "nginx's page")


def test_nginx_insecure_still_sends_certificate():
    with nginx_server() as srv:
        res = run(["-sSk", "--cert", bob.cert, "--key", bob.key, srv.url("/")])
        h.expect_rc(res, 0)
        h.check(res.text.strip() == "CN=bob", "nginx saw CN=bob\n" + res.describe())


if __name__ == "__main__":
    h.run_tests([
        test_s_server_accepts_each_key_form,
        test_s_server_rejects_missing_certificate,
        test_s_server_rejects_certificate_from_other_ca,
        test_insecure_still_sends_client_certificate,
        test_http1_only_with_client_certificate,
        test_server_hanging_up_without_alert,
        test_server_resetting_without_alert,
        test_wrong_password,
        test_encrypted_key_without_password,
        test_key_not_matching_certificate,
        test_unreadable_certificate_or_key,
        test_pass_sources_errors,
        test_nginx_accepts_each_key_form,
        test_nginx_without_certificate,
        test_nginx_certificate_from_other_ca,
        test_nginx_insecure_still_sends_certificate,
    ])
