// Shared between the benchmark definitions (bench_store.cpp) and the custom main
// (bench_main.cpp): which benchmarks exist, and which baseline each one is compared with.
#pragma once

#include <string>
#include <vector>

namespace ss_bench {

/// One registered benchmark and how the summary table treats it.
struct Entry {
    std::string name;     ///< registration name (Google Benchmark's function_name)
    int threads = 1;      ///< threads it runs on (Google Benchmark ->Threads)
    std::string baseline; ///< key() of the baseline it is compared with; empty = none
    bool is_add = false;  ///< one op = one ss_ts_add / ss_evt_add call (goes in the latency table)
};

/// The key the summary uses: name, plus "/threads:N" when N > 1 (as Google Benchmark prints it).
inline std::string key(const std::string& name, int threads) {
    return threads > 1 ? name + "/threads:" + std::to_string(threads) : name;
}
inline std::string key(const Entry& e) { return key(e.name, e.threads); }

/// The lock the stores use: the platform's (a pthread mutex on Linux), or one the embedding
/// application supplies through SsInitCfg::lock_ops (003 §5) — here a spin lock in the program.
enum class StoreLock { platform, host_spin };

/// ss_init_system with the benchmark configuration, registers the sensors and every benchmark.
/// Returns false (with a reason) if the library refused the configuration.
bool setup(std::vector<Entry>& entries, std::string& why, StoreLock lock = StoreLock::platform);

/// Short description of the configuration, printed above the summary.
std::string describe_config();

/// ss_deinit_system.
void teardown();

} // namespace ss_bench
