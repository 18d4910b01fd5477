# SPDX-License-Identifier: Apache-2.0
# wy_set_warnings(TARGET [LIBRARY]): the project's warning set; LIBRARY adds -Wconversion. The
# prototype warnings exist for C only; C++ sources (bench/bench_faiss.cpp) get
# -Wmissing-declarations, their counterpart, instead.
function(wy_set_warnings target)
  set(flags -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla -Wimplicit-fallthrough
            $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes>
            $<$<COMPILE_LANGUAGE:C>:-Wmissing-prototypes>
            $<$<COMPILE_LANGUAGE:CXX>:-Wmissing-declarations>)
  if("LIBRARY" IN_LIST ARGN)
    list(APPEND flags -Wconversion)
  endif()
  if(WY_WERROR)
    list(APPEND flags -Werror)
  endif()
  target_compile_options(${target} PRIVATE ${flags})
endfunction()
