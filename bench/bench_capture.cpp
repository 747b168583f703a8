// ss_bench_capture: seed 000's targets for a 1 MSPS ADC stream — 0 overflows, capture-to-store
// latency (seed: p50 < 50 µs), CPU use of the pipeline (seed: < 5 % of one core) — measured over a
// long run, against a baseline measured in the same run (docs/capture-pipeline.md).
//
//   pipeline  SimAdc (its own real-time thread, 512-sample halves, ramp) → its callback calls
//             AdcPipeline::on_capture (copy into a pool buffer, index onto the SPSC ring) and
//             releases a semaphore → a consumer thread drains process_next (processing + the
//             route's HandleSink: ss_ts_add_many into a RAM store) → an uploader thread reads and
//             erases the store every 5 ms, as a gateway's uploader does.
//   baseline  what a gateway developer writes without this library's capture side: the callback
//             copies the half into a std::vector pushed onto a std::deque under a std::mutex, with
//             a std::condition_variable notify; the consumer pops and calls ss_ts_add per sample.
//             Same ADC, store and uploader.
//
// CPU use of the pipeline = (CPU time of the consumer thread, CLOCK_THREAD_CPUTIME_ID read in that
// thread, + the monotonic time spent inside on_capture in the ADC callback) / wall time. For the
// baseline, the copy + locked push replaces on_capture. The wake-up (semaphore release / notify) is
// timed separately and shown both ways. The simulation's own cost is not the pipeline's: it is
// shown with the process's total CPU for context.
//
// The figures are information, never a verdict: the program exits non-zero only when something
// fails (a refused configuration, an ADC that does not start, samples or records unaccounted for,
// a record with a wrong value).
//
// Flags: --seconds=N (pipeline run, default 60), --rate=HZ (default 1000000), --baseline-seconds=N
// (default 20; 0 skips the baseline), --wake=posix|std (the consumer's wake-up: a POSIX semaphore,
// the default, or std::counting_semaphore), --help.
#include <semaphore.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ss/capture/adc_pipeline.hpp"
#include "ss/capture/latency_histogram.hpp"
#include "ss/handle_sink.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_adc.hpp"
#include "ss/sensor_storage.h"

using namespace ss::capture;

namespace {

constexpr std::uint32_t samples_per_half = 512;
/// Pool buffers of the pipeline under test: 64 × 512 samples = 32 ms of slack at 1 MSPS.
constexpr std::size_t pipeline_buffers = 64;
constexpr auto upload_period = std::chrono::milliseconds(5);

/// How the ADC callback wakes the pipeline's consumer.
enum class WakeKind {
    posix_semaphore, ///< sem_post / sem_wait: sleeps in the kernel at once
    std_semaphore,   ///< std::counting_semaphore: libstdc++ 12's spins and sched_yield()s before it sleeps
};

struct Options {
    double seconds = 60.0;
    std::uint32_t rate_hz = 1'000'000;
    double baseline_seconds = 20.0;
    WakeKind wake = WakeKind::posix_semaphore;
};

/// The consumer's sleep until the next block, either way (--wake). With std::counting_semaphore
/// a consumer that finds nothing to do yields the core before it sleeps; on a busy machine the
/// other runnable thread keeps it for its time slice, and the next block waits that long.
class Wake {
public:
    explicit Wake(WakeKind kind) : kind_(kind) { sem_init(&posix_, 0, 0); }
    ~Wake() { sem_destroy(&posix_); }
    Wake(const Wake&) = delete;
    Wake& operator=(const Wake&) = delete;

    void release() noexcept {
        if (kind_ == WakeKind::posix_semaphore) (void)sem_post(&posix_);
        else std_.release();
    }
    void acquire() noexcept {
        if (kind_ == WakeKind::std_semaphore) return std_.acquire();
        while (sem_wait(&posix_) != 0 && errno == EINTR) {
        }
    }

private:
    WakeKind kind_;
    sem_t posix_{};
    std::counting_semaphore<> std_{0};
};

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: ss_bench_capture [--seconds=N] [--rate=HZ] [--baseline-seconds=N] [--wake=posix|std] [--help]\n"
                 "  --seconds=N           length of the pipeline run in seconds (default 60)\n"
                 "  --rate=HZ             ADC sample rate, 1..1000000 samples/s, one channel (default 1000000)\n"
                 "  --baseline-seconds=N  length of the baseline run (mutex + deque + ss_ts_add per sample);\n"
                 "                        default 20, 0 skips it\n"
                 "  --wake=posix|std      how the ADC callback wakes the pipeline's consumer: a POSIX semaphore\n"
                 "                        (default) or std::counting_semaphore\n"
                 "Prints overflows, capture-to-store latency, CPU use and the baseline ratios; exits non-zero\n"
                 "only on an error (never on a missed target).\n");
}

bool parse_double(std::string_view text, double& out) {
    const std::string s(text);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !(v >= 0.0) || v > 86400.0) return false;
    out = v;
    return true;
}

/// 0: run; 1: --help printed; 2: bad flag.
int parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        double v = 0.0;
        if (a == "--help" || a == "-h") {
            usage(stdout);
            return 1;
        } else if (a.starts_with("--seconds=") && parse_double(a.substr(10), v) && v > 0.0) {
            o.seconds = v;
        } else if (a.starts_with("--baseline-seconds=") && parse_double(a.substr(19), v)) {
            o.baseline_seconds = v;
        } else if (a == "--wake=posix") {
            o.wake = WakeKind::posix_semaphore;
        } else if (a == "--wake=std") {
            o.wake = WakeKind::std_semaphore;
        } else if (a.starts_with("--rate=") && parse_double(a.substr(7), v) && v >= 1.0 && v <= 1'000'000.0 &&
                   v == static_cast<double>(static_cast<std::uint32_t>(v))) {
            o.rate_hz = static_cast<std::uint32_t>(v);
        } else {
            std::fprintf(stderr, "ss_bench_capture: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

std::uint64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

double process_cpu_s() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string load_average() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c;
    if (!(f >> a >> b >> c)) return "unknown";
    return a + " " + b + " " + c;
}

std::string machine() {
    utsname u{};
    std::string s = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.machine : "unknown system";
    s += ", " + std::to_string(std::thread::hardware_concurrency()) + " logical cores";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.starts_with("model name")) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) s += ", " + line.substr(colon + 2);
            break;
        }
    }
    return s;
}

void quiet(void*, int, const char*) {}

/// A RAM-only store (disk_root NULL) with one time-series sensor; torn down by the destructor.
class RamStore {
public:
    bool init(std::string& why) {
        SsInitCfg cfg{};
        if (ss_config_defaults(&cfg, SS_TARGET_LINUX) != 0) {
            why = "ss_config_defaults failed";
            return false;
        }
        cfg.disk_root = nullptr;
        cfg.max_sensors = 1;
        cfg.ram_pool_bytes = std::size_t{16} << 20; // 4 Mi records: seconds of 1 MSPS between uploads
        cfg.log = quiet;
        if (const int rc = ss_init_system(&cfg); rc != 0) {
            why = std::string("ss_init_system: ") + ss_strerror(rc) + ": " + ss_last_error();
            return false;
        }
        initialised_ = true;
        if (const int rc = ss_sensor_init(1, SENSOR_TS, &store_); rc != 0) {
            why = std::string("ss_sensor_init: ") + ss_strerror(rc);
            return false;
        }
        return true;
    }
    ~RamStore() {
        if (initialised_) ss_deinit_system();
    }
    SensorStore* store() const { return store_; }

private:
    bool initialised_ = false;
    SensorStore* store_ = nullptr;
};

/// The gateway's uploader: every few ms reads everything unsent and erases it (the cloud's
/// acknowledgement), on its own thread. Checks that record numbers never go back, counts the gaps,
/// and compares each value with the ramp assuming no block was lost (valid only then: the caller
/// decides whether the check counts).
class Uploader {
public:
    explicit Uploader(SensorStore* s) : store_(s) {}

    void start() {
        thread_ = std::thread([this] { run(); });
    }
    void stop() {
        stop_.store(true, std::memory_order_release);
        if (thread_.joinable()) thread_.join();
    }

    std::uint64_t read = 0;
    std::uint64_t gaps = 0;
    std::uint64_t value_mismatches = 0;
    std::uint64_t errors = 0;
    double cpu_s = 0.0;

private:
    void run() {
        const std::uint64_t cpu0 = thread_cpu_ns();
        for (;;) {
            const bool last = stop_.load(std::memory_order_acquire);
            drain();
            if (last) break;
            std::this_thread::sleep_for(upload_period);
        }
        cpu_s = static_cast<double>(thread_cpu_ns() - cpu0) / 1e9;
    }

    void drain() {
        for (;;) {
            std::uint32_t n = 0;
            std::uint64_t first = 0;
            const int rc = ss_consume_batch_ex(store_, buf_, batch, &n, &first);
            if (rc == -EAGAIN) return;
            if (rc != 0) {
                ++errors;
                return;
            }
            if (first < next_seq_) ++errors;
            else gaps += first - next_seq_;
            for (std::uint32_t i = 0; i < n; ++i)
                if (buf_[i] != ((first + i) & 0xFFFu)) ++value_mismatches;
            next_seq_ = first + n;
            read += n;
            if (ss_erase_all_pending(store_) != 0) ++errors;
        }
    }

    static constexpr std::uint32_t batch = 4096;
    SensorStore* store_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::uint64_t next_seq_ = 0;
    std::uint32_t buf_[batch] = {};
};

/// The figures of one run.
struct RunResult {
    std::string name;
    bool ran = false;
    bool ok = true;
    std::vector<std::string> errors;
    double wall_s = 0.0;
    AdcStats adc{};
    std::uint64_t produced = 0;         // samples the ADC produced (written + lost at the hardware)
    std::uint64_t captured = 0;         // samples handed to the consumer side
    std::uint64_t overflow_blocks = 0;  // blocks dropped at capture
    std::uint64_t overflow_samples = 0;
    std::uint64_t processed = 0;
    std::uint64_t stored = 0;
    std::uint64_t dropped = 0;          // records the store refused
    std::uint64_t recycled = 0;         // unsent records the store recycled (pool full)
    std::uint64_t uploaded = 0;
    bool values_checked = false;
    std::uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
    double consumer_cpu_s = 0.0;
    double handover_s = 0.0; // on_capture, or copy + locked push
    double wake_s = 0.0;     // semaphore release, or notify_one
    double uploader_cpu_s = 0.0;
    double process_cpu_s = 0.0;
    std::string slack;       // pool low watermark, or the deque's deepest
    std::string load_before, load_after;

    double cpu_pct() const { return wall_s > 0 ? 100.0 * (consumer_cpu_s + handover_s) / wall_s : 0.0; }
    double cpu_with_wake_pct() const { return wall_s > 0 ? 100.0 * (consumer_cpu_s + handover_s + wake_s) / wall_s : 0.0; }
    void fail(std::string why) {
        ok = false;
        errors.push_back(std::move(why));
    }
};

void take_latency(RunResult& r, const LatencyHistogram& h) {
    r.p50 = h.quantile_us(0.5);
    r.p90 = h.quantile_us(0.9);
    r.p99 = h.quantile_us(0.99);
    r.p999 = h.quantile_us(0.999);
    r.max = h.max_us();
}

/// The checks both runs share: every sample and record accounted for, values exact when checkable.
void account(RunResult& r, const Uploader& up, SensorStore* store) {
    SsSensorStats st{};
    if (ss_get_sensor_stats(store, &st) != 0) r.fail("ss_get_sensor_stats failed");
    r.recycled = st.dropped_recycled;
    r.uploaded = up.read;
    r.uploader_cpu_s = up.cpu_s;
    r.produced = r.adc.samples_written + r.adc.samples_lost;
    if (r.captured + r.overflow_samples != r.produced) r.fail("captured + lost at capture != samples the ADC produced");
    if (r.processed != r.captured) r.fail("processed != captured");
    if (r.stored + r.dropped != r.processed) r.fail("records stored + dropped != samples processed");
    if (st.written != r.stored) r.fail("the store's written count differs from the records stored");
    if (up.read + st.dropped_recycled != r.stored) r.fail("records uploaded + recycled != records stored");
    if (up.gaps > r.dropped + st.dropped_recycled) r.fail("more gaps in the record numbers than records dropped");
    if (up.errors != 0) r.fail("the uploader's store calls failed or went backwards");
    // Record n is sample n of the ramp only when nothing was lost on the way.
    r.values_checked = r.overflow_samples == 0 && r.adc.samples_lost == 0 && r.dropped == 0 && st.dropped_recycled == 0;
    if (r.values_checked && up.value_mismatches != 0)
        r.fail(std::to_string(up.value_mismatches) + " records differ from the ramp");
}

SimAdcConfig adc_config(std::uint32_t rate_hz) {
    SimAdcConfig c;
    c.sample_rate_hz = rate_hz;
    c.channels = 1;
    c.samples_per_half = samples_per_half;
    c.signal = AdcSignal::ramp;
    c.ramp_step = 1;
    return c;
}

// ---- the pipeline ----------------------------------------------------------------------------

using Pipeline = AdcPipeline<samples_per_half, pipeline_buffers>;

struct PipelineRig {
    explicit PipelineRig(WakeKind kind) : wake(kind) {}
    Pipeline pipeline;
    Wake wake;
    std::atomic<bool> stopping{false};
    // ADC thread only; read after SimAdc::stop().
    std::uint64_t handover_ns = 0;
    std::uint64_t wake_ns = 0;

    static bool on_half(void* ctx, const AdcHalfEvent& e) noexcept {
        auto& rig = *static_cast<PipelineRig*>(ctx);
        const std::size_t values = std::size_t{e.samples} * e.channels;
        const std::uint64_t t0 = mono_ns();
        if (e.lost) rig.pipeline.drop_block(values);
        else (void)rig.pipeline.on_capture({e.values, values}, e.first_sample, e.time_us);
        const std::uint64_t t1 = mono_ns();
        rig.wake.release();
        const std::uint64_t t2 = mono_ns();
        rig.handover_ns += t1 - t0;
        rig.wake_ns += t2 - t1;
        return true; // copied: the half is free again
    }
};

RunResult run_pipeline(const Options& o) {
    RunResult r;
    r.name = "pipeline";
    r.ran = true;
    RamStore ram;
    std::string why;
    if (!ram.init(why)) {
        r.fail(why);
        return r;
    }
    auto sink = ss::HandleSink::open(ram.store());
    if (!sink) {
        r.fail("HandleSink::open: not a registered sensor");
        return r;
    }
    auto rig = std::make_unique<PipelineRig>(o.wake);
    AdcRoute route;
    route.channel = 0;
    route.sink = &*sink;
    route.processing.sample_rate_hz = o.rate_hz;
    ss::Text text;
    if (!rig->pipeline.configure(1, {&route, 1}, text)) {
        r.fail(std::string("AdcPipeline::configure: ") + text.c_str());
        return r;
    }
    SimAdc adc(adc_config(o.rate_hz));
    std::vector<std::uint16_t> dma(2 * samples_per_half);
    Uploader up(ram.store());

    std::uint64_t consumer_cpu_ns = 0;
    std::thread consumer([&rig, &consumer_cpu_ns] {
        const std::uint64_t cpu0 = thread_cpu_ns();
        for (;;) {
            rig->wake.acquire();
            const bool last = rig->stopping.load(std::memory_order_acquire);
            rig->pipeline.drain(posix_monotonic_now_us);
            if (last) break;
        }
        consumer_cpu_ns = thread_cpu_ns() - cpu0;
    });
    up.start();

    r.load_before = load_average();
    const double cpu0 = process_cpu_s();
    const std::uint64_t t0 = mono_ns();
    const int rc = adc.start(dma, &PipelineRig::on_half, rig.get());
    if (rc == 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    adc.stop(); // no callback after this
    r.wall_s = static_cast<double>(mono_ns() - t0) / 1e9;
    rig->stopping.store(true, std::memory_order_release);
    rig->wake.release();
    consumer.join();
    up.stop();
    r.process_cpu_s = process_cpu_s() - cpu0;
    r.load_after = load_average();
    if (rc != 0) {
        r.fail(std::string("SimAdc::start: ") + std::strerror(-rc));
        return r;
    }

    r.adc = adc.stats();
    const AdcPipelineStats ps = rig->pipeline.stats();
    r.captured = ps.samples_captured;
    r.overflow_blocks = ps.buffer_overflows;
    r.overflow_samples = ps.samples_lost;
    r.processed = ps.samples_processed;
    r.stored = ps.records_stored;
    r.dropped = ps.records_dropped;
    take_latency(r, rig->pipeline.latency());
    r.consumer_cpu_s = static_cast<double>(consumer_cpu_ns) / 1e9;
    r.handover_s = static_cast<double>(rig->handover_ns) / 1e9;
    r.wake_s = static_cast<double>(rig->wake_ns) / 1e9;
    r.slack = "pool low watermark " + std::to_string(ps.pool_low_watermark) + " of " + std::to_string(pipeline_buffers) +
              " buffers";
    if (ps.buffers_pending != 0) r.fail("blocks left in the queue after the drain");
    account(r, up, ram.store());
    return r;
}

// ---- the baseline ----------------------------------------------------------------------------

struct BaselineRig {
    struct Item {
        std::vector<std::uint16_t> values;
        std::uint64_t capture_us = 0;
    };
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Item> queue;
    bool done = false;
    std::size_t deepest = 0;
    // ADC thread only; read after SimAdc::stop().
    std::uint64_t handover_ns = 0;
    std::uint64_t wake_ns = 0;
    std::uint64_t lost_at_hardware = 0;

    static bool on_half(void* ctx, const AdcHalfEvent& e) noexcept {
        auto& rig = *static_cast<BaselineRig*>(ctx);
        const std::uint64_t t0 = mono_ns();
        if (e.lost) {
            rig.lost_at_hardware += std::size_t{e.samples} * e.channels;
            return true;
        }
        // Allocation failure would end the program: that is the baseline as commonly written.
        Item item{std::vector<std::uint16_t>(e.values, e.values + std::size_t{e.samples} * e.channels), e.time_us};
        {
            const std::lock_guard lock(rig.mutex);
            rig.queue.push_back(std::move(item));
            if (rig.queue.size() > rig.deepest) rig.deepest = rig.queue.size();
        }
        const std::uint64_t t1 = mono_ns();
        rig.ready.notify_one();
        const std::uint64_t t2 = mono_ns();
        rig.handover_ns += t1 - t0;
        rig.wake_ns += t2 - t1;
        return true;
    }
};

RunResult run_baseline(const Options& o) {
    RunResult r;
    r.name = "baseline";
    r.ran = true;
    RamStore ram;
    std::string why;
    if (!ram.init(why)) {
        r.fail(why);
        return r;
    }
    auto rig = std::make_unique<BaselineRig>();
    SimAdc adc(adc_config(o.rate_hz));
    std::vector<std::uint16_t> dma(2 * samples_per_half);
    Uploader up(ram.store());
    LatencyHistogram latency;
    SensorStore* store = ram.store();

    std::uint64_t consumer_cpu_ns = 0, processed = 0, stored = 0, dropped = 0, add_errors = 0;
    std::thread consumer([&] {
        const std::uint64_t cpu0 = thread_cpu_ns();
        for (;;) {
            std::unique_lock lock(rig->mutex);
            rig->ready.wait(lock, [&] { return !rig->queue.empty() || rig->done; });
            if (rig->queue.empty()) break; // done and drained
            BaselineRig::Item item = std::move(rig->queue.front());
            rig->queue.pop_front();
            lock.unlock();
            for (const std::uint16_t v : item.values) {
                const int rc = ss_ts_add(store, v);
                if (rc == 0) ++stored;
                else if (rc == -ENOSPC) ++dropped;
                else ++add_errors;
            }
            processed += item.values.size();
            const std::uint64_t now = posix_monotonic_now_us();
            latency.record(now > item.capture_us ? now - item.capture_us : 0);
        }
        consumer_cpu_ns = thread_cpu_ns() - cpu0;
    });
    up.start();

    r.load_before = load_average();
    const double cpu0 = process_cpu_s();
    const std::uint64_t t0 = mono_ns();
    const int rc = adc.start(dma, &BaselineRig::on_half, rig.get());
    if (rc == 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.baseline_seconds));
    adc.stop();
    r.wall_s = static_cast<double>(mono_ns() - t0) / 1e9;
    {
        const std::lock_guard lock(rig->mutex);
        rig->done = true;
    }
    rig->ready.notify_one();
    consumer.join();
    up.stop();
    r.process_cpu_s = process_cpu_s() - cpu0;
    r.load_after = load_average();
    if (rc != 0) {
        r.fail(std::string("SimAdc::start: ") + std::strerror(-rc));
        return r;
    }

    r.adc = adc.stats();
    r.captured = processed; // the deque never refuses: everything the callback copied is processed
    r.overflow_samples = rig->lost_at_hardware;
    r.processed = processed;
    r.stored = stored;
    r.dropped = dropped;
    take_latency(r, latency);
    r.consumer_cpu_s = static_cast<double>(consumer_cpu_ns) / 1e9;
    r.handover_s = static_cast<double>(rig->handover_ns) / 1e9;
    r.wake_s = static_cast<double>(rig->wake_ns) / 1e9;
    r.slack = "deque deepest " + std::to_string(rig->deepest) + " blocks";
    if (add_errors != 0) r.fail("ss_ts_add failed other than for room");
    account(r, up, store);
    return r;
}

// ---- report ----------------------------------------------------------------------------------

void print_run(const RunResult& r) {
    std::printf("%s: %.3f s, load average %s -> %s\n", r.name.c_str(), r.wall_s, r.load_before.c_str(),
                r.load_after.c_str());
    std::printf("  ADC: %llu halves, %llu samples written, %llu lost at the hardware; lateness mean %.1f us, max %llu us\n",
                (unsigned long long)r.adc.halves, (unsigned long long)r.adc.samples_written,
                (unsigned long long)r.adc.samples_lost, r.adc.lateness.mean_us(),
                (unsigned long long)r.adc.lateness.max_us);
    std::printf("  samples: %llu produced, %llu captured, %llu processed; overflows %llu blocks (%llu samples)\n",
                (unsigned long long)r.produced, (unsigned long long)r.captured, (unsigned long long)r.processed,
                (unsigned long long)r.overflow_blocks, (unsigned long long)r.overflow_samples);
    std::printf("  records: %llu stored, %llu dropped by the store, %llu recycled, %llu uploaded; values %s\n",
                (unsigned long long)r.stored, (unsigned long long)r.dropped, (unsigned long long)r.recycled,
                (unsigned long long)r.uploaded,
                r.values_checked ? "exact (every record checked against the ramp)" : "not checked (samples were lost)");
    std::printf("  capture-to-store latency: p50 %llu us, p90 %llu us, p99 %llu us, p99.9 %llu us, max %llu us; %s\n",
                (unsigned long long)r.p50, (unsigned long long)r.p90, (unsigned long long)r.p99,
                (unsigned long long)r.p999, (unsigned long long)r.max, r.slack.c_str());
    std::printf("  CPU: consumer thread %.3f s, hand-over in the callback %.3f s, wake-up %.3f s -> %.2f %% of one core "
                "(%.2f %% with the wake-up)\n",
                r.consumer_cpu_s, r.handover_s, r.wake_s, r.cpu_pct(), r.cpu_with_wake_pct());
    std::printf("  context: uploader thread %.3f s CPU; whole process %.3f s CPU (%.1f %% of one core, includes the "
                "ADC simulation)\n",
                r.uploader_cpu_s, r.process_cpu_s, r.wall_s > 0 ? 100.0 * r.process_cpu_s / r.wall_s : 0.0);
    for (const auto& e : r.errors) std::printf("  ERROR: %s\n", e.c_str());
    std::fflush(stdout);
}

std::string ratio(double a, double b) {
    if (!(b > 0.0)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", a / b);
    return buf;
}

void row(const char* what, const std::string& p, const std::string& b, const std::string& ratio_text) {
    std::printf("  %-34s %16s %16s %12s\n", what, p.c_str(), b.c_str(), ratio_text.c_str());
}

std::string num(std::uint64_t v) { return std::to_string(v); }
std::string fix(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

void summary(const Options& o, const RunResult& p, const RunResult& b) {
    std::printf("\nsummary (%u samples/s, %u-sample halves, 1 channel; ratio = pipeline / baseline, lower is better)\n",
                o.rate_hz, samples_per_half);
    row("", "pipeline", b.ran ? "baseline" : "(no baseline)", "ratio");
    row("run time, s", fix(p.wall_s, 1), b.ran ? fix(b.wall_s, 1) : "-", "");
    row("samples produced", num(p.produced), b.ran ? num(b.produced) : "-", "");
    row("overflows, blocks", num(p.overflow_blocks), b.ran ? num(b.overflow_blocks) : "-", "");
    row("overflows, samples", num(p.overflow_samples), b.ran ? num(b.overflow_samples) : "-", "");
    row("records stored", num(p.stored), b.ran ? num(b.stored) : "-", "");
    row("records dropped by the store", num(p.dropped), b.ran ? num(b.dropped) : "-", "");
    const auto lat_ratio = [&](std::uint64_t pv, std::uint64_t bv) {
        return b.ran ? ratio(static_cast<double>(pv), static_cast<double>(bv)) : std::string("-");
    };
    row("latency p50, us", num(p.p50), b.ran ? num(b.p50) : "-", lat_ratio(p.p50, b.p50));
    row("latency p99, us", num(p.p99), b.ran ? num(b.p99) : "-", lat_ratio(p.p99, b.p99));
    row("latency max, us", num(p.max), b.ran ? num(b.max) : "-", lat_ratio(p.max, b.max));
    row("CPU, % of one core", fix(p.cpu_pct(), 3), b.ran ? fix(b.cpu_pct(), 3) : "-",
        b.ran ? ratio(p.cpu_pct(), b.cpu_pct()) : "-");
    row("CPU with wake-up, % of one core", fix(p.cpu_with_wake_pct(), 3), b.ran ? fix(b.cpu_with_wake_pct(), 3) : "-",
        b.ran ? ratio(p.cpu_with_wake_pct(), b.cpu_with_wake_pct()) : "-");
    row("ADC lateness max, us", num(p.adc.lateness.max_us), b.ran ? num(b.adc.lateness.max_us) : "-", "");
    std::printf("seed targets for the pipeline: 0 overflows: %s; latency p50 < 50 us: %s; CPU < 5 %% of one core: %s\n",
                p.overflow_blocks == 0 ? "met" : "missed", p.p50 < 50 ? "met" : "missed",
                p.cpu_pct() < 5.0 ? "met" : "missed");
    std::printf("(latency quantiles are histogram bucket edges: 2 us wide below 128 us, powers of two above)\n");
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (const int rc = parse(argc, argv, o); rc != 0) return rc == 1 ? 0 : 2;
    std::printf("ss_bench_capture: %s\n", machine().c_str());
    std::printf("workload: SimAdc %u samples/s, 1 channel, %u-sample halves, ramp; RAM-only store; uploader every %lld ms\n",
                o.rate_hz, samples_per_half, static_cast<long long>(upload_period.count()));
    std::printf("pipeline: AdcPipeline<%u, %zu> (copying on_capture), %s wake-up, process_next -> HandleSink -> ss_ts_add_many; "
                "%.0f s\n",
                samples_per_half, pipeline_buffers,
                o.wake == WakeKind::posix_semaphore ? "POSIX semaphore" : "std::counting_semaphore", o.seconds);
    if (o.baseline_seconds > 0)
        std::printf("baseline: vector copy + std::deque under std::mutex + condition_variable, ss_ts_add per sample; %.0f s\n",
                    o.baseline_seconds);
    std::printf("\n");
    std::fflush(stdout);

    const RunResult p = run_pipeline(o);
    print_run(p);
    RunResult b;
    b.name = "baseline";
    if (o.baseline_seconds > 0) {
        b = run_baseline(o);
        print_run(b);
    }
    summary(o, p, b);
    const bool ok = p.ok && (!b.ran || b.ok);
    if (!ok) std::printf("ss_bench_capture: FAILED (see ERROR lines)\n");
    return ok ? 0 : 1;
}
