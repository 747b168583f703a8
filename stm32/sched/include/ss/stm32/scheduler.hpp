// The STM32 port's cooperative run-to-completion scheduler, in the spirit of QP's QV kernel.
//
// Model. Up to 32 tasks, one per fixed priority (0 lowest, 31 highest), each a handler and a
// static queue of events (small values: a buffer index, a sector index, a signal). The scheduler
// keeps a ready set, one bit per priority, set while that task's queue holds an event. Its loop
// takes the highest ready priority (count leading zeros), runs ONE event of that task to
// completion, and picks again: a higher-priority event posted meanwhile (by an ISR or by the
// running task) runs next, before the rest of a lower task's queue, but never preempts a step.
// Within a task, events run in the order posted. With nothing ready the loop sleeps (WFI).
//
// Memory: tasks, queues and the scheduler are the firmware's static objects; nothing allocates.
// Queues are the core's SPSC ring (ss/capture/spsc_ring.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ss/capture/spsc_ring.hpp"

namespace ss::stm32 {

/// What a task receives: a small value, e.g. the index of a filled buffer in a static pool.
using Event = std::uint32_t;

/// A task's figures since start; each only grows.
struct TaskStats {
    std::uint32_t handled = 0;        ///< events run to completion
    std::uint32_t max_depth = 0;      ///< most events queued at once, seen by post after its push
    std::uint32_t overflows = 0;      ///< posts refused because the queue was full (events lost)
    std::uint32_t max_run_cycles = 0; ///< longest step in processor cycles (ss::stm32::systick_cycles)
};

class Scheduler;

/// A task without its queue's capacity: what the scheduler and posters hold. Make one as a
/// Task<capacity>.
class TaskBase {
public:
    /// Runs one event to completion, in the scheduler's loop (thread mode, interrupts enabled).
    /// `context` is the pointer given to the task's constructor.
    using Handler = void (*)(void* context, Event event);

    TaskBase(const TaskBase&) = delete;
    TaskBase& operator=(const TaskBase&) = delete;

    /// Queues `event` and marks the task ready. Any context: ISRs of any priority and tasks may
    /// post to the same task (posts mask interrupts for a few instructions, so producers never
    /// overlap). Never blocks. False when the queue is full: the event is not queued and the
    /// task's `overflows` counts it. False, counting nothing, for a task not added to a scheduler.
    [[nodiscard]] bool post(Event event) noexcept;

    /// A consistent copy of the task's figures. Any context.
    [[nodiscard]] TaskStats stats() const noexcept;

    /// The events the queue holds when full.
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

protected:
    // The queue's operations for its capacity, filled in by Task<N> (a table of three functions,
    // so that the scheduler handles every capacity with one code path and no virtual calls).
    struct QueueOps {
        bool (*push)(TaskBase& task, Event event) noexcept;
        bool (*pop)(TaskBase& task, Event& event) noexcept;
        std::size_t (*size)(const TaskBase& task) noexcept;
    };

    TaskBase(Handler handler, void* context, const QueueOps& ops, std::size_t capacity) noexcept
        : handler_(handler), context_(context), ops_(ops), capacity_(capacity) {}
    ~TaskBase() = default;

private:
    friend class Scheduler;

    Handler handler_;
    void* context_;
    const QueueOps& ops_;
    std::size_t capacity_;
    Scheduler* owner_ = nullptr; // set once by Scheduler::add
    std::uint32_t ready_bit_ = 0;
    TaskStats stats_;
};

/// A task whose queue holds up to `QueueCapacity` events.
template <std::size_t QueueCapacity>
class Task final : public TaskBase {
public:
    Task(Handler handler, void* context) noexcept : TaskBase(handler, context, queue_ops, QueueCapacity) {}

private:
    static bool push(TaskBase& task, Event event) noexcept { return static_cast<Task&>(task).queue_.try_push(event); }
    static bool pop(TaskBase& task, Event& event) noexcept { return static_cast<Task&>(task).queue_.try_pop(event); }
    static std::size_t size(const TaskBase& task) noexcept {
        return static_cast<const Task&>(task).queue_.size_approx();
    }
    static constexpr QueueOps queue_ops{push, pop, size};

    ss::capture::SpscRing<Event, QueueCapacity> queue_;
};

/// The ready set, the task table and the loop.
class Scheduler {
public:
    /// Priorities 0 (lowest) to priorities - 1 (highest), one task each.
    static constexpr unsigned priorities = 32;

    /// Called by the loop just before it sleeps, with interrupts masked: keep it short, do not
    /// unmask, do not wait for an interrupt (the WFI that follows does). `context` as given.
    using IdleHook = void (*)(void* context);

    Scheduler() = default;
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    /// Gives `task` the priority `priority`. Call before anything posts to the task. False when
    /// the priority is out of range or taken, or the task already belongs to a scheduler.
    [[nodiscard]] bool add(TaskBase& task, unsigned priority) noexcept;

    /// Sets the hook run before each sleep (nullptr: none).
    void set_idle_hook(IdleHook hook, void* context) noexcept;

    /// Runs the oldest event of the highest-priority ready task to completion. False when no
    /// task was ready. Thread mode only (the scheduler's loop is the queues' one consumer).
    bool run_one() noexcept;

    /// The loop: run_one while a task is ready; otherwise idle hook and WFI with interrupts
    /// masked between the last ready check and the sleep, so an interrupt that posts in that
    /// window still wakes it. Returns after stop(), at the next step boundary. Call it from
    /// thread mode with interrupts enabled.
    void run() noexcept;

    /// Makes run() return after the step in progress (before the next one). Any context.
    void stop() noexcept;

    /// The ready set: bit p is set while the task of priority p has events queued.
    [[nodiscard]] std::uint32_t ready_set() const noexcept { return ready_.load(std::memory_order_relaxed); }

private:
    friend class TaskBase;

    void idle() noexcept;

    TaskBase* tasks_[priorities] = {};
    // Both written by ISRs and the loop; every read-modify-write of ready_ runs with interrupts
    // masked, so plain loads and stores suffice (no LDREX/STREX loops).
    std::atomic<std::uint32_t> ready_{0};
    std::atomic<bool> stop_requested_{false};
    IdleHook idle_hook_ = nullptr;
    void* idle_context_ = nullptr;
};

} // namespace ss::stm32
