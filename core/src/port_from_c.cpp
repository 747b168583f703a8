// ss::port::platform() for a firmware that supplies its port in C (ss/port.h): the C struct is
// converted once, on the first call, into a Platform that lives in static storage. That object
// is constant-initialised (constinit): no static constructor runs for it, so the core may ask
// for the platform at any time, and it needs no guard variable, which the MCU build leaves out
// (-fno-threadsafe-statics). A small atomic state stands in for the guard.
#include "ss/port_from_c.hpp"

#include <atomic>

#include "ss/sensor_store.hpp"

namespace ss::port {

namespace {

// Why the lock cannot be used, or nullptr. The limits are those SsInitCfg::lock_ops has
// (host_ops.cpp): lock objects sit in the arena at offsets aligned like the stores.
const char* lock_defect(const SsLockOps& l) noexcept {
    if (l.size == 0) return nullptr;
    if (l.init == nullptr) return "ss_port()->lock.init is NULL";
    if (l.destroy == nullptr) return "ss_port()->lock.destroy is NULL";
    if (l.lock == nullptr) return "ss_port()->lock.lock is NULL";
    if (l.unlock == nullptr) return "ss_port()->lock.unlock is NULL";
    if (l.try_lock == nullptr) return "ss_port()->lock.try_lock is NULL";
    if (l.size > 4096) return "ss_port()->lock.size is over 4096 bytes";
    const std::size_t align = l.align == 0 ? 1 : l.align;
    if ((align & (align - 1)) != 0 || align > arena_base_alignment)
        return "ss_port()->lock.align is not a power of two up to the store's alignment";
    return nullptr;
}

enum FillState : int { not_filled = 0, filling = 1, filled = 2 };

constinit Platform from_c{};
constinit std::atomic<int> fill_state{not_filled};

} // namespace

Platform platform_from_c(const SsPort* port) noexcept {
    Platform p{};
    if (port == nullptr) {
        p.defect = "ss_port() returned NULL";
        return p;
    }
    if (const char* defect = lock_defect(port->lock); defect != nullptr) {
        p.defect = defect;
        return p;
    }
    const SsLockOps& l = port->lock;
    if (l.size != 0)
        p.lock = LockOps{l.size, l.align == 0 ? 1 : l.align, l.init, l.destroy, l.lock, l.unlock, l.try_lock,
                         port->lock_shared, port->lock_interrupt_mask};
    p.monotonic_ms = port->monotonic_ms;
    p.utc_us = port->utc_us;
    p.log = port->log;
    p.thread_id = port->thread_id;
    p.cpu_has_crc32c = port->cpu_has_crc32c;
    return p;
}

const Platform& platform() noexcept {
    if (fill_state.load(std::memory_order_acquire) == filled) return from_c;
    int expected = not_filled;
    if (fill_state.compare_exchange_strong(expected, filling, std::memory_order_acquire)) {
        from_c = platform_from_c(ss_port());
        fill_state.store(filled, std::memory_order_release);
        return from_c;
    }
    // Another thread is filling it (the first calls of a host's threads raced): wait, it is a
    // copy of a few words. ss/port.h rules out an interrupt preempting the first call, which
    // would wait here for ever on a single core.
    while (fill_state.load(std::memory_order_acquire) != filled) {}
    return from_c;
}

} // namespace ss::port
