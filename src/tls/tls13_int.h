/* Internals of the TLS 1.3 engine shared by tls13.c and tls13_crypto.c. */
#ifndef HXC_TLS_TLS13_INT_H
#define HXC_TLS_TLS13_INT_H

#include "tls/tls13.h"

struct hxc__tls13_suite {
    uint16_t id;
    const br_hash_class *hash;
    size_t key_len;
    int chacha;
    const char *name;
};

/* One direction's record protection. */
struct hxc__tls13_aead {
    int on;
    const struct hxc__tls13_suite *suite;
    br_aes_gen_ctr_keys aes;
    br_gcm_context gcm;
    unsigned char chacha_key[32];
    br_chacha20_run ichacha;
    br_poly1305_run ipoly;
    unsigned char iv[12];
    uint64_t seq;
    unsigned char secret[48]; /* the current traffic secret (KeyUpdate) */
};

struct hxc__tls13_transcript {
    br_sha256_context s256;
    br_sha384_context s384;
};

size_t hxc__tls13_hash_len(const br_hash_class *h);
void hxc__tls13_derive_secret(const br_hash_class *h, const unsigned char *secret,
                              const char *label, const unsigned char *thash,
                              unsigned char *out);
void hxc__tls13_empty_hash(const br_hash_class *h, unsigned char *out);
void hxc__tls13_wipe(void *p, size_t n);
int hxc__tls13_aes_is_hw(void);

void hxc__tls13_aead_set(struct hxc__tls13_aead *a, const struct hxc__tls13_suite *s,
                         const unsigned char *secret);
void hxc__tls13_aead_update(struct hxc__tls13_aead *a);
/* In place; data has room for the 16-byte tag after len. */
void hxc__tls13_seal(struct hxc__tls13_aead *a, const unsigned char hdr[5], unsigned char *data,
                     size_t len);
/* In place; len includes the tag. 1: authentic. */
int hxc__tls13_open(struct hxc__tls13_aead *a, const unsigned char hdr[5], unsigned char *data,
                    size_t len);

void hxc__tls13_transcript_init(struct hxc__tls13_transcript *t);
void hxc__tls13_transcript_add(struct hxc__tls13_transcript *t, const void *data, size_t len);
void hxc__tls13_transcript_hash(const struct hxc__tls13_transcript *t, const br_hash_class *h,
                                unsigned char *out);

#endif
