# SPDX-License-Identifier: Apache-2.0
# wy_add_test(NAME SOURCES src... [LABELS l...] [ARGS a...]): one cmocka executable per module,
# registered with CTest under its labels.
function(wy_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE wy_internal wy_test_support m)
  wy_set_warnings(${name})
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
endfunction()
