/* A firmware written in C that supplies the library's port itself (ss/port.h), under QEMU
 * (netduinoplus2): an interrupt-mask lock and a SysTick millisecond clock written here in C,
 * linked through the core's adapter (ss_port_c) instead of the C++ port (platform.cpp). With the
 * STM32 defaults (100 sensors, 102 sectors of 256 B) in the 32 KiB store region it checks: the
 * arena the compile-time macro sizes is the one ss_arena_bytes asks for; 100 sensors register;
 * records read back exactly; acknowledged data is erased; the manager tick seals, the scrub
 * verifies; records carry the port's clock's time; the lock nested and left interrupts enabled. Each check is a line on
 * the host's console; the exit status (semihosting) is 0 only if all passed. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "semihosting.h"
#include "ss/port.h"
#include "ss/sensor_storage.h"

/* ---- the lock: PRIMASK, one object for every store ------------------------------------- */

/* The mask is global, so one object serves everything (lock_shared). The library takes the
 * pool's lock while it holds a store's: only the outermost lock saves PRIMASK and only the
 * outermost unlock restores it. depth changes with interrupts masked, so no ISR sees it half
 * written. */
typedef struct InterruptMask {
    uint32_t saved_primask;
    uint32_t depth;
} InterruptMask;

static uint32_t deepest_nesting; /* for the check that the lock nests */

static void mask_init(void *lock) {
    InterruptMask *m = (InterruptMask *)lock;
    m->saved_primask = 0;
    m->depth = 0;
}

static void mask_destroy(void *lock) { (void)lock; }

static void mask_lock(void *lock) {
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    InterruptMask *m = (InterruptMask *)lock;
    if (m->depth++ == 0) m->saved_primask = primask;
    if (m->depth > deepest_nesting) deepest_nesting = m->depth;
}

static void mask_unlock(void *lock) {
    InterruptMask *m = (InterruptMask *)lock;
    if (--m->depth == 0) __asm__ volatile("msr primask, %0" ::"r"(m->saved_primask) : "memory");
}

/* Masking interrupts always succeeds. */
static bool mask_try_lock(void *lock) {
    mask_lock(lock);
    return true;
}

static uint32_t primask_now(void) {
    uint32_t primask;
    __asm__ volatile("mrs %0, primask" : "=r"(primask));
    return primask;
}

/* ---- the clock: SysTick at 1 kHz ------------------------------------------------------- */

#define CPU_HZ 168000000u
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* Written by the SysTick interrupt, read by the main loop: each a 32-bit word, one store on
 * this CPU; the high word counts the wraps of the low one (every 49 days). */
static volatile uint32_t ticks_low;
static volatile uint32_t ticks_high;

void SysTick_Handler(void); /* the vector table's (startup.cpp); replaces its default */
void SysTick_Handler(void) {
    const uint32_t next = ticks_low + 1u;
    if (next == 0u) ticks_high = ticks_high + 1u;
    ticks_low = next;
}

static void start_systick(void) {
    SYST_RVR = CPU_HZ / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

/* Read the high word on both sides of the low one: a wrap in between shows as a change. */
static uint64_t monotonic_ms(void) {
    for (;;) {
        const uint32_t high = ticks_high;
        const uint32_t low = ticks_low;
        if (high == ticks_high) return ((uint64_t)high << 32) | low;
    }
}

/* ---- the port ------------------------------------------------------------------------- */

static const SsPort firmware_port = {
    {sizeof(InterruptMask), _Alignof(InterruptMask), mask_init, mask_destroy, mask_lock, mask_unlock,
     mask_try_lock},
    true,         /* lock_shared: the mask is global */
    monotonic_ms,
    NULL,         /* utc_us: no RTC set, UTC never known */
    NULL,         /* log: silent */
    NULL,         /* thread_id: one thread (and interrupts) */
    NULL,         /* cpu_has_crc32c: a Cortex-M4 has no CRC32C instructions */
    true,         /* lock_interrupt_mask: the lock is PRIMASK; the adds mask inline */
};

const SsPort *ss_port(void) { return &firmware_port; }

/* ---- the test ------------------------------------------------------------------------- */

#define SENSORS 100u
#define SECTOR_BYTES 256u
#define POOL_BYTES (102u * SECTOR_BYTES)

/* The arena, sized at compile time for this port's lock, in the linker's 32 KiB STORE region:
 * an arena that does not fit fails the link. */
static uint8_t store_arena[SS_ARENA_BYTES_LOCKED(SENSORS, POOL_BYTES, SECTOR_BYTES, sizeof(InterruptMask),
                                                 _Alignof(InterruptMask), 1)]
    __attribute__((section(".store"), aligned(8)));

static int failures;

static void check(bool ok, const char *what) {
    ss_host_write(ok ? "ok   " : "FAIL ");
    ss_host_write(what);
    ss_host_write("\n");
    if (!ok) ++failures;
}

static void figure(const char *name, uint64_t value) {
    ss_host_write("     ");
    ss_host_write(name);
    ss_host_write(" = ");
    ss_host_write_u64(value);
    ss_host_write("\n");
}

int main(void) {
    start_systick();
    /* Let the clock run first: a record stamped at 0 us would read as "time unknown". */
    while (monotonic_ms() < 3u) {}
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    size_t need = 0;
    check(ss_arena_bytes(&cfg, &need) == 0 && need == sizeof store_arena,
          "ss_arena_bytes equals SS_ARENA_BYTES_LOCKED for this port's lock");
    figure("arena bytes", need);
    cfg.arena = store_arena;
    cfg.arena_bytes = sizeof store_arena;
    const int init = ss_init_system(&cfg);
    check(init == 0, "ss_init_system on the C port");
    if (init != 0) {
        ss_host_write(ss_last_error());
        ss_host_write("\n");
        return 1;
    }

    SensorStore *sensors[SENSORS] = {0};
    uint32_t registered = 0;
    for (uint32_t i = 0; i < SENSORS; ++i)
        registered += ss_sensor_init(i, i % 4u == 3u ? SENSOR_EVT : SENSOR_TS, &sensors[i]) == 0;
    check(registered == SENSORS, "100 sensors registered");

    /* Ten records each, seventy for sensor 0 (past its first sector of 60, so that a sector is
     * taken from the pool under the store's lock). */
    uint32_t added = 0;
    for (uint32_t i = 0; i < SENSORS; ++i)
        for (uint32_t k = 0; k < (i == 0 ? 70u : 10u); ++k)
            added += (i % 4u == 3u ? ss_evt_add(sensors[i], i * 1000u + k, 1000u + k)
                                   : ss_ts_add(sensors[i], i * 1000u + k)) == 0;
    check(added == 99u * 10u + 70u, "every record added");

    /* Each sensor's first batch starts a sector, whose first record's time is the port's clock
     * at the add (monotonic: UTC is never known here). A batch ends where a sector does. */
    bool exact = true;
    bool stamped = true;
    for (uint32_t i = 0; i < SENSORS && exact; ++i) {
        /* Time-series records are the 4-byte value; events the value, then the 8-byte time. */
        const uint32_t record_bytes = i % 4u == 3u ? 12u : 4u;
        const uint32_t want = i == 0 ? 70u : 10u;
        uint8_t records[70 * 4] __attribute__((aligned(8)));
        uint32_t n = 0;
        uint32_t more = 0;
        SsBatchInfo info;
        memset(&info, 0, sizeof info);
        exact = ss_consume_batch_info(sensors[i], records, want, &n, &info) == 0;
        stamped = stamped && info.first_time_us >= 3000u && (info.first_time_us & SS_TIME_UTC) == 0 &&
                  info.first_time_us <= monotonic_ms() * 1000u;
        if (exact && n < want) exact = ss_consume_batch(sensors[i], records + n * record_bytes, want - n, &more) == 0;
        n += more;
        exact = exact && n == want;
        for (uint32_t k = 0; k < n && exact; ++k) {
            uint32_t value = 0;
            memcpy(&value, records + k * record_bytes, sizeof value);
            exact = value == i * 1000u + k;
        }
        uint64_t pending = 0;
        exact = exact && ss_get_pending_count(sensors[i], &pending) == 0 && pending == want;
        exact = exact && ss_erase_all_pending(sensors[i]) == 0;
        exact = exact && ss_get_pending_count(sensors[i], &pending) == 0 && pending == 0;
    }
    check(exact, "every record read back exactly, then erased");
    check(stamped, "records stamped with the port's SysTick clock");

    /* A sector full of records (60 fill one) to seal and verify. */
    for (uint32_t k = 0; k < 70u; ++k) ss_ts_add(sensors[1], k);
    ss_manager_tick();
    SsScrubReport report;
    memset(&report, 0, sizeof report);
    check(ss_scrub(&report) == 0 && report.sectors_checked > 0 && report.corrupt_sectors == 0,
          "sealed sectors verify (CRC32C)");
    figure("sectors verified", report.sectors_checked);
    /* With lock_interrupt_mask the core masks inline wherever it holds a lock for a scope and
     * calls these functions only where it takes a lock without one (a store's try_lock when it
     * borrows a sector): they must nest with the inline mask, which the PRIMASK check below
     * proves by interrupts being enabled again. */
    figure("deepest nesting of the port's lock functions", deepest_nesting);
    check(primask_now() == 0u, "every lock was undone: interrupts enabled");
    check(ss_deinit_system() == 0, "ss_deinit_system");
    ss_host_write(failures == 0 ? "C port firmware test: all checks passed\n" : "C port firmware test: FAILED\n");
    return failures == 0 ? 0 : 1;
}
