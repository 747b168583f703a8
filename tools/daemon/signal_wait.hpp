// The daemon's signals: SIGTERM and SIGINT stop it (flush, then exit), SIGHUP is logged and
// otherwise ignored. They are blocked in every thread before the actor system starts (threads
// inherit the mask; CAF installs no handlers) and taken synchronously by the main thread.
#pragma once

#include <chrono>

namespace ss::daemon {

/// Blocks the daemon's signals in the calling thread; call first thing in main.
void block_stop_signals();

/// Waits up to `timeout` for one of them: the signal number, or 0 when the time passed.
int wait_for_signal(std::chrono::milliseconds timeout);

} // namespace ss::daemon
