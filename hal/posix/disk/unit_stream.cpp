#include "posix/disk/unit_stream.hpp"

#include <algorithm>

#include "ss/counter.hpp"

namespace ss::hal::tier {

bool UnitStream::append(const DetachedSector& d, std::uint64_t first_seq, std::uint32_t unit_bytes) noexcept {
    const bool all_consumed = pend_unit == units.size();
    units.push_back(Unit{append_offset, first_seq, d.count, d.start, d.sector, false});
    append_offset += unit_bytes;
    const std::uint64_t held = d.count - d.start;
    retained += held;
    pending += d.pending;
    bool boundary_moved = false;
    if (units.size() == 1 && head_seq != first_seq + d.start) {
        head_seq = first_seq + d.start;
        boundary_moved = true;
    }
    if (all_consumed) {
        // Pending records come first in a sensor's stream, so pend moves along with them.
        if (d.pending == held) {
            pend_unit = units.size();
            pend_off = 0;
        } else {
            pend_unit = units.size() - 1;
            pend_off = static_cast<std::uint16_t>(d.start + d.pending);
        }
    }
    if (boundary_moved) forget_passed_loss();
    return boundary_moved;
}

void UnitStream::advance(std::uint32_t n) noexcept {
    pend_off = static_cast<std::uint16_t>(pend_off + n);
    pending += n;
    if (pend_off == units[pend_unit].count) {
        ++pend_unit;
        pend_off = pend_unit < units.size() ? units[pend_unit].start : 0;
    }
}

std::uint64_t UnitStream::drop(std::size_t i, DropCause cause) noexcept {
    const Unit& u = units[i];
    const std::uint64_t held = u.count - u.start;
    const std::uint64_t pending_in = i < pend_unit ? held : i == pend_unit ? pend_off - u.start : 0;
    retained -= held;
    pending -= pending_in;
    if (cause == DropCause::corrupt) {
        saturating_add(dropped_corrupt, held);
        saturating_add(lifetime_corrupt_units, 1);
    } else {
        saturating_add(dropped_quota, held);
        saturating_add(lifetime_dropped_quota, held);
    }
    const std::uint64_t end = u.first_seq + u.count;
    units.erase(units.begin() + static_cast<std::ptrdiff_t>(i));
    if (i < pend_unit) --pend_unit;
    else if (i == pend_unit) pend_off = i < units.size() ? units[i].start : 0;
    if (i == 0) {
        head_seq = units.empty() ? end : units.front().first_seq + units.front().start;
        forget_passed_loss();
    }
    return held;
}

bool UnitStream::locate(std::uint64_t offset, std::size_t& unit, std::uint32_t& record) const noexcept {
    for (std::size_t i = 0; i < units.size(); ++i) {
        const std::uint64_t held = units[i].count - units[i].start;
        if (offset >= held) {
            offset -= held;
            continue;
        }
        unit = i;
        record = static_cast<std::uint32_t>(units[i].start + offset);
        return true;
    }
    return false;
}

void UnitStream::forget_passed_loss() noexcept {
    if (loss.units != 0 && head_seq >= loss.until_seq) loss = Loss{};
}

void UnitStream::add_stats(SsSensorStats& out) const noexcept {
    out.disk_records = retained;
    out.dropped_quota = dropped_quota;
    out.lost_units = loss.units;
    out.lost_records = loss.records;
    if (retained == 0) {
        out.written = out.retained + out.erased + out.dropped_recycled + out.dropped_corrupt;
        out.erased += erased;
        out.dropped_corrupt += dropped_corrupt;
        out.written += erased + dropped_corrupt + dropped_quota;
        out.written -= std::min(out.written, recovered_records);
        return;
    }
    out.head_seq = units.front().first_seq + units.front().start;
    if (pend_unit < units.size()) out.pending_seq = units[pend_unit].first_seq + pend_off;
    out.retained += retained;
    out.pending += pending;
    out.unsent = out.retained - out.pending;
    out.erased += erased;
    out.dropped_corrupt += dropped_corrupt;
    // Every record accepted this session is retained, erased or dropped; recovered ones were
    // accepted by an earlier one.
    const std::uint64_t all = out.retained + out.erased + out.dropped_recycled + out.dropped_corrupt + dropped_quota;
    out.written = all - std::min(all, recovered_records);
}

} // namespace ss::hal::tier
