#include "signal_wait.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>

namespace ss::daemon {

namespace {
sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}
} // namespace

void block_stop_signals() {
    const sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_signal(std::chrono::milliseconds timeout) {
    const sigset_t set = stop_signals();
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(s.count());
    ts.tv_nsec = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout - s).count());
    for (;;) {
        const int sig = sigtimedwait(&set, nullptr, &ts);
        if (sig > 0) return sig;
        if (errno == EAGAIN) return 0;
        // EINTR: another signal's handler ran; the remaining time is not reported, wait again
        // with the full timeout rather than spin.
    }
}

} // namespace ss::daemon
