"""Every documented exit code of hxc is reachable, each failure says why on
stderr, -s/-S behave like curl's, and -o leaves nothing behind on failure.

  2 usage   3 URL   6 DNS   7 connect   8 HTTP/1   16 HTTP/2   22 --fail
  23 write  26 read 28 timeout (test_cli_timeouts)  35 TLS   47 redirects
  (test_cli_redirects)   56 receive / closed   60 certificate   77 CA file
"""

import os
import time

import hxctest as h

pki = h.Pki()
leaf = pki.issue()
expired = pki.issue(name="expired", not_before=int(time.time()) - 90 * 86400,
                    not_after=int(time.time()) - 30 * 86400)
other_pki = h.Pki(cn="some other CA")
other = other_pki.issue(name="other")

node = h.node_server(leaf).start()
plain = h.node_server(None).start()
old = h.node_server(expired).start()
h2 = h.h2_fault_server(leaf).start()
h2_goaway = h.h2_fault_server(leaf, mode="goaway").start()
tls13 = h.s_server(leaf, alpn=None, extra=["-tls1_3", "-www"]).start()

CA = ["--cacert", pki.ca_cert]


def failing(args, code, what=""):
    res = h.run_hxc(args)
    h.expect_rc(res, code, what)
    msg = h.expect_error_message(res)
    return res, msg


# ---------------------------------------------------------------- usage

def test_usage_errors():
    for args in (["--no-such-option", node.url("/hello")], ["--parallel-max", "0", node.url("/hello")],
                 [], ["-o"], ["--max-redirs", "many", node.url("/hello")],
                 ["-H", "no colon here", node.url("/hello")],
                 ["--resolve", "bad", node.url("/hello")], ["-O"]):
        res = h.run_hxc(args)
        h.expect_rc(res, 2, "usage error for %r" % args)
        h.check(res.out == b"", "nothing on stdout for %r\n%s" % (args, res.describe()))
        h.expect_error_message(res)


def test_help():
    res = h.run_hxc(["--help"])
    h.expect_rc(res, 0)
    h.expect_in("Usage: hxc", res.text, res)
    h.expect_in("--cacert", res.text, res)


def test_malformed_url_and_scheme():
    failing(["http://[::1"], 3, "malformed URL")
    failing(["ftp://127.0.0.1/file"], 3, "unsupported scheme")


# -------------------------------------------------------------- network

def test_dns_failure():
    res, msg = failing(["https://nonexistent.invalid/"], 6)
    h.expect_in("nonexistent.invalid", msg, res, "the error message")


def test_connection_refused():
    port = h.closed_port()
    res, msg = failing(["https://127.0.0.1:%d/" % port], 7)
    h.expect_in(str(port), msg, res, "the error message")


def test_connection_closed_without_response():
    failing(CA + [node.url("/close-now")], 56)


# ------------------------------------------------------------------ TLS

def test_tls_version_mismatch():
    # The server speaks only TLS 1.3: fine by default, refused with --tls-max 1.2.
    res = h.run_hxc(CA + [tls13.url("/")])
    h.expect_rc(res, 0, "TLS 1.3-only server")
    res, msg = failing(CA + ["--tls-max", "1.2", tls13.url("/")], 35)
    h.expect_in("protocol_version", msg, res, "the error message")
    h.expect_in("--tls-max 1.2", msg, res, "the error message")


def test_tls_to_plain_server():
    failing(["https://127.0.0.1:%d/hello" % plain.port], 35, "https:// to a plain HTTP port")


def test_certificate_untrusted():
    res, msg = failing([node.url("/hello", host="localhost")], 60,
                       "not signed by an embedded root")
    h.expect_in("localhost", msg, res, "the error message")


def test_certificate_wrong_ca():
    res, msg = failing(["--cacert", other_pki.ca_cert, node.url("/hello", host="localhost")], 60)
    h.expect_in("localhost", msg, res, "the error message")


def test_certificate_hostname_mismatch():
    name = "not-in-the-cert.example"
    res, msg = failing(CA + ["--resolve", "%s:%d:127.0.0.1" % (name, node.port),
                             "https://%s:%d/hello" % (name, node.port)], 60)
    h.expect_in(name, msg, res, "the error message")


def test_certificate_expired():
    res, msg = failing(CA + [old.url("/hello", host="localhost")], 60)
    h.expect_in("localhost", msg, res, "the error message")
    h.check("expired" in msg.lower(), "the message says 'expired'\n" + res.describe())


def test_insecure_accepts_bad_certificates():
    for srv in (old, node):
        res = h.run_hxc(["-k", srv.url("/hello", host="localhost")])
        h.expect_rc(res, 0)
        h.check(res.out == b"hello from fault_server\n", "body\n" + res.describe())


# ---------------------------------------------------------------- HTTP

def test_http1_protocol_errors():
    failing(CA + [node.url("/truncated")], 8, "truncated body")
    failing(CA + [node.url("/huge-headers")], 8, "headers too large")


def test_http2_stream_reset():
    res = h.run_hxc(CA + [h2.url("/hello")])
    h.expect_rc(res, 0, "the HTTP/2 fault server answers /hello")
    h.check(res.out == b"h2 hello\n", "body\n" + res.describe())
    failing(CA + [h2.url("/reset")], 16, "RST_STREAM")
    failing(CA + [h2.url("/partial")], 16, "RST_STREAM mid-body")


def test_http2_goaway():
    res, msg = failing(CA + [h2_goaway.url("/")], 16, "GOAWAY(PROTOCOL_ERROR) before processing")
    h.check("GOAWAY" in msg, "the message names the GOAWAY\n" + res.describe())
    # Node's GOAWAY names this request as processed, then the connection
    # closes: an HTTP/2 error or a closed connection, never success.
    res = h.run_hxc(CA + [h2.url("/goaway")])
    h.check(res.rc in (16, 56), "GOAWAY after the request: exit 16 or 56\n" + res.describe())
    h.expect_error_message(res)


def test_fail_on_http_error():
    res, msg = failing(CA + ["--fail", node.url("/status/404")], 22)
    h.check(res.out == b"", "--fail prints no body\n" + res.describe())
    h.expect_in("404", msg, res, "the error message")
    res = h.run_hxc(CA + ["--fail", node.url("/status/500")])
    h.expect_rc(res, 22)
    res = h.run_hxc(CA + [node.url("/status/404")])
    h.expect_rc(res, 0, "without --fail a 404 is a transfer like any other")
    h.check(res.out == b"status 404\n", "body\n" + res.describe())


# ---------------------------------------------------------- local files

def test_output_not_left_behind_on_failure():
    d = h.tempdir()
    target = os.path.join(d, "keep.txt")
    with open(target, "wb") as f:
        f.write(b"old contents\n")
    for path in ("/truncated", "/tls-cut", "/status/404"):
        res = h.run_hxc(CA + ["--fail", "-o", target, node.url(path)])
        h.check(res.rc != 0, "%s must fail\n%s" % (path, res.describe()))
        with open(target, "rb") as f:
            h.check(f.read() == b"old contents\n", "a failed transfer overwrote %s" % target)
        h.check(sorted(os.listdir(d)) == ["keep.txt"], "leftovers: %s" % os.listdir(d))
    new = os.path.join(d, "new.txt")
    res = h.run_hxc(CA + ["-o", new, node.url("/truncated")])
    h.expect_rc(res, 8)
    h.check(not os.path.exists(new), "a failed transfer created %s" % new)
    res = h.run_hxc(CA + ["-o", target, node.url("/hello")])
    h.expect_rc(res, 0)
    with open(target, "rb") as f:
        h.check(f.read() == b"hello from fault_server\n", "success replaces the file")


def test_write_errors():
    failing(CA + ["-o", "/nonexistent-dir/x/out.txt", node.url("/hello")], 23)
    if os.path.exists("/dev/full"):
        argv = [h.HXC_BIN] + CA + [node.url("/hello")]
        import subprocess
        with open("/dev/full", "wb") as full:
            proc = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, timeout=30)
        h.check(h.exit_status(proc.returncode) == 23, "stdout on /dev/full: exit %d, stderr %r"
                % (proc.returncode, proc.stderr))


def test_read_errors():
    failing(CA + ["--data-binary", "@/nonexistent/data.bin", node.url("/echo")], 26)
    failing(CA + ["-d", "@/nonexistent/form.txt", node.url("/echo")], 26)


def test_cacert_problems():
    res, msg = failing(["--cacert", "/nonexistent/ca.pem", node.url("/hello")], 77)
    h.expect_in("/nonexistent/ca.pem", msg, res, "the error message")
    d = h.tempdir()
    junk = os.path.join(d, "junk.pem")
    with open(junk, "w") as f:
        f.write("this is not a certificate\n")
    failing(["--cacert", junk, node.url("/hello")], 77)


# --------------------------------------------------------- -s / -S / -k

def test_silent_and_show_error():
    port = h.closed_port()
    url = "https://127.0.0.1:%d/" % port
    res = h.run_hxc(["-s", url])
    h.expect_rc(res, 7)
    h.check(res.err == "", "-s hides the error\n" + res.describe())
    res = h.run_hxc(["-sS", url])
    h.expect_rc(res, 7)
    h.expect_error_message(res)


if __name__ == "__main__":
    try:
        h.run_tests([
            test_usage_errors, test_help, test_malformed_url_and_scheme, test_dns_failure,
            test_connection_refused, test_connection_closed_without_response,
            test_tls_version_mismatch, test_tls_to_plain_server, test_certificate_untrusted,
            test_certificate_wrong_ca, test_certificate_hostname_mismatch,
            test_certificate_expired, test_insecure_accepts_bad_certificates,
            test_http1_protocol_errors, test_http2_stream_reset, test_http2_goaway, test_fail_on_http_error,
            test_output_not_left_behind_on_failure, test_write_errors, test_read_errors,
            test_cacert_problems, test_silent_and_show_error,
        ])
    finally:
        for s in (node, plain, old, h2, h2_goaway, tls13):
            s.stop()
