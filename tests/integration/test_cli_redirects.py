"""Redirects with -L against Node fault servers: each status code's method
rule, relative and absolute Location, chains, --max-redirs, loops, and the
cross-origin hop that must drop Authorization."""

import json

import hxctest as h

pki = h.Pki()
leaf = pki.issue()
a = h.node_server(leaf).start()             # https://localhost:A
b = h.node_server(leaf).start()             # https://127.0.0.1:B, another origin
plain = h.node_server(None).start()

CA = ["--cacert", pki.ca_cert]


def a_url(path):
    return a.url(path, host="localhost")


def run(*args):
    return h.run_hxc(CA + list(args))


def echo(res):
    h.expect_rc(res, 0)
    try:
        return json.loads(res.out)
    except ValueError:
        h.fail("the redirect did not end at /echo\n" + res.describe())


def test_not_followed_without_L():
    res = run("-i", a_url("/redirect?code=302&to=/hello"))
    h.expect_rc(res, 0)
    h.check(res.out.startswith(b"HTTP/1.1 302 Found\r\n"), "302 head\n" + res.describe())
    h.check(b"Location: /hello\r\n" in res.out, "Location shown\n" + res.describe())
    h.check(res.out.endswith(b"redirecting\n"), "redirect body\n" + res.describe())


def test_method_rules():
    # code -> (method after a POST, body kept)
    rules = {301: ("GET", False), 302: ("GET", False), 303: ("GET", False),
             307: ("POST", True), 308: ("POST", True)}
    for code, (method, keeps_body) in rules.items():
        e = echo(run("-L", "-d", "payload=1", a_url("/redirect?code=%d&to=/echo" % code)))
        h.check(e["method"] == method, "%d: method after POST is %r, want %s"
                % (code, e["method"], method))
        h.check((e["body"] == "payload=1") == keeps_body,
                "%d: body after redirect is %r" % (code, e["body"]))


def test_303_turns_put_into_get():
    e = echo(run("-L", "-X", "PUT", "-d", "x", a_url("/redirect?code=303&to=/echo")))
    h.check(e["method"] == "GET", "303 after PUT gives %r" % e["method"])


def test_absolute_location():
    target = a_url("/hello")
    res = run("-L", a_url("/redirect?code=301&to=" + target))
    h.expect_rc(res, 0)
    h.check(res.out == b"hello from fault_server\n", "body\n" + res.describe())


def test_chain_prints_every_head_with_i():
    res = run("-L", "-i", a_url("/chain/3"))
    h.expect_rc(res, 0)
    h.check(res.out.count(b"HTTP/1.1 302 Found\r\n") == 3, "three 302 heads\n" + res.describe())
    h.check(res.out.endswith(b"end of chain\n"), "final body\n" + res.describe())


def test_max_redirs():
    res = run("-L", "--max-redirs", "3", a_url("/chain/3"))
    h.expect_rc(res, 0, "exactly 3 redirects are allowed")
    res = run("-L", "--max-redirs", "2", a_url("/chain/3"))
    h.expect_rc(res, 47)
    h.expect_error_message(res)
    h.check(res.out == b"", "no body after too many redirects\n" + res.describe())
    res = run("-L", "--max-redirs", "0", a_url("/chain/1"))
    h.expect_rc(res, 47)


def test_redirect_loop():
    res = run("-L", "-m", "20", a_url("/loop"))
    h.expect_rc(res, 47, "a redirect loop stops at the default limit")
    h.expect_error_message(res)


def test_same_origin_keeps_authorization():
    e = echo(run("-L", "-H", "Authorization: Bearer secret", a_url("/redirect?to=/echo")))
    h.check(e["headers"].get("authorization") == "Bearer secret",
            "same-origin hop lost Authorization: %r" % e["headers"])


def test_cross_origin_drops_authorization():
    target = b.url("/echo", host="127.0.0.1")
    e = echo(run("-L", "-H", "Authorization: Bearer secret", "-H", "X-Other: kept",
                 a_url("/redirect?code=302&to=" + target)))
    h.check("authorization" not in e["headers"],
            "cross-origin hop must drop Authorization, target saw %r" % e["headers"])
    h.check(e["headers"].get("x-other") == "kept", "other headers are kept: %r" % e["headers"])


def test_https_to_plain_http():
    target = plain.url("/echo")
    e = echo(run("-L", "-H", "Authorization: Bearer secret",
                 a_url("/redirect?code=307&to=" + target)))
    h.check("authorization" not in e["headers"],
            "https -> http hop must drop Authorization: %r" % e["headers"])


if __name__ == "__main__":
    try:
        h.run_tests([
            test_not_followed_without_L, test_method_rules, test_303_turns_put_into_get,
            test_absolute_location, test_chain_prints_every_head_with_i, test_max_redirs,
            test_redirect_loop, test_same_origin_keeps_authorization,
            test_cross_origin_drops_authorization, test_https_to_plain_http,
        ])
    finally:
        for s in (a, b, plain):
            s.stop()
