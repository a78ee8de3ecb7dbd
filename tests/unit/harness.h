/* A tiny test harness: assertions print both operands, failures are
 * counted, main() returns non-zero when any check failed. */
#ifndef HXC_TEST_HARNESS_H
#define HXC_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int harness_failures;
static int harness_checks;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        harness_checks++;                                                           \
        if (!(cond)) {                                                              \
            harness_failures++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

#define ASSERT_EQ(a, b)                                                             \
    do {                                                                            \
        long long va_ = (long long)(a), vb_ = (long long)(b);                       \
        harness_checks++;                                                           \
        if (va_ != vb_) {                                                           \
            harness_failures++;                                                     \
            fprintf(stderr, "%s:%d: ASSERT_EQ(%s, %s) failed: %lld != %lld\n",       \
                    __FILE__, __LINE__, #a, #b, va_, vb_);                          \
        }                                                                           \
    } while (0)

#define ASSERT_STREQ(a, b)                                                          \
    do {                                                                            \
        const char *sa_ = (a), *sb_ = (b);                                          \
        harness_checks++;                                                           \
        if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {                  \
            harness_failures++;                                                     \
            fprintf(stderr, "%s:%d: ASSERT_STREQ(%s, %s) failed:\n  \"%s\"\n  \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)",              \
                    sb_ ? sb_ : "(null)");                                          \
        }                                                                           \
    } while (0)

/* Substring check, for error messages. */
#define ASSERT_CONTAINS(hay, needle)                                                \
    do {                                                                            \
        const char *h_ = (hay), *n_ = (needle);                                     \
        harness_checks++;                                                           \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                                 \
            harness_failures++;                                                     \
            fprintf(stderr, "%s:%d: ASSERT_CONTAINS failed:\n  \"%s\"\n  lacks \"%s\"\n", \
                    __FILE__, __LINE__, h_ ? h_ : "(null)", n_);                    \
        }                                                                           \
    } while (0)

/* Ends main(): removes the temporary directory (if one was made) and
 * prints the totals; non-zero when any check failed. */
#define HARNESS_RESULT()                                                            \
    (harness_tmp_cleanup(),                                                         \
     fprintf(stderr, "%d checks, %d failures\n", harness_checks, harness_failures), \
     harness_failures != 0)

/* ---- files for tests that need them: one temporary directory per run */

static char harness_tmpdir[64];

/* Makes /tmp/hxc-test-NAME-XXXXXX; 0 on success. */
static inline int harness_tmp_init(const char *name)
{
    snprintf(harness_tmpdir, sizeof harness_tmpdir, "/tmp/hxc-test-%s-XXXXXX", name);
    if (mkdtemp(harness_tmpdir) != NULL)
        return 0;
    perror("mkdtemp");
    harness_tmpdir[0] = '\0';
    return -1;
}

/* The path of a file in the temporary directory (a static buffer). */
static inline const char *harness_tmp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", harness_tmpdir, name);
    return path;
}

/* Writes data to a file in the temporary directory; returns its path. */
static inline const char *harness_write_file(const char *name, const void *data, size_t len)
{
    const char *path = harness_tmp_path(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
    return path;
}

/* A whole file, NUL-terminated, malloc'ed (NULL when unreadable); *len
 * (may be NULL) receives its size. */
static inline char *harness_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* Runs a shell command, its output (stdout and whatever it redirects) into
 * out (NUL-terminated); returns its exit status, -1 when it did not exit. */
static inline int harness_run(const char *cmd, char *out, size_t outsz)
{
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (p == NULL)
        return -1;
    size_t n = fread(out, 1, outsz - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void harness_tmp_cleanup(void)
{
    if (harness_tmpdir[0] == '\0')
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", harness_tmpdir);
    CHECK(system(cmd) == 0);
    harness_tmpdir[0] = '\0';
}

#endif
