#include "posix/upload/archive_transport.hpp"

#include <cstdio>
#include <cstring>

#include "ss/source_name.hpp"

namespace ss::hal {

namespace {

/// The n of "archive-<n>.jsonl", or false for any other name.
bool archive_index(const char* name, std::uint64_t& n) {
    unsigned long long v = 0;
    int used = 0;
    if (std::sscanf(name, "archive-%llu.jsonl%n", &v, &used) != 1 || name[used] != '\0') return false;
    n = v;
    return true;
}

} // namespace

ArchiveTransport::ArchiveTransport(Settings settings, FileSystem& fs) : settings_(std::move(settings)), fs_(fs) {
    dir_ = fs_.open_root(settings_.directory.c_str());
    // Numbering continues after the highest file already there: a restart never appends to a
    // file another session may have left with a torn tail.
    if (dir_ >= 0)
        fs_.list(dir_, [](void* self, const char* name) {
            auto& t = *static_cast<ArchiveTransport*>(self);
            std::uint64_t n = 0;
            if (archive_index(name, n) && n >= t.index_) t.index_ = n;
        }, this);
}

ArchiveTransport::~ArchiveTransport() {
    close_current();
    if (dir_ >= 0) fs_.close(dir_);
}

void ArchiveTransport::close_current() noexcept {
    if (fd_ >= 0) fs_.close(fd_);
    fd_ = -1;
}

bool ArchiveTransport::open_next() noexcept {
    close_current();
    if (dir_ < 0) dir_ = fs_.open_root(settings_.directory.c_str()); // the directory may heal
    if (dir_ < 0) return false;
    // The number is taken only once the file is ready: a failed attempt opens the same (empty,
    // never acknowledged into) file again.
    const std::uint64_t next = index_ + 1;
    char name[48];
    std::snprintf(name, sizeof name, "archive-%llu.jsonl", static_cast<unsigned long long>(next));
    current_ = settings_.directory + "/" + name;
    const int fd = fs_.open_file(dir_, name, true);
    // The new name must survive a power cut too.
    if (fd < 0) return false;
    if (fs_.truncate(fd, 0) != 0 || fs_.sync(dir_) != 0) {
        fs_.close(fd);
        return false;
    }
    fd_ = fd;
    size_ = 0;
    index_ = next;
    return true;
}

std::string ArchiveTransport::line_of(const UploadBatch& b) {
    const char* src = source_name(b.source);
    std::string s;
    s.reserve(96 + std::size_t{b.count} * 24);
    char head[200];
    std::snprintf(head, sizeof head,
                  "{\"key\":\"%s:%u:%llu:%u\",\"source\":\"%s\",\"sensor\":%u,\"type\":\"%s\",\"first_seq\":%llu,\"count\":%u,",
                  src, b.sensor_id, static_cast<unsigned long long>(b.first_seq), b.count, src, b.sensor_id,
                  b.type == RecordType::ts ? "ts" : "evt", static_cast<unsigned long long>(b.first_seq), b.count);
    s += head;
    s += b.type == RecordType::ts ? "\"values\":[" : "\"events\":[";
    char item[48];
    for (std::uint32_t i = 0; i < b.count; ++i) {
        if (i != 0) s += ',';
        if (b.type == RecordType::ts) {
            std::uint32_t v = 0;
            std::memcpy(&v, b.records + std::size_t{i} * sector::ts_record_bytes, sizeof v);
            std::snprintf(item, sizeof item, "%u", v);
        } else {
            std::uint32_t v = 0;
            std::uint64_t ts = 0;
            const std::byte* r = b.records + std::size_t{i} * sector::evt_record_bytes;
            std::memcpy(&v, r, sizeof v);
            std::memcpy(&ts, r + 4, sizeof ts);
            std::snprintf(item, sizeof item, "[%u,%llu]", v, static_cast<unsigned long long>(ts));
        }
        s += item;
    }
    s += "]}";
    return s;
}

UploadResult ArchiveTransport::send(const UploadBatch& batch) noexcept {
    std::string line;
    try {
        line = line_of(batch);
    } catch (...) {
        return {UploadOutcome::retry, 0}; // out of memory: try again later
    }
    line += '\n';
    if (fd_ < 0 || (size_ != 0 && size_ + line.size() > settings_.max_file_bytes)) {
        if (!open_next()) return {UploadOutcome::retry, 0};
    }
    const iovec v{line.data(), line.size()};
    if (fs_.write(fd_, &v, 1, size_) < 0 || fs_.sync(fd_) != 0) {
        // Half a line must not stay in front of the next attempt's whole one; if the file cannot
        // be cut back, its end is unknown and the next attempt starts a new file.
        if (fs_.truncate(fd_, size_) != 0) close_current();
        return {UploadOutcome::retry, 0};
    }
    size_ += line.size();
    return {UploadOutcome::acknowledged, 0};
}

} // namespace ss::hal
