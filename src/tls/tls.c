/*
 * TLS client connection (see tls.h): hxc's TLS 1.3 engine (tls13.c) or a
 * BearSSL client engine configured for TLS 1.2 with forward-secret ECDHE
 * suites only, behind one interface; our X.509 class for both. No I/O here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "net/net.h"
#include "tls/cache.h"
#include "tls/entropy.h"
#include "tls/tls.h"
#include "tls/tls13.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* Client-certificate handler of ours around BearSSL's single_rsa /
 * single_ec ones (or none): it records whether the server asked for a
 * certificate and whether we sent one, so that a rejection can be
 * explained. */
struct auth_wrap {
    const br_ssl_client_certificate_class *vtable;
    const br_ssl_client_certificate_class **inner; /* NULL: no certificate */
    int requested; /* the server sent a CertificateRequest */
    int sent;      /* we answered with a non-empty Certificate */
};

struct hxc__tls {
    struct hxc__tls13 *t13;  /* the TLS 1.3 engine, or NULL: BearSSL's TLS 1.2 (cc) */
    br_ssl_client_context cc;
    struct hxc__x509_ctx x509;
    struct auth_wrap auth;
    const struct hxc__tls_config *cfg;
    char host[256];
    char origin[300];        /* key of the client's TLS cache */
    const char *alpn[2];
    const char *keylog_path; /* linked from the configuration; NULL: none */
    int keylog_errno;        /* why the key log line could not be written (0: ok) */
    int hs_done;    /* the handshake completed at some point */
    int close_sent; /* hxc__tls_close was called */
    int fallback;   /* TLS 1.2 after a TLS 1.2 answer to our TLS 1.3 ClientHello */
    int downgrade;  /* that TLS 1.2 server carries the TLS 1.3 downgrade sentinel */
    int offered12;  /* a cached TLS 1.2 session was offered (session12) */
    int resumed12;  /* ... and the server resumed it */
    br_ssl_session_parameters session12;
    unsigned char *iobuf; /* BearSSL's buffer (TLS 1.2 only) */
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

/* ECDHE only (forward secret), AEAD first; CBC-SHA256/384 as a last resort.
 * On wasm32 only portable code runs and ChaCha20 is much faster there. */
static const uint16_t suites[] = {
#if defined(__wasm__)
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#if !defined(__wasm__)
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
};

struct suite_name {
    uint16_t id;
    const char *name;
};

static const struct suite_name suite_names[] = {
    {BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256"},
    {BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384"},
    {BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305"},
    {BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256"},
    {BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256"},
    {BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "ECDHE-ECDSA-AES256-SHA384"},
    {BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "ECDHE-RSA-AES256-SHA384"},
};

static void setup_engine(struct hxc__tls *t)
{
    br_ssl_engine_context *eng = &t->cc.eng;
    br_ssl_client_zero(&t->cc);
    br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
    /* A fallback connection says so with TLS_FALLBACK_SCSV (RFC 7507): a
     * server that does speak TLS 1.3 then refuses it (inappropriate_fallback). */
    uint16_t list[sizeof suites / sizeof suites[0] + 1];
    size_t n = sizeof suites / sizeof suites[0];
    memcpy(list, suites, sizeof suites);
    if (t->fallback)
        list[n++] = BR_TLS_FALLBACK_SCSV; /* last, as bearssl_ssl.h asks */
    br_ssl_engine_set_suites(eng, list, n);
    /* Handshake transcript, ServerKeyExchange signatures, PRF. SHA-1 is
     * left out: with TLS 1.2 and these suites nothing needs it, and without
     * it we do not offer SHA-1 signatures in signature_algorithms. */
    br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
    br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
    br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
    br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
    br_ssl_engine_set_default_aes_gcm(eng);
    br_ssl_engine_set_default_chapol(eng);
    br_ssl_engine_set_default_aes_cbc(eng);
    br_ssl_engine_set_default_ec(eng);
    br_ssl_engine_set_default_rsavrfy(eng);
    br_ssl_engine_set_default_ecdsa(eng);
    br_ssl_engine_set_buffer(eng, t->iobuf, BR_SSL_BUFSIZE_BIDI, 1);
    /* HTTP/2 forbids renegotiation (RFC 9113 9.2.1); and an ALPN answer we
     * did not offer is a failure (RFC 7301 3.2). */
    br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION | BR_OPT_FAIL_ON_ALPN_MISMATCH);
    br_ssl_engine_set_x509(eng, &t->x509.vtable);
}

/* ------------------------------------------------------------------ */
/* Client certificate                                                  */

static struct auth_wrap *auth_of(const br_ssl_client_certificate_class **pctx)
{
    return (struct auth_wrap *)(void *)pctx;
}

static void auth_start_name_list(const br_ssl_client_certificate_class **pctx)
{
    struct auth_wrap *w = auth_of(pctx);
    w->requested = 1;
    if (w->inner)
        (*w->inner)->start_name_list(w->inner);
}

static void auth_start_name(const br_ssl_client_certificate_class **pctx, size_t len)
{
    struct auth_wrap *w = auth_of(pctx);
    if (w->inner)
        (*w->inner)->start_name(w->inner, len);
}

static void auth_append_name(const br_ssl_client_certificate_class **pctx,
                             const unsigned char *data, size_t len)
{
    struct auth_wrap *w = auth_of(pctx);
    if (w->inner)
        (*w->inner)->append_name(w->inner, data, len);
}

static void auth_end_name(const br_ssl_client_certificate_class **pctx)
{
    struct auth_wrap *w = auth_of(pctx);
    if (w->inner)
        (*w->inner)->end_name(w->inner);
}

static void auth_end_name_list(const br_ssl_client_certificate_class **pctx)
{
    struct auth_wrap *w = auth_of(pctx);
    if (w->inner)
        (*w->inner)->end_name_list(w->inner);
}

static void auth_choose(const br_ssl_client_certificate_class **pctx,
                        const br_ssl_client_context *cc, uint32_t auth_types,
                        br_ssl_client_certificate *choices)
{
    struct auth_wrap *w = auth_of(pctx);
    memset(choices, 0, sizeof *choices);
    if (w->inner)
        (*w->inner)->choose(w->inner, cc, auth_types, choices);
    w->sent = choices->chain != NULL && choices->chain_len > 0;
}

static uint32_t auth_do_keyx(const br_ssl_client_certificate_class **pctx, unsigned char *data,
                             size_t *len)
{
    struct auth_wrap *w = auth_of(pctx);
    return w->inner ? (*w->inner)->do_keyx(w->inner, data, len) : 0;
}

static size_t auth_do_sign(const br_ssl_client_certificate_class **pctx, int hash_id,
                           size_t hv_len, unsigned char *data, size_t len)
{
    struct auth_wrap *w = auth_of(pctx);
    return w->inner ? (*w->inner)->do_sign(w->inner, hash_id, hv_len, data, len) : 0;
}

static const br_ssl_client_certificate_class auth_wrap_vtable = {
    sizeof(struct auth_wrap), auth_start_name_list, auth_start_name,
    auth_append_name,         auth_end_name,        auth_end_name_list,
    auth_choose,              auth_do_keyx,         auth_do_sign,
};

/* After br_ssl_client_zero, before the reset. BearSSL's single-chain
 * handlers live inside the client context; ours forwards to them. */
static void setup_client_auth(struct hxc__tls *t, const struct hxc__client_cert *cert)
{
    t->auth.vtable = &auth_wrap_vtable;
    t->auth.inner = NULL;
    if (cert != NULL && cert->chain_len > 0) {
        if (cert->key_type == BR_KEYTYPE_RSA)
            br_ssl_client_set_single_rsa(&t->cc, cert->chain, cert->chain_len, &cert->rsa,
                                         br_rsa_pkcs1_sign_get_default());
        else
            br_ssl_client_set_single_ec(&t->cc, cert->chain, cert->chain_len, &cert->ec,
                                        BR_KEYTYPE_SIGN, (unsigned)cert->leaf_sig_key_type,
                                        br_ec_get_default(),
                                        br_ecdsa_sign_asn1_get_default());
        t->auth.inner = t->cc.client_auth_vtable;
    }
    br_ssl_client_set_client_certificate(&t->cc, &t->auth.vtable);
}

/* ------------------------------------------------------------------ */
/* Key log (NSS format, SSLKEYLOGFILE)                                 */

static char *hex(char *out, const unsigned char *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        *out++ = digits[in[i] >> 4];
        *out++ = digits[in[i] & 15];
    }
    return out;
}

/* "LABEL <client_random> <secret>\n" (NSS key log format) appended in one
 * write() so that concurrent writers do not interleave. A failure is
 * remembered (hxc__tls_keylog_error) but never fails the connection.
 * TLS 1.2: CLIENT_RANDOM and the master secret; TLS 1.3: the traffic
 * secrets, each as the engine derives it. */
static void write_keylog(struct hxc__tls *t, const char *label, const unsigned char *random,
                         const unsigned char *secret, size_t len)
{
    char line[40 + 64 + 1 + 96 + 2];
    char *p = line;
    size_t ll = strlen(label);
    if (ll > 40 || len > 48)
        return;
    memcpy(p, label, ll);
    p += ll;
    *p++ = ' ';
    p = hex(p, random, 32);
    *p++ = ' ';
    p = hex(p, secret, len);
    *p++ = '\n';
    int fd = open(t->keylog_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        t->keylog_errno = errno;
    } else {
        ssize_t w = write(fd, line, (size_t)(p - line));
        if (w != (ssize_t)(p - line))
            t->keylog_errno = w < 0 ? errno : EIO;
        close(fd);
    }
    volatile unsigned char *v = (volatile unsigned char *)line;
    for (size_t i = 0; i < sizeof line; i++)
        v[i] = 0;
}

static void setup_alpn(struct hxc__tls *t, int offer_h2)
{
    size_t n = 0;
    if (offer_h2)
        t->alpn[n++] = "h2";
    t->alpn[n++] = "http/1.1";
    br_ssl_engine_set_protocol_names(&t->cc.eng, t->alpn, n);
}

/* IPv6 literals contain ':'; IPv4 literals are digits and dots. No DNS
 * name looks like either (a top-level label is never all digits). */
static int is_ip_literal(const char *host)
{
    if (strchr(host, ':') != NULL)
        return 1;
    for (const char *p = host; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return 0;
    return 1;
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static hxc_status seed(struct hxc__tls *t, hxc_error *err)
{
    unsigned char rnd[48];
    int e = hxc__entropy(rnd, sizeof rnd);
    if (e != 0)
        return hxc__err(err, HXC_E_TLS_NO_RANDOM, e,
                        "cannot start TLS with '%s': the operating system gave no random "
                        "bytes (%s)", t->host, strerror(e));
    br_ssl_engine_inject_entropy(&t->cc.eng, rnd, sizeof rnd);
    wipe(rnd, sizeof rnd);
    return HXC_OK;
}

/* SNI: the name without a trailing dot (RFC 6066 3); none for IP literals. */
static const char *sni_name(const char *host, char *buf, size_t cap)
{
    if (is_ip_literal(host))
        return NULL;
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, host, n);
    buf[n] = '\0';
    return buf;
}

static hxc_status engine_words(struct hxc__tls *t, int e, hxc_error *err);

/* TLS 1.3 key log lines, as the engine derives each secret. */
static void on_secret13(void *user, const char *label, const unsigned char *random,
                        const unsigned char *secret, size_t len)
{
    struct hxc__tls *t = user;
    if (t->keylog_path != NULL)
        write_keylog(t, label, random, secret, len);
}

static void on_ticket13(void *user, const struct hxc__tls13_ticket *tk)
{
    struct hxc__tls *t = user;
    if (!t->cfg->no_resume)
        hxc__tls_cache_put_ticket(t->cfg->cache, t->origin, tk);
}

static int max_version(const struct hxc__tls_config *cfg)
{
    return cfg->max_version ? cfg->max_version : HXC_TLS_VERSION_1_3;
}

static int min_version(const struct hxc__tls_config *cfg)
{
    return cfg->min_version ? cfg->min_version : HXC_TLS_VERSION_1_2;
}

static hxc_status start_tls13(struct hxc__tls *t, const struct hxc__tls_config *cfg,
                              hxc_error *err)
{
    char sni[256];
    size_t nalpn = cfg->offer_h2 ? 2 : 1;
    static const char *const alpn_h2[] = {"h2", "http/1.1"};
    static const char *const alpn_h1[] = {"http/1.1"};
    struct hxc__tls13_ticket ticket;
    int have_ticket = !cfg->no_resume && hxc__tls_cache_take_ticket(cfg->cache, t->origin,
                                                                    hxc__now_ms(), &ticket);
    struct hxc__tls13_params p = {
        .host = t->host,
        .sni = sni_name(t->host, sni, sizeof sni),
        .alpn = cfg->offer_h2 ? alpn_h2 : alpn_h1,
        .nalpn = nalpn,
        .x509 = &t->x509.vtable,
        .client_cert = cfg->client_cert,
        .offer_tls12 = min_version(cfg) <= HXC_TLS_VERSION_1_2,
        .ticket = have_ticket ? &ticket : NULL,
        .key_update_bytes = cfg->key_update_bytes,
        .on_secret = on_secret13,
        .on_ticket = on_ticket13,
        .user = t,
    };
    t->t13 = hxc__tls13_new(&p, err);
    if (have_ticket)
        hxc__tls13_ticket_clear(&ticket);
    return t->t13 != NULL ? HXC_OK : (err ? err->code : HXC_E_TLS_HANDSHAKE);
}

static hxc_status start_tls12(struct hxc__tls *t, const struct hxc__tls_config *cfg,
                              hxc_error *err)
{
    t->iobuf = malloc(BR_SSL_BUFSIZE_BIDI);
    if (t->iobuf == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a TLS connection to '%s'",
                        t->host);
    setup_engine(t);
    setup_alpn(t, cfg->offer_h2);
    setup_client_auth(t, cfg->client_cert);
    if (seed(t, err) != HXC_OK)
        return err ? err->code : HXC_E_TLS_NO_RANDOM;
    /* Session-ID resumption of the origin's last full TLS 1.2 handshake
     * (the downgrade sentinel is in the server's random either way). */
    t->offered12 = !cfg->no_resume &&
                   hxc__tls_cache_get_session12(cfg->cache, t->origin, &t->session12);
    if (t->offered12)
        br_ssl_engine_set_session_parameters(&t->cc.eng, &t->session12);
    char sni[256];
    if (!br_ssl_client_reset(&t->cc, sni_name(t->host, sni, sizeof sni), t->offered12))
        return engine_words(t, br_ssl_engine_last_error(&t->cc.eng), err);
    return HXC_OK;
}

/* The TLS 1.2 handshake completed: resumed (the server accepted the
 * session ID offered), or a full one whose session is kept for the next. */
static void tls12_session_done(struct hxc__tls *t)
{
    br_ssl_session_parameters p;
    br_ssl_engine_get_session_parameters(&t->cc.eng, &p);
    t->resumed12 = t->offered12 && p.session_id_len == t->session12.session_id_len &&
                   p.session_id_len > 0 &&
                   memcmp(p.session_id, t->session12.session_id, p.session_id_len) == 0;
    if (t->resumed12) {
        hxc__tls_cache_get_summary(t->cfg->cache, t->origin, &t->x509.summary);
    } else {
        hxc__tls_cache_put_summary(t->cfg->cache, t->origin, &t->x509.summary);
        if (!t->cfg->no_resume && p.session_id_len > 0)
            hxc__tls_cache_put_session12(t->cfg->cache, t->origin, &p);
    }
    memset(&p, 0, sizeof p);
}

struct hxc__tls *hxc__tls_new(const struct hxc__tls_config *cfg, const char *host,
                              const char *origin, int fallback, hxc_error *err)
{
    if (cfg == NULL || host == NULL || host[0] == '\0') {
        hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "TLS needs a configuration and a host name");
        return NULL;
    }
    if (strlen(host) >= sizeof ((struct hxc__tls *)0)->host) {
        hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                 "host name too long for TLS (%zu bytes; at most 255)", strlen(host));
        return NULL;
    }
    struct hxc__tls *t = calloc(1, sizeof *t);
    if (t == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a TLS connection to '%s'", host);
        return NULL;
    }
    t->cfg = cfg;
    snprintf(t->host, sizeof t->host, "%s", host);
    snprintf(t->origin, sizeof t->origin, "%s", origin != NULL ? origin : host);
    hxc__x509_ctx_init(&t->x509, cfg->trust, host, cfg->verify, cfg->fixed_time);
    t->keylog_path = cfg->keylog_path;
    /* TLS 1.3 first; TLS 1.2 where the client learnt that the server answers
     * TLS 1.2 (and then as a fallback, RFC 7507), or where 1.3 is ruled out. */
    int tls12 = max_version(cfg) < HXC_TLS_VERSION_1_3 || fallback ||
                hxc__tls_cache_tls12_only(cfg->cache, t->origin);
    t->fallback = tls12 && max_version(cfg) >= HXC_TLS_VERSION_1_3;
    hxc_status st = tls12 ? start_tls12(t, cfg, err) : start_tls13(t, cfg, err);
    if (st != HXC_OK) {
        hxc__tls_free(t);
        return NULL;
    }
    return t;
}

void hxc__tls_free(struct hxc__tls *t)
{
    if (t == NULL)
        return;
    hxc__tls13_free(t->t13);
    hxc__x509_ctx_free(&t->x509);
    if (t->iobuf != NULL) {
        wipe(t->iobuf, BR_SSL_BUFSIZE_BIDI);
        free(t->iobuf);
    }
    wipe(t, sizeof *t);
    free(t);
}

int hxc__tls_wants_tls12(struct hxc__tls *t)
{
    if (t->t13 == NULL || !hxc__tls13_wants_tls12(t->t13))
        return 0;
    hxc__tls_cache_set_tls12_only(t->cfg->cache, t->origin);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Pumping                                                             */

/* A TLS 1.2 server reached by fallback whose random carries the TLS 1.3
 * downgrade sentinel does speak TLS 1.3: the TLS 1.2 answer that made us
 * fall back was forged (RFC 8446 4.1.3). Checked before any application
 * data is sent. */
static void check_downgrade(struct hxc__tls *t)
{
    static const unsigned char sentinel[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
    if (t->fallback && memcmp(t->cc.eng.server_random + 24, sentinel, 8) == 0) {
        t->downgrade = 1;
        br_ssl_engine_close(&t->cc.eng);
    }
}

static unsigned refresh(struct hxc__tls *t)
{
    if (t->t13 != NULL) {
        if (!t->hs_done && hxc__tls13_handshake_done(t->t13)) {
            t->hs_done = 1;
            /* a resumed session sees no certificate: show the one it was
             * verified with; a full handshake leaves its own for the next */
            if (hxc__tls13_resumed(t->t13))
                hxc__tls_cache_get_summary(t->cfg->cache, t->origin, &t->x509.summary);
            else
                hxc__tls_cache_put_summary(t->cfg->cache, t->origin, &t->x509.summary);
        }
        return 0;
    }
    unsigned st = br_ssl_engine_current_state(&t->cc.eng);
    if (t->hs_done)
        return st;
    if (t->cc.eng.application_data != 0 || (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
        t->hs_done = 1;
        if (t->keylog_path != NULL && br_ssl_engine_last_error(&t->cc.eng) == BR_ERR_OK)
            write_keylog(t, "CLIENT_RANDOM", t->cc.eng.client_random,
                         t->cc.eng.session.master_secret,
                         sizeof t->cc.eng.session.master_secret);
        check_downgrade(t);
        if (!t->downgrade)
            tls12_session_done(t);
        st = br_ssl_engine_current_state(&t->cc.eng);
    }
    return st;
}

unsigned hxc__tls_state(struct hxc__tls *t)
{
    if (t->t13 != NULL) {
        refresh(t);
        return hxc__tls13_state(t->t13);
    }
    unsigned st = refresh(t);
    unsigned out = 0;
    if (t->downgrade)
        return HXC_TLS_CLOSED;
    if (st & BR_SSL_CLOSED)
        out |= HXC_TLS_CLOSED;
    if (st & BR_SSL_SENDREC)
        out |= HXC_TLS_SENDREC;
    if (st & BR_SSL_RECVREC)
        out |= HXC_TLS_RECVREC;
    if (st & BR_SSL_SENDAPP)
        out |= HXC_TLS_SENDAPP;
    if (st & BR_SSL_RECVAPP)
        out |= HXC_TLS_RECVAPP;
    return out;
}

int hxc__tls_handshake_done(struct hxc__tls *t)
{
    refresh(t);
    return t->hs_done;
}

uint8_t *hxc__tls_rec_out(struct hxc__tls *t, size_t *len)
{
    if (t->t13 != NULL)
        return hxc__tls13_rec_out(t->t13, len);
    return br_ssl_engine_sendrec_buf(&t->cc.eng, len);
}

void hxc__tls_rec_out_ack(struct hxc__tls *t, size_t n)
{
    if (t->t13 != NULL)
        hxc__tls13_rec_out_ack(t->t13, n);
    else
        br_ssl_engine_sendrec_ack(&t->cc.eng, n);
    refresh(t);
}

uint8_t *hxc__tls_rec_in(struct hxc__tls *t, size_t *space)
{
    if (t->t13 != NULL)
        return hxc__tls13_rec_in(t->t13, space);
    return br_ssl_engine_recvrec_buf(&t->cc.eng, space);
}

void hxc__tls_rec_in_ack(struct hxc__tls *t, size_t n)
{
    if (t->t13 != NULL)
        hxc__tls13_rec_in_ack(t->t13, n);
    else
        br_ssl_engine_recvrec_ack(&t->cc.eng, n);
    refresh(t);
}

uint8_t *hxc__tls_app_out(struct hxc__tls *t, size_t *space)
{
    if (t->t13 != NULL)
        return hxc__tls13_app_out(t->t13, space);
    return br_ssl_engine_sendapp_buf(&t->cc.eng, space);
}

void hxc__tls_app_out_ack(struct hxc__tls *t, size_t n)
{
    if (t->t13 != NULL)
        hxc__tls13_app_out_ack(t->t13, n);
    else
        br_ssl_engine_sendapp_ack(&t->cc.eng, n);
}

void hxc__tls_flush(struct hxc__tls *t)
{
    if (t->t13 != NULL)
        hxc__tls13_flush(t->t13);
    else
        br_ssl_engine_flush(&t->cc.eng, 0);
}

uint8_t *hxc__tls_app_in(struct hxc__tls *t, size_t *len)
{
    if (t->t13 != NULL)
        return hxc__tls13_app_in(t->t13, len);
    return br_ssl_engine_recvapp_buf(&t->cc.eng, len);
}

void hxc__tls_app_in_ack(struct hxc__tls *t, size_t n)
{
    if (t->t13 != NULL)
        hxc__tls13_app_in_ack(t->t13, n);
    else
        br_ssl_engine_recvapp_ack(&t->cc.eng, n);
}

void hxc__tls_close(struct hxc__tls *t)
{
    refresh(t);
    t->close_sent = 1;
    if (t->t13 != NULL)
        hxc__tls13_close(t->t13);
    else
        br_ssl_engine_close(&t->cc.eng);
}

/* ------------------------------------------------------------------ */
/* Errors in words                                                     */

struct code_text {
    int code;
    const char *text;
};

/* Every TLS alert (IANA TLS Alerts registry). */
static const struct code_text alert_names[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
};

/* Every BearSSL engine error (bearssl_ssl.h), as a sentence. */
static const struct code_text engine_errors[] = {
    {BR_ERR_BAD_PARAM, "the TLS engine was given an invalid parameter"},
    {BR_ERR_BAD_STATE, "the TLS engine was used in a state that does not allow the operation"},
    {BR_ERR_UNSUPPORTED_VERSION, "the server does not support TLS 1.2"},
    {BR_ERR_BAD_VERSION, "the server sent a record with an unexpected protocol version"},
    {BR_ERR_BAD_LENGTH, "the server sent a record with an invalid length"},
    {BR_ERR_TOO_LARGE, "the server sent a record or message too large to process"},
    {BR_ERR_BAD_MAC, "a record from the server failed its integrity check (bad MAC or padding)"},
    {BR_ERR_NO_RANDOM, "no entropy was available to seed the TLS random generator"},
    {BR_ERR_UNKNOWN_TYPE, "the server sent a record of an unknown type"},
    {BR_ERR_UNEXPECTED, "the server sent a message that is not expected at this point"},
    {BR_ERR_BAD_CCS, "the server sent an invalid ChangeCipherSpec message"},
    {BR_ERR_BAD_ALERT, "the server sent a malformed alert"},
    {BR_ERR_BAD_HANDSHAKE, "the server sent a malformed handshake message"},
    {BR_ERR_OVERSIZED_ID, "the server sent a session ID longer than 32 bytes"},
    {BR_ERR_BAD_CIPHER_SUITE, "the server chose a cipher suite we did not offer"},
    {BR_ERR_BAD_COMPRESSION, "the server chose a compression method we did not offer"},
    {BR_ERR_BAD_FRAGLEN, "the server's maximum fragment length does not match ours"},
    {BR_ERR_BAD_SECRENEG, "secure renegotiation failed (bad renegotiation_info from the server)"},
    {BR_ERR_EXTRA_EXTENSION,
     "the server sent an extension we did not offer (or the same extension twice)"},
    {BR_ERR_BAD_SNI, "the server sent an invalid server_name extension"},
    {BR_ERR_BAD_HELLO_DONE, "the server sent an invalid ServerHelloDone message"},
    {BR_ERR_LIMIT_EXCEEDED, "the server's parameters exceed a TLS engine limit "
                            "(e.g. its public key is too large)"},
    {BR_ERR_BAD_FINISHED, "the server's Finished message does not match the handshake"},
    {BR_ERR_RESUME_MISMATCH, "the server resumed a session with a different version or suite"},
    {BR_ERR_INVALID_ALGORITHM,
     "the server used an unsupported algorithm (ECDHE curve, signature or hash)"},
    {BR_ERR_BAD_SIGNATURE, "the server's key exchange signature is invalid"},
    {BR_ERR_WRONG_KEY_USAGE,
     "the server certificate's key type or key usage does not allow this key exchange"},
    {BR_ERR_NO_CLIENT_AUTH, "client authentication failed"},
    {BR_ERR_IO, "an I/O error occurred on the transport"},
};

/* X.509 codes, for failures not already described by our wrapper. */
static const struct code_text x509_errors[] = {
    {BR_ERR_X509_INVALID_VALUE, "a certificate contains an invalid value"},
    {BR_ERR_X509_TRUNCATED, "a certificate is truncated"},
    {BR_ERR_X509_EMPTY_CHAIN, "the server sent no certificate"},
    {BR_ERR_X509_INNER_TRUNC, "a certificate has an inner element past its end"},
    {BR_ERR_X509_BAD_TAG_CLASS, "a certificate uses an unsupported DER tag class"},
    {BR_ERR_X509_BAD_TAG_VALUE, "a certificate uses an unsupported DER tag value"},
    {BR_ERR_X509_INDEFINITE_LENGTH, "a certificate uses an indefinite length"},
    {BR_ERR_X509_EXTRA_ELEMENT, "a certificate has an unexpected extra element"},
    {BR_ERR_X509_UNEXPECTED, "a certificate has an unexpected element"},
    {BR_ERR_X509_NOT_CONSTRUCTED, "a certificate has a primitive element where a constructed one is expected"},
    {BR_ERR_X509_NOT_PRIMITIVE, "a certificate has a constructed element where a primitive one is expected"},
    {BR_ERR_X509_PARTIAL_BYTE, "a certificate has a BIT STRING that is not whole bytes"},
    {BR_ERR_X509_BAD_BOOLEAN, "a certificate has a malformed BOOLEAN"},
    {BR_ERR_X509_OVERFLOW, "a certificate has a value out of range"},
    {BR_ERR_X509_BAD_DN, "a certificate has a malformed distinguished name"},
    {BR_ERR_X509_BAD_TIME, "a certificate has a malformed validity date"},
    {BR_ERR_X509_UNSUPPORTED, "a certificate uses an unsupported feature or algorithm"},
    {BR_ERR_X509_LIMIT_EXCEEDED, "the certificate chain exceeds a size limit"},
    {BR_ERR_X509_WRONG_KEY_TYPE, "a certificate's key type does not match its signature"},
    {BR_ERR_X509_BAD_SIGNATURE, "a certificate signature is invalid"},
    {BR_ERR_X509_TIME_UNKNOWN, "the current time is unknown"},
    {BR_ERR_X509_EXPIRED, "a certificate is expired or not yet valid"},
    {BR_ERR_X509_DN_MISMATCH, "issuer and subject names do not chain"},
    {BR_ERR_X509_BAD_SERVER_NAME, "hostname mismatch"},
    {BR_ERR_X509_CRITICAL_EXTENSION, "a certificate has an unknown critical extension"},
    {BR_ERR_X509_NOT_CA, "an issuer certificate is not a CA"},
    {BR_ERR_X509_FORBIDDEN_KEY_USAGE, "the key usage does not allow this use"},
    {BR_ERR_X509_WEAK_PUBLIC_KEY, "a certificate key is too weak"},
    {BR_ERR_X509_NOT_TRUSTED, "the chain does not lead to a trusted root"},
};

static const char *lookup(const struct code_text *tab, size_t n, int code)
{
    for (size_t i = 0; i < n; i++)
        if (tab[i].code == code)
            return tab[i].text;
    return NULL;
}

#define LOOKUP(tab, code) lookup(tab, sizeof tab / sizeof tab[0], code)

const char *hxc__tls_alert_name(int alert)
{
    const char *s = LOOKUP(alert_names, alert);
    return s != NULL ? s : "unknown_alert";
}

/* The handshake is over for the server too: it has not just received a
 * client certificate it may yet reject (TLS 1.3 servers check it after
 * the client considers the handshake done). */
static int hs_settled(const struct hxc__tls *t)
{
    if (!t->hs_done)
        return 0;
    return t->t13 == NULL || !hxc__tls13_cert_requested(t->t13) ||
           !hxc__tls13_server_silent(t->t13);
}

static const char *phase(const struct hxc__tls *t)
{
    return hs_settled(t) ? "TLS connection with" : "TLS handshake with";
}

static hxc_status fail_code(const struct hxc__tls *t)
{
    return hs_settled(t) ? HXC_E_TLS_PROTOCOL : HXC_E_TLS_HANDSHAKE;
}

/* Alerts a server sends when it wants a client certificate and got none
 * (TLS 1.2 servers say handshake_failure, TLS 1.3 ones certificate_required). */
static int is_missing_cert_alert(int a)
{
    return a == BR_ALERT_HANDSHAKE_FAILURE || a == 41 /* no_certificate */ ||
           a == 116 /* certificate_required */ || a == BR_ALERT_ACCESS_DENIED;
}

/* Alerts a server sends when it rejects the certificate we sent. */
static int is_rejected_cert_alert(int a)
{
    switch (a) {
    case BR_ALERT_HANDSHAKE_FAILURE:
    case BR_ALERT_BAD_CERTIFICATE:
    case BR_ALERT_UNSUPPORTED_CERTIFICATE:
    case BR_ALERT_CERTIFICATE_REVOKED:
    case BR_ALERT_CERTIFICATE_EXPIRED:
    case BR_ALERT_CERTIFICATE_UNKNOWN:
    case BR_ALERT_UNKNOWN_CA:
    case BR_ALERT_ACCESS_DENIED:
    case BR_ALERT_DECRYPT_ERROR:
    case 116: /* certificate_required */
        return 1;
    default:
        return 0;
    }
}

/* Client certificate: did the server ask, did we send one, do we have one. */
static int auth_requested(const struct hxc__tls *t)
{
    return t->t13 != NULL ? hxc__tls13_cert_requested(t->t13) : t->auth.requested;
}

static int auth_sent(const struct hxc__tls *t)
{
    return t->t13 != NULL ? hxc__tls13_cert_sent(t->t13) : t->auth.sent;
}

static int auth_have(const struct hxc__tls *t)
{
    return t->cfg->client_cert != NULL && t->cfg->client_cert->chain_len > 0;
}

/* What a fatal alert from the server most likely means, as a "; ..."
 * suffix, or "". */
static const char *alert_hint(const struct hxc__tls *t, int a)
{
    if (a == BR_ALERT_PROTOCOL_VERSION && !t->hs_done && t->t13 == NULL &&
        max_version(t->cfg) < HXC_TLS_VERSION_1_3)
        return "; the server may require TLS 1.3, which --tls-max 1.2 rules out";
    if (a == BR_ALERT_PROTOCOL_VERSION && !t->hs_done && t->t13 != NULL &&
        min_version(t->cfg) >= HXC_TLS_VERSION_1_3)
        return "; the server supports TLS 1.2 only (or older), and TLS 1.3 is required "
               "(--tlsv1.3)";
    if (a == 86 /* inappropriate_fallback */ && t->fallback)
        return "; the server speaks a newer TLS version than the one we fell back to: "
               "something on the path had made its earlier answer look like TLS 1.2";
    if (!auth_requested(t))
        return "";
    if (auth_sent(t) && is_rejected_cert_alert(a))
        return "; the server rejected the client certificate";
    if (!auth_sent(t) && !auth_have(t) && is_missing_cert_alert(a))
        return "; the server requires a client certificate (--cert)";
    if (!auth_sent(t) && is_missing_cert_alert(a))
        return "; the server requires a client certificate, and ours was not sent: "
               "its key type fits none of the signature algorithms the server accepts";
    return "";
}

static hxc_status x509_words(struct hxc__tls *t, int e, hxc_error *err)
{
    hxc_error xe;
    hxc_status s = hxc__x509_ctx_result(&t->x509, &xe);
    if (s == HXC_OK) {
        const char *what = LOOKUP(x509_errors, e);
        return hxc__err(err, HXC_E_CERT_UNTRUSTED, e, "certificate verify failed for '%s': %s",
                        t->host, what != NULL ? what : "unknown X.509 error");
    }
    if (err != NULL) {
        *err = xe;
        err->detail = e;
    }
    return s;
}

static hxc_status engine_words(struct hxc__tls *t, int e, hxc_error *err)
{
    if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
        return x509_words(t, e, err);
    if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT) {
        int a = e - BR_ERR_RECV_FATAL_ALERT;
        const char *hint = alert_hint(t, a);
        return hxc__err(err, HXC_E_TLS_ALERT, e,
                        "%s '%s' failed: the server sent fatal alert %s (%d)%s", phase(t), t->host,
                        hxc__tls_alert_name(a), a, hint);
    }
    if (e >= BR_ERR_SEND_FATAL_ALERT) {
        int a = e - BR_ERR_SEND_FATAL_ALERT;
        return hxc__err(err, fail_code(t), e, "%s '%s' failed: we sent fatal alert %s (%d)",
                        phase(t), t->host, hxc__tls_alert_name(a), a);
    }
    if (e == BR_ERR_NO_RANDOM)
        return hxc__err(err, HXC_E_TLS_NO_RANDOM, e, "%s '%s' failed: %s", phase(t), t->host,
                        LOOKUP(engine_errors, e));
    const char *what = LOOKUP(engine_errors, e);
    if (what == NULL)
        return hxc__err(err, fail_code(t), e, "%s '%s' failed: unknown BearSSL engine error %d",
                        phase(t), t->host, e);
    return hxc__err(err, fail_code(t), e, "%s '%s' failed: %s", phase(t), t->host, what);
}

static hxc_status result13(struct hxc__tls *t, hxc_error *err)
{
    hxc_error e;
    hxc_status st = hxc__tls13_result(t->t13, &e);
    if (st == HXC_OK)
        return HXC_OK;
    int xe = hxc__tls13_x509_error(t->t13);
    if (xe != 0)
        return x509_words(t, xe, err);
    int a = hxc__tls13_peer_alert(t->t13);
    if (a >= 0)
        return engine_words(t, BR_ERR_RECV_FATAL_ALERT + a, err);
    if (err != NULL)
        *err = e;
    return st;
}

hxc_status hxc__tls_result(struct hxc__tls *t, hxc_error *err)
{
    refresh(t);
    if (t->t13 != NULL)
        return result13(t, err);
    if (t->downgrade)
        return hxc__err(err, HXC_E_TLS_HANDSHAKE, 0,
                        "TLS handshake with '%s' failed: the server answered our TLS 1.2 "
                        "fallback with the TLS 1.3 downgrade sentinel in its random: it "
                        "speaks TLS 1.3, so its earlier TLS 1.2 answer was forged by "
                        "something on the path (a downgrade attack)", t->host);
    int e = br_ssl_engine_last_error(&t->cc.eng);
    if (e == BR_ERR_OK)
        return HXC_OK;
    return engine_words(t, e, err);
}

/* An error is set (the engine failed, or the peer sent a fatal alert). */
static int has_error(struct hxc__tls *t)
{
    if (t->t13 != NULL)
        return hxc__tls13_result(t->t13, NULL) != HXC_OK;
    return t->downgrade || br_ssl_engine_last_error(&t->cc.eng) != BR_ERR_OK;
}

/* A server that asked for a client certificate and then hangs up without
 * an alert most likely did not like what it got. */
static const char *eof_hint(const struct hxc__tls *t)
{
    if (!auth_requested(t))
        return "";
    if (auth_sent(t))
        return " (after it received our client certificate: it may have rejected it)";
    if (!auth_have(t))
        return " (it asked for a client certificate and we had none: it may require one, "
               "see --cert)";
    return " (it asked for a client certificate and ours fits none of the signature "
           "algorithms it accepts)";
}

hxc_status hxc__tls_eof_error(struct hxc__tls *t, hxc_error *err)
{
    if (has_error(t) || (hxc__tls_state(t) & HXC_TLS_CLOSED))
        return hxc__tls_result(t, err);
    if (!hs_settled(t))
        return hxc__err(err, HXC_E_TLS_HANDSHAKE, 0,
                        "TLS handshake with '%s' failed: the server closed the connection "
                        "during the TLS handshake%s", t->host, eof_hint(t));
    /* We already said close_notify: nothing more was wanted from the peer. */
    if (t->close_sent)
        return HXC_OK;
    return hxc__err(err, HXC_E_TLS_TRUNCATED, 0,
                    "TLS connection to '%s' was truncated: the peer closed without "
                    "close_notify", t->host);
}

hxc_status hxc__tls_transport_error(struct hxc__tls *t, int errnum, hxc_error *err)
{
    refresh(t);
    if (has_error(t))
        return hxc__tls_result(t, err);
    if (hs_settled(t) || (errnum != ECONNRESET && errnum != EPIPE))
        return HXC_OK;
    return hxc__err(err, HXC_E_TLS_HANDSHAKE, errnum,
                    "TLS handshake with '%s' failed: the server reset the connection during "
                    "the TLS handshake (%s)%s", t->host, strerror(errnum), eof_hint(t));
}

/* ------------------------------------------------------------------ */
/* After the handshake                                                 */

const char *hxc__tls_alpn(struct hxc__tls *t)
{
    if (t->t13 != NULL)
        return hxc__tls13_alpn(t->t13);
    const char *p = br_ssl_engine_get_selected_protocol(&t->cc.eng);
    return p != NULL ? p : "";
}

const char *hxc__tls_version_name(struct hxc__tls *t)
{
    if (t->t13 != NULL)
        return "TLSv1.3";
    switch (br_ssl_engine_get_version(&t->cc.eng)) {
    case BR_TLS12:
        return "TLSv1.2";
    case BR_TLS11:
        return "TLSv1.1";
    case BR_TLS10:
        return "TLSv1.0";
    default:
        return "";
    }
}

const char *hxc__tls_cipher_name(struct hxc__tls *t)
{
    if (t->t13 != NULL)
        return hxc__tls13_cipher_name(t->t13);
    uint16_t id = t->cc.eng.session.cipher_suite;
    for (size_t i = 0; i < sizeof suite_names / sizeof suite_names[0]; i++)
        if (suite_names[i].id == id)
            return suite_names[i].name;
    return "";
}

const struct hxc__cert_summary *hxc__tls_peer_summary(struct hxc__tls *t)
{
    return &t->x509.summary;
}

int hxc__tls_keylog_errno(const struct hxc__tls *t)
{
    return t->keylog_errno;
}

int hxc__tls_resumed(const struct hxc__tls *t)
{
    return t->t13 != NULL ? hxc__tls13_resumed(t->t13) : t->resumed12;
}

void hxc__tls_describe(struct hxc__tls *t, char *buf, size_t cap)
{
    if (t->t13 != NULL)
        snprintf(buf, cap, "key exchange %s%s, %s", hxc__tls13_group_name(t->t13),
                 hxc__tls13_hrr(t->t13) ? " after a HelloRetryRequest" : "",
                 hxc__tls13_resumed(t->t13) ? "session resumed (PSK)" : "full handshake");
    else if (t->resumed12) /* no key exchange: the session's master secret */
        snprintf(buf, cap, "%ssession resumed (session ID)",
                 t->fallback ? "TLS 1.2 fallback (the server answered TLS 1.2 to TLS 1.3), "
                             : "");
    else
        snprintf(buf, cap, "key exchange %s, %sfull handshake",
                 hxc__tls_group_name(br_ssl_engine_get_ecdhe_curve(&t->cc.eng)),
                 t->fallback ? "TLS 1.2 fallback (the server answered TLS 1.2 to TLS 1.3), "
                             : "");
}
