# CMake toolchain file for hxc's WASI build (wasm32-wasi, WASI preview1).
#
#   cmake -S . -B build-wasm -DCMAKE_TOOLCHAIN_FILE=wasm/toolchain.cmake -DHXC_WASI=ON
#
# With WASI_SDK_PATH set (the real wasi-sdk), its clang, llvm-ar and sysroot
# are used. Otherwise Debian's packages are the SDK: clang + lld (wasm-ld),
# llvm (llvm-ar/llvm-ranlib), wasi-libc (sysroot /usr: headers in
# /usr/include/wasm32-wasi, libraries in /usr/lib/wasm32-wasi) and
# libclang-rt-14-dev-wasm32 (libclang_rt.builtins-wasm32.a).
set(CMAKE_SYSTEM_NAME WASI)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR}/cmake)

set(HXC_WASI ON CACHE BOOL "Build for WASI (wasm32)" FORCE)
set(HXC_WASI_TRIPLE wasm32-wasi)

if(DEFINED ENV{WASI_SDK_PATH} AND NOT "$ENV{WASI_SDK_PATH}" STREQUAL "")
  file(TO_CMAKE_PATH "$ENV{WASI_SDK_PATH}" WASI_SDK_PATH)
  set(CMAKE_C_COMPILER ${WASI_SDK_PATH}/bin/clang)
  set(CMAKE_AR ${WASI_SDK_PATH}/bin/llvm-ar CACHE FILEPATH "archiver")
  set(CMAKE_RANLIB ${WASI_SDK_PATH}/bin/llvm-ranlib CACHE FILEPATH "ranlib")
  set(CMAKE_STRIP ${WASI_SDK_PATH}/bin/llvm-strip CACHE FILEPATH "strip")
  set(CMAKE_SYSROOT ${WASI_SDK_PATH}/share/wasi-sysroot)
else()
  find_program(HXC_WASI_CLANG NAMES clang-19 clang REQUIRED)
  find_program(HXC_WASI_AR NAMES llvm-ar-19 llvm-ar REQUIRED)
  find_program(HXC_WASI_RANLIB NAMES llvm-ranlib-19 llvm-ranlib REQUIRED)
  find_program(HXC_WASI_STRIP NAMES llvm-strip-19 llvm-strip)
  set(CMAKE_C_COMPILER ${HXC_WASI_CLANG})
  set(CMAKE_AR ${HXC_WASI_AR} CACHE FILEPATH "archiver")
  set(CMAKE_RANLIB ${HXC_WASI_RANLIB} CACHE FILEPATH "ranlib")
  set(CMAKE_STRIP ${HXC_WASI_STRIP} CACHE FILEPATH "strip")
  # Debian's wasi-libc lays out the sysroot as multiarch directories under /usr.
  set(CMAKE_SYSROOT /usr)
  if(NOT EXISTS /usr/include/wasm32-wasi/stdio.h)
    message(FATAL_ERROR "wasi-libc headers not found in /usr/include/wasm32-wasi: "
                        "apt-get install wasi-libc (or set WASI_SDK_PATH)")
  endif()
endif()

set(CMAKE_C_COMPILER_TARGET ${HXC_WASI_TRIPLE})
set(CMAKE_C_COMPILER_WORKS ON) # the probe's test program links fine, but skip the round trip
set(CMAKE_EXECUTABLE_SUFFIX .wasm)

# Optimisation comes from the build type (hxc's wasm/wasi.cmake defaults
# to MinSizeRel and sets -Oz / -O2 per target); linked modules are stripped
# of debug info and the name section. wasm-ld's default stack is 64 KiB,
# laid out below the static data, so an overflow silently corrupts it:
# give modules 1 MiB and put the stack first, where an overflow traps.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--strip-all -Wl,-z,stack-size=1048576 -Wl,--stack-first")

set(CMAKE_FIND_ROOT_PATH ${CMAKE_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
