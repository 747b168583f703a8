// gateway_demo — drives the C API the way a gateway application does, and prints what happens.
//
// Writer threads add time-series and event records for a few hundred simulated sensors; one
// uploader thread consumes batches, "transmits" them to a simulated cloud and erases them once
// the cloud acknowledges; a manager thread ticks every 100 ms. Midway the cloud goes offline:
// data piles up, the RAM pool reaches its high watermark and sealed sectors spill to the disk
// tier (without one, the oldest unsent sectors are recycled to keep the newest data); pending
// data is kept until the cloud comes back. At the end the gateway stops cleanly (everything
// flushed to disk), "restarts" and recovers what was left before draining it. Every line is what
// the library's own counters say at that moment. Besides, one high-rate sensor goes through the
// capture side (demo_capture.hpp): a simulated 100 kHz ADC, DMA halves handed over by index,
// averaged down to 2000 records a second (--no-capture leaves it out).
//
// Usage: gateway_demo [--sensors N] [--writers N] [--seconds S] [--rate HZ]
//                     [--profile embedded|gateway|stm32] [--disk DIR | --no-disk] [--no-capture]
//   embedded (default): the MCU's 256 B sectors, two per sensor, so the outage fills the pool
//   gateway:            the Linux RAM tier's 4 KB sectors, four per sensor
//   stm32:              the exact STM32 defaults: 100 sensors in 32 KB (RAM only)
//   --disk DIR:         the disk tier's root (default: a new directory under /tmp, removed after)
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "demo_capture.hpp"
#include "ss/sensor_storage.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    unsigned sensors = 300;
    unsigned writers = 4;
    double seconds = 8.0;
    unsigned rate_hz = 50; // records per second per sensor
    std::string profile = "embedded";
    std::string disk;     // empty: a temporary directory
    bool use_disk = true;
    bool capture = true;  // the 100 kHz ADC through the capture pipeline
};

[[noreturn]] void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--sensors N] [--writers N] [--seconds S] [--rate HZ] [--profile embedded|gateway|stm32]"
                 " [--disk DIR | --no-disk] [--no-capture]\n",
                 argv0);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--no-disk") {
            o.use_disk = false;
            continue;
        }
        if (a == "--no-capture") {
            o.capture = false;
            continue;
        }
        if (i + 1 >= argc) usage(argv[0]);
        const char* v = argv[++i];
        if (a == "--sensors") o.sensors = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
        else if (a == "--writers") o.writers = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
        else if (a == "--seconds") o.seconds = std::strtod(v, nullptr);
        else if (a == "--rate") o.rate_hz = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
        else if (a == "--profile") o.profile = v;
        else if (a == "--disk") o.disk = v;
        else usage(argv[0]);
    }
    if (o.profile == "stm32") {
        o.sensors = std::min(o.sensors, 100u);
        o.use_disk = false; // the MCU has no disk tier
    }
    if ((o.profile != "embedded" && o.profile != "gateway" && o.profile != "stm32") || o.sensors == 0 || o.writers == 0 || o.seconds <= 0 || o.rate_hz == 0) usage(argv[0]);
    return o;
}

void check(int rc, const char* what) {
    if (rc != 0) {
        std::fprintf(stderr, "%s failed: %s (%s)\n", what, ss_strerror(rc), ss_last_error());
        std::exit(1);
    }
}

struct Sensor {
    SensorStore* store = nullptr;
    SensorType type = SENSOR_TS;
    bool captured = false; // fed by the capture pipeline, not by a writer thread
};

/// The ADC sensor's id (source host), clear of the writers' ids.
constexpr std::uint32_t adc_sensor_id = 100000;

// The simulated cloud: it acknowledges every batch, except while it is offline.
std::atomic<bool> g_cloud_online{true};
std::atomic<bool> g_stop_writers{false};
std::atomic<std::uint64_t> g_adds{0};
std::atomic<std::uint64_t> g_refused{0};
std::atomic<std::uint64_t> g_uploaded{0};
std::atomic<std::uint64_t> g_batches{0};
std::atomic<std::uint64_t> g_failed_posts{0};

void writer(const std::vector<Sensor>& sensors, unsigned first, unsigned step, unsigned rate_hz) {
    // Each writer paces its share of the sensors at rate_hz records per sensor per second.
    const auto period = std::chrono::microseconds(1'000'000 / rate_hz);
    auto next = Clock::now();
    std::uint32_t value = first;
    while (!g_stop_writers.load(std::memory_order_relaxed)) {
        const auto now_ms = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
        for (unsigned i = first; i < sensors.size(); i += step) {
            const Sensor& s = sensors[i];
            if (s.captured) continue;
            const int rc = s.type == SENSOR_TS ? ss_ts_add(s.store, value) : ss_evt_add(s.store, value, now_ms);
            g_adds.fetch_add(1, std::memory_order_relaxed);
            if (rc == -ENOSPC) g_refused.fetch_add(1, std::memory_order_relaxed);
            else check(rc, "add");
        }
        ++value;
        next += period;
        std::this_thread::sleep_until(next);
    }
}

void uploader(const std::vector<Sensor>& sensors, std::atomic<bool>& stop) {
    // The transmit buffer is big enough for one batch of either record type.
    std::vector<SsEventRecord> buf(1024);
    while (!stop.load(std::memory_order_relaxed)) {
        bool idle = true;
        for (const Sensor& s : sensors) {
            uint64_t pending = 0;
            check(ss_get_pending_count(s.store, &pending), "ss_get_pending_count");
            // One batch in flight per sensor (003 §8): resend the pending batch until acked.
            if (pending == 0) {
                uint32_t n = 0;
                uint64_t first_seq = 0;
                const int rc = ss_consume_batch_ex(s.store, buf.data(), static_cast<uint32_t>(buf.size()), &n, &first_seq);
                if (rc == -EAGAIN) continue;
                check(rc, "ss_consume_batch_ex");
                g_batches.fetch_add(1, std::memory_order_relaxed);
                pending = n;
                idle = false;
            }
            if (g_cloud_online.load(std::memory_order_relaxed)) {
                check(ss_erase_all_pending(s.store), "ss_erase_all_pending"); // the cloud acknowledged
                g_uploaded.fetch_add(pending, std::memory_order_relaxed);
                idle = false;
            } else {
                g_failed_posts.fetch_add(1, std::memory_order_relaxed);
            }
        }
        if (idle || !g_cloud_online.load(std::memory_order_relaxed))
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void report(double t, const char* phase) {
    SsSystemStats st;
    check(ss_get_system_stats(&st), "ss_get_system_stats");
    std::uint64_t pending = 0, erased = 0, on_disk = 0;
    // Per-sensor figures summed: what a gateway's status page would show.
    for (uint32_t id = 0; id <= st.sensors; ++id) {
        SensorStore* s = nullptr;
        for (SsSource src : {SS_SOURCE_HOST, SS_SOURCE_APP, SS_SOURCE_CAN}) {
            // The writers' sensors have ids below the count; the last round is the ADC's sensor.
            if (ss_sensor_lookup(src, id == st.sensors ? adc_sensor_id : id, &s) != 0) continue;
            SsSensorStats ss;
            check(ss_get_sensor_stats(s, &ss), "ss_get_sensor_stats");
            pending += ss.pending;
            erased += ss.erased;
            on_disk += ss.disk_records;
        }
    }
    std::printf("%5.1fs %-9s in %8" PRIu64 "  retained %7" PRIu64 " (unsent %7" PRIu64 ", pending %5" PRIu64
                ")  on disk %7" PRIu64 " (%5.2f MiB)  acked %8" PRIu64 "  dropped %6" PRIu64 "  RAM %3u%%\n",
                t, phase, g_adds.load(), st.records_retained, st.records_retained - pending, pending, on_disk,
                static_cast<double>(st.disk_bytes_used) / (1024.0 * 1024.0), g_uploaded.load(),
                st.dropped_recycled + st.dropped_new + st.dropped_quota, st.ram_used_pct);
    std::fflush(stdout);
}

} // namespace

std::uint64_t dropped_so_far() {
    SsSystemStats st;
    check(ss_get_system_stats(&st), "ss_get_system_stats");
    return st.dropped_new + st.dropped_recycled + st.dropped_corrupt + st.dropped_quota;
}

void register_sensors(std::vector<Sensor>& sensors) {
    // Every third sensor logs events; the rest are time series. Ids per source start at 0.
    for (unsigned i = 0; i < sensors.size(); ++i) {
        if (sensors[i].captured) {
            check(ss_sensor_init_ex(SS_SOURCE_HOST, adc_sensor_id, SENSOR_TS, &sensors[i].store), "ss_sensor_init_ex");
            continue;
        }
        const SsSource src = static_cast<SsSource>(i % 3);
        sensors[i].type = i % 3 == 2 ? SENSOR_EVT : SENSOR_TS;
        check(ss_sensor_init_ex(src, i, sensors[i].type, &sensors[i].store), "ss_sensor_init_ex");
    }
}

/// The manager: ss_manager_tick every 100 ms, from one thread.
void manager(std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_relaxed)) {
        ss_manager_tick();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

int main(int argc, char** argv) {
    const Options opt = parse(argc, argv);

    SsInitCfg cfg;
    check(ss_config_defaults(&cfg, opt.profile == "gateway" ? SS_TARGET_LINUX : SS_TARGET_STM32), "ss_config_defaults");
    if (opt.profile != "stm32") {
        const size_t sectors_per_sensor = opt.profile == "gateway" ? 4 : 2;
        cfg.max_sensors = opt.sensors + (opt.capture ? 1 : 0);
        // The ADC sensor takes 2000 records a second (33 sectors of 256 B): headroom for it to ride
        // out a slow disk sync, while the disk tier holds what it is writing.
        cfg.ram_pool_bytes = (opt.sensors * sectors_per_sensor + (opt.capture ? 256 : 0)) * cfg.ram_sector_bytes;
    }
    std::string disk_root = opt.disk;
    if (opt.use_disk) {
        if (disk_root.empty()) {
            char tmpl[] = "/tmp/ss-demo-XXXXXX";
            if (mkdtemp(tmpl) == nullptr) {
                std::perror("mkdtemp");
                return 1;
            }
            disk_root = std::string(tmpl) + "/store";
        }
        cfg.disk_root = disk_root.c_str();
        cfg.force_seal_interval_ms = 2000; // a power cut loses at most about 2 s of data
    }
    size_t arena = 0;
    check(ss_arena_bytes(&cfg, &arena), "ss_arena_bytes");
    check(ss_init_system(&cfg), "ss_init_system");
    std::printf("sensor-storage demo: %u sensors (%s profile), %u writer threads at %u Hz per sensor, 1 uploader\n",
                opt.sensors, opt.profile.c_str(), opt.writers, opt.rate_hz);
    std::printf("RAM pool: %zu sectors of %u B (TS %u / EVT %u records each), arena %zu B in all\n",
                cfg.ram_pool_bytes / cfg.ram_sector_bytes, cfg.ram_sector_bytes, (cfg.ram_sector_bytes - 16) / 4,
                (cfg.ram_sector_bytes - 16) / 12, arena);
    if (opt.use_disk)
        std::printf("disk tier: %s (spill at %u%% RAM, quota %" PRIu64 " MiB)\n", disk_root.c_str(),
                    cfg.ram_high_watermark_pct, cfg.disk_quota_bytes >> 20);
    else
        std::printf("RAM only: a full pool recycles the oldest unsent sectors\n");

    const bool capture = opt.capture && opt.profile != "stm32"; // the stm32 profile is the exact 32 KB budget
    std::vector<Sensor> sensors(opt.sensors + (capture ? 1 : 0));
    if (capture) sensors.back().captured = true;
    register_sensors(sensors);
    std::unique_ptr<demo::CaptureStage> adc;
    if (capture) {
        adc = std::make_unique<demo::CaptureStage>(sensors.back().store, g_adds);
        std::printf("capture: a simulated %u Hz ADC, %zu-sample DMA halves through the lock-free pipeline into "
                    "host sensor %u (average of %u)\n",
                    demo::CaptureStage::rate_hz, demo::CaptureStage::half_samples, adc_sensor_id, demo::CaptureStage::decimation);
    }

    std::atomic<bool> stop_uploader{false}, stop_manager{false};
    std::thread up(uploader, std::cref(sensors), std::ref(stop_uploader));
    std::thread mgr(manager, std::ref(stop_manager));
    std::vector<std::thread> ws;
    for (unsigned w = 0; w < opt.writers; ++w) ws.emplace_back(writer, std::cref(sensors), w, opt.writers, opt.rate_hz);

    // The cloud is offline from 30 % of the run on; at 80 % the gateway stops with data still
    // unsent, restarts, and the cloud is back for the drain.
    const auto start = Clock::now();
    const double outage_from = opt.seconds * 0.3, outage_to = opt.seconds * 0.8;
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    for (double t = 0;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        t = elapsed();
        const bool offline = t >= outage_from && t < outage_to;
        if (offline == g_cloud_online.load()) {
            g_cloud_online.store(!offline);
            std::printf("------ cloud %s ------\n", offline ? "goes OFFLINE: batches stay pending, data piles up"
                                                           : "is back ONLINE");
        }
        report(t, offline ? "offline" : "online");
        if (adc) adc->print_status();
        if (t + 0.5 >= outage_to) break; // the gateway stops while the cloud is still away
    }
    if (adc) {
        adc->stop();
        adc->print_status();
    }
    g_stop_writers.store(true);
    for (auto& w : ws) w.join();
    stop_uploader.store(true);
    up.join();
    stop_manager.store(true);
    mgr.join();
    std::uint64_t dropped = dropped_so_far();

    if (opt.use_disk) {
        // A clean stop (SIGTERM in a real gateway): flush everything, open sectors included.
        std::printf("------ gateway stops: flushing everything to disk ------\n");
        ss_set_shutdown(true);
        const auto flush_start = Clock::now();
        int ticks = 0;
        while (!ss_shutdown_complete() && ticks < 600) {
            ss_manager_tick();
            ++ticks;
        }
        report(elapsed(), "stopped");
        std::fflush(stdout);
        std::printf("flushed in %.0f ms (%d ticks): %s\n",
                    std::chrono::duration<double, std::milli>(Clock::now() - flush_start).count(), ticks,
                    ss_shutdown_complete() ? "nothing is left only in RAM" : "NOT complete");
        check(ss_deinit_system(), "ss_deinit_system");
        std::printf("------ gateway restarts: recovering %s ------\n", disk_root.c_str());
        std::fflush(stdout);
        const auto t0 = Clock::now();
        check(ss_init_system(&cfg), "ss_init_system");
        register_sensors(sensors);
        std::printf("recovered in %.0f ms\n", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        report(elapsed(), "recovered");
        g_cloud_online.store(true);
        stop_uploader.store(false);
        stop_manager.store(false);
        up = std::thread(uploader, std::cref(sensors), std::ref(stop_uploader));
        mgr = std::thread(manager, std::ref(stop_manager));
    } else {
        g_cloud_online.store(true);
        stop_uploader.store(false);
        stop_manager.store(false);
        up = std::thread(uploader, std::cref(sensors), std::ref(stop_uploader));
        mgr = std::thread(manager, std::ref(stop_manager));
    }
    // Drain: the uploader keeps going until nothing is unsent or pending.
    for (;;) {
        SsSystemStats st;
        check(ss_get_system_stats(&st), "ss_get_system_stats");
        if (st.records_retained == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        report(elapsed(), "draining");
    }
    stop_uploader.store(true);
    up.join();
    stop_manager.store(true);
    mgr.join();
    report(elapsed(), "drained");
    // With a disk tier the restart began new counters; without one they ran on from the start.
    dropped = (opt.use_disk ? dropped : 0) + dropped_so_far();

    SsScrubReport scrub;
    check(ss_scrub(&scrub), "ss_scrub");
    SsSystemStats st;
    check(ss_get_system_stats(&st), "ss_get_system_stats");
    std::printf("\nsummary: %" PRIu64 " records offered, %" PRIu64 " acknowledged by the cloud in %" PRIu64
                " batches, %" PRIu64 " dropped by policy, %" PRIu64 " posts refused while offline\n",
                g_adds.load(), g_uploaded.load(), g_batches.load(), dropped, g_failed_posts.load());
    const bool balanced = g_adds.load() == g_uploaded.load() + dropped;
    std::printf("accounting: offered = acknowledged + dropped: %s; pool low watermark %u of %u sectors free; "
                "scrub: %u sectors checked, %u corrupt\n",
                balanced ? "yes" : "NO", st.sectors_free_min, st.sectors_total, scrub.sectors_checked,
                scrub.corrupt_sectors);
    check(ss_deinit_system(), "ss_deinit_system");
    if (opt.use_disk && opt.disk.empty()) std::filesystem::remove_all(std::filesystem::path(disk_root).parent_path());
    return balanced ? 0 : 1;
}
