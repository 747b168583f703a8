// Loss is visible: when recovery skips a unit that fails its CRC, or a file that ends inside a
// unit, the health flags, the per-sensor stats and the system stats say what was lost, the log
// says where, everything else is served in order, and the figures survive further restarts
// until the acknowledged boundary passes them. Through the C API, on real files.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ss/sensor_storage.h"
#include "support/disk_store_fixture.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::string>* g_log = nullptr;
void capture(void*, int, const char* msg) {
    if (g_log != nullptr) g_log->push_back(msg);
}

constexpr std::uint32_t unit_bytes = 256; // 56 TS records a unit
constexpr std::uint32_t per_unit = 56;

std::uint32_t value_of(std::uint32_t sensor, std::uint64_t seq) { return sensor * 1'000'000u + static_cast<std::uint32_t>(seq) * 3u + 1u; }

/// Two TS sensors over 40 units; the log is kept. start() registers both sensors, stop() ticks
/// at the fixture's own increasing time.
struct LossFixture : ss::test::DiskStoreFixture {
    LossFixture() : DiskStoreFixture(2, 40, "ss-loss-test") {
        cfg.log = capture;
        g_log = &log;
    }
    ~LossFixture() { g_log = nullptr; }
    void start() {
        log.clear();
        DiskStoreFixture::start();
        for (std::uint32_t id = 1; id <= 2; ++id) REQUIRE(ss_sensor_init(id, SENSOR_TS, &s[id - 1]) == 0);
        // A runtime ticks every 100 ms: the first tick makes the sensors' reservations durable.
        ss_manager_tick_at(now += 100);
    }
    void stop() {
        // A runtime ticks every 100 ms: a tick before the stop makes the reservations durable, so
        // the shutdown ledger numbers on exactly.
        ss_manager_tick_at(now += 100);
        stop_with([this] { ss_manager_tick_at(now += 100); }, 49);
    }
    bool logged(const std::string& a, const std::string& b) const {
        for (const auto& l : log)
            if (l.find(a) != std::string::npos && l.find(b) != std::string::npos) return true;
        return false;
    }
    /// Consumes everything unsent; returns the batches' (first_seq, count) and checks values.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> drain(std::uint32_t id) {
        std::vector<std::pair<std::uint64_t, std::uint32_t>> batches;
        std::vector<std::uint32_t> buf(1000);
        for (int k = 0; k < 100; ++k) {
            ss_manager_tick_at(now += 100);
            std::uint32_t n = 0;
            std::uint64_t first = 0;
            const int rc = ss_consume_batch_ex(s[id - 1], buf.data(), 1000, &n, &first);
            if (rc == -EAGAIN) break;
            REQUIRE(rc == 0);
            for (std::uint32_t j = 0; j < n; ++j) REQUIRE(buf[j] == value_of(id, first + j));
            if (!batches.empty() && batches.back().first + batches.back().second == first) batches.back().second += n;
            else batches.emplace_back(first, n);
        }
        return batches;
    }

    SensorStore* s[2] = {};
    std::vector<std::string> log;
    std::uint64_t now = 0;
};

using ss::test::flip_byte;
using ss::test::stats_of;
using ss::test::system_stats;

} // namespace

TEST_CASE("a CRC-bad unit and a file cut inside a unit: the stats say exactly what was lost, and where") {
    LossFixture f;
    f.start();
    // Sensor 1: ten units (records 0..559); sensor 2: five units (0..279). A clean stop writes
    // them all.
    for (std::uint64_t q = 0; q < 10 * per_unit; ++q) REQUIRE(ss_ts_add(f.s[0], value_of(1, q)) == 0);
    for (std::uint64_t q = 0; q < 5 * per_unit; ++q) REQUIRE(ss_ts_add(f.s[1], value_of(2, q)) == 0);
    f.stop();
    REQUIRE(fs::file_size(f.dat(1)) == 10 * unit_bytes);
    REQUIRE(fs::file_size(f.dat(2)) == 5 * unit_bytes);
    // A payload byte of sensor 1's fourth unit (records 168..223) goes bad; sensor 2's file is
    // cut 100 bytes into its last unit (records 224..279): the header survives, the rest does not.
    flip_byte(f.dat(1), 3 * unit_bytes + 100);
    fs::resize_file(f.dat(2), 4 * unit_bytes + 100);

    f.start();
    const SsSensorStats a = stats_of(f.s[0]);
    const SsSensorStats b = stats_of(f.s[1]);
    CHECK(a.lost_units == 1);
    CHECK(a.lost_records == per_unit);
    CHECK(a.retained == 9 * per_unit);
    CHECK(b.lost_units == 1);
    CHECK(b.lost_records == per_unit);
    CHECK(b.retained == 4 * per_unit);
    const SsSystemStats sys = system_stats();
    CHECK(sys.lost_units == 2);
    CHECK(sys.lost_records == 2 * per_unit);
    CHECK((sys.health_flags & SS_HEALTH_CORRUPTION) != 0);
    // The log names the file and the offset, and the records.
    CHECK(f.logged("host/sensor_0000000001.dat", "offset 768 failed its CRC check; records 168..223 lost"));
    CHECK(f.logged("host/sensor_0000000002.dat", "ends inside the unit at offset 1024"));
    CHECK(f.logged("host/sensor_0000000002.dat", "records 224..279 lost"));
    // ss_dump_stats prints the loss too.
    f.log.clear();
    REQUIRE(ss_dump_stats(1) == 0);
    CHECK(f.logged("sensor 1", "lost 56 records in 1 corrupt or torn units"));

    // Everything else is served, in order, the gap explicit in the sequence numbers.
    using Batches = std::vector<std::pair<std::uint64_t, std::uint32_t>>;
    CHECK(f.drain(1) == Batches{{0, 168}, {224, 336}});
    CHECK(f.drain(2) == Batches{{0, 224}});

    // A further restart (nothing acknowledged): the same loss, counted once, not twice.
    f.stop();
    f.start();
    CHECK(stats_of(f.s[0]).lost_units == 1);
    CHECK(stats_of(f.s[0]).lost_records == per_unit);
    CHECK(stats_of(f.s[1]).lost_units == 1);
    CHECK(stats_of(f.s[1]).lost_records == per_unit);
    CHECK((system_stats().health_flags & SS_HEALTH_CORRUPTION) != 0);
    CHECK(f.drain(1) == Batches{{0, 168}, {224, 336}});

    // Sensor 1's data is acknowledged past the loss: it is history. Sensor 2's is not.
    REQUIRE(ss_erase_all_pending(f.s[0]) == 0);
    CHECK(stats_of(f.s[0]).lost_units == 0);
    CHECK(stats_of(f.s[0]).lost_records == 0);
    CHECK(stats_of(f.s[1]).lost_units == 1);
    f.stop();
    f.start();
    CHECK(stats_of(f.s[0]).lost_units == 0);
    CHECK(stats_of(f.s[1]).lost_units == 1);
    CHECK(stats_of(f.s[1]).lost_records == per_unit);
    CHECK(system_stats().lost_units == 1);
    // New records number on past everything that was handed out.
    REQUIRE(ss_ts_add(f.s[0], 7) == 0);
    CHECK(stats_of(f.s[0]).next_seq == 10 * per_unit + 1);
    f.stop();
}

TEST_CASE("a unit whose header is unreadable is counted, its records unknown; acknowledged units are no loss") {
    LossFixture f;
    f.start();
    for (std::uint64_t q = 0; q < 6 * per_unit; ++q) REQUIRE(ss_ts_add(f.s[0], value_of(1, q)) == 0);
    f.stop();
    f.start();
    // The first two units are consumed and acknowledged.
    std::vector<std::uint32_t> buf(2 * per_unit);
    std::uint32_t n = 0;
    REQUIRE(ss_consume_batch(f.s[0], buf.data(), 2 * per_unit, &n) == 0);
    REQUIRE(n == 2 * per_unit);
    REQUIRE(ss_erase_all_pending(f.s[0]) == 0);
    f.stop();
    // Both the acknowledged first unit and the unsent fourth go bad; the fourth's header too.
    flip_byte(f.dat(1), 0 * unit_bytes + 50);
    flip_byte(f.dat(1), 3 * unit_bytes + 0); // the magic byte
    f.start();
    const SsSensorStats a = stats_of(f.s[0]);
    CHECK(a.lost_units == 1);  // the acknowledged unit cost nothing
    CHECK(a.lost_records == 0); // unknown: the header does not read as ours
    CHECK(a.retained == 3 * per_unit);
    CHECK(f.logged("host/sensor_0000000001.dat", "offset 768 failed its CRC check; its header is unreadable"));
    using Batches = std::vector<std::pair<std::uint64_t, std::uint32_t>>;
    CHECK(f.drain(1) == Batches{{112, 56}, {224, 112}});
    f.stop();
}
