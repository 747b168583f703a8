#include "ss/hal/capture/sim_spi.hpp"

#include <cerrno>

#include "realtime.hpp"

namespace ss::capture {

namespace {
constexpr std::uint32_t min_clock_hz = 1'000;
constexpr std::uint32_t max_clock_hz = 100'000'000;
} // namespace

SimSpi::SimSpi(const SimSpiConfig& cfg) noexcept : cfg_(cfg) {}

SimSpi::~SimSpi() { stop(); }

int SimSpi::start() noexcept {
    if (cfg_.clock_hz < min_clock_hz || cfg_.clock_hz > max_clock_hz || cfg_.device == nullptr) return -EINVAL;
    if (running() || thread_.on_device_thread()) return -EBUSY;
    thread_.stop(); // joins a thread that stopped itself from a callback
    transfers_.store(0, std::memory_order_relaxed);
    bytes_.store(0, std::memory_order_relaxed);
    cancelled_.store(0, std::memory_order_relaxed);
    lateness_.reset();
    return thread_.start([](void* self) { static_cast<SimSpi*>(self)->run(); }, this);
}

void SimSpi::stop() noexcept {
    thread_.request_stop();
    {
        // Taking the lock orders the stop flag before the thread's next look at it, so the
        // notification below cannot fall between its check and its wait.
        std::lock_guard lock(mutex_);
    }
    wake_.notify_all();
    thread_.stop();
}

int SimSpi::transfer(std::span<const std::uint8_t> tx, std::span<std::uint8_t> rx, SpiDoneFn fn, void* ctx) noexcept {
    if (fn == nullptr || tx.empty() || tx.size() != rx.size() || tx.data() == nullptr || rx.data() == nullptr)
        return -EINVAL;
    {
        std::lock_guard lock(mutex_);
        if (!running()) return -ENOTCONN;
        if (busy_.load(std::memory_order_relaxed)) return -EBUSY;
        busy_.store(true, std::memory_order_release);
        tx_ = tx.data();
        rx_ = rx.data();
        n_ = tx.size();
        fn_ = fn;
        ctx_ = ctx;
        requested_ns_ = detail::monotonic_ns();
        pending_ = true;
    }
    wake_.notify_one();
    return 0;
}

SpiStats SimSpi::stats() const noexcept {
    SpiStats s;
    s.transfers = transfers_.load(std::memory_order_relaxed);
    s.bytes = bytes_.load(std::memory_order_relaxed);
    s.cancelled = cancelled_.load(std::memory_order_relaxed);
    s.lateness = lateness_.snapshot();
    return s;
}

void SimSpi::run() noexcept {
    for (;;) {
        const std::uint8_t* tx = nullptr;
        std::uint8_t* rx = nullptr;
        std::size_t n = 0;
        SpiDoneFn fn = nullptr;
        void* ctx = nullptr;
        std::uint64_t begin = 0;
        {
            // Nothing to clock out: sleep until a transfer or a stop (no deadline to keep).
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return pending_ || thread_.stop_requested(); });
            if (!pending_) return;
            pending_ = false;
            tx = tx_;
            rx = rx_;
            n = n_;
            fn = fn_;
            ctx = ctx_;
            begin = requested_ns_;
        }
        // The DMA clocks n × 8 bits out at the SCK rate; the last bit ends at `done`.
        const std::uint64_t done = begin + detail::units_to_ns(std::uint64_t{n} * 8, cfg_.clock_hz);
        SpiTransferDone result;
        result.bytes = n;
        if (detail::sleep_until_ns(done, thread_.stop_flag())) {
            // The slave's answer lands in rx at the end: software must not look before the
            // callback anyway, as with a real DMA.
            cfg_.device(cfg_.device_ctx, tx, rx, n);
            const std::uint64_t now = detail::monotonic_ns();
            lateness_.record(now - done);
            transfers_.fetch_add(1, std::memory_order_relaxed);
            bytes_.fetch_add(n, std::memory_order_relaxed);
            result.time_us = now / 1000;
        } else {
            cancelled_.fetch_add(1, std::memory_order_relaxed);
            result.status = -ECANCELED;
            result.time_us = detail::monotonic_ns() / 1000;
        }
        // Ready before the callback, as HAL sets the state to READY before TxRxCpltCallback, so
        // the callback may chain the next transfer.
        busy_.store(false, std::memory_order_release);
        fn(ctx, result);
        if (result.status != 0) return;
    }
}

} // namespace ss::capture
