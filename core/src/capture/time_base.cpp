#include "ss/capture/time_base.hpp"

namespace ss::capture {

Expected<void> TimeBase::configure_utc(const UtcClock::Config& cfg, Text& why) noexcept {
    auto ok = utc_.configure(cfg, why);
    if (ok) hold_valid_ = false;
    return ok;
}

Expected<UtcClock::Change> TimeBase::set_utc(std::uint64_t monotonic_us, std::uint64_t utc_ms) noexcept {
    return utc_.set_utc(monotonic_us, utc_ms);
}

Timestamp TimeBase::stamp(std::uint64_t monotonic_us) noexcept {
    Timestamp t{monotonic_us / 1000u, TimeDomain::monotonic};
    if (auto utc = utc_.to_utc_ms(monotonic_us)) t = Timestamp{*utc, TimeDomain::utc};

    const std::uint32_t generation = utc_.generation();
    if (!hold_valid_ || t.domain != hold_domain_ || generation != hold_generation_) {
        // A new timeline (UTC became known, or it stepped): its values are not comparable with
        // the old ones, so the hold starts over.
        hold_valid_ = true;
        hold_domain_ = t.domain;
        hold_generation_ = generation;
        hold_mono_us_ = monotonic_us;
        hold_ms_ = t.ms;
        return t;
    }
    // A correction may move the mapping of times just before it by a little; keep stamps ordered
    // like their monotonic times.
    if (monotonic_us >= hold_mono_us_) {
        if (t.ms < hold_ms_) {
            t.ms = hold_ms_;
            ++held_;
        }
        hold_mono_us_ = monotonic_us;
        hold_ms_ = t.ms;
    } else if (t.ms > hold_ms_) {
        t.ms = hold_ms_;
        ++held_;
    }
    return t;
}

Expected<Timestamp> TimeBase::stamp_sample(SampleClock& clock, std::uint64_t index) noexcept {
    auto us = clock.to_monotonic_us(index);
    if (!us) return std::unexpected(us.error());
    return stamp(*us);
}

} // namespace ss::capture
