# SPDX-License-Identifier: Apache-2.0
# bank_schema.cmake (included by lib/CMakeLists.txt): embeds lib/bank/schema/NNN_name.sql into
# the library at build time as ${WY_BANK_SCHEMA_C}, regenerated whenever a migration changes.
file(GLOB WY_BANK_SCHEMA_SQL CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/schema/*.sql")
list(SORT WY_BANK_SCHEMA_SQL)
string(REPLACE ";" "|" wy_bank_sql_arg "${WY_BANK_SCHEMA_SQL}")
set(WY_BANK_SCHEMA_C "${CMAKE_BINARY_DIR}/generated/bank_schema.c")
add_custom_command(OUTPUT "${WY_BANK_SCHEMA_C}"
  COMMAND "${CMAKE_COMMAND}" "-DOUT=${WY_BANK_SCHEMA_C}" "-DSQL=${wy_bank_sql_arg}"
          -P "${CMAKE_CURRENT_LIST_DIR}/bank_embed.cmake"
  DEPENDS ${WY_BANK_SCHEMA_SQL} "${CMAKE_CURRENT_LIST_DIR}/bank_embed.cmake"
  COMMENT "Embedding the bank schema migrations" VERBATIM)
