# The public suffix table, generated at build time (included by the native
# CMakeLists.txt and by wasm/wasi.cmake): src/x509/gen_psl.py (Python 3
# stdlib, run on the build machine) turns certs/public_suffix_list.dat into
# ${HXC_PSL_C}, a compact table read by src/x509/psl.c; `just update-psl`
# refreshes the list from Debian's publicsuffix package.
find_program(PYTHON3 python3 REQUIRED NO_CMAKE_FIND_ROOT_PATH)
file(READ ${CMAKE_SOURCE_DIR}/certs/PSL_VERSION HXC_PSL_VERSION)
string(STRIP "${HXC_PSL_VERSION}" HXC_PSL_VERSION)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/certs/PSL_VERSION)
set(HXC_PSL_C ${CMAKE_BINARY_DIR}/generated/hxc_psl.c)
add_custom_command(
  OUTPUT ${HXC_PSL_C}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/src/x509/gen_psl.py
          ${CMAKE_SOURCE_DIR}/certs/public_suffix_list.dat "${HXC_PSL_VERSION}" ${HXC_PSL_C}
  DEPENDS ${CMAKE_SOURCE_DIR}/src/x509/gen_psl.py ${CMAKE_SOURCE_DIR}/certs/public_suffix_list.dat
          ${CMAKE_SOURCE_DIR}/certs/PSL_VERSION
  COMMENT "Generating the public suffix table from certs/public_suffix_list.dat (${HXC_PSL_VERSION})"
  VERBATIM)
