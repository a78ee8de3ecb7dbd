"""Several URLs on one hxc command line, against nghttpd (HTTP/2) and the
Node fault server (HTTP/1.1):

- -Z fetches 20 URLs concurrently over ONE connection (-v: every
  "* [N] using connection #1, stream S" with distinct stream ids), each -o
  file exact;
- -o pairs with URLs in order (curl's rule), the rest go to stdout in URL
  order, never interleaved, even when later URLs finish first;
- -O names files after the URL's last path segment, --output-dir prefixes
  them, an empty name is a per-URL error ("remote file name has no length");
- a failing URL (404 with --fail, a refused port) is reported as
  "hxc: URL: reason", its output file does not exist, the others complete,
  and the exit code is that of the first failure in URL order;
- --parallel-max 2 still completes 10 URLs;
- without -Z the URLs run one after the other on one client and reuse the
  connection;
- on the server's side (tests/servers/h2_mux_server.js, which counts): -Z
  opens one connection with all 20 streams open at once, --parallel-max 2
  never has more than 2 open, without -Z never more than 1.
"""

import json
import os
import re
import ssl
import urllib.request

import hxctest as h

pki = h.Pki()
leaf = pki.issue()
CA = ["--cacert", pki.ca_cert]

FILES = {"f%02d.txt" % i: ("file %02d " % i).encode() * (i * 37 + 1) for i in range(20)}
# Large enough that the URLs after it finish first and must wait their turn.
FILES["big.bin"] = bytes(range(256)) * 8192  # 2 MiB
docs = h.htdocs_dir(FILES)
srv = h.nghttpd(leaf, docs).start()
h1 = h.node_server(None).start()

USING = re.compile(r"^\* (?:\[(\d+)\] )?using connection #(\d+)(?:, stream (\d+)| \((.*)\))$")


def url(name):
    return srv.url("/" + name)


def using_lines(res):
    """(index or None, connection, stream or None) for each -v 'using' line."""
    out = []
    for line in res.err.splitlines():
        m = USING.match(line)
        if m:
            out.append((int(m.group(1)) if m.group(1) else None, int(m.group(2)),
                        int(m.group(3)) if m.group(3) else None))
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def leftovers(d):
    """Temporary files left in d (output.c writes .NAME.hxc-XXXXXX)."""
    return [n for n in os.listdir(d) if ".hxc-" in n]


def test_parallel_20_urls_one_connection():
    d = h.tempdir()
    names = sorted(n for n in FILES if n.startswith("f"))
    args = CA + ["-Z", "-v"]
    for n in names:
        args += ["-o", os.path.join(d, n), url(n)]
    res = h.run_hxc(args)
    h.expect_rc(res, 0)
    for n in names:
        h.check(read(os.path.join(d, n)) == FILES[n], "contents of %s\n%s" % (n, res.describe()))
    h.check(not leftovers(d), "temporary files left: %r" % leftovers(d))
    lines = using_lines(res)
    h.check(len(lines) == 20, "want 20 'using connection' lines, got %d\n%s"
            % (len(lines), res.describe()))
    h.check(sorted(i for i, _, _ in lines) == list(range(1, 21)),
            "every transfer index 1..20 once: %r" % lines)
    h.check({c for _, c, _ in lines} == {1}, "all on connection #1: %r" % lines)
    streams = [s for _, _, s in lines]
    h.check(None not in streams and len(set(streams)) == 20,
            "20 distinct HTTP/2 stream ids: %r" % streams)
    h.check(all(s % 2 == 1 for s in streams), "client streams are odd: %r" % streams)


def test_parallel_stdout_in_url_order():
    names = ["big.bin", "f01.txt", "f02.txt", "big.bin", "f03.txt"]
    res = h.run_hxc(CA + ["-Z"] + [url(n) for n in names])
    h.expect_rc(res, 0)
    want = b"".join(FILES[n] for n in names)
    h.check(res.out == want, "stdout must be the bodies in URL order (%d bytes, want %d)\n%s"
            % (len(res.out), len(want), res.describe()))


def test_outputs_pair_with_urls_in_order():
    d = h.tempdir()
    a, b = os.path.join(d, "a"), os.path.join(d, "b")
    # curl's rule: the n-th -o belongs to the n-th URL wherever it appears.
    res = h.run_hxc(CA + ["-Z", url("f04.txt"), "-o", a, url("f05.txt"), "-o", b,
                          url("f06.txt"), url("f07.txt")])
    h.expect_rc(res, 0)
    h.check(read(a) == FILES["f04.txt"], "a holds f04")
    h.check(read(b) == FILES["f05.txt"], "b holds f05")
    h.check(res.out == FILES["f06.txt"] + FILES["f07.txt"], "stdout: f06 then f07\n"
            + res.describe())


def test_remote_name_and_output_dir():
    d = h.tempdir()
    res = h.run_hxc(CA + ["-Z", "--output-dir", d, "-O", url("f08.txt"), "-O",
                          url("f09.txt?x=1#frag"), "--remote-name", url("big.bin")])
    h.expect_rc(res, 0)
    for n in ("f08.txt", "f09.txt", "big.bin"):
        h.check(read(os.path.join(d, n)) == FILES[n], "contents of %s\n%s" % (n, res.describe()))
    h.check(res.out == b"", "nothing on stdout\n" + res.describe())
    # -O in the current directory, -o relative to --output-dir.
    cwd = h.tempdir()
    res = h.run_hxc(CA + ["-O", url("f10.txt")], cwd=cwd)
    h.expect_rc(res, 0)
    h.check(read(os.path.join(cwd, "f10.txt")) == FILES["f10.txt"], res.describe())
    res = h.run_hxc(CA + ["--output-dir", d, "-o", "rel.txt", url("f11.txt")], cwd=cwd)
    h.expect_rc(res, 0)
    h.check(read(os.path.join(d, "rel.txt")) == FILES["f11.txt"], res.describe())


def test_remote_name_without_length_fails_that_url_only():
    d = h.tempdir()
    res = h.run_hxc(CA + ["-Z", "--output-dir", d, "-O", srv.url("/"), "-O", url("f12.txt")])
    h.expect_rc(res, 23, "-O on a URL without a file name")
    h.expect_in("remote file name has no length", res.err, res, "stderr")
    h.expect_in("hxc: " + srv.url("/") + ": ", res.err, res, "stderr")
    h.check(read(os.path.join(d, "f12.txt")) == FILES["f12.txt"], "the other URL completes")


def run_mix(urls_and_outputs, extra=()):
    args = CA + list(extra)
    for u, o in urls_and_outputs:
        args += ["-o", o, u]
    return h.run_hxc(args)


def check_mix(parallel):
    d = h.tempdir()
    refused = "https://127.0.0.1:%d/f00.txt" % h.closed_port()
    missing = url("no-such-file.txt")
    p = lambda n: os.path.join(d, n)
    extra = ["--fail"] + (["-Z"] if parallel else [])
    # The 404 comes first in URL order: exit 22.
    res = run_mix([(url("f13.txt"), p("ok1")), (missing, p("missing")), (url("big.bin"),
                   p("ok2")), (refused, p("refused")), (url("f14.txt"), p("ok3"))], extra)
    h.expect_rc(res, 22, "first failure in URL order is the 404")
    h.check(read(p("ok1")) == FILES["f13.txt"] and read(p("ok2")) == FILES["big.bin"] and
            read(p("ok3")) == FILES["f14.txt"], "the good URLs complete\n" + res.describe())
    for n in ("missing", "refused"):
        h.check(not os.path.exists(p(n)), "no output file for the failed URL %s" % n)
    h.check(not leftovers(d), "temporary files left: %r" % leftovers(d))
    h.expect_in("hxc: %s: " % missing, res.err, res, "stderr")
    h.expect_in("hxc: %s: " % refused, res.err, res, "stderr")
    h.expect_in("404", res.err, res, "stderr")
    # The refused port first: exit 7 although the 404 also fails.
    e = h.tempdir()
    q = lambda n: os.path.join(e, n)
    res = run_mix([(refused, q("refused")), (url("f15.txt"), q("ok")), (missing, q("missing"))],
                  extra)
    h.expect_rc(res, 7, "first failure in URL order is the refused connection")
    h.check(read(q("ok")) == FILES["f15.txt"], "the good URL completes\n" + res.describe())
    h.check(not os.path.exists(q("refused")) and not os.path.exists(q("missing")),
            "no output for failed URLs: %r" % os.listdir(e))


def test_parallel_failures_reported_per_url():
    check_mix(parallel=True)


def test_sequential_failures_reported_per_url():
    check_mix(parallel=False)


def test_parallel_max_2_completes_10_urls():
    d = h.tempdir()
    names = ["f%02d.txt" % i for i in range(10)]
    args = CA + ["-Z", "--parallel-max", "2", "-v"]
    for n in names:
        args += ["-o", os.path.join(d, n), url(n)]
    res = h.run_hxc(args)
    h.expect_rc(res, 0)
    for n in names:
        h.check(read(os.path.join(d, n)) == FILES[n], "contents of %s\n%s" % (n, res.describe()))
    lines = using_lines(res)
    h.check(sorted(i for i, _, _ in lines) == list(range(1, 11)), "10 transfers: %r" % lines)
    h.check({c for _, c, _ in lines} == {1}, "one connection: %r" % lines)


def test_sequential_reuses_the_connection():
    names = ["f16.txt", "f17.txt", "f18.txt"]
    res = h.run_hxc(CA + ["-v"] + [url(n) for n in names])
    h.expect_rc(res, 0)
    h.check(res.out == b"".join(FILES[n] for n in names), "bodies in order\n" + res.describe())
    lines = using_lines(res)
    h.check(len(lines) == 3 and all(i is None for i, _, _ in lines),
            "three untagged 'using connection' lines without -Z: %r\n%s"
            % (lines, res.describe()))
    h.check({c for _, c, _ in lines} == {1}, "all on connection #1: %r\n%s"
            % (lines, res.describe()))
    streams = [s for _, _, s in lines]
    h.check(len(set(streams)) == 3, "three streams on the one connection: %r" % streams)


def test_http1_parallel_and_sequential():
    urls = [h1.url("/hello"), h1.url("/chunked"), h1.url("/hello")]
    seq = h.run_hxc(urls)
    h.expect_rc(seq, 0)
    res = h.run_hxc(["-Z", "-v"] + urls)
    h.expect_rc(res, 0)
    h.check(res.out == seq.out, "-Z stdout equals the sequential output\n" + res.describe())
    lines = using_lines(res)
    h.check(len(lines) == 3, "three 'using connection' lines: %r\n%s" % (lines, res.describe()))
    res = h.run_hxc(["-v"] + urls)
    h.expect_rc(res, 0)
    h.check({c for _, c, _ in using_lines(res)} == {1},
            "HTTP/1.1 keep-alive: one after the other on connection #1\n" + res.describe())


def mux_stats(mux, reset=False):
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    path = "/stats/reset" if reset else "/stats"
    with urllib.request.urlopen(mux.url(path), context=ctx, timeout=10) as r:
        body = r.read()
    return None if reset else json.loads(body)


def test_server_side_concurrency():
    mux = h.Server(["node", os.path.join(h.SERVERS_DIR, "h2_mux_server.js"), "--host",
                    "127.0.0.1", "--port", "0", "--key", leaf.key, "--cert", leaf.cert,
                    "--delay-ms", "300"], "node-h2-mux", ready_line="READY")
    with mux:
        items = lambda n: [mux.url("/item/%d" % i) for i in range(n)]
        want = lambda n: b"".join(b"item %d\n" % i for i in range(n))
        cases = ((["-Z"], 20, 20), (["-Z", "--parallel-max", "2"], 10, 2), ([], 4, 1))
        for extra, n, peak in cases:
            mux_stats(mux, reset=True)
            res = h.run_hxc(CA + extra + items(n))
            h.expect_rc(res, 0)
            h.check(res.out == want(n), "bodies in URL order\n" + res.describe())
            st = mux_stats(mux)
            what = "%s with %d URLs" % (" ".join(extra) or "no -Z", n)
            h.check(st["connections"] == 1, "%s: %d HTTP/2 connections, want 1"
                    % (what, st["connections"]))
            h.check(st["served"] == n and not st["duplicates"], "%s: served %r" % (what, st))
            h.check(st["maxConcurrent"] == peak, "%s: at most %d streams open at once on the "
                    "server, saw %d" % (what, peak, st["maxConcurrent"]))


def test_dev_null_and_usage():
    res = h.run_hxc(CA + ["-Z", "-o", "/dev/null", url("big.bin"), "-o", "/dev/null",
                          url("f19.txt")])
    h.expect_rc(res, 0, "-o /dev/null is written in place")
    for bad in (["--parallel-max", "0"], ["--parallel-max", "x"]):
        res = h.run_hxc(CA + ["-Z"] + bad + [url("f00.txt")])
        h.expect_rc(res, 2, "usage error for %r" % bad)
        h.expect_error_message(res)
    res = h.run_hxc(["--help"])
    for opt in ("-Z, --parallel", "--parallel-max", "-O, --remote-name", "--output-dir"):
        h.expect_in(opt, res.text, res, "--help")


h.run_tests([
    test_parallel_20_urls_one_connection,
    test_parallel_stdout_in_url_order,
    test_outputs_pair_with_urls_in_order,
    test_remote_name_and_output_dir,
    test_remote_name_without_length_fails_that_url_only,
    test_parallel_failures_reported_per_url,
    test_sequential_failures_reported_per_url,
    test_parallel_max_2_completes_10_urls,
    test_sequential_reuses_the_connection,
    test_http1_parallel_and_sequential,
    test_server_side_concurrency,
    test_dev_null_and_usage,
])
