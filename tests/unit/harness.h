/* A tiny test harness: assertions print both operands, failures are
 * counted, main() returns non-zero when any check failed. */
#ifndef HXC_TEST_HARNESS_H
#define HXC_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

#define HARNESS_RESULT()                                                            \
    (fprintf(stderr, "%d checks, %d failures\n", harness_checks, harness_failures), \
     harness_failures != 0)

#endif
