// The acknowledgement log (hal/posix/disk/ack_log.cpp) on the fault file system, which models
// what a power cut keeps: a crash between two meta rewrites re-sends only what was acknowledged
// since the last tick, the log costs no sync of its own when the tick's sync_all covers it and
// at most one per tick otherwise, its rewrite keeps it small, a damaged entry costs only itself,
// and an entry never outlives the sensor files it was about.
#include <doctest/doctest.h>

#include <sys/uio.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "posix/disk/disk_tier.hpp"
#include "ss/config.hpp"
#include "ss/disk_format.hpp"
#include "ss/engine.hpp"
#include "ss/sector_format.hpp"
#include "support/disk_engine_session.hpp"

using ss::RecordType;
using ss::hal::DiskTier;
using ss::test::FaultFileSystem;
using ss::test::FsCall;

namespace {

constexpr const char* root = "/ack-root";
constexpr const char* log_path = "acks.log";

SsInitCfg base_cfg(std::uint32_t sensors, bool sync_all) {
    SsInitCfg c = ss::default_config(SS_TARGET_LINUX);
    c.ram_sector_bytes = 128; // 28 TS records a unit
    c.disk_sector_bytes = 4096;
    c.max_sensors = sensors;
    c.ram_pool_bytes = 24 * 128;
    c.ram_high_watermark_pct = 50;
    c.ram_low_watermark_pct = 25;
    c.force_seal_interval_ms = 0;
    c.disk_sync_all_min_files = sync_all ? 1 : 0;
    c.disk_root = root;
    return c;
}

struct Session : ss::test::DiskEngineSession {
    std::vector<ss::SensorStore*> stores;
    Session(const SsInitCfg& c, ss::hal::FileSystem& fs, std::uint32_t sensors) : DiskEngineSession(c, fs) {
        for (std::uint32_t i = 0; i < sensors; ++i) stores.push_back(register_ts(i + 1));
    }
    void add(std::uint32_t sensor, std::uint32_t n) {
        for (std::uint32_t k = 0; k < n; ++k) {
            const std::uint32_t v = k;
            REQUIRE(stores[sensor]->add(engine.context(), &v).has_value());
        }
    }
    /// Hands out and acknowledges up to n records of the sensor; returns how many.
    std::uint32_t ack(std::uint32_t sensor, std::uint32_t n) {
        std::vector<std::uint32_t> out(n);
        auto b = engine.consume(*stores[sensor], out.data(), n);
        if (!b) return 0;
        engine.erase_all_pending(*stores[sensor]);
        return b->count;
    }
    SsSensorStats stats(std::uint32_t sensor) const {
        SsSensorStats st{};
        engine.stats(*stores[sensor], st);
        return st;
    }
};

std::size_t calls_on(const FaultFileSystem& fs, std::size_t from, FsCall kind, std::string_view target) {
    std::size_t n = 0;
    for (std::size_t i = from; i < fs.recorded().size(); ++i)
        if (fs.recorded()[i].kind == kind && fs.recorded()[i].target == target) ++n;
    return n;
}

/// Index of the first call of `kind` on `target` at or after `from`, or recorded().size().
std::size_t first_call(const FaultFileSystem& fs, std::size_t from, FsCall kind, std::string_view target) {
    for (std::size_t i = from; i < fs.recorded().size(); ++i)
        if (fs.recorded()[i].kind == kind && (target.empty() || fs.recorded()[i].target == target)) return i;
    return fs.recorded().size();
}

std::vector<std::byte> durable(const FaultFileSystem& fs, const std::string& path) {
    const auto img = fs.image(true);
    const auto it = img.find(path);
    return it == img.end() ? std::vector<std::byte>{} : it->second;
}

/// A backlog of `units` units for every sensor, most of them on disk, and the first metas
/// durable. Returns the first sequence number past what is durable on disk (the same for all).
std::uint64_t preload(Session& s, std::uint32_t sensors, std::uint32_t units, std::uint64_t& t) {
    s.engine.tick(t++);
    for (std::uint32_t u = 0; u < units; ++u) {
        for (std::uint32_t i = 0; i < sensors; ++i) s.add(i, 28);
        s.engine.tick(t++);
    }
    for (int k = 0; k < 5; ++k) s.engine.tick(t++);
    for (std::uint32_t i = 0; i < sensors; ++i) REQUIRE(s.stats(i).disk_records > 0);
    return s.stats(0).disk_records;
}

} // namespace

TEST_CASE("a crash between meta rewrites re-sends only what was acknowledged since the last tick") {
    for (const bool sync_all : {false, true}) {
        CAPTURE(sync_all);
        FaultFileSystem fs;
        fs.record(true);
        const SsInitCfg cfg = base_cfg(2, sync_all);
        std::uint64_t acked[2] = {0, 0};
        std::uint64_t last_ticked[2] = {0, 0};
        std::uint64_t durable_end = 0;
        {
            Session s(cfg, fs, 2);
            std::uint64_t t = 1;
            durable_end = preload(s, 2, 120, t);
            // Acknowledged every millisecond for 1.5 s: the metas are rewritten once in it.
            std::size_t log_syncs = 0, ticks_with_acks = 0;
            for (const std::uint64_t end = t + 1'500; t < end; ++t) {
                for (std::uint32_t i = 0; i < 2; ++i) acked[i] += s.ack(i, 1 + i);
                const std::size_t from = fs.recorded().size();
                s.engine.tick(t);
                ++ticks_with_acks;
                log_syncs += calls_on(fs, from, FsCall::sync, log_path);
                CHECK(calls_on(fs, from, FsCall::write, log_path) == 1); // one append for both sensors
                last_ticked[0] = acked[0];
                last_ticked[1] = acked[1];
            }
            // Without a data write to share a sync_all with, the log is synced on its own, once a tick.
            CHECK(log_syncs == ticks_with_acks);
            // Acknowledged after the last tick: these come back after the crash.
            acked[0] += s.ack(0, 5);
            acked[1] += s.ack(1, 5);
            REQUIRE(acked[0] > last_ticked[0]);
        }
        fs.crash();
        Session again(cfg, fs, 2);
        for (std::uint32_t i = 0; i < 2; ++i) {
            CAPTURE(i);
            CHECK(again.stats(i).head_seq == last_ticked[i]);
            CHECK(again.stats(i).retained == durable_end - last_ticked[i]);
        }
    }
}

TEST_CASE("a tick that syncs its data with sync_all makes the log durable with it, without a sync of its own") {
    FaultFileSystem fs;
    fs.record(true);
    const SsInitCfg cfg = base_cfg(1, true);
    std::uint64_t acked = 0;
    {
        Session s(cfg, fs, 1);
        std::uint64_t t = 1;
        preload(s, 1, 20, t);
        std::size_t shared = 0;
        for (int k = 0; k < 50; ++k, ++t) {
            acked += s.ack(0, 3);
            s.add(0, 28); // a unit to write this tick
            const std::size_t from = fs.recorded().size();
            s.engine.tick(t);
            const std::size_t append = first_call(fs, from, FsCall::write, log_path);
            REQUIRE(append < fs.recorded().size());
            if (first_call(fs, append, FsCall::sync_all, "") < fs.recorded().size()) {
                ++shared;
                CHECK(calls_on(fs, from, FsCall::sync, log_path) == 0);
            }
        }
        CHECK(shared > 0);
    }
    fs.crash();
    Session again(cfg, fs, 1);
    CHECK(again.stats(0).head_seq == acked);
}

TEST_CASE("the log is rewritten once appends have grown it, and keeps only boundaries ahead of the metas") {
    FaultFileSystem fs;
    const SsInitCfg cfg = base_cfg(1, false);
    std::uint64_t acked = 0;
    std::size_t longest = 0;
    {
        Session s(cfg, fs, 1);
        std::uint64_t t = 1;
        preload(s, 1, 250, t);
        // 64 KiB of 24-byte entries is ~2,730 ticks with an acknowledgement each.
        for (const std::uint64_t end = t + 6'000; t < end; ++t) {
            acked += s.ack(0, 1);
            s.engine.tick(t);
            longest = std::max(longest, fs.image(false)[log_path].size());
        }
        CHECK(longest > 60 * 1024);
        CHECK(longest <= 64 * 1024 + ss::disk::ack_entry_bytes);
        CHECK(fs.image(false)[log_path].size() < 32 * 1024); // rewritten since
        acked += s.ack(0, 1);
        s.engine.tick(t);
    }
    fs.crash();
    Session again(cfg, fs, 1);
    CHECK(again.stats(0).head_seq == acked);
    // At open it is rewritten with at most the one entry the meta is behind.
    CHECK(durable(fs, log_path).size() <= ss::disk::ack_log_header_bytes + ss::disk::ack_entry_bytes);
}

TEST_CASE("a damaged entry costs only itself; a damaged header costs the log, never a record") {
    for (const bool damage_header : {false, true}) {
        CAPTURE(damage_header);
        FaultFileSystem fs;
        const SsInitCfg cfg = base_cfg(1, false);
        std::uint64_t meta_head = 0, acked = 0, durable_end = 0;
        {
            Session s(cfg, fs, 1);
            std::uint64_t t = 1;
            durable_end = preload(s, 1, 40, t);
            meta_head = s.stats(0).head_seq;
            REQUIRE(t < 900); // the meta written at the first tick is not due again in this case
            for (int k = 0; k < 10; ++k, ++t) {
                acked += s.ack(0, 2);
                s.engine.tick(t); // 10 entries, none in a meta (the interval has not passed)
            }
        }
        fs.crash();
        // Flip a byte of the header, or of the second-to-last entry.
        {
            const int r = fs.open_root(root);
            const int fd = fs.open_file(r, log_path, false);
            REQUIRE(fd >= 0);
            const std::uint64_t size = static_cast<std::uint64_t>(fs.size(fd));
            REQUIRE(size == ss::disk::ack_log_header_bytes + 10 * ss::disk::ack_entry_bytes);
            const std::uint64_t at = damage_header ? 5 : size - 2 * ss::disk::ack_entry_bytes + 9;
            std::byte b{};
            REQUIRE(fs.read(fd, &b, 1, at) == 1);
            b ^= std::byte{0x40};
            const iovec v{&b, 1};
            REQUIRE(fs.write(fd, &v, 1, at) == 1);
            REQUIRE(fs.sync(fd) == 0);
            fs.close(fd);
            fs.close(r);
        }
        Session again(cfg, fs, 1);
        // The last entry still counts; without the header nothing of the log does, and the
        // meta's boundary holds: records come back, none is lost.
        CHECK(again.stats(0).head_seq == (damage_header ? meta_head : acked));
        CHECK(again.stats(0).retained == durable_end - again.stats(0).head_seq);
    }
}

TEST_CASE("an entry never outlives its sensor's files: a sensor deleted and started again keeps its new records") {
    FaultFileSystem fs;
    const SsInitCfg cfg = base_cfg(1, false);
    {
        Session s(cfg, fs, 1);
        std::uint64_t t = 1;
        preload(s, 1, 40, t);
        for (int k = 0; k < 10; ++k, ++t) {
            s.ack(0, 100);
            s.engine.tick(t);
        }
        REQUIRE(s.stats(0).head_seq == 1'000);
    }
    fs.crash();
    // The operator removes the sensor's files (the log still has its boundary past 500).
    {
        const int r = fs.open_root(root);
        const int host = fs.open_dir(r, "host", false);
        REQUIRE(host >= 0);
        REQUIRE(fs.unlink(host, "sensor_0000000001.dat") == 0);
        REQUIRE(fs.unlink(host, "sensor_0000000001.meta") == 0);
        REQUIRE(fs.sync(host) == 0);
        fs.close(host);
        fs.close(r);
    }
    std::uint64_t on_disk = 0;
    {
        Session s(cfg, fs, 1);
        CHECK(s.stats(0).next_seq == 0);
        std::uint64_t t = 1;
        on_disk = preload(s, 1, 30, t); // 840 records from seq 0: all below the old boundary
        REQUIRE(on_disk > 0);
    }
    fs.crash();
    Session again(cfg, fs, 1);
    CHECK(again.stats(0).head_seq == 0);
    CHECK(again.stats(0).retained == on_disk);
}
