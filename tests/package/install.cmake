# The package as a developer outside the project meets it. Run with cmake -P;
# every variable comes from tests/package/CMakeLists.txt.
#
#  1. configures the project afresh with -DPRECEPT_BUILD_TESTS=OFF and
#     GoogleTest made unfindable (configure only: a consumer can build the
#     libraries without the test tools);
#  2. installs the libraries of the build the tests run from (BUILD_DIR;
#     components Precept_Runtime and Precept_Development) into a prefix, then
#     MOVES the prefix elsewhere: the package must be relocatable. (It used to
#     build the libraries a second time at -O0 for this, the longest test in CI
#     by far; the install rules are the same in any build tree.)
#  3. builds tests/package/outside against the moved prefix with
#     find_package(Precept), and again by hand with pkg-config, and runs both
#     programs of each build (the full library, and the evaluation-only one
#     loading the .pcb the first wrote);
#  3c. builds the C example (examples/c_api, a C project) against the moved
#     prefix with find_package(Precept), and again with pkg-config as C99, and
#     runs both on the bundled register from PROJECT_DIR, their decisions
#     checked against `precept run` (tests/capi/c_api_example.cmake);
#  4. checks with ldd that the evaluation-only library, and a program linking
#     only it, load neither ANTLR nor Z3 (and that the full library does, so the
#     check can fail).
#
#   PROJECT_DIR  the project's source tree
#   BUILD_DIR    the build tree whose libraries are installed
#   SOURCE_DIR   the outside project
#   WORK_DIR     scratch space, wiped first
#   GENERATOR, MAKE_PROGRAM, CXX_COMPILER, C_COMPILER, BUILD_TYPE
#   CLI          the outer build's `precept`, to check the C example's decisions against
#   EXPECT_MISSING  when true, install nothing and require find_package to fail:
#                the check that this script notices a failed find_package at all
cmake_minimum_required(VERSION 3.25)

foreach(var PROJECT_DIR BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER C_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install.cmake: ${var} is not set")
  endif()
endforeach()

set(inner "${WORK_DIR}/inner")
set(staging "${WORK_DIR}/staging")
set(prefix "${WORK_DIR}/moved/prefix")
set(outside_build "${WORK_DIR}/outside")
set(c_api_build "${WORK_DIR}/c_api")
# A stale prefix or CMakeCache.txt could let a step succeed for the wrong reason.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/moved")

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(tools -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_C_COMPILER=${C_COMPILER}")
if(MAKE_PROGRAM)
  list(APPEND tools "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
# The outside projects are built unoptimised unless told otherwise: the test is
# about what is installed and how a consumer finds it, not the code's speed.
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Debug)
  list(APPEND tools "-DCMAKE_CXX_FLAGS_DEBUG=-O0" "-DCMAKE_C_FLAGS_DEBUG=-O0")
endif()
list(APPEND tools "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")

set(configure_outside "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${outside_build}" ${tools}
    "-DCMAKE_PREFIX_PATH=${prefix}"
    # Only the prefix may satisfy find_package(Precept), not a registry entry.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

if(EXPECT_MISSING)
  execute_process(COMMAND ${configure_outside} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
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

# 1. The project configures with tests off and GoogleTest unfindable.
step("configure the project with tests off" "${CMAKE_COMMAND}" -S "${PROJECT_DIR}" -B "${inner}" ${tools}
     -DPRECEPT_BUILD_TESTS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON)
if(EXISTS "${inner}/tests")
  message(FATAL_ERROR "a tests-off build configured the tests/ folder")
endif()

# 2. Install, then move the prefix.
foreach(component Precept_Runtime Precept_Development)
  step("install ${component}" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${staging}"
       --component ${component})
endforeach()
file(RENAME "${staging}" "${prefix}")
# Nothing installed may name the place it was installed to, nor ANTLR or Z3.
file(GLOB_RECURSE installed_texts "${prefix}/*.cmake" "${prefix}/*.pc")
if(NOT installed_texts)
  message(FATAL_ERROR "no CMake package or pkg-config file was installed")
endif()
foreach(text IN LISTS installed_texts)
  file(READ "${text}" content)
  foreach(forbidden "${staging}" "${WORK_DIR}" antlr z3)
    string(FIND "${content}" "${forbidden}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "${text} names `${forbidden}`:\n${content}")
    endif()
  endforeach()
endforeach()

# 3a. find_package(Precept), from the moved prefix and nowhere else.
# find_package(Precept) in the project configured in `build` used the moved prefix.
function(expect_found_in_prefix build)
  file(STRINGS "${build}/CMakeCache.txt" found REGEX "^Precept_DIR:")
  string(FIND "${found}" "=${prefix}/" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "find_package(Precept) in ${build} did not use ${prefix}: ${found}")
  endif()
endfunction()
step("configure the outside project" ${configure_outside})
expect_found_in_prefix("${outside_build}")
step("build the outside project" "${CMAKE_COMMAND}" --build "${outside_build}")
step("run outside (find_package)" "${outside_build}/outside" "${WORK_DIR}/outside.pcb")
message(STATUS "${step_output}")
step("run outside_eval (find_package)" "${outside_build}/outside_eval" "${WORK_DIR}/outside.pcb")
message(STATUS "${step_output}")

# 3b. pkg-config, as a Makefile would use it.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pc_files "${prefix}/*/precept.pc")
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
foreach(pair "precept;main.cpp;outside_pc" "precept-eval;eval_only.cpp;outside_eval_pc")
  list(GET pair 0 module)
  list(GET pair 1 source)
  list(GET pair 2 program)
  step("pkg-config ${module}" "${PKG_CONFIG}" --cflags --libs ${module})
  string(STRIP "${step_output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  step("pkg-config libdir" "${PKG_CONFIG}" --variable=libdir ${module})
  string(STRIP "${step_output}" libdir)
  file(REAL_PATH "${libdir}" libdir)
  string(FIND "${libdir}" "${prefix}/" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "pkg-config's libdir ${libdir} is not in the moved prefix ${prefix}")
  endif()
  step("build ${program} (pkg-config)" "${CXX_COMPILER}" -std=c++20 "${SOURCE_DIR}/${source}" ${flags}
       "-Wl,-rpath,${libdir}" -o "${WORK_DIR}/${program}")
endforeach()
step("run outside (pkg-config)" "${WORK_DIR}/outside_pc" "${WORK_DIR}/outside_pc.pcb")
step("run outside_eval (pkg-config)" "${WORK_DIR}/outside_eval_pc" "${WORK_DIR}/outside_pc.pcb")

# 3c. The C example, a C project (no C++ compiler in it), both ways.
step("configure the C example" "${CMAKE_COMMAND}" -S "${PROJECT_DIR}/examples/c_api" -B "${c_api_build}" ${tools}
     "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
     -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
expect_found_in_prefix("${c_api_build}")
step("build the C example" "${CMAKE_COMMAND}" --build "${c_api_build}")
step("pkg-config precept (C)" "${PKG_CONFIG}" --cflags --libs precept)
string(STRIP "${step_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
step("pkg-config libdir (C)" "${PKG_CONFIG}" --variable=libdir precept)
string(STRIP "${step_output}" c_libdir)
step("build the C example (pkg-config)" "${C_COMPILER}" -std=c99 -pedantic -Wall -Wextra -Werror
     "${PROJECT_DIR}/examples/c_api/c_api.c" ${flags} "-Wl,-rpath,${c_libdir}" -o "${WORK_DIR}/c_api_pc")
if(CLI)
  foreach(pair "find_package;${c_api_build}/precept-c-api" "pkg-config;${WORK_DIR}/c_api_pc")
    list(GET pair 0 how)
    list(GET pair 1 program)
    step("run the C example (${how})" "${CMAKE_COMMAND}" "-DEXAMPLE=${program}" "-DCLI=${CLI}"
         "-DPROJECT_DIR=${PROJECT_DIR}" "-DWORK_DIR=${WORK_DIR}/c_api_run_${how}"
         -P "${PROJECT_DIR}/tests/capi/c_api_example.cmake")
    message(STATUS "${step_output}")
  endforeach()
else()
  step("run the C example" "${c_api_build}/precept-c-api" WORKING_DIRECTORY "${PROJECT_DIR}")
endif()

# 4. What the evaluation-only library loads.
find_program(LDD ldd REQUIRED)
file(GLOB eval_library "${libdir}/libprecept_eval.so")
file(GLOB full_library "${libdir}/libprecept.so")
foreach(binary "${eval_library}" "${outside_build}/outside_eval" "${WORK_DIR}/outside_eval_pc")
  step("ldd ${binary}" "${LDD}" "${binary}")
  if(step_output MATCHES "antlr|z3")
    message(FATAL_ERROR "${binary} loads ANTLR or Z3:\n${step_output}")
  endif()
  if(NOT step_output MATCHES "libprecept_eval")
    if(NOT binary STREQUAL "${eval_library}")
      message(FATAL_ERROR "${binary} does not load libprecept_eval:\n${step_output}")
    endif()
  endif()
endforeach()
step("ldd ${full_library}" "${LDD}" "${full_library}")
if(NOT step_output MATCHES "libantlr4-runtime" OR NOT step_output MATCHES "libz3")
  message(FATAL_ERROR "the full library should load ANTLR and Z3 (else the check above proves nothing):\n${step_output}")
endif()
message(STATUS "the evaluation-only library and its programs load neither ANTLR nor Z3")
