# hxc's sample plugin (issue 5): fetch_digest.wasm, a WASI command module
# built like a plugin author builds one: wasm/plugin/fetch_digest.c sees only
# include/hxc.h and links only the wasm32 libhxc.a (hxc_static: BearSSL,
# nghttp2 and llhttp are inside it). Included from wasm/wasi.cmake:
#   include(${CMAKE_SOURCE_DIR}/wasm/plugin.cmake)
# Output: ${CMAKE_BINARY_DIR}/fetch_digest.wasm, run by the Node host
# (wasm/plugin/run-plugin.mjs, or wasm/host/hxc-host.mjs) and tested by
# tests/integration/test_wasm_plugin.py.
#
# Outside hxc's tree the same module is one command (see wasm/README.md):
#   clang --target=wasm32-wasi --sysroot=/usr -O2 -I include fetch_digest.c \
#         build-wasm/libhxc.a -Wl,-z,stack-size=1048576 -Wl,--stack-first \
#         -Wl,--strip-all -o fetch_digest.wasm
add_executable(fetch_digest ${CMAKE_SOURCE_DIR}/wasm/plugin/fetch_digest.c)
target_compile_options(fetch_digest PRIVATE ${HXC_WARNINGS} -O2)
# hxc_static's only usage requirement is include/ (the public header).
target_link_libraries(fetch_digest PRIVATE hxc_static)
