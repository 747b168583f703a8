// A sensor's meta file read and checked as recovery checks it (ss/disk_format.hpp's
// decode_meta, then that it names this sensor).
#pragma once

#include <cstdint>

#include "ss/disk_format.hpp"
#include "store/result.hpp"
#include "store/store_root.hpp"

namespace ss::store_tool {

struct MetaRead {
    bool present = false;
    disk::MetaError error = disk::MetaError::none;
    /// The version field as found (meaningful when the file has at least 6 bytes).
    std::uint16_t version = 0;
    /// It decoded, but names another sensor.
    bool names_other = false;
    disk::Meta meta;

    /// What recovery would use: present, valid, this sensor's.
    bool usable() const noexcept { return present && error == disk::MetaError::none && !names_other; }
    /// A version this tool does not know: written by a newer library.
    bool newer() const noexcept { return present && error == disk::MetaError::bad_version && version > disk::meta_version; }
};

/// Reads `key`'s meta. A missing file is present = false; an invalid one says why in `error`.
/// Fails only when the file exists and cannot be read.
Result<MetaRead> read_meta(const StoreRoot& root, SensorKey key);

/// "bad CRC", "too short", ... for a MetaError.
const char* meta_error_text(disk::MetaError e) noexcept;

} // namespace ss::store_tool
