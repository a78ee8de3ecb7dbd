"""Timeouts: -m/--max-time against servers that stall before or during the
response, --connect-timeout against a server that accepts TCP and never
answers the TLS handshake. Exit 28, and the time taken is near the limit."""

import os

import hxctest as h

SLACK = 3.0  # seconds allowed beyond a limit (loaded CI machines)

pki = h.Pki()
leaf = pki.issue()
node = h.node_server(leaf).start()
plain = h.node_server(None).start()
hole = h.node_server(None, mode="blackhole").start()

CA = ["--cacert", pki.ca_cert]


def timed(limit, args, url):
    res = h.run_hxc(args + [url], timeout=limit + 20)
    h.expect_rc(res, 28, "timeout after %.1f s" % limit)
    h.expect_error_message(res)
    h.check(res.elapsed >= limit * 0.8, "gave up after %.2f s, before the %.1f s limit\n%s"
            % (res.elapsed, limit, res.describe()))
    h.check(res.elapsed < limit + SLACK, "took %.2f s for a %.1f s limit\n%s"
            % (res.elapsed, limit, res.describe()))
    return res


def test_max_time_stall_before_headers():
    timed(1.5, CA + ["-m", "1.5"], node.url("/stall-headers"))


def test_max_time_stall_mid_body():
    d = h.tempdir()
    target = os.path.join(d, "partial.txt")
    timed(1.0, CA + ["--max-time", "1", "-o", target], node.url("/stall-body"))
    h.check(os.listdir(d) == [], "a timed-out transfer left %s" % os.listdir(d))


def test_max_time_plain_http():
    timed(1.0, ["-m", "1"], plain.url("/stall-headers"))


def test_connect_timeout_tls_never_answered():
    res = timed(1.0, CA + ["--connect-timeout", "1"], "https://127.0.0.1:%d/" % hole.port)
    h.check("connect" in res.err.lower() or "handshake" in res.err.lower(),
            "the message names the connect/handshake phase\n" + res.describe())


def test_connect_timeout_fraction():
    timed(0.5, CA + ["--connect-timeout", "0.5"], "https://127.0.0.1:%d/" % hole.port)


def test_max_time_covers_handshake():
    timed(1.0, CA + ["-m", "1"], "https://127.0.0.1:%d/" % hole.port)


def test_slow_but_within_limit():
    res = h.run_hxc(CA + ["-m", "5", node.url("/slow?ms=300")], timeout=20)
    h.expect_rc(res, 0)
    h.check(res.out == b"slow\n", "body\n" + res.describe())


def test_bad_timeout_value():
    res = h.run_hxc(["-m", "soon", node.url("/hello")])
    h.expect_rc(res, 2)
    res = h.run_hxc(["--connect-timeout", "-1", node.url("/hello")])
    h.expect_rc(res, 2)


if __name__ == "__main__":
    try:
        h.run_tests([
            test_max_time_stall_before_headers, test_max_time_stall_mid_body,
            test_max_time_plain_http, test_connect_timeout_tls_never_answered,
            test_connect_timeout_fraction, test_max_time_covers_handshake,
            test_slow_but_within_limit, test_bad_timeout_value,
        ])
    finally:
        for s in (node, plain, hole):
            s.stop()
