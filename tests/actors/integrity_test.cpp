// The integrity stage under CAF's test coordinator: it steps every period of virtual time,
// checks at most units_per_tick units a step (a pass over M units takes ceil(M/N) steps, then
// the next pass starts), and what it finds corrupt — a sector gone bad in RAM, a unit gone bad
// in its file — is dropped, counted, logged and never served. With a sensor at the critical
// level (SS_VERIFY_AFTER_WRITE) the storage-flush stage's writes are read back, and one that
// lands wrong (the fault file system flips a byte) is caught, flagged and written again.
#include "caf_doctest_dsl.hpp"

#include <caf/all.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "support/temp_data_root.hpp"
#include "ss/actors/integrity.hpp"
#include "ss/actors/storage_flush.hpp"
#include "ss/actors/storage_host.hpp"

using namespace std::chrono_literals;
using ss::actors::IntegritySettings;
using ss::actors::IntegrityStats;

namespace {

constexpr std::uint32_t unit_bytes = 256; // 56 TS records a sector
constexpr std::uint32_t per_unit = 56;

std::uint32_t value_of(std::uint32_t sensor, std::uint64_t seq) {
    return sensor * 100'000u + static_cast<std::uint32_t>(seq);
}

void silent(void*, int, const char*) {}

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/ss-integrity-stage-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
        data = path + "/data";
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
    std::string data;
};

/// Two sensors, 256-byte sectors, RAM only unless a data root is given (`root` must outlive it).
SsInitCfg config(const char* root = nullptr) {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_LINUX);
    cfg.max_sensors = 2;
    cfg.ram_sector_bytes = unit_bytes;
    cfg.ram_pool_bytes = 32 * unit_bytes;
    cfg.disk_sector_bytes = 4096;
    // With a disk: spilling starts at four sectors in use, then the sensor is disk-first.
    cfg.ram_high_watermark_pct = 10;
    cfg.ram_low_watermark_pct = 5;
    cfg.force_seal_interval_ms = 0;
    cfg.disk_root = root;
    cfg.log = silent;
    return cfg;
}

struct Stores {
    std::unique_ptr<ss::actors::StorageHost> host;
    ss::SensorStore* a = nullptr; // app:7
    ss::SensorStore* b = nullptr; // app:8
    ss::Engine& engine() { return host->engine(); }

    explicit Stores(const SsInitCfg& cfg, ss::hal::FileSystem* fs = nullptr) {
        ss::Text why;
        auto h = ss::actors::StorageHost::open(cfg, why, fs);
        REQUIRE_MESSAGE(h, why.c_str());
        host = std::move(*h);
        auto sa = engine().register_sensor(SS_SOURCE_APP, 7, ss::RecordType::ts, why);
        auto sb = engine().register_sensor(SS_SOURCE_APP, 8, ss::RecordType::ts, why);
        REQUIRE(sa);
        REQUIRE(sb);
        a = *sa;
        b = *sb;
    }
    void add(ss::SensorStore& s, std::uint64_t from, std::uint64_t n) {
        for (std::uint64_t q = from; q < from + n; ++q) {
            const std::uint32_t v = value_of(s.id(), q);
            REQUIRE(s.add(engine().context(), &v));
        }
    }
    SsSensorStats stats(ss::SensorStore& s) {
        SsSensorStats st{};
        engine().stats(s, st);
        return st;
    }
    /// Consumes everything unsent of s: (first_seq, count) of each run, values checked.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> drain(ss::SensorStore& s) {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;
        std::vector<std::uint32_t> buf(500);
        for (int k = 0; k < 1000; ++k) {
            auto got = engine().consume(s, buf.data(), 500);
            if (!got) break;
            for (std::uint32_t j = 0; j < got->count; ++j) REQUIRE(buf[j] == value_of(s.id(), got->first_seq + j));
            if (!runs.empty() && runs.back().first + runs.back().second == got->first_seq) runs.back().second += got->count;
            else runs.emplace_back(got->first_seq, got->count);
        }
        return runs;
    }
    /// The pool sector holding s's sealed sector that starts at first_seq (told from other
    /// sensors' by its first value).
    std::byte* ram_sector(const ss::SensorStore& s, std::uint64_t first_seq, std::uint32_t count) {
        ss::SectorPool& pool = *engine().context().pool;
        std::byte* found = nullptr;
        for (ss::SectorIndex i = 0; i < pool.capacity(); ++i) {
            std::byte* d = pool.data(i);
            std::uint32_t first_value = 0;
            std::memcpy(&first_value, ss::sector::payload(d), sizeof first_value);
            if (static_cast<std::uint8_t>(d[0]) == ss::sector::magic && ss::sector::first_seq(d) == first_seq &&
                ss::sector::count(d) == count && first_value == value_of(s.id(), first_seq))
                found = d;
        }
        REQUIRE(found != nullptr);
        return found;
    }
};

struct Lines {
    std::vector<std::string> lines;
    ss::actors::StageLog sink() {
        return [this](int, const std::string& l) { lines.push_back(l); };
    }
    bool has(const std::string& text) const {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
    }
};

/// Asks `stage` for its stats (the fixture's own actor is blocking: it cannot wait for a reply
/// while virtual time has to pass).
void stats_requester(caf::event_based_actor* me, ss::actors::integrity_actor stage, IntegrityStats* out, bool* got) {
    me->request(stage, caf::infinite, caf::get_atom::value)
        .then([out, got](const IntegrityStats& s) {
            *out = s;
            *got = true;
        },
              [](caf::error&) {});
}

struct fixture : test_coordinator_fixture<> {
    /// One period of the stage: exactly its tick fires.
    void step(caf::timespan d = 1s) {
        CHECK(sched.advance_time(d) == 1u);
        sched.run();
    }
    IntegrityStats stats_of(const ss::actors::integrity_actor& a) {
        return deref<ss::actors::integrity_actor::stateful_base<ss::actors::IntegrityState>>(a).state.stats;
    }
    IntegrityStats ask(const ss::actors::integrity_actor& a) {
        IntegrityStats out{};
        bool got = false;
        sys.spawn(stats_requester, a, &out, &got);
        sched.run();
        REQUIRE(got);
        return out;
    }
    /// Stops a ticking stage; its last scheduled tick is let fall due (to nobody), so that the
    /// next stage's ticks are the only ones.
    template <class Handle>
    void kill(const Handle& h, caf::timespan period = 1s) {
        caf::anon_send_exit(h, caf::exit_reason::kill);
        sched.run();
        sched.advance_time(period);
        sched.run();
    }
};

bool same(const IntegrityStats& x, const IntegrityStats& y) {
    return x.units_checked == y.units_checked && x.records_lost == y.records_lost && x.corrupt_found == y.corrupt_found &&
           x.passes == y.passes && x.ticks == y.ticks;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "the integrity stage steps every period and checks at most N units a step: a pass over M units takes ceil(M/N) steps") {
    Stores st(config());
    st.add(*st.a, 0, 5 * per_unit + 1); // five sealed sectors
    st.add(*st.b, 0, 3 * per_unit + 1); // three
    constexpr std::uint32_t m = 8;
    for (std::uint32_t n : {1u, 3u, 5u, 8u, 20u}) {
        INFO("units_per_tick " << n);
        ss::actors::StageBoard board;
        IntegritySettings set;
        set.units_per_tick = n;
        auto stage = sys.spawn(ss::actors::integrity, &st.engine(), set, &board);
        sched.run();
        CHECK(sched.advance_time(999ms) == 0u);
        CHECK(stats_of(stage).ticks == 0);
        CHECK(sched.advance_time(1ms) == 1u);
        expect((caf::tick_atom), from(stage).to(stage));
        const std::uint32_t steps = (m + n - 1) / n;
        for (std::uint32_t k = 1; k <= steps; ++k) {
            if (k > 1) step();
            const IntegrityStats s = stats_of(stage);
            CHECK(s.ticks == k);
            CHECK(s.units_checked == std::min(k * n, m));
            CHECK(s.passes == (k == steps ? 1u : 0u));
        }
        // The next pass starts at the next step, from the first sensor again.
        step();
        CHECK(stats_of(stage).units_checked == m + std::min(n, m));
        CHECK(stats_of(stage).corrupt_found == 0);
        // get_atom answers with the stats, and the board has them for readers on other threads.
        CHECK(same(ask(stage), stats_of(stage)));
        CHECK(same(board.integrity(), stats_of(stage)));
        CHECK(board.stages().size() == 1);
        CHECK(board.stages()[0].name == "integrity");
        kill(stage);
    }
}

TEST_CASE_FIXTURE(fixture, "a sector that goes bad in RAM is found by the stage, counted, logged, and never served") {
    Stores st(config());
    // Level off: consume never checks a CRC, so only the scrub stands between this sensor's bad
    // sector and the uploader.
    REQUIRE(st.engine().set_verify_level(*st.a, ss::VerifyLevel::off));
    st.add(*st.a, 0, 4 * per_unit + 1);
    st.add(*st.b, 0, 2 * per_unit + 1);
    st.ram_sector(*st.a, per_unit, per_unit)[ss::sector::header_bytes + 8] ^= std::byte{0x10}; // records 60..119
    Lines log;
    IntegritySettings set;
    set.units_per_tick = 2;
    set.log = log.sink();
    auto stage = sys.spawn(ss::actors::integrity, &st.engine(), set, static_cast<ss::actors::StageBoard*>(nullptr));
    sched.run();
    for (int k = 0; k < 3; ++k) step(); // six units: one pass
    const IntegrityStats s = stats_of(stage);
    CHECK(s.passes == 1);
    CHECK(s.units_checked == 6);
    CHECK(s.corrupt_found == 1);
    CHECK(s.records_lost == per_unit);
    CHECK(log.has("integrity: app:7: 1 sector(s) in RAM failed the CRC check and were dropped; 56 unsent records lost"));
    const SsSensorStats sa = st.stats(*st.a);
    CHECK(sa.dropped_corrupt == per_unit);
    CHECK(sa.corrupt_sectors == 1);
    SsSystemStats sys_stats{};
    st.engine().system_stats(sys_stats);
    CHECK((sys_stats.health_flags & SS_HEALTH_CORRUPTION) != 0);
    kill(stage);
    const auto runs = st.drain(*st.a);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0] == std::make_pair(std::uint64_t{0}, std::uint64_t{per_unit}));
    CHECK(runs[1] == std::make_pair(std::uint64_t{2 * per_unit}, std::uint64_t{2 * per_unit + 1}));
    CHECK(st.drain(*st.b).size() == 1); // b untouched
}

TEST_CASE_FIXTURE(fixture, "a unit that goes bad in its file is found by the stage, counted as lost, and never served") {
    TempDir dir;
    Stores st(config(dir.data.c_str()));
    st.add(*st.a, 0, 10 * per_unit + 1);
    for (std::uint64_t t = 100; t <= 300; t += 100) st.engine().tick(t); // spill and write them
    REQUIRE(st.stats(*st.a).disk_records == 10 * per_unit);
    ss::test::flip_byte(dir.data + "/app/sensor_0000000007.dat", 4 * unit_bytes + 16 + 100); // records 240..299
    Lines log;
    IntegritySettings set;
    set.units_per_tick = 4;
    set.log = log.sink();
    auto stage = sys.spawn(ss::actors::integrity, &st.engine(), set, static_cast<ss::actors::StageBoard*>(nullptr));
    sched.run();
    // Ten units on disk, nothing sealed in RAM: ceil(10 / 4) = 3 steps.
    step();
    step();
    CHECK(stats_of(stage).passes == 0);
    step();
    const IntegrityStats s = stats_of(stage);
    CHECK(s.passes == 1);
    CHECK(s.units_checked == 10);
    CHECK(s.corrupt_found == 1);
    CHECK(s.records_lost == per_unit);
    CHECK(log.has("integrity: app:7: 1 unit(s) on disk failed the CRC check"));
    const SsSensorStats sa = st.stats(*st.a);
    CHECK(sa.lost_units == 1);
    CHECK(sa.lost_records == per_unit);
    CHECK(sa.disk_records == 9 * per_unit);
    kill(stage);
    const auto runs = st.drain(*st.a);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0] == std::make_pair(std::uint64_t{0}, std::uint64_t{4 * per_unit}));
    CHECK(runs[1] == std::make_pair(std::uint64_t{5 * per_unit}, std::uint64_t{5 * per_unit + 1}));
}

TEST_CASE_FIXTURE(fixture, "at the critical level the storage-flush stage's write that reads back wrong is caught and written again") {
    ss::test::FaultFileSystem fs;
    Stores st(config("/data"), &fs);
    REQUIRE(st.engine().set_verify_level(*st.a, ss::VerifyLevel::after_write));
    auto flush = sys.spawn(ss::actors::storage_flush, &st.engine(), caf::timespan{100ms},
                           static_cast<ss::actors::StageBoard*>(nullptr));
    sched.run();
    st.add(*st.a, 0, 4 * per_unit + 1);
    fs.flip_writes("app/sensor_0000000007.dat", 1, 16 + 44);
    step(100ms);
    REQUIRE(fs.flipped() == 1);
    SsSystemStats sys_stats{};
    st.engine().system_stats(sys_stats);
    CHECK(st.stats(*st.a).write_verify_failures == 1);
    CHECK((sys_stats.health_flags & SS_HEALTH_DISK_ERROR) != 0);
    step(100ms); // written again; it reads back right
    st.engine().system_stats(sys_stats);
    CHECK((sys_stats.health_flags & SS_HEALTH_DISK_ERROR) == 0);
    CHECK(st.stats(*st.a).write_verify_failures == 1);
    // What is durable now is what was written: a power cut loses nothing of it.
    kill(flush, 100ms);
    st.host.reset();
    fs.crash();
    Stores again(config("/data"), &fs);
    CHECK(again.stats(*again.a).lost_units == 0);
    const auto runs = again.drain(*again.a);
    REQUIRE_FALSE(runs.empty());
    CHECK(runs[0] == std::make_pair(std::uint64_t{0}, std::uint64_t{4 * per_unit}));
}
