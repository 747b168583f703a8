/*
 * What a firmware needs to size the store for this port at compile time, in C: the port's lock
 * (stm32/ports/arm-cm4/platform.cpp) is one interrupt mask shared by every store, an 8-byte,
 * 4-aligned object (saved PRIMASK and nesting depth). platform.cpp checks these numbers.
 *
 *     static uint8_t arena[SS_STM32_ARENA_BYTES(100, 102 * 256, 256)]
 *         __attribute__((section(".store"), aligned(8)));
 *
 * In the .store section, an arena larger than the linker script's 32 KiB STORE region fails the
 * link ("region `STORE' overflowed"); stm32/tests/store_region_link_test.cpp shows both sides.
 */
#ifndef SS_STM32_PORT_H
#define SS_STM32_PORT_H

#include "ss/arena_bytes.h"

#define SS_STM32_LOCK_BYTES 8u
#define SS_STM32_LOCK_ALIGN 4u

/** Arena bytes for max_sensors stores and ram_pool_bytes of ram_sector_bytes sectors on this port. */
#define SS_STM32_ARENA_BYTES(max_sensors, ram_pool_bytes, ram_sector_bytes)                                           \
    SS_ARENA_BYTES_LOCKED(max_sensors, ram_pool_bytes, ram_sector_bytes, SS_STM32_LOCK_BYTES, SS_STM32_LOCK_ALIGN, 1)

#endif /* SS_STM32_PORT_H */
