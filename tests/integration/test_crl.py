"""Certificate revocation lists, end to end: through `hxc verify --crls`
(exit code and REJECT text asserted at a fixed --time), through a real TLS
handshake (`openssl s_server` serving leaf + intermediate, `hxc --cacert
ROOTS --crlfile CRLS`: exit 60 with the same words, or 0 for the valid
twin), and through the library (load_verify_locations with a bundle holding
certificates and a CRL, hxc_ssl_context_set_verify_flags) with
tests/integration/ssl_clients.c.

Every scenario has its own Mint (its own `openssl ca` database), so each CRL
lists exactly what the test revoked. CRLs are made by `openssl ca -gencrl`
with explicit lastUpdate / nextUpdate, revocation dates are fixed, so the
messages are deterministic.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from x509mint import Mint, NOW  # noqa: E402
import hxctest as h  # noqa: E402
from hxctest import exit_status  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("HXC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("HXC_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
HXC_BIN = os.environ.get("HXC_BIN") or os.path.join(BUILD_DIR, "hxc")
DRIVER = os.path.join(BUILD_DIR, "ssl_clients")
LEAF_SANS = ["DNS:localhost", "IP:127.0.0.1"]

# CRLs current at NOW (2026-06-01): issued 2026-05-01, next one due 2026-07-01.
LAST, NEXT = "20260501000000Z", "20260701000000Z"
REVOKED_AT = "20260515000000Z"
REVOKED_TEXT = "revoked on 2026-05-15 00:00:00 UTC"
PRE = "REJECT certificate verify failed for 'localhost': "


def stamp(t):
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


class Pki:
    """One scenario: its own database; root -> intermediate -> leaf
    (serials 0x1001, 0x1002, 0x1003)."""

    def __init__(self):
        self.m = Mint()
        self.root = self.m.root("Test Root")
        self.inter = self.m.intermediate("Test Intermediate", self.root)
        self.leaf = self.m.leaf("localhost", self.inter, sans=LEAF_SANS)
        self.roots = self.m.bundle("roots", [self.root])
        self.chain = self.m.bundle("chain", [self.leaf, self.inter])

    def crl(self, issuer, name=None, **kw):
        """issuer: 'root', 'inter' or a Cert; dated around NOW unless told."""
        cert = getattr(self, issuer) if isinstance(issuer, str) else issuer
        kw.setdefault("last_update", LAST)
        if kw["last_update"] is not None:
            kw.setdefault("next_update", NEXT)
        return self.m.crl(cert, name or "crl-%s" % (issuer if isinstance(issuer, str) else
                                                    cert.name), **kw)

    def both(self, **kw):
        """One PEM file with the root's and the intermediate's CRLs."""
        return self.join("both", self.crl("root", **kw), self.crl("inter", **kw))

    def join(self, name, *paths):
        out = self.m.path(name + ".crls.pem")
        with open(out, "w") as f:
            for p in paths:
                f.write("CRL from %s\n" % os.path.basename(p))
                with open(p) as src:
                    f.write(src.read())
        return out


def verify(p, crls=None, check=None, when=NOW, roots=None, extra=()):
    args = [HXC_BIN, "verify", "--roots", roots or p.roots, "--chain", p.chain, "--host",
            "localhost"]
    if when is not None:
        args += ["--time", str(when)]
    if crls:
        args += ["--crls", crls]
    if check:
        args += ["--crl-check", check]
    r = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=30)
    return exit_status(r.returncode), r.stdout.strip(), r.stderr.strip()


def ok(p, crls=None, check=None, **kw):
    rc, out, err = verify(p, crls, check, **kw)
    if rc != 0 or out != "OK":
        raise AssertionError("expected OK (crl-check %s), got exit %d: %s %s"
                             % (check, rc, out, err))


def reject(p, crls, check, expected, **kw):
    """Exit 1 and the exact REJECT line (PRE + expected)."""
    rc, out, err = verify(p, crls, check, **kw)
    if rc != 1 or out != PRE + expected:
        raise AssertionError("expected (crl-check %s):\n  %s\ngot exit %d:\n  %s %s"
                             % (check, PRE + expected, rc, out, err))


def usage_error(p, crls, check, expected, extra=()):
    rc, out, err = verify(p, crls, check, extra=extra)
    if rc != 2 or expected not in err:
        raise AssertionError("expected exit 2 with %r, got exit %d: %r %r"
                             % (expected, rc, out, err))


# ------------------------------------------------------------------ hxc verify
def test_leaf_revoked_in_leaf_and_chain_mode():
    p = Pki()
    p.m.revoke(p.leaf, reason="keyCompromise", when=REVOKED_AT)
    crls = p.both()
    want = ("certificate revoked: serial 0x1003 %s (reason: keyCompromise) "
            "(depth 0, CN=localhost)" % REVOKED_TEXT)
    reject(p, crls, "leaf", want)
    reject(p, crls, "chain", want)
    reject(p, crls, None, want)  # --crls alone: the whole chain, as curl does


def test_intermediate_revoked_caught_in_chain_mode_only():
    p = Pki()
    p.m.revoke(p.inter, reason="CACompromise", when=REVOKED_AT)
    crls = p.both()
    ok(p, crls, "leaf")
    reject(p, crls, "chain", "certificate revoked: serial 0x1002 %s (reason: cACompromise) "
           "(depth 1, CN=Test Intermediate)" % REVOKED_TEXT)


def test_not_revoked():
    p = Pki()
    other = p.m.leaf("other", p.inter, sans=["DNS:other.example"])
    p.m.revoke(other, reason="superseded", when=REVOKED_AT)
    ok(p, p.both(), "chain")
    ok(p, p.crl("inter"), "leaf")
    # CRLs loaded but not consulted without --crls / --crl-check
    ok(p, None, None, roots=p.join("roots-and-crls", p.roots, p.crl("inter", "in-roots")))


def test_no_crl_for_the_intermediates_issuer():
    p = Pki()
    only_inter = p.crl("inter")
    ok(p, only_inter, "leaf")
    reject(p, only_inter, "chain", "no CRL from issuer CN=Test Root "
           "(depth 1, CN=Test Intermediate)")
    reject(p, p.crl("root"), "leaf", "no CRL from issuer CN=Test Intermediate "
           "(depth 0, CN=localhost)")


def test_crl_expired():
    p = Pki()
    old = p.crl("inter", last_update="20260401000000Z", next_update="20260520000000Z")
    reject(p, old, "leaf", "CRL from CN=Test Intermediate expired 2026-05-20 00:00:00 UTC "
           "(depth 0, CN=localhost)")
    # an expired CRL next to a current one: the current one is used
    ok(p, p.join("old-and-new", old, p.crl("inter", "current")), "leaf")


def test_crl_not_yet_valid():
    p = Pki()
    future = p.crl("inter", last_update="20260610000000Z", next_update="20260710000000Z")
    reject(p, future, "leaf", "CRL from CN=Test Intermediate not yet valid until "
           "2026-06-10 00:00:00 UTC (depth 0, CN=localhost)")


def test_crl_signed_by_another_key_with_the_same_name():
    p = Pki()
    impostor = p.m.root("Test Intermediate", name="impostor")  # same DN, another key
    forged = p.crl(impostor, "forged")
    reject(p, forged, "leaf", "CRL from CN=Test Intermediate: signature does not verify with "
           "the issuer's key (depth 0, CN=localhost)")
    ok(p, p.join("forged-and-good", forged, p.crl("inter")), "leaf")


def test_crl_with_unknown_critical_extension():
    p = Pki()
    reject(p, p.crl("inter", ext=["1.2.3.4 = critical, ASN1:NULL"]), "leaf",
           "CRL from CN=Test Intermediate has an unknown critical extension 1.2.3.4 "
           "(depth 0, CN=localhost)")
    ok(p, p.crl("inter", "noncritical", ext=["1.2.3.4 = ASN1:NULL"]), "leaf")


def test_delta_crl_skipped():
    p = Pki()
    p.m.revoke(p.leaf, reason="keyCompromise", when=REVOKED_AT)
    delta = p.crl("inter", "delta", ext=["2.5.29.27 = critical, ASN1:INTEGER:1"])
    reject(p, delta, "leaf", "no usable CRL from issuer CN=Test Intermediate: delta CRLs are "
           "not supported (depth 0, CN=localhost)")
    # a delta CRL next to a complete one: the complete one decides
    reject(p, p.join("delta-and-full", delta, p.crl("inter")), "leaf",
           "certificate revoked: serial 0x1003 %s (reason: keyCompromise) "
           "(depth 0, CN=localhost)" % REVOKED_TEXT)


def test_sha1_signed_crl_refused():
    p = Pki()
    reject(p, p.crl("inter", md="sha1"), "leaf", "CRL from CN=Test Intermediate is signed "
           "with SHA-1, which is refused (depth 0, CN=localhost)")


def test_issuing_distribution_point_scope():
    p = Pki()
    only_ca = ["issuingDistributionPoint = critical, onlyCA:TRUE"]
    reject(p, p.crl("inter", ext=only_ca), "leaf",
           "no CRL from issuer CN=Test Intermediate covers the certificate: it holds only CA "
           "certificates (onlyContainsCACerts) (depth 0, CN=localhost)")
    # the root's CA-only CRL covers the intermediate
    ok(p, p.join("scoped", p.crl("root", "root-ca-only", ext=only_ca), p.crl("inter")), "chain")
    reject(p, p.crl("inter", "indirect", ext=["issuingDistributionPoint = critical, "
                                               "indirectCRL:TRUE"]), "leaf",
           "CRL from CN=Test Intermediate is indirect (indirectCRL), which is not supported "
           "(depth 0, CN=localhost)")


def test_pem_with_two_crls_from_different_issuers():
    p = Pki()
    p.m.revoke(p.inter, reason="superseded", when=REVOKED_AT)
    crls = p.both()  # one file: text, the root's CRL, text, the intermediate's
    with open(crls) as f:
        assert f.read().count("-----BEGIN X509 CRL-----") == 2
    ok(p, crls, "leaf")
    reject(p, crls, "chain", "certificate revoked: serial 0x1002 %s (reason: superseded) "
           "(depth 1, CN=Test Intermediate)" % REVOKED_TEXT)


def test_der_crl():
    p = Pki()
    p.m.revoke(p.leaf, when=REVOKED_AT)  # no reason code
    reject(p, p.crl("inter", der=True), "leaf",
           "certificate revoked: serial 0x1003 %s (depth 0, CN=localhost)" % REVOKED_TEXT)


def test_crls_in_the_roots_file():
    """Python's load_verify_locations: a CA file's "X509 CRL" blocks are
    loaded too; --crl-check turns their use on."""
    p = Pki()
    p.m.revoke(p.leaf, reason="keyCompromise", when=REVOKED_AT)
    roots = p.join("roots-with-crls", p.roots, p.crl("inter"), p.crl("root"))
    ok(p, None, None, roots=roots)
    reject(p, None, "chain", "certificate revoked: serial 0x1003 %s (reason: keyCompromise) "
           "(depth 0, CN=localhost)" % REVOKED_TEXT, roots=roots)


def test_malformed_and_missing_crl_files():
    p = Pki()
    bad = p.m.path("bad.crl.pem")
    with open(bad, "w") as f:
        f.write("hello\n-----BEGIN X509 CRL-----\nMIIB!!!!\n-----END X509 CRL-----\n")
    usage_error(p, bad, None, "bad.crl.pem:3: malformed PEM")
    not_crl = p.m.path("cert-as-crl.pem")
    with open(p.leaf.cert) as src, open(not_crl, "w") as f:
        f.write("\n" + src.read().replace("CERTIFICATE", "X509 CRL"))
    usage_error(p, not_crl, None, "cert-as-crl.pem:2: malformed CRL: ")
    usage_error(p, p.leaf.cert, None, "localhost.pem: no CRL found")
    usage_error(p, p.m.path("missing.crl.pem"), None, "cannot open CRL file '")
    usage_error(p, p.m.path("missing.crl.pem"), None, "missing.crl.pem")


def test_cli_usage():
    p = Pki()
    crls = p.both()
    usage_error(p, crls, "all", "--crl-check takes leaf or chain")
    for depth in ("0", "33", "x", "-1"):
        usage_error(p, crls, None, "--max-depth takes a number of certificates from 1 to 32",
                    extra=["--max-depth", depth])
    r = subprocess.run([HXC_BIN, "verify", "--help"], capture_output=True, text=True)
    assert exit_status(r.returncode) == 2 and "--crls CRLS.pem" in r.stderr, r.stderr
    assert "--crl-check leaf|chain" in r.stderr and "--max-depth N" in r.stderr, r.stderr
    r = subprocess.run([HXC_BIN, "--help"], capture_output=True, text=True)
    assert "--crlfile FILE" in r.stdout and "82 CRL file" in r.stdout, r.stdout


def test_max_depth():
    """--max-depth counts certificates, leaf and root included (the limit
    itself is enforced by the verifier)."""
    p = Pki()
    ok(p, None, None, extra=["--max-depth", "3"])
    rc, out, err = verify(p, None, None, extra=["--max-depth", "2"])
    assert rc == 1 and out.startswith(PRE), (rc, out, err)


# ------------------------------------------------------------------ handshakes
def served(p):
    """openssl s_server -www serving leaf + intermediate."""
    return h.s_server(h.Leaf(p.leaf.cert, p.leaf.key, None), alpn=None,
                      extra=["-www", "-cert_chain", p.m.bundle("served", [p.inter])])


def fetch(p, srv, crlfile=None, extra=()):
    args = ["--cacert", p.roots, "-o", "/dev/null",
            "--connect-to", "localhost:%d:127.0.0.1:%d" % (srv.port, srv.port)]
    if crlfile:
        args += ["--crlfile", crlfile]
    return h.run_hxc(args + list(extra) + ["https://localhost:%d/" % srv.port])


def real_time_crls(p):
    """The root's and the intermediate's CRLs, current now (real clock)."""
    now = int(time.time())
    return p.both(last_update=stamp(now - 3600), next_update=stamp(now + 7 * 86400))


def revoked_at_real_time(p, cert, reason):
    when = int(time.time()) - 7200
    p.m.revoke(cert, reason=reason, when=stamp(when))
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(when))


def test_handshake_leaf_revoked_and_valid_twin():
    p = Pki()
    when = revoked_at_real_time(p, p.leaf, "keyCompromise")
    with served(p) as srv:
        res = fetch(p, srv, real_time_crls(p))
        h.expect_rc(res, 60, "revoked leaf")
        h.expect_in("hxc: certificate verify failed for 'localhost': certificate revoked: "
                    "serial 0x1003 revoked on %s (reason: keyCompromise) (depth 0, "
                    "CN=localhost)" % when, res.err, res, "stderr")
        # the CRLs in the --cacert file are loaded, not consulted without --crlfile
        res = fetch(p, srv, None)
        h.expect_rc(res, 0, "no --crlfile")
    twin = Pki()
    with served(twin) as srv:
        res = fetch(twin, srv, real_time_crls(twin))
        h.expect_rc(res, 0, "valid twin")


def test_handshake_intermediate_revoked_whole_chain_checked():
    p = Pki()
    when = revoked_at_real_time(p, p.inter, "superseded")
    with served(p) as srv:
        res = fetch(p, srv, real_time_crls(p))
        h.expect_rc(res, 60, "revoked intermediate (--crlfile checks the whole chain)")
        h.expect_in("certificate revoked: serial 0x1002 revoked on %s (reason: superseded) "
                    "(depth 1, CN=Test Intermediate)" % when, res.err, res, "stderr")


def test_handshake_crlfile_problems():
    p = Pki()
    with served(p) as srv:
        missing = p.m.path("missing.crl.pem")
        res = fetch(p, srv, missing)
        h.expect_rc(res, 82, "--crlfile missing")
        h.expect_in("cannot open CRL file '%s'" % missing, res.err, res, "stderr")
        bad = p.m.path("bad.crl.pem")
        with open(bad, "w") as f:
            f.write("-----BEGIN X509 CRL-----\nMIIB!!!!\n-----END X509 CRL-----\n")
        res = fetch(p, srv, bad)
        h.expect_rc(res, 82, "--crlfile malformed")
        h.expect_in("bad.crl.pem:2: malformed PEM", res.err, res, "stderr")
        res = fetch(p, srv, p.roots)
        h.expect_rc(res, 82, "--crlfile without a CRL")
        h.expect_in("roots.bundle.pem: no CRL found", res.err, res, "stderr")


def test_handshake_no_crl_from_the_root():
    """Only the intermediate's CRL: the intermediate itself is not covered."""
    p = Pki()
    with served(p) as srv:
        now = int(time.time())
        res = fetch(p, srv, p.crl("inter", "inter-now", last_update=stamp(now - 3600),
                                  next_update=stamp(now + 86400)))
        h.expect_rc(res, 60, "no CRL from the root")
        h.expect_in("no CRL from issuer CN=Test Root (depth 1, CN=Test Intermediate)", res.err,
                    res, "stderr")


# ------------------------------------------------------------------ library
def test_library_load_verify_locations_and_verify_flags():
    """hxc_ssl_context_load_verify_locations(cafile = root + CRLs) and
    hxc_ssl_context_set_verify_flags through ssl_clients.c."""
    if h.WASM:
        print("SKIP library test: ssl_clients.c is a native program (HXC_WASM=1)")
        return
    p = Pki()
    revoked_at_real_time(p, p.leaf, "keyCompromise")
    now = int(time.time())
    bundle = p.join("bundle", p.roots,
                    p.crl("inter", "lib-inter", last_update=stamp(now - 3600),
                          next_update=stamp(now + 86400)),
                    p.crl("root", "lib-root", last_update=stamp(now - 3600),
                          next_update=stamp(now + 86400)))
    with served(p) as srv:
        r = subprocess.run([DRIVER, "crl", "https://localhost:%d/" % srv.port, bundle,
                            "127.0.0.1:%d" % srv.port], capture_output=True, text=True,
                           timeout=60)
    out = {l.split()[0]: l for l in r.stdout.strip().splitlines()}
    got = r.stdout + r.stderr
    assert out.get("flags-unknown", "").startswith("flags-unknown OK HXC_E_CONFIG"), got
    assert out.get("default", "").startswith("default OK 200"), got
    assert out.get("leaf", "").startswith("leaf ERROR HXC_E_CERT_REVOKED certificate verify "
                                          "failed for 'localhost': certificate revoked: "
                                          "serial 0x1003"), got
    assert out.get("chain", "").startswith("chain ERROR HXC_E_CERT_REVOKED"), got
    assert out.get("frozen", "").startswith("frozen OK HXC_E_CONFIG"), got



if __name__ == "__main__":
    h.run_tests(sorted((n, f) for n, f in globals().items() if n.startswith("test_")))
