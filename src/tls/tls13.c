/*
 * TLS 1.3 client engine (RFC 8446) on BearSSL primitives; see tls13.h.
 *
 * Layout: the record layer (input buffer, output buffer, record
 * protection), the handshake (ClientHello writer, one function per server
 * message, the client's second flight), post-handshake messages
 * (NewSessionTicket, KeyUpdate), and the application-data interface.
 * Section numbers in comments are RFC 8446's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "net/net.h"
#include "tls/entropy.h"
#include "tls/rsapss.h"
#include "tls/tls.h"
#include "tls/tls13_int.h"

#define REC_HDR 5
#define MAX_PLAIN 16384                 /* 2^14 (5.1) */
#define MAX_CIPHER (MAX_PLAIN + 256)    /* 2^14 + 256 (5.2) */
#define IBUF_SIZE (2 * (REC_HDR + MAX_CIPHER))
#define OBUF_SIZE (2 * (REC_HDR + MAX_PLAIN + 1 + 16))
#define MAX_HS_MSG (1u << 17)           /* certificate chains of up to 128 KiB */
#define MAX_KEY_UPDATES 32              /* KeyUpdates in a row without data: a flood */
#define DEFAULT_KEY_UPDATE_BYTES (1ull << 34)

/* Built for the fuzzer only (tests/unit/tls/fuzz_tls13.c, -DHXC_FUZZING):
 * records are "protected" by a null cipher (the plaintext, then 16 zero
 * bytes) and signatures and Finished MACs are not checked, so that fuzzed
 * server messages reach every parser, as BoringSSL's fuzzer mode does.
 * Never defined in a library build. */
#ifdef HXC_FUZZING
#define FUZZ_NULL_CIPHER 1
#else
#define FUZZ_NULL_CIPHER 0
#endif

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APP = 23 };
enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_CERTIFICATE_REQUEST = 13,
    HS_CERTIFICATE_VERIFY = 15,
    HS_FINISHED = 20,
    HS_KEY_UPDATE = 24,
    HS_MESSAGE_HASH = 254,
};
enum {
    EXT_SERVER_NAME = 0,
    EXT_MAX_FRAGMENT_LENGTH = 1,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_PADDING = 21,
    EXT_EC_POINT_FORMATS = 11,
    EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_ALPN = 16,
    EXT_RECORD_SIZE_LIMIT = 28,
    EXT_SESSION_TICKET = 35,
    EXT_PRE_SHARED_KEY = 41,
    EXT_EARLY_DATA = 42,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_COOKIE = 44,
    EXT_PSK_KEY_EXCHANGE_MODES = 45,
    EXT_CERTIFICATE_AUTHORITIES = 47,
    EXT_KEY_SHARE = 51,
    EXT_RENEGOTIATION_INFO = 0xff01,
};
/* Alerts we send (6.2). */
enum {
    AL_CLOSE_NOTIFY = 0,
    AL_UNEXPECTED_MESSAGE = 10,
    AL_BAD_RECORD_MAC = 20,
    AL_RECORD_OVERFLOW = 22,
    AL_HANDSHAKE_FAILURE = 40,
    AL_BAD_CERTIFICATE = 42,
    AL_UNSUPPORTED_CERTIFICATE = 43,
    AL_CERTIFICATE_EXPIRED = 45,
    AL_ILLEGAL_PARAMETER = 47,
    AL_UNKNOWN_CA = 48,
    AL_DECODE_ERROR = 50,
    AL_DECRYPT_ERROR = 51,
    AL_PROTOCOL_VERSION = 70,
    AL_INTERNAL_ERROR = 80,
    AL_MISSING_EXTENSION = 109,
    AL_UNSUPPORTED_EXTENSION = 110,
    AL_NO_APPLICATION_PROTOCOL = 120,
};
/* Signature schemes (4.2.3). */
enum {
    SIG_RSA_PKCS1_SHA256 = 0x0401,
    SIG_RSA_PKCS1_SHA384 = 0x0501,
    SIG_RSA_PKCS1_SHA512 = 0x0601,
    SIG_ECDSA_P256_SHA256 = 0x0403,
    SIG_ECDSA_P384_SHA384 = 0x0503,
    SIG_ECDSA_P521_SHA512 = 0x0603,
    SIG_RSA_PSS_RSAE_SHA256 = 0x0804,
    SIG_RSA_PSS_RSAE_SHA384 = 0x0805,
    SIG_RSA_PSS_RSAE_SHA512 = 0x0806,
};

static const struct hxc__tls13_suite suite_tab[] = {
    {HXC_TLS13_AES_128_GCM_SHA256, &br_sha256_vtable, 16, 0, "TLS_AES_128_GCM_SHA256"},
    {HXC_TLS13_AES_256_GCM_SHA384, &br_sha384_vtable, 32, 0, "TLS_AES_256_GCM_SHA384"},
    {HXC_TLS13_CHACHA20_POLY1305_SHA256, &br_sha256_vtable, 32, 1,
     "TLS_CHACHA20_POLY1305_SHA256"},
};

/* With AES in hardware AES-GCM first; without (wasm32, old CPUs) ChaCha20. */
static const uint16_t suites_aes_first[] = {0x1301, 0x1302, 0x1303};
static const uint16_t suites_chacha_first[] = {0x1303, 0x1301, 0x1302};
/* TLS 1.2 suites listed after ours when TLS 1.2 is allowed, so that a TLS
 * 1.2-only server answers with a TLS 1.2 ServerHello (and we reconnect
 * through BearSSL) instead of failing for want of a common suite. */
static const uint16_t tls12_suites[] = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8};
/* X25519 first, then P-256 (a HelloRetryRequest may ask for it), P-384. */
static const uint16_t default_groups[] = {HXC_GROUP_X25519, HXC_GROUP_SECP256R1,
                                          HXC_GROUP_SECP384R1};
/* CertificateVerify: ECDSA and RSA-PSS. The PKCS#1 v1.5 ones are listed for
 * certificate signatures only (4.2.3: most chains are signed that way);
 * a CertificateVerify made with them is refused. */
static const uint16_t default_sigalgs[] = {
    SIG_ECDSA_P256_SHA256,   SIG_ECDSA_P384_SHA384,   SIG_ECDSA_P521_SHA512,
    SIG_RSA_PSS_RSAE_SHA256, SIG_RSA_PSS_RSAE_SHA384, SIG_RSA_PSS_RSAE_SHA512,
    SIG_RSA_PKCS1_SHA256,    SIG_RSA_PKCS1_SHA384,    SIG_RSA_PKCS1_SHA512,
};

/* SHA-256("HelloRetryRequest") (4.1.3). */
static const unsigned char hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
/* The last 8 bytes of ServerHello.random of a TLS 1.3 server that
 * negotiates TLS 1.2 (...01) or older (...00) (4.1.3). */
static const unsigned char downgrade_sentinel[7] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};

enum hstate {
    S_WAIT_SH,
    S_WAIT_EE,
    S_WAIT_CERT_CR,
    S_WAIT_CERT,
    S_WAIT_CV,
    S_WAIT_FINISHED,
    S_CONNECTED,
    S_CLOSED,
};

struct keyshare {
    uint16_t group;
    unsigned char priv[66];
    size_t priv_len;
    unsigned char pub[133];
    size_t pub_len;
};

struct hxc__tls13 {
    struct hxc__tls13_params p;
    struct hxc__tls13_ticket ticket; /* offered PSK (copy); ticket == NULL: none */
    char host[256];
    char sni[256];           /* p.sni points here */
    enum hstate st;
    br_hmac_drbg_context rng;

    /* handshake */
    unsigned char client_random[32];
    const uint16_t *suites;
    size_t nsuites;
    const uint16_t *groups;
    size_t ngroups;
    const uint16_t *sigalgs;
    size_t nsigalgs;
    struct keyshare ks;
    int hrr;                 /* a HelloRetryRequest was received */
    uint16_t hrr_suite;
    unsigned char *cookie;
    size_t cookie_len;
    const struct hxc__tls13_suite *suite;
    struct hxc__tls13_transcript tr;
    unsigned char hs_secret[48], master[48];
    unsigned char c_hs[48], s_hs[48];
    unsigned char res_master[48];
    int psk_accepted;
    int cert_requested, cert_sent;
    unsigned char *cr_context; /* CertificateRequest context */
    size_t cr_context_len;
    uint16_t client_sigalg;   /* 0: send an empty Certificate */
    const br_x509_pkey *server_key;
    char alpn[32];
    uint16_t peer_record_limit; /* max plaintext we may send */

    /* handshake message reassembly */
    unsigned char *hs;
    size_t hs_len, hs_cap;

    /* records */
    struct hxc__tls13_aead rd, wr;
    unsigned char *ibuf;          /* [ipos, ilen): received, not processed */
    size_t ipos, ilen;
    unsigned char *app;           /* decrypted plaintext waiting for the reader */
    size_t app_len;
    unsigned char *obuf;          /* [opos, oend): sealed records to send */
    size_t opos, oend, ocap;
    size_t plen;                  /* plaintext in the record being built at oend+5 */
    uint64_t bytes_since_update;
    unsigned key_updates_in_row;  /* received since the last application data */
    uint64_t key_updates_rx, key_updates_tx;

    /* end */
    int connected; /* the handshake completed (stays set once closed) */
    uint64_t records_after_finished; /* received since we sent our Finished */
    int close_sent, close_received;
    int wants_tls12;
    int peer_alert;                /* -1: none */
    int x509_error;                /* BearSSL X.509 code from the policy, 0: none */
    hxc_status status;
    hxc_error err;
};

/* ------------------------------------------------------------------ */
/* Failure                                                             */

static void send_alert(struct hxc__tls13 *e, int level, int desc);

static void vfail(struct hxc__tls13 *e, int alert, hxc_status code, const char *fmt, va_list ap)
{
    if (e->status != HXC_OK || e->st == S_CLOSED)
        return;
    char what[320];
    vsnprintf(what, sizeof what, fmt, ap);
    const char *phase =
        e->st == S_CONNECTED ? "TLS connection with" : "TLS 1.3 handshake with";
    if (alert > 0)
        hxc__err(&e->err, code, alert, "%s '%s' failed: %s (we sent alert %s (%d))", phase,
                 e->host, what, hxc__tls_alert_name(alert), alert);
    else
        hxc__err(&e->err, code, 0, "%s '%s' failed: %s", phase, e->host, what);
    e->status = code;
    if (alert > 0)
        send_alert(e, 2, alert);
    e->st = S_CLOSED;
}

static void fail(struct hxc__tls13 *e, int alert, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct hxc__tls13 *e, int alert, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(e, alert, e->st == S_CONNECTED ? HXC_E_TLS_PROTOCOL : HXC_E_TLS_HANDSHAKE, fmt, ap);
    va_end(ap);
}

static void nomem(struct hxc__tls13 *e)
{
    fail(e, AL_INTERNAL_ERROR, "out of memory");
    if (e->status != HXC_OK)
        e->status = e->err.code = HXC_E_NOMEM;
}

static int failed(const struct hxc__tls13 *e)
{
    return e->status != HXC_OK || e->st == S_CLOSED;
}

/* ------------------------------------------------------------------ */
/* Byte writer / reader                                                */

struct wr {
    unsigned char *p;
    size_t len, cap;
    int oom;
};

static void w_room(struct wr *w, size_t n)
{
    if (w->oom || w->len + n <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 512;
    while (cap < w->len + n)
        cap *= 2;
    unsigned char *q = realloc(w->p, cap);
    if (q == NULL) {
        w->oom = 1;
        return;
    }
    w->p = q;
    w->cap = cap;
}

static void w_bytes(struct wr *w, const void *d, size_t n)
{
    w_room(w, n);
    if (!w->oom && n > 0) {
        memcpy(w->p + w->len, d, n);
        w->len += n;
    }
}

static void w_u8(struct wr *w, unsigned v)
{
    unsigned char b = (unsigned char)v;
    w_bytes(w, &b, 1);
}

static void w_u16(struct wr *w, unsigned v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    w_bytes(w, b, 2);
}

static void w_u24(struct wr *w, size_t v)
{
    unsigned char b[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
    w_bytes(w, b, 3);
}

/* Opens a length prefix of `size` bytes; w_end fills it in. */
static size_t w_begin(struct wr *w, int size)
{
    size_t at = w->len;
    for (int i = 0; i < size; i++)
        w_u8(w, 0);
    return at;
}

static void w_end(struct wr *w, size_t at, int size)
{
    if (w->oom)
        return;
    size_t n = w->len - at - (size_t)size;
    for (int i = size - 1; i >= 0; i--, n >>= 8)
        w->p[at + (size_t)i] = (unsigned char)n;
}

struct rd {
    const unsigned char *p;
    size_t len;
    int bad;
};

static unsigned r_u8(struct rd *r)
{
    if (r->len < 1) {
        r->bad = 1;
        return 0;
    }
    r->len--;
    return *r->p++;
}

static unsigned r_u16(struct rd *r)
{
    unsigned hi = r_u8(r);
    return (hi << 8) | r_u8(r);
}

static uint32_t r_u32(struct rd *r)
{
    uint32_t hi = r_u16(r);
    return (hi << 16) | r_u16(r);
}

static const unsigned char *r_bytes(struct rd *r, size_t n)
{
    if (r->bad || r->len < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *q = r->p;
    r->p += n;
    r->len -= n;
    return q;
}

/* A vector with a `size`-byte length prefix, as a sub-reader. */
static struct rd r_vec(struct rd *r, int size)
{
    size_t n = 0;
    for (int i = 0; i < size; i++)
        n = (n << 8) | r_u8(r);
    struct rd sub = {r_bytes(r, n), n, 0};
    if (r->bad) {
        sub.len = 0;
        sub.bad = 1;
    }
    return sub;
}

/* ------------------------------------------------------------------ */
/* Output records                                                      */

static size_t max_send_plain(const struct hxc__tls13 *e)
{
    return e->peer_record_limit ? e->peer_record_limit : MAX_PLAIN;
}

/* Room for `more` bytes at oend: moving what waits to be sent to the front,
 * and growing the buffer only when may_grow (handshake flights and alerts;
 * application data waits for the transport instead, like BearSSL's). */
static int out_reserve(struct hxc__tls13 *e, size_t more, int may_grow)
{
    if (e->oend + more <= e->ocap)
        return 1;
    if (e->opos > 0 && e->plen == 0) {
        memmove(e->obuf, e->obuf + e->opos, e->oend - e->opos);
        e->oend -= e->opos;
        e->opos = 0;
        if (e->oend + more <= e->ocap)
            return 1;
    }
    if (!may_grow)
        return 0;
    size_t cap = e->ocap;
    while (cap < e->oend + more)
        cap *= 2;
    unsigned char *q = realloc(e->obuf, cap);
    if (q == NULL)
        return 0;
    e->obuf = q;
    e->ocap = cap;
    return 1;
}

static void put_header(unsigned char *h, int type, size_t len, int legacy)
{
    h[0] = (unsigned char)type;
    h[1] = 3;
    h[2] = legacy ? 1 : 3;
    h[3] = (unsigned char)(len >> 8);
    h[4] = (unsigned char)len;
}

/* Seals the inner plaintext already at obuf[oend+5 ..] (n bytes, content
 * type not yet appended) as one record. */
static void seal_at_end(struct hxc__tls13 *e, int type, size_t n)
{
    unsigned char *h = e->obuf + e->oend;
    if (!e->wr.on) {
        /* 0x0301 on the first ClientHello, for old middleboxes (5.1) */
        put_header(h, type, n, type == CT_HANDSHAKE && !e->hrr && e->st == S_WAIT_SH);
        e->oend += REC_HDR + n;
        return;
    }
    h[REC_HDR + n] = (unsigned char)type;
    put_header(h, CT_APP, n + 1 + 16, 0);
    if (FUZZ_NULL_CIPHER)
        memset(h + REC_HDR + n + 1, 0, 16);
    else
        hxc__tls13_seal(&e->wr, h, h + REC_HDR, n + 1);
    e->oend += REC_HDR + n + 1 + 16;
}

static void send_key_update(struct hxc__tls13 *e, int request);

/* Closes the application-data record being built, if any. */
static void seal_app(struct hxc__tls13 *e)
{
    if (e->plen == 0)
        return;
    size_t n = e->plen;
    e->plen = 0;
    seal_at_end(e, CT_APP, n);
    e->bytes_since_update += n;
    if (e->bytes_since_update >= e->p.key_update_bytes && e->st == S_CONNECTED)
        send_key_update(e, 0);
}

/* Sends bytes of one content type as records (handshake messages may span
 * several). Returns 0 when out of memory. */
static int send_records(struct hxc__tls13 *e, int type, const unsigned char *d, size_t len)
{
    seal_app(e);
    size_t maxp = max_send_plain(e);
    do {
        size_t n = len < maxp ? len : maxp;
        if (!out_reserve(e, REC_HDR + n + 1 + 16, 1))
            return 0;
        memcpy(e->obuf + e->oend + REC_HDR, d, n);
        seal_at_end(e, type, n);
        d += n;
        len -= n;
    } while (len > 0);
    return 1;
}

static void send_alert(struct hxc__tls13 *e, int level, int desc)
{
    unsigned char a[2] = {(unsigned char)level, (unsigned char)desc};
    (void)send_records(e, CT_ALERT, a, 2);
}

/* A handshake message of ours: into the transcript (unless post-handshake)
 * and out as records. */
static int send_hs(struct hxc__tls13 *e, const struct wr *m, int in_transcript)
{
    if (m->oom) {
        nomem(e);
        return 0;
    }
    if (in_transcript)
        hxc__tls13_transcript_add(&e->tr, m->p, m->len);
    if (!send_records(e, CT_HANDSHAKE, m->p, m->len)) {
        nomem(e);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Key shares                                                          */

static int curve_of(uint16_t group)
{
    switch (group) {
    case HXC_GROUP_X25519:
        return BR_EC_curve25519;
    case HXC_GROUP_SECP256R1:
        return BR_EC_secp256r1;
    case HXC_GROUP_SECP384R1:
        return BR_EC_secp384r1;
    default:
        return 0;
    }
}

const char *hxc__tls_group_name(uint16_t g)
{
    switch (g) {
    case HXC_GROUP_X25519:
        return "x25519";
    case HXC_GROUP_SECP256R1:
        return "secp256r1";
    case HXC_GROUP_SECP384R1:
        return "secp384r1";
    case 0x0019:
        return "secp521r1";
    case 0x001e:
        return "x448";
    default:
        return "an unknown group";
    }
}

static int make_keyshare(struct hxc__tls13 *e, uint16_t group)
{
    const br_ec_impl *ec = br_ec_get_default();
    int curve = curve_of(group);
    struct keyshare *ks = &e->ks;
    hxc__tls13_wipe(ks, sizeof *ks);
    ks->group = group;
    if (group == HXC_GROUP_X25519) {
        if (e->p.fixed != NULL && e->p.fixed->x25519 != NULL)
            memcpy(ks->priv, e->p.fixed->x25519, 32);
        else
            br_hmac_drbg_generate(&e->rng, ks->priv, 32);
        ks->priv_len = 32;
        ks->pub_len = ec->mulgen(ks->pub, ks->priv, 32, curve);
    } else {
        br_ec_private_key sk;
        if (group == HXC_GROUP_SECP256R1 && e->p.fixed != NULL && e->p.fixed->p256 != NULL) {
            memcpy(ks->priv, e->p.fixed->p256, 32);
            ks->priv_len = 32;
            sk = (br_ec_private_key){curve, ks->priv, 32};
        } else {
            ks->priv_len = br_ec_keygen(&e->rng.vtable, ec, &sk, ks->priv, curve);
        }
        br_ec_public_key pk;
        ks->pub_len = ks->priv_len ? br_ec_compute_pub(ec, &pk, ks->pub, &sk) : 0;
    }
    return ks->pub_len > 0;
}

/* The (EC)DHE shared secret (7.4): X25519 output, or the x coordinate. */
static size_t shared_secret(struct hxc__tls13 *e, const unsigned char *peer, size_t len,
                            unsigned char *out)
{
    const br_ec_impl *ec = br_ec_get_default();
    int curve = curve_of(e->ks.group);
    unsigned char pt[133];
    if (len > sizeof pt || len == 0)
        return 0;
    if (e->ks.group == HXC_GROUP_X25519 && len != 32)
        return 0;
    if (e->ks.group != HXC_GROUP_X25519 && (peer[0] != 4 || len != e->ks.pub_len))
        return 0; /* uncompressed points only (4.2.8.2) */
    memcpy(pt, peer, len);
    if (!ec->mul(pt, len, e->ks.priv, e->ks.priv_len, curve))
        return 0;
    size_t xlen, xoff = ec->xoff(curve, &xlen);
    memcpy(out, pt + xoff, xlen);
    if (e->ks.group == HXC_GROUP_X25519) {
        unsigned char z = 0; /* all-zero X25519 output: abort (7.4.2) */
        for (size_t i = 0; i < xlen; i++)
            z |= out[i];
        if (z == 0)
            return 0;
    }
    return xlen;
}

/* ------------------------------------------------------------------ */
/* ClientHello (4.1.2)                                                 */

static int offered(const uint16_t *list, size_t n, unsigned v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return 1;
    return 0;
}

static const struct hxc__tls13_suite *suite_by_id(unsigned id)
{
    for (size_t i = 0; i < sizeof suite_tab / sizeof suite_tab[0]; i++)
        if (suite_tab[i].id == id)
            return &suite_tab[i];
    return NULL;
}

static int64_t now_ms(const struct hxc__tls13 *e)
{
    if (e->p.fixed != NULL && e->p.fixed->now_ms != 0)
        return e->p.fixed->now_ms;
    return hxc__now_ms();
}

static void ext_list16(struct wr *w, unsigned type, const uint16_t *v, size_t n)
{
    w_u16(w, type);
    size_t a = w_begin(w, 2), b = w_begin(w, 2);
    for (size_t i = 0; i < n; i++)
        w_u16(w, v[i]);
    w_end(w, b, 2);
    w_end(w, a, 2);
}

/* The PSK binder (4.2.11.2) over the ClientHello up to its binders, with
 * `prefix` (the transcript before it: empty, or the HelloRetryRequest's). */
static void psk_binder(struct hxc__tls13 *e, const unsigned char *ch, size_t partial_len,
                       unsigned char *out)
{
    const br_hash_class *h = suite_by_id(e->ticket.suite)->hash;
    size_t hl = hxc__tls13_hash_len(h);
    unsigned char early[48], binder_key[48], fkey[48], empty[48], th[48];
    hxc__tls13_hkdf_extract(h, NULL, 0, e->ticket.psk, e->ticket.psk_len, early);
    hxc__tls13_empty_hash(h, empty);
    hxc__tls13_derive_secret(h, early, "res binder", empty, binder_key);
    hxc__tls13_expand_label(h, binder_key, "finished", NULL, 0, fkey, hl);
    struct hxc__tls13_transcript t = e->tr;
    hxc__tls13_transcript_add(&t, ch, partial_len);
    hxc__tls13_transcript_hash(&t, h, th);
    br_hmac_key_context kc;
    br_hmac_context hc;
    br_hmac_key_init(&kc, h, fkey, hl);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, th, hl);
    br_hmac_out(&hc, out);
    hxc__tls13_wipe(early, sizeof early);
    hxc__tls13_wipe(binder_key, sizeof binder_key);
    hxc__tls13_wipe(fkey, sizeof fkey);
}

static int send_client_hello(struct hxc__tls13 *e)
{
    const struct hxc__tls13_fixed *fx = e->p.fixed;
    struct wr w = {0};
    w_u8(&w, HS_CLIENT_HELLO);
    size_t body = w_begin(&w, 3);
    w_u16(&w, 0x0303);
    w_bytes(&w, e->client_random, 32);
    w_u8(&w, 0); /* legacy_session_id: empty */
    size_t cs = w_begin(&w, 2);
    for (size_t i = 0; i < e->nsuites; i++)
        w_u16(&w, e->suites[i]);
    if (e->p.offer_tls12)
        for (size_t i = 0; i < sizeof tls12_suites / sizeof tls12_suites[0]; i++)
            w_u16(&w, tls12_suites[i]);
    w_end(&w, cs, 2);
    w_u8(&w, 1);
    w_u8(&w, 0); /* null compression */
    size_t exts = w_begin(&w, 2);

    if (e->p.sni != NULL) { /* RFC 6066 3 */
        size_t n = strlen(e->p.sni);
        w_u16(&w, EXT_SERVER_NAME);
        w_u16(&w, (unsigned)n + 5);
        w_u16(&w, (unsigned)n + 3);
        w_u8(&w, 0);
        w_u16(&w, (unsigned)n);
        w_bytes(&w, e->p.sni, n);
    }
    if (fx != NULL && fx->renegotiation_info) {
        w_u16(&w, EXT_RENEGOTIATION_INFO);
        w_u16(&w, 1);
        w_u8(&w, 0);
    }
    ext_list16(&w, EXT_SUPPORTED_GROUPS, e->groups, e->ngroups);
    if (e->p.offer_tls12) { /* uncompressed points, for a TLS 1.2 server */
        w_u16(&w, EXT_EC_POINT_FORMATS);
        w_u16(&w, 2);
        w_u8(&w, 1);
        w_u8(&w, 0);
    }
    if (fx != NULL && fx->session_ticket) {
        w_u16(&w, EXT_SESSION_TICKET);
        w_u16(&w, 0);
    }
    if (e->p.nalpn > 0) { /* RFC 7301 */
        w_u16(&w, EXT_ALPN);
        size_t a = w_begin(&w, 2), b = w_begin(&w, 2);
        for (size_t i = 0; i < e->p.nalpn; i++) {
            size_t n = strlen(e->p.alpn[i]);
            w_u8(&w, (unsigned)n);
            w_bytes(&w, e->p.alpn[i], n);
        }
        w_end(&w, b, 2);
        w_end(&w, a, 2);
    }
    { /* key_share: one share (4.2.8) */
        w_u16(&w, EXT_KEY_SHARE);
        size_t a = w_begin(&w, 2), b = w_begin(&w, 2);
        w_u16(&w, e->ks.group);
        w_u16(&w, (unsigned)e->ks.pub_len);
        w_bytes(&w, e->ks.pub, e->ks.pub_len);
        w_end(&w, b, 2);
        w_end(&w, a, 2);
    }
    if (fx != NULL && fx->early_data && !e->hrr) {
        w_u16(&w, EXT_EARLY_DATA);
        w_u16(&w, 0);
    }
    { /* supported_versions (4.2.1) */
        w_u16(&w, EXT_SUPPORTED_VERSIONS);
        w_u16(&w, e->p.offer_tls12 ? 5 : 3);
        w_u8(&w, e->p.offer_tls12 ? 4 : 2);
        w_u16(&w, 0x0304);
        if (e->p.offer_tls12)
            w_u16(&w, 0x0303);
    }
    ext_list16(&w, EXT_SIGNATURE_ALGORITHMS, e->sigalgs, e->nsigalgs);
    if (e->cookie != NULL) { /* echoed from the HelloRetryRequest (4.2.2) */
        w_u16(&w, EXT_COOKIE);
        w_u16(&w, (unsigned)e->cookie_len + 2);
        w_u16(&w, (unsigned)e->cookie_len);
        w_bytes(&w, e->cookie, e->cookie_len);
    }
    /* psk_dhe_ke only (4.2.9): every resumption still does (EC)DHE. */
    w_u16(&w, EXT_PSK_KEY_EXCHANGE_MODES);
    w_u16(&w, 2);
    w_u8(&w, 1);
    w_u8(&w, 1);
    /* record_size_limit (RFC 8449): we take full records. */
    w_u16(&w, EXT_RECORD_SIZE_LIMIT);
    w_u16(&w, 2);
    w_u16(&w, MAX_PLAIN + 1);
    size_t binder_at = 0, hl = 0, psk_len = 0;
    if (e->ticket.ticket != NULL) {
        hl = hxc__tls13_hash_len(suite_by_id(e->ticket.suite)->hash);
        psk_len = 4 + 2 + 2 + e->ticket.ticket_len + 4 + 2 + 1 + hl;
    }
    /* padding (RFC 7685): a ClientHello of 256 to 511 bytes is padded to
     * 512, as BoringSSL and NSS do: some servers hang on those sizes. */
    size_t total = w.len + psk_len;
    if (total >= 256 && total < 512) {
        size_t pad = 512 - total >= 4 + 1 ? 512 - total - 4 : 1;
        w_u16(&w, EXT_PADDING);
        w_u16(&w, (unsigned)pad);
        for (size_t i = 0; i < pad; i++)
            w_u8(&w, 0);
    }
    if (e->ticket.ticket != NULL) { /* pre_shared_key, last (4.2.11) */
        uint32_t age = (uint32_t)(now_ms(e) - e->ticket.received_ms);
        w_u16(&w, EXT_PRE_SHARED_KEY);
        size_t a = w_begin(&w, 2), ids = w_begin(&w, 2);
        w_u16(&w, (unsigned)e->ticket.ticket_len);
        w_bytes(&w, e->ticket.ticket, e->ticket.ticket_len);
        uint32_t obf = age + e->ticket.age_add;
        w_u16(&w, obf >> 16);
        w_u16(&w, obf & 0xffff);
        w_end(&w, ids, 2);
        binder_at = w.len;
        w_u16(&w, (unsigned)hl + 1);
        w_u8(&w, (unsigned)hl);
        for (size_t i = 0; i < hl; i++)
            w_u8(&w, 0);
        w_end(&w, a, 2);
    }
    w_end(&w, exts, 2);
    w_end(&w, body, 3);
    if (binder_at > 0 && !w.oom)
        psk_binder(e, w.p, binder_at, w.p + binder_at + 3);
    int ok = send_hs(e, &w, 1);
    free(w.p);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Key schedule steps                                                  */

static void log_secret(struct hxc__tls13 *e, const char *label, const unsigned char *s)
{
    if (e->p.on_secret != NULL)
        e->p.on_secret(e->p.user, label, e->client_random, s, hxc__tls13_hash_len(e->suite->hash));
}

/* After ServerHello: Handshake Secret and the handshake traffic keys. */
static void handshake_keys(struct hxc__tls13 *e, const unsigned char *dhe, size_t dhe_len)
{
    const br_hash_class *h = e->suite->hash;
    size_t hl = hxc__tls13_hash_len(h);
    unsigned char early[48], derived[48], empty[48], th[48];
    static const unsigned char zeros[48];
    if (e->psk_accepted)
        hxc__tls13_hkdf_extract(h, NULL, 0, e->ticket.psk, e->ticket.psk_len, early);
    else
        hxc__tls13_hkdf_extract(h, NULL, 0, zeros, hl, early);
    hxc__tls13_empty_hash(h, empty);
    hxc__tls13_derive_secret(h, early, "derived", empty, derived);
    hxc__tls13_hkdf_extract(h, derived, hl, dhe, dhe_len, e->hs_secret);
    hxc__tls13_transcript_hash(&e->tr, h, th);
    hxc__tls13_derive_secret(h, e->hs_secret, "c hs traffic", th, e->c_hs);
    hxc__tls13_derive_secret(h, e->hs_secret, "s hs traffic", th, e->s_hs);
    log_secret(e, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", e->c_hs);
    log_secret(e, "SERVER_HANDSHAKE_TRAFFIC_SECRET", e->s_hs);
    hxc__tls13_aead_set(&e->rd, e->suite, e->s_hs);
    /* ours too: an alert from now on is protected, as the server expects */
    hxc__tls13_aead_set(&e->wr, e->suite, e->c_hs);
    hxc__tls13_derive_secret(h, e->hs_secret, "derived", empty, derived);
    hxc__tls13_hkdf_extract(h, derived, hl, zeros, hl, e->master);
    hxc__tls13_wipe(early, sizeof early);
    hxc__tls13_wipe(derived, sizeof derived);
}

static void finished_mac(struct hxc__tls13 *e, const unsigned char *base, unsigned char *out)
{
    const br_hash_class *h = e->suite->hash;
    size_t hl = hxc__tls13_hash_len(h);
    unsigned char fkey[48], th[48];
    hxc__tls13_expand_label(h, base, "finished", NULL, 0, fkey, hl);
    hxc__tls13_transcript_hash(&e->tr, h, th);
    br_hmac_key_context kc;
    br_hmac_context hc;
    br_hmac_key_init(&kc, h, fkey, hl);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, th, hl);
    br_hmac_out(&hc, out);
    hxc__tls13_wipe(fkey, sizeof fkey);
}

/* ------------------------------------------------------------------ */
/* ServerHello / HelloRetryRequest (4.1.3, 4.1.4)                      */

static int check_downgrade(struct hxc__tls13 *e, const unsigned char *random, unsigned version)
{
    if (memcmp(random + 24, downgrade_sentinel, 7) == 0 &&
        (random[31] == 0 || random[31] == 1)) {
        fail(e, AL_ILLEGAL_PARAMETER,
             "the server answered with %s but its random carries the TLS 1.3 downgrade "
             "sentinel: the server supports TLS 1.3 and something on the path removed it "
             "(a downgrade attack)",
             version == 0x0303 ? "TLS 1.2" : "an older TLS version");
        return 0;
    }
    return 1;
}

/* A TLS 1.2 (or older) ServerHello. */
static void legacy_server_hello(struct hxc__tls13 *e, unsigned version,
                                const unsigned char *random)
{
    if (!check_downgrade(e, random, version))
        return;
    if (version == 0x0303 && e->p.offer_tls12) {
        e->wants_tls12 = 1;
        hxc__err(&e->err, HXC_E_TLS_HANDSHAKE, 0,
                 "TLS handshake with '%s' failed: the server answered with TLS 1.2", e->host);
        e->status = HXC_E_TLS_HANDSHAKE;
        e->st = S_CLOSED;
        return;
    }
    fail(e, AL_PROTOCOL_VERSION,
         version == 0x0303 ? "the server supports TLS 1.2 only and TLS 1.3 is required "
                             "(--tlsv1.3)"
                           : "the server supports only TLS 1.1 or older, and hxc requires "
                             "TLS 1.2 or newer");
}

static void hello_retry(struct hxc__tls13 *e, const unsigned char *msg, size_t len,
                        const struct hxc__tls13_suite *s, struct rd *ext);

static void server_hello(struct hxc__tls13 *e, const unsigned char *msg, size_t len)
{
    struct rd r = {msg + 4, len - 4, 0};
    unsigned version = r_u16(&r);
    const unsigned char *random = r_bytes(&r, 32);
    struct rd sid = r_vec(&r, 1);
    unsigned suite_id = r_u16(&r);
    unsigned comp = r_u8(&r);
    struct rd ext = r.len > 0 ? r_vec(&r, 2) : (struct rd){NULL, 0, 0};
    if (r.bad || ext.bad || r.len != 0)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed ServerHello");
    /* supported_versions first: it decides what the rest means. */
    unsigned selected = 0;
    {
        struct rd x = ext;
        while (x.len > 0 && !x.bad) {
            unsigned t = r_u16(&x);
            struct rd d = r_vec(&x, 2);
            if (t == EXT_SUPPORTED_VERSIONS) {
                selected = r_u16(&d);
                if (d.bad || d.len)
                    return fail(e, AL_DECODE_ERROR,
                                "the server sent a malformed supported_versions extension");
            }
        }
        if (x.bad)
            return fail(e, AL_DECODE_ERROR, "the server sent malformed ServerHello extensions");
    }
    if (selected == 0) {
        if (e->hrr)
            return fail(e, AL_PROTOCOL_VERSION,
                        "the server answered our second ClientHello with an older TLS version");
        return legacy_server_hello(e, version, random);
    }
    if (selected != 0x0304 || version != 0x0303)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server selected TLS version 0x%04x, which we did not offer", selected);
    if (sid.len != 0)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server's ServerHello echoes a session id we did not send");
    const struct hxc__tls13_suite *s = suite_by_id(suite_id);
    if (s == NULL || !offered(e->suites, e->nsuites, suite_id))
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server chose cipher suite 0x%04x, which we did not offer", suite_id);
    if (comp != 0)
        return fail(e, AL_ILLEGAL_PARAMETER, "the server chose a compression method");
    if (memcmp(random, hrr_random, 32) == 0)
        return hello_retry(e, msg, len, s, &ext);
    if (e->hrr && suite_id != e->hrr_suite)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server chose cipher suite 0x%04x after asking for a retry with 0x%04x",
                    suite_id, e->hrr_suite);

    const unsigned char *share = NULL;
    size_t share_len = 0;
    int have_psk = 0;
    unsigned seen = 0;
    while (ext.len > 0) {
        unsigned t = r_u16(&ext);
        struct rd d = r_vec(&ext, 2);
        unsigned bit = t == EXT_KEY_SHARE ? 1 : t == EXT_PRE_SHARED_KEY ? 2 : t == EXT_SUPPORTED_VERSIONS ? 4 : 0;
        if (bit == 0)
            return fail(e, AL_UNSUPPORTED_EXTENSION,
                        "the server's ServerHello carries extension %u, which is not allowed "
                        "there", t);
        if (seen & bit)
            return fail(e, AL_ILLEGAL_PARAMETER,
                        "the server's ServerHello carries extension %u twice", t);
        seen |= bit;
        if (t == EXT_KEY_SHARE) {
            unsigned g = r_u16(&d);
            struct rd k = r_vec(&d, 2);
            if (d.bad || k.bad || d.len)
                return fail(e, AL_DECODE_ERROR, "the server sent a malformed key_share");
            if (g != e->ks.group)
                return fail(e, AL_ILLEGAL_PARAMETER,
                            "the server's key share is for %s (0x%04x), and we sent ours for %s",
                            hxc__tls_group_name((uint16_t)g), g,
                            hxc__tls_group_name(e->ks.group));
            share = k.p;
            share_len = k.len;
        } else if (t == EXT_PRE_SHARED_KEY) {
            unsigned idx = r_u16(&d);
            if (d.bad || d.len)
                return fail(e, AL_DECODE_ERROR, "the server sent a malformed pre_shared_key");
            if (e->ticket.ticket == NULL || idx != 0)
                return fail(e, AL_ILLEGAL_PARAMETER,
                            "the server selected pre-shared key %u, which we did not offer", idx);
            have_psk = 1;
        }
    }
    if (ext.bad)
        return fail(e, AL_DECODE_ERROR, "the server sent malformed ServerHello extensions");
    if (share == NULL)
        return fail(e, AL_MISSING_EXTENSION,
                    "the server sent no key share (hxc does only (EC)DHE key exchange)");
    if (have_psk && suite_by_id(e->ticket.suite)->hash != s->hash)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server resumed a session with a cipher suite of another hash");
    e->suite = s;
    e->psk_accepted = have_psk;
    hxc__tls13_transcript_add(&e->tr, msg, len);
    unsigned char dhe[66];
    size_t dhe_len = shared_secret(e, share, share_len, dhe);
    if (dhe_len == 0)
        return fail(e, AL_ILLEGAL_PARAMETER, "the server's %s key share is invalid",
                    hxc__tls_group_name(e->ks.group));
    handshake_keys(e, dhe, dhe_len);
    hxc__tls13_wipe(dhe, sizeof dhe);
    e->st = S_WAIT_EE;
}

static void hello_retry(struct hxc__tls13 *e, const unsigned char *msg, size_t len,
                        const struct hxc__tls13_suite *s, struct rd *ext)
{
    if (e->hrr)
        return fail(e, AL_UNEXPECTED_MESSAGE, "the server sent a second HelloRetryRequest");
    e->hrr = 1;
    e->hrr_suite = s->id;
    unsigned group = 0;
    while (ext->len > 0) {
        unsigned t = r_u16(ext);
        struct rd d = r_vec(ext, 2);
        if (t == EXT_KEY_SHARE) {
            group = r_u16(&d);
        } else if (t == EXT_SUPPORTED_VERSIONS) {
            (void)r_u16(&d); /* checked by server_hello */
        } else if (t == EXT_COOKIE) {
            struct rd c = r_vec(&d, 2);
            if (c.bad || c.len == 0)
                return fail(e, AL_DECODE_ERROR, "the server sent a malformed cookie");
            e->cookie = malloc(c.len);
            if (e->cookie == NULL)
                return nomem(e);
            memcpy(e->cookie, c.p, c.len);
            e->cookie_len = c.len;
        } else {
            return fail(e, AL_UNSUPPORTED_EXTENSION,
                        "the server's HelloRetryRequest carries extension %u, which is not "
                        "allowed there", t);
        }
        if (d.bad || (t != EXT_COOKIE && d.len != 0))
            return fail(e, AL_DECODE_ERROR, "the server sent a malformed HelloRetryRequest");
    }
    if (ext->bad)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed HelloRetryRequest");
    if (group == 0 && e->cookie == NULL)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server's HelloRetryRequest would not change the ClientHello");
    if (group != 0) {
        if (!offered(e->groups, e->ngroups, group) || curve_of((uint16_t)group) == 0)
            return fail(e, AL_ILLEGAL_PARAMETER,
                        "the server asked for a key share for %s (0x%04x), a group we did not "
                        "offer", hxc__tls_group_name((uint16_t)group), group);
        if (group == e->ks.group)
            return fail(e, AL_ILLEGAL_PARAMETER,
                        "the server asked for a key share for %s, which we had already sent",
                        hxc__tls_group_name((uint16_t)group));
        if (!make_keyshare(e, (uint16_t)group))
            return fail(e, AL_INTERNAL_ERROR, "could not make a %s key share",
                        hxc__tls_group_name((uint16_t)group));
    }
    /* The transcript restarts from message_hash(ClientHello1) (4.4.1). */
    const br_hash_class *h = s->hash;
    size_t hl = hxc__tls13_hash_len(h);
    unsigned char mh[4 + 48];
    mh[0] = HS_MESSAGE_HASH;
    mh[1] = 0;
    mh[2] = 0;
    mh[3] = (unsigned char)hl;
    hxc__tls13_transcript_hash(&e->tr, h, mh + 4);
    hxc__tls13_transcript_init(&e->tr);
    hxc__tls13_transcript_add(&e->tr, mh, 4 + hl);
    hxc__tls13_transcript_add(&e->tr, msg, len);
    /* A PSK is offered again only if its hash fits the suite. */
    if (e->ticket.ticket != NULL && suite_by_id(e->ticket.suite)->hash != h)
        hxc__tls13_ticket_clear(&e->ticket);
    send_client_hello(e);
}

/* ------------------------------------------------------------------ */
/* EncryptedExtensions (4.3.1)                                         */

static void encrypted_extensions(struct hxc__tls13 *e, struct rd *r)
{
    struct rd ext = r_vec(r, 2);
    if (r->bad || ext.bad || r->len)
        return fail(e, AL_DECODE_ERROR, "the server sent malformed EncryptedExtensions");
    unsigned seen_alpn = 0, seen_rsl = 0;
    while (ext.len > 0) {
        unsigned t = r_u16(&ext);
        struct rd d = r_vec(&ext, 2);
        if (ext.bad)
            break;
        switch (t) {
        case EXT_ALPN: {
            struct rd list = r_vec(&d, 2);
            struct rd name = r_vec(&list, 1);
            if (seen_alpn++ || d.bad || list.bad || name.bad || d.len || list.len ||
                name.len == 0)
                return fail(e, AL_DECODE_ERROR, "the server sent a malformed ALPN extension");
            size_t i;
            for (i = 0; i < e->p.nalpn; i++)
                if (strlen(e->p.alpn[i]) == name.len &&
                    memcmp(e->p.alpn[i], name.p, name.len) == 0)
                    break;
            if (i == e->p.nalpn)
                return fail(e, AL_NO_APPLICATION_PROTOCOL,
                            "the server chose an application protocol (ALPN) we did not offer");
            snprintf(e->alpn, sizeof e->alpn, "%s", e->p.alpn[i]);
            break;
        }
        case EXT_SERVER_NAME:
            if (d.len != 0 || e->p.sni == NULL)
                return fail(e, AL_ILLEGAL_PARAMETER,
                            "the server sent an unexpected server_name extension");
            break;
        case EXT_SUPPORTED_GROUPS: /* the server's preferences: for later */
            break;
        case EXT_EARLY_DATA: /* only a test trace offers it (0-RTT is off) */
            if (e->p.fixed == NULL || !e->p.fixed->early_data)
                return fail(e, AL_UNSUPPORTED_EXTENSION,
                            "the server accepted early data, which we did not offer");
            break;
        case EXT_RECORD_SIZE_LIMIT: { /* RFC 8449 4 */
            unsigned lim = r_u16(&d);
            if (seen_rsl++ || d.bad || d.len)
                return fail(e, AL_DECODE_ERROR,
                            "the server sent a malformed record_size_limit extension");
            if (lim < 64)
                return fail(e, AL_ILLEGAL_PARAMETER,
                            "the server's record_size_limit (%u) is below the minimum of 64",
                            lim);
            /* the limit counts the content type byte (and padding) */
            e->peer_record_limit = (uint16_t)(lim - 1 < MAX_PLAIN ? lim - 1 : MAX_PLAIN);
            break;
        }
        default:
            return fail(e, AL_UNSUPPORTED_EXTENSION,
                        "the server's EncryptedExtensions carry extension %u, which we did not "
                        "offer", t);
        }
    }
    if (ext.bad)
        return fail(e, AL_DECODE_ERROR, "the server sent malformed EncryptedExtensions");
    e->st = e->psk_accepted ? S_WAIT_FINISHED : S_WAIT_CERT_CR;
}

/* ------------------------------------------------------------------ */
/* CertificateRequest (4.3.2), Certificate (4.4.2), CertificateVerify  */

static uint16_t pick_client_sigalg(const struct hxc__tls13 *e, const uint16_t *algs, size_t n)
{
    const struct hxc__client_cert *cc = e->p.client_cert;
    if (cc == NULL || cc->chain_len == 0)
        return 0;
    if (cc->key_type == BR_KEYTYPE_EC) {
        uint16_t want = cc->ec.curve == BR_EC_secp256r1   ? SIG_ECDSA_P256_SHA256
                        : cc->ec.curve == BR_EC_secp384r1 ? SIG_ECDSA_P384_SHA384
                        : cc->ec.curve == BR_EC_secp521r1 ? SIG_ECDSA_P521_SHA512
                                                          : 0;
        return want && offered(algs, n, want) ? want : 0;
    }
    static const uint16_t pss[] = {SIG_RSA_PSS_RSAE_SHA256, SIG_RSA_PSS_RSAE_SHA384,
                                   SIG_RSA_PSS_RSAE_SHA512};
    for (size_t i = 0; i < 3; i++)
        if (offered(algs, n, pss[i]))
            return pss[i];
    return 0;
}

static void certificate_request(struct hxc__tls13 *e, struct rd *r)
{
    struct rd ctx = r_vec(r, 1);
    struct rd ext = r_vec(r, 2);
    if (r->bad || ctx.bad || ext.bad || r->len)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed CertificateRequest");
    uint16_t algs[64];
    size_t nalgs = 0;
    int have_sigalgs = 0;
    while (ext.len > 0) {
        unsigned t = r_u16(&ext);
        struct rd d = r_vec(&ext, 2);
        if (t == EXT_SIGNATURE_ALGORITHMS) {
            struct rd l = r_vec(&d, 2);
            if (d.bad || l.bad || l.len < 2 || (l.len & 1))
                return fail(e, AL_DECODE_ERROR,
                            "the server sent malformed signature_algorithms");
            while (l.len > 0) {
                unsigned a = r_u16(&l);
                if (nalgs < 64)
                    algs[nalgs++] = (uint16_t)a;
            }
            have_sigalgs = 1;
        }
        /* certificate_authorities, oid_filters, ...: not used to choose */
    }
    if (ext.bad)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed CertificateRequest");
    if (!have_sigalgs)
        return fail(e, AL_MISSING_EXTENSION,
                    "the server's CertificateRequest has no signature_algorithms");
    e->cert_requested = 1;
    e->cr_context = malloc(ctx.len + 1);
    if (e->cr_context == NULL)
        return nomem(e);
    memcpy(e->cr_context, ctx.p, ctx.len);
    e->cr_context_len = ctx.len;
    e->client_sigalg = pick_client_sigalg(e, algs, nalgs);
    e->st = S_WAIT_CERT;
}

static int x509_alert(int code)
{
    switch (code) {
    case BR_ERR_X509_NOT_TRUSTED:
        return AL_UNKNOWN_CA;
    case BR_ERR_X509_EXPIRED:
        return AL_CERTIFICATE_EXPIRED;
    case BR_ERR_X509_UNSUPPORTED:
        return AL_UNSUPPORTED_CERTIFICATE;
    default:
        return AL_BAD_CERTIFICATE;
    }
}

static void certificate(struct hxc__tls13 *e, struct rd *r)
{
    struct rd ctx = r_vec(r, 1);
    struct rd list = r_vec(r, 3);
    if (r->bad || ctx.bad || list.bad || r->len)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed Certificate message");
    if (ctx.len != 0)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server's Certificate has a request context (only client "
                    "certificates have one)");
    if (list.len == 0) {
        e->x509_error = BR_ERR_X509_EMPTY_CHAIN;
        hxc__err(&e->err, HXC_E_CERT_NO_CHAIN, BR_ERR_X509_EMPTY_CHAIN,
                 "certificate verify failed for '%s': the server sent no certificate", e->host);
        e->status = HXC_E_CERT_NO_CHAIN;
        send_alert(e, 2, AL_DECODE_ERROR);
        e->st = S_CLOSED;
        return;
    }
    const br_x509_class **x = e->p.x509;
    (*x)->start_chain(x, e->p.sni);
    while (list.len > 0) {
        struct rd der = r_vec(&list, 3);
        struct rd ext = r_vec(&list, 2); /* OCSP, SCT: not used */
        if (der.bad || ext.bad || der.len == 0)
            return fail(e, AL_DECODE_ERROR, "the server sent a malformed certificate list");
        (*x)->start_cert(x, (uint32_t)der.len);
        (*x)->append(x, der.p, der.len);
        (*x)->end_cert(x);
    }
    unsigned code = (*x)->end_chain(x);
    if (code != 0) {
        e->x509_error = (int)code;
        /* tls.c replaces this with the policy's own words */
        hxc__err(&e->err, HXC_E_CERT_UNTRUSTED, (long)code,
                 "certificate verify failed for '%s' (X.509 error %u)", e->host, code);
        e->status = HXC_E_CERT_UNTRUSTED;
        send_alert(e, 2, x509_alert((int)code));
        e->st = S_CLOSED;
        return;
    }
    unsigned usages = 0;
    e->server_key = (*x)->get_pkey(x, &usages);
    if (e->server_key == NULL || !(usages & BR_KEYTYPE_SIGN))
        return fail(e, AL_UNSUPPORTED_CERTIFICATE,
                    "the server certificate's key may not sign (key usage), which TLS 1.3 "
                    "needs");
    e->st = S_WAIT_CV;
}

static const br_hash_class *sigalg_hash(unsigned alg)
{
    switch (alg & 0xff00) {
    case 0x0400:
        return &br_sha256_vtable;
    case 0x0500:
        return &br_sha384_vtable;
    case 0x0600:
        return &br_sha512_vtable;
    default:
        return alg == SIG_RSA_PSS_RSAE_SHA256   ? &br_sha256_vtable
               : alg == SIG_RSA_PSS_RSAE_SHA384 ? &br_sha384_vtable
               : alg == SIG_RSA_PSS_RSAE_SHA512 ? &br_sha512_vtable
                                                : NULL;
    }
}

/* The signed content of a CertificateVerify (4.4.3), hashed with h. */
static void cv_content_hash(struct hxc__tls13 *e, const char *who, const br_hash_class *h,
                            unsigned char *out)
{
    unsigned char th[48];
    hxc__tls13_transcript_hash(&e->tr, e->suite->hash, th);
    br_hash_compat_context c;
    unsigned char spaces[64];
    memset(spaces, 0x20, sizeof spaces);
    char ctx[40];
    int n = snprintf(ctx, sizeof ctx, "TLS 1.3, %s CertificateVerify", who);
    h->init(&c.vtable);
    h->update(&c.vtable, spaces, 64);
    h->update(&c.vtable, ctx, (size_t)n + 1); /* with the 0 byte */
    h->update(&c.vtable, th, hxc__tls13_hash_len(e->suite->hash));
    h->out(&c.vtable, out);
}

static void certificate_verify(struct hxc__tls13 *e, struct rd *r)
{
    unsigned alg = r_u16(r);
    struct rd sig = r_vec(r, 2);
    if (r->bad || sig.bad || r->len)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed CertificateVerify");
    const br_x509_pkey *pk = e->server_key;
    const br_hash_class *h = sigalg_hash(alg);
    int ok = 0, fits = 0;
    unsigned char hv[64];
    if (h != NULL && offered(default_sigalgs, 6, alg))
        cv_content_hash(e, "server", h, hv);
    if (h == NULL || !offered(default_sigalgs, 6, alg)) {
        fits = 0;
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        int want = alg == SIG_ECDSA_P256_SHA256   ? BR_EC_secp256r1
                   : alg == SIG_ECDSA_P384_SHA384 ? BR_EC_secp384r1
                   : alg == SIG_ECDSA_P521_SHA512 ? BR_EC_secp521r1
                                                  : -1;
        fits = want == pk->key.ec.curve;
        if (fits)
            ok = br_ecdsa_vrfy_asn1_get_default()(br_ec_get_default(), hv,
                                                  hxc__tls13_hash_len(h), &pk->key.ec, sig.p,
                                                  sig.len) == 1;
    } else if (pk->key_type == BR_KEYTYPE_RSA) {
        fits = (alg & 0xff00) == 0x0800;
        if (fits)
            ok = hxc__rsa_pss_verify(br_rsa_public_get_default(), &pk->key.rsa, h,
                                     hxc__tls13_hash_len(h), hv, sig.p, sig.len);
    }
    if (FUZZ_NULL_CIPHER)
        ok = 1;
    if (!fits)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server signed with signature scheme 0x%04x, which we did not offer "
                    "for its %s key",
                    alg, pk->key_type == BR_KEYTYPE_RSA ? "RSA" : "EC");
    if (!ok)
        return fail(e, AL_DECRYPT_ERROR,
                    "the server's CertificateVerify signature does not verify with its "
                    "certificate's key (signature scheme 0x%04x)", alg);
    e->st = S_WAIT_FINISHED;
}

/* ------------------------------------------------------------------ */
/* Finished (4.4.4) and the client's second flight                     */

static void send_client_auth(struct hxc__tls13 *e)
{
    const struct hxc__client_cert *cc = e->p.client_cert;
    struct wr w = {0};
    w_u8(&w, HS_CERTIFICATE);
    size_t body = w_begin(&w, 3);
    w_u8(&w, (unsigned)e->cr_context_len);
    w_bytes(&w, e->cr_context, e->cr_context_len);
    size_t list = w_begin(&w, 3);
    if (e->client_sigalg != 0) {
        for (size_t i = 0; i < cc->chain_len; i++) {
            w_u24(&w, cc->chain[i].data_len);
            w_bytes(&w, cc->chain[i].data, cc->chain[i].data_len);
            w_u16(&w, 0);
        }
    }
    w_end(&w, list, 3);
    w_end(&w, body, 3);
    int ok = send_hs(e, &w, 1);
    free(w.p);
    if (!ok || e->client_sigalg == 0)
        return;
    e->cert_sent = 1;

    const br_hash_class *h = sigalg_hash(e->client_sigalg);
    unsigned char hv[64], sig[512];
    size_t siglen;
    cv_content_hash(e, "client", h, hv);
    if (cc->key_type == BR_KEYTYPE_EC) {
        siglen = br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), h, hv, &cc->ec, sig);
    } else {
        unsigned char salt[64];
        br_hmac_drbg_generate(&e->rng, salt, hxc__tls13_hash_len(h));
        siglen = hxc__rsa_pss_sign(br_rsa_private_get_default(), &cc->rsa, h, salt,
                                   hxc__tls13_hash_len(h), hv, sig, sizeof sig);
    }
    if (siglen == 0)
        return fail(e, AL_INTERNAL_ERROR, "signing our CertificateVerify with the client key "
                                          "failed");
    struct wr v = {0};
    w_u8(&v, HS_CERTIFICATE_VERIFY);
    size_t b = w_begin(&v, 3);
    w_u16(&v, e->client_sigalg);
    w_u16(&v, (unsigned)siglen);
    w_bytes(&v, sig, siglen);
    w_end(&v, b, 3);
    send_hs(e, &v, 1);
    free(v.p);
}

static void server_finished(struct hxc__tls13 *e, const unsigned char *msg, size_t len)
{
    const br_hash_class *h = e->suite->hash;
    size_t hl = hxc__tls13_hash_len(h);
    unsigned char expect[48];
    finished_mac(e, e->s_hs, expect);
    unsigned diff = len - 4 != hl;
    for (size_t i = 0; i < hl && len - 4 == hl; i++)
        diff |= expect[i] ^ msg[4 + i];
    if (FUZZ_NULL_CIPHER)
        diff = 0;
    if (diff)
        return fail(e, AL_DECRYPT_ERROR,
                    "the server's Finished message does not match the handshake");
    hxc__tls13_transcript_add(&e->tr, msg, len);

    /* Application traffic secrets: transcript through the server Finished. */
    unsigned char th[48], c_ap[48], s_ap[48], exp[48];
    hxc__tls13_transcript_hash(&e->tr, h, th);
    hxc__tls13_derive_secret(h, e->master, "c ap traffic", th, c_ap);
    hxc__tls13_derive_secret(h, e->master, "s ap traffic", th, s_ap);
    hxc__tls13_derive_secret(h, e->master, "exp master", th, exp);
    log_secret(e, "CLIENT_TRAFFIC_SECRET_0", c_ap);
    log_secret(e, "SERVER_TRAFFIC_SECRET_0", s_ap);
    log_secret(e, "EXPORTER_SECRET", exp);
    hxc__tls13_aead_set(&e->rd, e->suite, s_ap);

    /* Our flight, under the handshake keys set at the ServerHello. */
    if (e->cert_requested)
        send_client_auth(e);
    if (failed(e))
        return;
    struct wr w = {0};
    w_u8(&w, HS_FINISHED);
    w_u24(&w, hl);
    unsigned char vd[48];
    finished_mac(e, e->c_hs, vd);
    w_bytes(&w, vd, hl);
    int ok = send_hs(e, &w, 1);
    free(w.p);
    if (!ok)
        return;
    hxc__tls13_transcript_hash(&e->tr, h, th);
    hxc__tls13_derive_secret(h, e->master, "res master", th, e->res_master);
    hxc__tls13_aead_set(&e->wr, e->suite, c_ap);
    hxc__tls13_wipe(c_ap, sizeof c_ap);
    hxc__tls13_wipe(s_ap, sizeof s_ap);
    hxc__tls13_wipe(e->c_hs, sizeof e->c_hs);
    hxc__tls13_wipe(e->s_hs, sizeof e->s_hs);
    e->st = S_CONNECTED;
    e->connected = 1;
}

/* ------------------------------------------------------------------ */
/* Post-handshake messages (4.6)                                       */

static void new_session_ticket(struct hxc__tls13 *e, struct rd *r)
{
    struct hxc__tls13_ticket t;
    memset(&t, 0, sizeof t);
    t.lifetime_s = r_u32(r);
    t.age_add = r_u32(r);
    struct rd nonce = r_vec(r, 1);
    struct rd ticket = r_vec(r, 2);
    struct rd ext = r_vec(r, 2);
    if (r->bad || nonce.bad || ticket.bad || ext.bad || r->len || ticket.len == 0)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed NewSessionTicket");
    if (t.lifetime_s > 604800)
        return fail(e, AL_ILLEGAL_PARAMETER,
                    "the server's session ticket lifetime (%u s) is over 7 days",
                    (unsigned)t.lifetime_s);
    if (t.lifetime_s == 0 || e->p.on_ticket == NULL)
        return;
    const br_hash_class *h = e->suite->hash;
    t.suite = e->suite->id;
    t.psk_len = hxc__tls13_hash_len(h);
    hxc__tls13_expand_label(h, e->res_master, "resumption", nonce.p, nonce.len, t.psk,
                            t.psk_len);
    t.received_ms = now_ms(e);
    t.ticket = (unsigned char *)ticket.p; /* the callback copies */
    t.ticket_len = ticket.len;
    e->p.on_ticket(e->p.user, &t);
    hxc__tls13_wipe(t.psk, sizeof t.psk);
}

static void send_key_update(struct hxc__tls13 *e, int request)
{
    unsigned char m[5] = {HS_KEY_UPDATE, 0, 0, 1, (unsigned char)request};
    e->bytes_since_update = 0;
    if (!send_records(e, CT_HANDSHAKE, m, sizeof m))
        return nomem(e);
    hxc__tls13_aead_update(&e->wr);
    e->key_updates_tx++;
}

static void key_update(struct hxc__tls13 *e, struct rd *r)
{
    unsigned req = r_u8(r);
    if (r->bad || r->len)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed KeyUpdate");
    if (req > 1)
        return fail(e, AL_ILLEGAL_PARAMETER, "the server sent a KeyUpdate with request %u",
                    req);
    if (++e->key_updates_in_row > MAX_KEY_UPDATES)
        return fail(e, AL_UNEXPECTED_MESSAGE,
                    "the server sent more than %d KeyUpdate messages without data in between "
                    "(a KeyUpdate flood)", MAX_KEY_UPDATES);
    hxc__tls13_aead_update(&e->rd);
    e->key_updates_rx++;
    if (req == 1 && !e->close_sent)
        send_key_update(e, 0);
}

/* ------------------------------------------------------------------ */
/* Handshake message dispatch                                          */

static const char *hs_name(unsigned t)
{
    switch (t) {
    case HS_SERVER_HELLO:
        return "ServerHello";
    case HS_NEW_SESSION_TICKET:
        return "NewSessionTicket";
    case HS_ENCRYPTED_EXTENSIONS:
        return "EncryptedExtensions";
    case HS_CERTIFICATE:
        return "Certificate";
    case HS_CERTIFICATE_REQUEST:
        return "CertificateRequest";
    case HS_CERTIFICATE_VERIFY:
        return "CertificateVerify";
    case HS_FINISHED:
        return "Finished";
    case HS_KEY_UPDATE:
        return "KeyUpdate";
    default:
        return "an unknown handshake message";
    }
}

static const char *expected_name(enum hstate s)
{
    switch (s) {
    case S_WAIT_SH:
        return "ServerHello";
    case S_WAIT_EE:
        return "EncryptedExtensions";
    case S_WAIT_CERT_CR:
        return "Certificate or CertificateRequest";
    case S_WAIT_CERT:
        return "Certificate";
    case S_WAIT_CV:
        return "CertificateVerify";
    case S_WAIT_FINISHED:
        return "Finished";
    default:
        return "NewSessionTicket or KeyUpdate";
    }
}

static void handle_message(struct hxc__tls13 *e, const unsigned char *msg, size_t len)
{
    unsigned type = msg[0];
    struct rd r = {msg + 4, len - 4, 0};
    enum hstate s = e->st;
    int ok = (s == S_WAIT_SH && type == HS_SERVER_HELLO) ||
             (s == S_WAIT_EE && type == HS_ENCRYPTED_EXTENSIONS) ||
             (s == S_WAIT_CERT_CR &&
              (type == HS_CERTIFICATE || type == HS_CERTIFICATE_REQUEST)) ||
             (s == S_WAIT_CERT && type == HS_CERTIFICATE) ||
             (s == S_WAIT_CV && type == HS_CERTIFICATE_VERIFY) ||
             (s == S_WAIT_FINISHED && type == HS_FINISHED) ||
             (s == S_CONNECTED && (type == HS_NEW_SESSION_TICKET || type == HS_KEY_UPDATE));
    if (!ok)
        return fail(e, AL_UNEXPECTED_MESSAGE, "the server sent %s (type %u) where we expected %s",
                    hs_name(type), type, expected_name(s));
    switch (type) {
    case HS_SERVER_HELLO:
        return server_hello(e, msg, len);
    case HS_FINISHED:
        return server_finished(e, msg, len);
    case HS_NEW_SESSION_TICKET:
        return new_session_ticket(e, &r);
    case HS_KEY_UPDATE:
        return key_update(e, &r);
    default:
        break;
    }
    hxc__tls13_transcript_add(&e->tr, msg, len);
    switch (type) {
    case HS_ENCRYPTED_EXTENSIONS:
        return encrypted_extensions(e, &r);
    case HS_CERTIFICATE_REQUEST:
        return certificate_request(e, &r);
    case HS_CERTIFICATE:
        return certificate(e, &r);
    case HS_CERTIFICATE_VERIFY:
        /* the signature covers the transcript before this message */
        return;
    default:
        return;
    }
}

/* Appends a handshake record's content and handles every whole message. */
static void handshake_data(struct hxc__tls13 *e, const unsigned char *d, size_t n)
{
    if (e->hs_len + n > e->hs_cap) {
        size_t cap = e->hs_cap ? e->hs_cap : 4096;
        while (cap < e->hs_len + n)
            cap *= 2;
        if (cap > MAX_HS_MSG + 4 + MAX_PLAIN)
            return fail(e, AL_UNEXPECTED_MESSAGE,
                        "the server sent a handshake message over %u bytes", MAX_HS_MSG);
        unsigned char *q = realloc(e->hs, cap);
        if (q == NULL)
            return nomem(e);
        e->hs = q;
        e->hs_cap = cap;
    }
    memcpy(e->hs + e->hs_len, d, n);
    e->hs_len += n;
    size_t off = 0;
    while (!failed(e) && e->hs_len - off >= 4) {
        const unsigned char *m = e->hs + off;
        size_t len = ((size_t)m[1] << 16) | ((size_t)m[2] << 8) | m[3];
        if (len > MAX_HS_MSG)
            return fail(e, AL_UNEXPECTED_MESSAGE,
                        "the server sent a handshake message of %zu bytes (over %u)", len,
                        MAX_HS_MSG);
        if (e->hs_len - off < 4 + len)
            break;
        enum hstate before = e->st;
        uint64_t ku_before = e->key_updates_rx;
        if (m[0] == HS_CERTIFICATE_VERIFY && e->st == S_WAIT_CV) {
            certificate_verify(e, &(struct rd){m + 4, len, 0});
            if (!failed(e))
                hxc__tls13_transcript_add(&e->tr, m, 4 + len);
        } else {
            handle_message(e, m, 4 + len);
        }
        off += 4 + len;
        /* Messages may not span a key change (5.1). */
        int key_change = (before == S_WAIT_SH && e->st == S_WAIT_EE) ||
                         (before == S_WAIT_FINISHED && e->st == S_CONNECTED) ||
                         e->key_updates_rx != ku_before;
        if (key_change && off != e->hs_len && !failed(e))
            return fail(e, AL_UNEXPECTED_MESSAGE,
                        "the server sent a handshake message across a key change");
    }
    memmove(e->hs, e->hs + off, e->hs_len - off);
    e->hs_len -= off;
    if (e->hs_len == 0 && e->st == S_CONNECTED) { /* post-handshake messages are small */
        free(e->hs);
        e->hs = NULL;
        e->hs_cap = 0;
    }
}

/* ------------------------------------------------------------------ */
/* Input records (5.1, 5.2)                                            */

static void peer_alert(struct hxc__tls13 *e, const unsigned char *d, size_t n)
{
    if (n != 2)
        return fail(e, AL_DECODE_ERROR, "the server sent a malformed alert");
    if (d[1] == AL_CLOSE_NOTIFY) {
        e->close_received = 1;
        if (!e->close_sent) {
            send_alert(e, 1, AL_CLOSE_NOTIFY);
            e->close_sent = 1;
        }
        e->st = S_CLOSED;
        return;
    }
    if (d[1] == 90) /* user_canceled: a warning; close_notify follows */
        return;
    e->peer_alert = d[1];
    hxc__err(&e->err, HXC_E_TLS_ALERT, d[1], "the server sent fatal alert %s (%d)",
             hxc__tls_alert_name(d[1]), d[1]);
    e->status = HXC_E_TLS_ALERT;
    e->st = S_CLOSED;
}

/* One whole record at ibuf[ipos]; returns 0 to stop processing. */
static int record(struct hxc__tls13 *e, unsigned char *rec, size_t len)
{
    int type = rec[0];
    unsigned char *d = rec + REC_HDR;
    if (type == CT_CCS) { /* middlebox compatibility (5, D.4): dropped */
        if (len != 1 || d[0] != 1 || (e->st == S_WAIT_SH && !e->hrr) || e->st >= S_CONNECTED) {
            fail(e, AL_UNEXPECTED_MESSAGE, "the server sent an unexpected ChangeCipherSpec");
            return 0;
        }
        return 1;
    }
    if (e->rd.on && type == CT_APP) {
        if (FUZZ_NULL_CIPHER ? len < 16 : !hxc__tls13_open(&e->rd, rec, d, len)) {
            fail(e, AL_BAD_RECORD_MAC,
                 "a record from the server failed its integrity check (bad record MAC)");
            return 0;
        }
        len -= 16;
        while (len > 0 && d[len - 1] == 0) /* padding (5.4) */
            len--;
        if (len == 0) {
            fail(e, AL_UNEXPECTED_MESSAGE, "the server sent a record with no content type");
            return 0;
        }
        type = d[--len];
        if (len > MAX_PLAIN) {
            fail(e, AL_RECORD_OVERFLOW,
                 "the server sent a record of %zu bytes of plaintext (at most 16384)", len);
            return 0;
        }
    } else if (type == CT_APP || (type == CT_HANDSHAKE && e->rd.on) ||
               (type == CT_ALERT && e->connected)) {
        /* An unprotected alert during the handshake still says why it failed;
         * after it, anyone on the path could forge one (a close_notify would
         * cut a response short, undetected). */
        fail(e, AL_UNEXPECTED_MESSAGE, "the server sent an unprotected %s record",
             type == CT_APP ? "application data" : type == CT_ALERT ? "alert" : "handshake");
        return 0;
    }
    switch (type) {
    case CT_ALERT:
        peer_alert(e, d, len);
        return 0;
    case CT_HANDSHAKE:
        if (len == 0) {
            fail(e, AL_UNEXPECTED_MESSAGE, "the server sent an empty handshake record");
            return 0;
        }
        handshake_data(e, d, len);
        return !failed(e);
    case CT_APP:
        if (e->st != S_CONNECTED) {
            fail(e, AL_UNEXPECTED_MESSAGE,
                 "the server sent application data before the handshake ended");
            return 0;
        }
        if (e->hs_len > 0) {
            fail(e, AL_UNEXPECTED_MESSAGE,
                 "the server interleaved application data with a handshake message");
            return 0;
        }
        e->key_updates_in_row = 0;
        if (len > 0) {
            e->app = d;
            e->app_len = len;
        }
        return 1;
    default:
        fail(e, AL_UNEXPECTED_MESSAGE, "the server sent a record of unknown type %d", type);
        return 0;
    }
}

static void process_input(struct hxc__tls13 *e)
{
    while (!failed(e) && e->app_len == 0 && e->ilen - e->ipos >= REC_HDR) {
        unsigned char *rec = e->ibuf + e->ipos;
        size_t len = ((size_t)rec[3] << 8) | rec[4];
        int protected_rec = e->rd.on && rec[0] == CT_APP;
        if (len > (protected_rec ? MAX_CIPHER : MAX_PLAIN)) {
            fail(e, AL_RECORD_OVERFLOW,
                 "the server sent a record of %zu bytes (at most %d)", len,
                 protected_rec ? MAX_CIPHER : MAX_PLAIN);
            return;
        }
        if (rec[1] != 3) {
            fail(e, AL_DECODE_ERROR, "the server sent something that is not a TLS record");
            return;
        }
        if (e->ilen - e->ipos < REC_HDR + len)
            break;
        e->ipos += REC_HDR + len;
        if (e->connected)
            e->records_after_finished++;
        if (!record(e, rec, len))
            break;
    }
    /* Keep room for a whole record behind what is unprocessed. */
    if (e->app_len == 0 && e->ipos > 0 && IBUF_SIZE - e->ilen < REC_HDR + MAX_CIPHER) {
        memmove(e->ibuf, e->ibuf + e->ipos, e->ilen - e->ipos);
        e->ilen -= e->ipos;
        e->ipos = 0;
    }
}

/* ------------------------------------------------------------------ */
/* Interface                                                           */

void hxc__tls13_ticket_clear(struct hxc__tls13_ticket *t)
{
    free(t->ticket);
    hxc__tls13_wipe(t, sizeof *t);
}

struct hxc__tls13 *hxc__tls13_new(const struct hxc__tls13_params *p, hxc_error *err)
{
    struct hxc__tls13 *e = calloc(1, sizeof *e);
    if (e == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a TLS connection to '%s'", p->host);
        return NULL;
    }
    e->p = *p;
    if (e->p.key_update_bytes == 0)
        e->p.key_update_bytes = DEFAULT_KEY_UPDATE_BYTES;
    e->peer_alert = -1;
    snprintf(e->host, sizeof e->host, "%s", p->host);
    if (p->sni != NULL) { /* the caller's copy may not outlive this call */
        snprintf(e->sni, sizeof e->sni, "%s", p->sni);
        e->p.sni = e->sni;
    }
    e->ibuf = malloc(IBUF_SIZE);
    e->obuf = malloc(OBUF_SIZE);
    e->ocap = OBUF_SIZE;
    if (p->ticket != NULL && p->ticket->ticket_len > 0 && suite_by_id(p->ticket->suite)) {
        e->ticket = *p->ticket;
        e->ticket.ticket = malloc(p->ticket->ticket_len);
        if (e->ticket.ticket != NULL)
            memcpy(e->ticket.ticket, p->ticket->ticket, p->ticket->ticket_len);
    }
    if (e->ibuf == NULL || e->obuf == NULL || (p->ticket != NULL && e->ticket.ticket == NULL &&
                                               p->ticket->ticket_len > 0)) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a TLS connection to '%s'", p->host);
        hxc__tls13_free(e);
        return NULL;
    }
    unsigned char seed[48];
    int en = hxc__entropy(seed, sizeof seed);
    if (en != 0) {
        hxc__err(err, HXC_E_TLS_NO_RANDOM, en,
                 "cannot start TLS with '%s': the operating system gave no random bytes (%s)",
                 p->host, strerror(en));
        hxc__tls13_free(e);
        return NULL;
    }
    br_hmac_drbg_init(&e->rng, &br_sha256_vtable, seed, sizeof seed);
    hxc__tls13_wipe(seed, sizeof seed);

    const struct hxc__tls13_fixed *fx = p->fixed;
    if (fx != NULL && fx->random != NULL)
        memcpy(e->client_random, fx->random, 32);
    else
        br_hmac_drbg_generate(&e->rng, e->client_random, 32);
    if (fx != NULL && fx->suites != NULL) {
        e->suites = fx->suites;
        e->nsuites = fx->nsuites;
    } else {
        e->suites = hxc__tls13_aes_is_hw() ? suites_aes_first : suites_chacha_first;
        e->nsuites = 3;
    }
    e->groups = fx != NULL && fx->groups != NULL ? fx->groups : default_groups;
    e->ngroups = fx != NULL && fx->groups != NULL ? fx->ngroups : 3;
    e->sigalgs = fx != NULL && fx->sigalgs != NULL ? fx->sigalgs : default_sigalgs;
    e->nsigalgs = fx != NULL && fx->sigalgs != NULL
                      ? fx->nsigalgs
                      : sizeof default_sigalgs / sizeof default_sigalgs[0];
    hxc__tls13_transcript_init(&e->tr);
    if (!make_keyshare(e, HXC_GROUP_X25519) || !send_client_hello(e)) {
        if (e->status == HXC_OK)
            hxc__err(&e->err, HXC_E_TLS_HANDSHAKE, 0, "cannot make a key share");
        if (err != NULL)
            *err = e->err;
        hxc__tls13_free(e);
        return NULL;
    }
    return e;
}

void hxc__tls13_free(struct hxc__tls13 *e)
{
    if (e == NULL)
        return;
    hxc__tls13_ticket_clear(&e->ticket);
    free(e->cookie);
    free(e->cr_context);
    free(e->hs);
    free(e->ibuf);
    free(e->obuf);
    hxc__tls13_wipe(e, sizeof *e);
    free(e);
}

/* How much plaintext fits in the record being built (or a new one) now. */
static size_t app_room(struct hxc__tls13 *e)
{
    if (e->st != S_CONNECTED || e->close_sent)
        return 0;
    size_t maxp = max_send_plain(e);
    if (e->plen >= maxp)
        seal_app(e);
    if (e->plen == 0 && !out_reserve(e, REC_HDR + maxp + 1 + 16, 0))
        return 0;
    size_t room = e->ocap - e->oend - REC_HDR - 1 - 16 - e->plen;
    return room < maxp - e->plen ? room : maxp - e->plen;
}

unsigned hxc__tls13_state(struct hxc__tls13 *e)
{
    unsigned st = 0;
    int pending_out = e->oend > e->opos;
    if (pending_out)
        st |= HXC_TLS_SENDREC;
    if (e->st == S_CLOSED) {
        if (!pending_out)
            st |= HXC_TLS_CLOSED;
        return st;
    }
    /* Like BearSSL: no more records while plaintext waits for the reader
     * (and then what is buffered, a close_notify say, is seen before EOF). */
    if (e->ilen < IBUF_SIZE && e->app_len == 0)
        st |= HXC_TLS_RECVREC;
    if (app_room(e) > 0)
        st |= HXC_TLS_SENDAPP;
    if (e->app_len > 0)
        st |= HXC_TLS_RECVAPP;
    return st;
}

int hxc__tls13_handshake_done(const struct hxc__tls13 *e)
{
    return e->connected;
}

uint8_t *hxc__tls13_rec_out(struct hxc__tls13 *e, size_t *len)
{
    *len = e->oend - e->opos;
    return *len ? e->obuf + e->opos : NULL;
}

void hxc__tls13_rec_out_ack(struct hxc__tls13 *e, size_t n)
{
    e->opos += n;
    if (e->opos == e->oend && e->plen == 0)
        e->opos = e->oend = 0;
}

uint8_t *hxc__tls13_rec_in(struct hxc__tls13 *e, size_t *space)
{
    if (e->st == S_CLOSED || e->ilen >= IBUF_SIZE || e->app_len > 0) {
        *space = 0;
        return NULL;
    }
    *space = IBUF_SIZE - e->ilen;
    return e->ibuf + e->ilen;
}

void hxc__tls13_rec_in_ack(struct hxc__tls13 *e, size_t n)
{
    e->ilen += n;
    process_input(e);
}

uint8_t *hxc__tls13_app_out(struct hxc__tls13 *e, size_t *space)
{
    *space = app_room(e);
    return *space > 0 ? e->obuf + e->oend + REC_HDR + e->plen : NULL;
}

void hxc__tls13_app_out_ack(struct hxc__tls13 *e, size_t n)
{
    e->plen += n;
    if (e->plen >= max_send_plain(e))
        seal_app(e);
}

void hxc__tls13_flush(struct hxc__tls13 *e)
{
    seal_app(e);
}

uint8_t *hxc__tls13_app_in(struct hxc__tls13 *e, size_t *len)
{
    *len = e->app_len;
    return e->app_len ? e->app : NULL;
}

void hxc__tls13_app_in_ack(struct hxc__tls13 *e, size_t n)
{
    e->app += n;
    e->app_len -= n;
    if (e->app_len == 0)
        process_input(e);
}

void hxc__tls13_close(struct hxc__tls13 *e)
{
    if (e->close_sent || e->st == S_CLOSED)
        return;
    seal_app(e);
    if (e->st == S_CONNECTED)
        send_alert(e, 1, AL_CLOSE_NOTIFY);
    e->close_sent = 1;
    if (e->st != S_CONNECTED)
        e->st = S_CLOSED;
}

hxc_status hxc__tls13_result(const struct hxc__tls13 *e, hxc_error *err)
{
    if (e->status != HXC_OK && err != NULL)
        *err = e->err;
    return e->status;
}

int hxc__tls13_wants_tls12(const struct hxc__tls13 *e)
{
    return e->wants_tls12;
}

int hxc__tls13_peer_alert(const struct hxc__tls13 *e)
{
    return e->peer_alert;
}

int hxc__tls13_x509_error(const struct hxc__tls13 *e)
{
    return e->x509_error;
}

int hxc__tls13_cert_requested(const struct hxc__tls13 *e)
{
    return e->cert_requested;
}

int hxc__tls13_cert_sent(const struct hxc__tls13 *e)
{
    return e->cert_sent;
}

int hxc__tls13_server_silent(const struct hxc__tls13 *e)
{
    return e->connected && e->records_after_finished == 0;
}

const char *hxc__tls13_alpn(const struct hxc__tls13 *e)
{
    return e->alpn;
}

const char *hxc__tls13_cipher_name(const struct hxc__tls13 *e)
{
    return e->suite != NULL ? e->suite->name : "";
}

const char *hxc__tls13_group_name(const struct hxc__tls13 *e)
{
    return e->suite != NULL ? hxc__tls_group_name(e->ks.group) : "";
}

int hxc__tls13_resumed(const struct hxc__tls13 *e)
{
    return e->psk_accepted;
}

int hxc__tls13_hrr(const struct hxc__tls13 *e)
{
    return e->hrr;
}

uint64_t hxc__tls13_key_updates(const struct hxc__tls13 *e, int sent)
{
    return sent ? e->key_updates_tx : e->key_updates_rx;
}
