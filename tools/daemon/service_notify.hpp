// What the daemon tells its service manager (systemd's sd_notify protocol): ready once the
// pipeline runs, a status text, watchdog keep-alives, and stopping while it flushes. Without
// NOTIFY_SOCKET in the environment (not under systemd) every call does nothing.
#pragma once

#include <chrono>
#include <string>

namespace ss::daemon {

class ServiceNotify {
public:
    ServiceNotify();
    void ready(const std::string& status);
    void status(const std::string& status);
    void stopping(const std::string& status);
    /// Sends a keep-alive when the watchdog is on and half its interval has passed.
    void watchdog();
    /// The watchdog interval systemd asked for (0 = none).
    std::chrono::microseconds watchdog_interval() const noexcept { return interval_; }

private:
    std::chrono::microseconds interval_{0};
    std::chrono::steady_clock::time_point last_{};
};

} // namespace ss::daemon
