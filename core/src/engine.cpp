#include "ss/engine.hpp"

#include <memory>

#include "ss/batch_copy.hpp"
#include "ss/config.hpp"
#include "ss/counter.hpp"

namespace ss {

Expected<ArenaLayout> Engine::plan(const SsInitCfg& cfg, const port::LockOps& locks, Text& why) noexcept {
    if (auto ok = validate_config(cfg, why); !ok) return std::unexpected(ok.error());
    return arena_layout(cfg.max_sensors, static_cast<std::uint32_t>(cfg.ram_pool_bytes / cfg.ram_sector_bytes),
                        cfg.ram_sector_bytes, locks.size, locks.align, locks.shared, cfg.disk_root != nullptr);
}

void* Engine::lock_at(std::uint32_t i) const noexcept {
    if (layout_.lock_stride == 0) return nullptr;
    return arena_ + layout_.locks + (layout_.lock_shared ? 0 : std::size_t{i} * layout_.lock_stride);
}

Expected<void> Engine::init(const SsInitCfg& cfg, std::byte* arena, std::size_t arena_bytes,
                            const port::LockOps& locks, Text& why) noexcept {
    if (ready()) {
        why.clear();
        why << "already initialised";
        return std::unexpected(Errc::invalid_argument);
    }
    auto layout = plan(cfg, locks, why);
    if (!layout) return std::unexpected(layout.error());
    if (arena == nullptr || reinterpret_cast<std::uintptr_t>(arena) % arena_align != 0) {
        why.clear();
        why << "invalid configuration: arena must be " << static_cast<std::uint32_t>(arena_align) << "-byte aligned";
        return std::unexpected(Errc::invalid_argument);
    }
    if (arena_bytes < layout->total) {
        why.clear();
        why << "arena_bytes too small: this configuration needs " << static_cast<std::uint64_t>(layout->total)
            << " bytes, got " << static_cast<std::uint64_t>(arena_bytes);
        return std::unexpected(Errc::no_space);
    }
    // Start at the stores' alignment (plan() left room for this).
    const auto misalign = reinterpret_cast<std::uintptr_t>(arena) % alignof(SensorStore);
    arena_ = arena + (misalign == 0 ? 0 : alignof(SensorStore) - misalign);
    layout_ = *layout;
    lock_ops_ = locks;
    max_sensors_ = cfg.max_sensors;
    for (std::uint32_t i = 0; i < lock_objects(); ++i)
        if (void* l = lock_at(i)) lock_ops_.init(l);
    registry_lock_ = lock_at(max_sensors_ + 1);
    pool_.init(arena_ + layout_.sectors, reinterpret_cast<SectorIndex*>(arena_ + layout_.links), layout_.sector_count,
               cfg.ram_sector_bytes, max_sensors_, lock_ops_, lock_at(max_sensors_));
    ctx_ = StoreContext{};
    ctx_.pool = &pool_;
    ctx_.lock_ops = &lock_ops_;
    ctx_.sector_bytes = cfg.ram_sector_bytes;
    ctx_.capacity_ts = sector::capacity(cfg.ram_sector_bytes, RecordType::ts);
    ctx_.capacity_evt = sector::capacity(cfg.ram_sector_bytes, RecordType::evt);
    ctx_.max_sectors_per_sensor = cfg.max_sectors_per_sensor;
    ctx_.crc_enabled = cfg.crc_enabled != 0;
    ctx_.crc_on_add = ctx_.crc_enabled && !crc32c_hardware_available();
    ctx_.masked_add_with_crc =
        port::cpu_has_primask && layout_.lock_stride != 0 && lock_ops_.interrupt_mask && ctx_.crc_on_add;
    ctx_.verify = static_cast<VerifyLevel>(cfg.verify_level);
    ctx_.boot = cfg.boot_id;
    ctx_.health = &health_;
    ctx_.borrow = &Engine::borrow_sector;
    ctx_.borrow_owner = this;
    ctx_.stores = reinterpret_cast<SensorStore*>(arena_ + layout_.stores);
    ctx_.locks = layout_.lock_stride == 0 ? nullptr : arena_ + layout_.locks;
    ctx_.lock_stride = layout_.lock_shared ? 0 : layout_.lock_stride;
    health_.store(0, std::memory_order_relaxed);
    shutdown_.store(false, std::memory_order_relaxed);
    registered_.store(0, std::memory_order_relaxed);
    cleared_records_ = 0;
    clears_ = 0;
    index_ = arena_ + layout_.index;
    for (std::uint32_t i = 0; i < layout_.index_slots; ++i) {
        if (layout_.index_slot_bytes == 1)
            std::construct_at(reinterpret_cast<std::atomic<std::uint8_t>*>(index_) + i, std::uint8_t{0});
        else
            std::construct_at(reinterpret_cast<std::atomic<std::uint16_t>*>(index_) + i, std::uint16_t{0});
    }
    index_mask_ = layout_.index_slots - 1;
    force_seal_ = policy::ForceSealTimer(cfg.force_seal_interval_ms);
    shutdown_budget_ = policy::ShutdownBudget(cfg.shutdown_budget_ms);
    high_watermark_pct_ = cfg.ram_high_watermark_pct;
    low_watermark_pct_ = cfg.ram_low_watermark_pct;
    spill_order_ = cfg.disk_root != nullptr ? reinterpret_cast<policy::SpillCandidate*>(arena_ + layout_.spill_order) : nullptr;
    stores_ = reinterpret_cast<SensorStore*>(arena_ + layout_.stores);
    return {};
}

void Engine::deinit() noexcept {
    if (!ready()) return;
    const std::uint32_t n = registered_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < n; ++i) std::destroy_at(&stores_[i]);
    for (std::uint32_t i = 0; i < lock_objects(); ++i)
        if (void* l = lock_at(i)) lock_ops_.destroy(l);
    registered_.store(0, std::memory_order_release);
    stores_ = nullptr;
    index_ = nullptr;
    arena_ = nullptr;
    cold_ = nullptr;
}

namespace {
std::uint32_t registry_hash(SsSource source, std::uint32_t id) noexcept {
    // Fibonacci hashing: ids are often dense or strided, and the top bits mix them best.
    const std::uint32_t h = (id ^ (static_cast<std::uint32_t>(source) << 29)) * 0x9E37'79B9u;
    return h ^ (h >> 16);
}
} // namespace

std::uint32_t Engine::index_entry(std::uint32_t at, std::memory_order order) const noexcept {
    if (layout_.index_slot_bytes == 1) return reinterpret_cast<const std::atomic<std::uint8_t>*>(index_)[at].load(order);
    return reinterpret_cast<const std::atomic<std::uint16_t>*>(index_)[at].load(order);
}

void Engine::set_index_entry(std::uint32_t at, std::uint32_t entry) noexcept {
    if (layout_.index_slot_bytes == 1)
        reinterpret_cast<std::atomic<std::uint8_t>*>(index_)[at].store(static_cast<std::uint8_t>(entry),
                                                                        std::memory_order_release);
    else
        reinterpret_cast<std::atomic<std::uint16_t>*>(index_)[at].store(static_cast<std::uint16_t>(entry),
                                                                         std::memory_order_release);
}

SensorStore* Engine::find(SsSource source, std::uint32_t id) const noexcept {
    if (stores_ == nullptr) return nullptr;
    // Every slot filled so far is reached before an empty one: entries are never removed.
    for (std::uint32_t at = registry_hash(source, id) & index_mask_;; at = (at + 1) & index_mask_) {
        const std::uint32_t e = index_entry(at, std::memory_order_acquire);
        if (e == 0) return nullptr;
        SensorStore& s = stores_[e - 1u];
        if (s.id() == id && s.source() == source) return &s;
    }
}

Expected<SensorStore*> Engine::register_sensor(SsSource source, std::uint32_t id, RecordType type,
                                               Text& why) noexcept {
    port::LockGuard g(lock_ops_, registry_lock_);
    if (find(source, id) != nullptr) {
        why.clear();
        why << "sensor " << id << " of source " << static_cast<int>(source) << " is already registered";
        return std::unexpected(Errc::invalid_argument);
    }
    const std::uint32_t i = registered_.load(std::memory_order_relaxed);
    if (i == max_sensors_) {
        why.clear();
        why << "max_sensors (" << max_sensors_ << ") sensors are registered already";
        return std::unexpected(Errc::no_space);
    }
    std::uint64_t first_seq = 0;
    if (cold_tier() != nullptr) {
        auto resumed = cold_tier()->attach(i, source, id, type);
        if (!resumed) {
            why.clear();
            why << "sensor " << id << " of source " << static_cast<int>(source);
            if (resumed.error() == Errc::io_error)
                why << ": its files under the data root could not be read (I/O error); not registered, try again";
            else
                why << " has records of the other type on disk; they are kept";
            return std::unexpected(resumed.error());
        }
        first_seq = *resumed;
    }
    // The pool keeps one sector per unregistered sensor, so this cannot fail.
    const SectorIndex first = pool_.acquire_reserved();
    SensorStore* s = std::construct_at(&stores_[i], ctx_, source, id, type, first, first_seq);
    // Published after the store is built: a lookup that finds the entry finds a whole store.
    std::uint32_t at = registry_hash(source, id) & index_mask_;
    while (index_entry(at, std::memory_order_relaxed) != 0) at = (at + 1) & index_mask_;
    set_index_entry(at, i + 1);
    registered_.store(i + 1, std::memory_order_release);
    return s;
}

SensorStore* Engine::store_of(const void* handle) const noexcept {
    if (handle == nullptr || stores_ == nullptr) return nullptr;
    const auto p = reinterpret_cast<std::uintptr_t>(handle);
    const auto base = reinterpret_cast<std::uintptr_t>(stores_);
    if (p < base) return nullptr;
    const std::uintptr_t off = p - base;
    if (off % sizeof(SensorStore) != 0 || off / sizeof(SensorStore) >= sensor_count()) return nullptr;
    return &stores_[off / sizeof(SensorStore)];
}

SectorIndex Engine::borrow_sector(void* self, const SensorStore& requester) noexcept {
    // Fair share: the store holding the most sectors gives one, if it holds at least two more
    // than the requester (so two stores never pass a sector back and forth).
    const Engine& e = *static_cast<const Engine*>(self);
    const std::uint32_t mine = requester.sector_count();
    const std::uint32_t n = e.sensor_count();
    SensorStore* richest = nullptr;
    std::uint32_t most = mine + 1;
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t held = e.stores_[i].sector_count();
        if (held > most) {
            most = held;
            richest = &e.stores_[i];
        }
    }
    return richest == nullptr ? no_sector : richest->donate_sector(e.ctx_, mine + 1);
}

void Engine::tick(std::uint64_t now_ms) noexcept {
    if (!ready()) return;
    const bool shutdown = shutdown_in_progress();
    // Open sectors older than the interval are sealed and everything sealed goes to the cold
    // tier, so a power cut loses at most about one interval of data.
    const bool periodic = cold_tier() != nullptr && force_seal_.due(now_ms);
    const bool force = shutdown || periodic;
    const std::uint32_t n = sensor_count();
    for (std::uint32_t i = 0; i < n; ++i) stores_[i].seal_open_sector(ctx_, force);
    if (cold_tier() == nullptr) return;
    const auto verdict = shutdown_budget_.at(now_ms, shutdown);
    if (verdict == policy::ShutdownBudget::Verdict::run) spill_to_cold(force);
    if (verdict != policy::ShutdownBudget::Verdict::spent)
        cold_tier()->tick(ColdTier::Tick{now_ms, shutdown, verdict == policy::ShutdownBudget::Verdict::just_spent});
}

bool Engine::flushed() const noexcept {
    if (!ready() || cold_tier() == nullptr) return true;
    const std::uint32_t n = sensor_count();
    for (std::uint32_t i = 0; i < n; ++i)
        if (stores_[i].retained(ctx_) != 0) return false;
    return cold_tier()->flushed();
}

namespace {
/// Holds a sensor's cold lock for a scope, if there is a cold tier.
class ColdGuard {
public:
    ColdGuard(ColdTier* tier, std::uint32_t slot) noexcept : tier_(tier), slot_(slot) {
        if (tier_ != nullptr) tier_->lock(slot_);
    }
    ~ColdGuard() {
        if (tier_ != nullptr) tier_->unlock(slot_);
    }
    ColdGuard(const ColdGuard&) = delete;
    ColdGuard& operator=(const ColdGuard&) = delete;

private:
    ColdTier* tier_;
    std::uint32_t slot_;
};
} // namespace

Expected<Batch> Engine::consume(SensorStore& s, void* out, std::uint32_t max, BatchTime time) noexcept {
    if (cold_tier() == nullptr) return s.consume(ctx_, out, max, ~std::uint64_t{0}, time);
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    // Older records first: the store's pending region is empty while the tier has unsent ones.
    if (cold_tier()->retained(slot) > cold_tier()->pending(slot)) return cold_tier()->consume(slot, out, max, time);
    return s.consume(ctx_, out, max, cold_tier()->seq_limit(slot), time);
}

void Engine::erase_all_pending(SensorStore& s) noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    if (cold_tier() != nullptr) cold_tier()->erase_all_pending(slot);
    s.erase_all_pending(ctx_);
}

Expected<void> Engine::erase_pending_until(SensorStore& s, std::uint64_t end_seq) noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    // The bounds of the whole stream, the tier's records first, exactly as stats show them to
    // the uploader. Under the cold lock nothing else consumes, erases or spills; a writer only
    // appends past pending.
    SsSensorStats at;
    s.stats(ctx_, at);
    if (cold_tier() != nullptr) cold_tier()->add_stats(slot, at);
    if (end_seq < at.head_seq || end_seq > at.pending_seq) return std::unexpected(Errc::invalid_argument);
    // The tier holds the older records: it erases its part, RAM the rest (each ignores what
    // lies below its own head).
    if (cold_tier() != nullptr) cold_tier()->erase_pending_until(slot, end_seq);
    if (auto ram = s.erase_pending_until(ctx_, end_seq); !ram) return std::unexpected(ram.error());
    return {};
}

Expected<void> Engine::read_at(SensorStore& s, std::uint64_t offset, void* out) noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    const std::uint64_t cold = cold_tier() != nullptr ? cold_tier()->retained(slot) : 0;
    if (offset < cold) return cold_tier()->read_at(slot, offset, out);
    return s.read_at(ctx_, offset - cold, out);
}

Expected<Batch> Engine::read_range(SensorStore& s, std::uint64_t from, void* out, std::uint32_t max,
                                   BatchTime time) noexcept {
    if (from > s.next_seq(ctx_)) return std::unexpected(Errc::invalid_argument);
    const std::uint32_t slot = slot_of(s);
    std::uint64_t limit = ~std::uint64_t{0};
    if (cold_tier() != nullptr) {
        ColdGuard g(cold_tier(), slot);
        limit = cold_tier()->seq_limit(slot);
    }
    BatchCopy copy(out, sector::record_bytes(s.type()), max, limit, time);
    RangeHint hint;
    std::uint64_t at = from;
    while (!copy.full()) {
        const std::uint32_t had = copy.batch().count;
        RangeStep step = RangeStep::past_end;
        {
            // One segment per hold: the uploader, the manager and writers wait for one copy at most.
            ColdGuard g(cold_tier(), slot);
            if (cold_tier() != nullptr) step = cold_tier()->read_range(slot, at, copy);
            if (step == RangeStep::past_end) step = s.read_range(ctx_, at, copy, hint);
        }
        if (step == RangeStep::io_error) {
            if (copy.empty()) return std::unexpected(Errc::io_error);
            break;
        }
        if (step == RangeStep::past_end) break;
        if (step == RangeStep::dropped) continue;
        if (copy.batch().count == had) break; // a gap, or the reservation's limit
        at = copy.batch().first_seq + copy.batch().count;
    }
    if (copy.empty()) return std::unexpected(Errc::try_again);
    return copy.batch();
}

Expected<Batch> Engine::read_latest(SensorStore& s, void* out, std::uint32_t max) noexcept {
    const std::uint64_t end = s.next_seq(ctx_);
    std::uint64_t from = end > max ? end - max : 0;
    Expected<Batch> newest = std::unexpected(Errc::try_again);
    for (;;) {
        // A read that stops at a gap before the end did not reach the newest records: read again
        // from past the gap (each pass starts later, so this ends). A read that then finds
        // nothing leaves the buffer as the last one filled it.
        auto b = read_range(s, from, out, max);
        if (!b) return newest.has_value() ? newest : b;
        if (b->first_seq + b->count >= end) return b;
        newest = b;
        from = b->first_seq + b->count;
    }
}

Engine::Cleared Engine::clear(SensorStore& s) noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    Cleared c;
    std::uint64_t cold_pending = 0;
    if (cold_tier() != nullptr) {
        c.disk_records = cold_tier()->retained(slot);
        cold_pending = cold_tier()->pending(slot);
    }
    // RAM first, holding the cold lock: nothing spills in between, and the tier then records
    // where the store's numbering stood as the acknowledged boundary.
    const StoreClear ram = s.clear(ctx_, c.disk_records);
    c.records = ram.records + c.disk_records;
    c.pending = ram.pending + cold_pending;
    c.next_seq = ram.next_seq;
    if (cold_tier() != nullptr) c.durable = cold_tier()->clear(slot, ram.next_seq).has_value();
    port::LockGuard r(lock_ops_, registry_lock_);
    saturating_add(cleared_records_, c.records);
    saturating_add(clears_, 1);
    return c;
}

Expected<void> Engine::seek(SensorStore& s, std::uint64_t seq) noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    // Without a cold tier RAM's head is the acknowledged boundary; with one the tier's is, and
    // RAM's head only says where numbering resumed (past a reservation after a restart).
    const std::uint64_t floor = cold_tier() != nullptr ? cold_tier()->seek_floor(slot) : 0;
    return s.seek(ctx_, seq, floor, cold_tier() == nullptr);
}

std::uint64_t Engine::seek_floor(SensorStore& s) const noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    const std::uint64_t floor = cold_tier() != nullptr ? cold_tier()->seek_floor(slot) : 0;
    return s.seek_floor(ctx_, floor, cold_tier() == nullptr);
}

void Engine::flush(SensorStore& s) noexcept { s.request_flush(ctx_, cold_tier() != nullptr); }

std::uint64_t Engine::durable_end(SensorStore& s) const noexcept {
    const std::uint32_t slot = slot_of(s);
    // Under the cold lock: a spill moves sectors from RAM to the tier under it, so no record is
    // seen in neither.
    ColdGuard g(cold_tier(), slot);
    const std::uint64_t ram = s.first_in_ram(ctx_);
    if (cold_tier() == nullptr) return ram;
    const std::uint64_t cold = cold_tier()->durable_end(slot);
    return cold < ram ? cold : ram;
}

std::uint64_t Engine::retained(SensorStore& s) const noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    return (cold_tier() != nullptr ? cold_tier()->retained(slot) : 0) + s.retained(ctx_);
}

std::uint64_t Engine::pending(SensorStore& s) const noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    return (cold_tier() != nullptr ? cold_tier()->pending(slot) : 0) + s.pending(ctx_);
}

void Engine::stats(const SensorStore& s, SsSensorStats& out) const noexcept {
    const std::uint32_t slot = slot_of(s);
    ColdGuard g(cold_tier(), slot);
    s.stats(ctx_, out);
    if (cold_tier() != nullptr) cold_tier()->add_stats(slot, out);
}

std::uint32_t Engine::spill(std::uint32_t slot, std::uint32_t max) noexcept {
    if (cold_tier() == nullptr) return 0;
    constexpr std::uint32_t chunk = 16;
    DetachedSector moved[chunk];
    std::uint32_t total = 0;
    while (total < max) {
        const std::uint32_t n = stores_[slot].detach_front(ctx_, moved, max - total < chunk ? max - total : chunk);
        if (n == 0) break;
        cold_tier()->accept(slot, moved, n);
        total += n;
    }
    return total;
}

void Engine::spill_to_cold(bool everything) noexcept {
    ColdTier* const cold = cold_tier();
    if (cold == nullptr) return;
    const std::uint32_t n = sensor_count();
    for (std::uint32_t i = 0; i < n; ++i) {
        ColdGuard g(cold, i);
        // A sensor whose files are not the tier's to write stays in RAM, under the RAM policy.
        if (!cold->accepts(i)) continue;
        // A sensor an ss_sensor_flush asked for goes whole too (its request is kept while the
        // tier refuses it, and taken by the first tick that spills it).
        if (everything || policy::disk_first(cold->retained(i)) || stores_[i].take_flush_request(ctx_))
            spill(i, ~std::uint32_t{0});
    }
    if (everything) return;
    std::uint64_t target = policy::spill_target(pool_.usable(), pool_.in_use(), n, high_watermark_pct_, low_watermark_pct_);
    if (target == 0) return;
    for (std::uint32_t i = 0; i < n; ++i) spill_order_[i] = policy::SpillCandidate{stores_[i].sector_count(), i};
    policy::order_spill(spill_order_, n);
    for (std::uint32_t k = 0; k < n && target != 0; ++k) {
        const policy::SpillCandidate c = spill_order_[k];
        if (c.held <= 1) break;
        ColdGuard g(cold, c.slot);
        if (!cold->accepts(c.slot)) continue;
        const std::uint32_t moved = spill(c.slot, static_cast<std::uint32_t>(target < c.held ? target : c.held));
        target -= target < moved ? target : moved;
    }
}

void Engine::system_stats(SsSystemStats& out) const noexcept {
    out = SsSystemStats{};
    if (!ready()) return;
    out.sensors = sensor_count();
    out.max_sensors = max_sensors_;
    out.sectors_total = pool_.capacity();
    out.sectors_free = pool_.free_count();
    out.sectors_free_min = pool_.free_min();
    out.sector_bytes = pool_.sector_bytes();
    const std::uint32_t usable = pool_.usable();
    out.ram_used_pct = usable == 0 ? 0 : pool_.in_use() * 100 / usable;
    for (std::uint32_t i = 0; i < out.sensors; ++i) {
        SsSensorStats s;
        stats(stores_[i], s);
        out.records_retained += s.retained;
        out.dropped_new += s.dropped_new;
        out.dropped_recycled += s.dropped_recycled;
        out.dropped_corrupt += s.dropped_corrupt;
        out.corrupt_sectors += s.corrupt_sectors;
        out.lost_units += s.lost_units;
        out.lost_records += s.lost_records;
        out.write_verify_failures += s.write_verify_failures;
    }
    {
        port::LockGuard r(lock_ops_, registry_lock_);
        out.clears = clears_;
        out.cleared_records = cleared_records_;
    }
    out.health_flags = health_.load(std::memory_order_relaxed);
    out.arena_bytes = layout_.total;
    out.boot = ctx_.boot;
    if (cold_tier() != nullptr) cold_tier()->add_system_stats(out);
}

std::uint32_t Engine::health_flags() const noexcept {
    if (!ready()) return 0;
    const std::uint32_t own = health_.load(std::memory_order_relaxed);
    return cold_tier() != nullptr ? own | cold_tier()->health_flags() : own;
}

void Engine::scrub(SsScrubReport& out) noexcept {
    out = SsScrubReport{};
    if (!ready()) return;
    const std::uint32_t n = sensor_count();
    for (std::uint32_t i = 0; i < n; ++i) stores_[i].scrub(ctx_, out);
}

std::uint32_t Engine::scrub_sensor(SensorStore& s, ScrubCursor& at, std::uint32_t max, SsScrubReport& out) noexcept {
    return s.scrub_from(ctx_, at, max, out);
}

Expected<void> Engine::set_verify_level(SensorStore& s, VerifyLevel level) noexcept {
    if (level > VerifyLevel::after_write || (level != VerifyLevel::off && !ctx_.crc_enabled))
        return std::unexpected(Errc::invalid_argument);
    s.set_verify_level(level);
    return {};
}

} // namespace ss
