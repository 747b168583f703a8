#include "ss/hal/capture/sim_adc.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <numbers>

#include "realtime.hpp"

namespace ss::capture {

namespace {
constexpr std::uint32_t max_rate_hz = 1'000'000;
constexpr std::uint16_t max_channels = 16;
constexpr double full_scale = 4095.0;

std::uint16_t clamp_counts(double v) noexcept {
    return static_cast<std::uint16_t>(std::lround(std::clamp(v, 0.0, full_scale)));
}
} // namespace

SimAdc::SimAdc(const SimAdcConfig& cfg) noexcept : cfg_(cfg) {}

SimAdc::~SimAdc() { stop(); }

int SimAdc::validate(const SimAdcConfig& cfg) noexcept {
    if (cfg.sample_rate_hz == 0 || cfg.sample_rate_hz > max_rate_hz) return -EINVAL;
    if (cfg.channels == 0 || cfg.channels > max_channels) return -EINVAL;
    if (cfg.samples_per_half == 0) return -EINVAL;
    // Bounds the buffer (2 × N × C values) well inside any size_t; 2^24 values per half is far
    // beyond any real ADC buffer.
    if (std::uint64_t{cfg.samples_per_half} * cfg.channels > (1u << 24)) return -EINVAL;
    if (cfg.signal == AdcSignal::sine &&
        !(cfg.frequency_hz > 0.0 && cfg.frequency_hz <= cfg.sample_rate_hz / 2.0))
        return -EINVAL;
    if (!std::isfinite(cfg.amplitude) || !std::isfinite(cfg.offset) || cfg.amplitude < 0.0) return -EINVAL;
    return 0;
}

int SimAdc::start(std::span<std::uint16_t> buffer, AdcHalfFn fn, void* ctx) noexcept {
    if (const int rc = validate(cfg_); rc != 0) return rc;
    if (fn == nullptr || buffer.data() == nullptr) return -EINVAL;
    if (buffer.size() != std::size_t{2} * cfg_.samples_per_half * cfg_.channels) return -EINVAL;
    if (running() || thread_.on_device_thread()) return -EBUSY;
    // Safe to touch: no device thread is running (a stopped one is joined by thread_.start()
    // before the new one begins, and it no longer reads these fields).
    thread_.stop();
    buffer_ = buffer.data();
    fn_ = fn;
    ctx_ = ctx;
    halves_.store(0, std::memory_order_relaxed);
    samples_written_.store(0, std::memory_order_relaxed);
    samples_lost_.store(0, std::memory_order_relaxed);
    lateness_.reset();
    return thread_.start([](void* self) { static_cast<SimAdc*>(self)->run(); }, this);
}

void SimAdc::stop() noexcept { thread_.stop(); }

AdcStats SimAdc::stats() const noexcept {
    AdcStats s;
    s.halves = halves_.load(std::memory_order_relaxed);
    s.samples_written = samples_written_.load(std::memory_order_relaxed);
    s.samples_lost = samples_lost_.load(std::memory_order_relaxed);
    s.lateness = lateness_.snapshot();
    return s;
}

void SimAdc::fill(std::uint16_t* out, std::uint64_t first_sample) const noexcept {
    const std::uint32_t n = cfg_.samples_per_half;
    const std::uint16_t channels = cfg_.channels;
    switch (cfg_.signal) {
    case AdcSignal::sine: {
        // Exact phase at the half's first sample (reduced to one turn before multiplying by 2π to
        // keep precision at large indices), then a rotation per sample: two multiply-adds instead
        // of a sin() per value; the drift over one half is far below half a count.
        const double cycles = std::fmod(static_cast<double>(first_sample) * cfg_.frequency_hz / cfg_.sample_rate_hz, 1.0);
        const double phase = 2.0 * std::numbers::pi * cycles;
        const double step = 2.0 * std::numbers::pi * cfg_.frequency_hz / cfg_.sample_rate_hz;
        const double cos_step = std::cos(step);
        const double sin_step = std::sin(step);
        double s = std::sin(phase);
        double c = std::cos(phase);
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint16_t v = clamp_counts(cfg_.offset + cfg_.amplitude * s);
            std::fill_n(out + std::size_t{i} * channels, channels, v);
            const double s_next = s * cos_step + c * sin_step;
            c = c * cos_step - s * sin_step;
            s = s_next;
        }
        break;
    }
    case AdcSignal::ramp:
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint64_t base = (first_sample + i) * cfg_.ramp_step;
            for (std::uint16_t ch = 0; ch < channels; ++ch)
                out[std::size_t{i} * channels + ch] = static_cast<std::uint16_t>((base + ch) & 0xFFFu);
        }
        break;
    case AdcSignal::noise: {
        const std::uint16_t lo = clamp_counts(cfg_.offset - cfg_.amplitude);
        const std::uint16_t hi = clamp_counts(cfg_.offset + cfg_.amplitude);
        const std::uint64_t span = std::uint64_t{hi} - lo + 1;
        for (std::uint32_t i = 0; i < n; ++i) {
            for (std::uint16_t ch = 0; ch < channels; ++ch) {
                const std::uint64_t index = (first_sample + i) * channels + ch;
                // The top 32 bits scaled into [0, span): no modulo bias worth mentioning.
                const std::uint64_t r = (detail::mix64(cfg_.seed ^ detail::mix64(index)) >> 32) * span >> 32;
                out[std::size_t{i} * channels + ch] = static_cast<std::uint16_t>(lo + r);
            }
        }
        break;
    }
    }
}

void SimAdc::run() noexcept {
    const std::uint32_t n = cfg_.samples_per_half;
    const std::size_t half_values = std::size_t{n} * cfg_.channels;
    const std::uint64_t t0 = detail::monotonic_ns();
    bool next_free = true; // start() hands the whole buffer to the hardware
    for (std::uint64_t k = 0;; ++k) {
        const auto half = static_cast<std::uint8_t>(k & 1u);
        const std::uint64_t first = k * n;
        std::uint16_t* dst = buffer_ + half * half_values;
        // The hardware writes during the half's period, so the values are in place before the
        // deadline; software must not read this half until its callback, as on a real DMA.
        if (next_free) fill(dst, first);
        // Absolute deadlines from one origin: lateness never accumulates into drift, and a late
        // wake-up produces the overdue halves back to back (catching up, never skipping).
        const std::uint64_t ideal = t0 + detail::units_to_ns(first + n, cfg_.sample_rate_hz);
        if (!detail::sleep_until_ns(ideal, thread_.stop_flag())) return;
        const std::uint64_t now = detail::monotonic_ns();
        lateness_.record(now - ideal);
        (next_free ? samples_written_ : samples_lost_).fetch_add(n, std::memory_order_relaxed);
        halves_.fetch_add(1, std::memory_order_relaxed);
        AdcHalfEvent ev;
        ev.values = dst;
        ev.samples = n;
        ev.channels = cfg_.channels;
        ev.half = half;
        ev.lost = !next_free;
        ev.first_sample = first;
        ev.time_us = now / 1000;
        next_free = fn_(ctx_, ev);
        if (thread_.stop_requested()) return;
    }
}

} // namespace ss::capture
