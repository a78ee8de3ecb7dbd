/* See wasi_compat.h. */
#include "wasi_compat.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int mkstemp(char *tmpl)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t n = strlen(tmpl);
    if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char rnd[6];
        if (getentropy(rnd, sizeof rnd) != 0)
            return -1;
        for (size_t i = 0; i < 6; i++)
            tmpl[n - 6 + i] = chars[rnd[i] % (sizeof chars - 1)];
        int fd = open(tmpl, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

mode_t umask(mode_t mask)
{
    (void)mask;
    return 022;
}

int fchmod(int fd, mode_t mode)
{
    (void)mode;
    return fcntl(fd, F_GETFD) < 0 ? -1 : 0; /* EBADF for a bad descriptor */
}

FILE *tmpfile(void)
{
    errno = ENOTSUP;
    return NULL;
}
