#include "ss/callback_subscriptions.hpp"

#include "ss/engine.hpp"

namespace ss {

namespace {

// token = generation (28 bits) << 4 | (slot + 1): never 0, and a token of an ended subscription
// misses the slot's next one.
constexpr std::uint32_t slot_bits = 4;
constexpr std::uint32_t generation_mask = 0x0FFF'FFFFu;
static_assert(CallbackSubscriptions::max_subscribers < (1u << slot_bits), "slot + 1 fits the token's slot bits");
static_assert(SS_EVENTS_ALL <= 0xFFu, "a slot keeps its kinds in a byte");

struct MemoryLayout {
    std::size_t align;       ///< of the locks and the tracker's table
    std::size_t lock_stride; ///< bytes per lock, 0 without locks
};

MemoryLayout layout_of(const port::LockOps& locks) noexcept {
    std::size_t align = locks.align > EventTracker::memory_align ? locks.align : EventTracker::memory_align;
    if (align < 1) align = 1;
    const std::size_t stride = locks.size == 0 ? 0 : (locks.size + align - 1) / align * align;
    return {align, stride};
}

} // namespace

class CallbackSubscriptions::Fanout final : public EventSink {
public:
    explicit Fanout(CallbackSubscriptions& to) noexcept : to_(to) {}
    void publish(const SsEvent& event) noexcept override { to_.publish(event); }

private:
    CallbackSubscriptions& to_;
};

std::size_t CallbackSubscriptions::bytes_needed(std::uint32_t max_sensors, const port::LockOps& locks) noexcept {
    const MemoryLayout l = layout_of(locks);
    // Room to align the start, then the registry and pass locks, then the tracker's table.
    return (l.align > 8 ? l.align - 8 : 0) + 2 * l.lock_stride + EventTracker::bytes_needed(max_sensors);
}

bool CallbackSubscriptions::init(void* memory, std::size_t bytes, std::uint32_t max_sensors,
                                 const port::LockOps& locks, std::uintptr_t (*thread_id)()) noexcept {
    if (ready_ || memory == nullptr || bytes < bytes_needed(max_sensors, locks)) return false;
    const MemoryLayout l = layout_of(locks);
    auto* at = static_cast<std::byte*>(memory);
    const auto misalign = reinterpret_cast<std::uintptr_t>(at) % l.align;
    if (misalign != 0) at += l.align - misalign;
    if (l.lock_stride != 0) {
        registry_lock_ = at;
        pass_lock_ = at + l.lock_stride;
        locks.init(registry_lock_);
        locks.init(pass_lock_);
    }
    at += 2 * l.lock_stride;
    if (!tracker_.init(at, EventTracker::bytes_needed(max_sensors), max_sensors, TrackerConfig{overflow_quiet_ticks})) {
        if (l.lock_stride != 0) {
            locks.destroy(registry_lock_);
            locks.destroy(pass_lock_);
        }
        registry_lock_ = pass_lock_ = nullptr;
        return false;
    }
    locks_ = &locks;
    thread_id_ = thread_id;
    active_.store(0, std::memory_order_relaxed);
    delivering_thread_.store(0, std::memory_order_relaxed);
    ready_ = true;
    return true;
}

void CallbackSubscriptions::deinit() noexcept {
    if (!ready_) return;
    ready_ = false;
    for (Slot& s : slots_) {
        s.active = false;
        s.fn = nullptr;
        s.ctx = nullptr;
    }
    version_.fetch_add(1, std::memory_order_relaxed);
    active_.store(0, std::memory_order_relaxed);
    if (registry_lock_ != nullptr) {
        locks_->destroy(registry_lock_);
        locks_->destroy(pass_lock_);
    }
    registry_lock_ = pass_lock_ = nullptr;
    tracker_ = EventTracker{};
}

Expected<std::uint32_t> CallbackSubscriptions::subscribe(const Engine& engine, std::uint32_t kinds, SsEventFn fn,
                                                         void* ctx) noexcept {
    if (fn == nullptr || kinds == 0 || (kinds & ~std::uint32_t{SS_EVENTS_ALL}) != 0)
        return std::unexpected(Errc::invalid_argument);
    if (!ready_) return std::unexpected(Errc::no_space);
    // Inside a callback this thread holds the pass lock already, and the tracker is live.
    const bool in_pass = delivering_thread_.load(std::memory_order_acquire) == this_thread();
    if (!in_pass) lock(pass_lock_);
    // With no subscription the passes were skipped: the tracker's reference is stale. Counters
    // as they are now become the reference, so a first subscriber does not hear of the past.
    if (!in_pass && active_.load(std::memory_order_relaxed) == 0) tracker_.rebase(engine);
    Expected<std::uint32_t> token = std::unexpected(Errc::no_space);
    lock(registry_lock_);
    for (std::uint32_t i = 0; i < max_subscribers; ++i) {
        Slot& s = slots_[i];
        if (s.active) continue;
        s.generation = (s.generation + 1) & generation_mask;
        s.fn = fn;
        s.ctx = ctx;
        s.kinds = static_cast<std::uint8_t>(kinds);
        s.active = true;
        s.from_next_pass = true;
        version_.fetch_add(1, std::memory_order_release);
        active_.fetch_add(1, std::memory_order_release);
        token = s.generation << slot_bits | (i + 1);
        break;
    }
    unlock(registry_lock_);
    if (!in_pass) unlock(pass_lock_);
    return token;
}

Expected<void> CallbackSubscriptions::unsubscribe(std::uint32_t token) noexcept {
    const std::uint32_t slot_plus_one = token & ((1u << slot_bits) - 1);
    if (!ready_ || slot_plus_one == 0 || slot_plus_one > max_subscribers) return std::unexpected(Errc::invalid_argument);
    bool ended = false;
    lock(registry_lock_);
    Slot& s = slots_[slot_plus_one - 1];
    if (s.active && s.generation == token >> slot_bits) {
        s.active = false;
        s.fn = nullptr;
        s.ctx = nullptr;
        version_.fetch_add(1, std::memory_order_release);
        active_.fetch_sub(1, std::memory_order_release);
        ended = true;
    }
    unlock(registry_lock_);
    if (!ended) return std::unexpected(Errc::invalid_argument);
    // A pass on another thread may have read the slot before it ended and be inside its
    // callback: wait for the pass to end. The pass re-reads the slots before every call, so no
    // later call can start. Inside a callback the pass is this thread's own: nothing to wait for.
    if (delivering_thread_.load(std::memory_order_acquire) != this_thread()) {
        lock(pass_lock_);
        unlock(pass_lock_);
    }
    return {};
}

void CallbackSubscriptions::deliver(const Engine& engine) noexcept {
    if (!ready_ || active_.load(std::memory_order_acquire) == 0) return;
    lock(pass_lock_);
    delivering_thread_.store(this_thread(), std::memory_order_release);
    // Subscriptions made before this pass take part in it; those made during it wait.
    lock(registry_lock_);
    for (Slot& s : slots_) s.from_next_pass = false;
    for (std::uint32_t k = 0; k < max_subscribers; ++k) copy_[k] = slots_[k];
    copy_version_ = version_.load(std::memory_order_relaxed);
    unlock(registry_lock_);
    Fanout fanout(*this);
    tracker_.track(engine, fanout);
    delivering_thread_.store(0, std::memory_order_release);
    unlock(pass_lock_);
}

void CallbackSubscriptions::publish(const SsEvent& event) noexcept {
    const std::uint32_t bit = SS_EVENT_MASK(event.kind);
    for (std::uint32_t i = 0; i < max_subscribers; ++i) {
        // A callback may have ended or started subscriptions (its own included): look again
        // before every call.
        if (version_.load(std::memory_order_acquire) != copy_version_) {
            lock(registry_lock_);
            for (std::uint32_t k = 0; k < max_subscribers; ++k) copy_[k] = slots_[k];
            copy_version_ = version_.load(std::memory_order_relaxed);
            unlock(registry_lock_);
        }
        const Slot& s = copy_[i];
        if (s.active && !s.from_next_pass && (s.kinds & bit) != 0) s.fn(s.ctx, &event);
    }
}

} // namespace ss
