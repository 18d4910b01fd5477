# SPDX-License-Identifier: Apache-2.0
# wy_add_fuzzer(NAME SOURCES src...): one fuzz target, fuzz/fuzz_<NAME>.c.
#
# Always builds fuzz_<NAME>_replay, the harness linked with fuzz/regression_driver.c, and
# registers the CTest test fuzz_<NAME> (label `fuzz`) that replays fuzz/corpus/<NAME>/, so every
# build, gcc included, re-runs the corpus. With WY_BUILD_FUZZERS (clang only) it also builds the
# libFuzzer binary fuzz_<NAME> with -fsanitize=fuzzer,address,undefined.
#
# The library itself must carry coverage instrumentation for the fuzzer to see inside it: with
# WY_BUILD_FUZZERS this file adds -fsanitize=fuzzer-no-link to wy_objects, and requires
# WY_SANITIZE=address,undefined (the `fuzz` preset sets both).
set(WY_FUZZ_DIR "${CMAKE_SOURCE_DIR}/fuzz")

if(WY_BUILD_FUZZERS)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "WY_BUILD_FUZZERS needs clang (libFuzzer); use the `fuzz` preset")
  endif()
  if(NOT WY_SANITIZE MATCHES "address" OR NOT WY_SANITIZE MATCHES "undefined")
    message(FATAL_ERROR "WY_BUILD_FUZZERS needs WY_SANITIZE=address,undefined")
  endif()
  target_compile_options(wy_objects PRIVATE -fsanitize=fuzzer-no-link)
endif()

# Harness code shared by every target (context, decoding harness).
add_library(wy_fuzz_common STATIC "${WY_FUZZ_DIR}/fuzz_common.c"
  "${WY_FUZZ_DIR}/fuzz_decode_common.c")
target_link_libraries(wy_fuzz_common PUBLIC wy_internal)
target_include_directories(wy_fuzz_common PUBLIC "${WY_FUZZ_DIR}")
if(WY_BUILD_FUZZERS)
  target_compile_options(wy_fuzz_common PRIVATE -fsanitize=fuzzer-no-link)
endif()
wy_set_warnings(wy_fuzz_common)

function(wy_add_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES" ${ARGN})
  set(corpus "${WY_FUZZ_DIR}/corpus/${name}")

  add_executable(fuzz_${name}_replay ${F_SOURCES} "${WY_FUZZ_DIR}/regression_driver.c")
  target_link_libraries(fuzz_${name}_replay PRIVATE wy_fuzz_common)
  wy_set_warnings(fuzz_${name}_replay)
  add_test(NAME fuzz_${name} COMMAND fuzz_${name}_replay "${corpus}")
  set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz TIMEOUT 300)

  if(WY_BUILD_FUZZERS)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE wy_fuzz_common)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    wy_set_warnings(fuzz_${name})
  endif()
endfunction()
