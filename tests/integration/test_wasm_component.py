#!/usr/bin/env python3
"""hxc.component.wasm (WASI 0.2, wasi:sockets) in stock `wasmtime run`, run
exactly as wasm/README.md tells a user to (not through the test wrapper):

  - the documented command line fetches over HTTP/2 from a local nghttpd,
    with the CA in a directory preopened as /certs, from the .wasm file
    (compiled on the fly) and from the ahead-of-time compiled .cwasm
    (--allow-precompiled);
  - without -S allow-ip-name-lookup the name lookup is refused, and without
    -S inherit-network the connection: each fails with hxc's message naming
    the cause and the wasmtime flag, never a hang or a trap;
  - a name that does not resolve is a DNS error naming the host.

Environment: HXC_BUILD_DIR (the wasm build: hxc.component.wasm and
hxc.component.cwasm), HXC_WASMTIME (the wasmtime CLI). The wasm suite only.
"""

import os
import shutil
import subprocess

import hxctest as h

BUILD = h.BUILD_DIR
COMPONENT = os.path.join(BUILD, "hxc.component.wasm")
CWASM = os.path.join(BUILD, "hxc.component.cwasm")
WASMTIME = os.environ.get("HXC_WASMTIME") or shutil.which("wasmtime")

pki = h.Pki(key_type="ec")
leaf = pki.issue()
docs = h.htdocs_dir()
srv = h.nghttpd(leaf, docs).start()
certs = h.tempdir("hxc-component-certs-")
shutil.copy(pki.ca_cert, os.path.join(certs, "ca.pem"))


def wasmtime(flags, module, args, timeout=60):
    argv = [WASMTIME, "run"] + flags + ["--dir", certs + "::/certs"] + module + args
    p = subprocess.run(argv, capture_output=True, timeout=timeout)
    return h.Result(argv, p.returncode, p.stdout, p.stderr.decode("utf-8", "replace"), 0.0)


NET = ["-S", "inherit-network", "-S", "allow-ip-name-lookup"]


def test_documented_command_h2():
    for module in ([COMPONENT], ["--allow-precompiled", CWASM]):
        res = wasmtime(NET, module, ["-v", "--cacert", "/certs/ca.pem",
                                     srv.url("/hello.txt", host="localhost")])
        h.expect_rc(res, 0, " ".join(module))
        h.check(res.out == b"hello over TLS\n", "unexpected body\n" + res.describe())
        h.expect_in("* Using HTTP/2", res.err, res, "stderr")
        h.expect_in("verification: OK", res.err, res, "stderr")


def test_name_lookup_not_allowed():
    res = wasmtime(["-S", "inherit-network"], ["--allow-precompiled", CWASM],
                   ["--cacert", "/certs/ca.pem", srv.url("/hello.txt", host="localhost")])
    h.check(res.rc != 0, "must fail without -S allow-ip-name-lookup\n" + res.describe())
    h.expect_in("could not resolve host 'localhost': the runtime refused or failed the lookup "
                "(wasmtime: -S allow-ip-name-lookup)", res.err, res, "stderr")


def test_network_not_allowed():
    res = wasmtime([], ["--allow-precompiled", CWASM],
                   ["--cacert", "/certs/ca.pem", srv.url("/hello.txt")])
    h.check(res.rc != 0, "must fail without -S inherit-network\n" + res.describe())
    h.expect_in("connection to 127.0.0.1:%d refused by the WebAssembly runtime's network policy"
                % srv.port, res.err, res, "stderr")
    h.expect_in("-S inherit-network", res.err, res, "stderr")


def test_unresolvable_name():
    res = wasmtime(NET, ["--allow-precompiled", CWASM],
                   ["--cacert", "/certs/ca.pem", "https://hxc-test.invalid:%d/" % srv.port])
    h.check(res.rc != 0, "an unresolvable name must fail\n" + res.describe())
    h.expect_in("could not resolve host 'hxc-test.invalid'", res.err, res, "stderr")


if __name__ == "__main__":
    for path in (COMPONENT, CWASM):
        if not os.path.exists(path):
            h.fail("%s is missing: build the wasm tree first (just wasm)" % path)
    if not WASMTIME:
        h.fail("wasmtime not found: .ci/setup installs it (cargo install wasmtime-cli)")
    h.run_tests([test_documented_command_h2, test_name_lookup_not_allowed,
                 test_network_not_allowed, test_unresolvable_name])
