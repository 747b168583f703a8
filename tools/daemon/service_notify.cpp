#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace ss::daemon {

ServiceNotify::ServiceNotify() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec);
}

void ServiceNotify::ready(const std::string& status) {
    sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
    last_ = std::chrono::steady_clock::now();
}

void ServiceNotify::status(const std::string& status) { sd_notifyf(0, "STATUS=%s", status.c_str()); }

void ServiceNotify::stopping(const std::string& status) { sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status.c_str()); }

void ServiceNotify::watchdog() {
    if (interval_.count() == 0) return;
    const auto now = std::chrono::steady_clock::now();
    // Half the interval, as sd_watchdog_enabled(3) advises.
    if (now - last_ < interval_ / 2) return;
    sd_notify(0, "WATCHDOG=1");
    last_ = now;
}

} // namespace ss::daemon
