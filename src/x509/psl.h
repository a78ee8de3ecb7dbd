/* The Public Suffix List (https://publicsuffix.org/list/), embedded at build
 * time: is a DNS name a public suffix ("com", "co.uk", "github.io")?
 *
 * The data is certs/public_suffix_list.dat, a copy of Debian's `publicsuffix`
 * package (version in certs/PSL_VERSION, refreshed by `just update-psl`).
 * src/x509/gen_psl.py turns it into build/generated/hxc_psl.c (never
 * committed), which defines hxc__psl_table below. */
#ifndef HXC_X509_PSL_H
#define HXC_X509_PSL_H

#include <stddef.h>
#include <stdint.h>

/* 1 when NAME (LEN bytes, ASCII; upper case is folded) is itself a public
 * suffix under the list's algorithm: the longest matching rule wins, "*."
 * rules match one more label of any content, an exception rule ("!www.ck")
 * prevails and makes its name registrable, and when nothing matches the
 * implicit rule "*" makes any single label a public suffix. ICANN and
 * private rules count alike. So "com", "co.uk", "github.io", "foo.ck" and
 * "anything" are public suffixes; "example.com", "www.ck", "a.github.io"
 * are not.
 *
 * IDN labels must be given as A-labels ("xn--p1ai"), the form the table
 * holds. One trailing dot is ignored ("co.uk." is the absolute form of
 * "co.uk"). 0 for what is not a DNS name: the empty name, an empty label
 * ("a..com", ".com", "com.."), more than 253 bytes.
 * No allocation; O(labels * log rules). */
int hxc__psl_is_public_suffix(const char *name, size_t len);

/* The list's version (Debian's package version, certs/PSL_VERSION). */
const char *hxc__psl_version(void);

/* The number of rules in the list (its rule lines, both sections). */
size_t hxc__psl_rule_count(void);

/* ---- the generated table (written by src/x509/gen_psl.py) ----
 * Every rule's name with its labels reversed ("co.uk" -> key "uk.co"; the
 * "*." of a wildcard rule and the "!" of an exception rule become flags),
 * sorted bytewise, one entry per key. The entries are front-coded in blocks
 * of block_size: an entry is one byte of prefix length shared with the
 * previous key (0 for a block's first entry), the rest of the key (bytes of
 * "a-z0-9.-"), and one byte of flags (1 to 7, below 8, so it also ends the
 * key). blocks[i] is the offset in data of block i's first entry. */
#define HXC__PSL_EXACT 1u     /* "name" */
#define HXC__PSL_WILDCARD 2u  /* "*.name" */
#define HXC__PSL_EXCEPTION 4u /* "!name" */
#define HXC__PSL_MAX_KEY 253  /* longest key the generator accepts */

struct hxc__psl_table {
    const unsigned char *data;
    size_t data_len;
    const uint32_t *blocks;
    size_t block_count;
    size_t block_size;
    size_t entries; /* distinct keys */
    size_t rules;   /* rule lines in the list */
    const char *version;
};

extern const struct hxc__psl_table hxc__psl_table;

#endif
