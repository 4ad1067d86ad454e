# Every third-party dependency, found once, from Debian's packages (ci/setup.sh installs them).

find_package(Threads REQUIRED)
find_package(DCMTK REQUIRED CONFIG)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
# xxHash (libxxhash-dev): the instance store's data set digest, fast enough to take in as the
# PDUs arrive. Debian ships no CMake package for it; pkg-config finds it.
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

if(RADLOOP_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(RADLOOP_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
if(RADLOOP_BUILD_PYTHON)
  # pybind11 must bind to Debian's interpreter, never the pyenv python3 first on PATH.
  set(Python_EXECUTABLE "${RADLOOP_PYTHON}")
  set(Python_FIND_STRATEGY LOCATION)
  set(Python_FIND_VIRTUALENV STANDARD)
  set(PYBIND11_FINDPYTHON ON)
  find_package(Python 3 REQUIRED COMPONENTS Interpreter Development.Module)
  find_package(pybind11 2.10 REQUIRED CONFIG)
endif()

# The DCMTK parts radloop uses, named once; only reference/dicom and simulators/modality link it.
add_library(radloop_dcmtk INTERFACE)
target_link_libraries(radloop_dcmtk INTERFACE DCMTK::dcmtls DCMTK::dcmnet DCMTK::dcmdata DCMTK::oflog DCMTK::ofstd)
