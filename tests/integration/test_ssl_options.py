"""hxc's SSL options against real servers: --capath (hashed names and plain
*.pem files), --ca-native, trust_env (SSL_CERT_FILE, SSL_CERT_DIR,
SSLKEYLOGFILE) and --no-trust-env, explicit --cacert over the environment,
--keylog (checked line by line against the server's own key log),
--connect-to, --http2-prior-knowledge, and --http1.1 against a server that
speaks only HTTP/2."""

import os
import re
import shutil

import hxctest as h

CLEAN_ENV = {"SSL_CERT_FILE": None, "SSL_CERT_DIR": None, "SSLKEYLOGFILE": None}


def run(args, env=None):
    e = dict(CLEAN_ENV)
    e.update(env or {})
    return h.run_hxc(args, env=e)


pki = h.Pki(key_type="ec", cn="hxc ssl-options CA")
leaf = pki.issue("server")
named = pki.issue("named", cn="name.example", sans=("DNS:name.example",))
other_name = pki.issue("othername", cn="other.example", sans=("DNS:other.example",))
other_pki = h.Pki(key_type="ec", cn="hxc ssl-options other CA")

KEYLOG_LINE = re.compile(r"^(CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}|"
                         r"(CLIENT|SERVER)_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64,96}|"
                         r"(CLIENT|SERVER)_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}|"
                         r"EXPORTER_SECRET [0-9a-f]{64} [0-9a-f]{64,96})$")
# Lines per handshake: TLS 1.3 writes each secret as it is derived (like
# OpenSSL), TLS 1.2 the master secret once the handshake is done.
TLS13_LINES = 5
TLS12_LINES = 1


def s_server_keylog(cert, keylog, host="127.0.0.1"):
    """s_server -www that writes its own NSS key log (for comparison)."""
    return h.s_server(cert, host=host, alpn=None, extra=["-www", "-keylogfile", keylog])


def plain_s_server(cert=leaf, host="127.0.0.1"):
    return h.s_server(cert, host=host, alpn=None, extra=["-www"])


def expect_ok_page(res, what):
    h.expect_rc(res, 0, what)
    h.expect_in("s_server", res.text, res, "the s_server -www page (%s)" % what)


# ------------------------------------------------------------------ capath

def test_capath_hashed_names():
    d = h.tempdir("hxc-capath-hashed-")
    shutil.copy(other_pki.ca_cert, os.path.join(d, "other.pem"))
    shutil.copy(pki.ca_cert, os.path.join(d, "ca.pem"))
    h.openssl(["rehash", d], d)
    # Keep only the hashed names (as real files), so that nothing but them
    # can have been read.
    for entry in os.listdir(d):
        p = os.path.join(d, entry)
        if os.path.islink(p):
            with open(p, "rb") as f:
                data = f.read()
            os.unlink(p)
            with open(p, "wb") as f:
                f.write(data)
    os.unlink(os.path.join(d, "ca.pem"))
    os.unlink(os.path.join(d, "other.pem"))
    names = sorted(os.listdir(d))
    h.check(names and all(re.match(r"^[0-9a-f]{8}\.\d+$", n) for n in names),
            "only hashed names in the directory: %r" % names)
    with plain_s_server() as srv:
        expect_ok_page(run(["-sS", "--capath", d, srv.url("/")]), "--capath with hashed names")


def test_capath_plain_pem_files():
    d = h.tempdir("hxc-capath-plain-")
    shutil.copy(pki.ca_cert, os.path.join(d, "test-ca.pem"))
    shutil.copy(other_pki.ca_cert, os.path.join(d, "other.crt"))
    with open(os.path.join(d, "README"), "w") as f:
        f.write("not a certificate\n")
    with plain_s_server() as srv:
        expect_ok_page(run(["-sS", "--capath", d, srv.url("/")]), "--capath with *.pem")
        only_other = h.tempdir("hxc-capath-other-")
        shutil.copy(other_pki.ca_cert, os.path.join(only_other, "other.pem"))
        res = run(["-sS", "--capath", only_other, srv.url("/")])
        h.expect_rc(res, 60, "--capath without the server's CA")
        h.expect_error_message(res)


def test_capath_missing_directory():
    missing = os.path.join(h.tempdir(), "no-such-dir")
    res = run(["-sS", "--capath", missing, "https://localhost:1/"])
    h.expect_rc(res, 77, "--capath to a missing directory")
    h.expect_in(missing, h.expect_error_message(res), res, "the message")
    empty = h.tempdir("hxc-capath-empty-")
    res = run(["-sS", "--capath", empty, "https://localhost:1/"])
    h.expect_rc(res, 77, "--capath to a directory without certificates")
    h.expect_in(empty, h.expect_error_message(res), res, "the message")


# ------------------------------------------------------------- ca-native

def test_ca_native_does_not_trust_test_ca():
    with plain_s_server() as srv:
        res = run(["-sS", "--ca-native", srv.url("/")])
        h.expect_rc(res, 60, "--ca-native against a private CA")
        h.expect_in("certificate verify failed", h.expect_error_message(res), res, "message")


# -------------------------------------------------------------- trust_env

def test_ssl_cert_file_env():
    with plain_s_server() as srv:
        expect_ok_page(run(["-sS", srv.url("/")], env={"SSL_CERT_FILE": pki.ca_cert}),
                       "SSL_CERT_FILE names the test CA")
        res = run(["-sS", srv.url("/")])
        h.expect_rc(res, 60, "no SSL_CERT_FILE: embedded roots only")


def test_ssl_cert_dir_env():
    d = h.tempdir("hxc-certdir-")
    shutil.copy(pki.ca_cert, os.path.join(d, "ca.pem"))
    h.openssl(["rehash", d], d)
    with plain_s_server() as srv:
        expect_ok_page(run(["-sS", srv.url("/")], env={"SSL_CERT_DIR": d}),
                       "SSL_CERT_DIR holds the test CA")


def test_ssl_cert_file_missing_path():
    missing = os.path.join(h.tempdir(), "missing-bundle.pem")
    res = run(["-sS", "https://localhost:1/"], env={"SSL_CERT_FILE": missing})
    h.expect_rc(res, 77, "SSL_CERT_FILE to a missing file")
    msg = h.expect_error_message(res)
    h.expect_in("SSL_CERT_FILE", msg, res, "the message")
    h.expect_in(missing, msg, res, "the message")


def test_no_trust_env_ignores_ssl_cert_file():
    with plain_s_server() as srv:
        res = run(["-sS", "--no-trust-env", srv.url("/")], env={"SSL_CERT_FILE": pki.ca_cert})
        h.expect_rc(res, 60, "--no-trust-env: SSL_CERT_FILE ignored, embedded roots used")
        missing = os.path.join(h.tempdir(), "missing.pem")
        res = run(["-sS", "--no-trust-env", "--cacert", pki.ca_cert, srv.url("/")],
                  env={"SSL_CERT_FILE": missing, "SSL_CERT_DIR": missing})
        expect_ok_page(res, "--no-trust-env: a missing SSL_CERT_FILE is not even read")


def test_cacert_wins_over_ssl_cert_file():
    with plain_s_server() as srv:
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, srv.url("/")],
                           env={"SSL_CERT_FILE": other_pki.ca_cert}),
                       "--cacert with SSL_CERT_FILE naming another CA")
        res = run(["-sS", "--cacert", other_pki.ca_cert, srv.url("/")],
                  env={"SSL_CERT_FILE": pki.ca_cert})
        h.expect_rc(res, 60, "--cacert (wrong CA) is not widened by SSL_CERT_FILE")
        missing = os.path.join(h.tempdir(), "missing.pem")
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, srv.url("/")],
                           env={"SSL_CERT_FILE": missing}),
                       "--cacert with SSL_CERT_FILE naming a missing file")


# ------------------------------------------------------------------ keylog

def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l for l in f.read().splitlines() if l.strip()]


def server_lines(path):
    return {l.strip() for l in read_lines(path) if not l.startswith("#")}


def check_keylog(ours, theirs, handshakes, per_handshake, what):
    lines = read_lines(ours)
    n = handshakes * per_handshake
    h.check(len(lines) == n, "%s: %d key log lines expected, got %r" % (what, n, lines))
    h.check(len({l.split()[1] for l in lines if len(l.split()) == 3}) == handshakes,
            "%s: one client random per handshake: %r" % (what, lines))
    for l in lines:
        h.check(KEYLOG_LINE.match(l), "%s: malformed key log line %r" % (what, l))
    server = server_lines(theirs)
    for l in lines:
        h.check(l in server, "%s: our line %r is not in the server's key log %r"
                % (what, l, sorted(server)))
    h.check_private_mode(ours, what)  # 0600; not checkable under WASI (hxctest.py)


def keylog_option(tls_args, per_handshake):
    d = h.tempdir("hxc-keylog-")
    theirs, ours = os.path.join(d, "server.log"), os.path.join(d, "client.log")
    with s_server_keylog(leaf, theirs) as srv:
        for i in range(2):
            expect_ok_page(run(tls_args + ["-sS", "--cacert", pki.ca_cert, "--keylog", ours,
                                           srv.url("/")]), "--keylog run %d" % i)
        check_keylog(ours, theirs, 2, per_handshake, "--keylog %s" % " ".join(tls_args))


def test_keylog_option():
    keylog_option([], TLS13_LINES)


def test_keylog_option_tls12():
    keylog_option(["--tls-max", "1.2"], TLS12_LINES)


def test_sslkeylogfile_env():
    d = h.tempdir("hxc-keylog-env-")
    theirs, ours = os.path.join(d, "server.log"), os.path.join(d, "client.log")
    with s_server_keylog(leaf, theirs) as srv:
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, srv.url("/")],
                           env={"SSLKEYLOGFILE": ours}), "SSLKEYLOGFILE")
        check_keylog(ours, theirs, 1, TLS13_LINES, "SSLKEYLOGFILE")
        ignored = os.path.join(d, "ignored.log")
        expect_ok_page(run(["-sS", "--no-trust-env", "--cacert", pki.ca_cert, srv.url("/")],
                           env={"SSLKEYLOGFILE": ignored}), "--no-trust-env")
        h.check(not os.path.exists(ignored), "--no-trust-env must ignore SSLKEYLOGFILE")


def test_keylog_unwritable_does_not_fail():
    unwritable = os.path.join(h.tempdir(), "no-such-dir", "keys.log")
    with plain_s_server() as srv:
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, "--keylog", unwritable,
                            srv.url("/")]), "key log in a missing directory")


def test_keylog_failed_handshake():
    """A failed TLS 1.2 handshake logs nothing; a failed TLS 1.3 one only its
    handshake secrets (to decrypt the server's Certificate while debugging),
    never application traffic secrets."""
    d = h.tempdir("hxc-keylog-fail-")
    ours = os.path.join(d, "client.log")
    with plain_s_server() as srv:
        res = run(["-sS", "--tls-max", "1.2", "--keylog", ours, srv.url("/")])
        h.expect_rc(res, 60, "untrusted server")
        h.check(read_lines(ours) == [], "no key log line for a failed TLS 1.2 handshake: %r"
                % read_lines(ours))
        res = run(["-sS", "--keylog", ours, srv.url("/")])
        h.expect_rc(res, 60, "untrusted server")
        labels = sorted(l.split()[0] for l in read_lines(ours))
        h.check(labels == ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET"],
                "a failed TLS 1.3 handshake logs its handshake secrets only: %r"
                % read_lines(ours))


# -------------------------------------------------------------- connect-to

def test_connect_to_name_certificate():
    with plain_s_server(named) as srv:
        url = "https://name.example:%d/" % srv.port
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                            "name.example:%d:127.0.0.1:%d" % (srv.port, srv.port), url]),
                       "--connect-to with the URL's port")
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                            "name.example:443:127.0.0.1:%d" % srv.port,
                            "https://name.example/"]), "--connect-to mapping 443 to PORT")
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                            "::127.0.0.1:", url]), "--connect-to with empty HOST1/PORT1/PORT2")
        res = run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                   "other.example:%d:127.0.0.1:%d" % (srv.port, srv.port), url])
        h.check(res.rc != 0, "a --connect-to for another host must not apply\n" +
                res.describe())
        res = run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                   "name.example:1:127.0.0.1:%d" % srv.port, url])
        h.check(res.rc != 0, "a --connect-to for another port must not apply\n" +
                res.describe())


def test_connect_to_hostname_mismatch():
    with plain_s_server(other_name) as srv:
        res = run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                   "name.example:%d:127.0.0.1:%d" % (srv.port, srv.port),
                   "https://name.example:%d/" % srv.port])
        h.expect_rc(res, 60, "certificate without name.example")
        msg = h.expect_error_message(res)
        h.expect_in("name.example", msg, res, "the message")
        h.expect_in("mismatch", msg, res, "the message")


def test_connect_to_ipv6_target():
    if not h.ipv6_available():
        print("  (no IPv6 loopback: bracketed IPv6 target not tested)")
        return
    with plain_s_server(named, host="::1") as srv:
        expect_ok_page(run(["-sS", "--cacert", pki.ca_cert, "--connect-to",
                            "name.example:%d:[::1]:%d" % (srv.port, srv.port),
                            "https://name.example:%d/" % srv.port]),
                       "--connect-to with a bracketed IPv6 target")


def test_connect_to_usage_errors():
    for bad in ("name.example:443:127.0.0.1", "name.example:443::443", "a:99999:b:1",
                "[::1:443:b:1"):
        res = run(["-sS", "--connect-to", bad, "https://name.example/"])
        h.expect_rc(res, 2, "--connect-to %r" % bad)
        h.expect_in("--connect-to", res.err, res, "stderr")


# --------------------------------------------------------- HTTP versions

def nghttpd_plain(htdocs):
    port = h.free_port()
    return h.Server(["nghttpd", "--no-tls", "--address=127.0.0.1", "-d", htdocs, str(port)],
                    "nghttpd-h2c", port=port)


def test_http2_prior_knowledge():
    docs = h.htdocs_dir()
    with nghttpd_plain(docs) as srv:
        url = "http://127.0.0.1:%d/hello.txt" % srv.port
        res = run(["-sS", "-v", "--http2-prior-knowledge", url])
        h.expect_rc(res, 0, "--http2-prior-knowledge against nghttpd --no-tls")
        h.check(res.out == b"hello over TLS\n", "body\n" + res.describe())
        h.expect_in("HTTP/2 200", res.err, res, "-v output")
        res = run(["-sS", url])
        h.check(res.rc != 0, "HTTP/1.1 to an h2c-only server must fail\n" + res.describe())
        h.expect_error_message(res)


def test_http1_only_against_h2_only_server():
    # nghttpd offers only h2 in ALPN: with --http1.1 there is no common
    # protocol, the handshake ends without ALPN and nghttpd closes the
    # connection when it sees an HTTP/1.1 request.
    docs = h.htdocs_dir()
    with h.nghttpd(leaf, docs) as srv:
        res = run(["-sS", "--cacert", pki.ca_cert, srv.url("/hello.txt")])
        h.expect_rc(res, 0, "default ALPN against nghttpd")
        res = run(["-sS", "--http1.1", "--cacert", pki.ca_cert, srv.url("/hello.txt")])
        h.check(h.is_specific_failure(res.rc),
                "--http1.1 against an h2-only server fails cleanly\n" + res.describe())
        h.expect_error_message(res)


if __name__ == "__main__":
    h.run_tests([
        test_capath_hashed_names,
        test_capath_plain_pem_files,
        test_capath_missing_directory,
        test_ca_native_does_not_trust_test_ca,
        test_ssl_cert_file_env,
        test_ssl_cert_dir_env,
        test_ssl_cert_file_missing_path,
        test_no_trust_env_ignores_ssl_cert_file,
        test_cacert_wins_over_ssl_cert_file,
        test_keylog_option,
        test_sslkeylogfile_env,
        test_keylog_unwritable_does_not_fail,
        test_keylog_option_tls12,
        test_keylog_failed_handshake,
        test_connect_to_name_certificate,
        test_connect_to_hostname_mismatch,
        test_connect_to_ipv6_target,
        test_connect_to_usage_errors,
        test_http2_prior_knowledge,
        test_http1_only_against_h2_only_server,
    ])
