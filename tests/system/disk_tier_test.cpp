// The Linux disk tier through the C API, on real files in a temporary directory: spill at the
// watermark, disk-first reads, restarts (clean and not), the acknowledged boundary, quotas,
// trimming, permissions and symlinks.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ss/sensor_storage.h"
#include "support/disk_store_fixture.hpp"

namespace fs = std::filesystem;

namespace {

/// 256-byte RAM sectors (56 TS / 18 EVT records per sector), by default 4 sensors and 20 sectors.
struct DiskFixture : ss::test::DiskStoreFixture {
    explicit DiskFixture(std::uint32_t sensors = 4, std::uint32_t pool_sectors = 20)
        : DiskStoreFixture(sensors, pool_sectors, "ss-disk-test") {}
};

using ss::test::stats_of;

/// Consumes everything unsent (ticking so sequence reservations are made durable).
std::vector<std::uint32_t> drain(SensorStore* s, std::vector<std::uint64_t>* seqs = nullptr) {
    std::vector<std::uint32_t> out;
    std::uint32_t buf[256];
    for (int idle = 0; idle < 3;) {
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        const int rc = ss_consume_batch_ex(s, buf, 256, &n, &first);
        if (rc == -EAGAIN) {
            ss_manager_tick();
            ++idle;
            continue;
        }
        REQUIRE(rc == 0);
        for (std::uint32_t i = 0; i < n; ++i) {
            out.push_back(buf[i]);
            if (seqs != nullptr) seqs->push_back(first + i);
        }
    }
    return out;
}

std::vector<std::uint32_t> iota(std::uint32_t from, std::uint32_t n) {
    std::vector<std::uint32_t> v(n);
    for (std::uint32_t i = 0; i < n; ++i) v[i] = from + i;
    return v;
}

} // namespace

TEST_CASE("at the high watermark sealed sectors spill to disk and are read back first, in order") {
    DiskFixture f(1, 10);
    f.start();
    SensorStore* s = f.sensor(1);
    for (std::uint32_t v = 0; v < 540; ++v) REQUIRE(ss_ts_add(s, v) == 0); // 9 of 10 sectors
    ss_manager_tick();
    SsSystemStats sys{};
    REQUIRE(ss_get_system_stats(&sys) == 0);
    CHECK(sys.ram_used_pct <= 60);
    const auto st = stats_of(s);
    CHECK(st.disk_records >= 180);
    CHECK(st.retained == 540);
    CHECK(sys.disk_bytes_used >= 4096);
    std::vector<std::uint64_t> seqs;
    CHECK(drain(s, &seqs) == iota(0, 540));
    for (std::size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == i);
}

TEST_CASE("the watermarks count only what registered sensors may use, so a large reserve never recycles data") {
    // 2 of 8 possible sensors registered: 6 of the 12 sectors stay reserved for the other six.
    // Measured against all 12, the 80 % mark (9 sectors) could never be reached, since acquire()
    // fails at 6 in use; the sensor recycled its own unsent data while the disk had room.
    DiskFixture f(8, 12);
    f.start();
    SensorStore* busy = f.sensor(1);
    SensorStore* idle = f.sensor(2);
    REQUIRE(ss_ts_add(idle, 7) == 0);
    constexpr std::uint32_t records = 60 * 40; // 40 sectors' worth, a tick per sector
    for (std::uint32_t v = 0; v < records; ++v) {
        REQUIRE(ss_ts_add(busy, v) == 0);
        if (v % 60 == 59) ss_manager_tick();
    }
    SsSystemStats sys{};
    REQUIRE(ss_get_system_stats(&sys) == 0);
    CHECK(sys.dropped_recycled == 0);
    CHECK(sys.ram_used_pct <= 100);
    const auto st = stats_of(busy);
    CHECK(st.dropped_recycled == 0);
    CHECK(st.dropped_new == 0);
    CHECK(st.retained == records);
    CHECK(st.disk_records > 0);
    CHECK(drain(busy) == iota(0, records));
    CHECK(drain(idle) == std::vector<std::uint32_t>{7});
}

TEST_CASE("a clean stop and start loses nothing and re-sends nothing acknowledged") {
    DiskFixture f(3, 12);
    f.start();
    SensorStore* ts = f.sensor(1);
    SensorStore* evt = f.sensor(1, SENSOR_EVT, SS_SOURCE_CAN);
    for (std::uint32_t v = 0; v < 100; ++v) {
        REQUIRE(ss_ts_add(ts, v) == 0);
        REQUIRE(ss_evt_add(evt, v, 1'700'000'000'000ull + v) == 0);
    }
    ss_manager_tick();
    std::uint32_t buf[40];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(ts, buf, 40, &n) == 0);
    CHECK(n == 40);
    REQUIRE(ss_erase_all_pending(ts) == 0); // 0..39 acknowledged
    REQUIRE(ss_consume_batch(ts, buf, 10, &n) == 0); // 40..49 pending, never acknowledged
    f.stop();

    f.start();
    ts = f.sensor(1);
    evt = f.sensor(1, SENSOR_EVT, SS_SOURCE_CAN);
    std::vector<std::uint64_t> seqs;
    CHECK(drain(ts, &seqs) == iota(40, 60)); // the pending ten are unsent again
    CHECK(seqs.front() == 40);
    const auto st = stats_of(ts);
    CHECK(st.next_seq == 100); // a clean restart leaves no gap
    REQUIRE(ss_ts_add(ts, 100) == 0);
    ss_manager_tick();
    std::uint64_t first = 0;
    REQUIRE(ss_consume_batch_ex(ts, buf, 10, &n, &first) == 0);
    CHECK(first == 100);
    SsEventRecord ev[128];
    REQUIRE(ss_consume_batch(evt, ev, 128, &n) == 0);
    CHECK(n == 100);
    const std::uint64_t ts_ms = ev[99].ts_ms; // by value: only 4-byte aligned
    CHECK(ev[99].value == 99);
    CHECK(ts_ms == 1'700'000'000'099ull);
}

TEST_CASE("after a stop without flushing, what was on disk survives and numbering never goes back") {
    DiskFixture f(1, 10);
    f.start();
    SensorStore* s = f.sensor(5);
    for (std::uint32_t v = 0; v < 540; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    ss_manager_tick(); // spills part of it
    const auto before = stats_of(s);
    REQUIRE(before.disk_records > 0);
    std::uint32_t buf[30];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, buf, 30, &n) == 0); // pending, never acknowledged
    f.drop(); // RAM is lost

    f.start();
    s = f.sensor(5);
    std::vector<std::uint64_t> seqs;
    const auto got = drain(s, &seqs);
    REQUIRE(got.size() == before.disk_records);
    CHECK(got == iota(0, static_cast<std::uint32_t>(before.disk_records)));
    const auto after = stats_of(s);
    CHECK(after.next_seq >= 540); // never reuses a number that may have been handed out
}

TEST_CASE("erasing everything on disk truncates the file, and the sensor goes back to RAM first") {
    DiskFixture f(1, 10);
    f.start();
    SensorStore* s = f.sensor(2);
    for (std::uint32_t v = 0; v < 540; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    ss_manager_tick();
    REQUIRE(fs::file_size(f.dat(2)) > 0);
    drain(s);
    REQUIRE(ss_erase_all_pending(s) == 0);
    ss_manager_tick();
    CHECK(fs::file_size(f.dat(2)) == 0);
    CHECK(stats_of(s).disk_records == 0);
    SsSystemStats sys{};
    REQUIRE(ss_get_system_stats(&sys) == 0);
    CHECK(sys.disk_bytes_used == 0);
    for (std::uint32_t v = 0; v < 10; ++v) REQUIRE(ss_ts_add(s, 1000 + v) == 0);
    ss_manager_tick();
    CHECK(stats_of(s).disk_records == 0); // below the watermark: RAM only
    CHECK(drain(s) == iota(1000, 10));
}

TEST_CASE("space of erased chunks at the front is given back while later data stays") {
    DiskFixture f(1, 40);
    f.cfg.ram_high_watermark_pct = 10;
    f.cfg.ram_low_watermark_pct = 5;
    f.start();
    SensorStore* s = f.sensor(3);
    // 16 sectors of 256 B fill one 4 KB chunk; write three chunks' worth, ticking as a manager
    // would (without ticks the 40-sector pool would recycle).
    for (std::uint32_t v = 0; v < 60 * 48; ++v) {
        REQUIRE(ss_ts_add(s, v) == 0);
        if (v % 600 == 0) ss_manager_tick();
    }
    for (int i = 0; i < 3; ++i) ss_manager_tick();
    struct stat st0;
    REQUIRE(stat(f.dat(3).c_str(), &st0) == 0);
    std::uint32_t buf[256];
    std::uint32_t n = 0;
    std::uint32_t taken = 0;
    while (taken < 60 * 32 && ss_consume_batch(s, buf, 60 * 32 - taken > 256 ? 256 : 60 * 32 - taken, &n) == 0) taken += n;
    REQUIRE(ss_erase_all_pending(s) == 0);
    ss_manager_tick();
    struct stat st1;
    REQUIRE(stat(f.dat(3).c_str(), &st1) == 0);
    CHECK(st1.st_size == st0.st_size);        // append-only: nothing moved
    CHECK(st1.st_blocks < st0.st_blocks);     // but the erased front is a hole now
    CHECK(drain(s).front() == 60 * 32);
}

TEST_CASE("at the disk quota the oldest unsent data is dropped, never pending data") {
    DiskFixture f(2, 40);
    f.cfg.ram_high_watermark_pct = 10;
    f.cfg.ram_low_watermark_pct = 5;
    f.cfg.disk_quota_bytes = 2 * 4096; // two chunks of 16 sectors
    f.start();
    SensorStore* s = f.sensor(1);
    for (std::uint32_t v = 0; v < 60 * 16; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    for (int i = 0; i < 3; ++i) ss_manager_tick();
    std::uint32_t buf[100];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, buf, 100, &n) == 0); // 0..99 pending, in the first chunk
    for (std::uint32_t v = 60 * 16; v < 60 * 64; ++v) {
        REQUIRE(ss_ts_add(s, v) == 0);
        if (v % 600 == 0) ss_manager_tick();
    }
    for (int i = 0; i < 5; ++i) ss_manager_tick();
    SsSystemStats sys{};
    REQUIRE(ss_get_system_stats(&sys) == 0);
    CHECK(sys.disk_bytes_used <= 2 * 4096);
    CHECK(sys.dropped_quota > 0);
    const auto st = stats_of(s);
    CHECK(st.pending == 100);
    CHECK(st.dropped_quota == sys.dropped_quota);
    std::uint32_t first = 0;
    REQUIRE(ss_diag_read_at(s, 0, &first) == 0);
    CHECK(first == 0); // the pending records are still there
    CHECK(st.written == st.retained + st.erased + st.dropped_recycled + st.dropped_corrupt + st.dropped_quota);
}

TEST_CASE("directories and files are private, and a symlink planted in the root is not followed") {
    DiskFixture f(2, 10);
    f.start();
    SensorStore* s = f.sensor(9);
    for (std::uint32_t v = 0; v < 540; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    ss_set_shutdown(true);
    for (int i = 0; i < 10; ++i) ss_manager_tick();
    struct stat st;
    REQUIRE(stat((f.root + "/host").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(stat(f.dat(9).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    f.drop();

    // Someone replaces the app directory with a link to a place outside the root.
    const std::string outside = fs::path(f.root).parent_path().string() + "/outside";
    fs::create_directories(outside);
    fs::create_directory_symlink(outside, f.root + "/app");
    f.start();
    SensorStore* a = f.sensor(1, SENSOR_TS, SS_SOURCE_APP);
    for (std::uint32_t v = 0; v < 600; ++v) REQUIRE(ss_ts_add(a, v) == 0);
    ss_set_shutdown(true);
    for (int i = 0; i < 5; ++i) ss_manager_tick();
    CHECK(fs::is_empty(outside));
    SsSystemStats sys{};
    REQUIRE(ss_get_system_stats(&sys) == 0);
    CHECK((sys.health_flags & SS_HEALTH_DISK_ERROR) != 0); // refused, data kept in RAM
    CHECK(stats_of(a).retained > 0);
}

TEST_CASE("a data file of the other record type is kept and the registration refused") {
    DiskFixture f(2, 10);
    f.start();
    SensorStore* s = f.sensor(4);
    for (std::uint32_t v = 0; v < 100; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    f.stop();
    f.start();
    SensorStore* wrong = nullptr;
    CHECK(ss_sensor_init(4, SENSOR_EVT, &wrong) == -EINVAL);
    CHECK(std::string(ss_last_error()).find("other type") != std::string::npos);
    s = f.sensor(4);
    CHECK(drain(s) == iota(0, 100));
}

TEST_CASE("past the shutdown budget the manager stops flushing and says the stop is not complete") {
    DiskFixture f(1, 10);
    f.cfg.shutdown_budget_ms = 0;
    f.start();
    SensorStore* s = f.sensor(1);
    for (std::uint32_t v = 0; v < 100; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    ss_set_shutdown(true);
    ss_manager_tick(); // starts the budget's clock and flushes
    for (std::uint32_t v = 100; v < 200; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    usleep(2000);
    for (int i = 0; i < 5; ++i) ss_manager_tick(); // the budget is spent: nothing more is flushed
    CHECK_FALSE(ss_shutdown_complete());
    ss_set_shutdown(false); // a new shutdown gets a new budget: its first tick flushes
    ss_manager_tick();
    ss_set_shutdown(true);
    ss_manager_tick();
    CHECK(ss_shutdown_complete());
}

TEST_CASE("a clean stop leaves a shutdown ledger; the next start removes it and numbers on without a gap") {
    DiskFixture f(3, 12);
    f.start();
    SensorStore* s = f.sensor(1);
    SensorStore* e = f.sensor(2, SENSOR_EVT, SS_SOURCE_CAN);
    for (std::uint32_t v = 0; v < 500; ++v) {
        REQUIRE(ss_ts_add(s, v) == 0);
        REQUIRE(ss_evt_add(e, v, 1000 + v) == 0);
        if (v % 50 == 49) ss_manager_tick();
    }
    std::uint32_t buf[64];
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(s, buf, 64, &n) == 0);
    REQUIRE(ss_erase_all_pending(s) == 0);
    const std::string ledger = f.root + "/shutdown.ledger";
    CHECK_FALSE(fs::exists(ledger));
    f.stop();
    REQUIRE(fs::exists(ledger));
    CHECK(fs::file_size(ledger) == 32 + 2 * 16);
    CHECK((fs::status(ledger).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);

    f.start();
    CHECK_FALSE(fs::exists(ledger)); // gone before a number past it could be handed out
    s = f.sensor(1);
    e = f.sensor(2, SENSOR_EVT, SS_SOURCE_CAN);
    CHECK(stats_of(s).next_seq == 500);
    CHECK(stats_of(e).next_seq == 500);
    REQUIRE(ss_ts_add(s, 500) == 0);
    std::vector<std::uint64_t> seqs;
    const auto got = drain(s, &seqs);
    CHECK(got == iota(n, 501 - n)); // the acknowledged ones never come back
    REQUIRE(!seqs.empty());
    CHECK(seqs.front() == n);
    CHECK(seqs.back() == 500); // the new record continues the numbering exactly
    f.stop();
}

TEST_CASE("after a crash (no ledger) numbering resumes past the reservation: a gap, never a number twice") {
    DiskFixture f(2, 12);
    f.start();
    SensorStore* s = f.sensor(1);
    for (std::uint32_t v = 0; v < 200; ++v) REQUIRE(ss_ts_add(s, v) == 0);
    for (int i = 0; i < 3; ++i) ss_manager_tick();
    f.drop();
    CHECK_FALSE(fs::exists(f.root + "/shutdown.ledger"));
    f.start();
    s = f.sensor(1);
    CHECK(stats_of(s).next_seq >= 200 + (1u << 19));
}
