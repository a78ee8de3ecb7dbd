/*
 * RSASSA-PSS on BearSSL's primitives: see rsapss.h. Step numbers in the
 * comments are those of RFC 8017 (PKCS #1 v2.2).
 */
#include "tls/rsapss.h"

#include <stdint.h>
#include <string.h>

/* Largest modulus, in bytes. */
#define MAX_K (HXC_RSA_MAX_BITS / 8)

/* Largest hash output BearSSL has (SHA-512). */
#define MAX_HLEN 64

static void wipe(void *p, size_t len)
{
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
}

/* Output length of a hash class, or 0 if the class is unusable here (no
 * class, output longer than SHA-512's, or a context larger than BearSSL's
 * compat union). */
static size_t hash_len(const br_hash_class *hash)
{
    if (hash == NULL || hash->context_size > sizeof(br_hash_compat_context))
        return 0;
    size_t hlen = (size_t)((hash->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
    return hlen <= MAX_HLEN ? hlen : 0;
}

/*
 * MGF1 (appendix B.2.1), XORed into `out`: out ^= MGF1(seed, out_len).
 * T is the concatenation of Hash(seed || C) for the 4-octet big-endian
 * counter C = 0, 1, ...; its first out_len octets are the mask. (The
 * "maskLen > 2^32 hLen" error cannot happen: out_len <= MAX_K.)
 */
static void mgf1_xor(const br_hash_class *hash, size_t hlen, const unsigned char *seed,
                     unsigned char *out, size_t out_len)
{
    br_hash_compat_context hc;
    unsigned char t[MAX_HLEN];
    uint32_t counter = 0;
    size_t done = 0;

    while (done < out_len) {
        unsigned char c[4] = {(unsigned char)(counter >> 24), (unsigned char)(counter >> 16),
                              (unsigned char)(counter >> 8), (unsigned char)counter};
        hash->init(&hc.vtable);
        hash->update(&hc.vtable, seed, hlen);
        hash->update(&hc.vtable, c, sizeof c);
        hash->out(&hc.vtable, t);
        size_t n = out_len - done < hlen ? out_len - done : hlen;
        for (size_t i = 0; i < n; i++)
            out[done + i] ^= t[i];
        done += n;
        counter++;
    }
    wipe(&hc, sizeof hc);
    wipe(t, sizeof t);
}

/* 9.1.1 steps 5-6 / 9.1.2 steps 12-13: H = Hash(M'), where
 * M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt. */
static void hash_mprime(const br_hash_class *hash, size_t hlen, const unsigned char *mhash,
                        const unsigned char *salt, size_t salt_len, unsigned char *out)
{
    static const unsigned char zeros[8] = {0};
    br_hash_compat_context hc;

    hash->init(&hc.vtable);
    hash->update(&hc.vtable, zeros, sizeof zeros);
    hash->update(&hc.vtable, mhash, hlen);
    if (salt_len > 0)
        hash->update(&hc.vtable, salt, salt_len);
    hash->out(&hc.vtable, out);
    wipe(&hc, sizeof hc);
}

/* emLen >= hLen + sLen + 2, without overflow for huge salt lengths. */
static int em_len_ok(size_t em_len, size_t hlen, size_t salt_len)
{
    return em_len >= hlen + 2 && em_len - hlen - 2 >= salt_len;
}

/* ------------------------------------------------------- EMSA-PSS (9.1) */

int hxc__emsa_pss_encode(const br_hash_class *hash, const unsigned char *hv,
                         const unsigned char *salt, size_t salt_len, size_t em_bits,
                         unsigned char *em)
{
    size_t hlen = hash_len(hash);
    if (hlen == 0 || hv == NULL || em == NULL || (salt == NULL && salt_len > 0) ||
        em_bits > HXC_RSA_MAX_BITS)
        return 0;
    size_t em_len = (em_bits + 7) / 8;

    /* Steps 1-2: the caller supplies mHash = Hash(M) directly. */

    /* Step 3: room for H, the salt, 0x01 and 0xbc. */
    if (!em_len_ok(em_len, hlen, salt_len))
        return 0;

    /* Steps 4-6: the salt is the caller's; H = Hash(0^8 || mHash || salt),
     * written straight to its place in EM (after maskedDB). */
    size_t db_len = em_len - hlen - 1;
    unsigned char *h = em + db_len;
    hash_mprime(hash, hlen, hv, salt, salt_len, h);

    /* Steps 7-8: DB = PS || 0x01 || salt, PS being emLen - sLen - hLen - 2
     * zero octets; DB has emLen - hLen - 1 octets. */
    size_t ps_len = db_len - salt_len - 1;
    memset(em, 0, ps_len);
    em[ps_len] = 0x01;
    if (salt_len > 0)
        memcpy(em + ps_len + 1, salt, salt_len);

    /* Steps 9-10: maskedDB = DB xor MGF1(H, emLen - hLen - 1). */
    mgf1_xor(hash, hlen, h, em, db_len);

    /* Step 11: clear the leftmost 8emLen - emBits bits of maskedDB. */
    em[0] &= (unsigned char)(0xff >> (8 * em_len - em_bits));

    /* Step 12: EM = maskedDB || H || 0xbc. */
    em[em_len - 1] = 0xbc;
    return 1;
}

enum hxc__pss_status hxc__emsa_pss_verify(const br_hash_class *hash, const unsigned char *hv,
                                          size_t salt_len, const unsigned char *em,
                                          size_t em_bits)
{
    size_t hlen = hash_len(hash);
    if (hlen == 0 || hv == NULL || em == NULL || em_bits > HXC_RSA_MAX_BITS)
        return HXC_PSS_E_PARAM;
    size_t em_len = (em_bits + 7) / 8;
    size_t zero_bits = 8 * em_len - em_bits; /* 0..7 */

    /* Steps 1-2: the caller supplies mHash = Hash(M) directly. */

    /* Step 3. */
    if (!em_len_ok(em_len, hlen, salt_len))
        return HXC_PSS_E_EM_LENGTH;

    /* Step 4: the trailer field. */
    if (em[em_len - 1] != 0xbc)
        return HXC_PSS_E_TRAILER;

    /* Step 5: maskedDB is the leftmost emLen - hLen - 1 octets, H the next hLen. */
    size_t db_len = em_len - hlen - 1;
    const unsigned char *h = em + db_len;

    /* Step 6: the bits that encoding cleared must be clear. */
    if ((em[0] & (unsigned char)~(0xff >> zero_bits)) != 0)
        return HXC_PSS_E_TOP_BITS;

    /* Steps 7-8: DB = maskedDB xor MGF1(H, emLen - hLen - 1), on a copy. */
    unsigned char db[MAX_K];
    memcpy(db, em, db_len);
    mgf1_xor(hash, hlen, h, db, db_len);

    /* Step 9: clear the leftmost 8emLen - emBits bits of DB. */
    db[0] &= (unsigned char)(0xff >> zero_bits);

    /* Step 10: the emLen - hLen - sLen - 2 leftmost octets (PS) are zero and
     * the next one, at position emLen - hLen - sLen - 1, is 0x01. */
    enum hxc__pss_status st = HXC_PSS_OK;
    size_t ps_len = db_len - salt_len - 1;
    for (size_t i = 0; i < ps_len; i++) {
        if (db[i] != 0) {
            st = HXC_PSS_E_PADDING;
            break;
        }
    }
    if (st == HXC_PSS_OK && db[ps_len] != 0x01)
        st = HXC_PSS_E_SEPARATOR;

    if (st == HXC_PSS_OK) {
        /* Steps 11-13: salt = the last sLen octets of DB;
         * H' = Hash(0^8 || mHash || salt). */
        unsigned char h2[MAX_HLEN];
        hash_mprime(hash, hlen, hv, db + ps_len + 1, salt_len, h2);

        /* Step 14: H == H', compared in constant time. */
        unsigned diff = 0;
        for (size_t i = 0; i < hlen; i++)
            diff |= (unsigned)(h[i] ^ h2[i]);
        if (diff != 0)
            st = HXC_PSS_E_HASH;
        wipe(h2, sizeof h2);
    }
    wipe(db, db_len);
    return st;
}

/* --------------------------------------------------- RSASSA-PSS (8.1) */

enum hxc__pss_status hxc__rsa_pss_verify_status(br_rsa_public pub, const br_rsa_public_key *pk,
                                                const br_hash_class *hash, size_t salt_len,
                                                const unsigned char *hv,
                                                const unsigned char *sig, size_t sig_len)
{
    if (pub == NULL || pk == NULL || pk->n == NULL || hash_len(hash) == 0 || hv == NULL ||
        (sig == NULL && sig_len > 0))
        return HXC_PSS_E_PARAM;

    /* k, the modulus length in octets, and modBits, from n without the
     * leading zero octets a key may carry. */
    const unsigned char *n = pk->n;
    size_t k = pk->nlen;
    while (k > 0 && *n == 0) {
        n++;
        k--;
    }
    if (k == 0 || k > MAX_K)
        return HXC_PSS_E_KEY;
    size_t mod_bits = 8 * (k - 1);
    for (unsigned top = n[0]; top != 0; top >>= 1)
        mod_bits++;

    /* 8.1.2 step 1: the signature is exactly k octets. */
    if (sig_len != k)
        return HXC_PSS_E_SIG_LENGTH;

    /* Step 2a-b: s = OS2IP(S); m = RSAVP1(pk, s) = s^e mod n. BearSSL works
     * in place, so on a copy; it fails when s >= n. */
    unsigned char buf[MAX_K];
    memcpy(buf, sig, k);
    if (!pub(buf, k, pk)) {
        wipe(buf, k);
        return HXC_PSS_E_RSA;
    }

    /* Step 2c: EM = I2OSP(m, emLen), emLen = ceil((modBits - 1) / 8). When
     * modBits - 1 is a multiple of 8, emLen = k - 1 and m must fit: its
     * leading octet must be zero. */
    size_t em_bits = mod_bits - 1;
    size_t em_len = (em_bits + 7) / 8;
    enum hxc__pss_status st = HXC_PSS_OK;
    for (size_t i = 0; i < k - em_len; i++) {
        if (buf[i] != 0)
            st = HXC_PSS_E_LEADING_BYTE;
    }

    /* Step 3: EMSA-PSS-VERIFY(M, EM, modBits - 1). */
    if (st == HXC_PSS_OK)
        st = hxc__emsa_pss_verify(hash, hv, salt_len, buf + (k - em_len), em_bits);
    wipe(buf, k);
    return st;
}

int hxc__rsa_pss_verify(br_rsa_public pub, const br_rsa_public_key *pk,
                        const br_hash_class *hash, size_t salt_len, const unsigned char *hv,
                        const unsigned char *sig, size_t sig_len)
{
    return hxc__rsa_pss_verify_status(pub, pk, hash, salt_len, hv, sig, sig_len) == HXC_PSS_OK;
}

size_t hxc__rsa_pss_sign(br_rsa_private priv, const br_rsa_private_key *sk,
                         const br_hash_class *hash, const unsigned char *salt, size_t salt_len,
                         const unsigned char *hv, unsigned char *sig, size_t sig_cap)
{
    if (priv == NULL || sk == NULL || sig == NULL || sk->n_bitlen < 2 ||
        sk->n_bitlen > HXC_RSA_MAX_BITS)
        return 0;
    size_t mod_bits = sk->n_bitlen;
    size_t k = (mod_bits + 7) / 8;
    if (sig_cap < k)
        return 0;

    /* 8.1.1 step 1: EM = EMSA-PSS-ENCODE(M, modBits - 1), emLen =
     * ceil((modBits - 1) / 8) octets, right-aligned in the k-octet buffer
     * (one zero octet in front when modBits - 1 is a multiple of 8). */
    size_t em_bits = mod_bits - 1;
    size_t em_len = (em_bits + 7) / 8;
    memset(sig, 0, k - em_len);
    if (!hxc__emsa_pss_encode(hash, hv, salt, salt_len, em_bits, sig + (k - em_len))) {
        wipe(sig, k);
        return 0;
    }

    /* Step 2: m = OS2IP(EM); s = RSASP1(K, m) = m^d mod n; S = I2OSP(s, k).
     * BearSSL's private operation works in place on the k octets. */
    if (!priv(sig, sk)) {
        wipe(sig, k);
        return 0;
    }
    return k;
}
