// The adapter that makes the core's platform from a port written in C (ss/port.h, ss_port_c):
// it forwards every field of the C struct and names the rule a broken port breaks; the C API
// runs through the C port's lock, clocks and log sink: init, register, add (records stamped
// with the port's clock), consume, erase, tick. Linked with ss_core and ss_port_c only, not the
// POSIX port; the C side is port_from_c_test_port.c, built once with a shared lock and once
// with a lock per store. port_from_c_refused_test.cpp runs the C API on a broken port.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "ss/port_from_c.hpp"
#include "ss/sensor_storage.h"
#include "unit/port_from_c_test_port.h"

namespace {

constexpr bool shared = SS_TEST_LOCK_SHARED != 0;

void reset_counts() { port_counts = PortCounts{}; }

void no_op(void*) {}
bool taken(void*) { return true; }

} // namespace

TEST_CASE("platform() forwards every field of ss_port()") {
    const SsPort* c = ss_port();
    const ss::port::Platform& p = ss::port::platform();
    CHECK(&p == &ss::port::platform()); // one object, filled once
    // Pointers compared inside double parentheses: doctest cannot print a function pointer.
    CHECK((p.defect == nullptr));
    CHECK(p.lock.size == sizeof(CountingLock));
    CHECK(p.lock.align == alignof(CountingLock));
    CHECK((p.lock.init == c->lock.init));
    CHECK((p.lock.destroy == c->lock.destroy));
    CHECK((p.lock.lock == c->lock.lock));
    CHECK((p.lock.unlock == c->lock.unlock));
    CHECK((p.lock.try_lock == c->lock.try_lock));
    CHECK(p.lock.shared == shared);
    CHECK(p.lock.interrupt_mask == c->lock_interrupt_mask);
    CHECK((p.monotonic_ms == c->monotonic_ms));
    CHECK((p.utc_us == c->utc_us));
    CHECK((p.log == c->log));
    CHECK((p.thread_id == c->thread_id));
    CHECK((p.cpu_has_crc32c == c->cpu_has_crc32c));
    // A C port is RAM-only.
    CHECK((p.arena_alloc == nullptr));
    CHECK((p.arena_free == nullptr));
    CHECK((p.cold_tier_create == nullptr));
    CHECK((p.cold_tier_destroy == nullptr));
    port_now_ms = 1234;
    port_utc_us = 1'700'000'000'000'000;
    CHECK(p.monotonic_ms() == 1234);
    CHECK(p.utc_us() == 1'700'000'000'000'000);
    CHECK(p.thread_id() == 7);
}

TEST_CASE("a port that breaks a rule is refused, naming the rule") {
    using ss::port::platform_from_c;
    CHECK(std::string_view(platform_from_c(nullptr).defect) == "ss_port() returned NULL");

    SsPort port{};
    CHECK(platform_from_c(&port).defect == nullptr); // no lock, no clock, silent: allowed
    CHECK(platform_from_c(&port).lock.size == 0);

    port.lock = SsLockOps{8, 4, no_op, no_op, no_op, no_op, taken};
    CHECK(platform_from_c(&port).defect == nullptr);
    port.lock.try_lock = nullptr;
    CHECK(std::string_view(platform_from_c(&port).defect) == "ss_port()->lock.try_lock is NULL");
    port.lock.try_lock = taken;
    port.lock.unlock = nullptr;
    CHECK(std::string_view(platform_from_c(&port).defect) == "ss_port()->lock.unlock is NULL");
    port.lock.unlock = no_op;
    port.lock.init = nullptr;
    CHECK(std::string_view(platform_from_c(&port).defect) == "ss_port()->lock.init is NULL");
    port.lock.init = no_op;
    port.lock.align = 3;
    CHECK(platform_from_c(&port).defect != nullptr);
    port.lock.align = 1024;
    CHECK(platform_from_c(&port).defect != nullptr);
    port.lock.align = 0; // taken as 1
    CHECK(platform_from_c(&port).defect == nullptr);
    CHECK(platform_from_c(&port).lock.align == 1);
    port.lock_interrupt_mask = true;
    CHECK(platform_from_c(&port).lock.interrupt_mask);
    port.lock_interrupt_mask = false;
    CHECK_FALSE(platform_from_c(&port).lock.interrupt_mask);
    port.lock.size = 4097;
    CHECK(platform_from_c(&port).defect != nullptr);
    // With no lock the functions are never called, so they may be missing.
    port.lock = SsLockOps{};
    port.lock_shared = true;
    CHECK(platform_from_c(&port).defect == nullptr);
    CHECK(platform_from_c(&port).lock.size == 0);
    // A refused port leaves nothing that could be called.
    const ss::port::Platform refused = platform_from_c(nullptr);
    CHECK(refused.lock.size == 0);
    CHECK((refused.monotonic_ms == nullptr));
    CHECK((refused.log == nullptr));
}

TEST_CASE("the C API runs on the C port's lock and clock") {
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_STM32) == 0);
    std::size_t need = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    // The port's lock is the one sized: the compile-time figure for it agrees.
    constexpr std::size_t sized_at_compile_time =
        SS_ARENA_BYTES_LOCKED(100, 102 * 256, 256, sizeof(CountingLock), alignof(CountingLock), shared);
    CHECK(need == sized_at_compile_time);
    std::vector<std::uint64_t> arena((need + 7) / 8);
    cfg.arena = arena.data();
    cfg.arena_bytes = need;

    // A failed init says why through the port's log sink (cfg.log is NULL).
    reset_counts();
    SsInitCfg bad = cfg;
    bad.max_sensors = 0;
    CHECK(ss_init_system(&bad) == -EINVAL);
    CHECK(port_counts.logs == 1);
    CHECK(port_counts.last_log_level == 0);

    reset_counts();
    REQUIRE(ss_init_system(&cfg) == 0);
    // Shared: one object for everything; else one per store, the pool's and the registry's.
    CHECK(port_counts.inits == (shared ? 1u : 100u + 2u));

    SensorStore* sensors[100] = {};
    int registered = 0;
    for (std::uint32_t i = 0; i < 100; ++i)
        registered += ss_sensor_init(i, i % 2 == 0 ? SENSOR_TS : SENSOR_EVT, &sensors[i]) == 0;
    CHECK(registered == 100);
    const std::uint32_t locks_before_adds = port_counts.locks;
    // Ten records each, seventy for sensor 0: past its first 256-byte sector (60 records), so
    // that a sector is taken from the pool while the store is held.
    port_now_ms = 2500; // the records' time: the port's monotonic clock, UTC unknown
    port_utc_us = 0;
    const std::uint32_t utc_reads_before = port_counts.utc_reads;
    int added = 0;
    for (std::uint32_t i = 0; i < 100; ++i)
        for (std::uint32_t k = 0; k < (i == 0 ? 70u : 10u); ++k)
            added += (i % 2 == 0 ? ss_ts_add(sensors[i], i * 1000 + k) : ss_evt_add(sensors[i], i * 1000 + k, k)) == 0;
    CHECK(added == 99 * 10 + 70);
    CHECK(port_counts.locks >= locks_before_adds + 99 * 10 + 70); // every add under the lock

    CHECK(port_counts.utc_reads > utc_reads_before); // asked for UTC first, then the monotonic clock

    // Read back in batches (one ends where a sector's time base does), each stamped with the
    // port's clock.
    bool exact = true;
    bool stamped = true;
    for (std::uint32_t i = 0; i < 100; i += 2) {
        std::uint32_t values[70] = {};
        const std::uint32_t want = i == 0 ? 70 : 10;
        std::uint32_t got = 0;
        std::uint32_t n = 0;
        SsBatchInfo info{};
        while (got < want && ss_consume_batch_info(sensors[i], values + got, want - got, &n, &info) == 0 && n != 0) {
            stamped = stamped && info.first_time_us == 2'500'000;
            got += n;
        }
        exact = exact && got == want;
        for (std::uint32_t k = 0; k < got; ++k) exact = exact && values[k] == i * 1000 + k;
        exact = exact && ss_erase_all_pending(sensors[i]) == 0;
    }
    CHECK(exact);
    CHECK(stamped);

    // The tick reads the port's clock.
    const std::uint32_t reads = port_counts.clock_reads;
    port_now_ms = 5000;
    ss_manager_tick();
    CHECK(port_counts.clock_reads > reads);

    // The core takes the pool's lock inside a store's: the shared object nests, a per-store
    // object is never held twice.
    CHECK(port_counts.max_depth == (shared ? 2u : 1u));
    CHECK(port_counts.locks == port_counts.unlocks);
    CHECK(port_counts.bad_calls == 0);
    CHECK(ss_deinit_system() == 0);
    CHECK(port_counts.destroys == port_counts.inits);
    CHECK(port_counts.bad_calls == 0);
}
