// A sensor's meta: its acknowledged boundary, its sequence reservation ahead of use, and the
// losses recovery found, replaced atomically (atomic_file.hpp) in two halves so that a tick can
// make many temporaries durable with one sync_all before renaming any.
#include <algorithm>

#include "posix/disk/atomic_file.hpp"
#include "posix/disk/disk_tier.hpp"
#include "posix/disk/file_names.hpp"

namespace ss::hal {

std::uint64_t DiskTier::hot_next_seq(std::uint32_t slot) const noexcept {
    SsSensorStats st;
    engine_.store_at(slot).stats(engine_.context(), st);
    return st.next_seq;
}

bool DiskTier::stage_meta(Sensor& s, std::uint64_t next, bool sync_now) noexcept {
    if (s.files.disk_failed) return false;
    tier::Numbering& num = s.numbering;
    disk::Meta m;
    m.source = s.source;
    m.type = s.type;
    m.sensor_id = s.id;
    m.unit_bytes = unit_bytes_;
    m.head_seq = s.stream.head_seq;
    m.seq_reserved = std::max(num.reserved_durable, next + seq_reservation);
    m.dropped_quota = s.stream.lifetime_dropped_quota;
    m.corrupt_units = s.stream.lifetime_corrupt_units;
    m.lost_units = s.stream.loss.units;
    m.lost_records = s.stream.loss.records;
    m.lost_until_seq = s.stream.loss.until_seq;
    // Cleared now: an erase from here on marks it dirty again, and a failure below does too.
    num.meta_dirty = false;
    std::byte buf[disk::meta_bytes];
    disk::encode_meta(m, buf);
    const int dir = source_dir(s.source, true);
    if (dir < 0) {
        num.meta_dirty = true;
        note_failure(s, dir, "creating the source directory");
        return false;
    }
    const std::string tmp = tier::sensor_file(s.id, tier::meta_tmp_ext);
    if (const int r = tier::write_temporary(fs_, dir, tmp.c_str(), buf, sizeof buf, sync_now); r < 0) {
        num.meta_dirty = true;
        note_failure(s, r, "writing the meta file");
        return false;
    }
    num.staged_reserved = m.seq_reserved;
    num.staged_head = m.head_seq;
    return true;
}

bool DiskTier::commit_meta(Sensor& s) noexcept {
    // The temporary file is durable (its own sync or a sync_all): only now may it replace the
    // meta, so a crash leaves the old meta or the new one, never a torn one.
    const int dir = source_dir(s.source, true);
    const std::string tmp = tier::sensor_file(s.id, tier::meta_tmp_ext);
    const std::string name = tier::sensor_file(s.id, tier::meta_ext);
    const int r = dir < 0 ? dir : tier::replace_with(fs_, dir, tmp.c_str(), name.c_str());
    if (r < 0) {
        s.numbering.meta_dirty = true;
        note_failure(s, r, "replacing the meta file");
        return false;
    }
    dir_dirty_[s.source] = true;
    s.numbering.meta_staged = true;
    return true;
}

} // namespace ss::hal

namespace ss::hal {

bool DiskTier::write_meta_now(Sensor& s, std::uint32_t slot) noexcept {
    // Only where the source directory is open already (a sensor with files has it): opening it
    // would race with the manager, which owns dir_fd_ and dir_dirty_.
    const int dir = dir_fd_[s.source];
    if (s.files.disk_failed || dir < 0) return false;
    if (!stage_meta(s, hot_next_seq(slot), true)) return false;
    tier::Numbering& num = s.numbering;
    const std::string tmp = tier::sensor_file(s.id, tier::meta_tmp_ext);
    const std::string name = tier::sensor_file(s.id, tier::meta_ext);
    int r = tier::replace_with(fs_, dir, tmp.c_str(), name.c_str());
    if (r == 0) r = fs_.sync(dir);
    if (r != 0) {
        num.meta_dirty = true;
        note_failure(s, r, "replacing the meta file");
        return false;
    }
    num.reserved_durable = std::max(num.reserved_durable, num.staged_reserved);
    num.seq_reserved = cap_for(s);
    num.head_seq_durable = num.staged_head;
    num.meta_ever_written = true;
    return true;
}

} // namespace ss::hal
