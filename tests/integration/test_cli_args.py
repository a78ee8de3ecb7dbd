"""Command-line parsing of hxc, through the binary against a plain-HTTP Node
echo server: bundled short options, attached values, --opt=value, --, --url,
repeated -d, @- from stdin, --data-raw, Content-Type defaults."""

import json
import os

import hxctest as h

srv = h.node_server(None).start()


def echo(args, stdin=None):
    res = h.run_hxc(args, stdin=stdin)
    h.expect_rc(res, 0)
    try:
        return json.loads(res.out)
    except ValueError:
        h.fail("echo did not return JSON\n" + res.describe())


def test_bundled_short_options():
    res = h.run_hxc(["-sSfL", srv.url("/redirect?to=/hello")])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello from fault_server\n", "body\n" + res.describe())
    res = h.run_hxc(["-sSf", srv.url("/status/404")])
    h.expect_rc(res, 22)
    h.expect_error_message(res)


def test_attached_values():
    d = h.tempdir()
    a = os.path.join(d, "a.txt")
    b = os.path.join(d, "b.txt")
    h.expect_rc(h.run_hxc(["-so" + a, srv.url("/hello")]), 0)
    h.expect_rc(h.run_hxc(["--output=" + b, "--max-time=5", srv.url("/hello")]), 0)
    for p in (a, b):
        with open(p, "rb") as f:
            h.check(f.read() == b"hello from fault_server\n", "contents of %s" % p)
    e = echo(["-XPATCH", "-HX-Attached: 1", srv.url("/echo")])
    h.check(e["method"] == "PATCH", "method %r" % e["method"])
    h.check(e["headers"].get("x-attached") == "1", "headers %r" % e["headers"])


def test_double_dash_and_url_option():
    res = h.run_hxc(["-s", "--", srv.url("/hello")])
    h.expect_rc(res, 0)
    res = h.run_hxc(["--url", srv.url("/hello")])
    h.expect_rc(res, 0)
    h.check(res.out == b"hello from fault_server\n", "body\n" + res.describe())


def test_repeated_data_joined_with_ampersand():
    e = echo(["-d", "a=1", "-d", "b=2", "--data-raw", "@c", srv.url("/echo")])
    h.check(e["body"] == "a=1&b=2&@c", "body %r" % e["body"])
    h.check(e["method"] == "POST", "method %r" % e["method"])


def test_data_from_stdin():
    e = echo(["--data-binary", "@-", srv.url("/echo")], stdin=b"from\r\nstdin\x00")
    h.check(bytes.fromhex(e["body_hex"]) == b"from\r\nstdin\x00", "body %r" % e["body"])
    e = echo(["-d", "@-", srv.url("/echo")], stdin=b"line1\nline2\r\n")
    h.check(e["body"] == "line1line2", "body %r" % e["body"])


def test_empty_data_is_a_post():
    e = echo(["-d", "", srv.url("/echo")])
    h.check(e["method"] == "POST", "method %r" % e["method"])
    h.check(e["body"] == "", "body %r" % e["body"])


def test_content_type_default_and_override():
    e = echo(["-d", "x", srv.url("/echo")])
    h.check(e["headers"].get("content-type") == "application/x-www-form-urlencoded",
            "default content-type %r" % e["headers"])
    e = echo(["-H", "content-type: application/json", "-d", "{}", srv.url("/echo")])
    h.check(e["headers"].get("content-type") == "application/json",
            "the user's content-type wins, once: %r" % e["headers"])


def test_head_with_data_is_usage_error():
    res = h.run_hxc(["-I", "-d", "x", srv.url("/echo")])
    h.expect_rc(res, 2)


def test_max_redirs_validation():
    for bad in ("-2", "x", "1.5"):
        res = h.run_hxc(["--max-redirs", bad, srv.url("/hello")])
        h.expect_rc(res, 2, "--max-redirs %s" % bad)


if __name__ == "__main__":
    try:
        h.run_tests([
            test_bundled_short_options, test_attached_values, test_double_dash_and_url_option,
            test_repeated_data_joined_with_ampersand, test_data_from_stdin,
            test_empty_data_is_a_post, test_content_type_default_and_override,
            test_head_with_data_is_usage_error, test_max_redirs_validation,
        ])
    finally:
        srv.stop()
