// The shutdown ledger (disk_format.hpp): written once a shutdown has made everything durable,
// it records each sensor's exact next sequence number, so a clean restart numbers on without a
// gap while the metas keep their reservations ahead. It is removed, durably, before a session
// hands out a number past it.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "posix/disk/atomic_file.hpp"
#include "posix/disk/disk_tier.hpp"

namespace ss::hal {

std::uint64_t DiskTier::cap_for(const Sensor& s) const noexcept {
    // A crash now resumes numbering at the durable reservation, or, while a ledger is on disk,
    // at what it records for the sensor: no number at or past that may be handed out.
    const tier::Numbering& num = s.numbering;
    return ledger_on_disk_ ? std::min(num.reserved_durable, num.ledger_next) : num.reserved_durable;
}

void DiskTier::read_ledger() noexcept {
    fs_.unlink(root_fd_, ledger_tmp_name); // a ledger that was never completed
    const int fd = fs_.open_file(root_fd_, ledger_name, false);
    if (fd == -ENOENT) return;
    // It exists: whatever it says, a crash before it is removed would read it again.
    ledger_on_disk_ = true;
    if (fd < 0) {
        Text t;
        t << "shutdown ledger: " << std::strerror(-fd) << "; numbering resumes past the reservations";
        log(1, t);
        return;
    }
    const std::int64_t size = fs_.size(fd);
    const std::size_t max_bytes = disk::ledger_header_bytes + std::size_t{disk::ledger_max_entries} * disk::ledger_entry_bytes;
    std::vector<std::byte> buf(size > 0 && static_cast<std::uint64_t>(size) <= max_bytes ? static_cast<std::size_t>(size) : 0);
    const std::int64_t n = buf.empty() ? -EINVAL : fs_.read(fd, buf.data(), buf.size(), 0);
    fs_.close(fd);
    std::uint32_t count = 0;
    if (n != static_cast<std::int64_t>(buf.size()) || disk::check_ledger(buf.data(), buf.size(), count) != disk::LedgerError::none) {
        log(1, Text() << "shutdown ledger is not valid (an unfinished stop?); numbering resumes past the reservations");
        return;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        const disk::LedgerEntry e = disk::ledger_entry(buf.data(), i);
        auto& v = ledger_at_open_[{static_cast<int>(e.source), e.sensor_id}];
        v = std::max(v, e.next_seq);
    }
}

bool DiskTier::remove_ledger() noexcept {
    const int r = fs_.unlink(root_fd_, ledger_name);
    const int synced = (r != 0 && r != -ENOENT) ? r : fs_.sync(root_fd_);
    if ((r != 0 && r != -ENOENT) || synced != 0) {
        if (synced == -ENOSPC) note_disk_full();
        Text t;
        t << "removing the shutdown ledger failed: " << std::strerror(r != 0 && r != -ENOENT ? -r : EIO)
          << "; new records wait for it (retried every tick)";
        log(0, t);
        return false;
    }
    ledger_on_disk_ = false;
    for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i) {
        std::lock_guard g(locks_[i]);
        Sensor& s = at(i);
        s.numbering.ledger_next = ~std::uint64_t{0};
        s.numbering.seq_reserved = cap_for(s);
    }
    return true;
}

bool DiskTier::write_ledger() noexcept {
    const std::uint32_t n = engine_.sensor_count();
    std::vector<std::byte> buf(disk::ledger_header_bytes);
    std::uint32_t count = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::lock_guard g(locks_[i]);
        Sensor& s = at(i);
        // A sensor whose files are not ours this session keeps numbering by reservation.
        if (!s.attached || s.files.disk_failed) continue;
        const std::uint64_t exact = std::max(hot_next_seq(i), s.stream.head_seq);
        // Binds at once: nothing at or past it is handed out from now on, ledger or not.
        s.numbering.seq_reserved = std::min(s.numbering.seq_reserved, exact);
        s.numbering.ledger_staged = exact;
        std::byte e[disk::ledger_entry_bytes];
        disk::encode_ledger_entry(disk::LedgerEntry{s.source, s.id, exact}, e);
        buf.insert(buf.end(), e, e + sizeof e);
        ++count;
    }
    disk::encode_ledger_header(count, buf.data() + disk::ledger_header_bytes, buf.data());
    int r = tier::write_temporary(fs_, root_fd_, ledger_tmp_name, buf.data(), buf.size(), true);
    if (r >= 0) r = tier::replace_with(fs_, root_fd_, ledger_tmp_name, ledger_name);
    if (r >= 0) r = fs_.sync(root_fd_);
    if (r < 0) {
        if (r == -ENOSPC) note_disk_full();
        Text t;
        t << "writing the shutdown ledger failed: " << std::strerror(-r) << " (retried next tick)";
        log(0, t);
        return false;
    }
    ledger_on_disk_ = true;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::lock_guard g(locks_[i]);
        Sensor& s = at(i);
        if (!s.attached || s.files.disk_failed) continue;
        s.numbering.ledger_next = s.numbering.ledger_staged;
        s.numbering.seq_reserved = cap_for(s);
    }
    Text t;
    t << "shutdown ledger written: " << count << " sensors";
    log(2, t);
    return true;
}

} // namespace ss::hal
