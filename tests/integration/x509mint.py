"""Mints throwaway X.509 certificates with the openssl CLI (python3 stdlib only).

Everything goes through `openssl ca`, which takes exact validity windows
(-startdate / -enddate), any digest (-md sha1 too) and extensions from a
file, so tests can make roots, intermediates and leaves with precisely the
defects they need: expired or not-yet-valid at a fixed date, SHA-1, RSA-1024,
no basicConstraints, pathlen, unknown critical extensions, name constraints,
several issuers with one name...

    m = Mint()                                   # a temp dir, removed at exit
    root = m.root("Test Root")
    inter = m.intermediate("Test Intermediate", root)
    leaf = m.leaf("localhost", inter, sans=["DNS:localhost", "IP:127.0.0.1"])
    chain = m.bundle("chain", [leaf, inter])     # PEM file, in that order

Dates are "YYYYMMDDHHMMSSZ"; the defaults (2025-01-01 .. 2035-01-01) cover
NOW, the time tests should pass with `--time`.
"""

import atexit
import calendar
import os
import shutil
import subprocess
import tempfile
import time

DEFAULT_START = "20250101000000Z"
DEFAULT_END = "20350101000000Z"
# 2026-06-01 00:00:00 UTC: inside the default window, used with --time.
NOW = calendar.timegm((2026, 6, 1, 0, 0, 0))


def unix_time(stamp):
    """'YYYYMMDDHHMMSSZ' -> seconds since the epoch."""
    return calendar.timegm(time.strptime(stamp, "%Y%m%d%H%M%SZ"))


class Cert:
    def __init__(self, name, cn, cert, key, issuer):
        self.name = name      # file stem
        self.cn = cn
        self.cert = cert      # PEM path
        self.key = key        # PEM path
        self.issuer = issuer  # Cert or None (self-signed)

    def pem(self):
        with open(self.cert) as f:
            return f.read()


class Mint:
    def __init__(self, directory=None):
        if directory is None:
            directory = tempfile.mkdtemp(prefix="hxc-x509mint-")
            atexit.register(shutil.rmtree, directory, True)
        self.dir = directory
        self._serial = 0x1000
        db = os.path.join(self.dir, "db")
        os.makedirs(os.path.join(db, "new"), exist_ok=True)
        open(os.path.join(db, "index.txt"), "w").close()
        with open(os.path.join(db, "index.txt.attr"), "w") as f:
            f.write("unique_subject = no\n")
        self.conf = os.path.join(self.dir, "ca.cnf")
        with open(self.conf, "w") as f:
            f.write(
                "[ ca ]\ndefault_ca = mint\n"
                "[ mint ]\n"
                "database = %s/index.txt\nnew_certs_dir = %s/new\nserial = %s/serial\n"
                "default_md = sha256\npolicy = anything\nunique_subject = no\n"
                "copy_extensions = none\nemail_in_dn = no\n"
                "[ anything ]\ncommonName = optional\norganizationName = optional\n"
                "organizationalUnitName = optional\ncountryName = optional\n"
                "[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = unused\n"
                % (db, db, db))

    # ---------------------------------------------------------------- helpers
    def _run(self, args):
        p = subprocess.run(["openssl"] + args, cwd=self.dir, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("openssl %s failed:\n%s%s" % (" ".join(args), p.stdout, p.stderr))
        return p.stdout

    def _unique(self, name):
        stem, n = name, 1
        while os.path.exists(self.path(name + ".pem")) or os.path.exists(self.path(name + ".csr")):
            n += 1
            name = "%s-%d" % (stem, n)
        return name

    def path(self, name):
        return os.path.join(self.dir, name)

    def key(self, name, kind="ec"):
        """kind: 'ec' (P-256), 'ec384', 'ec:CURVE' (any openssl curve name),
        'rsa' (2048), 'rsaBITS' ('rsa1024', 'rsa2049'...), 'ed25519'."""
        out = self.path(name + ".key")
        if kind == "ed25519":
            self._run(["genpkey", "-algorithm", "ED25519", "-out", out])
        elif kind.startswith("ec"):
            curve = kind[3:] if kind.startswith("ec:") else "P-384" if kind == "ec384" else "P-256"
            self._run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve,
                       "-out", out])
        else:
            bits = kind[3:] or "2048"
            self._run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + bits,
                       "-out", out])
        return out

    def issue(self, name, subject, issuer=None, key=None, key_kind="ec", ext=(),
              start=DEFAULT_START, end=DEFAULT_END, md="sha256", sigopt=(), serial=None):
        """Generic: subject is an openssl -subj string ("/O=x/CN=y"); ext a
        list of extension lines for the [ext] section; issuer a Cert or None
        for self-signed; sigopt e.g. ["rsa_padding_mode:pss"]; serial a hex
        string (even length) instead of the next number. Returns a Cert."""
        name = self._unique(name)
        key = key or self.key(name, key_kind)
        csr = self.path(name + ".csr")
        crt = self.path(name + ".pem")
        extf = self.path(name + ".ext")
        with open(extf, "w") as f:
            f.write("[ext]\n" + "".join(line + "\n" for line in ext))
        self._run(["req", "-new", "-config", self.conf, "-key", key, "-subj", subject,
                   "-out", csr])
        self._serial += 1
        with open(self.path("db/serial"), "w") as f:
            f.write("%s\n" % (serial or "%X" % self._serial))
        args = ["ca", "-batch", "-config", self.conf, "-in", csr, "-out", crt, "-notext",
                "-preserveDN", "-md", md, "-startdate", start, "-enddate", end,
                "-extfile", extf, "-extensions", "ext"]
        for opt in sigopt:
            args += ["-sigopt", opt]
        if issuer is None:
            args += ["-selfsign", "-keyfile", key]
        else:
            args += ["-cert", issuer.cert, "-keyfile", issuer.key]
        self._run(args)
        cn = subject.rsplit("CN=", 1)[-1] if "CN=" in subject else subject
        return Cert(name, cn, crt, key, issuer)

    # ---------------------------------------------------------------- shortcuts
    def root(self, cn, name=None, ca=True, pathlen=None, ext=(), **kw):
        bc = "basicConstraints = critical,CA:TRUE" if ca else None
        if ca and pathlen is not None:
            bc += ",pathlen:%d" % pathlen
        lines = [l for l in (bc, "keyUsage = critical,keyCertSign,cRLSign",
                             "subjectKeyIdentifier = hash") if l] + list(ext)
        return self.issue(name or _stem(cn), "/O=hxc test/CN=" + cn, None, ext=lines, **kw)

    def intermediate(self, cn, issuer, name=None, ca=True, pathlen=None, ext=(),
                     bc=True, ku="keyCertSign,cRLSign", ski="hash", **kw):
        """ku / ski None leave keyUsage / subjectKeyIdentifier out; ski may
        also be a hex value ("01:02:03") shared by several certificates."""
        lines = []
        if bc:
            line = "basicConstraints = critical,CA:%s" % ("TRUE" if ca else "FALSE")
            if ca and pathlen is not None:
                line += ",pathlen:%d" % pathlen
            lines.append(line)
        if ku:
            lines.append("keyUsage = critical," + ku)
        # openssl 3 adds the identifier by default: "none" turns it off.
        lines.append("subjectKeyIdentifier = " + (ski or "none"))
        lines.append("authorityKeyIdentifier = keyid")
        return self.issue(name or _stem(cn), "/O=hxc test/CN=" + cn, issuer,
                          ext=lines + list(ext), **kw)

    def leaf(self, cn, issuer, name=None, sans=("DNS:localhost",), eku="serverAuth",
             ext=(), aki=True, cn_ok=True, bc="critical,CA:FALSE",
             ku="critical,digitalSignature,keyEncipherment", **kw):
        """aki=False leaves out authorityKeyIdentifier (a string is used as
        its value); bc / ku None leave those out; sans entries are openssl's
        ("DNS:x", "IP:1.2.3.4"); a critical SAN is "critical" then entries."""
        lines = (["basicConstraints = " + bc] if bc else []) + (["keyUsage = " + ku] if ku else [])
        # openssl 3 adds the identifier by default: "none" turns it off.
        lines.append("authorityKeyIdentifier = " +
                     (aki if isinstance(aki, str) else "keyid" if aki else "none"))
        if sans:
            lines.append("subjectAltName = " + ",".join(sans))
        if eku:
            lines.append("extendedKeyUsage = " + eku)
        # A commonName must be one of the SANs (Baseline Requirements
        # 7.1.4.3): a cn that is not becomes an OU (cn_ok=False keeps it).
        sans_values = [s.split(":", 1)[-1].lower() for s in sans or ()]
        attr = "CN" if cn.lower() in sans_values or not sans or not cn_ok else "OU"
        return self.issue(name or _stem(cn), "/O=hxc test/%s=%s" % (attr, cn), issuer,
                          ext=lines + list(ext), **kw)

    def bundle(self, name, certs):
        """Concatenates the PEM of certs (in order) into NAME.bundle.pem."""
        out = self.path(name + ".bundle.pem")
        with open(out, "w") as f:
            for c in certs:
                f.write("some text between blocks: %s\n" % c.cn)
                f.write(c.pem())
        return out

    # ---------------------------------------------------------------- revocation
    def serial(self, cert):
        """The certificate's serial number as openssl writes it ('1003')."""
        return self._run(["x509", "-in", cert.cert, "-noout", "-serial"]).strip().split("=")[1]

    def revoke(self, cert, reason=None, when=None, compromise=None):
        """Marks cert revoked in this Mint's database (`openssl ca -revoke`).
        reason: an openssl -crl_reason name (keyCompromise, CACompromise,
        superseded, certificateHold...); compromise: 'YYYYMMDDHHMMSSZ', also
        sets keyCompromise and an invalidityDate; when: the revocation date
        ('YYYYMMDDHHMMSSZ', default now), written into the database so that
        messages are deterministic."""
        ca = cert.issuer or cert  # openssl ca loads a CA key even to revoke
        args = ["ca", "-config", self.conf, "-revoke", cert.cert, "-cert", ca.cert,
                "-keyfile", ca.key]
        if reason:
            args += ["-crl_reason", reason]
        if compromise:
            args += ["-crl_compromise", compromise]
        self._run(args)
        if when:
            serial = self.serial(cert)
            index = self.path("db/index.txt")
            with open(index) as f:
                lines = f.read().splitlines()
            for i, line in enumerate(lines):
                cols = line.split("\t")
                if cols[0] == "R" and cols[3] == serial:
                    rest = cols[2].split(",", 1)
                    cols[2] = when[2:] + ("," + rest[1] if len(rest) > 1 else "")
                    lines[i] = "\t".join(cols)
            with open(index, "w") as f:
                f.write("".join(l + "\n" for l in lines))

    def crl(self, issuer, name, last_update=None, next_update=None, hours=None, ext=(),
            aki=True, md="sha256", der=False):
        """A CRL signed by issuer (a Cert), listing the certificates revoked in
        this Mint that issuer issued (by issuer name), written to NAME.crl.pem
        (or NAME.crl.der with der=True); returns the path.
        last_update / next_update: 'YYYYMMDDHHMMSSZ' (default: now and
        now + `hours`, itself 7 days by default); ext: lines for the CRL
        extensions section (e.g. 'deltaCRL = critical, 1',
        '1.2.3.4 = critical, ASN1:NULL'); aki: authorityKeyIdentifier."""
        name = self._unique(name)
        work = self.path(name + ".crldb")
        os.makedirs(work, exist_ok=True)
        issuer_name = self._run(["x509", "-in", issuer.cert, "-noout", "-subject",
                                 "-nameopt", "RFC2253"]).strip()
        kept = []
        with open(self.path("db/index.txt")) as f:
            for line in f.read().splitlines():
                cols = line.split("\t")
                if cols[0] != "R":
                    continue
                issued = self.path("db/new/%s.pem" % cols[3])
                got = self._run(["x509", "-in", issued, "-noout", "-issuer", "-nameopt",
                                 "RFC2253"]).strip()
                if got.split("=", 1)[1] == issuer_name.split("=", 1)[1]:
                    kept.append(line + "\n")
        with open(os.path.join(work, "index.txt"), "w") as f:
            f.write("".join(kept))
        with open(os.path.join(work, "index.txt.attr"), "w") as f:
            f.write("unique_subject = no\n")
        with open(os.path.join(work, "crlnumber"), "w") as f:
            f.write("01\n")
        with open(self.conf) as f:
            conf = f.read()
        conf = conf.replace("database = %s/index.txt" % self.path("db"),
                            "database = %s/index.txt" % work)
        conf = conf.replace("[ mint ]\n", "[ mint ]\ncrlnumber = %s/crlnumber\n" % work, 1)
        lines = (["authorityKeyIdentifier = keyid:always"] if aki else []) + list(ext)
        conf += "[ crlext ]\n" + "".join(l + "\n" for l in lines)
        crl_conf = os.path.join(work, "ca.cnf")
        with open(crl_conf, "w") as f:
            f.write(conf)
        out = self.path(name + ".crl.pem")
        args = ["ca", "-batch", "-config", crl_conf, "-gencrl", "-out", out, "-md", md,
                "-cert", issuer.cert, "-keyfile", issuer.key, "-crlexts", "crlext"]
        if last_update:
            args += ["-crl_lastupdate", last_update]
        if next_update:
            args += ["-crl_nextupdate", next_update]
        else:
            args += ["-crlhours", str(hours or 24 * 7)]
        self._run(args)
        if der:
            der_out = self.path(name + ".crl.der")
            self._run(["crl", "-in", out, "-outform", "DER", "-out", der_out])
            return der_out
        return out


def resign(mint, cert, issuer, name, serial=None, subject=None, issuer_name=None):
    """A copy of cert with fields openssl will not write (a zero or negative
    serial, an empty subject or issuer Name), signed again by issuer (a
    Cert; the copy's key is cert's). serial: an int; subject / issuer_name:
    DER bytes of a Name (b"\x30\x00" is the empty one). Needs the Python
    cryptography package (Debian's python3-cryptography)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    import ssl
    with open(cert.cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    outer = _der_children(_der_children(der)[0][1])
    tbs_tlv, alg_tlv = outer[0][0], outer[1][0]
    fields = [tlv for tlv, _ in _der_children(_der_children(tbs_tlv)[0][1])]
    i = 1 if fields[0][0] == 0xa0 else 0  # after the [0] version
    if serial is not None:
        body = serial.to_bytes(max(1, (serial.bit_length() + 8) // 8), "big", signed=True)
        fields[i] = _der_tlv(0x02, body)
    if issuer_name is not None:
        fields[i + 2] = issuer_name
    if subject is not None:
        fields[i + 4] = subject
    tbs = _der_tlv(0x30, b"".join(fields))
    with open(issuer.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        sig = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    else:
        sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    new = _der_tlv(0x30, tbs + alg_tlv + _der_tlv(0x03, b"\x00" + sig))
    out = mint.path(mint._unique(name) + ".pem")
    with open(out, "w") as f:
        f.write(ssl.DER_cert_to_PEM_cert(new))
    return Cert(os.path.basename(out)[:-4], cert.cn, out, cert.key, issuer)


def _der_tlv(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _der_children(data):
    """[(whole TLV, contents)] of the consecutive elements in data."""
    out, pos = [], 0
    while pos < len(data):
        start, n = pos, data[pos + 1]
        pos += 2
        if n & 0x80:
            k, n = n & 0x7f, int.from_bytes(data[pos:pos + (n & 0x7f)], "big")
            pos += k
        out.append((data[start:pos + n], data[pos:pos + n]))
        pos += n
    return out


def _stem(cn):
    return "".join(ch if ch.isalnum() else "_" for ch in cn).lower()
