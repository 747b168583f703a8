// The subcommands of ss-store (docs/store-tool.md). Each writes its report to stdout, errors to
// stderr, and returns an exit status (exit_status.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
    /// The actor config file the daemon runs the store with ("" = none): its disk quotas and
    /// sector sizes are then checked against what the files hold.
    std::string config;
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

struct ExportOptions {
    std::string dir;
    std::string format = "csv";           ///< "csv" or "hdf5"
    std::string out;                      ///< the file; with a dataset, its directory ("" = ".")
    std::vector<SensorKey> sensors;       ///< none = every sensor of the store
    std::optional<std::int64_t> from_utc_us, to_utc_us; ///< inclusive; records without UTC times are left out
    std::string config;                   ///< the actor config file ("" = none)
    std::string dataset;                  ///< a [datasets] name of the config ("" = none)
    bool force = false;                   ///< replace an existing file
    std::uint32_t unit_bytes = 0;
};
int run_export(const ExportOptions& o);

struct ImportOptions {
    std::string file;
    std::string format;                   ///< "csv" or "hdf5"
    std::string into;                     ///< a new store root (missing or empty)
    std::uint32_t unit_bytes = 0;         ///< of the new store; 0 = 4096, the Linux default
};
int run_import(const ImportOptions& o);

} // namespace ss::store_tool
