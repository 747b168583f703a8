#include "ss/actors/processing.hpp"

#include "ss/actors/chain_filters.hpp"

#include <caf/all.hpp>

#include "ss/hal/capture/clock.hpp"

#include <chrono>

namespace ss::actors {

namespace {

void count_quality(SensorBinding& sensor, const std::uint32_t* values, std::size_t n) {
    const capture::QualityCounts q = capture::count_qualities(sensor.metadata, values, n);
    sensor.good.fetch_add(q.good, std::memory_order_relaxed);
    sensor.suspect.fetch_add(q.suspect, std::memory_order_relaxed);
    sensor.bad.fetch_add(q.bad, std::memory_order_relaxed);
}

// first_time: the first value's time (µs, sector::utc_flag for UTC; time_unknown: the store
// stamps it), the others one sample period apart.
void store(SourceBinding& source, SensorBinding& sensor, const std::uint32_t* values, std::uint32_t n,
           std::uint64_t first_time) {
    // A refused call stored nothing; the store counts its own drops by cause.
    const std::uint32_t stored = sensor.sink->add_values_at(values, n, first_time).value_or(0);
    source.records_stored.fetch_add(stored, std::memory_order_relaxed);
    source.records_dropped.fetch_add(n - stored, std::memory_order_relaxed);
}

void process_adc_block(ProcessingState& st, const BlockRef& ref) {
    SourceBinding& source = *st.source;
    const std::span<const std::uint16_t> samples = source.adc->block(ref.index).first(ref.count);
    const std::uint16_t channels = source.spec->channels;
    // The block's first scan, on the monotonic clock its completion time was read from: the time
    // of the first value a chain makes of it (a nominal time: a filter's delay is not removed).
    const std::uint64_t scans = ref.count / channels;
    const auto span_us = static_cast<std::uint64_t>(static_cast<double>(scans > 0 ? scans - 1 : 0) * 1e6 /
                                                    static_cast<double>(source.spec->rate_hz));
    const std::uint64_t first_time = ref.time_us > span_us ? ref.time_us - span_us : sector::time_unknown;
    for (ProcessingRoute& route : st.routes) {
        SensorBinding& sensor = *(*st.sensors)[route.sensor];
        auto done = route.filters.process(samples.subspan(route.channel), st.out, channels);
        if (!done) continue; // sizes are fixed at start: cannot happen
        if (route.filters.config().summarize) {
            const capture::BufferSummary& b = done->summary;
            sensor.last_summary.store(std::uint64_t{b.min} | std::uint64_t{b.max} << 16 | std::uint64_t{b.mean} << 32,
                                      std::memory_order_relaxed);
            sensor.summarized.store(true, std::memory_order_relaxed);
        }
        std::size_t n = done->produced;
        if (route.user) n = std::min(n, route.user->process(std::span<std::uint32_t>(st.out.data(), n)));
        count_quality(sensor, st.out.data(), n);
        store(source, sensor, st.out.data(), static_cast<std::uint32_t>(n), first_time);
    }
}

void process_readings(ProcessingState& st, const BlockRef& ref) {
    SourceBinding& source = *st.source;
    for (const Reading& r : source.readings->block(ref.index).first(ref.count)) {
        SensorBinding& sensor = *(*st.sensors)[r.sensor];
        count_quality(sensor, &r.value, 1);
        if (sensor.spec->type == RecordType::ts) {
            store(source, sensor, &r.value, 1, r.time_ms == 0 ? sector::time_unknown : sector::utc_flag | r.time_ms * 1000);
            continue;
        }
        const SsEventRecord event{r.value, r.time_ms};
        const std::uint32_t stored = sensor.sink->add_events(&event, 1).value_or(0);
        source.records_stored.fetch_add(stored, std::memory_order_relaxed);
        source.records_dropped.fetch_add(1 - stored, std::memory_order_relaxed);
    }
}

/// Counts a block's samples as lost unless its processing completed (a user processor that
/// throws takes its stage down mid-block).
struct LossOnUnwind {
    SourceBinding& source;
    std::uint32_t values;
    bool completed = false;
    ~LossOnUnwind() {
        if (!completed) source.samples_lost.fetch_add(values, std::memory_order_relaxed);
    }
};

template <class T>
void drain(ProcessingState& st, BlockLink<T>& link) {
    link.begin_drain();
    BlockRef ref;
    while (link.next(ref)) {
        // Given back however this block ends, a throwing user processor included.
        typename BlockLink<T>::Lease lease(link, ref.index);
        LossOnUnwind loss{*st.source, ref.count};
        if constexpr (std::is_same_v<T, std::uint16_t>)
            process_adc_block(st, ref);
        else
            process_readings(st, ref);
        loss.completed = true;
        const std::uint64_t now = capture::posix_monotonic_now_us();
        st.source->latency.record(now > ref.time_us ? now - ref.time_us : 0);
    }
}

void drain_all(ProcessingState& st) {
    if (st.source->adc)
        drain(st, *st.source->adc);
    else
        drain(st, *st.source->readings);
}

} // namespace

Expected<capture::ProcessingConfig> processing_config(const ChainSpec& chain, double rate_hz, Text& why) noexcept {
    if (chain.stages.size() > capture::max_filter_stages) {
        why.clear();
        why << "chain " << chain.name.c_str() << ": at most " << static_cast<std::uint64_t>(capture::max_filter_stages)
            << " stages";
        return std::unexpected(Errc::invalid_argument);
    }
    const capture::ProcessingConfig c = chain_filters(chain, rate_hz);
    // The core checks every stage's parameters against the rate.
    capture::ChannelProcessor probe;
    if (auto ok = probe.configure(c, why); !ok) return std::unexpected(ok.error());
    return c;
}

processing_actor::behavior_type processing(processing_actor::stateful_pointer<ProcessingState> self,
                                           SourceBinding* source, const SensorBindings* sensors, ProcessingSetup setup) {
    source->hand_over();
    auto& st = self->state;
    st.source = source;
    st.sensors = sensors;
    st.board = setup.board;
    st.stage = "processing:" + source->spec->name;
    if (source->adc) {
        const SourceSpec& spec = *source->spec;
        st.routes.reserve(source->sensors.size());
        std::size_t widest = 0;
        for (std::uint32_t index : source->sensors) {
            const SensorBinding& sensor = *(*sensors)[index];
            ProcessingRoute& route = st.routes.emplace_back();
            route.sensor = index;
            route.channel = sensor.channel;
            capture::ProcessingConfig config;
            config.sample_rate_hz = spec.rate_hz;
            Text why;
            for (const ChainSpec& chain : *setup.chains) {
                if (chain.name != sensor.spec->chain) continue;
                // Checked when the pipeline started: a chain that got this far fits.
                if (auto c = processing_config(chain, spec.rate_hz, why)) config = *c;
                if (!chain.processor.empty() && setup.processors != nullptr) route.user = setup.processors->make(chain.processor);
            }
            (void)route.filters.configure(config, why);
            widest = std::max(widest, route.filters.required_output(spec.samples_per_half));
        }
        st.out.resize(widest);
    }
    source->set_processing(caf::actor_cast<processing_actor>(self));
    // Whatever capture queued while no stage served the source (at start, or after a failure).
    drain_all(st);
    return {
        [self](wake_atom) {
            drain_all(self->state);
            self->state.board->set_mailbox(self->state.stage, self->mailbox().size());
        },
        [self](drain_atom) {
            drain_all(self->state);
            return self->state.source->queued() == 0;
        },
    };
}

} // namespace ss::actors
