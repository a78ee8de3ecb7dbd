#!/usr/bin/env python3
"""Seed corpus for fuzz_x509_chain.c, from certificates minted on the spot
with tests/integration/x509mint.py (the openssl CLI; nothing is downloaded)
and a few of the certifi roots in certs/cacert.pem.

    python3 tests/unit/x509/fuzz_x509_seeds.py CORPUS_DIR

Chain-mode seeds (see the input format in fuzz_x509_chain.c): good
root / intermediate / leaf chains with EC P-256, P-384 and RSA keys, chains
sent out of order or with strangers, name constraints (permitted / excluded
DNS, IP, dirName, email) on intermediates and roots, SANs of every type
(DNS, IP, email, URI, otherName, dirName, RID), wildcard SANs, pathlen,
EKU, policy extensions, with and without AKI / SKI, same-name issuers,
self-issued loops, long chains, expired / SHA-1 / RSA-1024 / Ed25519 /
unknown critical extension, certifi roots as anchors, a CRL (which
hxc__trust_store_add_mem takes too) among the anchors; then hand-made
truncated and mutated ones. Bundle-mode seeds: PEM bundles (text between
blocks, CRLF, TRUSTED CERTIFICATE), concatenated DER, broken PEM.
"""
import base64
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import x509mint  # noqa: E402

# Indexes into HOSTS in fuzz_x509_chain.c.
H = {"localhost": 0, "www.example.com": 1, "example.com": 2, "a.b.example.com": 3,
     "127.0.0.1": 4, "::1": 5, "2001:db8::1": 6, "[2001:db8::1]": 7, "10.1.2.3": 8,
     "sub.permitted.test": 9, "host.excluded.test": 10, "*.example.com": 11,
     "xn--caf-dma.example": 12, "a..b": 13, "": 14, "fe80::1::2": 15}
# Time selectors (bits 6-7 of byte 0).
NOW, PAST, FUTURE = 0, 2, 3
# Option bits of byte 1.
ONE_CALL, SHORTER, BUNDLE = 0x20, 0x40, 0x80

PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


def pem_to_der(text):
    return [base64.b64decode("".join(m.group(1).split())) for m in PEM_RE.finditer(text)]


def der(cert):
    return pem_to_der(cert.pem())[0]


def blob(b):
    b = b[:0xffff]
    return bytes([len(b) >> 8, len(b) & 255]) + b


def chain_seed(host, anchors, chain, opt=0, when=NOW, no_summary=False, crl_chain=False):
    """anchors, chain: lists of DER bytes (or Cert); crl_chain: revocation
    checked along the chain with the CRLs among the anchors."""
    anchors = [a if isinstance(a, bytes) else der(a) for a in anchors]
    chain = [c if isinstance(c, bytes) else der(c) for c in chain]
    k = len(anchors)
    assert k < 32
    b0 = (when << 6) | (32 if crl_chain else 0) | (16 if no_summary else 0) | H[host]
    return bytes([b0, opt | k]) + b"".join(blob(x) for x in anchors + chain)


def bundle_seed(host, data, when=NOW):
    return bytes([(when << 6) | H[host], BUNDLE]) + data


def main(out):
    os.makedirs(out, exist_ok=True)
    m = x509mint.Mint()
    seeds = {}

    def add(name, data):
        seeds[name] = data

    sans = ["DNS:localhost", "IP:127.0.0.1", "IP:::1", "DNS:www.example.com"]

    # ------------------------------------------------------------ good chains
    root = m.root("Seed Root")
    inter = m.intermediate("Seed Inter", root)
    leaf = m.leaf("localhost", inter, sans=sans)
    stranger_root = m.root("Stranger Root")
    for host in ("localhost", "127.0.0.1", "::1", "www.example.com", "example.com",
                 "fe80::1::2", "*.example.com"):
        add("ec-good-%s" % host.replace(":", "_").replace("*", "star"),
            chain_seed(host, [root], [leaf, inter]))
    add("ec-good-one-call", chain_seed("localhost", [stranger_root, root], [leaf, inter],
                                       opt=ONE_CALL))
    add("ec-good-shorter", chain_seed("localhost", [root], [leaf, inter], opt=SHORTER))
    add("ec-root-sent", chain_seed("localhost", [root], [leaf, root, inter]))
    add("ec-out-of-order", chain_seed("localhost", [root],
                                      [leaf, der(stranger_root), root, inter, inter]))
    add("ec-no-anchor", chain_seed("localhost", [], [leaf, inter, root]))
    add("ec-no-summary", chain_seed("localhost", [root], [leaf, inter], no_summary=True))
    add("ec-past", chain_seed("localhost", [root], [leaf, inter], when=PAST))
    add("ec-future", chain_seed("localhost", [root], [leaf, inter], when=FUTURE))
    add("ec-missing-inter", chain_seed("localhost", [root], [leaf]))
    add("ec-inter-as-anchor", chain_seed("localhost", [inter], [leaf]))
    add("ec-leaf-as-anchor", chain_seed("localhost", [leaf], [leaf]))
    add("empty-chain", chain_seed("localhost", [root], []))

    r384 = m.root("Seed Root 384", key_kind="ec384", md="sha384")
    i384 = m.intermediate("Seed Inter 384", r384, key_kind="ec384", md="sha384")
    l384 = m.leaf("localhost", i384, name="leaf384", key_kind="ec384", md="sha384", sans=sans)
    add("p384-good", chain_seed("localhost", [r384], [l384, i384]))
    mixed = m.leaf("localhost", i384, name="leaf-mixed", key_kind="ec", md="sha512", sans=sans)
    add("p384-p256-mixed", chain_seed("localhost", [r384], [mixed, i384]))

    rroot = m.root("Seed RSA Root", key_kind="rsa")
    rinter = m.intermediate("Seed RSA Inter", rroot, key_kind="rsa")
    rleaf = m.leaf("localhost", rinter, name="rsa-leaf", key_kind="rsa", sans=sans)
    add("rsa-good", chain_seed("localhost", [rroot], [rleaf, rinter]))
    ecleaf_rsa = m.leaf("localhost", rinter, name="ec-under-rsa", sans=sans)
    add("rsa-inter-ec-leaf", chain_seed("127.0.0.1", [rroot], [ecleaf_rsa, rinter]))
    pss = m.leaf("localhost", rinter, name="rsa-pss-leaf", key_kind="rsa", sans=sans,
                 sigopt=["rsa_padding_mode:pss"])
    add("rsa-pss-sig", chain_seed("localhost", [rroot], [pss, rinter]))
    r1024 = m.leaf("localhost", rinter, name="rsa1024-leaf", key_kind="rsa1024", sans=sans)
    add("rsa-1024-leaf", chain_seed("localhost", [rroot], [r1024, rinter]))
    sha1 = m.leaf("localhost", rinter, name="sha1-leaf", md="sha1", sans=sans)
    add("sha1-leaf", chain_seed("localhost", [rroot], [sha1, rinter]))
    ed = m.leaf("localhost", inter, name="ed25519-leaf", key_kind="ed25519", sans=sans)
    add("ed25519-leaf", chain_seed("localhost", [root], [ed, inter]))
    ed_root = m.root("Ed Root", key_kind="ed25519", md="null")
    ed_leaf = m.leaf("localhost", ed_root, name="under-ed-root", sans=sans, md="null")
    add("ed25519-root", chain_seed("localhost", [ed_root], [ed_leaf]))

    # ------------------------------------------------------------ name constraints
    nc = m.intermediate(
        "NC Inter", root,
        ext=["nameConstraints = critical,permitted;DNS:permitted.test,"
             "permitted;DNS:example.com,excluded;DNS:excluded.test,"
             "permitted;IP:10.0.0.0/255.0.0.0,permitted;IP:2001:db8::/ffff:ffff::,"
             "excluded;IP:10.9.0.0/255.255.0.0,permitted;email:example.com,"
             "excluded;email:bad@example.com,permitted;dirName:nc_dir",
             "[nc_dir]", "O = hxc test"])
    nc_ok = m.leaf("sub.permitted.test", nc, name="nc-ok",
                   sans=["DNS:sub.permitted.test", "DNS:a.b.example.com", "IP:10.1.2.3",
                         "IP:2001:db8::1", "email:ops@example.com"])
    nc_bad = m.leaf("host.excluded.test", nc, name="nc-bad",
                    sans=["DNS:host.excluded.test", "IP:10.9.1.1", "email:bad@example.com"])
    nc_ip = m.leaf("ip", nc, name="nc-ip", sans=["IP:10.1.2.3", "IP:192.168.1.1"])
    nc_wild = m.leaf("wild", nc, name="nc-wild", sans=["DNS:*.permitted.test", "DNS:*.test"])
    nc_dn = m.leaf("dn", nc, name="nc-dn", sans=["DNS:sub.permitted.test"],
                   ext=[], aki=False)
    add("nc-ok", chain_seed("sub.permitted.test", [root], [nc_ok, nc]))
    add("nc-ok-ipv6", chain_seed("2001:db8::1", [root], [nc_ok, nc]))
    add("nc-ok-ipv6-brackets", chain_seed("[2001:db8::1]", [root], [nc_ok, nc]))
    add("nc-ok-ip", chain_seed("10.1.2.3", [root], [nc_ok, nc]))
    add("nc-excluded", chain_seed("host.excluded.test", [root], [nc_bad, nc]))
    add("nc-ip", chain_seed("10.1.2.3", [root], [nc_ip, nc]))
    add("nc-wild", chain_seed("sub.permitted.test", [root], [nc_wild, nc]))
    add("nc-dn-noaki", chain_seed("sub.permitted.test", [root], [nc_dn, nc]))
    nc_dn_aki = m.leaf("dn", nc, name="nc-dn-aki", sans=["DNS:sub.permitted.test"])
    add("nc-dn", chain_seed("sub.permitted.test", [root], [nc_dn_aki, nc]))
    other_dn = m.intermediate("NC Other DN", root,
                              ext=["nameConstraints = critical,permitted;dirName:nc_other,"
                                   "excluded;dirName:nc_ex",
                                   "[nc_other]", "O = somebody else", "[nc_ex]",
                                   "O = hxc test", "CN = localhost"])
    add("nc-dirname", chain_seed("localhost", [root],
                                 [m.leaf("localhost", other_dn, name="nc-dn-bad"), other_dn]))
    nc_root = m.root("NC Root", ext=["nameConstraints = critical,permitted;DNS:example.com,"
                                     "permitted;IP:127.0.0.0/255.0.0.0,"
                                     "excluded;DNS:b.example.com"])
    nc_root_inter = m.intermediate("Under NC Root", nc_root)
    add("nc-root", chain_seed("a.b.example.com", [nc_root],
                              [m.leaf("x", nc_root_inter, name="nc-root-leaf",
                                      sans=["DNS:a.b.example.com", "IP:127.0.0.1"]),
                               nc_root_inter]))
    nc_dot = m.intermediate("NC Leading Dot", root,
                            ext=["nameConstraints = critical,permitted;DNS:.example.com,"
                                 "excluded;email:.example.com"])
    add("nc-leading-dot", chain_seed("www.example.com", [root],
                                     [m.leaf("www.example.com", nc_dot, name="nc-dot-leaf",
                                             sans=["DNS:www.example.com"]), nc_dot]))
    nc_nocrit = m.intermediate("NC Noncrit", root,
                               ext=["nameConstraints = permitted;DNS:localhost"])
    add("nc-noncritical", chain_seed("localhost", [root],
                                     [m.leaf("localhost", nc_nocrit, name="nc-nc-leaf"),
                                      nc_nocrit]))

    # ------------------------------------------------------------ SANs
    every = m.leaf("every san", inter, name="every-san",
                   sans=["DNS:localhost", "IP:127.0.0.1", "IP:2001:db8::1",
                         "email:someone@example.com", "URI:https://example.com/x",
                         "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@example.com",
                         "dirName:san_dir", "RID:1.2.3.4"],
                   ext=["[san_dir]", "O = hxc test", "CN = dir name"])
    for host in ("localhost", "127.0.0.1", "2001:db8::1", "10.1.2.3"):
        add("san-every-%s" % host.replace(":", "_"), chain_seed(host, [root], [every, inter]))
    no_dns = m.leaf("localhost", inter, name="no-dns-san",
                    sans=["email:a@example.com", "URI:https://localhost/"])
    add("san-no-dns", chain_seed("localhost", [root], [no_dns, inter]))
    no_san = m.leaf("localhost", inter, name="no-san", sans=())
    add("san-none-cn-only", chain_seed("localhost", [root], [no_san, inter]))
    wild = m.leaf("wildcards", inter, name="wild",
                  sans=["DNS:*.example.com", "DNS:xn--caf-dma.example"])
    for host in ("www.example.com", "a.b.example.com", "example.com", "xn--caf-dma.example"):
        add("san-wild-%s" % host, chain_seed(host, [root], [wild, inter]))
    for i, pattern in enumerate(("*.com", "w*.example.com", "*.*.example.com", "*",
                                 "*.co.uk", "www.*.com")):
        bad = m.leaf("bad wildcard", inter, name="bad-wild",
                     sans=["DNS:" + pattern, "DNS:www.example.com"])
        add("san-bad-wild-%d" % i, chain_seed("www.example.com", [root], [bad, inter]))
    many = m.leaf("many", inter, name="many-sans",
                  sans=["DNS:name%d.example.com" % i for i in range(60)] +
                  ["IP:10.0.0.%d" % i for i in range(30)])
    add("san-many", chain_seed("localhost", [root], [many, inter]))
    add("san-many-ip", chain_seed("10.1.2.3", [root], [many, inter]))

    # ------------------------------------------------------------ constraints, EKU, policies
    root_pl0 = m.root("PathLen0 Root", pathlen=0)
    i_pl0 = m.intermediate("Under PathLen0", root_pl0)
    add("pathlen-root-0", chain_seed("localhost", [root_pl0],
                                     [m.leaf("localhost", i_pl0, name="pl0-leaf"), i_pl0]))
    i_pl1 = m.intermediate("PathLen1 Inter", root, pathlen=1)
    i_pl1b = m.intermediate("Under PathLen1", i_pl1, pathlen=0)
    i_pl1c = m.intermediate("Under Under PathLen1", i_pl1b)
    add("pathlen-deep", chain_seed("localhost", [root],
                                   [m.leaf("localhost", i_pl1c, name="pl-deep"), i_pl1c,
                                    i_pl1b, i_pl1]))
    not_ca = m.intermediate("Not CA", root, ca=False)
    add("inter-not-ca", chain_seed("localhost", [root],
                                   [m.leaf("localhost", not_ca, name="under-not-ca"), not_ca]))
    no_bc = m.intermediate("No BC", root, bc=False)
    add("inter-no-bc", chain_seed("localhost", [root],
                                  [m.leaf("localhost", no_bc, name="under-no-bc"), no_bc]))
    ku = m.intermediate("KU Inter", root, ext=["keyUsage = critical,digitalSignature"])
    add("inter-ku-no-certsign", chain_seed("localhost", [root],
                                           [m.leaf("localhost", ku, name="under-ku"), ku]))
    for eku in ("clientAuth", "serverAuth,clientAuth", "anyExtendedKeyUsage",
                "critical,codeSigning"):
        c = m.leaf("localhost", inter, name="eku", eku=eku)
        add("eku-%s" % eku.replace(",", "-"), chain_seed("localhost", [root], [c, inter]))
    eku_inter = m.intermediate("EKU Inter", root, ext=["extendedKeyUsage = clientAuth"])
    add("eku-on-inter", chain_seed("localhost", [root],
                                   [m.leaf("localhost", eku_inter, name="under-eku"), eku_inter]))
    pol_inter = m.intermediate(
        "Policy Inter", root,
        ext=["certificatePolicies = critical,2.23.140.1.2.1,1.2.3.4",
             "policyConstraints = critical,requireExplicitPolicy:0,inhibitPolicyMapping:0",
             "inhibitAnyPolicy = critical,0",
             "policyMappings = critical,1.2.3.4:1.2.3.5"])
    pol_leaf = m.leaf("localhost", pol_inter, name="policy-leaf",
                      ext=["certificatePolicies = 2.5.29.32.0"])
    add("policies", chain_seed("localhost", [root], [pol_leaf, pol_inter]))
    pol_inter2 = m.intermediate("Policy Inter 2", root,
                                ext=["certificatePolicies = 2.23.140.1.2.1,1.2.3.4"])
    pol_leaf2 = m.leaf("localhost", pol_inter2, name="policy-leaf-2",
                       ext=["certificatePolicies = 2.23.140.1.2.1"])
    add("policies-plain", chain_seed("localhost", [root], [pol_leaf2, pol_inter2]))
    crit = m.leaf("localhost", inter, name="crit-unknown", ext=["1.2.3.4 = critical,ASN1:NULL"])
    add("critical-unknown", chain_seed("localhost", [root], [crit, inter]))
    misc = m.leaf("localhost", inter, name="misc-ext",
                  ext=["authorityInfoAccess = OCSP;URI:http://ocsp.example/,"
                       "caIssuers;URI:http://ca.example/ca.der",
                       "crlDistributionPoints = URI:http://crl.example/x.crl",
                       "subjectKeyIdentifier = hash", "1.3.6.1.4.1.11129.2.4.2 = ASN1:NULL"])
    add("misc-ext", chain_seed("localhost", [root], [misc, inter]))

    # ------------------------------------------------------------ validity
    old = m.leaf("localhost", inter, name="expired", end="20260103000000Z")
    add("expired-leaf", chain_seed("localhost", [root], [old, inter]))
    young = m.leaf("localhost", inter, name="not-yet", start="20300101000000Z")
    add("not-yet-valid-leaf", chain_seed("localhost", [root], [young, inter]))
    gen = m.leaf("localhost", inter, name="generalized", start="19000101000000Z",
                 end="20991231235959Z")
    add("generalized-time", chain_seed("localhost", [root], [gen, inter]))
    old_inter = m.intermediate("Old Inter", root, end="20260101000000Z")
    add("expired-inter", chain_seed("localhost", [root],
                                    [m.leaf("localhost", old_inter, name="under-old"),
                                     old_inter]))

    # ------------------------------------------------------------ AKI / SKI, same names
    twin_a = m.intermediate("Twin Inter", root, name="twin-a")
    twin_b = m.intermediate("Twin Inter", root, name="twin-b")
    twin_leaf = m.leaf("localhost", twin_b, name="under-twin-b")
    twin_leaf_noaki = m.leaf("localhost", twin_b, name="under-twin-b-noaki", aki=False)
    add("aki-twins", chain_seed("localhost", [root], [twin_leaf, twin_a, twin_b]))
    add("noaki-twins", chain_seed("localhost", [root], [twin_leaf_noaki, twin_a, twin_b]))
    root2 = m.root("Seed Root", name="seed-root-2")  # same name, other key
    cross = m.intermediate("Seed Inter", root2, name="cross", key=inter.key)
    add("cross-signed", chain_seed("localhost", [root2], [leaf, inter, cross]))
    add("two-roots-same-name", chain_seed("localhost", [root2, root], [leaf, cross, inter]))

    # Self-issued CA certificates sharing one name and key: every one
    # verifies every other, the widest tree for path building.
    loop_key = m.key("loop", "ec")
    loops = [m.root("Loop CA", name="loop", key=loop_key) for _ in range(12)]
    # The leaf's authorityKeyIdentifier (the shared key's hash) fits them all.
    loop_leaf = m.leaf("localhost", loops[0], name="loop-leaf")
    add("loop-untrusted", chain_seed("localhost", [root], [loop_leaf] + loops))
    add("loop-trusted-last", chain_seed("localhost", [loops[-1]], [loop_leaf] + loops[:-1]))
    # Mutually issued pair: A signs B's key as "B", B signs A's key as "A".
    ka, kb = m.key("mut-a", "ec"), m.key("mut-b", "ec")
    a0 = m.root("Mutual A", name="mut-a0", key=ka)
    b1 = m.intermediate("Mutual B", a0, name="mut-b1", key=kb)
    a1 = m.intermediate("Mutual A", b1, name="mut-a1", key=ka)
    mut_leaf = m.leaf("localhost", a1, name="mut-leaf")
    add("mutual-cycle", chain_seed("localhost", [root], [mut_leaf, a1, b1, a0]))

    # A long chain: deeper than the verifier's path limit.
    parent, longc = root, []
    for i in range(11):
        parent = m.intermediate("Long %d" % i, parent)
        longc.append(parent)
    long_leaf = m.leaf("localhost", parent, name="long-leaf")
    add("long-chain", chain_seed("localhost", [root], [long_leaf] + longc[::-1]))
    add("long-chain-short", chain_seed("localhost", [root], [long_leaf] + longc[::-1][:5]))
    add("over-32-certs", chain_seed("localhost", [root], [leaf] + [stranger_root] * 5 +
                                    [twin_a, twin_b] * 14 + [inter]))

    # ------------------------------------------------------------ certifi roots
    certifi = pem_to_der(open(os.path.join(ROOT, "certs", "cacert.pem")).read())
    picks = [certifi[i] for i in (0, 1, len(certifi) // 2, len(certifi) - 1)]
    add("certifi-anchors", chain_seed("localhost", picks + [root], [leaf, inter]))
    add("certifi-anchors-one-call", chain_seed("www.example.com", picks + [root],
                                               [leaf, inter], opt=ONE_CALL))
    for i, c in enumerate(picks[:3]):
        add("certifi-as-leaf-%d" % i, chain_seed("example.com", picks, [c]))
        add("certifi-bundle-der-%d" % i, bundle_seed("example.com", c))

    # ------------------------------------------------------------ bundle mode
    bundle = open(m.bundle("seedbundle", [leaf, inter, root])).read()
    add("bundle-pem", bundle_seed("localhost", bundle.encode()))
    add("bundle-pem-crlf", bundle_seed("localhost", bundle.replace("\n", "\r\n").encode()))
    trusted = root.pem().replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE").replace(
        "END CERTIFICATE", "END TRUSTED CERTIFICATE")
    add("bundle-trusted", bundle_seed("localhost", trusted.encode()))
    add("bundle-mixed-blocks", bundle_seed("localhost", (
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + root.pem()).encode()))
    add("bundle-der-concat", bundle_seed("localhost", der(root) + der(inter) + der(leaf)))
    add("bundle-der-self-signed", bundle_seed("localhost", der(root)))
    self_leaf = m.issue("self-leaf", "/O=hxc test/CN=localhost", None,
                        ext=["basicConstraints = critical,CA:FALSE",
                             "keyUsage = critical,digitalSignature",
                             "subjectKeyIdentifier = hash",
                             "subjectAltName = DNS:localhost,IP:127.0.0.1",
                             "extendedKeyUsage = serverAuth"])
    add("bundle-der-self-leaf", bundle_seed("localhost", der(self_leaf)))
    add("chain-self-leaf", chain_seed("127.0.0.1", [self_leaf], [self_leaf]))
    add("bundle-unterminated", bundle_seed("localhost", root.pem()[:-30].encode()))
    add("bundle-bad-base64", bundle_seed("localhost",
                                         root.pem().replace("M", "!", 3).encode()))
    add("bundle-no-cert", bundle_seed("localhost", b"just some text\n"))
    add("bundle-empty", bundle_seed("localhost", b""))

    # ------------------------------------------------------------ CRLs
    # trust_store_add_mem also takes CRLs: one from the root, revoking the
    # intermediate, as an "anchor" blob and in a PEM bundle.
    try:
        with open(m.path("db/crlnumber"), "w") as f:
            f.write("1000\n")
        m._run(["ca", "-config", m.conf, "-revoke", inter.cert, "-cert", root.cert,
                "-keyfile", root.key, "-crl_reason", "keyCompromise"])
        crl_pem = m.path("root.crl.pem")
        m._run(["ca", "-config", m.conf, "-gencrl", "-cert", root.cert, "-keyfile", root.key,
                "-crldays", "3650", "-out", crl_pem])
        crl_text = open(crl_pem).read()
        crl_der = base64.b64decode("".join(
            re.search(r"-----BEGIN X509 CRL-----(.*?)-----END", crl_text, re.S).group(1).split()))
        add("crl-anchor-blob", chain_seed("localhost", [root, crl_der], [leaf, inter]))
        add("crl-one-call", chain_seed("localhost", [root, crl_der], [leaf, inter],
                                       opt=ONE_CALL))
        add("crl-checked", chain_seed("localhost", [root, crl_der], [leaf, inter],
                                      crl_chain=True))
        add("crl-checked-missing", chain_seed("localhost", [root], [leaf, inter],
                                              crl_chain=True))
        add("crl-bundle-pem", bundle_seed("localhost", (root.pem() + crl_text).encode()))
        add("crl-bundle-der", bundle_seed("localhost", crl_der))
    except (RuntimeError, AttributeError, OSError) as e:
        print("no CRL seeds: %s" % e, file=sys.stderr)

    # ------------------------------------------------------------ truncated / mutated
    dl, di, dr = der(leaf), der(inter), der(root)
    add("trunc-leaf-half", chain_seed("localhost", [dr], [dl[:len(dl) // 2], di]))
    add("trunc-leaf-1", chain_seed("localhost", [dr], [dl[:-1], di]))
    add("trunc-inter", chain_seed("localhost", [dr], [dl, di[:len(di) - 20]]))
    add("trunc-anchor", chain_seed("localhost", [dr[:100]], [dl, di]))
    add("trailing-byte", chain_seed("localhost", [dr + b"\0"], [dl + b"\0", di]))
    flipped = bytearray(dl)
    flipped[-5] ^= 1  # in the signature
    add("bad-signature", chain_seed("localhost", [dr], [bytes(flipped), di]))
    tbs = bytearray(dl)
    tbs[len(dl) // 2] ^= 0x20  # somewhere in the TBSCertificate
    add("tbs-flipped", chain_seed("localhost", [dr], [bytes(tbs), di]))
    longlen = bytearray(dl)
    longlen[1:4] = b"\x84\x00\x00"  # a four-byte length claiming too much
    add("long-length", chain_seed("localhost", [dr], [bytes(longlen) + b"\0\0", di]))
    indef = bytearray(dl)
    indef[1] = 0x80  # indefinite length
    add("indefinite-length", chain_seed("localhost", [dr], [bytes(indef), di]))
    add("garbage-blobs", chain_seed("localhost", [b"\x30\x03\x02\x01\x00"],
                                    [b"\x30\x00", b"", b"\x30\x80\x00\x00", di]))
    # A length prefix longer than what is left.
    whole = chain_seed("localhost", [dr], [dl, di])
    add("short-last-blob", whole[:-50])

    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "x509-corpus")
