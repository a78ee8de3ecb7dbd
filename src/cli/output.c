/* Output sink for the body (and -i heads): stdout, or for -o FILE a
 * temporary file in FILE's directory that is renamed over FILE only when the
 * transfer completed. On any failure the temporary file is removed and FILE
 * is neither created nor overwritten. A FILE that exists and is not a
 * regular file (/dev/null, a FIFO, a terminal) is written directly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int fail(struct cli_output *out, const char *what)
{
    out->failed = 1;
    if (out->error[0] == '\0') {
        snprintf(out->error, sizeof(out->error), "%s '%s': %s", what,
                 out->path ? out->path : "standard output", strerror(errno));
    }
    return -1;
}

/* "dir/name" -> "dir/.name.hxc-XXXXXX" */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t n = dirlen + 1 + strlen(base) + sizeof(".hxc-XXXXXX");
    char *t = malloc(n);
    if (t == NULL)
        return NULL;
    snprintf(t, n, "%.*s.%s.hxc-XXXXXX", (int)dirlen, path, base);
    return t;
}

/* /dev/null and friends: no temporary file, nothing to rename. */
static int open_special(struct cli_output *out, const char *path)
{
    out->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (out->fd < 0)
        return fail(out, "cannot open output file");
    return 0;
}

int hxc__cli_output_open(struct cli_output *out, const char *path)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    out->path = path;
    if (path[0] == '\0' || path[strlen(path) - 1] == '/') {
        errno = EISDIR;
        return fail(out, "cannot create output file");
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return fail(out, "cannot create output file");
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return open_special(out, path);
    out->tmp_path = temp_template(path);
    if (out->tmp_path == NULL) {
        errno = ENOMEM;
        return fail(out, "cannot create output file");
    }
    out->fd = mkstemp(out->tmp_path);
    if (out->fd < 0) {
        free(out->tmp_path);
        out->tmp_path = NULL;
        return fail(out, "cannot create output file");
    }
    /* mkstemp makes 0600; give the file the usual 0666 & ~umask. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(out->fd, 0666 & ~mask) != 0)
        return fail(out, "cannot create output file");
    return 0;
}

int hxc__cli_output_write(struct cli_output *out, const void *data, size_t len)
{
    if (out->failed)
        return -1;
    if (out->fd < 0) {
        if (len > 0 && fwrite(data, 1, len, stdout) != len)
            return fail(out, "cannot write to");
        return 0;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(out->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(out, "cannot write output file");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int finish_file(struct cli_output *out)
{
    if (out->tmp_path == NULL) { /* written in place: a device or a FIFO */
        int rc = close(out->fd);
        out->fd = -1;
        return rc == 0 ? 0 : fail(out, "cannot write output file");
    }
    if (fsync(out->fd) != 0 && errno != EINVAL && errno != EROFS)
        return fail(out, "cannot write output file");
    int rc = close(out->fd);
    out->fd = -1;
    if (rc != 0)
        return fail(out, "cannot write output file");
    if (rename(out->tmp_path, out->path) != 0)
        return fail(out, "cannot create output file");
    free(out->tmp_path);
    out->tmp_path = NULL;
    return 0;
}

int hxc__cli_output_close(struct cli_output *out, int ok)
{
    int rc = 0;
    if (out->fd < 0 && out->tmp_path == NULL) {
        if (ok && fflush(stdout) != 0)
            rc = fail(out, "cannot write to");
        return out->failed ? -1 : rc;
    }
    if (ok && !out->failed)
        rc = finish_file(out);
    else
        rc = -1;
    if (out->fd >= 0)
        close(out->fd);
    out->fd = -1;
    if (out->tmp_path != NULL) {
        unlink(out->tmp_path);
        free(out->tmp_path);
        out->tmp_path = NULL;
    }
    return ok ? rc : 0;
}
