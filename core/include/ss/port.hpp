// What the core needs from a platform, declared here and defined by a port (hal/ for POSIX,
// stm32/ for the MCU). The core calls these through function pointers so that it includes
// nothing above itself (design.md §2) and the same object code serves every port.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/expected.hpp"
#include "ss/sensor_storage.h"

namespace ss {
class ColdTier;
class Engine;
class Text;
} // namespace ss

namespace ss::port {

/// A lock the platform provides. size == 0 means the port needs no lock (a cooperative
/// scheduler where no interrupt touches a store); the core then skips every lock call.
/// shared: one lock object serves the pool, the registry and every store, because the lock is
/// global anyway (an interrupt mask on a single core); it must then nest, since the core takes
/// the pool's lock while it holds a store's. An MCU saves a lock object per sensor.
struct LockOps {
    std::size_t size = 0;  ///< bytes of one lock object
    std::size_t align = 1; ///< its alignment
    void (*init)(void* lock) = nullptr;
    void (*destroy)(void* lock) = nullptr;
    void (*lock)(void* lock) = nullptr;
    void (*unlock)(void* lock) = nullptr;
    bool (*try_lock)(void* lock) = nullptr; ///< true if taken
    bool shared = false;
    /// The lock is the M-profile CPU's interrupt mask (PRIMASK). On such a CPU the core then
    /// masks inline where it holds a lock for a scope (LockGuard: three instructions, where two
    /// calls through these pointers cost some twenty on every add) and calls the functions
    /// elsewhere, which must do the same and nest with it (save PRIMASK, mask, restore).
    bool interrupt_mask = false;
};

/// The clocks the core is given: the host's (SsInitCfg::clock_ops) or the platform's. Whoever
/// builds an engine (the C API at init, ss::actors::StorageHost at open) picks them once
/// (ss/host_ops.hpp) and hands them to the Engine (Engine::clock()), the one place the core
/// reads the time from; nothing below the engine reads a clock.
struct Clock {
    std::uint64_t (*monotonic_us)(void* ctx) = nullptr; ///< never goes back; nullptr = none
    std::uint64_t (*utc_us)(void* ctx) = nullptr;       ///< 0 while unknown; nullptr = never known
    void* ctx = nullptr;

    /// Monotonic milliseconds (the manager's unit); 0 on a port without a clock.
    std::uint64_t monotonic_ms() const noexcept { return monotonic_us != nullptr ? monotonic_us(ctx) / 1000 : 0; }
    /// UTC microseconds since 1970, or 0 while (or where) UTC is not known.
    std::uint64_t utc_now_us() const noexcept { return utc_us != nullptr ? utc_us(ctx) : 0; }
};

/// Log levels, as in SsLogFn.
enum class LogLevel : int { error = 0, warning = 1, info = 2 };

struct Platform {
    LockOps lock;
    /// One allocation for the arena when the caller gives none; nullptr if the port has no heap.
    void* (*arena_alloc)(std::size_t bytes) = nullptr;
    void (*arena_free)(void* arena, std::size_t bytes) = nullptr;
    /// The monotonic clock in milliseconds (never goes back; any origin). The C API reads it
    /// once per ss_manager_tick and hands the reading down: nothing below reads a clock.
    std::uint64_t (*monotonic_ms)() = nullptr;
    /// UTC in microseconds since 1970, 0 while the clock is obviously not set; nullptr on a
    /// port that never knows UTC (the MCU without an RTC).
    std::uint64_t (*utc_us)() = nullptr;
    /// Default log sink; nullptr = silent.
    void (*log)(void* ctx, int level, const char* msg) = nullptr;
    /// Builds the tier below RAM for cfg.disk_root (recovering what is there), or nullptr if the
    /// port has none. `log` is the sink in force. The tier lives until cold_tier_destroy.
    Expected<ColdTier*> (*cold_tier_create)(const SsInitCfg& cfg, Engine& engine, SsLogFn log, void* log_ctx,
                                            Text& why) = nullptr;
    void (*cold_tier_destroy)(ColdTier* tier) = nullptr;
    /// A non-zero number that tells the calling thread from every other live thread; nullptr on
    /// a port that runs the core on one thread. An unsubscribe must wait for an event delivery
    /// on another thread, but not for the one it is called from.
    std::uintptr_t (*thread_id)() = nullptr;
    /// Whether the CPU has CRC32C instructions that the core can use but cannot detect without
    /// the OS (ARMv8's optional CRC32 extension: Linux reports it in AT_HWCAP); nullptr = no.
    /// Asked once by crc32c (ss/crc32c.hpp), from any thread, possibly before static
    /// constructors have run.
    bool (*cpu_has_crc32c)() = nullptr;
    /// Why this platform cannot serve, or nullptr when it can: a port supplied by a C firmware
    /// (ss/port.h) that breaks its rules is reported here rather than run without its lock.
    /// ss_init_system then fails with this text (ss_last_error).
    const char* defect = nullptr;
};

/// Defined by exactly one port library linked into the program.
const Platform& platform() noexcept;

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
inline constexpr bool cpu_has_primask = true;
#else
inline constexpr bool cpu_has_primask = false;
#endif

/// Masks interrupts on an M-profile CPU and returns the PRIMASK to restore: the inline form of
/// a LockOps::interrupt_mask lock, the one place the core writes the mask itself.
[[gnu::always_inline]] inline std::uint32_t mask_interrupts() noexcept {
    std::uint32_t saved_primask;
    if constexpr (cpu_has_primask) {
        asm volatile("mrs %0, primask\n cpsid i" : "=r"(saved_primask)::"memory");
    } else {
        saved_primask = 0;
    }
    return saved_primask;
}

/// Restores what mask_interrupts returned (nests: an outer mask stays in force).
[[gnu::always_inline]] inline void restore_interrupts(std::uint32_t saved_primask) noexcept {
    if constexpr (cpu_has_primask) asm volatile("msr primask, %0" ::"r"(saved_primask) : "memory");
    (void)saved_primask;
}

/// Holds a LockOps lock for a scope; does nothing for a port without locks.
class LockGuard {
public:
    // Inlined: on the MCU's -Os build these were out-of-line calls on every add.
    [[gnu::always_inline]] LockGuard(const LockOps& ops, void* lock) noexcept : ops_(ops), lock_(lock) {
        if (lock_ == nullptr) return;
        if (masks_inline()) {
            saved_primask_ = mask_interrupts();
            return;
        }
        ops_.lock(lock_);
    }
    [[gnu::always_inline]] ~LockGuard() {
        if (lock_ == nullptr) return;
        if (masks_inline()) {
            restore_interrupts(saved_primask_);
            return;
        }
        ops_.unlock(lock_);
    }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    [[gnu::always_inline]] bool masks_inline() const noexcept { return cpu_has_primask && ops_.interrupt_mask; }

    const LockOps& ops_;
    void* lock_;
    std::uint32_t saved_primask_ = 0;
};

} // namespace ss::port
