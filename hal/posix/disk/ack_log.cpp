// The acknowledgement log (disk_format.hpp, docs/storage-format.md): a meta records a sensor's
// acknowledged boundary at most once per ack_meta_interval_ms, since each rewrite costs two
// syncs; between rewrites each tick appends the boundaries that moved to one shared file, made
// durable by the sync the tick does anyway. A restart takes the higher of the meta's boundary
// and the log's, so a crash re-sends only what was acknowledged since the last tick.
//
// The log's entries only ever say "acknowledged up to here" for a sensor whose meta exists, and
// boundaries never go back, so an entry can be stale but never wrong. The one way it could be
// wrong is a sensor whose files were deleted and whose numbering starts again: the log is
// rewritten at every open without the entries of sensors that have no meta, and nothing is
// taken from it for a sensor without a valid meta.
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "posix/disk/atomic_file.hpp"
#include "posix/disk/disk_tier.hpp"

namespace ss::hal {

void DiskTier::read_ack_log() noexcept {
    fs_.unlink(root_fd_, ack_log_tmp_name); // a rewrite that never completed
    const int fd = fs_.open_file(root_fd_, ack_log_name, false);
    if (fd == -ENOENT) return;
    if (fd < 0) {
        log(1, Text() << "acknowledgement log: " << std::strerror(-fd) << "; acknowledged records since each sensor's "
                                                                           "meta may be sent again");
        return;
    }
    const std::int64_t size = fs_.size(fd);
    std::vector<std::byte> buf(size > 0 ? static_cast<std::size_t>(size) : 0);
    const std::int64_t n = buf.empty() ? 0 : fs_.read(fd, buf.data(), buf.size(), 0);
    fs_.close(fd);
    if (n < 0 || !disk::check_ack_log_header(buf.data(), static_cast<std::size_t>(std::max<std::int64_t>(n, 0)))) {
        if (n != 0) log(1, Text() << "acknowledgement log is not valid; acknowledged records since each sensor's meta may be sent again");
        return;
    }
    // Whole entries only: a crash mid-append leaves a short tail, which is no entry.
    const std::uint64_t bad = disk::for_each_ack_entry(buf.data(), static_cast<std::size_t>(n), [this](const disk::AckEntry& e) {
        auto& v = acks_at_open_[{static_cast<int>(e.source), e.sensor_id}];
        v = std::max(v, e.head_seq);
    });
    if (bad != 0) log(1, Text() << "acknowledgement log: " << bad << " entries not valid (torn or damaged), skipped");
}

std::uint64_t DiskTier::ack_log_rewrite_bytes() const noexcept {
    // Rewriting costs a file of one entry per sensor behind its meta: done only once appends
    // have made the log several times that, and never for less than 64 KiB.
    std::uint64_t sensors = engine_.sensor_count();
    {
        std::lock_guard g(global_); // recovered_ shrinks as sensors attach, on their threads
        sensors += recovered_.size();
    }
    return std::max<std::uint64_t>(64 * 1024, disk::ack_log_header_bytes + 4 * sensors * disk::ack_entry_bytes);
}

bool DiskTier::rewrite_ack_log() noexcept {
    std::vector<std::byte> buf(disk::ack_log_header_bytes);
    disk::encode_ack_log_header(buf.data());
    const auto add = [&buf](const Sensor& s) {
        if (s.numbering.head_logged <= s.numbering.head_seq_durable) return; // the meta says as much
        std::byte e[disk::ack_entry_bytes];
        disk::encode_ack_entry(disk::AckEntry{s.source, s.id, s.numbering.head_logged}, e);
        buf.insert(buf.end(), e, e + sizeof e);
    };
    for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i) {
        std::lock_guard g(locks_[i]);
        add(at(i));
    }
    {
        std::lock_guard g(global_);
        for (const auto& [key, s] : recovered_) add(*s);
    }
    int r = tier::write_temporary(fs_, root_fd_, ack_log_tmp_name, buf.data(), buf.size(), true);
    if (r >= 0) r = tier::replace_with(fs_, root_fd_, ack_log_tmp_name, ack_log_name);
    if (r >= 0) r = fs_.sync(root_fd_);
    const int fd = r >= 0 ? fs_.open_file(root_fd_, ack_log_name, false) : r;
    if (fd < 0) {
        if (fd == -ENOSPC) note_disk_full();
        if (!ack_failed_logged_) {
            log(1, Text() << "rewriting the acknowledgement log failed: " << std::strerror(-fd)
                          << "; boundaries are recorded by the metas alone until it succeeds");
            ack_failed_logged_ = true;
        }
        // Appending to a log that may still hold entries this rewrite meant to drop would keep
        // them: nothing more is appended until a rewrite succeeds.
        if (ack_fd_ >= 0) fs_.close(ack_fd_);
        ack_fd_ = -1;
        return false;
    }
    if (ack_fd_ >= 0) fs_.close(ack_fd_);
    ack_fd_ = fd;
    ack_end_ = buf.size();
    ack_failed_logged_ = false;
    return true;
}

void DiskTier::append_acks() noexcept {
    ack_staged_.clear();
    ack_buf_.clear();
    if (ack_fd_ < 0) return;
    for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i) {
        std::lock_guard g(locks_[i]);
        const Sensor& s = at(i);
        // The stream's boundary is the sensor's only while RAM holds nothing older: pending
        // sectors stay in RAM while newer ones spill, and an empty stream's boundary (the end of
        // what it erased) would pass them, then come back when they spill. The log must never
        // hold a boundary that comes back: a restart takes the highest.
        std::uint64_t head = s.stream.head_seq;
        SsSensorStats ram{};
        engine_.store_at(i).stats(engine_.context(), ram);
        if (ram.retained != 0) head = std::min(head, ram.head_seq);
        if (head <= std::max(s.numbering.head_logged, s.numbering.head_seq_durable)) continue;
        std::byte e[disk::ack_entry_bytes];
        disk::encode_ack_entry(disk::AckEntry{s.source, s.id, head}, e);
        ack_buf_.insert(ack_buf_.end(), e, e + sizeof e);
        ack_staged_.push_back(AckStaged{i, head});
    }
    if (ack_buf_.empty()) return;
    const iovec v{ack_buf_.data(), ack_buf_.size()};
    const std::int64_t w = fs_.write(ack_fd_, &v, 1, ack_end_);
    if (w != static_cast<std::int64_t>(ack_buf_.size())) {
        // A short or failed append: the next rewrite starts a clean file; until then the next
        // tick appends over the same place (its entries are checked one by one).
        ack_staged_.clear();
        if (w == -ENOSPC) note_disk_full();
        if (!ack_failed_logged_) {
            log(1, Text() << "appending to the acknowledgement log failed: " << std::strerror(w < 0 ? static_cast<int>(-w) : EIO)
                          << "; boundaries are recorded by the metas alone meanwhile");
            ack_failed_logged_ = true;
        }
        return;
    }
    ack_end_ += ack_buf_.size();
    synced_all_ = false; // only a sync_all from here on covers these bytes
}

void DiskTier::settle_acks() noexcept {
    if (ack_staged_.empty()) return;
    if (!synced_all_) {
        if (const int r = fs_.sync(ack_fd_); r != 0) {
            if (!ack_failed_logged_) {
                log(1, Text() << "syncing the acknowledgement log failed: " << std::strerror(-r) << " (tried again next tick)");
                ack_failed_logged_ = true;
            }
            ack_staged_.clear();
            return;
        }
    }
    for (const AckStaged& a : ack_staged_) {
        std::lock_guard g(locks_[a.slot]);
        std::uint64_t& logged = at(a.slot).numbering.head_logged;
        logged = std::max(logged, a.head);
    }
    ack_staged_.clear();
    ack_failed_logged_ = false;
}

} // namespace ss::hal
