/* Platform entropy: see entropy.h. */
#include "tls/entropy.h"

#include <errno.h>

#if defined(__wasi__)
#include <unistd.h> /* getentropy */
#else
#include <sys/random.h> /* getrandom */
#endif

#if defined(__wasi__)
static int fill(unsigned char *p, size_t len)
{
    /* getentropy() takes at most 256 bytes per call. */
    size_t n = len > 256 ? 256 : len;
    if (getentropy(p, n) != 0)
        return -1;
    return (int)n;
}
#else
static int fill(unsigned char *p, size_t len)
{
    size_t n = len > 256 ? 256 : len;
    ssize_t r = getrandom(p, n, 0);
    return r < 0 ? -1 : (int)r;
}
#endif

int hxc__entropy(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        int r = fill(p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno != 0 ? errno : EIO;
        if (r == 0)
            return EIO;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}
