/*
 * Certificate revocation lists (RFC 5280 section 5): see crl.h.
 *
 * A CRL is copied and its structure checked once, when it is loaded; the
 * entries are only walked (linearly) when a certificate is looked up, so a
 * CRL of 100 000 entries costs one pass to load and one pass per check,
 * never more. Signatures are verified at check time, with the key of the
 * issuer the verifier found (the same CRL may be checked against several
 * candidate issuers with one name while a path is built).
 */
#include "x509/crl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "x509/pem.h"
#include "x509/verify.h"

#define MAX_CRLS 4096 /* per set: a bound on the work of every check */

/* issuingDistributionPoint scope flags */
enum { ONLY_USER = 1, ONLY_CA = 2, ONLY_ATTR = 4 };

struct crl {
    unsigned char *der; /* owned copy; every pointer below points into it */
    size_t len;
    struct der_item tbs, issuer;
    struct hxc__sig sig;
    int64_t this_update, next_update;
    int has_next_update;
    const unsigned char *entries; /* revokedCertificates contents (may be empty) */
    size_t entries_len;
    int delta;                    /* deltaCRLIndicator present */
    unsigned only;                /* ONLY_* of the issuingDistributionPoint */
    int has_idp_dp;
    struct der_item idp_dp;       /* its DistributionPointName (fullName [0] / relative [1]) */
    char unusable[96];            /* why the CRL cannot be used; "" when it can */
};

struct hxc__crl_set {
    struct crl *v;
    size_t n, cap;
};

/* id-ce 2.5.29.N */
enum {
    CE_BC = 19, CE_CRL_NUMBER = 20, CE_REASON = 21, CE_INVALIDITY = 24, CE_DELTA = 27,
    CE_IDP = 28, CE_CERT_ISSUER = 29, CE_CRLDP = 31, CE_AKI = 35, CE_FRESHEST = 46
};

static int ce_number(const struct der_item *oid)
{
    if (oid->tag == DER_OID && oid->len == 3 && oid->val[0] == 0x55 && oid->val[1] == 0x1d)
        return oid->val[2];
    return -1;
}

struct hxc__crl_set *hxc__crl_set_new(void)
{
    return calloc(1, sizeof(struct hxc__crl_set));
}

void hxc__crl_set_free(struct hxc__crl_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].der);
    free(s->v);
    free(s);
}

size_t hxc__crl_set_count(const struct hxc__crl_set *s)
{
    return s ? s->n : 0;
}

/* ------------------------------------------------------------ parsing */

/* One Extension: its OID, criticality and extnValue contents. 0 or -1. */
static int read_extension(const struct der_item *ext, struct der_item *oid, int *critical,
                          struct der_item *value)
{
    struct der_reader r;
    struct der_item b;
    if (ext->tag != DER_SEQUENCE)
        return -1;
    hxc__der_enter(&r, ext);
    if (hxc__der_expect(&r, DER_OID, oid) != 0)
        return -1;
    *critical = 0;
    int rc = hxc__der_optional(&r, DER_BOOLEAN, &b);
    if (rc < 0 || (rc == 1 && b.len != 1))
        return -1;
    if (rc == 1)
        *critical = b.val[0] != 0;
    if (hxc__der_expect(&r, DER_OCTET_STRING, value) != 0 || !hxc__der_at_end(&r))
        return -1;
    return 0;
}

/* The single element of an extnValue, with the given tag. 0 or -1. */
static int only_child(const struct der_item *value, unsigned tag, struct der_item *out)
{
    struct der_reader r;
    hxc__der_init(&r, value->val, value->len);
    return hxc__der_expect(&r, tag, out) == 0 && hxc__der_at_end(&r) ? 0 : -1;
}

static void set_unusable(struct crl *c, const char *fmt, ...) HXC__PRINTF(2, 3);

static void set_unusable(struct crl *c, const char *fmt, ...)
{
    if (c->unusable[0] != '\0')
        return; /* the first reason found is kept */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->unusable, sizeof c->unusable, fmt, ap);
    va_end(ap);
}

static void unknown_critical(struct crl *c, const struct der_item *oid, const char *where)
{
    char text[64];
    hxc__der_oid_text(oid->val, oid->len, text, sizeof text);
    set_unusable(c, "has an unknown critical %sextension %s", where, text);
}

/* A BOOLEAN [n] IMPLICIT inside the IDP: 1, 0 (FALSE), -1 malformed. */
static int idp_flag(const struct der_item *it)
{
    if (it->len != 1)
        return -1;
    return it->val[0] != 0;
}

/*
 * IssuingDistributionPoint ::= SEQUENCE {
 *   distributionPoint          [0] DistributionPointName OPTIONAL,
 *   onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
 *   onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
 *   onlySomeReasons            [3] ReasonFlags OPTIONAL,
 *   indirectCRL                [4] BOOLEAN DEFAULT FALSE,
 *   onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
 * (RFC 5280 5.2.5; implicit tags, so [0] is constructed, the others not.)
 */
static const char *parse_idp(struct crl *c, const struct der_item *value)
{
    struct der_item seq, it, dpn;
    struct der_reader r, rd;
    int rc;
    if (only_child(value, DER_SEQUENCE, &seq) != 0)
        return "malformed issuingDistributionPoint";
    hxc__der_enter(&r, &seq);
    while ((rc = hxc__der_next(&r, &it)) == 1) {
        int flag;
        switch (it.tag) {
        case DER_CTX_CONS(0):
            hxc__der_enter(&rd, &it);
            if (hxc__der_next(&rd, &dpn) != 1 || !hxc__der_at_end(&rd) ||
                (dpn.tag != DER_CTX_CONS(0) && dpn.tag != DER_CTX_CONS(1)))
                return "malformed issuingDistributionPoint name";
            c->has_idp_dp = 1;
            c->idp_dp = dpn;
            break;
        case DER_CTX(1):
        case DER_CTX(2):
        case DER_CTX(5):
            if ((flag = idp_flag(&it)) < 0)
                return "malformed issuingDistributionPoint flag";
            if (flag)
                c->only |= it.tag == DER_CTX(1) ? ONLY_USER : it.tag == DER_CTX(2) ? ONLY_CA
                                                                                  : ONLY_ATTR;
            break;
        case DER_CTX(3):
            set_unusable(c, "covers only some reasons (onlySomeReasons), which is not "
                            "supported");
            break;
        case DER_CTX(4):
            if ((flag = idp_flag(&it)) < 0)
                return "malformed issuingDistributionPoint indirectCRL";
            if (flag)
                set_unusable(c, "is indirect (indirectCRL), which is not supported");
            break;
        default:
            return "unexpected field in issuingDistributionPoint";
        }
    }
    if (rc < 0)
        return "malformed issuingDistributionPoint";
    if (c->only != 0 && c->only != ONLY_USER && c->only != ONLY_CA && c->only != ONLY_ATTR)
        return "issuingDistributionPoint sets more than one onlyContains flag";
    return NULL;
}

/* crlExtensions ([0] EXPLICIT Extensions), RFC 5280 5.2. */
static const char *parse_crl_extensions(struct crl *c, const struct der_item *wrapper)
{
    struct der_reader r;
    struct der_item exts, ext, oid, value, tmp;
    uint64_t seen = 0;
    int rc;
    hxc__der_enter(&r, wrapper);
    if (hxc__der_expect(&r, DER_SEQUENCE, &exts) != 0 || !hxc__der_at_end(&r))
        return "malformed crlExtensions";
    hxc__der_enter(&r, &exts);
    while ((rc = hxc__der_next(&r, &ext)) == 1) {
        int critical;
        const char *e;
        if (read_extension(&ext, &oid, &critical, &value) != 0)
            return "malformed CRL extension";
        int n = ce_number(&oid);
        if (n >= 0 && n < 64) {
            if (seen & ((uint64_t)1 << n))
                return "CRL extension present twice";
            seen |= (uint64_t)1 << n;
        }
        switch (n) {
        case CE_AKI:
            if (only_child(&value, DER_SEQUENCE, &tmp) != 0)
                return "malformed authorityKeyIdentifier";
            break;
        case CE_CRL_NUMBER:
            if (only_child(&value, DER_INTEGER, &tmp) != 0 || tmp.len == 0)
                return "malformed cRLNumber";
            break;
        case CE_DELTA:
            if (only_child(&value, DER_INTEGER, &tmp) != 0 || tmp.len == 0)
                return "malformed deltaCRLIndicator";
            c->delta = 1;
            break;
        case CE_IDP:
            if ((e = parse_idp(c, &value)) != NULL)
                return e;
            break;
        default:
            if (critical)
                unknown_critical(c, &oid, "");
            break; /* freshestCRL, authorityInfoAccess...: informational */
        }
    }
    return rc < 0 ? "malformed crlExtensions" : NULL;
}

/* One entry's extensions (RFC 5280 5.3); reason and invalidity (may be
 * NULL) receive reasonCode (-1 absent) and invalidityDate (0 absent). */
static const char *entry_extensions(struct crl *c, const struct der_item *exts, int *reason,
                                    int64_t *invalidity)
{
    struct der_reader r;
    struct der_item ext, oid, value, v;
    int rc;
    if (reason)
        *reason = -1;
    if (invalidity)
        *invalidity = 0;
    hxc__der_enter(&r, exts);
    while ((rc = hxc__der_next(&r, &ext)) == 1) {
        int critical;
        if (read_extension(&ext, &oid, &critical, &value) != 0)
            return "malformed entry extension";
        switch (ce_number(&oid)) {
        case CE_REASON:
            /* CRLReason ::= ENUMERATED; 7 is unused */
            if (only_child(&value, 0x0a, &v) != 0 || v.len != 1 || v.val[0] > 10 ||
                v.val[0] == 7)
                return "malformed reasonCode";
            if (reason)
                *reason = v.val[0];
            break;
        case CE_INVALIDITY: {
            int64_t t;
            if (only_child(&value, DER_GENERALIZED_TIME, &v) != 0 || hxc__der_time(&v, &t) != 0)
                return "malformed invalidityDate";
            if (invalidity)
                *invalidity = t;
            break;
        }
        case CE_CERT_ISSUER:
            if (c != NULL)
                set_unusable(c, "is indirect (certificateIssuer entry extension), which is not "
                                "supported");
            break;
        default:
            if (critical && c != NULL)
                unknown_critical(c, &oid, "entry ");
            break;
        }
    }
    return rc < 0 ? "malformed entry extensions" : NULL;
}

/* revokedCertificate ::= SEQUENCE { userCertificate INTEGER, revocationDate
 * Time, crlEntryExtensions Extensions OPTIONAL }. */
static int read_entry(const struct der_item *entry, struct der_item *serial,
                      struct der_item *date, struct der_item *exts, int *has_exts)
{
    struct der_reader r;
    if (entry->tag != DER_SEQUENCE)
        return -1;
    hxc__der_enter(&r, entry);
    if (hxc__der_expect(&r, DER_INTEGER, serial) != 0 || serial->len == 0 ||
        hxc__der_next(&r, date) != 1 ||
        (date->tag != DER_UTC_TIME && date->tag != DER_GENERALIZED_TIME))
        return -1;
    *has_exts = hxc__der_optional(&r, DER_SEQUENCE, exts);
    return *has_exts >= 0 && hxc__der_at_end(&r) ? 0 : -1;
}

/* Checks every entry once, at load time (linear in the number of entries). */
static const char *parse_entries(struct crl *c, int v2, char *msg, size_t msgsz)
{
    struct der_reader r;
    struct der_item entry, serial, date, exts;
    size_t i = 0;
    int rc;
    hxc__der_init(&r, c->entries, c->entries_len);
    while ((rc = hxc__der_next(&r, &entry)) == 1) {
        int has_exts;
        int64_t t;
        i++;
        if (read_entry(&entry, &serial, &date, &exts, &has_exts) != 0 ||
            hxc__der_time(&date, &t) != 0) {
            snprintf(msg, msgsz, "revoked certificate entry %zu is malformed", i);
            return msg;
        }
        if (!has_exts)
            continue;
        if (!v2)
            return "a version 1 CRL cannot have entry extensions";
        const char *e = entry_extensions(c, &exts, NULL, NULL);
        if (e != NULL) {
            snprintf(msg, msgsz, "revoked certificate entry %zu: %s", i, e);
            return msg;
        }
    }
    if (rc < 0) {
        snprintf(msg, msgsz, "revoked certificate entry %zu is malformed", i + 1);
        return msg;
    }
    return NULL;
}

static int is_time(const struct der_item *it)
{
    return it->tag == DER_UTC_TIME || it->tag == DER_GENERALIZED_TIME;
}

/*
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
 *                                signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL (v2 = 1), signature,
 *   issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
 *   revokedCertificates SEQUENCE OF ... OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
static const char *parse_crl(struct crl *c, char *msg, size_t msgsz)
{
    struct der_reader r;
    struct der_item outer, alg_in, alg_out, bits, it;
    int v2 = 0, rc;
    hxc__der_init(&r, c->der, c->len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &outer) != 0 || !hxc__der_at_end(&r))
        return "not a DER CertificateList";
    hxc__der_enter(&r, &outer);
    if (hxc__der_expect(&r, DER_SEQUENCE, &c->tbs) != 0 ||
        hxc__der_expect(&r, DER_SEQUENCE, &alg_out) != 0 ||
        hxc__der_expect(&r, DER_BIT_STRING, &bits) != 0 || !hxc__der_at_end(&r))
        return "not a DER CertificateList";
    hxc__der_enter(&r, &c->tbs);
    if ((rc = hxc__der_optional(&r, DER_INTEGER, &it)) < 0)
        return "malformed version";
    if (rc == 1) {
        if (it.len != 1 || it.val[0] != 1) {
            snprintf(msg, msgsz, "unsupported CRL version (only v1 and v2 exist)");
            return msg;
        }
        v2 = 1;
    }
    if (hxc__der_expect(&r, DER_SEQUENCE, &alg_in) != 0)
        return "malformed signature algorithm";
    /* RFC 5280 5.1.1.2: the same algorithm inside and outside */
    if (alg_in.tlv_len != alg_out.tlv_len || memcmp(alg_in.tlv, alg_out.tlv, alg_in.tlv_len) != 0)
        return "the signature algorithm inside the CRL differs from the one outside";
    const char *e = hxc__sig_parse(&c->sig, &alg_out, &bits);
    if (e != NULL)
        return e;
    if (hxc__der_expect(&r, DER_SEQUENCE, &c->issuer) != 0)
        return "malformed issuer name";
    if (hxc__der_next(&r, &it) != 1 || !is_time(&it) || hxc__der_time(&it, &c->this_update) != 0)
        return "malformed thisUpdate";
    rc = hxc__der_next(&r, &it);
    if (rc == 1 && is_time(&it)) {
        if (hxc__der_time(&it, &c->next_update) != 0)
            return "malformed nextUpdate";
        c->has_next_update = 1;
        rc = hxc__der_next(&r, &it);
    }
    c->entries = (const unsigned char *)"";
    if (rc == 1 && it.tag == DER_SEQUENCE) {
        c->entries = it.val;
        c->entries_len = it.len;
        rc = hxc__der_next(&r, &it);
    }
    if (rc == 1 && it.tag == DER_CTX_CONS(0)) {
        if (!v2)
            return "a version 1 CRL cannot have extensions";
        if ((e = parse_crl_extensions(c, &it)) != NULL)
            return e;
        rc = hxc__der_next(&r, &it);
    }
    if (rc != 0)
        return "unexpected data at the end of the TBSCertList";
    return parse_entries(c, v2, msg, msgsz);
}

hxc_status hxc__crl_set_add_der(struct hxc__crl_set *s, const unsigned char *der, size_t len,
                                hxc_error *err)
{
    if (s->n >= MAX_CRLS)
        return hxc__err(err, HXC_E_CONFIG, 0, "more than %d CRLs", MAX_CRLS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct crl *v = realloc(s->v, cap * sizeof *v);
        if (v == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory adding a CRL");
        s->v = v;
        s->cap = cap;
    }
    struct crl *c = &s->v[s->n];
    memset(c, 0, sizeof *c);
    c->der = malloc(len ? len : 1);
    if (c->der == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory adding a CRL");
    memcpy(c->der, der, len);
    c->len = len;
    char msg[96];
    const char *e = parse_crl(c, msg, sizeof msg);
    if (e != NULL) {
        free(c->der);
        return hxc__err(err, HXC_E_CONFIG, 0, "malformed CRL: %s", e);
    }
    s->n++;
    return HXC_OK;
}

size_t hxc__crl_der_length(const unsigned char *der, size_t len)
{
    struct der_reader r;
    struct der_item outer, tbs, it;
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &outer) != 0)
        return 0;
    hxc__der_enter(&r, &outer);
    if (hxc__der_expect(&r, DER_SEQUENCE, &tbs) != 0)
        return 0;
    hxc__der_enter(&r, &tbs);
    if (hxc__der_optional(&r, DER_INTEGER, &it) < 0 ||
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 || /* signature */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 || /* issuer */
        hxc__der_next(&r, &it) != 1 || !is_time(&it))  /* thisUpdate */
        return 0;
    return outer.tlv_len;
}

/* ------------------------------------------------------------ loading */

struct pem_add {
    struct hxc__crl_set *s;
    const char *what;
    size_t added;
};

static hxc_status on_crl_block(void *ctx, enum hxc__pem_kind kind, const unsigned char *der,
                               size_t len, unsigned line, hxc_error *err)
{
    struct pem_add *a = ctx;
    (void)kind;
    hxc_status st = hxc__crl_set_add_der(a->s, der, len, err);
    if (st != HXC_OK)
        hxc__err_prefix(err, "%s:%u", a->what, line);
    else
        a->added++;
    return st;
}

hxc_status hxc__crl_set_add_mem(struct hxc__crl_set *s, const void *data, size_t len,
                                const char *what, size_t *added, hxc_error *err)
{
    struct pem_add a = {s, what ? what : "CRL data", 0};
    const unsigned char *p = data;
    hxc_status st = HXC_OK;
    if (added)
        *added = 0;
    if (s == NULL || (data == NULL && len > 0))
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no CRL set or data given");
    size_t before = s->n;
    if (len > 0 && hxc__pem_detect(p, len)) {
        st = hxc__pem_decode(p, len, a.what, HXC_PEM_WANT(HXC_PEM_CRL), on_crl_block, &a, err);
    } else if (len > 0 && p[0] == DER_SEQUENCE) {
        /* one or more DER CRLs back to back */
        struct der_reader r;
        struct der_item it;
        int rc;
        hxc__der_init(&r, p, len);
        while (st == HXC_OK && (rc = hxc__der_next(&r, &it)) != 0) {
            size_t pos = (size_t)(r.p - p) - (rc == 1 ? it.tlv_len : 0);
            if (rc < 0) {
                st = hxc__err(err, HXC_E_CONFIG, 0,
                              "%s: malformed CRL at byte %zu: not DER (bad length)", a.what,
                              pos);
                break;
            }
            st = hxc__crl_set_add_der(s, it.tlv, it.tlv_len, err);
            if (st != HXC_OK)
                hxc__err_prefix(err, "%s: CRL at byte %zu", a.what, pos);
            else
                a.added++;
        }
    }
    if (st != HXC_OK) { /* all or nothing */
        while (s->n > before)
            free(s->v[--s->n].der);
        a.added = 0;
    }
    if (added)
        *added = a.added;
    return st;
}

hxc_status hxc__crl_set_add_file(struct hxc__crl_set *s, const char *path, hxc_error *err)
{
    unsigned char *data;
    size_t len, added = 0;
    if (s == NULL || path == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no CRL set or file given");
    hxc_status st = hxc__x509_read_file(path, "CRL file", &data, &len, err);
    if (st != HXC_OK)
        return st;
    st = hxc__crl_set_add_mem(s, data, len, path, &added, err);
    free(data);
    if (st == HXC_OK && added == 0)
        st = hxc__err(err, HXC_E_CONFIG, 0,
                      "%s: no CRL found (expected PEM X509 CRL blocks or DER)", path);
    return st;
}

/* ------------------------------------------------------------ the certificate */

/* What the check needs from the certificate being checked. */
struct subject {
    struct der_item serial;
    int is_ca;
    int has_crldp;
    struct der_item crldp; /* CRLDistributionPoints: SEQUENCE OF DistributionPoint */
};

static int parse_subject_extensions(struct subject *sc, const struct der_item *wrapper)
{
    struct der_reader r;
    struct der_item exts, ext, oid, value, bc, b;
    int rc;
    hxc__der_enter(&r, wrapper);
    if (hxc__der_expect(&r, DER_SEQUENCE, &exts) != 0)
        return -1;
    hxc__der_enter(&r, &exts);
    while ((rc = hxc__der_next(&r, &ext)) == 1) {
        int critical;
        if (read_extension(&ext, &oid, &critical, &value) != 0)
            return -1;
        int n = ce_number(&oid);
        if (n == CE_BC) {
            struct der_reader rb;
            if (only_child(&value, DER_SEQUENCE, &bc) != 0)
                return -1;
            hxc__der_enter(&rb, &bc);
            int has = hxc__der_optional(&rb, DER_BOOLEAN, &b);
            if (has < 0 || (has == 1 && b.len != 1))
                return -1;
            sc->is_ca = has == 1 && b.val[0] != 0;
        } else if (n == CE_CRLDP) {
            if (only_child(&value, DER_SEQUENCE, &sc->crldp) != 0)
                return -1;
            sc->has_crldp = 1;
        }
    }
    return rc < 0 ? -1 : 0;
}

static int parse_subject(const unsigned char *der, size_t len, struct subject *sc)
{
    struct der_reader r;
    struct der_item cert, tbs, it;
    memset(sc, 0, sizeof *sc);
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &cert) != 0)
        return -1;
    hxc__der_enter(&r, &cert);
    if (hxc__der_expect(&r, DER_SEQUENCE, &tbs) != 0)
        return -1;
    hxc__der_enter(&r, &tbs);
    if (hxc__der_optional(&r, DER_CTX_CONS(0), &it) < 0 ||
        hxc__der_expect(&r, DER_INTEGER, &sc->serial) != 0 || sc->serial.len == 0 ||
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 || /* signature */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 || /* issuer */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 || /* validity */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 || /* subject */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0)   /* subjectPublicKeyInfo */
        return -1;
    if (hxc__der_optional(&r, DER_CTX(1), &it) < 0 || hxc__der_optional(&r, DER_CTX(2), &it) < 0)
        return -1;
    int rc = hxc__der_optional(&r, DER_CTX_CONS(3), &it);
    if (rc < 0)
        return -1;
    return rc == 1 ? parse_subject_extensions(sc, &it) : 0;
}

/* 1 when two GeneralNames lists (contents) share a name, byte for byte. */
static int general_names_meet(const struct der_item *a, const struct der_item *b)
{
    struct der_reader ra, rb;
    struct der_item x, y;
    hxc__der_enter(&ra, a);
    while (hxc__der_next(&ra, &x) == 1) {
        hxc__der_enter(&rb, b);
        while (hxc__der_next(&rb, &y) == 1)
            if (x.tlv_len == y.tlv_len && memcmp(x.tlv, y.tlv, x.tlv_len) == 0)
                return 1;
    }
    return 0;
}

/* RFC 5280 6.3.3 (b)(2)(i): the CRL's issuingDistributionPoint name must be
 * one of the certificate's distribution points. Distribution points with
 * reasons or a cRLIssuer (partial or indirect coverage) never match: those
 * are not supported, and a CRL is then skipped rather than trusted. */
static int idp_matches(const struct crl *c, const struct subject *sc)
{
    struct der_reader r, rd;
    struct der_item dp, it, name;
    if (!sc->has_crldp)
        return 0;
    hxc__der_enter(&r, &sc->crldp);
    while (hxc__der_next(&r, &dp) == 1) {
        int has_name = 0, other = 0;
        if (dp.tag != DER_SEQUENCE)
            continue;
        hxc__der_enter(&rd, &dp);
        while (hxc__der_next(&rd, &it) == 1) {
            struct der_reader rn;
            if (it.tag == DER_CTX_CONS(0)) {
                hxc__der_enter(&rn, &it);
                has_name = hxc__der_next(&rn, &name) == 1;
            } else {
                other = 1; /* reasons [1] or cRLIssuer [2] */
            }
        }
        if (!has_name || other || name.tag != c->idp_dp.tag)
            continue;
        if (name.tag == DER_CTX_CONS(0) && general_names_meet(&name, &c->idp_dp))
            return 1;
        if (name.tag == DER_CTX_CONS(1) && name.len == c->idp_dp.len &&
            memcmp(name.val, c->idp_dp.val, name.len) == 0)
            return 1;
    }
    return 0;
}

/* NULL when the CRL's scope covers the certificate, else why not. */
static const char *out_of_scope(const struct crl *c, const struct subject *sc)
{
    if (c->only & ONLY_ATTR)
        return "it holds only attribute certificates (onlyContainsAttributeCerts)";
    if ((c->only & ONLY_CA) && !sc->is_ca)
        return "it holds only CA certificates (onlyContainsCACerts)";
    if ((c->only & ONLY_USER) && sc->is_ca)
        return "it holds only end-entity certificates (onlyContainsUserCerts)";
    if (c->has_idp_dp && !idp_matches(c, sc))
        return "its issuingDistributionPoint is not one of the certificate's CRL distribution "
               "points";
    return NULL;
}

/* ------------------------------------------------------------ lookup */

static void strip_zeros(const unsigned char **p, size_t *n)
{
    while (*n > 1 && (*p)[0] == 0) {
        (*p)++;
        (*n)--;
    }
}

/* INTEGER contents compared as numbers written without leading 0x00. */
static int same_serial(const struct der_item *a, const struct der_item *b)
{
    const unsigned char *pa = a->val, *pb = b->val;
    size_t na = a->len, nb = b->len;
    strip_zeros(&pa, &na);
    strip_zeros(&pb, &nb);
    return na == nb && memcmp(pa, pb, na) == 0;
}

static void serial_text(const struct der_item *serial, char *out, size_t outsz)
{
    const unsigned char *p = serial->val;
    size_t n = serial->len, pos;
    strip_zeros(&p, &n);
    pos = (size_t)snprintf(out, outsz, "0x");
    for (size_t i = 0; i < n && i < 20 && pos + 3 <= outsz; i++)
        pos += (size_t)snprintf(out + pos, outsz - pos, "%02x", p[i]);
    if (n > 20 && pos + 4 <= outsz)
        snprintf(out + pos, outsz - pos, "...");
}

static const char *reason_name(int reason)
{
    static const char *const names[] = {
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
        "cessationOfOperation", "certificateHold", "7", "removeFromCRL", "privilegeWithdrawn",
        "aACompromise"};
    return reason >= 0 && reason <= 10 ? names[reason] : "?";
}

enum { REASON_REMOVE_FROM_CRL = 8 };

/* Looks the serial up: 1 listed (why filled), 0 not listed. */
static int lookup(const struct crl *c, const struct subject *sc, char *why, size_t whysz)
{
    struct der_reader r;
    struct der_item entry, serial, date, exts;
    hxc__der_init(&r, c->entries, c->entries_len);
    while (hxc__der_next(&r, &entry) == 1) {
        int has_exts, reason = -1;
        int64_t when = 0, invalidity = 0;
        if (read_entry(&entry, &serial, &date, &exts, &has_exts) != 0 ||
            !same_serial(&serial, &sc->serial))
            continue; /* entries were checked at load time */
        if (has_exts && entry_extensions(NULL, &exts, &reason, &invalidity) != NULL)
            continue;
        if (reason == REASON_REMOVE_FROM_CRL)
            continue; /* only meaningful in delta CRLs; never "revoked" */
        char num[48], date_text[32], inv_text[32], detail[96] = "";
        hxc__der_time(&date, &when);
        hxc__der_format_time(when, date_text, sizeof date_text);
        serial_text(&sc->serial, num, sizeof num);
        if (invalidity != 0)
            hxc__der_format_time(invalidity, inv_text, sizeof inv_text);
        if (reason >= 0 && invalidity != 0)
            snprintf(detail, sizeof detail, " (reason: %s; invalid since %s)",
                     reason_name(reason), inv_text);
        else if (reason >= 0)
            snprintf(detail, sizeof detail, " (reason: %s)", reason_name(reason));
        else if (invalidity != 0)
            snprintf(detail, sizeof detail, " (invalid since %s)", inv_text);
        snprintf(why, whysz, "serial %s revoked on %s%s", num, date_text, detail);
        return 1;
    }
    return 0;
}

/* The most telling reason why no CRL was usable: a higher rank went
 * further through the checks. */
enum { RANK_SKIPPED = 1, RANK_DELTA = 2, RANK_SIGNATURE = 3, RANK_UNUSABLE = 4, RANK_TIME = 5 };

struct outcome {
    int rank;
    char text[160];
};

static void note(struct outcome *o, int rank, const char *fmt, ...) HXC__PRINTF(3, 4);

static void note(struct outcome *o, int rank, const char *fmt, ...)
{
    if (rank <= o->rank)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->text, sizeof o->text, fmt, ap);
    va_end(ap);
    o->rank = rank;
}

/* 1 when c is usable for sc at now; otherwise notes why not. */
static int usable(const struct crl *c, const struct subject *sc, const br_x509_pkey *key,
                  int64_t now, const char *name, struct outcome *o)
{
    char t[32];
    const char *scope;
    if (c->delta) {
        note(o, RANK_DELTA, "delta CRLs are not supported");
        return 0;
    }
    if ((scope = out_of_scope(c, sc)) != NULL) {
        note(o, RANK_SKIPPED, "%s", scope);
        return 0;
    }
    if (c->sig.weak != NULL) {
        note(o, RANK_SIGNATURE, "CRL from %s is signed with %s, which is refused", name,
             c->sig.weak);
        return 0;
    }
    if (c->sig.key_type == 0) {
        note(o, RANK_SIGNATURE, "CRL from %s has an unsupported signature algorithm %s", name,
             c->sig.alg);
        return 0;
    }
    if (key == NULL || !hxc__sig_verify(&c->sig, c->tbs.tlv, c->tbs.tlv_len, key)) {
        note(o, RANK_SIGNATURE, "CRL from %s: signature does not verify with the issuer's key",
             name);
        return 0;
    }
    if (c->unusable[0] != '\0') {
        note(o, RANK_UNUSABLE, "CRL from %s %s", name, c->unusable);
        return 0;
    }
    if (now < c->this_update) {
        hxc__der_format_time(c->this_update, t, sizeof t);
        note(o, RANK_TIME, "CRL from %s not yet valid until %s", name, t);
        return 0;
    }
    if (c->has_next_update && now > c->next_update) {
        hxc__der_format_time(c->next_update, t, sizeof t);
        note(o, RANK_TIME, "CRL from %s expired %s", name, t);
        return 0;
    }
    return 1;
}

hxc_status hxc__crl_check(const struct hxc__crl_set *s, const unsigned char *cert,
                          size_t cert_len, const struct der_item *issuer_name,
                          const br_x509_pkey *issuer_key, int64_t now, char *why, size_t whysz)
{
    struct subject sc;
    struct outcome o = {0, ""};
    char name[72];
    size_t same_issuer = 0, ok = 0;
    if (whysz > 0)
        why[0] = '\0';
    if (cert == NULL || parse_subject(cert, cert_len, &sc) != 0) {
        snprintf(why, whysz, "malformed certificate");
        return HXC_E_CERT_MALFORMED;
    }
    hxc__der_format_short_name(issuer_name->tlv, issuer_name->tlv_len, name, sizeof name);
    for (size_t i = 0; s != NULL && i < s->n; i++) {
        const struct crl *c = &s->v[i];
        if (c->issuer.tlv_len != issuer_name->tlv_len ||
            memcmp(c->issuer.tlv, issuer_name->tlv, c->issuer.tlv_len) != 0)
            continue;
        same_issuer++;
        if (!usable(c, &sc, issuer_key, now, name, &o))
            continue;
        ok++;
        if (lookup(c, &sc, why, whysz))
            return HXC_E_CERT_REVOKED;
    }
    if (ok > 0)
        return HXC_OK;
    if (same_issuer == 0)
        snprintf(why, whysz, "no CRL from issuer %s", name);
    else if (o.rank == RANK_SKIPPED)
        snprintf(why, whysz, "no CRL from issuer %s covers the certificate: %s", name, o.text);
    else if (o.rank == RANK_DELTA)
        snprintf(why, whysz, "no usable CRL from issuer %s: %s", name, o.text);
    else
        snprintf(why, whysz, "%s", o.text);
    return HXC_E_CERT_CRL;
}
