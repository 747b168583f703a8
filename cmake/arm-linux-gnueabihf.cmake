# Cross toolchain for 32-bit ARM Linux (armhf: i.MX6-class Cortex-A9 gateways) with Debian's
# g++-12-arm-linux-gnueabihf; the tests run under qemu-user (Debian: qemu-user).
#
# Instruction set: Debian's armhf baseline (ARMv7-A, Thumb-2, VFPv3-D16, hard-float ABI), tuned
# for the Cortex-A9. The baseline runs on every armhf board Debian supports, Cortex-A9s without
# NEON included, and is what Debian's armhf libstdc++ and libc are built for. -mfpu=neon would
# buy nothing here: the library's hot loops (CRC32C table lookups, record copies) do not
# vectorise, and glibc picks its NEON memcpy at run time on its own.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc-12)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++-12)

set(CMAKE_C_FLAGS_INIT "-mtune=cortex-a9")
# -Wno-psabi: GCC notes where passing some structs changed in GCC 7.1; nothing here links with
# objects built by an older compiler.
set(CMAKE_CXX_FLAGS_INIT "-mtune=cortex-a9 -Wno-psabi")

# ctest runs every test program through the emulator; -L points it at the target's dynamic
# loader and libraries.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm -L /usr/arm-linux-gnueabihf)

# Target libraries and headers from the cross sysroot only; programs (and the header-only
# doctest's CMake package, which Debian installs for all architectures) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
