/* Test driver for the library itself: fetches several URLs one after the
 * other on ONE client and reports, per URL, the status, protocol, body size
 * and whether a pooled connection was reused; then the number of
 * connections opened. Used by test_client_reuse.py.
 *
 *   fetch_many [--cacert FILE] [--http1.1] [--insecure] URL...
 * Output lines: "<status> <version> <body-bytes> <reused|new>" or
 * "ERROR <status-name> <message>", then "connections: N".
 */
#include <hxc.h>
#include <stdio.h>
#include <string.h>

struct counts {
    int connects;
    int reuses;
};

static void on_debug(void *user, hxc_debug_kind kind, const char *text)
{
    struct counts *c = user;
    if (kind != HXC_DEBUG_INFO)
        return;
    if (strncmp(text, "Opening connection #", 20) == 0)
        c->connects++;
    else if (strncmp(text, "Re-using existing connection", 28) == 0)
        c->reuses++;
}

int main(int argc, char **argv)
{
    hxc_client_options o;
    hxc_client_options_init(&o);
    struct counts counts = {0, 0};
    o.debug = on_debug;
    o.debug_user = &counts;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
            o.ssl.cafile = argv[++i];
        else if (strcmp(argv[i], "--http1.1") == 0)
            o.http_version = HXC_HTTP_1_1;
        else if (strcmp(argv[i], "--insecure") == 0)
            o.ssl.insecure = 1;
        else {
            fprintf(stderr, "fetch_many: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    hxc_error err;
    hxc_client *client = hxc_client_new(&o, &err);
    if (client == NULL) {
        printf("ERROR %s %s\n", hxc_status_name(err.code), err.message);
        return 1;
    }
    int failures = 0;
    for (; i < argc; i++) {
        hxc_request req;
        hxc_request_init(&req);
        req.url = argv[i];
        int reuses_before = counts.reuses;
        hxc_response *resp = NULL;
        if (hxc_client_request(client, &req, &resp, &err) != HXC_OK) {
            printf("ERROR %s %s\n", hxc_status_name(err.code), err.message);
            failures++;
            continue;
        }
        size_t len;
        hxc_response_body(resp, &len);
        printf("%d %s %zu %s\n", hxc_response_status(resp), hxc_response_http_version(resp), len,
               counts.reuses > reuses_before ? "reused" : "new");
        hxc_response_free(resp);
    }
    hxc_client_free(client);
    printf("connections: %d\n", counts.connects);
    return failures ? 1 : 0;
}
