/*
 * The BearSSL X.509 class the TLS engine talks to (see x509.h). It collects
 * the DER of every certificate the server sends, then at end_chain runs our
 * policy (hxc__x509_verify) when verification is on, and in every case
 * extracts the leaf's public key and key usages for the key exchange.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "x509/x509.h"

#define MAX_CERTS (sizeof ((struct hxc__x509_ctx *)0)->cert_off / sizeof(size_t))
#define MAX_CHAIN_BYTES ((size_t)256 * 1024)

static struct hxc__x509_ctx *ctx_of(const br_x509_class **vt)
{
    return (struct hxc__x509_ctx *)(void *)vt;
}

/* ------------------------------------------------------------------ */
/* Buffering the chain                                                 */

static int reserve(struct hxc__x509_ctx *ctx, size_t more)
{
    if (more > MAX_CHAIN_BYTES - ctx->buf_len)
        return -1;
    size_t need = ctx->buf_len + more;
    if (need <= ctx->buf_cap)
        return 0;
    size_t cap = ctx->buf_cap ? ctx->buf_cap : 4096;
    while (cap < need)
        cap *= 2;
    if (cap > MAX_CHAIN_BYTES)
        cap = MAX_CHAIN_BYTES;
    unsigned char *nb = realloc(ctx->buf, cap);
    if (nb == NULL)
        return -1;
    ctx->buf = nb;
    ctx->buf_cap = cap;
    return 0;
}

static void xc_start_chain(const br_x509_class **vt, const char *server_name)
{
    struct hxc__x509_ctx *ctx = ctx_of(vt);
    /* server_name is BearSSL's SNI copy (NULL for IP literals): the host
     * we verify against is the one given at init, so IP literals are
     * checked too. */
    (void)server_name;
    ctx->buf_len = 0;
    ctx->ncerts = 0;
    ctx->too_many = 0;
    ctx->skip_cur = 0;
    ctx->have_key = 0;
    ctx->usages = 0;
    ctx->status = HXC_OK;
    memset(&ctx->error, 0, sizeof ctx->error);
    memset(&ctx->summary, 0, sizeof ctx->summary);
}

static void xc_start_cert(const br_x509_class **vt, uint32_t length)
{
    struct hxc__x509_ctx *ctx = ctx_of(vt);
    ctx->skip_cur = 1;
    /* Once one certificate is dropped, drop the rest: chain[0] must stay
     * the leaf the server sent. */
    if (ctx->too_many || ctx->ncerts >= MAX_CERTS) {
        ctx->too_many = 1;
        return;
    }
    ctx->cert_off[ctx->ncerts] = ctx->buf_len;
    ctx->cert_len[ctx->ncerts] = 0;
    if (reserve(ctx, length) != 0) {
        ctx->too_many = 1;
        return;
    }
    ctx->skip_cur = 0;
}

static void xc_append(const br_x509_class **vt, const unsigned char *buf, size_t len)
{
    struct hxc__x509_ctx *ctx = ctx_of(vt);
    if (ctx->skip_cur)
        return;
    if (reserve(ctx, len) != 0) {
        ctx->skip_cur = 1;
        ctx->too_many = 1;
        return;
    }
    memcpy(ctx->buf + ctx->buf_len, buf, len);
    ctx->buf_len += len;
    ctx->cert_len[ctx->ncerts] += len;
}

static void xc_end_cert(const br_x509_class **vt)
{
    struct hxc__x509_ctx *ctx = ctx_of(vt);
    if (ctx->skip_cur) {
        /* Drop whatever part of it was kept. */
        if (ctx->ncerts < MAX_CERTS)
            ctx->buf_len = ctx->cert_off[ctx->ncerts];
        ctx->skip_cur = 0;
        return;
    }
    ctx->ncerts++;
}

/* ------------------------------------------------------------------ */
/* Key usage (BearSSL's decoder does not report it): a small DER walk  */

struct der {
    const unsigned char *p;
    size_t len;
};

/* Reads one TLV from *in (single-byte tags, definite lengths). */
static int der_next(struct der *in, unsigned *tag, struct der *val)
{
    if (in->len < 2)
        return -1;
    const unsigned char *p = in->p;
    size_t left = in->len;
    *tag = p[0];
    if ((p[0] & 0x1F) == 0x1F)
        return -1;
    size_t len = p[1];
    size_t hdr = 2;
    if (len & 0x80) {
        size_t nb = len & 0x7F;
        if (nb == 0 || nb > 4 || left < 2 + nb)
            return -1;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = (len << 8) | p[2 + i];
        hdr += nb;
    }
    if (len > left - hdr)
        return -1;
    val->p = p + hdr;
    val->len = len;
    in->p = p + hdr + len;
    in->len = left - hdr - len;
    return 0;
}

/* Enters a SEQUENCE found at the front of *in. */
static int der_enter_seq(struct der *in, struct der *inner)
{
    unsigned tag;
    if (der_next(in, &tag, inner) != 0 || tag != 0x30)
        return -1;
    return 0;
}

/* KeyUsage bits (RFC 5280 4.2.1.3) to BearSSL usages. */
static unsigned usages_from_bits(struct der bits)
{
    if (bits.len < 2)
        return 0;
    unsigned char b = bits.p[1];
    unsigned u = 0;
    if (b & 0x80) /* digitalSignature */
        u |= BR_KEYTYPE_SIGN;
    if (b & 0x28) /* keyEncipherment, keyAgreement */
        u |= BR_KEYTYPE_KEYX;
    return u;
}

/* Finds the KeyUsage extension in a list of extensions; 1 when found. */
static int find_key_usage(struct der exts, unsigned *usages)
{
    static const unsigned char oid_ku[] = {0x55, 0x1D, 0x0F};
    while (exts.len > 0) {
        struct der ext, oid, v;
        unsigned tag;
        if (der_enter_seq(&exts, &ext) != 0 || der_next(&ext, &tag, &oid) != 0 || tag != 0x06)
            return -1;
        if (der_next(&ext, &tag, &v) != 0)
            return -1;
        if (tag == 0x01 && der_next(&ext, &tag, &v) != 0) /* critical flag */
            return -1;
        if (tag != 0x04)
            return -1;
        if (oid.len != sizeof oid_ku || memcmp(oid.p, oid_ku, sizeof oid_ku) != 0)
            continue;
        struct der bits;
        if (der_next(&v, &tag, &bits) != 0 || tag != 0x03)
            return -1;
        *usages = usages_from_bits(bits);
        return 1;
    }
    return 0;
}

/* BR_KEYTYPE_KEYX / BR_KEYTYPE_SIGN allowed by the certificate; both when
 * it has no KeyUsage extension. -1 when the DER cannot be walked. */
static int leaf_usages(const unsigned char *der, size_t len, unsigned *usages)
{
    struct der in = {der, len}, cert, tbs;
    *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
    if (der_enter_seq(&in, &cert) != 0 || der_enter_seq(&cert, &tbs) != 0)
        return -1;
    while (tbs.len > 0) {
        struct der v, exts;
        unsigned tag;
        if (der_next(&tbs, &tag, &v) != 0)
            return -1;
        if (tag != 0xA3) /* [3] extensions */
            continue;
        if (der_enter_seq(&v, &exts) != 0)
            return -1;
        return find_key_usage(exts, usages) < 0 ? -1 : 0;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* end_chain                                                           */

static unsigned fail(struct hxc__x509_ctx *ctx, unsigned br_code, hxc_status code,
                     const char *what)
{
    ctx->status = hxc__err(&ctx->error, code, (long)br_code,
                           "certificate verify failed for '%s': %s", ctx->host, what);
    return br_code;
}

/* Our verdict as the closest BearSSL X.509 code (kept as the raw detail). */
static unsigned br_code_for(hxc_status s)
{
    switch (s) {
    case HXC_E_CERT_HOSTNAME:
    case HXC_E_CERT_BAD_NAME:
        return BR_ERR_X509_BAD_SERVER_NAME;
    case HXC_E_CERT_EXPIRED:
    case HXC_E_CERT_NOT_YET_VALID:
        return BR_ERR_X509_EXPIRED;
    case HXC_E_CERT_USAGE:
        return BR_ERR_X509_FORBIDDEN_KEY_USAGE;
    case HXC_E_CERT_WEAK_KEY:
        return BR_ERR_X509_WEAK_PUBLIC_KEY;
    case HXC_E_CERT_NOT_CA:
    case HXC_E_CERT_PATH_LENGTH:
        return BR_ERR_X509_NOT_CA;
    case HXC_E_CERT_CRITICAL_EXTENSION:
        return BR_ERR_X509_CRITICAL_EXTENSION;
    case HXC_E_CERT_BAD_SIGNATURE:
        return BR_ERR_X509_BAD_SIGNATURE;
    case HXC_E_CERT_MALFORMED:
        return BR_ERR_X509_INVALID_VALUE;
    case HXC_E_CERT_CHAIN_TOO_LONG:
    case HXC_E_CERT_LIMIT:
        return BR_ERR_X509_LIMIT_EXCEEDED;
    case HXC_E_CERT_NO_CHAIN:
        return BR_ERR_X509_EMPTY_CHAIN;
    case HXC_E_CERT_UNSUPPORTED:
        return BR_ERR_X509_UNSUPPORTED;
    default:
        return BR_ERR_X509_NOT_TRUSTED;
    }
}

static int64_t verify_time(const struct hxc__x509_ctx *ctx)
{
    return ctx->unix_time != 0 ? ctx->unix_time : (int64_t)time(NULL);
}

static void chain_list(const struct hxc__x509_ctx *ctx, struct hxc__der *chain)
{
    for (size_t i = 0; i < ctx->ncerts; i++) {
        chain[i].data = ctx->buf + ctx->cert_off[i];
        chain[i].len = ctx->cert_len[i];
    }
}

static unsigned run_policy(struct hxc__x509_ctx *ctx, const struct hxc__der *chain)
{
    if (ctx->ts == NULL)
        return fail(ctx, BR_ERR_X509_NOT_TRUSTED, HXC_E_CERT_UNTRUSTED,
                    "no trust store is configured");
    hxc_status s = hxc__x509_verify(ctx->ts, chain, ctx->ncerts, ctx->host, verify_time(ctx),
                                    &ctx->summary, &ctx->error);
    if (s == HXC_OK)
        return 0;
    unsigned br = br_code_for(s);
    ctx->status = s;
    ctx->error.code = s;
    ctx->error.detail = (long)br;
    return br;
}

/* Verification off: run the policy against an empty store only to fill
 * the summary shown by -v; its verdict is ignored. */
static void summary_only(struct hxc__x509_ctx *ctx, const struct hxc__der *chain)
{
    if (ctx->empty_ts == NULL)
        ctx->empty_ts = hxc__trust_store_new();
    if (ctx->empty_ts == NULL)
        return;
    hxc_error ignored;
    (void)hxc__x509_verify(ctx->empty_ts, chain, ctx->ncerts,
                           ctx->host[0] ? ctx->host : "invalid.", verify_time(ctx),
                           &ctx->summary, &ignored);
}

static int copy_pkey(struct hxc__x509_ctx *ctx, const br_x509_pkey *pk)
{
    ctx->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        const br_rsa_public_key *k = &pk->key.rsa;
        if (k->nlen + k->elen > sizeof ctx->key_data)
            return -1;
        memcpy(ctx->key_data, k->n, k->nlen);
        memcpy(ctx->key_data + k->nlen, k->e, k->elen);
        ctx->pkey.key.rsa.n = ctx->key_data;
        ctx->pkey.key.rsa.nlen = k->nlen;
        ctx->pkey.key.rsa.e = ctx->key_data + k->nlen;
        ctx->pkey.key.rsa.elen = k->elen;
        return 0;
    }
    if (pk->key_type == BR_KEYTYPE_EC) {
        const br_ec_public_key *k = &pk->key.ec;
        if (k->qlen > sizeof ctx->key_data)
            return -1;
        memcpy(ctx->key_data, k->q, k->qlen);
        ctx->pkey.key.ec.curve = k->curve;
        ctx->pkey.key.ec.q = ctx->key_data;
        ctx->pkey.key.ec.qlen = k->qlen;
        return 0;
    }
    return -1;
}

static unsigned extract_key(struct hxc__x509_ctx *ctx, const struct hxc__der *leaf)
{
    br_x509_decoder_init(&ctx->dec, NULL, NULL);
    br_x509_decoder_push(&ctx->dec, leaf->data, leaf->len);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&ctx->dec);
    if (pk == NULL || copy_pkey(ctx, pk) != 0)
        return fail(ctx, BR_ERR_X509_UNSUPPORTED, HXC_E_CERT_UNSUPPORTED,
                    "the server certificate's public key cannot be read "
                    "(malformed certificate or a key type other than RSA or EC)");
    unsigned usages;
    if (leaf_usages(leaf->data, leaf->len, &usages) != 0 && ctx->verify)
        return fail(ctx, BR_ERR_X509_INVALID_VALUE, HXC_E_CERT_MALFORMED,
                    "the server certificate's extensions are malformed (depth 0)");
    /* Verification off accepts any key usage, as it accepts any chain. */
    ctx->usages = ctx->verify ? usages : (BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN);
    ctx->have_key = 1;
    return 0;
}

static unsigned xc_end_chain(const br_x509_class **vt)
{
    struct hxc__x509_ctx *ctx = ctx_of(vt);
    if (ctx->ncerts == 0)
        return fail(ctx, BR_ERR_X509_EMPTY_CHAIN, HXC_E_CERT_NO_CHAIN,
                    ctx->too_many ? "the server's certificate is larger than 256 KiB"
                                  : "the server sent no certificate");
    if (ctx->too_many && ctx->verify)
        return fail(ctx, BR_ERR_X509_LIMIT_EXCEEDED, HXC_E_CERT_CHAIN_TOO_LONG,
                    "the server sent more than 16 certificates or more than 256 KiB of them");
    struct hxc__der chain[MAX_CERTS];
    chain_list(ctx, chain);
    if (!ctx->verify) {
        summary_only(ctx, chain);
        return extract_key(ctx, &chain[0]);
    }
    unsigned r = run_policy(ctx, chain);
    return r != 0 ? r : extract_key(ctx, &chain[0]);
}

static const br_x509_pkey *xc_get_pkey(const br_x509_class *const *vt, unsigned *usages)
{
    const struct hxc__x509_ctx *ctx = (const struct hxc__x509_ctx *)(const void *)vt;
    if (!ctx->have_key || ctx->status != HXC_OK)
        return NULL;
    if (usages != NULL)
        *usages = ctx->usages;
    return &ctx->pkey;
}

static const br_x509_class hxc_x509_vtable = {
    sizeof(struct hxc__x509_ctx),
    xc_start_chain,
    xc_start_cert,
    xc_append,
    xc_end_cert,
    xc_end_chain,
    xc_get_pkey,
};

/* ------------------------------------------------------------------ */
/* Public (internal) API                                               */

void hxc__x509_ctx_init(struct hxc__x509_ctx *ctx, const struct hxc__trust_store *ts,
                        const char *host, int verify, int64_t unix_time)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->vtable = &hxc_x509_vtable;
    ctx->ts = ts;
    ctx->verify = verify;
    ctx->unix_time = unix_time;
    ctx->status = HXC_OK;
    if (host != NULL)
        snprintf(ctx->host, sizeof ctx->host, "%s", host);
}

void hxc__x509_ctx_free(struct hxc__x509_ctx *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->buf);
    ctx->buf = NULL;
    ctx->buf_len = ctx->buf_cap = 0;
    if (ctx->empty_ts != NULL)
        hxc__trust_store_free(ctx->empty_ts);
    ctx->empty_ts = NULL;
}

hxc_status hxc__x509_ctx_result(const struct hxc__x509_ctx *ctx, hxc_error *err)
{
    if (ctx->status == HXC_OK)
        return HXC_OK;
    if (err != NULL)
        *err = ctx->error;
    return ctx->status;
}
