/*
 * hxc verify --roots ROOTS.pem --chain CHAIN.pem --host NAME_OR_IP [--time UNIX_SECONDS]
 *
 * Runs exactly the client's certificate verification on a PEM chain (leaf
 * first, intermediates in any order) against the roots in ROOTS.pem.
 * Prints "OK" (exit 0) or "REJECT <reason>" (exit 1); usage errors and
 * unreadable or malformed files go to stderr with exit 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hxc.h"
#include "verify.h"

static int usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "hxc verify: %s\n", why);
    fprintf(stderr,
            "usage: hxc verify --roots ROOTS.pem --chain CHAIN.pem --host NAME_OR_IP "
            "[--time UNIX_SECONDS]\n"
            "  Verifies CHAIN.pem (leaf first, then intermediates in any order) for host\n"
            "  NAME_OR_IP against the roots in ROOTS.pem, at UNIX_SECONDS (default: now).\n"
            "  Prints OK (exit 0) or REJECT <reason> (exit 1).\n");
    return 2;
}

static int parse_time(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0)
        return -1;
    *out = (int64_t)v;
    return 0;
}

struct verify_args {
    const char *roots, *chain, *host;
    int64_t when;
};

/* 0 when parsed, otherwise the exit code of a usage error. */
static int parse_args(int argc, char **argv, struct verify_args *a)
{
    static const char *const opts[] = {"--roots", "--chain", "--host", "--time"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return usage(NULL);
        size_t k = 0;
        while (k < 4 && strcmp(argv[i], opts[k]) != 0)
            k++;
        if (k == 4) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown argument '%.100s'", argv[i]);
            return usage(msg);
        }
        if (i + 1 >= argc) {
            char msg[80];
            snprintf(msg, sizeof msg, "%s needs a value", opts[k]);
            return usage(msg);
        }
        const char *val = argv[++i];
        if (k == 0)
            a->roots = val;
        else if (k == 1)
            a->chain = val;
        else if (k == 2)
            a->host = val;
        else if (parse_time(val, &a->when) != 0)
            return usage("--time needs a positive number of seconds since 1970-01-01 UTC");
    }
    if (a->roots == NULL || a->chain == NULL || a->host == NULL)
        return usage("--roots, --chain and --host are required");
    return 0;
}

int hxc__cli_verify(int argc, char **argv)
{
    struct verify_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;
    hxc_error err;
    memset(&err, 0, sizeof err);
    hxc_status st = hxc_verify_chain_files(a.roots, a.chain, a.host, a.when, &err);
    if (st == HXC_OK) {
        printf("OK\n");
        return 0;
    }
    if (hxc_status_category(st) == HXC_CAT_CERTIFICATE) {
        printf("REJECT %s\n", err.message);
        return 1;
    }
    fprintf(stderr, "hxc verify: %s\n", err.message);
    return 2;
}
