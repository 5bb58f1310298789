# Cross toolchain for aarch64 Linux with Debian's gcc-aarch64-linux-gnu and the arm64 builds of
# libjansson-dev, libcurl4-openssl-dev and zlib1g-dev (multiarch: /usr/lib/aarch64-linux-gnu).
# Tests run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR). Used by scripts/test-arm64.sh:
#   cmake -S . -B build/c-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CSC_CROSS_TRIPLE aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${CSC_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CSC_CROSS_TRIPLE}-g++)

# Libraries and headers of the target only; programs (pkg-config, python) of the host.
set(CMAKE_FIND_ROOT_PATH /usr/${CSC_CROSS_TRIPLE})
set(CMAKE_LIBRARY_ARCHITECTURE ${CSC_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config (jansson) must read the arm64 .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${CSC_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")

# ctest runs the test binaries through qemu-user. -L /: the loader and libc are libc6:arm64's
# (/lib/ld-linux-aarch64.so.1, multiarch), the same install as libjansson/libcurl:arm64. Not
# /usr/aarch64-linux-gnu (the cross toolchain's libc): mixing that loader with the multiarch
# libraries hangs the first pthread_create.
find_program(CSC_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${CSC_QEMU_AARCH64} -L /)
