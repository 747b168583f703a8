#include "posix/uplink/serial_port.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ss::hal {

namespace {

struct BaudConstant {
    std::uint32_t baud;
    speed_t constant;
};

constexpr BaudConstant baud_constants[] = {
    {50, B50},           {75, B75},           {110, B110},         {134, B134},         {150, B150},
    {200, B200},         {300, B300},         {600, B600},         {1200, B1200},       {1800, B1800},
    {2400, B2400},       {4800, B4800},       {9600, B9600},       {19200, B19200},     {38400, B38400},
    {57600, B57600},     {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000}, {1500000, B1500000},
    {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000}, {3500000, B3500000}, {4000000, B4000000},
};

bool speed_of(std::uint32_t baud, speed_t& out) noexcept {
    for (const auto& b : baud_constants)
        if (b.baud == baud) {
            out = b.constant;
            return true;
        }
    return false;
}

// strerror alone says "Permission denied"; the symbolic name is what an operator searches for.
std::string errno_text(int e) {
    const char* name = strerrorname_np(e);
    return std::string(std::strerror(e)) + " (" + (name != nullptr ? name : "errno " + std::to_string(e)) + ")";
}

} // namespace

bool serial_baud_supported(std::uint32_t baud) noexcept {
    speed_t ignored;
    return speed_of(baud, ignored);
}

SerialError SerialPort::error(const char* call, int error_number) const {
    return SerialError{error_number, device_ + ": " + call + ": " + errno_text(error_number)};
}

SerialExpected<SerialPort> SerialPort::open(const SerialPortConfig& config) {
    const SerialPort unopened(-1, config.device);
    speed_t speed;
    if (!speed_of(config.baud, speed))
        return std::unexpected(SerialError{EINVAL, config.device + ": baud " + std::to_string(config.baud) +
                                                       " is not a termios rate: " + errno_text(EINVAL)});
    // O_NOCTTY: a gateway daemon must never acquire the MCU's line as its controlling terminal
    // (a hangup would then signal it).
    const int fd = ::open(config.device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return std::unexpected(unopened.error("open", errno));
    SerialPort port(fd, config.device);
    if (!::isatty(fd)) return std::unexpected(port.error("isatty", ENOTTY));
    termios t{};
    if (::tcgetattr(fd, &t) != 0) return std::unexpected(port.error("tcgetattr", errno));
    ::cfmakeraw(&t);
    t.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | PARENB | CSIZE);
    t.c_cflag |= CS8 | CREAD | CLOCAL;
    if (config.rtscts)
        t.c_cflag |= CRTSCTS;
    else
        t.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS);
    t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (::cfsetispeed(&t, speed) != 0 || ::cfsetospeed(&t, speed) != 0)
        return std::unexpected(port.error("cfsetspeed", errno));
    if (::tcsetattr(fd, TCSANOW, &t) != 0) return std::unexpected(port.error("tcsetattr", errno));
    // tcsetattr succeeds if any one change was applied: read back what the driver kept.
    termios applied{};
    if (::tcgetattr(fd, &applied) != 0) return std::unexpected(port.error("tcgetattr", errno));
    if ((applied.c_lflag & (ICANON | ECHO | ISIG)) != 0 || (applied.c_cflag & CSIZE) != CS8)
        return std::unexpected(port.error("tcsetattr (raw mode not kept)", EIO));
    if (::tcflush(fd, TCIOFLUSH) != 0) return std::unexpected(port.error("tcflush", errno));
    return port;
}

SerialPort::SerialPort(SerialPort&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), device_(std::move(other.device_)) {}

SerialPort& SerialPort::operator=(SerialPort&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        device_ = std::move(other.device_);
    }
    return *this;
}

SerialPort::~SerialPort() {
    if (fd_ >= 0) ::close(fd_);
}

SerialExpected<std::size_t> SerialPort::read(std::span<std::byte> out) {
    for (;;) {
        const ssize_t n = ::read(fd_, out.data(), out.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
        return std::unexpected(error("read", errno));
    }
}

SerialExpected<std::size_t> SerialPort::write(std::span<const std::byte> in) {
    for (;;) {
        const ssize_t n = ::write(fd_, in.data(), in.size());
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
        return std::unexpected(error("write", errno));
    }
}

} // namespace ss::hal
