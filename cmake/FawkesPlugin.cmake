# fawkes_add_plugin(NAME SOURCES...): a plugin as a MODULE library named NAME.so in
# build/plugins/, installed into lib/fawkes/plugins/, linked with the SDK and its helper
# library fwkx (static: only what the plugin calls is linked in). Used in-tree; the installed CMake
# package offers the same function to out-of-tree plugins.
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
