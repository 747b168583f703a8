#include "posix/upload/destination_cursor_file.hpp"

#include <algorithm>
#include <cerrno>

#include "posix/disk/atomic_file.hpp"
#include "ss/disk_format.hpp"

namespace ss::hal {

DestinationCursorFile::DestinationCursorFile(std::string directory, std::string name, FileSystem& fs)
    : directory_(std::move(directory)), name_(std::move(name)), fs_(fs) {
    path_ = directory_ + "/" + name_ + ".cursors";
}

DestinationCursorFile::~DestinationCursorFile() {
    if (dir_ >= 0) fs_.close(dir_);
}

std::map<DestinationCursorFile::Key, std::uint64_t> DestinationCursorFile::load(std::uint64_t& damaged) {
    std::map<Key, std::uint64_t> out;
    damaged = 0;
    if (dir_ < 0) dir_ = fs_.open_root(directory_.c_str());
    if (dir_ < 0) return out;
    const std::string file = name_ + ".cursors";
    const int fd = fs_.open_file(dir_, file.c_str(), false);
    if (fd < 0) return out;
    const std::int64_t size = fs_.size(fd);
    std::vector<std::byte> buf(size > 0 ? static_cast<std::size_t>(size) : 0);
    const std::int64_t n = buf.empty() ? 0 : fs_.read(fd, buf.data(), buf.size(), 0);
    fs_.close(fd);
    if (n <= 0 || !disk::check_ack_log_header(buf.data(), static_cast<std::size_t>(n))) {
        damaged = n == 0 ? 0 : 1;
        return out;
    }
    damaged = disk::for_each_ack_entry(buf.data(), static_cast<std::size_t>(n), [&out](const disk::AckEntry& e) {
        auto& v = out[{static_cast<int>(e.source), e.sensor_id}];
        v = std::max(v, e.head_seq);
    });
    return out;
}

int DestinationCursorFile::save(const std::vector<Entry>& entries) {
    if (dir_ < 0) dir_ = fs_.open_root(directory_.c_str());
    if (dir_ < 0) return dir_;
    if (!parent_synced_) {
        // The directory may be new: its name must survive a power cut with the file.
        const auto slash = directory_.find_last_of('/');
        const std::string parent = slash == std::string::npos ? "."
                                   : slash == 0                ? "/"
                                                               : directory_.substr(0, slash);
        const int p = fs_.open_root(parent.c_str());
        if (p < 0) return p;
        const int r = fs_.sync(p);
        fs_.close(p);
        if (r < 0) return r;
        parent_synced_ = true;
    }
    std::vector<std::byte> buf(disk::ack_log_header_bytes + entries.size() * disk::ack_entry_bytes);
    disk::encode_ack_log_header(buf.data());
    for (std::size_t i = 0; i < entries.size(); ++i)
        disk::encode_ack_entry(disk::AckEntry{entries[i].source, entries[i].sensor_id, entries[i].acked_seq},
                               buf.data() + disk::ack_log_header_bytes + i * disk::ack_entry_bytes);
    const std::string file = name_ + ".cursors";
    const std::string tmp = file + ".tmp";
    int r = tier::write_temporary(fs_, dir_, tmp.c_str(), buf.data(), buf.size(), true);
    if (r >= 0) r = tier::replace_with(fs_, dir_, tmp.c_str(), file.c_str());
    if (r >= 0) r = fs_.sync(dir_);
    return r < 0 ? r : 0;
}

} // namespace ss::hal
