// A real server process for a test (a Prometheus server, a MQTT broker, InfluxDB, the HTTP test
// receiver): found on PATH, given free loopback ports and a temporary directory of its own,
// started with the arguments its launcher prepares, waited for until a readiness probe passes,
// and stopped with SIGTERM, then SIGKILL. It can be killed with SIGKILL and started again on the
// same ports and directory, as a crashed server restarted by its supervisor would be. The
// directory goes with the object, on a failed test too (the destructor runs while a doctest
// REQUIRE unwinds).
//
// The launchers (prometheus_server.hpp, mosquitto_server.hpp, influxdb_server.hpp,
// http_receiver.hpp) say what to write and how to probe; the process, port and directory
// handling lives here only.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/free_port.hpp"
#include "support/http_client.hpp"

namespace ss::test {

class LocalServer;

/// Decides whether a started server serves yet: called every 20 ms until it returns true, the
/// process dies or the ready timeout passes.
using ReadinessProbe = std::function<bool(const LocalServer&)>;

/// How to run one kind of server.
struct LocalServerSpec {
    /// The program's name, looked up on PATH and in the sbin directories (mosquitto lives in
    /// /usr/sbin, which a non-root PATH may lack), or its path when it has a slash.
    std::string program;
    /// Names the temporary directory (/tmp/ss-<name>-XXXXXX), the log file (<name>.log) and the
    /// messages; the program's name when empty (an interpreter runs a script with another name).
    std::string name;
    /// How many distinct free loopback ports the server gets (its listeners).
    std::size_t port_count = 1;
    /// Writes what the server reads (config files, certificates) into server.directory() for
    /// server.port(i) and returns the program's arguments. Called again with new ports when a
    /// start fails because another process took a port first; not called on restart().
    std::function<std::expected<std::vector<std::string>, std::string>(const LocalServer& server)> prepare;
    ReadinessProbe ready;
    std::chrono::milliseconds ready_timeout{15000};
    /// Between SIGTERM and SIGKILL in stop().
    std::chrono::milliseconds stop_grace{10000};
};

/// The probe for servers that serve once they listen: every port accepts a TCP connection.
inline ReadinessProbe accepts_tcp_on_every_port();

/// The probe for HTTP servers: GET path on the port_index-th port answers with status.
inline ReadinessProbe answers_http(std::string path, int status, std::size_t port_index = 0);

class LocalServer {
public:
    /// Starts the server and waits until the probe passes. The error says what failed and
    /// carries the tail of the server's output.
    static std::expected<std::unique_ptr<LocalServer>, std::string> start(LocalServerSpec spec) {
        if (spec.name.empty()) spec.name = spec.program;
        const std::filesystem::path binary = find_program(spec.program);
        if (binary.empty())
            return std::unexpected(spec.program + " is not on PATH nor in /usr/sbin (scripts/install-deps.sh installs it)");
        auto directory = make_temp_directory(spec.name);
        if (!directory) return std::unexpected(directory.error());
        std::unique_ptr<LocalServer> server(new LocalServer(std::move(spec), binary, std::move(*directory)));
        // The ports were free a moment ago; when another process took one since, try new ones.
        std::string last_error;
        for (int attempt = 0; attempt < 3; ++attempt) {
            if (auto picked = server->pick_ports(); !picked) return std::unexpected(picked.error());
            auto arguments = server->spec_.prepare ? server->spec_.prepare(*server) : std::vector<std::string>{};
            if (!arguments) return std::unexpected(server->spec_.name + ": " + arguments.error());
            server->arguments_ = std::move(*arguments);
            auto started = server->launch();
            if (started) return server;
            last_error = started.error();
            if (!mentions_port_in_use(last_error)) break;
        }
        return std::unexpected(last_error);
    }

    ~LocalServer() {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    LocalServer(const LocalServer&) = delete;
    LocalServer& operator=(const LocalServer&) = delete;

    /// The i-th of its loopback ports (i < spec.port_count).
    std::uint16_t port(std::size_t i = 0) const { return ports_.at(i); }
    std::size_t port_count() const noexcept { return ports_.size(); }
    /// Its own directory: config, data, log; removed with the object.
    const std::filesystem::path& directory() const noexcept { return directory_; }
    const std::string& name() const noexcept { return spec_.name; }
    bool running() { return process_ && !process_->poll(); }
    pid_t pid() const noexcept { return process_ ? process_->pid() : -1; }

    /// Everything it printed (stdout and stderr) over all its runs.
    std::string log() const { return read_text_file(log_path()); }

    /// The last lines it printed, at most max_bytes, for error messages.
    std::string log_tail(std::size_t max_bytes = 4000) const {
        std::string text = log();
        if (text.size() <= max_bytes) return text;
        text.erase(0, text.size() - max_bytes);
        const auto newline = text.find('\n');
        return "..." + (newline == std::string::npos ? text : text.substr(newline));
    }

    /// SIGTERM, SIGKILL after the spec's grace. Its exit status (128 + signal when killed by
    /// one); the previous status when it is not running.
    int stop() {
        if (!process_) return last_status_;
        last_status_ = process_->terminate(spec_.stop_grace);
        process_.reset();
        return last_status_;
    }

    /// SIGKILL, as a crash or an OOM kill would end it: no chance to save anything. Its exit status.
    int kill() {
        if (!process_) return last_status_;
        if (!process_->poll()) ::kill(process_->pid(), SIGKILL);
        last_status_ = *process_->wait_for(std::chrono::hours(1));
        process_.reset();
        return last_status_;
    }

    /// Starts it again, after stop() or kill(), with the same arguments, ports and directory
    /// (its data survives), and waits for the probe.
    std::expected<void, std::string> restart() {
        if (process_) return std::unexpected(spec_.name + " is still running");
        return launch();
    }

private:
    LocalServer(LocalServerSpec spec, std::filesystem::path binary, std::filesystem::path directory)
        : spec_(std::move(spec)), binary_(std::move(binary)), directory_(std::move(directory)) {}

    std::filesystem::path log_path() const { return directory_ / (spec_.name + ".log"); }

    static std::filesystem::path find_program(const std::string& program) {
        if (program.find('/') != std::string::npos)
            return ::access(program.c_str(), X_OK) == 0 ? std::filesystem::path(program) : std::filesystem::path();
        if (auto on_path = find_on_path(program); !on_path.empty()) return on_path;
        for (const char* dir : {"/usr/sbin", "/sbin", "/usr/local/sbin"}) {
            std::filesystem::path candidate = std::filesystem::path(dir) / program;
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        return {};
    }

    static std::expected<std::filesystem::path, std::string> make_temp_directory(const std::string& name) {
        std::string pattern = (std::filesystem::temp_directory_path() / ("ss-" + name + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr)
            return std::unexpected("mkdtemp: " + std::error_code(errno, std::generic_category()).message());
        return std::filesystem::path(pattern);
    }

    static bool mentions_port_in_use(std::string_view text) {
        std::string lower_text = http_detail::lower(text);
        return lower_text.find("address already in use") != std::string::npos ||
               lower_text.find("address in use") != std::string::npos;
    }

    std::expected<void, std::string> pick_ports() {
        ports_.clear();
        while (ports_.size() < spec_.port_count) {
            const std::uint16_t p = free_loopback_port();
            if (p == 0) return std::unexpected(std::string("no free loopback port"));
            if (std::find(ports_.begin(), ports_.end(), p) == ports_.end()) ports_.push_back(p);
        }
        return {};
    }

    std::expected<void, std::string> launch() {
        // Each run appends to the one log, so a restarted server's output follows the first run's.
        auto child = ChildProcess::spawn(binary_, arguments_, ChildStreams{{}, log_path(), true, true});
        if (!child) return std::unexpected(child.error());
        process_ = std::make_unique<ChildProcess>(std::move(*child));
        const auto deadline = std::chrono::steady_clock::now() + spec_.ready_timeout;
        for (;;) {
            if (auto status = process_->poll()) {
                process_.reset();
                last_status_ = *status;
                return std::unexpected(spec_.name + " exited with status " + std::to_string(*status) +
                                       " before it was ready; its output ends:\n" + log_tail());
            }
            if (!spec_.ready || spec_.ready(*this)) return {};
            if (std::chrono::steady_clock::now() >= deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop();
        return std::unexpected(spec_.name + " was not ready within " + std::to_string(spec_.ready_timeout.count()) +
                               " ms on port " + std::to_string(ports_.empty() ? 0 : ports_[0]) + "; its output ends:\n" + log_tail());
    }

    LocalServerSpec spec_;
    std::filesystem::path binary_;
    std::filesystem::path directory_;
    std::vector<std::uint16_t> ports_;
    std::vector<std::string> arguments_;
    std::unique_ptr<ChildProcess> process_;
    int last_status_ = -1;
};

inline ReadinessProbe accepts_tcp_on_every_port() {
    return [](const LocalServer& server) {
        for (std::size_t i = 0; i < server.port_count(); ++i)
            if (!TcpConnection::open("127.0.0.1", server.port(i), std::chrono::milliseconds(500))) return false;
        return true;
    };
}

inline ReadinessProbe answers_http(std::string path, int status, std::size_t port_index) {
    return [path = std::move(path), status, port_index](const LocalServer& server) {
        auto response = http_get("127.0.0.1", server.port(port_index), path);
        return response && response->status == status;
    };
}

} // namespace ss::test
