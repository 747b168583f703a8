// The local archive transport: appends every batch as one JSON line to files under a directory
// and acknowledges it once the line is durable (fdatasync). Useful on its own (a gateway that
// keeps its data on a local disk or a mounted share) and as the receiver of tests. Files rotate
// at a size: archive-<n>.jsonl, n counting up across restarts. A line carries the batch's
// idempotency key, so a batch sent again after a crash is recognisable as the same.
//
//   {"key":"app:7:0:3","source":"app","sensor":7,"type":"ts","first_seq":0,"count":3,"values":[1,2,3]}
//   {"key":"can:9:40:2","source":"can","sensor":9,"type":"evt","first_seq":40,"count":2,
//    "events":[[5,1700000000000],[6,1700000000100]]}                       (one line in the file)
#pragma once

#include <cstdint>
#include <string>

#include "ss/hal/file_system.hpp"
#include "ss/hal/upload_transport.hpp"

namespace ss::hal {

class ArchiveTransport final : public UploadTransport {
public:
    struct Settings {
        std::string directory;                       ///< created (0700) if missing
        std::uint64_t max_file_bytes = 64ull << 20;  ///< a file is closed once it would pass this
    };

    /// Over the real file system, or one a test hands in (fault injection).
    explicit ArchiveTransport(Settings settings, FileSystem& fs = posix_file_system());
    ~ArchiveTransport() override;
    ArchiveTransport(const ArchiveTransport&) = delete;
    ArchiveTransport& operator=(const ArchiveTransport&) = delete;

    /// Appends the batch's line and syncs it; retry (the file cut back to where it was) on any
    /// error, so a failed attempt never leaves half a line behind.
    UploadResult send(const UploadBatch& batch) noexcept override;
    /// Group commit: appends the batches' lines with one write and one sync per file they land
    /// in, and acknowledges each once its file is synced. A failure cuts that file back to where
    /// the group's lines began in it; those batches and the rest are retry.
    std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept override;

    /// The file lines go to now ("" before the first send).
    const std::string& current_file() const noexcept { return current_; }

    /// The line for a batch (what send appends, without the newline).
    static std::string line_of(const UploadBatch& batch);

private:
    bool open_next() noexcept;
    /// Writes and syncs lines[first, last) at the end of the current file; false (cut back) on error.
    bool append(const std::string* lines, std::size_t count, std::uint64_t bytes) noexcept;
    void close_current() noexcept;

    Settings settings_;
    FileSystem& fs_;
    int dir_ = -1;
    std::string current_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t index_ = 0; ///< of the current file
};

} // namespace ss::hal
