// Writer-numbered (relayed) stores: ss_sensor_seek numbers the next record as its writer says
// (a gap forward, or back down to the floor after a restart), ss_sensor_flush has the next tick
// take a sensor's records to the disk tier, and ss_get_durable_end tells up to where a crash
// loses nothing. RAM through the C API; the disk tier through the engine over the fault file
// system, whose crash() keeps only what was synced.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "ss/config.hpp"
#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"
#include "support/disk_engine_session.hpp"
#include "support/disk_store_fixture.hpp"

namespace {

using ss::test::silent_log;
using ss::test::stats_of;

struct RamSystem {
    explicit RamSystem(std::uint32_t max_sectors_per_sensor = 0) {
        SsInitCfg c;
        REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
        c.ram_sector_bytes = 64;
        c.max_sensors = 2;
        c.ram_pool_bytes = 40 * 64;
        c.max_sectors_per_sensor = max_sectors_per_sensor;
        c.log = silent_log;
        REQUIRE(ss_init_system(&c) == 0);
        REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
    }
    ~RamSystem() { ss_deinit_system(); }
    SensorStore* s = nullptr;
};

/// Adds values first, first + 1, ... (a relayed writer's records carry their numbers as values).
void add_values(SensorStore* s, std::uint32_t first, std::uint32_t n) {
    for (std::uint32_t k = 0; k < n; ++k) REQUIRE(ss_ts_add(s, first + k) == 0);
}

struct Got {
    std::uint64_t first = 0;
    std::vector<std::uint32_t> values;
};

Got consume(SensorStore* s, std::uint32_t max = 256) {
    Got g;
    g.values.resize(max);
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch_ex(s, g.values.data(), max, &n, &g.first) == 0);
    g.values.resize(n);
    return g;
}

std::uint64_t durable_end(SensorStore* s) {
    std::uint64_t end = ~std::uint64_t{0};
    REQUIRE(ss_get_durable_end(s, &end) == 0);
    return end;
}

} // namespace

TEST_CASE("a seek forward leaves a gap: no batch spans it, the next batch starts at the sought number") {
    RamSystem sys;
    add_values(sys.s, 0, 5);
    REQUIRE(ss_sensor_seek(sys.s, 10) == 0);
    auto st = stats_of(sys.s);
    CHECK(st.next_seq == 10);
    CHECK(st.retained == 5);
    add_values(sys.s, 10, 3);
    st = stats_of(sys.s);
    CHECK(st.next_seq == 13);
    CHECK(st.retained == 8);
    CHECK(st.written == 8);
    // Nothing was lost: the gap is not counted as a drop.
    CHECK(st.dropped_new == 0);
    CHECK(st.dropped_recycled == 0);
    const Got a = consume(sys.s);
    CHECK(a.first == 0);
    CHECK(a.values == std::vector<std::uint32_t>{0, 1, 2, 3, 4});
    const Got b = consume(sys.s);
    CHECK(b.first == 10);
    CHECK(b.values == std::vector<std::uint32_t>{10, 11, 12});
    std::uint32_t n = 0;
    std::uint32_t buf[4];
    CHECK(ss_consume_batch_ex(sys.s, buf, 4, &n, nullptr) == -EAGAIN);
    // An acknowledgement may end anywhere in [head, pending]: the whole stream at once.
    REQUIRE(ss_erase_pending_until(sys.s, 13) == 0);
    st = stats_of(sys.s);
    CHECK(st.erased == 8);
    CHECK(st.retained == 0);
}

TEST_CASE("a seek to the next number changes nothing") {
    RamSystem sys;
    add_values(sys.s, 0, 3);
    const auto before = stats_of(sys.s);
    REQUIRE(ss_sensor_seek(sys.s, 3) == 0);
    const auto after = stats_of(sys.s);
    CHECK(after.next_seq == 3);
    CHECK(after.sectors == before.sectors);
    add_values(sys.s, 3, 2);
    // The open sector was not sealed: still one sector, one batch.
    CHECK(stats_of(sys.s).sectors == before.sectors);
    const Got a = consume(sys.s);
    CHECK(a.first == 0);
    CHECK(a.values.size() == 5);
}

TEST_CASE("a seek below the floor is refused and changes nothing; down to it is allowed") {
    RamSystem sys;
    add_values(sys.s, 0, 5);
    CHECK(ss_sensor_seek(sys.s, 4) == -EINVAL); // below the end of the newest record retained
    CHECK(ss_sensor_seek(sys.s, 0) == -EINVAL);
    auto st = stats_of(sys.s);
    CHECK(st.next_seq == 5);
    CHECK(st.sectors == 1);
    CHECK(ss_sensor_seek(sys.s, ss::sector::max_seq + 1) == -EINVAL);
    CHECK(ss_sensor_seek(nullptr, 7) == -EINVAL);
    CHECK(stats_of(sys.s).next_seq == 5);
    // Forward, then back into the gap (still above the newest record): the empty open sector
    // is numbered again.
    REQUIRE(ss_sensor_seek(sys.s, 20) == 0);
    REQUIRE(ss_sensor_seek(sys.s, 8) == 0);
    CHECK(stats_of(sys.s).next_seq == 8);
    CHECK(ss_sensor_seek(sys.s, 4) == -EINVAL);
    CHECK(stats_of(sys.s).next_seq == 8);
    add_values(sys.s, 8, 2);
    CHECK(consume(sys.s).first == 0);
    const Got b = consume(sys.s);
    CHECK(b.first == 8);
    CHECK(b.values == std::vector<std::uint32_t>{8, 9});
    // Without a disk tier an empty store's floor is its head: everything below was acknowledged.
    REQUIRE(ss_erase_all_pending(sys.s) == 0);
    CHECK(ss_sensor_seek(sys.s, 9) == -EINVAL);
    CHECK(stats_of(sys.s).next_seq == 10);
    REQUIRE(ss_sensor_seek(sys.s, 30) == 0);
    add_values(sys.s, 30, 1);
    CHECK(consume(sys.s).first == 30);
}

TEST_CASE("a seek with records in the open sector seals it; the records keep their numbers") {
    RamSystem sys;
    add_values(sys.s, 0, 3);
    REQUIRE(stats_of(sys.s).sectors == 1);
    REQUIRE(ss_sensor_seek(sys.s, 100) == 0);
    CHECK(stats_of(sys.s).sectors == 2);
    add_values(sys.s, 100, 2);
    std::uint32_t out[8];
    std::uint32_t n = 0;
    std::uint64_t first = 0;
    REQUIRE(ss_get_range(sys.s, 0, 8, out, &n, &first) == 0);
    CHECK(first == 0);
    CHECK(n == 3);
    REQUIRE(ss_get_range(sys.s, 3, 8, out, &n, &first) == 0);
    CHECK(first == 100);
    CHECK(n == 2);
    CHECK(out[0] == 100);
    // The sealed sector passes its check when read.
    REQUIRE(ss_sensor_set_verify_level(sys.s, SS_VERIFY_EVERY_READ) == 0);
    const Got a = consume(sys.s);
    CHECK(a.first == 0);
    CHECK(a.values == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(stats_of(sys.s).dropped_corrupt == 0);
}

TEST_CASE("a seek needing a sector has one as an add would: a full store recycles its oldest unsent sector") {
    RamSystem sys(2); // at most two sectors for the sensor
    std::uint32_t v = 0;
    while (stats_of(sys.s).sectors < 2) REQUIRE(ss_ts_add(sys.s, v++) == 0);
    const auto before = stats_of(sys.s); // the second sector holds one record
    REQUIRE(ss_sensor_seek(sys.s, before.next_seq + 5) == 0);
    auto st = stats_of(sys.s);
    CHECK(st.next_seq == before.next_seq + 5);
    CHECK(st.sectors == 2);
    CHECK(st.dropped_recycled == before.retained - 1); // the first sector went, counted
    REQUIRE(ss_ts_add(sys.s, 1000) == 0);
    CHECK(consume(sys.s).values.size() == 1); // the one record of the old second sector
    const Got after = consume(sys.s);
    CHECK(after.first == before.next_seq + 5);
    CHECK(after.values == std::vector<std::uint32_t>{1000});
}

TEST_CASE("a seek that cannot have a sector (only pending data left) is refused and changes nothing") {
    RamSystem sys(2);
    std::uint32_t v = 0;
    while (stats_of(sys.s).sectors < 2) REQUIRE(ss_ts_add(sys.s, v++) == 0);
    const Got pending = consume(sys.s, 1024); // everything pending: nothing may be recycled
    REQUIRE(pending.values.size() == v);
    const auto before = stats_of(sys.s);
    CHECK(ss_sensor_seek(sys.s, before.next_seq + 5) == -ENOSPC);
    auto st = stats_of(sys.s);
    CHECK(st.next_seq == before.next_seq);
    CHECK(st.sectors == 2);
    CHECK(st.pending == before.pending);
    CHECK(st.dropped_recycled == 0);
    // The open sector was not sealed: the next record follows in it.
    REQUIRE(ss_ts_add(sys.s, v) == 0);
    CHECK(stats_of(sys.s).next_seq == before.next_seq + 1);
    const Got next = consume(sys.s);
    CHECK(next.first == before.next_seq);
    CHECK(next.values == std::vector<std::uint32_t>{v});
}

TEST_CASE("without a disk tier the durable end is the first record retained") {
    RamSystem sys;
    CHECK(durable_end(sys.s) == 0);
    add_values(sys.s, 0, 6);
    CHECK(durable_end(sys.s) == 0); // RAM only: nothing durable
    const Got a = consume(sys.s, 4);
    CHECK(durable_end(sys.s) == 0); // pending is not acknowledged
    REQUIRE(ss_erase_pending_until(sys.s, a.first + a.values.size()) == 0);
    CHECK(durable_end(sys.s) == 4);
    consume(sys.s);
    REQUIRE(ss_erase_all_pending(sys.s) == 0);
    CHECK(durable_end(sys.s) == 6);
    REQUIRE(ss_sensor_seek(sys.s, 9) == 0);
    CHECK(durable_end(sys.s) == 9); // the gap holds nothing to lose
    std::uint64_t end = 0;
    CHECK(ss_get_durable_end(sys.s, nullptr) == -EINVAL);
    CHECK(ss_get_durable_end(nullptr, &end) == -EINVAL);
}

TEST_CASE("without a disk tier a flush only seals") {
    RamSystem sys;
    add_values(sys.s, 0, 3);
    REQUIRE(ss_sensor_flush(sys.s) == 0);
    CHECK(ss_sensor_flush(nullptr) == -EINVAL);
    CHECK(stats_of(sys.s).sectors == 1);
    ss_manager_tick();
    add_values(sys.s, 3, 1); // the sealed sector takes no more: a new one opens
    CHECK(stats_of(sys.s).sectors == 2);
    CHECK(durable_end(sys.s) == 0);
    REQUIRE(ss_sensor_flush(sys.s) == 0); // again, with one record open
    const Got a = consume(sys.s);
    CHECK(a.first == 0);
    CHECK(a.values.size() == 4);
}

namespace {

/// The engine over the fault file system, one TS sensor (tests/support/disk_engine_session.hpp).
struct RelaySession : ss::test::DiskEngineSession {
    ss::SensorStore* store = nullptr;
    std::uint64_t now;

    RelaySession(const SsInitCfg& c, ss::hal::FileSystem& fs, std::uint64_t start_ms = 1'000)
        : DiskEngineSession(c, fs), now(start_ms) {
        store = register_ts(1);
    }

    /// Records numbered from next_seq on, each valued its number.
    void add(std::uint32_t n) {
        const std::uint64_t first = stats().next_seq;
        for (std::uint32_t k = 0; k < n; ++k) {
            const auto v = static_cast<std::uint32_t>(first + k);
            REQUIRE(store->add(engine.context(), &v).has_value());
        }
    }
    void tick() { engine.tick(now += 100); }
    std::uint64_t durable_end() const { return engine.durable_end(*store); }
    SsSensorStats stats() const {
        SsSensorStats st{};
        engine.stats(*store, st);
        return st;
    }
    /// Consumes everything unsent and checks it is exactly [from, end), values = numbers.
    void check_unsent(std::uint64_t from, std::uint64_t end) {
        std::vector<std::uint32_t> buf(64);
        std::uint64_t at = from;
        while (at < end) {
            auto b = engine.consume(*store, buf.data(), 64);
            REQUIRE(b.has_value());
            REQUIRE(b->first_seq == at);
            for (std::uint32_t i = 0; i < b->count; ++i) REQUIRE(buf[i] == at + i);
            at += b->count;
        }
        CHECK_FALSE(engine.consume(*store, buf.data(), 64).has_value());
    }
};

/// 256-byte units (60 TS records), 16 RAM sectors (no spill below 80 %), no force-seal
/// interval, each file synced on its own, on the fault file system's "/data".
SsInitCfg relay_cfg() { return ss::test::one_sensor_fault_cfg(); }

} // namespace

TEST_CASE("disk tier: the durable end passes RAM records only after a flush and a tick, and a crash keeps what it covered") {
    ss::test::FaultFileSystem fs;
    std::uint64_t reported = 0;
    {
        RelaySession a(relay_cfg(), fs);
        a.add(100);
        CHECK(a.durable_end() == 0);
        for (int i = 0; i < 3; ++i) a.tick(); // below the watermark: nothing spills
        CHECK(a.stats().disk_records == 0);
        CHECK(a.durable_end() == 0);
        a.engine.flush(*a.store);
        CHECK(a.durable_end() == 0); // asynchronous: the tick does it
        a.tick();
        CHECK(a.stats().disk_records == 100);
        CHECK(a.durable_end() == 100);
        // Newer records in RAM hold it there.
        a.add(30);
        a.tick();
        CHECK(a.durable_end() == 100);
        reported = a.durable_end();
        // Written but not yet synced is not durable: the sync fails, the unit stays unsynced.
        a.engine.flush(*a.store);
        fs.fail_kinds_from(fs.calls(), ss::test::call_bit(ss::test::FsCall::sync) | ss::test::call_bit(ss::test::FsCall::sync_all),
                           -EIO);
        a.tick();
        CHECK(a.stats().disk_records == 130);
        CHECK(a.durable_end() == 100);
        fs.clear_faults();
    } // a crash: no shutdown flush
    fs.crash();
    RelaySession b(relay_cfg(), fs);
    const auto st = b.stats();
    CHECK(st.retained >= reported);
    b.check_unsent(0, reported);
}

TEST_CASE("disk tier: after a crash a relayed writer stores the lost numbers again, down to the floor only") {
    ss::test::FaultFileSystem fs;
    {
        RelaySession a(relay_cfg(), fs);
        a.add(100);
        a.engine.flush(*a.store);
        a.tick();
        REQUIRE(a.durable_end() == 100);
        a.add(50); // [100, 150) only in RAM: the crash loses them, the writer still has them
        a.tick();
        CHECK(a.durable_end() == 100);
    }
    fs.crash();
    {
        RelaySession b(relay_cfg(), fs, 10'000);
        auto st = b.stats();
        REQUIRE(st.retained == 100);
        const std::uint64_t reservation = st.next_seq;
        REQUIRE(reservation > 150); // numbering resumed past anything that may have been handed out
        // Right after the restart: the next number (nothing of this session is in RAM).
        CHECK(b.durable_end() == reservation);
        // The floor is the newest recovered record's end.
        CHECK(b.engine.seek(*b.store, 99).error() == ss::Errc::invalid_argument);
        CHECK(b.stats().next_seq == reservation);
        REQUIRE(b.engine.seek(*b.store, 100).has_value());
        CHECK(b.stats().next_seq == 100);
        CHECK(b.durable_end() == 100); // lowered by the seek, as documented
        CHECK(b.engine.seek(*b.store, 99).error() == ss::Errc::invalid_argument);
        b.add(50);
        CHECK(b.stats().next_seq == 150);
        b.engine.flush(*b.store);
        b.tick();
        CHECK(b.durable_end() == 150);
    } // another crash, after the flush made them durable
    fs.crash();
    RelaySession c(relay_cfg(), fs, 20'000);
    const auto st = c.stats();
    CHECK(st.retained == 150);
    // Uploaded under the numbers they were stored with, across the first restart's reservation.
    c.check_unsent(0, 150);
    CHECK(c.engine.seek(*c.store, 149).error() == ss::Errc::invalid_argument);
    CHECK(c.engine.seek(*c.store, 150).has_value());
}

TEST_CASE("disk tier: records stored under a seek below the reservation are uploaded with those numbers") {
    ss::test::FaultFileSystem fs;
    {
        RelaySession a(relay_cfg(), fs);
        a.add(10);
        a.engine.flush(*a.store);
        a.tick();
    }
    fs.crash();
    RelaySession b(relay_cfg(), fs, 10'000);
    REQUIRE(b.stats().next_seq > 1000);
    REQUIRE(b.engine.seek(*b.store, 10).has_value());
    b.add(20); // in RAM, below the reservation
    b.check_unsent(0, 30);
    REQUIRE(b.engine.erase_pending_until(*b.store, 30).has_value());
    CHECK(b.stats().retained == 0);
    CHECK(b.durable_end() == 30);
}

TEST_CASE("disk tier: a new data file's units are not durable until its directory entry is synced") {
    // Probe: which call of the flush's tick syncs the source directory (the same sequence of
    // calls happens again below, on a fresh file system).
    std::uint64_t dir_sync = ~std::uint64_t{0};
    {
        ss::test::FaultFileSystem probe;
        RelaySession a(relay_cfg(), probe);
        a.add(100);
        a.engine.flush(*a.store);
        probe.reset_calls();
        probe.record(true);
        a.tick();
        for (const auto& c : probe.recorded())
            if (c.kind == ss::test::FsCall::sync && c.target.find('.') == std::string::npos) dir_sync = c.index;
        REQUIRE(a.durable_end() == 100);
    }
    REQUIRE(dir_sync != ~std::uint64_t{0});
    ss::test::FaultFileSystem fs;
    {
        RelaySession a(relay_cfg(), fs);
        a.add(100);
        a.engine.flush(*a.store);
        fs.reset_calls();
        fs.fail_call(dir_sync, -EIO);
        a.tick();
        CHECK(a.stats().disk_records == 100);
        CHECK(a.durable_end() == 0); // the data file is synced, its name is not
    }
    fs.crash();
    {
        // Why: the power cut took the file with it.
        RelaySession b(relay_cfg(), fs);
        CHECK(b.stats().retained == 0);
    }
    // The same, with the directory sync retried at the next tick.
    ss::test::FaultFileSystem again;
    RelaySession c(relay_cfg(), again);
    c.add(100);
    c.engine.flush(*c.store);
    again.reset_calls();
    again.fail_call(dir_sync, -EIO);
    c.tick();
    CHECK(c.durable_end() == 0);
    c.tick();
    CHECK(c.durable_end() == 100);
}

TEST_CASE("a relayed writer seeking and flushing, the manager ticking and a reader of the durable end, at once") {
    ss::test::DiskStoreFixture f(1, 16, "ss-relay-test");
    f.start();
    SensorStore* s = f.sensor(1);
    std::atomic<bool> done{false};
    std::atomic<int> errors{0};
    std::thread writer([&] {
        std::uint64_t seq = 0;
        for (int batch = 0; batch < 300; ++batch) {
            if (batch % 3 == 0) seq += 7; // a gap now and then
            // -ENOSPC: RAM holds nothing this seek may recycle right now (the disk tier's sectors
            // wait for their sync): the manager's next tick frees some.
            int rc = 0;
            while ((rc = ss_sensor_seek(s, seq)) == -ENOSPC) std::this_thread::sleep_for(std::chrono::microseconds(100));
            if (rc != 0) ++errors;
            for (std::uint32_t k = 0; k < 20; ++k)
                if (ss_ts_add(s, static_cast<std::uint32_t>(seq + k)) != 0) ++errors;
            seq += 20;
            if (ss_sensor_flush(s) != 0) ++errors;
        }
        done = true;
    });
    std::thread manager([&] {
        while (!done) {
            ss_manager_tick();
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    std::uint64_t last = 0;
    bool monotonic = true;
    while (!done) {
        const std::uint64_t end = durable_end(s);
        monotonic = monotonic && end >= last;
        last = end;
    }
    writer.join();
    manager.join();
    CHECK(errors == 0);
    CHECK(monotonic);
    REQUIRE(ss_sensor_flush(s) == 0);
    for (int i = 0; i < 5; ++i) ss_manager_tick();
    const auto st = stats_of(s);
    CHECK(durable_end(s) == st.next_seq);
    CHECK(st.next_seq == 300 * 20 + 100 * 7);
    // Every record went out under the number it was stored with.
    std::vector<std::uint32_t> buf(256);
    std::uint64_t records = 0;
    bool exact = true;
    for (;;) {
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        if (ss_consume_batch_ex(s, buf.data(), 256, &n, &first) != 0) break;
        for (std::uint32_t i = 0; i < n; ++i) exact = exact && buf[i] == first + i;
        records += n;
    }
    CHECK(exact);
    CHECK(records + st.dropped_recycled == 300 * 20);
}
