/*
 * TLS 1.3 key schedule (RFC 8446 7.1) and record protection (5.2, 5.3) on
 * BearSSL's primitives: HMAC for HKDF-Extract / HKDF-Expand (br_hkdf
 * cannot start an Expand from an existing PRK through its public API,
 * and every TLS 1.3 label expands from one), AES-GCM with the fastest
 * AES-CTR and GHASH BearSSL has on this CPU, ChaCha20-Poly1305.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls.h"
#include "tls/tls13_int.h"

/* 64-bit targets get BearSSL's 64-bit constant-time code (BR_64 is
 * BearSSL's internal name for this, not visible from its public headers). */
#if UINTPTR_MAX > 0xffffffffu
#define WORD64 1
#else
#define WORD64 0
#endif

size_t hxc__tls13_hash_len(const br_hash_class *h)
{
    return (size_t)((h->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK);
}

/* HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 2.2). An
 * absent salt is HashLen zero bytes. */
void hxc__tls13_hkdf_extract(const br_hash_class *h, const void *salt, size_t salt_len,
                             const void *ikm, size_t ikm_len, unsigned char *prk)
{
    static const unsigned char zeros[64];
    br_hmac_key_context kc;
    br_hmac_context hc;
    if (salt == NULL) {
        salt = zeros;
        salt_len = hxc__tls13_hash_len(h);
    }
    br_hmac_key_init(&kc, h, salt, salt_len);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, ikm, ikm_len);
    br_hmac_out(&hc, prk);
}

/* HKDF-Expand-Label(Secret, Label, Context, Length) (7.1): HKDF-Expand
 * with info = uint16 length || opaque label<7..255> = "tls13 " + Label ||
 * opaque context<0..255>. Every TLS 1.3 output fits in one or two blocks. */
void hxc__tls13_expand_label(const br_hash_class *h, const unsigned char *secret,
                             const char *label, const void *ctx, size_t ctx_len,
                             unsigned char *out, size_t out_len)
{
    unsigned char info[2 + 1 + 6 + 255 + 1 + 255];
    size_t ll = strlen(label), n = 0;
    info[n++] = (unsigned char)(out_len >> 8);
    info[n++] = (unsigned char)out_len;
    info[n++] = (unsigned char)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, ll);
    n += 6 + ll;
    info[n++] = (unsigned char)ctx_len;
    if (ctx_len > 0)
        memcpy(info + n, ctx, ctx_len);
    n += ctx_len;

    size_t hl = hxc__tls13_hash_len(h);
    br_hmac_key_context kc;
    br_hmac_key_init(&kc, h, secret, hl);
    unsigned char t[64];
    size_t tlen = 0, done = 0;
    for (unsigned char i = 1; done < out_len; i++) {
        br_hmac_context hc;
        br_hmac_init(&hc, &kc, 0);
        br_hmac_update(&hc, t, tlen);
        br_hmac_update(&hc, info, n);
        br_hmac_update(&hc, &i, 1);
        br_hmac_out(&hc, t);
        tlen = hl;
        size_t take = out_len - done < hl ? out_len - done : hl;
        memcpy(out + done, t, take);
        done += take;
    }
    hxc__tls13_wipe(t, sizeof t);
}

void hxc__tls13_derive_secret(const br_hash_class *h, const unsigned char *secret,
                              const char *label, const unsigned char *thash,
                              unsigned char *out)
{
    size_t hl = hxc__tls13_hash_len(h);
    hxc__tls13_expand_label(h, secret, label, thash, thash ? hl : 0, out, hl);
}

/* Hash of the empty string, for Derive-Secret(., "derived", ""). */
void hxc__tls13_empty_hash(const br_hash_class *h, unsigned char *out)
{
    br_hash_compat_context c;
    h->init(&c.vtable);
    h->out(&c.vtable, out);
}

void hxc__tls13_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

/* ------------------------------------------------------------------ */
/* Record protection                                                   */

/* What BearSSL's default profile would pick: AES-NI + PCLMUL on x86-64,
 * otherwise the constant-time 64-bit code. */
static const br_block_ctr_class *aes_ctr_impl(void)
{
    const br_block_ctr_class *v = br_aes_x86ni_ctr_get_vtable();
    if (v == NULL)
        v = br_aes_pwr8_ctr_get_vtable();
#if WORD64
    if (v == NULL)
        v = &br_aes_ct64_ctr_vtable;
#else
    if (v == NULL)
        v = &br_aes_ct_ctr_vtable;
#endif
    return v;
}

static br_ghash ghash_impl(void)
{
    br_ghash g = br_ghash_pclmul_get();
    if (g == 0)
        g = br_ghash_pwr8_get();
#if WORD64
    if (g == 0)
        g = &br_ghash_ctmul64;
#else
    if (g == 0)
        g = &br_ghash_ctmul;
#endif
    return g;
}

int hxc__tls13_aes_is_hw(void)
{
    return br_aes_x86ni_ctr_get_vtable() != NULL || br_aes_pwr8_ctr_get_vtable() != NULL;
}

static br_chacha20_run chacha_impl(void)
{
    br_chacha20_run c = br_chacha20_sse2_get();
    return c != 0 ? c : &br_chacha20_ct_run;
}

static br_poly1305_run poly_impl(void)
{
    br_poly1305_run p = br_poly1305_ctmulq_get();
    return p != 0 ? p : &br_poly1305_ctmul_run;
}

const char *hxc__tls_crypto_impls(void)
{
    static _Thread_local char text[240]; /* hxc_version may run on any thread */
    if (text[0] != '\0')
        return text;
    const br_block_ctr_class *aes = aes_ctr_impl();
    br_ghash gh = ghash_impl();
    const br_ec_impl *ec = br_ec_get_default();
    snprintf(text, sizeof text,
             "AES %s, GHASH %s, ChaCha20 %s, Poly1305 %s, EC %s, RSA %s",
             aes == br_aes_x86ni_ctr_get_vtable() ? "aes_x86ni (AES-NI)"
             : aes == br_aes_pwr8_ctr_get_vtable() ? "aes_pwr8"
             : WORD64 ? "aes_ct64 (constant-time, no AES-NI)" : "aes_ct (constant-time)",
             gh == br_ghash_pclmul_get() ? "ghash_pclmul (PCLMULQDQ)"
             : gh == br_ghash_pwr8_get() ? "ghash_pwr8"
             : WORD64 ? "ghash_ctmul64" : "ghash_ctmul",
             chacha_impl() == br_chacha20_sse2_get() ? "chacha20_sse2" : "chacha20_ct",
             poly_impl() == br_poly1305_ctmulq_get() ? "poly1305_ctmulq" : "poly1305_ctmul",
             ec == &br_ec_all_m31 ? "ec_all_m31 (p256_m31, c25519_m31)"
             : ec == &br_ec_all_m15 ? "ec_all_m15 (p256_m15, c25519_m15)" : "other",
             br_rsa_i62_public_get() != 0 ? "rsa_i62" : "rsa_i31");
    return text;
}

void hxc__tls13_aead_set(struct hxc__tls13_aead *a, const struct hxc__tls13_suite *s,
                         const unsigned char *secret)
{
    size_t hl = hxc__tls13_hash_len(s->hash);
    unsigned char key[32];
    memcpy(a->secret, secret, hl);
    hxc__tls13_expand_label(s->hash, secret, "key", NULL, 0, key, s->key_len);
    hxc__tls13_expand_label(s->hash, secret, "iv", NULL, 0, a->iv, sizeof a->iv);
    a->suite = s;
    a->seq = 0;
    if (s->chacha) {
        memcpy(a->chacha_key, key, 32);
        a->ichacha = chacha_impl();
        a->ipoly = poly_impl();
    } else {
        const br_block_ctr_class *ctr = aes_ctr_impl();
        ctr->init(&a->aes.vtable, key, s->key_len);
        br_gcm_init(&a->gcm, &a->aes.vtable, ghash_impl());
    }
    a->on = 1;
    hxc__tls13_wipe(key, sizeof key);
}

/* KeyUpdate (7.2): application_traffic_secret_N+1 =
 * HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length). */
void hxc__tls13_aead_update(struct hxc__tls13_aead *a)
{
    unsigned char next[48];
    const struct hxc__tls13_suite *s = a->suite;
    hxc__tls13_expand_label(s->hash, a->secret, "traffic upd", NULL, 0, next,
                            hxc__tls13_hash_len(s->hash));
    hxc__tls13_aead_set(a, s, next);
    hxc__tls13_wipe(next, sizeof next);
}

/* Per-record nonce (5.3): the IV XOR the 64-bit sequence number, left-padded. */
static void nonce(const struct hxc__tls13_aead *a, unsigned char n[12])
{
    memcpy(n, a->iv, 12);
    for (int i = 0; i < 8; i++)
        n[4 + i] ^= (unsigned char)(a->seq >> (56 - 8 * i));
}

void hxc__tls13_seal(struct hxc__tls13_aead *a, const unsigned char hdr[5], unsigned char *data,
                     size_t len)
{
    unsigned char n[12];
    nonce(a, n);
    if (a->suite->chacha) {
        a->ipoly(a->chacha_key, n, data, len, hdr, 5, data + len, a->ichacha, 1);
    } else {
        br_gcm_reset(&a->gcm, n, sizeof n);
        br_gcm_aad_inject(&a->gcm, hdr, 5);
        br_gcm_flip(&a->gcm);
        br_gcm_run(&a->gcm, 1, data, len);
        br_gcm_get_tag(&a->gcm, data + len);
    }
    a->seq++;
}

int hxc__tls13_open(struct hxc__tls13_aead *a, const unsigned char hdr[5], unsigned char *data,
                    size_t len)
{
    unsigned char n[12];
    if (len < 16)
        return 0;
    len -= 16;
    nonce(a, n);
    int ok;
    if (a->suite->chacha) {
        unsigned char tag[16];
        a->ipoly(a->chacha_key, n, data, len, hdr, 5, tag, a->ichacha, 0);
        unsigned diff = 0;
        for (int i = 0; i < 16; i++)
            diff |= tag[i] ^ data[len + (size_t)i];
        ok = diff == 0;
    } else {
        br_gcm_reset(&a->gcm, n, sizeof n);
        br_gcm_aad_inject(&a->gcm, hdr, 5);
        br_gcm_flip(&a->gcm);
        br_gcm_run(&a->gcm, 0, data, len);
        ok = br_gcm_check_tag(&a->gcm, data + len) == 1;
    }
    a->seq++;
    return ok;
}

/* ------------------------------------------------------------------ */
/* Transcript hash (4.4.1): SHA-256 and SHA-384 run side by side until the
 * ServerHello names the suite (and so the hash). */

void hxc__tls13_transcript_init(struct hxc__tls13_transcript *t)
{
    br_sha256_init(&t->s256);
    br_sha384_init(&t->s384);
}

void hxc__tls13_transcript_add(struct hxc__tls13_transcript *t, const void *data, size_t len)
{
    br_sha256_update(&t->s256, data, len);
    br_sha384_update(&t->s384, data, len);
}

void hxc__tls13_transcript_hash(const struct hxc__tls13_transcript *t, const br_hash_class *h,
                                unsigned char *out)
{
    if (h == &br_sha384_vtable)
        br_sha384_out(&t->s384, out);
    else
        br_sha256_out(&t->s256, out);
}
