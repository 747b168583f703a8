#include "ss/capture/utc_clock.hpp"

#include <cmath>
#include <limits>

#include "ss/text.hpp"

namespace ss::capture {

namespace {

constexpr std::int64_t billion = 1'000'000'000;

Expected<void> reject(Text& why, const char* field, const char* rule) noexcept {
    why.clear();
    why << "utc clock: " << field << ' ' << rule;
    return std::unexpected(Errc::invalid_argument);
}

// floor(a / b) for b > 0.
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    if ((a % b) < 0) --q;
    return q;
}

// floor(elapsed · rate_ppb / 10^9) without overflowing for any elapsed below 2^62 µs
// (|rate_ppb| ≤ 2·10^8 by the config bounds).
std::int64_t scaled(std::int64_t elapsed, std::int64_t rate_ppb) noexcept {
    const std::int64_t whole = floor_div(elapsed, billion);
    const std::int64_t rest = elapsed - whole * billion; // 0 .. 10^9 - 1
    return whole * rate_ppb + floor_div(rest * rate_ppb, billion);
}

} // namespace

Expected<void> UtcClock::configure(const Config& cfg, Text& why) noexcept {
    if (cfg.step_threshold_ms < 1 || cfg.step_threshold_ms > 1'000'000) {
        return reject(why, "step_threshold_ms", "must be within 1 .. 1000000");
    }
    if (cfg.max_slew_ppm < 1 || cfg.max_slew_ppm > 100'000) {
        return reject(why, "max_slew_ppm", "must be within 1 .. 100000");
    }
    if (cfg.drift_min_baseline_s < 1) return reject(why, "drift_min_baseline_s", "must be at least 1");
    if (cfg.max_drift_ppm > 100'000) return reject(why, "max_drift_ppm", "must be at most 100000");
    *this = UtcClock{};
    cfg_ = cfg;
    return {};
}

std::int64_t UtcClock::map_us(std::uint64_t monotonic_us) const noexcept {
    // Each piece is e + floor(e · r / 10^9) with |r| < 10^9: it rises by 0 or more per µs, so the
    // mapping never decreases, not even where the slew ends.
    const auto elapsed = static_cast<std::int64_t>(monotonic_us - mono_anchor_);
    if (elapsed <= 0) return utc_anchor_ + elapsed + scaled(elapsed, drift_ppb_);
    if (elapsed <= slew_end_us_) return utc_anchor_ + elapsed + scaled(elapsed, drift_ppb_ + slew_ppb_);
    const std::int64_t at_end = utc_anchor_ + slew_end_us_ + scaled(slew_end_us_, drift_ppb_ + slew_ppb_);
    const std::int64_t after = elapsed - slew_end_us_;
    return at_end + after + scaled(after, drift_ppb_);
}

Expected<std::uint64_t> UtcClock::to_utc_us(std::uint64_t monotonic_us) const noexcept {
    if (!known_) return std::unexpected(Errc::try_again);
    const std::int64_t utc = map_us(monotonic_us);
    return utc < 0 ? 0u : static_cast<std::uint64_t>(utc);
}

Expected<std::uint64_t> UtcClock::to_utc_ms(std::uint64_t monotonic_us) const noexcept {
    auto us = to_utc_us(monotonic_us);
    if (!us) return us;
    return *us / 1000u;
}

std::int64_t UtcClock::pending_slew_us(std::uint64_t monotonic_us) const noexcept {
    if (!known_ || slew_ppb_ == 0) return 0;
    const auto elapsed = static_cast<std::int64_t>(monotonic_us - mono_anchor_);
    if (elapsed <= 0) return slew_us_;
    if (elapsed >= slew_end_us_) return 0;
    const std::int64_t absorbed = scaled(elapsed, drift_ppb_ + slew_ppb_) - scaled(elapsed, drift_ppb_);
    return slew_us_ - absorbed;
}

Expected<UtcClock::Change> UtcClock::set_utc(std::uint64_t monotonic_us, std::uint64_t utc_ms) noexcept {
    constexpr auto max_utc_ms = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1000);
    if (utc_ms == 0 || utc_ms > max_utc_ms || (known_ && monotonic_us < last_mono_us_)) {
        ++counters_.rejected;
        return std::unexpected(Errc::invalid_argument);
    }
    const auto utc_us = static_cast<std::int64_t>(utc_ms * 1000u);
    ++counters_.corrections;
    last_mono_us_ = monotonic_us;
    if (!known_) {
        known_ = true;
        mono_anchor_ = ref_mono_us_ = monotonic_us;
        utc_anchor_ = ref_utc_us_ = utc_us;
        slew_ppb_ = slew_us_ = slew_end_us_ = 0;
        counters_.last_offset_us = 0;
        return Change::initial;
    }

    const std::int64_t predicted = map_us(monotonic_us);
    const std::int64_t offset = utc_us - predicted;
    counters_.last_offset_us = offset;
    const std::int64_t threshold_us = std::int64_t{cfg_.step_threshold_ms} * 1000;

    if (offset > threshold_us || offset < -threshold_us) {
        // A step puts UTC where it was told to be at once. The drift baseline is restarted: the
        // old reference was on the other side of the jump.
        mono_anchor_ = ref_mono_us_ = monotonic_us;
        utc_anchor_ = ref_utc_us_ = utc_us;
        slew_ppb_ = slew_us_ = slew_end_us_ = 0;
        if (offset > 0) {
            ++counters_.steps_forward;
            return Change::stepped_forward;
        }
        ++counters_.steps_backward;
        return Change::stepped_backward;
    }

    // Drift from the reference correction to this one, raw (not through the mapping).
    const std::uint64_t baseline_us = monotonic_us - ref_mono_us_;
    if (baseline_us >= std::uint64_t{cfg_.drift_min_baseline_s} * 1'000'000u) {
        const double utc_elapsed = static_cast<double>(utc_us - ref_utc_us_);
        const double mono_elapsed = static_cast<double>(baseline_us);
        double ppb = (utc_elapsed / mono_elapsed - 1.0) * 1e9;
        const double bound = static_cast<double>(cfg_.max_drift_ppm) * 1e3;
        if (ppb > bound) ppb = bound;
        if (ppb < -bound) ppb = -bound;
        drift_ppb_ = static_cast<std::int64_t>(std::llround(ppb));
    }

    // Re-anchor where the old mapping was, so the new one continues it, and absorb the offset
    // from there at max_slew_ppm.
    mono_anchor_ = monotonic_us;
    utc_anchor_ = predicted;
    slew_us_ = offset;
    if (offset == 0) {
        slew_ppb_ = slew_end_us_ = 0;
    } else {
        const std::int64_t rate = std::int64_t{cfg_.max_slew_ppm} * 1000;
        const std::int64_t magnitude = offset < 0 ? -offset : offset;
        slew_ppb_ = offset < 0 ? -rate : rate;
        slew_end_us_ = (magnitude * billion + rate - 1) / rate; // |offset| ≤ 10^9 µs: no overflow
        ++counters_.slews;
    }
    return Change::slewed;
}

} // namespace ss::capture
