// The records kept in the data root beside the sensors' files: the acknowledgement log (and the
// destinations' cursor files, which share its layout), the shutdown ledger and the boot record,
// read and checked with ss/disk_format.hpp's functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ss/disk_format.hpp"
#include "store/result.hpp"
#include "store/store_root.hpp"

namespace ss::store_tool {

/// An acknowledgement log or a destination's cursor file.
struct AckFileRead {
    bool present = false;
    bool header_ok = false;
    /// Per sensor, the highest acknowledged boundary among its valid entries.
    std::map<SensorKey, std::uint64_t> highest;
    std::uint64_t valid_entries = 0;
    /// File offsets of entries that failed their check.
    std::vector<std::uint64_t> bad_entries;
    /// Bytes past the last whole entry (a torn append).
    std::uint64_t tail_bytes = 0;
};

struct LedgerRead {
    bool present = false;
    disk::LedgerError error = disk::LedgerError::none;
    std::map<SensorKey, std::uint64_t> next_seq;
};

struct BootRead {
    bool present = false;
    bool valid = false;
    std::uint32_t boot = 0;
};

/// Reads `name` below the root (acks.log, or destinations/NAME.cursors).
Result<AckFileRead> read_ack_file(const StoreRoot& root, const std::string& name);
Result<LedgerRead> read_ledger(const StoreRoot& root);
Result<BootRead> read_boot(const StoreRoot& root);

const char* ledger_error_text(disk::LedgerError e) noexcept;

} // namespace ss::store_tool
