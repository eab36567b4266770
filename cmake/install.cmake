# install.cmake: install rules and the packages a consumer uses to find csvbloom.
#
# Included by the top-level CMakeLists.txt when CSVBLOOM_INSTALL is on (the
# default for a top-level build). `cmake --install build --prefix P` gives:
#
#   P/bin/csvbloom                                   (component Runtime)
#   P/share/man/man1/csvbloom.1                      (Runtime)
#   P/share/bash-completion/completions/csvbloom     (Runtime)
#   P/share/doc/csvbloom/LICENSE                     (Runtime)
#   P/include/csvbloom/*.hpp                         (Development)
#   P/lib/libcsvbloom.a                              (Development)
#   P/lib/cmake/csvbloom/csvbloom{Config,ConfigVersion,Targets}.cmake
#   P/lib/pkgconfig/csvbloom.pc                      (Development)
#
# ("lib" is CMAKE_INSTALL_LIBDIR: lib/<multiarch> when the prefix is /usr.)
#
# The library links its third-party dependencies PRIVATE (xxHash, and whatever
# src/core needs next). For a shared library that is the end of it; a static
# library (the default) carries them to its consumer, so the CMake package and
# the .pc file must name them. Both lists are derived below from the target's
# LINK_LIBRARIES, so adding a dependency to CMakeLists.txt needs no change here
# as long as it is Threads::Threads, ZLIB::ZLIB, a PkgConfig::<PREFIX> target
# from pkg_check_modules(... IMPORTED_TARGET ...), or a plain library name.
# Anything else is reported by a warning at configure time, and
# tests/cli/test_package.sh (which links a consumer against the installed tree,
# through CMake and through pkg-config) fails until it is taught here.

include(CMakePackageConfigHelpers)

set(CSVBLOOM_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/csvbloom")

# ---- targets ----
install(TARGETS csvbloom EXPORT csvbloomTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Runtime NAMELINK_COMPONENT Development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/csvbloom
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development
  FILES_MATCHING PATTERN "*.hpp")

if(TARGET csvbloom_cli)
  get_target_property(_csvbloom_type csvbloom TYPE)
  if(_csvbloom_type STREQUAL "SHARED_LIBRARY")  # -DBUILD_SHARED_LIBS=ON: find lib/ from bin/
    file(RELATIVE_PATH _rel "/prefix/${CMAKE_INSTALL_BINDIR}" "/prefix/${CMAKE_INSTALL_LIBDIR}")
    set_target_properties(csvbloom_cli PROPERTIES INSTALL_RPATH "\$ORIGIN/${_rel}")
  endif()
  install(TARGETS csvbloom_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/csvbloom.1
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
  # bash-completion loads completions/<command name> on first use.
  install(FILES ${PROJECT_SOURCE_DIR}/completions/csvbloom.bash
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME csvbloom COMPONENT Runtime)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT Runtime)

# ---- what a consumer of the installed library must also link ----
get_target_property(_csvbloom_type csvbloom TYPE)
get_target_property(_csvbloom_links csvbloom LINK_LIBRARIES)
if(NOT _csvbloom_links)
  set(_csvbloom_links "")
endif()
set(CSVBLOOM_CONFIG_DEPENDENCIES "")  # lines for csvbloomConfig.cmake
set(CSVBLOOM_PC_REQUIRES "")          # pkg-config modules
set(CSVBLOOM_PC_LIBS "")              # extra linker flags for the .pc file
set(_csvbloom_need_pkgconfig OFF)
foreach(_lib IN LISTS _csvbloom_links)
  if(_lib STREQUAL "Threads::Threads")
    string(APPEND CSVBLOOM_CONFIG_DEPENDENCIES "find_dependency(Threads)\n")
    if(CMAKE_THREAD_LIBS_INIT)
      list(APPEND CSVBLOOM_PC_LIBS "${CMAKE_THREAD_LIBS_INIT}")
    endif()
  elseif(_lib STREQUAL "ZLIB::ZLIB")
    string(APPEND CSVBLOOM_CONFIG_DEPENDENCIES "find_dependency(ZLIB)\n")
    list(APPEND CSVBLOOM_PC_REQUIRES "zlib")
  elseif(_lib MATCHES "^PkgConfig::(.+)$")
    set(_prefix "${CMAKE_MATCH_1}")
    set(_module "${${_prefix}_MODULE_NAME}")
    if(NOT _module)
      message(WARNING "cmake/install.cmake: no pkg-config module name for ${_lib}; "
                      "the installed csvbloom package will not find it")
      continue()
    endif()
    set(_csvbloom_need_pkgconfig ON)
    string(APPEND CSVBLOOM_CONFIG_DEPENDENCIES
      "if(NOT TARGET ${_lib})\n"
      "  pkg_check_modules(${_prefix} QUIET IMPORTED_TARGET \"${_module}\")\n"
      "  if(NOT ${_prefix}_FOUND)\n"
      "    set(\${CMAKE_FIND_PACKAGE_NAME}_FOUND FALSE)\n"
      "    set(\${CMAKE_FIND_PACKAGE_NAME}_NOT_FOUND_MESSAGE \"csvbloom needs pkg-config module '${_module}' (Debian: apt-get install the matching -dev package)\")\n"
      "    return()\n"
      "  endif()\n"
      "endif()\n")
    string(REGEX REPLACE "([<>=]+)" " \\1 " _module "${_module}")
    list(APPEND CSVBLOOM_PC_REQUIRES "${_module}")
  elseif(_lib MATCHES "^[A-Za-z0-9_.+-]+$" AND NOT TARGET "${_lib}")
    list(APPEND CSVBLOOM_PC_LIBS "-l${_lib}")  # a plain system library (m, dl, ...)
  elseif(TARGET "${_lib}")
    get_target_property(_imported "${_lib}" IMPORTED)
    if(NOT _imported)
      message(WARNING "cmake/install.cmake: csvbloom links the project target ${_lib}, which is not installed")
    else()
      message(WARNING "cmake/install.cmake: don't know which find_dependency() provides ${_lib}; "
                      "teach cmake/install.cmake, or the installed csvbloom package will not configure")
    endif()
  else()
    message(WARNING "cmake/install.cmake: can't export the link item '${_lib}' of csvbloom")
  endif()
endforeach()
if(_csvbloom_need_pkgconfig)
  string(PREPEND CSVBLOOM_CONFIG_DEPENDENCIES "find_dependency(PkgConfig)\n")
endif()
if(NOT _csvbloom_type STREQUAL "STATIC_LIBRARY")
  # A shared library resolves its own dependencies; consumers need none of them.
  set(CSVBLOOM_CONFIG_DEPENDENCIES "")
  set(CSVBLOOM_PC_REQUIRES_PRIVATE "${CSVBLOOM_PC_REQUIRES}")
  set(CSVBLOOM_PC_LIBS_PRIVATE "${CSVBLOOM_PC_LIBS}")
  set(CSVBLOOM_PC_REQUIRES "")
  set(CSVBLOOM_PC_LIBS "")
else()
  # Only the static archive is installed, so `pkg-config --libs` (without
  # --static) must already list what it needs.
  set(CSVBLOOM_PC_REQUIRES_PRIVATE "")
  set(CSVBLOOM_PC_LIBS_PRIVATE "")
endif()

# A sanitized static library needs the sanitizer runtime in the final link.
if(CSVBLOOM_SANITIZE STREQUAL "address")
  set(_csvbloom_san_link -fsanitize=address,undefined)
elseif(CSVBLOOM_SANITIZE STREQUAL "thread")
  set(_csvbloom_san_link -fsanitize=thread)
endif()
if(DEFINED _csvbloom_san_link AND _csvbloom_type STREQUAL "STATIC_LIBRARY")
  set_property(TARGET csvbloom APPEND PROPERTY INTERFACE_LINK_OPTIONS "$<INSTALL_INTERFACE:${_csvbloom_san_link}>")
  list(APPEND CSVBLOOM_PC_LIBS "${_csvbloom_san_link}")
endif()

# ---- the CMake package: find_package(csvbloom CONFIG) -> csvbloom::csvbloom ----
install(EXPORT csvbloomTargets NAMESPACE csvbloom:: DESTINATION ${CSVBLOOM_CMAKE_DIR} COMPONENT Development)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/csvbloomConfig.cmake.in
  ${PROJECT_BINARY_DIR}/csvbloomConfig.cmake INSTALL_DESTINATION ${CSVBLOOM_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/csvbloomConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/csvbloomConfig.cmake ${PROJECT_BINARY_DIR}/csvbloomConfigVersion.cmake
  DESTINATION ${CSVBLOOM_CMAKE_DIR} COMPONENT Development)

# ---- pkg-config: csvbloom.pc ----
# The prefix is the one given at install time (`cmake --install --prefix`), not
# the configure-time CMAKE_INSTALL_PREFIX, so the file is generated by the
# install step itself and then installed like any other file.
list(JOIN CSVBLOOM_PC_REQUIRES " " CSVBLOOM_PC_REQUIRES)
list(JOIN CSVBLOOM_PC_REQUIRES_PRIVATE " " CSVBLOOM_PC_REQUIRES_PRIVATE)
list(JOIN CSVBLOOM_PC_LIBS " " CSVBLOOM_PC_LIBS)
list(JOIN CSVBLOOM_PC_LIBS_PRIVATE " " CSVBLOOM_PC_LIBS_PRIVATE)
foreach(_dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_dir}}")
    set(CSVBLOOM_PC_${_dir} "${CMAKE_INSTALL_${_dir}}")
  else()
    set(CSVBLOOM_PC_${_dir} "\${prefix}/${CMAKE_INSTALL_${_dir}}")
  endif()
endforeach()
set(CSVBLOOM_PC_PREFIX "@CSVBLOOM_PC_PREFIX@")  # filled in at install time
configure_file(${PROJECT_SOURCE_DIR}/cmake/csvbloom.pc.in ${PROJECT_BINARY_DIR}/csvbloom.pc.in.tmp @ONLY)
file(READ ${PROJECT_BINARY_DIR}/csvbloom.pc.in.tmp _pc)
string(REGEX REPLACE "[ \t]+\n" "\n" _pc "${_pc}")            # trailing blanks
string(REGEX REPLACE "\n[A-Za-z.]+:\n" "\n" _pc "${_pc}")     # fields left empty
file(WRITE ${PROJECT_BINARY_DIR}/csvbloom.pc.in "${_pc}")
install(CODE "
  set(CSVBLOOM_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/csvbloom.pc.in\" \"${PROJECT_BINARY_DIR}/csvbloom.pc\" @ONLY)"
  COMPONENT Development)
install(FILES ${PROJECT_BINARY_DIR}/csvbloom.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT Development)
