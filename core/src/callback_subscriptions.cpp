#include "ss/callback_subscriptions.hpp"

#include <new>

#include "ss/engine.hpp"

namespace ss {

namespace {

// token = generation (28 bits) << 4 | (slot + 1): never 0. A generation is the system's epoch
// (8 bits) and the slot's subscription count (20 bits), so the token of an ended subscription
// misses the slot's later ones, and a token from an earlier system misses this one's.
constexpr std::uint32_t slot_bits = 4;
constexpr std::uint32_t count_bits = 20;
constexpr std::uint32_t count_mask = (1u << count_bits) - 1;
constexpr std::uint32_t generation_mask = 0x0FFF'FFFFu;
static_assert(CallbackSubscriptions::max_subscribers < (1u << slot_bits), "slot + 1 fits the token's slot bits");
static_assert(SS_EVENTS_ALL <= 0xFFu, "a slot keeps its kinds in a byte");

struct MemoryLayout {
    std::size_t align;       ///< of every part
    std::size_t object;      ///< bytes of the object, rounded up to align
    std::size_t lock_stride; ///< bytes per lock, 0 without locks
};

constexpr std::size_t round_up(std::size_t v, std::size_t a) noexcept { return (v + a - 1) / a * a; }

} // namespace

class CallbackSubscriptions::Fanout final : public EventSink {
public:
    explicit Fanout(CallbackSubscriptions& to) noexcept : to_(to) {}
    void publish(const SsEvent& event) noexcept override { to_.publish(event); }

private:
    CallbackSubscriptions& to_;
};

namespace {

MemoryLayout layout_of(const port::LockOps& locks) noexcept {
    std::size_t align = alignof(CallbackSubscriptions);
    if (locks.align > align) align = locks.align;
    if (EventTracker::memory_align > align) align = EventTracker::memory_align;
    return {align, round_up(sizeof(CallbackSubscriptions), align), locks.size == 0 ? 0 : round_up(locks.size, align)};
}

} // namespace

std::size_t CallbackSubscriptions::bytes_needed(std::uint32_t max_sensors, const port::LockOps& locks) noexcept {
    const MemoryLayout l = layout_of(locks);
    // Room to align the start, the object, the registry and pass locks, the tracker's table.
    return (l.align > 8 ? l.align - 8 : 0) + l.object + 2 * l.lock_stride + EventTracker::bytes_needed(max_sensors);
}

CallbackSubscriptions* CallbackSubscriptions::create(void* memory, std::size_t bytes, std::uint32_t max_sensors,
                                                     const port::LockOps& locks, std::uintptr_t (*thread_id)(),
                                                     std::uint32_t epoch) noexcept {
    if (memory == nullptr || reinterpret_cast<std::uintptr_t>(memory) % 8 != 0 ||
        bytes < bytes_needed(max_sensors, locks))
        return nullptr;
    const MemoryLayout l = layout_of(locks);
    auto* at = static_cast<std::byte*>(memory);
    const auto misalign = reinterpret_cast<std::uintptr_t>(at) % l.align;
    if (misalign != 0) at += l.align - misalign;
    auto* self = ::new (at) CallbackSubscriptions();
    at += l.object;
    if (l.lock_stride != 0) {
        self->registry_lock_ = at;
        self->pass_lock_ = at + l.lock_stride;
        locks.init(self->registry_lock_);
        locks.init(self->pass_lock_);
    }
    at += 2 * l.lock_stride;
    // The memory is large enough and aligned for the table: this cannot fail.
    self->tracker_.init(at, EventTracker::bytes_needed(max_sensors), max_sensors, TrackerConfig{overflow_quiet_ticks});
    self->locks_ = &locks;
    self->thread_id_ = thread_id;
    for (Slot& s : self->slots_) s.generation = (epoch << count_bits) & generation_mask;
    return self;
}

void CallbackSubscriptions::destroy() noexcept {
    if (registry_lock_ != nullptr) {
        locks_->destroy(registry_lock_);
        locks_->destroy(pass_lock_);
    }
    this->~CallbackSubscriptions();
}

Expected<std::uint32_t> CallbackSubscriptions::subscribe(const Engine& engine, std::uint32_t kinds, SsEventFn fn,
                                                         void* ctx) noexcept {
    if (fn == nullptr || !valid_event_kinds(kinds)) return std::unexpected(Errc::invalid_argument);
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
        s.generation = (s.generation & ~count_mask) | ((s.generation + 1) & count_mask);
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
    if (slot_plus_one == 0 || slot_plus_one > max_subscribers) return std::unexpected(Errc::invalid_argument);
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
    if (active_.load(std::memory_order_acquire) == 0) return;
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
