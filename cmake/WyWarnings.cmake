# SPDX-License-Identifier: Apache-2.0
# wy_set_warnings(TARGET [LIBRARY]): the project's warning set; LIBRARY adds -Wconversion.
function(wy_set_warnings target)
  set(flags -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
            -Wformat=2 -Wvla -Wimplicit-fallthrough)
  if("LIBRARY" IN_LIST ARGN)
    list(APPEND flags -Wconversion)
  endif()
  if(WY_WERROR)
    list(APPEND flags -Werror)
  endif()
  target_compile_options(${target} PRIVATE ${flags})
endfunction()
