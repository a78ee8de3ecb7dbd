"""HTTP/2 multiplexing, the pool and the concurrent API against real servers
(issue 4), through tests/integration/concurrent.c (one client, many
transfers, callbacks) and tests/servers/h2_mux_server.js (a Node http2
server that misbehaves on purpose and counts what it saw on the wire).

Every test asserts both on what each transfer got and on the server's view:
streams open at once, connections, requests answered per id (none twice),
RST_STREAMs received from the client.
"""

import array
import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.request

import hxctest as h

DRIVER = os.path.join(h.BUILD_DIR, "concurrent")
SERVER_JS = os.path.join(h.SERVERS_DIR, "h2_mux_server.js")

pki = h.Pki(key_type="ec")
leaf = pki.issue()


# ------------------------------------------------------------ helpers

def mux_server(*args):
    argv = ["node", SERVER_JS, "--host", "127.0.0.1", "--port", "0", "--key", leaf.key,
            "--cert", leaf.cert] + [str(a) for a in args]
    return h.Server(argv, "h2-mux", ready_line="READY")


def stats(srv):
    """The server's counters, fetched over HTTP/1.1 (not counted as h2)."""
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    with urllib.request.urlopen(srv.url("/stats"), context=ctx, timeout=10) as r:
        return json.loads(r.read())


class Run:
    """A parsed run of the driver."""

    LINE = re.compile(r"^(\d+) (\d+) (\d+) conn=(\d+) stream=(-?\d+) ver=(\S+) first=(\S*)"
                      r"(?: pattern=(\S+))?$")
    ERR = re.compile(r"^(\d+) ERROR (\S+) conn=(\d+) stream=(-?\d+) ?(.*)$")

    def __init__(self, argv, proc, elapsed):
        self.argv = argv
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.elapsed = elapsed
        self.items = {}
        self.summary = None
        self.held = None
        for line in self.out.splitlines():
            m = self.LINE.match(line)
            if m:
                self.items[int(m.group(1))] = {
                    "ok": True, "status": int(m.group(2)), "bytes": int(m.group(3)),
                    "conn": int(m.group(4)), "stream": int(m.group(5)),
                    "ver": m.group(6), "first": m.group(7), "pattern": m.group(8)}
                continue
            m = self.ERR.match(line)
            if m:
                self.items[int(m.group(1))] = {
                    "ok": False, "error": m.group(2), "conn": int(m.group(3)),
                    "stream": int(m.group(4)), "message": m.group(5)}
                continue
            if line.startswith("held "):
                self.held = line.split()[1:]
                continue
            if line.startswith("done "):
                self.summary = {k: int(v) for k, v in
                                (kv.split("=") for kv in line.split()[1:])}

    def describe(self, limit=40):
        lines = self.out.splitlines()
        if len(lines) > limit:
            lines = lines[:limit // 2] + ["... (%d lines)" % len(lines)] + lines[-limit // 2:]
        return ("command: %s\nexit: %s (%.2f s)\nstdout:\n  %s\nstderr:\n  %s"
                % (" ".join(self.argv), self.rc, self.elapsed, "\n  ".join(lines),
                   "\n  ".join(self.err.splitlines()[-20:])))

    def fail(self, msg, srv_stats=None):
        extra = ""
        if srv_stats is not None:
            s = dict(srv_stats)
            s.pop("servedIds", None)
            extra = "\nserver stats: %s" % json.dumps(s)[:3000]
        h.fail("%s\n%s%s" % (msg, self.describe(), extra))


def drive(n, url, *opts, timeout=40):
    """Runs the driver; n transfers (times --rounds when given). The driver
    gives up by itself after 25 s (every run here takes a few seconds at
    most, also under the sanitizers), so that a hang fails fast."""
    total = n
    if "--rounds" in opts:
        total = n * int(opts[opts.index("--rounds") + 1])
    argv = [DRIVER, "--cacert", pki.ca_cert, "--deadline-s", 25] + list(opts) + [n, url]
    argv = [str(a) for a in argv]
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:
        # AddressSanitizer keeps freed blocks in a quarantine (256 MiB by
        # default) that counts in the peak RSS the memory tests assert on:
        # a small one keeps those figures about the library's memory.
        env["ASAN_OPTIONS"] += ":quarantine_size_mb=8"
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        h.fail("driver did not finish within %d s: %s\nstdout so far:\n%s"
               % (timeout, " ".join(argv), e.stdout))
    run = Run(argv, proc, time.monotonic() - start)
    if run.summary is None or run.rc not in (0, 1):
        run.fail("the driver did not complete normally (exit 2: usage, 3: its own deadline, "
                 "4: on_done twice / never, or the loop failed)")
    if len(run.items) != total:
        run.fail("expected %d transfer lines, got %d" % (total, len(run.items)))
    return run


def expect_items_ok(run, indices, st=None):
    """Each index: HTTP 200 whose body is 'item <i>' (no mixed-up streams)."""
    for i in indices:
        it = run.items[i]
        if not it["ok"] or it["status"] != 200 or it["first"] != "item_%d" % i:
            run.fail("transfer %d: want 200 'item %d', got %r" % (i, i, it), st)


def expect_items_error(run, indices, code, st=None):
    for i in indices:
        it = run.items[i]
        if it["ok"] or it["error"] != code:
            run.fail("transfer %d: want %s, got %r" % (i, code, it), st)


def expect_served_once(run, st, ids):
    """The server answered each /item/<id> exactly once and nothing else."""
    if st["duplicates"]:
        run.fail("the server answered these ids more than once: %s" % st["duplicates"], st)
    got = set(st["servedIds"])
    want = set(ids)
    if got != want:
        run.fail("served ids differ: missing %s, unexpected %s"
                 % (sorted(want - got)[:20], sorted(got - want)[:20]), st)


def note(msg):
    print("  note: " + msg)
    sys.stdout.flush()


# ------------------------------------------------------------ tests

def test_max_streams_5_with_200_submitted():
    """SETTINGS_MAX_CONCURRENT_STREAMS 5, 200 transfers at once: all complete,
    never more than 5 open on a connection, and hxc fills the 5."""
    with mux_server("--max-streams", 5, "--delay-ms", 20) as srv:
        run = drive(200, srv.url("/item/{i}"))
        st = stats(srv)
    expect_items_ok(run, range(200), st)
    if run.rc != 0:
        run.fail("exit %d with every transfer OK" % run.rc, st)
    if st["maxConcurrent"] > 5:
        run.fail("the server saw %d streams open at once on one connection (limit 5)"
                 % st["maxConcurrent"], st)
    if st["maxConcurrent"] < 5:
        run.fail("only %d streams were ever open at once: hxc did not multiplex up to the "
                 "server's limit of 5" % st["maxConcurrent"], st)
    expect_served_once(run, st, range(200))
    if st["refused"] or st["sessionErrors"]:
        run.fail("unexpected refusals or session errors", st)
    note("hxc used %d connection(s) for 200 transfers at max-streams 5 (peak %d open in total)"
         % (st["connections"], st["maxConcurrentTotal"]))


def test_step_api_drives_the_same_transfers():
    """hxc_client_step with a timeout instead of hxc_client_run."""
    with mux_server("--max-streams", 10, "--delay-ms", 10) as srv:
        run = drive(60, srv.url("/item/{i}"), "--step-ms", 5)
        st = stats(srv)
    expect_items_ok(run, range(60), st)
    expect_served_once(run, st, range(60))
    if st["connections"] != 1:
        run.fail("60 transfers to one origin used %d connections" % st["connections"], st)


def test_goaway_midflight_every_request_once():
    """GOAWAY(last-stream-id) after 40 requests on every connection: the
    streams above it are retried on a new connection, each request is
    answered exactly once and none fails."""
    with mux_server("--goaway-after", 40, "--delay-ms", 20) as srv:
        run = drive(150, srv.url("/item/{i}"))
        st = stats(srv)
    expect_items_ok(run, range(150), st)
    expect_served_once(run, st, range(150))
    if st["goaways"] < 2:
        run.fail("expected the server to send GOAWAY on several connections, it sent %d"
                 % st["goaways"], st)
    if st["connections"] < 4:
        run.fail("150 requests at 40 per connection need at least 4 connections, the server "
                 "saw %d" % st["connections"], st)
    note("GOAWAY: %d connections, %d GOAWAYs, %d streams above last-stream-id reached the "
         "server and were ignored" % (st["connections"], st["goaways"], st["ignoredAfterGoaway"]))


def test_refused_stream_retried_other_resets_fail_alone():
    """REFUSED_STREAM (i % 3 == 0, first time) is retried transparently;
    INTERNAL_ERROR (i % 5 == 0) fails that transfer only, siblings on the
    same connection succeed, and it is not retried."""
    n = 60
    with mux_server("--refuse-every", 3, "--reset-every", 5, "--delay-ms", 5) as srv:
        run = drive(n, srv.url("/item/{i}"))
        st = stats(srv)
    reset = [i for i in range(n) if i % 5 == 0]
    good = [i for i in range(n) if i % 5 != 0]
    refused = [i for i in good if i % 3 == 0]
    expect_items_error(run, reset, "HXC_E_H2_STREAM_RESET", st)
    expect_items_ok(run, good, st)
    expect_served_once(run, st, good)
    if st["refused"] != len(refused):
        run.fail("the server refused %d streams, expected %d" % (st["refused"], len(refused)),
                 st)
    if st["resets"] != len(reset):
        run.fail("INTERNAL_ERROR resets: server sent %d for %d transfers: a stream error "
                 "must not be retried" % (st["resets"], len(reset)), st)
    if st["connections"] != 1:
        run.fail("stream errors must not cost the connection: %d connections"
                 % st["connections"], st)
    if run.rc != 1:
        run.fail("some transfers failed: the driver must exit 1", st)
    msg = run.items[reset[0]]["message"]
    if "reset" not in msg.lower() or len(msg) < 20:
        run.fail("the stream-reset error should say what happened in words: %r" % msg, st)


def test_stall_read_timeout_fails_only_stalled():
    """Stalled /item/<i % 10 == 0> get HXC_E_TIMEOUT_READ, the rest complete.
    At max-streams 5 a timed-out stream must be reset (RST_STREAM) or the
    server's stream limit would be exceeded."""
    n = 40
    stalled = [i for i in range(n) if i % 10 == 0]
    with mux_server("--max-streams", 5, "--stall-every", 10, "--delay-ms", 10) as srv:
        run = drive(n, srv.url("/item/{i}"), "--read-timeout-ms", 600)
        st = stats(srv)
    expect_items_error(run, stalled, "HXC_E_TIMEOUT_READ", st)
    expect_items_ok(run, [i for i in range(n) if i % 10 != 0], st)
    if run.elapsed > 10:
        run.fail("took %.1f s: read timeouts of 0.6 s should finish far sooner" % run.elapsed,
                 st)
    if st["maxConcurrent"] > 5:
        run.fail("more than 5 streams open at once (%d): timed-out streams kept their slot "
                 "on the server" % st["maxConcurrent"], st)
    reset_paths = set(st["cancelled"]) | set(p for p, _ in st["clientResets"])
    missing = [i for i in stalled if "/item/%d" % i not in reset_paths]
    if missing:
        run.fail("no RST_STREAM from hxc for timed-out transfers %s" % missing, st)


def test_stall_after_head_read_timeout():
    """Head and 10 body bytes, then silence: read timeout during the body."""
    n = 20
    with mux_server("--stall-every", 10, "--stall-after-head", "--delay-ms", 5) as srv:
        run = drive(n, srv.url("/item/{i}"), "--read-timeout-ms", 500)
        st = stats(srv)
    expect_items_error(run, [0, 10], "HXC_E_TIMEOUT_READ", st)
    expect_items_ok(run, [i for i in range(n) if i % 10 != 0], st)
    if st["connections"] != 1:
        run.fail("a stream's read timeout must not cost the connection: %d connections"
                 % st["connections"], st)


def test_overall_deadline():
    """total_timeout_ms 800 with a 10 s read timeout: stalled transfers fail
    with HXC_E_TIMEOUT_TOTAL at about 0.8 s, the others complete."""
    n = 30
    with mux_server("--stall-every", 10, "--delay-ms", 10) as srv:
        run = drive(n, srv.url("/item/{i}"), "--timeout-ms", 800, "--read-timeout-ms", 10000)
        st = stats(srv)
    expect_items_error(run, [0, 10, 20], "HXC_E_TIMEOUT_TOTAL", st)
    expect_items_ok(run, [i for i in range(n) if i % 10 != 0], st)
    if not 0.7 <= run.elapsed <= 5:
        run.fail("the overall deadline of 0.8 s fired after %.2f s" % run.elapsed, st)


CONN_ERRORS = {"HXC_E_CONN_CLOSED", "HXC_E_RECV", "HXC_E_SEND", "HXC_E_TLS_TRUNCATED",
               "HXC_E_H2_PROTOCOL", "HXC_E_H2_GOAWAY"}


def connection_cut(*driver_opts):
    """The first connection is cut (TCP, no GOAWAY, no close_notify) 30 ms
    after its 10th request, with 20 streams in flight (max-streams 20,
    responses delayed 200 ms, so none was answered yet)."""
    n = 60
    with mux_server("--max-streams", 20, "--kill-after", 10, "--delay-ms", 200) as srv:
        run = drive(n, srv.url("/item/{i}"), *driver_opts)
        st = stats(srv)
    if st["kills"] != 1:
        run.fail("the server did not cut the connection", st)
    failed = [i for i in range(n) if not run.items[i]["ok"]]
    ok = [i for i in range(n) if run.items[i]["ok"]]
    for i in failed:
        it = run.items[i]
        if it["error"] not in CONN_ERRORS or len(it["message"]) < 20:
            run.fail("transfer %d: want a connection error (%s) with a message in words, got %r"
                     % (i, ", ".join(sorted(CONN_ERRORS)), it), st)
    expect_items_ok(run, ok, st)
    expect_served_once(run, st, ok)
    return run, st, failed, ok


def test_connection_cut_fails_in_flight_posts():
    """POSTs in flight on a connection that dies fail with a clear
    connection error (they may have been processed: never replayed); the
    transfers still queued go on over a new connection; nothing hangs."""
    run, st, failed, ok = connection_cut("--upload-bytes", 64)
    first = st["perConnection"][0]["streams"]
    if not failed or len(failed) != first:
        run.fail("the cut connection carried %d POSTs, %d transfers failed: in-flight POSTs "
                 "must fail, queued ones go on" % (first, len(failed)), st)
    if len(ok) != 60 - first:
        run.fail("the %d queued transfers must complete on a new connection" % (60 - first), st)
    note("connection cut: %d POSTs in flight failed (%s), %d completed"
         % (len(failed), run.items[failed[0]]["error"], len(ok)))


def test_connection_cut_gets():
    """GETs in flight on a connection that dies: each either fails with a
    clear connection error (the issue's wording) or, being idempotent and
    unanswered, is retried once on a new connection; none is answered twice
    and nothing hangs."""
    run, st, failed, ok = connection_cut()
    note("connection cut: %d GETs in flight; hxc failed %d and completed %d (retried "
         "idempotent requests: %s)" % (st["perConnection"][0]["streams"], len(failed), len(ok),
                                       "yes" if len(ok) > 60 - st["perConnection"][0]["streams"]
                                       else "no"))


def test_big_body_256mib_flat_memory():
    """256 MiB generated by the server: exact byte count, the content checked
    byte by byte, and the driver's peak RSS stays small."""
    size = 256 * 1024 * 1024
    with mux_server() as srv:
        run = drive(1, srv.url("/big/%d" % size), "--verify-pattern")
        st = stats(srv)
    it = run.items[0]
    if not it["ok"] or it["status"] != 200 or it["bytes"] != size:
        run.fail("want 200 with %d bytes, got %r" % (size, it), st)
    if it["pattern"] != "ok":
        run.fail("body content differs from what the server sent: %s" % it["pattern"], st)
    rss = run.summary["peak_rss_kb"]
    if rss > 64 * 1024:
        run.fail("peak RSS %d KiB for a streamed 256 MiB body (limit 64 MiB)" % rss, st)
    note("256 MiB in %.2f s (%.0f MiB/s), driver peak RSS %d KiB"
         % (run.elapsed, 256 / run.elapsed, rss))


def test_1000_requests_one_connection():
    """1000 requests to one origin (SETTINGS_MAX_CONCURRENT_STREAMS 100, as
    nghttpd's default) used exactly one connection, counted by the server."""
    with mux_server("--max-streams", 100) as srv:
        run = drive(1000, srv.url("/item/{i}"))
        st = stats(srv)
    expect_items_ok(run, range(1000), st)
    expect_served_once(run, st, range(1000))
    if st["connections"] != 1:
        run.fail("1000 requests used %d connections (server-side count), want exactly 1"
                 % st["connections"], st)
    if run.summary["conn_ids"] != 1:
        run.fail("hxc_transfer_connection_id shows %d connections" % run.summary["conn_ids"], st)
    if st["maxConcurrent"] < 50:
        run.fail("only %d streams at once: not multiplexed" % st["maxConcurrent"], st)
    note("1000 requests over 1 connection in %.2f s, peak %d streams"
         % (run.elapsed, st["maxConcurrent"]))


def test_1000_requests_one_connection_nghttpd():
    """The same against nghttpd, counting connections in its verbose log."""
    docs = h.htdocs_dir({"kb.bin": bytes(range(256)) * 4})
    srv = h.nghttpd(leaf, docs, extra=["-v"])
    with srv:
        run = drive(1000, srv.url("/kb.bin"))
        time.sleep(0.2)
        log = srv.log()
    for i in range(1000):
        it = run.items[i]
        if not it["ok"] or it["status"] != 200 or it["bytes"] != 1024:
            run.fail("transfer %d: want 200 with 1024 bytes, got %r" % (i, it))
    # Connections that carried HTTP/2 (the readiness probe connects too).
    ids = set(re.findall(r"^\[id=(\d+)\].*recv SETTINGS frame", log, re.M))
    if len(ids) != 1:
        run.fail("nghttpd saw %d connections (%s), want exactly 1" % (len(ids), sorted(ids)))


def test_cancel_frees_slots():
    """With max-streams 5, every 5th transfer stalls on the server and is
    cancelled once its request is out: it ends with HXC_E_CANCELLED, the
    server receives RST_STREAM CANCEL, and the freed slots let the other
    transfers complete (without freeing, the 5 slots would fill with stalled
    streams and nothing would finish)."""
    n = 50
    cancelled = [i for i in range(n) if i % 5 == 0]
    with mux_server("--max-streams", 5, "--stall-every", 5, "--delay-ms", 5) as srv:
        run = drive(n, srv.url("/item/{i}"), "--cancel-every", 5, "--step-ms", 20)
        time.sleep(0.1)
        st = stats(srv)
    expect_items_error(run, cancelled, "HXC_E_CANCELLED", st)
    expect_items_ok(run, [i for i in range(n) if i % 5 != 0], st)
    expect_served_once(run, st, [i for i in range(n) if i % 5 != 0])
    got = sorted(int(p.rsplit("/", 1)[1]) for p in st["cancelled"])
    if got != cancelled:
        run.fail("RST_STREAM CANCEL seen by the server for %s, expected %s" % (got, cancelled),
                 st)
    if st["connections"] != 1:
        run.fail("cancelling must not cost the connection: %d connections"
                 % st["connections"], st)


def test_cancel_queued_never_sent():
    """Transfers cancelled right after submit never reach the server."""
    n = 20
    with mux_server() as srv:
        run = drive(n, srv.url("/item/{i}"), "--cancel-every", 2, "--cancel-queued")
        st = stats(srv)
    expect_items_error(run, range(0, n, 2), "HXC_E_CANCELLED", st)
    expect_items_ok(run, range(1, n, 2), st)
    expect_served_once(run, st, range(1, n, 2))
    if st["streams"] != n // 2:
        run.fail("the server saw %d streams; the %d cancelled transfers must not be sent"
                 % (st["streams"], n // 2), st)


_expected_hash = {}


def upload_sha256(size):
    """sha256 of the driver's generated body: little-endian uint64 counter."""
    if size not in _expected_hash:
        assert size % 8 == 0 and sys.byteorder == "little"
        _expected_hash[size] = hashlib.sha256(array.array("Q", range(size // 8)).tobytes()
                                              ).hexdigest()
    return _expected_hash[size]


def check_upload(run, size, te, proto, st=None):
    it = run.items[0]
    want = "sha256=%s_bytes=%d_te=%s_proto=%s" % (upload_sha256(size), size, te, proto)
    if not it["ok"] or it["status"] != 200 or it["first"] != want:
        run.fail("upload of %d bytes: server got %r, want %r"
                 % (size, it.get("first") or it, want), st)
    rss = run.summary["peak_rss_kb"]
    if rss > 48 * 1024:
        run.fail("peak RSS %d KiB while streaming a %d MiB upload: the body was buffered"
                 % (rss, size >> 20), st)
    return it


def test_upload_64mib_h2():
    size = 64 * 1024 * 1024
    with mux_server() as srv:
        run = drive(1, srv.url("/upload"), "--upload-bytes", size)
    check_upload(run, size, "-", "h2")
    note("64 MiB h2 upload in %.2f s" % run.elapsed)


def test_upload_64mib_h1():
    size = 64 * 1024 * 1024
    with mux_server() as srv:
        run = drive(1, srv.url("/upload"), "--http1.1", "--upload-bytes", size)
    it = check_upload(run, size, "-", "http/1.1")
    h.check(it["ver"] == "HTTP/1.1", "expected HTTP/1.1, got %s" % it["ver"])


def test_upload_unknown_length():
    """body_read_length -1: chunked on HTTP/1.1, END_STREAM on HTTP/2."""
    size = 3 * 1024 * 1024
    with mux_server() as srv:
        run = drive(1, srv.url("/upload"), "--http1.1", "--upload-bytes", size,
                    "--upload-unknown", "--upload-chunk", 7777)
        check_upload(run, size, "chunked", "http/1.1")
        run = drive(1, srv.url("/upload"), "--upload-bytes", size, "--upload-unknown",
                    "--upload-chunk", 7777)
        check_upload(run, size, "-", "h2")


def test_upload_pause_and_resume():
    """body_read returning no data pauses the upload until
    hxc_transfer_resume; four uploads in parallel on one connection."""
    size = 1024 * 1024
    with mux_server() as srv:
        run = drive(4, srv.url("/upload"), "--upload-bytes", size, "--upload-pause", 3,
                    "--upload-chunk", 10000, "--step-ms", 20)
        st = stats(srv)
    want = "sha256=%s_bytes=%d_te=-_proto=h2" % (upload_sha256(size), size)
    for i in range(4):
        it = run.items[i]
        if not it["ok"] or it["first"] != want:
            run.fail("upload %d: got %r" % (i, it), st)
    if st["connections"] != 1:
        run.fail("4 uploads used %d connections" % st["connections"], st)


def test_pull_stream_10mib():
    """hxc_client_open + hxc_stream_read: exact byte count and content, twice
    on the same client."""
    size = 10 * 1024 * 1024
    with mux_server() as srv:
        run = drive(2, srv.url("/big/%d" % size), "--stream", "--verify-pattern")
        st = stats(srv)
    for i in range(2):
        it = run.items[i]
        if not it["ok"] or it["status"] != 200 or it["bytes"] != size or it["pattern"] != "ok":
            run.fail("stream %d: want 200, %d bytes, pattern ok; got %r" % (i, size, it), st)
    if run.summary["peak_rss_kb"] > 48 * 1024:
        run.fail("peak RSS %d KiB reading 10 MiB through hxc_stream_read"
                 % run.summary["peak_rss_kb"], st)
    if st["connections"] != 1:
        run.fail("two streams on one client used %d connections" % st["connections"], st)


def test_pull_stream_256mib_flat_memory():
    """Reading 256 MiB through hxc_stream_read keeps memory flat: bytes the
    caller has read are not kept."""
    size = 256 * 1024 * 1024
    with mux_server() as srv:
        run = drive(1, srv.url("/big/%d" % size), "--stream", "--verify-pattern")
    it = run.items[0]
    if not it["ok"] or it["bytes"] != size or it["pattern"] != "ok":
        run.fail("want %d bytes, pattern ok; got %r" % (size, it))
    if run.summary["peak_rss_kb"] > 64 * 1024:
        run.fail("peak RSS %d KiB reading 256 MiB through hxc_stream_read (limit 64 MiB)"
                 % run.summary["peak_rss_kb"])
    note("pull stream: 256 MiB in %.2f s, driver peak RSS %d KiB"
         % (run.elapsed, run.summary["peak_rss_kb"]))


def test_unread_stream_holds_back_only_itself():
    """Per-stream backpressure: a 256 MiB pull stream opened and left unread
    while 100 small transfers run on the same client and connection: they
    all complete, the unread stream holds at most its flow-control window
    (16 MiB: memory stays far below 256 MiB), and it is then read to the end
    intact."""
    size = 256 * 1024 * 1024
    with mux_server() as srv:
        run = drive(100, srv.url("/item/{i}"), "--held-stream", srv.url("/big/%d" % size),
                    "--verify-pattern", timeout=60)
        st = stats(srv)
    expect_items_ok(run, range(100), st)
    if run.held != ["200", str(size), "pattern=ok"]:
        run.fail("the held stream: want 200, %d bytes, pattern ok; got %r" % (size, run.held),
                 st)
    if st["connections"] != 1:
        run.fail("the held stream and 100 transfers used %d connections" % st["connections"],
                 st)
    if run.summary["peak_rss_kb"] > 64 * 1024:
        run.fail("peak RSS %d KiB: the unread stream was buffered beyond its window"
                 % run.summary["peak_rss_kb"], st)
    note("held stream: 100 transfers beside an unread 256 MiB stream, peak RSS %d KiB"
         % run.summary["peak_rss_kb"])


def test_pull_stream_close_early():
    """hxc_stream_close after 1 MiB of 64 MiB cancels the transfer
    (RST_STREAM CANCEL) and the connection stays usable for the next stream.
    64 MiB is more than hxc's flow-control windows, so the server is still
    sending when the RST_STREAM arrives (a smaller body might be complete on
    the server's side already, and the RST ignored)."""
    size = 64 * 1024 * 1024
    with mux_server() as srv:
        run = drive(3, srv.url("/big/%d" % size), "--stream", "--stream-close-after",
                    1024 * 1024, "--verify-pattern")
        time.sleep(0.2)
        st = stats(srv)
    for i in range(3):
        it = run.items[i]
        if not it["ok"] or it["bytes"] != 1024 * 1024 or it["pattern"] != "ok":
            run.fail("stream %d: want exactly 1 MiB read, got %r" % (i, it), st)
    if st["connections"] != 1:
        run.fail("closing a stream early must not cost the connection: %d connections"
                 % st["connections"], st)
    # The third RST_STREAM may be lost when the client is freed right after.
    if len(st["cancelled"]) < 2:
        run.fail("the server saw %d RST_STREAM CANCEL for 3 streams closed early"
                 % len(st["cancelled"]), st)
    if run.summary["peak_rss_kb"] > 64 * 1024:
        run.fail("peak RSS %d KiB: the unread body was buffered beyond flow control"
                 % run.summary["peak_rss_kb"], st)
    note("3 streams closed after 1 MiB: %d CANCELs seen, driver peak RSS %d KiB"
         % (len(st["cancelled"]), run.summary["peak_rss_kb"]))


def test_h1_pool_cap():
    """HTTP/1.1: 30 transfers with max_connections 3: one request at a time
    per connection, at most 3 connections, all complete."""
    n = 30
    with mux_server("--delay-ms", 10) as srv:
        run = drive(n, srv.url("/item/{i}"), "--http1.1", "--max-connections", 3)
        st = stats(srv)
    expect_items_ok(run, range(n), st)
    expect_served_once(run, st, range(n))
    if st["maxH1Open"] > 3:
        run.fail("the server saw %d HTTP/1.1 connections open at once (cap 3)"
                 % st["maxH1Open"], st)
    if run.summary["conn_ids"] > 3:
        run.fail("hxc reports %d connection ids with a cap of 3" % run.summary["conn_ids"], st)
    if st["h1Connections"] - 1 > 3:  # minus the /stats request
        run.fail("%d HTTP/1.1 connections for 30 keep-alive requests (cap 3)"
                 % (st["h1Connections"] - 1), st)


def test_keepalive_expiry():
    """Two rounds of 5 transfers 0.8 s apart: with keepalive_expiry_ms 300 the
    idle connection is not reused (2 connections at the server), with the
    default of 5 s it is (1 connection)."""
    for expiry, want in ((300, 2), (None, 1)):
        opts = ["--rounds", 2, "--pause-ms", 800]
        if expiry:
            opts += ["--keepalive-expiry-ms", expiry]
        with mux_server() as srv:
            run = drive(5, srv.url("/item/{i}"), *opts)
            st = stats(srv)
        expect_items_ok(run, range(10), st)
        if st["connections"] != want:
            run.fail("keep-alive expiry %s: the server saw %d connections, want %d"
                     % (expiry or "default", st["connections"], want), st)


def test_max_keepalive_h1():
    """HTTP/1.1, two rounds of 6 concurrent transfers (max_connections 6):
    with max_keepalive 2 only 2 idle connections survive round 1, so round 2
    opens 4 more (10 in all); with the default (20) all 6 are reused."""
    for keep, want in ((2, 10), (None, 6)):
        opts = ["--http1.1", "--max-connections", 6, "--rounds", 2, "--pause-ms", 200]
        if keep:
            opts += ["--max-keepalive", keep]
        with mux_server("--delay-ms", 100) as srv:
            run = drive(6, srv.url("/item/{i}"), *opts)
            st = stats(srv)
        expect_items_ok(run, range(12), st)
        got = st["h1Connections"] - 1  # minus the /stats request
        if got != want:
            run.fail("max_keepalive %s: the server saw %d HTTP/1.1 connections, want %d"
                     % (keep or "default", got, want), st)
        if st["maxH1Open"] > 6:
            run.fail("%d connections open at once with max_connections 6" % st["maxH1Open"], st)


def test_pool_timeout():
    """HTTP/1.1, one connection allowed: it is held by a stalled request, so
    the queued transfers fail with HXC_E_TIMEOUT_POOL after the pool timeout;
    the stalled one with its read timeout."""
    with mux_server("--stall-every", 100) as srv:
        run = drive(3, srv.url("/item/{i}"), "--http1.1", "--max-connections", 1,
                    "--pool-timeout-ms", 300, "--read-timeout-ms", 1500)
        st = stats(srv)
    expect_items_error(run, [0], "HXC_E_TIMEOUT_READ", st)
    expect_items_error(run, [1, 2], "HXC_E_TIMEOUT_POOL", st)
    if run.elapsed > 6:
        run.fail("took %.1f s" % run.elapsed, st)


TESTS = [
    test_max_streams_5_with_200_submitted,
    test_step_api_drives_the_same_transfers,
    test_goaway_midflight_every_request_once,
    test_refused_stream_retried_other_resets_fail_alone,
    test_stall_read_timeout_fails_only_stalled,
    test_stall_after_head_read_timeout,
    test_overall_deadline,
    test_connection_cut_fails_in_flight_posts,
    test_connection_cut_gets,
    test_big_body_256mib_flat_memory,
    test_1000_requests_one_connection,
    test_1000_requests_one_connection_nghttpd,
    test_cancel_frees_slots,
    test_cancel_queued_never_sent,
    test_upload_64mib_h2,
    test_upload_64mib_h1,
    test_upload_unknown_length,
    test_upload_pause_and_resume,
    test_pull_stream_10mib,
    test_pull_stream_256mib_flat_memory,
    test_unread_stream_holds_back_only_itself,
    test_pull_stream_close_early,
    test_h1_pool_cap,
    test_keepalive_expiry,
    test_max_keepalive_h1,
    test_pool_timeout,
]

# Optional arguments select tests by substring: python3 test_mux.py goaway cancel
h.run_tests([t for t in TESTS if len(sys.argv) < 2 or any(a in t.__name__ for a in sys.argv[1:])])
