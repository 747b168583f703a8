// StorageHost (ss/actors/storage_host.hpp) honours the host's locks and clocks of SsInitCfg as
// ss_init_system does: the host's lock ops guard the engine's stores, the host's clock stamps a
// sector's first record when its writer gave no time (UTC when the clock knows it, else its
// monotonic time), and invalid ops are refused with ss_init_system's words.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "ss/actors/storage_host.hpp"
#include "ss/sensor_storage.h"

namespace {

void silent(void*, int, const char*) {}

SsInitCfg config() {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_LINUX);
    cfg.max_sensors = 4;
    cfg.ram_sector_bytes = 256;
    cfg.ram_pool_bytes = 16 * 256;
    cfg.log = silent;
    return cfg;
}

struct FakeClock {
    std::uint64_t monotonic_us = 0;
    std::uint64_t utc_us = 0; ///< 0: UTC not known yet
};

std::uint64_t fake_monotonic(void* ctx) { return static_cast<FakeClock*>(ctx)->monotonic_us; }
std::uint64_t fake_utc(void* ctx) { return static_cast<FakeClock*>(ctx)->utc_us; }

/// Opens a host for cfg, writes one record to a new TS sensor without a time and returns the
/// time its sector's first record got (Batch::first_time, as ss_consume_batch_info reports it).
std::uint64_t first_record_time(const SsInitCfg& cfg) {
    ss::Text why;
    auto host = ss::actors::StorageHost::open(cfg, why);
    REQUIRE_MESSAGE(host, why.c_str());
    ss::Engine& engine = (*host)->engine();
    auto s = engine.register_sensor(SS_SOURCE_APP, 1, ss::RecordType::ts, why);
    REQUIRE(s);
    const std::uint32_t value = 42;
    REQUIRE((*s)->add(engine.context(), &value));
    std::uint32_t out[4] = {};
    auto batch = engine.consume(**s, out, 4, ss::BatchTime::continuous);
    REQUIRE(batch);
    CHECK(batch->count == 1u);
    CHECK(out[0] == 42u);
    return batch->first_time;
}

// Host lock ops that count their calls; the lock object is a flag that must be free to take.
struct LockCounts {
    int init = 0, destroy = 0, lock = 0, unlock = 0, try_lock = 0;
    bool misuse = false;
};
LockCounts g_counts;

void count_init(void* l) {
    ++g_counts.init;
    *static_cast<bool*>(l) = false;
}
void count_destroy(void*) { ++g_counts.destroy; }
void count_lock(void* l) {
    ++g_counts.lock;
    auto* held = static_cast<bool*>(l);
    if (*held) g_counts.misuse = true;
    *held = true;
}
void count_unlock(void* l) {
    ++g_counts.unlock;
    auto* held = static_cast<bool*>(l);
    if (!*held) g_counts.misuse = true;
    *held = false;
}
bool count_try_lock(void* l) {
    ++g_counts.try_lock;
    auto* held = static_cast<bool*>(l);
    if (*held) return false;
    *held = true;
    return true;
}

SsLockOps counting_locks() {
    return SsLockOps{sizeof(bool), alignof(bool), count_init, count_destroy, count_lock, count_unlock, count_try_lock};
}

} // namespace

TEST_CASE("a storage host stamps a sector's first record with the host clock's UTC") {
    FakeClock clock{5'000'000, 1'764'000'000'000'000};
    const SsClockOps ops{fake_monotonic, fake_utc, &clock};
    SsInitCfg cfg = config();
    cfg.clock_ops = &ops;
    CHECK(first_record_time(cfg) == (SS_TIME_UTC | clock.utc_us));
}

TEST_CASE("a storage host stamps with the host's monotonic clock while UTC is unknown or absent") {
    FakeClock clock{7'000'000, 0};
    SUBCASE("utc_us returns 0") {
        const SsClockOps ops{fake_monotonic, fake_utc, &clock};
        SsInitCfg cfg = config();
        cfg.clock_ops = &ops;
        CHECK(first_record_time(cfg) == clock.monotonic_us);
    }
    SUBCASE("utc_us is NULL") {
        clock.utc_us = 1'764'000'000'000'000; // never read
        const SsClockOps ops{fake_monotonic, nullptr, &clock};
        SsInitCfg cfg = config();
        cfg.clock_ops = &ops;
        CHECK(first_record_time(cfg) == 7'000'000u);
    }
}

TEST_CASE("a storage host's sectors get a time without host clocks (the platform's)") {
    CHECK(first_record_time(config()) != SS_TIME_UNKNOWN);
}

TEST_CASE("a storage host guards its stores with the host's lock ops") {
    g_counts = {};
    const SsLockOps locks = counting_locks();
    SsInitCfg cfg = config();
    cfg.lock_ops = &locks;
    {
        ss::Text why;
        auto host = ss::actors::StorageHost::open(cfg, why);
        REQUIRE_MESSAGE(host, why.c_str());
        CHECK(g_counts.init > 0);
        ss::Engine& engine = (*host)->engine();
        auto s = engine.register_sensor(SS_SOURCE_APP, 1, ss::RecordType::ts, why);
        REQUIRE(s);
        const int locks_before = g_counts.lock;
        const std::uint32_t value = 1;
        REQUIRE((*s)->add(engine.context(), &value));
        CHECK(g_counts.lock > locks_before);
        engine.tick(1000);
        CHECK(g_counts.lock + g_counts.try_lock > 0);
    }
    CHECK(g_counts.destroy == g_counts.init);
    CHECK_FALSE(g_counts.misuse);
}

TEST_CASE("a storage host refuses invalid host lock and clock ops with ss_init_system's message") {
    SsInitCfg cfg = config();
    ss::Text why;
    SUBCASE("a lock op is NULL") {
        SsLockOps locks = counting_locks();
        locks.try_lock = nullptr;
        cfg.lock_ops = &locks;
        auto host = ss::actors::StorageHost::open(cfg, why);
        REQUIRE_FALSE(host);
        CHECK(host.error() == ss::Errc::invalid_argument);
        CHECK(std::string(why.c_str()) == "invalid configuration: lock_ops.try_lock is NULL");
        CHECK(ss_init_system(&cfg) == -EINVAL);
        CHECK(std::string(ss_last_error()) == why.c_str());
    }
    SUBCASE("a lock's alignment is not a power of two") {
        SsLockOps locks = counting_locks();
        locks.align = 3;
        cfg.lock_ops = &locks;
        auto host = ss::actors::StorageHost::open(cfg, why);
        REQUIRE_FALSE(host);
        CHECK(std::string(why.c_str()).starts_with("invalid configuration: lock_ops.align is 3"));
        CHECK(ss_init_system(&cfg) == -EINVAL);
        CHECK(std::string(ss_last_error()) == why.c_str());
    }
    SUBCASE("the host clock has no monotonic_us") {
        const SsClockOps ops{nullptr, nullptr, nullptr};
        cfg.clock_ops = &ops;
        auto host = ss::actors::StorageHost::open(cfg, why);
        REQUIRE_FALSE(host);
        CHECK(std::string(why.c_str()) == "invalid configuration: clock_ops.monotonic_us is NULL");
        CHECK(ss_init_system(&cfg) == -EINVAL);
        CHECK(std::string(ss_last_error()) == why.c_str());
    }
}
