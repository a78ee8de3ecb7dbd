"""Every certificate verification rule, through `hxc verify`, with one
passing and one failing case each (exit code and REJECT text asserted), and
the same chain through a real TLS handshake: `openssl s_server` serving it,
`hxc --cacert ROOTS` fetching from it (exit 0, or exit 60 with the same
words on stderr).

Certificates are minted by x509mint (openssl ca) with fixed validity windows
and checked with --time, so the dates in messages are deterministic. The
handshake runs at the real time, so it is made only for cases checked at the
default --time whose certificates are valid (or expired) at both.
"""

import atexit
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from x509mint import Mint, NOW, resign, unix_time  # noqa: E402
import hxctest as h  # noqa: E402
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


HANDSHAKES = [0]


def handshake(chain, host, roots=None, when=NOW, extra=(), tls=True):
    """The same chain served by openssl s_server (leaf + the rest, as sent)
    and fetched by hxc for `host` (--connect-to the server). Returns (exit
    status, stderr), or None when the case cannot be replayed at the real
    time or over a socket."""
    if (not tls or not isinstance(chain, list) or when != NOW or extra or ":" in host
            or host != host.lower().rstrip(".") or not REAL_TIME_IN_WINDOW):
        return None
    leaf, rest = chain[0], chain[1:]
    argv = ["-www", "-cipher", "DEFAULT:@SECLEVEL=0"]  # serves RSA-1024, SHA-1 too
    if rest:
        argv += ["-cert_chain", m.bundle("served-%d" % time.monotonic_ns(), rest)]
    with h.s_server(h.Leaf(leaf.cert, leaf.key, None), alpn=None, extra=argv) as srv:
        res = h.run_hxc(["--cacert", roots or pki()["roots"], "-o", "/dev/null",
                         "--connect-to", "%s:%d:127.0.0.1:%d" % (host, srv.port, srv.port),
                         "https://%s:%d/" % (host, srv.port)])
    HANDSHAKES[0] += 1
    return res.rc, res.err


def ok(chain, host="localhost", **kw):
    rc, out, err = verify(chain, host, **{k: v for k, v in kw.items() if k != "tls"})
    if rc != 0 or out != "OK":
        raise AssertionError("expected OK for host %r, got exit %d: %s %s" % (host, rc, out, err))
    hs = handshake(chain, host, **kw)
    if hs is not None and hs[0] != 0:
        raise AssertionError("hxc verify says OK but the handshake for %r failed: exit %d: %s"
                             % (host, hs[0], hs[1]))


def reject(chain, host, expected, **kw):
    """Asserts exit 1 and that the REJECT line contains every expected text;
    then the same through a handshake (exit 60, the same words)."""
    rc, out, err = verify(chain, host, **{k: v for k, v in kw.items() if k != "tls"})
    if rc != 1 or not out.startswith("REJECT certificate verify failed for '%s': " % host):
        raise AssertionError("expected REJECT for host %r, got exit %d: %r %r"
                             % (host, rc, out, err))
    texts = [expected] if isinstance(expected, str) else expected
    for text in texts:
        if text not in out:
            raise AssertionError("REJECT line lacks %r:\n  %s" % (text, out))
    hs = handshake(chain, host, **kw)
    if hs is None:
        return
    reason = out[len("REJECT "):]
    if hs[0] != 60 or reason not in hs[1]:
        raise AssertionError("handshake for %r: expected exit 60 with %r, got exit %d: %s"
                             % (host, reason, hs[0], hs[1]))


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


def test_wildcard_never_under_a_public_suffix():
    """Public Suffix List (certs/public_suffix_list.dat, built in): a
    wildcard directly under a public suffix matches nothing, ICANN (com,
    co.uk) and private (github.io) suffixes alike; one label deeper it does."""
    p = pki()
    for suffix in ("com", "co.uk", "github.io"):
        leaf = m.leaf("star." + suffix, p["inter"], sans=["DNS:*." + suffix])
        reject([leaf, p["inter"]], "foo." + suffix,
               "hostname mismatch (certificate is valid for *.%s; a wildcard directly under "
               "the public suffix %s matches nothing)" % (suffix, suffix))
    deeper = m.leaf("star.example.co.uk", p["inter"], sans=["DNS:*.example.co.uk"])
    ok([deeper, p["inter"]], "www.example.co.uk")
    partial = m.leaf("partial", p["inter"], sans=["DNS:localhost", "DNS:f*.example.org"])
    reject([partial, p["inter"]], "localhost",
           "invalid subjectAltName DNS name f*.example.org: wildcard that is not the whole "
           "left-most label (depth 0, OU=partial, O=hxc test)")


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
           "(depth 0, OU=client only, O=hxc test)")
    both = m.leaf("both", p["inter"], sans=LEAF_SANS, eku="clientAuth,serverAuth")
    ok([both, p["inter"]], "localhost")
    # Baseline Requirements 7.1.2.7.10: serverAuth is required, not implied.
    no_eku = m.leaf("no eku", p["inter"], sans=LEAF_SANS, eku=None)
    reject([no_eku, p["inter"]], "localhost",
           "leaf certificate has no extendedKeyUsage; serverAuth is required")
    any_eku = m.leaf("any eku", p["inter"], sans=LEAF_SANS, eku="anyExtendedKeyUsage")
    reject([any_eku, p["inter"]], "localhost", "(anyExtendedKeyUsage alone is not enough)")


# ------------------------------------------------------------------ algorithms
def test_sha1_refused_except_on_the_anchor():
    p = pki()
    sha1_leaf = m.leaf("sha1 leaf", p["inter"], sans=LEAF_SANS, md="sha1", key_kind="rsa")
    reject([sha1_leaf, p["inter"]], "localhost",
           "signature uses SHA-1, which is not accepted (depth 0, OU=sha1 leaf, O=hxc test)")
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
           "RSA key of 1024 bits is too small, at least 2048 are required (depth 0, OU=small key, O=hxc test)")
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
           "unsupported signature algorithm RSASSA-PSS (depth 0, OU=pss leaf, O=hxc test)", roots=roots)
    ed = m.leaf("ed25519 leaf", inter, sans=LEAF_SANS, key_kind="ed25519")
    # (no handshake: hxc offers no Ed25519 signatures, the server gives up first)
    reject([ed, inter], "localhost",
           ["unsupported public key type", "(depth 0, OU=ed25519 leaf, O=hxc test)"],
           roots=roots, tls=False)


# ------------------------------------------------------------------ CA rules
def test_issuer_must_be_ca():
    p = pki()
    not_ca = m.intermediate("Not A CA", p["root"], ca=False, ku=None)
    leaf = m.leaf("localhost", not_ca, name="under-not-ca")
    reject([leaf, not_ca], "localhost",
           "issuer is not a CA (basicConstraints cA=TRUE missing) (depth 1, CN=Not A CA)")
    no_bc = m.intermediate("No BC", p["root"], bc=False, ku="digitalSignature")
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
           "unknown critical extension 1.2.3.4 (depth 0, OU=critical, O=hxc test)")
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
    # A directoryName SAN is held to the same constraints as the subject.
    dn_san = m.leaf("localhost", nc, name="dirname-san", sans=["DNS:localhost", "dirName:dn_san"],
                    ext=["[dn_san]", "O = elsewhere"])
    reject([dn_san, nc], "localhost",
           "directoryName O=elsewhere is not permitted by the name constraints of "
           "CN=DirName Inter at depth 1 (depth 0, CN=localhost)")


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


# ------------------------------------------------------------------ RFC 5280 / BR profile
EMPTY_NAME = b"\x30\x00"


def test_key_identifiers():
    """RFC 5280 4.2.1.1 / 4.2.1.2."""
    p = pki()
    ok([p["leaf"], p["inter"]], "localhost")
    no_aki = m.leaf("localhost", p["inter"], name="no-aki", aki=False)
    reject([no_aki, p["inter"]], "localhost",
           "authorityKeyIdentifier missing (RFC 5280 4.2.1.1) (depth 0, CN=localhost)")
    crit_aki = m.leaf("localhost", p["inter"], name="crit-aki", aki="critical,keyid")
    reject([crit_aki, p["inter"]], "localhost",
           "authorityKeyIdentifier marked critical (RFC 5280 4.2.1.1) (depth 0, CN=localhost)")
    no_ski = m.intermediate("No SKI", p["root"], ski=None)
    reject([m.leaf("localhost", no_ski, name="under-no-ski", aki="issuer"), no_ski],
           "localhost", "authorityKeyIdentifier without a keyIdentifier")
    reject([m.leaf("localhost", no_ski, name="under-no-ski2", aki=False), no_ski], "localhost",
           "authorityKeyIdentifier missing")
    # The intermediate itself: AKI present, SKI missing.
    leaf = m.leaf("localhost", no_ski, name="under-no-ski3", aki="DER:30:06:80:04:01:02:03:04")
    reject([leaf, no_ski], "localhost",
           ["CA certificate without subjectKeyIdentifier (RFC 5280 4.2.1.2)",
            "(depth 1, CN=No SKI)"])
    # A trust anchor's own AKI plays no part, but malformed contents reject.
    root_aki = m.root("Root With AKI", ext=["authorityKeyIdentifier = keyid:always"])
    inter = m.intermediate("Under Root With AKI", root_aki)
    ok([m.leaf("localhost", inter, name="under-root-aki"), inter], "localhost",
       roots=m.bundle("rootaki", [root_aki]))
    root_bad = m.root("Root Bad AKI", ext=["2.5.29.35 = DER:30:03:02:01:05"])
    inter2 = m.intermediate("Under Root Bad AKI", root_bad)
    reject([m.leaf("localhost", inter2, name="under-root-bad-aki"), inter2], "localhost",
           "trust anchor CN=Root Bad AKI is malformed: malformed authorityKeyIdentifier "
           "(depth 2)", roots=m.bundle("rootbadaki", [root_bad]))


def test_basic_constraints_profile():
    """RFC 5280 4.2.1.9 and 4.2.1.3."""
    p = pki()
    soft = m.intermediate("Soft BC", p["root"], bc=False, ext=["basicConstraints = CA:TRUE"])
    reject([m.leaf("localhost", soft, name="under-soft"), soft], "localhost",
           "basicConstraints of a CA certificate not marked critical (RFC 5280 4.2.1.9) "
           "(depth 1, CN=Soft BC)")
    soft_root = m.root("Soft BC Root", ca=False, ext=["basicConstraints = CA:TRUE"])
    inter = m.intermediate("Under Soft Root", soft_root)
    reject([m.leaf("localhost", inter, name="under-soft-root"), inter], "localhost",
           "not marked critical (RFC 5280 4.2.1.9) (depth 2, CN=Soft BC Root)",
           roots=m.bundle("softroot", [soft_root]))
    ca_leaf = m.leaf("localhost", p["inter"], name="ca-leaf", bc="critical,CA:TRUE",
                     ku="critical,digitalSignature,keyCertSign")
    reject([ca_leaf, p["inter"]], "localhost",
           "a CA certificate (basicConstraints cA=TRUE) cannot be the server's certificate "
           "(depth 0, CN=localhost)")
    signer = m.leaf("localhost", p["inter"], name="ku-signer",
                    ku="critical,digitalSignature,keyCertSign")
    reject([signer, p["inter"]], "localhost",
           "keyUsage keyCertSign without basicConstraints cA=TRUE (RFC 5280 4.2.1.3) "
           "(depth 0, CN=localhost)")
    ok([m.leaf("localhost", p["inter"], name="no-bc-leaf", bc=None), p["inter"]], "localhost")


def test_subjects_and_san_criticality():
    """RFC 5280 4.1.2.6 and 4.2.1.6; Baseline Requirements 7.1.2.7.12."""
    p = pki()
    # An empty subject needs a critical SAN; a subject forbids one.
    crit = m.leaf("localhost", p["inter"], name="crit-san", sans=["critical", "DNS:localhost"])
    reject([crit, p["inter"]], "localhost",
           "subjectAltName critical although the subject is not empty")
    empty_crit = resign(m, crit, p["inter"], "empty-crit", subject=EMPTY_NAME)
    ok([empty_crit, p["inter"]], "localhost")
    empty_soft = resign(m, p["leaf"], p["inter"], "empty-soft", subject=EMPTY_NAME)
    reject([empty_soft, p["inter"]], "localhost",
           "subjectAltName not critical although the subject is empty (RFC 5280 4.2.1.6)")
    # A CA with an empty subject (its child names it as an empty issuer).
    ca = m.intermediate("Nameless CA", p["root"], ext=["subjectAltName = critical,DNS:ca.test"])
    nameless = resign(m, ca, p["root"], "nameless-ca", subject=EMPTY_NAME)
    child = resign(m, m.leaf("localhost", ca, name="tmp-child"), ca, "under-nameless",
                   issuer_name=EMPTY_NAME)
    reject([child, nameless], "localhost",
           "CA certificate with an empty subject (RFC 5280 4.1.2.6) (depth 1, (empty))")


def test_dns_san_syntax():
    """RFC 5280 4.2.1.6: DNS names in preferred name syntax."""
    p = pki()
    cases = [("a_b.example.com", "underscore"), ("a..example.com", "empty label"),
             ("a.*.example.com", "wildcard that is not the whole left-most label"),
             ("-a.example.com", "label starting or ending with a hyphen"),
             ("example.com.", "ends with a dot"), ("\u00e9.example.com", "invalid character")]
    for i, (name, why) in enumerate(cases):
        leaf = m.leaf("bad dns %d" % i, p["inter"], sans=["DNS:localhost", "DNS:" + name])
        reject([leaf, p["inter"]], "localhost",
               "invalid subjectAltName DNS name %s: %s" % (name, why))
    good = m.leaf("good dns", p["inter"],
                  sans=["DNS:localhost", "DNS:a-b.example.com", "DNS:*.x1.example", "DNS:1.2.3.x"])
    ok([good, p["inter"]], "localhost")


def test_common_name_must_be_a_san():
    """Baseline Requirements 7.1.4.3: the CN repeats a SAN, and is never matched."""
    p = pki()
    other = m.leaf("other.example", p["inter"], sans=LEAF_SANS, cn_ok=False)
    reject([other, p["inter"]], "localhost",
           "subject commonName other.example is not one of the subjectAltNames (Baseline "
           "Requirements 7.1.4.3) (depth 0, CN=other.example)")
    ok([m.leaf("LocalHost", p["inter"], name="cn-case", sans=LEAF_SANS), p["inter"]],
       "localhost")
    ok([m.leaf("127.0.0.1", p["inter"], name="cn-ip4", sans=LEAF_SANS), p["inter"]],
       "localhost")
    ok([m.leaf("::1", p["inter"], name="cn-ip6", sans=LEAF_SANS), p["inter"]], "localhost")
    long6 = m.leaf("0:0:0:0:0:0:0:1", p["inter"], name="cn-ip6-long", sans=LEAF_SANS,
                   cn_ok=False)
    reject([long6, p["inter"]], "localhost",
           "subject commonName 0:0:0:0:0:0:0:1 is not one of the subjectAltNames")


def test_eku_profile_and_chain():
    """Baseline Requirements 7.1.2.7.10 (leaf) and 7.1.2.10.6 (CAs)."""
    p = pki()
    crit = m.leaf("localhost", p["inter"], name="crit-eku", eku="critical,serverAuth")
    reject([crit, p["inter"]], "localhost",
           "extendedKeyUsage marked critical in a leaf certificate")
    client_ca = m.intermediate("Client CA", p["root"], ext=["extendedKeyUsage = clientAuth"])
    reject([m.leaf("localhost", client_ca, name="under-client-ca"), client_ca], "localhost",
           "extendedKeyUsage of this CA does not include serverAuth, so no server certificate "
           "below it is valid (depth 1, CN=Client CA)")
    server_ca = m.intermediate("Server CA", p["root"],
                               ext=["extendedKeyUsage = serverAuth,clientAuth"])
    ok([m.leaf("localhost", server_ca, name="under-server-ca"), server_ca], "localhost")
    code_root = m.root("Code Root", ext=["extendedKeyUsage = codeSigning"])
    inter = m.intermediate("Under Code Root", code_root)
    reject([m.leaf("localhost", inter, name="under-code-root"), inter], "localhost",
           "extendedKeyUsage of this CA does not include serverAuth",
           roots=m.bundle("coderoot", [code_root]))


def test_name_constraints_validity():
    """RFC 5280 4.2.1.10: only in CAs, well formed, and every SAN checkable."""
    p = pki()
    for crit in ("critical,", ""):
        leaf = m.leaf("localhost", p["inter"], name="nc-leaf",
                      ext=["nameConstraints = %spermitted;DNS:localhost" % crit])
        reject([leaf, p["inter"]], "localhost",
               "nameConstraints in a certificate that is not a CA (RFC 5280 4.2.1.10)")
    bad = [("DER:30:00", "neither permitted nor excluded subtrees"),
           ("DER:30:02:a0:00", "empty subtrees"),
           ("permitted;DNS:.example.com", "a DNS name with a leading period"),
           ("permitted;DNS:exa_mple.com", "a DNS name that is not a valid host name"),
           ("DER:30:0d:a0:0b:30:09:82:04:74:65:73:74:80:01:01",
            "a subtree with a minimum or maximum, or not a GeneralName")]
    for i, (value, why) in enumerate(bad):
        nc = m.intermediate("Bad NC %d" % i, p["root"], ext=["nameConstraints = critical," + value])
        reject([m.leaf("localhost", nc, name="under-bad-nc-%d" % i), nc], "localhost",
               "malformed name constraints: %s (depth 1, CN=Bad NC %d)" % (why, i))
    nc = m.intermediate("NC Local", p["root"],
                        ext=["nameConstraints = critical,permitted;DNS:localhost,"
                             "permitted;IP:127.0.0.0/255.0.0.0,permitted;IP:::1/ffff:ffff:ffff:"
                             "ffff:ffff:ffff:ffff:ffff"])
    ok([m.leaf("localhost", nc, name="nc-local-ok"), nc], "localhost")
    other = m.leaf("localhost", nc, name="nc-othername",
                   sans=["DNS:localhost", "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:a@b"])
    reject([other, nc], "localhost",
           "a subjectAltName of type otherName cannot be checked against the name constraints "
           "of CN=NC Local at depth 1")
    # The same name without a constraint above it is fine.
    ok([m.leaf("localhost", p["inter"], name="othername-free",
               sans=["DNS:localhost", "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:a@b"]),
        p["inter"]], "localhost")
    uri = m.leaf("localhost", nc, name="nc-uri", sans=["DNS:localhost", "URI:https://x.test/"])
    ok([uri, nc], "localhost")  # no URI subtrees: nothing to check
    uri_nc = m.intermediate("NC URI", p["root"],
                            ext=["nameConstraints = critical,permitted;DNS:localhost,"
                                 "permitted;URI:.x.test"])
    reject([m.leaf("localhost", uri_nc, name="nc-uri-2",
                   sans=["DNS:localhost", "URI:https://x.test/"]), uri_nc], "localhost",
           "a subjectAltName of type uniformResourceIdentifier cannot be checked")


def test_name_constraint_work_is_bounded():
    """At most 250,000 name/constraint comparisons per chain, 2048 SANs per
    certificate: past either the chain is refused, quickly."""
    p = pki()
    names = ["n%d.example" % i for i in range(500)]
    sans = ["DNS:localhost"] + ["DNS:" + n for n in names]

    def constrained(count, tag):
        subtrees = ",".join("permitted;DNS:c%d.test" % i for i in range(count - 2))
        return m.intermediate("Many NC %s" % tag, p["root"],
                              ext=["nameConstraints = critical,%s,permitted;DNS:example,"
                                   "permitted;DNS:localhost" % subtrees])
    big = constrained(600, "600")
    start = time.monotonic()
    reject([m.leaf("localhost", big, name="many-names", sans=sans), big], "localhost",
           "name constraint checks stopped after 250000 comparisons: too many names or "
           "constraints in the chain (depth 1, CN=Many NC 600)")
    elapsed = time.monotonic() - start
    assert elapsed < 20, "the bounded check took %.1f s" % elapsed
    small = constrained(300, "300")
    ok([m.leaf("localhost", small, name="fewer-names", sans=sans), small], "localhost")
    too_many = m.leaf("localhost", p["inter"], name="2049-sans",
                      sans=["DNS:localhost"] + ["DNS:s%d.example" % i for i in range(2048)])
    reject([too_many, p["inter"]], "localhost",
           "more than 2048 subjectAltName entries (depth 0, CN=localhost)")
    enough = m.leaf("localhost", p["inter"], name="2048-sans",
                    sans=["DNS:localhost"] + ["DNS:s%d.example" % i for i in range(2047)])
    ok([enough, p["inter"]], "localhost")


def test_policy_extensions():
    """RFC 5280 4.2.1.11 / 4.2.1.14 must be critical; the policy tree (6.1)
    is not evaluated, so a requireExplicitPolicy that takes effect refuses."""
    p = pki()
    cases = [("policyConstraints = requireExplicitPolicy:3",
              "policyConstraints not marked critical (RFC 5280 4.2.1.11)"),
             ("inhibitAnyPolicy = 0", "inhibitAnyPolicy not marked critical (RFC 5280 4.2.1.14)"),
             ("policyConstraints = critical,requireExplicitPolicy:0",
              "policyConstraints requireExplicitPolicy 0 takes effect in this chain, and hxc "
              "does not evaluate certificate policies (RFC 5280 6.1)")]
    for i, (line, why) in enumerate(cases):
        inter = m.intermediate("Policy %d" % i, p["root"],
                               ext=["certificatePolicies = 2.23.140.1.2.1", line])
        reject([m.leaf("localhost", inter, name="under-policy-%d" % i), inter], "localhost",
               "%s (depth 1, CN=Policy %d)" % (why, i))
    fine = m.intermediate("Policy OK", p["root"],
                          ext=["certificatePolicies = 2.23.140.1.2.1",
                               "policyConstraints = critical,requireExplicitPolicy:1,"
                               "inhibitPolicyMapping:0", "inhibitAnyPolicy = critical,0"])
    ok([m.leaf("localhost", fine, name="under-policy-ok"), fine], "localhost")


def test_keys_and_serials():
    """Baseline Requirements 6.1.5 (keys) and RFC 5280 4.1.2.2 (serials)."""
    p = pki()
    odd = m.leaf("localhost", p["inter"], name="rsa2052", key_kind="rsa2052")
    reject([odd, p["inter"]], "localhost",
           "RSA modulus of 2052 bits is not a whole number of bytes (Baseline Requirements "
           "6.1.5) (depth 0, CN=localhost)")
    # A huge public exponent makes every signature check a full exponentiation.
    big_e = m.path("big-e.key")
    m._run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
            "-pkeyopt", "rsa_keygen_pubexp:%d" % (2 ** 64 + 1), "-out", big_e])
    reject([m.leaf("localhost", p["inter"], name="big-e", key=big_e), p["inter"]], "localhost",
           "RSA public exponent not accepted (odd, from 3 to 2^32-1; Baseline Requirements "
           "6.1.6) (depth 0, CN=localhost)")
    ok([m.leaf("localhost", p["inter"], name="rsa3072", key_kind="rsa3072"), p["inter"]],
       "localhost")
    k1 = m.leaf("localhost", p["inter"], name="secp256k1", key_kind="ec:secp256k1")
    reject([k1, p["inter"]], "localhost",
           "elliptic curve 1.3.132.0.10 is not P-256, P-384 or P-521 (depth 0, CN=localhost)",
           tls=False)  # (no handshake: nor does hxc offer secp256k1 signatures)
    ok([m.leaf("localhost", p["inter"], name="p521", key_kind="ec:P-521"), p["inter"]],
       "localhost")
    for serial, why in ((0, "serial number is zero or negative"),
                        (-5, "serial number is zero or negative")):
        bad = resign(m, p["leaf"], p["inter"], "serial%d" % serial, serial=serial)
        reject([bad, p["inter"]], "localhost", "%s (RFC 5280 4.1.2.2) (depth 0, CN=localhost)"
               % why)
    long_serial = m.leaf("localhost", p["inter"], name="serial21", serial="7F" + "AB" * 20)
    reject([long_serial, p["inter"]], "localhost", "serial number longer than 20 octets")
    ok([m.leaf("localhost", p["inter"], name="serial20", serial="7F" + "AB" * 19), p["inter"]],
       "localhost")
    # 20 octets with the top bit set take 21 in DER (a leading zero): allowed.
    ok([m.leaf("localhost", p["inter"], name="serial20hi", serial="FF" + "AB" * 19),
        p["inter"]], "localhost")


def test_authority_info_access_must_parse():
    p = pki()
    bad = m.leaf("localhost", p["inter"], name="bad-aia",
                 ext=["authorityInfoAccess = DER:30:00"])
    reject([bad, p["inter"]], "localhost",
           "authorityInfoAccess does not parse: no access description (depth 0, CN=localhost)")
    good = m.leaf("localhost", p["inter"], name="good-aia",
                  ext=["authorityInfoAccess = caIssuers;URI:http://ca.test/i.crt,"
                       "OCSP;URI:http://ocsp.test/"])
    ok([good, p["inter"]], "localhost")


def test_max_depth():
    p = pki()
    chain = [p["leaf"], p["inter"]]
    ok(chain, "localhost", extra=["--max-depth", "3"])
    reject(chain, "localhost", "chain longer than 2 certificates", extra=["--max-depth", "2"])
    rc, out, err = verify(chain, "localhost", extra=["--max-depth", "0"])
    assert rc == 2 and "--max-depth" in err, (rc, out, err)


# ------------------------------------------------------------------ validity
def test_validity_at_every_depth():
    p = pki()
    ok([p["leaf"], p["inter"]], "localhost", when=unix_time("20250101000000Z"))
    expired_leaf = m.leaf("old leaf", p["inter"], sans=LEAF_SANS, end="20260103000000Z")
    reject([expired_leaf, p["inter"]], "localhost",
           "certificate expired 2026-01-03 (depth 0, OU=old leaf, O=hxc test)")
    future_leaf = m.leaf("future leaf", p["inter"], sans=LEAF_SANS, start="20300101000000Z")
    reject([future_leaf, p["inter"]], "localhost",
           "certificate not yet valid until 2030-01-01 (depth 0, OU=future leaf, O=hxc test)")
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
# Handshakes replay a case at the real time: the same verdict as at NOW when
# the real time is inside the default window and past every early expiry
# the tests use (2026-01-03).
REAL_TIME_IN_WINDOW = unix_time("20260104000000Z") <= time.time() <= unix_time("20300101000000Z")


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
                          ext=["subjectAltName = DNS:localhost",
                               "extendedKeyUsage = serverAuth"])
    reject([self_signed], "localhost",
           "unable to find a trusted root for CN=localhost (depth 0, self-signed")
    ok([self_signed], "localhost", roots=m.bundle("selfroots", [self_signed]))


def test_candidates_with_the_same_name():
    p = pki()
    # Twins with one name and one (hand-set) key identifier: only the
    # signature tells them apart.
    right = m.intermediate("Twin", p["root"], name="twin-right", ski="7a:7a:7a:7a")
    wrong = m.intermediate("Twin", p["root"], name="twin-wrong", ski="7a:7a:7a:7a")
    leaf = m.leaf("localhost", right, name="twin-leaf")
    ok([leaf, wrong, right], "localhost")
    ok([leaf, right, wrong], "localhost")
    reject([leaf, wrong], "localhost",
           ["signature does not verify with the key of issuer CN=Twin", "(depth 0, CN=localhost)"])
    # With key identifiers that differ, the twin with another key is no candidate.
    other = m.intermediate("Twin", p["root"], name="twin-other")
    ok([leaf, other, right], "localhost")
    reject([leaf, other], "localhost", "unable to find a trusted root for CN=localhost")
    # Same name and key, one copy expired: the valid one is chosen.
    expired_twin = m.intermediate("Twin", p["root"], name="twin-expired", key=right.key,
                                  end="20260103000000Z", ski="7a:7a:7a:7a")
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



if __name__ == "__main__":
    atexit.register(lambda: print("%d handshakes against openssl s_server" % HANDSHAKES[0]))
    h.run_tests(sorted((n, f) for n, f in globals().items() if n.startswith("test_")))
