// ss_bench_ring: the capture ring (ss::capture::SpscRing) against boost::lockfree::spsc_queue with
// a compile-time capacity, in the same run, with the same capacity and element types:
//  - throughput: a producer thread and a consumer thread (pinned to two different CPUs when the
//    process may use two) pass batches of 65 536 items; single and bulk operations;
//  - latency: one item goes back and forth between two threads through two rings (round trip).
// The figures are information, never a pass/fail verdict. Own flag: --ss_no_pin (let the
// scheduler place the threads). Defaults added unless given: --benchmark_repetitions=5,
// --benchmark_min_time=0.15, --benchmark_enable_random_interleaving=true (a burst of load from
// elsewhere on a shared machine then hits both queues alike). The summary uses the median over
// the repetitions.
#include <benchmark/benchmark.h>
#include <boost/lockfree/spsc_queue.hpp>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <string_view>
#include <thread>
#include <vector>

#include "ss/capture/spsc_ring.hpp"

namespace {

constexpr std::size_t capacity = 1024;
constexpr std::uint64_t batch = 1 << 16; // items per throughput iteration
constexpr std::size_t bulk = 16;         // items per push_n/pop_n call in the bulk rows

/// A 16-byte record: a timestamped sample as the capture side moves them.
struct Record16 {
    std::uint64_t timestamp_us;
    std::uint32_t channel;
    float value;
};
static_assert(sizeof(Record16) == 16);

template <class T>
T make_item(std::uint64_t i) {
    if constexpr (sizeof(T) == sizeof(std::uint32_t)) return static_cast<T>(i);
    else return T{i, static_cast<std::uint32_t>(i & 7u), 1.0f};
}

template <class T>
std::uint64_t key_of(const T& v) {
    if constexpr (sizeof(T) == sizeof(std::uint32_t)) return v;
    else return v.timestamp_us;
}

/// Our ring behind the common interface the benchmarks use.
template <class T>
struct Ours {
    using Queue = ss::capture::SpscRing<T, capacity>;
    static bool push(Queue& q, const T& v) { return q.try_push(v); }
    static bool pop(Queue& q, T& v) { return q.try_pop(v); }
    static std::size_t push_n(Queue& q, const T* v, std::size_t n) { return q.push_n(v, n); }
    static std::size_t pop_n(Queue& q, T* v, std::size_t n) { return q.pop_n(v, n); }
};

/// boost::lockfree::spsc_queue, compile-time capacity (it holds capacity - 1 items).
template <class T>
struct Boost {
    using Queue = boost::lockfree::spsc_queue<T, boost::lockfree::capacity<capacity>>;
    static bool push(Queue& q, const T& v) { return q.push(v); }
    static bool pop(Queue& q, T& v) { return q.pop(v); }
    static std::size_t push_n(Queue& q, const T* v, std::size_t n) { return q.push(v, n); }
    static std::size_t pop_n(Queue& q, T* v, std::size_t n) { return q.pop(v, n); }
};

// ---- thread placement -------------------------------------------------------------------------

bool g_pin = true;
cpu_set_t g_initial_affinity;
std::vector<int> g_cpus; // CPUs this process may run on

void pin_this_thread(int cpu) {
    if (!g_pin || g_cpus.size() < 2) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/// Pins the benchmark thread to the first CPU for one benchmark run and restores it afterwards.
class PinnedProducer {
public:
    PinnedProducer() { pin_this_thread(producer_cpu()); }
    ~PinnedProducer() {
        if (g_pin && g_cpus.size() >= 2) pthread_setaffinity_np(pthread_self(), sizeof g_initial_affinity, &g_initial_affinity);
    }
    PinnedProducer(const PinnedProducer&) = delete;
    PinnedProducer& operator=(const PinnedProducer&) = delete;
    static int producer_cpu() { return g_cpus.empty() ? 0 : g_cpus[0]; }
    static int consumer_cpu() { return g_cpus.size() < 2 ? 0 : g_cpus[1]; }
};

// ---- benchmarks -------------------------------------------------------------------------------

/// Producer (the benchmark thread) pushes `batch` items per iteration; the iteration ends when
/// the consumer has popped them all, so the time covers the whole hand-over.
template <template <class> class Impl, class T, bool Bulk>
void bm_throughput(benchmark::State& state) {
    using Q = Impl<T>;
    static typename Q::Queue queue; // one per queue type and element type, empty between runs
    std::atomic<std::uint64_t> consumed{0};
    std::atomic<bool> stop{false};
    PinnedProducer pinned;

    std::thread consumer([&] {
        pin_this_thread(PinnedProducer::consumer_cpu());
        std::uint64_t local = 0;
        std::uint64_t sum = 0;
        T buf[bulk];
        while (!stop.load(std::memory_order_relaxed)) {
            std::size_t n = 0;
            if constexpr (Bulk) {
                n = Q::pop_n(queue, buf, bulk);
                for (std::size_t i = 0; i < n; ++i) sum += key_of(buf[i]);
            } else {
                n = Q::pop(queue, buf[0]) ? 1 : 0;
                if (n != 0) sum += key_of(buf[0]);
            }
            local += n;
            // Publish progress now and then, and whenever the queue ran dry (the producer waits
            // for the exact count only at the end of a batch).
            if (n == 0 || (local & 1023u) == 0) consumed.store(local, std::memory_order_release);
        }
        benchmark::DoNotOptimize(sum);
    });

    std::uint64_t produced = 0;
    T buf[bulk];
    for (auto _ : state) {
        if constexpr (Bulk) {
            for (std::uint64_t i = 0; i < batch;) {
                for (std::size_t k = 0; k < bulk; ++k) buf[k] = make_item<T>(produced + i + k);
                std::size_t done = 0;
                while (done < bulk) done += Q::push_n(queue, buf + done, bulk - done);
                i += bulk;
            }
        } else {
            for (std::uint64_t i = 0; i < batch; ++i) {
                const T v = make_item<T>(produced + i);
                while (!Q::push(queue, v)) {
                }
            }
        }
        produced += batch;
        while (consumed.load(std::memory_order_acquire) < produced) {
        }
    }
    stop.store(true, std::memory_order_relaxed);
    consumer.join();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

/// One item to the echo thread and back through two queues: one iteration is one round trip.
template <template <class> class Impl, class T>
void bm_round_trip(benchmark::State& state) {
    using Q = Impl<T>;
    static typename Q::Queue ping;
    static typename Q::Queue pong;
    std::atomic<bool> stop{false};
    PinnedProducer pinned;

    std::thread echo([&] {
        pin_this_thread(PinnedProducer::consumer_cpu());
        T v{};
        while (!stop.load(std::memory_order_relaxed)) {
            if (Q::pop(ping, v)) {
                while (!Q::push(pong, v)) {
                }
            }
        }
    });

    std::uint64_t i = 0;
    T back{};
    for (auto _ : state) {
        const T v = make_item<T>(i++);
        while (!Q::push(ping, v)) {
        }
        while (!Q::pop(pong, back)) {
        }
        benchmark::DoNotOptimize(back);
    }
    stop.store(true, std::memory_order_relaxed);
    echo.join();
}

// ---- registration and summary -----------------------------------------------------------------

/// A pair of rows: ours against boost for one workload.
struct Pair {
    std::string workload;
    std::string ours;
    std::string boost;
    bool throughput; ///< items/s (higher is better); otherwise ns per round trip (lower is better)
    double items_per_iteration;
};

std::vector<Pair> register_all() {
    std::vector<Pair> pairs;
    auto add_tp = [&](const std::string& workload, auto ours_fn, auto boost_fn) {
        const std::string o = "throughput/" + workload + "/ours";
        const std::string b = "throughput/" + workload + "/boost";
        benchmark::RegisterBenchmark(o.c_str(), ours_fn)->UseRealTime()->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(b.c_str(), boost_fn)->UseRealTime()->Unit(benchmark::kMicrosecond);
        pairs.push_back({workload, o, b, true, static_cast<double>(batch)});
    };
    add_tp("u32", bm_throughput<Ours, std::uint32_t, false>, bm_throughput<Boost, std::uint32_t, false>);
    add_tp("rec16", bm_throughput<Ours, Record16, false>, bm_throughput<Boost, Record16, false>);
    add_tp("u32_bulk16", bm_throughput<Ours, std::uint32_t, true>, bm_throughput<Boost, std::uint32_t, true>);

    auto add_rt = [&](const std::string& workload, auto ours_fn, auto boost_fn) {
        const std::string o = "round_trip/" + workload + "/ours";
        const std::string b = "round_trip/" + workload + "/boost";
        benchmark::RegisterBenchmark(o.c_str(), ours_fn)->UseRealTime();
        benchmark::RegisterBenchmark(b.c_str(), boost_fn)->UseRealTime();
        pairs.push_back({workload, o, b, false, 1.0});
    };
    add_rt("u32", bm_round_trip<Ours, std::uint32_t>, bm_round_trip<Boost, std::uint32_t>);
    add_rt("rec16", bm_round_trip<Ours, Record16>, bm_round_trip<Boost, Record16>);
    return pairs;
}

/// The console reporter, also keeping each benchmark's real time per iteration (ns) per repetition.
class CollectingReporter : public benchmark::ConsoleReporter {
public:
    using benchmark::ConsoleReporter::ConsoleReporter;

    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.error_occurred) errors_[r.run_name.function_name] = r.error_message;
            else if (r.run_type == Run::RT_Iteration)
                ns_[r.run_name.function_name].push_back(r.GetAdjustedRealTime() /
                                                        benchmark::GetTimeUnitMultiplier(r.time_unit) * 1e9);
        }
        ConsoleReporter::ReportRuns(runs);
    }

    /// Median real time per iteration in ns, NAN if the benchmark did not run.
    double median_ns(const std::string& name) const {
        const auto it = ns_.find(name);
        if (it == ns_.end() || it->second.empty()) return NAN;
        std::vector<double> v = it->second;
        std::sort(v.begin(), v.end());
        const std::size_t n = v.size();
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
    /// Smallest and largest real time per iteration in ns over the repetitions.
    std::pair<double, double> range_ns(const std::string& name) const {
        const auto it = ns_.find(name);
        if (it == ns_.end() || it->second.empty()) return {NAN, NAN};
        const auto [lo, hi] = std::minmax_element(it->second.begin(), it->second.end());
        return {*lo, *hi};
    }
    std::size_t reps(const std::string& name) const {
        const auto it = ns_.find(name);
        return it == ns_.end() ? 0 : it->second.size();
    }

private:
    std::map<std::string, std::vector<double>> ns_;
    std::map<std::string, std::string> errors_;
};

bool has_flag(const std::vector<char*>& args, std::string_view flag) {
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (a == flag || (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '='))
            return true;
    }
    return false;
}

void print_summary(const CollectingReporter& rep, const std::vector<Pair>& pairs) {
    double load[3] = {NAN, NAN, NAN};
    getloadavg(load, 3);
    std::printf("\nss_bench_ring: capacity %zu for both (boost's spsc_queue holds %zu of them); %ld CPUs online, "
                "%zu usable; load average %.2f at the end\n",
                capacity, capacity - 1, sysconf(_SC_NPROCESSORS_ONLN), g_cpus.size(), load[0]);
    if (g_pin && g_cpus.size() >= 2)
        std::printf("producer pinned to CPU %d, consumer/echo thread to CPU %d\n", PinnedProducer::producer_cpu(),
                    PinnedProducer::consumer_cpu());
    else
        std::printf("threads not pinned (%s)\n", g_pin ? "fewer than two usable CPUs" : "--ss_no_pin");

    std::printf("\nThroughput, million items/s (median over repetitions). Higher is better;\n"
                "ratio = ours / boost, so above 1.00 means our ring moved more items per second.\n");
    std::printf("  %-12s %8s %15s %8s %15s %7s %5s\n", "workload", "ours", "(min..max)", "boost", "(min..max)",
                "ratio", "reps");
    // items per iteration / ns per iteration * 1e3 = million items per second
    const auto rate = [](double items, double ns) { return items / ns * 1e3; };
    for (const Pair& p : pairs) {
        if (!p.throughput || rep.reps(p.ours) + rep.reps(p.boost) == 0) continue; // filtered out
        const double o = rate(p.items_per_iteration, rep.median_ns(p.ours));
        const double b = rate(p.items_per_iteration, rep.median_ns(p.boost));
        const auto [o_fast, o_slow] = rep.range_ns(p.ours);
        const auto [b_fast, b_slow] = rep.range_ns(p.boost);
        std::printf("  %-12s %8.1f %7.1f..%-7.1f %8.1f %7.1f..%-7.1f %7.2f %5zu\n", p.workload.c_str(), o,
                    rate(p.items_per_iteration, o_slow), rate(p.items_per_iteration, o_fast), b,
                    rate(p.items_per_iteration, b_slow), rate(p.items_per_iteration, b_fast), o / b,
                    rep.reps(p.ours));
    }
    std::printf("\nRound-trip latency, ns (median over repetitions). Lower is better;\n"
                "ratio = ours / boost, so below 1.00 means our ring was faster.\n");
    std::printf("  %-12s %8s %15s %8s %15s %7s %5s\n", "workload", "ours", "(min..max)", "boost", "(min..max)",
                "ratio", "reps");
    for (const Pair& p : pairs) {
        if (p.throughput || rep.reps(p.ours) + rep.reps(p.boost) == 0) continue;
        const double o = rep.median_ns(p.ours);
        const double b = rep.median_ns(p.boost);
        const auto [o_lo, o_hi] = rep.range_ns(p.ours);
        const auto [b_lo, b_hi] = rep.range_ns(p.boost);
        std::printf("  %-12s %8.1f %7.1f..%-7.1f %8.1f %7.1f..%-7.1f %7.2f %5zu\n", p.workload.c_str(), o, o_lo, o_hi,
                    b, b_lo, b_hi, o / b, rep.reps(p.ours));
    }
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && std::strcmp(argv[i], "--ss_no_pin") == 0) g_pin = false;
        else args.push_back(argv[i]);
    }
    static char repetitions[] = "--benchmark_repetitions=5";
    static char min_time[] = "--benchmark_min_time=0.15";
    static char interleave[] = "--benchmark_enable_random_interleaving=true";
    if (!has_flag(args, "--benchmark_repetitions")) args.push_back(repetitions);
    if (!has_flag(args, "--benchmark_min_time")) args.push_back(min_time);
    if (!has_flag(args, "--benchmark_enable_random_interleaving")) args.push_back(interleave);
    int n = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

    CPU_ZERO(&g_initial_affinity);
    if (sched_getaffinity(0, sizeof g_initial_affinity, &g_initial_affinity) == 0)
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &g_initial_affinity)) g_cpus.push_back(cpu);

    const std::vector<Pair> pairs = register_all();
    CollectingReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                      : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(reporter, pairs);
    benchmark::Shutdown();
    return 0;
}
