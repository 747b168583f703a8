// The C API (003 §13) over one process-wide engine. Every entry point checks its arguments
// before touching state, so bad input returns -EINVAL and changes nothing.
#include <atomic>
#include <cerrno>
#include <cstring>

#include "c_api_internal.hpp"
#include "sensor_store_add.hpp"
#include "ss/callback_subscriptions.hpp"
#include "ss/config.hpp"
#include "ss/engine.hpp"
#include "ss/host_ops.hpp"
#include "ss/source_name.hpp"
#include "ss/sensor_storage.h"

namespace ss::c_api::internal {
// Constant-initialised (Engine's constructor is constexpr): ready before any static constructor.
constinit Engine g_engine;
constinit std::atomic<std::uint32_t> g_ready{0};
constinit std::uint32_t g_generation = 0;
constinit std::uint32_t g_handle_key = 0;
} // namespace ss::c_api::internal

using namespace ss::c_api::internal;

namespace {

// The event subscriptions (ss_subscribe), built in the memory at the arena's end; null without
// that memory. Set in init before g_ready, cleared in deinit after it.
ss::CallbackSubscriptions* g_subscriptions = nullptr;
void* g_owned_arena = nullptr;
std::size_t g_owned_bytes = 0;
SsLogFn g_log = nullptr;
void* g_log_ctx = nullptr;
constinit ss::Text g_last_error;

SensorStore* handle_of(const ss::SensorStore& s) noexcept {
    const std::uint32_t slot = g_engine.slot_of(s);
    return reinterpret_cast<SensorStore*>(std::uintptr_t{handle_check(slot + 1)} << 16 | (slot + 1));
}

// The locks in force: the host's (SsInitCfg::lock_ops) or the platform's, picked at init and
// kept here for the engine and the subscriptions, which hold on to them until deinit.
constinit ss::port::LockOps g_lock_ops{};

bool valid_type(SensorType t) noexcept { return t == SENSOR_TS || t == SENSOR_EVT; }
bool valid_source(SsSource s) noexcept { return s == SS_SOURCE_HOST || s == SS_SOURCE_APP || s == SS_SOURCE_CAN; }

// SS_ARENA_BYTES (ss/arena_bytes.h) computes the arena in the preprocessor from these.
static_assert(sizeof(ss::SensorStore) == SS_PRIV_STORE_BYTES, "update SS_PRIV_STORE_BYTES in ss/arena_bytes.h");
static_assert(alignof(ss::SensorStore) == SS_PRIV_STORE_ALIGN, "update SS_PRIV_STORE_ALIGN in ss/arena_bytes.h");
static_assert(sizeof(ss::SectorIndex) == 2, "ss/arena_bytes.h counts 2 bytes per sector link");

#if defined(__ARM_ARCH) && !defined(__aarch64__) && !defined(__linux__)
// 003 §1 and design.md §6: on the MCU, data and metadata for 100 sensors fit 32 KB: the arena
// of the STM32 defaults with the port's shared interrupt-mask lock (8 bytes) plus this file's
// statics.
static_assert(ss::arena_layout(100, 102, 256, 8, 4, true).total + sizeof g_engine + sizeof g_last_error + 64 <= 32 * 1024,
              "the STM32 default configuration must fit 32 KB for 100 sensors");
#endif

} // namespace

namespace ss::c_api::internal {

void log(port::LogLevel level, const char* msg) noexcept {
    if (g_log != nullptr) g_log(g_log_ctx, static_cast<int>(level), msg);
}


} // namespace ss::c_api::internal

extern "C" {

int ss_config_defaults(SsInitCfg* cfg, SsTarget target) {
    if (cfg == nullptr || (target != SS_TARGET_LINUX && target != SS_TARGET_STM32)) return -EINVAL;
    *cfg = ss::default_config(target);
    return 0;
}

int ss_events_bytes(const SsInitCfg* cfg, std::size_t* out_bytes) {
    if (cfg == nullptr || out_bytes == nullptr) return -EINVAL;
    auto locks = ss::pick_lock_ops(*cfg, g_last_error);
    if (!locks) return -EINVAL;
    auto plan = ss::Engine::plan(*cfg, *locks, g_last_error);
    if (!plan) return ss::to_rc(plan.error());
    *out_bytes = ss::CallbackSubscriptions::bytes_needed(cfg->max_sensors, *locks);
    return 0;
}

int ss_arena_bytes(const SsInitCfg* cfg, std::size_t* out_bytes) {
    if (cfg == nullptr || out_bytes == nullptr) return -EINVAL;
    auto locks = ss::pick_lock_ops(*cfg, g_last_error);
    if (!locks || !ss::pick_clock(*cfg, g_last_error)) return -EINVAL;
    auto plan = ss::Engine::plan(*cfg, *locks, g_last_error);
    if (!plan) return ss::to_rc(plan.error());
    *out_bytes = plan->total;
    return 0;
}

int ss_init_system(const SsInitCfg* cfg) {
    if (cfg == nullptr) {
        g_last_error.clear();
        g_last_error << "cfg is NULL";
        return -EINVAL;
    }
    if (g_ready.load(std::memory_order_acquire) != 0) {
        g_last_error.clear();
        g_last_error << "already initialised; call ss_deinit_system first";
        return -EINVAL;
    }
    const ss::port::Platform& platform = ss::port::platform();
    g_log = cfg->log != nullptr ? cfg->log : platform.log;
    g_log_ctx = cfg->log != nullptr ? cfg->log_ctx : nullptr;
    auto picked_locks = ss::pick_lock_ops(*cfg, g_last_error);
    ss::Expected<ss::port::Clock> clock = std::unexpected(ss::Errc::invalid_argument);
    if (picked_locks) clock = ss::pick_clock(*cfg, g_last_error);
    if (!clock) {
        log(ss::port::LogLevel::error, g_last_error.c_str());
        g_log = nullptr;
        return -EINVAL;
    }
    g_lock_ops = *picked_locks;
    const ss::port::LockOps& locks = g_lock_ops;
    auto plan = ss::Engine::plan(*cfg, locks, g_last_error);
    if (!plan) {
        log(ss::port::LogLevel::error, g_last_error.c_str());
        g_log = nullptr; // the failed configuration's sink is not kept
        return ss::to_rc(plan.error());
    }
    auto* arena = static_cast<std::byte*>(cfg->arena);
    std::size_t bytes = cfg->arena_bytes;
    // Event tracking's memory follows the engine's: the engine's part of the arena, and with it
    // the 32 KB budget of the MCU's store, stays what it was for a system without subscribers.
    const std::size_t events_at = (plan->total + 7) / 8 * 8;
    const std::size_t events_bytes = ss::CallbackSubscriptions::bytes_needed(cfg->max_sensors, locks);
    if (arena == nullptr) {
        const std::size_t total = events_at + events_bytes;
        if (platform.arena_alloc == nullptr || (arena = static_cast<std::byte*>(platform.arena_alloc(total))) == nullptr) {
            g_last_error.clear();
            g_last_error << "no arena given and the platform could not allocate " << static_cast<std::uint64_t>(total)
                         << " bytes";
            log(ss::port::LogLevel::error, g_last_error.c_str());
            g_log = nullptr;
            return -ENOSPC;
        }
        bytes = total;
        g_owned_arena = arena;
        g_owned_bytes = bytes;
    }
    auto fail = [&](ss::Errc e) {
        g_engine.deinit();
        if (g_owned_arena != nullptr) platform.arena_free(g_owned_arena, g_owned_bytes);
        g_owned_arena = nullptr;
        log(ss::port::LogLevel::error, g_last_error.c_str());
        g_log = nullptr;
        return ss::to_rc(e);
    };
    if (auto ok = g_engine.init(*cfg, arena, bytes, locks, g_last_error); !ok) return fail(ok.error());
    // The engine's clock, and the time a sector's first record gets when its writer gave none.
    ss::use_clock(g_engine, *clock);
    if (cfg->disk_root != nullptr) {
        if (platform.cold_tier_create == nullptr) {
            g_last_error.clear();
            g_last_error << "invalid configuration: disk_root is set but this platform has no disk tier";
            return fail(ss::Errc::invalid_argument);
        }
        // The tier sets the engine's boot number from its persisted counter.
        auto tier = platform.cold_tier_create(*cfg, g_engine, g_log, g_log_ctx, g_last_error);
        if (!tier) return fail(tier.error());
        g_engine.attach_cold_tier(*tier);
    }
    ++g_generation;
    g_handle_key = ((g_generation * 0x85EBCA77u) >> 8 & 0xFF00u) | (g_generation & 0xFFu);
    if (bytes >= events_at + events_bytes)
        g_subscriptions = ss::CallbackSubscriptions::create(arena + events_at, bytes - events_at, cfg->max_sensors,
                                                            locks, platform.thread_id, g_generation);
    const bool events = g_subscriptions != nullptr;
    g_last_error.clear();
    g_ready.store(1, std::memory_order_release);
    ss::Text t;
    t << "sensor-storage ready: " << cfg->max_sensors << " sensors, " << plan->sector_count << " RAM sectors of "
      << cfg->ram_sector_bytes << " B, arena " << static_cast<std::uint64_t>(plan->total) << " B";
    if (cfg->lock_ops != nullptr) t << ", host locks";
    if (cfg->clock_ops != nullptr) t << ", host clock";
    if (events) t << ", event subscriptions " << static_cast<std::uint64_t>(events_bytes) << " B";
    else
        t << ", event subscriptions off (they need " << static_cast<std::uint64_t>(events_at + events_bytes)
          << " B of arena: ss_arena_bytes + ss_events_bytes)";
    log(ss::port::LogLevel::info, t.c_str());
    return 0;
}

int ss_deinit_system(void) {
    if (g_ready.exchange(0, std::memory_order_acq_rel) == 0) return -EINVAL;
    if (g_subscriptions != nullptr) g_subscriptions->destroy();
    g_subscriptions = nullptr;
    if (ss::ColdTier* tier = g_engine.cold_tier()) ss::port::platform().cold_tier_destroy(tier);
    g_engine.deinit();
    if (g_owned_arena != nullptr) ss::port::platform().arena_free(g_owned_arena, g_owned_bytes);
    g_owned_arena = nullptr;
    g_owned_bytes = 0;
    return 0;
}

const char* ss_last_error(void) { return g_last_error.c_str(); }

const char* ss_strerror(int rc) {
    switch (rc) {
    case 0: return "ok";
    case -EINVAL: return "invalid argument";
    case -ENOSPC: return "no space: record dropped";
    case -EAGAIN: return "nothing to consume";
    case -EIO: return "sector failed its CRC check";
    case -EBUSY: return "store in use by another process";
    default: return "unknown error";
    }
}

int ss_sensor_init_ex(SsSource source, uint32_t sensor_id, SensorType type, SensorStore** out) {
    if (out == nullptr || !valid_type(type) || !valid_source(source) || g_ready.load(std::memory_order_acquire) == 0)
        return -EINVAL;
    auto s = g_engine.register_sensor(source, sensor_id, static_cast<ss::RecordType>(type), g_last_error);
    if (!s) return ss::to_rc(s.error());
    *out = handle_of(**s);
    return 0;
}

int ss_sensor_init(uint32_t sensor_id, SensorType type, SensorStore** out) {
    return ss_sensor_init_ex(SS_SOURCE_HOST, sensor_id, type, out);
}

int ss_sensor_lookup(SsSource source, uint32_t sensor_id, SensorStore** out) {
    if (out == nullptr || !valid_source(source) || g_ready.load(std::memory_order_acquire) == 0) return -EINVAL;
    ss::SensorStore* s = g_engine.find(source, sensor_id);
    if (s == nullptr) return -EINVAL;
    *out = handle_of(*s);
    return 0;
}

// On the MCU the single adds try the mid-sector add inline (it checks the store's type) and
// call these for anything else, so that the inline path needs no stack frame for the general
// add's arguments and result.
[[gnu::noinline]] static int ts_add_general(ss::SensorStore& s, uint32_t value) {
    if (s.type() != ss::RecordType::ts) return -EINVAL;
    return ss::to_rc(s.add(ctx(), &value));
}

[[gnu::noinline]] static int evt_add_general(ss::SensorStore& s, uint32_t value, uint64_t ts_ms) {
    if (s.type() != ss::RecordType::evt) return -EINVAL;
    const SsEventRecord rec{value, ts_ms};
    return ss::to_rc(s.add(ctx(), &rec));
}

int ss_ts_add(SensorStore* handle, uint32_t value) {
    // Its own body rather than a call of ss_ts_add_at: one call level less on the hottest path.
    std::uint32_t slot;
    if (!slot_of(handle, slot)) return -EINVAL;
    ss::SensorStore& s = g_engine.store_at(slot);
    if constexpr (ss::port::cpu_has_primask) {
        if (s.add_value_mid_sector(ctx(), value)) return 0;
        return ts_add_general(s, value);
    } else {
        if (s.type() != ss::RecordType::ts) return -EINVAL;
        return ss::to_rc(s.add_value(ctx(), value));
    }
}

int ss_evt_add(SensorStore* handle, uint32_t value, uint64_t ts_ms) {
    static_assert(sizeof(SsEventRecord) == ss::sector::evt_record_bytes, "SsEventRecord must be the packed 12-byte record");
    std::uint32_t slot;
    if (!slot_of(handle, slot)) return -EINVAL;
    ss::SensorStore& s = g_engine.store_at(slot);
    if constexpr (ss::port::cpu_has_primask) {
        if (s.add_event_mid_sector(ctx(), value, ts_ms)) return 0;
        return evt_add_general(s, value, ts_ms);
    } else {
        if (s.type() != ss::RecordType::evt) return -EINVAL;
        return ss::to_rc(s.add_event(ctx(), value, ts_ms));
    }
}

} // extern "C"

namespace ss::c_api::internal {
int add_many(::SensorStore* handle, RecordType type, const void* recs, std::uint32_t n, std::uint32_t* out_stored,
             std::uint64_t first_time) noexcept {
    if (out_stored != nullptr) *out_stored = 0;
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || s->type() != type || (recs == nullptr && n != 0)) return -EINVAL;
    if (n == 0) return 0;
    const std::uint32_t stored = s->add_many(ctx(), recs, n, first_time);
    if (out_stored != nullptr) *out_stored = stored;
    return stored == n ? 0 : -ENOSPC;
}
} // namespace ss::c_api::internal

extern "C" {

int ss_ts_add_many(SensorStore* handle, const uint32_t* values, uint32_t n, uint32_t* out_stored) {
    return add_many(handle, ss::RecordType::ts, values, n, out_stored);
}

int ss_evt_add_many(SensorStore* handle, const SsEventRecord* events, uint32_t n, uint32_t* out_stored) {
    return add_many(handle, ss::RecordType::evt, events, n, out_stored);
}

int ss_get_total_records(const SensorStore* handle, uint64_t* out_total_current) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_total_current == nullptr) return -EINVAL;
    *out_total_current = g_engine.retained(*s);
    return 0;
}

int ss_get_unsent_count(const SensorStore* handle, uint64_t* out_unsent) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_unsent == nullptr) return -EINVAL;
    *out_unsent = g_engine.retained(*s) - g_engine.pending(*s);
    return 0;
}

int ss_get_pending_count(const SensorStore* handle, uint64_t* out_pending) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_pending == nullptr) return -EINVAL;
    *out_pending = g_engine.pending(*s);
    return 0;
}

int ss_diag_read_at(const SensorStore* handle, uint64_t offset, void* out_rec) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_rec == nullptr) return -EINVAL;
    return ss::to_rc(g_engine.read_at(*s, offset, out_rec));
}

int ss_consume_batch_ex(SensorStore* handle, void* out_buf, uint32_t max_records, uint32_t* out_n,
                        uint64_t* out_first_seq) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out_buf == nullptr || out_n == nullptr || max_records == 0) return -EINVAL;
    auto batch = g_engine.consume(*s, out_buf, max_records);
    *out_n = batch ? batch->count : 0;
    if (batch && out_first_seq != nullptr) *out_first_seq = batch->first_seq;
    return ss::to_rc(batch);
}

int ss_consume_batch(SensorStore* handle, void* out_buf, uint32_t max_records, uint32_t* out_n) {
    return ss_consume_batch_ex(handle, out_buf, max_records, out_n, nullptr);
}

int ss_consume_next(SensorStore* handle, void* out_rec) {
    uint32_t n = 0;
    return ss_consume_batch_ex(handle, out_rec, 1, &n, nullptr);
}

int ss_erase_all_pending(SensorStore* handle) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr) return -EINVAL;
    g_engine.erase_all_pending(*s);
    return 0;
}

void ss_manager_tick_at(uint64_t now_ms) {
    if (g_ready.load(std::memory_order_acquire) == 0) return;
    g_engine.tick(now_ms);
    if (g_subscriptions != nullptr) g_subscriptions->deliver(g_engine);
}

void ss_manager_tick(void) {
    if (g_ready.load(std::memory_order_acquire) == 0) return;
    // The host's clock or the platform's (picked at init). Without one the tick is at time 0:
    // sealing and spilling work, nothing falls due by age.
    ss_manager_tick_at(g_engine.clock().monotonic_ms());
}

void ss_set_shutdown(bool in_progress) {
    if (g_ready.load(std::memory_order_acquire) != 0) g_engine.set_shutdown(in_progress);
}

bool ss_shutdown_complete(void) { return g_ready.load(std::memory_order_acquire) == 0 || g_engine.flushed(); }

int ss_sensor_set_verify_level(SensorStore* handle, SsVerifyLevel level) {
    ss::SensorStore* s = store_of(handle);
    // Compared as an integer: a C caller may pass any value of the enum's type.
    const auto raw = static_cast<int>(level);
    if (s == nullptr || raw < SS_VERIFY_OFF || raw > SS_VERIFY_AFTER_WRITE) return -EINVAL;
    return ss::to_rc(g_engine.set_verify_level(*s, static_cast<ss::VerifyLevel>(raw)));
}

int ss_get_sensor_stats(const SensorStore* handle, SsSensorStats* out) {
    ss::SensorStore* s = store_of(handle);
    if (s == nullptr || out == nullptr) return -EINVAL;
    g_engine.stats(*s, *out);
    return 0;
}

int ss_get_system_stats(SsSystemStats* out) {
    if (out == nullptr || g_ready.load(std::memory_order_acquire) == 0) return -EINVAL;
    g_engine.system_stats(*out);
    return 0;
}

int ss_dump_stats(uint32_t sensor_id) {
    if (g_ready.load(std::memory_order_acquire) == 0) return -EINVAL;
    int found = 0;
    const std::uint32_t n = g_engine.sensor_count();
    for (std::uint32_t i = 0; i < n; ++i) {
        const ss::SensorStore& store = g_engine.store_at(i);
        if (store.id() != sensor_id) continue;
        ++found;
        SsSensorStats st;
        g_engine.stats(store, st);
        ss::Text t;
        t << "sensor " << st.sensor_id << " (" << ss::source_name(st.source) << ", " << (st.type == SENSOR_TS ? "ts" : "evt")
          << "): retained " << st.retained << " pending " << st.pending << " unsent " << st.unsent << " seq "
          << st.head_seq << ".." << st.pending_seq << ".." << st.next_seq << " sectors " << st.sectors;
        log(ss::port::LogLevel::info, t.c_str());
        t.clear();
        t << "sensor " << st.sensor_id << " (" << ss::source_name(st.source) << "): written " << st.written << " erased "
          << st.erased << " dropped new " << st.dropped_new << " recycled " << st.dropped_recycled << " corrupt "
          << st.dropped_corrupt << " in " << st.corrupt_sectors << " sectors, quota " << st.dropped_quota;
        log(ss::port::LogLevel::info, t.c_str());
        if (st.lost_units != 0) {
            // What recovery found lost on disk: an operator must see it, not only the log at start.
            t.clear();
            t << "sensor " << st.sensor_id << " (" << ss::source_name(st.source) << "): lost " << st.lost_records
              << " records in " << st.lost_units << " corrupt or torn units (found by recovery or a scrub)";
            log(ss::port::LogLevel::warning, t.c_str());
        }
    }
    return found != 0 ? 0 : -EINVAL;
}

int ss_scrub(SsScrubReport* out) {
    if (out == nullptr || g_ready.load(std::memory_order_acquire) == 0) return -EINVAL;
    g_engine.scrub(*out);
    return 0;
}

int ss_subscribe(uint32_t kinds_mask, SsEventFn fn, void* ctx, uint32_t* out_token) {
    if (out_token == nullptr || fn == nullptr || !ss::valid_event_kinds(kinds_mask) ||
        g_ready.load(std::memory_order_acquire) == 0)
        return -EINVAL;
    if (g_subscriptions == nullptr) return -ENOSPC;
    auto token = g_subscriptions->subscribe(g_engine, kinds_mask, fn, ctx);
    if (!token) return ss::to_rc(token.error());
    *out_token = *token;
    return 0;
}

int ss_unsubscribe(uint32_t token) {
    if (g_ready.load(std::memory_order_acquire) == 0 || g_subscriptions == nullptr) return -EINVAL;
    return ss::to_rc(g_subscriptions->unsubscribe(token));
}

} // extern "C"
