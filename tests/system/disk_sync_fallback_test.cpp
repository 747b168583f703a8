// The disk tier where syncfs is not to be had: a kernel without it (-ENOSYS; Linux before 5.8
// counts as one, its syncfs cannot report write-back errors) or a file system that refuses it
// (-EINVAL). The tier is configured to sync a tick's files with one sync_all; the fault file
// system refuses every sync_all (FaultFileSystem::refuse_sync_all), which then does nothing at all.
// What must hold:
//   - the refusal is found at the first sync_all and never tried again in the run, logged once;
//   - the files of the tick that found it are synced one by one in that same tick (data and
//     metas alike), and every later tick takes the per-file path at once;
//   - nothing is reported as a failure, and every record is exactly as durable as with syncfs: a
//     power cut after any tick leaves on the medium what that tick wrote, and a restart reads
//     every record back.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/sector_format.hpp"
#include "support/disk_engine_session.hpp"

using ss::RecordType;
using ss::test::FaultFileSystem;
using ss::test::FsCall;

namespace {

constexpr std::uint32_t sensors = 6;
constexpr std::uint32_t sector_bytes = 128; // 28 TS records a sector
constexpr std::uint32_t records_per_sector = (sector_bytes - 16) / 4;

struct Log {
    std::vector<std::string> lines;
    std::size_t count(std::string_view needle) const {
        std::size_t n = 0;
        for (const std::string& l : lines) n += l.find(needle) != std::string::npos ? 1 : 0;
        return n;
    }
};

void keep_line(void* ctx, int, const char* msg) { static_cast<Log*>(ctx)->lines.emplace_back(msg); }

/// Six TS sensors whose ticks go through one sync_all as soon as two files are dirty; every tick
/// seals what was added before it, so each tick with data writes every sensor's data file.
SsInitCfg fallback_cfg(Log& log) {
    SsInitCfg c = ss::default_config(SS_TARGET_LINUX);
    c.ram_sector_bytes = sector_bytes;
    c.disk_sector_bytes = 4096;
    c.max_sensors = sensors;
    c.ram_pool_bytes = std::size_t{sensors} * 8 * sector_bytes;
    c.ram_high_watermark_pct = 50;
    c.ram_low_watermark_pct = 25;
    c.force_seal_interval_ms = 1;
    c.disk_sync_all_min_files = 2;
    c.disk_root = "/fallback-root";
    c.log = keep_line;
    c.log_ctx = &log;
    return c;
}

std::string dat_path(std::uint32_t id) {
    std::string digits = std::to_string(id);
    return "host/sensor_" + std::string(10 - digits.size(), '0') + digits + ".dat";
}

std::string meta_path(std::uint32_t id) {
    std::string p = dat_path(id);
    return p.replace(p.size() - 4, 4, ".meta");
}

/// An engine with a disk tier over the fault file system and sensors 1..6, as a process holds them.
struct Session : ss::test::DiskEngineSession {
    std::vector<ss::SensorStore*> stores;

    Session(const SsInitCfg& c, FaultFileSystem& fs) : DiskEngineSession(c, fs) {
        for (std::uint32_t id = 1; id <= sensors; ++id) stores.push_back(register_ts(id));
    }
    // The process ends without a shutdown (~DiskEngineSession): only what the ticks made durable is left.

    /// Sensor k (0-based) gets n records whose values are value_of(k, first), value_of(k, first + 1), ...
    void add(std::uint32_t n, std::uint32_t first) {
        for (std::uint32_t k = 0; k < sensors; ++k)
            for (std::uint32_t i = 0; i < n; ++i) {
                const std::uint32_t v = value_of(k, first + i);
                REQUIRE(stores[k]->add(engine.context(), &v).has_value());
            }
    }
    static std::uint32_t value_of(std::uint32_t sensor, std::uint32_t i) { return sensor * 1'000'000 + i; }

    SsSensorStats stats(std::uint32_t k) const {
        SsSensorStats st{};
        engine.stats(*stores[k], st);
        return st;
    }
    SsSystemStats system() const {
        SsSystemStats st{};
        engine.system_stats(st);
        return st;
    }
    /// Every record sensor k serves, in order.
    std::vector<std::uint32_t> drain(std::uint32_t k) {
        std::vector<std::uint32_t> all;
        std::vector<std::uint32_t> batch(256);
        for (int guard = 0; guard < 1000; ++guard) {
            auto b = engine.consume(*stores[k], batch.data(), static_cast<std::uint32_t>(batch.size()));
            if (!b || b->count == 0) break;
            all.insert(all.end(), batch.begin(), batch.begin() + b->count);
        }
        return all;
    }
};

/// What one tick did, from the fault file system's record.
struct TickCalls {
    std::size_t sync_all = 0;              ///< sync_all calls (each one refused)
    std::set<std::string> data_written;    ///< data files written to
    std::set<std::string> data_synced;     ///< data files synced on their own
    std::set<std::string> metas_replaced;  ///< metas renamed into place
    std::set<std::string> temps_synced;    ///< temporary metas synced on their own
};

TickCalls calls_since(const FaultFileSystem& fs, std::size_t from) {
    TickCalls t;
    const auto& rec = fs.recorded();
    for (std::size_t i = from; i < rec.size(); ++i) {
        const std::string& p = rec[i].target;
        const bool dat = p.ends_with(".dat");
        switch (rec[i].kind) {
        case FsCall::sync_all: ++t.sync_all; break;
        case FsCall::write:
            if (dat) t.data_written.insert(p);
            break;
        case FsCall::sync:
            if (dat) t.data_synced.insert(p);
            else if (p.ends_with(".meta.tmp")) t.temps_synced.insert(p);
            break;
        case FsCall::rename: t.metas_replaced.insert(p); break;
        default: break;
        }
    }
    return t;
}

/// Whether a power cut now would keep every data file exactly as reads see it.
void require_data_durable(const FaultFileSystem& fs) {
    const auto now = fs.image(false);
    const auto durable = fs.image(true);
    for (std::uint32_t id = 1; id <= sensors; ++id) {
        const auto cur = now.find(dat_path(id));
        if (cur == now.end()) continue;
        const auto dur = durable.find(dat_path(id));
        REQUIRE_MESSAGE(dur != durable.end(), dat_path(id) << " is not durable at all");
        CHECK_MESSAGE(dur->second == cur->second, dat_path(id) << ": " << dur->second.size() << " of "
                                                               << cur->second.size() << " bytes durable");
    }
}

/// Which pass of a tick meets the refusal first.
enum class FirstRefusedBy { data_pass, meta_pass };

/// A run of ticks on a machine whose every sync_all fails with err (and does nothing), then a
/// power cut and a restart that must read every record back.
void run_without_syncfs(int err, FirstRefusedBy first) {
    FaultFileSystem fs;
    fs.record(true);
    fs.refuse_sync_all(err);
    Log log;
    const SsInitCfg cfg = fallback_cfg(log);
    constexpr std::uint32_t ticks_with_data = 30;
    std::uint32_t added = 0; // records per sensor
    std::uint64_t now = 1'000;
    std::size_t per_file_ticks = 0; // later ticks that wrote data and synced it file by file
    {
        Session s(cfg, fs);
        // The first tick only starts the force-seal interval: records added before it make the
        // metas due (their sequence reservation) while no data file is written yet.
        if (first == FirstRefusedBy::meta_pass) {
            s.add(3, added);
            added += 3;
        }
        std::size_t from = fs.recorded().size();
        s.engine.tick(now);
        if (first == FirstRefusedBy::meta_pass) {
            const TickCalls t = calls_since(fs, from);
            REQUIRE(fs.refused_sync_alls() == 1);
            CHECK(t.data_written.empty());
            CHECK(t.metas_replaced.size() == sensors);
            // Refused, then every meta written again and synced on its own in the same tick.
            CHECK(t.temps_synced == t.metas_replaced);
            const auto durable = fs.image(true);
            for (std::uint32_t id = 1; id <= sensors; ++id) CHECK_MESSAGE(durable.contains(meta_path(id)), meta_path(id));
        } else {
            REQUIRE(fs.refused_sync_alls() == 0); // nothing to sync yet
        }

        for (std::uint32_t k = 0; k < ticks_with_data; ++k) {
            // Some ticks fill whole sectors, some leave a partial one for the force seal.
            const std::uint32_t n = k % 3 == 0 ? 2 * records_per_sector : 5 + k;
            s.add(n, added);
            added += n;
            now += 100;
            from = fs.recorded().size();
            const std::uint64_t refused_before = fs.refused_sync_alls();
            s.engine.tick(now);
            const TickCalls t = calls_since(fs, from);
            INFO("tick ", k, " at ", now, " ms");
            REQUIRE(t.data_written.size() == sensors);
            // Every file written was synced on its own in this tick; so was every meta replaced.
            CHECK(t.data_synced == t.data_written);
            for (const std::string& tmp : t.metas_replaced) CHECK_MESSAGE(t.temps_synced.contains(tmp), tmp);
            if (refused_before == 0) {
                // The data pass met the refusal: its one sync_all, then the same files one by one.
                CHECK(first == FirstRefusedBy::data_pass);
                CHECK(t.sync_all == 1);
            } else {
                CHECK(t.sync_all == 0); // never tried again in this run
                ++per_file_ticks;
            }
            CHECK(fs.refused_sync_alls() == 1);
            require_data_durable(fs);
        }
        CHECK(per_file_ticks == (first == FirstRefusedBy::data_pass ? ticks_with_data - 1 : ticks_with_data));
        // Nothing went wrong as far as the tier or its stats are concerned.
        const SsSystemStats sys = s.system();
        CHECK((sys.health_flags & SS_HEALTH_DISK_ERROR) == 0);
        CHECK(log.count("failed") == 0);
        for (std::uint32_t k = 0; k < sensors; ++k) CHECK(s.stats(k).disk_records == added);
    }
    CHECK(log.count("one sync per file from now on") == 1);

    // A power cut right after the last tick: what the ticks made durable is all there is.
    fs.crash();
    Session again(cfg, fs);
    again.engine.tick(now + 1);
    for (std::uint32_t k = 0; k < sensors; ++k) {
        INFO("sensor ", k + 1);
        const std::vector<std::uint32_t> got = again.drain(k);
        REQUIRE(got.size() == added);
        for (std::uint32_t i = 0; i < added; ++i)
            if (got[i] != Session::value_of(k, i)) FAIL("record " << i << " is " << got[i] << ", expected " << Session::value_of(k, i));
    }
}

} // namespace

TEST_CASE("a kernel without syncfs (ENOSYS): one sync per file from the first refusal on, nothing lost") {
    SUBCASE("found by the data pass") { run_without_syncfs(-ENOSYS, FirstRefusedBy::data_pass); }
    SUBCASE("found by the meta pass") { run_without_syncfs(-ENOSYS, FirstRefusedBy::meta_pass); }
}

TEST_CASE("a file system that refuses syncfs (EINVAL): one sync per file from the first refusal on, nothing lost") {
    SUBCASE("found by the data pass") { run_without_syncfs(-EINVAL, FirstRefusedBy::data_pass); }
    SUBCASE("found by the meta pass") { run_without_syncfs(-EINVAL, FirstRefusedBy::meta_pass); }
}
