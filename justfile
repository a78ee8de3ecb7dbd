# hxc: thin recipes over CMake / CTest. `just --list` shows them.

build_dir := "build"
asan_dir := "build-asan"

# Configure and build the library, the CLI and the tests.
build:
    cmake -S . -B {{build_dir}} -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build {{build_dir}} -j2

# The whole suite: unit + integration tests, then again under ASan + UBSan.
test: build
    ctest --test-dir {{build_dir}} --output-on-failure -j2
    just asan

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

# Benchmark (a measurement, not a test): hxc vs curl, nghttp, h2load on a local nghttpd
bench: build
    python3 tests/bench/bench.py {{build_dir}}/hxc
