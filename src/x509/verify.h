/*
 * Internals of the trust store and the verifier shared between
 * src/x509/trust.c, src/x509/verify.c and the unit tests: read access to the
 * anchors, certificate file decoding, and the pure host-name functions.
 */
#ifndef HXC_X509_VERIFY_H
#define HXC_X509_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "x509/der.h"
#include "x509/x509.h"

/* A signature and its algorithm (certificates and CRLs; src/x509/sig.c). */
struct hxc__sig {
    int key_type;            /* BR_KEYTYPE_RSA / BR_KEYTYPE_EC; 0 unsupported */
    int hash;                /* br_sha256_ID ... */
    const char *weak;        /* "SHA-1", "MD5"... when the hash is refused */
    char alg[48];            /* dotted OID or name, for messages */
    const unsigned char *sig;
    size_t sig_len;
};
/* From the AlgorithmIdentifier SEQUENCE and the signature BIT STRING:
 * NULL, or why they are malformed. An unknown algorithm is not an error
 * (key_type 0). */
const char *hxc__sig_parse(struct hxc__sig *s, const struct der_item *alg,
                           const struct der_item *bits);
/* 1 when the signature over tbs verifies with key k. */
int hxc__sig_verify(const struct hxc__sig *s, const unsigned char *tbs, size_t tbs_len,
                    const br_x509_pkey *k);

/* Anchor i (i < hxc__trust_store_count): its whole DER certificate and its
 * subject Name (whole encoding, pointing into the certificate). */
void hxc__trust_store_anchor(const struct hxc__trust_store *ts, size_t i, struct hxc__der *cert,
                             struct hxc__der *subject);

/* The rules a trust anchor must meet by itself (validity at unix_time, key,
 * extensions, CA profile), as if it ended a path at depth 1: for tests that
 * walk the embedded roots. */
hxc_status hxc__x509_check_anchor(const struct hxc__trust_store *ts, size_t i, int64_t unix_time,
                                  hxc_error *err);

/* Decodes a PEM (CERTIFICATE blocks) or DER buffer, calling `fn` for each
 * certificate (DER bytes point into a temporary buffer: copy them). `what`
 * names the source in errors. No certificate at all is an error. */
typedef hxc_status (*hxc__cert_fn)(void *ctx, const unsigned char *der, size_t len,
                                   hxc_error *err);
hxc_status hxc__certs_decode(const void *data, size_t len, const char *what, hxc__cert_fn fn,
                             void *ctx, hxc_error *err);

/* Host names. */
enum hxc__host_kind { HXC_HOST_DNS = 1, HXC_HOST_IPV4 = 4, HXC_HOST_IPV6 = 6 };
struct hxc__host {
    enum hxc__host_kind kind;
    char name[256];          /* normalised DNS name, or the literal as given */
    unsigned char addr[16];  /* IPv4 (4 bytes) or IPv6 (16 bytes) */
    size_t addr_len;
};
/* Normalises `host`: an IPv4 literal, an IPv6 literal (brackets allowed),
 * or a DNS name lowercased with one trailing dot removed. Returns NULL on
 * success or a static reason ("empty label", ...) on failure. */
const char *hxc__host_parse(const char *host, struct hxc__host *out);

/* 1 when the DNS SAN `pattern` (len bytes, as found in the certificate)
 * matches the normalised DNS `host`: case-insensitive; one '*' only as the
 * whole left-most label, matching exactly one label, never directly under a
 * public suffix ("*.com", "*.co.uk", "*.github.io": x509/psl.h). */
int hxc__dns_san_matches(const char *pattern, size_t len, const char *host);

/* 1 when the DNS name `name` lies within the dNSName constraint `base`
 * (RFC 5280 4.2.1.10: "example.com" covers itself and every subdomain,
 * ".example.com" only subdomains, "" everything). Case-insensitive. */
int hxc__dns_in_subtree(const char *name, size_t name_len, const char *base, size_t base_len);

/* 1 when the address (4 or 16 bytes) lies in the iPAddress constraint
 * (address followed by mask: 8 or 32 bytes). */
int hxc__ip_in_subtree(const unsigned char *addr, size_t addr_len, const unsigned char *c,
                       size_t c_len);

#endif
