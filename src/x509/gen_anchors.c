/*
 * hxc-gen-anchors: build-time generator of the embedded trust anchors.
 *
 *   hxc-gen-anchors certs/cacert.pem VERSION OUT.c
 *
 * Decodes every CERTIFICATE block of the bundle with BearSSL's PEM and
 * X.509 decoders and writes C source defining hxc__embedded_roots[] (the
 * whole DER plus a br_x509_trust_anchor: subject DN, BR_X509_TA_CA, RSA or
 * EC key), hxc__embedded_root_count and hxc__certifi_version[] (see
 * src/x509/x509.h). Runs on the build machine, so it links nothing of hxc.
 *
 * A malformed bundle (bad base64, a certificate BearSSL cannot decode, an
 * unterminated block, no certificate at all) fails with "FILE:LINE: reason"
 * on stderr and exit status 1; the output is written to a temporary file
 * and renamed only on success, so no partial output is ever left.
 */
#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct buf {
    unsigned char *data;
    size_t len, cap;
    int oom;
};

static void buf_append(void *ctx, const void *src, size_t len)
{
    struct buf *b = ctx;
    if (b->oom)
        return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, len);
    b->len += len;
}

/* One decoded certificate, ready to print. */
struct root {
    struct buf der;
    struct buf dn;
    br_x509_pkey pkey;
    unsigned char key[BR_X509_BUFSIZE_KEY];
    size_t key_len;
    unsigned line;
};

struct bundle {
    const char *path;
    struct root *roots;
    size_t n, cap;
};

static int fail(const char *path, unsigned line, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s:%u: ", path, line);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return -1;
}

static const char *x509_error_text(int err)
{
    switch (err) {
    case BR_ERR_X509_TRUNCATED: return "certificate is truncated";
    case BR_ERR_X509_UNSUPPORTED: return "unsupported certificate feature or key type";
    case BR_ERR_X509_WEAK_PUBLIC_KEY: return "public key too weak";
    case BR_ERR_X509_INVALID_VALUE: return "invalid value in certificate";
    case BR_ERR_X509_EXTRA_ELEMENT: return "unexpected extra element in certificate";
    case BR_ERR_X509_UNEXPECTED: return "unexpected element in certificate";
    case BR_ERR_X509_BAD_TAG_CLASS:
    case BR_ERR_X509_BAD_TAG_VALUE:
    case BR_ERR_X509_NOT_CONSTRUCTED:
    case BR_ERR_X509_NOT_PRIMITIVE:
    case BR_ERR_X509_PARTIAL_BYTE:
    case BR_ERR_X509_LIMIT_EXCEEDED:
    case BR_ERR_X509_INNER_TRUNC:
    case BR_ERR_X509_OVERFLOW: return "malformed DER encoding";
    case BR_ERR_X509_TIME_UNKNOWN: return "invalid validity dates";
    default: return "certificate cannot be decoded";
    }
}

/* Copies the decoder's key (which lives inside the decoder) into r. */
static int keep_key(struct root *r, const br_x509_pkey *pk)
{
    r->pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        const br_rsa_public_key *k = &pk->key.rsa;
        if (k->nlen + k->elen > sizeof r->key)
            return -1;
        memcpy(r->key, k->n, k->nlen);
        memcpy(r->key + k->nlen, k->e, k->elen);
        r->pkey.key.rsa.nlen = k->nlen;
        r->pkey.key.rsa.elen = k->elen;
        r->key_len = k->nlen + k->elen;
        return 0;
    }
    if (pk->key_type == BR_KEYTYPE_EC) {
        const br_ec_public_key *k = &pk->key.ec;
        if (k->qlen > sizeof r->key)
            return -1;
        memcpy(r->key, k->q, k->qlen);
        r->pkey.key.ec.curve = k->curve;
        r->pkey.key.ec.qlen = k->qlen;
        r->key_len = k->qlen;
        return 0;
    }
    return -1;
}

static int decode_root(struct bundle *b, struct root *r)
{
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, buf_append, &r->dn);
    br_x509_decoder_push(&dc, r->der.data, r->der.len);
    int err = br_x509_decoder_last_error(&dc);
    if (err != 0)
        return fail(b->path, r->line, "certificate BearSSL cannot decode: %s",
                    x509_error_text(err));
    if (r->dn.oom)
        return fail(b->path, r->line, "%s", "out of memory");
    if (r->dn.len == 0)
        return fail(b->path, r->line, "%s", "certificate has an empty subject name");
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    if (pk == NULL || keep_key(r, pk) != 0)
        return fail(b->path, r->line, "%s", "certificate key is neither RSA nor EC");
    return 0;
}

static struct root *new_root(struct bundle *b, unsigned line)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct root *p = realloc(b->roots, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        b->roots = p;
        b->cap = cap;
    }
    struct root *r = &b->roots[b->n++];
    memset(r, 0, sizeof *r);
    r->line = line;
    return r;
}

/* BearSSL 0.6 keeps the trailing dashes in the name when the BEGIN line
 * ends with CRLF ("CERTIFICATE-----"): compare without them. */
static int is_certificate(const char *name)
{
    size_t n = strlen(name);
    while (n > 0 && (name[n - 1] == '-' || name[n - 1] == ' '))
        n--;
    return n == 11 && memcmp(name, "CERTIFICATE", 11) == 0;
}

/* Line number (1-based) of the byte before `pos`. */
static unsigned line_at(const unsigned char *data, size_t pos)
{
    unsigned line = 1;
    for (size_t i = 0; i + 1 < pos; i++)
        line += data[i] == '\n';
    return line;
}

static int parse_bundle(struct bundle *b, const unsigned char *data, size_t len)
{
    br_pem_decoder_context pc;
    struct root *cur = NULL;
    unsigned begin_line = 0;
    int in_obj = 0;
    size_t pos = 0;
    br_pem_decoder_init(&pc);
    /* One extra newline lets the decoder see an END line at the very end. */
    while (pos <= len) {
        const unsigned char *chunk = pos < len ? data + pos : (const unsigned char *)"\n";
        size_t avail = pos < len ? len - pos : 1;
        size_t used = br_pem_decoder_push(&pc, chunk, avail);
        pos += used;
        int ev = br_pem_decoder_event(&pc);
        if (ev == 0 && used == 0)
            break;
        unsigned line = line_at(data, pos > len ? len : pos);
        if (ev == BR_PEM_BEGIN_OBJ) {
            in_obj = 1;
            begin_line = line;
            cur = NULL;
            if (is_certificate(br_pem_decoder_name(&pc))) {
                cur = new_root(b, line);
                if (cur == NULL)
                    return fail(b->path, line, "%s", "out of memory");
            }
            br_pem_decoder_setdest(&pc, cur ? buf_append : NULL, cur ? &cur->der : NULL);
        } else if (ev == BR_PEM_END_OBJ) {
            in_obj = 0;
            if (cur != NULL) {
                if (cur->der.oom)
                    return fail(b->path, line, "%s", "out of memory");
                if (decode_root(b, cur) != 0)
                    return -1;
            }
            cur = NULL;
        } else if (ev == BR_PEM_ERROR) {
            return fail(b->path, line, "%s",
                        "malformed PEM (bad base64 or unexpected line inside a block)");
        }
        if (pos > len)
            break;
    }
    if (in_obj)
        return fail(b->path, begin_line, "%s", "unterminated PEM block (no END line)");
    if (b->n == 0)
        return fail(b->path, line_at(data, len), "%s", "no CERTIFICATE block in the bundle");
    return 0;
}

/* ------------------------------------------------------------------ output */

static void print_bytes(FILE *f, const char *name, size_t i, const unsigned char *p, size_t n)
{
    fprintf(f, "static const unsigned char %s_%zu[%zu] = {", name, i, n);
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%s0x%02x,", k % 16 == 0 ? "\n    " : " ", p[k]);
    fprintf(f, "\n};\n");
}

static void print_c_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\%03o", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void print_root_entry(FILE *f, const struct root *r, size_t i)
{
    fprintf(f, "    {der_%zu, sizeof der_%zu,\n", i, i);
    fprintf(f, "     {{(unsigned char *)dn_%zu, sizeof dn_%zu}, BR_X509_TA_CA,\n", i, i);
    if (r->pkey.key_type == BR_KEYTYPE_RSA) {
        fprintf(f, "      {BR_KEYTYPE_RSA, {.rsa = {(unsigned char *)key_%zu, %zu, "
                   "(unsigned char *)key_%zu + %zu, %zu}}}}},\n",
                i, r->pkey.key.rsa.nlen, i, r->pkey.key.rsa.nlen, r->pkey.key.rsa.elen);
    } else {
        fprintf(f, "      {BR_KEYTYPE_EC, {.ec = {%d, (unsigned char *)key_%zu, %zu}}}}},\n",
                r->pkey.key.ec.curve, i, r->pkey.key.ec.qlen);
    }
}

static int write_source(FILE *f, const struct bundle *b, const char *version)
{
    fprintf(f, "/* Generated by hxc-gen-anchors from %s: do not edit, not committed. */\n",
            b->path);
    fprintf(f, "#include \"x509/x509.h\"\n\n");
    for (size_t i = 0; i < b->n; i++) {
        const struct root *r = &b->roots[i];
        fprintf(f, "/* %s line %u */\n", b->path, r->line);
        print_bytes(f, "der", i, r->der.data, r->der.len);
        print_bytes(f, "dn", i, r->dn.data, r->dn.len);
        print_bytes(f, "key", i, r->key, r->key_len);
    }
    fprintf(f, "\nconst struct hxc__embedded_root hxc__embedded_roots[%zu] = {\n", b->n);
    for (size_t i = 0; i < b->n; i++)
        print_root_entry(f, &b->roots[i], i);
    fprintf(f, "};\n\nconst size_t hxc__embedded_root_count = %zu;\n\n", b->n);
    fprintf(f, "const char hxc__certifi_version[] = ");
    print_c_string(f, version);
    fprintf(f, ";\n");
    return ferror(f) ? -1 : 0;
}

static int write_atomically(const char *out, const struct bundle *b, const char *version)
{
    size_t n = strlen(out) + 32;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return fail(out, 0, "%s", "out of memory");
    snprintf(tmp, n, "%s.tmp.%ld", out, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot create: %s\n", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = write_source(f, b, version);
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, out) != 0) {
        fprintf(stderr, "%s: cannot rename to %s: %s\n", tmp, out, strerror(errno));
        rc = -1;
    } else if (rc != 0) {
        fprintf(stderr, "%s: write failed: %s\n", tmp, strerror(errno));
    }
    if (rc != 0)
        remove(tmp);
    free(tmp);
    return rc;
}

static int read_file(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    int bad = ferror(f) || out->oom;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        return -1;
    }
    return 0;
}

static void free_bundle(struct bundle *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->roots[i].der.data);
        free(b->roots[i].dn.data);
    }
    free(b->roots);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BUNDLE.pem VERSION OUT.c\n", argv[0]);
        return 2;
    }
    struct buf data = {0};
    struct bundle b = {.path = argv[1]};
    int rc = 1;
    if (read_file(argv[1], &data) == 0 && parse_bundle(&b, data.data, data.len) == 0 &&
        write_atomically(argv[3], &b, argv[2]) == 0)
        rc = 0;
    free_bundle(&b);
    free(data.data);
    return rc;
}
