/*
 * Client certificates: certificate chain + private key from PEM or DER,
 * files or memory. PEM is parsed here (BearSSL's br_pem_decoder does not
 * read the "Proc-Type"/"DEK-Info" headers of legacy encrypted keys); keys
 * are decoded by br_skey_decoder, after decryption (keys_decrypt.c) when
 * they are encrypted. The key must match the leaf certificate's public key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "x509/der.h"
#include "tls/keys.h"
#include "tls/keys_decrypt.h"

#define MAX_FILE (1024u * 1024)
#define MAX_BLOCKS 64

/* ------------------------------------------------------------------ PEM */

struct pem_block {
    char name[64];
    int encrypted;      /* "Proc-Type: 4,ENCRYPTED" */
    char dek_info[160]; /* DEK-Info value, "" when absent */
    unsigned char *der;
    size_t len;
    unsigned line; /* of the BEGIN line */
};

struct pem_list {
    struct pem_block v[MAX_BLOCKS];
    size_t n;
};

static void pem_list_free(struct pem_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        hxc__keys_wipe_free(l->v[i].der, l->v[i].len);
    l->n = 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes base64 text (no whitespace; '=' padding optional at the end).
 * Returns the length written to out (capacity >= 3 * len / 4 + 3), or -1. */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '=') {
            pad++;
            continue;
        }
        int v = b64_value((unsigned char)in[i]);
        if (v < 0 || pad > 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6 || (len % 4 != 0 && pad > 0))
        return -1;
    return (long)n;
}

struct line {
    const char *p;
    size_t len;
};

/* Next line of [*pos, end), without "\r\n" / "\n" and trailing blanks. */
static int next_line(const char *data, size_t size, size_t *pos, struct line *ln)
{
    if (*pos >= size)
        return 0;
    const char *s = data + *pos;
    const char *nl = memchr(s, '\n', size - *pos);
    size_t n = nl ? (size_t)(nl - s) : size - *pos;
    *pos += nl ? n + 1 : n;
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    ln->p = s;
    ln->len = n;
    return 1;
}

static int line_starts(const struct line *ln, const char *prefix)
{
    size_t n = strlen(prefix);
    return ln->len >= n && memcmp(ln->p, prefix, n) == 0;
}

static int line_has(const struct line *ln, char c)
{
    return memchr(ln->p, c, ln->len) != NULL;
}

/* "Name: value" headers of a PEM block; only the two OpenSSL uses matter. */
static void pem_header(struct pem_block *b, const struct line *ln)
{
    const char *colon = memchr(ln->p, ':', ln->len);
    size_t klen = (size_t)(colon - ln->p);
    const char *v = colon + 1;
    size_t vlen = ln->len - klen - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    if (klen == 9 && memcmp(ln->p, "Proc-Type", 9) == 0)
        b->encrypted = vlen >= 11 && memcmp(v, "4,ENCRYPTED", 11) == 0;
    else if (klen == 8 && memcmp(ln->p, "DEK-Info", 8) == 0 && vlen < sizeof b->dek_info) {
        memcpy(b->dek_info, v, vlen);
        b->dek_info[vlen] = 0;
    }
}

struct b64_text {
    char *p;
    size_t len, cap;
};

static int b64_append(struct b64_text *t, const struct line *ln)
{
    if (t->len + ln->len > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->len + ln->len)
            cap *= 2;
        char *p = malloc(cap);
        if (p == NULL)
            return -1;
        if (t->p) {
            memcpy(p, t->p, t->len);
            hxc__keys_wipe_free(t->p, t->cap);
        }
        t->p = p;
        t->cap = cap;
    }
    for (size_t i = 0; i < ln->len; i++)
        if (ln->p[i] != ' ' && ln->p[i] != '\t')
            t->p[t->len++] = ln->p[i];
    return 0;
}

/* Ends the current block: decodes the collected base64 into b->der. */
static hxc_status pem_finish(struct pem_block *b, struct b64_text *t, const char *what,
                             hxc_error *err)
{
    b->der = malloc(t->len / 4 * 3 + 4);
    if (b->der == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory decoding '%s'", what);
    long n = b64_decode(t->p ? t->p : "", t->len, b->der);
    if (n <= 0) {
        hxc__keys_wipe_free(b->der, t->len / 4 * 3 + 4);
        b->der = NULL;
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "'%s' line %u: the PEM block \"%s\" holds invalid base64", what,
                        b->line, b->name);
    }
    b->len = (size_t)n;
    return HXC_OK;
}

static int is_pem(const void *data, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    const char *s = data;
    for (size_t i = 0; i + sizeof tag - 1 <= len; i++)
        if (s[i] == '-' && memcmp(s + i, tag, sizeof tag - 1) == 0)
            return 1;
    return 0;
}

/* Copies the name of a "-----BEGIN NAME-----" line; -1 when malformed. */
static int pem_begin_name(const struct line *ln, char *name, size_t namesz)
{
    size_t n = ln->len - 11;
    const char *s = ln->p + 11;
    while (n > 0 && s[n - 1] == '-')
        n--;
    if (n == 0 || n >= namesz || ln->len - 11 - n < 5)
        return -1;
    memcpy(name, s, n);
    name[n] = 0;
    return 0;
}

enum pem_state { OUTSIDE, HEADERS, BODY };

static hxc_status pem_parse(const void *data, size_t size, const char *what,
                            struct pem_list *out, hxc_error *err)
{
    struct b64_text t = {0};
    struct line ln;
    size_t pos = 0;
    unsigned lineno = 0;
    enum pem_state st = OUTSIDE;
    struct pem_block *b = NULL;
    hxc_status rc = HXC_OK;
    while (rc == HXC_OK && next_line(data, size, &pos, &ln)) {
        lineno++;
        if (st == OUTSIDE) {
            if (!line_starts(&ln, "-----BEGIN "))
                continue;
            if (out->n == MAX_BLOCKS) {
                rc = hxc__err(err, HXC_E_CONFIG, 0, "'%s' holds more than %d PEM blocks",
                              what, MAX_BLOCKS);
                break;
            }
            b = &out->v[out->n];
            memset(b, 0, sizeof *b);
            b->line = lineno;
            if (pem_begin_name(&ln, b->name, sizeof b->name) != 0) {
                rc = hxc__err(err, HXC_E_CONFIG, 0, "'%s' line %u: malformed PEM BEGIN line",
                              what, lineno);
                break;
            }
            t.len = 0;
            st = HEADERS;
            continue;
        }
        if (line_starts(&ln, "-----END ")) {
            rc = pem_finish(b, &t, what, err);
            if (rc == HXC_OK)
                out->n++;
            st = OUTSIDE;
            continue;
        }
        if (st == HEADERS && ln.len > 0 && (ln.p[0] == ' ' || ln.p[0] == '\t'))
            continue; /* header continuation */
        if (st == HEADERS && line_has(&ln, ':')) {
            pem_header(b, &ln);
            continue;
        }
        if (st == HEADERS && ln.len == 0)
            continue;
        st = BODY;
        if (b64_append(&t, &ln) != 0)
            rc = hxc__err(err, HXC_E_NOMEM, 0, "out of memory reading '%s'", what);
    }
    if (rc == HXC_OK && st != OUTSIDE)
        rc = hxc__err(err, HXC_E_CONFIG, 0,
                      "'%s' line %u: the PEM block \"%s\" has no END line", what, b->line,
                      b->name);
    if (t.p)
        hxc__keys_wipe_free(t.p, t.cap);
    return rc;
}

static int name_is(const char *name, const char *want)
{
    return strcmp(name, want) == 0;
}

static int is_cert_name(const char *name)
{
    return name_is(name, "CERTIFICATE") || name_is(name, "X509 CERTIFICATE") ||
           name_is(name, "TRUSTED CERTIFICATE");
}

static int is_key_name(const char *name)
{
    size_t n = strlen(name);
    return n >= 11 && strcmp(name + n - 11, "PRIVATE KEY") == 0;
}

/* ---------------------------------------------------------------- chain */

static hxc_status chain_add(struct hxc__client_cert *cc, const unsigned char *der, size_t len,
                            const char *what, unsigned line, hxc_error *err)
{
    struct der_item subject;
    size_t used;
    if (hxc__der_cert_subject(der, len, &subject, &used) != 0) {
        if (line)
            return hxc__err(err, HXC_E_CONFIG, 0,
                            "'%s' line %u: the certificate block does not hold a DER X.509 "
                            "certificate",
                            what, line);
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "'%s' holds neither a PEM certificate nor a DER X.509 certificate",
                        what);
    }
    br_x509_certificate *v = realloc(cc->chain, (cc->chain_len + 1) * sizeof *v);
    if (v == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory loading '%s'", what);
    cc->chain = v;
    unsigned char *copy = malloc(used);
    if (copy == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory loading '%s'", what);
    memcpy(copy, der, used);
    v[cc->chain_len].data = copy;
    v[cc->chain_len].data_len = used;
    cc->chain_len++;
    return HXC_OK;
}

static hxc_status load_chain(struct hxc__client_cert *cc, const void *cert, size_t len,
                             const struct pem_list *pems, const char *what, hxc_error *err)
{
    if (pems == NULL) {
        hxc_status st = chain_add(cc, cert, len, what, 0, err);
        if (st != HXC_OK)
            hxc__err_prefix(err, "no certificate found");
        return st;
    }
    for (size_t i = 0; i < pems->n; i++) {
        const struct pem_block *b = &pems->v[i];
        if (!is_cert_name(b->name))
            continue;
        hxc_status st = chain_add(cc, b->der, b->len, what, b->line, err);
        if (st != HXC_OK)
            return st;
    }
    if (cc->chain_len == 0)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "no certificate found in '%s' (no \"BEGIN CERTIFICATE\" block)", what);
    return HXC_OK;
}

/* ------------------------------------------------------------------ key */

/* Copies the decoded key out of the decoder into cc->key_buf. */
static hxc_status store_key(struct hxc__client_cert *cc, const br_skey_decoder_context *dc,
                            const char *what, hxc_error *err)
{
    const br_rsa_private_key *rsa = br_skey_decoder_get_rsa(dc);
    const br_ec_private_key *ec = br_skey_decoder_get_ec(dc);
    size_t total = rsa ? rsa->plen + rsa->qlen + rsa->dplen + rsa->dqlen + rsa->iqlen
                       : ec->xlen;
    cc->key_buf = malloc(total);
    if (cc->key_buf == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory loading the key in '%s'", what);
    cc->key_buf_len = total;
    unsigned char *p = cc->key_buf;
#define TAKE(dst, src, n) (memcpy(p, (src), (n)), (dst) = p, p += (n))
    if (rsa) {
        cc->key_type = BR_KEYTYPE_RSA;
        cc->rsa = *rsa;
        TAKE(cc->rsa.p, rsa->p, rsa->plen);
        TAKE(cc->rsa.q, rsa->q, rsa->qlen);
        TAKE(cc->rsa.dp, rsa->dp, rsa->dplen);
        TAKE(cc->rsa.dq, rsa->dq, rsa->dqlen);
        TAKE(cc->rsa.iq, rsa->iq, rsa->iqlen);
    } else {
        cc->key_type = BR_KEYTYPE_EC;
        cc->ec = *ec;
        TAKE(cc->ec.x, ec->x, ec->xlen);
    }
#undef TAKE
    return HXC_OK;
}

/* Decodes a plaintext key (PKCS#1, SEC1 or PKCS#8) into cc: 0 ok, -1 when
 * BearSSL does not read it as a key. */
static int decode_plain(struct hxc__client_cert *cc, const unsigned char *der, size_t len,
                        const char *what, hxc_status *st, hxc_error *err)
{
    br_skey_decoder_context dc;
    br_skey_decoder_init(&dc);
    br_skey_decoder_push(&dc, der, len);
    int type = br_skey_decoder_key_type(&dc);
    if (type != BR_KEYTYPE_RSA && type != BR_KEYTYPE_EC) {
        hxc__keys_wipe(&dc, sizeof dc);
        return -1;
    }
    *st = store_key(cc, &dc, what, err);
    hxc__keys_wipe(&dc, sizeof dc);
    return 0;
}

/* Key algorithms BearSSL does not use, for messages. */
static const struct {
    const char *oid;
    const char *name;
} other_algs[] = {
    {"1.3.101.112", "Ed25519"},       {"1.3.101.113", "Ed448"},
    {"1.3.101.110", "X25519"},        {"1.3.101.111", "X448"},
    {"1.2.840.10040.4.1", "DSA"},     {"1.2.840.113549.1.1.10", "RSASSA-PSS"},
    {"1.2.840.10045.2.1", "EC"},      {"1.2.156.10197.1.301", "SM2"},
    {"1.2.840.113549.1.1.1", "RSA"},
};

/* For a well-formed DER SEQUENCE spanning exactly [der, der + len) (a key
 * structure, not random bytes), writes what it is ("a key of type Ed25519
 * (OID 1.3.101.112)", "an EC key on curve OID 1.3.132.0.10") and returns 1. */
static int describe_key(const unsigned char *der, size_t len, char *out, size_t outsz)
{
    struct der_reader r, in, a;
    struct der_item top, ver, alg, oid, param;
    char dotted[80], pdotted[80];
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &top) != 0 || !hxc__der_at_end(&r))
        return 0;
    hxc__der_enter(&in, &top);
    if (hxc__der_expect(&in, DER_INTEGER, &ver) != 0)
        return 0;
    if (hxc__der_expect(&in, DER_SEQUENCE, &alg) != 0) {
        snprintf(out, outsz, "an RSA or EC key BearSSL cannot read (unsupported curve?)");
        return 1;
    }
    hxc__der_enter(&a, &alg);
    if (hxc__der_expect(&a, DER_OID, &oid) != 0)
        return 0;
    hxc__der_oid_text(oid.val, oid.len, dotted, sizeof dotted);
    const char *name = NULL;
    for (size_t i = 0; i < sizeof other_algs / sizeof other_algs[0]; i++)
        if (strcmp(other_algs[i].oid, dotted) == 0)
            name = other_algs[i].name;
    if (name && strcmp(name, "EC") == 0 && hxc__der_expect(&a, DER_OID, &param) == 0) {
        hxc__der_oid_text(param.val, param.len, pdotted, sizeof pdotted);
        snprintf(out, outsz, "an EC key on curve OID %s", pdotted);
    } else if (name) {
        snprintf(out, outsz, "a key of type %s (OID %s)", name, dotted);
    } else {
        snprintf(out, outsz, "a key of algorithm OID %s", dotted);
    }
    return 1;
}

static hxc_status unsupported_key(const char *what, const char *desc, hxc_error *err)
{
    return hxc__err(err, HXC_E_CONFIG, 0,
                    "the private key in '%s' is %s: only RSA and EC (P-256, P-384, P-521) "
                    "keys are supported",
                    what, desc);
}

static const char *password_or_null(const char *password)
{
    return password && password[0] ? password : NULL;
}

static hxc_status need_password(const char *what, hxc_error *err)
{
    return hxc__err(err, HXC_E_CONFIG, 0,
                    "the private key in '%s' is encrypted: a password is needed", what);
}

/* Decodes a decrypted key; a plaintext that is no key means a wrong password. */
static hxc_status decode_decrypted(struct hxc__client_cert *cc, unsigned char *plain,
                                   size_t plain_len, const char *what, hxc_error *err)
{
    hxc_status st = HXC_OK;
    char desc[160];
    int r = decode_plain(cc, plain, plain_len, what, &st, err);
    int structured = r != 0 && describe_key(plain, plain_len, desc, sizeof desc);
    hxc__keys_wipe_free(plain, plain_len);
    if (structured)
        return unsupported_key(what, desc, err);
    if (r != 0)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the private key in '%s' could not be decrypted: wrong password", what);
    return st;
}

static hxc_status decode_epki(struct hxc__client_cert *cc, const unsigned char *der,
                              size_t len, const char *what, const char *password,
                              hxc_error *err)
{
    if (password_or_null(password) == NULL)
        return need_password(what, err);
    unsigned char *plain = NULL;
    size_t plain_len = 0;
    hxc_status st =
        hxc__keys_pkcs8_decrypt(der, len, password, what, &plain, &plain_len, err);
    if (st != HXC_OK)
        return st;
    return decode_decrypted(cc, plain, plain_len, what, err);
}

static hxc_status decode_pem_key(struct hxc__client_cert *cc, const struct pem_block *b,
                                 const char *what, const char *password, hxc_error *err)
{
    if (name_is(b->name, "ENCRYPTED PRIVATE KEY"))
        return decode_epki(cc, b->der, b->len, what, password, err);
    int known = name_is(b->name, "RSA PRIVATE KEY") || name_is(b->name, "EC PRIVATE KEY") ||
                name_is(b->name, "PRIVATE KEY");
    if (!known)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "'%s' line %u: unsupported private key type \"%s\" (RSA or EC keys "
                        "in PKCS#1, SEC1 or PKCS#8 form are supported)",
                        what, b->line, b->name);
    if (b->encrypted) {
        if (password_or_null(password) == NULL)
            return need_password(what, err);
        if (b->dek_info[0] == 0)
            return hxc__err(err, HXC_E_CONFIG, 0,
                            "the private key in '%s' is encrypted but has no DEK-Info header",
                            what);
        unsigned char *plain = NULL;
        size_t plain_len = 0;
        hxc_status st = hxc__keys_legacy_decrypt(b->dek_info, b->der, b->len, password, what,
                                                 &plain, &plain_len, err);
        if (st != HXC_OK)
            return st;
        return decode_decrypted(cc, plain, plain_len, what, err);
    }
    hxc_status st = HXC_OK;
    char desc[160];
    if (decode_plain(cc, b->der, b->len, what, &st, err) == 0)
        return st;
    if (describe_key(b->der, b->len, desc, sizeof desc))
        return unsupported_key(what, desc, err);
    return hxc__err(err, HXC_E_CONFIG, 0,
                    "'%s' line %u: the \"%s\" block is not a valid RSA or EC private key", what,
                    b->line, b->name);
}

static hxc_status load_key_pem(struct hxc__client_cert *cc, const struct pem_list *pems,
                               const char *what, const char *password, int from_cert,
                               hxc_error *err)
{
    const struct pem_block *key = NULL;
    for (size_t i = 0; i < pems->n; i++) {
        if (!is_key_name(pems->v[i].name))
            continue;
        if (key != NULL)
            return hxc__err(err, HXC_E_CONFIG, 0,
                            "'%s' holds more than one private key (lines %u and %u)", what,
                            key->line, pems->v[i].line);
        key = &pems->v[i];
    }
    if (key == NULL && from_cert)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "no private key in '%s': give the key file separately, or append "
                        "the key to the certificate file",
                        what);
    if (key == NULL)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "no private key found in '%s' (no \"BEGIN ... PRIVATE KEY\" block)",
                        what);
    return decode_pem_key(cc, key, what, password, err);
}

static hxc_status load_key_der(struct hxc__client_cert *cc, const unsigned char *der,
                               size_t len, const char *what, const char *password,
                               hxc_error *err)
{
    hxc_status st = HXC_OK;
    if (decode_plain(cc, der, len, what, &st, err) == 0)
        return st;
    if (hxc__keys_is_epki(der, len))
        return decode_epki(cc, der, len, what, password, err);
    char desc[160];
    if (describe_key(der, len, desc, sizeof desc))
        return unsupported_key(what, desc, err);
    return hxc__err(err, HXC_E_CONFIG, 0,
                    "no private key found in '%s': neither a PEM private key nor a DER RSA/EC "
                    "private key (PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8)",
                    what);
}

/* ---------------------------------------------------------------- match */

static void strip_zeros(const unsigned char **p, size_t *len)
{
    while (*len > 0 && (*p)[0] == 0) {
        (*p)++;
        (*len)--;
    }
}

static int same_int(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    strip_zeros(&a, &alen);
    strip_zeros(&b, &blen);
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Same modulus, then a private-key operation undone by the certificate's
 * public key (this checks the exponent: BearSSL 0.6's br_rsa_compute_pubexp
 * returns 0 for many valid keys). 1 match, 0 not, -1 out of memory. */
static int rsa_matches(const br_rsa_private_key *sk, const br_rsa_public_key *pk)
{
    br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
    size_t nlen = modulus(NULL, sk);
    if (nlen == 0)
        return 0;
    unsigned char *n = malloc(2 * nlen);
    if (n == NULL)
        return -1;
    unsigned char *x = n + nlen;
    int ok = modulus(n, sk) == nlen && same_int(n, nlen, pk->n, pk->nlen);
    for (size_t i = 0; i < nlen; i++)
        x[i] = (unsigned char)(i * 37 + 11);
    x[0] = 0; /* below the modulus */
    if (ok)
        ok = br_rsa_private_get_default()(x, sk) && br_rsa_public_get_default()(x, nlen, pk);
    for (size_t i = 1; ok && i < nlen; i++)
        ok = x[i] == (unsigned char)(i * 37 + 11);
    ok = ok && x[0] == 0;
    free(n);
    return ok;
}

static int ec_matches(const br_ec_private_key *sk, const br_ec_public_key *pk)
{
    unsigned char kbuf[BR_EC_KBUF_PUB_MAX_SIZE];
    br_ec_public_key mine;
    if (sk->curve != pk->curve)
        return 0;
    size_t n = br_ec_compute_pub(br_ec_get_default(), &mine, kbuf, sk);
    return n != 0 && n == pk->qlen && memcmp(kbuf, pk->q, n) == 0;
}

static hxc_status check_match(struct hxc__client_cert *cc, const char *cert_what,
                              const char *key_what, hxc_error *err)
{
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, cc->chain[0].data, cc->chain[0].data_len);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    if (pk == NULL)
        return hxc__err(err, HXC_E_CONFIG, br_x509_decoder_last_error(&dc),
                        "the certificate in '%s' could not be decoded (BearSSL error %d): "
                        "unsupported key type or curve, or malformed",
                        cert_what, br_x509_decoder_last_error(&dc));
    cc->leaf_sig_key_type = br_x509_decoder_get_signer_key_type(&dc);
    if (cc->key_type == BR_KEYTYPE_EC && cc->ec.curve != BR_EC_secp256r1 &&
        cc->ec.curve != BR_EC_secp384r1 && cc->ec.curve != BR_EC_secp521r1)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the private key in '%s' is on an unsupported elliptic curve (BearSSL "
                        "curve id %d); supported: P-256, P-384, P-521",
                        key_what, cc->ec.curve);
    int ok = 0;
    if (pk->key_type == BR_KEYTYPE_RSA && cc->key_type == BR_KEYTYPE_RSA)
        ok = rsa_matches(&cc->rsa, &pk->key.rsa);
    else if (pk->key_type == BR_KEYTYPE_EC && cc->key_type == BR_KEYTYPE_EC)
        ok = ec_matches(&cc->ec, &pk->key.ec);
    if (ok < 0)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory checking the key in '%s'",
                        key_what);
    if (!ok)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the private key in '%s' does not match the certificate in '%s'",
                        key_what, cert_what);
    return HXC_OK;
}

/* ----------------------------------------------------------------- load */

void hxc__client_cert_free(struct hxc__client_cert *cc)
{
    if (cc == NULL)
        return;
    for (size_t i = 0; i < cc->chain_len; i++)
        free(cc->chain[i].data);
    free(cc->chain);
    hxc__keys_wipe_free(cc->key_buf, cc->key_buf_len);
    hxc__keys_wipe(cc, sizeof *cc);
    free(cc);
}

static hxc_status load_key(struct hxc__client_cert *cc, const void *key, size_t key_len,
                           const char *key_what, const char *password, hxc_error *err)
{
    if (key_len == 0)
        return hxc__err(err, HXC_E_CONFIG, 0, "no private key found in '%s': it is empty",
                        key_what);
    if (!is_pem(key, key_len))
        return load_key_der(cc, key, key_len, key_what, password, err);
    struct pem_list *pems = calloc(1, sizeof *pems);
    if (pems == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory reading '%s'", key_what);
    hxc_status st = pem_parse(key, key_len, key_what, pems, err);
    if (st == HXC_OK)
        st = load_key_pem(cc, pems, key_what, password, 0, err);
    pem_list_free(pems);
    free(pems);
    return st;
}

static hxc_status load_all(struct hxc__client_cert *cc, const void *cert, size_t cert_len,
                           const char *cert_what, const void *key, size_t key_len,
                           const char *key_what, const char *password, struct pem_list *pems,
                           hxc_error *err)
{
    if (cert_len == 0)
        return hxc__err(err, HXC_E_CONFIG, 0, "no certificate found in '%s': it is empty",
                        cert_what);
    int pem = is_pem(cert, cert_len);
    hxc_status st = pem ? pem_parse(cert, cert_len, cert_what, pems, err) : HXC_OK;
    if (st == HXC_OK)
        st = load_chain(cc, cert, cert_len, pem ? pems : NULL, cert_what, err);
    if (st != HXC_OK)
        return st;
    if (key != NULL)
        st = load_key(cc, key, key_len, key_what, password, err);
    else if (pem)
        st = load_key_pem(cc, pems, cert_what, password, 1, err);
    else
        st = hxc__err(err, HXC_E_CONFIG, 0,
                      "no private key in '%s' (a DER certificate): give the key file "
                      "separately",
                      cert_what);
    if (st != HXC_OK)
        return st;
    return check_match(cc, cert_what, key ? key_what : cert_what, err);
}

hxc_status hxc__client_cert_load(struct hxc__client_cert **out, const void *cert,
                                 size_t cert_len, const char *cert_what, const void *key,
                                 size_t key_len, const char *key_what, const char *password,
                                 hxc_error *err)
{
    if (out == NULL || cert == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "client certificate: no certificate data given");
    *out = NULL;
    cert_what = cert_what ? cert_what : "in-memory certificate";
    key_what = key_what ? key_what : "in-memory private key";
    struct hxc__client_cert *cc = calloc(1, sizeof *cc);
    struct pem_list *pems = calloc(1, sizeof *pems);
    hxc_status st = HXC_OK;
    if (cc == NULL || pems == NULL)
        st = hxc__err(err, HXC_E_NOMEM, 0, "out of memory loading '%s'", cert_what);
    else
        st = load_all(cc, cert, cert_len, cert_what, key, key_len, key_what, password, pems,
                      err);
    if (pems) {
        pem_list_free(pems);
        free(pems);
    }
    if (st != HXC_OK) {
        hxc__client_cert_free(cc);
        return st;
    }
    *out = cc;
    return HXC_OK;
}

/* Reads a whole file (at most MAX_FILE bytes). */
static hxc_status read_file(const char *path, const char *kind, unsigned char **data,
                            size_t *len, hxc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return hxc__err(err, HXC_E_FILE_READ, errno, "cannot read %s file '%s': %s", kind,
                        path, strerror(errno));
    unsigned char *buf = malloc(MAX_FILE + 1);
    if (buf == NULL) {
        fclose(f);
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory reading '%s'", path);
    }
    size_t n = fread(buf, 1, MAX_FILE + 1, f);
    int failed = ferror(f);
    int e = errno;
    fclose(f);
    if (failed || n > MAX_FILE) {
        hxc__keys_wipe_free(buf, n);
        if (failed)
            return hxc__err(err, HXC_E_FILE_READ, e, "cannot read %s file '%s': %s", kind,
                            path, strerror(e));
        return hxc__err(err, HXC_E_FILE_READ, 0,
                        "cannot read %s file '%s': larger than %u bytes", kind, path,
                        MAX_FILE);
    }
    *data = buf;
    *len = n;
    return HXC_OK;
}

hxc_status hxc__client_cert_load_files(struct hxc__client_cert **out, const char *certfile,
                                       const char *keyfile, const char *password,
                                       hxc_error *err)
{
    if (out == NULL || certfile == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "client certificate: no certificate file given");
    *out = NULL;
    unsigned char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    hxc_status st = read_file(certfile, "client certificate", &cert, &cert_len, err);
    if (st == HXC_OK && keyfile != NULL)
        st = read_file(keyfile, "private key", &key, &key_len, err);
    if (st == HXC_OK)
        st = hxc__client_cert_load(out, cert, cert_len, certfile, key, key_len,
                                   keyfile ? keyfile : certfile, password, err);
    hxc__keys_wipe_free(cert, cert_len);
    hxc__keys_wipe_free(key, key_len);
    return st;
}
