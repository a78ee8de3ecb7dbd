/*
 * Signature algorithms of certificates and CRLs: the AlgorithmIdentifier
 * read into what BearSSL's verifiers need, and the verification itself on
 * BearSSL's hashes, br_rsa_pkcs1_vrfy and br_ecdsa_vrfy_asn1.
 */
#include <stdio.h>
#include <string.h>

#include "x509/verify.h"

static const unsigned char OID_RSA_PREFIX[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01};
static const unsigned char OID_ECDSA_SHA1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01};
static const unsigned char OID_ECDSA_SHA2_PREFIX[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03};
static const unsigned char OID_SHA1_RSA_OIW[] = {0x2b, 0x0e, 0x03, 0x02, 0x1d};
static const unsigned char OID_DSA_PREFIX[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04};
static const unsigned char OID_ED25519[] = {0x2b, 0x65, 0x70};
static const unsigned char OID_ED448[] = {0x2b, 0x65, 0x71};

static void parse_oid(struct hxc__sig *s, const struct der_item *oid)
{
    const unsigned char *o = oid->val;
    size_t n = oid->len;
    hxc__der_oid_text(o, n, s->alg, sizeof s->alg);
    if (n == 9 && memcmp(o, OID_RSA_PREFIX, 8) == 0) {
        static const struct { unsigned char last; int hash; const char *weak; } rsa[] = {
            {2, 0, "MD2"}, {3, 0, "MD4"}, {4, br_md5_ID, "MD5"}, {5, br_sha1_ID, "SHA-1"},
            {11, br_sha256_ID, NULL}, {12, br_sha384_ID, NULL}, {13, br_sha512_ID, NULL},
            {14, br_sha224_ID, NULL}};
        for (size_t i = 0; i < sizeof rsa / sizeof rsa[0]; i++) {
            if (o[8] == rsa[i].last) {
                s->key_type = BR_KEYTYPE_RSA;
                s->hash = rsa[i].hash;
                s->weak = rsa[i].weak;
            }
        }
        if (o[8] == 10)
            snprintf(s->alg, sizeof s->alg, "RSASSA-PSS");
        return;
    }
    if (n == sizeof OID_SHA1_RSA_OIW && memcmp(o, OID_SHA1_RSA_OIW, n) == 0) {
        s->key_type = BR_KEYTYPE_RSA;
        s->hash = br_sha1_ID;
        s->weak = "SHA-1";
        return;
    }
    if (n == sizeof OID_ECDSA_SHA1 && memcmp(o, OID_ECDSA_SHA1, n) == 0) {
        s->key_type = BR_KEYTYPE_EC;
        s->hash = br_sha1_ID;
        s->weak = "SHA-1";
        return;
    }
    if (n == 8 && memcmp(o, OID_ECDSA_SHA2_PREFIX, 7) == 0 && o[7] >= 1 && o[7] <= 4) {
        static const int ec[] = {br_sha224_ID, br_sha256_ID, br_sha384_ID, br_sha512_ID};
        s->key_type = BR_KEYTYPE_EC;
        s->hash = ec[o[7] - 1];
        return;
    }
    if (n == 7 && memcmp(o, OID_DSA_PREFIX, 6) == 0)
        snprintf(s->alg, sizeof s->alg, "DSA");
    else if (n == 3 && memcmp(o, OID_ED25519, 3) == 0)
        snprintf(s->alg, sizeof s->alg, "Ed25519");
    else if (n == 3 && memcmp(o, OID_ED448, 3) == 0)
        snprintf(s->alg, sizeof s->alg, "Ed448");
}

const char *hxc__sig_parse(struct hxc__sig *s, const struct der_item *alg,
                           const struct der_item *bits)
{
    struct der_reader r;
    struct der_item oid;
    memset(s, 0, sizeof *s);
    if (bits->len < 1 || bits->val[0] != 0)
        return "malformed signature value";
    s->sig = bits->val + 1;
    s->sig_len = bits->len - 1;
    hxc__der_enter(&r, alg);
    if (hxc__der_expect(&r, DER_OID, &oid) != 0)
        return "malformed signature algorithm";
    parse_oid(s, &oid);
    return NULL;
}

static const br_hash_class *hash_class(int id, const unsigned char **oid)
{
    switch (id) {
    case br_sha224_ID: *oid = BR_HASH_OID_SHA224; return &br_sha224_vtable;
    case br_sha256_ID: *oid = BR_HASH_OID_SHA256; return &br_sha256_vtable;
    case br_sha384_ID: *oid = BR_HASH_OID_SHA384; return &br_sha384_vtable;
    case br_sha512_ID: *oid = BR_HASH_OID_SHA512; return &br_sha512_vtable;
    }
    return NULL;
}

int hxc__sig_verify(const struct hxc__sig *s, const unsigned char *tbs, size_t tbs_len,
                    const br_x509_pkey *k)
{
    const unsigned char *oid;
    const br_hash_class *hc = hash_class(s->hash, &oid);
    if (hc == NULL || k->key_type != s->key_type)
        return 0;
    br_hash_compat_context hctx;
    unsigned char hash[64], out[64];
    size_t hlen = (hc->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
    hc->init(&hctx.vtable);
    hc->update(&hctx.vtable, tbs, tbs_len);
    hc->out(&hctx.vtable, hash);
    if (k->key_type == BR_KEYTYPE_RSA) {
        br_rsa_pkcs1_vrfy vrfy = br_rsa_pkcs1_vrfy_get_default();
        return vrfy(s->sig, s->sig_len, oid, hlen, &k->key.rsa, out) &&
               memcmp(out, hash, hlen) == 0;
    }
    br_ecdsa_vrfy vrfy = br_ecdsa_vrfy_asn1_get_default();
    return vrfy(br_ec_get_default(), hash, hlen, &k->key.ec, s->sig, s->sig_len) == 1;
}
