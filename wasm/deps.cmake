# BearSSL and nghttp2 for wasm32, compiled from Debian's source packages.
#
# At configure time `apt-get source bearssl nghttp2` unpacks the patched
# trees (dpkg-source applies Debian's patch series, e.g. nghttp2's
# CONTINUATION-flood and assert fixes) into <build>/deps; nothing
# third-party is committed. Needs a deb-src entry and dpkg-dev (.ci/setup).
# -DHXC_BEARSSL_SRC=... / -DHXC_NGHTTP2_SRC=... use existing trees instead.
#
# Defines the OBJECT libraries hxc_wasi_bearssl and hxc_wasi_nghttp2 and the
# variables HXC_WASI_BEARSSL_INCLUDE / HXC_WASI_NGHTTP2_INCLUDE.

set(HXC_WASI_DEPS_DIR ${CMAKE_BINARY_DIR}/deps)
set(HXC_BEARSSL_SRC "" CACHE PATH "BearSSL source tree (empty: apt-get source bearssl)")
set(HXC_NGHTTP2_SRC "" CACHE PATH "nghttp2 source tree (empty: apt-get source nghttp2)")

# Finds <deps>/<pkg>-<version>/ holding marker; runs apt-get source when absent.
function(hxc_debian_source pkg marker outvar)
  set(dir "")
  file(GLOB candidates LIST_DIRECTORIES true ${HXC_WASI_DEPS_DIR}/${pkg}-[0-9]*)
  foreach(c ${candidates})
    if(IS_DIRECTORY ${c} AND EXISTS ${c}/${marker})
      set(dir ${c})
    endif()
  endforeach()
  if(dir STREQUAL "")
    find_program(HXC_APT_GET apt-get)
    if(NOT HXC_APT_GET)
      message(FATAL_ERROR "no ${pkg} source tree: apt-get not found. Pass -DHXC_${outvar}=<tree>.")
    endif()
    file(MAKE_DIRECTORY ${HXC_WASI_DEPS_DIR})
    message(STATUS "Fetching the Debian source package ${pkg} (apt-get source) into ${HXC_WASI_DEPS_DIR}")
    execute_process(COMMAND ${HXC_APT_GET} source -qq ${pkg}
                    WORKING_DIRECTORY ${HXC_WASI_DEPS_DIR}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE errout)
    file(GLOB candidates LIST_DIRECTORIES true ${HXC_WASI_DEPS_DIR}/${pkg}-[0-9]*)
    foreach(c ${candidates})
      if(IS_DIRECTORY ${c} AND EXISTS ${c}/${marker})
        set(dir ${c})
      endif()
    endforeach()
    if(dir STREQUAL "")
      message(FATAL_ERROR
        "apt-get source ${pkg} failed (exit ${rc}): ${errout}\n"
        "It needs a deb-src entry in /etc/apt/sources.list.d/ (run .ci/setup) and dpkg-dev "
        "(dpkg-source unpacks and patches the tree).")
    endif()
  endif()
  set(${outvar} ${dir} PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------- BearSSL
if(HXC_BEARSSL_SRC STREQUAL "")
  hxc_debian_source(bearssl inc/bearssl.h HXC_BEARSSL_DIR)
else()
  set(HXC_BEARSSL_DIR ${HXC_BEARSSL_SRC})
endif()
if(NOT EXISTS ${HXC_BEARSSL_DIR}/inc/bearssl.h OR NOT EXISTS ${HXC_BEARSSL_DIR}/src/inner.h)
  message(FATAL_ERROR "${HXC_BEARSSL_DIR} is not a BearSSL source tree (no inc/bearssl.h)")
endif()
message(STATUS "BearSSL for wasm32 from ${HXC_BEARSSL_DIR}")
file(GLOB_RECURSE HXC_WASI_BEARSSL_SOURCES ${HXC_BEARSSL_DIR}/src/*.c)
add_library(hxc_wasi_bearssl OBJECT ${HXC_WASI_BEARSSL_SOURCES})
target_include_directories(hxc_wasi_bearssl PRIVATE ${HXC_BEARSSL_DIR}/src ${HXC_BEARSSL_DIR}/inc)
# Portable 64-bit code (no 128-bit multiply in wasm32); no OS seeder exists
# on WASI, hxc injects getentropy() (WASI random_get) before every reset;
# time(NULL) is the WASI realtime clock.
target_compile_definitions(hxc_wasi_bearssl PRIVATE BR_64=1 BR_INT128=0 BR_UMUL128=0
                                                    BR_USE_UNIX_TIME=1 BR_RDRAND=0)
target_compile_options(hxc_wasi_bearssl PRIVATE -O2 -w)
set(HXC_WASI_BEARSSL_INCLUDE ${HXC_BEARSSL_DIR}/inc)

# ---------------------------------------------------------------- nghttp2
if(HXC_NGHTTP2_SRC STREQUAL "")
  hxc_debian_source(nghttp2 lib/includes/nghttp2/nghttp2.h HXC_NGHTTP2_DIR)
else()
  set(HXC_NGHTTP2_DIR ${HXC_NGHTTP2_SRC})
endif()
if(NOT EXISTS ${HXC_NGHTTP2_DIR}/lib/nghttp2_session.c)
  message(FATAL_ERROR "${HXC_NGHTTP2_DIR} is not an nghttp2 source tree (no lib/nghttp2_session.c)")
endif()
message(STATUS "nghttp2 for wasm32 from ${HXC_NGHTTP2_DIR}")
file(STRINGS ${HXC_NGHTTP2_DIR}/CMakeLists.txt nghttp2_project REGEX "^project\\(nghttp2 VERSION")
string(REGEX MATCH "([0-9]+)\\.([0-9]+)\\.([0-9]+)" NGHTTP2_WASI_VERSION "${nghttp2_project}")
if(NGHTTP2_WASI_VERSION STREQUAL "")
  message(FATAL_ERROR "no version in ${HXC_NGHTTP2_DIR}/CMakeLists.txt")
endif()
set(PACKAGE_VERSION ${NGHTTP2_WASI_VERSION})
math(EXPR nghttp2_num "(${CMAKE_MATCH_1} << 16) | (${CMAKE_MATCH_2} << 8) | ${CMAKE_MATCH_3}"
     OUTPUT_FORMAT HEXADECIMAL)
string(REGEX REPLACE "^0x" "" nghttp2_hex "${nghttp2_num}")
string(LENGTH "${nghttp2_hex}" nghttp2_hexlen)
while(nghttp2_hexlen LESS 6)
  string(PREPEND nghttp2_hex "0")
  string(LENGTH "${nghttp2_hex}" nghttp2_hexlen)
endwhile()
set(PACKAGE_VERSION_NUM "0x${nghttp2_hex}")
set(HXC_WASI_NGHTTP2_GEN ${CMAKE_BINARY_DIR}/generated/nghttp2)
configure_file(${HXC_NGHTTP2_DIR}/lib/includes/nghttp2/nghttp2ver.h.in
               ${HXC_WASI_NGHTTP2_GEN}/include/nghttp2/nghttp2ver.h @ONLY)
# What nghttp2's configure would find in wasi-libc.
file(WRITE ${HXC_WASI_NGHTTP2_GEN}/config.h.tmp
  "/* nghttp2 config for wasm32-wasi (written by hxc's wasm/deps.cmake) */\n"
  "#define HAVE_TIME_H 1\n#define HAVE_CLOCK_GETTIME 1\n"
  "#define HAVE_ARPA_INET_H 1\n#define HAVE_NETINET_IN_H 1\n")
configure_file(${HXC_WASI_NGHTTP2_GEN}/config.h.tmp ${HXC_WASI_NGHTTP2_GEN}/config.h COPYONLY)
file(GLOB HXC_WASI_NGHTTP2_SOURCES ${HXC_NGHTTP2_DIR}/lib/*.c)
add_library(hxc_wasi_nghttp2 OBJECT ${HXC_WASI_NGHTTP2_SOURCES})
target_include_directories(hxc_wasi_nghttp2 PRIVATE ${HXC_WASI_NGHTTP2_GEN}
                           ${HXC_WASI_NGHTTP2_GEN}/include ${HXC_NGHTTP2_DIR}/lib
                           ${HXC_NGHTTP2_DIR}/lib/includes)
target_compile_definitions(hxc_wasi_nghttp2 PRIVATE HAVE_CONFIG_H BUILDING_NGHTTP2
                                                    NGHTTP2_STATICLIB)
target_compile_options(hxc_wasi_nghttp2 PRIVATE -O2 -w)
set(HXC_WASI_NGHTTP2_INCLUDE ${HXC_WASI_NGHTTP2_GEN}/include ${HXC_NGHTTP2_DIR}/lib/includes)
