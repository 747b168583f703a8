// The disk tier's stream: what the engine calls under a sensor's cold lock to read, consume,
// erase and hand over records, and the figures it reports.
#include "posix/disk/disk_tier.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "posix/disk/boot_counter.hpp"
#include "ss/batch_copy.hpp"
#include "ss/source_name.hpp"

namespace ss::hal {

DiskTier::DiskTier(const SsInitCfg& cfg, Engine& engine, FileSystem& fs, SsLogFn log_fn, void* log_ctx)
    : cfg_(cfg),
      engine_(engine),
      fs_(fs),
      log_fn_(log_fn),
      log_ctx_(log_ctx),
      root_path_(cfg.disk_root != nullptr ? cfg.disk_root : ""),
      unit_bytes_(cfg.ram_sector_bytes),
      chunk_bytes_(cfg.disk_sector_bytes),
      quota_(cfg.disk_quota_bytes, cfg.disk_sector_bytes),
      syncs_(fs, cfg.disk_sync_all_min_files, log_fn, log_ctx) {
    cfg_.disk_root = nullptr; // root_path_ holds the copy
    sensors_.resize(cfg.max_sensors);
    for (auto& s : sensors_) s = std::make_unique<Sensor>();
    locks_ = std::make_unique<std::mutex[]>(cfg.max_sensors);
}

DiskTier::~DiskTier() {
    // RAM-resident units belong to the engine's pool, which goes away with the engine.
    for (auto& s : sensors_)
        if (s->files.fd >= 0) fs_.close(s->files.fd);
    for (auto& [key, s] : recovered_)
        if (s->files.fd >= 0) fs_.close(s->files.fd);
    for (int& d : dir_fd_)
        if (d >= 0) fs_.close(d);
    if (root_fd_ >= 0) fs_.close(root_fd_);
    // Last: another process may take the store only once nothing of this one touches it.
    if (lock_fd_ >= 0) fs_.close(lock_fd_);
}

void DiskTier::log(int level, const Text& t) const noexcept {
    if (log_fn_ != nullptr) log_fn_(log_ctx_, level, t.c_str());
}

int DiskTier::source_dir(SsSource source, bool create) noexcept {
    int& fd = dir_fd_[source];
    if (dir_failed_[source]) return -EIO;
    if (fd >= 0 || !create) return fd;
    const int opened = fs_.open_dir(root_fd_, source_name(source), true);
    if (opened < 0) return opened;
    // The new directory entry must survive a power cut too.
    if (const int r = fs_.sync(root_fd_); r != 0) {
        fs_.close(opened);
        return r;
    }
    fd = opened;
    return fd;
}

Expected<std::uint64_t> DiskTier::attach(std::uint32_t slot, SsSource source, std::uint32_t id,
                                         RecordType type) noexcept {
    std::lock_guard g(global_);
    auto it = recovered_.find({source, id});
    if (dir_failed_[source] || (it != recovered_.end() && it->second->files.disk_failed)) {
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
        if (it->second->type != type && !it->second->stream.units.empty()) return std::unexpected(Errc::invalid_argument);
        it->second->type = type;
        sensors_[slot] = std::move(it->second);
        recovered_.erase(it);
    } else {
        auto& s = *sensors_[slot];
        s.source = source;
        s.id = id;
        s.type = type;
        s.files.disk_failed = dir_failed_[source];
    }
    Sensor& s = *sensors_[slot];
    s.attached = true;
    s.numbering.seq_reserved = cap_for(s);
    return s.numbering.resume_seq;
}

void DiskTier::lock(std::uint32_t slot) noexcept { locks_[slot].lock(); }
void DiskTier::unlock(std::uint32_t slot) noexcept { locks_[slot].unlock(); }
std::uint64_t DiskTier::retained(std::uint32_t slot) const noexcept { return at(slot).stream.retained; }
std::uint64_t DiskTier::pending(std::uint32_t slot) const noexcept { return at(slot).stream.pending; }
std::uint64_t DiskTier::seq_limit(std::uint32_t slot) const noexcept { return at(slot).numbering.seq_reserved; }
std::uint64_t DiskTier::seek_floor(std::uint32_t slot) const noexcept {
    const tier::UnitStream& st = at(slot).stream;
    if (st.units.empty()) return st.head_seq;
    return std::max(st.head_seq, st.units.back().first_seq + st.units.back().count);
}

std::uint64_t DiskTier::durable_end(std::uint32_t slot) const noexcept {
    const Sensor& s = at(slot);
    for (const Unit& u : s.stream.units)
        if (!u.durable || !s.files.entry_durable) return u.first_seq + u.start;
    return ~std::uint64_t{0};
}

bool DiskTier::accepts(std::uint32_t slot) const noexcept { return !at(slot).files.disk_failed; }

void DiskTier::release_ram(Unit& u) noexcept {
    if (u.ram != no_sector) engine_.context().pool->release(u.ram);
    u.ram = no_sector;
}

bool DiskTier::unit_intact(const Sensor& s, const Unit& u, const std::byte* data) const noexcept {
    return sector::verify(data, s.type, unit_bytes_) && sector::first_seq(data) == u.first_seq;
}

DiskTier::Read DiskTier::unit_data(Sensor& s, const Unit& u, VerifyLevel level, const std::byte*& data) noexcept {
    tier::SensorFiles& f = s.files;
    if (u.ram != no_sector) {
        const std::byte* d = engine_.context().pool->data(u.ram);
        const bool check = level >= VerifyLevel::every_read || (level == VerifyLevel::first_read && f.ram_verified != u.offset);
        if (check) {
            if (!unit_intact(s, u, d)) return Read::corrupt;
            f.ram_verified = u.offset;
        }
        data = d;
        return Read::ok;
    }
    if (f.cache_offset != u.offset) {
        f.cache.resize(unit_bytes_);
        f.cache_offset = ~std::uint64_t{0};
        const std::int64_t n = f.fd < 0 ? -EIO : fs_.read(f.fd, f.cache.data(), unit_bytes_, u.offset);
        if (n < 0) {
            note_failure(s, static_cast<int>(n), "reading a unit");
            return Read::io_error;
        }
        // Disk units are always checked: the CRC is all that stands between the medium and the
        // cloud. A unit cut short (the file shrank under us) is as bad as a corrupt one.
        if (n != static_cast<std::int64_t>(unit_bytes_) || !unit_intact(s, u, f.cache.data())) return Read::corrupt;
        f.cache_offset = u.offset;
    }
    data = f.cache.data();
    return Read::ok;
}

void DiskTier::drop_unit(Sensor& s, std::size_t i, tier::DropCause cause) noexcept {
    Unit& u = s.stream.units[i];
    if (s.files.cache_offset == u.offset) s.files.cache_offset = ~std::uint64_t{0};
    release_ram(u);
    s.stream.drop(i, cause);
    if (cause == tier::DropCause::corrupt) raise_health(SS_HEALTH_CORRUPTION);
    s.numbering.meta_dirty = true;
    s.files.trim_due = true;
}

Expected<Batch> DiskTier::consume(std::uint32_t slot, void* out, std::uint32_t max, BatchTime time) noexcept {
    Sensor& s = at(slot);
    const std::size_t rb = record_bytes(s);
    BatchCopy copy(out, rb, max, s.numbering.seq_reserved, time);
    while (!copy.full()) {
        const Unit* u = s.stream.next_unsent();
        if (u == nullptr || !copy.wants(s.stream.next_unsent_seq())) break;
        const std::byte* d = nullptr;
        const Read got = unit_data(s, *u, level_of(slot), d);
        if (got == Read::io_error) {
            // Nothing is dropped for a failed read: the records stay unsent for a later call.
            if (copy.empty()) return std::unexpected(Errc::io_error);
            break;
        }
        if (got == Read::corrupt) {
            Text t;
            t << source_name(s.source) << " sensor " << s.id << ": unit at " << u->offset << " failed its check; dropped";
            log(1, t);
            drop_unit(s, s.stream.pend_unit, tier::DropCause::corrupt);
            continue;
        }
        const std::uint16_t off = s.stream.pend_off;
        const std::uint32_t take = copy.take_sector(d, off, u->count - off);
        if (take == 0) break;
        s.stream.advance(take);
    }
    if (copy.empty()) return std::unexpected(Errc::try_again);
    return copy.batch();
}

void DiskTier::unit_gone(Sensor& s, Unit& u) noexcept {
    if (s.files.cache_offset == u.offset) s.files.cache_offset = ~std::uint64_t{0};
    release_ram(u); // a unit erased before it was written never costs a write
}

void DiskTier::erase_all_pending(std::uint32_t slot) noexcept {
    Sensor& s = at(slot);
    if (!s.stream.erase_pending([&](Unit& u) { unit_gone(s, u); })) return;
    s.numbering.meta_dirty = true;
    s.files.trim_due = true;
}

void DiskTier::erase_pending_until(std::uint32_t slot, std::uint64_t end_seq) noexcept {
    // The same durability as erase_all_pending: the new boundary reaches the meta at the next
    // due meta pass (ack_meta_interval_ms), chunks wholly before the head are punched at the
    // next trim. A crash before the meta lands re-sends from the older boundary; units are
    // never rewritten, so nothing acknowledged later can be lost or reordered by it.
    Sensor& s = at(slot);
    if (!s.stream.erase_pending_until(end_seq, [&](Unit& u) { unit_gone(s, u); })) return;
    s.numbering.meta_dirty = true;
    s.files.trim_due = true;
}

Expected<void> DiskTier::read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept {
    Sensor& s = at(slot);
    std::size_t i = 0;
    std::uint32_t record = 0;
    if (!s.stream.locate(offset, i, record)) return std::unexpected(Errc::invalid_argument);
    const std::byte* d = nullptr;
    const Read got = unit_data(s, s.stream.units[i], level_of(slot), d);
    if (got == Read::io_error) return std::unexpected(Errc::io_error);
    if (got == Read::corrupt) {
        drop_unit(s, i, tier::DropCause::corrupt);
        return std::unexpected(Errc::io_error);
    }
    std::memcpy(out, sector::payload(d) + std::size_t{record} * record_bytes(s), record_bytes(s));
    return {};
}

RangeStep DiskTier::read_range(std::uint32_t slot, std::uint64_t from, BatchCopy& copy) noexcept {
    Sensor& s = at(slot);
    const auto& units = s.stream.units;
    // Units are in sequence order: the first whose records reach `from`.
    const auto it = std::partition_point(units.begin(), units.end(),
                                         [from](const Unit& u) { return u.first_seq + u.count <= from; });
    if (it == units.end()) return RangeStep::past_end;
    const Unit& u = *it;
    std::uint32_t off = u.start;
    if (from > u.first_seq + off) off = static_cast<std::uint32_t>(from - u.first_seq);
    // Nothing is read for a copy that ends here (a gap, full, the reservation's limit).
    if (!copy.wants(u.first_seq + off)) return RangeStep::copied;
    const std::byte* d = nullptr;
    const Read got = unit_data(s, u, level_of(slot), d);
    if (got == Read::io_error) return RangeStep::io_error;
    if (got == Read::corrupt) {
        Text t;
        t << source_name(s.source) << " sensor " << s.id << ": unit at " << u.offset << " failed its check; dropped";
        log(1, t);
        drop_unit(s, static_cast<std::size_t>(it - units.begin()), tier::DropCause::corrupt);
        return RangeStep::dropped;
    }
    copy.take(u.first_seq + off, sector::payload(d) + std::size_t{off} * record_bytes(s), u.count - off);
    return RangeStep::copied;
}

Expected<void> DiskTier::clear(std::uint32_t slot, std::uint64_t head_seq) noexcept {
    Sensor& s = at(slot);
    tier::UnitStream& st = s.stream;
    for (Unit& u : st.units) release_ram(u); // a unit never written costs no write
    st.units.clear();
    st.pend_unit = 0;
    st.pend_off = 0;
    st.retained = 0;
    st.pending = 0;
    if (head_seq > st.head_seq) st.head_seq = head_seq;
    // The counters restart with the store's; the lifetime ones the meta carries stay.
    st.erased = 0;
    st.dropped_quota = 0;
    st.dropped_corrupt = 0;
    st.recovered_records = 0;
    st.loss = tier::Loss{};
    s.files.write_verify_failures = 0;
    s.files.cache_offset = ~std::uint64_t{0};
    s.files.ram_verified = ~std::uint64_t{0};
    s.numbering.meta_dirty = true;
    // Nothing on disk: nothing can come back (the manager records the boundary next tick).
    if (s.files.fd < 0 && !s.files.disk_failed) return {};
    // Its files are not ours to write this session after a failed recovery: they keep what they
    // hold, and a restart serves it again.
    if (s.files.disk_failed) return std::unexpected(Errc::io_error);
    // The meta first: once it records the boundary, a restart serves nothing below it, and its
    // reservation carries the numbering that the units about to go were the evidence of. If it
    // cannot be written, nothing is truncated: the manager writes it at the next tick, and the
    // space comes back as the stream moves past those chunks.
    if (!write_meta_now(s, slot)) return std::unexpected(Errc::io_error);
    s.files.trim_due = true;
    trim(s); // a failure leaves trim_due: retried at each tick
    return {};
}

void DiskTier::accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept {
    Sensor& s = at(slot);
    const std::size_t rb = record_bytes(s);
    for (std::uint32_t i = 0; i < n; ++i) {
        const DetachedSector& d = sectors[i];
        std::byte* data = engine_.context().pool->data(d.sector);
        // Bytes past the records are stale pool content: never write them to disk.
        const std::size_t used = sector::header_size(data) + std::size_t{d.count} * rb;
        std::memset(data + used, 0, unit_bytes_ - used);
        // Records acknowledged while this sector was in RAM: the boundary moved.
        if (s.stream.append(d, sector::first_seq(data), unit_bytes_)) s.numbering.meta_dirty = true;
    }
}

void DiskTier::add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept {
    at(slot).stream.add_stats(out);
    out.write_verify_failures = at(slot).files.write_verify_failures;
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
        if (s.numbering.meta_dirty || s.numbering.meta_staged) return false;
        for (const Unit& u : s.stream.units)
            if (!u.durable) return false;
    }
    return true;
}

void DiskTier::add_system_stats(SsSystemStats& out) const noexcept {
    std::uint64_t dq = 0;
    for (std::uint32_t i = 0; i < engine_.sensor_count(); ++i) {
        std::lock_guard l(locks_[i]);
        dq += at(i).stream.dropped_quota;
    }
    out.disk_bytes_used = quota_.used_bytes();
    out.disk_quota_bytes = quota_.limit_bytes();
    out.dropped_quota = dq;
    out.health_flags |= health_flags();
}

void DiskTier::note_disk_full() noexcept {
    raise_health(SS_HEALTH_DISK_FULL);
    quota_.disk_full();
}

void DiskTier::note_failure(Sensor& s, int err, const char* what, bool log_it) noexcept {
    const std::uint32_t failures = ++s.files.write_failures;
    if (err == -ENOSPC) note_disk_full();
    if (failures >= 3) raise_health(SS_HEALTH_DISK_ERROR);
    if (log_it && (failures == 1 || failures % 100 == 0)) {
        Text t;
        t << source_name(s.source) << " sensor " << s.id << ": " << what << " failed: " << std::strerror(-err)
          << " (kept in RAM, retried next tick; " << failures << " in a row)";
        log(0, t);
    }
}

Expected<ColdTier*> open_disk_tier(const SsInitCfg& cfg, Engine& engine, FileSystem& fs, SsLogFn log, void* log_ctx,
                                   Text& why) {
    auto tier = std::make_unique<DiskTier>(cfg, engine, fs, log, log_ctx);
    if (auto ok = tier->open(why); !ok) return std::unexpected(ok.error());
    // This start's boot number, durable before any sector records it.
    const int root = fs.open_root(cfg.disk_root);
    if (root < 0) {
        why.clear();
        why << "disk_root " << cfg.disk_root << ": " << std::strerror(-root);
        return std::unexpected(Errc::io_error);
    }
    auto boot = tier::advance_boot_counter(fs, root, why);
    fs.close(root);
    if (!boot) return std::unexpected(boot.error());
    engine.set_boot(boot->boot);
    if (log != nullptr && (boot->first || boot->was_invalid)) {
        Text t;
        t << "boot " << boot->boot << ": "
          << (boot->was_invalid ? "the boot record was not valid; boot numbers start again"
                                : "no boot record yet (a new store, or one written before boot numbers)");
        log(log_ctx, boot->was_invalid ? 1 : 2, t.c_str());
    }
    return tier.release();
}

Expected<ColdTier*> create_disk_tier(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx, Text& why) {
    return open_disk_tier(cfg, engine, posix_file_system(), log, log_ctx, why);
}

void destroy_disk_tier(ColdTier* tier) { delete static_cast<DiskTier*>(tier); }

std::uint32_t scrub_disk_units(ColdTier* tier, std::uint32_t slot, ScrubCursor& at, std::uint32_t max_units,
                               SsScrubReport& report) noexcept {
    return static_cast<DiskTier*>(tier)->scrub(slot, at, max_units, report);
}

void set_disk_space_limit(ColdTier* tier, std::uint64_t bytes) noexcept {
    static_cast<DiskTier*>(tier)->set_space_limit(bytes);
}

DiskSpace disk_space(const ColdTier* tier) noexcept { return static_cast<const DiskTier*>(tier)->space(); }

DiskSpace DiskTier::space() const noexcept {
    return DiskSpace{quota_.used_bytes(), quota_.limit_bytes(), quota_.configured_bytes(), quota_.space_limit_bytes()};
}

} // namespace ss::hal
