// Record times and boots through the C API: every sector keeps its first record's time, the
// sample period and the boot; ss_consume_batch_info hands them out so that each record's time
// follows from its index, and ends a batch where they stop continuing it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ss/sensor_storage.h"

namespace {

void silent(void*, int, const char*) {}

constexpr std::uint32_t per_sector = 56; // 256-byte sectors, a 32-byte header

struct RamSystem {
    explicit RamSystem(std::uint32_t boot = 0) {
        REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
        cfg.ram_sector_bytes = 256;
        cfg.max_sensors = 4;
        cfg.ram_pool_bytes = 64 * 256;
        cfg.boot_id = boot;
        cfg.log = silent;
        REQUIRE(ss_init_system(&cfg) == 0);
    }
    ~RamSystem() { ss_deinit_system(); }
    SensorStore* sensor(std::uint32_t id, SensorType t = SENSOR_TS) {
        SensorStore* s = nullptr;
        REQUIRE(ss_sensor_init(id, t, &s) == 0);
        return s;
    }
    SsInitCfg cfg{};
};

std::vector<std::uint32_t> counting(std::uint32_t from, std::uint32_t n) {
    std::vector<std::uint32_t> v(n);
    for (std::uint32_t i = 0; i < n; ++i) v[i] = from + i;
    return v;
}

} // namespace

TEST_CASE("values added with their time come back with it, one period apart, across sectors") {
    RamSystem sys(77);
    SensorStore* s = sys.sensor(1);
    REQUIRE(ss_sensor_set_sample_period(s, 1000) == 0);
    const std::uint64_t t0 = SS_TIME_UTC | 1'767'225'600'000'000ull; // 2026-01-01T00:00:00Z
    const auto values = counting(0, 200);
    REQUIRE(ss_ts_add_many_at(s, values.data(), 200, t0, nullptr) == 0);
    std::vector<std::uint32_t> out(500);
    std::uint32_t n = 0;
    SsBatchInfo info{};
    REQUIRE(ss_consume_batch_info(s, out.data(), 500, &n, &info) == 0);
    // Four sectors, each opened by a value of the same buffer: the times continue exactly.
    CHECK(n == 200);
    CHECK(info.first_seq == 0);
    CHECK(info.first_time_us == t0);
    CHECK(info.period_us == 1000);
    CHECK(info.boot == 77);
    CHECK(ss_batch_record_time(&info, 0) == t0);
    CHECK(ss_batch_record_time(&info, 199) == t0 + 199'000);
    CHECK((ss_batch_record_time(&info, 199) & SS_TIME_UTC) != 0);
    SsSystemStats st{};
    REQUIRE(ss_get_system_stats(&st) == 0);
    CHECK(st.boot == 77);
    SsSensorStats ss{};
    REQUIRE(ss_get_sensor_stats(s, &ss) == 0);
    CHECK(ss.sample_period_us == 1000);
}

TEST_CASE("a batch ends where the next sector's time does not continue it") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    REQUIRE(ss_sensor_set_sample_period(s, 500) == 0);
    const std::uint64_t t0 = SS_TIME_UTC | 1'000'000'000'000'000ull;
    const auto first = counting(0, per_sector); // fills one sector exactly
    REQUIRE(ss_ts_add_many_at(s, first.data(), per_sector, t0, nullptr) == 0);
    const std::uint64_t t1 = t0 + 60'000'000; // a minute later: the capture paused
    const auto second = counting(per_sector, 10);
    REQUIRE(ss_ts_add_many_at(s, second.data(), 10, t1, nullptr) == 0);
    std::vector<std::uint32_t> out(500);
    std::uint32_t n = 0;
    SsBatchInfo info{};
    REQUIRE(ss_consume_batch_info(s, out.data(), 500, &n, &info) == 0);
    CHECK(n == per_sector);
    CHECK(info.first_time_us == t0);
    REQUIRE(ss_consume_batch_info(s, out.data(), 500, &n, &info) == 0);
    CHECK(n == 10);
    CHECK(info.first_seq == per_sector);
    CHECK(info.first_time_us == t1);
    CHECK(out[0] == per_sector);
    // The plain consume does not split: the first sector's time base covers only its records.
    CHECK(ss_consume_batch(s, out.data(), 500, &n) == -EAGAIN);
}

TEST_CASE("ss_ts_begin_series gives the next values a sector of their own, with their own time") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    REQUIRE(ss_sensor_set_sample_period(s, 100) == 0);
    const std::uint64_t t0 = 9'000'000;
    const auto first = counting(0, 10); // part of a sector
    REQUIRE(ss_ts_add_many_at(s, first.data(), 10, t0, nullptr) == 0);
    REQUIRE(ss_ts_begin_series(s) == 0);
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(s, &st) == 0);
    const std::uint32_t sectors = st.sectors;
    REQUIRE(ss_ts_begin_series(s) == 0); // nothing added since: changes nothing
    const std::uint64_t t1 = t0 + 777; // not on the first values' grid
    const auto second = counting(10, 5);
    REQUIRE(ss_ts_add_many_at(s, second.data(), 5, t1, nullptr) == 0);
    REQUIRE(ss_get_sensor_stats(s, &st) == 0);
    CHECK(st.sectors == sectors + 1);
    CHECK(st.next_seq == 15); // no sequence number is spent on the new sector
    std::vector<std::uint32_t> out(100);
    std::uint32_t n = 0;
    SsBatchInfo info{};
    REQUIRE(ss_consume_batch_info(s, out.data(), 100, &n, &info) == 0);
    CHECK(n == 10);
    CHECK(info.first_time_us == t0);
    REQUIRE(ss_consume_batch_info(s, out.data(), 100, &n, &info) == 0);
    CHECK(n == 5);
    CHECK(info.first_seq == 10);
    CHECK(info.first_time_us == t1);
    CHECK(out[0] == 10);
    CHECK(ss_ts_begin_series(nullptr) == -EINVAL);
    CHECK(ss_ts_begin_series(sys.sensor(2, SENSOR_EVT)) == -EINVAL);
}

TEST_CASE("a period change takes effect from the next sector, which starts a new batch") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    REQUIRE(ss_sensor_set_sample_period(s, 1000) == 0);
    const std::uint64_t t0 = 5'000'000; // monotonic
    const auto a = counting(0, per_sector + 4);
    REQUIRE(ss_ts_add_many_at(s, a.data(), per_sector, t0, nullptr) == 0);
    REQUIRE(ss_sensor_set_sample_period(s, 250) == 0);
    REQUIRE(ss_ts_add_many_at(s, a.data() + per_sector, 4, t0 + per_sector * 1000, nullptr) == 0);
    std::vector<std::uint32_t> out(500);
    std::uint32_t n = 0;
    SsBatchInfo info{};
    REQUIRE(ss_consume_batch_info(s, out.data(), 500, &n, &info) == 0);
    CHECK(n == per_sector);
    CHECK(info.period_us == 1000);
    CHECK((info.first_time_us & SS_TIME_UTC) == 0);
    REQUIRE(ss_consume_batch_info(s, out.data(), 500, &n, &info) == 0);
    CHECK(n == 4);
    CHECK(info.period_us == 250);
    CHECK(info.first_time_us == t0 + per_sector * 1000);
    CHECK(ss_batch_record_time(&info, 3) == t0 + per_sector * 1000 + 750);
}

TEST_CASE("values added without a time get the time their sector was opened; events keep their own") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    SensorStore* e = sys.sensor(2, SENSOR_EVT);
    REQUIRE(ss_ts_add(s, 1) == 0);
    REQUIRE(ss_ts_add(s, 2) == 0);
    REQUIRE(ss_evt_add(e, 9, 1234) == 0);
    std::uint32_t out[8];
    std::uint32_t n = 0;
    SsBatchInfo info{};
    REQUIRE(ss_consume_batch_info(s, out, 8, &n, &info) == 0);
    CHECK(n == 2);
    CHECK(info.first_time_us != SS_TIME_UNKNOWN);
    CHECK(info.period_us == 0);
    CHECK(ss_batch_record_time(&info, 0) == info.first_time_us);
    CHECK(ss_batch_record_time(&info, 1) == SS_TIME_UNKNOWN); // no period: only the first is known
    SsEventRecord ev[2];
    REQUIRE(ss_consume_batch_info(e, ev, 2, &n, &info) == 0);
    CHECK(n == 1);
    const std::uint64_t ts_ms = ev[0].ts_ms; // by value: the member is only 4-byte aligned
    CHECK(ts_ms == 1234); // raw, as written
    CHECK(info.period_us == 0);
}

TEST_CASE("record-time calls refuse bad input and change nothing") {
    RamSystem sys;
    SensorStore* s = sys.sensor(1);
    SensorStore* e = sys.sensor(2, SENSOR_EVT);
    std::uint32_t out[4];
    std::uint32_t n = 5;
    SsBatchInfo info{};
    CHECK(ss_consume_batch_info(s, out, 4, &n, nullptr) == -EINVAL);
    CHECK(ss_consume_batch_info(s, nullptr, 4, &n, &info) == -EINVAL);
    CHECK(ss_consume_batch_info(s, out, 0, &n, &info) == -EINVAL);
    CHECK(ss_consume_batch_info(nullptr, out, 4, &n, &info) == -EINVAL);
    CHECK(ss_consume_batch_info(s, out, 4, &n, &info) == -EAGAIN);
    CHECK(n == 0);
    CHECK(ss_sensor_set_sample_period(e, 1000) == -EINVAL);
    CHECK(ss_sensor_set_sample_period(e, 0) == 0);
    CHECK(ss_sensor_set_sample_period(nullptr, 1000) == -EINVAL);
    CHECK(ss_ts_add_at(e, 1, 5) == -EINVAL);
    CHECK(ss_ts_add_many_at(e, out, 1, 5, nullptr) == -EINVAL);
    CHECK(ss_ts_add_many_at(s, nullptr, 1, 5, nullptr) == -EINVAL);
    CHECK(ss_batch_record_time(nullptr, 0) == SS_TIME_UNKNOWN);
    std::uint64_t total = 9;
    REQUIRE(ss_get_total_records(s, &total) == 0);
    CHECK(total == 0);
}

TEST_CASE("with a disk tier every start gets the next boot number, kept in <root>/boot") {
    char tmpl[] = "/tmp/ss-boot-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::string root = std::string(tmpl) + "/data";
    std::vector<std::string> logged;
    SsInitCfg cfg{};
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.ram_sector_bytes = 256;
    cfg.disk_sector_bytes = 4096;
    cfg.max_sensors = 2;
    cfg.ram_pool_bytes = 16 * 256;
    cfg.disk_root = root.c_str();
    cfg.boot_id = 200; // ignored: the tier counts
    cfg.log = [](void* ctx, int, const char* msg) { static_cast<std::vector<std::string>*>(ctx)->push_back(msg); };
    cfg.log_ctx = &logged;
    auto boot_now = [] {
        SsSystemStats st{};
        REQUIRE(ss_get_system_stats(&st) == 0);
        return st.boot;
    };
    for (std::uint32_t expect = 1; expect <= 3; ++expect) {
        REQUIRE(ss_init_system(&cfg) == 0);
        CHECK(boot_now() == expect);
        if (expect == 2) {
            // Records written in boot 2 say so after a restart.
            SensorStore* s = nullptr;
            REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
            REQUIRE(ss_ts_add(s, 42) == 0);
            ss_set_shutdown(true);
            for (int i = 0; i < 50 && !ss_shutdown_complete(); ++i) ss_manager_tick();
            ss_set_shutdown(false);
        }
        if (expect == 3) {
            SensorStore* s = nullptr;
            REQUIRE(ss_sensor_init(1, SENSOR_TS, &s) == 0);
            std::uint32_t v = 0, n = 0;
            SsBatchInfo info{};
            REQUIRE(ss_consume_batch_info(s, &v, 1, &n, &info) == 0);
            CHECK(v == 42);
            CHECK(info.boot == 2);
            CHECK(info.first_time_us != SS_TIME_UNKNOWN);
        }
        REQUIRE(ss_deinit_system() == 0);
    }
    CHECK(std::filesystem::file_size(root + "/boot") == 16);
    // A damaged boot record: numbering starts again, and says so.
    {
        std::fstream f(root + "/boot", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(8);
        f.put('\x7F');
    }
    logged.clear();
    REQUIRE(ss_init_system(&cfg) == 0);
    CHECK(boot_now() == 1);
    bool warned = false;
    for (const std::string& m : logged) warned = warned || m.find("boot record was not valid") != std::string::npos;
    CHECK(warned);
    REQUIRE(ss_deinit_system() == 0);
    std::filesystem::remove_all(tmpl);
}
