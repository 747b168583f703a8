// Builds a fresh store root the library opens as its own: per sensor a data file of sealed,
// CRC-checked units (docs/storage-format.md, version 2) at consecutive offsets and a meta that
// keeps the acknowledged boundary and the sequence reservation, so sequence numbers and cursors
// survive the move. Used by `salvage` (and meant for `import`). Everything it writes is made
// durable (fsync of files and directories) before finish() returns.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "ss/disk_format.hpp"
#include "store/result.hpp"
#include "store/sensor_key.hpp"
#include "store/store_root.hpp"
#include "store/unique_fd.hpp"

namespace ss::store_tool {

/// Records that share a time base: record i has sequence number first_seq + i and was taken at
/// first_time + i × period_us (first_time as a sector header keeps it: µs with
/// sector::utc_flag, or time_unknown).
struct RecordRun {
    std::uint64_t first_seq = 0;
    std::uint32_t boot = 0;
    std::uint32_t period_us = 0;
    std::uint64_t first_time = 0;
    /// Packed records of the sensor's type (4 B per time-series record, 12 B per event).
    std::span<const std::byte> records;
};

class StoreWriter {
public:
    /// Creates the root at `path` (mode 0700). Refuses an existing path that is not an empty
    /// directory, and a unit size the library could not use.
    static Result<StoreWriter> create(const std::string& path, std::uint32_t unit_bytes);

    /// Starts the files of a new sensor; the previous one must have been ended.
    Result<void> begin_sensor(SensorKey key, RecordType type);
    /// Appends a run as units of its own (the first starts a new unit; a run longer than a unit
    /// holds continues in the next). Sequence numbers must rise from run to run.
    Result<void> append(const RecordRun& run);
    /// Writes the sensor's meta (its source, id, type and unit size are filled in here; head_seq
    /// and seq_reserved are raised to cover what was appended) and makes its files durable.
    Result<void> end_sensor(disk::Meta meta);
    /// Copies a root-level file of `from` (the boot record, a destination's cursors) as it is.
    Result<void> copy_root_file(const StoreRoot& from, const std::string& name);
    /// Makes every directory entry durable.
    Result<void> finish();

    const std::string& path() const noexcept { return path_; }
    std::uint64_t units_written() const noexcept { return units_written_; }
    std::uint64_t records_written() const noexcept { return records_written_; }

private:
    Result<int> source_dir(SsSource source);
    Result<void> write_all(int fd, const std::string& path, const void* data, std::size_t n, std::uint64_t off);

    std::string path_;
    std::uint32_t unit_bytes_ = 0;
    UniqueFd root_;
    UniqueFd source_fd_[3];
    bool source_dirty_[3] = {false, false, false};
    UniqueFd destinations_;
    // The sensor being written.
    bool open_ = false;
    SensorKey key_;
    RecordType type_ = RecordType::ts;
    UniqueFd data_;
    std::string data_path_;
    std::uint64_t offset_ = 0;
    std::uint64_t end_seq_ = 0;
    bool any_ = false;
    std::uint64_t units_written_ = 0;
    std::uint64_t records_written_ = 0;
};

} // namespace ss::store_tool
