"""Every certificate verification rule, through `hxc verify`, with one
passing and one failing case each (exit code and REJECT text asserted).

Certificates are minted by x509mint (openssl ca) with fixed validity windows
and checked with --time, so the dates in messages are deterministic.
"""

import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from x509mint import Mint, NOW, unix_time  # noqa: E402
from hxctest import exit_status  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("HXC_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("HXC_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
HXC_BIN = os.environ.get("HXC_BIN") or os.path.join(BUILD_DIR, "hxc")
LEAF_SANS = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]

m = Mint()
PKI = {}


def pki():
    """The shared good hierarchy, minted once: root -> intermediate -> leaf."""
    if not PKI:
        PKI["root"] = m.root("Test Root")
        PKI["inter"] = m.intermediate("Test Intermediate", PKI["root"])
        PKI["leaf"] = m.leaf("localhost", PKI["inter"], sans=LEAF_SANS)
        PKI["roots"] = m.bundle("roots", [PKI["root"]])
    return PKI


def verify(chain, host="localhost", roots=None, when=NOW, extra=()):
    """Runs hxc verify; chain is a list of Certs (leaf first) or a path."""
    if isinstance(chain, list):
        chain = m.bundle("chain-%d" % time.monotonic_ns(), chain)
    args = [HXC_BIN, "verify", "--roots", roots or pki()["roots"], "--chain", chain,
            "--host", host]
    if when is not None:
        args += ["--time", str(when)]
    p = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=30)
    return exit_status(p.returncode), p.stdout.strip(), p.stderr.strip()


def ok(chain, host="localhost", **kw):
    rc, out, err = verify(chain, host, **kw)
    if rc != 0 or out != "OK":
        raise AssertionError("expected OK for host %r, got exit %d: %s %s" % (host, rc, out, err))


def reject(chain, host, expected, **kw):
    """Asserts exit 1 and that the REJECT line contains every expected text."""
    rc, out, err = verify(chain, host, **kw)
    if rc != 1 or not out.startswith("REJECT certificate verify failed for '%s': " % host):
        raise AssertionError("expected REJECT for host %r, got exit %d: %r %r"
                             % (host, rc, out, err))
    for text in ([expected] if isinstance(expected, str) else expected):
        if text not in out:
            raise AssertionError("REJECT line lacks %r:\n  %s" % (text, out))


# ------------------------------------------------------------------ names
def test_baseline_and_host_normalisation():
    p = pki()
    ok([p["leaf"], p["inter"]], "localhost")
    ok([p["leaf"], p["inter"]], "LocalHost.")
    reject([p["leaf"], p["inter"]], "localhost..", "invalid host name (empty label")
    reject([p["leaf"], p["inter"]], ".localhost", "invalid host name (empty label")


def test_hostname_mismatch_lists_names():
    p = pki()
    leaf = m.leaf("other", p["inter"], sans=["DNS:other.example", "DNS:www.other.example"])
    ok([leaf, p["inter"]], "www.other.example")
    reject([leaf, p["inter"]], "localhost",
           "hostname mismatch (certificate is valid for other.example, www.other.example)")


def test_wildcard_one_label():
    p = pki()
    leaf = m.leaf("wild", p["inter"], sans=["DNS:*.example.com"])
    ok([leaf, p["inter"]], "a.example.com")
    reject([leaf, p["inter"]], "a.b.example.com", "hostname mismatch")
    reject([leaf, p["inter"]], "example.com", "hostname mismatch")


def test_wildcard_never_under_single_label():
    p = pki()
    leaf = m.leaf("star.com", p["inter"], sans=["DNS:*.com", "DNS:f*.example.org"])
    reject([leaf, p["inter"]], "foo.com", "hostname mismatch (certificate is valid for *.com")
    reject([leaf, p["inter"]], "foo.example.org", "hostname mismatch")


def test_no_common_name_fallback():
    p = pki()
    leaf = m.leaf("localhost", p["inter"], name="cn-only", sans=())
    reject([leaf, p["inter"]], "localhost", "hostname mismatch (certificate has no subjectAltName")
    ok([p["leaf"], p["inter"]], "localhost")


def test_ip_literals_match_ip_sans_only():
    p = pki()
    ok([p["leaf"], p["inter"]], "127.0.0.1")
    ok([p["leaf"], p["inter"]], "::1")
    ok([p["leaf"], p["inter"]], "0:0:0:0:0:0:0:1")  # compared as binary addresses
    dns_only = m.leaf("dns-ip", p["inter"], sans=["DNS:127.0.0.1", "DNS:localhost"])
    reject([dns_only, p["inter"]], "127.0.0.1",
           "IP address mismatch (certificate is valid for DNS:127.0.0.1, DNS:localhost; "
           "an IP address matches iPAddress names only)")
    reject([p["leaf"], p["inter"]], "127.0.0.2", "IP address mismatch (certificate is valid for ")
    reject([p["leaf"], p["inter"]], "::2", "IP:::1")


# ------------------------------------------------------------------ usage
def test_eku_server_auth():
    p = pki()
    client = m.leaf("client only", p["inter"], sans=LEAF_SANS, eku="clientAuth")
    reject([client, p["inter"]], "localhost",
           "leaf certificate key usage does not allow server authentication "
           "(depth 0, CN=client only)")
    both = m.leaf("both", p["inter"], sans=LEAF_SANS, eku="clientAuth,serverAuth")
    ok([both, p["inter"]], "localhost")
    no_eku = m.leaf("no eku", p["inter"], sans=LEAF_SANS, eku=None)
    ok([no_eku, p["inter"]], "localhost")


# ------------------------------------------------------------------ algorithms
def test_sha1_refused_except_on_the_anchor():
    p = pki()
    sha1_leaf = m.leaf("sha1 leaf", p["inter"], sans=LEAF_SANS, md="sha1", key_kind="rsa")
    reject([sha1_leaf, p["inter"]], "localhost",
           "signature uses SHA-1, which is not accepted (depth 0, CN=sha1 leaf)")
    sha1_inter = m.intermediate("SHA1 Intermediate", p["root"], md="sha1")
    leaf = m.leaf("localhost", sha1_inter, name="under-sha1")
    reject([leaf, sha1_inter], "localhost",
           "signature uses SHA-1, which is not accepted (depth 1, CN=SHA1 Intermediate)")
    # A root's own SHA-1 self-signature is not checked.
    sha1_root = m.root("SHA1 Root", md="sha1", key_kind="rsa")
    inter = m.intermediate("Under SHA1 Root", sha1_root)
    leaf2 = m.leaf("localhost", inter, name="under-sha1-root")
    ok([leaf2, inter], "localhost", roots=m.bundle("sha1roots", [sha1_root]))


def test_rsa_key_size():
    p = pki()
    small = m.leaf("small key", p["inter"], sans=LEAF_SANS, key_kind="rsa1024")
    reject([small, p["inter"]], "localhost",
           "RSA key of 1024 bits is too small, at least 2048 are required (depth 0, CN=small key)")
    big = m.leaf("big key", p["inter"], sans=LEAF_SANS, key_kind="rsa")
    ok([big, p["inter"]], "localhost")


def test_algorithms_and_unsupported_ones():
    root = m.root("P-384 Root", key_kind="ec384", md="sha384")
    roots = m.bundle("p384", [root])
    inter = m.intermediate("RSA Inter", root, key_kind="rsa", md="sha384")
    leaf = m.leaf("localhost", inter, name="rsa-sha512-leaf", sans=LEAF_SANS, md="sha512")
    ok([leaf, inter], "localhost", roots=roots)
    pss = m.leaf("pss leaf", inter, sans=LEAF_SANS, sigopt=["rsa_padding_mode:pss"])
    reject([pss, inter], "localhost",
           "unsupported signature algorithm RSASSA-PSS (depth 0, CN=pss leaf)", roots=roots)
    ed = m.leaf("ed25519 leaf", inter, sans=LEAF_SANS, key_kind="ed25519")
    reject([ed, inter], "localhost", ["unsupported public key type", "(depth 0, CN=ed25519 leaf)"],
           roots=roots)


# ------------------------------------------------------------------ CA rules
def test_issuer_must_be_ca():
    p = pki()
    not_ca = m.intermediate("Not A CA", p["root"], ca=False)
    leaf = m.leaf("localhost", not_ca, name="under-not-ca")
    reject([leaf, not_ca], "localhost",
           "issuer is not a CA (basicConstraints cA=TRUE missing) (depth 1, CN=Not A CA)")
    no_bc = m.intermediate("No BC", p["root"], bc=False)
    leaf2 = m.leaf("localhost", no_bc, name="under-no-bc")
    reject([leaf2, no_bc], "localhost", "issuer is not a CA (basicConstraints cA=TRUE missing)")
    # A root from the store without cA=TRUE is refused too.
    root_no_ca = m.root("Root Not CA", ca=False)
    inter = m.intermediate("Under Root Not CA", root_no_ca)
    leaf3 = m.leaf("localhost", inter, name="under-root-no-ca")
    reject([leaf3, inter], "localhost", "(depth 2, CN=Root Not CA)",
           roots=m.bundle("rootnoca", [root_no_ca]))
    ok([p["leaf"], p["inter"]], "localhost")


def test_issuer_key_usage_must_allow_cert_sign():
    p = pki()
    bad_ku = m.issue("bad-ku", "/CN=Bad KU CA", p["root"],
                     ext=["basicConstraints = critical,CA:TRUE",
                          "keyUsage = critical,digitalSignature"])
    leaf = m.leaf("localhost", bad_ku, name="under-bad-ku")
    reject([leaf, bad_ku], "localhost",
           "issuer key usage does not allow certificate signing (depth 1, CN=Bad KU CA)")


def test_path_length():
    root0 = m.root("Root Pathlen 0", pathlen=0)
    inter = m.intermediate("Under Pathlen 0", root0)
    leaf = m.leaf("localhost", inter, name="under-pathlen0")
    reject([leaf, inter], "localhost",
           "path length constraint 0 exceeded by 1 intermediate below (depth 2, CN=Root Pathlen 0)",
           roots=m.bundle("root0", [root0]))
    direct = m.leaf("localhost", root0, name="direct-pathlen0")
    ok([direct], "localhost", roots=m.bundle("root0b", [root0]))
    root1 = m.root("Root Pathlen 1", pathlen=1)
    inter1 = m.intermediate("Under Pathlen 1", root1)
    ok([m.leaf("localhost", inter1, name="under-pathlen1"), inter1], "localhost",
       roots=m.bundle("root1", [root1]))
    # An intermediate's own pathlen:0 forbids a sub-intermediate.
    p = pki()
    i0 = m.intermediate("Inter Pathlen 0", p["root"], pathlen=0)
    sub = m.intermediate("Sub Intermediate", i0)
    reject([m.leaf("localhost", sub, name="under-sub"), sub, i0], "localhost",
           "path length constraint 0 exceeded by 1 intermediate below (depth 2, CN=Inter Pathlen 0)")


def test_unknown_critical_extension():
    p = pki()
    crit = m.leaf("critical", p["inter"], sans=LEAF_SANS, ext=["1.2.3.4 = critical,ASN1:NULL"])
    reject([crit, p["inter"]], "localhost",
           "unknown critical extension 1.2.3.4 (depth 0, CN=critical)")
    noncrit = m.leaf("noncritical", p["inter"], sans=LEAF_SANS, ext=["1.2.3.4 = ASN1:NULL"])
    ok([noncrit, p["inter"]], "localhost")
    crit_inter = m.intermediate("Critical Inter", p["root"], ext=["1.2.3.4 = critical,ASN1:NULL"])
    leaf = m.leaf("localhost", crit_inter, name="under-crit")
    reject([leaf, crit_inter], "localhost",
           "unknown critical extension 1.2.3.4 (depth 1, CN=Critical Inter)")
    # Known critical extensions (name constraints, policies) are accepted.
    known = m.intermediate("Known Critical", p["root"],
                           ext=["certificatePolicies = critical,2.23.140.1.2.1",
                                "nameConstraints = critical,permitted;DNS:localhost"])
    ok([m.leaf("localhost", known, name="under-known"), known], "localhost")


# ------------------------------------------------------------------ name constraints
def test_name_constraints_on_intermediate():
    p = pki()
    nc = m.intermediate("Constrained Inter", p["root"],
                        ext=["nameConstraints = critical,permitted;DNS:example.com,"
                             "excluded;DNS:bad.example.com"])
    good = m.leaf("www.example.com", nc, sans=["DNS:www.example.com"])
    ok([good, nc], "www.example.com")
    outside = m.leaf("other.test", nc, sans=["DNS:other.test"])
    reject([outside, nc], "other.test",
           "DNS name other.test is not permitted by the name constraints of "
           "CN=Constrained Inter at depth 1 (depth 0, CN=other.test)")
    excluded = m.leaf("bad.example.com", nc, sans=["DNS:bad.example.com"])
    reject([excluded, nc], "bad.example.com", "DNS name bad.example.com is excluded by")
    wildcard = m.leaf("wild.example.com", nc, sans=["DNS:*.example.com"])
    reject([wildcard, nc], "x.example.com", "DNS name *.example.com is excluded by")


def test_name_constraints_directory_and_email():
    p = pki()
    # A directoryName subtree matching the leaf's O=, and an email subtree
    # that the leaf (with no email names) cannot violate.
    nc = m.intermediate("DirName Inter", p["root"],
                        ext=["nameConstraints = critical,permitted;dirName:dn_ok,"
                             "permitted;email:example.com,permitted;DNS:localhost",
                             "[dn_ok]", "O = hxc test"])
    ok([m.leaf("localhost", nc, name="dirname-ok"), nc], "localhost")
    other = m.intermediate("Other DirName Inter", p["root"],
                           ext=["nameConstraints = critical,permitted;dirName:dn_other",
                                "[dn_other]", "O = somebody else"])
    reject([m.leaf("localhost", other, name="dirname-bad"), other], "localhost",
           "subject CN=localhost, O=hxc test is not permitted by the name constraints of "
           "CN=Other DirName Inter at depth 1 (depth 0, CN=localhost)")


def test_name_constraints_on_root():
    root = m.root("Constrained Root", ext=["nameConstraints = critical,permitted;DNS:example.com,"
                                           "permitted;IP:127.0.0.0/255.0.0.0"])
    roots = m.bundle("ncroot", [root])
    inter = m.intermediate("Under Constrained Root", root)
    good = m.leaf("a.example.com", inter, sans=["DNS:a.example.com", "IP:127.0.0.1"])
    ok([good, inter], "a.example.com", roots=roots)
    ok([good, inter], "127.0.0.1", roots=roots)
    bad = m.leaf("localhost", inter, name="nc-root-bad", sans=["DNS:localhost"])
    reject([bad, inter], "localhost",
           "DNS name localhost is not permitted by the name constraints of "
           "CN=Constrained Root at depth 2", roots=roots)
    bad_ip = m.leaf("ip", inter, name="nc-root-bad-ip", sans=["DNS:a.example.com", "IP:10.0.0.1"])
    reject([bad_ip, inter], "a.example.com", "IP address 10.0.0.1 is not permitted by",
           roots=roots)


# ------------------------------------------------------------------ validity
def test_validity_at_every_depth():
    p = pki()
    ok([p["leaf"], p["inter"]], "localhost", when=unix_time("20250101000000Z"))
    expired_leaf = m.leaf("old leaf", p["inter"], sans=LEAF_SANS, end="20260103000000Z")
    reject([expired_leaf, p["inter"]], "localhost",
           "certificate expired 2026-01-03 (depth 0, CN=old leaf)")
    future_leaf = m.leaf("future leaf", p["inter"], sans=LEAF_SANS, start="20300101000000Z")
    reject([future_leaf, p["inter"]], "localhost",
           "certificate not yet valid until 2030-01-01 (depth 0, CN=future leaf)")
    old_inter = m.intermediate("Example Intermediate", p["root"], end="20260103000000Z")
    leaf = m.leaf("localhost", old_inter, name="under-old-inter")
    reject([leaf, old_inter], "localhost",
           "certificate expired 2026-01-03 (depth 1, CN=Example Intermediate)")
    old_root = m.root("Old Root", end="20260103000000Z")
    inter = m.intermediate("Under Old Root", old_root)
    reject([m.leaf("localhost", inter, name="under-old-root"), inter], "localhost",
           "certificate expired 2026-01-03 (depth 2, CN=Old Root)",
           roots=m.bundle("oldroot", [old_root]))
    # The same chain is fine before the root expired.
    ok([m.leaf("localhost", inter, name="under-old-root2"), inter], "localhost",
       roots=m.bundle("oldroot2", [old_root]), when=unix_time("20251201000000Z"))


def test_time_defaults_to_now():
    p = pki()
    rc, out, err = verify([p["leaf"], p["inter"]], "localhost", when=None)
    expected = NOW_REAL_OK
    if (rc == 0) != expected:
        raise AssertionError("without --time: exit %d %s %s" % (rc, out, err))


NOW_REAL_OK = unix_time("20250101000000Z") <= time.time() <= unix_time("20350101000000Z")


# ------------------------------------------------------------------ path building
def test_path_building_order_extras_duplicates_root():
    p = pki()
    stranger_root = m.root("Stranger Root")
    stranger = m.intermediate("Stranger", stranger_root)
    ok([p["leaf"], stranger, p["inter"], stranger, p["inter"]], "localhost")
    ok([p["leaf"], p["root"], p["inter"]], "localhost")  # the root itself sent too
    # Two levels of intermediates, sent in reverse order.
    i2 = m.intermediate("Second Level", p["inter"])
    leaf = m.leaf("localhost", i2, name="two-levels")
    ok([leaf, p["inter"], i2], "localhost")
    reject([leaf, i2], "localhost",
           "unable to find a trusted root for CN=Second Level (depth 1, issuer "
           "CN=Test Intermediate, O=hxc test)")


def test_untrusted_root():
    p = pki()
    other_root = m.root("Other Root")
    reject([p["leaf"], p["inter"]], "localhost",
           "unable to find a trusted root for CN=Test Intermediate (depth 1, issuer "
           "CN=Test Root, O=hxc test)", roots=m.bundle("other", [other_root]))
    self_signed = m.issue("selfsigned", "/CN=localhost", None,
                          ext=["subjectAltName = DNS:localhost"])
    reject([self_signed], "localhost",
           "unable to find a trusted root for CN=localhost (depth 0, self-signed")
    ok([self_signed], "localhost", roots=m.bundle("selfroots", [self_signed]))


def test_candidates_with_the_same_name():
    p = pki()
    right = m.intermediate("Twin", p["root"], name="twin-right")
    wrong = m.intermediate("Twin", p["root"], name="twin-wrong")
    leaf = m.leaf("localhost", right, name="twin-leaf", aki=False)
    ok([leaf, wrong, right], "localhost")
    ok([leaf, right, wrong], "localhost")
    reject([leaf, wrong], "localhost",
           ["signature does not verify with the key of issuer CN=Twin", "(depth 0, CN=localhost)"])
    # With an authorityKeyIdentifier, the twin with another key is no candidate.
    leaf_aki = m.leaf("localhost", right, name="twin-leaf-aki")
    ok([leaf_aki, wrong, right], "localhost")
    reject([leaf_aki, wrong], "localhost", "unable to find a trusted root for CN=localhost")
    # Same name and key, one copy expired: the valid one is chosen.
    expired_twin = m.issue("twin-expired", "/O=hxc test/CN=Twin", p["root"], key=right.key,
                           end="20260103000000Z",
                           ext=["basicConstraints = critical,CA:TRUE",
                                "keyUsage = critical,keyCertSign"])
    ok([leaf, expired_twin, right], "localhost")
    reject([leaf, expired_twin], "localhost", "certificate expired 2026-01-03 (depth 1, CN=Twin)")


def test_most_meaningful_failure():
    p = pki()
    old = m.intermediate("Test Intermediate", p["root"], name="old-inter-same-name",
                         key=p["inter"].key, end="20260103000000Z")
    stranger = m.root("Unrelated")
    reject([p["leaf"], stranger, old], "localhost",
           "certificate expired 2026-01-03 (depth 1, CN=Test Intermediate)")


def test_chain_too_long():
    p = pki()
    issuer, chain = p["root"], []
    for i in range(10):
        issuer = m.intermediate("Level %d" % i, issuer)
        chain.insert(0, issuer)
    leaf = m.leaf("localhost", issuer, name="deep-leaf")
    reject([leaf] + chain, "localhost", "chain longer than 10 certificates")
    ok([m.leaf("localhost", chain[-7], name="shallow-leaf")] + chain[-7:], "localhost")


# ------------------------------------------------------------------ CLI and files
def test_cli_usage_and_file_errors():
    p = pki()
    rc, out, err = verify([p["leaf"]], "localhost", extra=["--bogus"])
    assert rc == 2 and "usage: hxc verify" in err, (rc, out, err)
    r = subprocess.run([HXC_BIN, "verify", "--roots", p["roots"]], capture_output=True, text=True)
    assert exit_status(r.returncode) == 2 and "required" in r.stderr, (r.returncode, r.stderr)
    rc, out, err = verify([p["leaf"]], "localhost", roots=m.path("missing.pem"))
    assert rc == 2 and "missing.pem" in err, (rc, err)
    bad = m.path("bad.pem")
    with open(bad, "w") as f:
        f.write("hello\n-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n")
    rc, out, err = verify(bad, "localhost")
    assert rc == 2 and "bad.pem:3: malformed PEM" in err, (rc, err)
    empty = m.path("empty.pem")
    with open(empty, "w") as f:
        f.write("no certificates here\n")
    rc, out, err = verify([p["leaf"]], "localhost", roots=empty)
    assert rc == 2 and "empty.pem: no certificate found" in err, (rc, err)


def main():
    if not os.path.exists(HXC_BIN):
        print("hxc binary not found at %s (set HXC_BIN)" % HXC_BIN)
        print("0 passed, 1 failed")
        return 1
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = 0
    for name, fn in tests:
        start = time.monotonic()
        try:
            fn()
        except Exception:
            failed += 1
            print("FAIL %s (%.1f s)\n  %s" % (name, time.monotonic() - start,
                                              traceback.format_exc().replace("\n", "\n  ")))
        else:
            passed += 1
            print("PASS %s (%.1f s)" % (name, time.monotonic() - start))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
