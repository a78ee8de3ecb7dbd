#!/usr/bin/env python3
"""A small scripted TLS 1.3 server (RFC 8446) for testing hxc's TLS 1.3 client.

Every byte on the wire is built here, so each fault is under the script's
control. Crypto comes from python3-cryptography (X25519, ECDH, AEADs,
signatures, PEM loading); HKDF is done with hmac + hashlib. Otherwise the
standard library only.

Usage:
  python3 tls13_server.py --port 0 --cert CERT.pem --key KEY.pem --mode MODE
                          [--ready-file F] [--host 127.0.0.1]
                          [--suite 1301|1302|1303] [--group x25519|secp256r1|secp384r1]
                          [--alpn h2,http/1.1] [--ccs auto|always|never]
                          [--timeout 10] [--flood 1000] [--verbose]

It listens on --host (127.0.0.1), prints "PORT <n>" on stdout (and writes it
to --ready-file), then serves connections one after another until killed.
CERT.pem holds the chain sent to the client: leaf first, then any
intermediates. KEY.pem is the leaf's key (EC P-256/P-384/P-521, RSA, Ed25519).

Normal behaviour: cipher suite TLS_AES_128_GCM_SHA256 when offered, else the
client's first of 1302/1303 (--suite forces one, which the client must offer);
group x25519 when the client sent a key share for it, else secp256r1, else
secp384r1, else a HelloRetryRequest for secp256r1 (or x25519, secp384r1) when
listed in supported_groups (--group makes one group the only choice, so
`--group secp256r1` forces an HRR on a client that sent only x25519).
ALPN "h2" when offered, else "http/1.1" (--alpn limits the server's list; an
offered list with neither is ignored). A dummy ChangeCipherSpec follows the
first ServerHello/HelloRetryRequest when the client's legacy_session_id is not
empty (--ccs). Then HTTP: an HTTP/1.1 request gets
"HTTP/1.1 200 OK ... hello from tls13_server MODE\\n" and close_notify; over h2
(client preface seen) the server sends SETTINGS, SETTINGS ACK, and for the
first request HEADERS (:status 200) + DATA (END_STREAM) with the same body,
then GOAWAY and close_notify.

Modes (--mode):
  ok                   correct server
  bad-finished         server Finished verify_data has one byte flipped
  bad-cert-verify      CertificateVerify signature has its last byte flipped
  double-hrr           HRR for the first ClientHello, another HRR for the second
  hrr-unoffered-group  HRR for a group the client did not list (secp521r1,
                       else ffdhe2048, x448, ..., brainpoolP256r1tls13, ...)
  hrr-same-group       HRR for the group of the client's first key share
  bad-suite            ServerHello selects TLS_AES_128_CCM_SHA256 (0x1304),
                       which the client did not offer (unless it did)
  downgrade-tls12      TLS 1.2 ServerHello (no supported_versions) whose random
                       ends with "DOWNGRD\\x01"; then waits for the client to go
  tls12-no-sentinel    TLS 1.2 ServerHello without the sentinel, nothing more
  oversized-record     after the request: one application record whose
                       TLSCiphertext length is 2^14+257 (> 2^14+256)
  oversized-plaintext  after the request: one application record whose
                       plaintext is 2^14+1 bytes (ciphertext length is legal)
  keyupdate-flood      after the request: --flood (1000) KeyUpdate
                       (update_not_requested) records, the sending key rotated
                       after each, then the response
  keyupdate            right after the client's Finished: KeyUpdate
                       (update_requested). The request may still arrive under
                       the client's old key: the receiving key changes only
                       with the client's KeyUpdate. After the request the
                       server waits up to 2 s for that KeyUpdate, then answers;
                       KEYUPDATE-ANSWERED is logged when it came (even later)
  truncated            ServerHello, then half of the encrypted handshake
                       record, then FIN
  tickets              like ok, plus two NewSessionTickets after the handshake;
                       a ClientHello with pre_shared_key (psk_dhe_ke) naming
                       one of them is resumed (binder verified, no Certificate)
 extra modes:
  hrr                  a correct HRR (for a listed group the client sent no
                       share for; secp256r1 preferred), then a full handshake
  hrr-cookie           like hrr, with a cookie the second ClientHello must echo
  fragmented           every record carries at most 61 bytes (ServerHello,
                       handshake flight and response split across records)
  coalesced            EncryptedExtensions..Finished in a single record
  padded               every encrypted record carries 100 bytes of zero padding
  max-record           the response starts with a record of exactly 2^14 bytes
                       of plaintext (the largest legal one)
  late-ccs             a ChangeCipherSpec record after the handshake (illegal)
  unencrypted-alert    a close-delimited response (no Content-Length), then an
                       unprotected close_notify record and FIN: a client must
                       not take that as a clean end of the body

Log (stdout, flushed): "PORT <n>" once, then one line per connection when it
ends (after the client closed, or after --timeout), e.g.
  CONN ok n=1 sni=localhost suite=1301 group=x25519 alpn=http/1.1 sig=0403 req=GET:/
       FULL client-close_notify result=ok          (one line, wrapped here)
  CONN bad-finished n=1 ... fault=server-finished-flipped result=client-alert:decrypt_error
Fields: n (connection number), sni, hello (tls13: the first ClientHello
lists TLS 1.3 in supported_versions; tls12: it does not, a fallback),
suite, group, hrr_group, alpn, sig,
psk_identity + ticket_age (resumption), tickets_sent, req, fault,
client_keyupdates, reason (why the server sent an alert).
Tokens: FULL / RESUMED (handshake completed: full, or PSK resumption), HRR,
TLS_FALLBACK_SCSV (the ClientHello carries cipher suite 0x5600, RFC 7507),
KEYUPDATE-ANSWERED (keyupdate: the client's KeyUpdate came; it may come after
the response: a client may defer it until it writes again, as OpenSSL does;
no-keyupdate-before-response says so), client-requested-keyupdate,
client-close_notify, unknown-psk.
result= one of: ok (response sent), client-alert:<name>, sent-alert:<name>,
client-closed (EOF), client-continued (the client went on after a fault it
should have refused), timeout, reset, error:<what>.
Since the line comes when the connection ends, tests should poll for it.
--verbose traces records on stderr.

Forcing a HelloRetryRequest from openssl s_client (which sends one x25519
share): --mode hrr, or --group secp256r1 (`-groups P-256` on s_client only
makes it send a P-256 share, no HRR).
"""

import argparse
import hashlib
import hmac
import os
import re
import socket
import ssl
import struct
import sys
import time
import traceback

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

# ------------------------------------------------------------------ constants

CT_CHANGE_CIPHER_SPEC = 20
CT_ALERT = 21
CT_HANDSHAKE = 22
CT_APPLICATION_DATA = 23
CT_UNDECRYPTABLE = -1   # read_record(lenient=True): a record that failed to decrypt

HT_CLIENT_HELLO = 1
HT_SERVER_HELLO = 2
HT_NEW_SESSION_TICKET = 4
HT_ENCRYPTED_EXTENSIONS = 8
HT_CERTIFICATE = 11
HT_CERTIFICATE_VERIFY = 15
HT_FINISHED = 20
HT_KEY_UPDATE = 24
HT_MESSAGE_HASH = 254

EXT_SERVER_NAME = 0
EXT_SUPPORTED_GROUPS = 10
EXT_EC_POINT_FORMATS = 11
EXT_SIGNATURE_ALGORITHMS = 13
EXT_ALPN = 16
EXT_EXTENDED_MASTER_SECRET = 23
EXT_PRE_SHARED_KEY = 41
EXT_EARLY_DATA = 42
EXT_SUPPORTED_VERSIONS = 43
EXT_COOKIE = 44
EXT_PSK_KEY_EXCHANGE_MODES = 45
EXT_KEY_SHARE = 51
EXT_RENEGOTIATION_INFO = 0xFF01

TLS12 = 0x0303
TLS13 = 0x0304

ALERT_WARNING = 1
ALERT_FATAL = 2
ALERT_NAMES = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
    22: "record_overflow", 40: "handshake_failure", 42: "bad_certificate",
    43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
    48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
    70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
    86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension",
    110: "unsupported_extension", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 115: "unknown_psk_identity",
    116: "certificate_required", 120: "no_application_protocol",
}
ALERT = {name: code for code, name in ALERT_NAMES.items()}

# RFC 8446 4.1.3: SHA-256("HelloRetryRequest")
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()
# RFC 8446 4.1.3: last 8 bytes of a TLS 1.2 ServerHello.random from a 1.3 server
DOWNGRADE_TLS12 = b"DOWNGRD\x01"
DOWNGRADE_TLS11 = b"DOWNGRD\x00"

GROUP_NAMES = {
    0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
    0x001D: "x25519", 0x001E: "x448", 0x0100: "ffdhe2048", 0x0101: "ffdhe3072",
    0x0102: "ffdhe4096", 0x0103: "ffdhe6144", 0x0104: "ffdhe8192",
    0x001F: "brainpoolP256r1tls13", 0x0020: "brainpoolP384r1tls13",
    0x0021: "brainpoolP512r1tls13", 0x11EC: "X25519MLKEM768",
}
GROUP_IDS = {name: code for code, name in GROUP_NAMES.items()}
X25519 = 0x001D
SECP256R1 = 0x0017
SECP384R1 = 0x0018
# groups this server can do, in its order of preference for a key share it got
IMPLEMENTED_GROUPS = (X25519, SECP256R1, SECP384R1)
# and for a HelloRetryRequest
HRR_PREFERENCE = (SECP256R1, X25519, SECP384R1)
EC_CURVES = {SECP256R1: ec.SECP256R1, SECP384R1: ec.SECP384R1}

# for hrr-unoffered-group: the first of these the client did not list
# (OpenSSL 3.0 lists all the EC, x448 and ffdhe groups by default)
UNOFFERED_CANDIDATES = (0x0019, 0x0100, 0x001E, 0x0018, 0x0101, 0x0102, 0x0103, 0x0104,
                        0x001F, 0x0020, 0x0021, 0x0017, 0x001D)

# TLS 1.2 suites for the downgrade modes: ECDHE-{ECDSA,RSA}-AES-GCM, CHACHA20
TLS12_SUITES = (0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8)

MAX_PLAINTEXT = 1 << 14                 # 2^14
MAX_CIPHERTEXT = MAX_PLAINTEXT + 256    # 2^14 + 256
AEAD_TAG = 16

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_DATA, H2_HEADERS, H2_RST_STREAM, H2_SETTINGS, H2_PING, H2_GOAWAY, H2_CONTINUATION = \
    0, 1, 3, 4, 6, 7, 9
H2_END_STREAM, H2_ACK, H2_END_HEADERS = 0x1, 0x1, 0x4

TICKET_LIFETIME = 7200

MODES = (
    "ok", "bad-finished", "bad-cert-verify", "double-hrr", "hrr-unoffered-group",
    "hrr-same-group", "bad-suite", "downgrade-tls12", "tls12-no-sentinel",
    "oversized-record", "oversized-plaintext", "keyupdate-flood", "keyupdate",
    "truncated", "tickets",
    "hrr", "hrr-cookie", "fragmented", "coalesced", "padded", "max-record",
    "late-ccs", "unencrypted-alert",
)

VERBOSE = False


def debug(msg):
    if VERBOSE:
        sys.stderr.write("tls13_server: %s\n" % msg)
        sys.stderr.flush()


# ------------------------------------------------------------------ errors

class LocalAlert(Exception):
    """We detected a problem: send this alert (fatal) and end the connection."""

    def __init__(self, alert, reason):
        super().__init__("%s: %s" % (alert, reason))
        self.alert = alert          # name, a key of ALERT
        self.reason = reason


class PeerAlert(Exception):
    """The client sent an alert (other than close_notify)."""

    def __init__(self, level, code):
        super().__init__(alert_name(code))
        self.level = level
        self.code = code


class PeerClosed(Exception):
    """TCP EOF from the client."""


def alert_name(code):
    return ALERT_NAMES.get(code, "alert%d" % code)


# ------------------------------------------------------------------ encoding

def u8(n):
    return struct.pack(">B", n)


def u16(n):
    return struct.pack(">H", n)


def u24(n):
    return struct.pack(">I", n)[1:]


def u32(n):
    return struct.pack(">I", n)


def vec8(data):
    return u8(len(data)) + data


def vec16(data):
    return u16(len(data)) + data


def vec24(data):
    return u24(len(data)) + data


def extension(ext_type, data):
    return u16(ext_type) + vec16(data)


def handshake_message(msg_type, body):
    return u8(msg_type) + vec24(body)


class Reader:
    """Parses TLS presentation-language data; short input is a decode_error."""

    def __init__(self, data, what="message"):
        self.data = bytes(data)
        self.pos = 0
        self.what = what

    def take(self, n):
        if self.pos + n > len(self.data):
            raise LocalAlert("decode_error", "truncated " + self.what)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u24(self):
        return int.from_bytes(self.take(3), "big")

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def vec8(self):
        return self.take(self.u8())

    def vec16(self):
        return self.take(self.u16())

    def vec24(self):
        return self.take(self.u24())

    def at_end(self):
        return self.pos == len(self.data)

    def expect_end(self):
        if not self.at_end():
            raise LocalAlert("decode_error", "trailing bytes in " + self.what)

    def u16_list(self, raw):
        if len(raw) % 2:
            raise LocalAlert("decode_error", "odd-length list in " + self.what)
        return [struct.unpack(">H", raw[i:i + 2])[0] for i in range(0, len(raw), 2)]


# ------------------------------------------------------------------ cipher suites, key schedule

class CipherSuite:
    def __init__(self, code, name, aead, key_len, hash_name):
        self.code = code
        self.name = name
        self.aead = aead
        self.key_len = key_len
        self.hash_name = hash_name
        self.hash_len = hashlib.new(hash_name).digest_size

    def hash(self, data):
        return hashlib.new(self.hash_name, data).digest()


SUITES = {
    0x1301: CipherSuite(0x1301, "TLS_AES_128_GCM_SHA256", AESGCM, 16, "sha256"),
    0x1302: CipherSuite(0x1302, "TLS_AES_256_GCM_SHA384", AESGCM, 32, "sha384"),
    0x1303: CipherSuite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", ChaCha20Poly1305, 32, "sha256"),
}
TLS_AES_128_CCM_SHA256 = 0x1304
TLS_FALLBACK_SCSV = 0x5600     # RFC 7507


def hkdf_extract(hash_name, salt, ikm):
    return hmac.new(salt, ikm, hash_name).digest()


def hkdf_expand(hash_name, prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + u8(counter), hash_name).digest()
        out += block
        counter += 1
    return out[:length]


def hkdf_expand_label(hash_name, secret, label, context, length):
    """RFC 8446 7.1 HKDF-Expand-Label."""
    full_label = b"tls13 " + label
    info = u16(length) + vec8(full_label) + vec8(context)
    return hkdf_expand(hash_name, secret, info, length)


class KeySchedule:
    """RFC 8446 7.1: early secret -> handshake secret -> master secret."""

    def __init__(self, suite, psk=None):
        self.suite = suite
        h = suite.hash_name
        zeros = bytes(suite.hash_len)
        self.early_secret = hkdf_extract(h, zeros, psk if psk is not None else zeros)
        self.handshake_secret = self.master_secret = None
        self.client_hs = self.server_hs = self.client_ap = self.server_ap = None

    def expand_label(self, secret, label, context, length=None):
        return hkdf_expand_label(self.suite.hash_name, secret, label, context,
                                 self.suite.hash_len if length is None else length)

    def derive_secret(self, secret, label, transcript_hash):
        return self.expand_label(secret, label, transcript_hash)

    def _derived(self, secret):
        return self.derive_secret(secret, b"derived", self.suite.hash(b""))

    def binder(self, partial_transcript_hash):
        """The PSK binder for a resumption PSK (RFC 8446 4.2.11.2)."""
        binder_key = self.derive_secret(self.early_secret, b"res binder", self.suite.hash(b""))
        return self.finished_verify_data(binder_key, partial_transcript_hash)

    def finished_verify_data(self, base_key, transcript_hash):
        finished_key = self.expand_label(base_key, b"finished", b"")
        return hmac.new(finished_key, transcript_hash, self.suite.hash_name).digest()

    def enter_handshake(self, shared_secret, hello_hash):
        """hello_hash = Transcript-Hash(ClientHello..ServerHello)."""
        self.handshake_secret = hkdf_extract(self.suite.hash_name,
                                             self._derived(self.early_secret), shared_secret)
        self.client_hs = self.derive_secret(self.handshake_secret, b"c hs traffic", hello_hash)
        self.server_hs = self.derive_secret(self.handshake_secret, b"s hs traffic", hello_hash)

    def enter_application(self, server_finished_hash):
        """server_finished_hash = Transcript-Hash(ClientHello..server Finished)."""
        self.master_secret = hkdf_extract(self.suite.hash_name,
                                          self._derived(self.handshake_secret),
                                          bytes(self.suite.hash_len))
        self.client_ap = self.derive_secret(self.master_secret, b"c ap traffic",
                                            server_finished_hash)
        self.server_ap = self.derive_secret(self.master_secret, b"s ap traffic",
                                            server_finished_hash)

    def resumption_master_secret(self, client_finished_hash):
        return self.derive_secret(self.master_secret, b"res master", client_finished_hash)

    def ticket_psk(self, resumption_master_secret, nonce):
        return self.expand_label(resumption_master_secret, b"resumption", nonce)


class Transcript:
    """The handshake messages so far (full messages, with their headers)."""

    def __init__(self):
        self.messages = []

    def add(self, message):
        self.messages.append(message)

    def data(self, upto=None):
        return b"".join(self.messages if upto is None else self.messages[:upto])

    def hash(self, suite):
        return suite.hash(self.data())

    def replace_first_hello(self, suite):
        """After a HelloRetryRequest: ClientHello1 -> message_hash (RFC 8446 4.4.1)."""
        self.messages = [handshake_message(HT_MESSAGE_HASH, suite.hash(self.messages[0]))] + \
            self.messages[1:]


# ------------------------------------------------------------------ record layer

class TrafficKeys:
    """One direction's AEAD key, IV and sequence number (RFC 8446 5.3, 7.3)."""

    def __init__(self, suite, secret, label=""):
        self.suite = suite
        self.secret = secret
        self.label = label
        h = suite.hash_name
        self.aead = suite.aead(hkdf_expand_label(h, secret, b"key", b"", suite.key_len))
        self.iv = hkdf_expand_label(h, secret, b"iv", b"", 12)
        self.seq = 0
        self.generation = 0

    def next_nonce(self):
        nonce = (int.from_bytes(self.iv, "big") ^ self.seq).to_bytes(12, "big")
        self.seq += 1
        return nonce

    def updated(self):
        """The next generation after a KeyUpdate (RFC 8446 7.2)."""
        secret = hkdf_expand_label(self.suite.hash_name, self.secret, b"traffic upd", b"",
                                   self.suite.hash_len)
        keys = TrafficKeys(self.suite, secret, self.label)
        keys.generation = self.generation + 1
        return keys


class RecordLayer:
    """TLSPlaintext / TLSCiphertext framing over a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.rbuf = bytearray()
        self.read_keys = None
        self.write_keys = None
        self.hs_buf = bytearray()       # handshake bytes not yet a full message
        self.fragment_size = MAX_PLAINTEXT
        self.padding = 0
        self.skip_undecryptable = 0     # bytes of rejected 0-RTT data we may still skip
        self.skip_plain_appdata = False

    # -- keys

    def set_read_keys(self, keys):
        if self.hs_buf:
            raise LocalAlert("unexpected_message", "handshake message spans a key change")
        self.read_keys = keys

    def set_write_keys(self, keys):
        self.write_keys = keys

    # -- writing

    def plain_record(self, ctype, content):
        return u8(ctype) + u16(TLS12) + vec16(content)

    def protect(self, ctype, content, padding_len=None):
        """One TLSCiphertext with no size checks (the fault modes rely on that)."""
        pad = self.padding if padding_len is None else padding_len
        inner = content + u8(ctype) + bytes(pad)
        header = u8(CT_APPLICATION_DATA) + u16(TLS12) + u16(len(inner) + AEAD_TAG)
        keys = self.write_keys
        return header + keys.aead.encrypt(keys.next_nonce(), inner, header)

    def records(self, ctype, data):
        """data as records of at most fragment_size bytes, protected when keys are set."""
        out = []
        chunks = [data[i:i + self.fragment_size]
                  for i in range(0, len(data), self.fragment_size)] or [b""]
        for chunk in chunks:
            if self.write_keys is None:
                out.append(self.plain_record(ctype, chunk))
            else:
                out.append(self.protect(ctype, chunk))
        debug("send %s %d bytes in %d record(s)%s" % (
            content_type_name(ctype), len(data), len(out),
            "" if self.write_keys is None else " (protected)"))
        return b"".join(out)

    def write(self, ctype, data):
        self.send_raw(self.records(ctype, data))

    def send_raw(self, data):
        self.sock.sendall(data)

    def send_alert(self, code, level=ALERT_FATAL):
        self.write(CT_ALERT, u8(level) + u8(code))

    # -- reading

    def _fill(self, n):
        while len(self.rbuf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise PeerClosed()
            self.rbuf += data

    def read_record(self, lenient=False):
        """Next record as (content type, content, protected).

        Protected records are decrypted and their padding removed. lenient:
        return (CT_UNDECRYPTABLE, payload, True) for a record that fails to
        decrypt instead of raising bad_record_mac."""
        while True:
            self._fill(5)
            ctype, version, length = struct.unpack(">BHH", self.rbuf[:5])
            if version >> 8 != 3:
                raise LocalAlert("decode_error", "record version %04x (not TLS?)" % version)
            if length > MAX_CIPHERTEXT:
                raise LocalAlert("record_overflow", "record of %d bytes" % length)
            self._fill(5 + length)
            header = bytes(self.rbuf[:5])
            payload = bytes(self.rbuf[5:5 + length])
            del self.rbuf[:5 + length]

            if ctype != CT_APPLICATION_DATA or self.read_keys is None:
                debug("recv %s %d bytes (plaintext)" % (content_type_name(ctype), length))
                if ctype == CT_APPLICATION_DATA and self.skip_plain_appdata:
                    debug("skipping early data record before the second ClientHello")
                    continue
                if ctype == CT_HANDSHAKE and self.read_keys is not None:
                    raise LocalAlert("unexpected_message", "plaintext handshake record "
                                     "after the handshake keys are in use")
                if length > MAX_PLAINTEXT:
                    raise LocalAlert("record_overflow", "plaintext record of %d bytes" % length)
                if length == 0 and ctype in (CT_HANDSHAKE, CT_ALERT):
                    raise LocalAlert("unexpected_message", "empty %s record"
                                     % content_type_name(ctype))
                return ctype, payload, False

            keys = self.read_keys
            nonce = (int.from_bytes(keys.iv, "big") ^ keys.seq).to_bytes(12, "big")
            try:
                inner = keys.aead.decrypt(nonce, payload, header)
            except InvalidTag:
                if self.skip_undecryptable >= length:
                    self.skip_undecryptable -= length
                    debug("skipping %d bytes of rejected early data" % length)
                    continue
                if lenient:
                    return CT_UNDECRYPTABLE, payload, True
                raise LocalAlert("bad_record_mac", "record %d does not decrypt" % keys.seq)
            keys.seq += 1
            self.skip_undecryptable = 0
            end = len(inner)
            while end > 0 and inner[end - 1] == 0:
                end -= 1
            if end == 0:
                raise LocalAlert("unexpected_message", "protected record without content type")
            inner_type = inner[end - 1]
            content = inner[:end - 1]
            if len(content) > MAX_PLAINTEXT:
                raise LocalAlert("record_overflow", "plaintext of %d bytes" % len(content))
            if len(content) == 0 and inner_type in (CT_HANDSHAKE, CT_ALERT):
                raise LocalAlert("unexpected_message", "empty protected %s record"
                                 % content_type_name(inner_type))
            debug("recv %s %d bytes (protected)" % (content_type_name(inner_type), len(content)))
            return inner_type, content, True

    def next_handshake_message(self):
        """A complete message from hs_buf as (type, body, raw), or None."""
        if len(self.hs_buf) < 4:
            return None
        length = int.from_bytes(self.hs_buf[1:4], "big")
        if len(self.hs_buf) < 4 + length:
            return None
        raw = bytes(self.hs_buf[:4 + length])
        del self.hs_buf[:4 + length]
        return raw[0], raw[4:], raw

    def read_handshake(self, what):
        """The next handshake message during the handshake (CCS records dropped)."""
        while True:
            msg = self.next_handshake_message()
            if msg is not None:
                debug("recv handshake message type %d (%d bytes)" % (msg[0], len(msg[1])))
                return msg
            ctype, content, protected = self.read_record()
            if ctype == CT_HANDSHAKE:
                self.hs_buf += content
            elif ctype == CT_CHANGE_CIPHER_SPEC and not protected:
                if content != b"\x01":
                    raise LocalAlert("unexpected_message", "bad ChangeCipherSpec")
            elif ctype == CT_ALERT:
                raise_peer_alert(content)
            else:
                raise LocalAlert("unexpected_message", "%s record while waiting for %s"
                                 % (content_type_name(ctype), what))


def content_type_name(ctype):
    return {CT_CHANGE_CIPHER_SPEC: "change_cipher_spec", CT_ALERT: "alert",
            CT_HANDSHAKE: "handshake", CT_APPLICATION_DATA: "application_data",
            CT_UNDECRYPTABLE: "undecryptable"}.get(ctype, "type%d" % ctype)


def raise_peer_alert(content):
    if len(content) != 2:
        raise LocalAlert("decode_error", "alert of %d bytes" % len(content))
    raise PeerAlert(content[0], content[1])


# ------------------------------------------------------------------ ClientHello

class ClientHello:
    """A parsed ClientHello; raw is the whole handshake message."""

    def __init__(self, raw):
        self.raw = raw
        r = Reader(raw[4:], "ClientHello")
        self.legacy_version = r.u16()
        self.random = r.take(32)
        self.session_id = r.vec8()
        self.suites = r.u16_list(r.vec16())
        self.compression = r.vec8()
        self.extensions = {}        # type -> data
        self.extension_order = []
        psk_data_offset = None
        if not r.at_end():
            ext_block = r.vec16()
            r.expect_end()
            block_offset = 4 + r.pos - len(ext_block)
            er = Reader(ext_block, "ClientHello extensions")
            while not er.at_end():
                ext_type = er.u16()
                data = er.vec16()
                if ext_type in self.extensions:
                    raise LocalAlert("illegal_parameter", "duplicate extension %d" % ext_type)
                self.extensions[ext_type] = data
                self.extension_order.append(ext_type)
                if ext_type == EXT_PRE_SHARED_KEY:
                    psk_data_offset = block_offset + er.pos - len(data)

        self.versions = []
        self.groups = []
        self.key_shares = []        # [(group, key_exchange)] in the client's order
        self.sig_algs = []
        self.sni = None
        self.alpn = []
        self.psk_modes = []
        self.psk_identities = []    # [(identity, obfuscated_ticket_age)]
        self.binders = []
        self.binders_offset = None  # offset in raw of the binders list (its length field)
        self.cookie = self.extensions.get(EXT_COOKIE)
        self.early_data = EXT_EARLY_DATA in self.extensions

        ext = self.extensions
        if EXT_SUPPORTED_VERSIONS in ext:
            er = Reader(ext[EXT_SUPPORTED_VERSIONS], "supported_versions")
            self.versions = er.u16_list(er.vec8())
            er.expect_end()
        if EXT_SUPPORTED_GROUPS in ext:
            er = Reader(ext[EXT_SUPPORTED_GROUPS], "supported_groups")
            self.groups = er.u16_list(er.vec16())
            er.expect_end()
        if EXT_KEY_SHARE in ext:
            er = Reader(ext[EXT_KEY_SHARE], "key_share")
            sr = Reader(er.vec16(), "key_share")
            er.expect_end()
            while not sr.at_end():
                group = sr.u16()
                key = sr.vec16()
                if any(g == group for g, _ in self.key_shares):
                    raise LocalAlert("illegal_parameter", "two key shares for group %04x" % group)
                self.key_shares.append((group, key))
        if EXT_SIGNATURE_ALGORITHMS in ext:
            er = Reader(ext[EXT_SIGNATURE_ALGORITHMS], "signature_algorithms")
            self.sig_algs = er.u16_list(er.vec16())
            er.expect_end()
        if EXT_SERVER_NAME in ext:
            er = Reader(ext[EXT_SERVER_NAME], "server_name")
            nr = Reader(er.vec16(), "server_name")
            er.expect_end()
            while not nr.at_end():
                name_type = nr.u8()
                name = nr.vec16()
                if name_type == 0:
                    self.sni = name.decode("ascii", "replace")
        if EXT_ALPN in ext:
            er = Reader(ext[EXT_ALPN], "ALPN")
            pr = Reader(er.vec16(), "ALPN")
            er.expect_end()
            while not pr.at_end():
                self.alpn.append(pr.vec8().decode("ascii", "replace"))
        if EXT_PSK_KEY_EXCHANGE_MODES in ext:
            er = Reader(ext[EXT_PSK_KEY_EXCHANGE_MODES], "psk_key_exchange_modes")
            self.psk_modes = list(er.vec8())
            er.expect_end()
        if EXT_PRE_SHARED_KEY in ext:
            if self.extension_order[-1] != EXT_PRE_SHARED_KEY:
                raise LocalAlert("illegal_parameter", "pre_shared_key is not the last extension")
            er = Reader(ext[EXT_PRE_SHARED_KEY], "pre_shared_key")
            ir = Reader(er.vec16(), "PSK identities")
            while not ir.at_end():
                identity = ir.vec16()
                self.psk_identities.append((identity, ir.u32()))
            self.binders_offset = psk_data_offset + er.pos
            br = Reader(er.vec16(), "PSK binders")
            er.expect_end()
            while not br.at_end():
                self.binders.append(br.vec8())
            if not self.psk_identities or len(self.binders) != len(self.psk_identities):
                raise LocalAlert("illegal_parameter", "%d PSK identities, %d binders"
                                 % (len(self.psk_identities), len(self.binders)))

    def key_share(self, group):
        for g, key in self.key_shares:
            if g == group:
                return key
        return None

    def truncated(self):
        """The ClientHello up to the binders list (RFC 8446 4.2.11.2)."""
        return self.raw[:self.binders_offset]


# ------------------------------------------------------------------ key exchange

def generate_key_share(group):
    """(private key, public key_exchange bytes) for group."""
    if group == X25519:
        private = x25519.X25519PrivateKey.generate()
        public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)
        return private, public
    private = ec.generate_private_key(EC_CURVES[group]())
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    return private, public


def key_exchange(group, private, peer_public):
    try:
        if group == X25519:
            if len(peer_public) != 32:
                raise ValueError("x25519 share of %d bytes" % len(peer_public))
            shared = private.exchange(x25519.X25519PublicKey.from_public_bytes(peer_public))
        else:
            if not peer_public or peer_public[0] != 4:
                raise ValueError("EC share is not an uncompressed point")
            peer = ec.EllipticCurvePublicKey.from_encoded_point(EC_CURVES[group](), peer_public)
            shared = private.exchange(ec.ECDH(), peer)
    except ValueError as e:
        raise LocalAlert("illegal_parameter", "bad %s key share: %s" % (group_name(group), e))
    if not any(shared):
        raise LocalAlert("illegal_parameter", "all-zero shared secret")
    return shared


def group_name(group):
    return GROUP_NAMES.get(group, "%04x" % group)


# ------------------------------------------------------------------ certificate and signatures

class Credentials:
    """The certificate chain (DER, leaf first) and the leaf's private key."""

    def __init__(self, cert_path, key_path):
        with open(cert_path) as f:
            pem = f.read()
        blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
                            pem, re.S)
        if not blocks:
            raise SystemExit("tls13_server: no certificate in %s" % cert_path)
        self.chain = [ssl.PEM_cert_to_DER_cert(b) for b in blocks]
        with open(key_path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        leaf = x509.load_der_x509_certificate(self.chain[0])
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if leaf.public_key().public_bytes(*spki) != self.key.public_key().public_bytes(*spki):
            raise SystemExit("tls13_server: %s does not match the leaf of %s"
                             % (key_path, cert_path))
        k = self.key
        if isinstance(k, ec.EllipticCurvePrivateKey):
            self.schemes = {"secp256r1": [0x0403], "secp384r1": [0x0503],
                            "secp521r1": [0x0603]}.get(k.curve.name)
            if not self.schemes:
                raise SystemExit("tls13_server: unsupported curve " + k.curve.name)
        elif isinstance(k, rsa.RSAPrivateKey):
            self.schemes = [0x0804, 0x0805, 0x0806]     # rsa_pss_rsae_sha256/384/512
        elif isinstance(k, ed25519.Ed25519PrivateKey):
            self.schemes = [0x0807]
        else:
            raise SystemExit("tls13_server: unsupported key type %s" % type(k).__name__)

    def pick_scheme(self, client_schemes):
        for scheme in self.schemes:
            if scheme in client_schemes:
                return scheme
        return None

    def sign(self, scheme, data):
        sha = {0x04: hashes.SHA256, 0x05: hashes.SHA384, 0x06: hashes.SHA512}
        if scheme == 0x0807:                # ed25519
            return self.key.sign(data)
        if scheme >> 8 == 0x08:             # rsa_pss_rsae_sha256/384/512 (0x0804..0x0806)
            h = sha[scheme & 0xFF]()
            return self.key.sign(data, padding.PSS(mgf=padding.MGF1(h),
                                                   salt_length=h.digest_size), h)
        return self.key.sign(data, ec.ECDSA(sha[scheme >> 8]()))   # 0x0403/0x0503/0x0603


def certificate_verify_input(transcript_hash, context=b"TLS 1.3, server CertificateVerify"):
    return b"\x20" * 64 + context + b"\x00" + transcript_hash


# ------------------------------------------------------------------ handshake messages

def build_server_hello(random, session_id, suite_code, extensions, version=TLS12):
    body = u16(version) + random + vec8(session_id) + u16(suite_code) + u8(0) + \
        vec16(b"".join(extensions))
    return handshake_message(HT_SERVER_HELLO, body)


def build_hello_retry_request(session_id, suite_code, group, cookie=None):
    exts = [extension(EXT_SUPPORTED_VERSIONS, u16(TLS13)),
            extension(EXT_KEY_SHARE, u16(group))]
    if cookie is not None:
        exts.append(extension(EXT_COOKIE, vec16(cookie)))
    return build_server_hello(HRR_RANDOM, session_id, suite_code, exts)


def build_encrypted_extensions(alpn=None, ack_server_name=False):
    exts = []
    if ack_server_name:
        exts.append(extension(EXT_SERVER_NAME, b""))
    if alpn is not None:
        exts.append(extension(EXT_ALPN, vec16(vec8(alpn.encode()))))
    return handshake_message(HT_ENCRYPTED_EXTENSIONS, vec16(b"".join(exts)))


def build_certificate(chain):
    entries = b"".join(vec24(der) + vec16(b"") for der in chain)
    return handshake_message(HT_CERTIFICATE, vec8(b"") + vec24(entries))


def build_certificate_verify(scheme, signature):
    return handshake_message(HT_CERTIFICATE_VERIFY, u16(scheme) + vec16(signature))


def build_finished(verify_data):
    return handshake_message(HT_FINISHED, verify_data)


def build_new_session_ticket(lifetime, age_add, nonce, ticket):
    return handshake_message(HT_NEW_SESSION_TICKET,
                             u32(lifetime) + u32(age_add) + vec8(nonce) + vec16(ticket) +
                             vec16(b""))


def build_key_update(update_requested):
    return handshake_message(HT_KEY_UPDATE, u8(1 if update_requested else 0))


def flip_byte(data, index=-1):
    data = bytearray(data)
    data[index] ^= 0x01
    return bytes(data)


# ------------------------------------------------------------------ HTTP

def response_body(mode, size=None):
    text = ("hello from tls13_server %s\n" % mode).encode()
    if size is None:
        return text
    return (text * (size // len(text) + 1))[:size]


def http1_response(body, content_length=True):
    head = "HTTP/1.1 200 OK\r\n"
    if content_length:
        head += "Content-Length: %d\r\n" % len(body)
    head += "Connection: close\r\n\r\n"
    return head.encode() + body


def h2_frame(frame_type, flags, stream_id, payload=b""):
    return u24(len(payload)) + u8(frame_type) + u8(flags) + u32(stream_id & 0x7FFFFFFF) + payload


def h2_response(stream_id, body):
    length = str(len(body)).encode()
    # 0x88: indexed :status 200; 0x0f 0x0d: literal without indexing, name index 28
    # (content-length)
    block = b"\x88" + b"\x0f\x0d" + vec8(length)
    out = h2_frame(H2_HEADERS, H2_END_HEADERS, stream_id, block)
    chunks = [body[i:i + 16384] for i in range(0, len(body), 16384)] or [b""]
    for i, chunk in enumerate(chunks):
        out += h2_frame(H2_DATA, H2_END_STREAM if i == len(chunks) - 1 else 0, stream_id, chunk)
    out += h2_frame(H2_GOAWAY, 0, 0, u32(stream_id) + u32(0))
    return out


# ------------------------------------------------------------------ one connection

class Ticket:
    def __init__(self, psk, suite, age_add, alpn):
        self.psk = psk
        self.suite = suite
        self.age_add = age_add
        self.alpn = alpn
        self.issued = time.time()


class ConnLog:
    """Builds the one stdout line for a connection."""

    def __init__(self, mode, number):
        self.mode = mode
        self.fields = {"n": number}
        self.tokens = []
        self.result = None

    def set(self, key, value):
        self.fields[key] = str(value).replace(" ", "_")

    def token(self, token):
        if token not in self.tokens:
            self.tokens.append(token)

    def finish(self, result):
        if self.result is None:
            self.result = result

    def line(self):
        parts = ["CONN", self.mode] + ["%s=%s" % kv for kv in self.fields.items()] + \
            self.tokens + ["result=%s" % (self.result or "unknown")]
        return " ".join(parts)


class Session:
    """Serves one TCP connection according to the server's mode."""

    def __init__(self, server, sock, number):
        self.server = server
        self.cfg = server.cfg
        self.mode = self.cfg.mode
        self.sock = sock
        self.rl = RecordLayer(sock)
        self.log = ConnLog(self.mode, number)
        self.transcript = Transcript()
        self.suite = None
        self.group = None
        self.scheme = None
        self.ks = None
        self.alpn = None
        self.sent_ccs = False
        self.awaiting_client_key_update = False
        self.client_key_updates = 0
        self.resumption_master = None
        self.handshake_done = False
        if self.mode == "fragmented":
            self.rl.fragment_size = 61
        if self.mode == "padded":
            self.rl.padding = 100

    # -- driver

    def run(self):
        try:
            if self.handshake():
                self.serve_application()
        except PeerAlert as e:
            self.log.finish("client-alert:%s" % alert_name(e.code))
        except LocalAlert as e:
            self.log.set("reason", e.reason)
            self.log.finish("sent-alert:%s" % e.alert)
            debug("sending alert %s: %s" % (e.alert, e.reason))
            try:
                self.rl.send_alert(ALERT[e.alert])
                self.sock.shutdown(socket.SHUT_WR)
                self.drain(2.0)
            except OSError:
                pass
        except PeerClosed:
            self.log.finish("client-closed")
        except socket.timeout:
            self.log.finish("timeout")
        except ConnectionResetError:
            self.log.finish("reset")
        except BrokenPipeError:
            self.log.finish("reset")
        except OSError as e:
            self.log.finish("error:%s" % (e.strerror or type(e).__name__).replace(" ", "_"))
        except Exception as e:   # a bug here: say so and keep serving
            traceback.print_exc()
            self.log.finish("error:%s" % type(e).__name__)
        finally:
            try:
                self.sock.close()
            except OSError:
                pass
            print(self.log.line(), flush=True)

    # -- small helpers

    def send_handshake(self, *messages):
        self.rl.write(CT_HANDSHAKE, b"".join(messages))

    def maybe_send_ccs(self, ch):
        """Middlebox compatibility (RFC 8446 D.4): one CCS after the first server message."""
        ccs = self.cfg.ccs
        if self.sent_ccs or ccs == "never" or (ccs == "auto" and not ch.session_id):
            return
        self.sent_ccs = True
        self.rl.send_raw(self.rl.plain_record(CT_CHANGE_CIPHER_SPEC, b"\x01"))

    def fault(self, what):
        self.log.set("fault", what)
        debug("fault injected: " + what)

    def wait_for_close(self, timeout=None):
        """After a fault: read until the client closes, noting what it sent.

        result: the client's alert if it sent one; else client-continued if it
        sent a handshake record (it went on: stop waiting) or other data; else
        client-closed / timeout."""
        self.sock.settimeout(timeout or self.cfg.timeout)
        alert = None
        continued = False
        try:
            while True:
                ctype, content, _ = self.rl.read_record(lenient=True)
                if ctype == CT_ALERT and len(content) == 2:
                    if content[1] == ALERT["close_notify"]:
                        self.log.token("client-close_notify")
                    alert = alert or alert_name(content[1])
                elif ctype == CT_UNDECRYPTABLE:
                    self.log.token("client-sent-undecryptable")
                elif ctype != CT_CHANGE_CIPHER_SPEC:
                    self.log.token("client-sent-%s" % content_type_name(ctype))
                    continued = True
                    if ctype == CT_HANDSHAKE and alert is None:
                        break
            end = None
        except PeerClosed:
            end = "client-closed"
        except socket.timeout:
            end = "timeout"
        except LocalAlert as e:
            self.log.set("reason", e.reason)
            end = "client-closed"
            continued = True
        except OSError:
            end = "reset"
        if alert is not None:
            self.log.finish("client-alert:%s" % alert)
        elif continued:
            self.log.finish("client-continued")
        else:
            self.log.finish(end)

    def drain(self, timeout):
        """Read until EOF, so that closing does not reset the connection; a late
        KeyUpdate from the client is still processed (and logged)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                ctype, content, _ = self.rl.read_record(lenient=True)
                if ctype == CT_ALERT and content == b"\x01\x00":
                    self.log.token("client-close_notify")
                elif ctype == CT_HANDSHAKE and self.handshake_done:
                    self.rl.hs_buf += content
                    self.handle_post_handshake()
        except (PeerClosed, LocalAlert, OSError):
            pass

    def close_connection(self):
        """close_notify, FIN, wait for the client's FIN."""
        self.rl.send_alert(ALERT["close_notify"], ALERT_WARNING)
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        self.drain(min(self.cfg.timeout, 5.0))

    # -- handshake

    def read_client_hello(self, what="ClientHello"):
        msg_type, _, raw = self.rl.read_handshake(what)
        if msg_type != HT_CLIENT_HELLO:
            raise LocalAlert("unexpected_message", "handshake type %d instead of %s"
                             % (msg_type, what))
        return ClientHello(raw)

    def check_client_hello(self, ch):
        if TLS13 not in ch.versions:
            raise LocalAlert("protocol_version", "no TLS 1.3 in supported_versions")
        if ch.compression != b"\x00":
            raise LocalAlert("illegal_parameter", "compression methods are not [null]")
        for ext_type, name in ((EXT_SUPPORTED_GROUPS, "supported_groups"),
                               (EXT_KEY_SHARE, "key_share")):
            if ext_type not in ch.extensions:
                raise LocalAlert("missing_extension", "no %s extension" % name)
        if EXT_SIGNATURE_ALGORITHMS not in ch.extensions and EXT_PRE_SHARED_KEY not in \
                ch.extensions:
            raise LocalAlert("missing_extension", "no signature_algorithms extension")
        for group, _ in ch.key_shares:
            if group not in ch.groups:
                raise LocalAlert("illegal_parameter",
                                 "key share for unlisted group %s" % group_name(group))

    def choose_suite(self, ch):
        if self.cfg.suite is not None:
            if self.cfg.suite not in ch.suites:
                raise LocalAlert("handshake_failure", "client did not offer suite %04x"
                                 % self.cfg.suite)
            return SUITES[self.cfg.suite]
        if 0x1301 in ch.suites:
            return SUITES[0x1301]
        for code in ch.suites:
            if code in SUITES:
                return SUITES[code]
        raise LocalAlert("handshake_failure", "no TLS 1.3 cipher suite in common")

    def server_groups(self):
        return [self.cfg.group] if self.cfg.group is not None else list(IMPLEMENTED_GROUPS)

    def shared_group(self, ch):
        """The group to use among the client's key shares, or None."""
        for group in self.server_groups():
            if ch.key_share(group) is not None:
                return group
        return None

    def retry_group(self, ch):
        """A group the client listed but sent no share for, or None."""
        mine = self.server_groups()
        for group in HRR_PREFERENCE:
            if group in mine and group in ch.groups and ch.key_share(group) is None:
                return group
        return None

    def hello_retry_group(self, ch):
        """The group of the HelloRetryRequest to send, or None for no HRR."""
        mode = self.mode
        if mode in ("hrr", "hrr-cookie", "double-hrr"):
            group = self.retry_group(ch)
            if group is None:
                self.log.token("hrr-impossible")
            return group
        if mode == "hrr-same-group" and ch.key_shares:
            return ch.key_shares[0][0]
        if mode == "hrr-unoffered-group":
            for group in UNOFFERED_CANDIDATES:
                if group not in ch.groups:
                    return group
            return next(g for g in range(0x0001, 0x10000) if g not in ch.groups)
        if self.shared_group(ch) is not None:
            return None
        group = self.retry_group(ch)
        if group is None:
            raise LocalAlert("handshake_failure", "no key exchange group in common")
        return group

    def choose_alpn(self, ch):
        for proto in self.cfg.alpn:
            if proto in ch.alpn:
                return proto
        return None

    def handshake(self):
        """Full or PSK handshake; True when the client's Finished was verified
        (False when the mode's fault ended the handshake)."""
        self.sock.settimeout(self.cfg.timeout)
        ch = self.read_client_hello()
        self.log.set("sni", ch.sni or "-")
        self.log.set("hello", "tls13" if TLS13 in ch.versions else "tls12")
        if TLS_FALLBACK_SCSV in ch.suites:
            self.log.token("TLS_FALLBACK_SCSV")
        if self.mode in ("downgrade-tls12", "tls12-no-sentinel"):
            self.send_tls12_server_hello(ch, sentinel=self.mode == "downgrade-tls12")
            self.wait_for_close()
            return False
        ch = self.negotiate(ch)
        if ch is None:
            return False
        resumed = self.find_psk(ch)     # (identity index, Ticket) or None
        if not self.send_server_hello(ch, resumed):
            return False
        if not self.send_server_flight(ch, resumed):
            return False
        self.read_client_finished()
        self.log.token("RESUMED" if resumed else "FULL")
        self.handshake_done = True
        return True

    def negotiate(self, ch):
        """Suite, group (with a HelloRetryRequest if need be), signature scheme
        and ALPN; returns the ClientHello to answer, None if the mode stops."""
        self.check_client_hello(ch)
        self.suite = self.choose_suite(ch)
        self.log.set("suite", "%04x" % self.suite.code)
        self.transcript.add(ch.raw)
        if ch.early_data:
            # 0-RTT is never accepted: its records are skipped (RFC 8446 4.2.10)
            self.rl.skip_plain_appdata = True
        hrr_group = self.hello_retry_group(ch)
        if hrr_group is not None:
            ch = self.hello_retry(ch, hrr_group)
            if ch is None:
                return None
        self.group = self.shared_group(ch)
        if self.group is None:
            raise LocalAlert("handshake_failure", "no usable key share")
        self.log.set("group", group_name(self.group))
        self.scheme = self.server.credentials.pick_scheme(ch.sig_algs)
        self.alpn = self.choose_alpn(ch)
        self.log.set("alpn", self.alpn or "-")
        return ch

    def send_server_hello(self, ch, resumed):
        """ServerHello (+ CCS); derives the handshake traffic keys."""
        if not resumed:
            if self.scheme is None:
                raise LocalAlert("handshake_failure", "no signature scheme in common (client: %s)"
                                 % ",".join("%04x" % s for s in ch.sig_algs))
            self.log.set("sig", "%04x" % self.scheme)
        private, public = generate_key_share(self.group)
        shared = key_exchange(self.group, private, ch.key_share(self.group))
        self.ks = KeySchedule(self.suite, psk=resumed[1].psk if resumed else None)
        exts = [extension(EXT_SUPPORTED_VERSIONS, u16(TLS13)),
                extension(EXT_KEY_SHARE, u16(self.group) + vec16(public))]
        if resumed:
            exts.append(extension(EXT_PRE_SHARED_KEY, u16(resumed[0])))
        suite_code = self.suite.code
        if self.mode == "bad-suite":
            suite_code = TLS_AES_128_CCM_SHA256
            self.fault("suite-%04x" % suite_code)
        server_hello = build_server_hello(os.urandom(32), ch.session_id, suite_code, exts)
        self.transcript.add(server_hello)
        self.send_handshake(server_hello)
        self.maybe_send_ccs(ch)
        if self.mode == "bad-suite":
            self.wait_for_close()
            return False
        self.ks.enter_handshake(shared, self.transcript.hash(self.suite))
        self.rl.set_write_keys(TrafficKeys(self.suite, self.ks.server_hs, "server hs"))
        self.rl.set_read_keys(TrafficKeys(self.suite, self.ks.client_hs, "client hs"))
        self.rl.skip_plain_appdata = False
        if ch.early_data:
            self.rl.skip_undecryptable = 1 << 20
        return True

    def send_server_flight(self, ch, resumed):
        """EncryptedExtensions, Certificate, CertificateVerify, Finished under the
        handshake keys; then the server switches to its application keys."""
        flight = [build_encrypted_extensions(self.alpn, ack_server_name=bool(ch.sni) and
                                             not resumed)]
        self.transcript.add(flight[-1])
        if not resumed:
            flight.append(build_certificate(self.server.credentials.chain))
            self.transcript.add(flight[-1])
            signature = self.server.credentials.sign(
                self.scheme, certificate_verify_input(self.transcript.hash(self.suite)))
            if self.mode == "bad-cert-verify":
                signature = flip_byte(signature)
                self.fault("certificate-verify-flipped")
            flight.append(build_certificate_verify(self.scheme, signature))
            self.transcript.add(flight[-1])
        verify_data = self.ks.finished_verify_data(self.ks.server_hs,
                                                   self.transcript.hash(self.suite))
        if self.mode == "bad-finished":
            verify_data = flip_byte(verify_data, 0)
            self.fault("server-finished-flipped")
        flight.append(build_finished(verify_data))
        self.transcript.add(flight[-1])

        if self.mode == "truncated":
            record = self.rl.protect(CT_HANDSHAKE, b"".join(flight))
            self.rl.send_raw(record[:len(record) // 2])
            self.fault("sent-%d-of-%d-bytes" % (len(record) // 2, len(record)))
            self.sock.shutdown(socket.SHUT_WR)
            self.wait_for_close()
            return False
        if self.mode == "coalesced":
            self.send_handshake(*flight)
        else:
            for message in flight:
                self.send_handshake(message)
        if self.mode in ("bad-finished", "bad-cert-verify"):
            self.wait_for_close()
            return False
        self.ks.enter_application(self.transcript.hash(self.suite))
        self.rl.set_write_keys(TrafficKeys(self.suite, self.ks.server_ap, "server ap"))
        return True

    def read_client_finished(self):
        msg_type, body, raw = self.rl.read_handshake("client Finished")
        if msg_type != HT_FINISHED:
            raise LocalAlert("unexpected_message", "handshake type %d instead of Finished"
                             % msg_type)
        expected = self.ks.finished_verify_data(self.ks.client_hs,
                                                self.transcript.hash(self.suite))
        if not hmac.compare_digest(body, expected):
            raise LocalAlert("decrypt_error", "client Finished does not verify")
        self.transcript.add(raw)
        self.rl.skip_undecryptable = 0
        self.rl.set_read_keys(TrafficKeys(self.suite, self.ks.client_ap, "client ap"))
        self.resumption_master = self.ks.resumption_master_secret(
            self.transcript.hash(self.suite))

    def hello_retry(self, ch1, group):
        """Sends a HelloRetryRequest for group; the second ClientHello, or None
        when the mode makes the server stop there."""
        cookie = os.urandom(32) if self.mode == "hrr-cookie" else None
        hrr = build_hello_retry_request(ch1.session_id, self.suite.code, group, cookie)
        self.transcript.replace_first_hello(self.suite)
        self.transcript.add(hrr)
        self.send_handshake(hrr)
        self.maybe_send_ccs(ch1)
        self.log.token("HRR")
        self.log.set("hrr_group", group_name(group))
        if self.mode in ("hrr-same-group", "hrr-unoffered-group"):
            self.fault("hrr-%s" % group_name(group))
            self.wait_for_close()
            return None

        ch2 = self.read_client_hello("second ClientHello")
        if self.mode == "double-hrr":
            group2 = self.retry_group(ch2) or group
            self.send_handshake(build_hello_retry_request(ch2.session_id, self.suite.code,
                                                          group2))
            self.fault("second-hrr-%s" % group_name(group2))
            self.wait_for_close()
            return None
        self.check_client_hello(ch2)
        if [g for g, _ in ch2.key_shares] != [group]:
            raise LocalAlert("illegal_parameter", "second ClientHello key shares are %s, not [%s]"
                             % ([group_name(g) for g, _ in ch2.key_shares], group_name(group)))
        if cookie is not None and ch2.cookie != vec16(cookie):
            raise LocalAlert("illegal_parameter", "cookie not echoed")
        if self.suite.code not in ch2.suites:
            raise LocalAlert("illegal_parameter", "second ClientHello dropped the HRR suite")
        if ch2.session_id != ch1.session_id:
            raise LocalAlert("illegal_parameter", "second ClientHello changed legacy_session_id")
        self.transcript.add(ch2.raw)
        return ch2

    def find_psk(self, ch):
        """(identity index, Ticket) when the ClientHello resumes one of our tickets."""
        if self.mode != "tickets" or not ch.psk_identities:
            return None
        if 1 not in ch.psk_modes:       # psk_dhe_ke
            self.log.token("psk-without-dhe-ignored")
            return None
        partial_prefix = self.transcript.data(upto=-1)      # before this ClientHello
        for index, (identity, obfuscated_age) in enumerate(ch.psk_identities):
            ticket = self.server.tickets.get(identity)
            if ticket is None or ticket.suite.hash_name != self.suite.hash_name:
                continue
            ks = KeySchedule(self.suite, psk=ticket.psk)
            expected = ks.binder(self.suite.hash(partial_prefix + ch.truncated()))
            if not hmac.compare_digest(expected, ch.binders[index]):
                raise LocalAlert("decrypt_error", "PSK binder %d does not verify" % index)
            age_ms = (obfuscated_age - ticket.age_add) % (1 << 32)
            real_ms = int((time.time() - ticket.issued) * 1000)
            if real_ms > TICKET_LIFETIME * 1000:
                self.log.token("ticket-expired")
                continue
            self.log.set("psk_identity", index)
            self.log.set("ticket_age", "%d/%dms" % (age_ms, real_ms))
            return index, ticket
        self.log.token("unknown-psk")
        return None

    def send_tls12_server_hello(self, ch, sentinel):
        random = os.urandom(24) + (DOWNGRADE_TLS12 if sentinel else os.urandom(8))
        while not sentinel and random[24:] in (DOWNGRADE_TLS12, DOWNGRADE_TLS11):
            random = os.urandom(32)
        suite = next((s for s in ch.suites if s in TLS12_SUITES), 0xC02F)
        exts = []
        if EXT_RENEGOTIATION_INFO in ch.extensions or 0x00FF in ch.suites:
            exts.append(extension(EXT_RENEGOTIATION_INFO, b"\x00"))
        if EXT_EXTENDED_MASTER_SECRET in ch.extensions:
            exts.append(extension(EXT_EXTENDED_MASTER_SECRET, b""))
        if EXT_EC_POINT_FORMATS in ch.extensions:
            exts.append(extension(EXT_EC_POINT_FORMATS, vec8(b"\x00")))
        # a TLS 1.2 server picks a fresh session id (echoing would mean resumption)
        self.send_handshake(build_server_hello(random, os.urandom(32), suite, exts))
        self.log.set("suite", "%04x" % suite)
        self.fault("tls12-server-hello%s" % ("-downgrd" if sentinel else ""))

    # -- after the handshake

    def send_key_update(self, update_requested):
        self.rl.write(CT_HANDSHAKE, build_key_update(update_requested))
        self.rl.set_write_keys(self.rl.write_keys.updated())

    def send_tickets(self, count=2):
        for i in range(count):
            nonce = u8(i)
            ticket_id = b"tls13_server-ticket-" + os.urandom(12).hex().encode()
            age_add = int.from_bytes(os.urandom(4), "big")
            psk = self.ks.ticket_psk(self.resumption_master, nonce)
            self.server.tickets[ticket_id] = Ticket(psk, self.suite, age_add, self.alpn)
            self.send_handshake(build_new_session_ticket(TICKET_LIFETIME, age_add, nonce,
                                                         ticket_id))
        self.log.set("tickets_sent", count)

    def handle_post_handshake(self):
        """Post-handshake messages from the client: only KeyUpdate is expected."""
        while True:
            msg = self.rl.next_handshake_message()
            if msg is None:
                return
            msg_type, body, _ = msg
            if msg_type != HT_KEY_UPDATE:
                raise LocalAlert("unexpected_message",
                                 "post-handshake message type %d" % msg_type)
            if len(body) != 1:
                raise LocalAlert("decode_error", "KeyUpdate of %d bytes" % len(body))
            if body[0] not in (0, 1):
                raise LocalAlert("illegal_parameter", "KeyUpdate request_update=%d" % body[0])
            self.rl.set_read_keys(self.rl.read_keys.updated())   # checks the record boundary
            self.client_key_updates += 1
            self.log.set("client_keyupdates", self.client_key_updates)
            if self.awaiting_client_key_update:
                self.awaiting_client_key_update = False
                self.log.token("KEYUPDATE-ANSWERED")
            if body[0] == 1:
                self.log.token("client-requested-keyupdate")
                self.send_key_update(False)

    def read_app(self):
        """The next application data; None when the client sent close_notify;
        b"" when the KeyUpdate the server was waiting for just came."""
        while True:
            ctype, content, protected = self.rl.read_record()
            if ctype == CT_APPLICATION_DATA:
                if content:
                    return content
            elif ctype == CT_HANDSHAKE:
                self.rl.hs_buf += content
                was_awaiting = self.awaiting_client_key_update
                self.handle_post_handshake()
                if was_awaiting and not self.awaiting_client_key_update:
                    return b""      # the awaited KeyUpdate came: let the waiter go on
            elif ctype == CT_ALERT:
                if len(content) == 2 and content[1] == ALERT["close_notify"]:
                    self.log.token("client-close_notify")
                    return None
                raise_peer_alert(content)
            else:
                raise LocalAlert("unexpected_message", "%s record after the handshake"
                                 % content_type_name(ctype))

    def wait_for_client_key_update(self, grace):
        """The client owes a KeyUpdate before its next application data; one that
        answers at once has it here within the grace period. A client that
        defers it until it writes again (OpenSSL does) gets the response anyway:
        KEYUPDATE-ANSWERED is then logged if the KeyUpdate comes later."""
        self.sock.settimeout(grace)
        try:
            while self.awaiting_client_key_update:
                if self.read_app() is None:
                    break
        except socket.timeout:
            pass
        self.sock.settimeout(self.cfg.timeout)
        if self.awaiting_client_key_update:
            self.log.token("no-keyupdate-before-response")

    def serve_application(self):
        mode = self.mode
        if mode == "tickets":
            self.send_tickets()
        if mode == "keyupdate":
            self.send_key_update(True)
            self.awaiting_client_key_update = True
            self.log.set("server_keyupdate", "requested")
        if self.alpn == "h2":
            self.rl.write(CT_APPLICATION_DATA, h2_frame(H2_SETTINGS, 0, 0))

        request = self.read_request()
        if request is None:
            self.log.finish("client-closed-before-request")
            return
        proto, stream_id = request
        if mode == "late-ccs":
            self.rl.send_raw(self.rl.plain_record(CT_CHANGE_CIPHER_SPEC, b"\x01"))
            self.fault("ccs-after-handshake")
            self.wait_for_close()
            return

        if mode == "keyupdate":
            self.wait_for_client_key_update(min(self.cfg.timeout, 2.0))
        if mode == "keyupdate-flood":
            self.fault("keyupdate-flood-%d" % self.cfg.flood)
            records = []
            for _ in range(self.cfg.flood):
                records.append(self.rl.records(CT_HANDSHAKE, build_key_update(False)))
                self.rl.set_write_keys(self.rl.write_keys.updated())
            self.rl.send_raw(b"".join(records))
            self.log.set("server_keyupdates", self.cfg.flood)

        big = mode in ("oversized-record", "oversized-plaintext", "max-record")
        body = response_body(mode, 20000 if big else None)
        if proto == "h2":
            response = h2_response(stream_id, body)
        else:
            response = http1_response(body, content_length=mode != "unencrypted-alert")
        self.send_response(response)
        if mode in ("oversized-record", "oversized-plaintext", "unencrypted-alert"):
            self.wait_for_close()
            return
        self.log.finish("ok")
        self.close_connection()

    def send_response(self, response):
        mode = self.mode
        first = None
        if mode == "oversized-record":
            # ciphertext = content + type byte + tag = 2^14 + 257 > 2^14 + 256
            first = MAX_CIPHERTEXT + 1 - 1 - AEAD_TAG
        elif mode == "oversized-plaintext":
            first = MAX_PLAINTEXT + 1
        elif mode == "max-record":
            first = MAX_PLAINTEXT
        if first is not None:
            record = self.rl.protect(CT_APPLICATION_DATA, response[:first], padding_len=0)
            self.rl.send_raw(record)
            self.log.set("first_record", "%d+%d" % (first, len(record) - 5 - first))
            if mode != "max-record":
                self.fault("record-ciphertext-%d-plaintext-%d" % (len(record) - 5, first))
            response = response[first:]
        self.rl.write(CT_APPLICATION_DATA, response)
        if mode == "unencrypted-alert":
            self.rl.send_raw(self.rl.plain_record(CT_ALERT, u8(ALERT_WARNING) + u8(0)))
            self.sock.shutdown(socket.SHUT_WR)
            self.fault("plaintext-close_notify")

    def read_request(self):
        """Reads application data until a request: ("h1", None) or ("h2", stream id);
        None if the client closed first."""
        buf = b""
        while True:
            data = self.read_app()
            if data is None:
                return None
            buf += data
            if H2_PREFACE.startswith(buf[:len(H2_PREFACE)]):    # looks like the h2 preface
                if len(buf) < len(H2_PREFACE):
                    continue
                return self.read_h2_request(buf[len(H2_PREFACE):])
            if self.alpn == "h2":
                self.log.token("h2-without-preface")
            if b"\r\n\r\n" in buf:
                line = buf.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
                self.log.set("req", ":".join(line[:2]))
                return "h1", None

    def read_h2_request(self, buf):
        """Minimal HTTP/2: frames up to the end of the first request's headers."""
        if self.alpn != "h2":      # prior knowledge: our SETTINGS not sent yet
            self.rl.write(CT_APPLICATION_DATA, h2_frame(H2_SETTINGS, 0, 0))
        while True:
            while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
                length = int.from_bytes(buf[:3], "big")
                ftype, flags = buf[3], buf[4]
                stream_id = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                payload, buf = buf[9:9 + length], buf[9 + length:]
                if ftype == H2_SETTINGS and not flags & H2_ACK:
                    self.rl.write(CT_APPLICATION_DATA, h2_frame(H2_SETTINGS, H2_ACK, 0))
                elif ftype == H2_PING and not flags & H2_ACK:
                    self.rl.write(CT_APPLICATION_DATA, h2_frame(H2_PING, H2_ACK, 0, payload))
                elif ftype in (H2_HEADERS, H2_CONTINUATION) and flags & H2_END_HEADERS:
                    self.log.set("req", "h2:stream%d" % stream_id)
                    return "h2", stream_id
                elif ftype in (H2_GOAWAY, H2_RST_STREAM):
                    self.log.token("client-h2-%s" % ("goaway" if ftype == H2_GOAWAY else "rst"))
            data = self.read_app()
            if data is None:
                return None
            buf += data


# ------------------------------------------------------------------ server

class Server:
    def __init__(self, cfg):
        self.cfg = cfg
        self.credentials = Credentials(cfg.cert, cfg.key)
        self.tickets = {}       # ticket id -> Ticket (tickets mode)

    def serve(self):
        listener = socket.socket(socket.AF_INET6 if ":" in self.cfg.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.cfg.host, self.cfg.port))
        listener.listen(16)
        port = listener.getsockname()[1]
        if self.cfg.ready_file:
            tmp = self.cfg.ready_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.replace(tmp, self.cfg.ready_file)
        print("PORT %d" % port, flush=True)
        number = 0
        while True:
            sock, addr = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            number += 1
            debug("connection %d from %s:%d" % (number, addr[0], addr[1]))
            Session(self, sock, number).run()


def parse_suite(text):
    names = {s.name: code for code, s in SUITES.items()}
    if text in names:
        return names[text]
    code = int(text, 16)
    if code not in SUITES:
        raise argparse.ArgumentTypeError("unknown TLS 1.3 suite %s" % text)
    return code


def parse_group(text):
    aliases = {"p-256": "secp256r1", "p256": "secp256r1", "p-384": "secp384r1",
               "p384": "secp384r1"}
    name = aliases.get(text.lower(), text.lower())
    if GROUP_IDS.get(name) not in IMPLEMENTED_GROUPS:
        raise argparse.ArgumentTypeError("group must be one of x25519, secp256r1, secp384r1")
    return GROUP_IDS[name]


def main():
    global VERBOSE
    p = argparse.ArgumentParser(description="Scripted TLS 1.3 test server (see the docstring).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert", required=True, help="PEM chain: leaf first")
    p.add_argument("--key", required=True, help="PEM private key of the leaf")
    p.add_argument("--mode", default="ok", choices=MODES)
    p.add_argument("--ready-file", help="write the port number here once listening")
    p.add_argument("--suite", type=parse_suite, help="force a suite: 1301, 1302 or 1303")
    p.add_argument("--group", type=parse_group, help="the only group: x25519, secp256r1, "
                   "secp384r1 (an HRR when the client sent no share for it)")
    p.add_argument("--alpn", default="h2,http/1.1",
                   help="server ALPN preference, comma-separated (default h2,http/1.1)")
    p.add_argument("--ccs", default="auto", choices=("auto", "always", "never"),
                   help="dummy ChangeCipherSpec after the first server flight "
                   "(auto: when the client's legacy_session_id is not empty)")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds to wait for the client at any step (default 10)")
    p.add_argument("--flood", type=int, default=1000, help="KeyUpdates in keyupdate-flood")
    p.add_argument("--verbose", "-v", action="store_true", help="trace records on stderr")
    cfg = p.parse_args()
    cfg.alpn = [a for a in cfg.alpn.split(",") if a]
    VERBOSE = cfg.verbose
    try:
        Server(cfg).serve()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
