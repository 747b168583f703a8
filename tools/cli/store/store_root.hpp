// A store's data root opened read-only, without the library: the sensors whose files are below
// it (docs/storage-format.md, "Files"). Nothing here writes, locks or creates anything, so it is
// safe next to a daemon running the store (it may then see a unit being written as torn).
#pragma once

#include <string>
#include <vector>

#include "store/result.hpp"
#include "store/sensor_key.hpp"
#include "store/unique_fd.hpp"

namespace ss::store_tool {

/// Names of the files in the root (docs/storage-format.md).
inline constexpr const char* ack_log_file = "acks.log";
inline constexpr const char* ledger_file = "shutdown.ledger";
inline constexpr const char* boot_file = "boot";
inline constexpr const char* destinations_dir = "destinations";
inline constexpr const char* cursors_ext = ".cursors";

/// A sensor's files as a directory listing shows them.
struct SensorFiles {
    SensorKey key;
    bool data = false;
    bool meta = false;
};

class StoreRoot {
public:
    /// Opens `path` (O_RDONLY) and lists its source directories. Fails, naming the path, if it
    /// cannot be read or is not a store: a directory holding none of a source directory, a boot
    /// record, an acknowledgement log, a shutdown ledger or a lock file.
    static Result<StoreRoot> open(const std::string& path);

    const std::string& path() const noexcept { return path_; }
    int fd() const noexcept { return fd_.get(); }
    /// Every sensor with a data or meta file, in (source, id) order.
    const std::vector<SensorFiles>& sensors() const noexcept { return sensors_; }
    /// The sensor's entry, or nullptr if it has no file.
    const SensorFiles* find(SensorKey key) const noexcept;
    /// "<root>/<source>/sensor_<id>.<ext>".
    std::string sensor_path(SensorKey key, const char* ext) const;
    /// The sensor file opened read-only, without following a symlink.
    Result<UniqueFd> open_sensor_file(SensorKey key, const char* ext) const;
    /// A file of the root opened read-only; an empty descriptor if it does not exist.
    Result<UniqueFd> open_root_file(const std::string& name) const;
    /// Names of the destination cursor files (destinations/NAME.cursors), sorted.
    const std::vector<std::string>& destination_files() const noexcept { return destinations_; }

private:
    std::string path_;
    UniqueFd fd_;
    UniqueFd source_fd_[3];
    std::vector<SensorFiles> sensors_;
    std::vector<std::string> destinations_;
};

/// The whole content of a small file (a meta, a log); I/O errors name the path.
Result<std::string> read_whole(int fd, const std::string& path);

} // namespace ss::store_tool
