// A serial line to the MCU's uplink (docs/uplink-protocol.md, "Gateway side"): a tty opened in
// raw mode (no echo, no line discipline, no CR/LF translation, 8N1) so that every byte of a COBS
// frame arrives as sent, non-blocking so that the caller's loop decides when to wait (poll on
// fd()). Works the same on a USB-serial adapter, an on-board UART and a pseudo-terminal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>

namespace ss::hal {

struct SerialPortConfig {
    std::string device;           ///< e.g. /dev/ttyUSB0, /dev/serial/by-id/...
    std::uint32_t baud = 115200;  ///< one of serial_baud_supported
    bool rtscts = false;          ///< hardware flow control; off: most MCU boards wire only RX/TX
};

/// Why an operation on the port failed: the errno and a message naming the device, the call
/// and the errno (e.g. "/dev/ttyUSB0: open: Permission denied (EACCES)").
struct SerialError {
    int error_number = 0;
    std::string message;
};

template <class T>
using SerialExpected = std::expected<T, SerialError>;

/// Whether termios has a speed constant for `baud` (50 .. 4 000 000, the standard rates).
bool serial_baud_supported(std::uint32_t baud) noexcept;

class SerialPort {
public:
    /// Opens the device, makes it raw 8N1 at config.baud, discards what was pending in the
    /// driver (bytes from before this open belong to no frame this gateway can answer).
    /// Fails with EINVAL for an unsupported baud, ENOTTY if the path is not a terminal.
    static SerialExpected<SerialPort> open(const SerialPortConfig& config);

    SerialPort(SerialPort&& other) noexcept;
    SerialPort& operator=(SerialPort&& other) noexcept;
    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;
    ~SerialPort();

    /// Reads what is there, up to out.size() bytes; 0 when nothing is (never blocks).
    SerialExpected<std::size_t> read(std::span<std::byte> out);
    /// Writes what the driver takes now, up to in.size() bytes; 0 when its buffer is full.
    SerialExpected<std::size_t> write(std::span<const std::byte> in);

    /// For poll(): readable when read() has bytes.
    int fd() const noexcept { return fd_; }
    const std::string& device() const noexcept { return device_; }

private:
    SerialPort(int fd, std::string device) noexcept : fd_(fd), device_(std::move(device)) {}
    SerialError error(const char* call, int error_number) const;

    int fd_ = -1;
    std::string device_;
};

} // namespace ss::hal
