// ss_bench_actors: the same 1 MSPS ADC workload through the CAF actor runtime and through the
// direct pipeline, in one process, so every figure that matters is a ratio measured under the
// same disturbances (docs/benchmarks.md, "Actor pipeline vs direct pipeline").
//
//   direct  SimAdc (1 MSPS, 1 channel, 512-sample halves, ramp) → its callback calls
//           AdcPipeline<512, 64>::on_capture and posts a POSIX semaphore → a consumer thread
//           drains into a StoreSink of an Engine held by ss::actors::StorageHost (RAM only) → an
//           uploader thread consumes and erases every 5 ms and runs the manager tick every 100 ms.
//   actors  ss::actors::Pipeline on a caf::actor_system (policy 'sharing', 2 workers) with the
//           same source, one sensor without a chain, RAM only, the uploader stage every 5 ms
//           with an in-process transport that acknowledges every batch, the storage-flush
//           stage's tick every 100 ms.
//
// Both sides get the same storage configuration, the same period and batch size for uploads,
// and the same check of every stored value against the ramp. Rounds alternate which side goes
// first, so a change in the machine's load over the run does not favour either side.
//
// CPU is the process's (getrusage RUSAGE_SELF) over a window of `--seconds` that starts once a
// side is capturing and ends before it is stopped: every thread counts — ADC simulation,
// consumer or CAF workers, uploader, CAF's clock thread — and set-up and shutdown do not. The
// split by thread over the same window (CPU and sleeps per block) says where the difference is.
//
// Then, to see where the actor side's time goes, probes in the same process:
//   - the wake hop at the block rate: sem_post → a thread in sem_wait (the direct side's wake),
//     a mutex + condition variable hand-over with the notify inside and after the lock, and
//     caf::anon_send → an idle actor, scheduled and detached (the actor side's wake);
//   - the quality count the actor side's processing stage does per value and the direct side
//     does not.
// `--actor-side=wired|wired-detached` replaces the Pipeline by its stages spawned by hand, with
// the processing stage on the shared workers or on a thread of its own: a runtime change tried
// without changing the runtime.
//
// Exit status: 1 if a run overflowed, lost samples, or stored a wrong or unaccounted record;
// 2 on a bad flag; 0 otherwise. The latency and CPU aims are reported, never enforced.
#include <dirent.h>
#include <semaphore.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ss/actors/pipeline.hpp"
#include "ss/actors/processing.hpp"
#include "ss/actors/storage_flush.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/actors/uploader.hpp"
#include "ss/capture/adc_pipeline.hpp"
#include "ss/capture/channel.hpp"
#include "ss/capture/latency_histogram.hpp"
#include "ss/config.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_adc.hpp"
#include "ss/store_sink.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t rate_hz = 1'000'000;
constexpr std::uint32_t samples_per_half = 512;
constexpr std::uint32_t capture_buffers = 64; // 32 ms of slack at 1 MSPS
constexpr auto upload_period = 5ms;
constexpr auto manager_tick = 100ms;           // the runtime's default PipelineSpec::tick
constexpr std::uint32_t upload_batch_records = 65'536;
constexpr std::size_t ram_pool_bytes = std::size_t{32} << 20; // ~8 s of 1 MSPS if the uploader stalls
constexpr SsSource sensor_bus = SS_SOURCE_APP;
constexpr std::uint32_t sensor_id = 1;

// ---- flags ---------------------------------------------------------------------------------

/// How the actor system schedules; the setting is 'sharing' with 2 threads (what
/// tests/actors/pipeline_test.cpp runs), the flags try others.
struct CafSettings {
    std::string policy = "sharing";
    int threads = 2;

    void apply(caf::actor_system_config& cfg) const {
        cfg.set("scheduler.policy", policy == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
        cfg.set("scheduler.max-threads", threads);
    }
};

/// What runs as the actor side.
enum class ActorSide {
    pipeline,       ///< ss::actors::Pipeline, as a gateway runs it
    wired,          ///< the same stages spawned by hand (checks the hand wiring against the Pipeline)
    wired_detached, ///< as `wired`, the processing stage on a thread of its own (a proposed change)
};

struct Options {
    double seconds = 10.0;
    int rounds = 3;
    double hop_seconds = 2.0;
    CafSettings caf;
    ActorSide actor_side = ActorSide::pipeline;
};

void usage(std::FILE* to) {
    std::fprintf(to,
                 "usage: ss_bench_actors [--seconds=N] [--rounds=N] [--hop-seconds=N] [--caf-policy=P]\n"
                 "                       [--caf-threads=N] [--actor-side=S] [--help]\n"
                 "  --seconds=N      measured window of each side in each round (default 10)\n"
                 "  --rounds=N       rounds, alternating which side runs first (default 3)\n"
                 "  --hop-seconds=N  each wake-hop probe (POSIX semaphore, condition variable, CAF message);\n"
                 "                   default 2, 0 skips them\n"
                 "  --caf-policy=sharing|stealing  the actor system's scheduler (default sharing)\n"
                 "  --caf-threads=N  its worker threads (default 2)\n"
                 "  --actor-side=pipeline|wired|wired-detached\n"
                 "                   the actor side: ss::actors::Pipeline (default), or its stages spawned by\n"
                 "                   hand with the processing stage on the shared workers or detached\n"
                 "The same 1 MSPS ADC workload through the CAF actor pipeline and the direct AdcPipeline:\n"
                 "overflows, capture-to-stored latency, process CPU and the ratio actors / direct. Exits 1 if\n"
                 "a run overflowed or stored wrong data, never on a missed latency or CPU aim.\n");
}

bool parse_number(std::string_view text, double& out) {
    const std::string s(text);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !(v >= 0.0) || v > 86'400.0) return false;
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
        } else if (a.starts_with("--seconds=") && parse_number(a.substr(10), v) && v > 0.0) {
            o.seconds = v;
        } else if (a.starts_with("--rounds=") && parse_number(a.substr(9), v) && v >= 1.0 && v <= 1000.0 &&
                   v == static_cast<double>(static_cast<int>(v))) {
            o.rounds = static_cast<int>(v);
        } else if (a.starts_with("--hop-seconds=") && parse_number(a.substr(14), v)) {
            o.hop_seconds = v;
        } else if (a == "--actor-side=pipeline") {
            o.actor_side = ActorSide::pipeline;
        } else if (a == "--actor-side=wired") {
            o.actor_side = ActorSide::wired;
        } else if (a == "--actor-side=wired-detached") {
            o.actor_side = ActorSide::wired_detached;
        } else if (a == "--caf-policy=sharing" || a == "--caf-policy=stealing") {
            o.caf.policy = std::string(a.substr(13));
        } else if (a.starts_with("--caf-threads=") && parse_number(a.substr(14), v) && v >= 1.0 && v <= 64.0 &&
                   v == static_cast<double>(static_cast<int>(v))) {
            o.caf.threads = static_cast<int>(v);
        } else {
            std::fprintf(stderr, "ss_bench_actors: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

template <class T>
T median(std::vector<T> v) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return T{};
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : static_cast<T>((v[n / 2 - 1] + v[n / 2]) / 2);
}

// ---- clocks and the machine ----------------------------------------------------------------

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

/// CPU time the hypervisor gave to other guests instead of this one, all vCPUs summed (the
/// "steal" column of /proc/stat): a share of the window in which nothing of ours could run.
double steal_s() {
    std::ifstream f("/proc/stat");
    std::string cpu;
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") return 0.0;
    return static_cast<double>(steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
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

// ---- per-thread CPU --------------------------------------------------------------------------

/// The threads CAF started, by id: a thread the ADC simulation starts from a CAF worker inherits
/// the worker's name, so names alone cannot tell the two apart.
class CafThreads {
public:
    static CafThreads& instance() {
        static CafThreads threads;
        return threads;
    }
    void add(pid_t tid) {
        const std::lock_guard lock(mutex_);
        tids_.insert(tid);
    }
    void remove(pid_t tid) {
        const std::lock_guard lock(mutex_);
        tids_.erase(tid);
    }
    bool contains(pid_t tid) {
        const std::lock_guard lock(mutex_);
        return tids_.contains(tid);
    }

private:
    std::mutex mutex_;
    std::set<pid_t> tids_;
};

/// Registers every thread CAF starts (workers, the clock, a detached actor's thread).
class RegisterCafThreads final : public caf::thread_hook {
public:
    void init(caf::actor_system&) override {}
    void thread_started() override { CafThreads::instance().add(gettid()); }
    void thread_terminates() override { CafThreads::instance().remove(gettid()); }
};

/// What the threads of one role did between two readings.
struct ThreadUsage {
    double cpu_s = 0.0;
    std::uint64_t sleeps = 0;      ///< voluntary context switches: the thread blocked (each wake-up costs one)
    std::uint64_t preemptions = 0; ///< involuntary ones: the thread was runnable and lost its core
    double waited_s = 0.0;         ///< time runnable but waiting for a core (schedstat run delay)
};

/// Per-thread CPU time and context switches between two readings, by role: the split of the
/// process figure. A thread's CPU clock is read by its id (the kernel's per-thread CPU clock,
/// what pthread_getcpuclockid hands out), which works for threads this program did not start;
/// the switches come from /proc/self/task/<id>/status, the time spent waiting for a core from
/// its schedstat.
class ThreadUsageMeter {
public:
    /// Names a thread this program starts, so the split can tell it apart (15 characters at most).
    static void name_this_thread(const char* name) noexcept { prctl(PR_SET_NAME, name, 0, 0, 0); }

    void start() { at_start_ = read(); }

    /// Usage since start() per role (threads of one role summed). The role is the thread's
    /// name, except: the main thread is "main"; CAF 0.17 names its workers "caf.multiplexer"
    /// (shown as "caf.worker") and its detached actors' threads "caf.actor" (the uploader stage,
    /// shown as "caf.detached"); any other thread that is not CAF's but carries a CAF name or the
    /// process's is the ADC simulation's device thread ("sim-adc").
    std::map<std::string, ThreadUsage> since_start() const {
        std::map<std::string, ThreadUsage> out;
        const pid_t main_tid = getpid();
        const std::string process = process_name();
        for (const auto& [tid, now] : read()) {
            Sample base;
            if (const auto before = at_start_.find(tid); before != at_start_.end()) base = before->second;
            std::string role = now.name;
            if (tid == main_tid) role = "main";
            else if (CafThreads::instance().contains(tid))
                role = now.name == "caf.multiplexer" ? "caf.worker"
                       : now.name == "caf.actor"     ? "caf.detached"
                                                     : now.name;
            else if (now.name.starts_with("caf.") || now.name == process) role = "sim-adc";
            ThreadUsage& u = out[role];
            u.cpu_s += static_cast<double>(now.cpu_ns - std::min(base.cpu_ns, now.cpu_ns)) / 1e9;
            u.sleeps += now.voluntary - std::min(base.voluntary, now.voluntary);
            u.preemptions += now.involuntary - std::min(base.involuntary, now.involuntary);
            u.waited_s += static_cast<double>(now.run_delay_ns - std::min(base.run_delay_ns, now.run_delay_ns)) / 1e9;
        }
        return out;
    }

private:
    struct Sample {
        std::string name;
        std::uint64_t cpu_ns = 0;
        std::uint64_t voluntary = 0;
        std::uint64_t involuntary = 0;
        std::uint64_t run_delay_ns = 0;
    };

    static std::string process_name() {
        std::ifstream f("/proc/self/comm");
        std::string name;
        std::getline(f, name);
        return name;
    }

    static std::map<pid_t, Sample> read() {
        std::map<pid_t, Sample> out;
        DIR* dir = opendir("/proc/self/task");
        if (dir == nullptr) return out;
        while (const dirent* e = readdir(dir)) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
            const auto tid = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
            // Linux's CPU clock of thread `tid`: (~tid << 3) | CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED.
            const auto clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
            timespec ts{};
            if (clock_gettime(clock, &ts) != 0) continue; // the thread ended meanwhile
            Sample s;
            s.cpu_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
            const std::string dir_name = std::string("/proc/self/task/") + e->d_name;
            std::ifstream comm(dir_name + "/comm");
            std::getline(comm, s.name);
            std::ifstream status(dir_name + "/status");
            for (std::string line; std::getline(status, line);) {
                if (line.starts_with("voluntary_ctxt_switches:"))
                    s.voluntary = std::strtoull(line.c_str() + 24, nullptr, 10);
                else if (line.starts_with("nonvoluntary_ctxt_switches:"))
                    s.involuntary = std::strtoull(line.c_str() + 27, nullptr, 10);
            }
            // "<ns on a core> <ns runnable, waiting for one> <time slices>"
            std::ifstream schedstat(dir_name + "/schedstat");
            std::uint64_t on_core_ns = 0;
            schedstat >> on_core_ns >> s.run_delay_ns;
            out[tid] = std::move(s);
        }
        closedir(dir);
        return out;
    }

    std::map<pid_t, Sample> at_start_;
};

// ---- storage and the value check -----------------------------------------------------------

void quiet(void*, int, const char*) {}

/// The storage both sides run on: RAM only, room for seconds of data.
SsInitCfg storage_config() {
    SsInitCfg cfg = ss::default_config(SS_TARGET_LINUX);
    cfg.disk_root = nullptr;
    cfg.max_sensors = 4;
    cfg.ram_pool_bytes = ram_pool_bytes;
    cfg.log = quiet;
    return cfg;
}

ss::capture::SimAdcConfig adc_config() {
    ss::capture::SimAdcConfig c;
    c.sample_rate_hz = rate_hz;
    c.channels = 1;
    c.samples_per_half = samples_per_half;
    c.signal = ss::capture::AdcSignal::ramp;
    c.ramp_step = 1;
    return c;
}

/// What an uploader saw of the one sensor's records. Record n is ADC sample n — value n mod 4096
/// — as long as no block was lost and the store dropped nothing; the caller decides whether the
/// value check counts. One thread at a time (each side's uploader, then the final read-out).
struct UploadCheck {
    std::uint64_t records = 0;
    std::uint64_t gaps = 0;       ///< record numbers skipped (records the store dropped or recycled)
    std::uint64_t backwards = 0;  ///< batches that went back: never acceptable
    std::uint64_t mismatches = 0; ///< records whose value is not the ramp's at their number
    std::uint64_t next_seq = 0;

    void take(std::uint64_t first_seq, const std::byte* records_bytes, std::uint32_t count) {
        if (first_seq < next_seq) ++backwards;
        else gaps += first_seq - next_seq;
        for (std::uint32_t i = 0; i < count; ++i) {
            std::uint32_t value = 0;
            std::memcpy(&value, records_bytes + std::size_t{i} * ss::sector::ts_record_bytes, sizeof value);
            if (value != ((first_seq + i) & 0xFFFu)) ++mismatches;
        }
        next_seq = first_seq + count;
        records += count;
    }
};

/// Consumes and erases everything unsent of `store`, checking it. Returns false on a store error.
bool drain_store(ss::Engine& engine, ss::SensorStore& store, std::vector<std::byte>& buffer, UploadCheck& check) {
    for (;;) {
        auto got = engine.consume(store, buffer.data(), upload_batch_records);
        if (!got) return got.error() == ss::Errc::try_again;
        check.take(got->first_seq, buffer.data(), got->count);
        engine.erase_all_pending(store);
    }
}

// ---- one run's figures -----------------------------------------------------------------------

struct RunFigures {
    std::string side;
    bool ok = true;
    std::vector<std::string> errors;
    double wall_s = 0.0;      // the measured window
    double overslept_s = 0.0; // how late the window's sleep ended: the main thread waited that long for a core
    double steal_s = 0.0;     // vCPU time the hypervisor took over the window
    double cpu_s = 0.0;       // process CPU over the window
    std::map<std::string, ThreadUsage> threads; // over the window, by role
    std::string load_before, load_after;
    std::uint64_t blocks = 0;       // handed to processing
    std::uint64_t overflows = 0;    // blocks dropped at capture
    std::uint64_t samples_lost = 0;
    std::uint64_t records_stored = 0;
    std::uint64_t records_dropped = 0;
    std::uint64_t records_recycled = 0;
    std::uint64_t records_uploaded = 0;
    bool values_checked = false;
    bool values_wrong = false;
    std::uint64_t p50 = 0, p99 = 0, p999 = 0, max = 0;
    bool adc_lateness_known = false; // the runtime keeps its SimAdc to itself
    std::uint64_t adc_lateness_max_us = 0;

    double cpu_per_s() const { return wall_s > 0.0 ? cpu_s / wall_s : 0.0; }
    /// Without the ADC simulation's thread (the same simulated hardware on both sides; its
    /// share also holds the capture callback: copy and wake).
    double cpu_per_s_without_device() const {
        const auto device = threads.find("sim-adc");
        const double device_s = device == threads.end() ? 0.0 : device->second.cpu_s;
        return wall_s > 0.0 ? (cpu_s - device_s) / wall_s : 0.0;
    }
    void fail(std::string why) {
        ok = false;
        errors.push_back(std::move(why));
    }
};

/// The checks both sides share, on what the store and the uploader saw.
void check_records(RunFigures& r, const SsSensorStats& store, const UploadCheck& up) {
    r.records_recycled = store.dropped_recycled;
    r.records_uploaded = up.records;
    if (store.written != r.records_stored) r.fail("the store's written count differs from the records stored");
    if (up.records + store.dropped_recycled != r.records_stored)
        r.fail("records uploaded + recycled != records stored");
    if (up.backwards != 0) r.fail("record numbers went backwards");
    if (up.gaps > r.records_dropped + store.dropped_recycled)
        r.fail("more gaps in the record numbers than records dropped");
    r.values_checked = r.samples_lost == 0 && r.records_dropped == 0 && store.dropped_recycled == 0;
    r.values_wrong = r.values_checked && up.mismatches != 0;
    if (r.values_wrong) r.fail(std::to_string(up.mismatches) + " records differ from the ramp");
    if (r.overflows != 0 || r.samples_lost != 0) r.fail("samples were lost at capture");
}

/// Sleeps through the measured window, taking the process's CPU and the threads' split.
void measure_window(const Options& o, RunFigures& r) {
    ThreadUsageMeter threads;
    r.load_before = load_average();
    threads.start();
    const double steal0 = steal_s();
    const double cpu0 = process_cpu_s();
    const std::uint64_t t0 = mono_ns();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    r.cpu_s = process_cpu_s() - cpu0;
    r.wall_s = static_cast<double>(mono_ns() - t0) / 1e9;
    r.steal_s = steal_s() - steal0;
    r.overslept_s = std::max(0.0, r.wall_s - o.seconds);
    r.threads = threads.since_start();
    r.load_after = load_average();
}

// ---- direct: SimAdc → AdcPipeline → consumer thread → StoreSink ------------------------------

using DirectPipeline = ss::capture::AdcPipeline<samples_per_half, capture_buffers>;

struct DirectRig {
    DirectPipeline pipeline;
    sem_t wake{};
    std::atomic<bool> stopping{false};
    bool adc_named = false; // the device thread's only

    DirectRig() { sem_init(&wake, 0, 0); }
    ~DirectRig() { sem_destroy(&wake); }
    DirectRig(const DirectRig&) = delete;
    DirectRig& operator=(const DirectRig&) = delete;

    static bool on_half(void* ctx, const ss::capture::AdcHalfEvent& e) noexcept {
        auto& rig = *static_cast<DirectRig*>(ctx);
        if (!rig.adc_named) {
            ThreadUsageMeter::name_this_thread("sim-adc");
            rig.adc_named = true;
        }
        const std::size_t values = std::size_t{e.samples} * e.channels;
        if (e.lost) rig.pipeline.drop_block(values);
        else (void)rig.pipeline.on_capture({e.values, values}, e.first_sample, e.time_us);
        (void)sem_post(&rig.wake);
        return true; // copied: the half is free again
    }
};

/// The gateway's uploader of the direct side, on its own thread: every upload period it
/// consumes and erases everything unsent; every manager period it runs the engine's tick, as
/// the runtime's storage-flush stage does.
class DirectUploader {
public:
    DirectUploader(ss::Engine& engine, ss::SensorStore& store)
        : engine_(engine), store_(store), buffer_(std::size_t{upload_batch_records} * ss::sector::ts_record_bytes) {}

    void start() {
        thread_ = std::thread([this] { run(); });
    }
    /// Takes what is left, then joins.
    void stop() {
        stop_.store(true, std::memory_order_release);
        if (thread_.joinable()) thread_.join();
    }

    UploadCheck check;
    std::uint64_t errors = 0;

private:
    void run() {
        ThreadUsageMeter::name_this_thread("uploader");
        auto next_tick = std::chrono::steady_clock::now() + manager_tick;
        for (;;) {
            const bool last = stop_.load(std::memory_order_acquire);
            if (!drain_store(engine_, store_, buffer_, check)) ++errors;
            if (last) break;
            const auto now = std::chrono::steady_clock::now();
            if (now >= next_tick) {
                engine_.tick(static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()));
                next_tick += manager_tick;
            }
            std::this_thread::sleep_for(upload_period);
        }
    }

    ss::Engine& engine_;
    ss::SensorStore& store_;
    std::vector<std::byte> buffer_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

RunFigures run_direct(const Options& o) {
    RunFigures r;
    r.side = "direct";
    ss::Text why;
    auto host = ss::actors::StorageHost::open(storage_config(), why);
    if (!host) {
        r.fail(std::string("StorageHost::open: ") + why.c_str());
        return r;
    }
    ss::Engine& engine = (*host)->engine();
    auto registered = engine.register_sensor(sensor_bus, sensor_id, ss::RecordType::ts, why);
    if (!registered) {
        r.fail(std::string("register_sensor: ") + why.c_str());
        return r;
    }
    ss::SensorStore& store = **registered;
    ss::StoreSink sink(engine, store);
    auto rig = std::make_unique<DirectRig>();
    ss::capture::AdcRoute route;
    route.channel = 0;
    route.sink = &sink;
    route.processing.sample_rate_hz = rate_hz;
    if (!rig->pipeline.configure(1, {&route, 1}, why)) {
        r.fail(std::string("AdcPipeline::configure: ") + why.c_str());
        return r;
    }
    std::thread consumer([&rig] {
        ThreadUsageMeter::name_this_thread("consumer");
        for (;;) {
            while (sem_wait(&rig->wake) != 0 && errno == EINTR) {
            }
            const bool last = rig->stopping.load(std::memory_order_acquire);
            rig->pipeline.drain(ss::capture::posix_monotonic_now_us);
            if (last) break;
        }
    });
    DirectUploader uploader(engine, store);
    uploader.start();
    ss::capture::SimAdc adc(adc_config());
    std::vector<std::uint16_t> dma(std::size_t{2} * samples_per_half);
    const int rc = adc.start(dma, &DirectRig::on_half, rig.get());
    if (rc == 0) measure_window(o, r);
    adc.stop(); // no callback after this
    rig->stopping.store(true, std::memory_order_release);
    (void)sem_post(&rig->wake);
    consumer.join();
    uploader.stop();
    if (rc != 0) {
        r.fail(std::string("SimAdc::start: ") + std::strerror(-rc));
        return r;
    }

    const ss::capture::AdcStats as = adc.stats();
    r.adc_lateness_known = true;
    r.adc_lateness_max_us = as.lateness.max_us;
    const ss::capture::AdcPipelineStats ps = rig->pipeline.stats();
    r.blocks = ps.samples_captured / samples_per_half;
    r.overflows = ps.buffer_overflows;
    r.samples_lost = ps.samples_lost;
    r.records_stored = ps.records_stored;
    r.records_dropped = ps.records_dropped;
    const ss::capture::LatencyHistogram& h = rig->pipeline.latency();
    r.p50 = h.quantile_us(0.5);
    r.p99 = h.quantile_us(0.99);
    r.p999 = h.quantile_us(0.999);
    r.max = h.max_us();
    if (ps.samples_captured + ps.samples_lost != as.samples_written + as.samples_lost)
        r.fail("samples captured + lost != samples the ADC produced");
    if (ps.samples_processed != ps.samples_captured || ps.buffers_pending != 0) r.fail("blocks left unprocessed");
    if (ps.records_stored + ps.records_dropped != ps.samples_processed)
        r.fail("records stored + dropped != samples processed");
    if (uploader.errors != 0) r.fail("the uploader's store calls failed");
    SsSensorStats st{};
    engine.stats(store, st);
    check_records(r, st, uploader.check);
    return r;
}

// ---- actors: ss::actors::Pipeline on a CAF actor system --------------------------------------

/// The uploader stage's transport: acknowledges every batch after checking it, as the direct
/// side's uploader checks what it consumes. Called on the uploader stage's thread; read after
/// the pipeline's shutdown (the lock makes that hand-over plain).
class CheckingTransport final : public ss::hal::UploadTransport {
public:
    ss::hal::UploadResult send(const ss::hal::UploadBatch& b) noexcept override {
        const std::lock_guard lock(mutex_);
        if (b.source != sensor_bus || b.sensor_id != sensor_id || b.type != ss::RecordType::ts) ++foreign_;
        else check_.take(b.first_seq, b.records, b.count);
        return {ss::hal::UploadOutcome::acknowledged, 0};
    }
    UploadCheck check() {
        const std::lock_guard lock(mutex_);
        return check_;
    }
    std::uint64_t foreign() {
        const std::lock_guard lock(mutex_);
        return foreign_;
    }

private:
    std::mutex mutex_;
    UploadCheck check_;
    std::uint64_t foreign_ = 0;
};

ss::actors::PipelineSpec actor_spec() {
    ss::actors::PipelineSpec spec;
    spec.gateway = "bench";
    spec.storage = storage_config();
    spec.tick = manager_tick;
    ss::actors::SourceSpec adc;
    adc.name = "adc0";
    adc.kind = ss::actors::SourceKind::sim_adc;
    adc.bus = sensor_bus;
    adc.rate_hz = rate_hz;
    adc.channels = 1;
    adc.samples_per_half = samples_per_half;
    adc.buffers = capture_buffers;
    adc.signal = ss::actors::SignalShape::ramp;
    adc.ramp_step = 1;
    spec.sources = {adc};
    ss::actors::SensorSpec raw;
    raw.name = "raw";
    raw.source = "adc0";
    raw.id = sensor_id;
    raw.channel = 0;
    spec.sensors = {raw};
    spec.uploader.period = upload_period;
    spec.uploader.batch_records = upload_batch_records;
    spec.http.enabled = false;
    return spec;
}

/// A source's counters once its stages have stopped, however they were read.
struct SourceCounters {
    std::uint64_t blocks = 0, overflows = 0, samples_lost = 0, records_stored = 0, records_dropped = 0, queued = 0;
    std::uint64_t p50 = 0, p99 = 0, p999 = 0, max = 0;
};

/// The actor side's checks once its stages have stopped: the source's accounting, then every
/// stored record — what the transport got, and what the uploader stage had not sent yet.
void finish_actor_run(RunFigures& r, const SourceCounters& src, ss::Engine& engine, CheckingTransport& transport) {
    r.blocks = src.blocks;
    r.overflows = src.overflows;
    r.samples_lost = src.samples_lost;
    r.records_stored = src.records_stored;
    r.records_dropped = src.records_dropped;
    r.p50 = src.p50;
    r.p99 = src.p99;
    r.p999 = src.p999;
    r.max = src.max;
    if (src.queued != 0) r.fail("blocks left unprocessed");
    // Without a chain every captured sample is one record offered; a block lost in processing
    // would be in samples_lost beyond the overflows' share.
    const std::uint64_t lost_in_processing =
        src.samples_lost - std::min(src.samples_lost, src.overflows * samples_per_half);
    if (src.records_stored + src.records_dropped + lost_in_processing != src.blocks * samples_per_half)
        r.fail("records stored + dropped != samples captured");
    UploadCheck check = transport.check();
    if (transport.foreign() != 0) r.fail("the transport got batches of another sensor");
    ss::SensorStore* store = engine.find(sensor_bus, sensor_id);
    if (store == nullptr) {
        r.fail("the sensor's store is gone");
        return;
    }
    std::vector<std::byte> buffer(std::size_t{upload_batch_records} * ss::sector::ts_record_bytes);
    if (!drain_store(engine, *store, buffer, check)) r.fail("reading the rest of the store failed");
    SsSensorStats st{};
    engine.stats(*store, st);
    check_records(r, st, check);
}

/// The actor system of one run: CAF's threads exist only while the actor side is measured.
struct ActorSystem {
    caf::actor_system_config cfg;
    std::unique_ptr<caf::actor_system> system;
    explicit ActorSystem(const CafSettings& settings) {
        settings.apply(cfg);
        cfg.add_thread_hook<RegisterCafThreads>();
        system = std::make_unique<caf::actor_system>(cfg);
    }
};

/// The actor side as a gateway runs it: ss::actors::Pipeline.
RunFigures run_pipeline(const Options& o) {
    RunFigures r;
    r.side = "actors";
    ActorSystem actors(o.caf);
    CheckingTransport transport;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    std::vector<std::string> logged;
    std::mutex log_mutex;
    options.log = [&](int, const std::string& line) {
        const std::lock_guard lock(log_mutex);
        logged.push_back(line);
    };
    std::string why;
    auto pipeline = ss::actors::Pipeline::start(*actors.system, actor_spec(), why, options);
    if (!pipeline) {
        r.fail("Pipeline::start: " + why);
        return r;
    }
    measure_window(o, r);
    (void)pipeline->shutdown();
    const ss::actors::RuntimeSnapshot snap = pipeline->snapshot();
    if (snap.sources.size() != 1 || snap.sensors.size() != 1) {
        r.fail("the pipeline does not run the one source and sensor asked for");
        return r;
    }
    const ss::actors::SourceSnapshot& s = snap.sources[0];
    finish_actor_run(r,
                     SourceCounters{s.blocks, s.overflows, s.samples_lost, s.records_stored, s.records_dropped,
                                    s.queued, s.latency_p50_us, s.latency_p99_us, s.latency_p999_us,
                                    s.latency_max_us},
                     pipeline->engine(), transport);
    if (!snap.healthy) r.fail("the runtime reports itself unhealthy");
    const std::lock_guard lock(log_mutex);
    for (const std::string& line : logged) r.fail("runtime: " + line);
    return r;
}

/// A change to the runtime tried without touching actors/src: the same stages, spawned by
/// hand from their public functions the way Pipeline::spawn_stages spawns them (no supervisor:
/// a stage that fails ends the run with an error), with the processing stage either on the
/// shared workers as there (`detached` false: checks that the hand wiring measures like the
/// Pipeline) or on a thread of its own.
RunFigures run_wired(const Options& o, bool detached) {
    RunFigures r;
    r.side = "actors";
    const ss::actors::PipelineSpec spec = actor_spec();
    ss::Text why;
    auto host = ss::actors::StorageHost::open(spec.storage, why);
    if (!host) {
        r.fail(std::string("StorageHost::open: ") + why.c_str());
        return r;
    }
    ss::Engine& engine = (*host)->engine();
    const ss::actors::SensorSpec& sensor_spec = spec.sensors[0];
    auto registered = engine.register_sensor(sensor_bus, sensor_spec.id, sensor_spec.type, why);
    auto channel = ss::capture::make_channel(sensor_spec.name, sensor_spec.unit,
                                             {sensor_spec.valid_low, sensor_spec.valid_high},
                                             {sensor_spec.plausible_low, sensor_spec.plausible_high},
                                             {sensor_spec.slope, sensor_spec.offset, sensor_spec.calibrated_ms}, why);
    if (!registered || !channel) {
        r.fail(std::string("sensor: ") + why.c_str());
        return r;
    }
    ss::actors::SensorBindings sensors;
    auto& sensor = *sensors.emplace_back(std::make_unique<ss::actors::SensorBinding>());
    sensor.name = sensor_spec.name;
    sensor.spec = &sensor_spec;
    sensor.id = sensor_spec.id;
    sensor.bus = sensor_bus;
    sensor.store = *registered;
    sensor.sink = std::make_unique<ss::StoreSink>(engine, **registered);
    sensor.metadata = *channel;
    auto source = std::make_unique<ss::actors::SourceBinding>();
    source->spec = &spec.sources[0];
    source->sensors = {0};
    source->adc = std::make_unique<ss::actors::BlockLink<std::uint16_t>>(capture_buffers, samples_per_half);
    ss::actors::StageBoard board;
    CheckingTransport transport;
    ss::actors::UploaderSettings upload;
    upload.period = spec.uploader.period;
    upload.batch_records = spec.uploader.batch_records;
    upload.batches_per_tick = spec.uploader.batches_per_tick;
    upload.board = &board;
    {
        ActorSystem actors(o.caf);
        caf::actor_system& system = *actors.system;
        const ss::actors::ProcessingSetup setup{&spec.chains, nullptr, &board};
        auto processing = detached
                              ? system.spawn<caf::detached>(ss::actors::processing, source.get(), &sensors, setup)
                              : system.spawn(ss::actors::processing, source.get(), &sensors, setup);
        auto flush = system.spawn(ss::actors::storage_flush, &engine, caf::timespan(spec.tick), &board);
        auto uploader = system.spawn<caf::detached>(ss::actors::uploader, &engine,
                                                    static_cast<ss::hal::UploadTransport*>(&transport), upload);
        auto capture = system.spawn(ss::actors::capture, source.get(), &sensors, &board);
        measure_window(o, r);
        caf::scoped_actor self{system};
        // Pipeline::shutdown's order: capture, then processing once drained, then the rest.
        const auto stop = [&](const auto& stage) {
            self->send_exit(stage, caf::exit_reason::user_shutdown);
            self->wait_for(stage);
        };
        stop(capture);
        self->request(processing, caf::infinite, ss::actors::drain_atom::value)
            .receive([](bool) {}, [&](caf::error&) { r.fail("the processing stage did not drain"); });
        stop(processing);
        source->set_processing({});
        stop(uploader);
        stop(flush);
    }
    const ss::capture::LatencyHistogram& h = source->latency;
    finish_actor_run(r,
                     SourceCounters{source->blocks.load(), source->overflows.load(), source->samples_lost.load(),
                                    source->records_stored.load(), source->records_dropped.load(), source->queued(),
                                    h.quantile_us(0.5), h.quantile_us(0.99), h.quantile_us(0.999), h.max_us()},
                     engine, transport);
    return r;
}

RunFigures run_actors(const Options& o) {
    switch (o.actor_side) {
    case ActorSide::pipeline: return run_pipeline(o);
    case ActorSide::wired: return run_wired(o, false);
    case ActorSide::wired_detached: return run_wired(o, true);
    }
    return {};
}

// ---- the wake hop ----------------------------------------------------------------------------

/// Hand-over latencies of one probe, ns, what the waking call cost the sender, and the process
/// CPU the probe took per second (every thread's: sender, receiver, CAF's).
struct HopFigures {
    std::string name;
    std::vector<std::uint32_t> hop_ns;
    std::uint64_t send_ns = 0;
    std::uint64_t sends = 0;
    double cpu_per_s = 0.0;
    std::map<std::string, ThreadUsage> threads;

    std::uint64_t quantile(double q) const {
        if (hop_ns.empty()) return 0;
        std::vector<std::uint32_t> sorted = hop_ns;
        std::sort(sorted.begin(), sorted.end());
        const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1));
        return sorted[rank];
    }
    std::uint64_t max() const { return hop_ns.empty() ? 0 : *std::max_element(hop_ns.begin(), hop_ns.end()); }
    double send_mean_ns() const { return sends > 0 ? static_cast<double>(send_ns) / static_cast<double>(sends) : 0.0; }
};

/// Calls `send(stamp_ns)` at the ADC's block rate from the calling thread, on absolute
/// deadlines as the simulation paces its halves; times each call and the process's CPU.
template <class Send>
void paced_sends(double seconds, HopFigures& f, Send send) {
    // The same best-effort timer as the simulated device's thread (no 50 µs slack).
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    const std::uint64_t period_ns = std::uint64_t{samples_per_half} * 1'000'000'000u / rate_hz;
    const auto count = static_cast<std::uint64_t>(seconds * 1e9 / static_cast<double>(period_ns));
    ThreadUsageMeter meter;
    meter.start();
    const double cpu0 = process_cpu_s();
    const std::uint64_t origin = mono_ns();
    for (std::uint64_t k = 1; k <= count; ++k) {
        const std::uint64_t deadline = origin + k * period_ns;
        const timespec ts{static_cast<time_t>(deadline / 1'000'000'000u), static_cast<long>(deadline % 1'000'000'000u)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        const std::uint64_t stamp = mono_ns();
        send(stamp);
        f.send_ns += mono_ns() - stamp;
        ++f.sends;
    }
    f.cpu_per_s = (process_cpu_s() - cpu0) / (static_cast<double>(mono_ns() - origin) / 1e9);
    f.threads = meter.since_start();
}

void record_hop(HopFigures& f, std::uint64_t stamp_ns) {
    const std::uint64_t hop = mono_ns() - stamp_ns;
    f.hop_ns.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(hop, 0xFFFF'FFFFu)));
}

std::size_t expected_hops(double seconds) {
    return static_cast<std::size_t>(seconds * rate_hz / samples_per_half) + 16;
}

/// The direct side's wake: sem_post from the device thread, sem_wait in the consumer.
HopFigures semaphore_hop(double seconds) {
    HopFigures f;
    f.name = "sem_post -> thread in sem_wait";
    f.hop_ns.reserve(expected_hops(seconds));
    sem_t wake{};
    sem_init(&wake, 0, 0);
    std::atomic<std::uint64_t> stamp{0};
    std::atomic<bool> done{false};
    std::thread receiver([&] {
        ThreadUsageMeter::name_this_thread("receiver");
        for (;;) {
            while (sem_wait(&wake) != 0 && errno == EINTR) {
            }
            if (done.load(std::memory_order_acquire)) break;
            record_hop(f, stamp.load(std::memory_order_acquire));
        }
    });
    paced_sends(seconds, f, [&](std::uint64_t t) {
        stamp.store(t, std::memory_order_release);
        (void)sem_post(&wake);
    });
    done.store(true, std::memory_order_release);
    (void)sem_post(&wake);
    receiver.join();
    sem_destroy(&wake);
    return f;
}

/// What CAF 0.17's 'sharing' scheduler does to hand an actor to a worker — a job pushed on a
/// list under a mutex, notify_one on a condition variable — with the notify inside the lock (as
/// CAF does) or after it. Inside, the woken thread may find the mutex still held and sleep once
/// more on it until the sender unlocks.
HopFigures condvar_hop(double seconds, bool notify_under_lock) {
    HopFigures f;
    f.name = notify_under_lock ? "mutex + cv, notify inside the lock" : "mutex + cv, notify after unlock";
    f.hop_ns.reserve(expected_hops(seconds));
    std::mutex mutex;
    std::condition_variable ready;
    std::list<std::uint64_t> jobs;
    bool done = false;
    std::thread receiver([&] {
        ThreadUsageMeter::name_this_thread("receiver");
        for (;;) {
            std::unique_lock lock(mutex);
            ready.wait(lock, [&] { return !jobs.empty() || done; });
            if (jobs.empty()) break;
            const std::uint64_t stamp = jobs.front();
            jobs.pop_front();
            lock.unlock();
            record_hop(f, stamp);
        }
    });
    paced_sends(seconds, f, [&](std::uint64_t t) {
        std::list<std::uint64_t> job{t};
        std::unique_lock lock(mutex);
        jobs.splice(jobs.end(), job);
        if (notify_under_lock) {
            ready.notify_one();
            return;
        }
        lock.unlock();
        ready.notify_one();
    });
    {
        const std::lock_guard lock(mutex);
        done = true;
    }
    ready.notify_one();
    receiver.join();
    return f;
}

using hop_atom = caf::atom_constant<caf::atom("hop")>;

/// What SourceBinding::wake does: caf::anon_send from a thread outside the actor system to an
/// idle actor, scheduled (`detached` false) or on a thread of its own.
HopFigures caf_hop(double seconds, const CafSettings& settings, bool detached) {
    HopFigures f;
    f.name = "anon_send -> " + std::string(detached ? "detached actor" : "actor") + " (" + settings.policy + ", " +
             std::to_string(settings.threads) + ")";
    f.hop_ns.reserve(expected_hops(seconds));
    caf::actor_system_config cfg;
    settings.apply(cfg);
    cfg.add_thread_hook<RegisterCafThreads>();
    caf::actor_system system(cfg);
    // The actor touches `f` one message at a time; the main thread reads it only after the
    // system has seen the actor end.
    HopFigures* out = &f;
    const auto behaviour = [out](caf::event_based_actor*) -> caf::behavior {
        return {[out](hop_atom, std::uint64_t stamp) { record_hop(*out, stamp); }};
    };
    caf::actor receiver = detached ? system.spawn<caf::detached>(behaviour) : system.spawn(behaviour);
    HopFigures sender;
    paced_sends(seconds, sender, [&](std::uint64_t t) { caf::anon_send(receiver, hop_atom::value, t); });
    caf::anon_send_exit(receiver, caf::exit_reason::user_shutdown);
    receiver = nullptr;
    system.await_all_actors_done();
    f.send_ns = sender.send_ns;
    f.sends = sender.sends;
    f.cpu_per_s = sender.cpu_per_s;
    f.threads = std::move(sender.threads);
    return f;
}

// ---- the processing stage's extra work -------------------------------------------------------

/// The actor side's processing stage counts its values' qualities by its sensor's rules; the
/// direct side does not. This times, per block, one capture::quality_of_raw call per value (what
/// the stage did first) against capture::count_qualities (what it does now: a block whose
/// extremes are good is good throughout). Timed on the thread's CPU clock, so a preemption on a
/// busy machine does not count.
struct QualityCost {
    double per_value_ns = 0.0;   ///< per block
    double by_extremes_ns = 0.0; ///< per block
};

QualityCost quality_cost() {
    ss::Text why;
    // The runtime's default sensor: valid and plausible 0 .. 4095 counts, physical = raw.
    auto channel = ss::capture::make_channel("raw", "", {0.0, 4095.0}, {0.0, 4095.0}, {1.0, 0.0, 0}, why);
    QualityCost cost;
    if (!channel) return cost;
    // The ramp repeats every 4096 values: eight blocks hold every value it takes.
    std::vector<std::vector<std::uint32_t>> blocks(4096 / samples_per_half,
                                                   std::vector<std::uint32_t>(samples_per_half));
    for (std::size_t b = 0; b < blocks.size(); ++b)
        for (std::uint32_t i = 0; i < samples_per_half; ++i)
            blocks[b][i] = static_cast<std::uint32_t>((b * samples_per_half + i) & 0xFFFu);
    constexpr int passes = 5;
    constexpr std::size_t blocks_per_pass = 20'000;
    std::vector<double> per_value, by_extremes;
    std::uint64_t good_per_value = 0, good_by_extremes = 0;
    for (int pass = 0; pass < passes; ++pass) {
        std::uint64_t t0 = thread_cpu_ns();
        for (std::size_t k = 0; k < blocks_per_pass; ++k)
            for (const std::uint32_t v : blocks[k % blocks.size()])
                good_per_value += ss::capture::quality_of_raw(*channel, v) == ss::capture::Quality::good;
        per_value.push_back(static_cast<double>(thread_cpu_ns() - t0) / blocks_per_pass);
        t0 = thread_cpu_ns();
        for (std::size_t k = 0; k < blocks_per_pass; ++k) {
            const std::vector<std::uint32_t>& block = blocks[k % blocks.size()];
            good_by_extremes += ss::capture::count_qualities(*channel, block.data(), block.size()).good;
        }
        by_extremes.push_back(static_cast<double>(thread_cpu_ns() - t0) / blocks_per_pass);
    }
    // Both ways must count the same, or the comparison means nothing.
    if (good_per_value != good_by_extremes) return cost;
    cost.per_value_ns = median(per_value);
    cost.by_extremes_ns = median(by_extremes);
    return cost;
}

// ---- report ----------------------------------------------------------------------------------

std::string fix(double v, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}


/// Blocks the ADC completes in a run's window, from its rate (the counters cover the whole run,
/// set-up and stop included; the thread figures only the window).
double window_blocks(const RunFigures& r) { return std::max(1.0, r.wall_s * rate_hz / samples_per_half); }

void print_run(int round, const RunFigures& r) {
    std::printf("round %d %s: window %.3f s (the sleep overran by %.0f ms), hypervisor steal %.2f s, load average "
                "%s -> %s\n",
                round, r.side.c_str(), r.wall_s, 1e3 * r.overslept_s, r.steal_s, r.load_before.c_str(),
                r.load_after.c_str());
    std::printf("  blocks %llu, overflows %llu, samples lost %llu; records stored %llu, dropped %llu, recycled %llu, "
                "uploaded %llu; values %s\n",
                (unsigned long long)r.blocks, (unsigned long long)r.overflows, (unsigned long long)r.samples_lost,
                (unsigned long long)r.records_stored, (unsigned long long)r.records_dropped,
                (unsigned long long)r.records_recycled, (unsigned long long)r.records_uploaded,
                r.values_wrong     ? "WRONG (see below)"
                : r.values_checked ? "exact (every record checked against the ramp)"
                                   : "not checked (samples were lost)");
    const std::string lateness =
        r.adc_lateness_known ? std::to_string(r.adc_lateness_max_us) + " us" : "? (not exposed by the runtime)";
    std::printf("  capture-to-stored latency: p50 %llu us, p99 %llu us, p99.9 %llu us, max %llu us; ADC simulation "
                "late by up to %s\n",
                (unsigned long long)r.p50, (unsigned long long)r.p99, (unsigned long long)r.p999,
                (unsigned long long)r.max, lateness.c_str());
    // A full pool means `capture_buffers` blocks in flight. If none of them waited that long,
    // they came faster than the ADC's rate: its thread had run late and caught up in a burst.
    const std::uint32_t pool_us = capture_buffers * samples_per_half * 1'000'000u / rate_hz;
    if (r.overflows != 0 && r.max < pool_us)
        std::printf("  note: overflows while no block waited %u us: the blocks came in a burst, the ADC simulation's "
                    "thread catching up after running late (the machine), not a slow consumer\n",
                    pool_us);
    std::printf("  process CPU %.3f s over the window = %.4f s per s; by thread, CPU s (sleeps per block, s runnable "
                "but waiting for a core):",
                r.cpu_s, r.cpu_per_s());
    for (const auto& [name, u] : r.threads)
        if (u.cpu_s >= 0.0005)
            std::printf(" %s %.3f (%.2f, %.3f)", name.c_str(), u.cpu_s,
                        static_cast<double>(u.sleeps) / window_blocks(r), u.waited_s);
    std::printf("\n");
    for (const auto& e : r.errors) std::printf("  ERROR: %s\n", e.c_str());
    std::fflush(stdout);
}

struct Round {
    int number = 0;
    bool actors_first = false;
    RunFigures direct, actors;
    double cpu_ratio() const {
        return direct.cpu_per_s() > 0.0 ? actors.cpu_per_s() / direct.cpu_per_s() : 0.0;
    }
    double cpu_ratio_without_device() const {
        const double d = direct.cpu_per_s_without_device();
        return d > 0.0 ? actors.cpu_per_s_without_device() / d : 0.0;
    }
};

void table_row(const char* round, const char* side, const char* order, const std::string& blocks,
               const std::string& overflows, const std::string& lost, const std::string& stored, const char* values,
               const std::string& p50, const std::string& p99, const std::string& p999, const std::string& max,
               const std::string& cpu, const std::string& ratio) {
    std::printf("%-6s %-7s %-6s %9s %9s %8s %11s %-7s %6s %6s %7s %8s %9s %7s\n", round, side, order, blocks.c_str(),
                overflows.c_str(), lost.c_str(), stored.c_str(), values, p50.c_str(), p99.c_str(), p999.c_str(),
                max.c_str(), cpu.c_str(), ratio.c_str());
}

void summary(const std::vector<Round>& rounds) {
    std::printf("\nsummary: latency in us (histogram bucket edges: 2 us wide below 128 us, powers of two above; max "
                "exact); CPU = process CPU s per wall s; ratio = actors / direct (lower is better)\n");
    table_row("round", "side", "order", "blocks", "overflows", "lost", "stored", "values", "p50", "p99", "p99.9",
              "max", "CPU s/s", "ratio");
    const auto u = [](std::uint64_t v) { return std::to_string(v); };
    for (const Round& rd : rounds) {
        const std::string n = std::to_string(rd.number);
        for (const RunFigures* r : {&rd.direct, &rd.actors}) {
            const bool first = (r == &rd.actors) == rd.actors_first;
            table_row(n.c_str(), r->side.c_str(), first ? "first" : "second", u(r->blocks), u(r->overflows),
                      u(r->samples_lost), u(r->records_stored),
                      r->values_wrong ? "WRONG" : r->values_checked ? "exact" : "-", u(r->p50),
                      u(r->p99), u(r->p999), u(r->max), fix(r->cpu_per_s(), 4),
                      r == &rd.actors ? fix(rd.cpu_ratio(), 3) : std::string(""));
        }
    }
    const auto med = [&](const char* side, auto get) {
        std::vector<std::uint64_t> v;
        for (const Round& rd : rounds) v.push_back(get(std::string(side) == "direct" ? rd.direct : rd.actors));
        return median(v);
    };
    std::vector<double> ratios, cpu_direct, cpu_actors;
    for (const Round& rd : rounds) {
        ratios.push_back(rd.cpu_ratio());
        cpu_direct.push_back(rd.direct.cpu_per_s());
        cpu_actors.push_back(rd.actors.cpu_per_s());
    }
    for (const char* side : {"direct", "actors"}) {
        const bool actors = std::string(side) == "actors";
        table_row("median", side, "", u(med(side, [](const RunFigures& r) { return r.blocks; })),
                  u(med(side, [](const RunFigures& r) { return r.overflows; })),
                  u(med(side, [](const RunFigures& r) { return r.samples_lost; })),
                  u(med(side, [](const RunFigures& r) { return r.records_stored; })), "",
                  u(med(side, [](const RunFigures& r) { return r.p50; })),
                  u(med(side, [](const RunFigures& r) { return r.p99; })),
                  u(med(side, [](const RunFigures& r) { return r.p999; })),
                  u(med(side, [](const RunFigures& r) { return r.max; })),
                  fix(median(actors ? cpu_actors : cpu_direct), 4), actors ? fix(median(ratios), 3) : std::string(""));
    }
    const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("CPU ratio actors / direct: median %.3f, spread %.3f .. %.3f over %zu rounds\n", median(ratios), *lo,
                *hi, ratios.size());
    std::vector<double> ratios_without_device, direct_without, actors_without;
    for (const Round& rd : rounds) {
        ratios_without_device.push_back(rd.cpu_ratio_without_device());
        direct_without.push_back(rd.direct.cpu_per_s_without_device());
        actors_without.push_back(rd.actors.cpu_per_s_without_device());
    }
    const auto [lo_w, hi_w] = std::minmax_element(ratios_without_device.begin(), ratios_without_device.end());
    std::printf("without the ADC simulation's thread: direct %.4f s/s, actors %.4f s/s (medians); ratio median %.3f, "
                "spread %.3f .. %.3f\n",
                median(direct_without), median(actors_without), median(ratios_without_device), *lo_w, *hi_w);
    // The split of the CPU: per role, medians over the rounds of CPU s per s, of CPU µs per
    // block, of the times its threads went to sleep per block and of their time spent waiting for a core.
    for (const char* side : {"direct", "actors"}) {
        std::map<std::string, std::vector<double>> cpu, cpu_per_block, sleeps_per_block, waited;
        for (const Round& rd : rounds) {
            const RunFigures& r = std::string(side) == "direct" ? rd.direct : rd.actors;
            const double wall = r.wall_s > 0 ? r.wall_s : 1.0;
            for (const auto& [name, usage] : r.threads) {
                cpu[name].push_back(usage.cpu_s / wall);
                cpu_per_block[name].push_back(1e6 * usage.cpu_s / window_blocks(r));
                sleeps_per_block[name].push_back(static_cast<double>(usage.sleeps) / window_blocks(r));
                waited[name].push_back(usage.waited_s / wall);
            }
        }
        std::printf("by thread, %s (medians): CPU s per s, CPU us per block, sleeps per block, s per s runnable but "
                    "waiting for a core\n",
                    side);
        for (const auto& [name, v] : cpu)
            if (median(v) >= 0.00005)
                std::printf("  %-14s %8.4f %8.2f %6.2f %8.4f\n", name.c_str(), median(v), median(cpu_per_block[name]),
                            median(sleeps_per_block[name]), median(waited[name]));
    }
    std::uint64_t actor_overflows = 0;
    std::uint64_t worst_p99 = 0;
    for (const Round& rd : rounds) {
        actor_overflows += rd.actors.overflows;
        worst_p99 = std::max(worst_p99, rd.actors.p99);
    }
    const std::uint64_t p99 = med("actors", [](const RunFigures& r) { return r.p99; });
    std::printf("aims for the actor side: 0 overflows: %s; p99 < 50 us: %s (median %llu us, worst round %llu us); "
                "CPU ratio <= 1.3: %s (median %.3f)\n",
                actor_overflows == 0 ? "met" : "missed", p99 < 50 ? "met" : "missed", (unsigned long long)p99,
                (unsigned long long)worst_p99, median(ratios) <= 1.3 ? "met" : "missed", median(ratios));
}

void print_hops(const std::vector<std::vector<HopFigures>>& runs) {
    std::printf("\nwake hop at the block rate (one every %u us), stamped before the waking call and on arrival; "
                "ns, each probe's rounds pooled; CPU = process CPU s per s during the probe (median)\n",
                samples_per_half * 1'000'000u / rate_hz);
    std::printf("  %-42s %6s %7s %7s %8s %9s %10s %8s\n", "probe", "n", "p50", "p99", "p99.9", "max", "send call",
                "CPU s/s");
    std::vector<std::string> splits;
    for (const auto& rounds : runs) {
        if (rounds.empty()) continue;
        HopFigures all;
        all.name = rounds.front().name;
        std::vector<double> cpu;
        std::map<std::string, ThreadUsage> threads;
        for (const HopFigures& h : rounds) {
            all.hop_ns.insert(all.hop_ns.end(), h.hop_ns.begin(), h.hop_ns.end());
            all.send_ns += h.send_ns;
            all.sends += h.sends;
            cpu.push_back(h.cpu_per_s);
            for (const auto& [name, u] : h.threads) {
                threads[name].cpu_s += u.cpu_s;
                threads[name].sleeps += u.sleeps;
                threads[name].preemptions += u.preemptions;
            }
        }
        std::printf("  %-42s %6zu %7llu %7llu %8llu %9llu %7.0f ns %8.4f\n", all.name.c_str(), all.hop_ns.size(),
                    (unsigned long long)all.quantile(0.5), (unsigned long long)all.quantile(0.99),
                    (unsigned long long)all.quantile(0.999), (unsigned long long)all.max(), all.send_mean_ns(),
                    median(cpu));
        std::string split = "  " + all.name + ":";
        const double hops = std::max<double>(1.0, static_cast<double>(all.sends));
        for (const auto& [name, u] : threads) {
            if (u.cpu_s < 0.0005 && u.sleeps == 0) continue;
            split += " " + (name == "main" ? std::string("sender") : name) + " " + fix(1e6 * u.cpu_s / hops, 1) +
                     " us, " + fix(static_cast<double>(u.sleeps) / hops, 2) + " sleeps;";
        }
        splits.push_back(split);
    }
    std::printf("per hop, by thread: CPU and sleeps (voluntary context switches)\n");
    for (const std::string& line : splits) std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (const int rc = parse(argc, argv, o); rc != 0) return rc == 1 ? 0 : 2;
    std::printf("ss_bench_actors: %s\n", machine().c_str());
    std::printf("workload: SimAdc %u samples/s, 1 channel, %u-sample halves, ramp, %u capture buffers; RAM-only "
                "engine (%zu MiB pool); uploads every %lld ms (batches up to %u records), manager tick every %lld ms\n",
                rate_hz, samples_per_half, capture_buffers, ram_pool_bytes >> 20,
                static_cast<long long>(upload_period.count()), upload_batch_records,
                static_cast<long long>(manager_tick.count()));
    std::printf("direct: AdcPipeline<%u, %u>, POSIX semaphore wake, consumer thread, StoreSink; uploader thread\n",
                samples_per_half, capture_buffers);
    std::printf("actors: %s, CAF 0.17.6, scheduler '%s' with %d threads; uploader stage with an in-process transport "
                "that acknowledges every batch\n",
                o.actor_side == ActorSide::pipeline ? "ss::actors::Pipeline"
                : o.actor_side == ActorSide::wired  ? "the Pipeline's stages spawned by hand, processing on the workers"
                                                    : "the Pipeline's stages spawned by hand, processing DETACHED",
                o.caf.policy.c_str(), o.caf.threads);
    std::printf("%d rounds of %.0f s per side, alternating which side runs first\n\n", o.rounds, o.seconds);
    std::fflush(stdout);

    std::vector<Round> rounds;
    bool ok = true;
    for (int k = 1; k <= o.rounds; ++k) {
        Round rd;
        rd.number = k;
        rd.actors_first = k % 2 == 0;
        if (rd.actors_first) {
            rd.actors = run_actors(o);
            print_run(k, rd.actors);
            rd.direct = run_direct(o);
            print_run(k, rd.direct);
        } else {
            rd.direct = run_direct(o);
            print_run(k, rd.direct);
            rd.actors = run_actors(o);
            print_run(k, rd.actors);
        }
        ok = ok && rd.direct.ok && rd.actors.ok;
        rounds.push_back(std::move(rd));
    }
    summary(rounds);
    const QualityCost quality = quality_cost();
    std::printf("\nquality counting in the actor side's processing stage (not done by the direct side), per %u-value "
                "block: %.0f ns one value at a time, %.0f ns with capture::count_qualities (the runtime's way: settled by the "
                "block's extremes when both are good)\n",
                samples_per_half, quality.per_value_ns, quality.by_extremes_ns);

    if (o.hop_seconds > 0.0) {
        // Each probe once per round, in an order that turns round by round (drift cancels).
        const std::vector<std::function<HopFigures()>> probes = {
            [&] { return semaphore_hop(o.hop_seconds); },
            [&] { return condvar_hop(o.hop_seconds, true); },
            [&] { return condvar_hop(o.hop_seconds, false); },
            [&] { return caf_hop(o.hop_seconds, o.caf, false); },
            [&] { return caf_hop(o.hop_seconds, o.caf, true); },
        };
        std::vector<std::vector<HopFigures>> runs(probes.size());
        for (int k = 0; k < o.rounds; ++k)
            for (std::size_t i = 0; i < probes.size(); ++i) {
                const std::size_t p = (i + static_cast<std::size_t>(k)) % probes.size();
                runs[p].push_back(probes[p]());
            }
        print_hops(runs);
    }
    if (!ok) std::printf("ss_bench_actors: FAILED (see ERROR lines)\n");
    return ok ? 0 : 1;
}
