"""Every complete C program in README.md (a ```c block with a main
function) compiles with -Wall -Wextra -Werror against include/hxc.h and links
against the built libhxc.a; the library example then runs against a local
nghttpd and prints the negotiated protocol."""

import os
import re
import subprocess

import hxctest as h

SRC = os.environ.get("HXC_SOURCE_DIR", ".")
BUILD = os.environ.get("HXC_BUILD_DIR", "build")

with open(os.path.join(SRC, "README.md")) as f:
    README = f.read()
PROGRAMS = [b for b in re.findall(r"```c\n(.*?)```", README, re.S) if "int main" in b]


def build(code, name):
    d = h.tempdir("hxc-readme-")
    src = os.path.join(d, name + ".c")
    exe = os.path.join(d, name)
    with open(src, "w") as f:
        f.write(code)
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(SRC, "include"),
           src, os.path.join(BUILD, "libhxc.a"), "-lbearssl", "-lnghttp2", "-lcares", "-o", exe]
    if "HXC_SANITIZE:BOOL=ON" in open(os.path.join(BUILD, "CMakeCache.txt")).read():
        cmd.insert(1, "-fsanitize=address,undefined")
    p = subprocess.run(cmd, capture_output=True, text=True)
    h.check(p.returncode == 0, "README example does not compile:\n%s\n%s" % (code, p.stderr))
    return exe, d


def test_readme_has_a_complete_program():
    h.check(len(PROGRAMS) >= 1, "README.md has no complete C example")


def test_library_example_runs():
    pki = h.Pki()
    leaf = pki.issue()
    with h.nghttpd(leaf, h.htdocs_dir()) as srv:
        for i, code in enumerate(PROGRAMS):
            # the README's examples fetch https://localhost:8443/: point them at srv
            code = code.replace("https://localhost:8443/", srv.url("/", host="localhost"))
            exe, d = build(code, "example%d" % i)
            # the example reads ca.pem from its working directory
            os.symlink(pki.ca_cert, os.path.join(d, "ca.pem"))
            p = subprocess.run([exe], cwd=d, capture_output=True, text=True, timeout=30)
            h.check(p.returncode == 0, "example %d failed: %s %s" % (i, p.stdout, p.stderr))
            h.check(re.search(r"HTTP/2 200, \d+ bytes, ALPN h2", p.stdout),
                    "unexpected output: %r (stderr %r)" % (p.stdout, p.stderr))


h.run_tests([test_readme_has_a_complete_program, test_library_example_runs])
