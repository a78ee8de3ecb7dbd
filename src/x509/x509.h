/*
 * Trust store and certificate verification policy (see ../shared/DESIGN.md,
 * "Certificate verification policy"). Knows nothing of HTTP or sockets.
 *
 * The verifier is ours, built on BearSSL primitives: BearSSL's x509 decoder
 * (keys, DNs), its hash functions and its RSA / ECDSA signature verifiers.
 * br_x509_minimal is not used for the decision because it refuses critical
 * name constraints, ignores iPAddress SANs, EKU and path building.
 */
#ifndef HXC_X509_X509_H
#define HXC_X509_X509_H

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#include "hxc.h"

/* One certificate as DER bytes. */
struct hxc__der {
    const unsigned char *data;
    size_t len;
};

/* Embedded certifi roots, generated at build time into the build tree by
 * src/x509/gen_anchors.c (see CMakeLists.txt). */
struct hxc__embedded_root {
    const unsigned char *der;  /* whole certificate */
    size_t der_len;
    br_x509_trust_anchor ta;   /* DN + key, as BearSSL wants them */
};
extern const struct hxc__embedded_root hxc__embedded_roots[];
extern const size_t hxc__embedded_root_count;
extern const char hxc__certifi_version[];

/* A set of trust anchors. Each anchor keeps its whole certificate, so its
 * validity and name constraints are enforced, not only its name and key. */
struct hxc__trust_store;

struct hxc__trust_store *hxc__trust_store_new(void);
void hxc__trust_store_free(struct hxc__trust_store *ts);
size_t hxc__trust_store_count(const struct hxc__trust_store *ts);
/* Adds the embedded certifi roots (no copy). */
hxc_status hxc__trust_store_add_embedded(struct hxc__trust_store *ts, hxc_error *err);
/* Adds every certificate of a PEM (any number of CERTIFICATE blocks, text
 * between them, CRLF) or DER file, and, like Python's
 * load_verify_locations, every CRL in it ("X509 CRL" blocks or DER CRLs) to
 * the store's CRL set. Neither a certificate nor a CRL found is an error
 * naming the path; a malformed block names the path and line. */
hxc_status hxc__trust_store_add_file(struct hxc__trust_store *ts, const char *path,
                                     hxc_error *err);
/* Same for a buffer; `what` names it in errors. */
hxc_status hxc__trust_store_add_mem(struct hxc__trust_store *ts, const void *data, size_t len,
                                    const char *what, hxc_error *err);

/*
 * Revocation (src/x509/crl.h) and path settings, fixed with the store so
 * that they travel with it to every verification (hxc__x509_verify).
 */
struct hxc__crl_set;
enum hxc__crl_mode {
    HXC_CRL_NONE = 0,  /* CRLs loaded, if any, are not consulted */
    HXC_CRL_LEAF = 1,  /* the leaf must be covered by a CRL of its issuer */
    HXC_CRL_CHAIN = 2  /* every certificate below the anchor must be */
};
void hxc__trust_store_set_crl_mode(struct hxc__trust_store *ts, enum hxc__crl_mode mode);
enum hxc__crl_mode hxc__trust_store_crl_mode(const struct hxc__trust_store *ts);
/* At most max_depth certificates in a path, leaf and anchor included; 0
 * (the initial value) means the verifier's default (10). Stored as given:
 * range checks belong to the callers (the public API allows 1..32). */
void hxc__trust_store_set_max_depth(struct hxc__trust_store *ts, unsigned max_depth);
unsigned hxc__trust_store_max_depth(const struct hxc__trust_store *ts);
/* The CRLs loaded so far; NULL (or an empty set) when none was loaded:
 * hxc__crl_check takes either. */
const struct hxc__crl_set *hxc__trust_store_crls(const struct hxc__trust_store *ts);
/* Adds every CRL of a PEM or DER file (several allowed). A file without
 * any CRL, unreadable, or with a malformed CRL is an error naming it
 * (and the PEM line). */
hxc_status hxc__trust_store_add_crl_file(struct hxc__trust_store *ts, const char *path,
                                         hxc_error *err);
hxc_status hxc__trust_store_add_crl_mem(struct hxc__trust_store *ts, const void *data,
                                        size_t len, const char *what, hxc_error *err);

/* Adds every certificate file in a directory (OpenSSL hashed names such as
 * 1a2b3c4d.0 and plain *.pem / *.crt / *.cer alike; other files that hold no
 * certificate are skipped). A missing directory, or one without any
 * certificate, is an error naming it. */
hxc_status hxc__trust_store_add_dir(struct hxc__trust_store *ts, const char *path,
                                    hxc_error *err);
/* Adds the operating system's bundle (the first that exists of the usual
 * distribution paths); error naming the paths tried when none exists. */
hxc_status hxc__trust_store_add_native(struct hxc__trust_store *ts, hxc_error *err);

/* Reads a PEM or DER file of certificates into a malloc'ed array (caller
 * frees with hxc__der_list_free). Used for chains by `hxc verify`. */
hxc_status hxc__der_list_load_file(const char *path, struct hxc__der **out, size_t *n,
                                   hxc_error *err);
void hxc__der_list_free(struct hxc__der *list, size_t n);

/* Details of the leaf, for -v. Strings are NUL-terminated, truncated to fit. */
struct hxc__cert_summary {
    char subject[256];
    char issuer[256];
    char not_before[32]; /* "2026-01-03 00:00:00 UTC" */
    char not_after[32];
};

/*
 * The whole policy. chain[0] is the leaf as sent; the rest in any order,
 * with possible extra/unrelated certificates. host: DNS name or IP literal
 * (IPv6 without brackets). unix_time: seconds since the epoch (the caller
 * passes the platform clock or `--time`).
 * Returns HXC_OK or an HXC_E_CERT_* code with err->message like
 *   "certificate verify failed for 'localhost': hostname mismatch (certificate is valid for other.example)"
 *   "certificate verify failed for 'localhost': certificate expired 2026-01-03 (depth 1, CN=Example Intermediate)"
 * summary (may be NULL) receives the leaf's details even on failure, when
 * the leaf parses.
 */
hxc_status hxc__x509_verify(const struct hxc__trust_store *ts, const struct hxc__der *chain,
                            size_t n, const char *host, int64_t unix_time,
                            struct hxc__cert_summary *summary, hxc_error *err);

/*
 * BearSSL X.509 class wrapper for the TLS engine: collects the chain the
 * server sends, and at end_chain runs hxc__x509_verify (or, with verify off,
 * accepts any chain). In both cases it extracts the leaf's public key for
 * the key exchange. Install with br_ssl_engine_set_x509(&cc.eng, &ctx.vtable).
 */
struct hxc__x509_ctx {
    const br_x509_class *vtable;
    /* private below */
    const struct hxc__trust_store *ts;
    char host[256];
    int verify;
    int64_t unix_time;
    unsigned char *buf;      /* concatenated DER of received certs */
    size_t buf_len, buf_cap;
    size_t cert_off[16], cert_len[16];
    size_t ncerts;
    int too_many;            /* certificates dropped: more than 16 or too many bytes */
    int skip_cur;            /* the certificate being received is being dropped */
    int have_key;            /* pkey holds the leaf's key */
    struct hxc__trust_store *empty_ts; /* verify off: empty store, for the summary only */
    br_x509_decoder_context dec;
    br_x509_pkey pkey;
    unsigned char key_data[BR_X509_BUFSIZE_KEY];
    unsigned usages;
    hxc_status status;
    hxc_error error;
    struct hxc__cert_summary summary;
};

/* host may be NULL only when verify == 0. unix_time 0: the platform clock
 * (time(NULL)) when the chain arrives. */
void hxc__x509_ctx_init(struct hxc__x509_ctx *ctx, const struct hxc__trust_store *ts,
                        const char *host, int verify, int64_t unix_time);
void hxc__x509_ctx_free(struct hxc__x509_ctx *ctx);
/* After a failed handshake: HXC_OK if the certificate was not the cause. */
hxc_status hxc__x509_ctx_result(const struct hxc__x509_ctx *ctx, hxc_error *err);

#endif
