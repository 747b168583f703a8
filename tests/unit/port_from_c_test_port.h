/* The port that tests/unit/port_from_c_test.cpp gets from C (port_from_c_test_port.c): a lock
 * that counts its calls and checks its nesting, a clock the test sets, a log sink that counts.
 * Built twice: with SS_TEST_LOCK_SHARED 1 (one lock object for everything, which must nest)
 * and 0 (one object per store, never taken twice at once). */
#ifndef SS_PORT_FROM_C_TEST_PORT_H
#define SS_PORT_FROM_C_TEST_PORT_H

#include <stdint.h>

#include "ss/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One lock object in the arena: how deep it is held now. */
typedef struct CountingLock {
    uint32_t depth;
    uint32_t magic; /**< set by init, cleared by destroy: a call on a lock never made shows */
} CountingLock;

/** What the port saw; the test reads and resets it. */
typedef struct PortCounts {
    uint32_t inits, destroys, locks, unlocks, try_locks;
    uint32_t max_depth;      /**< deepest any one object was held */
    uint32_t bad_calls;      /**< calls on an object not initialised, or unlock without lock */
    uint32_t clock_reads, utc_reads, logs;
    int last_log_level;
} PortCounts;

extern PortCounts port_counts;
/** What monotonic_ms and utc_us return. */
extern uint64_t port_now_ms;
extern uint64_t port_utc_us;

#ifdef __cplusplus
}
#endif

#endif /* SS_PORT_FROM_C_TEST_PORT_H */
