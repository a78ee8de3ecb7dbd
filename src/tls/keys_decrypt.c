/*
 * Encrypted private keys (see keys_decrypt.h): PBES2 (RFC 8018) and the
 * legacy OpenSSL PEM encryption, on BearSSL's HMAC, hash and block ciphers.
 */
#include <bearssl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "x509/der.h"
#include "tls/keys_decrypt.h"

#define MAX_PBKDF2_ITERATIONS 10000000UL

void hxc__keys_wipe(void *p, size_t len)
{
    if (p == NULL)
        return;
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
}

void hxc__keys_wipe_free(void *p, size_t len)
{
    hxc__keys_wipe(p, len);
    free(p);
}

/* --------------------------------------------------------------- ciphers */

enum cipher_id { C_AES128, C_AES192, C_AES256, C_DES3 };

struct cipher {
    enum cipher_id id;
    const char *oid;  /* dotted, for PBES2 */
    const char *name; /* OpenSSL name, for DEK-Info and messages */
    size_t key_len;
};

static const struct cipher ciphers[] = {
    {C_AES128, "2.16.840.1.101.3.4.1.2", "AES-128-CBC", 16},
    {C_AES192, "2.16.840.1.101.3.4.1.22", "AES-192-CBC", 24},
    {C_AES256, "2.16.840.1.101.3.4.1.42", "AES-256-CBC", 32},
    {C_DES3, "1.2.840.113549.3.7", "DES-EDE3-CBC", 24},
};

static size_t block_size(const struct cipher *c)
{
    return c->id == C_DES3 ? 8 : 16;
}

/* Decrypts in place (len a multiple of the block size) and strips the
 * PKCS#7 padding: 0 ok, -1 bad padding. */
static int cbc_decrypt(const struct cipher *c, const unsigned char *key, unsigned char *iv,
                       unsigned char *data, size_t *len)
{
    size_t bs = block_size(c);
    if (*len == 0 || *len % bs != 0)
        return -1;
    union {
        const br_block_cbcdec_class *vtable;
        br_aes_gen_cbcdec_keys aes;
        br_des_gen_cbcdec_keys des;
    } u;
    const br_block_cbcdec_class *vt = &br_des_ct_cbcdec_vtable;
    if (c->id != C_DES3) {
        vt = br_aes_x86ni_cbcdec_get_vtable();
        if (vt == NULL)
            vt = &br_aes_ct_cbcdec_vtable;
    }
    vt->init(&u.vtable, key, c->key_len);
    vt->run(&u.vtable, iv, data, *len);
    hxc__keys_wipe(&u, sizeof u);
    unsigned pad = data[*len - 1];
    unsigned bad = pad == 0 || pad > bs;
    for (size_t i = 0; i < bs; i++) {
        unsigned in_pad = i < pad;
        bad |= in_pad & (data[*len - 1 - i] != pad);
    }
    if (bad)
        return -1;
    *len -= pad;
    return 0;
}

/* ---------------------------------------------------------------- PBKDF2 */

struct prf {
    const char *oid;
    const char *name;
    const br_hash_class *hash;
};

static const struct prf prfs[] = {
    {"1.2.840.113549.2.7", "hmacWithSHA1", &br_sha1_vtable},
    {"1.2.840.113549.2.8", "hmacWithSHA224", &br_sha224_vtable},
    {"1.2.840.113549.2.9", "hmacWithSHA256", &br_sha256_vtable},
    {"1.2.840.113549.2.10", "hmacWithSHA384", &br_sha384_vtable},
    {"1.2.840.113549.2.11", "hmacWithSHA512", &br_sha512_vtable},
};

/* PBKDF2 (RFC 8018 section 5.2) with HMAC over `hash`. */
static void pbkdf2(const br_hash_class *hash, const char *password, const unsigned char *salt,
                   size_t salt_len, unsigned long iterations, unsigned char *out,
                   size_t out_len)
{
    br_hmac_key_context kc;
    br_hmac_context hc;
    unsigned char u[64], t[64];
    br_hmac_key_init(&kc, hash, password, strlen(password));
    for (uint32_t block = 1; out_len > 0; block++) {
        unsigned char be[4] = {(unsigned char)(block >> 24), (unsigned char)(block >> 16),
                               (unsigned char)(block >> 8), (unsigned char)block};
        br_hmac_init(&hc, &kc, 0);
        br_hmac_update(&hc, salt, salt_len);
        br_hmac_update(&hc, be, 4);
        size_t hlen = br_hmac_out(&hc, u);
        memcpy(t, u, hlen);
        for (unsigned long i = 1; i < iterations; i++) {
            br_hmac_init(&hc, &kc, 0);
            br_hmac_update(&hc, u, hlen);
            br_hmac_out(&hc, u);
            for (size_t j = 0; j < hlen; j++)
                t[j] ^= u[j];
        }
        size_t n = out_len < hlen ? out_len : hlen;
        memcpy(out, t, n);
        out += n;
        out_len -= n;
    }
    hxc__keys_wipe(&kc, sizeof kc);
    hxc__keys_wipe(&hc, sizeof hc);
    hxc__keys_wipe(u, sizeof u);
    hxc__keys_wipe(t, sizeof t);
}

/* ------------------------------------------------------------- ASN.1 bits */

struct oid_name {
    const char *oid;
    const char *name;
};

/* Encryption schemes that are recognised but not supported, for messages. */
static const struct oid_name unsupported_schemes[] = {
    {"1.2.840.113549.1.5.1", "pbeWithMD2AndDES-CBC (PBES1)"},
    {"1.2.840.113549.1.5.3", "pbeWithMD5AndDES-CBC (PBES1)"},
    {"1.2.840.113549.1.5.4", "pbeWithMD2AndRC2-CBC (PBES1)"},
    {"1.2.840.113549.1.5.6", "pbeWithMD5AndRC2-CBC (PBES1)"},
    {"1.2.840.113549.1.5.10", "pbeWithSHA1AndDES-CBC (PBES1)"},
    {"1.2.840.113549.1.5.11", "pbeWithSHA1AndRC2-CBC (PBES1)"},
    {"1.2.840.113549.1.12.1.1", "pbeWithSHAAnd128BitRC4 (PKCS#12 PBE)"},
    {"1.2.840.113549.1.12.1.2", "pbeWithSHAAnd40BitRC4 (PKCS#12 PBE)"},
    {"1.2.840.113549.1.12.1.3", "pbeWithSHAAnd3-KeyTripleDES-CBC (PKCS#12 PBE)"},
    {"1.2.840.113549.1.12.1.4", "pbeWithSHAAnd2-KeyTripleDES-CBC (PKCS#12 PBE)"},
    {"1.2.840.113549.1.12.1.5", "pbeWithSHAAnd128BitRC2-CBC (PKCS#12 PBE)"},
    {"1.2.840.113549.1.12.1.6", "pbeWithSHAAnd40BitRC2-CBC (PKCS#12 PBE)"},
    {"1.3.6.1.4.1.11591.4.11", "scrypt"},
    {"1.2.840.113549.3.2", "RC2-CBC"},
    {"1.3.14.3.2.7", "DES-CBC"},
    {"1.2.840.113549.2.12", "hmacWithSHA512-224"},
    {"1.2.840.113549.2.13", "hmacWithSHA512-256"},
    {"1.2.643.2.2.10", "GOST R 34.11-94 HMAC"},
    {"1.2.156.10197.1.104.2", "SM4-CBC"},
    {"1.2.392.200011.61.1.1.1.2", "Camellia-128-CBC"},
    {"1.2.392.200011.61.1.1.1.4", "Camellia-256-CBC"},
    {"1.2.410.200046.1.1.12", "ARIA-256-CBC"},
    {"2.16.840.1.101.3.4.1.6", "AES-128-GCM"},
    {"2.16.840.1.101.3.4.1.46", "AES-256-GCM"},
};

static void oid_dotted(const struct der_item *it, char *out, size_t outsz)
{
    hxc__der_oid_text(it->val, it->len, out, outsz);
}

/* "name (dotted)" or just the dotted OID. */
static const char *oid_label(const char *dotted)
{
    for (size_t i = 0; i < sizeof unsupported_schemes / sizeof unsupported_schemes[0]; i++)
        if (strcmp(unsupported_schemes[i].oid, dotted) == 0)
            return unsupported_schemes[i].name;
    return NULL;
}

static hxc_status unsupported(const char *what, const char *kind, const char *dotted,
                              hxc_error *err)
{
    const char *name = oid_label(dotted);
    if (name)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the private key in '%s' uses an unsupported %s: %s (OID %s); "
                        "supported: PBES2, PBKDF2, AES-CBC, DES-EDE3-CBC",
                        what, kind, name, dotted);
    return hxc__err(err, HXC_E_CONFIG, 0,
                    "the private key in '%s' uses an unsupported %s: OID %s; supported: "
                    "PBES2, PBKDF2, AES-CBC, DES-EDE3-CBC",
                    what, kind, dotted);
}

static hxc_status malformed(const char *what, const char *part, hxc_error *err)
{
    return hxc__err(err, HXC_E_CONFIG, 0,
                    "the encrypted private key in '%s' is malformed (%s)", what, part);
}

/* Small unsigned INTEGER: 0 ok, -1 malformed, negative or above max. */
static int der_ulong(const struct der_item *it, unsigned long max, unsigned long *out)
{
    if (it->tag != DER_INTEGER || it->len == 0 || (it->val[0] & 0x80))
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < it->len; i++) {
        if (v > (max >> 8))
            return -1;
        v = (v << 8) | it->val[i];
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int hxc__keys_is_epki(const unsigned char *der, size_t len)
{
    struct der_reader r, in;
    struct der_item top, alg, oid, data;
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &top) != 0 || !hxc__der_at_end(&r))
        return 0;
    hxc__der_enter(&in, &top);
    if (hxc__der_expect(&in, DER_SEQUENCE, &alg) != 0 ||
        hxc__der_expect(&in, DER_OCTET_STRING, &data) != 0 || !hxc__der_at_end(&in))
        return 0;
    hxc__der_enter(&r, &alg);
    return hxc__der_expect(&r, DER_OID, &oid) == 0;
}

/* ------------------------------------------------------------------ PBES2 */

struct pbes2 {
    const struct prf *prf;
    const unsigned char *salt;
    size_t salt_len;
    unsigned long iterations;
    unsigned long key_len; /* 0 when absent */
    const struct cipher *cipher;
    const unsigned char *iv;
};

/* PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER,
 *   keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT hmacWithSHA1 } */
static hxc_status parse_pbkdf2(const struct der_item *params, struct pbes2 *p, const char *what,
                               hxc_error *err)
{
    struct der_reader r, a;
    struct der_item salt, count, klen, prf, oid;
    char dotted[80];
    hxc__der_enter(&r, params);
    if (hxc__der_expect(&r, DER_OCTET_STRING, &salt) != 0)
        return malformed(what, "PBKDF2 salt", err);
    if (hxc__der_expect(&r, DER_INTEGER, &count) != 0 ||
        der_ulong(&count, MAX_PBKDF2_ITERATIONS, &p->iterations) != 0 || p->iterations == 0)
        return malformed(what, "PBKDF2 iteration count missing, zero or above 10000000", err);
    int has = hxc__der_optional(&r, DER_INTEGER, &klen);
    if (has < 0 || (has == 1 && der_ulong(&klen, 64, &p->key_len) != 0))
        return malformed(what, "PBKDF2 key length", err);
    p->salt = salt.val;
    p->salt_len = salt.len;
    p->prf = &prfs[0];
    has = hxc__der_optional(&r, DER_SEQUENCE, &prf);
    if (has < 0 || !hxc__der_at_end(&r))
        return malformed(what, "PBKDF2 parameters", err);
    if (has == 0)
        return HXC_OK;
    hxc__der_enter(&a, &prf);
    if (hxc__der_expect(&a, DER_OID, &oid) != 0)
        return malformed(what, "PBKDF2 PRF", err);
    oid_dotted(&oid, dotted, sizeof dotted);
    for (size_t i = 0; i < sizeof prfs / sizeof prfs[0]; i++)
        if (strcmp(prfs[i].oid, dotted) == 0) {
            p->prf = &prfs[i];
            return HXC_OK;
        }
    return unsupported(what, "PBKDF2 pseudo-random function", dotted, err);
}

/* PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier,
 *                             encryptionScheme AlgorithmIdentifier } */
static hxc_status parse_pbes2(const struct der_item *params, struct pbes2 *p, const char *what,
                              hxc_error *err)
{
    struct der_reader r, a;
    struct der_item kdf, enc, oid, kparams, iv;
    char dotted[80];
    if (params->tag != DER_SEQUENCE)
        return malformed(what, "PBES2 parameters", err);
    hxc__der_enter(&r, params);
    if (hxc__der_expect(&r, DER_SEQUENCE, &kdf) != 0 ||
        hxc__der_expect(&r, DER_SEQUENCE, &enc) != 0)
        return malformed(what, "PBES2 parameters", err);
    hxc__der_enter(&a, &kdf);
    if (hxc__der_expect(&a, DER_OID, &oid) != 0)
        return malformed(what, "key derivation function", err);
    oid_dotted(&oid, dotted, sizeof dotted);
    if (strcmp(dotted, "1.2.840.113549.1.5.12") != 0)
        return unsupported(what, "key derivation function", dotted, err);
    if (hxc__der_expect(&a, DER_SEQUENCE, &kparams) != 0)
        return malformed(what, "PBKDF2 parameters", err);
    hxc_status st = parse_pbkdf2(&kparams, p, what, err);
    if (st != HXC_OK)
        return st;
    hxc__der_enter(&a, &enc);
    if (hxc__der_expect(&a, DER_OID, &oid) != 0)
        return malformed(what, "encryption scheme", err);
    oid_dotted(&oid, dotted, sizeof dotted);
    p->cipher = NULL;
    for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++)
        if (strcmp(ciphers[i].oid, dotted) == 0)
            p->cipher = &ciphers[i];
    if (p->cipher == NULL)
        return unsupported(what, "cipher", dotted, err);
    if (hxc__der_expect(&a, DER_OCTET_STRING, &iv) != 0 || iv.len != block_size(p->cipher))
        return malformed(what, "cipher IV", err);
    p->iv = iv.val;
    if (p->key_len != 0 && p->key_len != p->cipher->key_len)
        return malformed(what, "PBKDF2 key length does not fit the cipher", err);
    return HXC_OK;
}

/* Copies `len` bytes, decrypts them and checks the padding. */
static hxc_status decrypt_copy(const struct cipher *c, const unsigned char *key,
                               const unsigned char *iv_in, const unsigned char *data,
                               size_t len, const char *what, unsigned char **out,
                               size_t *out_len, hxc_error *err)
{
    unsigned char iv[16];
    if (len == 0 || len % block_size(c) != 0)
        return malformed(what, "the encrypted data is not a whole number of cipher blocks",
                         err);
    unsigned char *buf = malloc(len);
    if (buf == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory decrypting the key in '%s'", what);
    memcpy(buf, data, len);
    memcpy(iv, iv_in, block_size(c));
    size_t n = len;
    if (cbc_decrypt(c, key, iv, buf, &n) != 0) {
        hxc__keys_wipe_free(buf, len);
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the private key in '%s' could not be decrypted: wrong password", what);
    }
    *out = buf;
    *out_len = n;
    return HXC_OK;
}

hxc_status hxc__keys_pkcs8_decrypt(const unsigned char *der, size_t len, const char *password,
                                   const char *what, unsigned char **out, size_t *out_len,
                                   hxc_error *err)
{
    struct der_reader r, in, a;
    struct der_item top, alg, oid, params, data;
    char dotted[80];
    struct pbes2 p;
    memset(&p, 0, sizeof p);
    hxc__der_init(&r, der, len);
    if (hxc__der_expect(&r, DER_SEQUENCE, &top) != 0)
        return malformed(what, "EncryptedPrivateKeyInfo", err);
    hxc__der_enter(&in, &top);
    if (hxc__der_expect(&in, DER_SEQUENCE, &alg) != 0 ||
        hxc__der_expect(&in, DER_OCTET_STRING, &data) != 0)
        return malformed(what, "EncryptedPrivateKeyInfo", err);
    hxc__der_enter(&a, &alg);
    if (hxc__der_expect(&a, DER_OID, &oid) != 0)
        return malformed(what, "encryption algorithm", err);
    oid_dotted(&oid, dotted, sizeof dotted);
    if (strcmp(dotted, "1.2.840.113549.1.5.13") != 0)
        return unsupported(what, "encryption scheme", dotted, err);
    if (hxc__der_next(&a, &params) != 1)
        return malformed(what, "PBES2 parameters", err);
    hxc_status st = parse_pbes2(&params, &p, what, err);
    if (st != HXC_OK)
        return st;
    unsigned char key[32];
    pbkdf2(p.prf->hash, password, p.salt, p.salt_len, p.iterations, key, p.cipher->key_len);
    st = decrypt_copy(p.cipher, key, p.iv, data.val, data.len, what, out, out_len, err);
    hxc__keys_wipe(key, sizeof key);
    return st;
}

/* ------------------------------------------------------------ legacy PEM */

/* EVP_BytesToKey(MD5, count 1): D_i = MD5(D_{i-1} || password || salt). */
static void bytes_to_key(const char *password, const unsigned char *salt, unsigned char *key,
                         size_t key_len)
{
    br_md5_context mc;
    unsigned char d[16];
    size_t dlen = 0, done = 0;
    while (done < key_len) {
        br_md5_init(&mc);
        br_md5_update(&mc, d, dlen);
        br_md5_update(&mc, password, strlen(password));
        br_md5_update(&mc, salt, 8);
        br_md5_out(&mc, d);
        dlen = 16;
        size_t n = key_len - done < 16 ? key_len - done : 16;
        memcpy(key + done, d, n);
        done += n;
    }
    hxc__keys_wipe(&mc, sizeof mc);
    hxc__keys_wipe(d, sizeof d);
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

hxc_status hxc__keys_legacy_decrypt(const char *dek_info, const unsigned char *data,
                                    size_t len, const char *password, const char *what,
                                    unsigned char **out, size_t *out_len, hxc_error *err)
{
    const char *comma = strchr(dek_info, ',');
    size_t name_len = comma ? (size_t)(comma - dek_info) : strlen(dek_info);
    const struct cipher *c = NULL;
    for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++)
        if (strlen(ciphers[i].name) == name_len &&
            strncasecmp(ciphers[i].name, dek_info, name_len) == 0)
            c = &ciphers[i];
    if (c == NULL)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the private key in '%s' uses an unsupported cipher: %.*s "
                        "(DEK-Info); supported: AES-128-CBC, AES-192-CBC, AES-256-CBC, "
                        "DES-EDE3-CBC",
                        what, (int)name_len, dek_info);
    const char *hex = comma ? comma + 1 : "";
    size_t bs = block_size(c);
    unsigned char iv[16];
    if (strlen(hex) != 2 * bs)
        return malformed(what, "the DEK-Info IV has the wrong length", err);
    for (size_t i = 0; i < bs; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return malformed(what, "the DEK-Info IV is not hexadecimal", err);
        iv[i] = (unsigned char)(hi << 4 | lo);
    }
    unsigned char key[32];
    bytes_to_key(password, iv, key, c->key_len);
    hxc_status st = decrypt_copy(c, key, iv, data, len, what, out, out_len, err);
    hxc__keys_wipe(key, sizeof key);
    return st;
}
