#include "ss/hal/capture/socket_can.hpp"

#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "realtime.hpp"

namespace ss::capture {

namespace {
// After a receive error, wait this long (or for a stop) before polling again: an interface that
// keeps failing must not turn the thread into a busy loop.
constexpr int error_backoff_ms = 10;

std::uint64_t realtime_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

CanFrame to_can_frame(const can_frame& cf) noexcept {
    CanFrame f;
    f.extended = (cf.can_id & CAN_EFF_FLAG) != 0;
    f.remote = (cf.can_id & CAN_RTR_FLAG) != 0;
    f.id = cf.can_id & (f.extended ? CAN_EFF_MASK : CAN_SFF_MASK);
    f.dlc = std::min<std::uint8_t>(cf.len, CAN_MAX_DLEN);
    if (!f.remote) std::memcpy(f.data, cf.data, f.dlc);
    return f;
}
} // namespace

SocketCan::SocketCan(std::string_view interface_name) noexcept {
    name_ok_ = !interface_name.empty() && interface_name.size() < sizeof(name_) &&
               interface_name.find('\0') == std::string_view::npos;
    if (name_ok_) std::memcpy(name_, interface_name.data(), interface_name.size());
}

SocketCan::~SocketCan() { stop(); }

int SocketCan::open() noexcept {
    if (fd_ >= 0) return 0;
    if (!name_ok_) return -EINVAL;
    // The interface first: "no such interface" is the common case and must not be masked by a
    // kernel without CAN support.
    const unsigned index = if_nametoindex(name_);
    if (index == 0) return errno == ENXIO || errno == 0 ? -ENODEV : -errno;
    const int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC, CAN_RAW);
    if (fd < 0) return -errno;
    sockaddr_can addr{};
    addr.can_family = AF_CAN;
    addr.can_ifindex = static_cast<int>(index);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int rc = -errno;
        ::close(fd);
        return rc;
    }
    return attach(fd);
}

int SocketCan::adopt(int fd) noexcept {
    if (fd < 0) return -EBADF;
    if (fd_ >= 0) {
        ::close(fd);
        return -EBUSY;
    }
    return attach(fd);
}

int SocketCan::attach(int fd) noexcept {
    // Kernel receive timestamps: the time the frame reached the socket, not when we read it.
    const int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
        const int rc = -errno;
        ::close(fd);
        return rc;
    }
    const int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake < 0) {
        const int rc = -errno;
        ::close(fd);
        return rc;
    }
    fd_ = fd;
    wake_fd_ = wake;
    return 0;
}

int SocketCan::start(CanRxFn fn, void* ctx) noexcept {
    if (fn == nullptr) return -EINVAL;
    if (running() || thread_.on_device_thread()) return -EBUSY;
    // A thread that stopped itself from its callback is joined here (its descriptors stay open).
    thread_.stop();
    if (const int rc = open(); rc != 0) return rc;
    // Its wake-up may still be pending on the eventfd: consume it, or the new thread would end at once.
    std::uint64_t pending = 0;
    [[maybe_unused]] const ssize_t drained = ::read(wake_fd_, &pending, sizeof pending);
    fn_ = fn;
    ctx_ = ctx;
    frames_.store(0, std::memory_order_relaxed);
    errors_.store(0, std::memory_order_relaxed);
    last_error_.store(0, std::memory_order_relaxed);
    unstamped_.store(0, std::memory_order_relaxed);
    lateness_.reset();
    if (const int rc = thread_.start([](void* self) { static_cast<SocketCan*>(self)->run(); }, this); rc != 0) {
        close_fds();
        return rc;
    }
    return 0;
}

void SocketCan::stop() noexcept {
    thread_.request_stop();
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        // Cannot fail in a way that matters: the counter only has to become non-zero.
        [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
    }
    if (thread_.on_device_thread()) return; // the thread still uses the descriptors
    thread_.stop();
    close_fds();
}

void SocketCan::close_fds() noexcept {
    if (fd_ >= 0) ::close(fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    fd_ = -1;
    wake_fd_ = -1;
}

CanStats SocketCan::stats() const noexcept {
    CanStats s;
    s.frames = frames_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.last_error = last_error_.load(std::memory_order_relaxed);
    s.lateness = lateness_.snapshot();
    return s;
}

int SocketCan::send(const CanFrame& frame) noexcept {
    if (fd_ < 0) return -ENOTCONN;
    const std::uint32_t max_id = frame.extended ? can_max_extended_id : can_max_standard_id;
    if (frame.id > max_id || frame.dlc > CAN_MAX_DLEN) return -EINVAL;
    can_frame cf{};
    cf.can_id = frame.id | (frame.extended ? CAN_EFF_FLAG : 0u) | (frame.remote ? CAN_RTR_FLAG : 0u);
    cf.len = frame.dlc;
    if (!frame.remote) std::memcpy(cf.data, frame.data, frame.dlc);
    for (;;) {
        const ssize_t n = ::write(fd_, &cf, sizeof cf);
        if (n == static_cast<ssize_t>(sizeof cf)) return 0;
        if (n < 0 && errno == EINTR) continue;
        return n < 0 ? -errno : -EIO;
    }
}

void SocketCan::run() noexcept {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const auto record_error = [&](int rc) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        last_error_.store(rc, std::memory_order_relaxed);
        poll(&fds[1], 1, error_backoff_ms);
    };
    for (;;) {
        // Blocks until a frame, a socket error or stop()'s wake-up: no polling loop.
        if (poll(fds, 2, -1) < 0) {
            if (errno != EINTR) record_error(-errno);
        }
        if (thread_.stop_requested()) return;
        if (fds[0].revents == 0) continue;

        can_frame cf{};
        iovec iov{&cf, sizeof cf};
        alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(timespec))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT);
        if (n < 0) {
            // An error the socket reported (interface down or gone) is counted; the socket stays,
            // so frames flow again if the interface comes back.
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) record_error(-errno);
            continue;
        }
        if (n != static_cast<ssize_t>(sizeof cf)) { // CAN FD frames are not enabled on this socket
            record_error(-EIO);
            continue;
        }
        if ((cf.can_id & CAN_ERR_FLAG) != 0) continue; // error frames are not data

        const std::uint64_t real_now = realtime_ns();
        const std::uint64_t now = detail::monotonic_ns();
        std::uint64_t stamp = now;
        bool stamped = false;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts{};
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                const std::uint64_t real = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
                // The kernel stamps with CLOCK_REALTIME; the age of the frame carries over to the
                // monotonic clock (a wall-clock step inside that short age is the only error).
                const std::uint64_t age = real_now > real ? real_now - real : 0;
                stamp = now > age ? now - age : 0;
                stamped = true;
            }
        }
        if (!stamped) unstamped_.fetch_add(1, std::memory_order_relaxed);

        CanFrame frame = to_can_frame(cf);
        frame.timestamp_us = stamp / 1000;
        lateness_.record(now - stamp);
        frames_.fetch_add(1, std::memory_order_relaxed);
        fn_(ctx_, frame);
        if (thread_.stop_requested()) return;
    }
}

} // namespace ss::capture
