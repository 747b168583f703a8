// The scheduler's ready set and loop (see ss/stm32/scheduler.hpp for the model).
#include "ss/stm32/scheduler.hpp"

#include <bit>

#include "interrupt_mask.hpp"
#include "systick.hpp"

namespace ss::stm32 {

bool TaskBase::post(Event event) noexcept {
    if (owner_ == nullptr) return false;
    // One mask over push, figures and ready bit: producers on different interrupt priorities
    // never overlap on the ring (its contract is one producer at a time), the figures are never
    // torn, and the loop never sees the bit clear while an event waits.
    InterruptMask masked;
    if (!ops_.push(*this, event)) {
        ++stats_.overflows;
        return false;
    }
    const auto depth = static_cast<std::uint32_t>(ops_.size(*this));
    if (depth > stats_.max_depth) stats_.max_depth = depth;
    owner_->ready_.store(owner_->ready_.load(std::memory_order_relaxed) | ready_bit_, std::memory_order_relaxed);
    return true;
}

TaskStats TaskBase::stats() const noexcept {
    InterruptMask masked;
    return stats_;
}

bool Scheduler::add(TaskBase& task, unsigned priority) noexcept {
    if (priority >= priorities || tasks_[priority] != nullptr || task.owner_ != nullptr) return false;
    tasks_[priority] = &task;
    task.ready_bit_ = 1u << priority;
    task.owner_ = this;
    return true;
}

void Scheduler::set_idle_hook(IdleHook hook, void* context) noexcept {
    idle_hook_ = hook;
    idle_context_ = context;
}

bool Scheduler::run_one() noexcept {
    const std::uint32_t ready = ready_.load(std::memory_order_relaxed);
    if (ready == 0) return false;
    const auto priority = static_cast<unsigned>(31 - std::countl_zero(ready)); // one CLZ
    TaskBase& task = *tasks_[priority];
    Event event{};
    const bool popped = task.ops_.pop(task, event);
    {
        // The queue's last event is out: clear the bit, unless an interrupt has posted since.
        InterruptMask masked;
        if (task.ops_.size(task) == 0)
            ready_.store(ready_.load(std::memory_order_relaxed) & ~task.ready_bit_, std::memory_order_relaxed);
    }
    if (!popped) return true; // only if a bit was set with nothing queued: now cleared
    const std::uint32_t start = systick_cycles();
    task.handler_(task.context_, event);
    const std::uint32_t took = systick_cycles() - start;
    // The loop is the only writer of these two; post's mask keeps its own fields apart.
    ++task.stats_.handled;
    if (took > task.stats_.max_run_cycles) task.stats_.max_run_cycles = took;
    return true;
}

void Scheduler::run() noexcept {
    for (;;) {
        if (stop_requested_.exchange(false, std::memory_order_relaxed)) return;
        if (!run_one()) idle();
    }
}

void Scheduler::stop() noexcept { stop_requested_.store(true, std::memory_order_relaxed); }

void Scheduler::idle() noexcept {
    // Checked with interrupts masked: an interrupt that posts after this check stays pending,
    // and a pending interrupt wakes WFI even while PRIMASK masks it (ARMv7-M). It is taken when
    // the mask is lifted, and the loop then finds its task ready.
    InterruptMask masked;
    if (ready_.load(std::memory_order_relaxed) != 0 || stop_requested_.load(std::memory_order_relaxed)) return;
    if (idle_hook_ != nullptr) idle_hook_(idle_context_);
    asm volatile("dsb\n wfi" ::: "memory");
}

} // namespace ss::stm32
