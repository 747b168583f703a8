// The storage-flush stage under CAF's test coordinator: every tick in virtual time, the engine
// handed the actor clock's time, the force-seal interval and the shutdown flush and its budget
// decided in that time. The disk tier writes to real files (or a fault file system).
#include "caf_doctest_dsl.hpp"

#include <caf/all.hpp>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fault/fault_file_system.hpp"
#include "ss/actors/storage_flush.hpp"
#include "ss/actors/storage_host.hpp"

using namespace std::chrono_literals;
using ss::actors::FlushReport;
using ss::actors::FlushStats;
using ss::test::call_bit;
using ss::test::FaultFileSystem;
using ss::test::FsCall;

namespace {

void silent(void*, int, const char*) {}

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/ss-actors-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
        data = path + "/data";
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string path;
    std::string data; ///< the data root below it

};

/// The configuration the tests run with; `root` must outlive it (cfg.disk_root points into it).
SsInitCfg config(const std::string& root) {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_LINUX);
    cfg.max_sensors = 4;
    cfg.ram_sector_bytes = 256; // 56 TS records a sector
    cfg.ram_pool_bytes = 32 * 256;
    cfg.disk_sector_bytes = 4096;
    cfg.disk_root = root.c_str();
    cfg.force_seal_interval_ms = 60'000;
    cfg.shutdown_budget_ms = 2'000;
    cfg.log = silent;
    return cfg;
}

struct fixture : test_coordinator_fixture<> {
    // Steps the virtual clock one period and runs what fell due.
    void step(caf::timespan d = 100ms) {
        CHECK(sched.advance_time(d) == 1u);
        sched.run();
    }
    /// A storage host with sensor app/7 and its storage-flush stage, after the first tick.
    struct Running {
        std::unique_ptr<ss::actors::StorageHost> host;
        ss::SensorStore* sensor = nullptr;
        ss::actors::storage_flush_actor flush;
        ss::Engine& engine() { return host->engine(); }
    };
    Running start(const SsInitCfg& c, ss::hal::FileSystem* fs = nullptr) {
        ss::Text why;
        Running r;
        auto h = ss::actors::StorageHost::open(c, why, fs);
        REQUIRE_MESSAGE(h, why.c_str());
        r.host = std::move(*h);
        auto sensor = r.engine().register_sensor(SS_SOURCE_APP, 7, ss::RecordType::ts, why);
        REQUIRE(sensor);
        r.sensor = *sensor;
        r.flush = sys.spawn(ss::actors::storage_flush, &r.engine(), caf::timespan{100ms}, static_cast<ss::actors::StageBoard*>(nullptr));
        sched.run();
        step(); // the first tick starts the force-seal interval
        return r;
    }
    FlushStats stats_of(const ss::actors::storage_flush_actor& a) {
        return deref<ss::actors::storage_flush_actor::stateful_base<ss::actors::StorageFlushState>>(a).state.stats;
    }
};

/// What a shutdown request got back.
struct Reply {
    bool replied = false;
    bool failed = false;
    FlushReport report{};
};

/// An actor that asks `flush` for the shutdown flush and keeps the answer in `out` (the test
/// fixture's own actor is blocking: it cannot wait for a reply that needs virtual time to pass).
void shutdown_requester(caf::event_based_actor* me, ss::actors::storage_flush_actor flush, Reply* out) {
    me->request(flush, caf::infinite, ss::actors::shutdown_atom::value)
        .then([out](const FlushReport& r) {
            out->replied = true;
            out->report = r;
        },
              [out](caf::error&) { out->failed = true; });
}

/// Spawned with its arguments: CAF 0.17.6 dereferences a null argument tuple when a function
/// actor is spawned with none (UBSan reports it).
void request_shutdown(caf::actor_system& sys, const ss::actors::storage_flush_actor& flush, Reply& out) {
    sys.spawn(shutdown_requester, flush, &out);
}

SsSensorStats stats(ss::Engine& e, ss::SensorStore& s) {
    SsSensorStats st{};
    e.stats(s, st);
    return st;
}

void add(ss::Engine& e, ss::SensorStore& s, std::uint32_t n) {
    for (std::uint32_t v = 0; v < n; ++v) REQUIRE(s.add(e.context(), &v));
}

} // namespace

TEST_CASE_FIXTURE(fixture, "the storage-flush stage ticks the engine every period of virtual time") {
    TempDir dir;
    ss::Text why;
    const SsInitCfg ss_cfg = config(dir.data);
    auto host = ss::actors::StorageHost::open(ss_cfg, why);
    REQUIRE_MESSAGE(host, why.c_str());
    auto flush = sys.spawn(ss::actors::storage_flush, &(*host)->engine(), caf::timespan{100ms}, static_cast<ss::actors::StageBoard*>(nullptr));
    sched.run();
    CHECK(sched.advance_time(99ms) == 0u);
    CHECK(stats_of(flush).ticks == 0);
    CHECK(sched.advance_time(1ms) == 1u);
    expect((caf::tick_atom), from(flush).to(flush));
    CHECK(stats_of(flush).ticks == 1);
    for (int i = 0; i < 9; ++i) step();
    const FlushStats st = stats_of(flush);
    CHECK(st.ticks == 10);
    // The engine is handed the actor clock's (virtual) time, never the wall clock's.
    CHECK(st.last_tick_ms == ss::actors::actor_clock_ms(sched.clock().now()));
    caf::anon_send_exit(flush, caf::exit_reason::kill);
    sched.run();
}

TEST_CASE_FIXTURE(fixture, "records that fill no sector reach the disk at the force-seal interval, in virtual time") {
    TempDir dir;
    Running r = start(config(dir.data));
    add(r.engine(), *r.sensor, 10);
    // 59.9 s after the first tick: still only in RAM.
    for (int i = 0; i < 599; ++i) step();
    CHECK(stats(r.engine(), *r.sensor).disk_records == 0);
    step(); // 60 s after the first tick
    CHECK(stats(r.engine(), *r.sensor).disk_records == 10);
    CHECK(stats_of(r.flush).ticks == 601);
    caf::anon_send_exit(r.flush, caf::exit_reason::kill);
    sched.run();
}

TEST_CASE_FIXTURE(fixture, "a shutdown flush reports complete once everything is durable, and the stage stops") {
    TempDir dir;
    const SsInitCfg ss_cfg = config(dir.data);
    {
        Running r = start(ss_cfg);
        add(r.engine(), *r.sensor, 130); // two full sectors and an open one
        step();
        Reply reply;
        request_shutdown(sys, r.flush, reply);
        sched.run();
        for (int i = 0; i < 10 && !reply.replied; ++i) step();
        REQUIRE(reply.replied);
        CHECK(reply.report.complete);
        CHECK(reply.report.ticks >= 1);
        CHECK(reply.report.elapsed_ms == reply.report.ticks * 100u);
        CHECK(r.engine().flushed());
        CHECK(stats(r.engine(), *r.sensor).disk_records == 130);
        // The stage quit after its report: nothing is left ticking.
        CHECK(sched.advance_time(10s) == 0u);
    }
    // A restart recovers every record.
    ss::Text why;
    auto again = ss::actors::StorageHost::open(ss_cfg, why);
    REQUIRE_MESSAGE(again, why.c_str());
    auto sensor = (*again)->engine().register_sensor(SS_SOURCE_APP, 7, ss::RecordType::ts, why);
    REQUIRE(sensor);
    CHECK(stats((*again)->engine(), **sensor).retained == 130);
    CHECK(stats((*again)->engine(), **sensor).next_seq == 130);
}

TEST_CASE_FIXTURE(fixture, "a shutdown flush on a failing disk gives up when the budget is spent, in virtual time") {
    FaultFileSystem fs;
    const std::string root = "/data";
    SsInitCfg ss_cfg = config(root);
    ss_cfg.shutdown_budget_ms = 2'000;
    Running r = start(ss_cfg, &fs);
    add(r.engine(), *r.sensor, 130);
    fs.fail_kinds_from(fs.calls(), call_bit(FsCall::write) | call_bit(FsCall::sync) | call_bit(FsCall::sync_all), -EIO);
    Reply reply;
    request_shutdown(sys, r.flush, reply);
    sched.run();
    int ticks = 0;
    for (; ticks < 100 && !reply.replied; ++ticks) step();
    REQUIRE(reply.replied);
    CHECK_FALSE(reply.report.complete);
    // The budget runs from the first tick that sees the shutdown (100 ms after the request); a
    // tick exactly 2 s later still flushes, the next one gives up and reports.
    CHECK(reply.report.elapsed_ms == 2'200);
    CHECK(reply.report.ticks == 22);
    CHECK(ticks == 22);
    CHECK_FALSE(r.engine().flushed());
    CHECK(stats(r.engine(), *r.sensor).retained == 130); // held in RAM, not lost
}
