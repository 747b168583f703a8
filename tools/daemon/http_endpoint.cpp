#include "daemon/http_endpoint.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <system_error>
#include <utility>

#include "daemon/health_json.hpp"
#include "daemon/metrics_text.hpp"

namespace ss::daemon {
namespace {

constexpr const char* text_content_type = "text/plain; charset=utf-8";
constexpr const char* json_content_type = "application/json";

std::string errno_text(int error) { return std::error_code(error, std::generic_category()).message(); }

/// Owns a file descriptor.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

struct ListenAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_UNSPEC;
    std::string text; ///< "127.0.0.1:9464", "[::1]:9464": how errors name it
};

std::expected<ListenAddress, std::string> parse_listen_address(std::string_view configured, std::uint16_t port) {
    std::string literal(configured);
    if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']')
        literal = literal.substr(1, literal.size() - 2);
    ListenAddress a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    if (::inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
        a.family = AF_INET;
        a.text = literal + ":" + std::to_string(port);
    } else if (::inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
        a.family = AF_INET6;
        a.text = "[" + literal + "]:" + std::to_string(port);
    } else
        return std::unexpected("the HTTP address '" + std::string(configured) +
                               "' is not an IPv4 or IPv6 address literal");
    return a;
}

std::string bind_error(const ListenAddress& address, int error) {
    std::string why;
    switch (error) {
    case EADDRINUSE: why = "the port is in use (another process listens on it)"; break;
    case EACCES: why = "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)"; break;
    case EADDRNOTAVAIL: why = "the address is not one of this host's"; break;
    default: why = errno_text(error);
    }
    return "cannot listen on " + address.text + ": " + why;
}

/// The listening socket, bound here rather than by libmicrohttpd so that a failure reports its
/// errno (a port in use is the common one) instead of a log line to parse.
std::expected<FileDescriptor, std::string> open_listen_socket(const ListenAddress& address, int backlog) {
    FileDescriptor fd(::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return std::unexpected("cannot create a socket for " + address.text + ": " + errno_text(errno));
    // A restarted daemon must get its port back while the old one's connections sit in
    // TIME_WAIT; on Linux this does not let two listeners share a port.
    const int on = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0)
        return std::unexpected("cannot set SO_REUSEADDR for " + address.text + ": " + errno_text(errno));
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0)
        return std::unexpected(bind_error(address, errno));
    if (::listen(fd.get(), backlog) != 0)
        return std::unexpected("cannot listen on " + address.text + ": " + errno_text(errno));
    return fd;
}

std::uint16_t local_port(int fd) noexcept {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return 0;
    if (local.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
    if (local.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
    return 0;
}

/// Whether fd still refers to the same open socket as original (same device and inode).
bool same_socket(int fd, int original) noexcept {
    struct stat a{}, b{};
    return ::fstat(fd, &a) == 0 && ::fstat(original, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool is_get_or_head(std::string_view method) noexcept {
    // HEAD is GET without the body (RFC 9110 §9.3.2); libmicrohttpd leaves the body out.
    return method == MHD_HTTP_METHOD_GET || method == MHD_HTTP_METHOD_HEAD;
}

} // namespace

/// libmicrohttpd's C callbacks, forwarding to the endpoint they were registered with.
struct HttpEndpointCallbacks {
    static MHD_Result on_request(void* self, MHD_Connection* connection, const char* url, const char* method,
                                 const char* /*version*/, const char* /*upload_data*/,
                                 std::size_t* /*upload_data_size*/, void** /*request_state*/) noexcept {
        // Every answer is known from the request line, so it is queued at the first call, before
        // any body arrives: libmicrohttpd then discards a body that follows and closes that
        // connection after the reply, so a client cannot make the endpoint buffer an upload.
        auto* endpoint = static_cast<HttpEndpoint*>(self);
        const char* file = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "file");
        const char* destination = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "destination");
        HttpEndpoint::Reply reply = endpoint->answer(url, method, file == nullptr ? std::string_view() : file,
                                                     destination == nullptr ? std::string_view() : destination);
        auto* body = new (std::nothrow) std::string(std::move(reply.body));
        if (body == nullptr) return MHD_NO;
        MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
            body->size(), body->data(), [](void* owned) { delete static_cast<std::string*>(owned); }, body);
        if (response == nullptr) {
            delete body;
            return MHD_NO;
        }
        bool headers_added = MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type) == MHD_YES;
        headers_added = headers_added && MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
        if (reply.status == MHD_HTTP_METHOD_NOT_ALLOWED)
            headers_added = headers_added && MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, reply.allow) == MHD_YES;
        const MHD_Result queued = headers_added ? MHD_queue_response(connection, reply.status, response) : MHD_NO;
        MHD_destroy_response(response);
        return queued;
    }

    static void on_library_log(void* self, const char* format, va_list args) noexcept {
        char message[512];
        if (std::vsnprintf(message, sizeof message, format, args) < 0) return;
        std::string_view text(message);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
        auto* endpoint = static_cast<HttpEndpoint*>(self);
        try {
            std::lock_guard lock(endpoint->start_error_mutex_);
            endpoint->start_error_.assign(text);
        } catch (...) {
            // Only start()'s error message loses detail.
        }
        endpoint->log(text);
    }
};

HttpEndpoint::HttpEndpoint(HttpEndpointConfig config, SnapshotProvider provider, HttpLog log,
                           QuarantineCommand quarantine)
    : config_(std::move(config)), provider_(std::move(provider)), log_(std::move(log)),
      quarantine_(std::move(quarantine)) {}

HttpEndpoint::~HttpEndpoint() { stop(); }

std::expected<void, std::string> HttpEndpoint::start() noexcept {
    try {
        if (daemon_ != nullptr)
            return std::unexpected("the HTTP endpoint already listens on port " + std::to_string(bound_port_));
        if (!provider_) return std::unexpected(std::string("the HTTP endpoint has no snapshot provider"));
        if (config_.max_connections == 0) return std::unexpected(std::string("the HTTP max_connections must be at least 1"));
        if (config_.idle_timeout < std::chrono::seconds(1))
            return std::unexpected(std::string("the HTTP idle_timeout must be at least 1 s"));
        const auto address = parse_listen_address(config_.address, config_.port);
        if (!address) return std::unexpected(address.error());
        const int backlog = static_cast<int>(std::min(config_.max_connections, 128u));
        auto listener = open_listen_socket(*address, backlog);
        if (!listener) return std::unexpected(listener.error());

        // libmicrohttpd closes a socket it was given when it fails after checking its options,
        // but not when it fails before: it gets a duplicate, the original is kept until it
        // answered, and the duplicate is closed here only if it is still that socket.
        const int handed = ::fcntl(listener->get(), F_DUPFD_CLOEXEC, 0);
        if (handed < 0) return std::unexpected("cannot duplicate the socket of " + address->text + ": " + errno_text(errno));
        {
            std::lock_guard lock(start_error_mutex_);
            start_error_.clear();
        }
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
        if (address->family == AF_INET6) flags |= MHD_USE_IPv6;
        MHD_Daemon* started = MHD_start_daemon(
            flags, 0, nullptr, nullptr, &HttpEndpointCallbacks::on_request, this,
            MHD_OPTION_EXTERNAL_LOGGER, &HttpEndpointCallbacks::on_library_log, this,
            MHD_OPTION_LISTEN_SOCKET, handed,
            MHD_OPTION_CONNECTION_LIMIT, config_.max_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(config_.idle_timeout.count()),
            MHD_OPTION_END);
        if (started == nullptr) {
            if (same_socket(handed, listener->get())) ::close(handed);
            std::lock_guard lock(start_error_mutex_);
            return std::unexpected("cannot serve HTTP on " + address->text + ": " +
                                   (start_error_.empty() ? std::string("libmicrohttpd did not start") : start_error_));
        }
        daemon_ = started;
        bound_port_ = local_port(listener->get());
        return {};
    } catch (const std::bad_alloc&) {
        return std::unexpected(std::string("out of memory"));
    } catch (const std::exception& e) {
        return std::unexpected(std::string(e.what()));
    }
}

void HttpEndpoint::stop() noexcept {
    if (daemon_ == nullptr) return;
    MHD_stop_daemon(daemon_); // joins the thread; closes the socket and every connection
    daemon_ = nullptr;
    bound_port_ = 0;
}

HttpEndpoint::Reply HttpEndpoint::answer(std::string_view url, std::string_view method, std::string_view file,
                                         std::string_view destination) noexcept {
    try {
        if (url == "/quarantine" || url == "/quarantine/release" || url == "/quarantine/drop") {
            if (!quarantine_) return {MHD_HTTP_NOT_FOUND, text_content_type, "no quarantine: no network destination\n"};
            const bool list = url == "/quarantine";
            if (list != is_get_or_head(method) || (!list && method != "POST"))
                return {MHD_HTTP_METHOD_NOT_ALLOWED, text_content_type, list ? "only GET and HEAD\n" : "only POST\n",
                        list ? "GET, HEAD" : "POST"};
            if (!list && file.empty()) return {MHD_HTTP_BAD_REQUEST, text_content_type, "which batch? ?file=NAME\n"};
            auto [status, body] =
                quarantine_(list ? "list" : url.substr(std::string_view("/quarantine/").size()), file, destination);
            return {status, list ? json_content_type : text_content_type, std::move(body)};
        }
        if (url != "/metrics" && url != "/health") return {MHD_HTTP_NOT_FOUND, text_content_type, "not found\n"};
        if (!is_get_or_head(method))
            return {MHD_HTTP_METHOD_NOT_ALLOWED, text_content_type, "only GET and HEAD\n"};
        const actors::RuntimeSnapshot snapshot = provider_();
        if (url == "/metrics")
            return {MHD_HTTP_OK, metrics_content_type.data(), render_metrics(snapshot, config_.max_sensor_series)};
        return {health_ok(snapshot) ? unsigned{MHD_HTTP_OK} : unsigned{MHD_HTTP_SERVICE_UNAVAILABLE}, json_content_type,
                render_health_json(snapshot)};
    } catch (const std::exception& e) {
        log_failure(url, e.what());
    } catch (...) {
        log_failure(url, "an exception that is no std::exception");
    }
    try {
        return {MHD_HTTP_INTERNAL_SERVER_ERROR, text_content_type, "internal error\n"};
    } catch (...) {
        return {MHD_HTTP_INTERNAL_SERVER_ERROR, text_content_type, {}};
    }
}

void HttpEndpoint::log_failure(std::string_view url, const char* what) noexcept {
    try {
        log("HTTP " + std::string(url) + " failed: " + what);
    } catch (...) {
        log("an HTTP request failed");
    }
}

void HttpEndpoint::log(std::string_view message) noexcept {
    if (!log_) return;
    try {
        log_(message);
    } catch (...) {
        // A log sink that throws loses its message; the request still gets its answer.
    }
}

} // namespace ss::daemon
