// A tick of the disk tier, after the engine has sealed and spilled: the acknowledged boundaries
// that moved appended to the acknowledgement log (ack_log.cpp), the data pass (every
// sensor's new units written, then made durable together, read back where the sensor's level
// asks for it, then marked durable), the meta pass
// (boundaries and reservations replaced atomically), one directory sync per source directory,
// and at a shutdown the ledger. The syncs and read-backs run without cold locks: the uploader is
// never held up by them.
#include <cerrno>

#include "posix/disk/disk_tier.hpp"

namespace ss::hal {

bool DiskTier::flush_data(std::uint64_t now) noexcept {
    const std::uint32_t n = engine_.sensor_count();
    bool all_durable = true;
    struct Written {
        std::uint32_t slot;
        std::uint64_t begin;
        std::uint64_t end;
        int fd;
        bool read_back; // VerifyLevel::after_write: durable only once read back as written
    };
    std::vector<Written> written;
    for (std::uint32_t i = 0; i < n; ++i) {
        Sensor& s = at(i);
        std::lock_guard g(locks_[i]);
        if (s.files.trim_due) trim(s);
        std::uint64_t begin = 0;
        std::uint64_t end = 0;
        bool whole = false;
        if (write_units(s, begin, end, whole) == Wrote::some)
            written.push_back(Written{i, begin, end, s.files.fd, level_of(i) == VerifyLevel::after_write});
        if (!whole) all_durable = false;
    }
    if (written.empty()) return all_durable;
    // Synced: durable, or for a read-back sensor durable once the read-back (without the cold
    // lock, like the sync) matches. Returns whether all of w is durable.
    const auto settle = [this](const Written& w) {
        const bool read_ok = w.read_back && read_back(w.fd, w.begin, w.end);
        Sensor& s = at(w.slot);
        std::lock_guard g(locks_[w.slot]);
        if (!w.read_back) {
            units_synced(s, w.end);
            // The sensor left the after-write level: an old mismatch no longer describes its disk.
            s.files.read_back_differs = false;
            return true;
        }
        units_read_back(s, w.begin, w.end, read_ok);
        return !s.files.read_back_differs;
    };
    if (syncs_.batch(written.size(), now)) {
        const int all = syncs_.sync_all(written.size(), now);
        if (all == 0) synced_all_ = true; // the acknowledgement log's appends too
        // Without a usable syncfs nothing was synced (or lost): the loop below syncs each file.
        if (!tier::SyncScheduler::unsupported(all)) {
            for (const Written& w : written) {
                if (all == 0) {
                    all_durable = settle(w) && all_durable;
                    continue;
                }
                Sensor& s = at(w.slot);
                std::lock_guard g(locks_[w.slot]);
                note_failure(s, all, "syncing the data files (syncfs)", false);
            }
            return all_durable && all == 0;
        }
    }
    for (const Written& w : written) {
        const int r = fs_.sync(w.fd);
        if (r == 0) {
            all_durable = settle(w) && all_durable;
            continue;
        }
        // After a failed sync the kernel may have dropped the pages: everything since the last
        // good sync is written again from RAM next tick.
        Sensor& s = at(w.slot);
        std::lock_guard g(locks_[w.slot]);
        note_failure(s, r, "syncing the data file");
        all_durable = false;
    }
    return all_durable;
}

bool DiskTier::meta_due(Sensor& s, std::uint32_t slot, std::uint64_t now, bool shutdown,
                        std::uint64_t& next) const noexcept {
    // Read under the cold lock, which the uploader needs to hand anything out: every number
    // handed out so far is below `next`, and none can be until the reservation is settled.
    const tier::Numbering& num = s.numbering;
    next = hot_next_seq(slot);
    const bool active = next > 0 || s.stream.retained > 0 || s.stream.head_seq > 0;
    const bool reserve_low = active && next + seq_reservation / 2 > num.reserved_durable;
    const bool ack_due = num.meta_dirty &&
                         (shutdown || !num.meta_ever_written || now - num.meta_written_at_ms >= ack_meta_interval_ms);
    return ack_due || (!shutdown && reserve_low);
}

bool DiskTier::flush_metas(std::uint64_t now, bool shutdown, bool& dirs_ok) noexcept {
    const std::uint32_t n = engine_.sensor_count();
    bool all_clean = true;
    std::size_t due = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::lock_guard g(locks_[i]);
        std::uint64_t next = 0;
        if (!at(i).files.disk_failed && meta_due(at(i), i, now, shutdown, next)) ++due;
    }
    const bool batch = syncs_.batch(due, now);
    struct Staged {
        std::uint32_t slot;
        std::uint64_t next;
    };
    std::vector<Staged> staged;
    for (std::uint32_t i = 0; i < n; ++i) {
        Sensor& s = at(i);
        std::lock_guard g(locks_[i]);
        std::uint64_t next = 0;
        if (!meta_due(s, i, now, shutdown, next)) continue;
        if (!stage_meta(s, next, !batch)) all_clean = false;
        else if (!batch) all_clean = commit_meta(s) && all_clean;
        else staged.push_back(Staged{i, next});
    }
    if (!staged.empty()) {
        const int all = syncs_.sync_all(staged.size(), now);
        for (const auto& [i, next] : staged) {
            Sensor& s = at(i);
            std::lock_guard g(locks_[i]);
            if (tier::SyncScheduler::unsupported(all)) {
                // No usable syncfs (nothing synced, nothing lost): this meta is written again
                // and synced on its own, in this tick.
                if (!stage_meta(s, next, true) || !commit_meta(s)) all_clean = false;
            } else if (all != 0) {
                // Written again next tick (file by file if syncfs is not to be trusted now).
                s.numbering.meta_dirty = true;
                note_failure(s, all, "syncing the meta files (syncfs)", false);
                all_clean = false;
            } else if (!commit_meta(s)) {
                all_clean = false;
            }
        }
    }
    // One directory sync per source directory per tick makes every rename and new file durable.
    dirs_ok = true;
    bool dir_synced[3] = {false, false, false};
    for (int d = 0; d < 3; ++d) {
        if (!dir_dirty_[d]) continue;
        if (fs_.sync(dir_fd_[d]) == 0) {
            dir_dirty_[d] = false;
            dir_synced[d] = true;
        } else {
            dirs_ok = false;
        }
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        tier::Numbering& num = at(i).numbering;
        std::lock_guard g(locks_[i]);
        // Data files are created by this thread only (the data pass): each one created before
        // the sync of its directory is named durably now.
        if (dir_synced[at(i).source]) at(i).files.entry_durable = true;
        if (!num.meta_staged) continue;
        num.meta_staged = false;
        if (dirs_ok) {
            // Only now may numbers up to the new reservation be handed out.
            num.reserved_durable = num.staged_reserved;
            num.seq_reserved = cap_for(at(i));
            num.head_seq_durable = num.staged_head;
            // The interval counts from the last meta that became durable: a failed write is
            // tried again at the next tick the interval allows.
            num.meta_written_at_ms = now;
            num.meta_ever_written = true;
        } else {
            num.meta_dirty = true; // written again next tick
            all_clean = false;
        }
    }
    return all_clean;
}

void DiskTier::tick(const Tick& tick) noexcept {
    if (quota_.restore_due(tick.now_ms)) {
        health_.fetch_and(~SS_HEALTH_DISK_FULL, std::memory_order_relaxed); // the flags say how the disk is now
    }
    if (tick.budget_spent) {
        Text t;
        t << "shutdown budget of " << cfg_.shutdown_budget_ms << " ms spent; what is not flushed stays in RAM";
        log(0, t);
        return;
    }
    if (!tick.shutdown && ledger_on_disk_) remove_ledger();
    append_acks();
    const bool all_durable = flush_data(tick.now_ms);
    settle_acks();
    bool dirs_ok = true;
    const bool all_clean = flush_metas(tick.now_ms, tick.shutdown, dirs_ok);
    if (ack_fd_ < 0 || ack_end_ > ack_log_rewrite_bytes()) rewrite_ack_log();
    // Complete only as seen by a shutdown tick, once the ledger records where numbering stopped.
    const bool ledger_ok = tick.shutdown && all_durable && all_clean && dirs_ok && (ledger_on_disk_ || write_ledger());
    // The disk error flag describes the present: it goes once no sensor is failing any more.
    const std::uint32_t n = engine_.sensor_count();
    bool failing = dir_failed_[0] || dir_failed_[1] || dir_failed_[2];
    for (std::uint32_t i = 0; i < n && !failing; ++i) {
        std::lock_guard g(locks_[i]);
        failing = at(i).files.write_failures >= 3 || at(i).files.disk_failed || at(i).files.read_back_differs;
    }
    if (!failing) health_.fetch_and(~SS_HEALTH_DISK_ERROR, std::memory_order_relaxed);
    std::lock_guard g(global_);
    flushed_ = ledger_ok;
}

} // namespace ss::hal
