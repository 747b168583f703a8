# Cross toolchain for 64-bit ARM Linux (aarch64) with Debian's g++-12-aarch64-linux-gnu; the
# tests run under qemu-user (Debian: qemu-user).
#
# Instruction set: Debian's arm64 baseline (ARMv8.0-A). The CRC32 instructions are optional in
# ARMv8.0, so the core finds them at run time through the port (ss/port.hpp, getauxval in the
# POSIX port); building with -march=armv8-a+crc would make them a compile-time choice instead.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc-12)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++-12)

# ctest runs every test program through the emulator; -L points it at the target's dynamic
# loader and libraries.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)

# Target libraries and headers from the cross sysroot only; programs (and the header-only
# doctest's CMake package, which Debian installs for all architectures) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
