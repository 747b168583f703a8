// The units of one data file, slot by slot, classified as recovery classifies them
// (hal/posix/disk/recovery.cpp with ss/disk_format.hpp's UnitScanner): valid; stale (a valid
// unit whose sequence numbers do not come after the previous valid one's); bad CRC (its header
// reads as one of ours, its check fails); bad header; torn (the file ends inside it). Holes and
// all-zero slots are skipped, as recovery skips them. Reads only, in large blocks, skipping
// holes with SEEK_DATA; memory stays at one block whatever the file's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ss/sector_format.hpp"
#include "store/result.hpp"

namespace ss::store_tool {

enum class SlotKind : std::uint8_t { valid, stale, bad_crc, bad_header, torn };

/// "valid", "stale", "bad CRC", "bad header", "torn".
const char* slot_kind_text(SlotKind k) noexcept;

struct Slot {
    std::uint64_t offset = 0;
    SlotKind kind = SlotKind::valid;
    /// valid and stale: the unit's records; bad CRC and torn with a readable header: the records
    /// its header names (first_seq, count); otherwise count is 0 (unknown).
    std::uint64_t first_seq = 0;
    std::uint32_t count = 0;
    /// The header's format version nibble (2 written, 1 read; anything else is damage or a newer
    /// library).
    std::uint8_t version = 0;
};

/// quick: headers and sequence order only; full: every unit's CRC too (what recovery checks).
enum class CheckLevel : std::uint8_t { quick, full };

struct WalkSummary {
    /// The record type: given, or taken from the first well-formed header (as recovery does
    /// without a meta); nullopt if the file holds none.
    std::optional<RecordType> type;
    /// Just past the last valid unit's records (0 if none).
    std::uint64_t end_seq = 0;
    std::uint64_t file_bytes = 0;      ///< st_size
    std::uint64_t allocated_bytes = 0; ///< st_blocks × 512: what the file holds on disk
};

/// Called with each non-empty slot; `unit` is the slot's unit_bytes (valid and stale units
/// only, else nullptr), good until the call returns.
using SlotFn = std::function<void(const Slot& slot, const std::byte* unit)>;

/// The record type the first well-formed unit header of the data file open at `fd` names, as
/// recovery takes it without a meta; nullopt if there is none. Reads only up to that unit.
Result<std::optional<RecordType>> first_record_type(int fd, const std::string& path, std::uint32_t unit_bytes);

/// Walks the data file open at `fd` (named `path` in failures) of units of unit_bytes.
Result<WalkSummary> walk_units(int fd, const std::string& path, std::optional<RecordType> type,
                               std::uint32_t unit_bytes, CheckLevel level, const SlotFn& fn);

} // namespace ss::store_tool
