/*
 * RSASSA-PSS (RFC 8017 section 8.1) with EMSA-PSS (section 9.1) and MGF1
 * (appendix B.2.1), built on BearSSL's raw RSA operations (br_rsa_public,
 * br_rsa_private) and hash classes: BearSSL 0.6 has no PSS of its own.
 *
 * TLS 1.3 uses it for rsa_pss_rsae_sha256/384/512: the hash is SHA-256/384/512,
 * MGF1 uses the same hash, and the salt is as long as the hash output. These
 * functions take any br_hash_class (the RSA Laboratories test vectors are
 * SHA-1) and any salt length.
 *
 * Moduli are limited to HXC_RSA_MAX_BITS (4096) bits, BearSSL's own limit.
 * Nothing here allocates; intermediate values are wiped before returning.
 */
#ifndef HXC_TLS_RSAPSS_H
#define HXC_TLS_RSAPSS_H

#include <bearssl.h>
#include <stddef.h>

/* Largest RSA modulus, in bits: BearSSL's BR_MAX_RSA_SIZE, which its public
 * headers do not export (it lives in inner.h). */
#define HXC_RSA_MAX_BITS 4096

/*
 * Outcome of a verification: HXC_PSS_OK, or the first check that failed,
 * in the order of RFC 8017 8.1.2 and 9.1.2. hxc__rsa_pss_verify() folds
 * these to 1 / 0; tests use the detail to prove which check rejected.
 */
enum hxc__pss_status {
    HXC_PSS_OK = 0,
    HXC_PSS_E_PARAM,        /* NULL argument or unusable hash class */
    HXC_PSS_E_KEY,          /* modulus empty, or larger than HXC_RSA_MAX_BITS bits */
    HXC_PSS_E_SIG_LENGTH,   /* 8.1.2 step 1: signature length != k */
    HXC_PSS_E_RSA,          /* 8.1.2 step 2b: RSAVP1 failed (s >= n, or n unusable) */
    HXC_PSS_E_LEADING_BYTE, /* 8.1.2 step 2c: m does not fit in emLen octets */
    HXC_PSS_E_EM_LENGTH,    /* 9.1.2 step 3: emLen < hLen + sLen + 2 */
    HXC_PSS_E_TRAILER,      /* 9.1.2 step 4: rightmost octet is not 0xbc */
    HXC_PSS_E_TOP_BITS,     /* 9.1.2 step 6: leftmost 8emLen-emBits bits of maskedDB set */
    HXC_PSS_E_PADDING,      /* 9.1.2 step 10: a PS octet of DB is not zero */
    HXC_PSS_E_SEPARATOR,    /* 9.1.2 step 10: the octet after PS is not 0x01 */
    HXC_PSS_E_HASH,         /* 9.1.2 step 14: H' != H */
};

/*
 * RSASSA-PSS-VERIFY (8.1.2). `hv` is mHash, the message hash (hash output
 * length); `salt_len` the expected salt length (sLen). The signature must
 * be exactly k = modulus length bytes. `sig` is not modified (the RSA
 * operation runs on a copy). Returns 1 if the signature is valid, 0
 * otherwise.
 */
int hxc__rsa_pss_verify(br_rsa_public pub, const br_rsa_public_key *pk,
                        const br_hash_class *hash, size_t salt_len, const unsigned char *hv,
                        const unsigned char *sig, size_t sig_len);

/* The same, saying which check failed. */
enum hxc__pss_status hxc__rsa_pss_verify_status(br_rsa_public pub, const br_rsa_public_key *pk,
                                                const br_hash_class *hash, size_t salt_len,
                                                const unsigned char *hv,
                                                const unsigned char *sig, size_t sig_len);

/*
 * RSASSA-PSS-SIGN (8.1.1): EMSA-PSS-ENCODE of `hv` (mHash) with the given
 * salt (salt_len bytes, from the caller's RNG; may be empty), then the RSA
 * private operation. modBits is sk->n_bitlen. Writes k = (n_bitlen + 7) / 8
 * bytes to `sig` and returns k; returns 0 (and leaves `sig` zeroed when it
 * was large enough) if sig_cap < k, the key is larger than HXC_RSA_MAX_BITS
 * bits, emLen < hLen + salt_len + 2, or the RSA operation fails.
 */
size_t hxc__rsa_pss_sign(br_rsa_private priv, const br_rsa_private_key *sk,
                         const br_hash_class *hash, const unsigned char *salt, size_t salt_len,
                         const unsigned char *hv, unsigned char *sig, size_t sig_cap);

/*
 * EMSA-PSS-ENCODE (9.1.1) with mHash = hv: writes emLen = ceil(em_bits / 8)
 * bytes to `em`. Returns 1, or 0 ("encoding error") when emLen < hLen +
 * salt_len + 2 or an argument is unusable. Exposed for the tests, which
 * sign hand-crafted encodings with the raw private operation.
 */
int hxc__emsa_pss_encode(const br_hash_class *hash, const unsigned char *hv,
                         const unsigned char *salt, size_t salt_len, size_t em_bits,
                         unsigned char *em);

/*
 * EMSA-PSS-VERIFY (9.1.2) of em (emLen = ceil(em_bits / 8) bytes) against
 * mHash = hv with sLen = salt_len. `em` is not modified.
 */
enum hxc__pss_status hxc__emsa_pss_verify(const br_hash_class *hash, const unsigned char *hv,
                                          size_t salt_len, const unsigned char *em,
                                          size_t em_bits);

#endif
