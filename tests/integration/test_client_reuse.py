"""The library's connection reuse, through tests/integration/fetch_many.c:
several requests on one client share one connection (HTTP/2 and HTTP/1.1
keep-alive); a server that closes after each response, or an idle
connection the server dropped, is noticed and a new connection opened."""

import os
import subprocess

import hxctest as h

FETCH_MANY = os.path.join(os.environ.get("HXC_BUILD_DIR", "build"), "fetch_many")

pki = h.Pki(key_type="ec")
leaf = pki.issue()
docs = h.htdocs_dir()
h2srv = h.nghttpd(leaf, docs).start()
h1srv = h.node_server(leaf).start()


def fetch(args):
    p = subprocess.run([FETCH_MANY] + args, capture_output=True, text=True, timeout=60)
    lines = p.stdout.strip().splitlines()
    h.check(lines and lines[-1].startswith("connections: "),
            "fetch_many printed no connection count:\n%s\n%s" % (p.stdout, p.stderr))
    return p.returncode, lines[:-1], int(lines[-1].split()[1]), p


def test_h2_requests_share_one_connection():
    urls = [h2srv.url("/hello.txt")] * 5
    rc, lines, conns, p = fetch(["--cacert", pki.ca_cert] + urls)
    h.check(rc == 0, "fetch_many failed:\n" + p.stdout + p.stderr)
    h.check(all(l.startswith("200 HTTP/2 15 ") for l in lines), "\n".join(lines))
    h.check(conns == 1, "5 HTTP/2 requests used %d connections, want 1" % conns)
    h.check(lines[0].endswith("new") and all(l.endswith("reused") for l in lines[1:]),
            "\n".join(lines))


def test_h1_keep_alive_reuse():
    urls = [h1srv.url("/hello"), h1srv.url("/echo"), h1srv.url("/hello")]
    rc, lines, conns, p = fetch(["--cacert", pki.ca_cert, "--http1.1"] + urls)
    h.check(rc == 0, "fetch_many failed:\n" + p.stdout + p.stderr)
    h.check(all(" HTTP/1.1 " in l for l in lines), "\n".join(lines))
    h.check(conns == 1, "3 keep-alive requests used %d connections, want 1" % conns)


def test_h1_close_delimited_means_new_connection():
    urls = [h1srv.url("/close-delimited"), h1srv.url("/hello")]
    rc, lines, conns, p = fetch(["--cacert", pki.ca_cert, "--http1.1"] + urls)
    h.check(rc == 0, "fetch_many failed:\n" + p.stdout + p.stderr)
    h.check(conns == 2, "a close-delimited response must not be reused (%d connections)" % conns)


def test_server_closed_idle_connection_is_noticed():
    # /close-now: the server closes after reading the request without
    # answering: hxc must not report the first request as OK.
    urls = [h1srv.url("/hello"), h1srv.url("/close-now"), h1srv.url("/hello")]
    rc, lines, conns, p = fetch(["--cacert", pki.ca_cert, "--http1.1"] + urls)
    h.check(lines[0].startswith("200 "), "\n".join(lines))
    h.check(lines[1].startswith("ERROR HXC_E_"), "close-now must fail:\n" + "\n".join(lines))
    h.check(lines[2].startswith("200 "), "the next request must succeed on a new connection:\n"
            + "\n".join(lines))


def test_different_origins_use_different_connections():
    urls = [h2srv.url("/hello.txt"), h1srv.url("/hello"), h2srv.url("/hello.txt")]
    rc, lines, conns, p = fetch(["--cacert", pki.ca_cert] + urls)
    h.check(rc == 0, "fetch_many failed:\n" + p.stdout + p.stderr)
    h.check(conns == 2, "two origins, %d connections (want 2)" % conns)
    h.check(lines[2].endswith("reused"), "\n".join(lines))


h.run_tests([
    test_h2_requests_share_one_connection,
    test_h1_keep_alive_reuse,
    test_h1_close_delimited_means_new_connection,
    test_server_closed_idle_connection_is_noticed,
    test_different_origins_use_different_connections,
])
