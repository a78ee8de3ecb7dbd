/*
 * The TLS connection object against a BearSSL server engine in the same
 * process: records are moved between the two engines through the
 * hxc__tls_rec_out / rec_in API (no sockets). The server's certificates
 * are minted at test time with the openssl CLI into a temporary directory.
 */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tls/entropy.h"
#include "tls/tls.h"
#include "x509/x509.h"

static char tmpdir[64];

/* ------------------------------------------------------------------ */
/* Minting certificates with the openssl CLI                           */

static int sh(const char *fmt, const char *a, const char *b)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* A CA (EC P-256) and, signed by it, leaf `name` for localhost / 127.0.0.1
 * / ::1 with key `keyalg` ("ec" or "rsa") and keyUsage `ku`. */
static int mint_leaf(const char *name, const char *keyalg, const char *ku)
{
    char ext[512], keyopt[128], path[256];
    snprintf(path, sizeof path, "%s/%s.ext", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    snprintf(ext, sizeof ext,
             "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
             "extendedKeyUsage=serverAuth\n"
             "keyUsage=critical,%s\n"
             "basicConstraints=critical,CA:FALSE\n", ku);
    fputs(ext, f);
    fclose(f);
    snprintf(keyopt, sizeof keyopt, "%s",
             strcmp(keyalg, "rsa") == 0 ? "rsa -pkeyopt rsa_keygen_bits:2048"
                                        : "ec -pkeyopt ec_paramgen_curve:P-256");
    static unsigned long serial = 0x1000;
    serial++;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %%s && openssl req -new -newkey %s -nodes -keyout %s.key -out %s.csr "
             "-subj /CN=localhost 2>/dev/null && "
             "openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -set_serial 0x%lx "
             "-days 30 -extfile %s.ext -out %s.pem 2>/dev/null%%s",
             keyopt, name, name, name, serial, name,
             name);
    return sh(cmd, tmpdir, "");
}

static int mint_all(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/hxc-tls-test-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    if (sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
           "-keyout ca.key -out ca.pem -days 30 -subj '/CN=hxc test CA' 2>/dev/null%s",
           tmpdir, "") != 0)
        return -1;
    if (mint_leaf("leaf_ec", "ec", "digitalSignature") != 0 ||
        mint_leaf("leaf_rsa", "rsa", "digitalSignature,keyEncipherment") != 0 ||
        mint_leaf("leaf_kx", "ec", "keyAgreement") != 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* PEM with BearSSL                                                    */

struct bytes {
    unsigned char *p;
    size_t len;
};

static void bytes_append(void *ctx, const void *data, size_t len)
{
    struct bytes *b = ctx;
    unsigned char *np = realloc(b->p, b->len + len);
    if (np == NULL)
        abort();
    memcpy(np + b->len, data, len);
    b->p = np;
    b->len += len;
}

static struct bytes read_file(const char *path)
{
    struct bytes b = {NULL, 0};
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return b;
    unsigned char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        bytes_append(&b, chunk, n);
    fclose(f);
    return b;
}

/* The first PEM object whose name contains `want`, as DER. */
static struct bytes pem_first(const char *file, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, file);
    struct bytes text = read_file(path), der = {NULL, 0};
    br_pem_decoder_context pc;
    br_pem_decoder_init(&pc);
    size_t off = 0;
    int taking = 0;
    while (off < text.len) {
        off += br_pem_decoder_push(&pc, text.p + off, text.len - off);
        int ev = br_pem_decoder_event(&pc);
        if (ev == BR_PEM_BEGIN_OBJ) {
            taking = der.len == 0 && strstr(br_pem_decoder_name(&pc), want) != NULL;
            br_pem_decoder_setdest(&pc, taking ? bytes_append : NULL, &der);
        } else if (ev == BR_PEM_END_OBJ && taking) {
            break;
        } else if (ev == BR_PEM_ERROR) {
            fprintf(stderr, "PEM error in %s\n", path);
            break;
        }
    }
    free(text.p);
    return der;
}

/* ------------------------------------------------------------------ */
/* A BearSSL server engine                                             */

struct server {
    br_ssl_server_context sc;
    br_x509_certificate chain[1];
    struct bytes cert_der, key_der;
    br_skey_decoder_context skey;
    const char *protos[2];
    unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

struct server_opts {
    const char *leaf;     /* "leaf_ec", "leaf_rsa", ... */
    int alpn;             /* 0: none; 1: h2 + http/1.1; 2: h2 only, fail on mismatch */
    int old_versions;     /* 1: TLS 1.0..1.1 only */
};

static struct server *server_new(const struct server_opts *o)
{
    struct server *s = calloc(1, sizeof *s);
    char file[64];
    snprintf(file, sizeof file, "%s.pem", o->leaf);
    s->cert_der = pem_first(file, "CERTIFICATE");
    snprintf(file, sizeof file, "%s.key", o->leaf);
    s->key_der = pem_first(file, "PRIVATE KEY");
    if (s->cert_der.len == 0 || s->key_der.len == 0) {
        fprintf(stderr, "cannot load %s\n", o->leaf);
        abort();
    }
    s->chain[0].data = s->cert_der.p;
    s->chain[0].data_len = s->cert_der.len;
    br_skey_decoder_init(&s->skey);
    br_skey_decoder_push(&s->skey, s->key_der.p, s->key_der.len);
    if (br_skey_decoder_key_type(&s->skey) == BR_KEYTYPE_EC)
        br_ssl_server_init_full_ec(&s->sc, s->chain, 1, BR_KEYTYPE_EC,
                                   br_skey_decoder_get_ec(&s->skey));
    else
        br_ssl_server_init_full_rsa(&s->sc, s->chain, 1, br_skey_decoder_get_rsa(&s->skey));
    br_ssl_engine_set_buffer(&s->sc.eng, s->buf, sizeof s->buf, 1);
    if (o->alpn == 1) {
        s->protos[0] = "h2";
        s->protos[1] = "http/1.1";
        br_ssl_engine_set_protocol_names(&s->sc.eng, s->protos, 2);
    } else if (o->alpn == 2) {
        s->protos[0] = "h2";
        br_ssl_engine_set_protocol_names(&s->sc.eng, s->protos, 1);
        br_ssl_engine_add_flags(&s->sc.eng, BR_OPT_FAIL_ON_ALPN_MISMATCH);
    }
    if (o->old_versions)
        br_ssl_engine_set_versions(&s->sc.eng, BR_TLS10, BR_TLS11);
    unsigned char rnd[32];
    if (hxc__entropy(rnd, sizeof rnd) != 0)
        abort();
    br_ssl_engine_inject_entropy(&s->sc.eng, rnd, sizeof rnd);
    if (!br_ssl_server_reset(&s->sc))
        abort();
    return s;
}

static void server_free(struct server *s)
{
    free(s->cert_der.p);
    free(s->key_der.p);
    free(s);
}

/* ------------------------------------------------------------------ */
/* Moving records between the two engines                              */

/* One round of transfers; returns the number of bytes moved. When
 * `to_client_limit` is non-negative, at most that many bytes go from the
 * server to the client in total (the rest is "lost": the transport died). */
static long to_client_budget = -1;
/* When set, applied once to the server's pending output (its first flight
 * starts with the ServerHello, in the clear). */
static void (*tamper)(uint8_t *buf, size_t len);

static size_t pump_once(struct hxc__tls *c, struct server *s)
{
    size_t moved = 0, len, space;
    uint8_t *out = hxc__tls_rec_out(c, &len);
    uint8_t *in = br_ssl_engine_recvrec_buf(&s->sc.eng, &space);
    if (out != NULL && in != NULL) {
        size_t n = len < space ? len : space;
        memcpy(in, out, n);
        hxc__tls_rec_out_ack(c, n);
        br_ssl_engine_recvrec_ack(&s->sc.eng, n);
        moved += n;
    }
    out = br_ssl_engine_sendrec_buf(&s->sc.eng, &len);
    if (out != NULL && tamper != NULL) {
        tamper(out, len);
        tamper = NULL;
    }
    in = hxc__tls_rec_in(c, &space);
    if (out != NULL && in != NULL) {
        size_t n = len < space ? len : space;
        if (to_client_budget >= 0 && (long)n > to_client_budget)
            n = (size_t)to_client_budget;
        if (n > 0) {
            memcpy(in, out, n);
            br_ssl_engine_sendrec_ack(&s->sc.eng, n);
            hxc__tls_rec_in_ack(c, n);
            if (to_client_budget >= 0)
                to_client_budget -= (long)n;
            moved += n;
        }
    }
    return moved;
}

static void pump(struct hxc__tls *c, struct server *s)
{
    for (int i = 0; i < 1000 && pump_once(c, s) > 0; i++)
        ;
}

static void client_send(struct hxc__tls *c, const char *text)
{
    size_t space;
    uint8_t *buf = hxc__tls_app_out(c, &space);
    CHECK(buf != NULL && space >= strlen(text));
    if (buf == NULL || space < strlen(text))
        return;
    memcpy(buf, text, strlen(text));
    hxc__tls_app_out_ack(c, strlen(text));
    hxc__tls_flush(c);
}

static void server_send(struct server *s, const char *text)
{
    size_t space;
    uint8_t *buf = br_ssl_engine_sendapp_buf(&s->sc.eng, &space);
    CHECK(buf != NULL && space >= strlen(text));
    if (buf == NULL || space < strlen(text))
        return;
    memcpy(buf, text, strlen(text));
    br_ssl_engine_sendapp_ack(&s->sc.eng, strlen(text));
    br_ssl_engine_flush(&s->sc.eng, 0);
}

/* Plaintext received by the server, NUL-terminated into buf. */
static const char *server_recv(struct server *s, char *buf, size_t cap)
{
    size_t len;
    uint8_t *p = br_ssl_engine_recvapp_buf(&s->sc.eng, &len);
    size_t n = p == NULL ? 0 : (len < cap - 1 ? len : cap - 1);
    if (n > 0) {
        memcpy(buf, p, n);
        br_ssl_engine_recvapp_ack(&s->sc.eng, n);
    }
    buf[n] = '\0';
    return buf;
}

static const char *client_recv(struct hxc__tls *c, char *buf, size_t cap)
{
    size_t len;
    uint8_t *p = hxc__tls_app_in(c, &len);
    size_t n = p == NULL ? 0 : (len < cap - 1 ? len : cap - 1);
    if (n > 0) {
        memcpy(buf, p, n);
        hxc__tls_app_in_ack(c, n);
    }
    buf[n] = '\0';
    return buf;
}

static struct hxc__tls *client_new(const struct hxc__trust_store *ts, int verify, int h2,
                                   const char *host)
{
    /* The engine keeps the configuration (as a client's is kept): one per
     * client, for the few a test has alive at once. */
    static struct hxc__tls_config cfgs[8];
    static size_t next;
    struct hxc__tls_config *cfg = &cfgs[next++ % 8];
    *cfg = (struct hxc__tls_config){.trust = ts, .verify = verify, .offer_h2 = h2,
                                    .max_version = HXC_TLS_VERSION_1_2};
    hxc_error err;
    memset(&err, 0, sizeof err);
    struct hxc__tls *c = hxc__tls_new(cfg, host, NULL, 0, &err);
    if (c == NULL)
        fprintf(stderr, "hxc__tls_new failed: %s\n", err.message);
    return c;
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

static void test_verify_off_roundtrip(void)
{
    struct server_opts so = {"leaf_ec", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, "localhost");
    ASSERT_EQ(c != NULL, 1);
    if (c == NULL)
        return;
    ASSERT_EQ(hxc__tls_handshake_done(c), 0);
    CHECK(hxc__tls_state(c) & HXC_TLS_SENDREC); /* ClientHello is ready */
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    CHECK(hxc__tls_state(c) & HXC_TLS_SENDAPP);
    ASSERT_STREQ(hxc__tls_alpn(c), "h2");
    ASSERT_STREQ(hxc__tls_version_name(c), "TLSv1.2");
    ASSERT_STREQ(hxc__tls_cipher_name(c), "ECDHE-ECDSA-AES128-GCM-SHA256");
    ASSERT_STREQ(br_ssl_engine_get_server_name(&s->sc.eng), "localhost");
    ASSERT_CONTAINS(hxc__tls_peer_summary(c)->subject, "localhost");

    char buf[256];
    client_send(c, "ping from client");
    pump(c, s);
    ASSERT_STREQ(server_recv(s, buf, sizeof buf), "ping from client");
    server_send(s, "pong from server");
    pump(c, s);
    CHECK(hxc__tls_state(c) & HXC_TLS_RECVAPP);
    ASSERT_STREQ(client_recv(c, buf, sizeof buf), "pong from server");

    /* The server says close_notify: the client answers and closes cleanly. */
    br_ssl_engine_close(&s->sc.eng);
    pump(c, s);
    CHECK(hxc__tls_state(c) & HXC_TLS_CLOSED);
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_OK);
    CHECK(br_ssl_engine_current_state(&s->sc.eng) & BR_SSL_CLOSED);
    ASSERT_EQ(br_ssl_engine_last_error(&s->sc.eng), BR_ERR_OK);
    hxc__tls_free(c);
    server_free(s);
}

static void test_client_close(void)
{
    struct server_opts so = {"leaf_rsa", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 0, "localhost");
    if (c == NULL)
        return;
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    ASSERT_STREQ(hxc__tls_alpn(c), "http/1.1");
    ASSERT_STREQ(hxc__tls_cipher_name(c), "ECDHE-RSA-AES128-GCM-SHA256");
    hxc__tls_close(c);
    pump(c, s);
    CHECK(br_ssl_engine_current_state(&s->sc.eng) & BR_SSL_CLOSED);
    CHECK(hxc__tls_state(c) & HXC_TLS_CLOSED);
    hxc_error err;
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_OK);
    hxc__tls_free(c);
    server_free(s);
}

static void test_no_alpn_from_server(void)
{
    struct server_opts so = {"leaf_ec", 0, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, "localhost");
    if (c == NULL)
        return;
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    ASSERT_STREQ(hxc__tls_alpn(c), "");
    hxc__tls_free(c);
    server_free(s);
}

static struct hxc__trust_store *store_with_ca(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/ca.pem", tmpdir);
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    memset(&err, 0, sizeof err);
    if (ts == NULL || hxc__trust_store_add_file(ts, path, &err) != HXC_OK) {
        fprintf(stderr, "trust store: %s\n", err.message);
        CHECK(0);
    }
    return ts;
}

static void test_verify_ok(struct hxc__trust_store *ts, const char *leaf, const char *host)
{
    struct server_opts so = {leaf, 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(ts, 1, 1, host);
    if (c == NULL)
        return;
    pump(c, s);
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_OK);
    if (err.message[0])
        fprintf(stderr, "unexpected: %s\n", err.message);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    ASSERT_CONTAINS(hxc__tls_peer_summary(c)->subject, "localhost");
    ASSERT_CONTAINS(hxc__tls_peer_summary(c)->issuer, "hxc test CA");
    CHECK(hxc__tls_peer_summary(c)->not_after[0] != '\0');
    char buf[64];
    client_send(c, "hello");
    pump(c, s);
    ASSERT_STREQ(server_recv(s, buf, sizeof buf), "hello");
    hxc__tls_free(c);
    server_free(s);
}

static void test_hostname_mismatch(struct hxc__trust_store *ts)
{
    struct server_opts so = {"leaf_ec", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(ts, 1, 1, "other.example");
    if (c == NULL)
        return;
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 0);
    CHECK(hxc__tls_state(c) & HXC_TLS_CLOSED);
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_E_CERT_HOSTNAME);
    ASSERT_EQ(err.code, HXC_E_CERT_HOSTNAME);
    ASSERT_EQ(err.detail, BR_ERR_X509_BAD_SERVER_NAME);
    ASSERT_CONTAINS(err.message, "certificate verify failed for 'other.example': hostname mismatch");
    ASSERT_CONTAINS(err.message, "localhost");
    /* The summary is filled even on failure. */
    ASSERT_CONTAINS(hxc__tls_peer_summary(c)->subject, "localhost");
    hxc__tls_free(c);
    server_free(s);
}

/* A leaf whose KeyUsage allows only keyAgreement cannot sign the ECDHE
 * parameters: BearSSL refuses it once our wrapper reports the usages. */
static void test_key_usage(struct hxc__trust_store *ts)
{
    struct server_opts so = {"leaf_kx", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(ts, 1, 1, "localhost");
    if (c == NULL)
        return;
    pump(c, s);
    hxc_error err;
    memset(&err, 0, sizeof err);
    hxc_status st = hxc__tls_result(c, &err);
    CHECK(st != HXC_OK);
    if (st == HXC_E_TLS_HANDSHAKE) {
        ASSERT_EQ(err.detail, BR_ERR_WRONG_KEY_USAGE);
        ASSERT_CONTAINS(err.message, "key usage does not allow this key exchange");
    } else {
        /* The policy may already refuse it as not valid for TLS signing. */
        ASSERT_EQ(st, HXC_E_CERT_USAGE);
    }
    ASSERT_CONTAINS(err.message, "'localhost'");
    hxc__tls_free(c);
    /* With verification off any key usage is accepted. */
    server_free(s);
    s = server_new(&so);
    c = client_new(NULL, 0, 1, "localhost");
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    hxc__tls_free(c);
    server_free(s);
}

static void test_truncation(void)
{
    struct server_opts so = {"leaf_ec", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, "localhost");
    if (c == NULL)
        return;
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    server_send(s, "a response that never fully arrives");
    to_client_budget = 10; /* part of one record, then the transport dies */
    pump(c, s);
    to_client_budget = -1;
    CHECK(!(hxc__tls_state(c) & HXC_TLS_CLOSED));
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_eof_error(c, &err), HXC_E_TLS_TRUNCATED);
    ASSERT_STREQ(err.message, "TLS connection to 'localhost' was truncated: the peer closed "
                              "without close_notify");
    hxc__tls_free(c);
    server_free(s);
}

static void test_eof_in_handshake(void)
{
    struct server_opts so = {"leaf_ec", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, "localhost");
    if (c == NULL)
        return;
    to_client_budget = 0; /* nothing from the server reaches the client */
    pump(c, s);
    to_client_budget = -1;
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_eof_error(c, &err), HXC_E_TLS_HANDSHAKE);
    ASSERT_CONTAINS(err.message, "the server closed the connection during the TLS handshake");
    ASSERT_CONTAINS(err.message, "'localhost'");
    hxc__tls_free(c);
    server_free(s);
}

/* SNI: none for IP literals, the name without its trailing dot otherwise. */
static void check_sni(const char *host, const char *expect)
{
    struct server_opts so = {"leaf_ec", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, host);
    if (c == NULL)
        return;
    pump(c, s);
    ASSERT_EQ(hxc__tls_handshake_done(c), 1);
    ASSERT_STREQ(br_ssl_engine_get_server_name(&s->sc.eng), expect);
    hxc__tls_free(c);
    server_free(s);
}

static void test_server_alert(void)
{
    struct server_opts so = {"leaf_ec", 2, 0}; /* server speaks only h2 */
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 0, "localhost"); /* offers http/1.1 */
    if (c == NULL)
        return;
    pump(c, s);
    CHECK(hxc__tls_state(c) & HXC_TLS_CLOSED);
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_E_TLS_ALERT);
    ASSERT_EQ(err.detail, BR_ERR_RECV_FATAL_ALERT + 120);
    ASSERT_STREQ(err.message, "TLS handshake with 'localhost' failed: the server sent fatal "
                              "alert no_application_protocol (120)");
    hxc__tls_free(c);
    server_free(s);
}

static void test_old_server(void)
{
    struct server_opts so = {"leaf_ec", 1, 1}; /* TLS 1.0 - 1.1 only */
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, "localhost");
    if (c == NULL)
        return;
    pump(c, s);
    CHECK(hxc__tls_state(c) & HXC_TLS_CLOSED);
    hxc_error err;
    memset(&err, 0, sizeof err);
    /* BearSSL's server settles on TLS 1.1, where none of our suites exist. */
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_E_TLS_ALERT);
    ASSERT_STREQ(err.message, "TLS handshake with 'localhost' failed: the server sent fatal "
                              "alert handshake_failure (40)");
    hxc__tls_free(c);
    server_free(s);
}

/* ServerHello: record header (5), handshake header (4), version (2),
 * random (32), session id (1 + n), cipher suite (2). */
static void hello_says_tls11(uint8_t *b, size_t n)
{
    if (n > 10 && b[0] == 22 && b[5] == 2) {
        b[9] = 3;
        b[10] = 2;
    }
}

static void hello_picks_3des(uint8_t *b, size_t n)
{
    if (n > 44 && b[0] == 22 && b[5] == 2 && 44 + (size_t)b[43] + 2 <= n) {
        size_t at = 44 + b[43];
        b[at] = 0x00;
        b[at + 1] = 0x0A; /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
    }
}

static void check_tampered(void (*fn)(uint8_t *, size_t), int br_err, const char *words)
{
    struct server_opts so = {"leaf_ec", 1, 0};
    struct server *s = server_new(&so);
    struct hxc__tls *c = client_new(NULL, 0, 1, "localhost");
    if (c == NULL)
        return;
    tamper = fn; /* the server's first flight starts with its ServerHello */
    pump(c, s);
    tamper = NULL;
    CHECK(hxc__tls_state(c) & HXC_TLS_CLOSED);
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__tls_result(c, &err), HXC_E_TLS_HANDSHAKE);
    ASSERT_EQ(err.detail, br_err);
    ASSERT_CONTAINS(err.message, "TLS handshake with 'localhost' failed: ");
    ASSERT_CONTAINS(err.message, words);
    hxc__tls_free(c);
    server_free(s);
}

static void test_bad_args(void)
{
    struct hxc__tls_config cfg = {.trust = NULL, .verify = 0, .offer_h2 = 1};
    hxc_error err;
    char longhost[300];
    memset(longhost, 'a', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    CHECK(hxc__tls_new(&cfg, longhost, NULL, 0, &err) == NULL);
    ASSERT_EQ(err.code, HXC_E_INVALID_ARGUMENT);
    ASSERT_CONTAINS(err.message, "host name too long");
    CHECK(hxc__tls_new(&cfg, "", NULL, 0, &err) == NULL);
    ASSERT_EQ(err.code, HXC_E_INVALID_ARGUMENT);
}

int main(void)
{
    if (mint_all() != 0) {
        fprintf(stderr, "could not mint test certificates with the openssl CLI\n");
        return 1;
    }
    test_bad_args();
    test_verify_off_roundtrip();
    test_client_close();
    test_no_alpn_from_server();
    test_truncation();
    test_eof_in_handshake();
    check_sni("localhost", "localhost");
    check_sni("localhost.", "localhost");
    check_sni("127.0.0.1", "");
    check_sni("::1", "");
    test_server_alert();
    test_old_server();
    check_tampered(hello_says_tls11, BR_ERR_UNSUPPORTED_VERSION,
                   "the server does not support TLS 1.2");
    check_tampered(hello_picks_3des, BR_ERR_BAD_CIPHER_SUITE,
                   "the server chose a cipher suite we did not offer");

    struct hxc__trust_store *ts = store_with_ca();
    if (ts != NULL) {
        test_verify_ok(ts, "leaf_ec", "localhost");
        test_verify_ok(ts, "leaf_rsa", "localhost");
        test_verify_ok(ts, "leaf_ec", "127.0.0.1");
        test_verify_ok(ts, "leaf_ec", "::1");
        test_hostname_mismatch(ts);
        test_key_usage(ts);
        hxc__trust_store_free(ts);
    }
    sh("rm -rf %s%s", tmpdir, "");
    return HARNESS_RESULT();
}
