// The engine: arena, registry, fair-share borrowing between stores, manager tick, stats.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "ss/config.hpp"
#include "ss/engine.hpp"

using namespace ss;

namespace {

struct EngineFixture {
    // 80-byte sectors: 12 TS records each.
    explicit EngineFixture(std::uint32_t sensors, std::uint32_t sectors, std::uint32_t sector_bytes = 80) {
        cfg = default_config(SS_TARGET_STM32);
        cfg.ram_sector_bytes = sector_bytes;
        cfg.max_sensors = sensors;
        cfg.ram_pool_bytes = std::size_t{sectors} * sector_bytes;
        auto plan = Engine::plan(cfg, locks, why);
        REQUIRE(plan);
        arena.resize(plan->total / 8 + 1);
        REQUIRE(engine.init(cfg, reinterpret_cast<std::byte*>(arena.data()), arena.size() * 8, locks, why));
    }
    ~EngineFixture() { engine.deinit(); }

    ss::SensorStore& reg(std::uint32_t id, RecordType t = RecordType::ts, SsSource src = SS_SOURCE_HOST) {
        auto s = engine.register_sensor(src, id, t, why);
        REQUIRE(s);
        return **s;
    }
    int add_n(ss::SensorStore& s, std::uint32_t from, int n) {
        int ok = 0;
        for (int i = 0; i < n; ++i) {
            const std::uint32_t v = from + static_cast<std::uint32_t>(i);
            ok += s.add(engine.context(), &v).has_value();
        }
        return ok;
    }
    std::uint32_t consume(ss::SensorStore& s, std::uint32_t max) {
        std::vector<std::uint32_t> out(max);
        auto b = s.consume(engine.context(), out.data(), max);
        return b ? b->count : 0;
    }
    SsSensorStats stats(const ss::SensorStore& s) {
        SsSensorStats st;
        s.stats(engine.context(), st);
        return st;
    }

    port::LockOps locks{};
    SsInitCfg cfg{};
    Text why;
    std::vector<std::uint64_t> arena;
    Engine engine;
};

} // namespace

TEST_CASE("registration gives every sensor its first sector, refuses duplicates and stops at max_sensors") {
    EngineFixture f(3, 3);
    ss::SensorStore& a = f.reg(7);
    f.reg(7, RecordType::evt, SS_SOURCE_CAN); // same id, other source: a different sensor
    auto dup = f.engine.register_sensor(SS_SOURCE_HOST, 7, RecordType::ts, f.why);
    REQUIRE_FALSE(dup);
    CHECK(dup.error() == Errc::invalid_argument);
    CHECK(std::string(f.why.c_str()).find("already registered") != std::string::npos);
    f.reg(8);
    auto full = f.engine.register_sensor(SS_SOURCE_HOST, 9, RecordType::ts, f.why);
    REQUIRE_FALSE(full);
    CHECK(full.error() == Errc::no_space);
    CHECK(f.engine.find(SS_SOURCE_HOST, 7) == &a);
    CHECK(f.engine.find(SS_SOURCE_APP, 7) == nullptr);
    CHECK(f.engine.store_of(&a) == &a);
    CHECK(f.engine.store_of(reinterpret_cast<const std::byte*>(&a) + 1) == nullptr);
    int local = 0;
    CHECK(f.engine.store_of(&local) == nullptr);
}

TEST_CASE("sensors that grow early cannot take the sectors reserved for sensors not yet registered") {
    EngineFixture f(2, 3);
    ss::SensorStore& a = f.reg(1);
    CHECK(f.add_n(a, 0, 60) == 60); // would want 5 sectors; gets 2, recycles its own
    CHECK(f.stats(a).sectors == 2);
    f.reg(2); // still gets its first sector
}

TEST_CASE("a sensor with only pending data borrows an unsent sector from the sensor holding the most") {
    EngineFixture f(2, 4);
    ss::SensorStore& rich = f.reg(1);
    ss::SensorStore& poor = f.reg(2);
    CHECK(f.add_n(rich, 0, 36) == 36); // rich: 3 sectors, the pool is empty
    CHECK(f.add_n(poor, 1000, 12) == 12);
    CHECK(f.consume(poor, 1) == 1);       // poor's one sector now holds a pending record
    CHECK(f.add_n(poor, 1012, 1) == 1);   // borrowed, not dropped
    const auto r = f.stats(rich);
    const auto p = f.stats(poor);
    CHECK(p.sectors == 2);
    CHECK(p.dropped_new == 0);
    CHECK(r.sectors == 2);
    CHECK(r.dropped_recycled == 12); // rich's oldest unsent sector went
    CHECK(r.head_seq == 12);
}

TEST_CASE("borrowing stops at a fair share, and then the new record is dropped") {
    EngineFixture f(2, 3);
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2);
    CHECK(f.add_n(a, 0, 24) == 24); // a: 2 sectors, b: 1, pool empty
    CHECK(f.add_n(b, 0, 12) == 12);
    CHECK(f.consume(b, 1) == 1);
    CHECK(f.add_n(b, 12, 1) == 0); // a holds only one more than b: no borrowing
    CHECK(f.stats(b).dropped_new == 1);
    CHECK(f.stats(a).dropped_recycled == 0);
}

TEST_CASE("a sector holding pending records is never lent") {
    EngineFixture f(2, 4);
    ss::SensorStore& rich = f.reg(1);
    ss::SensorStore& poor = f.reg(2);
    f.add_n(rich, 0, 36);
    CHECK(f.consume(rich, 30) == 30); // rich's sectors 1-3 hold pending records; the third is the open one
    f.add_n(poor, 0, 12);
    CHECK(f.consume(poor, 1) == 1);
    CHECK(f.add_n(poor, 12, 1) == 0);
    CHECK(f.stats(rich).dropped_recycled == 0);
    CHECK(f.stats(rich).pending == 30);
}

TEST_CASE("the manager tick seals full open sectors, and every non-empty one during shutdown") {
    EngineFixture f(2, 4);
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2);
    f.add_n(a, 0, 12);
    f.add_n(b, 0, 3);
    f.engine.tick(0);
    SsScrubReport rep{};
    f.engine.scrub(rep);
    CHECK(rep.sectors_checked == 1); // only a's full sector is sealed
    f.engine.set_shutdown(true);
    f.engine.tick(1);
    f.engine.scrub(rep);
    CHECK(rep.sectors_checked == 2);
    CHECK(rep.corrupt_sectors == 0);
}

TEST_CASE("a sensor's verify level is set after registration, and refused where there is no CRC to verify") {
    EngineFixture f(2, 4);
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2);
    CHECK(a.verify_level() == VerifyLevel::first_read); // SsInitCfg::verify_level
    REQUIRE(f.engine.set_verify_level(a, VerifyLevel::after_write));
    CHECK(f.stats(a).verify_level == SS_VERIFY_AFTER_WRITE);
    CHECK(f.stats(b).verify_level == SS_VERIFY_FIRST_READ); // only a changed
    EngineFixture no_crc(1, 2);
    no_crc.engine.deinit();
    no_crc.cfg.crc_enabled = 0;
    no_crc.cfg.verify_level = SS_VERIFY_OFF;
    REQUIRE(no_crc.engine.init(no_crc.cfg, reinterpret_cast<std::byte*>(no_crc.arena.data()), no_crc.arena.size() * 8,
                               no_crc.locks, no_crc.why));
    ss::SensorStore& c = no_crc.reg(1);
    CHECK(no_crc.engine.set_verify_level(c, VerifyLevel::first_read).error() == Errc::invalid_argument);
    CHECK(c.verify_level() == VerifyLevel::off);
    CHECK(no_crc.engine.set_verify_level(c, VerifyLevel::off));
}

TEST_CASE("the engine's bounded scrub covers the sealed sectors of the one sensor it is given") {
    EngineFixture f(2, 8);
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2);
    f.add_n(a, 0, 37); // three sealed
    f.add_n(b, 0, 25); // two sealed
    ScrubCursor at;
    SsScrubReport rep{};
    CHECK(f.engine.scrub_sensor(b, at, 10, rep) == 2);
    CHECK(at.finished);
    CHECK(rep.sensors == 1);
    CHECK(rep.sectors_checked == 2);
}

TEST_CASE("system stats add up the stores and the pool") {
    EngineFixture f(2, 6);
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2, RecordType::evt);
    f.add_n(a, 0, 20);
    const SsEventRecord e{1, 2};
    REQUIRE(b.add(f.engine.context(), &e));
    SsSystemStats st;
    f.engine.system_stats(st);
    CHECK(st.sensors == 2);
    CHECK(st.max_sensors == 2);
    CHECK(st.sectors_total == 6);
    CHECK(st.sectors_free == 3);
    CHECK(st.records_retained == 21);
    CHECK(st.ram_used_pct == 50);
    CHECK(st.health_flags == 0);
    CHECK(st.arena_bytes > 6 * 64);
}

TEST_CASE("the registry finds every sensor by source and id through its hash index, and nothing else") {
    // Ids strided by a power of two and repeated across sources: the patterns a weak hash folds
    // together. The table is filled to max_sensors, its highest load. 254 sensors and fewer use
    // 8-bit slots, more use 16-bit ones: both widths, each at its largest.
    for (const std::uint32_t n : {1536u, 255u, 254u, 100u}) {
        CAPTURE(n);
        EngineFixture f(n, n, 48);
        CHECK(arena_layout(n, n, 48, 0, 1).index_slot_bytes == (n < 255 ? 1 : 2));
        std::vector<ss::SensorStore*> stores;
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto src = static_cast<SsSource>(i % 3);
            const std::uint32_t id = (i / 3) << 12;
            stores.push_back(&f.reg(id, RecordType::ts, src));
        }
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto src = static_cast<SsSource>(i % 3);
            const std::uint32_t id = (i / 3) << 12;
            REQUIRE(f.engine.find(src, id) == stores[i]);
            // Neighbours that were never registered are not found.
            CHECK(f.engine.find(src, id + 1) == nullptr);
        }
        CHECK(f.engine.find(SS_SOURCE_CAN, 0xFFFF'FFFFu) == nullptr);
        // A duplicate is still refused once the table is full.
        CHECK_FALSE(f.engine.register_sensor(SS_SOURCE_HOST, 0, RecordType::ts, f.why));
    }
}

namespace {

// A shared lock as an MCU port gives it: one object for everything, nesting (the core takes the
// pool's lock while it holds a store's). It records the deepest nesting and any misuse.
struct SharedLockState {
    int depth = 0;
    int deepest = 0;
    int inits = 0;
    int destroys = 0;
    int misuse = 0;
    void* object = nullptr;
};
SharedLockState g_shared;

void shared_note(void* l) {
    if (g_shared.object == nullptr) g_shared.object = l;
    if (l != g_shared.object) ++g_shared.misuse;
}
void shared_lock(void* l) {
    shared_note(l);
    g_shared.deepest = std::max(g_shared.deepest, ++g_shared.depth);
}
void shared_unlock(void* l) {
    shared_note(l);
    if (--g_shared.depth < 0) ++g_shared.misuse;
}
bool shared_try_lock(void* l) {
    shared_lock(l);
    return true;
}

} // namespace

TEST_CASE("a shared lock takes one lock object in the arena, serves every store and the pool, and nests") {
    g_shared = SharedLockState{};
    const ArenaLayout per_store = arena_layout(100, 102, 256, 4, 4);
    const ArenaLayout shared = arena_layout(100, 102, 256, 4, 4, true);
    CHECK(shared.lock_shared);
    CHECK(per_store.index == per_store.locks + 102 * 4); // 100 stores, the pool, the registry
    CHECK(shared.index == shared.locks + 4);
    CHECK(per_store.total - shared.total >= 101 * 4);
    CHECK_FALSE(arena_layout(100, 102, 256, 0, 1, true).lock_shared); // no lock: nothing to share

    EngineFixture f(4, 8);
    f.engine.deinit();
    f.locks = port::LockOps{sizeof(int), alignof(int), [](void* l) { ++g_shared.inits, shared_note(l); },
                            [](void* l) { ++g_shared.destroys, shared_note(l); }, shared_lock, shared_unlock,
                            shared_try_lock, true};
    auto plan = Engine::plan(f.cfg, f.locks, f.why);
    REQUIRE(plan);
    CHECK(plan->lock_shared);
    REQUIRE(f.engine.init(f.cfg, reinterpret_cast<std::byte*>(f.arena.data()), f.arena.size() * 8, f.locks, f.why));
    CHECK(g_shared.inits == 1);
    ss::SensorStore& a = f.reg(1);
    ss::SensorStore& b = f.reg(2);
    // Fill past the pool so that adds recycle and borrow (store lock, then pool lock), consume,
    // erase and tick: every path that takes a lock.
    CHECK(f.add_n(a, 0, 60) == 60);
    CHECK(f.consume(a, 20) == 20);
    CHECK(f.add_n(b, 0, 60) > 0);
    a.erase_all_pending(f.engine.context());
    f.engine.tick(1000);
    CHECK(g_shared.depth == 0);
    CHECK(g_shared.deepest >= 2); // a store's lock held while the pool's is taken
    CHECK(g_shared.misuse == 0);
    f.engine.deinit();
    CHECK(g_shared.destroys == 1);
    // The fixture's destructor deinits again: harmless on an engine already down.
}
