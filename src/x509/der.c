/* A small DER reader (X.690) for certificates: see der.h. */
#include "x509/der.h"

#include <stdio.h>
#include <string.h>

void hxc__der_init(struct der_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
}

void hxc__der_enter(struct der_reader *r, const struct der_item *it)
{
    hxc__der_init(r, it->val, it->len);
}

int hxc__der_at_end(const struct der_reader *r)
{
    return r->p >= r->end;
}

/* Reads a definite length of at most 4 bytes (X.690 8.1.3). */
static int read_length(const unsigned char **pp, const unsigned char *end, size_t *len)
{
    const unsigned char *p = *pp;
    if (p >= end)
        return -1;
    unsigned first = *p++;
    if (first < 0x80) {
        *len = first;
        *pp = p;
        return 0;
    }
    unsigned nbytes = first & 0x7f;
    if (nbytes == 0 || nbytes > 4 || (size_t)(end - p) < nbytes)
        return -1; /* indefinite or oversized */
    size_t v = 0;
    for (unsigned i = 0; i < nbytes; i++)
        v = (v << 8) | *p++;
    *len = v;
    *pp = p;
    return 0;
}

int hxc__der_next(struct der_reader *r, struct der_item *it)
{
    if (r->p >= r->end)
        return 0;
    const unsigned char *p = r->p;
    unsigned tag = *p++;
    if ((tag & 0x1f) == 0x1f)
        return -1; /* multi-byte tags are not used by X.509 */
    size_t len;
    if (read_length(&p, r->end, &len) != 0)
        return -1;
    if ((size_t)(r->end - p) < len)
        return -1;
    it->tag = tag;
    it->tlv = r->p;
    it->val = p;
    it->len = len;
    it->tlv_len = (size_t)(p - r->p) + len;
    r->p = p + len;
    return 1;
}

int hxc__der_expect(struct der_reader *r, unsigned tag, struct der_item *it)
{
    if (hxc__der_next(r, it) != 1 || it->tag != tag)
        return -1;
    return 0;
}

int hxc__der_optional(struct der_reader *r, unsigned tag, struct der_item *it)
{
    if (r->p >= r->end || *r->p != tag)
        return 0;
    return hxc__der_next(r, it) == 1 ? 1 : -1;
}

int hxc__der_oid_is(const struct der_item *it, const unsigned char *oid, size_t oid_len)
{
    return it->tag == DER_OID && it->len == oid_len && memcmp(it->val, oid, oid_len) == 0;
}

static void append(char *out, size_t outsz, size_t *pos, const char *s, size_t n)
{
    if (outsz == 0)
        return;
    for (size_t i = 0; i < n && *pos + 1 < outsz; i++)
        out[(*pos)++] = s[i];
    out[*pos] = '\0';
}

static void append_str(char *out, size_t outsz, size_t *pos, const char *s)
{
    append(out, outsz, pos, s, strlen(s));
}

void hxc__der_oid_text(const unsigned char *val, size_t len, char *out, size_t outsz)
{
    size_t pos = 0;
    if (outsz)
        out[0] = '\0';
    uint64_t v = 0;
    int first = 1;
    if (len == 0 || (val[len - 1] & 0x80)) {
        append_str(out, outsz, &pos, "?");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        if (v > (UINT64_MAX >> 7)) {
            pos = 0;
            append_str(out, outsz, &pos, "?");
            return;
        }
        v = (v << 7) | (val[i] & 0x7f);
        if (val[i] & 0x80)
            continue;
        char num[48];
        if (first) {
            unsigned arc1 = v < 40 ? 0 : v < 80 ? 1 : 2;
            snprintf(num, sizeof num, "%u.%llu", arc1, (unsigned long long)(v - arc1 * 40));
            first = 0;
        } else {
            snprintf(num, sizeof num, ".%llu", (unsigned long long)v);
        }
        append_str(out, outsz, &pos, num);
        v = 0;
    }
}

/* ------------------------------------------------------------------ times */

int64_t hxc__der_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* H. Hinnant's days_from_civil: days since 1970-01-01. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const unsigned char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int hxc__der_time(const struct der_item *it, int64_t *out)
{
    const unsigned char *p = it->val;
    int y, mo, d, h, mi, s;
    if (it->tag == DER_UTC_TIME && it->len == 13) { /* YYMMDDHHMMSSZ */
        if (digits(p, 2, &y) != 0)
            return -1;
        y += y < 50 ? 2000 : 1900; /* RFC 5280 4.1.2.5.1 */
        p += 2;
    } else if (it->tag == DER_GENERALIZED_TIME && it->len == 15) { /* YYYYMMDDHHMMSSZ */
        if (digits(p, 4, &y) != 0)
            return -1;
        p += 4;
    } else {
        return -1;
    }
    if (digits(p, 2, &mo) || digits(p + 2, 2, &d) || digits(p + 4, 2, &h) ||
        digits(p + 6, 2, &mi) || digits(p + 8, 2, &s) || p[10] != 'Z')
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
        return -1;
    int64_t days = hxc__der_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out = days * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void split_time(int64_t t, int64_t *y, unsigned *m, unsigned *d, unsigned *secs)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    *secs = (unsigned)(t - days * 86400);
    civil_from_days(days, y, m, d);
}

void hxc__der_format_time(int64_t t, char *out, size_t outsz)
{
    int64_t y;
    unsigned m, d, s;
    split_time(t, &y, &m, &d, &s);
    snprintf(out, outsz, "%04lld-%02u-%02u %02u:%02u:%02u UTC", (long long)y, m, d, s / 3600,
             s / 60 % 60, s % 60);
}

void hxc__der_format_date(int64_t t, char *out, size_t outsz)
{
    int64_t y;
    unsigned m, d, s;
    split_time(t, &y, &m, &d, &s);
    snprintf(out, outsz, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* ------------------------------------------------------------------ names */

struct attr_name {
    const char *short_name;
    unsigned char oid[10];
    size_t oid_len;
};

static const struct attr_name attr_names[] = {
    {"CN", {0x55, 0x04, 0x03}, 3},
    {"serialNumber", {0x55, 0x04, 0x05}, 3},
    {"C", {0x55, 0x04, 0x06}, 3},
    {"L", {0x55, 0x04, 0x07}, 3},
    {"ST", {0x55, 0x04, 0x08}, 3},
    {"street", {0x55, 0x04, 0x09}, 3},
    {"O", {0x55, 0x04, 0x0a}, 3},
    {"OU", {0x55, 0x04, 0x0b}, 3},
    {"organizationIdentifier", {0x55, 0x04, 0x61}, 3},
    {"emailAddress", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9},
    {"DC", {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10},
    {"UID", {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, 10},
};

static void append_attr_type(const struct der_item *oid, char *out, size_t outsz, size_t *pos)
{
    for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
        if (hxc__der_oid_is(oid, attr_names[i].oid, attr_names[i].oid_len)) {
            append_str(out, outsz, pos, attr_names[i].short_name);
            return;
        }
    }
    char text[64];
    hxc__der_oid_text(oid->val, oid->len, text, sizeof text);
    append_str(out, outsz, pos, text);
}

static void append_codepoint(char *out, size_t outsz, size_t *pos, uint32_t c)
{
    char b[4];
    size_t n;
    if (c < 0x20 || c == 0x7f) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\%02X", (unsigned)c);
        append_str(out, outsz, pos, esc);
        return;
    }
    if (c < 0x80) {
        if (strchr(",+\"\\<>;", (int)c) != NULL)
            append(out, outsz, pos, "\\", 1);
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xe0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    append(out, outsz, pos, b, n);
}

static void append_attr_value(const struct der_item *v, char *out, size_t outsz, size_t *pos)
{
    switch (v->tag) {
    case DER_UTF8_STRING:
    case DER_PRINTABLE_STRING:
    case DER_T61_STRING:
    case DER_IA5_STRING:
        for (size_t i = 0; i < v->len; i++) {
            unsigned char c = v->val[i];
            if (c >= 0x80) /* pass UTF-8 through */
                append(out, outsz, pos, (const char *)&v->val[i], 1);
            else
                append_codepoint(out, outsz, pos, c);
        }
        return;
    case DER_BMP_STRING:
        for (size_t i = 0; i + 1 < v->len; i += 2)
            append_codepoint(out, outsz, pos, (uint32_t)v->val[i] << 8 | v->val[i + 1]);
        return;
    case DER_UNIVERSAL_STRING:
        for (size_t i = 0; i + 3 < v->len; i += 4)
            append_codepoint(out, outsz, pos,
                             (uint32_t)v->val[i] << 24 | (uint32_t)v->val[i + 1] << 16 |
                                 (uint32_t)v->val[i + 2] << 8 | v->val[i + 3]);
        return;
    default: {
        append_str(out, outsz, pos, "#");
        for (size_t i = 0; i < v->tlv_len; i++) {
            char hx[3];
            snprintf(hx, sizeof hx, "%02x", v->tlv[i]);
            append_str(out, outsz, pos, hx);
        }
    }
    }
}

/* Appends one RDN (a SET of type=value pairs joined by '+'): 0 or -1. */
static int append_rdn(const struct der_item *rdn, char *out, size_t outsz, size_t *pos)
{
    struct der_reader r;
    struct der_item atv, oid, val;
    hxc__der_enter(&r, rdn);
    int first = 1;
    int rc;
    while ((rc = hxc__der_next(&r, &atv)) == 1) {
        struct der_reader ra;
        if (atv.tag != DER_SEQUENCE)
            return -1;
        hxc__der_enter(&ra, &atv);
        if (hxc__der_expect(&ra, DER_OID, &oid) != 0 || hxc__der_next(&ra, &val) != 1)
            return -1;
        if (!first)
            append_str(out, outsz, pos, "+");
        first = 0;
        append_attr_type(&oid, out, outsz, pos);
        append_str(out, outsz, pos, "=");
        append_attr_value(&val, out, outsz, pos);
    }
    return rc;
}

#define MAX_RDNS 32

void hxc__der_format_name(const unsigned char *name, size_t len, char *out, size_t outsz)
{
    struct der_reader r;
    struct der_item seq, rdns[MAX_RDNS];
    size_t n = 0, pos = 0;
    int rc;
    if (outsz == 0)
        return;
    out[0] = '\0';
    hxc__der_init(&r, name, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) != 0)
        goto malformed;
    hxc__der_enter(&r, &seq);
    while (n < MAX_RDNS && (rc = hxc__der_next(&r, &rdns[n])) == 1) {
        if (rdns[n].tag != DER_SET)
            goto malformed;
        n++;
    }
    if (n == 0) {
        append_str(out, outsz, &pos, "(empty)");
        return;
    }
    for (size_t i = n; i-- > 0;) {
        if (i != n - 1)
            append_str(out, outsz, &pos, ", ");
        if (append_rdn(&rdns[i], out, outsz, &pos) != 0)
            goto malformed;
    }
    return;
malformed:
    pos = 0;
    append_str(out, outsz, &pos, "(malformed name)");
}

static const unsigned char oid_cn[] = {0x55, 0x04, 0x03};

void hxc__der_format_short_name(const unsigned char *name, size_t len, char *out,
                                size_t outsz)
{
    struct der_reader r, rr, ra;
    struct der_item seq, rdn, atv, oid, val, found = {0};
    int have = 0;
    hxc__der_init(&r, name, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &seq) == 0) {
        hxc__der_enter(&r, &seq);
        while (hxc__der_next(&r, &rdn) == 1 && rdn.tag == DER_SET) {
            hxc__der_enter(&rr, &rdn);
            while (hxc__der_next(&rr, &atv) == 1 && atv.tag == DER_SEQUENCE) {
                hxc__der_enter(&ra, &atv);
                if (hxc__der_expect(&ra, DER_OID, &oid) == 0 &&
                    hxc__der_oid_is(&oid, oid_cn, sizeof oid_cn) &&
                    hxc__der_next(&ra, &val) == 1) {
                    found = val; /* the last (most specific) CN wins */
                    have = 1;
                }
            }
        }
    }
    if (!have) {
        hxc__der_format_name(name, len, out, outsz);
        return;
    }
    size_t pos = 0;
    if (outsz)
        out[0] = '\0';
    append_str(out, outsz, &pos, "CN=");
    append_attr_value(&found, out, outsz, &pos);
}

/* ------------------------------------------------------------------ certificates */

int hxc__der_cert_subject(const unsigned char *der, size_t len, struct der_item *subject,
                          size_t *consumed)
{
    struct der_reader r;
    struct der_item cert, tbs, it;
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &cert) != 0)
        return -1;
    if (consumed)
        *consumed = cert.tlv_len;
    hxc__der_enter(&r, &cert);
    if (hxc__der_expect(&r, DER_SEQUENCE, &tbs) != 0)
        return -1;
    hxc__der_enter(&r, &tbs);
    if (hxc__der_optional(&r, DER_CTX_CONS(0), &it) < 0)     /* version */
        return -1;
    if (hxc__der_expect(&r, DER_INTEGER, &it) != 0 ||       /* serial */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 ||      /* signature alg */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 ||      /* issuer */
        hxc__der_expect(&r, DER_SEQUENCE, &it) != 0 ||      /* validity */
        hxc__der_expect(&r, DER_SEQUENCE, subject) != 0)    /* subject */
        return -1;
    return 0;
}
