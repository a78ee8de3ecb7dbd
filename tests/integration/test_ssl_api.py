"""The SSL configuration API (include/hxc.h) against real servers, through
tests/integration/ssl_clients.c:
- each client's pool is isolated by its SSL settings: two clients with
  different verify settings alternate on one origin; the one without the
  test CA keeps failing, never riding on the other's connection;
- CA data from memory (PEM and DER) works; an empty context does not;
- one SSL context (CA + client certificate) shared by two clients against
  `openssl s_server -Verify`, immutable once used, freed before the clients;
- client certificate and encrypted key given as in-memory buffers;
- TLS versions through the options and hxc_ssl_context_set_tls_versions."""

import os
import subprocess

import hxctest as h

DRIVER = os.path.join(os.environ.get("HXC_BUILD_DIR", "build"), "ssl_clients")
PASSWORD = "in-memory pass"

server_pki = h.Pki(key_type="ec", cn="hxc api server CA")
server_leaf = server_pki.issue("server")
client_pki = h.Pki(key_type="ec", cn="hxc api client CA")
carol = client_pki.issue("carol", cn="carol", sans=None, eku="clientAuth")
enc_key = os.path.join(client_pki.dir, "carol-enc.pem")
h.openssl(["pkcs8", "-topk8", "-in", carol.key, "-v2", "aes-256-cbc", "-passout",
           "pass:" + PASSWORD, "-out", enc_key], client_pki.dir)

docs = h.htdocs_dir()
h2srv = h.nghttpd(server_leaf, docs).start()


def drive(*args):
    p = subprocess.run([DRIVER] + list(args), capture_output=True, text=True, timeout=60)
    lines = p.stdout.strip().splitlines()
    return {l.split()[0]: l for l in lines}, p


def test_pool_isolated_by_ssl_settings():
    out, p = drive("isolation", h2srv.url("/hello.txt"), server_pki.ca_cert)
    lines = p.stdout.strip().splitlines()
    h.check(len(lines) == 6, "expected 6 results:\n" + p.stdout + p.stderr)
    for l in lines:
        label = l.split()[0]
        if label in ("verified", "insecure"):
            h.check(l.startswith(label + " OK 200 h2"), "unexpected: " + l)
        else:
            h.check(l.startswith("default ERROR HXC_E_CERT_UNTRUSTED certificate verify failed"),
                    "the default client must fail verification every time, not reuse "
                    "another client's connection: " + l)


def test_cadata_pem_and_der():
    out, p = drive("cadata", h2srv.url("/hello.txt"), server_pki.ca_cert)
    h.check(out.get("pem", "").startswith("pem OK 200"), p.stdout + p.stderr)
    h.check(out.get("der", "").startswith("der OK 200"), p.stdout + p.stderr)
    h.check(out.get("empty", "").startswith("empty ERROR HXC_E_CERT_UNTRUSTED"),
            "a context without roots must fail:\n" + p.stdout)


def mtls_server():
    return h.s_server(server_leaf, alpn=None,
                      extra=["-www", "-Verify", "1", "-CAfile", client_pki.ca_cert,
                             "-verify_return_error"])


def test_shared_context_with_client_certificate():
    with mtls_server() as srv:
        out, p = drive("shared", srv.url("/"), server_pki.ca_cert, carol.cert, enc_key,
                       PASSWORD)
        h.check(out.get("immutable", "") == "immutable OK HXC_E_CONFIG", p.stdout + p.stderr)
        h.check(out.get("client-a", "").startswith("client-a OK 200"), p.stdout + p.stderr)
        h.check(out.get("client-b", "").startswith("client-b OK 200"), p.stdout + p.stderr)


def test_shared_context_wrong_password_fails_at_load():
    out, p = drive("shared", h2srv.url("/"), server_pki.ca_cert, carol.cert, enc_key, "nope")
    h.check(out.get("context", "").startswith("context ERROR HXC_E_CONFIG the private key in"),
            p.stdout + p.stderr)
    h.check("wrong password" in p.stdout, p.stdout)


def test_in_memory_client_certificate():
    with mtls_server() as srv:
        out, p = drive("certmem", srv.url("/"), server_pki.ca_cert, carol.cert, enc_key,
                       PASSWORD)
        h.check(out.get("certmem", "").startswith("certmem OK 200"), p.stdout + p.stderr)
        # without the certificate the same server refuses us
        res = h.run_hxc(["-sS", "--cacert", server_pki.ca_cert, srv.url("/")])
        h.expect_rc(res, 35)


def test_tls_versions():
    with h.s_server(server_leaf, alpn=None, extra=["-www", "-tls1_2"]) as tls12:
        out, p = drive("versions", h2srv.url("/hello.txt"), tls12.url("/"), server_pki.ca_cert)
    got = p.stdout + p.stderr
    h.check(out.get("default-13", "").endswith(" TLSv1.3"), "default: TLS 1.3\n" + got)
    h.check(out.get("default-12", "").endswith(" TLSv1.2"),
            "default against a TLS 1.2 server: TLS 1.2\n" + got)
    h.check(out.get("min13-12", "").startswith("min13-12 ERROR HXC_E_TLS_ALERT")
            and "TLS 1.3 is required" in out.get("min13-12", ""),
            "min_tls_version 1.3 against a TLS 1.2 server\n" + got)
    h.check(out.get("max12-13", "").endswith(" TLSv1.2"), "max_tls_version 1.2\n" + got)
    h.check(out.get("inverted", "").startswith("inverted OK HXC_E_CONFIG")
            and "above the maximum" in out.get("inverted", ""), got)
    h.check(out.get("tls11", "").startswith("tls11 OK HXC_E_CONFIG")
            and "unsupported TLS version 0x0302" in out.get("tls11", ""), got)
    h.check(out.get("ctx13-13", "").endswith(" TLSv1.3"), got)
    h.check(out.get("ctx13-12", "").startswith("ctx13-12 ERROR"), got)


h.run_tests([
    test_tls_versions,
    test_pool_isolated_by_ssl_settings,
    test_cadata_pem_and_der,
    test_shared_context_with_client_certificate,
    test_shared_context_wrong_password_fails_at_load,
    test_in_memory_client_certificate,
])
