# hxc: thin recipes over CMake / CTest. `just --list` shows them.

build_dir := "build"
asan_dir := "build-asan"
wasm_dir := "build-wasm"

# Configure and build the library, the CLI and the tests.
build:
    cmake -S . -B {{build_dir}} -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build {{build_dir}} -j2

# The whole suite: unit + integration tests, again under ASan + UBSan, then
# the CLI's integration tests as WebAssembly: hxc.wasm in the Node host and
# in hxc-wasmtime, hxc.component.wasm in stock `wasmtime run`.
test: build
    ctest --test-dir {{build_dir}} --output-on-failure -j2
    just asan
    just wasm-test

# Build and run the suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
    cmake -S . -B {{asan_dir}} -DCMAKE_BUILD_TYPE=Debug -DHXC_SANITIZE=ON
    cmake --build {{asan_dir}} -j2
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --test-dir {{asan_dir}} --output-on-failure -j2

# The main job: HTTPS to a local server. Mints a throwaway CA, starts local
# servers, fetches over HTTP/2 and HTTP/1.1 with --cacert. No internet needed.
demo: build
    bash tests/servers/demo.sh {{build_dir}}/hxc

# Fetch a URL with the built CLI: just run https://example.com/ -v
run URL *ARGS: build
    {{build_dir}}/hxc {{ARGS}} {{URL}}

# Refresh certs/cacert.pem from the certifi package (python3 -m pip's or Debian's).
update-certs:
    python3 -c 'import certifi, shutil; shutil.copyfile(certifi.where(), "certs/cacert.pem"); open("certs/VERSION", "w").write(certifi.__version__ + "\n"); print("certifi", certifi.__version__)'
    grep -c 'BEGIN CERTIFICATE' certs/cacert.pem

# Refresh certs/public_suffix_list.dat and certs/PSL_VERSION from Debian's publicsuffix package.
update-psl:
    dpkg-query -W -f='${Status}' publicsuffix 2>/dev/null | grep -q 'ok installed' || { apt-get update && apt-get install -y publicsuffix; }
    cp /usr/share/publicsuffix/public_suffix_list.dat certs/public_suffix_list.dat
    dpkg-query -W -f='${Version}\n' publicsuffix > certs/PSL_VERSION
    @echo "publicsuffix $(cat certs/PSL_VERSION): $(grep -Evc '^[[:space:]]*(//|$)' certs/public_suffix_list.dat) rules"

# Benchmark (a measurement, not a test): hxc vs curl, nghttp, h2load; hxc as wasm in the Node host, hxc-wasmtime, wasmtime run
bench: build wasm
    python3 tests/bench/bench.py {{build_dir}}/hxc --wasm {{wasm_dir}}/hxc.wasm \
        --wasmtime-host /var/cache/hxc/cargo-hxc-wasmtime/release/hxc-wasmtime \
        --component {{wasm_dir}}/hxc.component.wasm

# BearSSL and nghttp2 come from Debian source packages; hxc-wasmtime is built by cargo.
# hxc.wasm (hostnet_v1), hxc.component.wasm (wasi:sockets) + .cwasm, wasm32 libhxc.a, plugin, hxc-wasmtime
wasm:
    cmake -S . -B {{wasm_dir}} -DCMAKE_TOOLCHAIN_FILE=wasm/toolchain.cmake -DHXC_WASI=ON
    cmake --build {{wasm_dir}} -j2
    ls -l {{wasm_dir}}/hxc.wasm {{wasm_dir}}/hxc.component.wasm {{wasm_dir}}/libhxc.a

# Plus the ABI/policy tests and the sample plugin in both hostnet_v1 hosts.
# The wasm suites: the CLI tests three ways (node.*, hxc-wasmtime.*, wasmtime.*)
wasm-test: wasm
    ctest --test-dir {{wasm_dir}} --output-on-failure -j2

# Run a module in the Node reference host: just wasm-run --allow localhost:8443 -- build-wasm/hxc.wasm URL
wasm-run *ARGS: wasm
    node --no-turbo-fast-api-calls wasm/host/hxc-host.mjs {{ARGS}}

# Run a module in hxc-wasmtime (same options): just wasmtime-run --allow localhost:8443 -- build-wasm/hxc.component.wasm URL
wasmtime-run *ARGS: wasm
    /var/cache/hxc/cargo-hxc-wasmtime/release/hxc-wasmtime {{ARGS}}
