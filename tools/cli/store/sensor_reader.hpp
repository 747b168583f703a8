// One sensor of a store read offline: its meta, the acknowledged boundary recovery would take
// (the meta's head_seq, or the acknowledgement log's later entry where the meta is valid), its
// data file walked unit by unit, and its live records (valid units, at or past the boundary)
// streamed a unit at a time, so that a whole store is never in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "store/meta_read.hpp"
#include "store/records.hpp"
#include "store/result.hpp"
#include "store/root_records.hpp"
#include "store/store_root.hpp"
#include "store/unit_walk.hpp"

namespace ss::store_tool {

/// Records of one unit that a for_each_record call passes on: a span into a buffer reused for
/// the next unit.
struct RecordBatch {
    UnitBase base;
    std::span<const Record> records;
};
using RecordFn = std::function<void(const RecordBatch&)>;

class SensorReader {
public:
    /// Opens `key`'s files below root (it must have at least one). unit_bytes: the store's unit
    /// size (store_unit_bytes), used where the meta does not give one.
    static Result<SensorReader> open(const StoreRoot& root, SensorKey key, const AckFileRead& acks,
                                     std::uint32_t unit_bytes);

    SensorKey key() const noexcept { return key_; }
    const MetaRead& meta() const noexcept { return meta_; }
    /// The meta's unit size when it is usable, else the store's.
    std::uint32_t unit_bytes() const noexcept { return unit_bytes_; }
    /// The record type: the meta's, else the first well-formed unit header's; nullopt if neither.
    std::optional<RecordType> type() const noexcept { return type_; }
    /// Records below it were acknowledged; 0 without a usable meta (recovery then serves all).
    std::uint64_t boundary() const noexcept { return boundary_; }
    /// The acknowledgement log's entry was ahead of the meta's head_seq.
    bool boundary_from_log() const noexcept { return boundary_from_log_; }
    bool has_data() const noexcept { return data_.get() >= 0; }
    const std::string& data_path() const noexcept { return data_path_; }

    /// Every non-empty slot of the data file at `level` (nothing if there is no data file).
    Result<WalkSummary> walk(CheckLevel level, const SlotFn& fn) const;

    /// Calls fn with the live records whose sequence numbers lie in [from_seq, to_seq], one
    /// valid unit at a time, in sequence order: what a restart would serve (plus any pending
    /// ones, which a restart makes unsent again).
    Result<void> for_each_record(std::uint64_t from_seq, std::uint64_t to_seq, const RecordFn& fn) const;

private:
    SensorKey key_;
    MetaRead meta_;
    std::uint32_t unit_bytes_ = 0;
    std::optional<RecordType> type_;
    std::uint64_t boundary_ = 0;
    bool boundary_from_log_ = false;
    UniqueFd data_;
    std::string data_path_;
};

/// The store's unit size: the one most metas record; without a usable meta, what the first
/// data file's layout shows (the distance from a valid unit to the next slot that holds one),
/// else `fallback`.
Result<std::uint32_t> store_unit_bytes(const StoreRoot& root, std::uint32_t fallback);

} // namespace ss::store_tool
