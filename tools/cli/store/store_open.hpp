// What every reading subcommand opens first: the root, the root-level records, the store's unit
// size, and a refusal of a store written by a newer library (a meta of a newer format version:
// this tool cannot judge it, so it says so rather than call it damaged).
#pragma once

#include <cstdint>
#include <string>

#include "store/result.hpp"
#include "store/root_records.hpp"
#include "store/sensor_reader.hpp"
#include "store/store_root.hpp"

namespace ss::store_tool {

struct OpenStore {
    StoreRoot root;
    AckFileRead acks;
    LedgerRead ledger;
    BootRead boot;
    std::uint32_t unit_bytes = 0;

    Result<SensorReader> sensor(SensorKey key) const { return SensorReader::open(root, key, acks, unit_bytes); }
};

/// Opens `path`. unit_bytes: the unit size to assume where no meta gives one (0: infer it from
/// the data, else the Linux default, 4096).
Result<OpenStore> open_store(const std::string& path, std::uint32_t unit_bytes);

} // namespace ss::store_tool
