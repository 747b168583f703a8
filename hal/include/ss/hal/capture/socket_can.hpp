// Linux SocketCAN: a raw CAN socket bound to one interface (can0, vcan0, ...), received on its own
// thread and delivered as CanFrame through the same callback as every CAN source. Frames carry the
// kernel's receive timestamp, converted to the monotonic clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "ss/hal/capture/can.hpp"
#include "ss/hal/capture/detail/device_thread.hpp"
#include "ss/hal/capture/detail/lateness_meter.hpp"

namespace ss::capture {

/// A classic-CAN raw socket on one network interface.
class SocketCan final : public CanSource {
public:
    /// Remembers the interface name; opens nothing yet. A name of IFNAMSIZ (16) characters or
    /// more makes open() fail with -EINVAL.
    explicit SocketCan(std::string_view interface_name) noexcept;
    /// Stops and closes.
    ~SocketCan() override;
    SocketCan(const SocketCan&) = delete;
    SocketCan& operator=(const SocketCan&) = delete;

    /// Opens the socket and binds it to the interface (enough for send()). Returns 0 (also when
    /// already open), -EINVAL (bad name), -ENODEV (no such interface, or not a CAN interface),
    /// -EAFNOSUPPORT (the kernel has no CAN support) or another negative errno value.
    int open() noexcept;
    /// Takes ownership of an open, bound CAN_RAW socket instead of opening one (e.g. a socket a
    /// privileged helper opened and passed over a UNIX socket). Returns 0, -EBUSY (already open),
    /// -EBADF or the errno of preparing it; the descriptor is closed on failure.
    int adopt(int fd) noexcept;
    /// Opens if needed, then receives on a new thread until stop(). Errors as open(), plus
    /// -EINVAL (null fn), -EBUSY (running) and -EAGAIN (no thread). On failure nothing is left
    /// open or running.
    int start(CanRxFn fn, void* ctx) noexcept override;
    /// Stops receiving and closes the socket. Idempotent.
    void stop() noexcept override;
    bool running() const noexcept override { return thread_.running(); }
    CanStats stats() const noexcept override;

    /// Sends one frame (blocking while the interface's queue is full). Returns 0, -ENOTCONN (not
    /// open), -EINVAL (id or dlc out of range) or the socket's negative errno (-ENOBUFS, -ENETDOWN...).
    /// May be called from any thread while open, but not concurrently with stop().
    int send(const CanFrame& frame) noexcept;
    /// true while the socket is open.
    bool is_open() const noexcept { return fd_ >= 0; }
    /// Frames since start() that came without a kernel timestamp (stamped when read instead).
    std::uint64_t unstamped_frames() const noexcept { return unstamped_.load(std::memory_order_relaxed); }

private:
    void run() noexcept;
    int attach(int fd) noexcept;
    void close_fds() noexcept;

    char name_[16] = {};
    bool name_ok_ = false;
    int fd_ = -1;      // the raw CAN socket
    int wake_fd_ = -1; // eventfd that ends the receive thread's poll()
    CanRxFn fn_ = nullptr;
    void* ctx_ = nullptr;

    std::atomic<std::uint64_t> frames_{0};
    std::atomic<std::uint64_t> errors_{0};
    std::atomic<int> last_error_{0};
    std::atomic<std::uint64_t> unstamped_{0};
    detail::LatenessMeter lateness_;
    detail::DeviceThread thread_;
};

} // namespace ss::capture
