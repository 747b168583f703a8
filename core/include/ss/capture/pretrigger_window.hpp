// Pre-trigger capture windows (issue 13): a vibration or fault event is kept with its lead-in.
//
// A PretriggerWindow watches one channel's samples. It keeps the last samples in a ring of the
// caller's memory, so that when a trigger fires — the raw value crossing a level, or an external
// event the caller reports — the window before the trigger is still there. It then writes the
// window to a time-series RecordSink as one series: up to pre_samples samples before the trigger
// sample, then post_samples from the trigger sample on, with consecutive sequence numbers and a
// record time for every value. docs/capture-processing.md §6 has the model and an example.
//
// The window and its store. Give each window a time-series sensor of its own, written by nothing
// else (a StoreSink or HandleSink over it), with the store's sample period set to the window's
// (ss_sensor_set_sample_period). Then:
//   - a window's records get consecutive sequence numbers [first_seq, first_seq + pre + post);
//     records the store refuses for lack of room still take their numbers (the store skips
//     them and counts them), so a loss shows as a gap, never as another window's records;
//   - record i of a window has the time first_time_us + i · sample_period_us, where
//     first_time_us = (time of the trigger sample) − pre · sample_period_us: the store keeps the
//     first time of every sector the window opens, so ss_consume_batch_info and the other
//     record-time reads give these times back;
//   - every window starts with RecordSink::begin_series (ss_ts_begin_series): a sector keeps one
//     time base, so the window opens a sector of its own (the rest of the previous one stays
//     unused: at most a sector's capacity less one record per window);
//   - the pre-window goes to the sink in one flush at the trigger (add_values_at; two calls when
//     it wraps round the ring), the post samples in flushes of up to a ring's worth, and the rest
//     when the window completes.
// Where the window sits, and when it fired, is told to the caller in a PretriggerWindowReport
// (last_window()): trigger time, first record time, first sequence number, how many samples
// before and after, how many stored and dropped. The caller keeps it as it likes — for instance
// as an event record in a companion EVT sensor (value = pre, ts_ms = trigger time / 1000): the
// records themselves stay plain time-series values.
//
// Policies (each counted in PretriggerCounters, so nothing is silent):
//   - One window at a time. A trigger while a window still collects its post samples is
//     ignored and counted (triggers_ignored_busy): windows keep the fixed length they were set
//     up with, so their storage cost is bounded. Use post_samples to cover the longest event.
//   - Hold-off: after a window's last sample, holdoff_samples samples pass before a trigger can
//     fire again; triggers in them are ignored and counted (triggers_ignored_holdoff).
//   - Windows are self-contained: each holds its own lead-in, even when it reaches back into the
//     previous window's samples (only when holdoff_samples < pre_samples). holdoff_samples ≥
//     pre_samples stores no sample twice.
//   - Too few samples seen yet (fewer than pre_samples since configure()): the pre-window is
//     shorter, the report says how long (pre_samples < the configured) and short_pre_windows
//     counts it.
//   - A threshold trigger is edge-triggered with hysteresis on the raw 32-bit value (unsigned): the
//     detector is "high" from value ≥ level on and becomes "low" again only below
//     level − hysteresis. Rising fires on low → high, falling on high → low, either on both.
//     Noise inside [level − hysteresis, level) never fires. The first sample only sets the state
//     (no crossing has been seen), and the detector follows every sample, also while a window
//     collects or a hold-off runs, so a crossing in them is not fired late.
//   - An external trigger (trigger_external) fires at the next sample the window is given: that
//     sample is the trigger sample and the series stays on the samples' time grid; the report
//     carries the event's own timestamp as trigger_time_us. Call it in sample order (before
//     feeding samples taken after the event). Should a threshold crossing fall on that same
//     sample, the external trigger wins and the crossing is counted as ignored.
//   - A call the sink refuses (a store that is gone) stores nothing: its records count as
//     dropped and in refused_calls, and take no sequence numbers (the store never saw them).
//
// Cost: on_sample is O(1) — a ring write and a comparison — except at the samples where the
// window flushes to the sink (the trigger, every ring's worth of post samples, the last one).
// No allocation, no floating point: times are integer µs.
//
// Thread-safety: none. One owner (the processing stage, or the MCU task that takes the DMA
// halves) calls everything; the sink is called from inside on_sample and close_window.
#pragma once

#include <cstdint>
#include <span>

#include "ss/expected.hpp"
#include "ss/record_sink.hpp"

namespace ss {
class Text;
}

namespace ss::capture {

/// Which crossings of a ThresholdTrigger's level fire.
enum class TriggerEdge : std::uint8_t {
    rising = 0,  ///< low → high: the value reaches level from below level − hysteresis
    falling = 1, ///< high → low: the value drops below level − hysteresis from level or above
    either = 2,  ///< both
};

/// A level crossing of the raw value that starts a window.
struct ThresholdTrigger {
    bool enabled = false;                    ///< false = external triggers only
    TriggerEdge edge = TriggerEdge::rising;
    std::uint32_t level = 0;                 ///< raw value; "high" from here on (inclusive)
    std::uint32_t hysteresis = 0;            ///< raw counts below level before "low" again; ≤ level
};

/// How a PretriggerWindow is set up. Every count is in samples; zero is invalid unless a field
/// says otherwise.
struct PretriggerConfig {
    std::uint32_t pre_samples = 0;      ///< N_pre, samples kept before the trigger sample; ≤ the
                                        ///< ring's length; 0 = no lead-in
    std::uint32_t post_samples = 1;     ///< N_post, the trigger sample and those after it; ≥ 1
    std::uint32_t sample_period_us = 0; ///< µs between samples, the sink's store's period; ≥ 1
    std::uint32_t holdoff_samples = 0;  ///< samples after a window before a trigger can fire; 0 = none
    ThresholdTrigger threshold{};
    std::uint64_t first_seq = 0;        ///< the sequence number the sink's store gives next
                                        ///< (SsSensorStats::next_seq; 0 for a new sensor), so
                                        ///< that reports name their records' numbers
};

/// What started a window.
enum class TriggerCause : std::uint8_t {
    rising = 0,   ///< threshold, low → high
    falling = 1,  ///< threshold, high → low
    external = 2, ///< trigger_external
};

/// Where one window went and when it fired (last_window()).
struct PretriggerWindowReport {
    std::uint64_t number = 0;          ///< windows started since configure(), the first is 0
    TriggerCause cause = TriggerCause::rising;
    bool complete = false;             ///< all its samples went to the sink (else still collecting)
    std::uint64_t trigger_time_us = 0; ///< threshold: the trigger sample's time; external: the
                                       ///< event's time as given (the caller's µs, SS_TIME_UTC flag kept)
    std::uint64_t first_time_us = 0;   ///< its first record's time: trigger sample's time − pre ·
                                       ///< period; time_unknown if that time is unknown, or if the
                                       ///< difference would not lie after its clock's origin
    std::uint64_t first_seq = 0;       ///< its first record's sequence number (see first_seq in
                                       ///< PretriggerConfig); record i is first_seq + i
    std::uint32_t pre_samples = 0;     ///< samples before the trigger sample: N_pre, fewer if
                                       ///< fewer had been seen; the trigger sample is record pre
    std::uint32_t post_samples = 0;    ///< the trigger sample and after, so far (N_post when complete,
                                       ///< fewer after close_window)
    std::uint32_t stored = 0;          ///< records the sink took so far
    std::uint32_t dropped = 0;         ///< records the sink dropped or refused so far
};

/// Counts since configure().
struct PretriggerCounters {
    std::uint64_t samples = 0;                  ///< on_sample calls
    std::uint64_t windows_started = 0;
    std::uint64_t windows_completed = 0;
    std::uint64_t short_pre_windows = 0;        ///< started with fewer than pre_samples before them
    std::uint64_t triggers_ignored_busy = 0;    ///< fired while a window collected (or another was
                                                ///< already set to start at the same sample)
    std::uint64_t triggers_ignored_holdoff = 0; ///< fired during a hold-off
    std::uint64_t records_stored = 0;           ///< records the sink took
    std::uint64_t records_dropped = 0;          ///< records the sink dropped (no room) or refused
    std::uint64_t refused_calls = 0;            ///< sink calls that stored nothing for a wrong call
};

/// What one on_sample call did.
struct PretriggerSampleResult {
    bool window_started = false;    ///< this sample was a trigger sample
    bool window_completed = false;  ///< this sample was a window's last (also with post_samples 1)
    bool trigger_ignored = false;   ///< a trigger fired here and was ignored (busy or hold-off)
};

/// One channel's pre-trigger window writer.
class PretriggerWindow {
public:
    /// Where the window is between samples.
    enum class Phase : std::uint8_t {
        unconfigured = 0, ///< configure() has not succeeded; samples are ignored
        armed = 1,        ///< watching; the next trigger starts a window
        collecting = 2,   ///< a window is taking its post samples
        holding_off = 3,  ///< a window just ended; triggers are ignored for holdoff_samples
    };

    PretriggerWindow() noexcept = default;
    PretriggerWindow(const PretriggerWindow&) = delete;
    PretriggerWindow& operator=(const PretriggerWindow&) = delete;

    /// Checks `cfg`, takes `ring` (the last samples; its length is the ring's, at least
    /// max(pre_samples, 1); the caller's memory, which must outlive the window's use) and `sink`
    /// (a time-series sink, not owned, which must outlive it too), and starts armed with no
    /// samples seen. A later call starts over (a window being collected is abandoned).
    /// invalid_argument (why names the field; nothing changed) on a bad value.
    Expected<void> configure(const PretriggerConfig& cfg, std::span<std::uint32_t> ring, RecordSink& sink,
                             Text& why) noexcept;

    /// One sample, taken at `time_us` (the caller's µs, e.g. SampleClock::to_monotonic_us, with
    /// SS_TIME_UTC set for UTC; time_unknown if not known). Samples come in order, one period apart.
    PretriggerSampleResult on_sample(std::uint32_t value, std::uint64_t time_us) noexcept;

    /// An external event at `event_time_us` (the caller's µs, as on_sample's): the next sample is
    /// the trigger sample of a new window. try_again (ignored, counted) while a window collects, a
    /// hold-off runs or another external trigger already waits; invalid_argument if unconfigured.
    Expected<void> trigger_external(std::uint64_t event_time_us) noexcept;

    /// Ends the window being collected now (the capture stops): what it has goes to the sink, the
    /// report says how many post samples it got, and the hold-off starts. try_again if no window
    /// is being collected.
    Expected<void> close_window() noexcept;

    /// The latest window started (complete or still collecting); all zero before the first.
    const PretriggerWindowReport& last_window() const noexcept { return report_; }

    const PretriggerCounters& counters() const noexcept { return counters_; }

    Phase phase() const noexcept { return phase_; }

    /// The configuration in force.
    const PretriggerConfig& config() const noexcept { return cfg_; }

private:
    // The threshold detector's side of the level.
    enum class Side : std::uint8_t { unknown, low, high };

    /// Follows the detector with `value`; true when a crossing of the configured edge happened
    /// (its cause in `cause`).
    bool crossed(std::uint32_t value, TriggerCause& cause) noexcept;
    void push(std::uint32_t value) noexcept;
    void start_window(TriggerCause cause, std::uint64_t trigger_time_us, std::uint64_t sample_time_us) noexcept;
    /// Offers the ring's newest unflushed_ samples to the sink.
    void flush() noexcept;
    void offer(const std::uint32_t* values, std::uint32_t n) noexcept;
    void complete_window() noexcept;

    PretriggerConfig cfg_{};
    RecordSink* sink_ = nullptr;
    std::uint32_t* ring_ = nullptr;
    std::uint32_t capacity_ = 0;  // the ring's length
    std::uint32_t write_ = 0;     // where the next sample goes
    std::uint32_t filled_ = 0;    // samples in the ring, up to capacity_
    std::uint32_t unflushed_ = 0; // the ring's newest samples that belong to the window and are not offered yet
    std::uint32_t offered_ = 0;   // the window's records offered so far (their offset for times)
    std::uint32_t holdoff_left_ = 0;
    Phase phase_ = Phase::unconfigured;
    Side side_ = Side::unknown;
    bool external_waiting_ = false;
    std::uint64_t external_time_us_ = 0;
    std::uint64_t next_seq_ = 0; // the sequence number the sink's store gives next
    PretriggerWindowReport report_{};
    PretriggerCounters counters_{};
};

} // namespace ss::capture
