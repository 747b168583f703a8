#include "ss/capture/sample_clock.hpp"

#include <cmath>

#include "fixed_point.hpp"
#include "ss/text.hpp"

namespace ss::capture {

namespace {

constexpr double q32 = 4294967296.0;

Expected<void> reject(Text& why, const char* field, const char* rule) noexcept {
    why.clear();
    why << "sample clock: " << field << ' ' << rule;
    return std::unexpected(Errc::invalid_argument);
}

std::uint64_t period_q32_of(double period_us) noexcept {
    return static_cast<std::uint64_t>(std::llround(period_us * q32));
}

} // namespace

Expected<void> SampleClock::configure(const Config& cfg, Text& why) noexcept {
    // 0.001 Hz .. 1 GHz keeps the Q32 period within 1 .. 2^62.
    if (!(cfg.nominal_rate_hz >= 0.001 && cfg.nominal_rate_hz <= 1e9)) {
        return reject(why, "nominal_rate_hz", "must be within 0.001 .. 1e9 samples per second");
    }
    if (cfg.window < 4 || cfg.window > max_window) return reject(why, "window", "must be within 4 .. 32");
    if (cfg.max_rate_error_ppm < 1 || cfg.max_rate_error_ppm > 500'000) {
        return reject(why, "max_rate_error_ppm", "must be within 1 .. 500000");
    }
    if (cfg.resync_after < 1) return reject(why, "resync_after", "must be at least 1");

    const double nominal_us = 1e6 / cfg.nominal_rate_hz;
    const double bound = static_cast<double>(cfg.max_rate_error_ppm) * 1e-6;
    cfg_ = cfg;
    nominal_period_q32_ = period_q32_of(nominal_us);
    min_period_q32_ = period_q32_of(nominal_us / (1.0 + bound)); // fastest allowed rate
    max_period_q32_ = period_q32_of(nominal_us / (1.0 - bound)); // slowest allowed rate
    spacing_us_ = cfg.fit_span_us / cfg.window;
    period_q32_ = nominal_period_q32_;
    slope_estimated_ = false;
    configured_ = true;
    synchronized_ = false;
    count_ = 0;
    first_ = 0;
    recent_count_ = 0;
    recent_first_ = 0;
    disagreeing_ = 0;
    hold_valid_ = false;
    counters_ = Counters{};
    return {};
}

const SampleClock::Point& SampleClock::point(std::uint32_t age) const noexcept {
    return window_[(first_ + age) % cfg_.window];
}

std::int64_t SampleClock::model_us(std::uint64_t index) const noexcept {
    // Differences of indices within 2^63 of each other wrap into the right signed value.
    const auto delta = static_cast<std::int64_t>(index - anchor_index_);
    return anchor_us_ + detail::mul_q32_signed(delta, period_q32_);
}

std::int64_t SampleClock::residual_us(const Point& p) const noexcept {
    return static_cast<std::int64_t>(p.time_us) - model_us(p.index);
}

void SampleClock::add_point(std::uint64_t index, std::uint64_t time_us) noexcept {
    const Point fresh{index, time_us};
    // The latest observations, for the offset.
    recent_[(recent_first_ + recent_count_) % max_recent] = fresh;
    if (recent_count_ == max_recent) {
        recent_first_ = (recent_first_ + 1) % max_recent;
    } else {
        ++recent_count_;
    }

    // The rate points: one per interval of spacing_us, the observation of the interval that sits
    // earliest against the fit. Completion latency is never negative, so the earliest is the one
    // least delayed; a late callback is never chosen while an on-time one shares its interval.
    if (count_ > 0 && spacing_us_ > 0) {
        const auto into_interval = static_cast<std::int64_t>(time_us - interval_start_us_);
        if (into_interval < static_cast<std::int64_t>(spacing_us_)) {
            Point& candidate = window_[(first_ + count_ - 1) % cfg_.window];
            if (residual_us(fresh) <= residual_us(candidate)) candidate = fresh;
            return;
        }
    }
    // A new interval: the previous candidate stays as a rate point, this one is the new candidate.
    if (count_ == cfg_.window) {
        first_ = (first_ + 1) % cfg_.window;
        --count_;
    }
    window_[(first_ + count_) % cfg_.window] = fresh;
    ++count_;
    interval_start_us_ = time_us;
}

void SampleClock::refit() noexcept {
    // Slope: a median of slopes between rate points (Theil-Sen style), so one bad point cannot
    // carry it. The newest point is the current interval's candidate, possibly only a DMA half
    // after its neighbour, so only the settled points before it are used, and only from three on:
    // two points cannot tell which of them is off. Up to eight points every pair is used (robust
    // while there are few), beyond that the pairs half a window apart (each point in at most two).
    static_assert(all_pairs_up_to * (all_pairs_up_to - 1) / 2 <= max_window, "slope buffer too small");
    const std::uint32_t settled = count_ - 1;
    if (settled >= 3) {
        std::uint64_t slopes[max_window];
        std::uint32_t n = 0;
        auto add_slope = [&](const Point& a, const Point& b) {
            // Pairs closer than half an interval say more about jitter than about rate.
            if (b.index <= a.index || b.time_us <= a.time_us || b.time_us - a.time_us < spacing_us_ / 2) return;
            slopes[n++] = detail::div_q32(b.time_us - a.time_us, b.index - a.index);
        };
        if (settled <= all_pairs_up_to) {
            for (std::uint32_t i = 0; i < settled; ++i) {
                for (std::uint32_t j = i + 1; j < settled; ++j) add_slope(point(i), point(j));
            }
        } else {
            const std::uint32_t half = settled / 2;
            for (std::uint32_t i = 0; i + half < settled; ++i) add_slope(point(i), point(i + half));
        }
        if (n > 0) {
            std::uint64_t slope = detail::median(slopes, n);
            if (slope < min_period_q32_) slope = min_period_q32_;
            if (slope > max_period_q32_) slope = max_period_q32_;
            period_q32_ = slope;
            slope_estimated_ = true;
        }
    }
    // Offset: the lowest of the latest observations' residuals from a line of that slope through
    // the newest one (their lower envelope). Latency is never negative, so the least delayed
    // observation is the best evidence of where the line is, and it takes a run of as many late
    // callbacks as there are recent observations to move it. An older observation's residual is
    // only as good as the slope over its distance, so it is raised by the slope's uncertainty
    // over that distance (the whole rate bound until a slope has been estimated) before it may
    // undercut the newest one. The fit is anchored at the newest observation.
    const Point newest = recent_[(recent_first_ + recent_count_ - 1) % max_recent];
    const std::uint64_t uncertainty_ppm =
        slope_estimated_ && cfg_.max_rate_error_ppm > estimated_rate_uncertainty_ppm ? estimated_rate_uncertainty_ppm
                                                                                       : cfg_.max_rate_error_ppm;
    std::int64_t lowest = 0; // the newest point's own residual
    for (std::uint32_t i = 0; i + 1 < recent_count_; ++i) {
        const Point& p = recent_[(recent_first_ + i) % max_recent];
        const auto dt = static_cast<std::int64_t>(p.time_us - newest.time_us);
        const auto di = static_cast<std::int64_t>(p.index - newest.index);
        const std::uint64_t distance = static_cast<std::uint64_t>(dt < 0 ? -dt : dt);
        const auto cone = static_cast<std::int64_t>(distance * uncertainty_ppm / 1'000'000u);
        const std::int64_t residual = dt - detail::mul_q32_signed(di, period_q32_) + cone;
        if (residual < lowest) lowest = residual;
    }
    anchor_index_ = newest.index;
    anchor_us_ = static_cast<std::int64_t>(newest.time_us) + lowest;
}

void SampleClock::start_over(std::uint64_t index, std::uint64_t time_us) noexcept {
    count_ = 0;
    first_ = 0;
    recent_count_ = 0;
    recent_first_ = 0;
    add_point(index, time_us);
    refit();
    last_index_ = index;
    disagreeing_ = 0;
    synchronized_ = true;
    ++counters_.accepted;
}

void SampleClock::resynchronize(std::uint64_t last_sample_index, std::uint64_t completion_us) noexcept {
    if (!configured_) return;
    if (synchronized_ && last_sample_index < last_index_ && hold_valid_) hold_index_ = 0;
    start_over(last_sample_index, completion_us);
}

SampleClock::Observation SampleClock::observe(std::uint64_t last_sample_index, std::uint64_t completion_us) noexcept {
    if (!configured_) return Observation::unconfigured;
    ++counters_.observations;
    if (!synchronized_) {
        start_over(last_sample_index, completion_us);
        return Observation::first;
    }
    if (last_sample_index < last_index_) {
        // The counter restarted: the new indices name later samples than the old ones, so every
        // new index must map at or after the latest time already handed out.
        ++counters_.counter_resets;
        if (hold_valid_) hold_index_ = 0;
        start_over(last_sample_index, completion_us);
        return Observation::resynced;
    }
    if (last_sample_index == last_index_) {
        ++counters_.duplicates;
        return Observation::duplicate;
    }
    last_index_ = last_sample_index;

    const std::int64_t predicted = model_us(last_sample_index);
    const std::int64_t residual = static_cast<std::int64_t>(completion_us) - predicted;
    // The prediction may be off by the rate bound over the distance from the anchor, plus jitter.
    const std::int64_t reach = predicted - anchor_us_;
    const auto distance = static_cast<std::uint64_t>(reach < 0 ? -reach : reach);
    const std::uint64_t allowance =
        cfg_.tolerance_us + distance / 1'000'000u * cfg_.max_rate_error_ppm +
        distance % 1'000'000u * cfg_.max_rate_error_ppm / 1'000'000u;
    const auto miss = static_cast<std::uint64_t>(residual < 0 ? -residual : residual);
    if (miss <= allowance) {
        disagreeing_ = 0;
        add_point(last_sample_index, completion_us);
        refit();
        ++counters_.accepted;
        return Observation::accepted;
    }
    ++counters_.outliers;
    if (residual < 0) {
        // Earlier than the fit allows: latency cannot explain that, so the fit itself is late (its
        // observations were delayed, the very first one for instance). Start over from this one.
        ++counters_.early_restarts;
        start_over(last_sample_index, completion_us);
        return Observation::resynced;
    }
    // A jump shifts every later observation by the same amount; late callbacks are late by
    // different amounts. Only a run of disagreeing observations that agree with each other (within
    // the same allowance) confirms a jump.
    const std::int64_t spread = residual - streak_residual_;
    const auto spread_abs = static_cast<std::uint64_t>(spread < 0 ? -spread : spread);
    if (disagreeing_ == 0 || spread_abs > allowance) {
        disagreeing_ = 0;
        streak_residual_ = residual;
        streak_start_us_ = completion_us;
    }
    // A burst of similar late callbacks looks like a jump for a few halves; a jump is taken as real
    // only once it has lasted resync_after_us as well.
    if (++disagreeing_ >= cfg_.resync_after && completion_us - streak_start_us_ >= cfg_.resync_after_us) {
        ++counters_.resyncs;
        start_over(last_sample_index, completion_us);
        return Observation::resynced;
    }
    return Observation::outlier;
}

Expected<std::uint64_t> SampleClock::predict_us(std::uint64_t index) const noexcept {
    if (!synchronized_) return std::unexpected(Errc::try_again);
    const std::int64_t t = model_us(index);
    return t < 0 ? 0u : static_cast<std::uint64_t>(t);
}

Expected<std::uint64_t> SampleClock::to_monotonic_us(std::uint64_t index) noexcept {
    auto predicted = predict_us(index);
    if (!predicted) return predicted;
    std::uint64_t t = *predicted;
    if (!hold_valid_) {
        hold_valid_ = true;
        hold_index_ = index;
        hold_us_ = t;
        return t;
    }
    // Later indices never get an earlier time than one already handed out; earlier indices never
    // get a later one. Either way the answers stay ordered like the indices.
    if (index >= hold_index_) {
        if (t < hold_us_) {
            t = hold_us_;
            ++counters_.clamped_outputs;
        }
        hold_index_ = index;
        hold_us_ = t;
    } else if (t > hold_us_) {
        t = hold_us_;
        ++counters_.clamped_outputs;
    }
    return t;
}

double SampleClock::estimated_rate_hz() const noexcept {
    if (period_q32_ == 0) return 0.0;
    return 1e6 * q32 / static_cast<double>(period_q32_);
}

double SampleClock::rate_error_ppm() const noexcept {
    if (period_q32_ == 0) return 0.0;
    return (static_cast<double>(nominal_period_q32_) / static_cast<double>(period_q32_) - 1.0) * 1e6;
}

} // namespace ss::capture
