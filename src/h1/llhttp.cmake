# llhttp (the HTTP/1.1 parser): the C sources Debian ships in node-llhttp
# (security-patched), compiled into the library, natively and for wasm32.
# Override with -DHXC_LLHTTP_DIR=... / -DHXC_LLHTTP_INCLUDE=... . Defines the
# object library hxc_llhttp.
set(HXC_LLHTTP_DIR /usr/share/llhttp CACHE PATH "llhttp C sources (api.c http.c llhttp.c)")
set(HXC_LLHTTP_INCLUDE /usr/share/include/llhttp CACHE PATH "directory holding llhttp.h")
if(NOT EXISTS ${HXC_LLHTTP_DIR}/llhttp.c OR NOT EXISTS ${HXC_LLHTTP_INCLUDE}/llhttp.h)
  message(FATAL_ERROR "llhttp sources not found in ${HXC_LLHTTP_DIR} / ${HXC_LLHTTP_INCLUDE}: "
                      "install the Debian package node-llhttp")
endif()
add_library(hxc_llhttp OBJECT ${HXC_LLHTTP_DIR}/api.c ${HXC_LLHTTP_DIR}/http.c
                              ${HXC_LLHTTP_DIR}/llhttp.c)
target_include_directories(hxc_llhttp PUBLIC ${HXC_LLHTTP_INCLUDE})
target_compile_options(hxc_llhttp PRIVATE -w)
