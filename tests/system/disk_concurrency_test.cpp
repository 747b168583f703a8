// The disk tier under concurrency: writer threads, one uploader and a manager ticking every
// millisecond race on spill, write, trim, consume and erase. Every record that is not counted as
// dropped is delivered exactly once, in order per sensor, with its value; delivered + dropped is
// what was offered; and a clean stop leaves nothing behind. Whether anything is dropped depends
// on how fast this machine syncs files (a stalled tick lets the RAM pool fill), so that is
// counted, not forbidden. Meant to run under ThreadSanitizer too.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ss/sensor_storage.h"

namespace {

void silent(void*, int, const char*) {}

constexpr std::uint32_t sensors = 24;
constexpr std::uint32_t writers = 4;
constexpr std::uint32_t per_sensor = 4000;

std::uint32_t value_of(std::uint32_t sensor, std::uint64_t seq) {
    return static_cast<std::uint32_t>(sensor * 1'000'003u + seq * 7u);
}

} // namespace

TEST_CASE("writers, an uploader and a busy manager move every record through the disk tier exactly once") {
    char tmpl[] = "/tmp/ss-disk-conc-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::string root = std::string(tmpl) + "/data";
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.ram_sector_bytes = 256;
    cfg.disk_sector_bytes = 4096;
    cfg.max_sensors = sensors;
    // Headroom for a stalled tick: creating the files and metas takes tens of ms of fsyncs.
    cfg.ram_pool_bytes = std::size_t{sensors} * 16 * 256;
    cfg.disk_root = root.c_str();
    cfg.force_seal_interval_ms = 20;
    cfg.log = silent;
    REQUIRE(ss_init_system(&cfg) == 0);
    std::vector<SensorStore*> s(sensors);
    for (std::uint32_t i = 0; i < sensors; ++i)
        REQUIRE(ss_sensor_init_ex(static_cast<SsSource>(i % 3), i, i % 4 == 3 ? SENSOR_EVT : SENSOR_TS, &s[i]) == 0);

    std::atomic<bool> writing{true}, managing{true};
    std::atomic<int> add_errors{0};
    std::atomic<std::uint32_t> writers_done{0};
    // Each writer owns sensors w, w + writers, …: per sensor one writer, so value = f(seq).
    std::vector<std::thread> ws;
    for (std::uint32_t w = 0; w < writers; ++w) {
        ws.emplace_back([&, w] {
            for (std::uint64_t seq = 0; seq < per_sensor; ++seq) {
                for (std::uint32_t i = w; i < sensors; i += writers) {
                    const std::uint32_t v = value_of(i, seq);
                    const int rc = i % 4 == 3 ? ss_evt_add(s[i], v, seq) : ss_ts_add(s[i], v);
                    if (rc != 0) add_errors.fetch_add(1);
                }
                // A few thousand records per second per sensor: fast, but within what the pool
                // absorbs while a tick syncs files; overload is the RAM policy's business.
                std::this_thread::sleep_for(std::chrono::microseconds(300));
            }
            writers_done.fetch_add(1);
        });
    }
    std::thread manager([&] {
        while (managing.load()) {
            ss_manager_tick();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });

    // The uploader: per sensor, the sequence numbers it expects next and a failure list.
    std::vector<std::uint64_t> next(sensors, 0);
    std::vector<std::uint64_t> delivered(sensors, 0);
    std::vector<std::string> failures;
    std::vector<SsEventRecord> buf(512);
    int rounds_since_progress = 0;
    for (;;) {
        bool progress = false;
        for (std::uint32_t i = 0; i < sensors; ++i) {
            std::uint32_t n = 0;
            std::uint64_t first = 0;
            const int rc = ss_consume_batch_ex(s[i], buf.data(), 512, &n, &first);
            if (rc == -EAGAIN) continue;
            if (rc != 0) {
                failures.push_back("consume rc " + std::to_string(rc));
                continue;
            }
            progress = true;
            // Dropped records leave gaps; a batch never goes back or repeats.
            if (first < next[i]) failures.push_back("sensor " + std::to_string(i) + ": batch at " +
                                                    std::to_string(first) + " after " + std::to_string(next[i]));
            delivered[i] += n;
            const bool evt = i % 4 == 3;
            for (std::uint32_t k = 0; k < n; ++k) {
                const std::uint32_t v = evt ? buf[k].value : reinterpret_cast<const std::uint32_t*>(buf.data())[k];
                if (v != value_of(i, first + k)) failures.push_back("sensor " + std::to_string(i) + ": wrong value");
            }
            next[i] = first + n;
            // Acknowledge most batches at once, some a pass later (kept pending meanwhile).
            if ((first / 512) % 3 != 0) REQUIRE(ss_erase_all_pending(s[i]) == 0);
        }
        for (std::uint32_t i = 0; i < sensors; ++i)
            if (next[i] % 2 == 0) REQUIRE(ss_erase_all_pending(s[i]) == 0);
        if (!writing.load()) {
            rounds_since_progress = progress ? 0 : rounds_since_progress + 1;
            if (rounds_since_progress > 200) break;
        }
        if (writing.load()) {
            bool all_done = true;
            for (std::uint32_t i = 0; i < sensors; ++i) all_done = all_done && next[i] >= per_sensor;
            if (all_done) writing.store(false);
            // With drops the last seqs may never be delivered: stop once the writers are done.
            if (std::all_of(ws.begin(), ws.end(), [](std::thread& t) { return t.joinable(); }) && writers_done.load() == writers)
                writing.store(false);
        }
        if (!progress) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    for (auto& w : ws) w.join();
    for (std::uint32_t i = 0; i < sensors; ++i) REQUIRE(ss_erase_all_pending(s[i]) == 0);

    SsSystemStats sys{};
    REQUIRE(ss_get_system_stats(&sys) == 0);
    std::vector<std::uint64_t> dropped(sensors);
    for (std::uint32_t i = 0; i < sensors; ++i) {
        SsSensorStats st{};
        REQUIRE(ss_get_sensor_stats(s[i], &st) == 0);
        dropped[i] = st.dropped_new + st.dropped_recycled + st.dropped_corrupt + st.dropped_quota;
        CHECK(st.next_seq == per_sensor);
    }
    ss_set_shutdown(true);
    for (int i = 0; i < 100 && !ss_shutdown_complete(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    managing.store(false);
    manager.join();
    CHECK(ss_shutdown_complete());
    REQUIRE(ss_deinit_system() == 0);

    INFO("first failures: " << (failures.empty() ? std::string("none") : failures.front()));
    CHECK(failures.empty());
    for (std::uint32_t i = 0; i < sensors; ++i) {
        INFO("sensor " << i);
        CHECK(delivered[i] + dropped[i] == per_sensor);
    }
    CHECK(static_cast<std::uint64_t>(add_errors.load()) == sys.dropped_new);
    CHECK(sys.dropped_corrupt == 0);
    CHECK(sys.records_retained == 0);
    MESSAGE("dropped under load: " << sys.dropped_new << " refused, " << sys.dropped_recycled << " recycled, "
                                   << sys.dropped_quota << " at the quota, of " << std::uint64_t{sensors} * per_sensor
                                   << "; RAM sectors free at worst: " << sys.sectors_free_min);
    std::filesystem::remove_all(tmpl);
}
