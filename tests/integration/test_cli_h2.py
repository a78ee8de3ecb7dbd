"""hxc against nghttpd (HTTP/2 over TLS): --cacert, -v, -i, -I, -o, IPv4 and
IPv6 literals, --resolve, --fail, -k."""

import os
import re

import hxctest as h

ALIAS = "hxc-alias.example"

pki = h.Pki(key_type="ec")
leaf = pki.issue(sans=h.DEFAULT_SANS + ("DNS:" + ALIAS,))
docs = h.htdocs_dir()
with open(os.path.join(docs, "binary.bin"), "rb") as f:
    BINARY = f.read()
srv = h.nghttpd(leaf, docs).start()
srv6 = h.nghttpd(leaf, docs, host="::1").start() if h.ipv6_available() else None


def test_get_h2_with_cacert():
    res = h.run_hxc(["--cacert", pki.ca_cert, srv.url("/hello.txt")])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())
    h.check(res.err == "", "a successful quiet run prints nothing on stderr\n" + res.describe())


def test_localhost_name():
    res = h.run_hxc(["--cacert", pki.ca_cert, srv.url("/hello.txt", host="localhost")])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())


def test_binary_body_to_stdout():
    res = h.run_hxc(["--cacert", pki.ca_cert, srv.url("/binary.bin")])
    h.expect_rc(res, 0)
    h.check(res.out == BINARY, "binary body differs (%d bytes, want %d)"
            % (len(res.out), len(BINARY)))


def test_verbose_shows_negotiation():
    res = h.run_hxc(["-v", "--cacert", pki.ca_cert, srv.url("/hello.txt", host="localhost")])
    h.expect_rc(res, 0)
    info = [l[2:] for l in res.err.splitlines() if l.startswith("* ")]
    sent = [l[2:] for l in res.err.splitlines() if l.startswith("> ")]
    got = [l[2:] for l in res.err.splitlines() if l.startswith("< ")]
    joined = "\n".join(info)
    h.check(any("ALPN" in l and "h2" in l for l in info), "no ALPN h2 line\n" + res.describe())
    h.check("TLSv1.3" in joined, "no TLS version in -v\n" + res.describe())
    h.check(re.search(r"TLS_AES_|TLS_CHACHA20", joined),
            "no cipher suite in -v\n" + res.describe())
    h.check(any("subject" in l.lower() and "localhost" in l for l in info),
            "no certificate subject in -v\n" + res.describe())
    h.check(any("issuer" in l.lower() and "hxc test CA" in l for l in info),
            "no certificate issuer in -v\n" + res.describe())
    h.check(any("expire" in l.lower() or "not after" in l.lower() for l in info),
            "no certificate expiry in -v\n" + res.describe())
    h.check(any(l.startswith("GET /hello.txt") for l in sent),
            "no '> GET /hello.txt' request line\n" + res.describe())
    h.check(any("200" in l for l in got), "no '< ' status line\n" + res.describe())
    h.check(res.out == b"hello over TLS\n", "-v must not change stdout\n" + res.describe())


def test_include_head():
    res = h.run_hxc(["-i", "--cacert", pki.ca_cert, srv.url("/hello.txt")])
    h.expect_rc(res, 0)
    head, sep, body = res.out.partition(b"\r\n\r\n")
    h.check(sep != b"", "no blank line after the head\n" + res.describe())
    lines = head.decode("latin1").split("\r\n")
    h.check(lines[0].strip() == "HTTP/2 200", "status line is %r\n%s" % (lines[0], res.describe()))
    h.check(any(l.lower() == "content-length: 15" for l in lines[1:]),
            "no content-length header in -i output\n" + res.describe())
    h.check(body == b"hello over TLS\n", "body after head differs\n" + res.describe())


def test_head_request():
    res = h.run_hxc(["-I", "--cacert", pki.ca_cert, srv.url("/binary.bin")], timeout=20)
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/2 200"), "-I output\n" + res.describe())
    h.check(res.out.endswith(b"\r\n\r\n"), "-I prints the head only\n" + res.describe())


def test_output_file():
    d = h.tempdir()
    target = os.path.join(d, "out.bin")
    res = h.run_hxc(["-o", target, "--cacert", pki.ca_cert, srv.url("/binary.bin")])
    h.expect_rc(res, 0)
    h.check(res.out == b"", "-o must keep stdout empty\n" + res.describe())
    with open(target, "rb") as f:
        h.check(f.read() == BINARY, "output file contents differ")
    h.check(os.listdir(d) == ["out.bin"], "temporary files left behind: %s" % os.listdir(d))


def test_ipv4_literal():
    res = h.run_hxc(["--cacert", pki.ca_cert, "https://127.0.0.1:%d/hello.txt" % srv.port])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())


def test_ipv6_literal():
    if srv6 is None:
        print("  SKIP: no IPv6 loopback on this machine")
        return
    res = h.run_hxc(["-v", "--cacert", pki.ca_cert, "https://[::1]:%d/hello.txt" % srv6.port])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())


def test_resolve_ipv4():
    url = "https://%s:%d/hello.txt" % (ALIAS, srv.port)
    res = h.run_hxc(["--cacert", pki.ca_cert, "--resolve", "%s:%d:127.0.0.1" % (ALIAS, srv.port),
                     url])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())


def test_resolve_ipv6_bracketed():
    if srv6 is None:
        print("  SKIP: no IPv6 loopback on this machine")
        return
    url = "https://%s:%d/hello.txt" % (ALIAS, srv6.port)
    res = h.run_hxc(["--cacert", pki.ca_cert, "--resolve", "%s:%d:[::1]" % (ALIAS, srv6.port),
                     url])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())


def test_not_found_without_and_with_fail():
    res = h.run_hxc(["--cacert", pki.ca_cert, srv.url("/missing.txt")])
    h.expect_rc(res, 0, "a 404 without --fail is a successful transfer")
    h.check(b"404" in res.out, "nghttpd's 404 page expected on stdout\n" + res.describe())
    res = h.run_hxc(["--fail", "--cacert", pki.ca_cert, srv.url("/missing.txt")])
    h.expect_rc(res, 22)
    h.check(res.out == b"", "--fail prints no body\n" + res.describe())
    h.expect_in("404", h.expect_error_message(res), res, "stderr")


def test_untrusted_without_cacert():
    res = h.run_hxc([srv.url("/hello.txt", host="localhost")])
    h.expect_rc(res, 60, "our throwaway CA is not among the embedded roots")
    h.expect_in("localhost", h.expect_error_message(res), res, "stderr")
    h.check(res.out == b"", "no body on certificate failure\n" + res.describe())


def test_insecure_warns():
    res = h.run_hxc(["-k", srv.url("/hello.txt")])
    h.expect_rc(res, 0)
    h.expect_in("hxc: warning: certificate verification is disabled (--insecure)", res.err, res,
                "stderr")
    h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())
    res = h.run_hxc(["-k", "-s", srv.url("/hello.txt")])
    h.expect_rc(res, 0)
    h.check(res.err == "", "-s hides the --insecure warning\n" + res.describe())


def test_http1_1_refused_by_h2_only_server():
    # nghttpd speaks only h2: offering only http/1.1 must fail cleanly with a
    # message, never hang or crash.
    res = h.run_hxc(["--http1.1", "-m", "10", "--cacert", pki.ca_cert, srv.url("/hello.txt")],
                    timeout=20)
    h.check(int(res.rc) not in (0, 28) and 0 < res.rc < 128 and "timed out" not in res.err,
            "expected a clean protocol failure\n" + res.describe())
    h.expect_error_message(res)


if __name__ == "__main__":
    try:
        h.run_tests([
            test_get_h2_with_cacert, test_localhost_name, test_binary_body_to_stdout,
            test_verbose_shows_negotiation, test_include_head, test_head_request,
            test_output_file, test_ipv4_literal, test_ipv6_literal, test_resolve_ipv4,
            test_resolve_ipv6_bracketed, test_not_found_without_and_with_fail,
            test_untrusted_without_cacert, test_insecure_warns,
            test_http1_1_refused_by_h2_only_server,
        ])
    finally:
        srv.stop()
        if srv6:
            srv6.stop()
