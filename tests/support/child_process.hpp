// Runs another program from a test (promtool, a Prometheus server, the daemon): its standard
// streams to files, a stop by SIGTERM with a deadline, and no process left behind: the
// destructor kills what still runs, and the child gets SIGKILL if the test process dies first.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <expected>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace ss::test {

/// The program's path as a shell would find it on PATH; empty when it is not there.
inline std::filesystem::path find_on_path(std::string_view program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return {};
    std::string_view dirs(path);
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const std::string_view dir = dirs.substr(0, colon);
        std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string_view::npos) break;
        dirs.remove_prefix(colon + 1);
    }
    return {};
}

/// Where a child's standard streams go; an empty path means /dev/null.
struct ChildStreams {
    std::filesystem::path stdin_from;
    std::filesystem::path stdout_to;
    bool stderr_with_stdout = true; ///< else stderr goes to /dev/null
    bool append = false;            ///< append to stdout_to (a restarted server's log) instead of truncating it
};

class ChildProcess {
public:
    /// Starts program with args (argv[0] is the program). Fails when it cannot be executed.
    static std::expected<ChildProcess, std::string> spawn(const std::filesystem::path& program,
                                                          const std::vector<std::string>& args,
                                                          const ChildStreams& streams = {}) {
        // Everything the child needs is prepared before fork: after it, in a process that may
        // run other threads, the child calls only async-signal-safe functions.
        std::vector<std::string> argv_text;
        argv_text.push_back(program.string());
        argv_text.insert(argv_text.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_text) argv.push_back(a.data());
        argv.push_back(nullptr);
        const std::string in = streams.stdin_from.empty() ? "/dev/null" : streams.stdin_from.string();
        const std::string out = streams.stdout_to.empty() ? "/dev/null" : streams.stdout_to.string();
        const bool err_with_out = streams.stderr_with_stdout;
        const int out_flags = O_WRONLY | O_CREAT | (streams.append ? O_APPEND : O_TRUNC);
        const pid_t parent = ::getpid();

        // exec's failure travels back through a close-on-exec pipe: EOF means exec succeeded.
        int exec_error_pipe[2];
        if (::pipe2(exec_error_pipe, O_CLOEXEC) != 0) return std::unexpected("pipe2: " + errno_message(errno));
        const pid_t pid = ::fork();
        if (pid < 0) {
            const int error = errno;
            ::close(exec_error_pipe[0]);
            ::close(exec_error_pipe[1]);
            return std::unexpected("fork: " + errno_message(error));
        }
        if (pid == 0) {
            ::close(exec_error_pipe[0]);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127); // the parent died before prctl took effect
            const int in_fd = ::open(in.c_str(), O_RDONLY);
            const int out_fd = ::open(out.c_str(), out_flags, 0644);
            const int null_fd = ::open("/dev/null", O_WRONLY);
            if (in_fd >= 0 && out_fd >= 0 && null_fd >= 0 && ::dup2(in_fd, 0) == 0 && ::dup2(out_fd, 1) == 1 &&
                ::dup2(err_with_out ? out_fd : null_fd, 2) == 2)
                ::execv(argv[0], argv.data());
            const int error = errno;
            [[maybe_unused]] const auto written = ::write(exec_error_pipe[1], &error, sizeof error);
            ::_exit(127);
        }
        ::close(exec_error_pipe[1]);
        int child_error = 0;
        ssize_t got;
        do got = ::read(exec_error_pipe[0], &child_error, sizeof child_error);
        while (got < 0 && errno == EINTR);
        ::close(exec_error_pipe[0]);
        ChildProcess child(pid);
        if (got > 0) {
            child.wait_for(std::chrono::seconds(5));
            return std::unexpected("cannot run " + program.string() + ": " + errno_message(child_error));
        }
        return child;
    }

    ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}
    ChildProcess& operator=(ChildProcess&&) = delete;
    ~ChildProcess() {
        if (pid_ > 0 && !status_) terminate(std::chrono::seconds(5));
    }

    pid_t pid() const noexcept { return pid_; }

    /// Its exit status if it has ended: the exit code, or 128 + the signal that killed it.
    std::optional<int> poll() {
        if (status_ || pid_ <= 0) return status_;
        int raw = 0;
        const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
        if (r == pid_) status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
        return status_;
    }

    /// Waits up to timeout for it to end.
    std::optional<int> wait_for(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!poll()) {
            if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return status_;
    }

    /// SIGTERM, then SIGKILL if it has not ended within grace. Its exit status.
    int terminate(std::chrono::milliseconds grace) {
        if (poll()) return *status_;
        ::kill(pid_, SIGTERM);
        if (auto s = wait_for(grace)) return *s;
        ::kill(pid_, SIGKILL);
        while (!poll()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return *status_;
    }

private:
    explicit ChildProcess(pid_t pid) noexcept : pid_(pid) {}

    static std::string errno_message(int error) { return std::error_code(error, std::generic_category()).message(); }

    pid_t pid_;
    std::optional<int> status_;
};

/// A file's whole content ("" when it cannot be read).
inline std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct CompletedRun {
    int status = -1;    ///< exit code, or 128 + signal
    std::string output; ///< stdout and stderr, interleaved
};

/// Runs program to its end (killed at timeout) with stdin from a file; output_file receives
/// what it prints, which is also returned.
inline std::expected<CompletedRun, std::string> run_to_completion(const std::filesystem::path& program,
                                                                  const std::vector<std::string>& args,
                                                                  const std::filesystem::path& stdin_from,
                                                                  const std::filesystem::path& output_file,
                                                                  std::chrono::milliseconds timeout) {
    auto child = ChildProcess::spawn(program, args, ChildStreams{stdin_from, output_file, true});
    if (!child) return std::unexpected(child.error());
    auto status = child->wait_for(timeout);
    CompletedRun run;
    if (!status) {
        child->terminate(std::chrono::seconds(2));
        return std::unexpected(program.string() + " did not finish within " + std::to_string(timeout.count()) +
                               " ms; it printed: " + read_text_file(output_file));
    }
    run.status = *status;
    run.output = read_text_file(output_file);
    return run;
}

} // namespace ss::test
