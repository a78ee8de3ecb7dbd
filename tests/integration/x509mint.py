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
        """kind: 'ec' (P-256), 'ec384', 'rsa' (2048), 'rsa1024', 'rsa4096', 'ed25519'."""
        out = self.path(name + ".key")
        if kind == "ed25519":
            self._run(["genpkey", "-algorithm", "ED25519", "-out", out])
        elif kind.startswith("ec"):
            curve = "P-384" if kind == "ec384" else "P-256"
            self._run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve,
                       "-out", out])
        else:
            bits = kind[3:] or "2048"
            self._run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + bits,
                       "-out", out])
        return out

    def issue(self, name, subject, issuer=None, key=None, key_kind="ec", ext=(),
              start=DEFAULT_START, end=DEFAULT_END, md="sha256", sigopt=()):
        """Generic: subject is an openssl -subj string ("/O=x/CN=y"); ext a
        list of extension lines for the [ext] section; issuer a Cert or None
        for self-signed; sigopt e.g. ["rsa_padding_mode:pss"]. Returns a Cert."""
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
            f.write("%X\n" % self._serial)
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
                     bc=True, **kw):
        lines = []
        if bc:
            line = "basicConstraints = critical,CA:%s" % ("TRUE" if ca else "FALSE")
            if ca and pathlen is not None:
                line += ",pathlen:%d" % pathlen
            lines.append(line)
        lines += ["keyUsage = critical,keyCertSign,cRLSign", "subjectKeyIdentifier = hash",
                  "authorityKeyIdentifier = keyid"]
        return self.issue(name or _stem(cn), "/O=hxc test/CN=" + cn, issuer,
                          ext=lines + list(ext), **kw)

    def leaf(self, cn, issuer, name=None, sans=("DNS:localhost",), eku="serverAuth",
             ext=(), aki=True, **kw):
        """aki=False leaves out authorityKeyIdentifier, so that only the
        issuer name links the leaf to its issuer."""
        lines = ["basicConstraints = critical,CA:FALSE",
                 "keyUsage = critical,digitalSignature,keyEncipherment"]
        # openssl 3 adds the identifier by default: "none" turns it off.
        lines.append("authorityKeyIdentifier = " + ("keyid" if aki else "none"))
        if sans:
            lines.append("subjectAltName = " + ",".join(sans))
        if eku:
            lines.append("extendedKeyUsage = " + eku)
        return self.issue(name or _stem(cn), "/O=hxc test/CN=" + cn, issuer,
                          ext=lines + list(ext), **kw)

    def bundle(self, name, certs):
        """Concatenates the PEM of certs (in order) into NAME.bundle.pem."""
        out = self.path(name + ".bundle.pem")
        with open(out, "w") as f:
            for c in certs:
                f.write("some text between blocks: %s\n" % c.cn)
                f.write(c.pem())
        return out


def _stem(cn):
    return "".join(ch if ch.isalnum() else "_" for ch in cn).lower()
