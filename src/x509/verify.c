/*
 * The certificate verification policy (DESIGN.md, "Certificate verification
 * policy"), built on BearSSL primitives: br_x509_decoder for public keys,
 * BearSSL's hashes over the TBSCertificate, br_rsa_pkcs1_vrfy and
 * br_ecdsa_vrfy_asn1 for signatures; the certificate fields and extensions
 * are read with our DER reader (x509/der.h).
 *
 * Path building (RFC 4158 in spirit): chain[0] is the leaf; every other
 * certificate sent (any order, duplicates and strangers allowed) is a
 * candidate issuer. From the leaf we look for issuers whose subject equals
 * the issuer name (and whose subjectKeyIdentifier matches the
 * authorityKeyIdentifier, when both are present), anchors of the trust store
 * first, depth-first with backtracking. A certificate whose subject and key
 * equal an anchor's is replaced by that anchor (also when the server sends
 * the root itself), so the anchor's own validity, basic constraints and name
 * constraints apply. When no path works, the most meaningful failure wins:
 * a policy failure on a correctly signed path, then a bad signature, then
 * "no trusted root"; deeper failures before shallower ones.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "x509/crl.h"
#include "x509/der.h"
#include "x509/psl.h"
#include "x509/verify.h"
#include "x509/x509.h"

#define MAX_PATH 10       /* default: certificates in a path, leaf and anchor included */
#define MAX_PATH_LIMIT 32 /* the most hxc__trust_store_set_max_depth allows */
#define MAX_CHAIN 32      /* certificates considered from what was sent */
#define MAX_SIG_CHECKS 64 /* bound on the work of path building */
#define MIN_RSA_BITS 2048
#define MAX_SANS 2048     /* subjectAltName entries per certificate */
#define MAX_NC_WORK 250000 /* name-constraint comparisons per verification */

/* ------------------------------------------------------------ certificates */

struct cert {
    const unsigned char *der;
    size_t der_len;
    struct der_item tbs, issuer, subject, spki;
    int64_t not_before, not_after;
    struct hxc__sig sig;
    /* public key (copied from BearSSL's decoder) */
    int key_err;             /* BearSSL decoder error, 0 when the key is usable */
    br_x509_pkey pkey;
    unsigned char key_buf[BR_X509_BUFSIZE_KEY];
    unsigned key_bits;
    struct der_item serial;  /* INTEGER contents */
    /* extensions */
    uint64_t critical;       /* bit EXT_x: that extension is marked critical */
    int has_bc, ca;
    long pathlen;            /* -1: none */
    int has_ku;
    unsigned char ku0;       /* first byte of the keyUsage bits */
    int has_eku, eku_server, eku_any;
    int has_san, has_nc, has_ski, has_aki;
    struct der_item san, nc, ski, aki_keyid;
    int has_aki_keyid;
    int has_pc, has_inhibit_any, has_aia;
    long require_explicit;   /* policyConstraints requireExplicitPolicy; -1: none */
    const char *bad_aia;     /* why authorityInfoAccess does not parse */
    char unknown_critical[64];
    int self_issued;
    int anchor;              /* from the trust store */
};

#define CRITICAL(c, ext) (((c)->critical >> (ext)) & 1)

static const unsigned char OID_EKU_SERVER[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const unsigned char OID_EKU_ANY[] = {0x55, 0x1d, 0x25, 0x00};
static const unsigned char OID_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};

/* id-ce extensions: 2.5.29.N */
enum {
    EXT_SKI = 14, EXT_KU = 15, EXT_SAN = 17, EXT_BC = 19, EXT_NC = 30, EXT_POLICIES = 32,
    EXT_POLICY_MAPPINGS = 33, EXT_AKI = 35, EXT_POLICY_CONSTRAINTS = 36, EXT_EKU = 37,
    EXT_INHIBIT_ANY = 54
};

static const char *parse_bc(struct cert *c, const struct der_item *v)
{
    struct der_reader r;
    struct der_item seq, it;
    hxc__der_init(&r, v->val, v->len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0 || !hxc__der_at_end(&r))
        return "malformed basicConstraints";
    hxc__der_enter(&r, &seq);
    int rc = hxc__der_optional(&r, DER_BOOLEAN, &it);
    if (rc < 0 || (rc == 1 && it.len != 1))
        return "malformed basicConstraints";
    c->ca = rc == 1 && it.val[0] != 0;
    rc = hxc__der_optional(&r, DER_INTEGER, &it);
    if (rc < 0 || (rc == 1 && (it.len == 0 || it.len > 4 || (it.val[0] & 0x80))))
        return "malformed basicConstraints path length";
    if (rc == 1) {
        c->pathlen = 0;
        for (size_t i = 0; i < it.len; i++)
            c->pathlen = (c->pathlen << 8) | it.val[i];
    }
    return hxc__der_at_end(&r) ? NULL : "malformed basicConstraints";
}

static const char *parse_ku(struct cert *c, const struct der_item *v)
{
    struct der_reader r;
    struct der_item bits;
    hxc__der_init(&r, v->val, v->len);
    if (hxc__der_expect(&r, DER_BIT_STRING, &bits) != 0 || bits.len < 1 || bits.val[0] > 7)
        return "malformed keyUsage";
    c->ku0 = bits.len > 1 ? bits.val[1] : 0;
    return NULL;
}

static const char *parse_eku(struct cert *c, const struct der_item *v)
{
    struct der_reader r;
    struct der_item seq, oid;
    int rc;
    hxc__der_init(&r, v->val, v->len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0)
        return "malformed extendedKeyUsage";
    hxc__der_enter(&r, &seq);
    while ((rc = hxc__der_next(&r, &oid)) == 1) {
        if (oid.tag != DER_OID)
            return "malformed extendedKeyUsage";
        if (hxc__der_oid_is(&oid, OID_EKU_SERVER, sizeof OID_EKU_SERVER))
            c->eku_server = 1;
        else if (hxc__der_oid_is(&oid, OID_EKU_ANY, sizeof OID_EKU_ANY))
            c->eku_any = 1;
    }
    return rc < 0 ? "malformed extendedKeyUsage" : NULL;
}

static const char *parse_aki(struct cert *c, const struct der_item *v)
{
    struct der_reader r;
    struct der_item seq;
    hxc__der_init(&r, v->val, v->len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0)
        return "malformed authorityKeyIdentifier";
    hxc__der_enter(&r, &seq);
    /* { keyIdentifier [0], authorityCertIssuer [1] GeneralNames,
     *   authorityCertSerialNumber [2] } (RFC 5280 4.2.1.1), all optional */
    struct der_item issuer, serial;
    int rc = hxc__der_optional(&r, DER_CTX(0), &c->aki_keyid);
    int rc1 = rc < 0 ? -1 : hxc__der_optional(&r, DER_CTX_CONS(1), &issuer);
    int rc2 = rc1 < 0 ? -1 : hxc__der_optional(&r, DER_CTX(2), &serial);
    if (rc < 0 || rc1 < 0 || rc2 < 0 || !hxc__der_at_end(&r) || rc1 != rc2 ||
        (rc == 1 && c->aki_keyid.len == 0))
        return "malformed authorityKeyIdentifier";
    c->has_aki_keyid = rc == 1;
    return NULL;
}

/* AuthorityInfoAccessSyntax (RFC 5280 4.2.2.1): SEQUENCE SIZE (1..MAX) OF
 * SEQUENCE { accessMethod OID, accessLocation GeneralName }. */
static const char *parse_aia(const struct der_item *v)
{
    struct der_reader r, rs, ra;
    struct der_item seq, ad, it;
    int rc, n = 0;
    hxc__der_init(&r, v->val, v->len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0 || !hxc__der_at_end(&r))
        return "not a SEQUENCE";
    hxc__der_enter(&rs, &seq);
    while ((rc = hxc__der_next(&rs, &ad)) == 1) {
        n++;
        hxc__der_enter(&ra, &ad);
        if (ad.tag != DER_SEQUENCE || hxc__der_expect(&ra, DER_OID, &it) != 0)
            return "an access description without a method";
        if (hxc__der_next(&ra, &it) != 1 || (it.tag & 0xc0) != 0x80 || !hxc__der_at_end(&ra))
            return "an access location that is not one GeneralName";
    }
    if (rc < 0)
        return "malformed DER";
    return n == 0 ? "no access description" : NULL;
}

/* PolicyConstraints (4.2.1.11): at least one of [0] requireExplicitPolicy
 * and [1] inhibitPolicyMapping, each a SkipCerts INTEGER. */
static const char *parse_pc(struct cert *c, const struct der_item *v)
{
    struct der_reader r;
    struct der_item seq, it;
    hxc__der_init(&r, v->val, v->len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0 || !hxc__der_at_end(&r) || seq.len == 0)
        return "malformed policyConstraints";
    hxc__der_enter(&r, &seq);
    int rc = hxc__der_optional(&r, DER_CTX(0), &it);
    if (rc < 0 || (rc == 1 && (it.len == 0 || it.len > 2 || (it.val[0] & 0x80))))
        return "malformed policyConstraints";
    if (rc == 1)
        c->require_explicit = it.len == 1 ? it.val[0] : (it.val[0] << 8) | it.val[1];
    rc = hxc__der_optional(&r, DER_CTX(1), &it);
    if (rc < 0 || (rc == 1 && it.len == 0) || !hxc__der_at_end(&r))
        return "malformed policyConstraints";
    return NULL;
}

/* The single element inside an extension's OCTET STRING. */
static int only_child(const struct der_item *octets, unsigned tag, struct der_item *out)
{
    struct der_reader r;
    hxc__der_enter(&r, octets);
    if (hxc__der_expect(&r, tag, out) != 0 || !hxc__der_at_end(&r))
        return -1;
    return 0;
}

/* Sets *flag, refusing a second instance of the same extension. */
static const char *once(int *flag)
{
    if (*flag)
        return "duplicate extension";
    *flag = 1;
    return NULL;
}

static const char *parse_extension(struct cert *c, const struct der_item *ext)
{
    struct der_reader r;
    struct der_item oid, crit, val;
    hxc__der_enter(&r, ext);
    if (hxc__der_expect(&r, DER_OID, &oid) != 0)
        return "malformed extension";
    int rc = hxc__der_optional(&r, DER_BOOLEAN, &crit);
    if (rc < 0 || (rc == 1 && crit.len != 1))
        return "malformed extension";
    int critical = rc == 1 && crit.val[0] != 0;
    if (hxc__der_expect(&r, DER_OCTET_STRING, &val) != 0 || !hxc__der_at_end(&r))
        return "malformed extension";
    const char *e = NULL;
    int known = oid.len == 3 && oid.val[0] == 0x55 && oid.val[1] == 0x1d && oid.val[2] < 64;
    if (known && critical)
        c->critical |= (uint64_t)1 << oid.val[2];
    if (hxc__der_oid_is(&oid, OID_AIA, sizeof OID_AIA)) {
        if ((e = once(&c->has_aia)) == NULL)
            c->bad_aia = parse_aia(&val);
        return e;
    }
    switch (known ? oid.val[2] : 0) {
    case EXT_BC:
        if ((e = once(&c->has_bc)) == NULL)
            e = parse_bc(c, &val);
        break;
    case EXT_KU:
        if ((e = once(&c->has_ku)) == NULL)
            e = parse_ku(c, &val);
        break;
    case EXT_EKU:
        if ((e = once(&c->has_eku)) == NULL)
            e = parse_eku(c, &val);
        break;
    case EXT_SAN:
        if ((e = once(&c->has_san)) == NULL && only_child(&val, DER_SEQUENCE, &c->san) != 0)
            e = "malformed subjectAltName";
        break;
    case EXT_NC:
        if ((e = once(&c->has_nc)) == NULL && only_child(&val, DER_SEQUENCE, &c->nc) != 0)
            e = "malformed nameConstraints";
        break;
    case EXT_SKI:
        if ((e = once(&c->has_ski)) == NULL && only_child(&val, DER_OCTET_STRING, &c->ski) != 0)
            e = "malformed subjectKeyIdentifier";
        break;
    case EXT_AKI:
        if ((e = once(&c->has_aki)) == NULL)
            e = parse_aki(c, &val);
        break;
    case EXT_POLICY_CONSTRAINTS:
        if ((e = once(&c->has_pc)) == NULL)
            e = parse_pc(c, &val);
        break;
    case EXT_INHIBIT_ANY:
        if ((e = once(&c->has_inhibit_any)) == NULL && only_child(&val, DER_INTEGER, &val) != 0)
            e = "malformed inhibitAnyPolicy";
        break;
    case EXT_POLICIES:
    case EXT_POLICY_MAPPINGS:
        break; /* no policy OIDs are required by hxc (see check_policy) */
    default:
        if (critical && c->unknown_critical[0] == '\0')
            hxc__der_oid_text(oid.val, oid.len, c->unknown_critical, sizeof c->unknown_critical);
    }
    return e;
}

static const char *parse_extensions(struct cert *c, const struct der_item *wrapper)
{
    struct der_reader r;
    struct der_item seq, ext;
    int rc;
    hxc__der_enter(&r, wrapper);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0 || !hxc__der_at_end(&r))
        return "malformed extensions";
    hxc__der_enter(&r, &seq);
    while ((rc = hxc__der_next(&r, &ext)) == 1) {
        if (ext.tag != DER_SEQUENCE)
            return "malformed extension";
        const char *e = parse_extension(c, &ext);
        if (e != NULL)
            return e;
    }
    return rc < 0 ? "malformed extensions" : NULL;
}

static unsigned rsa_bits(const br_rsa_public_key *k)
{
    size_t i = 0;
    while (i < k->nlen && k->n[i] == 0)
        i++;
    if (i == k->nlen)
        return 0;
    unsigned bits = (unsigned)(k->nlen - i - 1) * 8;
    for (unsigned char top = k->n[i]; top; top >>= 1)
        bits++;
    return bits;
}

/* The key, through BearSSL's decoder (the same one the TLS engine uses). */
static void decode_key(struct cert *c)
{
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, c->der, c->der_len);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    c->key_err = br_x509_decoder_last_error(&dc);
    if (pk == NULL) {
        if (c->key_err == 0)
            c->key_err = BR_ERR_X509_UNSUPPORTED;
        return;
    }
    c->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA && pk->key.rsa.nlen + pk->key.rsa.elen <= sizeof c->key_buf) {
        br_rsa_public_key *k = &c->pkey.key.rsa;
        memcpy(c->key_buf, pk->key.rsa.n, pk->key.rsa.nlen);
        memcpy(c->key_buf + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
        k->n = c->key_buf;
        k->nlen = pk->key.rsa.nlen;
        k->e = c->key_buf + k->nlen;
        k->elen = pk->key.rsa.elen;
        c->key_bits = rsa_bits(k);
    } else if (pk->key_type == BR_KEYTYPE_EC && pk->key.ec.qlen <= sizeof c->key_buf) {
        br_ec_public_key *k = &c->pkey.key.ec;
        memcpy(c->key_buf, pk->key.ec.q, pk->key.ec.qlen);
        k->curve = pk->key.ec.curve;
        k->q = c->key_buf;
        k->qlen = pk->key.ec.qlen;
    } else {
        c->key_err = BR_ERR_X509_UNSUPPORTED;
    }
}

static const char *parse_validity(struct cert *c, const struct der_item *validity)
{
    struct der_reader r;
    struct der_item t;
    hxc__der_enter(&r, validity);
    if (hxc__der_next(&r, &t) != 1 || hxc__der_time(&t, &c->not_before) != 0)
        return "malformed notBefore time";
    if (hxc__der_next(&r, &t) != 1 || hxc__der_time(&t, &c->not_after) != 0)
        return "malformed notAfter time";
    return NULL;
}

/* Parses a DER certificate: NULL on success, or why it is malformed. */
static const char *cert_parse(struct cert *c, const unsigned char *der, size_t len)
{
    struct der_reader r, tr;
    struct der_item cert, alg, sigval, it, inner_alg, validity;
    memset(c, 0, sizeof *c);
    c->der = der;
    c->der_len = len;
    c->pathlen = -1;
    c->require_explicit = -1;
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &cert) != 0 || !hxc__der_at_end(&r))
        return "not a DER certificate";
    hxc__der_enter(&r, &cert);
    if (hxc__der_expect(&r, DER_SEQUENCE, &c->tbs) != 0 ||
        hxc__der_expect(&r, DER_SEQUENCE, &alg) != 0 ||
        hxc__der_expect(&r, DER_BIT_STRING, &sigval) != 0 || !hxc__der_at_end(&r))
        return "not a DER certificate";
    const char *e = hxc__sig_parse(&c->sig, &alg, &sigval);
    if (e != NULL)
        return e;

    hxc__der_enter(&tr, &c->tbs);
    if (hxc__der_optional(&tr, DER_CTX_CONS(0), &it) < 0 ||
        hxc__der_expect(&tr, DER_INTEGER, &c->serial) != 0 || c->serial.len == 0)
        return "malformed version or serial number";
    if (hxc__der_expect(&tr, DER_SEQUENCE, &inner_alg) != 0 || inner_alg.tlv_len != alg.tlv_len ||
        memcmp(inner_alg.tlv, alg.tlv, alg.tlv_len) != 0)
        return "signature algorithm differs inside and outside the signed part";
    if (hxc__der_expect(&tr, DER_SEQUENCE, &c->issuer) != 0 ||
        hxc__der_expect(&tr, DER_SEQUENCE, &validity) != 0 ||
        hxc__der_expect(&tr, DER_SEQUENCE, &c->subject) != 0 ||
        hxc__der_expect(&tr, DER_SEQUENCE, &c->spki) != 0)
        return "malformed names or key";
    e = parse_validity(c, &validity);
    if (e != NULL)
        return e;
    if (hxc__der_optional(&tr, DER_CTX(1), &it) < 0 || hxc__der_optional(&tr, DER_CTX(2), &it) < 0)
        return "malformed unique identifiers";
    int rc = hxc__der_optional(&tr, DER_CTX_CONS(3), &it);
    if (rc < 0)
        return "malformed extensions";
    if (rc == 1 && (e = parse_extensions(c, &it)) != NULL)
        return e;
    if (!hxc__der_at_end(&tr))
        return "unexpected data after the extensions";
    c->self_issued = c->issuer.tlv_len == c->subject.tlv_len &&
                     memcmp(c->issuer.tlv, c->subject.tlv, c->issuer.tlv_len) == 0;
    decode_key(c);
    return NULL;
}

/* ------------------------------------------------------------ host names */

const char *hxc__host_parse(const char *host, struct hxc__host *out)
{
    memset(out, 0, sizeof *out);
    if (host == NULL || host[0] == '\0')
        return "empty host name";
    size_t len = strlen(host);
    if (len >= sizeof out->name)
        return "host name longer than 253 characters";
    if (host[0] == '[' && host[len - 1] == ']') {
        memcpy(out->name, host + 1, len - 2);
        if (inet_pton(AF_INET6, out->name, out->addr) != 1)
            return "malformed IPv6 address";
        out->kind = HXC_HOST_IPV6;
        out->addr_len = 16;
        return NULL;
    }
    memcpy(out->name, host, len + 1);
    if (inet_pton(AF_INET, host, out->addr) == 1) {
        out->kind = HXC_HOST_IPV4;
        out->addr_len = 4;
        return NULL;
    }
    if (strchr(host, ':') != NULL) {
        if (inet_pton(AF_INET6, host, out->addr) != 1)
            return "malformed IPv6 address";
        out->kind = HXC_HOST_IPV6;
        out->addr_len = 16;
        return NULL;
    }
    out->kind = HXC_HOST_DNS;
    if (out->name[len - 1] == '.')
        out->name[--len] = '\0';
    if (len == 0)
        return "empty host name";
    if (len > 253)
        return "host name longer than 253 characters";
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = (unsigned char)out->name[i];
        if (ch == '.' || ch == '\0') {
            if (label == 0)
                return "empty label in host name";
            if (label > 63)
                return "label longer than 63 characters in host name";
            label = 0;
            continue;
        }
        label++;
        if (ch >= 'A' && ch <= 'Z')
            out->name[i] = (char)(ch - 'A' + 'a');
        else if (ch >= 0x80)
            return "non-ASCII host name (use its xn-- form)";
        else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return "invalid character in host name";
    }
    return NULL;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* A name of DNS labels: no empty label, no NUL, no '*'. */
static int plain_dns(const char *p, size_t n)
{
    if (n == 0 || p[0] == '.' || p[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\0' || p[i] == '*' || (p[i] == '.' && p[i + 1] == '.'))
            return 0;
    return 1;
}

int hxc__dns_san_matches(const char *pattern, size_t len, const char *host)
{
    if (len > 0 && pattern[len - 1] == '.')
        len--;
    size_t hlen = strlen(host);
    if (len >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        /* RFC 6125 6.4.3, restricted: the whole left-most label only. */
        const char *rest = pattern + 2;
        size_t rlen = len - 2;
        if (!plain_dns(rest, rlen) || hxc__psl_is_public_suffix(rest, rlen))
            return 0; /* "*.com", "*.co.uk": never directly under a public suffix */
        const char *dot = strchr(host, '.');
        if (dot == NULL || dot == host)
            return 0;
        size_t tail = hlen - (size_t)(dot + 1 - host);
        return tail == rlen && ieq(dot + 1, rest, rlen);
    }
    if (!plain_dns(pattern, len))
        return 0;
    return hlen == len && ieq(pattern, host, len);
}

int hxc__dns_in_subtree(const char *name, size_t name_len, const char *base, size_t base_len)
{
    if (base_len == 0)
        return 1;
    if (name_len > 0 && name[name_len - 1] == '.')
        name_len--;
    if (base_len > 1 && base[base_len - 1] == '.')
        base_len--;
    if (base[0] == '.') /* ".example.com": subdomains only */
        return name_len > base_len && ieq(name + name_len - base_len, base, base_len);
    if (name_len == base_len)
        return ieq(name, base, base_len);
    return name_len > base_len && name[name_len - base_len - 1] == '.' &&
           ieq(name + name_len - base_len, base, base_len);
}

int hxc__ip_in_subtree(const unsigned char *addr, size_t addr_len, const unsigned char *c,
                       size_t c_len)
{
    if ((addr_len != 4 && addr_len != 16) || c_len != 2 * addr_len)
        return 0;
    for (size_t i = 0; i < addr_len; i++)
        if ((addr[i] & c[addr_len + i]) != (c[i] & c[addr_len + i]))
            return 0;
    return 1;
}

/* ------------------------------------------------------------ context */

struct vctx {
    const struct hxc__trust_store *ts;
    struct cert *chain;      /* parsed certificates sent; [0] is the leaf */
    int *usable;             /* 0: unparsable or duplicate */
    size_t n;
    int64_t now;
    const struct cert *path[MAX_PATH_LIMIT];
    size_t max_path;         /* certificates in a path at most */
    int in_path[MAX_CHAIN];
    unsigned sig_checks;
    unsigned long nc_work;   /* name-constraint comparisons so far */
    int limit_hit;           /* a work limit stopped the search */
    /* the most meaningful failure so far */
    int best_score;
    hxc_status best_code;
    char best[256];
};

enum { RANK_UNTRUSTED = 1, RANK_SIGNATURE = 2, RANK_POLICY = 3, RANK_LIMIT = 4 };

static void where(const struct cert *c, size_t depth, char *out, size_t outsz)
{
    char name[128];
    hxc__der_format_short_name(c->subject.tlv, c->subject.tlv_len, name, sizeof name);
    snprintf(out, outsz, "depth %zu, %s", depth, name);
}

/* Records a failure message if its score beats the best one so far. */
static void record(struct vctx *v, int rank, hxc_status code, size_t depth, const char *msg)
{
    int score = rank * 100 + (int)depth;
    if (score <= v->best_score)
        return;
    size_t n = strlen(msg);
    if (n >= sizeof v->best)
        n = sizeof v->best - 1;
    memcpy(v->best, msg, n);
    v->best[n] = '\0';
    v->best_score = score;
    v->best_code = code;
}

/* Records "<reason> (depth N, CN=...)". */
HXC__PRINTF(6, 7)
static void fail(struct vctx *v, int rank, hxc_status code, const struct cert *c, size_t depth,
                 const char *fmt, ...)
{
    char reason[200], w[160], msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    where(c, depth, w, sizeof w);
    snprintf(msg, sizeof msg, "%s (%s)", reason, w);
    record(v, rank, code, depth, msg);
}

/* ------------------------------------------------------------ checks */

static int check_validity(struct vctx *v, const struct cert *c, size_t depth)
{
    char date[32];
    if (v->now < c->not_before) {
        hxc__der_format_date(c->not_before, date, sizeof date);
        fail(v, RANK_POLICY, HXC_E_CERT_NOT_YET_VALID, c, depth,
             "certificate not yet valid until %s", date);
        return 0;
    }
    if (v->now > c->not_after) {
        hxc__der_format_date(c->not_after, date, sizeof date);
        fail(v, RANK_POLICY, HXC_E_CERT_EXPIRED, c, depth, "certificate expired %s", date);
        return 0;
    }
    return 1;
}

/* GeneralName tags (RFC 5280 4.2.1.6). */
enum {
    GN_OTHER = 0xa0, GN_EMAIL = 0x81, GN_DNS = 0x82, GN_X400 = 0xa3, GN_DIRNAME = 0xa4,
    GN_EDI = 0xa5, GN_URI = 0x86, GN_IP = 0x87, GN_RID = 0x88
};

static void name_text(unsigned type, const struct der_item *name, char *out, size_t outsz)
{
    char addr[INET6_ADDRSTRLEN];
    switch (type) {
    case GN_DNS:
        snprintf(out, outsz, "DNS name %.*s", (int)(name->len > 100 ? 100 : name->len),
                 (const char *)name->val);
        return;
    case GN_EMAIL:
        snprintf(out, outsz, "email %.*s", (int)(name->len > 100 ? 100 : name->len),
                 (const char *)name->val);
        return;
    case GN_IP:
        if (inet_ntop(name->len == 4 ? AF_INET : AF_INET6, name->val, addr, sizeof addr) &&
            (name->len == 4 || name->len == 16))
            snprintf(out, outsz, "IP address %s", addr);
        else
            snprintf(out, outsz, "malformed IP address");
        return;
    default: {
        char dn[120];
        hxc__der_format_name(name->tlv, name->tlv_len, dn, sizeof dn);
        snprintf(out, outsz, "subject %s", dn);
    }
    }
}

static int subject_is_empty(const struct cert *c)
{
    return c->subject.len == 0;
}

/* Why BearSSL's decoder refused the key, from the SubjectPublicKeyInfo's
 * algorithm (and the curve of an EC key). */
static void key_refusal(const struct cert *c, char *out, size_t outsz)
{
    static const unsigned char OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
    struct der_reader r, ra;
    struct der_item alg, oid, param;
    char text[64];
    hxc__der_enter(&r, &c->spki);
    if (hxc__der_expect(&r, DER_SEQUENCE, &alg) != 0) {
        snprintf(out, outsz, "malformed public key");
        return;
    }
    hxc__der_enter(&ra, &alg);
    if (hxc__der_expect(&ra, DER_OID, &oid) != 0) {
        snprintf(out, outsz, "malformed public key algorithm");
        return;
    }
    if (hxc__der_oid_is(&oid, OID_EC, sizeof OID_EC) && hxc__der_next(&ra, &param) == 1 &&
        param.tag == DER_OID) {
        hxc__der_oid_text(param.val, param.len, text, sizeof text);
        snprintf(out, outsz, "elliptic curve %s is not P-256, P-384 or P-521", text);
        return;
    }
    hxc__der_oid_text(oid.val, oid.len, text, sizeof text);
    snprintf(out, outsz, "unsupported public key type %s (BearSSL error %d)", text, c->key_err);
}

/* 1 when the RSA exponent is odd, at least 3 and at most 2^32 - 1: larger
 * ones are legal but let a chain cost a full modular exponentiation per
 * signature (the DER-chain fuzzer's slow input). */
static int rsa_exponent_ok(const br_rsa_public_key *k)
{
    size_t i = 0;
    while (i < k->elen && k->e[i] == 0)
        i++;
    if (i == k->elen || k->elen - i > 4 || !(k->e[k->elen - 1] & 1))
        return 0;
    return k->elen - i > 1 || k->e[i] >= 3;
}

static int check_key(struct vctx *v, const struct cert *c, size_t depth)
{
    if (c->key_err != 0) {
        char why[120];
        key_refusal(c, why, sizeof why);
        fail(v, RANK_POLICY, HXC_E_CERT_UNSUPPORTED, c, depth, "%s", why);
        return 0;
    }
    if (c->pkey.key_type == BR_KEYTYPE_RSA && !rsa_exponent_ok(&c->pkey.key.rsa)) {
        fail(v, RANK_POLICY, HXC_E_CERT_UNSUPPORTED, c, depth,
             "RSA public exponent not accepted (odd, from 3 to 2^32-1; Baseline Requirements "
             "6.1.6)");
        return 0;
    }
    if (c->pkey.key_type == BR_KEYTYPE_RSA && c->key_bits < MIN_RSA_BITS) {
        fail(v, RANK_POLICY, HXC_E_CERT_WEAK_KEY, c, depth,
             "RSA key of %u bits is too small, at least %d are required", c->key_bits,
             MIN_RSA_BITS);
        return 0;
    }
    if (c->pkey.key_type == BR_KEYTYPE_RSA && c->key_bits % 8 != 0) {
        fail(v, RANK_POLICY, HXC_E_CERT_WEAK_KEY, c, depth,
             "RSA modulus of %u bits is not a whole number of bytes (Baseline Requirements "
             "6.1.5)", c->key_bits);
        return 0;
    }
    if (c->pkey.key_type != BR_KEYTYPE_EC)
        return 1;
    int curve = c->pkey.key.ec.curve;
    if (curve != BR_EC_secp256r1 && curve != BR_EC_secp384r1 && curve != BR_EC_secp521r1) {
        fail(v, RANK_POLICY, HXC_E_CERT_UNSUPPORTED, c, depth,
             "elliptic curve %d is not P-256, P-384 or P-521", curve);
        return 0;
    }
    return 1;
}

/* ---- the RFC 5280 / Baseline Requirements profile */

/* Why the DNS name (a SAN or a name constraint) is not in preferred name
 * syntax (RFC 1034 3.5 with RFC 1123's leading digits), or NULL. A
 * wildcard is allowed only as the whole left-most label of a SAN. */
static const char *dns_syntax(const unsigned char *p, size_t n, int wildcard_ok)
{
    if (n == 0)
        return "empty name";
    if (n > 253)
        return "longer than 253 characters";
    if (p[0] == '.')
        return "starts with a dot";
    if (p[n - 1] == '.')
        return "ends with a dot";
    size_t i = 0;
    if (wildcard_ok && n > 2 && p[0] == '*' && p[1] == '.')
        i = 2;
    for (size_t label = i; i <= n; i++) {
        if (i < n && p[i] != '.') {
            unsigned char ch = p[i];
            if (ch == '*')
                return "wildcard that is not the whole left-most label";
            if (ch == '_')
                return "underscore";
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-'))
                return "invalid character";
            continue;
        }
        if (i == label)
            return "empty label";
        if (i - label > 63)
            return "label longer than 63 characters";
        if (p[label] == '-' || p[i - 1] == '-')
            return "label starting or ending with a hyphen";
        label = i + 1;
    }
    return NULL;
}

static int positive_nonzero(const struct der_item *i)
{
    if (i->val[0] & 0x80)
        return 0;
    for (size_t k = 0; k < i->len; k++)
        if (i->val[k] != 0)
            return 1;
    return 0;
}

/* The serial number (RFC 5280 4.1.2.2); anchors are exempt (six certifi
 * roots have serial 0). */
static int check_serial(struct vctx *v, const struct cert *c, size_t depth)
{
    size_t len = c->serial.len - (c->serial.val[0] == 0 && c->serial.len > 1);
    const char *why = NULL;
    if (!positive_nonzero(&c->serial))
        why = "serial number is zero or negative";
    else if (len > 20)
        why = "serial number longer than 20 octets";
    if (why == NULL || c->anchor)
        return 1;
    fail(v, RANK_POLICY, HXC_E_CERT_PROFILE, c, depth, "%s (RFC 5280 4.1.2.2)", why);
    return 0;
}

/* Every entry of the subjectAltName: a known form and a valid value
 * (RFC 5280 4.2.1.6), at most MAX_SANS of them. */
static int check_san_values(struct vctx *v, const struct cert *c, size_t depth)
{
    struct der_reader r;
    struct der_item gn;
    size_t count = 0;
    int rc;
    hxc__der_enter(&r, &c->san);
    while ((rc = hxc__der_next(&r, &gn)) == 1) {
        const char *why = NULL;
        if (++count > MAX_SANS) {
            fail(v, RANK_LIMIT, HXC_E_CERT_LIMIT, c, depth,
                 "more than %d subjectAltName entries", MAX_SANS);
            return 0;
        }
        if (gn.tag == GN_DNS)
            why = dns_syntax(gn.val, gn.len, 1);
        else if (gn.tag == GN_IP && gn.len != 4 && gn.len != 16)
            why = "an IP address that is neither 4 nor 16 bytes";
        else if (gn.tag == GN_EMAIL) {
            const unsigned char *at = memchr(gn.val, '@', gn.len);
            if (at == NULL || at == gn.val)
                why = "an email address without a local part and '@'";
            else
                why = dns_syntax(at + 1, gn.len - (size_t)(at + 1 - gn.val), 0);
        }
        if (why != NULL) {
            char what[140];
            name_text(gn.tag, &gn, what, sizeof what);
            fail(v, RANK_POLICY, HXC_E_CERT_PROFILE, c, depth,
                 "invalid subjectAltName %s: %s", what, why);
            return 0;
        }
    }
    if (rc < 0 || count == 0) {
        fail(v, RANK_POLICY, HXC_E_CERT_MALFORMED, c, depth, "malformed subjectAltName");
        return 0;
    }
    return 1;
}

/* Rules on every certificate of a path, the anchor included (with the
 * exemptions RFC 5280 gives trust anchors). */
static int check_profile(struct vctx *v, const struct cert *c, size_t depth)
{
    const char *why = NULL;
    int is_ca = c->has_bc && c->ca;
    if (!check_serial(v, c, depth))
        return 0;
    if (c->bad_aia != NULL) {
        fail(v, RANK_POLICY, HXC_E_CERT_MALFORMED, c, depth,
             "authorityInfoAccess does not parse: %s", c->bad_aia);
        return 0;
    }
    if (!c->anchor && !c->self_issued && !c->has_aki)
        why = "authorityKeyIdentifier missing (RFC 5280 4.2.1.1)";
    else if (!c->anchor && !c->self_issued && !c->has_aki_keyid)
        why = "authorityKeyIdentifier without a keyIdentifier (RFC 5280 4.2.1.1)";
    else if (c->has_aki && CRITICAL(c, EXT_AKI))
        why = "authorityKeyIdentifier marked critical (RFC 5280 4.2.1.1)";
    else if (subject_is_empty(c) && !c->has_san)
        why = "empty subject and no subjectAltName (RFC 5280 4.2.1.6)";
    else if (subject_is_empty(c) && !CRITICAL(c, EXT_SAN))
        why = "subjectAltName not critical although the subject is empty (RFC 5280 4.2.1.6)";
    else if (!subject_is_empty(c) && c->has_san && CRITICAL(c, EXT_SAN))
        why = "subjectAltName critical although the subject is not empty (Baseline "
              "Requirements 7.1.2.7.12)";
    else if (c->has_nc && !is_ca)
        why = "nameConstraints in a certificate that is not a CA (RFC 5280 4.2.1.10)";
    else if (c->has_ku && (c->ku0 & 0x04) && !is_ca)
        why = "keyUsage keyCertSign without basicConstraints cA=TRUE (RFC 5280 4.2.1.3)";
    else if (c->has_pc && !CRITICAL(c, EXT_POLICY_CONSTRAINTS))
        why = "policyConstraints not marked critical (RFC 5280 4.2.1.11)";
    else if (c->has_inhibit_any && !CRITICAL(c, EXT_INHIBIT_ANY))
        why = "inhibitAnyPolicy not marked critical (RFC 5280 4.2.1.14)";
    if (why != NULL) {
        fail(v, RANK_POLICY, HXC_E_CERT_PROFILE, c, depth, "%s", why);
        return 0;
    }
    return !c->has_san || check_san_values(v, c, depth);
}

/* Checks every certificate gets at any depth, the anchor included. */
static int check_self(struct vctx *v, const struct cert *c, size_t depth)
{
    if (!check_validity(v, c, depth))
        return 0;
    if (c->unknown_critical[0] != '\0') {
        fail(v, RANK_POLICY, HXC_E_CERT_CRITICAL_EXTENSION, c, depth,
             "unknown critical extension %s", c->unknown_critical);
        return 0;
    }
    return check_key(v, c, depth) && check_profile(v, c, depth);
}

/* The signature algorithm of c, before any issuer is tried. */
static int check_sig_alg(struct vctx *v, const struct cert *c, size_t depth)
{
    if (c->sig.weak != NULL) {
        fail(v, RANK_POLICY, HXC_E_CERT_WEAK_SIGNATURE, c, depth,
             "signature uses %s, which is not accepted", c->sig.weak);
        return 0;
    }
    if (c->sig.key_type == 0) {
        fail(v, RANK_POLICY, HXC_E_CERT_UNSUPPORTED, c, depth,
             "unsupported signature algorithm %s", c->sig.alg);
        return 0;
    }
    return 1;
}

/* ---- name constraints (RFC 5280 4.2.1.10) */

static int email_in_subtree(const struct der_item *name, const struct der_item *base)
{
    const char *n = (const char *)name->val, *b = (const char *)base->val;
    if (memchr(b, '@', base->len) != NULL)
        return name->len == base->len && ieq(n, b, base->len);
    const char *at = memchr(n, '@', name->len);
    if (at == NULL)
        return 0;
    size_t dlen = name->len - (size_t)(at + 1 - n);
    if (base->len > 0 && b[0] == '.')
        return hxc__dns_in_subtree(at + 1, dlen, b, base->len);
    return dlen == base->len && ieq(at + 1, b, dlen);
}

/* 1 when the RDNs of the constraint's Name are a prefix of the name's. */
static int dirname_in_subtree(const struct der_item *name, const struct der_item *base)
{
    struct der_reader rn, rb, rc;
    struct der_item seq, bn, rdn_n, rdn_b;
    hxc__der_enter(&rc, base); /* [4] holds the Name */
    if (hxc__der_expect(&rc, DER_SEQUENCE, &bn) != 0)
        return 0;
    hxc__der_enter(&rb, &bn);
    hxc__der_init(&rn, name->tlv, name->tlv_len);
    if (hxc__der_expect(&rn, DER_SEQUENCE, &seq) != 0)
        return 0;
    hxc__der_enter(&rn, &seq);
    while (hxc__der_next(&rb, &rdn_b) == 1) {
        if (hxc__der_next(&rn, &rdn_n) != 1 || rdn_n.tlv_len != rdn_b.tlv_len ||
            memcmp(rdn_n.tlv, rdn_b.tlv, rdn_b.tlv_len) != 0)
            return 0;
    }
    return 1;
}

/* A wildcard SAN "*.R" also stands for "L.R": an exclusion of "L.R" hits it. */
static int wildcard_hits(const struct der_item *name, const struct der_item *base)
{
    const char *n = (const char *)name->val, *b = (const char *)base->val;
    if (name->len < 3 || n[0] != '*' || n[1] != '.' || base->len == 0 || b[0] == '.')
        return 0;
    const char *dot = memchr(b, '.', base->len);
    if (dot == NULL)
        return 0;
    size_t rest = base->len - (size_t)(dot + 1 - b);
    return rest == name->len - 2 && ieq(dot + 1, n + 2, rest);
}

static int name_in_subtree(unsigned type, const struct der_item *name,
                           const struct der_item *base, int excluded)
{
    switch (type) {
    case GN_DNS:
        return hxc__dns_in_subtree((const char *)name->val, name->len, (const char *)base->val,
                                   base->len) ||
               (excluded && wildcard_hits(name, base));
    case GN_IP:
        return hxc__ip_in_subtree(name->val, name->len, base->val, base->len);
    case GN_EMAIL:
        return email_in_subtree(name, base);
    case GN_DIRNAME:
        return dirname_in_subtree(name, base);
    }
    return 0;
}

/* Over the GeneralSubtrees: *has_type tells whether any base is of `type`.
 * Returns 1 when `name` lies in one of them. */
static int in_subtrees(struct vctx *v, const struct der_item *subtrees, unsigned type,
                       const struct der_item *name, int excluded, int *has_type)
{
    struct der_reader r, rs;
    struct der_item st, base;
    *has_type = 0;
    hxc__der_enter(&r, subtrees);
    while (hxc__der_next(&r, &st) == 1) {
        if (++v->nc_work > MAX_NC_WORK) {
            v->limit_hit = 1;
            return 0;
        }
        hxc__der_enter(&rs, &st);
        if (hxc__der_next(&rs, &base) != 1 || base.tag != type)
            continue;
        *has_type = 1;
        if (name_in_subtree(type, name, &base, excluded))
            return 1;
    }
    return 0;
}

struct nc_sets {
    struct der_item permitted, excluded;
    int has_permitted, has_excluded;
};

/* One name of c against the constraints of x. */
static int check_name(struct vctx *v, const struct nc_sets *s, unsigned type,
                      const struct der_item *name, const struct cert *x, size_t xdepth,
                      const struct cert *c, size_t depth)
{
    int has_type;
    const char *verdict = NULL;
    if (s->has_excluded && in_subtrees(v, &s->excluded, type, name, 1, &has_type))
        verdict = "is excluded by";
    else if (s->has_permitted && !in_subtrees(v, &s->permitted, type, name, 0, &has_type) &&
             has_type)
        verdict = "is not permitted by";
    if (v->limit_hit) {
        fail(v, RANK_LIMIT, HXC_E_CERT_LIMIT, x, xdepth,
             "name constraint checks stopped after %d comparisons: too many names or "
             "constraints in the chain", MAX_NC_WORK);
        return 0;
    }
    if (verdict == NULL)
        return 1;
    char what[140], xname[100];
    name_text(type, name, what, sizeof what);
    hxc__der_format_short_name(x->subject.tlv, x->subject.tlv_len, xname, sizeof xname);
    int san_dn = type == GN_DIRNAME && name->tlv != c->subject.tlv; /* "subject ..." */
    fail(v, RANK_POLICY, HXC_E_CERT_NAME_CONSTRAINTS, c, depth,
         "%s%s %s the name constraints of %s at depth %zu", san_dn ? "directoryName " : "",
         san_dn ? what + strlen("subject ") : what, verdict, xname, xdepth);
    return 0;
}

/* 1 when the mask (n bytes) is ones then zeros. */
static int contiguous_mask(const unsigned char *m, size_t n)
{
    size_t i = 0;
    while (i < n && m[i] == 0xff)
        i++;
    if (i < n) {
        unsigned inv = (unsigned)(~m[i++]) & 0xffu; /* 0..01..1 when b is 1..10..0 */
        if ((inv & (inv + 1)) != 0)
            return 0;
    }
    while (i < n)
        if (m[i++] != 0)
            return 0;
    return 1;
}

/* Why the GeneralSubtrees (RFC 5280 4.2.1.10) are malformed, or NULL:
 * empty; a subtree with a minimum or maximum; a DNS base that is not a
 * name in preferred syntax (a leading period belongs to URI and email
 * constraints only); an IP base that is not an address and a contiguous
 * mask. */
static const char *subtrees_syntax(const struct der_item *subtrees)
{
    struct der_reader r, rs;
    struct der_item st, base;
    int rc, n = 0;
    hxc__der_enter(&r, subtrees);
    while ((rc = hxc__der_next(&r, &st)) == 1) {
        n++;
        hxc__der_enter(&rs, &st);
        if (st.tag != DER_SEQUENCE || hxc__der_next(&rs, &base) != 1 || !hxc__der_at_end(&rs))
            return "a subtree with a minimum or maximum, or not a GeneralName";
        if (base.tag == GN_DNS && base.len > 0 && base.val[0] == '.')
            return "a DNS name with a leading period";
        if (base.tag == GN_DNS && base.len > 0 && dns_syntax(base.val, base.len, 0) != NULL)
            return "a DNS name that is not a valid host name";
        if (base.tag == GN_IP &&
            ((base.len != 8 && base.len != 32) ||
             !contiguous_mask(base.val + base.len / 2, base.len / 2)))
            return "an IP address range that is not an address and a contiguous mask";
    }
    if (rc < 0)
        return "malformed DER";
    return n == 0 ? "empty subtrees" : NULL;
}

static const char *parse_nc(const struct cert *x, struct nc_sets *s)
{
    struct der_reader r;
    memset(s, 0, sizeof *s);
    hxc__der_enter(&r, &x->nc);
    int rc = hxc__der_optional(&r, DER_CTX_CONS(0), &s->permitted);
    if (rc < 0)
        return "malformed DER";
    s->has_permitted = rc == 1;
    rc = hxc__der_optional(&r, DER_CTX_CONS(1), &s->excluded);
    if (rc < 0 || !hxc__der_at_end(&r))
        return "malformed DER";
    s->has_excluded = rc == 1;
    if (!s->has_permitted && !s->has_excluded)
        return "neither permitted nor excluded subtrees";
    const char *why = s->has_permitted ? subtrees_syntax(&s->permitted) : NULL;
    if (why == NULL && s->has_excluded)
        why = subtrees_syntax(&s->excluded);
    return why;
}

/* 1 when one of the subtrees has a base of this GeneralName type. */
static int has_subtree_type(const struct nc_sets *s, unsigned type)
{
    const struct der_item *sets[2] = {s->has_permitted ? &s->permitted : NULL,
                                      s->has_excluded ? &s->excluded : NULL};
    for (int k = 0; k < 2; k++) {
        struct der_reader r, rs;
        struct der_item st, base;
        if (sets[k] == NULL)
            continue;
        hxc__der_enter(&r, sets[k]);
        while (hxc__der_next(&r, &st) == 1) {
            hxc__der_enter(&rs, &st);
            if (hxc__der_next(&rs, &base) == 1 && base.tag == type)
                return 1;
        }
    }
    return 0;
}

static const char *gn_type_name(unsigned tag)
{
    switch (tag) {
    case GN_OTHER: return "otherName";
    case GN_X400: return "x400Address";
    case GN_EDI: return "ediPartyName";
    case GN_RID: return "registeredID";
    case GN_URI: return "uniformResourceIdentifier";
    }
    return "unknown";
}

/* The constraints of x (at xdepth) over c (at depth, below x). */
static int check_nc_one(struct vctx *v, const struct nc_sets *s, const struct cert *x,
                        size_t xdepth, const struct cert *c, size_t depth)
{
    if (!subject_is_empty(c) &&
        !check_name(v, s, GN_DIRNAME, &c->subject, x, xdepth, c, depth))
        return 0;
    if (!c->has_san)
        return 1;
    struct der_reader r, rd;
    struct der_item gn, dn;
    int uri_constrained = has_subtree_type(s, GN_URI);
    hxc__der_enter(&r, &c->san);
    while (hxc__der_next(&r, &gn) == 1) {
        if (gn.tag == GN_DIRNAME) { /* [4] holds a Name, checked like the subject */
            hxc__der_enter(&rd, &gn);
            if (hxc__der_expect(&rd, DER_SEQUENCE, &dn) == 0 &&
                !check_name(v, s, GN_DIRNAME, &dn, x, xdepth, c, depth))
                return 0;
            continue;
        }
        if (gn.tag != GN_DNS && gn.tag != GN_IP && gn.tag != GN_EMAIL &&
            (gn.tag != GN_URI || uri_constrained)) {
            char xname[100];
            hxc__der_format_short_name(x->subject.tlv, x->subject.tlv_len, xname, sizeof xname);
            fail(v, RANK_POLICY, HXC_E_CERT_NAME_CONSTRAINTS, c, depth,
                 "a subjectAltName of type %s cannot be checked against the name "
                 "constraints of %s at depth %zu", gn_type_name(gn.tag), xname, xdepth);
            return 0;
        }
        if (gn.tag != GN_URI && !check_name(v, s, gn.tag, &gn, x, xdepth, c, depth))
            return 0;
    }
    return 1;
}

static int check_name_constraints(struct vctx *v, const struct cert *x, size_t xdepth)
{
    struct nc_sets s;
    if (!x->has_nc || parse_nc(x, &s) != NULL) /* check_ca refused what does not parse */
        return 1;
    for (size_t d = 0; d < xdepth; d++) {
        const struct cert *c = v->path[d];
        if (d > 0 && c->self_issued)
            continue; /* RFC 5280 6.1.3 (b) */
        if (!check_nc_one(v, &s, x, xdepth, c, d))
            return 0;
    }
    return 1;
}

/* Policy processing (RFC 5280 6.1) is not implemented: with no policy
 * required by the client it can only fail through requireExplicitPolicy,
 * so a chain where that requirement takes effect is refused, not passed.
 * (inhibitPolicyMapping and inhibitAnyPolicy only matter then too.) */
static int check_policy(struct vctx *v, const struct cert *p, size_t depth)
{
    if (p->require_explicit < 0)
        return 1;
    long below = 1; /* the leaf, then the intermediates that are not self-issued */
    for (size_t d = 1; d < depth; d++)
        below += !v->path[d]->self_issued;
    if (p->require_explicit >= below)
        return 1;
    fail(v, RANK_POLICY, HXC_E_CERT_PROFILE, p, depth,
         "policyConstraints requireExplicitPolicy %ld takes effect in this chain, and hxc "
         "does not evaluate certificate policies (RFC 5280 6.1)", p->require_explicit);
    return 0;
}

/* What makes p a CA certificate, whatever lies below it. */
static int check_ca(struct vctx *v, const struct cert *p, size_t depth)
{
    const char *why = NULL;
    hxc_status code = HXC_E_CERT_PROFILE;
    if (!p->has_bc || !p->ca) {
        why = "issuer is not a CA (basicConstraints cA=TRUE missing)";
        code = HXC_E_CERT_NOT_CA;
    } else if (!CRITICAL(p, EXT_BC)) {
        why = "basicConstraints of a CA certificate not marked critical (RFC 5280 4.2.1.9)";
    } else if (p->has_ku && !(p->ku0 & 0x04)) {
        why = "issuer key usage does not allow certificate signing";
        code = HXC_E_CERT_NOT_CA;
    } else if (!p->has_ski && !p->anchor) {
        why = "CA certificate without subjectKeyIdentifier (RFC 5280 4.2.1.2)";
    } else if (subject_is_empty(p)) {
        why = "CA certificate with an empty subject (RFC 5280 4.1.2.6)";
    } else if (p->has_eku && !p->eku_server && !p->eku_any) {
        why = "extendedKeyUsage of this CA does not include serverAuth, so no server "
              "certificate below it is valid";
        code = HXC_E_CERT_USAGE;
    }
    struct nc_sets s;
    const char *nc_why = p->has_nc ? parse_nc(p, &s) : NULL;
    if (why == NULL && nc_why != NULL) {
        fail(v, RANK_POLICY, HXC_E_CERT_NAME_CONSTRAINTS, p, depth,
             "malformed name constraints: %s", nc_why);
        return 0;
    }
    if (why != NULL) {
        fail(v, RANK_POLICY, code, p, depth, "%s", why);
        return 0;
    }
    return 1;
}

/* What the issuer at `depth` must satisfy, with path[0..depth-1] below it. */
static int check_issuer(struct vctx *v, const struct cert *p, size_t depth)
{
    if (!check_ca(v, p, depth) || !check_policy(v, p, depth))
        return 0;
    if (p->pathlen >= 0) {
        long below = 0;
        for (size_t d = 1; d < depth; d++)
            below += !v->path[d]->self_issued;
        if (below > p->pathlen) {
            fail(v, RANK_POLICY, HXC_E_CERT_PATH_LENGTH, p, depth,
                 "path length constraint %ld exceeded by %ld intermediate%s below", p->pathlen,
                 below, below == 1 ? "" : "s");
            return 0;
        }
    }
    return check_name_constraints(v, p, depth);
}

/* ------------------------------------------------------------ signatures */

static int same_key(const br_x509_pkey *a, const br_x509_pkey *b)
{
    if (a->key_type != b->key_type)
        return 0;
    if (a->key_type == BR_KEYTYPE_RSA)
        return a->key.rsa.nlen == b->key.rsa.nlen && a->key.rsa.elen == b->key.rsa.elen &&
               memcmp(a->key.rsa.n, b->key.rsa.n, a->key.rsa.nlen) == 0 &&
               memcmp(a->key.rsa.e, b->key.rsa.e, a->key.rsa.elen) == 0;
    if (a->key_type == BR_KEYTYPE_EC)
        return a->key.ec.curve == b->key.ec.curve && a->key.ec.qlen == b->key.ec.qlen &&
               memcmp(a->key.ec.q, b->key.ec.q, a->key.ec.qlen) == 0;
    return 0;
}

static int same_name(const struct der_item *a, const struct der_item *b)
{
    return a->tlv_len == b->tlv_len && memcmp(a->tlv, b->tlv, a->tlv_len) == 0;
}

/* p may have issued c: names chain, and key identifiers agree when present. */
static int may_issue(const struct cert *p, const struct cert *c)
{
    if (!same_name(&c->issuer, &p->subject))
        return 0;
    if (c->has_aki_keyid && p->has_ski)
        return c->aki_keyid.len == p->ski.len &&
               memcmp(c->aki_keyid.val, p->ski.val, p->ski.len) == 0;
    return 1;
}

/* Verifies c's signature with p's key, recording a failure. */
static int linked(struct vctx *v, const struct cert *c, size_t depth, const struct cert *p)
{
    v->sig_checks++;
    if (p->key_err == 0 && hxc__sig_verify(&c->sig, c->tbs.tlv, c->tbs.tlv_len, &p->pkey))
        return 1;
    char pname[100];
    hxc__der_format_short_name(p->subject.tlv, p->subject.tlv_len, pname, sizeof pname);
    fail(v, RANK_SIGNATURE, HXC_E_CERT_BAD_SIGNATURE, c, depth,
         "signature does not verify with the key of issuer %s", pname);
    return 0;
}

/* Parses anchor i into a when its subject equals `name`; an anchor that
 * does not parse (a malformed authorityKeyIdentifier, say) is reported. */
static int anchor_named(struct vctx *v, size_t i, const struct der_item *name, size_t depth,
                        struct cert *a)
{
    struct hxc__der der, subject;
    hxc__trust_store_anchor(v->ts, i, &der, &subject);
    if (subject.len != name->tlv_len || memcmp(subject.data, name->tlv, subject.len) != 0)
        return 0;
    const char *e = cert_parse(a, der.data, der.len);
    if (e != NULL) {
        char aname[120], msg[300];
        hxc__der_format_short_name(subject.data, subject.len, aname, sizeof aname);
        snprintf(msg, sizeof msg, "trust anchor %s is malformed: %s (depth %zu)", aname, e,
                 depth);
        record(v, RANK_POLICY, HXC_E_CERT_MALFORMED, depth, msg);
        return 0;
    }
    a->anchor = 1;
    return 1;
}

/* Revocation, when asked for: path[0] (HXC_CRL_LEAF) or every certificate
 * below the anchor at `depth` (HXC_CRL_CHAIN), each against the CRLs of
 * the certificate above it. */
static int check_revocation(struct vctx *v, size_t depth)
{
    enum hxc__crl_mode mode = hxc__trust_store_crl_mode(v->ts);
    size_t last = mode == HXC_CRL_CHAIN ? depth : mode == HXC_CRL_LEAF ? 1 : 0;
    for (size_t d = 0; d < last; d++) {
        const struct cert *c = v->path[d], *p = v->path[d + 1];
        char why[240];
        hxc_status st = hxc__crl_check(hxc__trust_store_crls(v->ts), c->der, c->der_len,
                                       &p->subject, &p->pkey, v->now, why, sizeof why);
        if (st == HXC_OK)
            continue;
        if (st == HXC_E_CERT_REVOKED)
            fail(v, RANK_POLICY, st, c, d, "certificate revoked: %s", why);
        else
            fail(v, RANK_POLICY, st, c, d, "%s", why);
        return 0;
    }
    return 1;
}

/* The anchor a ends the path at `depth`: its own checks and an issuer's,
 * then revocation along the whole path. */
static int finish_at_anchor(struct vctx *v, const struct cert *a, size_t depth)
{
    v->path[depth] = a;
    return check_self(v, a, depth) && check_issuer(v, a, depth) && check_revocation(v, depth);
}

/* 1 when c (at depth, by subject and key) is itself a trust anchor. */
static int is_anchor(struct vctx *v, const struct cert *c, size_t depth, struct cert *a)
{
    size_t n = hxc__trust_store_count(v->ts);
    for (size_t i = 0; i < n; i++)
        if (anchor_named(v, i, &c->subject, depth, a) && a->key_err == 0 && c->key_err == 0 &&
            same_key(&a->pkey, &c->pkey))
            return 1;
    return 0;
}

static int extend(struct vctx *v, const struct cert *c, size_t depth);

/* Issuers of c among the anchors. */
static int try_anchors(struct vctx *v, const struct cert *c, size_t depth, int *found)
{
    struct cert a;
    size_t n = hxc__trust_store_count(v->ts);
    for (size_t i = 0; i < n && v->sig_checks < MAX_SIG_CHECKS && !v->limit_hit; i++) {
        if (!anchor_named(v, i, &c->issuer, depth + 1, &a) || !may_issue(&a, c))
            continue;
        *found = 1;
        if (check_key(v, &a, depth + 1) && linked(v, c, depth, &a) &&
            finish_at_anchor(v, &a, depth + 1))
            return 1;
    }
    return 0;
}

/* Issuers of c among the certificates sent. */
static int try_chain(struct vctx *v, const struct cert *c, size_t depth, int *found)
{
    struct cert a;
    for (size_t i = 1; i < v->n && v->sig_checks < MAX_SIG_CHECKS && !v->limit_hit; i++) {
        const struct cert *p = &v->chain[i];
        if (!v->usable[i] || v->in_path[i] || !may_issue(p, c))
            continue;
        if (is_anchor(v, p, depth + 1, &a))
            continue; /* try_anchors went that way already */
        *found = 1;
        if (!check_key(v, p, depth + 1) || !linked(v, c, depth, p))
            continue; /* the key policy first: no signature work for refused keys */
        if (depth + 2 >= v->max_path) {
            fail(v, RANK_POLICY, HXC_E_CERT_CHAIN_TOO_LONG, p, depth + 1,
                 "chain longer than %zu certificates", v->max_path);
            continue;
        }
        v->path[depth + 1] = p;
        if (!check_self(v, p, depth + 1) || !check_issuer(v, p, depth + 1))
            continue;
        v->in_path[i] = 1;
        int ok = extend(v, p, depth + 1);
        v->in_path[i] = 0;
        if (ok)
            return 1;
    }
    return 0;
}

/* "unable to find a trusted root for CN=x (depth 0, issuer CN=y)" */
static void no_issuer(struct vctx *v, const struct cert *c, size_t depth)
{
    char cname[100], iname[120], msg[400];
    hxc__der_format_short_name(c->subject.tlv, c->subject.tlv_len, cname, sizeof cname);
    hxc__der_format_name(c->issuer.tlv, c->issuer.tlv_len, iname, sizeof iname);
    if (c->self_issued)
        snprintf(msg, sizeof msg,
                 "unable to find a trusted root for %s (depth %zu, self-signed and not in "
                 "the trust store)", cname, depth);
    else
        snprintf(msg, sizeof msg, "unable to find a trusted root for %s (depth %zu, issuer %s)",
                 cname, depth, iname);
    record(v, RANK_UNTRUSTED, HXC_E_CERT_UNTRUSTED, depth, msg);
}

/* path[0..depth] is checked; c == path[depth]. Finds an issuer for c. */
static int extend(struct vctx *v, const struct cert *c, size_t depth)
{
    if (!check_sig_alg(v, c, depth))
        return 0;
    int found = 0;
    if (try_anchors(v, c, depth, &found) || try_chain(v, c, depth, &found))
        return 1;
    if (!found)
        no_issuer(v, c, depth);
    return 0;
}

/* ------------------------------------------------------------ leaf */

static void append_list(char *out, size_t outsz, size_t *pos, const char *item, int *count)
{
    size_t need = strlen(item) + (*count ? 2 : 0);
    if (*count < 0)
        return;
    if (*pos + need + 6 >= outsz) { /* room for ", ..." */
        snprintf(out + *pos, outsz - *pos, "%s...", *count ? ", " : "");
        *count = -1;
        return;
    }
    *pos += (size_t)snprintf(out + *pos, outsz - *pos, "%s%s", *count ? ", " : "", item);
    (*count)++;
}

/* The DNS and IP names of the SAN, comma-separated, truncated. Names in the SAN: DNS names plain (tagged "DNS:" when tag_dns, for IP
 * hosts), IP addresses tagged "IP:". */
static void san_list(const struct cert *c, int tag_dns, char *out, size_t outsz)
{
    struct der_reader r;
    struct der_item gn;
    size_t pos = 0;
    int count = 0;
    out[0] = '\0';
    hxc__der_enter(&r, &c->san);
    while (hxc__der_next(&r, &gn) == 1) {
        char item[INET6_ADDRSTRLEN + 80];
        if (gn.tag == GN_DNS)
            snprintf(item, sizeof item, "%s%.*s", tag_dns ? "DNS:" : "",
                     (int)(gn.len > 64 ? 64 : gn.len), (const char *)gn.val);
        else if (gn.tag == GN_IP && (gn.len == 4 || gn.len == 16)) {
            memcpy(item, "IP:", 3);
            inet_ntop(gn.len == 4 ? AF_INET : AF_INET6, gn.val, item + 3, sizeof item - 3);
        } else
            continue;
        append_list(out, outsz, &pos, item, &count);
    }
}

static int host_matches(const struct cert *c, const struct hxc__host *h)
{
    struct der_reader r;
    struct der_item gn;
    hxc__der_enter(&r, &c->san);
    while (hxc__der_next(&r, &gn) == 1) {
        if (h->kind == HXC_HOST_DNS && gn.tag == GN_DNS &&
            hxc__dns_san_matches((const char *)gn.val, gn.len, h->name))
            return 1;
        if (h->kind != HXC_HOST_DNS && gn.tag == GN_IP && gn.len == h->addr_len &&
            memcmp(gn.val, h->addr, h->addr_len) == 0)
            return 1;
    }
    return 0;
}

/* The suffix R of a SAN "*.R" that would match `host` but for R being a
 * public suffix, or NULL. */
static const char *wildcard_under_public_suffix(const struct cert *c, const char *host)
{
    struct der_reader r;
    struct der_item gn;
    const char *dot = strchr(host, '.');
    if (dot == NULL)
        return NULL;
    hxc__der_enter(&r, &c->san);
    while (hxc__der_next(&r, &gn) == 1) {
        const char *p = (const char *)gn.val;
        if (gn.tag == GN_DNS && gn.len > 2 && p[0] == '*' && p[1] == '.' &&
            gn.len - 2 == strlen(dot + 1) && ieq(p + 2, dot + 1, gn.len - 2) &&
            hxc__psl_is_public_suffix(p + 2, gn.len - 2))
            return dot + 1;
    }
    return NULL;
}

static hxc_status check_host(const struct cert *leaf, const struct hxc__host *h,
                             const char *host, hxc_error *err)
{
    const char *pre = "certificate verify failed for";
    if (!leaf->has_san) {
        char cn[100];
        hxc__der_format_short_name(leaf->subject.tlv, leaf->subject.tlv_len, cn, sizeof cn);
        return hxc__err(err, HXC_E_CERT_HOSTNAME, 0,
                        "%s '%s': hostname mismatch (certificate has no subjectAltName; its "
                        "subject %s is not used for names)",
                        pre, host, cn);
    }
    if (host_matches(leaf, h))
        return HXC_OK;
    char list[120];
    san_list(leaf, h->kind != HXC_HOST_DNS, list, sizeof list);
    if (list[0] == '\0')
        return hxc__err(err, HXC_E_CERT_HOSTNAME, 0,
                        "%s '%s': hostname mismatch (certificate has no DNS or IP names)", pre,
                        host);
    if (h->kind != HXC_HOST_DNS)
        return hxc__err(err, HXC_E_CERT_HOSTNAME, 0,
                        "%s '%s': IP address mismatch (certificate is valid for %s; an IP "
                        "address matches iPAddress names only)",
                        pre, host, list);
    const char *suffix = wildcard_under_public_suffix(leaf, h->name);
    if (suffix != NULL)
        return hxc__err(err, HXC_E_CERT_HOSTNAME, 0,
                        "%s '%s': hostname mismatch (certificate is valid for %s; a wildcard "
                        "directly under the public suffix %s matches nothing)",
                        pre, host, list, suffix);
    return hxc__err(err, HXC_E_CERT_HOSTNAME, 0,
                    "%s '%s': hostname mismatch (certificate is valid for %s)", pre, host, list);
}

static void fill_summary(const struct cert *c, struct hxc__cert_summary *s)
{
    if (s == NULL)
        return;
    hxc__der_format_name(c->subject.tlv, c->subject.tlv_len, s->subject, sizeof s->subject);
    hxc__der_format_name(c->issuer.tlv, c->issuer.tlv_len, s->issuer, sizeof s->issuer);
    hxc__der_format_time(c->not_before, s->not_before, sizeof s->not_before);
    hxc__der_format_time(c->not_after, s->not_after, sizeof s->not_after);
}

/* Parses chain[1..]: unparsable and duplicate certificates are skipped. */
static void parse_rest(struct vctx *v, const struct hxc__der *chain)
{
    for (size_t i = 1; i < v->n; i++) {
        v->usable[i] = cert_parse(&v->chain[i], chain[i].data, chain[i].len) == NULL;
        for (size_t j = 0; j < i && v->usable[i]; j++)
            if (chain[j].len == chain[i].len &&
                memcmp(chain[j].data, chain[i].data, chain[i].len) == 0)
                v->usable[i] = 0;
    }
}

/* Leaf-only checks (with the leaf's own validity, extensions and key). */
/* 1 when the commonName value (bytes of a string type) equals a DNS SAN
 * after lower-casing ASCII, or is the canonical text of an IP SAN. */
static int cn_in_sans(const struct cert *c, const struct der_item *cn)
{
    struct der_reader r;
    struct der_item gn;
    hxc__der_enter(&r, &c->san);
    while (hxc__der_next(&r, &gn) == 1) {
        char addr[INET6_ADDRSTRLEN];
        if (gn.tag == GN_DNS && gn.len == cn->len &&
            ieq((const char *)gn.val, (const char *)cn->val, cn->len))
            return 1;
        if (gn.tag == GN_IP && (gn.len == 4 || gn.len == 16) &&
            inet_ntop(gn.len == 4 ? AF_INET : AF_INET6, gn.val, addr, sizeof addr) &&
            strlen(addr) == cn->len && ieq(addr, (const char *)cn->val, cn->len))
            return 1;
    }
    return 0;
}

/* Baseline Requirements 7.1.4.3: each subject commonName of the leaf is
 * one of its subjectAltNames (and never used for matching). */
static int check_common_names(struct vctx *v, const struct cert *c)
{
    static const unsigned char OID_CN[] = {0x55, 0x04, 0x03};
    struct der_reader names, rdn, atv;
    struct der_item set, seq, oid, val;
    if (!c->has_san)
        return 1; /* the host name check says "no subjectAltName" */
    hxc__der_enter(&names, &c->subject);
    while (hxc__der_next(&names, &set) == 1) {
        hxc__der_enter(&rdn, &set);
        while (hxc__der_next(&rdn, &seq) == 1) {
            hxc__der_enter(&atv, &seq);
            if (hxc__der_expect(&atv, DER_OID, &oid) != 0 || hxc__der_next(&atv, &val) != 1 ||
                !hxc__der_oid_is(&oid, OID_CN, sizeof OID_CN))
                continue;
            int text = val.tag == DER_UTF8_STRING || val.tag == DER_PRINTABLE_STRING ||
                       val.tag == DER_IA5_STRING || val.tag == DER_T61_STRING;
            if (text && cn_in_sans(c, &val))
                continue;
            fail(v, RANK_POLICY, HXC_E_CERT_PROFILE, c, 0,
                 "subject commonName %.*s is not one of the subjectAltNames (Baseline "
                 "Requirements 7.1.4.3)", text ? (int)(val.len > 64 ? 64 : val.len) : 9,
                 text ? (const char *)val.val : "(encoded)");
            return 0;
        }
    }
    return 1;
}

static int check_leaf(struct vctx *v, const struct cert *leaf)
{
    const char *why = NULL;
    hxc_status code = HXC_E_CERT_USAGE;
    if (!check_self(v, leaf, 0))
        return 0;
    if (leaf->has_bc && leaf->ca) {
        why = "a CA certificate (basicConstraints cA=TRUE) cannot be the server's certificate";
        code = HXC_E_CERT_PROFILE;
    } else if (!leaf->has_eku) {
        why = "leaf certificate has no extendedKeyUsage; serverAuth is required";
    } else if (!leaf->eku_server) {
        why = leaf->eku_any ? "leaf certificate key usage does not allow server authentication "
                              "(anyExtendedKeyUsage alone is not enough)"
                            : "leaf certificate key usage does not allow server authentication";
    } else if (CRITICAL(leaf, EXT_EKU)) {
        why = "extendedKeyUsage marked critical in a leaf certificate (Baseline Requirements "
              "7.1.2.7.10)";
        code = HXC_E_CERT_PROFILE;
    }
    if (why != NULL) {
        fail(v, RANK_POLICY, code, leaf, 0, "%s", why);
        return 0;
    }
    return check_common_names(v, leaf);
}

static hxc_status run(struct vctx *v, const struct hxc__der *chain, const char *host,
                      struct hxc__cert_summary *summary, hxc_error *err)
{
    const char *pre = "certificate verify failed for";
    struct hxc__host h;
    const char *bad = hxc__host_parse(host, &h);
    if (bad != NULL)
        return hxc__err(err, HXC_E_CERT_BAD_NAME, 0, "%s '%s': invalid host name (%s)", pre,
                        host ? host : "", bad);
    struct cert *leaf = &v->chain[0];
    const char *e = cert_parse(leaf, chain[0].data, chain[0].len);
    if (e != NULL)
        return hxc__err(err, HXC_E_CERT_MALFORMED, 0, "%s '%s': malformed certificate: %s "
                        "(depth 0)", pre, host, e);
    fill_summary(leaf, summary);
    parse_rest(v, chain);
    v->path[0] = leaf;
    int ok = check_leaf(v, leaf);
    if (ok) {
        struct cert a;
        ok = is_anchor(v, leaf, 0, &a) || extend(v, leaf, 0); /* directly trusted, or a path */
    }
    if (!ok) {
        if (v->best_score == 0)
            fail(v, RANK_UNTRUSTED, HXC_E_CERT_UNTRUSTED, leaf, 0,
                 "unable to find a trusted root (search limit reached)");
        return hxc__err(err, v->best_code, 0, "%s '%s': %s", pre, host, v->best);
    }
    return check_host(leaf, &h, host, err);
}

hxc_status hxc__x509_verify(const struct hxc__trust_store *ts, const struct hxc__der *chain,
                            size_t n, const char *host, int64_t unix_time,
                            struct hxc__cert_summary *summary, hxc_error *err)
{
    if (summary != NULL)
        memset(summary, 0, sizeof *summary);
    if (chain == NULL || n == 0)
        return hxc__err(err, HXC_E_CERT_NO_CHAIN, 0,
                        "certificate verify failed for '%s': server sent no certificate",
                        host ? host : "");
    if (ts == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no trust store given for verification");
    struct vctx v;
    memset(&v, 0, sizeof v);
    v.ts = ts;
    v.n = n > MAX_CHAIN ? MAX_CHAIN : n;
    v.now = unix_time;
    v.max_path = hxc__trust_store_max_depth(ts);
    if (v.max_path == 0 || v.max_path > MAX_PATH_LIMIT)
        v.max_path = MAX_PATH;
    v.chain = calloc(v.n, sizeof *v.chain);
    v.usable = calloc(v.n, sizeof *v.usable);
    hxc_status st;
    if (v.chain == NULL || v.usable == NULL)
        st = hxc__err(err, HXC_E_NOMEM, 0, "out of memory verifying the certificate chain");
    else
        st = run(&v, chain, host, summary, err);
    free(v.chain);
    free(v.usable);
    return st;
}

hxc_status hxc__x509_check_anchor(const struct hxc__trust_store *ts, size_t i, int64_t unix_time,
                                  hxc_error *err)
{
    struct vctx v;
    struct cert a;
    struct hxc__der der, subject;
    memset(&v, 0, sizeof v);
    v.ts = ts;
    v.now = unix_time;
    hxc__trust_store_anchor(ts, i, &der, &subject);
    struct der_item name = {0, subject.data, subject.len, NULL, 0};
    if (anchor_named(&v, i, &name, 1, &a) && check_self(&v, &a, 1) && check_ca(&v, &a, 1))
        return HXC_OK;
    return hxc__err(err, v.best_code, 0, "%s", v.best);
}
