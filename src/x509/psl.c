/* Public Suffix List lookups over the table generated at build time.
 *
 * Data: certs/public_suffix_list.dat, Debian's `publicsuffix` package copy of
 * https://publicsuffix.org/list/ (version in certs/PSL_VERSION), turned into
 * build/generated/hxc_psl.c by src/x509/gen_psl.py; the format is described
 * in psl.h. A name's labels are reversed into a key ("a.co.uk" -> "uk.co.a")
 * so every candidate rule is a prefix of it ending at a label boundary:
 * "uk", "uk.co", "uk.co.a", each looked up by binary search over the blocks'
 * first keys and a scan of one block. */
#include "x509/psl.h"

#include <string.h>

/* <0, 0, >0 as the key at P (ended by a byte below 8) sorts before, equal
 * to or after KEY. */
static int compare_stored(const unsigned char *p, const unsigned char *key, size_t len)
{
    for (size_t i = 0;; i++) {
        int stored_ends = p[i] < 8, key_ends = i == len;
        if (stored_ends || key_ends)
            return key_ends - stored_ends;
        if (p[i] != key[i])
            return p[i] < key[i] ? -1 : 1;
    }
}

/* The flags stored for KEY, 0 when no rule has that name. */
static unsigned lookup(const unsigned char *key, size_t len)
{
    const struct hxc__psl_table *t = &hxc__psl_table;
    /* the first block whose first key sorts after KEY; KEY is in the one before */
    size_t lo = 0, hi = t->block_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (compare_stored(t->data + t->blocks[mid] + 1, key, len) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    size_t block = lo - 1;
    size_t n = t->entries - block * t->block_size;
    if (n > t->block_size)
        n = t->block_size;
    const unsigned char *p = t->data + t->blocks[block];
    unsigned char cur[HXC__PSL_MAX_KEY + 1];
    for (size_t i = 0; i < n; i++) {
        size_t cur_len = *p++;
        while (*p >= 8 && cur_len < sizeof cur)
            cur[cur_len++] = *p++;
        unsigned flags = *p++;
        size_t m = cur_len < len ? cur_len : len;
        int d = memcmp(cur, key, m);
        if (d == 0 && cur_len == len)
            return flags;
        if (d > 0 || (d == 0 && cur_len > len))
            return 0; /* sorted: KEY would have come before this entry */
    }
    return 0;
}

int hxc__psl_is_public_suffix(const char *name, size_t len)
{
    if (len > 0 && name[len - 1] == '.')
        len--; /* the absolute form of the same name */
    if (len == 0 || len > HXC__PSL_MAX_KEY)
        return 0;
    unsigned char key[HXC__PSL_MAX_KEY];
    size_t key_len = 0, labels = 0;
    size_t longest = 1;      /* labels of the prevailing rule; "*" when none matches */
    unsigned previous = 0;   /* flags of the rule for the previous, shorter key */
    size_t end = len;
    for (;;) {
        size_t start = end;
        while (start > 0 && name[start - 1] != '.')
            start--;
        if (start == end)
            return 0; /* empty label */
        if (key_len > 0)
            key[key_len++] = '.';
        for (size_t i = start; i < end; i++) {
            unsigned char c = (unsigned char)name[i];
            key[key_len++] = c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
        }
        labels++;
        /* "*.S" matches this label under S */
        if ((previous & HXC__PSL_WILDCARD) && labels > longest)
            longest = labels;
        previous = lookup(key, key_len);
        /* an exception prevails: its public suffix is one label shorter than
         * the name it matched, so never the whole name */
        if (previous & HXC__PSL_EXCEPTION)
            return 0;
        if ((previous & HXC__PSL_EXACT) && labels > longest)
            longest = labels;
        if (start == 0)
            break;
        end = start - 1;
    }
    return longest == labels;
}

const char *hxc__psl_version(void)
{
    return hxc__psl_table.version;
}

size_t hxc__psl_rule_count(void)
{
    return hxc__psl_table.rules;
}
