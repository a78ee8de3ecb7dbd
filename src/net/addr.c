/* IP literals and resolver answers as struct hxc__addr, shared by every
 * transport (POSIX, wasi:sockets, hostnet_v1). */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net.h"

int hxc__net_parse_ip(const char *text, unsigned port, struct hxc__addr *out)
{
    char tmp[64];
    size_t n = strlen(text);
    memset(out, 0, sizeof *out);
    if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n >= sizeof tmp)
        return -1;
    memcpy(tmp, text, n);
    tmp[n] = '\0';
    out->port = port;
    if (inet_pton(AF_INET, tmp, out->bytes) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, tmp, out->bytes) == 1)
        out->family = AF_INET6;
    else
        return -1;
    inet_ntop(out->family, out->bytes, out->text, sizeof out->text);
    return 0;
}

void hxc__net_addr_append(struct hxc__addr *out, size_t *n, size_t max,
                          const struct sockaddr *sa, unsigned port)
{
    if (*n >= max || sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return;
    struct hxc__addr *a = &out[*n];
    memset(a, 0, sizeof *a);
    a->family = sa->sa_family;
    a->port = port;
    if (a->family == AF_INET)
        memcpy(a->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    else
        memcpy(a->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    inet_ntop(a->family, a->bytes, a->text, sizeof a->text);
    for (size_t i = 0; i < *n; i++)
        if (out[i].family == a->family && memcmp(out[i].bytes, a->bytes, 16) == 0)
            return; /* the same address twice (hosts file + DNS, ...) is tried once */
    (*n)++;
}
