#include "ss/actors/capture.hpp"

#include <caf/all.hpp>

#include "ss/hal/capture/clock.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numbers>

#include "ss/actors/storage_flush.hpp"
#include "ss/actors/bus_capture.hpp"
#include "reading_writer.hpp"

namespace ss::actors {

namespace {

// The device thread's half callback: the capture side of the block link.
bool on_adc_half(void* ctx, const capture::AdcHalfEvent& ev) noexcept {
    auto& source = *static_cast<SourceBinding*>(ctx);
    auto& link = *source.adc;
    const std::uint32_t values = ev.samples * ev.channels;
    std::uint32_t index = 0;
    if (!link.acquire(index)) {
        source.overflows.fetch_add(1, std::memory_order_relaxed);
        source.samples_lost.fetch_add(values, std::memory_order_relaxed);
        return true; // the half was not read, but it is free: the DMA may go on
    }
    std::memcpy(link.block(index).data(), ev.values, std::size_t{values} * sizeof(std::uint16_t));
    source.blocks.fetch_add(1, std::memory_order_relaxed);
    if (link.publish(BlockRef{index, values, ev.first_sample, ev.time_us})) source.wake();
    return true;
}

} // namespace

namespace {

void read_slow_sensors(CaptureState& st, std::uint64_t now_ms) {
    const SourceSpec& spec = *st.source->spec;
    ReadingWriter out(*st.source);
    const auto& members = st.source->sensors;
    if (spec.kind == SourceKind::sim_poll) {
        const auto period = static_cast<std::uint64_t>(spec.period.count());
        for (std::size_t k = 0; k < members.size(); ++k) {
            if (st.due_ms[k] > now_ms) continue;
            const SensorBinding& sensor = *(*st.sensors)[members[k]];
            out.put(Reading{members[k], simulated_reading(spec, sensor.id, now_ms), 0});
            // Catch up without a burst after a stall: the next reading is one period from now
            // at the earliest, keeping the sensor's phase.
            do st.due_ms[k] += period;
            while (st.due_ms[k] <= now_ms);
        }
        return;
    }
    // sim_events: each sensor fires as a Poisson process of the configured mean rate.
    const double dt_s = std::chrono::duration<double>(st.period).count();
    const double p = 1.0 - std::exp(-spec.events_per_second * dt_s);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::uint64_t stamp = capture::posix_utc_now_ms();
    for (std::size_t k = 0; k < members.size(); ++k) {
        if (u(st.rng) >= p) continue;
        // Contacts toggle: the value says the new state (0 closed, 1 open).
        st.event_value[k] ^= 1u;
        out.put(Reading{members[k], st.event_value[k], stamp});
    }
}

} // namespace

std::uint32_t simulated_reading(const SourceSpec& spec, std::uint32_t sensor_id, std::uint64_t t_ms) noexcept {
    const double t = static_cast<double>(t_ms) / 1000.0;
    switch (spec.signal) {
    case SignalShape::sine: {
        // Each sensor has its own phase, so a group does not move in lockstep.
        const double phase = static_cast<double>(sensor_id % 64) * (std::numbers::pi / 32.0);
        const double v = spec.offset + spec.amplitude * std::sin(2.0 * std::numbers::pi * spec.frequency_hz * t + phase);
        return v <= 0.0 ? 0u : static_cast<std::uint32_t>(std::lround(v));
    }
    case SignalShape::ramp:
        return static_cast<std::uint32_t>((t_ms / static_cast<std::uint64_t>(spec.period.count() > 0 ? spec.period.count() : 1)) *
                                              spec.ramp_step +
                                          sensor_id);
    case SignalShape::noise: {
        // A hash of (seed, sensor, time): reproducible without state.
        std::uint64_t x = spec.seed ^ (std::uint64_t{sensor_id} << 32) ^ t_ms;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
        const double unit = static_cast<double>(x >> 11) / static_cast<double>(1ull << 53);
        const double v = spec.offset + spec.amplitude * (2.0 * unit - 1.0);
        return v <= 0.0 ? 0u : static_cast<std::uint32_t>(std::lround(v));
    }
    }
    return 0;
}

CaptureState::~CaptureState() {
    // The device thread writes into `dma` and the link: it stops before they go.
    if (adc) adc->stop();
    bus.reset(); // stops its device
}

capture_actor::behavior_type capture(capture_actor::stateful_pointer<CaptureState> self, SourceBinding* source,
                                     const SensorBindings* sensors, StageBoard* board) {
    source->hand_over();
    auto& st = self->state;
    st.source = source;
    st.sensors = sensors;
    st.board = board;
    st.stage = "capture:" + source->spec->name;
    const SourceSpec& spec = *source->spec;
    if (spec.kind == SourceKind::sim_adc) {
        st.adc = std::make_unique<capture::SimAdc>(sim_adc_config(spec));
        st.dma.assign(std::size_t{2} * spec.samples_per_half * spec.channels, 0);
        if (const int rc = st.adc->start(st.dma, on_adc_half, source); rc != 0) {
            // The supervisor sees the failure and decides whether to try again.
            self->quit(caf::make_error(caf::sec::runtime_error, "cannot start source " + spec.name + ": errno " +
                                                                      std::to_string(-rc)));
        }
    } else if (is_bus_kind(spec.kind)) {
        st.bus = make_bus_capture(*source, *sensors);
        if (const int rc = st.bus->start(); rc != 0) {
            st.bus.reset();
            self->quit(caf::make_error(caf::sec::runtime_error, "cannot start source " + spec.name + ": errno " +
                                                                      std::to_string(-rc) + " (" + std::strerror(-rc) + ")"));
        } else if (st.bus->ticks()) {
            st.period = caf::timespan(spec.period);
            st.next = self->clock().now() + st.period;
            self->scheduled_send(self, st.next, caf::tick_atom::value);
        }
    } else {
        st.period = spec.kind == SourceKind::sim_poll
                        ? std::min<caf::timespan>(std::chrono::milliseconds(100), caf::timespan(spec.period))
                        : caf::timespan(std::chrono::milliseconds(100));
        st.rng.seed(spec.seed);
        const std::uint64_t now_ms = actor_clock_ms(self->clock().now());
        const std::size_t n = source->sensors.size();
        st.due_ms.resize(n);
        st.event_value.assign(n, 0);
        // Spread a group's readings over its period instead of reading all at once.
        const auto period = static_cast<std::uint64_t>(spec.period.count());
        for (std::size_t k = 0; k < n; ++k) st.due_ms[k] = now_ms + (period * k) / (n == 0 ? 1 : n);
        st.next = self->clock().now() + st.period;
        self->scheduled_send(self, st.next, caf::tick_atom::value);
    }
    return {
        [self](caf::tick_atom) {
            auto& s = self->state;
            if (s.bus) s.bus->tick();
            else read_slow_sensors(s, actor_clock_ms(self->clock().now()));
            s.board->set_mailbox(s.stage, self->mailbox().size());
            s.next += s.period;
            self->scheduled_send(self, s.next, caf::tick_atom::value);
        },
    };
}

} // namespace ss::actors
