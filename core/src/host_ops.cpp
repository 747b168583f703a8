#include "ss/host_ops.hpp"

#include "ss/engine.hpp"
#include "ss/sensor_store.hpp"

namespace ss {

Expected<port::LockOps> pick_lock_ops(const SsInitCfg& cfg, Text& why) noexcept {
    // A broken port is a bug in the firmware, reported even where the host's own lock would
    // stand in for the port's: fixed before it ships, not found when the host's lock changes.
    if (const char* defect = port::platform().defect; defect != nullptr) {
        why.clear();
        why << "the platform cannot serve: " << defect;
        return std::unexpected(Errc::invalid_argument);
    }
    if (cfg.lock_ops == nullptr) return port::platform().lock;
    const SsLockOps& l = *cfg.lock_ops;
    const char* bad = l.init == nullptr       ? "lock_ops.init is NULL"
                      : l.destroy == nullptr  ? "lock_ops.destroy is NULL"
                      : l.lock == nullptr     ? "lock_ops.lock is NULL"
                      : l.unlock == nullptr   ? "lock_ops.unlock is NULL"
                      : l.try_lock == nullptr ? "lock_ops.try_lock is NULL"
                                              : nullptr;
    // Lock objects sit in the arena at offsets aligned from the stores' start, which is aligned
    // to the stores' own alignment: no lock may ask for more.
    const bool pow2 = l.align != 0 && (l.align & (l.align - 1)) == 0;
    why.clear();
    if (bad != nullptr) why << "invalid configuration: " << bad;
    else if (l.size == 0 || l.size > 4096)
        why << "invalid configuration: lock_ops.size is " << static_cast<std::uint64_t>(l.size) << "; 1..4096 bytes";
    else if (!pow2 || l.align > arena_base_alignment)
        why << "invalid configuration: lock_ops.align is " << static_cast<std::uint64_t>(l.align)
            << "; a power of two up to " << static_cast<std::uint64_t>(arena_base_alignment);
    else
        return port::LockOps{l.size, l.align, l.init, l.destroy, l.lock, l.unlock, l.try_lock};
    return std::unexpected(Errc::invalid_argument);
}

Expected<port::Clock> pick_clock(const SsInitCfg& cfg, Text& why) noexcept {
    if (cfg.clock_ops == nullptr) {
        const port::Platform& p = port::platform();
        port::Clock out{};
        if (p.monotonic_ms != nullptr)
            out.monotonic_us = [](void*) noexcept -> std::uint64_t { return port::platform().monotonic_ms() * 1000; };
        if (p.utc_us != nullptr) out.utc_us = [](void*) noexcept { return port::platform().utc_us(); };
        return out;
    }
    if (cfg.clock_ops->monotonic_us == nullptr) {
        why.clear();
        why << "invalid configuration: clock_ops.monotonic_us is NULL";
        return std::unexpected(Errc::invalid_argument);
    }
    return port::Clock{cfg.clock_ops->monotonic_us, cfg.clock_ops->utc_us, cfg.clock_ops->ctx};
}

std::uint64_t record_clock(void* engine) noexcept {
    const port::Clock& clock = static_cast<const Engine*>(engine)->clock();
    if (const std::uint64_t utc = clock.utc_now_us(); utc != 0) return SS_TIME_UTC | utc;
    return clock.monotonic_us != nullptr ? clock.monotonic_us(clock.ctx) : SS_TIME_UNKNOWN;
}

void use_clock(Engine& engine, const port::Clock& clock) noexcept {
    engine.set_clock(clock);
    engine.set_record_clock(&record_clock, &engine);
}

} // namespace ss
