/*
 * libFuzzer target for the URL parser and redirect resolution.
 * Input: "<base URL>\n<reference>"; without a newline, the whole input is
 * parsed as a URL. Checks: no crash/leak; a parsed URL prints back to a
 * string that parses to the same parts.
 *
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *     tests/unit/core/fuzz_url.c src/core/url.c src/base/error.c -o /tmp/fuzz_url
 *   /tmp/fuzz_url -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

static void roundtrip(const struct hxc__url *u)
{
    char *s = hxc__url_string(u);
    if (s == NULL)
        return;
    struct hxc__url again;
    if (hxc__url_parse(s, &again, NULL) != HXC_OK)
        abort();
    if (strcmp(again.host, u->host) != 0 || again.port != u->port ||
        strcmp(again.path, u->path) != 0 || strcmp(again.scheme, u->scheme) != 0)
        abort();
    hxc__url_free(&again);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *nl = strchr(in, '\n');
    if (nl)
        *nl = '\0';
    struct hxc__url base;
    if (hxc__url_parse(in, &base, NULL) == HXC_OK) {
        roundtrip(&base);
        if (nl) {
            struct hxc__url r;
            if (hxc__url_resolve(&base, nl + 1, &r, NULL) == HXC_OK) {
                roundtrip(&r);
                hxc__url_free(&r);
            }
        }
        hxc__url_free(&base);
    }
    free(in);
    return 0;
}
