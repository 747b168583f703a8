// The gateway daemon as a child process in the daemon's system tests: its output (stdout and
// stderr) goes to a file the test reads, signals are sent to it, its exit is awaited.
#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"

namespace daemon_test {

class Daemon {
public:
    Daemon(const std::vector<std::string>& args, std::filesystem::path output) : output_(std::move(output)) {
        auto child = ss::test::ChildProcess::spawn(SS_GATEWAYD, args, {{}, output_, true});
        REQUIRE_MESSAGE(child, child.error());
        child_.emplace(std::move(*child));
    }
    void signal(int sig) { ::kill(child_->pid(), sig); }
    /// The exit code, or 128 + the signal; -1 if it did not end within the limit (then killed).
    int wait(std::chrono::milliseconds limit) {
        if (auto s = child_->wait_for(limit)) return *s;
        ::kill(child_->pid(), SIGKILL);
        child_->wait_for(std::chrono::seconds(5));
        return -1;
    }
    std::string output() const { return ss::test::read_text_file(output_); }
    bool wait_for_output(const std::string& text, std::chrono::milliseconds limit) const {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (output().find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

private:
    std::filesystem::path output_;
    std::optional<ss::test::ChildProcess> child_;
};

} // namespace daemon_test
