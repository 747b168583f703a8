#include "posix/upload/archive_transport.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

bool write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

} // namespace

ArchiveTransport::ArchiveTransport(Settings settings) : settings_(std::move(settings)) {
    ::mkdir(settings_.directory.c_str(), 0700);
    // Numbering continues after the highest file already there: a restart never appends to a
    // file another session may have left with a torn tail.
    if (DIR* d = ::opendir(settings_.directory.c_str())) {
        while (const dirent* e = ::readdir(d)) {
            std::uint64_t n = 0;
            if (archive_index(e->d_name, n) && n >= index_) index_ = n;
        }
        ::closedir(d);
    }
}

ArchiveTransport::~ArchiveTransport() {
    if (fd_ >= 0) ::close(fd_);
}

bool ArchiveTransport::open_next() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ++index_;
    char name[48];
    std::snprintf(name, sizeof name, "/archive-%llu.jsonl", static_cast<unsigned long long>(index_));
    current_ = settings_.directory + name;
    fd_ = ::open(current_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0) return false;
    size_ = 0;
    // The new name must survive a power cut too.
    const int dir = ::open(settings_.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return false;
    const bool ok = ::fsync(dir) == 0;
    ::close(dir);
    return ok;
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
    const off_t before = static_cast<off_t>(size_);
    if (!write_all(fd_, line.data(), line.size()) || ::fdatasync(fd_) != 0) {
        // Half a line must not stay in front of the next attempt's whole one.
        if (::ftruncate(fd_, before) != 0 || ::lseek(fd_, before, SEEK_SET) != before) {
            // The file's end is unknown: the next attempt starts a new file.
            ::close(fd_);
            fd_ = -1;
        }
        return {UploadOutcome::retry, 0};
    }
    size_ += line.size();
    return {UploadOutcome::acknowledged, 0};
}

} // namespace ss::hal
