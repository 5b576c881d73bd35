# Installs the main build into a fresh prefix, then configures, builds and runs
# tests/package/outside against that prefix alone. Run with cmake -P; every
# variable below comes from tests/package/CMakeLists.txt.
#
#   BUILD_DIR    the main build tree (what `cmake --install` installs)
#   SOURCE_DIR   the outside project
#   WORK_DIR     scratch space: WORK_DIR/prefix and WORK_DIR/build, wiped first
#   GENERATOR, MAKE_PROGRAM, CXX_COMPILER, BUILD_TYPE, EXTRA_FLAGS
#                so the outside project is built the way the library was
#   EXPECT_MISSING  when true, install nothing and require find_package to fail:
#                the check that this script notices a failed find_package at all
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "find_package.cmake: ${var} is not set")
  endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(outside_build "${WORK_DIR}/build")
# A stale prefix or CMakeCache.txt could let find_package succeed for the wrong reason.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${prefix}")

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

if(NOT EXPECT_MISSING)
  set(config_args)
  if(BUILD_TYPE)
    set(config_args --config "${BUILD_TYPE}")
  endif()
  step("cmake --install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})
endif()

set(configure "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${outside_build}" -G "${GENERATOR}"
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    # Only the prefix may satisfy find_package(Precept), not a registry entry.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(MAKE_PROGRAM)
  list(APPEND configure "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(BUILD_TYPE)
  list(APPEND configure "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
if(EXTRA_FLAGS)
  list(APPEND configure "-DCMAKE_CXX_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}")
endif()

if(EXPECT_MISSING)
  execute_process(COMMAND ${configure} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(FATAL_ERROR "configuring against an empty prefix succeeded; find_package(Precept) "
                        "found something it should not have:\n${out}")
  endif()
  if(NOT out MATCHES "PreceptConfig\\.cmake")
    message(FATAL_ERROR "configuring failed, but not because Precept is missing:\n${out}")
  endif()
  message(STATUS "find_package(Precept) fails without an install, as it should")
  return()
endif()

step("configure the outside project" ${configure})
# The package must come from the fresh prefix and nowhere else.
file(STRINGS "${outside_build}/CMakeCache.txt" found REGEX "^Precept_DIR:")
string(FIND "${found}" "=${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "find_package(Precept) did not use ${prefix}: ${found}")
endif()
step("build the outside project" "${CMAKE_COMMAND}" --build "${outside_build}")
step("run the outside project" "${outside_build}/outside")
message(STATUS "${step_output}")
