# The transport each build compiles (included by CMakeLists.txt and
# wasm/wasi.cmake). Everything above net/ is the same code in all three.
#   native          POSIX sockets + poll, Happy Eyeballs, c-ares
#   hxc.wasm        the host's hostnet_v1 imports (the host resolves names)
#   component       wasi-libc's sockets over wasi:sockets (tcp, poll on its
#                   pollables), Happy Eyeballs, getaddrinfo over
#                   wasi:sockets/ip-name-lookup
set(HXC_NET_DIR ${CMAKE_SOURCE_DIR}/src/net)
set(HXC_NET_NATIVE_SOURCES ${HXC_NET_DIR}/addr.c ${HXC_NET_DIR}/posix.c
    ${HXC_NET_DIR}/connect.c ${HXC_NET_DIR}/resolve_ares.c)
set(HXC_NET_HOSTNET_SOURCES ${HXC_NET_DIR}/addr.c ${HXC_NET_DIR}/hostnet.c
    ${HXC_NET_DIR}/hostnet_connect.c)
set(HXC_NET_WASIP2_SOURCES ${HXC_NET_DIR}/addr.c ${HXC_NET_DIR}/posix.c
    ${HXC_NET_DIR}/connect.c ${HXC_NET_DIR}/resolve_gai.c)
