// The subcommands of ss-store (docs/store-tool.md). Each writes its report to stdout, errors to
// stderr, and returns an exit status (exit_status.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/sensor_key.hpp"
#include "store/unit_walk.hpp"

namespace ss::store_tool {

struct StatsOptions {
    std::string dir;
    bool json = false;
    std::uint32_t unit_bytes = 0;
};
int run_stats(const StatsOptions& o);

struct VerifyOptions {
    std::string dir;
    CheckLevel level = CheckLevel::full;
    std::uint32_t unit_bytes = 0;
};
int run_verify(const VerifyOptions& o);

struct DumpOptions {
    std::string dir;
    std::optional<SensorKey> sensor;
    std::uint64_t from_seq = 0;
    std::uint64_t to_seq = ~std::uint64_t{0};
    bool json = false;
    std::uint32_t unit_bytes = 0;
};
int run_dump(const DumpOptions& o);

struct SalvageOptions {
    std::string dir;
    std::string out;
    std::uint32_t unit_bytes = 0;
};
int run_salvage(const SalvageOptions& o);

struct ClearOptions {
    std::string dir;
    SensorKey sensor;
    std::uint32_t unit_bytes = 0;
};
int run_clear(const ClearOptions& o);

} // namespace ss::store_tool
