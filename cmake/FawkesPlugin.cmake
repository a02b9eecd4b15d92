# fawkes_add_plugin(NAME SOURCES...): a plugin as a MODULE library named NAME.so in
# build/plugins/, installed into lib/fawkes/plugins/, linked with the SDK and its helper
# library fwkx (static: only what the plugin calls is linked in). Used in-tree; the installed CMake
# package offers the same function to out-of-tree plugins.
#
# fawkes_add_plugin_test(NAME SOURCES file... [PLUGIN_SOURCES file...] [LIBS lib...]
#                        [WORKING_DIRECTORY dir] [TIMEOUT seconds])
#   A cmocka unit test of a plugin: the executable NAME built from SOURCES (the test files)
#   and PLUGIN_SOURCES (the plugin's own .c files, compiled into the test so it can call the
#   plugin's internal functions as well as fawkes_plugin_describe()), linked with the fake
#   host (tests/support/fawkes_fake_host.h: `#include "fawkes_fake_host.h"`), the SDK, the
#   helper library fwkx, cmocka and LIBS; the plugin's directory is on the include path.
#   Registered with CTest as `unit.NAME`, label `unit` (`ctest -L unit`), TIMEOUT default
#   120 s, run in WORKING_DIRECTORY (default: the build directory). NAME is the target, so
#   target_compile_definitions(NAME ...) etc. add to it. Does nothing when FAWKES_TESTS is
#   OFF. cmocka is found with pkg-config (Debian: libcmocka-dev). The installed CMake package
#   (cmake/FawkesConfig.cmake.in) offers the same function to out-of-tree plugins, with the
#   installed copy of the fake host. Example, in plugins/NAME/CMakeLists.txt:
#     fawkes_add_plugin_test(test_civo SOURCES tests/test_civo.c PLUGIN_SOURCES ${civo_sources})
function(fawkes_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE fawkes_sdk fawkes_helpers)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${FAWKES_PLUGIN_OUTPUT_DIR})
  install(TARGETS ${name} LIBRARY DESTINATION ${FAWKES_INSTALL_PLUGIN_DIR})
endfunction()

# cmocka for the plugin unit tests, as the imported target PkgConfig::FAWKES_TEST_CMOCKA.
function(_fawkes_find_cmocka caller)
  if(TARGET PkgConfig::FAWKES_TEST_CMOCKA)
    return()
  endif()
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(FAWKES_TEST_CMOCKA QUIET IMPORTED_TARGET GLOBAL cmocka)
  endif()
  if(NOT TARGET PkgConfig::FAWKES_TEST_CMOCKA)
    message(FATAL_ERROR "${caller}: plugin unit tests need cmocka, and pkg-config did not find \
cmocka.pc: install the cmocka development files (Debian: apt-get install libcmocka-dev \
pkg-config), or configure with -DFAWKES_TESTS=OFF")
  endif()
endfunction()

function(fawkes_add_plugin_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "WORKING_DIRECTORY;TIMEOUT"
                        "SOURCES;PLUGIN_SOURCES;LIBS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "fawkes_add_plugin_test(${name}): unexpected arguments \
'${arg_UNPARSED_ARGUMENTS}': write fawkes_add_plugin_test(${name} SOURCES tests/${name}.c \
[PLUGIN_SOURCES plugin.c...] [LIBS lib...])")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "fawkes_add_plugin_test(${name}): no SOURCES: write \
fawkes_add_plugin_test(${name} SOURCES tests/${name}.c PLUGIN_SOURCES plugin.c)")
  endif()
  if(NOT FAWKES_TESTS)
    return()
  endif()
  _fawkes_find_cmocka("fawkes_add_plugin_test(${name})")
  if(NOT TARGET fawkes_fake_host)
    add_subdirectory(${CMAKE_SOURCE_DIR}/tests/support ${CMAKE_BINARY_DIR}/tests/support)
  endif()
  add_executable(${name} ${arg_SOURCES} ${arg_PLUGIN_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE fawkes_fake_host fawkes_sdk fawkes_helpers ${arg_LIBS})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  if(arg_WORKING_DIRECTORY)
    add_test(NAME unit.${name} COMMAND ${name} WORKING_DIRECTORY ${arg_WORKING_DIRECTORY})
  else()
    add_test(NAME unit.${name} COMMAND ${name})
  endif()
  set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT ${arg_TIMEOUT})
endfunction()
