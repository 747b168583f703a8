// A minimal HTTP/1.1 client over a socket, for tests that talk to a real server (the daemon's
// endpoint, a Prometheus server): one request per connection, Content-Length, chunked or
// until-close bodies, IPv4 and IPv6 literals. No dependency the install script does not bring.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace ss::test {

/// A connected socket, closed on destruction.
class TcpConnection {
public:
    /// Connects to an IPv4 or IPv6 literal and port within timeout.
    static std::expected<TcpConnection, std::string> open(std::string_view host, std::uint16_t port,
                                                          std::chrono::milliseconds timeout) {
        sockaddr_storage address{};
        socklen_t length = 0;
        const std::string literal(host);
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
        if (::inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(port);
            length = sizeof(sockaddr_in);
        } else if (::inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(port);
            length = sizeof(sockaddr_in6);
        } else
            return std::unexpected("not an address literal: " + literal);
        TcpConnection c(::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), timeout);
        if (c.fd_ < 0) return std::unexpected("socket: " + errno_message(errno));
        if (::connect(c.fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
            if (errno != EINPROGRESS) return std::unexpected("connect: " + errno_message(errno));
            if (!c.wait(POLLOUT)) return std::unexpected(std::string("connect: timed out"));
            int error = 0;
            socklen_t error_length = sizeof error;
            ::getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &error, &error_length);
            if (error != 0) return std::unexpected("connect: " + errno_message(error));
        }
        return c;
    }

    TcpConnection(TcpConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)), timeout_(other.timeout_) {}
    TcpConnection& operator=(TcpConnection&&) = delete;
    ~TcpConnection() {
        if (fd_ >= 0) ::close(fd_);
    }

    std::expected<void, std::string> send_all(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n > 0) {
                data.remove_prefix(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait(POLLOUT)) continue;
            return std::unexpected("send: " + (n < 0 ? errno_message(errno) : std::string("timed out")));
        }
        return {};
    }

    /// Reads until the peer closes, within the timeout of each wait.
    std::expected<std::string, std::string> receive_until_closed() {
        std::string received;
        char buffer[16384];
        for (;;) {
            const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n > 0) {
                received.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0) return received;
            if (errno == EINTR) continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait(POLLIN)) continue;
            if (errno == ECONNRESET) return std::unexpected("connection reset after " + std::to_string(received.size()) + " bytes");
            return std::unexpected("recv: " + (errno == EAGAIN || errno == EWOULDBLOCK ? std::string("timed out")
                                                                                       : errno_message(errno)));
        }
    }

    int fd() const noexcept { return fd_; }

private:
    TcpConnection(int fd, std::chrono::milliseconds timeout) noexcept : fd_(fd), timeout_(timeout) {}

    bool wait(short events) const {
        pollfd p{fd_, events, 0};
        int r;
        do r = ::poll(&p, 1, static_cast<int>(timeout_.count()));
        while (r < 0 && errno == EINTR);
        return r > 0;
    }

    static std::string errno_message(int error) { return std::error_code(error, std::generic_category()).message(); }

    int fd_;
    std::chrono::milliseconds timeout_;
};

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers; ///< names in lower case
    std::string body;

    std::string header(std::string_view name) const {
        const auto it = headers.find(std::string(name));
        return it == headers.end() ? std::string() : it->second;
    }
};

namespace http_detail {

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

inline std::expected<std::string, std::string> decode_chunked(std::string_view in) {
    std::string body;
    for (;;) {
        const auto line_end = in.find("\r\n");
        if (line_end == std::string_view::npos) return std::unexpected(std::string("chunked body: no size line"));
        std::size_t size = 0;
        const std::string_view size_text = in.substr(0, line_end);
        const auto r = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
        if (r.ec != std::errc()) return std::unexpected("chunked body: bad size '" + std::string(size_text) + "'");
        in.remove_prefix(line_end + 2);
        if (size == 0) return body;
        if (in.size() < size + 2) return std::unexpected(std::string("chunked body: truncated"));
        body.append(in.substr(0, size));
        in.remove_prefix(size + 2);
    }
}

inline std::expected<HttpResponse, std::string> parse_response(std::string_view raw, bool head_request) {
    const auto head_end = raw.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return std::unexpected("no complete response head in " + std::to_string(raw.size()) + " bytes");
    std::string_view head = raw.substr(0, head_end);
    std::string_view rest = raw.substr(head_end + 4);
    HttpResponse response;
    const auto status_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, status_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12)
        return std::unexpected("bad status line: " + std::string(status_line));
    std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
    head = status_end == std::string_view::npos ? std::string_view() : head.substr(status_end + 2);
    while (!head.empty()) {
        const auto line_end = head.find("\r\n");
        const std::string_view line = head.substr(0, line_end);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) return std::unexpected("bad header line: " + std::string(line));
        response.headers[lower(line.substr(0, colon))] = std::string(trim(line.substr(colon + 1)));
        if (line_end == std::string_view::npos) break;
        head.remove_prefix(line_end + 2);
    }
    if (head_request) return response;
    if (lower(response.header("transfer-encoding")) == "chunked") {
        auto body = decode_chunked(rest);
        if (!body) return std::unexpected(body.error());
        response.body = std::move(*body);
    } else if (const std::string length_text = response.header("content-length"); !length_text.empty()) {
        std::size_t length = 0;
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
        if (rest.size() < length)
            return std::unexpected("body truncated: " + std::to_string(rest.size()) + " of " + length_text + " bytes");
        response.body = std::string(rest.substr(0, length));
    } else
        response.body = std::string(rest);
    return response;
}

} // namespace http_detail

/// One request on a fresh connection ("Connection: close"), its response read to the end.
/// extra_headers: whole header lines, each ending in "\r\n".
inline std::expected<HttpResponse, std::string> http_request(std::string_view host, std::uint16_t port,
                                                             std::string_view method, std::string_view target,
                                                             std::string_view body = {},
                                                             std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                                             std::string_view extra_headers = {}) {
    auto connection = TcpConnection::open(host, port, timeout);
    if (!connection) return std::unexpected(connection.error());
    const bool v6 = host.find(':') != std::string_view::npos;
    std::string request;
    request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
    request.append(v6 ? "[" : "").append(host).append(v6 ? "]" : "").append(":").append(std::to_string(port));
    request.append("\r\nUser-Agent: ss-test\r\nAccept: */*\r\nConnection: close\r\n").append(extra_headers);
    if (!body.empty() || method == "POST" || method == "PUT")
        request.append("Content-Type: text/plain\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n");
    request.append("\r\n").append(body);
    if (auto sent = connection->send_all(request); !sent) return std::unexpected(sent.error());
    auto raw = connection->receive_until_closed();
    if (!raw) return std::unexpected(raw.error());
    return http_detail::parse_response(*raw, method == "HEAD");
}

inline std::expected<HttpResponse, std::string> http_get(std::string_view host, std::uint16_t port,
                                                         std::string_view target) {
    return http_request(host, port, "GET", target);
}

/// Percent-encodes a query parameter's value (RFC 3986 unreserved characters stay).
inline std::string url_encode(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += ch;
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

} // namespace ss::test
