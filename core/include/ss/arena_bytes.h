/*
 * The arena a configuration needs, as a constant expression, so that a firmware can size a
 * static array at compile time:
 *
 *     static uint8_t arena[SS_ARENA_BYTES(100, 102 * 256, 256)] __attribute__((aligned(8)));
 *     _Static_assert(sizeof arena >= SS_ARENA_BYTES(100, 102 * 256, 256), "arena too small");
 *
 * The value is exactly what ss_arena_bytes() returns for the same max_sensors, ram_pool_bytes
 * and ram_sector_bytes on the same target (tests/unit/arena_bytes_test.cpp checks that over
 * thousands of configurations, and the library's build checks the store size it relies on),
 * for a RAM-only configuration (disk_root NULL); the event subscriptions need ss_events_bytes()
 * more. SS_ARENA_BYTES is for a port or host without locks (lock_ops NULL on a platform that
 * gives none); SS_ARENA_BYTES_LOCKED takes the lock object's size and alignment, and whether one
 * object is shared by every store (a port whose lock is an interrupt mask: the STM32 port's is
 * 8 bytes, 4-aligned, shared — stm32/ports/arm-cm4/ss_port.h gives SS_STM32_ARENA_BYTES).
 * Included by sensor_storage.h.
 */
#ifndef SS_ARENA_BYTES_H
#define SS_ARENA_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* The per-sensor store's size and alignment on this target (the library checks them with
 * static_assert where it is built, so a change of the store cannot leave these behind). */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define SS_PRIV_STORE_BYTES 128u
#define SS_PRIV_STORE_ALIGN 64u
#elif defined(__linux__) || defined(__unix__) || defined(_WIN32)
#define SS_PRIV_STORE_BYTES 64u
#define SS_PRIV_STORE_ALIGN 8u
#else /* bare metal */
#define SS_PRIV_STORE_BYTES 52u
#define SS_PRIV_STORE_ALIGN 4u
#endif

#define SS_PRIV_UP(v, a) ((((v) + (a) - 1u) / (a)) * (a))
/* The smallest power of two >= x (x >= 1), by smearing the bits of x - 1. */
#define SS_PRIV_SMEAR1(v) ((v) | ((v) >> 1))
#define SS_PRIV_SMEAR2(v) (SS_PRIV_SMEAR1(v) | (SS_PRIV_SMEAR1(v) >> 2))
#define SS_PRIV_SMEAR4(v) (SS_PRIV_SMEAR2(v) | (SS_PRIV_SMEAR2(v) >> 4))
#define SS_PRIV_SMEAR8(v) (SS_PRIV_SMEAR4(v) | (SS_PRIV_SMEAR4(v) >> 8))
#define SS_PRIV_SMEAR16(v) (SS_PRIV_SMEAR8(v) | (SS_PRIV_SMEAR8(v) >> 16))
#define SS_PRIV_POW2(x) (SS_PRIV_SMEAR16((uint32_t)(x) - 1u) + 1u)

/* The parts in arena order: stores, locks, registry index, sector links, sectors. */
#define SS_PRIV_LOCK_ALIGN(align) ((align) < 1u ? 1u : (align))
#define SS_PRIV_LOCK_STRIDE(bytes, align) ((bytes) == 0u ? 0u : SS_PRIV_UP((bytes), SS_PRIV_LOCK_ALIGN(align)))
#define SS_PRIV_LOCKS_END(n, bytes, align, shared)                                                                    \
    (SS_PRIV_UP((size_t)(n) * SS_PRIV_STORE_BYTES, SS_PRIV_LOCK_ALIGN(align)) +                                       \
     ((bytes) == 0u ? 0u : ((shared) ? 1u : (size_t)(n) + 2u)) * SS_PRIV_LOCK_STRIDE(bytes, align))
#define SS_PRIV_SLOT_BYTES(n) ((n) < 255u ? 1u : 2u)
#define SS_PRIV_INDEX_END(n, bytes, align, shared)                                                                    \
    (SS_PRIV_UP(SS_PRIV_LOCKS_END(n, bytes, align, shared), SS_PRIV_SLOT_BYTES(n)) +                                 \
     (size_t)SS_PRIV_POW2((n) + (n) / 4u + 1u) * SS_PRIV_SLOT_BYTES(n))
#define SS_PRIV_SECTORS(pool, sector) ((size_t)(pool) / (size_t)(sector))
#define SS_PRIV_LINKS_END(n, pool, sector, bytes, align, shared)                                                      \
    (SS_PRIV_UP(SS_PRIV_INDEX_END(n, bytes, align, shared), 2u) + SS_PRIV_SECTORS(pool, sector) * 2u)

/** Arena bytes for max_sensors stores and a pool of ram_pool_bytes in ram_sector_bytes sectors,
 *  with lock objects of lock_bytes at lock_align (lock_shared: one object for all). */
#define SS_ARENA_BYTES_LOCKED(max_sensors, ram_pool_bytes, ram_sector_bytes, lock_bytes, lock_align, lock_shared)    \
    (SS_PRIV_UP(SS_PRIV_LINKS_END(max_sensors, ram_pool_bytes, ram_sector_bytes, lock_bytes, lock_align, lock_shared), \
                8u) +                                                                                                 \
     SS_PRIV_SECTORS(ram_pool_bytes, ram_sector_bytes) * (size_t)(ram_sector_bytes) +                               \
     (SS_PRIV_STORE_ALIGN > 8u ? SS_PRIV_STORE_ALIGN - 8u : 0u))

/** Arena bytes without locks. */
#define SS_ARENA_BYTES(max_sensors, ram_pool_bytes, ram_sector_bytes)                                                 \
    SS_ARENA_BYTES_LOCKED(max_sensors, ram_pool_bytes, ram_sector_bytes, 0u, 1u, 0)

#endif /* SS_ARENA_BYTES_H */
