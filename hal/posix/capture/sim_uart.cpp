#include "ss/hal/capture/sim_uart.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "realtime.hpp"

namespace ss::capture {

namespace {
constexpr std::uint32_t min_baud = 300;
constexpr std::uint32_t max_baud = 10'000'000;
constexpr std::uint64_t bits_per_byte = 10; // start bit, 8 data bits, stop bit
// Bytes are written in chunks of at most ~5 ms of line time: fine enough that overrun is judged
// close to when each byte arrives, coarse enough that the thread wakes at most ~200 times a
// second between events.
constexpr std::uint64_t chunks_per_second = 200;
} // namespace

SimUart::SimUart(const SimUartConfig& cfg) noexcept : cfg_(cfg) {}

SimUart::~SimUart() { stop(); }

int SimUart::start(std::span<std::uint8_t> buffer, UartRxFn fn, void* ctx) noexcept {
    if (cfg_.baud < min_baud || cfg_.baud > max_baud || cfg_.generator == nullptr) return -EINVAL;
    if (fn == nullptr || buffer.data() == nullptr || buffer.size() < 2 || buffer.size() % 2 != 0) return -EINVAL;
    if (running() || thread_.on_device_thread()) return -EBUSY;
    thread_.stop(); // joins a thread that stopped itself from its callback
    buffer_ = buffer.data();
    size_ = buffer.size();
    fn_ = fn;
    ctx_ = ctx;
    read_total_.store(0, std::memory_order_relaxed);
    bytes_received_.store(0, std::memory_order_relaxed);
    bytes_dropped_.store(0, std::memory_order_relaxed);
    overruns_.store(0, std::memory_order_relaxed);
    events_.store(0, std::memory_order_relaxed);
    lateness_.reset();
    return thread_.start([](void* self) { static_cast<SimUart*>(self)->run(); }, this);
}

void SimUart::stop() noexcept { thread_.stop(); }

void SimUart::consumed(std::size_t total_read) noexcept {
    // Release: the consumer's reads of those slots happen before the hardware reuses them.
    read_total_.store(total_read, std::memory_order_release);
}

UartStats SimUart::stats() const noexcept {
    UartStats s;
    s.bytes_received = bytes_received_.load(std::memory_order_relaxed);
    s.bytes_dropped = bytes_dropped_.load(std::memory_order_relaxed);
    s.overruns = overruns_.load(std::memory_order_relaxed);
    s.events = events_.load(std::memory_order_relaxed);
    s.lateness = lateness_.snapshot();
    return s;
}

void SimUart::run() noexcept {
    const std::uint64_t baud = cfg_.baud;
    const std::uint64_t t0 = detail::monotonic_ns();
    // Line time is counted in bit times from t0, so byte and gap durations never round away.
    const auto time_at = [&](std::uint64_t bits) { return t0 + detail::units_to_ns(bits, baud); };
    const std::size_t half = size_ / 2;
    const std::size_t max_chunk = static_cast<std::size_t>(std::max<std::uint64_t>(1, baud / bits_per_byte / chunks_per_second));

    std::uint64_t line_bits = 0; // when the next bit starts
    std::size_t pos = 0;         // DMA write index
    std::size_t written = 0;     // running count, wraps like the consumer's count
    std::uint64_t dropped = 0;
    bool unreported = false; // bytes written or dropped since the last event
    bool dropping = false;   // inside a run of dropped bytes
    UartBurst burst;
    std::size_t sent = 0; // bytes of the current burst already on the line

    // Raises one event at its ideal time `ideal_ns`; false if the callback or anyone stopped us.
    const auto raise = [&](UartRxEventKind kind, std::size_t position, std::uint64_t ideal_ns) {
        const std::uint64_t now = detail::monotonic_ns();
        lateness_.record(now - ideal_ns);
        events_.fetch_add(1, std::memory_order_relaxed);
        unreported = false;
        UartRxEvent ev;
        ev.position = position;
        ev.kind = kind;
        ev.bytes_dropped = dropped;
        ev.time_us = now / 1000;
        fn_(ctx_, ev);
        return !thread_.stop_requested();
    };
    // The line has been idle for one character time after the last byte: the IDLE flag.
    const auto idle_event = [&]() {
        const std::uint64_t ideal = time_at(line_bits + bits_per_byte);
        if (!detail::sleep_until_ns(ideal, thread_.stop_flag())) return false;
        return raise(UartRxEventKind::idle, pos == 0 ? size_ : pos, ideal);
    };

    for (;;) {
        if (sent == burst.length) {
            const std::uint64_t idle_bits = std::uint64_t{burst.idle_us} * baud / 1'000'000;
            if (idle_bits >= bits_per_byte && unreported && !idle_event()) return;
            line_bits += idle_bits;
            burst = cfg_.generator(cfg_.generator_ctx, burst_, burst_capacity);
            burst.length = std::min(burst.length, burst_capacity);
            sent = 0;
            if (burst.length == 0 && burst.idle_us == 0) {
                // End of the stream: the line goes idle for good.
                if (unreported && !idle_event()) return;
                detail::sleep_until_ns(std::numeric_limits<std::uint64_t>::max(), thread_.stop_flag());
                return;
            }
            continue;
        }
        // Up to the next half/full boundary, so those events fire when the byte that reaches the
        // boundary arrives.
        const std::size_t boundary = pos < half ? half : size_;
        const std::size_t k = std::min({burst.length - sent, boundary - pos, max_chunk});
        line_bits += k * bits_per_byte;
        const std::uint64_t arrival = time_at(line_bits); // the last byte's stop bit has ended
        if (!detail::sleep_until_ns(arrival, thread_.stop_flag())) return;

        // Acquire: the consumer's reads of the slots it released happen before we reuse them.
        const std::size_t unread = written - read_total_.load(std::memory_order_acquire);
        const std::size_t space = unread >= size_ ? 0 : size_ - unread;
        const std::size_t n = std::min(k, space);
        std::memcpy(buffer_ + pos, burst_ + sent, n);
        sent += k;
        pos += n;
        written += n;
        bytes_received_.fetch_add(n, std::memory_order_relaxed);
        if (n < k) {
            dropped += k - n;
            bytes_dropped_.fetch_add(k - n, std::memory_order_relaxed);
            if (!dropping) overruns_.fetch_add(1, std::memory_order_relaxed);
            dropping = true;
        } else if (n > 0) {
            dropping = false;
        }
        // Drops count as news too: the consumer learns of the overrun at the next idle event
        // even when no byte could be written (and can only catch up once it is told).
        unreported = true;
        if (n == 0) continue;
        if (pos == half) {
            if (!raise(UartRxEventKind::half, half, arrival)) return;
        } else if (pos == size_) {
            pos = 0;
            if (!raise(UartRxEventKind::complete, size_, arrival)) return;
        }
    }
}

} // namespace ss::capture
