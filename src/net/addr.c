/* IP literal parsing, shared by every transport (POSIX and WASI). */
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
