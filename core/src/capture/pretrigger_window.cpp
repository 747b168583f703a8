#include "ss/capture/pretrigger_window.hpp"

#include "ss/sector_format.hpp"
#include "ss/text.hpp"

namespace ss::capture {

namespace {

Expected<void> refuse(Text& why, const char* field_rule) noexcept {
    why.clear();
    why << field_rule;
    return std::unexpected(Errc::invalid_argument);
}

/// `time_us` moved by `delta_us` (forward, or back when `back`), keeping the UTC flag; unknown
/// stays unknown, and so does a time that would fall before its clock's origin (it cannot be
/// stored: the store would read 0 as unknown anyway).
std::uint64_t shifted(std::uint64_t time_us, std::uint64_t delta_us, bool back) noexcept {
    if (time_us == sector::time_unknown) return sector::time_unknown;
    const std::uint64_t flag = time_us & sector::utc_flag;
    const std::uint64_t plain = time_us & ~sector::utc_flag;
    if (back) {
        if (plain <= delta_us) return sector::time_unknown;
        return (plain - delta_us) | flag;
    }
    return (plain + delta_us) | flag;
}

} // namespace

Expected<void> PretriggerWindow::configure(const PretriggerConfig& cfg, std::span<std::uint32_t> ring,
                                           RecordSink& sink, Text& why) noexcept {
    const std::uint64_t ring_length = ring.size(); // 64-bit: the bound is then no tautology on a 32-bit MCU
    if (ring.data() == nullptr || ring_length == 0 || ring_length > UINT32_MAX)
        return refuse(why, "ring: needs at least one sample of memory (and at most 2^32 - 1)");
    if (cfg.pre_samples > ring.size()) return refuse(why, "pre_samples: at most the ring's length");
    if (cfg.post_samples == 0) return refuse(why, "post_samples: at least 1 (the trigger sample)");
    if (cfg.sample_period_us == 0) return refuse(why, "sample_period_us: at least 1");
    if (cfg.threshold.enabled && cfg.threshold.hysteresis > cfg.threshold.level)
        return refuse(why, "threshold.hysteresis: at most threshold.level");
    if (cfg.threshold.enabled && cfg.threshold.edge != TriggerEdge::rising &&
        cfg.threshold.edge != TriggerEdge::falling && cfg.threshold.edge != TriggerEdge::either)
        return refuse(why, "threshold.edge: rising, falling or either");
    // A sink's type never changes, so one check here spares a refusal per flush.
    if (sink.record_type() != RecordType::ts) return refuse(why, "sink: must take time-series records");

    cfg_ = cfg;
    sink_ = &sink;
    ring_ = ring.data();
    capacity_ = static_cast<std::uint32_t>(ring.size());
    write_ = filled_ = unflushed_ = offered_ = holdoff_left_ = 0;
    phase_ = Phase::armed;
    side_ = Side::unknown;
    external_waiting_ = false;
    external_time_us_ = 0;
    next_seq_ = cfg.first_seq;
    report_ = {};
    counters_ = {};
    return {};
}

bool PretriggerWindow::crossed(std::uint32_t value, TriggerCause& cause) noexcept {
    if (!cfg_.threshold.enabled) return false;
    const ThresholdTrigger& t = cfg_.threshold;
    Side now = side_;
    if (value >= t.level) {
        now = Side::high;
    } else if (value < t.level - t.hysteresis) {
        now = Side::low;
    } // else inside the dead band: the side stays what it was (unknown included)
    const Side before = side_;
    side_ = now;
    if (before == Side::low && now == Side::high && t.edge != TriggerEdge::falling) {
        cause = TriggerCause::rising;
        return true;
    }
    if (before == Side::high && now == Side::low && t.edge != TriggerEdge::rising) {
        cause = TriggerCause::falling;
        return true;
    }
    return false;
}

void PretriggerWindow::push(std::uint32_t value) noexcept {
    ring_[write_] = value;
    write_ = write_ + 1 == capacity_ ? 0 : write_ + 1;
    if (filled_ < capacity_) ++filled_;
}

PretriggerSampleResult PretriggerWindow::on_sample(std::uint32_t value, std::uint64_t time_us) noexcept {
    PretriggerSampleResult result;
    if (phase_ == Phase::unconfigured) return result;
    ++counters_.samples;
    TriggerCause cause = TriggerCause::rising;
    const bool threshold_fired = crossed(value, cause);

    switch (phase_) {
    case Phase::armed:
        if (external_waiting_) {
            external_waiting_ = false;
            if (threshold_fired) {
                ++counters_.triggers_ignored_busy;
                result.trigger_ignored = true;
            }
            start_window(TriggerCause::external, external_time_us_, time_us);
            result.window_started = true;
        } else if (threshold_fired) {
            start_window(cause, time_us, time_us);
            result.window_started = true;
        } else {
            push(value);
            return result;
        }
        break;
    case Phase::collecting:
        if (threshold_fired) {
            ++counters_.triggers_ignored_busy;
            result.trigger_ignored = true;
        }
        break;
    case Phase::holding_off:
        if (threshold_fired) {
            ++counters_.triggers_ignored_holdoff;
            result.trigger_ignored = true;
        }
        push(value);
        if (--holdoff_left_ == 0) phase_ = Phase::armed;
        return result;
    case Phase::unconfigured:
        return result;
    }

    // A post sample of the window being collected (the trigger sample included).
    push(value);
    ++unflushed_;
    ++report_.post_samples;
    const bool last = report_.post_samples == cfg_.post_samples;
    // Flush before the next sample would overwrite the oldest unflushed one.
    if (last || unflushed_ == capacity_) flush();
    if (last) {
        complete_window();
        result.window_completed = true;
    }
    return result;
}

void PretriggerWindow::start_window(TriggerCause cause, std::uint64_t trigger_time_us,
                                    std::uint64_t sample_time_us) noexcept {
    const std::uint32_t pre = filled_ < cfg_.pre_samples ? filled_ : cfg_.pre_samples;
    report_ = {};
    report_.number = counters_.windows_started;
    report_.cause = cause;
    report_.trigger_time_us = trigger_time_us;
    report_.first_time_us = shifted(sample_time_us, std::uint64_t{pre} * cfg_.sample_period_us, true);
    report_.first_seq = next_seq_;
    report_.pre_samples = pre;
    ++counters_.windows_started;
    if (pre < cfg_.pre_samples) ++counters_.short_pre_windows;
    phase_ = Phase::collecting;
    offered_ = 0;
    // A store keeps one time base per sector: the window opens its own, or its records would be
    // timed on the grid of whatever the open sector held. A refusal shows at the adds that follow.
    (void)sink_->begin_series();
    // The lead-in goes at once: the ring is then free to hold the post samples until they flush.
    unflushed_ = pre;
    flush();
}

void PretriggerWindow::flush() noexcept {
    if (unflushed_ == 0) return;
    // The unflushed samples are the ring's newest, ending just before write_.
    const std::uint32_t start = write_ >= unflushed_ ? write_ - unflushed_ : write_ + capacity_ - unflushed_;
    const std::uint32_t to_end = capacity_ - start;
    if (unflushed_ <= to_end) {
        offer(ring_ + start, unflushed_);
    } else {
        offer(ring_ + start, to_end);
        offer(ring_, unflushed_ - to_end);
    }
    unflushed_ = 0;
}

void PretriggerWindow::offer(const std::uint32_t* values, std::uint32_t n) noexcept {
    const std::uint64_t first_time =
        shifted(report_.first_time_us, std::uint64_t{offered_} * cfg_.sample_period_us, false);
    offered_ += n;
    const Expected<std::uint32_t> stored = sink_->add_values_at(values, n, first_time);
    if (!stored) {
        // The store never saw these: no sequence numbers were taken.
        ++counters_.refused_calls;
        report_.dropped += n;
        counters_.records_dropped += n;
        return;
    }
    // Stored or dropped for lack of room, every record offered took its sequence number.
    next_seq_ += n;
    report_.stored += *stored;
    report_.dropped += n - *stored;
    counters_.records_stored += *stored;
    counters_.records_dropped += n - *stored;
}

void PretriggerWindow::complete_window() noexcept {
    report_.complete = true;
    ++counters_.windows_completed;
    holdoff_left_ = cfg_.holdoff_samples;
    phase_ = holdoff_left_ == 0 ? Phase::armed : Phase::holding_off;
}

Expected<void> PretriggerWindow::trigger_external(std::uint64_t event_time_us) noexcept {
    switch (phase_) {
    case Phase::unconfigured:
        return std::unexpected(Errc::invalid_argument);
    case Phase::collecting:
        ++counters_.triggers_ignored_busy;
        return std::unexpected(Errc::try_again);
    case Phase::holding_off:
        ++counters_.triggers_ignored_holdoff;
        return std::unexpected(Errc::try_again);
    case Phase::armed:
        break;
    }
    if (external_waiting_) {
        ++counters_.triggers_ignored_busy;
        return std::unexpected(Errc::try_again);
    }
    external_waiting_ = true;
    external_time_us_ = event_time_us;
    return {};
}

Expected<void> PretriggerWindow::close_window() noexcept {
    if (phase_ != Phase::collecting) return std::unexpected(Errc::try_again);
    flush();
    complete_window();
    return {};
}

} // namespace ss::capture
