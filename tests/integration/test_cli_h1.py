"""hxc over HTTP/1.1: a Node TLS server whose ALPN offers only http/1.1
(tests/servers/fault_server.js), openssl s_server -WWW, and plain http://.
Body framings (length, chunked, close-delimited, HTTP/1.0), truncations,
huge heads, HEAD/204/304, request bodies and headers."""

import json
import os

import hxctest as h

pki = h.Pki(key_type="rsa")
leaf = pki.issue()
node = h.node_server(leaf).start()
plain = h.node_server(None).start()
www = h.htdocs_dir({"page.txt": b"served by openssl s_server\n"})
ossl = h.s_server(leaf, www_dir=www).start()

CA = ["--cacert", pki.ca_cert]


def get(path, *args, server=node, timeout=30):
    return h.run_hxc(list(args) + CA + [server.url(path)], timeout=timeout)


def echo(res):
    h.expect_rc(res, 0)
    try:
        return json.loads(res.out)
    except ValueError:
        h.fail("echo did not return JSON\n" + res.describe())


def test_alpn_selects_http1_1():
    res = get("/hello", "-v", "-i")
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/1.1 200 OK\r\n"), "status line\n" + res.describe())
    h.check(res.out.endswith(b"\r\n\r\nhello from fault_server\n"), "body\n" + res.describe())
    info = [l for l in res.err.splitlines() if l.startswith("* ")]
    h.check(any("ALPN" in l and "http/1.1" in l for l in info),
            "-v shows ALPN http/1.1\n" + res.describe())
    h.check(any("TLSv1.3" in l for l in info), "-v shows TLSv1.3\n" + res.describe())


def test_forced_http1_1():
    res = get("/hello", "--http1.1")
    h.expect_rc(res, 0)
    h.check(res.out == b"hello from fault_server\n", "body\n" + res.describe())


def test_chunked():
    res = get("/chunked")
    h.expect_rc(res, 0)
    h.check(res.out == b"chunk-1\nchunk-2\nchunk-3\n", "chunked body\n" + res.describe())


def test_close_delimited():
    res = get("/close-delimited")
    h.expect_rc(res, 0)
    h.check(res.out == b"close-delimited body\n", "close-delimited body\n" + res.describe())


def test_http10_response():
    res = get("/http10", "-i")
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/1.0 200 OK\r\n"), "HTTP/1.0 status\n" + res.describe())
    h.check(res.out.endswith(b"close-delimited body\n"), "body\n" + res.describe())


def test_truncated_content_length():
    res = get("/truncated")
    h.expect_rc(res, 8, "Content-Length larger than what was sent, then a clean close")
    h.expect_error_message(res)


def test_truncated_chunked():
    res = get("/truncated-chunked")
    h.expect_rc(res, 8, "chunked body without its last chunk")
    h.expect_error_message(res)


def test_tls_close_without_close_notify():
    res = get("/tls-cut")
    h.check(res.rc in (8, 35), "expected exit 8 or 35 for a TLS cut mid-body\n" + res.describe())
    h.expect_error_message(res)


def test_truncated_to_file_leaves_nothing():
    d = h.tempdir()
    target = os.path.join(d, "body.txt")
    res = get("/truncated", "-o", target)
    h.expect_rc(res, 8)
    h.check(os.listdir(d) == [], "a failed transfer left %s" % os.listdir(d))


def test_huge_headers():
    res = get("/huge-headers")
    h.expect_rc(res, 8, "200 KB of response headers")
    h.check(res.out == b"", "no body\n" + res.describe())
    h.expect_error_message(res)


def test_head():
    res = get("/hello", "-I", "-m", "10")
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/1.1 200 OK\r\n"), "HEAD status\n" + res.describe())
    h.check(b"Content-Length: 24\r\n" in res.out, "HEAD keeps Content-Length\n" + res.describe())
    h.check(res.out.endswith(b"\r\n\r\n"), "HEAD prints no body\n" + res.describe())
    h.check(res.elapsed < 5, "HEAD must not wait for a body\n" + res.describe())


def test_204_and_304_have_no_body():
    for code in (204, 304):
        res = get("/status/%d" % code, "-i", "-m", "10")
        h.expect_rc(res, 0, "status %d" % code)
        h.check(res.out.startswith(b"HTTP/1.1 %d" % code), "status line\n" + res.describe())
        h.check(res.out.endswith(b"\r\n\r\n"), "no body for %d\n%s" % (code, res.describe()))
        h.check(res.elapsed < 5, "must not wait for a body\n" + res.describe())


def test_post_data():
    e = echo(get("/echo", "-d", "a=1&b=2"))
    h.check(e["method"] == "POST", "method %r" % e["method"])
    h.check(e["body"] == "a=1&b=2", "body %r" % e["body"])
    h.check(e["headers"].get("content-type") == "application/x-www-form-urlencoded",
            "content-type %r" % e["headers"].get("content-type"))


def test_data_at_file_strips_newlines():
    d = h.tempdir()
    path = os.path.join(d, "form.txt")
    with open(path, "wb") as f:
        f.write(b"name=hxc\r\n&x=1\n")
    e = echo(get("/echo", "-d", "@" + path))
    h.check(e["body"] == "name=hxc&x=1", "-d @file strips CR/LF, got %r" % e["body"])


def test_data_binary_file_keeps_bytes():
    d = h.tempdir()
    path = os.path.join(d, "blob.bin")
    blob = bytes(range(256)) + b"\r\n\x00end"
    with open(path, "wb") as f:
        f.write(blob)
    e = echo(get("/echo", "--data-binary", "@" + path))
    h.check(bytes.fromhex(e["body_hex"]) == blob, "--data-binary changed the bytes")
    h.check(e["headers"].get("content-length") == str(len(blob)),
            "content-length %r" % e["headers"].get("content-length"))


def test_custom_header_and_method():
    e = echo(get("/echo", "-X", "PUT", "-H", "X-Custom: yes please", "-H", "X-Empty;",
                 "-d", "payload"))
    h.check(e["method"] == "PUT", "method %r" % e["method"])
    h.check(e["headers"].get("x-custom") == "yes please", "x-custom %r" % e["headers"])
    h.check(e["headers"].get("x-empty") == "", "x-empty %r" % e["headers"])
    h.check(e["body"] == "payload", "body %r" % e["body"])


def test_method_without_body():
    e = echo(get("/echo", "-X", "DELETE"))
    h.check(e["method"] == "DELETE", "method %r" % e["method"])
    h.check(e["body"] == "", "body %r" % e["body"])


def test_plain_http():
    res = h.run_hxc(["-i", plain.url("/hello")])
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/1.1 200 OK\r\n"), "status\n" + res.describe())
    h.check(res.out.endswith(b"hello from fault_server\n"), "body\n" + res.describe())
    e = echo(h.run_hxc(["--data-binary", "x", plain.url("/echo")]))
    h.check(e["method"] == "POST" and e["body"] == "x", "plain POST %r" % e)


def test_openssl_s_server_www():
    res = h.run_hxc(["-i", "-v"] + CA + [ossl.url("/page.txt", host="localhost")])
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/1.0 200"), "s_server -WWW status\n" + res.describe())
    h.check(res.out.endswith(b"served by openssl s_server\n"), "body\n" + res.describe())
    h.check(any("ALPN" in l and "http/1.1" in l for l in res.err.splitlines()),
            "ALPN http/1.1 with s_server\n" + res.describe())


if __name__ == "__main__":
    try:
        h.run_tests([
            test_alpn_selects_http1_1, test_forced_http1_1, test_chunked, test_close_delimited,
            test_http10_response, test_truncated_content_length, test_truncated_chunked,
            test_tls_close_without_close_notify, test_truncated_to_file_leaves_nothing,
            test_huge_headers, test_head, test_204_and_304_have_no_body, test_post_data,
            test_data_at_file_strips_newlines, test_data_binary_file_keeps_bytes,
            test_custom_header_and_method, test_method_without_body, test_plain_http,
            test_openssl_s_server_www,
        ])
    finally:
        for s in (node, plain, ossl):
            s.stop()
