/* The trust store (embedded roots, files, buffers, the CRL set and the
 * verification settings fixed with it) and certificate / CRL file decoding
 * (PEM through BearSSL's br_pem_decoder, or DER). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "x509/crl.h"
#include "x509/der.h"
#include "x509/pem.h"
#include "x509/verify.h"
#include "x509/x509.h"

struct anchor {
    const unsigned char *der;
    size_t len;
    size_t subject_off, subject_len;
    unsigned char *owned; /* NULL for the embedded roots */
};

struct hxc__trust_store {
    struct anchor *v;
    size_t n, cap;
    struct hxc__crl_set *crls;   /* created with the first CRL */
    enum hxc__crl_mode crl_mode;
    unsigned max_depth;          /* 0: the verifier's default */
};

struct hxc__trust_store *hxc__trust_store_new(void)
{
    return calloc(1, sizeof(struct hxc__trust_store));
}

void hxc__trust_store_free(struct hxc__trust_store *ts)
{
    if (ts == NULL)
        return;
    for (size_t i = 0; i < ts->n; i++)
        free(ts->v[i].owned);
    free(ts->v);
    hxc__crl_set_free(ts->crls);
    free(ts);
}

size_t hxc__trust_store_count(const struct hxc__trust_store *ts)
{
    return ts ? ts->n : 0;
}

void hxc__trust_store_anchor(const struct hxc__trust_store *ts, size_t i, struct hxc__der *cert,
                             struct hxc__der *subject)
{
    const struct anchor *a = &ts->v[i];
    cert->data = a->der;
    cert->len = a->len;
    subject->data = a->der + a->subject_off;
    subject->len = a->subject_len;
}

static int has_anchor(const struct hxc__trust_store *ts, const unsigned char *der, size_t len)
{
    for (size_t i = 0; i < ts->n; i++)
        if (ts->v[i].len == len && memcmp(ts->v[i].der, der, len) == 0)
            return 1;
    return 0;
}

/* Adds one certificate; copy says whether the bytes must be copied. */
static hxc_status add_anchor(struct hxc__trust_store *ts, const unsigned char *der, size_t len,
                             int copy, hxc_error *err)
{
    struct der_item subject;
    size_t used;
    if (hxc__der_cert_subject(der, len, &subject, &used) != 0 || used != len)
        return hxc__err(err, HXC_E_CERT_MALFORMED, 0, "trust anchor is not a DER certificate");
    if (has_anchor(ts, der, len))
        return HXC_OK;
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        struct anchor *v = realloc(ts->v, cap * sizeof *v);
        if (v == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory growing the trust store");
        ts->v = v;
        ts->cap = cap;
    }
    struct anchor *a = &ts->v[ts->n];
    memset(a, 0, sizeof *a);
    a->der = der;
    if (copy) {
        a->owned = malloc(len);
        if (a->owned == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory adding a trust anchor");
        memcpy(a->owned, der, len);
        a->der = a->owned;
    }
    a->len = len;
    a->subject_off = (size_t)(subject.tlv - der);
    a->subject_len = subject.tlv_len;
    ts->n++;
    return HXC_OK;
}

hxc_status hxc__trust_store_add_embedded(struct hxc__trust_store *ts, hxc_error *err)
{
    for (size_t i = 0; i < hxc__embedded_root_count; i++) {
        const struct hxc__embedded_root *r = &hxc__embedded_roots[i];
        hxc_status st = add_anchor(ts, r->der, r->der_len, 0, err);
        if (st != HXC_OK) {
            hxc__err_prefix(err, "embedded root %zu", i);
            return st;
        }
    }
    return HXC_OK;
}

/* ------------------------------------------------------------ PEM */

struct pem_buf {
    unsigned char *data;
    size_t len, cap;
    int oom;
};

static void pem_append(void *ctx, const void *src, size_t len)
{
    struct pem_buf *b = ctx;
    if (b->oom)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 2048;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, len);
    b->len += len;
}

/* BearSSL 0.6 keeps the trailing dashes in the name when the BEGIN line
 * ends with CRLF ("CERTIFICATE-----"): compare without them. */
enum hxc__pem_kind hxc__pem_kind(const char *name)
{
    static const struct {
        const char *name;
        enum hxc__pem_kind kind;
    } names[] = {{"CERTIFICATE", HXC_PEM_CERTIFICATE},
                 {"X509 CERTIFICATE", HXC_PEM_CERTIFICATE},
                 {"TRUSTED CERTIFICATE", HXC_PEM_CERTIFICATE},
                 {"X509 CRL", HXC_PEM_CRL}};
    size_t n = strlen(name);
    while (n > 0 && (name[n - 1] == '-' || name[n - 1] == ' '))
        n--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && memcmp(name, names[i].name, n) == 0)
            return names[i].kind;
    return HXC_PEM_OTHER;
}

/* Line number at pos, counted incrementally from the previous call (*at,
 * *line) so that a large bundle is scanned once. */
static unsigned line_at(const unsigned char *data, size_t pos, size_t *at, unsigned *line)
{
    for (; *at + 1 < pos; (*at)++)
        *line += data[*at] == '\n';
    return *line;
}

struct pem_state {
    br_pem_decoder_context pc;
    struct pem_buf block;
    int in_obj;
    enum hxc__pem_kind kind; /* of the current block; HXC_PEM_OTHER when skipped */
    unsigned begin_line;
};

static hxc_status pem_event(struct pem_state *s, int ev, unsigned line, const char *what,
                            unsigned wanted, hxc__pem_fn fn, void *ctx, hxc_error *err)
{
    if (ev == BR_PEM_BEGIN_OBJ) {
        s->in_obj = 1;
        s->begin_line = line;
        s->kind = hxc__pem_kind(br_pem_decoder_name(&s->pc));
        if (!(wanted & HXC_PEM_WANT(s->kind)))
            s->kind = HXC_PEM_OTHER;
        s->block.len = 0;
        s->block.oom = 0;
        int keep = s->kind != HXC_PEM_OTHER;
        br_pem_decoder_setdest(&s->pc, keep ? pem_append : NULL, keep ? &s->block : NULL);
        return HXC_OK;
    }
    if (ev == BR_PEM_END_OBJ) {
        s->in_obj = 0;
        if (s->kind == HXC_PEM_OTHER)
            return HXC_OK;
        if (s->block.oom)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory decoding %s", what);
        return fn(ctx, s->kind, s->block.data, s->block.len, s->begin_line, err);
    }
    if (ev == BR_PEM_ERROR)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "%s:%u: malformed PEM (bad base64 or unexpected line inside a block)",
                        what, line);
    return HXC_OK;
}

hxc_status hxc__pem_decode(const void *buf, size_t len, const char *what, unsigned wanted,
                           hxc__pem_fn fn, void *ctx, hxc_error *err)
{
    const unsigned char *data = buf;
    struct pem_state s;
    memset(&s, 0, sizeof s);
    br_pem_decoder_init(&s.pc);
    size_t pos = 0, counted = 0;
    unsigned line = 1;
    hxc_status st = HXC_OK;
    /* One extra newline lets the decoder see an END line at the very end. */
    while (st == HXC_OK && pos <= len) {
        const unsigned char *chunk = pos < len ? data + pos : (const unsigned char *)"\n";
        size_t used = br_pem_decoder_push(&s.pc, chunk, pos < len ? len - pos : 1);
        pos += used;
        int ev = br_pem_decoder_event(&s.pc);
        if (ev == 0 && used == 0)
            break;
        st = pem_event(&s, ev, line_at(data, pos > len ? len : pos, &counted, &line), what,
                       wanted, fn, ctx, err);
    }
    free(s.block.data);
    if (st != HXC_OK)
        return st;
    if (s.in_obj)
        return hxc__err(err, HXC_E_CONFIG, 0, "%s:%u: unterminated PEM block (no END line)",
                        what, s.begin_line);
    return HXC_OK;
}

int hxc__pem_detect(const void *buf, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    const unsigned char *data = buf;
    size_t m = sizeof marker - 1;
    for (size_t i = 0; i + m <= len; i++)
        if (data[i] == '-' && memcmp(data + i, marker, m) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ decoding */

/* What a buffer of certificates (and, for the trust store, CRLs) held. */
struct decode_ctx {
    const char *what;
    hxc__cert_fn cert_fn;    /* each certificate */
    void *cert_ctx;
    struct hxc__trust_store *crl_ts; /* CRLs go to this store's set; NULL: skipped */
    size_t ncerts, ncrls;
};

static hxc_status crl_to_store(struct hxc__trust_store *ts, const unsigned char *der, size_t len,
                               hxc_error *err);

/* One PEM block. An OpenSSL "TRUSTED CERTIFICATE" is the certificate
 * followed by trust settings: only the first element is kept. */
static hxc_status on_block(void *vctx, enum hxc__pem_kind kind, const unsigned char *der,
                           size_t len, unsigned line, hxc_error *err)
{
    struct decode_ctx *d = vctx;
    hxc_status st;
    if (kind == HXC_PEM_CRL) {
        d->ncrls++;
        st = crl_to_store(d->crl_ts, der, len, err);
        if (st != HXC_OK)
            hxc__err_prefix(err, "%s:%u", d->what, line);
        return st;
    }
    struct der_item subject;
    size_t used;
    d->ncerts++;
    if (hxc__der_cert_subject(der, len, &subject, &used) != 0)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "%s:%u: certificate block does not hold a DER X.509 certificate",
                        d->what, line);
    st = d->cert_fn(d->cert_ctx, der, used, err);
    if (st != HXC_OK)
        hxc__err_prefix(err, "%s:%u", d->what, line);
    return st;
}

/* Concatenated DER certificates (and CRLs when d->crl_ts is set). */
static hxc_status decode_der(const unsigned char *data, size_t len, struct decode_ctx *d,
                             hxc_error *err)
{
    size_t pos = 0;
    while (pos < len) {
        struct der_item subject;
        size_t used;
        hxc_status st;
        if (hxc__der_cert_subject(data + pos, len - pos, &subject, &used) == 0) {
            d->ncerts++;
            st = d->cert_fn(d->cert_ctx, data + pos, used, err);
            if (st != HXC_OK) {
                hxc__err_prefix(err, "%s: certificate at byte %zu", d->what, pos);
                return st;
            }
        } else if (d->crl_ts != NULL && (used = hxc__crl_der_length(data + pos, len - pos)) > 0) {
            d->ncrls++;
            st = crl_to_store(d->crl_ts, data + pos, used, err);
            if (st != HXC_OK) {
                hxc__err_prefix(err, "%s: CRL at byte %zu", d->what, pos);
                return st;
            }
        } else {
            return hxc__err(err, HXC_E_CONFIG, 0,
                            "%s: neither PEM nor a DER certificate (at byte %zu)", d->what, pos);
        }
        pos += used;
    }
    return HXC_OK;
}

/* Certificates (and CRLs, see decode_ctx) of a PEM or DER buffer; no
 * certificate (nor CRL) at all is an error naming d->what. */
static hxc_status decode_all(const void *data, size_t len, struct decode_ctx *d,
                             hxc_error *err)
{
    const unsigned char *p = data;
    unsigned wanted = HXC_PEM_WANT(HXC_PEM_CERTIFICATE);
    if (d->crl_ts != NULL)
        wanted |= HXC_PEM_WANT(HXC_PEM_CRL);
    if (len == 0)
        return hxc__err(err, HXC_E_CONFIG, 0, "%s: no certificate found (the file is empty)",
                        d->what);
    if (hxc__pem_detect(p, len)) {
        hxc_status st = hxc__pem_decode(p, len, d->what, wanted, on_block, d, err);
        if (st == HXC_OK && d->ncerts == 0 && d->ncrls == 0)
            st = hxc__err(err, HXC_E_CONFIG, 0, "%s: no certificate found in the file",
                          d->what);
        return st;
    }
    if (p[0] != DER_SEQUENCE)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "%s: no certificate found (expected PEM CERTIFICATE blocks or DER)",
                        d->what);
    return decode_der(p, len, d, err);
}

hxc_status hxc__certs_decode(const void *data, size_t len, const char *what, hxc__cert_fn fn,
                             void *ctx, hxc_error *err)
{
    struct decode_ctx d = {what, fn, ctx, NULL, 0, 0};
    return decode_all(data, len, &d, err);
}

/* ------------------------------------------------------------ files */

hxc_status hxc__x509_read_file(const char *path, const char *noun, unsigned char **out,
                               size_t *len, hxc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return hxc__err(err, HXC_E_FILE_READ, errno, "cannot open %s '%s': %s", noun, path,
                        strerror(errno));
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    hxc_status st = HXC_OK;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16384;
            unsigned char *p = cap > HXC__X509_MAX_FILE ? NULL : realloc(buf, cap);
            if (p == NULL) {
                st = hxc__err(err, HXC_E_FILE_READ, 0, "%s '%s' is larger than %u bytes", noun,
                              path, HXC__X509_MAX_FILE);
                break;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = hxc__err(err, HXC_E_FILE_READ, errno, "cannot read %s '%s': %s", noun,
                              path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st != HXC_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *len = n;
    return HXC_OK;
}

static hxc_status read_whole_file(const char *path, unsigned char **out, size_t *len,
                                  hxc_error *err)
{
    return hxc__x509_read_file(path, "certificate file", out, len, err);
}

static hxc_status add_to_store(void *ctx, const unsigned char *der, size_t len, hxc_error *err)
{
    return add_anchor(ctx, der, len, 1, err);
}

/* Like Python's load_verify_locations: certificates become anchors, "X509
 * CRL" blocks (or DER CRLs) join the store's CRL set. */
hxc_status hxc__trust_store_add_mem(struct hxc__trust_store *ts, const void *data, size_t len,
                                    const char *what, hxc_error *err)
{
    if (ts == NULL || (data == NULL && len > 0))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no trust store or data given");
    struct decode_ctx d = {what ? what : "certificate data", add_to_store, ts, ts, 0, 0};
    return decode_all(data, len, &d, err);
}

hxc_status hxc__trust_store_add_file(struct hxc__trust_store *ts, const char *path,
                                     hxc_error *err)
{
    unsigned char *data;
    size_t len;
    hxc_status st = read_whole_file(path, &data, &len, err);
    if (st != HXC_OK)
        return st;
    st = hxc__trust_store_add_mem(ts, data, len, path, err);
    free(data);
    return st;
}

/* ------------------------------------------------------------ CRLs */

static hxc_status crl_set(struct hxc__trust_store *ts, hxc_error *err)
{
    if (ts->crls == NULL && (ts->crls = hxc__crl_set_new()) == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating the CRL set");
    return HXC_OK;
}

static hxc_status crl_to_store(struct hxc__trust_store *ts, const unsigned char *der, size_t len,
                               hxc_error *err)
{
    hxc_status st = crl_set(ts, err);
    return st == HXC_OK ? hxc__crl_set_add_der(ts->crls, der, len, err) : st;
}

hxc_status hxc__trust_store_add_crl_mem(struct hxc__trust_store *ts, const void *data,
                                        size_t len, const char *what, hxc_error *err)
{
    if (ts == NULL || (data == NULL && len > 0))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no trust store or CRL data given");
    what = what ? what : "CRL data";
    size_t added = 0;
    hxc_status st = crl_set(ts, err);
    if (st == HXC_OK)
        st = hxc__crl_set_add_mem(ts->crls, data, len, what, &added, err);
    if (st == HXC_OK && added == 0)
        st = hxc__err(err, HXC_E_CONFIG, 0,
                      "%s: no CRL found (expected PEM X509 CRL blocks or DER)", what);
    return st;
}

hxc_status hxc__trust_store_add_crl_file(struct hxc__trust_store *ts, const char *path,
                                         hxc_error *err)
{
    if (ts == NULL || path == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no trust store or CRL file given");
    hxc_status st = crl_set(ts, err);
    return st == HXC_OK ? hxc__crl_set_add_file(ts->crls, path, err) : st;
}

const struct hxc__crl_set *hxc__trust_store_crls(const struct hxc__trust_store *ts)
{
    return ts ? ts->crls : NULL;
}

void hxc__trust_store_set_crl_mode(struct hxc__trust_store *ts, enum hxc__crl_mode mode)
{
    ts->crl_mode = mode;
}

enum hxc__crl_mode hxc__trust_store_crl_mode(const struct hxc__trust_store *ts)
{
    return ts ? ts->crl_mode : HXC_CRL_NONE;
}

void hxc__trust_store_set_max_depth(struct hxc__trust_store *ts, unsigned max_depth)
{
    ts->max_depth = max_depth;
}

unsigned hxc__trust_store_max_depth(const struct hxc__trust_store *ts)
{
    return ts ? ts->max_depth : 0;
}

/* ------------------------------------------------------------ DER lists */

struct der_list {
    struct hxc__der *v;
    size_t n, cap;
};

static hxc_status add_to_list(void *ctx, const unsigned char *der, size_t len, hxc_error *err)
{
    struct der_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct hxc__der *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory reading certificates");
        l->v = v;
        l->cap = cap;
    }
    unsigned char *copy = malloc(len);
    if (copy == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory reading certificates");
    memcpy(copy, der, len);
    l->v[l->n].data = copy;
    l->v[l->n].len = len;
    l->n++;
    return HXC_OK;
}

hxc_status hxc__der_list_load_file(const char *path, struct hxc__der **out, size_t *n,
                                   hxc_error *err)
{
    unsigned char *data;
    size_t len;
    struct der_list l = {0};
    *out = NULL;
    *n = 0;
    hxc_status st = read_whole_file(path, &data, &len, err);
    if (st != HXC_OK)
        return st;
    st = hxc__certs_decode(data, len, path, add_to_list, &l, err);
    free(data);
    if (st != HXC_OK) {
        hxc__der_list_free(l.v, l.n);
        return st;
    }
    *out = l.v;
    *n = l.n;
    return HXC_OK;
}

void hxc__der_list_free(struct hxc__der *list, size_t n)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free((void *)list[i].data);
    free(list);
}
