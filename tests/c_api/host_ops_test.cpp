// The lock and the clock an embedding application supplies (SsInitCfg::lock_ops, clock_ops):
// the library uses the host's lock for every store, the pool, the registry and the event
// subscriptions, with memory from the arena (ss_arena_bytes counts it); every lock is matched by
// an unlock, and the manager tick only ever tries a store's lock. The host's monotonic clock
// drives the force-seal interval. Bad ops are refused with a message naming the field; the
// platform's clocks are the default.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "ss/port.hpp"
#include "ss/sensor_storage.h"
#include "support/temp_data_root.hpp"

namespace {

void silent(void*, int, const char*) {}

// A lock object in the library's arena: a mutex, and whether it is held (to catch an unlock
// of a lock nobody holds, or a lock taken twice by the library).
struct CountingLock {
    std::mutex m;
    std::atomic<bool> held{false};
};

struct Counts {
    std::atomic<std::uint64_t> inits{0}, destroys{0}, locks{0}, unlocks{0}, tries{0}, tries_taken{0};
    std::atomic<std::uint64_t> misuse{0};
    std::mutex objects_mutex;
    std::vector<std::uintptr_t> objects;
};
Counts g;

CountingLock* as_lock(void* p) { return static_cast<CountingLock*>(p); }
void c_init(void* p) {
    new (p) CountingLock();
    ++g.inits;
    std::lock_guard l(g.objects_mutex);
    g.objects.push_back(reinterpret_cast<std::uintptr_t>(p));
}
void c_destroy(void* p) {
    if (as_lock(p)->held) ++g.misuse;
    as_lock(p)->~CountingLock();
    ++g.destroys;
}
void c_lock(void* p) {
    as_lock(p)->m.lock();
    if (as_lock(p)->held.exchange(true)) ++g.misuse;
    ++g.locks;
}
void c_unlock(void* p) {
    if (!as_lock(p)->held.exchange(false)) ++g.misuse;
    ++g.unlocks;
    as_lock(p)->m.unlock();
}
bool c_try_lock(void* p) {
    ++g.tries;
    if (!as_lock(p)->m.try_lock()) return false;
    if (as_lock(p)->held.exchange(true)) ++g.misuse;
    ++g.tries_taken;
    return true;
}

void reset_counts() {
    g.inits = g.destroys = g.locks = g.unlocks = g.tries = g.tries_taken = g.misuse = 0;
    g.objects.clear();
}

SsLockOps counting_ops() {
    return SsLockOps{sizeof(CountingLock), alignof(CountingLock), c_init, c_destroy, c_lock, c_unlock, c_try_lock};
}

// A clock the test sets by hand.
struct FakeClock {
    std::uint64_t mono_us = 0;
    std::uint64_t reads = 0;
};
std::uint64_t fake_monotonic(void* ctx) {
    auto* c = static_cast<FakeClock*>(ctx);
    ++c->reads;
    return c->mono_us;
}
std::uint64_t fake_utc(void*) { return 0; }

bool error_names(const char* field) { return std::string(ss_last_error()).find(field) != std::string::npos; }

} // namespace

TEST_CASE("the host's lock guards every store, the pool and the subscriptions, lock for unlock, in arena memory") {
    reset_counts();
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.ram_sector_bytes = 64;
    cfg.max_sensors = 4;
    cfg.ram_pool_bytes = 64 * 64;
    cfg.log = silent;
    const SsLockOps ops = counting_ops();
    std::size_t platform_bytes = 0;
    REQUIRE(ss_arena_bytes(&cfg, &platform_bytes) == 0);
    cfg.lock_ops = &ops;
    std::size_t need = 0, events = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    REQUIRE(ss_events_bytes(&cfg, &events) == 0);
    // The arena holds one host lock per store, the pool's and the registry's: its size follows
    // the host lock's, not the platform's.
    const std::size_t stride = (sizeof(CountingLock) + alignof(CountingLock) - 1) / alignof(CountingLock) * alignof(CountingLock);
    CHECK(need != platform_bytes);
    CHECK(need >= (cfg.max_sensors + 2) * stride);

    // Exactly what the two calls ask for, in a block of its own: any lock placed outside it
    // is seen below (and by AddressSanitizer).
    const std::size_t total = (need + 7) / 8 * 8 + events;
    std::vector<std::uint64_t> arena(total / 8);
    cfg.arena = arena.data();
    cfg.arena_bytes = arena.size() * 8;
    REQUIRE(ss_init_system(&cfg) == 0);
    // Stores, pool, registry, and the subscriptions' two (registry and delivery pass).
    CHECK(g.inits == cfg.max_sensors + 4);
    const auto lo = reinterpret_cast<std::uintptr_t>(arena.data());
    const auto hi = lo + arena.size() * 8;
    for (std::uintptr_t p : g.objects) {
        CHECK(p >= lo);
        CHECK(p + sizeof(CountingLock) <= hi);
        CHECK(p % alignof(CountingLock) == 0);
    }

    SensorStore* a = nullptr;
    SensorStore* b = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &a) == 0);
    REQUIRE(ss_sensor_init(2, SENSOR_EVT, &b) == 0);
    const std::uint64_t after_registration = g.locks;
    CHECK(after_registration >= 2); // the registry's lock
    std::thread writer([&] {
        for (std::uint32_t i = 0; i < 2000; ++i) ss_ts_add(a, i);
    });
    for (std::uint32_t i = 0; i < 500; ++i) ss_evt_add(b, i, i);
    std::uint32_t out[64];
    std::uint32_t n = 0;
    for (int i = 0; i < 20; ++i)
        if (ss_consume_batch(a, out, 64, &n) == 0) ss_erase_all_pending(a);
    writer.join();
    CHECK(g.locks > after_registration + 2000);

    // The manager tick never waits for a store: it tries the locks.
    const std::uint64_t tries_before = g.tries;
    const std::uint64_t locks_before = g.locks;
    ss_manager_tick_at(1);
    CHECK(g.tries >= tries_before + 2);
    CHECK(g.tries_taken > 0);
    CHECK(g.locks == locks_before);
    CHECK(g.misuse == 0);
    CHECK(g.locks + g.tries_taken == g.unlocks);
    REQUIRE(ss_deinit_system() == 0);
    CHECK(g.destroys == g.inits);
    CHECK(g.misuse == 0);
    CHECK(g.locks + g.tries_taken == g.unlocks);
}

TEST_CASE("bad lock_ops and clock_ops are refused at init and by the arena query, naming the field") {
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.log = silent;
    struct Bad {
        const char* field;
        SsLockOps ops;
    };
    SsLockOps good = counting_ops();
    std::vector<Bad> bad;
    SsLockOps o = good;
    o.init = nullptr;
    bad.push_back({"lock_ops.init", o});
    o = good;
    o.destroy = nullptr;
    bad.push_back({"lock_ops.destroy", o});
    o = good;
    o.lock = nullptr;
    bad.push_back({"lock_ops.lock", o});
    o = good;
    o.unlock = nullptr;
    bad.push_back({"lock_ops.unlock", o});
    o = good;
    o.try_lock = nullptr;
    bad.push_back({"lock_ops.try_lock", o});
    o = good;
    o.size = 0;
    bad.push_back({"lock_ops.size", o});
    o = good;
    o.size = 1 << 20;
    bad.push_back({"lock_ops.size", o});
    o = good;
    o.align = 0;
    bad.push_back({"lock_ops.align", o});
    o = good;
    o.align = 24;
    bad.push_back({"lock_ops.align", o});
    o = good;
    o.align = 4096;
    bad.push_back({"lock_ops.align", o});
    for (const Bad& b : bad) {
        INFO(b.field << " size " << b.ops.size << " align " << b.ops.align);
        cfg.lock_ops = &b.ops;
        std::size_t need = 77;
        CHECK(ss_arena_bytes(&cfg, &need) == -EINVAL);
        CHECK(need == 77);
        CHECK(error_names(b.field));
        CHECK(ss_events_bytes(&cfg, &need) == -EINVAL);
        CHECK(ss_init_system(&cfg) == -EINVAL);
        CHECK(error_names(b.field));
        SsSystemStats st;
        CHECK(ss_get_system_stats(&st) == -EINVAL); // nothing came up
    }
    cfg.lock_ops = nullptr;
    FakeClock clock;
    const SsClockOps no_monotonic{nullptr, fake_utc, &clock};
    cfg.clock_ops = &no_monotonic;
    std::size_t need = 0;
    CHECK(ss_arena_bytes(&cfg, &need) == -EINVAL);
    CHECK(ss_init_system(&cfg) == -EINVAL);
    CHECK(error_names("clock_ops.monotonic_us"));
    // utc_us may be NULL: UTC is then never known.
    const SsClockOps monotonic_only{fake_monotonic, nullptr, &clock};
    cfg.clock_ops = &monotonic_only;
    CHECK(ss_init_system(&cfg) == 0);
    CHECK(ss_deinit_system() == 0);
}

TEST_CASE("the host's monotonic clock drives the force-seal interval of ss_manager_tick") {
    ss::test::TempDataRoot dir;
    SsInitCfg cfg = dir.config(1, 16);
    cfg.log = silent;
    cfg.force_seal_interval_ms = 1000;
    FakeClock clock;
    clock.mono_us = 5'000'000'000ULL; // any origin
    const SsClockOps ops{fake_monotonic, fake_utc, &clock};
    cfg.clock_ops = &ops;
    REQUIRE(ss_init_system(&cfg) == 0);
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    for (std::uint32_t i = 0; i < 3; ++i) REQUIRE(ss_ts_add(s, i) == 0); // far from a full sector
    // The first record of a sector reads the clock once, for the sector's time; each tick once.
    CHECK(clock.reads == 1);
    clock.reads = 0;
    auto on_disk = [&] {
        SsSensorStats st{};
        REQUIRE(ss_get_sensor_stats(s, &st) == 0);
        return st.disk_records;
    };
    ss_manager_tick(); // starts the interval
    CHECK(clock.reads == 1);
    CHECK(on_disk() == 0);
    clock.mono_us += 999'999;
    ss_manager_tick();
    CHECK(on_disk() == 0);
    clock.mono_us += 1; // exactly 1000 ms after the first tick
    ss_manager_tick();
    CHECK(on_disk() == 3);
    CHECK(clock.reads == 3);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("the POSIX platform's UTC clock reads CLOCK_REALTIME in microseconds, or 0 before 2020") {
    const auto& p = ss::port::platform();
    REQUIRE((p.utc_us != nullptr));
    const std::uint64_t utc = p.utc_us();
    const auto sys_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (sys_us < 1'577'836'800'000'000ULL) {
        CHECK(utc == 0);
    } else {
        CHECK(utc >= 1'577'836'800'000'000ULL);
        CHECK(utc <= sys_us + 1'000'000);
        CHECK(utc + 5'000'000 >= sys_us);
    }
}
