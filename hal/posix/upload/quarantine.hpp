// Batches a receiver refused for good (an HTTP 4xx other than 408, 413, 429), kept on disk
// instead of being retried for ever or silently erased (design.md §9). A quarantined batch is
// one file, written durably before the store lets its records go, so the records behind it flow
// on; it stays until an operator releases it (the uploader sends it again, and removes the file
// once a receiver acknowledges it) or drops it (counted). Held, released and dropped batches are
// counted for stats and metrics. Safe to call from several threads (the uploader, an operator's
// request): one lock, held for each call.
//
// File <source>-<sensor>-<first_seq>-<count>.qb (.qr once released), little-endian:
//   0  4 magic "SSQB"           24 8 first_time (µs, bit 63 = UTC)   48 8 quarantined at, UTC ms
//   4  1 version (1)            32 4 period_us                       56 .. records as stored
//   5  1 record type (1 ts, 2 evt) 36 4 boot                           end-4: CRC32C of all before
//   6  1 source                 40 4 reason (the HTTP status)
//   7  1 0                      44 4 0
//   8  4 sensor id, 12 4 count, 16 8 first_seq
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "ss/expected.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/hal/upload_transport.hpp"

namespace ss::hal {

class Quarantine {
public:
    struct Entry {
        std::string file;     ///< its name in the directory: what release and drop take
        UploadBatch batch{};  ///< records == nullptr: load() reads them
        std::uint32_t reason = 0;
        std::uint64_t quarantined_at_ms = 0;
        bool released = false;
    };

    struct Stats {
        std::uint64_t held_batches = 0;
        std::uint64_t held_records = 0;
        std::uint64_t quarantined_batches = 0; ///< put since open
        std::uint64_t released_batches = 0;    ///< sent again and acknowledged since open
        std::uint64_t dropped_batches = 0;     ///< by an operator since open
        std::uint64_t dropped_records = 0;
        std::uint64_t unreadable_files = 0;    ///< failed their check at open (kept, not served)
    };

    /// Opens (creating it, 0700) the directory and reads what is held there.
    explicit Quarantine(std::string directory, FileSystem& fs = posix_file_system());
    ~Quarantine();
    Quarantine(const Quarantine&) = delete;
    Quarantine& operator=(const Quarantine&) = delete;

    /// 0 once the directory is open; else the negative errno of opening it.
    int status() const noexcept {
        std::lock_guard g(lock_);
        return dir_ < 0 ? dir_ : 0;
    }

    /// Keeps the batch durably (file synced, then its directory entry). 0, or a negative errno:
    /// then nothing is kept and the caller must not let the records go.
    int put(const UploadBatch& batch, std::uint32_t reason, std::uint64_t now_utc_ms);

    /// A copy: the uploader and operators change the list from other threads.
    std::vector<Entry> entries() const;
    Stats stats() const noexcept;

    /// An operator's release: the batch is to be sent again (durable: it survives a restart).
    Expected<void> release(const std::string& file);
    /// An operator's drop: the file is removed and its records counted as dropped.
    Expected<void> drop(const std::string& file);

    /// The first released batch, its records read into `records` (checked): what the uploader
    /// sends again. try_again when none is released; io_error when its file fails the check.
    Expected<UploadBatch> next_released(std::vector<std::byte>& records, std::string& file);
    /// A released batch was acknowledged: its file goes.
    Expected<void> delivered(const std::string& file);
    /// A released batch was refused again: it is held again, with the new reason.
    Expected<void> refused_again(const std::string& file, std::uint32_t reason);

    static std::string file_name(const UploadBatch& batch, bool released);

private:
    Entry* find(const std::string& file);
    int read_file(const std::string& file, std::vector<std::byte>& content);
    void scan();
    void erase_entry(const std::string& file);

    mutable std::mutex lock_;
    std::string directory_;
    FileSystem& fs_;
    int dir_ = -1;
    std::vector<Entry> entries_;
    std::uint64_t quarantined_ = 0, released_ = 0, dropped_batches_ = 0, dropped_records_ = 0, unreadable_ = 0;
};

} // namespace ss::hal
