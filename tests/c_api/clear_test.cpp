// ss_sensor_clear: an operator's action that discards a sensor's records in RAM and on disk,
// restarts its counters and counts itself; numbering goes on (a gap, never reuse); it is
// reported as an SS_EVENT_DROP of cause SS_DROP_CLEARED; the disk tier gives the space back and
// the records stay gone across a restart, also after a power cut right after the clear (on the
// fault file system, which keeps only what was synced); and it is safe against a writer and an
// uploader running at the same time.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "ss/config.hpp"
#include "ss/sensor_storage.h"
#include "support/disk_engine_session.hpp"
#include "support/disk_store_fixture.hpp"

namespace {

struct Log {
    std::vector<std::pair<int, std::string>> lines;
};
void keep_line(void* ctx, int level, const char* msg) { static_cast<Log*>(ctx)->lines.emplace_back(level, msg); }
using ss::test::silent_log;

using ss::test::stats_of;
using ss::test::system_stats;

SsInitCfg ram_cfg(Log& log) {
    SsInitCfg c;
    REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
    c.ram_sector_bytes = 64; // 8 TS records a sector
    c.max_sensors = 4;
    c.ram_pool_bytes = 100 * 64;
    c.log = keep_line;
    c.log_ctx = &log;
    return c;
}

std::vector<SsEvent> g_events;
void keep_event(void*, const SsEvent* e) { g_events.push_back(*e); }

} // namespace

TEST_CASE("a clear discards pending and unsent records, restarts the counters, counts itself and numbering goes on") {
    Log log;
    SsInitCfg cfg = ram_cfg(log);
    REQUIRE(ss_init_system(&cfg) == 0);
    SensorStore* s = nullptr;
    SensorStore* other = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    REQUIRE(ss_sensor_init(2, SENSOR_TS, &other) == 0);
    for (std::uint32_t i = 0; i < 40; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    for (std::uint32_t i = 0; i < 5; ++i) REQUIRE(ss_ts_add(other, i) == 0);
    std::uint32_t out[16];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, out, 10, &n) == 0);
    REQUIRE(ss_erase_all_pending(s) == 0);
    REQUIRE(ss_consume_batch(s, out, 6, &n) == 0); // 10 erased, 6 pending, 24 unsent
    const SsSystemStats sys_before = system_stats();

    log.lines.clear();
    CHECK(ss_sensor_clear(s) == 0);
    SsSensorStats st = stats_of(s);
    CHECK(st.retained == 0);
    CHECK(st.pending == 0);
    CHECK(st.unsent == 0);
    CHECK(st.written == 0);
    CHECK(st.erased == 0);
    CHECK(st.sectors == 1);
    CHECK(st.next_seq == 40);
    CHECK(st.head_seq == 40);
    CHECK(st.clears == 1);
    CHECK(st.cleared_records == 30);
    const SsSystemStats sys = system_stats();
    CHECK(sys.clears == 1);
    CHECK(sys.cleared_records == 30);
    CHECK(sys.records_retained == 5);
    CHECK(sys.sectors_free == sys_before.sectors_free + 3); // 4 sectors held, 1 kept
    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0].first == 2);
    CHECK(log.lines[0].second.find("cleared") != std::string::npos);
    CHECK(log.lines[0].second.find("30 records") != std::string::npos);
    CHECK(stats_of(other).retained == 5); // another sensor is not touched

    // The uploader's erase of the batch it had in flight erases nothing now.
    CHECK(ss_erase_all_pending(s) == 0);
    CHECK(stats_of(s).erased == 0);
    CHECK(ss_consume_batch(s, out, 16, &n) == -EAGAIN);

    // Numbering goes on: the cleared numbers are a gap, never reused.
    for (std::uint32_t i = 0; i < 3; ++i) REQUIRE(ss_ts_add(s, 100 + i) == 0);
    std::uint64_t first = 0;
    REQUIRE(ss_consume_batch_ex(s, out, 16, &n, &first) == 0);
    CHECK(first == 40);
    CHECK(n == 3);
    CHECK(out[0] == 100);
    CHECK(ss_sensor_clear(s) == 0);
    st = stats_of(s);
    CHECK(st.clears == 2);
    CHECK(st.cleared_records == 33);
    CHECK(st.next_seq == 43);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("a clear is reported as a drop of cause SS_DROP_CLEARED, and what follows it in the same tick as usual") {
    Log log;
    SsInitCfg cfg = ram_cfg(log);
    std::size_t need = 0, events = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    REQUIRE(ss_events_bytes(&cfg, &events) == 0);
    REQUIRE(ss_init_system(&cfg) == 0);
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    std::uint32_t token = 0;
    g_events.clear();
    REQUIRE(ss_subscribe(SS_EVENTS_ALL, keep_event, nullptr, &token) == 0);
    for (std::uint32_t i = 0; i < 20; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    ss_manager_tick_at(0);
    g_events.clear();
    REQUIRE(ss_sensor_clear(s) == 0);
    for (std::uint32_t i = 0; i < 4; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    ss_manager_tick_at(100);
    REQUIRE(g_events.size() == 2);
    CHECK(g_events[0].kind == SS_EVENT_NEW_DATA);
    CHECK(g_events[0].count == 4);
    CHECK(g_events[0].first_seq == 20);
    CHECK(g_events[0].last_seq == 23);
    CHECK(g_events[1].kind == SS_EVENT_DROP);
    CHECK(g_events[1].cause == SS_DROP_CLEARED);
    CHECK(g_events[1].count == 20);
    CHECK(g_events[1].sensor_id == 1);
    g_events.clear();
    ss_manager_tick_at(200);
    CHECK(g_events.empty());
    REQUIRE(ss_unsubscribe(token) == 0);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("a clear with a disk tier gives the disk space back, and the records do not come back after a restart") {
    ss::test::DiskStoreFixture f(2, 16);
    Log log;
    f.cfg.log = keep_line;
    f.cfg.log_ctx = &log;
    f.start();
    SensorStore* s = f.sensor(1);
    for (std::uint32_t i = 0; i < 300; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    ss::test::flush_to_disk();
    for (std::uint32_t i = 300; i < 320; ++i) REQUIRE(ss_ts_add(s, i) == 0);
    std::uint32_t out[50];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, out, 50, &n) == 0);
    REQUIRE(stats_of(s).disk_records == 300);
    REQUIRE(system_stats().disk_bytes_used > 0);
    const std::string dat = f.dat(1);
    REQUIRE(std::filesystem::file_size(dat) > 0);

    CHECK(ss_sensor_clear(s) == 0);
    SsSensorStats st = stats_of(s);
    CHECK(st.retained == 0);
    CHECK(st.disk_records == 0);
    CHECK(st.cleared_records == 320);
    CHECK(st.next_seq == 320);
    CHECK(system_stats().disk_bytes_used == 0);
    CHECK(std::filesystem::file_size(dat) == 0);
    std::uint32_t v = 0;
    CHECK(ss_diag_read_at(s, 0, &v) == -EINVAL);

    // New records after the clear reach the disk and survive; the cleared ones do not.
    for (std::uint32_t i = 0; i < 70; ++i) REQUIRE(ss_ts_add(s, 1000 + i) == 0);
    ss::test::flush_to_disk();
    f.drop(); // a stop without shutdown flush: what is on disk is what is left
    f.start();
    s = f.sensor(1);
    st = stats_of(s);
    CHECK(st.retained == 70);
    std::uint64_t first = 0;
    REQUIRE(ss_consume_batch_ex(s, out, 50, &n, &first) == 0);
    CHECK(first == 320);
    CHECK(out[0] == 1000);
    f.drop();
}

namespace {

// An engine with a disk tier over the fault file system and sensor 1, as a process holds them;
// its end is a crash (no shutdown), and fs.crash() then keeps only what was synced.
struct Session : ss::test::DiskEngineSession {
    ss::SensorStore* store = nullptr;
    std::uint64_t now = 0;

    Session(const SsInitCfg& c, ss::hal::FileSystem& fs) : DiskEngineSession(c, fs) { store = register_ts(1); }

    void add(std::uint32_t n, std::uint32_t first) {
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint32_t v = first + k;
            REQUIRE(store->add(engine.context(), &v).has_value());
        }
    }
    void flush() {
        engine.set_shutdown(true);
        for (int i = 0; i < 20 && !engine.flushed(); ++i) engine.tick(now += 100);
        REQUIRE(engine.flushed());
        engine.set_shutdown(false);
    }
    SsSensorStats stats() const {
        SsSensorStats st{};
        engine.stats(*store, st);
        return st;
    }
};

/// One TS sensor over 16 units of 256 bytes, each tick's files synced one by one, on the fault
/// file system's "/data".
SsInitCfg fault_cfg() { return ss::test::one_sensor_fault_cfg(); }

} // namespace

TEST_CASE("after a clear, a power cut brings none of the cleared records back") {
    ss::test::FaultFileSystem fs;
    const SsInitCfg cfg = fault_cfg();
    std::uint64_t next = 0;
    {
        Session a(cfg, fs);
        a.add(200, 0);
        a.flush();
        next = a.stats().next_seq;
    }
    fs.crash();
    {
        // The check can fail: without a clear, a power cut keeps the records.
        Session b(cfg, fs);
        CHECK(b.stats().retained == 200);
        const ss::Engine::Cleared c = b.engine.clear(*b.store);
        CHECK(c.records == 200);
        CHECK(c.disk_records == 200);
        CHECK(c.durable);
        CHECK(b.stats().retained == 0);
    }
    fs.crash(); // right after the clear: not one tick ran
    {
        Session c(cfg, fs);
        const SsSensorStats st = c.stats();
        CHECK(st.retained == 0);
        CHECK(st.disk_records == 0);
        CHECK(st.next_seq >= next); // numbers are never reused
        c.add(5, 7);
        c.engine.tick(c.now += 100); // a meta reserves numbers past those recovery resumed at
        std::uint32_t out[8];
        auto b = c.engine.consume(*c.store, out, 8);
        REQUIRE(b.has_value());
        CHECK(b->first_seq >= next);
        CHECK(out[0] == 7);
    }
}

TEST_CASE("a clear whose disk writes fail keeps the records away for the process, and the manager finishes it") {
    ss::test::FaultFileSystem fs;
    const SsInitCfg cfg = fault_cfg();
    const char* dat = "host/sensor_0000000001.dat";
    SUBCASE("the meta is written but the file cannot be emptied: cleared, and the space comes back at a tick") {
        {
            Session a(cfg, fs);
            a.add(200, 0);
            a.flush();
            // The clear's calls: the meta's temporary (open, write, truncate, sync, close), its
            // rename and the directory's sync, then the data file's truncation: that one fails.
            fs.reset_calls();
            fs.record(true);
            fs.fail_call(7, -EIO);
            CHECK(a.engine.clear(*a.store).durable);
            REQUIRE(fs.recorded().size() > 7);
            CHECK(fs.recorded()[7].kind == ss::test::FsCall::truncate);
            CHECK(fs.recorded()[7].target == dat);
            CHECK(fs.injected() == 1);
            CHECK(a.stats().retained == 0);
            CHECK_FALSE(fs.image(true).at(dat).empty());
            fs.clear_faults();
            a.engine.tick(a.now += 100);
            CHECK(fs.image(true).at(dat).empty());
        }
        fs.crash();
        Session b(cfg, fs);
        CHECK(b.stats().retained == 0);
    }
    SUBCASE("the meta cannot be replaced: -EIO, nothing truncated, and the manager's meta makes it stick") {
        {
            Session a(cfg, fs);
            a.add(200, 0);
            a.flush();
            fs.fail_kinds_from(fs.calls(), ss::test::call_bit(ss::test::FsCall::rename), -EIO);
            CHECK_FALSE(a.engine.clear(*a.store).durable);
            CHECK(a.stats().retained == 0);
            CHECK_FALSE(fs.image(true).at(dat).empty());
            fs.clear_faults();
            a.engine.tick(a.now += 100);
        }
        fs.crash();
        Session b(cfg, fs);
        CHECK(b.stats().retained == 0);
    }
}

TEST_CASE("a clear racing a writer and an uploader never renumbers, tears or loses track of a record") {
    Log log;
    SsInitCfg cfg = ram_cfg(log);
    cfg.log = silent_log;
    REQUIRE(ss_init_system(&cfg) == 0);
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    std::atomic<bool> stop{false};
    // Every add takes the next number, stored or dropped, so value == sequence number always.
    std::thread writer([&] {
        std::uint32_t v = 0;
        std::uint32_t batch[5];
        while (!stop.load()) {
            for (std::uint32_t k = 0; k < 5; ++k) batch[k] = v + k;
            ss_ts_add_many(s, batch, 5, nullptr);
            v += 5;
        }
    });
    std::atomic<std::uint64_t> bad{0};
    std::atomic<std::uint64_t> consumed{0};
    std::thread uploader([&] {
        std::uint32_t out[32];
        std::uint64_t last_end = 0;
        while (!stop.load()) {
            std::uint32_t n = 0;
            std::uint64_t first = 0;
            if (ss_consume_batch_ex(s, out, 32, &n, &first) != 0) continue;
            for (std::uint32_t k = 0; k < n; ++k)
                if (out[k] != first + k) ++bad;
            if (first < last_end) ++bad;
            last_end = first + n;
            consumed += n;
            ss_erase_all_pending(s);
        }
    });
    // At least 200 clears, and until the uploader has had its share (the test's timeout bounds a
    // starved uploader).
    std::uint32_t clears = 0;
    while (clears < 200 || consumed.load() < 1000) {
        CHECK(ss_sensor_clear(s) == 0);
        ++clears;
        std::this_thread::yield();
    }
    stop = true;
    writer.join();
    uploader.join();
    CHECK(bad == 0);
    const SsSensorStats st = stats_of(s);
    CHECK(st.clears == clears);
    std::uint32_t all[2048];
    std::uint32_t n = 0;
    std::uint64_t first = 0;
    if (ss_get_range(s, 0, 2048, all, &n, &first) == 0)
        for (std::uint32_t k = 0; k < n; ++k) CHECK(all[k] == first + k);
    REQUIRE(ss_deinit_system() == 0);
}

TEST_CASE("clears racing the manager's disk passes, a writer and an uploader keep the numbering and the disk consistent") {
    ss::test::DiskStoreFixture f(2, 24);
    f.start();
    SensorStore* s = f.sensor(1);
    SensorStore* other = f.sensor(2);
    std::atomic<bool> stop{false};
    std::thread manager([&] {
        std::uint64_t now = 0;
        while (!stop.load()) ss_manager_tick_at(now += 100); // every tick spills at the watermark and writes
    });
    std::thread writer([&] {
        std::uint32_t v = 0;
        std::uint32_t batch[20];
        while (!stop.load()) {
            for (std::uint32_t k = 0; k < 20; ++k) batch[k] = v + k;
            ss_ts_add_many(s, batch, 20, nullptr);
            ss_ts_add_many(other, batch, 20, nullptr);
            v += 20;
        }
    });
    std::atomic<std::uint64_t> bad{0};
    std::thread uploader([&] {
        std::uint32_t out[64];
        while (!stop.load()) {
            std::uint32_t n = 0;
            std::uint64_t first = 0;
            if (ss_consume_batch_ex(s, out, 64, &n, &first) != 0) continue;
            for (std::uint32_t k = 0; k < n; ++k)
                if (out[k] != first + k) ++bad;
            ss_erase_all_pending(s);
        }
    });
    int cleared = 0;
    for (int i = 0; i < 30; ++i) {
        if (ss_sensor_clear(s) == 0) ++cleared;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    stop = true;
    manager.join();
    writer.join();
    uploader.join();
    CHECK(bad == 0);
    CHECK(cleared == 30);
    CHECK(system_stats().clears == 30);
    // What is retained reads back with value == sequence number, across disk and RAM.
    std::vector<std::uint32_t> all(24 * 60 + 4096);
    std::uint32_t n = 0;
    std::uint64_t first = 0;
    for (SensorStore* h : {s, other}) {
        std::uint64_t at = 0;
        while (ss_get_range(h, at, static_cast<std::uint32_t>(all.size()), all.data(), &n, &first) == 0) {
            for (std::uint32_t k = 0; k < n; ++k) CHECK(all[k] == static_cast<std::uint32_t>(first + k));
            at = first + n;
        }
    }
    f.drop();
}
