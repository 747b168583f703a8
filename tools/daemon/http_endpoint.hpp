// The daemon's HTTP endpoint: GET /metrics (Prometheus text format) and GET /health (JSON),
// served from a snapshot the runtime takes per request; and the operator's quarantine commands:
// GET /quarantine lists the batches destinations refused for good, POST
// /quarantine/release?file=NAME has the uploader send one again, POST /quarantine/drop?file=NAME
// removes it (counted). The endpoint listens on loopback unless an operator opens it up.
//
// Built on libmicrohttpd: a C library made to be embedded in daemons, mature (GNU, since
// 2007), packaged by Debian (libmicrohttpd-dev), small, with no framework to adopt. It runs
// its own thread that waits with epoll (poll or select elsewhere), so the actor runtime's
// threads never block on a slow scraper, and it bounds connections and idle time itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "ss/actors/runtime_snapshot.hpp"

struct MHD_Daemon;

namespace ss::daemon {

struct HttpEndpointConfig {
    /// An IPv4 or IPv6 address literal ("127.0.0.1", "::1", "[::1]", "0.0.0.0", "::"); loopback
    /// by default, so only an operator's choice exposes the metrics to the network.
    std::string address = "127.0.0.1";
    std::uint16_t port = 9464; ///< 0 = a free port the kernel picks (see HttpEndpoint::port)
    std::size_t max_sensor_series = 1000; ///< per-sensor metrics for this many sensors at most
    unsigned max_connections = 16;        ///< at least 1; further clients wait in the listen backlog
    std::chrono::seconds idle_timeout{10}; ///< at least 1 s; a connection silent this long is closed
};

/// Takes the snapshot a request renders. Called on the endpoint's own thread, one request at a
/// time; it may throw (the client then gets a 500).
using SnapshotProvider = std::function<actors::RuntimeSnapshot()>;

/// An operator's quarantine command: action "list" (file empty), "release" or "drop", on the
/// quarantine of `destination` (the request's ?destination=NAME; empty: the first destination's);
/// returns the HTTP status and the body (JSON for list, a line of text otherwise). Called on the
/// endpoint's thread.
using QuarantineCommand = std::function<std::pair<unsigned, std::string>(
    std::string_view action, std::string_view file, std::string_view destination)>;

/// Receives libmicrohttpd's and the endpoint's error messages (from the endpoint's thread).
using HttpLog = std::function<void(std::string_view)>;

class HttpEndpoint {
public:
    HttpEndpoint(HttpEndpointConfig config, SnapshotProvider provider, HttpLog log = {},
                 QuarantineCommand quarantine = {});
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    /// Binds, listens and starts serving. The error says what failed and where, e.g.
    /// "cannot listen on 127.0.0.1:9464: the port is in use". Never throws.
    std::expected<void, std::string> start() noexcept;

    /// Stops serving and closes the socket; waits for a request in progress. Never throws.
    void stop() noexcept;

    bool running() const noexcept { return daemon_ != nullptr; }

    /// The port bound by start() (the kernel's choice when configured as 0); 0 when stopped.
    std::uint16_t port() const noexcept { return bound_port_; }

private:
    friend struct HttpEndpointCallbacks; // libmicrohttpd's C callbacks, in the .cpp

    struct Reply {
        unsigned status;
        const char* content_type; ///< a string literal
        std::string body;
        const char* allow = "GET, HEAD"; ///< with 405: the methods the resource takes
    };
    /// `file`: the request's file query argument, empty if none.
    Reply answer(std::string_view url, std::string_view method, std::string_view file = {},
                 std::string_view destination = {}) noexcept;
    void log(std::string_view message) noexcept;
    void log_failure(std::string_view url, const char* what) noexcept;

    HttpEndpointConfig config_;
    SnapshotProvider provider_;
    HttpLog log_;
    QuarantineCommand quarantine_;
    MHD_Daemon* daemon_ = nullptr;
    std::uint16_t bound_port_ = 0;
    std::mutex start_error_mutex_; ///< start() reads what the library's thread may write
    std::string start_error_;      ///< the library's last message while starting
};

} // namespace ss::daemon
