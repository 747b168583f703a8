// The disk tier's integrity checks, below any runtime: the bounded scrub of one sensor's units
// (scrub_disk_units), read-after-write for a sensor at SS_VERIFY_AFTER_WRITE, and the space
// limit a runtime sets from the file system's free space (set_disk_space_limit).
//   - a unit that goes bad in its file is found by the scrub, counted as lost the way recovery
//     counts one (and not again by the next recovery), logged with its offset, never served;
//   - the scrub takes at most max units a call, leaves pending units alone and drops nothing
//     for a read that fails;
//   - a write that lands wrong (the fault file system flips a byte on the way) is caught by the
//     read-back, counted, flagged DISK_ERROR and written again; at the standard level the same
//     write goes unnoticed until recovery finds the unit lost;
//   - the space limit lowers the quota in force, which then drops the oldest unsent data (never
//     pending), and lifting it brings the configured quota back.
// Scrub cases run on real files in a temporary directory (a byte flipped with pwrite), the
// write faults on the fault file system.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "posix/disk/disk_tier.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/hal/disk_tier.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/port.hpp"
#include "ss/sector_format.hpp"
#include "support/disk_engine_session.hpp"
#include "support/temp_data_root.hpp"

using ss::RecordType;
using ss::ScrubCursor;
using ss::VerifyLevel;
using ss::hal::DiskTier;
using ss::test::FaultFileSystem;

namespace {

constexpr std::uint32_t unit_bytes = 256; // 56 TS records a unit
constexpr std::uint32_t per_unit = 56;
constexpr std::uint32_t chunk_bytes = 4096; // 16 units a chunk
constexpr const char* dat_path = "host/sensor_0000000001.dat";

std::uint32_t value_of(std::uint64_t seq) { return static_cast<std::uint32_t>(seq) * 7u + 3u; }

struct Log {
    std::vector<std::string> lines;
    bool has(std::string_view a, std::string_view b = {}) const {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.find(a) != std::string::npos && l.find(b) != std::string::npos;
        });
    }
};
void keep_line(void* ctx, int, const char* msg) { static_cast<Log*>(ctx)->lines.emplace_back(msg); }

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/ss-integrity-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
        data = path + "/data";
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
    std::string data;
};

SsInitCfg base_cfg(const char* root) {
    SsInitCfg c = ss::default_config(SS_TARGET_LINUX);
    c.ram_sector_bytes = unit_bytes;
    c.disk_sector_bytes = chunk_bytes;
    c.max_sensors = 1;
    c.ram_pool_bytes = 32 * unit_bytes;
    // Spilling starts at four sectors in use; after that the sensor is disk-first.
    c.ram_high_watermark_pct = 10;
    c.ram_low_watermark_pct = 5;
    c.force_seal_interval_ms = 0;
    c.disk_sync_all_min_files = 0;
    c.disk_root = root;
    return c;
}

/// An engine with a disk tier over `fs` and TS sensor host/1, as a process holds them.
struct Session : ss::test::DiskEngineSession {
    ss::SensorStore* store = nullptr;
    std::uint64_t now = 0;

    Session(const SsInitCfg& c, ss::hal::FileSystem& fs, Log& log) : DiskEngineSession(logging_to(c, log), fs) {
        store = register_ts(1);
    }
    // The process ends without a shutdown: what the ticks made durable is left (~DiskEngineSession).

    static SsInitCfg logging_to(SsInitCfg c, Log& log) {
        c.log = keep_line;
        c.log_ctx = &log;
        return c;
    }

    ss::ColdTier* cold() { return tier.get(); }
    void add(std::uint64_t from, std::uint64_t n) {
        for (std::uint64_t q = from; q < from + n; ++q) {
            const std::uint32_t v = value_of(q);
            REQUIRE(store->add(engine.context(), &v).has_value());
        }
    }
    void tick(std::uint64_t step_ms = 100) { engine.tick(now += step_ms); }
    /// Adds n records from sequence number `from` on, ticking after every eight units' worth, as
    /// a runtime ticks while writers add (the RAM pool holds 32).
    void feed(std::uint64_t from, std::uint64_t n) {
        for (std::uint64_t done = 0; done < n;) {
            const std::uint64_t k = std::min<std::uint64_t>(n - done, 8 * per_unit);
            add(from + done, k);
            done += k;
            tick();
        }
    }
    /// Ticks until every sealed sector is on disk (the first tick spills to the low watermark,
    /// then the sensor is disk-first).
    void spill_all() {
        for (int i = 0; i < 3; ++i) tick();
    }
    SsSensorStats stats() const {
        SsSensorStats st{};
        engine.stats(*store, st);
        return st;
    }
    SsSystemStats system() const {
        SsSystemStats st{};
        engine.system_stats(st);
        return st;
    }
    /// Consumes everything unsent: (first_seq, count) of each run of consecutive records; every
    /// value is checked against its sequence number.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> drain() {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
        std::vector<std::uint32_t> buf(1000);
        for (int k = 0; k < 1000; ++k) {
            auto b = engine.consume(*store, buf.data(), 1000);
            if (!b) {
                REQUIRE(b.error() == ss::Errc::try_again);
                break;
            }
            for (std::uint32_t j = 0; j < b->count; ++j) REQUIRE(buf[j] == value_of(b->first_seq + j));
            if (!runs.empty() && runs.back().first + runs.back().second == b->first_seq) runs.back().second += b->count;
            else runs.emplace_back(b->first_seq, b->count);
        }
        return runs;
    }
    /// One whole scrub pass, max units a call; returns the calls it took.
    std::uint32_t scrub_pass(std::uint32_t max, SsScrubReport& rep) {
        ScrubCursor at;
        std::uint32_t calls = 0;
        while (!at.finished && calls < 1000) {
            const std::uint32_t n = ss::hal::scrub_disk_units(cold(), 0, at, max, rep);
            REQUIRE(n <= max);
            ++calls;
        }
        return calls;
    }
};

using ss::test::flip_byte;

} // namespace

TEST_CASE("a unit gone bad in its file is found by the scrub, counted as lost, logged, and never served") {
    TempDir dir;
    Log log;
    const SsInitCfg cfg = base_cfg(dir.data.c_str());
    {
        Session s(cfg, ss::hal::posix_file_system(), log);
        s.add(0, 10 * per_unit + 5); // ten sealed units, five records in the open sector
        s.spill_all();
        REQUIRE(s.stats().disk_records == 10 * per_unit);
        // A payload byte of the fourth unit (records 168..223) goes bad on the medium.
        flip_byte(dir.data + "/" + dat_path, 3 * unit_bytes + 16 + 40);
        SsScrubReport rep{};
        // Three units a call: a pass over ten takes four calls.
        CHECK(s.scrub_pass(3, rep) == 4);
        CHECK(rep.sectors_checked == 10);
        CHECK(rep.corrupt_sectors == 1);
        CHECK(rep.records_dropped == per_unit);
        CHECK(rep.sensors == 1);
        const SsSensorStats st = s.stats();
        CHECK(st.lost_units == 1);
        CHECK(st.lost_records == per_unit);
        CHECK(st.dropped_corrupt == per_unit);
        CHECK(st.disk_records == 9 * per_unit);
        CHECK((s.system().health_flags & SS_HEALTH_CORRUPTION) != 0);
        CHECK(log.has("scrub: the unit at offset 768 failed its check", "records 168..223 lost"));
        // A second pass finds nothing more.
        SsScrubReport again{};
        s.scrub_pass(100, again);
        CHECK(again.sectors_checked == 9);
        CHECK(again.corrupt_sectors == 0);
        // Records before the loss are acknowledged: it is not history until the boundary passes it.
        std::vector<std::uint32_t> buf(100);
        REQUIRE(s.engine.consume(*s.store, buf.data(), 100));
        s.engine.erase_all_pending(*s.store);
        CHECK(s.stats().lost_units == 1);
        // The meta records the loss (an acknowledgement-only meta waits out its interval).
        s.tick(1000);
    }
    // A restart meets the bad unit in the file again: the loss is not counted twice, and the
    // records around it are served in order.
    log.lines.clear();
    Session s(cfg, ss::hal::posix_file_system(), log);
    CHECK(s.stats().lost_units == 1);
    CHECK(s.stats().lost_records == per_unit);
    const auto runs = s.drain();
    REQUIRE(runs.size() >= 2);
    CHECK(runs[0] == std::make_pair(std::uint64_t{100}, std::uint64_t{3 * per_unit - 100}));
    CHECK(runs[1].first == 4 * per_unit);
    // Acknowledged past it: history.
    s.engine.erase_all_pending(*s.store);
    CHECK(s.stats().lost_units == 0);
}

TEST_CASE("the scrub leaves pending units to their acknowledgement, and checks the unsent part of the unit being read") {
    TempDir dir;
    Log log;
    Session s(base_cfg(dir.data.c_str()), ss::hal::posix_file_system(), log);
    s.add(0, 5 * per_unit + 1);
    s.spill_all();
    REQUIRE(s.stats().disk_records == 5 * per_unit);
    std::vector<std::uint32_t> buf(per_unit + 10);
    auto b = s.engine.consume(*s.store, buf.data(), per_unit + 10); // unit 0 and 10 records of unit 1
    REQUIRE(b);
    REQUIRE(b->count == per_unit + 10);
    flip_byte(dir.data + "/" + dat_path, 0 * unit_bytes + 16 + 4); // unit 0: pending
    flip_byte(dir.data + "/" + dat_path, 1 * unit_bytes + 16 + 4); // unit 1: partly pending
    SsScrubReport rep{};
    s.scrub_pass(2, rep);
    CHECK(rep.sectors_checked == 4); // units 1..4
    CHECK(rep.corrupt_sectors == 1);
    CHECK(rep.records_dropped == per_unit - 10); // only its unsent records count as lost
    const SsSensorStats st = s.stats();
    CHECK(st.lost_units == 1);
    CHECK(st.lost_records == per_unit - 10);
    CHECK(st.pending == per_unit); // unit 0's stay; unit 1's ten went with it
    CHECK(st.pending + st.unsent == st.retained);
    CHECK(log.has("scrub: the unit at offset 256", "records 66..111 lost"));
}

TEST_CASE("a scrub read that fails drops nothing, and the next pass checks the unit") {
    FaultFileSystem fs;
    Log log;
    Session s(base_cfg("/data"), fs, log);
    s.add(0, 4 * per_unit + 1);
    s.spill_all();
    REQUIRE(s.stats().disk_records == 4 * per_unit);
    fs.fail_kinds_from(fs.calls(), ss::test::call_bit(ss::test::FsCall::read), -EIO);
    SsScrubReport rep{};
    ScrubCursor at;
    CHECK(ss::hal::scrub_disk_units(s.cold(), 0, at, 10, rep) == 4); // taken up, not checked
    CHECK(at.finished);
    CHECK(rep.sectors_checked == 0);
    CHECK(rep.corrupt_sectors == 0);
    CHECK(s.stats().disk_records == 4 * per_unit);
    CHECK(s.stats().lost_units == 0);
    CHECK(log.has("reading a unit for the scrub failed"));
    fs.clear_faults();
    SsScrubReport next{};
    s.scrub_pass(10, next);
    CHECK(next.sectors_checked == 4);
    CHECK(next.corrupt_sectors == 0);
}

TEST_CASE("a unit still in RAM that goes bad is found by the scrub, and the units around it land at their own offsets") {
    FaultFileSystem fs;
    Log log;
    Session s(base_cfg("/data"), fs, log);
    // The syncs fail: the units wait in RAM, written and rewritten but never durable.
    fs.fail_kinds_from(fs.calls(), ss::test::call_bit(ss::test::FsCall::sync), -EIO);
    s.add(0, 4 * per_unit + 1);
    s.spill_all();
    REQUIRE(s.stats().disk_records == 4 * per_unit);
    // Unit 1 (records 56..111) goes bad in the pool.
    ss::SectorPool& pool = *s.engine.context().pool;
    std::byte* unit1 = nullptr;
    for (ss::SectorIndex i = 0; i < pool.capacity(); ++i) {
        const std::byte* d = pool.data(i);
        if (static_cast<std::uint8_t>(d[0]) == ss::sector::magic && ss::sector::first_seq(d) == per_unit &&
            ss::sector::count(d) == per_unit)
            unit1 = pool.data(i);
    }
    REQUIRE(unit1 != nullptr);
    unit1[ss::sector::header_bytes + 12] ^= std::byte{0x08};
    SsScrubReport rep{};
    s.scrub_pass(10, rep);
    CHECK(rep.sectors_checked == 4);
    CHECK(rep.corrupt_sectors == 1);
    CHECK(s.stats().lost_units == 1);
    CHECK(log.has("scrub: the unit at offset 256 (in RAM, not yet written) failed its check", "records 56..111 lost"));
    // The disk heals: units 0, 2 and 3 are written, each at its own offset, and read back from
    // the file in order around the gap.
    fs.clear_faults();
    s.tick();
    s.tick();
    const auto runs = s.drain();
    REQUIRE(runs.size() >= 2);
    CHECK(runs[0] == std::make_pair(std::uint64_t{0}, std::uint64_t{per_unit}));
    CHECK(runs[1] == std::make_pair(std::uint64_t{2 * per_unit}, std::uint64_t{2 * per_unit + 1}));
    CHECK(s.stats().dropped_corrupt == per_unit); // the scrub's unit, and none read back wrong
}

TEST_CASE("at the after-write level a write that lands wrong is caught by the read-back, counted, flagged and written again") {
    for (std::uint32_t sync_all_min : {0u, 1u}) {
        INFO("sync_all from " << sync_all_min << " files (0: one fdatasync per file)");
        FaultFileSystem fs;
        Log log;
        SsInitCfg cfg = base_cfg("/data");
        cfg.disk_sync_all_min_files = sync_all_min;
        {
            Session s(cfg, fs, log);
            REQUIRE(s.engine.set_verify_level(*s.store, VerifyLevel::after_write));
            s.add(0, 4 * per_unit + 1);
            // The next write to the data file lands with a payload byte of its first unit flipped.
            fs.flip_writes(dat_path, 1, 16 + 20);
            s.tick();
            REQUIRE(fs.flipped() == 1);
            SsSensorStats st = s.stats();
            CHECK(st.write_verify_failures == 1);
            CHECK((s.system().health_flags & SS_HEALTH_DISK_ERROR) != 0);
            CHECK(s.system().write_verify_failures == 1);
            CHECK(log.has("verifying a unit written (its read-back differed) failed"));
            // The next tick writes the units again from RAM; they read back right, and the flag,
            // which tells how the disk is now, clears.
            fs.record(true);
            s.tick();
            const auto& calls = fs.recorded();
            CHECK(std::any_of(calls.begin(), calls.end(), [](const ss::test::FsCallInfo& c) {
                return c.kind == ss::test::FsCall::write && c.target == dat_path && c.bytes == 4 * unit_bytes;
            }));
            fs.record(false);
            s.tick();
            st = s.stats();
            CHECK(st.write_verify_failures == 1);
            CHECK((s.system().health_flags & SS_HEALTH_DISK_ERROR) == 0);
            CHECK(st.disk_records == 4 * per_unit);
        }
        // A power cut keeps only what was synced: every record written is there, none lost.
        fs.crash();
        Session again(cfg, fs, log);
        CHECK(again.stats().lost_units == 0);
        const auto runs = again.drain();
        REQUIRE_FALSE(runs.empty());
        CHECK(runs[0] == std::make_pair(std::uint64_t{0}, std::uint64_t{4 * per_unit}));
    }
}

TEST_CASE("at the standard level the same bad write goes unnoticed until recovery finds the unit lost") {
    FaultFileSystem fs;
    Log log;
    const SsInitCfg cfg = base_cfg("/data");
    {
        Session s(cfg, fs, log);
        REQUIRE(s.store->verify_level() == VerifyLevel::first_read);
        s.add(0, 4 * per_unit + 1);
        fs.flip_writes(dat_path, 1, 16 + 20);
        s.tick();
        s.tick();
        REQUIRE(fs.flipped() == 1);
        CHECK(s.stats().write_verify_failures == 0);
        CHECK((s.system().health_flags & SS_HEALTH_DISK_ERROR) == 0);
        CHECK(s.stats().disk_records == 4 * per_unit);
    }
    fs.crash();
    Session again(cfg, fs, log);
    CHECK(again.stats().lost_units == 1);
    CHECK(again.stats().lost_records == per_unit);
}

TEST_CASE("a read-back that keeps differing keeps the units in RAM and the flag raised; nothing is lost") {
    FaultFileSystem fs;
    Log log;
    Session s(base_cfg("/data"), fs, log);
    REQUIRE(s.engine.set_verify_level(*s.store, VerifyLevel::after_write));
    s.add(0, 3 * per_unit + 1);
    fs.flip_writes(dat_path, 1000, 16 + 20);
    for (int i = 0; i < 5; ++i) s.tick();
    CHECK(s.stats().write_verify_failures == 5);
    CHECK((s.system().health_flags & SS_HEALTH_DISK_ERROR) != 0);
    CHECK(s.stats().retained == 3 * per_unit + 1);
    // The first failure and every hundredth are logged, not each tick's.
    CHECK(std::count_if(log.lines.begin(), log.lines.end(),
                        [](const std::string& l) { return l.find("read-back differed") != std::string::npos; }) == 1);
    fs.clear_faults();
    s.tick();
    CHECK((s.system().health_flags & SS_HEALTH_DISK_ERROR) == 0);
    const auto runs = s.drain();
    REQUIRE_FALSE(runs.empty());
    CHECK(runs[0] == std::make_pair(std::uint64_t{0}, std::uint64_t{3 * per_unit + 1}));
}

TEST_CASE("a sensor taken off the after-write level while its read-back differs: its next good write clears the flag") {
    FaultFileSystem fs;
    Log log;
    Session s(base_cfg("/data"), fs, log);
    REQUIRE(s.engine.set_verify_level(*s.store, VerifyLevel::after_write));
    s.add(0, 2 * per_unit + 1);
    fs.flip_writes(dat_path, 1, 16 + 20);
    s.tick();
    REQUIRE(s.stats().write_verify_failures == 1);
    REQUIRE((s.system().health_flags & SS_HEALTH_DISK_ERROR) != 0);
    REQUIRE(s.engine.set_verify_level(*s.store, VerifyLevel::first_read));
    s.tick(); // written again, not read back
    CHECK((s.system().health_flags & SS_HEALTH_DISK_ERROR) == 0);
}

TEST_CASE("the space limit lowers the quota in force, which drops the oldest unsent data, never pending; lifting it restores the quota") {
    TempDir dir;
    Log log;
    SsInitCfg cfg = base_cfg(dir.data.c_str());
    cfg.disk_quota_bytes = 16 * chunk_bytes;
    Session s(cfg, ss::hal::posix_file_system(), log);
    ss::hal::DiskSpace sp = ss::hal::disk_space(s.cold());
    CHECK(sp.configured_bytes == 16 * chunk_bytes);
    CHECK(sp.quota_bytes == 16 * chunk_bytes);
    CHECK(sp.space_limit_bytes == ss::hal::no_space_limit);
    // A limit above the configured quota changes nothing; one below it is in force, in whole
    // chunks.
    ss::hal::set_disk_space_limit(s.cold(), 20 * chunk_bytes);
    CHECK(ss::hal::disk_space(s.cold()).quota_bytes == 16 * chunk_bytes);
    ss::hal::set_disk_space_limit(s.cold(), 3 * chunk_bytes + 100);
    sp = ss::hal::disk_space(s.cold());
    CHECK(sp.quota_bytes == 3 * chunk_bytes);
    CHECK(sp.space_limit_bytes == 3 * chunk_bytes);
    CHECK(s.system().disk_quota_bytes == 3 * chunk_bytes);
    // Two chunks' worth on disk, and the uploader holds the first 20 records as pending.
    constexpr std::uint64_t per_chunk = 16 * per_unit;
    s.feed(0, 2 * per_chunk + 1);
    s.spill_all();
    REQUIRE(s.stats().disk_records == 2 * per_chunk);
    std::vector<std::uint32_t> buf(20);
    auto b = s.engine.consume(*s.store, buf.data(), 20);
    REQUIRE(b);
    REQUIRE(b->count == 20);
    // Three more chunks' worth: the quota in force holds three chunks, so older unsent chunks
    // go, oldest first, and the one holding pending records stays.
    s.feed(2 * per_chunk + 1, 3 * per_chunk);
    s.spill_all();
    sp = ss::hal::disk_space(s.cold());
    CHECK(sp.used_bytes <= 3 * chunk_bytes);
    const SsSensorStats st = s.stats();
    CHECK(st.pending == 20);
    CHECK(st.dropped_quota == 2 * per_chunk); // chunks 1 and 2, whole
    CHECK(st.head_seq == 0);                  // chunk 0 (pending) kept
    CHECK(log.has("disk quota reached"));
    s.engine.erase_all_pending(*s.store);
    const auto runs = s.drain();
    REQUIRE(runs.size() >= 2);
    CHECK(runs[0] == std::make_pair(std::uint64_t{20}, per_chunk - 20)); // the rest of chunk 0
    CHECK(runs[1].first == 3 * per_chunk);                               // then past the gap
    // Lifted: the configured quota is in force again and the disk may hold more.
    ss::hal::set_disk_space_limit(s.cold(), ss::hal::no_space_limit);
    sp = ss::hal::disk_space(s.cold());
    CHECK(sp.quota_bytes == 16 * chunk_bytes);
    CHECK(sp.space_limit_bytes == ss::hal::no_space_limit);
    const std::uint64_t dropped = s.stats().dropped_quota;
    s.feed(5 * per_chunk + 1, 4 * per_chunk);
    s.spill_all();
    CHECK(s.stats().dropped_quota == dropped);
    CHECK(ss::hal::disk_space(s.cold()).used_bytes > 3 * chunk_bytes);
}

// Whether RAM overflows before a stalled tick catches up depends on this machine's syncs, so
// drops are counted, not forbidden: every record is delivered once, in order, or counted.
TEST_CASE("a scrub running on its own thread, against a writer, a busy manager and an uploader, finds nothing and costs nothing") {
    TempDir dir;
    Log log;
    SsInitCfg cfg = base_cfg(dir.data.c_str());
    cfg.ram_pool_bytes = 64 * unit_bytes;
    cfg.force_seal_interval_ms = 5;
    Session s(cfg, ss::hal::posix_file_system(), log);
    // Read-back too: the manager reads what it wrote while the scrub reads the same file.
    REQUIRE(s.engine.set_verify_level(*s.store, VerifyLevel::after_write));
    constexpr std::uint64_t total = 200 * per_unit;
    std::atomic<bool> writing{true}, running{true};
    std::atomic<std::uint64_t> disk_checked{0}, ram_checked{0}, corrupt{0};
    std::thread manager([&] {
        std::uint64_t now = 0;
        while (running.load()) {
            s.engine.tick(now += 5);
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    });
    std::thread scrubber([&] {
        while (running.load()) {
            SsScrubReport disk_rep{}, ram_rep{};
            ScrubCursor disk, ram;
            while (!disk.finished) ss::hal::scrub_disk_units(s.cold(), 0, disk, 3, disk_rep);
            while (!ram.finished) s.engine.scrub_sensor(*s.store, ram, 3, ram_rep);
            disk_checked += disk_rep.sectors_checked;
            ram_checked += ram_rep.sectors_checked;
            corrupt += disk_rep.corrupt_sectors + ram_rep.corrupt_sectors;
        }
    });
    // The uploader lags behind the writer, so a backlog builds up on disk for the scrub to read.
    std::atomic<bool> order_ok{true};
    std::uint64_t next_expected = 0;
    std::uint64_t delivered = 0;
    std::thread uploader([&] {
        std::vector<std::uint32_t> buf(120);
        // After the writer stops: until nothing has come for a while (the force-seal interval
        // brings the open sector's records within a few ticks).
        for (int idle = 0; writing.load() || (next_expected < total && idle < 1000);) {
            std::this_thread::sleep_for(std::chrono::microseconds(300));
            auto b = s.engine.consume(*s.store, buf.data(), 120);
            if (!b) {
                idle += writing.load() ? 0 : 1;
                continue;
            }
            idle = 0;
            for (std::uint32_t j = 0; j < b->count; ++j)
                if (buf[j] != value_of(b->first_seq + j)) order_ok = false;
            if (b->first_seq < next_expected) order_ok = false; // a gap is a counted drop; a repeat is a bug
            next_expected = b->first_seq + b->count;
            delivered += b->count;
            s.engine.erase_all_pending(*s.store);
        }
    });
    for (std::uint64_t q = 0; q < total; ++q) {
        const std::uint32_t v = value_of(q);
        (void)s.store->add(s.engine.context(), &v); // refused: counted as dropped, its number skipped
        if (q % 20 == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    // The last records wait in the open sector until the force-seal interval sends them on.
    writing = false;
    uploader.join();
    running = false;
    manager.join();
    scrubber.join();
    CHECK(order_ok.load());
    CHECK(next_expected == total);
    CHECK(corrupt.load() == 0);
    CHECK(disk_checked.load() > 0);
    const SsSensorStats st = s.stats();
    MESSAGE("units checked on disk " << disk_checked.load() << ", sectors in RAM " << ram_checked.load()
                                     << "; dropped for lack of RAM " << st.dropped_new + st.dropped_recycled);
    CHECK(delivered + st.dropped_new + st.dropped_recycled + st.dropped_quota == total);
    CHECK(st.dropped_corrupt == 0);
    CHECK(st.lost_units == 0);
    CHECK(st.write_verify_failures == 0);
}
