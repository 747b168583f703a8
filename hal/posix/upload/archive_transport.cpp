#include "posix/upload/archive_transport.hpp"

#include <cstdio>
#include <cstring>
#include <vector>

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

bool ArchiveTransport::append(const std::string* lines, std::size_t count, std::uint64_t bytes) noexcept {
    // Lines go out in slices of at most 64 iovecs (well under IOV_MAX) but sync once.
    constexpr std::size_t slice = 64;
    iovec v[slice];
    std::uint64_t at = size_;
    bool ok = true;
    for (std::size_t i = 0; ok && i < count; i += slice) {
        const std::size_t n = count - i < slice ? count - i : slice;
        std::uint64_t chunk = 0;
        for (std::size_t k = 0; k < n; ++k) {
            v[k] = iovec{const_cast<char*>(lines[i + k].data()), lines[i + k].size()};
            chunk += lines[i + k].size();
        }
        ok = fs_.write(fd_, v, static_cast<int>(n), at) >= 0;
        at += chunk;
    }
    if (!ok || fs_.sync(fd_) != 0) {
        // Half a line must not stay in front of the next attempt's whole one; if the file cannot
        // be cut back, its end is unknown and the next attempt starts a new file.
        if (fs_.truncate(fd_, size_) != 0) close_current();
        return false;
    }
    size_ += bytes;
    return true;
}

UploadResult ArchiveTransport::send(const UploadBatch& batch) noexcept {
    UploadResult result;
    send_many(std::span<const UploadBatch>(&batch, 1), std::span<UploadResult>(&result, 1));
    return result;
}

std::size_t ArchiveTransport::send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept {
    const std::size_t n = batches.size() < results.size() ? batches.size() : results.size();
    std::vector<std::string> lines;
    try {
        lines.reserve(n);
        for (std::size_t i = 0; i < n; ++i) lines.push_back(line_of(batches[i]) + '\n');
    } catch (...) {
        // Out of memory: nothing was written; try again later.
        if (n != 0) results[0] = UploadResult{UploadOutcome::retry, 0};
        return n == 0 ? 0 : 1;
    }
    // Runs of lines that fit the current file, one write and one sync each; a line that would
    // pass the size opens the next file (a file takes at least one line, however long).
    std::size_t done = 0;
    while (done < n) {
        if (fd_ < 0 && !open_next()) break;
        std::size_t end = done;
        std::uint64_t bytes = 0;
        while (end < n && (size_ + bytes == 0 || size_ + bytes + lines[end].size() <= settings_.max_file_bytes))
            bytes += lines[end++].size();
        if (end == done) {
            // The current file is full: the next line starts a new one.
            if (!open_next()) break;
            continue;
        }
        if (!append(lines.data() + done, end - done, bytes)) break;
        for (; done < end; ++done) results[done] = UploadResult{UploadOutcome::acknowledged, 0};
    }
    if (done == n) return n;
    results[done] = UploadResult{UploadOutcome::retry, 0};
    return done + 1;
}

} // namespace ss::hal
