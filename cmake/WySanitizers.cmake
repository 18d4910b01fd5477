# SPDX-License-Identifier: Apache-2.0
# WY_SANITIZE applies to every target of the build (library, programs, tests).
if(WY_SANITIZE)
  add_compile_options(-fsanitize=${WY_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${WY_SANITIZE})
endif()
