#include "ss/hal/disk_tier.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

namespace ss::hal {

namespace {

const char* const source_names[3] = {"host", "app", "can"};

// Reads this much of a data file at a time during recovery.
constexpr std::size_t recovery_read_bytes = 1 << 20;

bool parse_name(const char* name, std::uint32_t& id, std::string& ext) {
    // sensor_<10 digits>.<ext>
    if (std::strncmp(name, "sensor_", 7) != 0) return false;
    std::uint64_t v = 0;
    for (int i = 7; i < 17; ++i) {
        if (name[i] < '0' || name[i] > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(name[i] - '0');
    }
    if (name[17] != '.' || v > 0xFFFF'FFFFu) return false;
    id = static_cast<std::uint32_t>(v);
    ext = name + 18;
    return true;
}

} // namespace

DiskTier::DiskTier(const SsInitCfg& cfg, Engine& engine, FileSystem& fs, SsLogFn log_fn, void* log_ctx)
    : cfg_(cfg),
      engine_(engine),
      fs_(fs),
      log_fn_(log_fn),
      log_ctx_(log_ctx),
      root_path_(cfg.disk_root != nullptr ? cfg.disk_root : ""),
      unit_bytes_(cfg.ram_sector_bytes),
      chunk_bytes_(cfg.disk_sector_bytes),
      quota_chunks_(cfg.disk_quota_bytes / cfg.disk_sector_bytes) {
    cfg_.disk_root = nullptr; // root_path_ holds the copy
    sensors_.resize(cfg.max_sensors);
    for (auto& s : sensors_) s = std::make_unique<Sensor>();
    locks_ = std::make_unique<std::mutex[]>(cfg.max_sensors);
}

DiskTier::~DiskTier() {
    // RAM-resident units belong to the engine's pool, which goes away with the engine.
    for (auto& s : sensors_)
        if (s->fd >= 0) fs_.close(s->fd);
    for (auto& [key, s] : recovered_)
        if (s->fd >= 0) fs_.close(s->fd);
    for (int& d : dir_fd_)
        if (d >= 0) fs_.close(d);
    if (root_fd_ >= 0) fs_.close(root_fd_);
}

void DiskTier::log(int level, const Text& t) const noexcept {
    if (log_fn_ != nullptr) log_fn_(log_ctx_, level, t.c_str());
}

std::uint32_t DiskTier::capacity(const Sensor& s) const noexcept { return sector::capacity(unit_bytes_, s.type); }

std::string DiskTier::file_name(std::uint32_t id, const char* ext) const {
    char buf[40];
    std::snprintf(buf, sizeof buf, "sensor_%010u.%s", id, ext);
    return buf;
}

int DiskTier::source_dir(SsSource source, bool create) noexcept {
    int& fd = dir_fd_[source];
    if (dir_failed_[source]) return -EIO;
    if (fd >= 0 || !create) return fd;
    const int opened = fs_.open_dir(root_fd_, source_names[source], true);
    if (opened < 0) return opened;
    // The new directory entry must survive a power cut too.
    if (const int r = fs_.sync(root_fd_); r != 0) {
        fs_.close(opened);
        return r;
    }
    fd = opened;
    return fd;
}

// ---- recovery ---------------------------------------------------------------------------------

bool DiskTier::scan_source(int src, std::map<std::pair<int, std::uint32_t>, Found>& found) noexcept {
    if (dir_fd_[src] < 0) {
        const int dir = fs_.open_dir(root_fd_, source_names[src], false);
        if (dir == -ENOENT) {
            dir_failed_[src] = false;
            return true;
        }
        if (dir < 0) {
            // Not followed and not used (a symlink planted in the root, or an I/O error): its
            // sensors are not registered until a retry can read it (attach), since its files may
            // hold data and numbers we could not see.
            Text t;
            t << root_path_.c_str() << "/" << source_names[src] << ": " << std::strerror(-dir)
              << "; its sensors cannot be registered until it can be read";
            log(0, t);
            dir_failed_[src] = true;
            dir_error_[src] = dir;
            health_ |= SS_HEALTH_DISK_ERROR;
            return false;
        }
        dir_fd_[src] = dir;
    }
    struct Ctx {
        int src;
        std::map<std::pair<int, std::uint32_t>, Found>* found;
        std::vector<std::string> stale;
    } ctx{src, &found, {}};
    const int listed = fs_.list(dir_fd_[src], [](void* p, const char* name) {
        auto& c = *static_cast<Ctx*>(p);
        std::uint32_t id = 0;
        std::string ext;
        if (!parse_name(name, id, ext)) return;
        if (ext == "dat") (*c.found)[{c.src, id}].data = true;
        else if (ext == "meta") (*c.found)[{c.src, id}].meta = true;
        else if (ext == "meta.tmp") c.stale.push_back(name); // a replace that never finished
    }, &ctx);
    if (listed < 0) {
        Text t;
        t << root_path_.c_str() << "/" << source_names[src] << ": listing failed: " << std::strerror(-listed)
          << "; its sensors cannot be registered until it can be read";
        log(0, t);
        dir_failed_[src] = true;
        dir_error_[src] = listed;
        health_ |= SS_HEALTH_DISK_ERROR;
        return false;
    }
    for (const auto& name : ctx.stale) fs_.unlink(dir_fd_[src], name.c_str());
    dir_failed_[src] = false;
    return true;
}

bool DiskTier::retry_recovery(SsSource source, std::uint32_t id) noexcept {
    // The first look at this sensor's files failed (an I/O error): look again, now that it is
    // wanted. Its directory is listed again; files found then and not seen before are recovered.
    std::map<std::pair<int, std::uint32_t>, Found> found;
    if (!scan_source(source, found)) return false;
    for (const auto& [key, f] : found) {
        auto it = recovered_.find(key);
        const bool again = key.second == id && it != recovered_.end() && it->second->disk_failed;
        if (it != recovered_.end() && !again) continue;
        bool attached = false;
        for (const auto& sp : sensors_) attached = attached || (sp->attached && sp->source == key.first && sp->id == key.second);
        if (attached) continue;
        if (again) {
            // Forget the partial view: its chunks and descriptor go, and it is read whole again.
            used_chunks_ -= it->second->chunks.size();
            if (it->second->fd >= 0) fs_.close(it->second->fd);
            recovered_.erase(it);
        }
        recover_file(static_cast<SsSource>(key.first), dir_fd_[key.first], key.second, f.meta, f.data);
    }
    const auto it = recovered_.find({source, id});
    return it == recovered_.end() || !it->second->disk_failed;
}

Expected<void> DiskTier::open(Text& why) noexcept {
    root_fd_ = fs_.open_root(root_path_.c_str());
    if (root_fd_ < 0) {
        why.clear();
        why << "disk_root " << root_path_.c_str() << ": " << std::strerror(-root_fd_);
        return std::unexpected(Errc::io_error);
    }
    read_ledger();
    std::map<std::pair<int, std::uint32_t>, Found> found;
    std::size_t files = 0;
    for (int src = 0; src < 3; ++src) scan_source(src, found);
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
        ++done;
        if (done % report_every == 0 && done != found.size()) {
            Text t;
            t << "recovery: " << static_cast<std::uint64_t>(done) << " of " << static_cast<std::uint64_t>(found.size())
              << " sensors, " << used_chunks_ * chunk_bytes_ / (1024 * 1024) << " MiB";
            log(2, t);
        }
    }
    // Gone before this session hands out a number past it (else a crash would resume there
    // again); if it cannot be removed now, ticks retry and numbering waits at the resume point.
    if (ledger_on_disk_) remove_ledger();
    if (!found.empty()) {
        std::uint64_t units = 0, records = 0;
        for (const auto& [key, s] : recovered_) {
            units += s->units.size();
            records += s->retained;
        }
        Text t;
        t << "recovered " << static_cast<std::uint64_t>(recovered_.size()) << " sensors: " << records << " records in "
          << units << " units, " << used_chunks_ * chunk_bytes_ / (1024 * 1024) << " MiB on disk";
        log(2, t);
    }
    return {};
}

void DiskTier::recover_file(SsSource source, int dir, std::uint32_t id, bool have_meta, bool have_data) noexcept {
    auto s = std::make_unique<Sensor>();
    s->recovered = true;
    s->source = source;
    s->id = id;
    disk::Meta meta;
    bool meta_ok = false;
    if (have_meta) {
        const std::string name = file_name(id, "meta");
        const int fd = fs_.open_file(dir, name.c_str(), false);
        std::byte buf[disk::meta_bytes];
        if (fd >= 0) {
            const auto n = fs_.read(fd, buf, sizeof buf, 0);
            fs_.close(fd);
            if (n < 0) s->disk_failed = true;
            meta_ok = n == static_cast<std::int64_t>(sizeof buf) &&
                      disk::decode_meta(buf, sizeof buf, meta) == disk::MetaError::none && meta.sensor_id == id &&
                      meta.source == source && meta.unit_bytes == unit_bytes_;
        } else {
            s->disk_failed = true; // a good meta may be there: never overwrite it this session
        }
        if (!meta_ok && !s->disk_failed) {
            Text t;
            t << source_names[source] << "/" << name.c_str() << " is not valid; rebuilding it from the data";
            log(1, t);
        }
    }
    bool type_known = meta_ok;
    if (meta_ok) {
        s->type = meta.type;
        s->lifetime_dropped_quota = meta.dropped_quota;
        s->lifetime_corrupt = meta.corrupt_units;
    }
    std::uint64_t end_seq = 0;
    std::set<std::uint64_t> live_chunks;
    std::uint64_t file_end = 0;
    if (have_data) {
        const std::string name = file_name(id, "dat");
        s->fd = fs_.open_file(dir, name.c_str(), false);
        if (s->fd < 0) {
            s->fd = -1;
            s->disk_failed = true; // its units are there but unseen: never write over them
        } else {
            const std::int64_t size = fs_.size(s->fd);
            if (size < 0) s->disk_failed = true;
            // One buffer for the whole recovery: allocating (and zeroing) it per file cost more
            // than reading the files.
            std::vector<std::byte>& buf = recovery_buffer_;
            if (buf.size() != recovery_read_bytes) buf.resize(recovery_read_bytes);
            std::unique_ptr<disk::UnitScanner> scanner;
            if (type_known) scanner = std::make_unique<disk::UnitScanner>(s->type, unit_bytes_);
            std::uint64_t off = 0;
            while (size > 0 && off < static_cast<std::uint64_t>(size)) {
                // Skip holes (trimmed space) without reading them.
                const std::int64_t data = fs_.next_data(s->fd, off);
                if (data < 0) {
                    if (data != -ENXIO) s->disk_failed = true; // ENXIO: no data past off
                    break;
                }
                off = static_cast<std::uint64_t>(data) / unit_bytes_ * unit_bytes_;
                const std::size_t want = static_cast<std::size_t>(
                    std::min<std::uint64_t>(buf.size(), static_cast<std::uint64_t>(size) - off));
                const std::int64_t n = fs_.read(s->fd, buf.data(), want, off);
                if (n < 0) s->disk_failed = true;
                if (n <= 0) break;
                const std::size_t whole = static_cast<std::size_t>(n) / unit_bytes_ * unit_bytes_;
                for (std::size_t at = 0; at < whole; at += unit_bytes_) {
                    const std::byte* slot = buf.data() + at;
                    if (!scanner) {
                        // Without a meta, the first well-formed header tells the record type.
                        const std::uint8_t code = sector::type_code(slot);
                        if (static_cast<std::uint8_t>(slot[0]) == sector::magic && (code == 1 || code == 2)) {
                            s->type = static_cast<RecordType>(code);
                            type_known = true;
                            scanner = std::make_unique<disk::UnitScanner>(s->type, unit_bytes_);
                        } else {
                            continue;
                        }
                    }
                    disk::UnitInfo u;
                    if (scanner->feed(off + at, slot, u)) {
                        s->units.push_back(Unit{u.offset, u.first_seq, u.count, 0, no_sector, true});
                        live_chunks.insert(u.offset / chunk_bytes_);
                        file_end = u.offset + unit_bytes_;
                    }
                }
                if (whole == 0) break;
                off += whole;
            }
            if (scanner) {
                end_seq = scanner->end_seq();
                s->dropped_corrupt = 0;
                if (scanner->totals().skipped_units != 0) {
                    Text t;
                    t << source_names[source] << "/" << name.c_str() << ": skipped "
                      << scanner->totals().skipped_units << " torn or corrupt units, kept "
                      << scanner->totals().valid_units;
                    log(1, t);
                    s->lifetime_corrupt += scanner->totals().skipped_units;
                }
            }
            // Garbage after the last valid unit (a torn write) goes, and so does space in
            // chunks that hold no valid unit: the file is again a valid prefix with holes.
            bool changed = false;
            // Only a complete scan may clean up: after an I/O error the unseen rest is kept.
            if (!s->disk_failed && static_cast<std::uint64_t>(size) > file_end)
                changed = fs_.truncate(s->fd, file_end) == 0;
            for (std::uint64_t c = 0; !s->disk_failed && c * chunk_bytes_ < file_end; ++c) {
                if (live_chunks.count(c) != 0) continue;
                // Only chunks that still hold data need punching; holes are skipped cheaply.
                const std::int64_t data = fs_.next_data(s->fd, c * chunk_bytes_);
                if (data >= 0 && static_cast<std::uint64_t>(data) < (c + 1) * chunk_bytes_)
                    changed = fs_.punch_hole(s->fd, c * chunk_bytes_, chunk_bytes_) == 0 || changed;
            }
            // A file recovery did not change needs no sync (a device flush per file adds up).
            if (changed) fs_.sync(s->fd);
        }
    }
    s->append_offset = file_end;
    s->chunks = live_chunks;
    used_chunks_ += s->chunks.size();
    // The acknowledged boundary: records below it never come back.
    s->head_seq = meta_ok ? meta.head_seq : (s->units.empty() ? end_seq : s->units.front().first_seq);
    while (!s->units.empty() && s->units.front().first_seq + s->units.front().count <= s->head_seq) s->units.pop_front();
    if (!s->units.empty() && s->head_seq > s->units.front().first_seq)
        s->units.front().start = static_cast<std::uint16_t>(s->head_seq - s->units.front().first_seq);
    if (!s->units.empty()) s->head_seq = s->units.front().first_seq + s->units.front().start;
    s->head_seq_durable = s->head_seq;
    for (const Unit& u : s->units) s->retained += u.count - u.start;
    s->recovered_records = s->retained;
    // Records that were pending when the process died were never acknowledged: unsent again.
    s->pend_unit = 0;
    s->pend_off = s->units.empty() ? 0 : s->units.front().start;
    // Numbering resumes past anything that may have been handed out. Without a meta nobody knows
    // how far RAM got, so skip a whole reservation. After a clean stop the shutdown ledger says
    // exactly where numbering stopped: no gap.
    s->reserved_durable = meta_ok ? std::max(meta.seq_reserved, end_seq)
                                  : (end_seq == 0 && s->units.empty() ? 0 : end_seq + seq_reservation);
    s->resume_seq = s->reserved_durable;
    if (const auto l = ledger_at_open_.find({source, id}); l != ledger_at_open_.end() && meta_ok && !s->disk_failed)
        s->resume_seq = std::min(s->reserved_durable, std::max({l->second, meta.head_seq, end_seq}));
    // Until the ledger is durably gone, no number past this one is handed out (cap_for).
    s->ledger_next = s->resume_seq;
    s->seq_reserved = s->resume_seq;
    if (s->disk_failed && have_meta && !meta_ok) {
        // The acknowledged boundary is unreadable, not absent: serving the data could re-send
        // what the cloud has acknowledged. Nothing is served this session; the data stays on
        // disk for a restart that can read the meta.
        s->units.clear();
        s->retained = 0;
        s->recovered_records = 0;
        s->pend_off = 0;
        s->reserved_durable = std::max(s->reserved_durable, end_seq + seq_reservation);
        s->resume_seq = s->reserved_durable;
        s->ledger_next = s->resume_seq;
        s->seq_reserved = s->resume_seq;
    }
    s->meta_dirty = !meta_ok && !s->disk_failed;
    s->trim_due = s->units.empty() && s->append_offset > 0 && !s->disk_failed;
    if (s->disk_failed) {
        health_ |= SS_HEALTH_DISK_ERROR;
        Text t;
        t << source_names[source] << " sensor " << id << ": its files could not be read in full (I/O error); what was "
          << "read is served, nothing is written to them this session";
        log(0, t);
    }
    recovered_[{source, id}] = std::move(s);
}

// ---- the stream -------------------------------------------------------------------------------

Expected<std::uint64_t> DiskTier::attach(std::uint32_t slot, SsSource source, std::uint32_t id,
                                         RecordType type) noexcept {
    std::lock_guard g(global_);
    auto it = recovered_.find({source, id});
    if (dir_failed_[source] || (it != recovered_.end() && it->second->disk_failed)) {
        // Registered only once its files could be read: an I/O error at recovery must neither
        // hide data (the acknowledged boundary, numbers handed out) nor leave it unserved.
        const bool read = retry_recovery(source, id);
        // Something that is not a directory (a planted symlink) will not heal by retrying: its
        // sensors live in RAM, numbering nothing they could not reserve on disk, and the health
        // flag says why. An I/O error may heal: the caller is told to try again.
        const bool not_a_dir = dir_failed_[source] && (dir_error_[source] == -ELOOP || dir_error_[source] == -ENOTDIR);
        if (!read && !not_a_dir) return std::unexpected(Errc::io_error);
        it = recovered_.find({source, id});
    }
    if (it != recovered_.end()) {
        if (it->second->type != type && !it->second->units.empty()) return std::unexpected(Errc::invalid_argument);
        it->second->type = type;
        sensors_[slot] = std::move(it->second);
        recovered_.erase(it);
    } else {
        auto& s = *sensors_[slot];
        s.source = source;
        s.id = id;
        s.type = type;
        s.disk_failed = dir_failed_[source];
    }
    sensors_[slot]->attached = true;
    sensors_[slot]->seq_reserved = cap_for(*sensors_[slot]);
    return sensors_[slot]->resume_seq;
}

void DiskTier::lock(std::uint32_t slot) noexcept { locks_[slot].lock(); }
void DiskTier::unlock(std::uint32_t slot) noexcept { locks_[slot].unlock(); }
std::uint64_t DiskTier::retained(std::uint32_t slot) const noexcept { return at(slot).retained; }
std::uint64_t DiskTier::pending(std::uint32_t slot) const noexcept { return at(slot).pending; }
std::uint64_t DiskTier::seq_limit(std::uint32_t slot) const noexcept { return at(slot).seq_reserved; }
bool DiskTier::accepts(std::uint32_t slot) const noexcept { return !at(slot).disk_failed; }

void DiskTier::release_ram(Unit& u) noexcept {
    if (u.ram != no_sector) engine_.context().pool->release(u.ram);
    u.ram = no_sector;
}

DiskTier::Read DiskTier::unit_data(Sensor& s, const Unit& u, const std::byte*& data) noexcept {
    if (u.ram != no_sector) {
        const std::byte* d = engine_.context().pool->data(u.ram);
        const bool check = cfg_.verify_level == SS_VERIFY_EVERY_READ ||
                           (cfg_.verify_level == SS_VERIFY_FIRST_READ && s.ram_verified != u.offset);
        if (check) {
            if (!sector::verify(d, s.type, unit_bytes_)) return Read::corrupt;
            s.ram_verified = u.offset;
        }
        data = d;
        return Read::ok;
    }
    if (s.cache_offset != u.offset) {
        s.cache.resize(unit_bytes_);
        s.cache_offset = ~std::uint64_t{0};
        const std::int64_t n = s.fd < 0 ? -EIO : fs_.read(s.fd, s.cache.data(), unit_bytes_, u.offset);
        if (n < 0) {
            note_failure(s, static_cast<int>(n), "reading a unit");
            return Read::io_error;
        }
        // Disk units are always checked: the CRC is all that stands between the medium and the
        // cloud. A unit cut short (the file shrank under us) is as bad as a corrupt one.
        if (n != static_cast<std::int64_t>(unit_bytes_) || !sector::verify(s.cache.data(), s.type, unit_bytes_) ||
            sector::first_seq(s.cache.data()) != u.first_seq)
            return Read::corrupt;
        s.cache_offset = u.offset;
    }
    data = s.cache.data();
    return Read::ok;
}

void DiskTier::drop_unit(Sensor& s, std::size_t i, bool corrupt) noexcept {
    Unit& u = s.units[i];
    const std::uint64_t held = u.count - u.start;
    const std::uint64_t pending_in = i < s.pend_unit ? held : i == s.pend_unit ? s.pend_off - u.start : 0;
    s.retained -= held;
    s.pending -= pending_in;
    if (corrupt) {
        s.dropped_corrupt += held;
        ++s.lifetime_corrupt;
        std::lock_guard g(global_);
        health_ |= SS_HEALTH_CORRUPTION;
    } else {
        s.dropped_quota += held;
        s.lifetime_dropped_quota += held;
    }
    if (s.cache_offset == u.offset) s.cache_offset = ~std::uint64_t{0};
    release_ram(u);
    const std::uint64_t end = u.first_seq + u.count;
    s.units.erase(s.units.begin() + static_cast<std::ptrdiff_t>(i));
    if (i < s.pend_unit) --s.pend_unit;
    else if (i == s.pend_unit) s.pend_off = i < s.units.size() ? s.units[i].start : 0;
    if (i == 0) s.head_seq = s.units.empty() ? end : s.units.front().first_seq + s.units.front().start;
    s.meta_dirty = true;
    s.trim_due = true;
}

Expected<Batch> DiskTier::consume(std::uint32_t slot, void* out, std::uint32_t max) noexcept {
    Sensor& s = at(slot);
    const std::size_t rb = record_bytes(s);
    auto* dst = static_cast<std::byte*>(out);
    Batch b;
    std::uint64_t expected = 0;
    while (b.count < max && s.pend_unit < s.units.size()) {
        const Unit& u = s.units[s.pend_unit];
        const std::uint64_t seq = u.first_seq + s.pend_off;
        if (b.count != 0 && seq != expected) break; // a batch never spans a gap
        if (seq >= s.seq_reserved) break;
        const std::byte* d = nullptr;
        const Read got = unit_data(s, u, d);
        if (got == Read::io_error) {
            // Nothing is dropped for a failed read: the records stay unsent for a later call.
            if (b.count == 0) return std::unexpected(Errc::io_error);
            break;
        }
        if (got == Read::corrupt) {
            Text t;
            t << source_names[s.source] << " sensor " << s.id << ": unit at " << u.offset
              << " failed its check; dropped";
            log(1, t);
            drop_unit(s, s.pend_unit, true);
            continue;
        }
        const auto take = static_cast<std::uint32_t>(
            std::min<std::uint64_t>({std::uint64_t{u.count} - s.pend_off, max - b.count, s.seq_reserved - seq}));
        std::memcpy(dst + std::size_t{b.count} * rb, sector::payload(d) + std::size_t{s.pend_off} * rb, take * rb);
        if (b.count == 0) b.first_seq = seq;
        b.count += take;
        expected = seq + take;
        s.pend_off = static_cast<std::uint16_t>(s.pend_off + take);
        s.pending += take;
        if (s.pend_off == u.count) {
            ++s.pend_unit;
            s.pend_off = s.pend_unit < s.units.size() ? s.units[s.pend_unit].start : 0;
        }
    }
    if (b.count == 0) return std::unexpected(Errc::try_again);
    return b;
}

void DiskTier::erase_all_pending(std::uint32_t slot) noexcept {
    Sensor& s = at(slot);
    if (s.pending == 0) return;
    std::uint64_t end = s.head_seq;
    while (s.pend_unit > 0) {
        Unit& u = s.units.front();
        s.erased += u.count - u.start;
        end = u.first_seq + u.count;
        if (s.cache_offset == u.offset) s.cache_offset = ~std::uint64_t{0};
        release_ram(u); // a unit erased before it was written never costs a write
        s.units.pop_front();
        --s.pend_unit;
    }
    if (!s.units.empty()) {
        Unit& u = s.units.front();
        s.erased += s.pend_off - u.start;
        u.start = s.pend_off;
        s.head_seq = u.first_seq + u.start;
    } else {
        s.head_seq = end;
        s.pend_off = 0;
    }
    s.retained -= s.pending;
    s.pending = 0;
    s.meta_dirty = true;
    s.trim_due = true;
}

Expected<void> DiskTier::read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept {
    Sensor& s = at(slot);
    for (std::size_t i = 0; i < s.units.size(); ++i) {
        const Unit& u = s.units[i];
        const std::uint64_t held = u.count - u.start;
        if (offset >= held) {
            offset -= held;
            continue;
        }
        const std::byte* d = nullptr;
        const Read got = unit_data(s, u, d);
        if (got == Read::io_error) return std::unexpected(Errc::io_error);
        if (got == Read::corrupt) {
            drop_unit(s, i, true);
            return std::unexpected(Errc::io_error);
        }
        std::memcpy(out, sector::payload(d) + (u.start + offset) * record_bytes(s), record_bytes(s));
        return {};
    }
    return std::unexpected(Errc::invalid_argument);
}

void DiskTier::accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept {
    Sensor& s = at(slot);
    const std::size_t rb = record_bytes(s);
    for (std::uint32_t i = 0; i < n; ++i) {
        const DetachedSector& d = sectors[i];
        std::byte* data = engine_.context().pool->data(d.sector);
        // Bytes past the records are stale pool content: never write them to disk.
        const std::size_t used = sector::header_bytes + std::size_t{d.count} * rb;
        std::memset(data + used, 0, unit_bytes_ - used);
        const bool all_consumed = s.pend_unit == s.units.size();
        s.units.push_back(Unit{s.append_offset, sector::first_seq(data), d.count, d.start, d.sector, false});
        s.append_offset += unit_bytes_;
        const std::uint64_t held = d.count - d.start;
        s.retained += held;
        s.pending += d.pending;
        if (s.units.size() == 1 && s.head_seq != s.units.front().first_seq + d.start) {
            // Records acknowledged while this sector was in RAM: the boundary moved.
            s.head_seq = s.units.front().first_seq + d.start;
            s.meta_dirty = true;
        }
        if (all_consumed) {
            // Pending records come first in a sensor's stream, so pend moves along with them.
            if (d.pending == held) {
                s.pend_unit = s.units.size();
                s.pend_off = 0;
            } else {
                s.pend_unit = s.units.size() - 1;
                s.pend_off = static_cast<std::uint16_t>(d.start + d.pending);
            }
        }
    }
}

void DiskTier::add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept {
    const Sensor& s = at(slot);
    out.disk_records = s.retained;
    out.dropped_quota = s.dropped_quota;
    if (s.retained == 0) {
        out.written = out.retained + out.erased + out.dropped_recycled + out.dropped_corrupt;
        out.erased += s.erased;
        out.dropped_corrupt += s.dropped_corrupt;
        out.written += s.erased + s.dropped_corrupt + s.dropped_quota;
        out.written -= std::min(out.written, s.recovered_records);
        return;
    }
    out.head_seq = s.units.front().first_seq + s.units.front().start;
    if (s.pend_unit < s.units.size()) out.pending_seq = s.units[s.pend_unit].first_seq + s.pend_off;
    out.retained += s.retained;
    out.pending += s.pending;
    out.unsent = out.retained - out.pending;
    out.erased += s.erased;
    out.dropped_corrupt += s.dropped_corrupt;
    // Every record accepted this session is retained, erased or dropped; recovered ones were
    // accepted by an earlier one.
    const std::uint64_t all = out.retained + out.erased + out.dropped_recycled + out.dropped_corrupt + s.dropped_quota;
    out.written = all - std::min(all, s.recovered_records);
}

// ---- the manager --------------------------------------------------------------------------------

std::uint64_t DiskTier::hot_next_seq(std::uint32_t slot) const noexcept {
    SsSensorStats st;
    engine_.store_at(slot).stats(engine_.context(), st);
    return st.next_seq;
}

void DiskTier::note_disk_full() noexcept {
    health_ |= SS_HEALTH_DISK_FULL;
    quota_chunks_ = policy::DiskFullQuota::lowered(used_chunks_);
    disk_full_.lower();
}

void DiskTier::note_failure(Sensor& s, int err, const char* what, bool log_it) noexcept {
    ++s.write_failures;
    std::lock_guard g(global_);
    if (err == -ENOSPC) note_disk_full();
    if (s.write_failures >= 3) health_ |= SS_HEALTH_DISK_ERROR;
    if (log_it && (s.write_failures == 1 || s.write_failures % 100 == 0)) {
        Text t;
        t << source_names[s.source] << " sensor " << s.id << ": " << what << " failed: " << std::strerror(-err)
          << " (kept in RAM, retried next tick; " << s.write_failures << " in a row)";
        log(0, t);
    }
}

bool DiskTier::drop_oldest_unsent_chunk(Sensor& s) noexcept {
    // Which chunk is the policy's; its units go, counted as dropped at the quota, and its space
    // is punched.
    const auto view = [&s](std::size_t k) {
        const Unit& u = s.units[k];
        return policy::UnitView{u.offset, u.start, u.durable};
    };
    policy::ChunkDrop drop;
    if (!policy::oldest_unsent_chunk(view, s.units.size(), s.pend_unit, s.pend_off, s.append_offset, chunk_bytes_, drop))
        return false;
    const std::uint64_t chunk = drop.chunk;
    const std::size_t i = drop.first, j = drop.last;
    if (fs_.punch_hole(s.fd, chunk * chunk_bytes_, chunk_bytes_) != 0) return false;
    std::uint64_t dropped = 0;
    for (std::size_t k = i; k < j; ++k) {
        dropped += s.units[i].count - s.units[i].start;
        drop_unit(s, i, false);
    }
    release_chunk(s, chunk);
    {
        std::lock_guard g(global_);
        health_ |= SS_HEALTH_DROPPING;
    }
    Text t;
    t << source_names[s.source] << " sensor " << s.id << ": disk quota reached, dropped " << dropped
      << " oldest unsent records";
    log(1, t);
    return true;
}

void DiskTier::release_chunk(Sensor& s, std::uint64_t c) noexcept {
    if (s.chunks.erase(c) == 0) return;
    std::lock_guard g(global_);
    --used_chunks_;
}

bool DiskTier::claim_chunk(Sensor& s, std::uint64_t c) noexcept {
    if (s.chunks.count(c) != 0) return true;
    const std::uint64_t own_cap = cfg_.disk_quota_per_sensor_bytes / chunk_bytes_;
    while (own_cap != 0 && s.chunks.size() + 1 > own_cap)
        if (!drop_oldest_unsent_chunk(s)) return false;
    for (;;) {
        {
            std::lock_guard g(global_);
            if (used_chunks_ + 1 <= quota_chunks_) {
                ++used_chunks_;
                s.chunks.insert(c);
                return true;
            }
        }
        // Fair share: the sensor holding the most disk gives up its oldest unsent chunk. Others
        // are only tried, never waited for, since this sensor's lock is held.
        // Only registered slots: a slot being registered right now is not ours to read.
        std::vector<policy::ChunkHolder> order;
        for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i)
            if (sensors_[i]->attached && !sensors_[i]->chunks.empty()) order.push_back({sensors_[i]->chunks.size(), i});
        policy::order_quota_victims(order.data(), static_cast<std::uint32_t>(order.size()));
        bool dropped = false;
        for (const auto& [held, i] : order) {
            (void)held;
            Sensor& v = *sensors_[i];
            if (&v == &s) {
                dropped = drop_oldest_unsent_chunk(s);
            } else if (locks_[i].try_lock()) {
                dropped = drop_oldest_unsent_chunk(v);
                locks_[i].unlock();
            }
            if (dropped) break;
        }
        if (!dropped) return false;
    }
}

DiskTier::Wrote DiskTier::write_units(Sensor& s, std::uint64_t& end, bool& whole) noexcept {
    whole = false;
    if (s.disk_failed) {
        whole = std::all_of(s.units.begin(), s.units.end(), [](const Unit& u) { return u.durable; });
        return Wrote::nothing;
    }
    std::size_t first = 0;
    while (first < s.units.size() && s.units[first].durable) ++first;
    if (first == s.units.size()) {
        whole = true;
        return Wrote::nothing;
    }
    if (s.fd < 0) {
        const int dir = source_dir(s.source, true);
        if (dir < 0) {
            note_failure(s, dir, "creating the source directory");
            return Wrote::failed;
        }
        const std::string name = file_name(s.id, "dat");
        s.fd = fs_.open_file(dir, name.c_str(), true);
        if (s.fd < 0) {
            note_failure(s, s.fd, "creating the data file");
            s.fd = -1;
            return Wrote::failed;
        }
        dir_dirty_[s.source] = true;
    }
    // Space first: every chunk a unit lands in is claimed under the quotas. Claiming may drop
    // older durable units (never these) and so move them in the deque: the chunks are listed
    // first and positions are found again after.
    std::vector<std::uint64_t> needed;
    for (std::size_t k = first; k < s.units.size(); ++k) {
        const std::uint64_t c = s.units[k].offset / chunk_bytes_;
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
    while (first < s.units.size() && s.units[first].durable) ++first;
    std::size_t last = first;
    while (last < s.units.size() && s.units[last].offset < stop_offset) ++last;
    if (first >= last) return Wrote::failed;
    const std::size_t batch = std::max<std::uint32_t>(cfg_.flush_batch_sectors, 1);
    std::vector<iovec> iov;
    for (std::size_t i = first; i < last; i += batch) {
        const std::size_t stop = std::min(last, i + batch);
        iov.clear();
        for (std::size_t k = i; k < stop; ++k)
            iov.push_back(iovec{engine_.context().pool->data(s.units[k].ram), unit_bytes_});
        const std::int64_t r = fs_.write(s.fd, iov.data(), static_cast<int>(iov.size()), s.units[i].offset);
        if (r < 0) {
            note_failure(s, static_cast<int>(r), "writing units");
            return Wrote::failed;
        }
    }
    end = s.units[last - 1].offset + unit_bytes_;
    whole = last == s.units.size();
    return Wrote::some;
}

void DiskTier::units_synced(Sensor& s, std::uint64_t end) noexcept {
    // Units only leave from the front (erase, quota) and only the manager appends or truncates,
    // so the written ones are still exactly those below `end` that are not durable yet.
    for (Unit& u : s.units) {
        if (u.offset >= end) break;
        if (u.durable) continue;
        u.durable = true;
        release_ram(u);
    }
    s.write_failures = 0;
}

bool DiskTier::batch_syncs(std::size_t files) const noexcept {
    if (cfg_.disk_sync_all_min_files == 0 || files < cfg_.disk_sync_all_min_files) return false;
    std::lock_guard g(global_);
    return !sync_all_unsupported_ && now_ms_ >= sync_all_refused_until_ms_;
}

int DiskTier::sync_all(std::size_t files) noexcept {
    const int r = fs_.sync_all(root_fd_);
    if (r == 0) return 0;
    {
        std::lock_guard g(global_);
        if (r == -ENOSYS) sync_all_unsupported_ = true;
        // Some file's write-back failed and nobody says which: everything since the last good
        // sync is written again, and file by file for a while, so a lasting fault shows where.
        else sync_all_refused_until_ms_ = now_ms_ + sync_all_refusal_ms;
    }
    Text t;
    if (r == -ENOSYS)
        t << "syncfs cannot report write-back errors on this kernel: one sync per file from now on";
    else
        t << "syncfs of the data root failed: " << std::strerror(-r) << "; the writes to " << files
          << " files are kept in RAM and retried next tick, one sync per file for 10 s";
    log(0, t);
    return r;
}

void DiskTier::trim(Sensor& s) noexcept {
    s.trim_due = false;
    if (s.fd < 0 || s.disk_failed) return;
    if (s.units.empty()) {
        if (s.append_offset == 0) return;
        // Drained: give the whole file back. Synced before any new unit lands at offset 0.
        if (fs_.truncate(s.fd, 0) != 0 || fs_.sync(s.fd) != 0) {
            s.trim_due = true;
            return;
        }
        {
            std::lock_guard g(global_);
            used_chunks_ -= s.chunks.size();
        }
        s.chunks.clear();
        s.append_offset = 0;
        return;
    }
    // Chunks wholly before the head hold only erased units: their space goes back.
    const std::uint64_t head_chunk = s.units.front().offset / chunk_bytes_;
    while (!s.chunks.empty() && *s.chunks.begin() < head_chunk) {
        const std::uint64_t c = *s.chunks.begin();
        if (fs_.punch_hole(s.fd, c * chunk_bytes_, chunk_bytes_) != 0) {
            s.trim_due = true;
            return;
        }
        release_chunk(s, c);
    }
}

bool DiskTier::stage_meta(Sensor& s, std::uint64_t next, bool sync_now) noexcept {
    if (s.disk_failed) return false;
    disk::Meta m;
    m.source = s.source;
    m.type = s.type;
    m.sensor_id = s.id;
    m.unit_bytes = unit_bytes_;
    m.head_seq = s.head_seq;
    m.seq_reserved = std::max(s.reserved_durable, next + seq_reservation);
    m.dropped_quota = s.lifetime_dropped_quota;
    m.corrupt_units = s.lifetime_corrupt;
    // Cleared now: an erase from here on marks it dirty again, and a failure below does too.
    s.meta_dirty = false;
    std::byte buf[disk::meta_bytes];
    disk::encode_meta(m, buf);
    const int dir = source_dir(s.source, true);
    if (dir < 0) {
        s.meta_dirty = true;
        note_failure(s, dir, "creating the source directory");
        return false;
    }
    const std::string tmp = file_name(s.id, "meta.tmp");
    const int fd = fs_.open_file(dir, tmp.c_str(), true);
    if (fd < 0) {
        s.meta_dirty = true;
        note_failure(s, fd, "creating the meta file");
        return false;
    }
    const iovec v{buf, sizeof buf};
    std::int64_t r = fs_.write(fd, &v, 1, 0);
    if (r >= 0) r = fs_.truncate(fd, sizeof buf);
    if (r >= 0 && sync_now) r = fs_.sync(fd);
    fs_.close(fd);
    if (r < 0) {
        s.meta_dirty = true;
        note_failure(s, static_cast<int>(r), "writing the meta file");
        return false;
    }
    s.staged_reserved = m.seq_reserved;
    s.staged_head = m.head_seq;
    return true;
}

bool DiskTier::commit_meta(Sensor& s) noexcept {
    // The temporary file is durable (its own sync or a sync_all): only now may it replace the
    // meta, so a crash leaves the old meta or the new one, never a torn one.
    const int dir = source_dir(s.source, true);
    const std::string tmp = file_name(s.id, "meta.tmp");
    const std::string name = file_name(s.id, "meta");
    const int r = dir < 0 ? dir : fs_.rename(dir, tmp.c_str(), name.c_str());
    if (r < 0) {
        s.meta_dirty = true;
        note_failure(s, r, "replacing the meta file");
        return false;
    }
    dir_dirty_[s.source] = true;
    s.meta_staged = true;
    return true;
}

// ---- the shutdown ledger ----------------------------------------------------------------------

std::uint64_t DiskTier::cap_for(const Sensor& s) const noexcept {
    // A crash now resumes numbering at the durable reservation, or, while a ledger is on disk,
    // at what it records for the sensor: no number at or past that may be handed out.
    return ledger_on_disk_ ? std::min(s.reserved_durable, s.ledger_next) : s.reserved_durable;
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
        if (synced == -ENOSPC) {
            std::lock_guard g(global_);
            note_disk_full();
        }
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
        s.ledger_next = ~std::uint64_t{0};
        s.seq_reserved = cap_for(s);
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
        if (!s.attached || s.disk_failed) continue;
        const std::uint64_t exact = std::max(hot_next_seq(i), s.head_seq);
        // Binds at once: nothing at or past it is handed out from now on, ledger or not.
        s.seq_reserved = std::min(s.seq_reserved, exact);
        s.ledger_staged = exact;
        std::byte e[disk::ledger_entry_bytes];
        disk::encode_ledger_entry(disk::LedgerEntry{s.source, s.id, exact}, e);
        buf.insert(buf.end(), e, e + sizeof e);
        ++count;
    }
    disk::encode_ledger_header(count, buf.data() + disk::ledger_header_bytes, buf.data());
    const int fd = fs_.open_file(root_fd_, ledger_tmp_name, true);
    std::int64_t r = fd;
    if (fd >= 0) {
        const iovec v{buf.data(), buf.size()};
        r = fs_.write(fd, &v, 1, 0);
        if (r >= 0) r = fs_.truncate(fd, buf.size());
        if (r >= 0) r = fs_.sync(fd);
        fs_.close(fd);
    }
    if (r >= 0) r = fs_.rename(root_fd_, ledger_tmp_name, ledger_name);
    if (r >= 0) r = fs_.sync(root_fd_);
    if (r < 0) {
        if (r == -ENOSPC) {
            std::lock_guard g(global_);
            note_disk_full();
        }
        Text t;
        t << "writing the shutdown ledger failed: " << std::strerror(static_cast<int>(-r)) << " (retried next tick)";
        log(0, t);
        return false;
    }
    ledger_on_disk_ = true;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::lock_guard g(locks_[i]);
        Sensor& s = at(i);
        if (!s.attached || s.disk_failed) continue;
        s.ledger_next = s.ledger_staged;
        s.seq_reserved = cap_for(s);
    }
    Text t;
    t << "shutdown ledger written: " << count << " sensors";
    log(2, t);
    return true;
}

void DiskTier::tick(const Tick& tick) noexcept {
    const bool shutdown = tick.shutdown;
    const std::uint64_t now = tick.now_ms;
    const std::uint32_t n = engine_.sensor_count();
    {
        std::lock_guard g(global_);
        now_ms_ = now;
        if (disk_full_.restore_due(now)) {
            quota_chunks_ = cfg_.disk_quota_bytes / chunk_bytes_;
            health_ &= ~SS_HEALTH_DISK_FULL; // the flags say how the disk is now
        }
    }
    if (tick.budget_spent) {
        Text t;
        t << "shutdown budget of " << cfg_.shutdown_budget_ms << " ms spent; what is not flushed stays in RAM";
        log(0, t);
        return;
    }
    if (!shutdown && ledger_on_disk_) remove_ledger();

    // Data: every sensor's new units are written, then made durable together — one sync per
    // file, or one sync_all when many files are dirty — and only then marked durable (their RAM
    // copy is freed). The syncs run without the cold locks: the uploader is not held up by them.
    bool all_durable = true;
    struct Written {
        std::uint32_t slot;
        std::uint64_t end;
        int fd;
    };
    std::vector<Written> written;
    for (std::uint32_t i = 0; i < n; ++i) {
        Sensor& s = at(i);
        std::lock_guard g(locks_[i]);
        if (s.trim_due) trim(s);
        std::uint64_t end = 0;
        bool whole = false;
        const Wrote w = write_units(s, end, whole);
        if (w == Wrote::some) written.push_back(Written{i, end, s.fd});
        if (!whole) all_durable = false;
    }
    if (!written.empty()) {
        const int all = batch_syncs(written.size()) ? sync_all(written.size()) : -ENOSYS;
        if (all != -ENOSYS) {
            for (const Written& w : written) {
                Sensor& s = at(w.slot);
                std::lock_guard g(locks_[w.slot]);
                if (all == 0) units_synced(s, w.end);
                else note_failure(s, all, "syncing the data files (syncfs)", false);
            }
            if (all != 0) all_durable = false;
        } else {
            for (const Written& w : written) {
                const int r = fs_.sync(w.fd);
                Sensor& s = at(w.slot);
                std::lock_guard g(locks_[w.slot]);
                if (r == 0) {
                    units_synced(s, w.end);
                } else {
                    // After a failed sync the kernel may have dropped the pages: everything since
                    // the last good sync is written again from RAM next tick.
                    note_failure(s, r, "syncing the data file");
                    all_durable = false;
                }
            }
        }
    }

    // Metas: the acknowledged boundary after erases, and the sequence reservation ahead of use.
    // Each is written to a temporary file that is made durable (its own sync, or one sync_all
    // for many) before it is renamed over the meta.
    const auto meta_due = [&](Sensor& s, std::uint32_t i, std::uint64_t& next) {
        // Read under the cold lock, which the uploader needs to hand anything out: every number
        // handed out so far is below `next`, and none can be until the reservation is settled.
        next = hot_next_seq(i);
        const bool active = next > 0 || s.retained > 0 || s.head_seq > 0;
        const bool reserve_low = active && next + seq_reservation / 2 > s.reserved_durable;
        const bool ack_due = s.meta_dirty && (shutdown || !s.meta_ever_written ||
                                              now - s.meta_written_at_ms >= ack_meta_interval_ms);
        return ack_due || (!shutdown && reserve_low);
    };
    bool all_clean = true;
    std::size_t metas_due = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        std::lock_guard g(locks_[i]);
        std::uint64_t next = 0;
        if (!at(i).disk_failed && meta_due(at(i), i, next)) ++metas_due;
    }
    const bool batch_metas = batch_syncs(metas_due);
    std::vector<std::uint32_t> staged;
    for (std::uint32_t i = 0; i < n; ++i) {
        Sensor& s = at(i);
        std::lock_guard g(locks_[i]);
        std::uint64_t next = 0;
        if (!meta_due(s, i, next)) continue;
        s.meta_written_at_ms = now;
        s.meta_ever_written = true;
        if (!stage_meta(s, next, !batch_metas)) {
            all_clean = false;
        } else if (!batch_metas) {
            if (!commit_meta(s)) all_clean = false;
        } else {
            staged.push_back(i);
        }
    }
    if (!staged.empty()) {
        const int all = sync_all(staged.size());
        for (const std::uint32_t i : staged) {
            Sensor& s = at(i);
            std::lock_guard g(locks_[i]);
            if (all != 0) {
                // Written again next tick (file by file if syncfs is not to be trusted now).
                s.meta_dirty = true;
                note_failure(s, all, "syncing the meta files (syncfs)", false);
                all_clean = false;
            } else if (!commit_meta(s)) {
                all_clean = false;
            }
        }
    }
    // One directory sync per source directory per tick makes every rename and new file durable.
    bool dirs_ok = true;
    for (int d = 0; d < 3; ++d) {
        if (!dir_dirty_[d]) continue;
        if (fs_.sync(dir_fd_[d]) == 0) dir_dirty_[d] = false;
        else dirs_ok = false;
    }
    for (std::uint32_t i = 0; i < n; ++i) {
        Sensor& s = at(i);
        std::lock_guard g(locks_[i]);
        if (!s.meta_staged) continue;
        if (dirs_ok) {
            // Only now may numbers up to the new reservation be handed out.
            s.reserved_durable = s.staged_reserved;
            s.seq_reserved = cap_for(s);
            s.head_seq_durable = s.staged_head;
            s.meta_staged = false;
        } else {
            s.meta_dirty = true; // write it again next tick
            s.meta_staged = false;
            all_clean = false;
        }
    }
    // Complete only as seen by a shutdown tick, once the ledger records where numbering stopped.
    const bool ledger_ok = shutdown && all_durable && all_clean && dirs_ok && (ledger_on_disk_ || write_ledger());
    // The disk error flag describes the present: it goes once no sensor is failing any more.
    bool failing = dir_failed_[0] || dir_failed_[1] || dir_failed_[2];
    for (std::uint32_t i = 0; i < n && !failing; ++i) {
        std::lock_guard g(locks_[i]);
        failing = at(i).write_failures >= 3 || at(i).disk_failed;
    }
    std::lock_guard g(global_);
    flushed_ = ledger_ok;
    if (!failing) health_ &= ~SS_HEALTH_DISK_ERROR;
}

bool DiskTier::flushed() const noexcept {
    {
        // Not held below: cold locks are taken before the global one everywhere else.
        std::lock_guard g(global_);
        if (!flushed_) return false;
    }
    for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i) {
        std::lock_guard l(locks_[i]);
        const Sensor& s = at(i);
        if (s.meta_dirty || s.meta_staged) return false;
        for (const Unit& u : s.units)
            if (!u.durable) return false;
    }
    return true;
}

std::uint64_t DiskTier::used_bytes() const noexcept {
    std::lock_guard g(global_);
    return used_chunks_ * chunk_bytes_;
}

void DiskTier::add_system_stats(SsSystemStats& out) const noexcept {
    std::uint64_t dq = 0;
    for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i) {
        std::lock_guard l(locks_[i]);
        dq += at(i).dropped_quota;
    }
    std::lock_guard g(global_);
    out.disk_bytes_used = used_chunks_ * chunk_bytes_;
    out.disk_quota_bytes = quota_chunks_ * chunk_bytes_;
    out.dropped_quota = dq;
    out.health_flags |= health_;
}

Expected<ColdTier*> create_disk_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx, Text& why) {
    auto tier = std::make_unique<DiskTier>(cfg, engine, posix_file_system(), log, log_ctx);
    if (auto ok = tier->open(why); !ok) return std::unexpected(ok.error());
    return tier.release();
}

void destroy_disk_tier(ColdTier* tier) { delete static_cast<DiskTier*>(tier); }

} // namespace ss::hal
