/*
 * A small DER reader for X.509 (ITU-T X.690): tag/length/value walking,
 * OIDs, times and distinguished names. Pure functions over caller-owned
 * bytes; nothing is copied or allocated.
 */
#ifndef HXC_X509_DER_H
#define HXC_X509_DER_H

#include <stddef.h>
#include <stdint.h>

/* Universal and context tags used in certificates (one-byte tags only). */
#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTF8_STRING 0x0c
#define DER_PRINTABLE_STRING 0x13
#define DER_T61_STRING 0x14
#define DER_IA5_STRING 0x16
#define DER_UTC_TIME 0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_UNIVERSAL_STRING 0x1c
#define DER_BMP_STRING 0x1e
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CTX(n) (0x80 | (n))          /* [n] IMPLICIT, primitive */
#define DER_CTX_CONS(n) (0xa0 | (n))     /* [n] constructed */

/* One element: its tag, whole encoding (tlv) and contents (val). */
struct der_item {
    unsigned tag;
    const unsigned char *tlv;
    size_t tlv_len;
    const unsigned char *val;
    size_t len;
};

/* A cursor over a run of consecutive elements. */
struct der_reader {
    const unsigned char *p;
    const unsigned char *end;
};

void hxc__der_init(struct der_reader *r, const void *data, size_t len);
/* Cursor over the contents of a constructed item. */
void hxc__der_enter(struct der_reader *r, const struct der_item *it);
int hxc__der_at_end(const struct der_reader *r);
/* Next element: 1 read, 0 at end, -1 malformed (bad length, truncated,
 * indefinite length or multi-byte tag). */
int hxc__der_next(struct der_reader *r, struct der_item *it);
/* Next element, which must exist and carry `tag`: 0 ok, -1 otherwise. */
int hxc__der_expect(struct der_reader *r, unsigned tag, struct der_item *it);
/* Reads the next element only if it carries `tag`: 1 read, 0 absent, -1 malformed. */
int hxc__der_optional(struct der_reader *r, unsigned tag, struct der_item *it);

/* 1 when the OID item's contents equal `oid` (contents bytes, no header). */
int hxc__der_oid_is(const struct der_item *it, const unsigned char *oid, size_t oid_len);
/* Dotted text of an OID's contents ("1.2.3.4"); "?" when malformed. */
void hxc__der_oid_text(const unsigned char *val, size_t len, char *out, size_t outsz);

/* UTCTime / GeneralizedTime (the "Z" forms X.509 requires) to seconds
 * since the epoch: 0 ok, -1 malformed. */
int hxc__der_time(const struct der_item *it, int64_t *out);
/* "YYYY-MM-DD HH:MM:SS UTC" and "YYYY-MM-DD". */
void hxc__der_format_time(int64_t t, char *out, size_t outsz);
void hxc__der_format_date(int64_t t, char *out, size_t outsz);
int64_t hxc__der_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Name (whole SEQUENCE encoding) as text, most specific first (RFC 4514
 * order): "CN=localhost, O=hxc test". Truncated to fit; "(empty)" for an
 * empty name, "(malformed name)" when it does not parse. */
void hxc__der_format_name(const unsigned char *name, size_t len, char *out, size_t outsz);
/* "CN=<common name>" when the name has one, otherwise the whole name. */
void hxc__der_format_short_name(const unsigned char *name, size_t len, char *out,
                                size_t outsz);

/* Locates the subject Name (whole encoding) of a DER certificate, and
 * checks the outer structure. 0 ok, -1 malformed. `consumed` (may be NULL)
 * receives the length of the certificate's outer element. */
int hxc__der_cert_subject(const unsigned char *der, size_t len, struct der_item *subject,
                          size_t *consumed);

#endif
