// Writing a sensor's units: claiming their space under the quotas (dropping the chunk the
// policy picks when the quota is reached), appending them, marking them durable once synced
// (for a sensor at VerifyLevel::after_write, once they read back as written), and giving back
// the space of erased units. Every function but read_back runs under the sensor's cold lock.
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "posix/disk/disk_tier.hpp"
#include "posix/disk/file_names.hpp"
#include "ss/counter.hpp"
#include "ss/source_name.hpp"

namespace ss::hal {

bool DiskTier::drop_oldest_unsent_chunk(Sensor& s) noexcept {
    // Which chunk is the policy's; its units go, counted as dropped at the quota, and its space
    // is punched.
    const auto& units = s.stream.units;
    const auto view = [&units](std::size_t k) { return policy::UnitView{units[k].offset, units[k].start, units[k].durable}; };
    policy::ChunkDrop drop;
    if (!policy::oldest_unsent_chunk(view, units.size(), s.stream.pend_unit, s.stream.pend_off, s.stream.append_offset,
                                     chunk_bytes_, drop))
        return false;
    if (fs_.punch_hole(s.files.fd, drop.chunk * chunk_bytes_, chunk_bytes_) != 0) return false;
    std::uint64_t dropped = 0;
    for (std::size_t k = drop.first; k < drop.last; ++k) {
        dropped += units[drop.first].count - units[drop.first].start;
        drop_unit(s, drop.first, tier::DropCause::quota);
    }
    release_chunk(s, drop.chunk);
    raise_health(SS_HEALTH_DROPPING);
    Text t;
    t << source_name(s.source) << " sensor " << s.id << ": disk quota reached, dropped " << dropped
      << " oldest unsent records";
    log(1, t);
    return true;
}

void DiskTier::release_chunk(Sensor& s, std::uint64_t c) noexcept {
    if (s.files.chunks.erase(c) == 0) return;
    quota_.release(1);
}

bool DiskTier::claim_chunk(Sensor& s, std::uint64_t c) noexcept {
    if (s.files.chunks.count(c) != 0) return true;
    const std::uint64_t own_cap = cfg_.disk_quota_per_sensor_bytes / chunk_bytes_;
    while (own_cap != 0 && s.files.chunks.size() + 1 > own_cap)
        if (!drop_oldest_unsent_chunk(s)) return false;
    for (;;) {
        if (quota_.try_claim()) {
            s.files.chunks.insert(c);
            return true;
        }
        // The policy's order of victims; others are only tried, never waited for, since this
        // sensor's lock is held. Only registered slots: one being registered is not ours to read.
        std::vector<policy::ChunkHolder> order;
        for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i)
            if (sensors_[i]->attached && !sensors_[i]->files.chunks.empty())
                order.push_back({sensors_[i]->files.chunks.size(), i});
        policy::order_quota_victims(order.data(), static_cast<std::uint32_t>(order.size()));
        bool dropped = false;
        for (const policy::ChunkHolder& h : order) {
            Sensor& v = *sensors_[h.slot];
            if (&v == &s) {
                dropped = drop_oldest_unsent_chunk(s);
            } else if (locks_[h.slot].try_lock()) {
                dropped = drop_oldest_unsent_chunk(v);
                locks_[h.slot].unlock();
            }
            if (dropped) break;
        }
        if (!dropped) return false;
    }
}

DiskTier::Wrote DiskTier::write_units(Sensor& s, std::uint64_t& begin, std::uint64_t& end, bool& whole) noexcept {
    auto& units = s.stream.units;
    whole = false;
    if (s.files.disk_failed) {
        whole = std::all_of(units.begin(), units.end(), [](const Unit& u) { return u.durable; });
        return Wrote::nothing;
    }
    std::size_t first = 0;
    while (first < units.size() && units[first].durable) ++first;
    if (first == units.size()) {
        whole = true;
        return Wrote::nothing;
    }
    if (s.files.fd < 0) {
        const int dir = source_dir(s.source, true);
        if (dir < 0) {
            note_failure(s, dir, "creating the source directory");
            return Wrote::failed;
        }
        const std::string name = tier::sensor_file(s.id, tier::data_ext);
        const int fd = fs_.open_file(dir, name.c_str(), true);
        if (fd < 0) {
            note_failure(s, fd, "creating the data file");
            return Wrote::failed;
        }
        s.files.fd = fd;
        s.files.entry_durable = false;
        dir_dirty_[s.source] = true;
    }
    // Space first: every chunk a unit lands in is claimed under the quotas. Claiming may drop
    // older durable units (never these) and so move them in the deque: the chunks are listed
    // first and positions are found again after.
    std::vector<std::uint64_t> needed;
    for (std::size_t k = first; k < units.size(); ++k) {
        const std::uint64_t c = units[k].offset / chunk_bytes_;
        if (needed.empty() || needed.back() != c) needed.push_back(c);
    }
    std::uint64_t stop_offset = ~std::uint64_t{0};
    for (const std::uint64_t c : needed) {
        if (!claim_chunk(s, c)) {
            stop_offset = c * chunk_bytes_;
            break;
        }
    }
    first = 0;
    while (first < units.size() && units[first].durable) ++first;
    std::size_t last = first;
    while (last < units.size() && units[last].offset < stop_offset) ++last;
    if (first >= last) return Wrote::failed;
    const std::size_t batch = std::max<std::uint32_t>(cfg_.flush_batch_sectors, 1);
    std::vector<iovec> iov;
    for (std::size_t i = first; i < last;) {
        // One write covers adjacent units only: a unit dropped from between two that wait (found
        // corrupt by a read or a scrub) leaves its offset unwritten, not filled by the next one.
        std::size_t stop = i;
        iov.clear();
        while (stop < last && stop - i < batch && units[stop].offset == units[i].offset + (stop - i) * unit_bytes_) {
            iov.push_back(iovec{engine_.context().pool->data(units[stop].ram), unit_bytes_});
            ++stop;
        }
        const std::int64_t r = fs_.write(s.files.fd, iov.data(), static_cast<int>(iov.size()), units[i].offset);
        if (r < 0) {
            note_failure(s, static_cast<int>(r), "writing units");
            return Wrote::failed;
        }
        i = stop;
    }
    begin = units[first].offset;
    end = units[last - 1].offset + unit_bytes_;
    whole = last == units.size();
    return Wrote::some;
}

void DiskTier::units_synced(Sensor& s, std::uint64_t end) noexcept {
    // Units only leave from the front (erase, quota) and only the manager appends or truncates,
    // so the written ones are still exactly those below `end` that are not durable yet.
    for (Unit& u : s.stream.units) {
        if (u.offset >= end) break;
        if (u.durable) continue;
        u.durable = true;
        release_ram(u);
    }
    s.files.write_failures = 0;
}

bool DiskTier::read_back(int fd, std::uint64_t begin, std::uint64_t end) noexcept {
    const std::size_t len = static_cast<std::size_t>(end - begin);
    read_back_.resize(len);
    // From the device where the kernel lets us: a read served from the page cache would only
    // show what the kernel was asked to write.
    fs_.drop_cache(fd, begin, len);
    return fs_.read(fd, read_back_.data(), len, begin) == static_cast<std::int64_t>(len);
}

void DiskTier::units_read_back(Sensor& s, std::uint64_t begin, std::uint64_t end, bool read_ok) noexcept {
    // Units are written from the first one that is not durable to the end of the batch, so
    // durable ones form a prefix of the stream: the units up to the first one that differs
    // become durable, and that one and all after it are written again.
    // An operator's clear between the write and now took the units away: nothing to settle.
    if (std::none_of(s.stream.units.begin(), s.stream.units.end(),
                     [&](const Unit& u) { return !u.durable && u.offset >= begin && u.offset < end; }))
        return;
    std::uint64_t good_end = begin;
    bool differs = !read_ok;
    for (const Unit& u : s.stream.units) {
        if (!read_ok || u.offset >= end) break;
        if (u.durable || u.offset < begin) continue;
        const std::byte* wrote = engine_.context().pool->data(u.ram);
        if (std::memcmp(read_back_.data() + (u.offset - begin), wrote, unit_bytes_) != 0) {
            differs = true;
            break;
        }
        good_end = u.offset + unit_bytes_;
    }
    if (!differs) {
        units_synced(s, end);
        s.files.read_back_differs = false;
        return;
    }
    // The good prefix is durable, but the failures in a row go on counting.
    const std::uint32_t failures = s.files.write_failures;
    units_synced(s, good_end);
    s.files.write_failures = failures;
    saturating_add(s.files.write_verify_failures, 1);
    s.files.read_back_differs = true;
    // A write that lands wrong is worse than one that fails: flagged at once, not after three.
    raise_health(SS_HEALTH_DISK_ERROR);
    note_failure(s, -EIO, read_ok ? "verifying a unit written (its read-back differed)" : "reading back the units written");
}

void DiskTier::trim(Sensor& s) noexcept {
    tier::SensorFiles& f = s.files;
    f.trim_due = false;
    if (f.fd < 0 || f.disk_failed) return;
    if (s.stream.units.empty()) {
        if (s.stream.append_offset == 0) return;
        // Drained: give the whole file back. Synced before any new unit lands at offset 0.
        if (fs_.truncate(f.fd, 0) != 0 || fs_.sync(f.fd) != 0) {
            f.trim_due = true;
            return;
        }
        quota_.release(f.chunks.size());
        f.chunks.clear();
        s.stream.append_offset = 0;
        return;
    }
    // Chunks wholly before the head hold only erased units: their space goes back.
    const std::uint64_t head_chunk = s.stream.units.front().offset / chunk_bytes_;
    while (!f.chunks.empty() && *f.chunks.begin() < head_chunk) {
        const std::uint64_t c = *f.chunks.begin();
        if (fs_.punch_hole(f.fd, c * chunk_bytes_, chunk_bytes_) != 0) {
            f.trim_due = true;
            return;
        }
        release_chunk(s, c);
    }
}

} // namespace ss::hal
