#!/usr/bin/env python3
"""Seed corpus for fuzz_tls13.c, made from RFC 8448's server messages
(tests/unit/tls/rfc8448_vectors.h) framed as the fuzz build's null-cipher
records: the inner plaintext, its content type, then 16 zero bytes of tag.

    python3 tests/unit/tls/fuzz_tls13_seeds.py CORPUS_DIR
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = open(os.path.join(HERE, "rfc8448_vectors.h")).read()


def arr(name):
    m = re.search(r"\b%s\[\d+\]\s*RFC8448_UNUSED = \{(.*?)\};" % name, TEXT, re.S)
    return bytes(int(x, 16) for x in re.findall(r"0x([0-9a-fA-F]{2})", m.group(1)))


def null_record(inner_type, plaintext):
    body = plaintext + bytes([inner_type]) + bytes(16)
    return bytes([23, 3, 3, len(body) >> 8, len(body) & 255]) + body


def main(out):
    os.makedirs(out, exist_ok=True)
    hs, app, alert = 22, 23, 21
    full = (arr("rfc8448_1rtt_server_hello_record")
            + null_record(hs, arr("rfc8448_1rtt_server_handshake_plaintext")))
    post = (null_record(hs, arr("rfc8448_1rtt_new_session_ticket"))
            + null_record(hs, bytes([24, 0, 0, 1, 1]))  # KeyUpdate, update_requested
            + null_record(app, arr("rfc8448_1rtt_s_app_data"))
            + null_record(alert, arr("rfc8448_1rtt_s_alert")))
    hrr = (arr("rfc8448_hrr_hello_retry_request_record") + arr("rfc8448_hrr_server_hello_record")
           + null_record(hs, arr("rfc8448_hrr_server_handshake_plaintext")))
    resumed = (arr("rfc8448_res_server_hello_record")
               + null_record(hs, arr("rfc8448_res_server_handshake_plaintext")))
    seeds = {
        "1rtt": bytes([255, 8]) + full + post,
        "1rtt-small-chunks": bytes([6, 0]) + full + post,
        "hrr": bytes([255, 2]) + hrr + post,
        "resumed": bytes([255, 1]) + resumed + post,
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tls13-corpus")
