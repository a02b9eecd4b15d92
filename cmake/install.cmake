# install.cmake: installs fawkes, the SDK (headers, fawkes-sdk.pc, the Fawkes CMake package),
# the plugin template with new-plugin, and the docs. Relocatable: `cmake --install build
# --prefix DIR` works for any DIR, without root.
include(CMakePackageConfigHelpers)

# The plugin ABI version, read from the SDK header so it is written in one place only (a change
# of the header configures again, so the installed files follow it).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${CMAKE_SOURCE_DIR}/sdk/include/fawkes/plugin.h)
file(STRINGS ${CMAKE_SOURCE_DIR}/sdk/include/fawkes/plugin.h fawkes_abi_lines
     REGEX "^#define FWK_ABI_(MAJOR|MINOR) +[0-9]+")
foreach(line ${fawkes_abi_lines})
  if(line MATCHES "^#define FWK_ABI_(MAJOR|MINOR) +([0-9]+)")
    set(FAWKES_ABI_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  endif()
endforeach()
if(NOT DEFINED FAWKES_ABI_MAJOR OR NOT DEFINED FAWKES_ABI_MINOR)
  message(FATAL_ERROR "cmake/install.cmake: no FWK_ABI_MAJOR/FWK_ABI_MINOR in "
          "sdk/include/fawkes/plugin.h: restore the two #defines")
endif()

set(FAWKES_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Fawkes)
set(FAWKES_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
set(FAWKES_DOC_DIR ${CMAKE_INSTALL_DOCDIR})
set(FAWKES_TEMPLATE_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/fawkes/templates/plugin)

# --- Runtime: the binary (plugins install themselves, see cmake/FawkesPlugin.cmake) ---
install(TARGETS fawkes RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)

# --- Development: headers, pkg-config file, CMake package, template, new-plugin ---
install(DIRECTORY ${CMAKE_SOURCE_DIR}/sdk/include/fawkes
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development
        FILES_MATCHING PATTERN "*.h")
# fwkx, the plugin helper library: libfawkesx.a, linked into plugins (not a runtime need).
install(TARGETS fawkes_helpers ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
# The fake host for plugin unit tests (fawkes_add_plugin_test): its header beside the SDK's,
# its source compiled by the plugin project itself (with its flags; it needs cmocka).
set(FAWKES_TESTING_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/fawkes/testing)
install(FILES ${CMAKE_SOURCE_DIR}/tests/support/fawkes_fake_host.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fawkes/testing COMPONENT Development)
install(FILES ${CMAKE_SOURCE_DIR}/tests/support/fawkes_fake_host.c
        DESTINATION ${FAWKES_TESTING_INSTALL_DIR} COMPONENT Development)

# fawkes-sdk.pc is written at install time, so its prefix is the one given to
# `cmake --install --prefix` rather than the one configured.
set(FAWKES_PC_PREFIX "@FAWKES_PC_PREFIX@")
set(FAWKES_PC_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
set(FAWKES_PC_LIBDIR ${CMAKE_INSTALL_LIBDIR})
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  message(FATAL_ERROR "cmake/install.cmake: CMAKE_INSTALL_INCLUDEDIR and CMAKE_INSTALL_LIBDIR "
          "must be relative to the prefix for fawkes-sdk.pc: pass relative paths")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/fawkes-sdk.pc.in
               ${CMAKE_BINARY_DIR}/fawkes-sdk.pc.stage @ONLY)
install(CODE "
  set(FAWKES_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(fawkes_pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${FAWKES_PKGCONFIG_DIR}/fawkes-sdk.pc\")
  message(STATUS \"Installing: \${fawkes_pc}\")
  configure_file(\"${CMAKE_BINARY_DIR}/fawkes-sdk.pc.stage\" \"\${fawkes_pc}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${fawkes_pc}\")
" COMPONENT Development)

set(FAWKES_CONFIG_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR})
set(FAWKES_CONFIG_LIBDIR ${CMAKE_INSTALL_LIBDIR})
set(FAWKES_CONFIG_PLUGINDIR ${FAWKES_INSTALL_PLUGIN_DIR})
set(FAWKES_CONFIG_TESTINGDIR ${FAWKES_TESTING_INSTALL_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/FawkesConfig.cmake.in
  ${CMAKE_BINARY_DIR}/FawkesConfig.cmake
  INSTALL_DESTINATION ${FAWKES_CMAKE_PACKAGE_DIR}
  PATH_VARS FAWKES_CONFIG_INCLUDEDIR FAWKES_CONFIG_LIBDIR FAWKES_CONFIG_PLUGINDIR)
# 0.x versions make no promise across minors; from 1.0 on, the major decides.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(fawkes_compatibility SameMinorVersion)
else()
  set(fawkes_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${CMAKE_BINARY_DIR}/FawkesConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${fawkes_compatibility})
install(FILES ${CMAKE_BINARY_DIR}/FawkesConfig.cmake ${CMAKE_BINARY_DIR}/FawkesConfigVersion.cmake
        DESTINATION ${FAWKES_CMAKE_PACKAGE_DIR} COMPONENT Development)

install(DIRECTORY ${CMAKE_SOURCE_DIR}/templates/plugin/
        DESTINATION ${FAWKES_TEMPLATE_INSTALL_DIR} COMPONENT Development)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/scripts/new-plugin
        DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME fawkes-new-plugin COMPONENT Development)

# --- The shipped playbooks and the starter policy pack ---
install(DIRECTORY ${CMAKE_SOURCE_DIR}/playbooks/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fawkes/playbooks COMPONENT Runtime)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/policies/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fawkes/policies COMPONENT Runtime)

# --- Documentation: the guides and the example plugin ---
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/
        DESTINATION ${FAWKES_DOC_DIR} COMPONENT Documentation
        FILES_MATCHING PATTERN "*.md" PATTERN "*.schema.json")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/plugins/hello
        DESTINATION ${FAWKES_DOC_DIR}/examples COMPONENT Documentation
        PATTERN "build" EXCLUDE)
# hello's unit test on the fake host (docs/sdk.md, "Testing a plugin"): its CMakeLists.txt
# and tests/, to put beside a copy of hello.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/tests/support/example/
        DESTINATION ${FAWKES_DOC_DIR}/examples/hello-test COMPONENT Documentation)
foreach(top_doc README.md DEVELOPERS.md LICENSE)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${top_doc})
    install(FILES ${CMAKE_SOURCE_DIR}/${top_doc} DESTINATION ${FAWKES_DOC_DIR}
            COMPONENT Documentation)
  endif()
endforeach()
