// The thread that plays the hardware of one simulated device: start/stop bookkeeping shared by
// every POSIX source. Internal to the capture sources; not an API.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

namespace ss::capture::detail {

/// One device thread. start()/stop() may be called from any thread, including from the device
/// thread itself (a callback stopping its source), which only asks the loop to end: the thread is
/// joined by the next stop(), start() or the destructor.
class DeviceThread {
public:
    DeviceThread() = default;
    /// Stops and joins the thread if it runs. The owner must have stopped it already when the
    /// body touches the owner's members (the owners' destructors call their stop()).
    ~DeviceThread();
    DeviceThread(const DeviceThread&) = delete;
    DeviceThread& operator=(const DeviceThread&) = delete;

    /// Runs body(arg) on a new thread. Returns 0, -EBUSY (running, or called from the device
    /// thread) or -EAGAIN (the system refused a thread).
    int start(void (*body)(void*), void* arg) noexcept;
    /// Asks the loop to end without waiting for it.
    void request_stop() noexcept;
    /// Asks the loop to end and joins the thread, unless called from the device thread itself.
    void stop() noexcept;
    /// true once a stop was asked for; the device loop polls it.
    bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }
    /// The flag itself, for sleeps that watch it.
    const std::atomic<bool>& stop_flag() const noexcept { return stop_; }
    /// true from a successful start() until a stop is asked for.
    bool running() const noexcept { return running_.load(std::memory_order_acquire); }
    /// true when called on the device thread.
    bool on_device_thread() const noexcept {
        return worker_.load(std::memory_order_acquire) == std::this_thread::get_id();
    }

private:
    void join_locked() noexcept;

    std::mutex control_; // serialises start() and stop() of other threads
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> running_{false};
    std::atomic<std::thread::id> worker_{};
};

} // namespace ss::capture::detail
