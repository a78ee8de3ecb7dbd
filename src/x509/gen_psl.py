#!/usr/bin/env python3
"""hxc's build-time generator of the embedded Public Suffix List.

    python3 src/x509/gen_psl.py certs/public_suffix_list.dat VERSION OUT.c

Reads the list (https://publicsuffix.org/list/, both the ICANN and the PRIVATE
section) and writes C source defining hxc__psl_table (see src/x509/psl.h for
the format): every rule, with its labels in reverse order ("co.uk" is stored
as "uk.co"), sorted, front-coded in blocks of BLOCK entries, plus the offset
of each block. Wildcard ("*.ck") and exception ("!www.ck") rules are stored
as flags on the name without the "*." / "!". Internationalised rules are
stored as A-labels ("xn--p1ai"), lowercased.

IDN conversion: Python's "idna" codec (IDNA 2003 ToASCII, stdlib). Each
U-label is also encoded as plain "xn--" + RFC 3492 punycode; the two must
agree, so a rule that IDNA 2003's nameprep would change (e.g. "ß" -> "ss",
where IDNA 2008 differs) fails instead of being stored in a form no client
would ever look up.

A rule that cannot be stored (a label that does not convert, a character
outside letters, digits and "-", an empty label, "*" other than as the whole
left-most label, a duplicate), a list without its ICANN and PRIVATE section
markers, or no rule at all fails with "FILE:LINE: reason" on stderr and exit
status 1; the output is written to a temporary file and renamed only on
success. Standard library only: runs on the build machine, also when
cross-compiling to wasm.
"""
import os
import re
import sys

BLOCK = 16          # entries per front-coded block (hxc__psl_table.block_size)
EXACT, WILDCARD, EXCEPTION = 1, 2, 4   # HXC__PSL_* in src/x509/psl.h
MAX_NAME = 253      # DNS name limit; also psl.c's key buffer
LDH = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")


class ListError(Exception):
    def __init__(self, line, reason):
        Exception.__init__(self, reason)
        self.line = line
        self.reason = reason


def a_label(label, line):
    """The lowercase A-label of one label of a rule."""
    if label.isascii():
        return label.lower()
    try:
        idna = label.encode("idna").decode("ascii").lower()
    except UnicodeError as e:
        raise ListError(line, "label '%s' does not convert to an A-label (IDNA 2003): %s"
                        % (label, e))
    try:
        plain = "xn--" + label.lower().encode("punycode").decode("ascii")
    except UnicodeError as e:
        raise ListError(line, "label '%s' does not encode as punycode: %s" % (label, e))
    if idna != plain:
        raise ListError(line, "label '%s': IDNA 2003 gives %s but the label as written is %s "
                        "(nameprep changed it)" % (label, idna, plain))
    return idna


def parse(path):
    """[(line, key, flag)] and the ICANN / private rule counts."""
    rules = []
    section = None
    seen = {"ICANN": False, "PRIVATE": False}
    counts = {"ICANN": 0, "PRIVATE": 0, None: 0}
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ListError(raw[:e.start].count(b"\n") + 1, "not UTF-8: %s" % e.reason)
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        m = re.match(r"//\s*===(BEGIN|END) (ICANN|PRIVATE) DOMAINS===", s)
        if m:
            if m.group(1) == "BEGIN":
                if section is not None or seen[m.group(2)]:
                    raise ListError(n, "unexpected BEGIN %s DOMAINS" % m.group(2))
                section = m.group(2)
                seen[section] = True
            else:
                if section != m.group(2):
                    raise ListError(n, "unexpected END %s DOMAINS" % m.group(2))
                section = None
            continue
        if s == "" or s.startswith("//"):
            continue
        rule = s.split()[0]  # the list's format: a rule ends at the first whitespace
        flag = EXACT
        body = rule
        if body.startswith("!"):
            flag, body = EXCEPTION, body[1:]
        elif body.startswith("*."):
            flag, body = WILDCARD, body[2:]
        labels = body.split(".")
        if any(l == "" for l in labels):
            raise ListError(n, "rule '%s' has an empty label" % rule)
        out = []
        for l in labels:
            a = a_label(l, n)
            if "*" in a:
                raise ListError(n, "rule '%s': '*' is allowed only as the whole left-most "
                                "label" % rule)
            if len(a) > 63 or not LDH.match(a):
                raise ListError(n, "rule '%s': label '%s' is not letters, digits and "
                                "inner hyphens (63 at most)" % (rule, a))
            out.append(a)
        key = ".".join(reversed(out))
        if len(key) + (2 if flag == WILDCARD else 0) > MAX_NAME:
            raise ListError(n, "rule '%s' is longer than %d characters" % (rule, MAX_NAME))
        if flag == EXCEPTION and len(out) < 2:
            raise ListError(n, "exception rule '%s' needs two labels or more" % rule)
        rules.append((n, key, flag))
        counts[section] += 1
    if section is not None:
        raise ListError(len(text.splitlines()), "END %s DOMAINS missing" % section)
    for name in ("ICANN", "PRIVATE"):
        if not seen[name]:
            raise ListError(1, "no ===BEGIN %s DOMAINS=== section" % name)
    if not rules:
        raise ListError(1, "no rule at all")
    return rules, counts


def build(rules):
    """(entries [(key, flags)], data bytes, block offsets)."""
    merged = {}
    first = {}
    for n, key, flag in rules:
        if merged.get(key, 0) & flag:
            raise ListError(n, "duplicate rule (first on line %d)" % first[(key, flag)])
        merged[key] = merged.get(key, 0) | flag
        first[(key, flag)] = n
    entries = sorted(merged.items())  # bytewise: keys are ASCII
    data = bytearray()
    blocks = []
    prev = b""
    for i, (key, flags) in enumerate(entries):
        k = key.encode("ascii")
        if i % BLOCK == 0:
            blocks.append(len(data))
            p = 0
        else:
            p = 0
            while p < min(len(k), len(prev)) and k[p] == prev[p]:
                p += 1
        data.append(p)
        data += k[p:]
        data.append(flags)
        prev = k
    return entries, bytes(data), blocks


def c_string(b):
    out = []
    for c in b:
        if 0x20 <= c < 0x7f and c not in (0x22, 0x5c, 0x3f):  # no '"', '\\', '?' (trigraphs)
            out.append(chr(c))
        else:
            out.append("\\%03o" % c)
    return "".join(out)


def write_source(f, src, version, rules, counts, entries, data, blocks):
    f.write("/* Generated by src/x509/gen_psl.py from %s: do not edit, not committed. */\n"
            % os.path.basename(src))
    f.write('#include "x509/psl.h"\n\n')
    f.write("/* %d rules (ICANN %d, private %d) in %d entries; %d bytes of entries in %d "
            "blocks of %d.\n * Each entry: shared prefix length, the rest of the key, flags "
            "(1 rule, 2 *.rule, 4 !rule). */\n"
            % (len(rules), counts["ICANN"], counts["PRIVATE"], len(entries), len(data),
               len(blocks), BLOCK))
    f.write("static const unsigned char data[] =\n")
    pos = 0
    for i, (key, flags) in enumerate(entries):
        # entry i spans data[pos:end]: prefix byte, suffix (>= 8), flags byte (< 8)
        end = pos + 1
        while data[end] >= 8:
            end += 1
        end += 1
        f.write('    "%s"%s\n' % (c_string(data[pos:end]), ";" if i == len(entries) - 1 else ""))
        pos = end
    assert pos == len(data)
    f.write("\nstatic const uint32_t blocks[%d] = {\n" % len(blocks))
    for i in range(0, len(blocks), 10):
        f.write("    %s,\n" % ", ".join(str(b) for b in blocks[i:i + 10]))
    f.write("};\n\n")
    f.write("const struct hxc__psl_table hxc__psl_table = {\n")
    f.write("    data, sizeof data - 1, blocks, %d, %d, %d, %d,\n"
            % (len(blocks), BLOCK, len(entries), len(rules)))
    f.write('    "%s",\n};\n' % c_string(version.encode("utf-8")))


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: gen_psl.py public_suffix_list.dat VERSION OUT.c\n")
        return 2
    src, version, out = argv[1], argv[2], argv[3]
    try:
        rules, counts = parse(src)
        entries, data, blocks = build(rules)
    except ListError as e:
        sys.stderr.write("%s:%d: %s\n" % (src, e.line, e.reason))
        return 1
    except OSError as e:
        sys.stderr.write("%s: cannot read: %s\n" % (src, e.strerror))
        return 1
    tmp = "%s.tmp.%d" % (out, os.getpid())
    try:
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            write_source(f, src, version, rules, counts, entries, data, blocks)
        os.replace(tmp, out)
    except (OSError, UnicodeError) as e:
        sys.stderr.write("%s: cannot write: %s\n" % (out, e))
        try:
            os.remove(tmp)
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
