/* The C side of port_from_c_test: a port as a C firmware would write it (ss/port.h), with
 * calls counted so that the test can see the library go through it. */
#include "port_from_c_test_port.h"

#include <stddef.h>

#ifndef SS_TEST_LOCK_SHARED
#error "build with SS_TEST_LOCK_SHARED 0 or 1"
#endif

#define LOCK_MAGIC 0x4C4F434Bu /* "LOCK" */

PortCounts port_counts;
uint64_t port_now_ms;
uint64_t port_utc_us;

static void lock_init(void *lock) {
    CountingLock *l = (CountingLock *)lock;
    l->depth = 0;
    l->magic = LOCK_MAGIC;
    ++port_counts.inits;
}

static void lock_destroy(void *lock) {
    CountingLock *l = (CountingLock *)lock;
    if (l->magic != LOCK_MAGIC || l->depth != 0) ++port_counts.bad_calls;
    l->magic = 0;
    ++port_counts.destroys;
}

static void lock_lock(void *lock) {
    CountingLock *l = (CountingLock *)lock;
    if (l->magic != LOCK_MAGIC) ++port_counts.bad_calls;
    ++port_counts.locks;
    if (++l->depth > port_counts.max_depth) port_counts.max_depth = l->depth;
}

static void lock_unlock(void *lock) {
    CountingLock *l = (CountingLock *)lock;
    if (l->magic != LOCK_MAGIC || l->depth == 0) ++port_counts.bad_calls;
    else --l->depth;
    ++port_counts.unlocks;
}

static bool lock_try_lock(void *lock) {
    ++port_counts.try_locks;
    lock_lock(lock);
    return true;
}

static uint64_t now_ms(void) {
    ++port_counts.clock_reads;
    return port_now_ms;
}

static uint64_t utc_us(void) {
    ++port_counts.utc_reads;
    return port_utc_us;
}

static void log_sink(void *ctx, int level, const char *msg) {
    (void)ctx;
    (void)msg;
    ++port_counts.logs;
    port_counts.last_log_level = level;
}

static uintptr_t thread_id(void) { return 7; }

static bool no_crc32c(void) { return false; }

static const SsPort test_port = {
    {sizeof(CountingLock), sizeof(uint32_t) /* the alignment of its members */, lock_init, lock_destroy, lock_lock, lock_unlock, lock_try_lock},
    SS_TEST_LOCK_SHARED != 0,
    now_ms,
    utc_us,
    log_sink,
    thread_id,
    no_crc32c,
};

const SsPort *ss_port(void) { return &test_port; }
