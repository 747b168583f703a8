#include "ss/hal/capture/detail/device_thread.hpp"

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <system_error>

namespace ss::capture::detail {

DeviceThread::~DeviceThread() { stop(); }

int DeviceThread::start(void (*body)(void*), void* arg) noexcept {
    // A callback restarting its own source would have to join itself.
    if (on_device_thread()) return -EBUSY;
    std::lock_guard lock(control_);
    if (running()) return -EBUSY;
    join_locked(); // a thread that was asked to stop from its own callback may still be ending
    stop_.store(false, std::memory_order_release);
    // Set before the thread exists: a body that stops itself at once must leave it false.
    running_.store(true, std::memory_order_release);
    try {
        thread_ = std::thread([this, body, arg] {
            worker_.store(std::this_thread::get_id(), std::memory_order_release);
#if defined(__linux__)
            // Linux lets a sleeping thread wake up to 50 µs late by default (timer slack) to batch
            // wake-ups; a device keeping deadlines wants the kernel's best effort instead.
            prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
            body(arg);
            // The id may be reused by an unrelated thread once this one ends.
            worker_.store(std::thread::id{}, std::memory_order_release);
        });
    } catch (const std::system_error&) {
        running_.store(false, std::memory_order_release);
        return -EAGAIN;
    }
    return 0;
}

void DeviceThread::request_stop() noexcept {
    // running_ first: whoever sees the stop flag (the loop, before it exits) also sees
    // running() false, so nobody hands work to a loop that has decided to end.
    running_.store(false, std::memory_order_release);
    stop_.store(true, std::memory_order_release);
}

void DeviceThread::stop() noexcept {
    request_stop();
    if (on_device_thread()) return; // joined by the next stop(), start() or the destructor
    std::lock_guard lock(control_);
    join_locked();
}

void DeviceThread::join_locked() noexcept {
    if (thread_.joinable()) {
        thread_.join();
    }
}

} // namespace ss::capture::detail
