// The quota stage under CAF's test coordinator, over a real data directory whose free space a
// scripted probe reports (a file system of a given size, shared with "other" writers the test
// adds and removes; what the disk tier itself holds counts as used): the stage checks every
// period, lowers the quota in force to what fits above the reserve and restores the configured
// one when space comes back, the disk tier honours the lowered quota (dropping the oldest
// unsent data, never pending), and each sensor whose drops rose gets one log line.
#include "caf_doctest_dsl.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ss/actors/quota.hpp"
#include "ss/actors/storage_flush.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/hal/disk_tier.hpp"

using namespace std::chrono_literals;
using ss::actors::QuotaSettings;
using ss::actors::QuotaStats;

namespace {

constexpr std::uint32_t unit_bytes = 256; // 56 TS records a unit
constexpr std::uint32_t per_unit = 56;
constexpr std::uint64_t chunk = 4096;    // 16 units
constexpr std::uint64_t per_chunk = 16 * per_unit;
constexpr std::uint64_t kib = 1024;

void silent(void*, int, const char*) {}

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/ss-quota-stage-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
        data = path + "/data";
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
    std::string data;
};

/// A file system of `total` bytes that others fill by `other` bytes; the tier's own use counts.
struct Volume {
    std::uint64_t total = 1024 * kib;
    std::uint64_t other = 0;
    int error = 0;
    ss::ColdTier* tier = nullptr;
    std::uint32_t reads = 0;

    ss::actors::FreeSpaceProbe probe() {
        return [this](const std::string&, ss::hal::FsSpace& out) {
            ++reads;
            if (error != 0) return error;
            const std::uint64_t used = other + ss::hal::disk_space(tier).used_bytes;
            out.total_bytes = total;
            out.free_bytes = total > used ? total - used : 0;
            return 0;
        };
    }
    /// Makes the free space `free` now.
    void leave_free(std::uint64_t free) { other = total - free - ss::hal::disk_space(tier).used_bytes; }
};

struct Lines {
    std::vector<std::string> lines;
    ss::actors::StageLog sink() {
        return [this](int, const std::string& l) { lines.push_back(l); };
    }
    std::size_t count(const std::string& text) const {
        return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(),
                                                      [&](const std::string& l) { return l.find(text) != std::string::npos; }));
    }
};

struct fixture : test_coordinator_fixture<> {
    TempDir dir;
    SsInitCfg cfg{};
    std::unique_ptr<ss::actors::StorageHost> host;
    ss::SensorStore* a = nullptr; // app:7
    ss::SensorStore* b = nullptr; // app:8
    Volume volume;
    Lines log;
    ss::actors::StageBoard board;
    ss::actors::storage_flush_actor flush;
    ss::actors::quota_actor stage;

    fixture() {
        ss_config_defaults(&cfg, SS_TARGET_LINUX);
        cfg.max_sensors = 2;
        cfg.ram_sector_bytes = unit_bytes;
        cfg.ram_pool_bytes = 32 * unit_bytes;
        cfg.disk_sector_bytes = chunk;
        cfg.disk_quota_bytes = 32 * chunk;
        cfg.ram_high_watermark_pct = 10; // spilling starts at four sectors in use
        cfg.ram_low_watermark_pct = 5;
        cfg.force_seal_interval_ms = 0;
        cfg.disk_root = dir.data.c_str();
        cfg.log = silent;
        ss::Text why;
        auto h = ss::actors::StorageHost::open(cfg, why);
        REQUIRE_MESSAGE(h, why.c_str());
        host = std::move(*h);
        auto sa = engine().register_sensor(SS_SOURCE_APP, 7, ss::RecordType::ts, why);
        auto sb = engine().register_sensor(SS_SOURCE_APP, 8, ss::RecordType::ts, why);
        REQUIRE(sa);
        REQUIRE(sb);
        a = *sa;
        b = *sb;
        volume.tier = engine().cold_tier();
    }
    ~fixture() {
        // Tickers left running would make the fixture's teardown loop forever.
        for (caf::actor h : {caf::actor_cast<caf::actor>(flush), caf::actor_cast<caf::actor>(stage)})
            if (h) caf::anon_send_exit(h, caf::exit_reason::kill);
        sched.run();
        while (sched.advance_time(5s) != 0) sched.run();
    }
    ss::Engine& engine() { return host->engine(); }

    /// The storage-flush stage (100 ms) and the quota stage (5 s, reserve 64 KiB).
    void start(QuotaSettings set = {}) {
        set.data_root = dir.data;
        set.min_free_bytes = 64 * kib;
        if (!set.free_space) set.free_space = volume.probe();
        set.log = log.sink();
        flush = sys.spawn(ss::actors::storage_flush, &engine(), caf::timespan{100ms}, &board);
        stage = sys.spawn(ss::actors::quota, &engine(), set, &board);
        sched.run();
    }
    /// Virtual time passes in steps of the flush period.
    void run_for(caf::timespan d) {
        for (caf::timespan t{}; t < d; t += 100ms) {
            sched.advance_time(100ms);
            sched.run();
        }
    }
    QuotaStats stats() { return deref<ss::actors::quota_actor::stateful_base<ss::actors::QuotaState>>(stage).state.stats; }
    /// Until the quota stage's next check.
    void next_check() {
        const std::uint32_t before = stats().checks;
        for (int i = 0; i < 60 && stats().checks == before; ++i) run_for(100ms);
        REQUIRE(stats().checks == before + 1);
    }
    /// Adds n records to s from sequence number `from` on, eight units' worth per flush tick.
    void feed(ss::SensorStore& s, std::uint64_t from, std::uint64_t n) {
        for (std::uint64_t done = 0; done < n;) {
            const std::uint64_t k = std::min<std::uint64_t>(n - done, 8 * per_unit);
            for (std::uint64_t q = from + done; q < from + done + k; ++q) {
                const auto v = static_cast<std::uint32_t>(q);
                REQUIRE(s.add(engine().context(), &v));
            }
            done += k;
            run_for(100ms);
        }
        run_for(300ms); // what is sealed is on disk
    }
    SsSensorStats stats_of(ss::SensorStore& s) {
        SsSensorStats st{};
        engine().stats(s, st);
        return st;
    }
    ss::hal::DiskSpace space() { return ss::hal::disk_space(engine().cold_tier()); }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "the quota stage checks every period, lowers the quota to what fits above the reserve, and restores it") {
    start();
    // Checks fall every 5 s of virtual time.
    run_for(4900ms);
    CHECK(stats().checks == 0);
    run_for(100ms);
    CHECK(stats().checks == 1);
    CHECK_FALSE(stats().lowered);
    CHECK(stats().quota_bytes == 32 * chunk);
    feed(*a, 0, 2 * per_chunk + 1);
    REQUIRE(space().used_bytes == 2 * chunk);
    // Others fill the volume until 76 KiB are free: the reserve (64 KiB) leaves room for three
    // more disk sectors, so the quota in force becomes the two in use plus three.
    volume.leave_free(64 * kib + 3 * chunk);
    next_check();
    QuotaStats s = stats();
    CHECK(s.lowered);
    CHECK(s.quota_bytes == 5 * chunk);
    CHECK(s.free_bytes == 64 * kib + 3 * chunk);
    CHECK(space().quota_bytes == 5 * chunk);
    CHECK(space().configured_bytes == 32 * chunk);
    CHECK(log.count("quota: " + dir.data + " has 76 KiB free, the reserve is 64 KiB: the disk quota is lowered from 128 KiB to "
                    "20 KiB (8 KiB in use)") == 1);
    // The tier writes into what fits: its use grows, the free space shrinks by as much, and the
    // cap stays where it is; the lowering is logged once.
    feed(*a, 2 * per_chunk + 1, 2 * per_chunk);
    next_check();
    CHECK(space().used_bytes == 4 * chunk);
    CHECK(stats().quota_bytes == 5 * chunk);
    CHECK(log.count("is lowered") == 1);
    // Space comes back: the configured quota is in force again.
    volume.other = 0;
    next_check();
    s = stats();
    CHECK_FALSE(s.lowered);
    CHECK(s.quota_bytes == 32 * chunk);
    CHECK(space().space_limit_bytes == ss::hal::no_space_limit);
    CHECK(log.count("free again: the configured disk quota of 128 KiB is in force again") == 1);
    CHECK(board.quota().checks == stats().checks);
    CHECK(board.quota().quota_bytes == 32 * chunk);
}

TEST_CASE_FIXTURE(fixture, "under the lowered quota the disk tier drops the oldest unsent data, never pending, and the stage logs each sensor's drops once") {
    start();
    feed(*a, 0, 3 * per_chunk + 1);
    feed(*b, 0, 2 * per_chunk + 1);
    REQUIRE(space().used_bytes == 5 * chunk);
    // The uploader holds a's first 100 records.
    std::vector<std::uint32_t> buf(100);
    auto got = engine().consume(*a, buf.data(), 100);
    REQUIRE(got);
    REQUIRE(got->count == 100);
    // No room above the reserve: the quota in force is what is in use.
    volume.leave_free(64 * kib);
    next_check();
    REQUIRE(stats().lowered);
    REQUIRE(stats().quota_bytes == 5 * chunk);
    log.lines.clear();
    // Both go on writing: every new disk sector now costs an old unsent one.
    feed(*a, 3 * per_chunk + 1, 2 * per_chunk);
    feed(*b, 2 * per_chunk + 1, 2 * per_chunk);
    CHECK(space().used_bytes <= 5 * chunk);
    const SsSensorStats sa = stats_of(*a);
    const SsSensorStats sb = stats_of(*b);
    CHECK(sa.dropped_quota + sb.dropped_quota >= 4 * per_chunk);
    CHECK(sa.dropped_quota % per_chunk == 0); // whole disk sectors
    CHECK(sa.pending == 100);                 // the pending records and their disk sector stay
    CHECK(sa.head_seq == 0);
    next_check();
    CHECK(stats().records_dropped == sa.dropped_quota + sb.dropped_quota);
    for (const auto& [id, st] : {std::make_pair(7, sa), std::make_pair(8, sb)}) {
        if (st.dropped_quota == 0) continue;
        CHECK(log.count("quota: dropped " + std::to_string(st.dropped_quota) + " unsent records of app:" + std::to_string(id) +
                        " (oldest first) to stay within 20 KiB") == 1);
    }
    // Nothing more dropped, nothing more said.
    const std::size_t lines = log.lines.size();
    next_check();
    CHECK(log.lines.size() == lines);
    // a's stream: the rest of its first disk sector (after the pending records), then past the
    // gap the drops left.
    engine().erase_all_pending(*a);
    std::vector<std::uint32_t> all(4000);
    auto rest = engine().consume(*a, all.data(), 4000);
    REQUIRE(rest);
    CHECK(rest->first_seq == 100);
    CHECK(rest->count == per_chunk - 100);
    CHECK(all[0] == 100);
}

TEST_CASE_FIXTURE(fixture, "a free-space probe that fails leaves the quota as it is, and says so once") {
    start();
    feed(*a, 0, per_chunk + 1);
    volume.leave_free(64 * kib + chunk);
    next_check();
    REQUIRE(stats().lowered);
    REQUIRE(stats().quota_bytes == 2 * chunk);
    volume.error = -EIO;
    next_check();
    next_check();
    CHECK(stats().lowered);
    CHECK(space().quota_bytes == 2 * chunk);
    CHECK(log.count("quota: cannot read the free space of " + dir.data + ": Input/output error; the disk quota stays as it is") ==
          1);
    volume.error = 0;
    volume.other = 0;
    next_check();
    CHECK_FALSE(stats().lowered);
    CHECK(space().quota_bytes == 32 * chunk);
}

TEST_CASE_FIXTURE(fixture, "the reserve is the larger of min_free_bytes and min_free_pct of the file system") {
    volume.total = 10 * 1024 * kib;
    QuotaSettings set;
    set.min_free_pct = 50; // 5 MiB, above min_free_bytes (64 KiB)
    start(set);
    next_check();
    CHECK_FALSE(stats().lowered);
    volume.leave_free(5 * 1024 * kib + 2 * chunk);
    next_check();
    CHECK(stats().lowered);
    CHECK(stats().quota_bytes == 2 * chunk); // nothing in use: two disk sectors fit above 5 MiB
    CHECK(log.count("the reserve is 5 MiB") == 1);
}
