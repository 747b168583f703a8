// Where one upload destination's cursors persist when there are several destinations
// (ss/destination_fanout.hpp): `<data dir>/destinations/<name>.cursors`, one entry per sensor
// saying "this destination acknowledged every record below head_seq". A restart places the
// destination's cursor there (or at the store's head, if that is higher), so it neither re-sends
// what it had acknowledged nor skips what it had not.
//
// The file is the acknowledgement log's format (disk_format.hpp: the 16-byte "SSAK" header,
// then 24-byte CRC-checked entries), replaced whole and atomically: written to a temporary,
// synced, renamed over the old one, the directory synced. A crash leaves the old file or the
// new one; a damaged entry costs only its sensor (that destination re-sends from the store's
// head). Written by the destination's uploader at most once a second, so a crash re-sends at
// most what that destination acknowledged in the last second.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ss/hal/file_system.hpp"
#include "ss/sensor_storage.h"

namespace ss::hal {

class DestinationCursorFile {
public:
    struct Entry {
        SsSource source = SS_SOURCE_HOST;
        std::uint32_t sensor_id = 0;
        std::uint64_t acked_seq = 0;
    };
    using Key = std::pair<int, std::uint32_t>; ///< (source, sensor id)

    /// For destination `name` under `directory` (created when first written).
    DestinationCursorFile(std::string directory, std::string name, FileSystem& fs = posix_file_system());
    ~DestinationCursorFile();
    DestinationCursorFile(const DestinationCursorFile&) = delete;
    DestinationCursorFile& operator=(const DestinationCursorFile&) = delete;

    /// What the file holds: each sensor's acknowledged boundary (the highest of its valid
    /// entries). Empty if there is no file yet; `damaged` counts entries (or a header) that
    /// were not valid and were skipped.
    std::map<Key, std::uint64_t> load(std::uint64_t& damaged);
    /// Replaces the file with these entries, durably. 0 or a negative errno (the old file stays).
    int save(const std::vector<Entry>& entries);

    const std::string& path() const { return path_; }

private:
    std::string directory_;
    std::string name_;
    std::string path_;
    FileSystem& fs_;
    int dir_ = -1;
    bool parent_synced_ = false;
};

} // namespace ss::hal
