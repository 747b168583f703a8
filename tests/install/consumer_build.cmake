# Builds tests/install/consumer/ against the prefix install_tree.cmake filled, outside this
# project's build, the way an application would, and runs it (it stores, restarts and reads back
# records; see consumer.c). MODE:
#   find_package       its CMake project: find_package(SensorStorage), CMAKE_PREFIX_PATH = the
#                      prefix; one program linking SensorStorage::sensor_storage (the shared
#                      object), one SensorStorage::sensor_storage_static (the archive)
#   pkg_config         cc $(pkg-config --cflags --libs sensor_storage), PKG_CONFIG_PATH = the
#                      prefix's; run with LD_LIBRARY_PATH naming the prefix's libdir
#   pkg_config_static  cc -static $(pkg-config --static --cflags --libs sensor_storage): a fully
#                      static program, which only links if Libs.private names everything the
#                      archive needs
#
# -D: MODE PREFIX LIBDIR SOURCE_DIR WORK_DIR C_COMPILER GENERATOR VERSION SOVERSION READELF
#     PKG_CONFIG SANITIZE_FLAGS (the library's sanitizer flags: its runtime must be in the program)
cmake_minimum_required(VERSION 3.25)

separate_arguments(sanitize UNIX_COMMAND "${SANITIZE_FLAGS}")
set(lib "${PREFIX}/${LIBDIR}")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# Runs the consumer on a fresh data directory of its own.
function(run_consumer program)
  get_filename_component(name "${program}" NAME)
  file(MAKE_DIRECTORY "${WORK_DIR}/data-${name}")
  run("${name}" ${CMAKE_COMMAND} -E env ${ARGN} "${program}" "${WORK_DIR}/data-${name}")
  message(STATUS "${name}: ${run_output}")
endfunction()

# Whether program's dynamic section asks for libsensor_storage.so.SOVERSION.
function(needs_shared_library program out)
  execute_process(COMMAND "${READELF}" -d "${program}" OUTPUT_VARIABLE dynamic COMMAND_ERROR_IS_FATAL ANY)
  string(FIND "${dynamic}" "Shared library: [libsensor_storage.so.${SOVERSION}]" at)
  if(at EQUAL -1)
    set(${out} FALSE PARENT_SCOPE)
  else()
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

function(expect_linkage program shared)
  needs_shared_library("${program}" needs)
  if(shared AND NOT needs)
    message(FATAL_ERROR "${program} does not load libsensor_storage.so.${SOVERSION}")
  elseif(NOT shared AND needs)
    message(FATAL_ERROR "${program} loads libsensor_storage.so.${SOVERSION}; it should hold the archive's code")
  endif()
endfunction()

if(MODE STREQUAL "find_package")
  string(REPLACE "." ";" v "${VERSION}")
  list(GET v 0 major)
  list(GET v 1 minor)
  list(JOIN sanitize " " flags)
  run("configuring the consumer project" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build"
      -G "${GENERATOR}" "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_PREFIX_PATH=${PREFIX}"
      "-DSS_REQUIRED_VERSION=${major}.${minor}" "-DCMAKE_C_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${flags}"
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
  # The package must come from the prefix, not from anywhere else on this machine.
  file(STRINGS "${WORK_DIR}/build/CMakeCache.txt" found REGEX "^SensorStorage_DIR:")
  if(NOT found STREQUAL "SensorStorage_DIR:PATH=${lib}/cmake/SensorStorage")
    message(FATAL_ERROR "find_package found '${found}', not the package in ${lib}/cmake/SensorStorage")
  endif()
  run("building the consumer project" "${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
  expect_linkage("${WORK_DIR}/build/consumer_shared" TRUE)
  expect_linkage("${WORK_DIR}/build/consumer_static" FALSE)
  # The build tree's run path names the prefix's libdir: no LD_LIBRARY_PATH needed.
  run_consumer("${WORK_DIR}/build/consumer_shared")
  run_consumer("${WORK_DIR}/build/consumer_static")
elseif(MODE STREQUAL "pkg_config" OR MODE STREQUAL "pkg_config_static")
  set(pkg_env "PKG_CONFIG_PATH=${lib}/pkgconfig")
  run("pkg-config --modversion" "${CMAKE_COMMAND}" -E env "${pkg_env}" "${PKG_CONFIG}" --modversion sensor_storage)
  string(STRIP "${run_output}" modversion)
  if(NOT modversion STREQUAL VERSION)
    message(FATAL_ERROR "pkg-config says version ${modversion}, expected ${VERSION}")
  endif()
  if(MODE STREQUAL "pkg_config")
    set(static_args "")
    set(link_args "")
  else()
    set(static_args --static)
    set(link_args -static)
  endif()
  run("pkg-config ${static_args} --cflags --libs" "${CMAKE_COMMAND}" -E env "${pkg_env}"
      "${PKG_CONFIG}" ${static_args} --cflags --libs sensor_storage)
  separate_arguments(pkg_flags UNIX_COMMAND "${run_output}")
  list(JOIN pkg_flags " " shown)
  set(program "${WORK_DIR}/consumer_${MODE}")
  run("cc ${shown}" "${C_COMPILER}" -std=c99 -Wall -Wextra -pedantic -Werror ${sanitize} ${link_args}
      "${SOURCE_DIR}/consumer.c" -o "${program}" ${pkg_flags})
  message(STATUS "built with: ${C_COMPILER} -std=c99 ${link_args} consumer.c ${shown}")
  if(MODE STREQUAL "pkg_config")
    expect_linkage("${program}" TRUE)
    run_consumer("${program}" "LD_LIBRARY_PATH=${lib}")
  else()
    expect_linkage("${program}" FALSE)
    run_consumer("${program}")
  endif()
else()
  message(FATAL_ERROR "MODE must be find_package, pkg_config or pkg_config_static, not '${MODE}'")
endif()
