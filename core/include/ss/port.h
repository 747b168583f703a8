/*
 * port.h — the platform a C firmware gives the library (issue 13).
 *
 * The core needs a few things from the platform it runs on: a lock, a clock, a log sink. The
 * C++ ports (hal/ for POSIX, stm32/ports/arm-cm4/platform.cpp for the MCU) supply them through
 * ss/port.hpp, which is C++. A firmware written in C supplies them here instead: it defines
 *
 *     const SsPort *ss_port(void);
 *
 * and links the library's adapter (the ss_port_c archive) in place of a C++ port. Exactly one
 * port is linked into a program: either a C++ port or ss_port_c with this function.
 *
 * A C port is RAM-only: it has no heap (the firmware hands the arena to ss_init_system) and no
 * tier below RAM (disk_root must stay NULL).
 *
 * When it is asked: ss_port() is called once, by the first library call that needs the
 * platform (ss_init_system, in practice), and its answer is copied then; later changes to the
 * struct are not seen. A C program has no static constructors, so nothing calls it before main.
 * Call ss_init_system before enabling any interrupt that uses the store: the first call must
 * not be made from an interrupt that preempts it.
 *
 * A port that breaks the rules below (ss_port() returning NULL, a lock of non-zero size with a
 * NULL function, a bad lock size or alignment) makes every ss_init_system fail with -EINVAL,
 * and ss_last_error() says which rule: a store never runs unprotected by mistake.
 *
 * Compiles as C99 and as C++.
 */
#ifndef SS_PORT_H
#define SS_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "ss/sensor_storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a C port supplies. Fields that may be NULL say what NULL means. */
typedef struct SsPort {
    /**
     * The lock of every store, the pool and the registry, as for SsInitCfg::lock_ops, used
     * whenever a configuration leaves lock_ops NULL. size 0 = no locks: nothing preempts a
     * library call that touches a store (a cooperative scheduler, no store use in interrupts);
     * the functions are then never called and may be NULL. Otherwise every function is
     * required, size is 1..4096 and align a power of two up to the store's alignment (8 on a
     * 32-bit MCU; 0 is taken as 1). Called from every context that calls the library, interrupts
     * included; lock must not fail.
     */
    SsLockOps lock;
    /**
     * true: one lock object serves every store, the pool and the registry (an interrupt mask is
     * global anyway, and an MCU saves a lock object per sensor). The library takes the pool's
     * lock while it holds a store's, so a shared lock must nest: count the depth and restore the
     * state only at the outermost unlock. false: one object per store, each taken once at a time.
     */
    bool lock_shared;
    /**
     * Milliseconds since any origin, never going back. Read by ss_manager_tick (once a call) and
     * when records are stamped, from whichever context makes those calls; must not block.
     * NULL = no clock: time reads as 0 and records carry no time.
     */
    uint64_t (*monotonic_ms)(void);
    /** Microseconds since 1970-01-01 UTC, or 0 while not known (RTC not set yet). Read where the
     *  library wants UTC, from the same contexts as monotonic_ms. NULL = never known (no RTC). */
    uint64_t (*utc_us)(void);
    /** The log sink when SsInitCfg::log is NULL; called with ctx NULL, from the context of the
     *  library call that has something to say. NULL = silent. */
    SsLogFn log;
    /** A non-zero number telling the calling thread from every other live thread (an RTOS task
     *  handle). NULL = the library runs on one thread (interrupts aside). */
    uintptr_t (*thread_id)(void);
    /** Whether the CPU has the CRC32C instructions of ARMv8 (which only an OS can detect); asked
     *  once, from any context. NULL = no (a Cortex-M has none: leave it NULL). */
    bool (*cpu_has_crc32c)(void);
    /**
     * true: the lock is the M-profile CPU's interrupt mask (PRIMASK saved, interrupts masked,
     * PRIMASK restored on unlock). On such a CPU the library then masks inline on its hot paths
     * (ss_ts_add, ss_evt_add: three instructions instead of two calls) and calls the lock
     * functions elsewhere, so they must do exactly that, nesting with it. false elsewhere.
     */
    bool lock_interrupt_mask;
} SsPort;

/** Defined by the firmware: its port, alive (and unchanged) for the whole program. */
const SsPort *ss_port(void);

#ifdef __cplusplus
}
#endif

#endif /* SS_PORT_H */
