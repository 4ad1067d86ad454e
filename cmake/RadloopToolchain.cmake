# Compiler settings shared by every radloop target: ccache, warnings, sanitizers.

find_program(RADLOOP_CCACHE ccache)
if(RADLOOP_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${RADLOOP_CCACHE}")
endif()

# Project code only: third-party headers come in as system includes and stay quiet.
add_library(radloop_warnings INTERFACE)
target_compile_options(radloop_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
# GCC 12 at -O2 and above reports -Wrestrict and -Wmaybe-uninitialized on plain std::string
# assignments and concatenations once they are inlined (GCC bugs 105329, 105651; fixed in 13):
# kept as warnings, not errors.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(radloop_warnings INTERFACE -Wno-error=restrict -Wno-error=maybe-uninitialized)
endif()

if(RADLOOP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(RADLOOP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "RADLOOP_FUZZ needs clang (use the fuzz preset)")
  endif()
  # -O1 as OSS-Fuzz builds: at -O0 the sanitizers' and coverage callbacks are not inlined and a
  # target runs several times slower, for no finding that -O1 would hide.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -O1 -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()

# radloop_target(<name>): the defaults every project target gets.
function(radloop_target name)
  target_link_libraries(${name} PRIVATE radloop_warnings)
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}")
endfunction()
