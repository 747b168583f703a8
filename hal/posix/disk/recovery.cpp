// Recovery at open: every sensor's files under the data root are read back. The meta gives the
// acknowledged boundary and the reservation; a scan of the data file finds its valid units
// (disk_format.hpp's scanner). Torn or corrupt units are skipped, never served, and counted as
// lost where they hold records nobody acknowledged; the losses stay in the sensor's stats (and
// its meta) until the acknowledged boundary passes them. Records that were pending when the
// process died become unsent again.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "posix/disk/disk_tier.hpp"
#include "posix/disk/file_names.hpp"
#include "ss/counter.hpp"
#include "ss/source_name.hpp"

namespace ss::hal {

namespace {
// Reads this much of a data file at a time during recovery.
constexpr std::size_t recovery_read_bytes = 1 << 20;
// Lost units logged one by one per file; past this, one line sums up the rest.
constexpr std::uint32_t lost_units_logged = 16;
} // namespace

bool DiskTier::scan_source(int src, std::map<Key, Found>& found) noexcept {
    if (dir_fd_[src] < 0) {
        const int dir = fs_.open_dir(root_fd_, source_name(src), false);
        if (dir == -ENOENT) {
            dir_failed_[src] = false;
            return true;
        }
        if (dir < 0) {
            // Not followed and not used (a symlink planted in the root, or an I/O error): its
            // sensors are not registered until a retry can read it (attach), since its files may
            // hold data and numbers we could not see.
            Text t;
            t << root_path_.c_str() << "/" << source_name(src) << ": " << std::strerror(-dir)
              << "; its sensors cannot be registered until it can be read";
            log(0, t);
            dir_failed_[src] = true;
            dir_error_[src] = dir;
            raise_health(SS_HEALTH_DISK_ERROR);
            return false;
        }
        dir_fd_[src] = dir;
    }
    struct Ctx {
        int src;
        std::map<Key, Found>* found;
        std::vector<std::string> stale;
    } ctx{src, &found, {}};
    const int listed = fs_.list(dir_fd_[src], [](void* p, const char* name) {
        auto& c = *static_cast<Ctx*>(p);
        std::uint32_t id = 0;
        std::string ext;
        if (!tier::parse_sensor_file(name, id, ext)) return;
        if (ext == tier::data_ext) (*c.found)[{c.src, id}].data = true;
        else if (ext == tier::meta_ext) (*c.found)[{c.src, id}].meta = true;
        else if (ext == tier::meta_tmp_ext) c.stale.push_back(name); // a replace that never finished
    }, &ctx);
    if (listed < 0) {
        Text t;
        t << root_path_.c_str() << "/" << source_name(src) << ": listing failed: " << std::strerror(-listed)
          << "; its sensors cannot be registered until it can be read";
        log(0, t);
        dir_failed_[src] = true;
        dir_error_[src] = listed;
        raise_health(SS_HEALTH_DISK_ERROR);
        return false;
    }
    for (const auto& name : ctx.stale) fs_.unlink(dir_fd_[src], name.c_str());
    dir_failed_[src] = false;
    return true;
}

bool DiskTier::retry_recovery(SsSource source, std::uint32_t id) noexcept {
    // The first look at this sensor's files failed (an I/O error): look again, now that it is
    // wanted. Its directory is listed again; files found then and not seen before are recovered.
    std::map<Key, Found> found;
    if (!scan_source(source, found)) return false;
    for (const auto& [key, f] : found) {
        auto it = recovered_.find(key);
        const bool again = key.second == id && it != recovered_.end() && it->second->files.disk_failed;
        if (it != recovered_.end() && !again) continue;
        bool attached = false;
        for (const auto& sp : sensors_) attached = attached || (sp->attached && sp->source == key.first && sp->id == key.second);
        if (attached) continue;
        if (again) {
            // Forget the partial view: its chunks and descriptor go, and it is read whole again.
            quota_.release(it->second->files.chunks.size());
            if (it->second->files.fd >= 0) fs_.close(it->second->files.fd);
            recovered_.erase(it);
        }
        recover_file(static_cast<SsSource>(key.first), dir_fd_[key.first], key.second, f.meta, f.data);
    }
    const auto it = recovered_.find({source, id});
    return it == recovered_.end() || !it->second->files.disk_failed;
}

Expected<void> DiskTier::open(Text& why) noexcept {
    root_fd_ = fs_.open_root(root_path_.c_str());
    if (root_fd_ < 0) {
        why.clear();
        why << "disk_root " << root_path_.c_str() << ": " << std::strerror(-root_fd_);
        return std::unexpected(Errc::io_error);
    }
    // Before anything is read or changed: recovery truncates and rewrites, which must never run
    // under another process's live store.
    const int lock = fs_.lock_exclusive(root_fd_, tier::lock_file);
    if (lock >= 0) lock_fd_ = lock;
    else if (lock != -ENOTSUP) {
        why.clear();
        why << "disk_root " << root_path_.c_str() << ": ";
        if (lock == -EBUSY)
            why << "store is in use by another process (the daemon?): " << root_path_.c_str() << "/" << tier::lock_file
                << " is locked";
        else why << tier::lock_file << ": " << std::strerror(-lock);
        return std::unexpected(lock == -EBUSY ? Errc::busy : Errc::io_error);
    }
    syncs_.set_root(root_fd_);
    read_ledger();
    read_ack_log();
    std::map<Key, Found> found;
    std::size_t files = 0;
    for (int src = 0; src < source_count; ++src) scan_source(src, found);
    for (const auto& [key, f] : found) files += f.meta + f.data;
    if (!found.empty()) {
        Text t;
        t << "recovering " << static_cast<std::uint64_t>(found.size()) << " sensors (" << static_cast<std::uint64_t>(files)
          << " files) under " << root_path_.c_str();
        log(2, t);
    }
    std::size_t done = 0;
    // Progress by count, not by time: the tier reads no clock (a tick hands it the time).
    const std::size_t report_every = std::max<std::size_t>(found.size() / 8, 256);
    for (const auto& [key, f] : found) {
        recover_file(static_cast<SsSource>(key.first), dir_fd_[key.first], key.second, f.meta, f.data);
        if (++done % report_every == 0 && done != found.size()) {
            Text t;
            t << "recovery: " << static_cast<std::uint64_t>(done) << " of " << static_cast<std::uint64_t>(found.size())
              << " sensors, " << quota_.used_bytes() / (1024 * 1024) << " MiB";
            log(2, t);
        }
    }
    // Gone before this session hands out a number past it (else a crash would resume there
    // again); if it cannot be removed now, ticks retry and numbering waits at the resume point.
    if (ledger_on_disk_) remove_ledger();
    // Only the entries of sensors recovered with a meta are kept; without the log (a failed
    // rewrite) the metas alone record boundaries, as before it existed.
    rewrite_ack_log();
    acks_at_open_.clear();
    if (!found.empty()) {
        std::uint64_t units = 0, records = 0, lost_units = 0, lost_records = 0;
        for (const auto& [key, s] : recovered_) {
            units += s->stream.units.size();
            records += s->stream.retained;
            lost_units += s->stream.loss.units;
            lost_records += s->stream.loss.records;
        }
        Text t;
        t << "recovered " << static_cast<std::uint64_t>(recovered_.size()) << " sensors: " << records << " records in "
          << units << " units, " << quota_.used_bytes() / (1024 * 1024) << " MiB on disk";
        if (lost_units != 0) t << "; lost: " << lost_records << " records in " << lost_units << " corrupt or torn units";
        log(lost_units != 0 ? 1 : 2, t);
    }
    return {};
}

void DiskTier::scan_data(Sensor& s, const char* name, bool type_known, std::uint64_t& end_seq, tier::Loss& found) noexcept {
    tier::SensorFiles& f = s.files;
    const std::int64_t size = fs_.size(f.fd);
    if (size < 0) f.disk_failed = true;
    // One buffer for the whole recovery: allocating (and zeroing) it per file cost more than
    // reading the files.
    std::vector<std::byte>& buf = recovery_buffer_;
    if (buf.size() != recovery_read_bytes) buf.resize(recovery_read_bytes);
    std::unique_ptr<disk::UnitScanner> scanner;
    if (type_known) scanner = std::make_unique<disk::UnitScanner>(s.type, unit_bytes_);
    std::vector<disk::LostUnit> lost;
    std::set<std::uint64_t> live_chunks;
    std::uint64_t file_end = 0;
    std::uint64_t off = 0;
    while (size > 0 && off < static_cast<std::uint64_t>(size)) {
        // Skip holes (trimmed space) without reading them.
        const std::int64_t data = fs_.next_data(f.fd, off);
        if (data < 0) {
            if (data != -ENXIO) f.disk_failed = true; // ENXIO: no data past off
            break;
        }
        off = static_cast<std::uint64_t>(data) / unit_bytes_ * unit_bytes_;
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), static_cast<std::uint64_t>(size) - off));
        const std::int64_t n = fs_.read(f.fd, buf.data(), want, off);
        if (n < 0) f.disk_failed = true;
        if (n <= 0) break;
        const std::size_t whole = static_cast<std::size_t>(n) / unit_bytes_ * unit_bytes_;
        for (std::size_t at = 0; at < whole; at += unit_bytes_) {
            const std::byte* slot = buf.data() + at;
            if (!scanner) {
                // Without a meta, the first well-formed header tells the record type.
                const std::uint8_t code = sector::type_code(slot);
                if (static_cast<std::uint8_t>(slot[0]) != sector::magic || (code != 1 && code != 2)) continue;
                s.type = static_cast<RecordType>(code);
                scanner = std::make_unique<disk::UnitScanner>(s.type, unit_bytes_);
            }
            disk::UnitInfo u;
            if (scanner->feed(off + at, slot, u)) {
                s.stream.units.push_back(Unit{u.offset, u.first_seq, u.count, 0, no_sector, true});
                live_chunks.insert(u.offset / chunk_bytes_);
                file_end = u.offset + unit_bytes_;
            } else if (const disk::LostUnit* l = scanner->lost()) {
                lost.push_back(*l);
            }
        }
        if (whole != static_cast<std::size_t>(n) && off + static_cast<std::uint64_t>(n) == static_cast<std::uint64_t>(size) &&
            scanner && !f.disk_failed) {
            // The file ends inside a unit: a write the crash cut short. Its header may still say
            // which records it held.
            const std::size_t tail = static_cast<std::size_t>(n) - whole;
            const std::byte* slot = buf.data() + whole;
            bool blank = true;
            for (std::size_t k = 0; k < tail && blank; ++k) blank = slot[k] == std::byte{0};
            if (!blank) lost.push_back(disk::read_lost_unit(off + whole, slot, tail, s.type, unit_bytes_));
            break;
        }
        if (whole == 0) break;
        off += whole;
    }
    if (scanner) {
        end_seq = scanner->end_seq();
        const disk::ScanTotals& totals = scanner->totals();
        saturating_add(s.stream.lifetime_corrupt_units, totals.skipped_units);
        if (totals.skipped_units != 0) {
            Text t;
            t << source_name(s.source) << "/" << name << ": skipped " << totals.skipped_units
              << " torn or corrupt units, kept " << totals.valid_units;
            log(1, t);
        }
    }
    // What the lost units cost. Each stands before the next valid unit (or at the end): records
    // the acknowledged boundary already passed were not lost, and a unit found by an earlier
    // recovery (before the boundary it recorded) is not counted twice.
    std::uint32_t logged = 0;
    for (const disk::LostUnit& l : lost) {
        const auto next = std::find_if(s.stream.units.begin(), s.stream.units.end(),
                                       [&](const Unit& u) { return u.offset > l.offset; });
        const auto prev = std::find_if(s.stream.units.rbegin(), s.stream.units.rend(),
                                       [&](const Unit& u) { return u.offset < l.offset; });
        const std::uint64_t position = next != s.stream.units.end() ? next->first_seq : end_seq;
        if (position <= s.stream.head_seq || position <= s.stream.loss.until_seq) continue;
        std::uint64_t records = 0;
        if (l.header_readable) {
            const std::uint64_t lo = std::max({l.first_seq, s.stream.head_seq,
                                               prev != s.stream.units.rend() ? prev->first_seq + prev->count : 0});
            const std::uint64_t hi = std::min(l.first_seq + l.records,
                                              next != s.stream.units.end() ? next->first_seq : ~std::uint64_t{0});
            records = hi > lo ? hi - lo : 0;
        }
        ++found.units;
        found.records += records;
        found.until_seq = std::max(found.until_seq, std::max(position, l.header_readable ? l.first_seq + l.records : 0));
        if (++logged <= lost_units_logged) {
            Text t;
            t << source_name(s.source) << "/" << name << ": " << (l.torn ? "the file ends inside the unit at offset "
                                                                        : "the unit at offset ")
              << l.offset << (l.torn ? " (a write cut short)" : " failed its CRC check");
            if (l.header_readable) t << "; records " << l.first_seq << ".." << (l.first_seq + l.records - 1) << " lost";
            else t << "; its header is unreadable, how many records is unknown";
            log(1, t);
        }
    }
    if (logged > lost_units_logged) {
        Text t;
        t << source_name(s.source) << "/" << name << ": " << (logged - lost_units_logged) << " more lost units";
        log(1, t);
    }
    // Garbage after the last valid unit (a torn write) goes, and so does space in chunks that
    // hold no valid unit: the file is again a valid prefix with holes. Only a complete scan may
    // clean up: after an I/O error the unseen rest is kept.
    bool changed = false;
    if (!f.disk_failed && static_cast<std::uint64_t>(size) > file_end) changed = fs_.truncate(f.fd, file_end) == 0;
    for (std::uint64_t c = 0; !f.disk_failed && c * chunk_bytes_ < file_end; ++c) {
        if (live_chunks.count(c) != 0) continue;
        // Only chunks that still hold data need punching; holes are skipped cheaply.
        const std::int64_t data = fs_.next_data(f.fd, c * chunk_bytes_);
        if (data >= 0 && static_cast<std::uint64_t>(data) < (c + 1) * chunk_bytes_)
            changed = fs_.punch_hole(f.fd, c * chunk_bytes_, chunk_bytes_) == 0 || changed;
    }
    // A file recovery did not change needs no sync (a device flush per file adds up).
    if (changed) fs_.sync(f.fd);
    s.stream.append_offset = file_end;
    f.chunks = live_chunks;
}

void DiskTier::recover_file(SsSource source, int dir, std::uint32_t id, bool have_meta, bool have_data) noexcept {
    auto sp = std::make_unique<Sensor>();
    Sensor& s = *sp;
    tier::UnitStream& st = s.stream;
    tier::Numbering& num = s.numbering;
    s.recovered = true;
    s.source = source;
    s.id = id;
    disk::Meta meta;
    bool meta_ok = false;
    if (have_meta) {
        const std::string name = tier::sensor_file(id, tier::meta_ext);
        const int fd = fs_.open_file(dir, name.c_str(), false);
        std::byte buf[disk::meta_bytes];
        if (fd >= 0) {
            const auto n = fs_.read(fd, buf, sizeof buf, 0);
            fs_.close(fd);
            if (n < 0) s.files.disk_failed = true;
            meta_ok = n >= static_cast<std::int64_t>(disk::meta_v1_bytes) &&
                      disk::decode_meta(buf, static_cast<std::size_t>(n), meta) == disk::MetaError::none &&
                      meta.sensor_id == id && meta.source == source && meta.unit_bytes == unit_bytes_;
        } else {
            s.files.disk_failed = true; // a good meta may be there: never overwrite it this session
        }
        if (!meta_ok && !s.files.disk_failed) {
            Text t;
            t << source_name(source) << "/" << name.c_str() << " is not valid; rebuilding it from the data";
            log(1, t);
        }
    }
    if (meta_ok) {
        s.type = meta.type;
        st.lifetime_dropped_quota = meta.dropped_quota;
        st.lifetime_corrupt_units = meta.corrupt_units;
        // The acknowledged boundary: records below it never come back. The acknowledgement log
        // may know a later one than the meta had time to record.
        st.head_seq = meta.head_seq;
        if (const auto a = acks_at_open_.find({source, id}); a != acks_at_open_.end() && a->second > meta.head_seq) {
            st.head_seq = a->second;
            num.head_logged = a->second;
            num.meta_dirty = true;
        }
        st.loss = tier::Loss{meta.lost_units, meta.lost_records, meta.lost_until_seq};
    }
    std::uint64_t end_seq = 0;
    tier::Loss found;
    if (have_data) {
        const std::string name = tier::sensor_file(id, tier::data_ext);
        const int fd = fs_.open_file(dir, name.c_str(), false);
        if (fd < 0) s.files.disk_failed = true; // its units are there but unseen: never write over them
        else {
            s.files.fd = fd;
            scan_data(s, name.c_str(), meta_ok, end_seq, found);
        }
    }
    quota_.add_in_use(s.files.chunks.size());
    if (!meta_ok) st.head_seq = st.units.empty() ? end_seq : st.units.front().first_seq;
    while (!st.units.empty() && st.units.front().first_seq + st.units.front().count <= st.head_seq) st.units.pop_front();
    if (!st.units.empty() && st.head_seq > st.units.front().first_seq)
        st.units.front().start = static_cast<std::uint16_t>(st.head_seq - st.units.front().first_seq);
    if (!st.units.empty()) st.head_seq = st.units.front().first_seq + st.units.front().start;
    num.head_seq_durable = meta_ok ? meta.head_seq : 0;
    for (const Unit& u : st.units) st.retained += u.count - u.start;
    st.recovered_records = st.retained;
    // Records that were pending when the process died were never acknowledged: unsent again.
    st.pend_unit = 0;
    st.pend_off = st.units.empty() ? 0 : st.units.front().start;
    // Losses: what earlier recoveries found stays until the boundary passes it; new ones join.
    st.forget_passed_loss();
    if (found.units != 0) {
        saturating_add(st.loss.units, found.units);
        saturating_add(st.loss.records, found.records);
        st.loss.until_seq = std::max(st.loss.until_seq, found.until_seq);
        num.meta_dirty = true;
    }
    if (st.loss.units != 0) raise_health(SS_HEALTH_CORRUPTION);
    // Numbering resumes past anything that may have been handed out. Without a meta nobody knows
    // how far RAM got, so skip a whole reservation. After a clean stop the shutdown ledger says
    // exactly where numbering stopped: no gap.
    num.reserved_durable = meta_ok ? std::max(meta.seq_reserved, end_seq)
                                   : (end_seq == 0 && st.units.empty() ? 0 : end_seq + seq_reservation);
    num.resume_seq = num.reserved_durable;
    if (const auto l = ledger_at_open_.find({source, id}); l != ledger_at_open_.end() && meta_ok && !s.files.disk_failed)
        num.resume_seq = std::min(num.reserved_durable, std::max({l->second, meta.head_seq, end_seq}));
    // Until the ledger is durably gone, no number past this one is handed out (cap_for).
    num.ledger_next = num.resume_seq;
    num.seq_reserved = num.resume_seq;
    if (s.files.disk_failed && have_meta && !meta_ok) {
        // The acknowledged boundary is unreadable, not absent: serving the data could re-send
        // what the cloud has acknowledged. Nothing is served this session; the data stays on
        // disk for a restart that can read the meta.
        st.units.clear();
        st.retained = 0;
        st.recovered_records = 0;
        st.pend_off = 0;
        // Kept for that restart: the log's rewrite carries the boundary it recorded.
        if (const auto a = acks_at_open_.find({source, id}); a != acks_at_open_.end()) num.head_logged = a->second;
        num.reserved_durable = std::max(num.reserved_durable, end_seq + seq_reservation);
        num.resume_seq = num.reserved_durable;
        num.ledger_next = num.resume_seq;
        num.seq_reserved = num.resume_seq;
    }
    num.meta_dirty = num.meta_dirty || (!meta_ok && !s.files.disk_failed);
    if (s.files.disk_failed) num.meta_dirty = false;
    s.files.trim_due = st.units.empty() && st.append_offset > 0 && !s.files.disk_failed;
    if (s.files.disk_failed) {
        raise_health(SS_HEALTH_DISK_ERROR);
        Text t;
        t << source_name(source) << " sensor " << id << ": its files could not be read in full (I/O error); what was "
          << "read is served, nothing is written to them this session";
        log(0, t);
    }
    recovered_[{source, id}] = std::move(sp);
}

} // namespace ss::hal
