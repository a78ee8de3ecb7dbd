"""hxc -V / --version: hxc, BearSSL, nghttp2, llhttp and certifi versions, and
'trust anchors: N' where N is the number of certificates in certs/cacert.pem."""

import os
import re

import hxctest as h


def bundle_count():
    with open(os.path.join(h.SOURCE_DIR, "certs", "cacert.pem")) as f:
        return sum(1 for line in f if "BEGIN CERTIFICATE" in line)


def certifi_version():
    with open(os.path.join(h.SOURCE_DIR, "certs", "VERSION")) as f:
        return f.read().strip()


def test_version_components():
    for flag in ("-V", "--version"):
        res = h.run_hxc([flag])
        h.expect_rc(res, 0)
        text = res.text
        h.check(re.search(r"^hxc \d+\.\d+\.\d+$", text, re.M), "hxc version line\n"
                + res.describe())
        h.check(re.search(r"^BearSSL \d+\.\d+", text, re.M), "BearSSL line\n" + res.describe())
        h.check(re.search(r"^nghttp2 \d+\.\d+\.\d+$", text, re.M), "nghttp2 line\n"
                + res.describe())
        h.check(re.search(r"^llhttp \d+\.\d+\.\d+$", text, re.M), "llhttp line\n"
                + res.describe())
        h.expect_in("certifi %s\n" % certifi_version(), text, res)


def test_trust_anchor_count_matches_bundle():
    res = h.run_hxc(["-V"])
    h.expect_rc(res, 0)
    m = re.search(r"^trust anchors: (\d+)$", res.text, re.M)
    h.check(m, "no 'trust anchors: N' line\n" + res.describe())
    want = bundle_count()
    h.check(want > 0, "certs/cacert.pem has no certificates")
    h.check(int(m.group(1)) == want, "trust anchors: %s, but certs/cacert.pem holds %d"
            % (m.group(1), want))


# What each build's -V must name as its transport (HXC_WASM_RUNNER: which
# artifact runs, see hxctest.py).
TRANSPORTS = {None: "POSIX sockets", "node": "hostnet_v1 (the host's sockets)",
              "hxc-wasmtime": "hostnet_v1 (the host's sockets)",
              "wasmtime": "wasi:sockets (WASI 0.2)"}


def test_transport_line():
    res = h.run_hxc(["-V"])
    h.expect_rc(res, 0)
    h.expect_in("transport: %s\n" % TRANSPORTS[h.WASM_RUNNER], res.text, res)


def test_crypto_line():
    """-V names the BearSSL implementations in use: natively AES-NI and
    PCLMULQDQ exactly when the CPU has them; in wasm32 the portable
    constant-time code."""
    res = h.run_hxc(["-V"])
    h.expect_rc(res, 0)
    m = re.search(r"^crypto: (.*)$", res.text, re.M)
    h.check(m, "no 'crypto:' line\n" + res.describe())
    line = m.group(1)
    if h.WASM_RUNNER is not None:
        want = ["AES aes_ct (constant-time)", "ChaCha20 chacha20_ct", "Poly1305 poly1305_ctmul,"]
    else:
        with open("/proc/cpuinfo") as f:
            flags = set(re.search(r"^flags\s*:(.*)$", f.read(), re.M).group(1).split())
        want = ["AES aes_x86ni (AES-NI)" if "aes" in flags else "AES aes_ct64",
                "GHASH ghash_pclmul" if "pclmulqdq" in flags else "GHASH ghash_ctmul64",
                "RSA rsa_i62"]
    for w in want:
        h.expect_in(w, line, res, "the crypto line")


def test_public_suffix_list_line():
    res = h.run_hxc(["-V"])
    h.expect_rc(res, 0)
    with open(os.path.join(h.SOURCE_DIR, "certs", "PSL_VERSION")) as f:
        version = f.read().strip()
    with open(os.path.join(h.SOURCE_DIR, "certs", "public_suffix_list.dat"), encoding="utf-8") as f:
        rules = sum(1 for line in f if line.strip() and not line.startswith("//"))
    h.expect_in("public suffix list: %s (%d rules)\n" % (version, rules), res.text, res)


def test_version_ignores_url():
    res = h.run_hxc(["-V", "https://nonexistent.invalid/"])
    h.expect_rc(res, 0, "-V prints versions and makes no request")


if __name__ == "__main__":
    h.run_tests([test_version_components, test_trust_anchor_count_matches_bundle,
                 test_transport_line, test_crypto_line, test_public_suffix_list_line,
                 test_version_ignores_url])
