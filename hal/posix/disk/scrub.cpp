// The disk tier's scrub: a bounded step over one sensor's unsent units, each read back from the
// file (or, not written yet, checked in RAM), so that data gone bad at rest is found while it
// waits — not only when the uploader meets it, which on a store nobody drains is never.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "posix/disk/disk_tier.hpp"
#include "posix/disk/file_names.hpp"
#include "ss/counter.hpp"
#include "ss/source_name.hpp"

namespace ss::hal {

namespace {

/// Index of the first unit at or past the unsent position that holds a record at or after
/// next_seq (units.size() if none). Units are in sequence order, so the ends only grow.
std::size_t first_due(const tier::UnitStream& st, std::uint64_t next_seq) noexcept {
    const auto from = st.units.begin() + static_cast<std::ptrdiff_t>(std::min(st.pend_unit, st.units.size()));
    const auto it = std::partition_point(from, st.units.end(),
                                         [next_seq](const tier::Unit& u) { return u.first_seq + u.count <= next_seq; });
    return static_cast<std::size_t>(it - st.units.begin());
}

/// Index of the unit (offset, first_seq) if it is still in the stream (units.size() if not).
std::size_t find_unit(const tier::UnitStream& st, std::uint64_t offset, std::uint64_t first_seq) noexcept {
    const auto it = std::partition_point(st.units.begin(), st.units.end(),
                                         [first_seq](const tier::Unit& u) { return u.first_seq < first_seq; });
    if (it == st.units.end() || it->first_seq != first_seq || it->offset != offset) return st.units.size();
    return static_cast<std::size_t>(it - st.units.begin());
}

} // namespace

std::uint64_t DiskTier::drop_lost_unit(Sensor& s, std::size_t i) noexcept {
    tier::UnitStream& st = s.stream;
    const Unit u = st.units[i];
    // Only unsent records are lost: pending ones were handed out (and checked) already.
    const std::uint16_t from = i == st.pend_unit ? st.pend_off : u.start;
    const std::uint64_t lost = u.count - from;
    drop_unit(s, i, tier::DropCause::corrupt);
    // Counted as recovery counts a lost unit, so a restart that meets it again in the file does
    // not count it twice: history once the acknowledged boundary reaches the unit after it.
    const std::uint64_t next = i < st.units.size() ? st.units[i].first_seq : u.first_seq + u.count;
    saturating_add(st.loss.units, 1);
    saturating_add(st.loss.records, lost);
    st.loss.until_seq = std::max({st.loss.until_seq, next, u.first_seq + u.count});
    Text t;
    t << source_name(s.source) << "/" << tier::sensor_file(s.id, tier::data_ext).c_str() << ": scrub: the unit at offset "
      << u.offset << (u.ram != no_sector ? " (in RAM, not yet written)" : "") << " failed its check; records "
      << (u.first_seq + from) << ".." << (u.first_seq + u.count - 1) << " lost";
    log(1, t);
    return lost;
}

std::uint32_t DiskTier::scrub(std::uint32_t slot, ScrubCursor& cursor, std::uint32_t max, SsScrubReport& report) noexcept {
    std::lock_guard scrubbing(scrub_mutex_);
    if (slot >= engine_.sensor_count()) {
        cursor.finished = true;
        return 0;
    }
    Sensor& s = at(slot);
    scrub_buffer_.resize(unit_bytes_);
    std::uint32_t taken = 0;
    for (;;) {
        Unit u{};
        int fd = -1;
        {
            std::lock_guard g(locks_[slot]);
            const std::size_t i = first_due(s.stream, cursor.next_seq);
            if (i == s.stream.units.size()) {
                cursor.finished = true;
                ++report.sensors;
                break;
            }
            if (taken == max) break;
            ++taken;
            u = s.stream.units[i];
            cursor.next_seq = u.first_seq + u.count;
            if (u.ram != no_sector) {
                // Not written yet (or written and not yet synced): its RAM image is what will be
                // written, and it is checked under the lock that keeps it there.
                ++report.sectors_checked;
                if (!unit_intact(s, u, engine_.context().pool->data(u.ram))) {
                    ++report.corrupt_sectors;
                    report.records_dropped += drop_lost_unit(s, i);
                }
                continue;
            }
            fd = s.files.fd;
        }
        // The read runs without the cold lock. Only the manager changes the file, and then only
        // where units have left the stream: whatever the read saw, a unit that is still there
        // afterwards (same offset, same sequence number) was read as it is.
        const std::int64_t n = fd < 0 ? -EIO : fs_.read(fd, scrub_buffer_.data(), unit_bytes_, u.offset);
        std::lock_guard g(locks_[slot]);
        if (n < 0) {
            note_failure(s, static_cast<int>(n), "reading a unit for the scrub");
            continue;
        }
        ++report.sectors_checked;
        if (n == static_cast<std::int64_t>(unit_bytes_) && unit_intact(s, u, scrub_buffer_.data())) continue;
        const std::size_t i = find_unit(s.stream, u.offset, u.first_seq);
        // Gone meanwhile (erased, trimmed, dropped), or handed out since: not the scrub's.
        if (i == s.stream.units.size() || i < s.stream.pend_unit) continue;
        ++report.corrupt_sectors;
        report.records_dropped += drop_lost_unit(s, i);
    }
    return taken;
}

} // namespace ss::hal
