// Starting the child program (ss_crash_child, path from SS_CRASH_CHILD) as a separate process.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace crash {

/// Starts the child with argv {child, args...}; its stdout is the parent's, and so is its stderr
/// unless `stderr_path` names a file to append it to (sanitizer reports land there).
inline pid_t spawn_child(const std::vector<std::string>& args, const std::string& stderr_path = {}) {
#ifdef SS_CRASH_CHILD_LAUNCHER
    std::vector<std::string> all{SS_CRASH_CHILD_LAUNCHER, SS_CRASH_CHILD}; // an emulator, for a cross build
#else
    std::vector<std::string> all{SS_CRASH_CHILD};
#endif
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!stderr_path.empty()) {
            const int fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (fd < 0 || ::dup2(fd, 2) < 0) std::_Exit(126);
        }
        ::execv(argv[0], argv.data());
        std::_Exit(127);
    }
    return pid;
}

/// How a child ended.
struct ChildEnd {
    bool exited = false;
    int code = -1;      ///< exit code if exited
    int signal = 0;     ///< terminating signal otherwise
    bool timed_out = false;
};

/// Waits up to `limit` for pid; kills it with SIGKILL at the limit (timed_out is then set).
inline ChildEnd wait_child(pid_t pid, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    ChildEnd r;
    int status = 0;
    for (;;) {
        const pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() >= end) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            r.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (WIFEXITED(status)) {
        r.exited = true;
        r.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.signal = WTERMSIG(status);
    }
    return r;
}

/// Where the suites put their disk roots: $SS_CRASH_DIR, else /dev/shm (tmpfs: fsync is free and
/// SIGKILL loses nothing a real disk would keep either), else $TMPDIR or /tmp.
inline std::string crash_base_dir() {
    if (const char* d = std::getenv("SS_CRASH_DIR"); d != nullptr && *d != '\0') return d;
    if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') return t;
    return "/tmp";
}

inline std::string make_temp_dir(const char* prefix) {
    std::string tmpl = crash_base_dir() + "/" + prefix + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return {};
    return tmpl;
}

} // namespace crash
