# Install headers, libraries and a package config, so that
#   find_package(copi CONFIG REQUIRED)  +  target_link_libraries(app copi::copi)
# works from an install prefix.
include(CMakePackageConfigHelpers)
get_property(module_targets GLOBAL PROPERTY COPI_MODULE_TARGETS)
install(TARGETS ${module_targets} copi_copi EXPORT copiTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/copi)
install(EXPORT copiTargets NAMESPACE copi:: DESTINATION ${config_dir})
configure_package_config_file(cmake/copiConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/copiConfig.cmake
                              INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/copiConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/copiConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/copiConfigVersion.cmake
        DESTINATION ${config_dir})
