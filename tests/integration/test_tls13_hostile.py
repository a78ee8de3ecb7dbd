"""TLS 1.3 against a hostile server: tests/servers/tls13_server.py, a scripted
TLS 1.3 server that builds every byte itself, in each of its modes (run with
Debian's /usr/bin/python3, which has python3-cryptography).

Faults: each one ends in exit 35 with a message in words that names the host
and the cause (and the alert hxc sent), never a crash (no sanitizer report,
no signal); the server's log says which alert it got from hxc. Faults:
bad-finished, bad-cert-verify (EC and RSA keys), double-hrr,
hrr-unoffered-group, hrr-same-group, bad-suite, downgrade-tls12 (the
downgrade sentinel), tls12-no-sentinel (hxc falls back to TLS 1.2 once,
with TLS_FALLBACK_SCSV; with --tlsv1.3 it refuses), oversized-record and
oversized-plaintext (record_overflow), keyupdate-flood (refused after 32
KeyUpdates in a row), truncated (closed during the handshake), late-ccs,
unencrypted-alert.

Positive modes: ok (HTTP/2 and HTTP/1.1; server keys EC P-256, P-384, P-521
and RSA: CertificateVerify schemes 0403, 0503, 0603, 0804), hrr, hrr-cookie, keyupdate
(KEYUPDATE-ANSWERED in the server log), tickets (second connection
RESUMED, also with a SHA-384 suite), fragmented, coalesced, padded,
max-record.

test_unencrypted_alert_after_handshake: an unprotected (plaintext) alert
record after the handshake is refused (unexpected_message, exit 35): were a
plaintext close_notify taken as the server's clean close, anyone on the path
could cut a close-delimited HTTP/1.1 body short undetected (RFC 8446 5:
records after the handshake keys are protected). This test found that hole.
"""

import hxctest as h

pki = h.Pki(key_type="ec", cn="hxc tls13 hostile CA")
ec_leaf = pki.issue("ec")
rsa_leaf = pki.issue("rsa", key_type="rsa2048")
p384_leaf = pki.issue("p384", key_type="ec-P-384", md="sha384")
p521_leaf = pki.issue("p521", key_type="ec-P-521", md="sha512")

RECONNECT = "answered TLS 1.2 to TLS 1.3: reconnecting with TLS 1.2"


def run_mode(mode, args=(), leaf=ec_leaf, conns=1, server_args=(), timeout=None,
             hxc_timeout=30):
    """Runs hxc against the scripted server in `mode`; returns the result
    and the server's CONN lines as [(fields, tokens)] (waits for `conns`)."""
    with h.tls13_server(leaf, mode, timeout=timeout, extra=server_args) as srv:
        res = h.run_hxc(["--cacert", pki.ca_cert] + list(args) +
                        [srv.url("/", host="localhost")], timeout=hxc_timeout)
        h.expect_no_crash(res, mode)
        lines = h.wait_conn_lines(srv, conns)
    return res, [h.conn_fields(l) for l in lines]


def expect_failure(res, needles, what, code=35):
    """Exit `code`, an 'hxc: ...' message naming the host and each needle."""
    h.expect_rc(res, code, what)
    msg = h.expect_error_message(res)
    h.expect_in("'localhost'", msg, res, "the message names the host (%s)" % what)
    for n in needles:
        h.expect_in(n, msg, res, "the message (%s)" % what)
    h.check(res.out == b"", "no body (%s)\n%s" % (what, res.describe()))
    return msg


def expect_server_result(conns, result, what, index=0):
    fields, tokens = conns[index]
    h.check(fields.get("result") == result, "%s: the server logged result=%s, expected %s: "
            "%r %r" % (what, fields.get("result"), result, fields, sorted(tokens)))
    return fields, tokens


# ------------------------------------------------------------------ faults

def test_bad_finished():
    res, conns = run_mode("bad-finished", ["-v"])
    expect_failure(res, ["TLS 1.3 handshake", "the server's Finished message does not match "
                         "the handshake", "decrypt_error (51)"], "bad Finished")
    h.check(not h.tls_done_lines(res), "no handshake done\n" + res.describe())
    expect_server_result(conns, "client-alert:decrypt_error", "bad Finished")


def test_bad_certificate_verify():
    for leaf, scheme in ((ec_leaf, "0x0403"), (rsa_leaf, "0x0804")):
        res, conns = run_mode("bad-cert-verify", leaf=leaf)
        what = "bad CertificateVerify (%s)" % scheme
        expect_failure(res, ["CertificateVerify signature does not verify",
                             "signature scheme " + scheme, "decrypt_error (51)"], what)
        expect_server_result(conns, "client-alert:decrypt_error", what)


def test_double_hello_retry_request():
    res, conns = run_mode("double-hrr")
    expect_failure(res, ["second HelloRetryRequest", "unexpected_message (10)"], "double HRR")
    fields, tokens = expect_server_result(conns, "client-alert:unexpected_message",
                                          "double HRR")
    h.check("HRR" in tokens, "the server did send an HRR: %r" % (fields,))


def test_hello_retry_for_unoffered_group():
    res, conns = run_mode("hrr-unoffered-group")
    expect_failure(res, ["secp521r1", "a group we did not offer", "illegal_parameter (47)"],
                   "HRR for an unoffered group")
    expect_server_result(conns, "client-alert:illegal_parameter", "HRR unoffered group")


def test_hello_retry_for_same_group():
    res, conns = run_mode("hrr-same-group")
    expect_failure(res, ["x25519", "which we had already sent", "illegal_parameter (47)"],
                   "HRR for the group of our key share")
    expect_server_result(conns, "client-alert:illegal_parameter", "HRR same group")


def test_unoffered_cipher_suite():
    res, conns = run_mode("bad-suite")
    expect_failure(res, ["cipher suite 0x1304", "which we did not offer",
                         "illegal_parameter (47)"], "unoffered suite")
    expect_server_result(conns, "client-alert:illegal_parameter", "unoffered suite")


def test_downgrade_sentinel():
    res, conns = run_mode("downgrade-tls12", ["-v"])
    expect_failure(res, ["downgrade", "illegal_parameter (47)"], "TLS 1.2 with DOWNGRD")
    h.check(RECONNECT not in res.err, "no fallback after a downgrade sentinel\n"
            + res.describe())
    expect_server_result(conns, "client-alert:illegal_parameter", "downgrade sentinel")


def test_tls12_without_sentinel_falls_back_once():
    # The first answer is a plain TLS 1.2 ServerHello: hxc reconnects with
    # TLS 1.2 (BearSSL); the server again sends only a ServerHello and then
    # waits (here 1 s), so the TLS 1.2 handshake cannot finish either.
    res, conns = run_mode("tls12-no-sentinel", ["-v"], conns=2, timeout=1)
    h.check(res.err.count(RECONNECT) == 1, "one reconnect line\n" + res.describe())
    expect_failure(res, ["TLS handshake", "closed the connection during the TLS handshake"],
                   "TLS 1.2 fallback against a server that stops after ServerHello")
    (f1, t1), (f2, t2) = conns[:2]
    h.check(f1.get("hello") == "tls13" and "TLS_FALLBACK_SCSV" not in t1,
            "first ClientHello offers TLS 1.3, no SCSV: %r %r" % (f1, sorted(t1)))
    h.check(f2.get("hello") == "tls12" and "TLS_FALLBACK_SCSV" in t2,
            "the fallback ClientHello offers TLS 1.2 only, with TLS_FALLBACK_SCSV: %r %r"
            % (f2, sorted(t2)))
    h.check(len(conns) == 2, "two connections, no more: %r" % (conns,))


def test_tls12_server_hello_with_tlsv13_only():
    res, conns = run_mode("tls12-no-sentinel", ["-v", "--tlsv1.3"])
    expect_failure(res, ["the server supports TLS 1.2 only and TLS 1.3 is required (--tlsv1.3)",
                         "protocol_version (70)"], "--tlsv1.3, TLS 1.2 ServerHello")
    h.check(RECONNECT not in res.err, "no fallback with --tlsv1.3\n" + res.describe())
    expect_server_result(conns, "client-alert:protocol_version", "--tlsv1.3")


def test_oversized_record():
    res, conns = run_mode("oversized-record")
    expect_failure(res, ["record of 16641 bytes (at most 16640)", "record_overflow (22)"],
                   "record over 2^14+256")
    expect_server_result(conns, "client-alert:record_overflow", "oversized record")


def test_oversized_plaintext():
    res, conns = run_mode("oversized-plaintext", ["--http1.1"])
    expect_failure(res, ["16385 bytes of plaintext (at most 16384)", "record_overflow (22)"],
                   "plaintext over 2^14")
    expect_server_result(conns, "client-alert:record_overflow", "oversized plaintext")


def test_key_update_flood():
    res, conns = run_mode("keyupdate-flood", ["-v"])
    expect_failure(res, ["more than 32 KeyUpdate messages", "KeyUpdate flood",
                         "unexpected_message (10)"], "1000 KeyUpdates")
    h.check(len(h.tls_done_lines(res)) == 1, "the handshake itself succeeded\n"
            + res.describe())
    fields, _ = conns[0]
    h.check(fields.get("server_keyupdates") == "1000", "the server sent its flood: %r"
            % (fields,))


def test_truncated_handshake():
    res, conns = run_mode("truncated")
    expect_failure(res, ["closed the connection during the TLS handshake"],
                   "half a handshake record, then FIN")
    fields, _ = conns[0]
    h.check(fields.get("fault", "").startswith("sent-"), "the server truncated: %r"
            % (fields,))


def test_change_cipher_spec_after_handshake():
    res, conns = run_mode("late-ccs")
    expect_failure(res, ["unexpected ChangeCipherSpec", "unexpected_message (10)"],
                   "ChangeCipherSpec after the handshake")
    expect_server_result(conns, "client-alert:unexpected_message", "late CCS")


def test_unencrypted_alert_after_handshake():
    """A plaintext close_notify after the handshake must not end a
    close-delimited body as a clean close: hxc refuses the unprotected record
    (unexpected_message), exit 35."""
    with h.tls13_server(ec_leaf, "unencrypted-alert") as srv:
        res = h.run_hxc(["--cacert", pki.ca_cert, "--http1.1",
                         srv.url("/", host="localhost")])
        h.expect_no_crash(res, "unencrypted-alert")
        h.wait_conn_lines(srv, 1)
    h.expect_rc(res, 35, "an unprotected close_notify must not end the body cleanly")
    msg = h.expect_error_message(res)
    h.expect_in("unprotected", msg, res, "the message")
    h.expect_in("unexpected_message (10)", msg, res, "the message")


# --------------------------------------------------------------- positive

def expect_ok(res, conns, mode, body=None, tokens_needed=("FULL",)):
    h.expect_rc(res, 0, mode)
    if body is None:
        body = ("hello from tls13_server %s\n" % mode).encode()
    h.check(res.out == body, "%s: the server's body\n%s" % (mode, res.describe()))
    fields, tokens = expect_server_result(conns, "ok", mode)
    for t in tokens_needed:
        h.check(t in tokens, "%s: %s in the server's log: %r %r" % (mode, t, fields,
                                                                   sorted(tokens)))
    h.check(fields.get("sni") == "localhost", "%s: SNI localhost: %r" % (mode, fields))
    return fields, tokens


def test_ok_http2_and_http1():
    for args, alpn, req in (([], "h2", "h2:stream1"), (["--http1.1"], "http/1.1", "GET:/")):
        res, conns = run_mode("ok", ["-v"] + args)
        fields, _ = expect_ok(res, conns, "ok")
        h.check(fields.get("alpn") == alpn and fields.get("req") == req,
                "ALPN %s, request %s: %r" % (alpn, req, fields))
        line = h.tls_done_lines(res)
        h.check(len(line) == 1 and "TLSv1.3 / TLS_AES_128_GCM_SHA256 (key exchange x25519, "
                "full handshake)" in line[0], "-v\n" + res.describe())


def test_hello_retry_request():
    for mode in ("hrr", "hrr-cookie"):
        res, conns = run_mode(mode, ["-v"])
        fields, _ = expect_ok(res, conns, mode, tokens_needed=("HRR", "FULL"))
        h.check(fields.get("hrr_group") == "secp256r1" and fields.get("group") == "secp256r1",
                "%s: HRR for secp256r1: %r" % (mode, fields))
        h.expect_in("key exchange secp256r1 after a HelloRetryRequest, full handshake",
                    res.err, res, "-v (%s)" % mode)


def test_certificate_key_types():
    # The server signs its CertificateVerify with the scheme of its key.
    for leaf, scheme in ((ec_leaf, "0403"), (p384_leaf, "0503"), (p521_leaf, "0603"),
                         (rsa_leaf, "0804")):
        res, conns = run_mode("ok", ["-v"], leaf=leaf)
        fields, _ = expect_ok(res, conns, "ok")
        h.check(fields.get("sig") == scheme, "signature scheme %s: %r" % (scheme, fields))
        h.expect_in("verification: OK", res.err, res, "-v (scheme %s)" % scheme)


def test_key_update_answered():
    for args in ([], ["--http1.1"]):
        res, conns = run_mode("keyupdate", args)
        fields, _ = expect_ok(res, conns, "keyupdate",
                              tokens_needed=("FULL", "KEYUPDATE-ANSWERED"))
        h.check(fields.get("client_keyupdates") == "1",
                "exactly one KeyUpdate from hxc: %r" % (fields,))


def test_tickets_resume():
    for server_args, suite in (([], "TLS_AES_128_GCM_SHA256"),
                               (["--suite", "1302"], "TLS_AES_256_GCM_SHA384")):
        with h.tls13_server(ec_leaf, "tickets", extra=server_args) as srv:
            url = srv.url("/", host="localhost")
            res = h.run_hxc(["-v", "--cacert", pki.ca_cert, url, url])
            h.expect_no_crash(res, "tickets")
            lines = [h.conn_fields(l) for l in h.wait_conn_lines(srv, 2)]
        h.expect_rc(res, 0, "tickets " + suite)
        h.check(res.out == b"hello from tls13_server tickets\n" * 2, "two bodies\n"
                + res.describe())
        (f1, t1), (f2, t2) = lines
        h.check("FULL" in t1 and f1.get("tickets_sent") == "2",
                "first connection full, two tickets: %r %r" % (f1, sorted(t1)))
        h.check("RESUMED" in t2 and f2.get("psk_identity") == "0",
                "second connection resumed with the first ticket: %r %r" % (f2, sorted(t2)))
        done = h.tls_done_lines(res)
        h.check(len(done) == 2 and suite in done[1] and "session resumed (PSK)" in done[1],
                "-v: second handshake resumed with %s\n%s" % (suite, res.describe()))


def test_record_layer_shapes():
    # fragmented: records of at most 61 bytes; coalesced: the whole encrypted
    # flight in one record; padded: 100 zero bytes of padding in every record;
    # max-record: a response record of exactly 2^14 bytes of plaintext.
    for mode in ("fragmented", "coalesced", "padded", "max-record"):
        for args in ([], ["--http1.1"]):
            res, conns = run_mode(mode, args)
            body = None
            if mode == "max-record":
                text = b"hello from tls13_server max-record\n"
                body = (text * (20000 // len(text) + 1))[:20000]
            fields, _ = expect_ok(res, conns, mode, body=body)
            if mode == "max-record":
                h.check(fields.get("first_record") == "16384+17",
                        "a 2^14-byte record was sent: %r" % (fields,))


if __name__ == "__main__":
    h.run_tests([
        test_bad_finished,
        test_bad_certificate_verify,
        test_double_hello_retry_request,
        test_hello_retry_for_unoffered_group,
        test_hello_retry_for_same_group,
        test_unoffered_cipher_suite,
        test_downgrade_sentinel,
        test_tls12_without_sentinel_falls_back_once,
        test_tls12_server_hello_with_tlsv13_only,
        test_oversized_record,
        test_oversized_plaintext,
        test_key_update_flood,
        test_truncated_handshake,
        test_change_cipher_spec_after_handshake,
        test_unencrypted_alert_after_handshake,
        test_ok_http2_and_http1,
        test_hello_retry_request,
        test_certificate_key_types,
        test_key_update_answered,
        test_tickets_resume,
        test_record_layer_shapes,
    ])
