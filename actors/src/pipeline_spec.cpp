#include "pipeline_spec.hpp"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>

#include "ss/actors/bus_config.hpp"
#include "ss/actors/processing.hpp"

namespace ss::actors::pipeline_spec {

namespace {

/// A bus sensor's address fits its bus: a UART channel byte, an SPI converter channel, a CAN signal
/// the core's decoder takes.
bool check_bus_sensor(const SourceSpec& source, const SensorSpec& sensor, std::string& why) {
    const std::uint32_t last_channel = std::uint32_t{sensor.channel} + sensor.count - 1;
    if (source.kind == SourceKind::sim_uart && last_channel > bus::max_uart_channel) {
        why = absl::StrCat("sensor ", sensor.name, ": UART channels go up to ", bus::max_uart_channel);
        return false;
    }
    if (source.kind == SourceKind::sim_spi && last_channel > bus::max_spi_channel) {
        why = absl::StrCat("sensor ", sensor.name, ": SPI converter channels go up to ", bus::max_spi_channel);
        return false;
    }
    if (source.kind == SourceKind::sim_can || source.kind == SourceKind::socketcan) {
        Text text;
        if (!capture::validate(bus::can_signal(sensor, sensor.count - 1, 0), text)) {
            why = absl::StrCat("sensor ", sensor.name, ": ", text.c_str());
            return false;
        }
    }
    return true;
}

} // namespace

const ChainSpec* chain_of(const PipelineSpec& spec, const SensorSpec& sensor) {
    for (const ChainSpec& c : spec.chains)
        if (c.name == sensor.chain) return &c;
    return nullptr;
}

/// The nominal sample period a time-series sensor's sectors record (docs/storage-format.md,
/// "Record times"), µs: an ADC channel's scan period times its chain's decimation, a polled or
/// SPI-scanned sensor's period; 0 where values come when they come (UART and CAN frames share
/// the line among sensors; an external source's writer decides).
std::uint32_t nominal_period_us(const SourceSpec& source, const ChainSpec* chain) {
    switch (source.kind) {
    case SourceKind::sim_adc: {
        double us = 1e6 / static_cast<double>(source.rate_hz);
        if (chain != nullptr)
            for (const StageSpec& stage : chain->stages)
                if (stage.kind == StageKind::decimate) us *= static_cast<double>(stage.factor);
        return static_cast<std::uint32_t>(std::min(us + 0.5, 4.0e9));
    }
    case SourceKind::sim_poll:
    case SourceKind::sim_spi:
        return static_cast<std::uint32_t>(
            std::min<std::int64_t>(std::chrono::microseconds(source.period).count(), 4'000'000'000));
    case SourceKind::sim_events:
    case SourceKind::external:
    case SourceKind::sim_uart:
    case SourceKind::sim_can:
    case SourceKind::socketcan: return 0;
    }
    return 0;
}

const char* kind_name(SourceKind k) {
    switch (k) {
    case SourceKind::sim_adc: return "sim_adc";
    case SourceKind::sim_poll: return "sim_poll";
    case SourceKind::sim_events: return "sim_events";
    case SourceKind::external: return "external";
    case SourceKind::sim_uart: return "sim_uart";
    case SourceKind::sim_spi: return "sim_spi";
    case SourceKind::sim_can: return "sim_can";
    case SourceKind::socketcan: return "socketcan";
    }
    return "?";
}

/// What the runtime needs of a spec that the config file's checks may not have seen (a spec
/// built in code): references resolve, chains fit their sources, processors are registered.
bool check_spec(const PipelineSpec& spec, const ProcessorRegistry* processors, std::string& why) {
    absl::flat_hash_set<std::string> sources;
    for (const SourceSpec& s : spec.sources) {
        if (!sources.insert(s.name).second) {
            why = absl::StrCat("source ", s.name, ": defined twice");
            return false;
        }
        if (s.buffers < 2) {
            why = absl::StrCat("source ", s.name, ": needs at least 2 buffers");
            return false;
        }
    }
    // A UART or SPI channel read by two sensors would feed only one of them.
    absl::flat_hash_set<std::pair<std::string, std::uint32_t>> channels;
    for (const SensorSpec& sensor : spec.sensors) {
        for (const SourceSpec& s : spec.sources) {
            if (s.name != sensor.source || (s.kind != SourceKind::sim_uart && s.kind != SourceKind::sim_spi)) continue;
            for (std::uint32_t k = 0; k < sensor.count; ++k) {
                if (!channels.insert({s.name, std::uint32_t{sensor.channel} + k}).second) {
                    why = absl::StrCat("sensor ", sensor.name, ": channel ", sensor.channel + k, " of source ", s.name,
                                       " is read by another sensor");
                    return false;
                }
            }
        }
    }
    for (const SensorSpec& sensor : spec.sensors) {
        const SourceSpec* source = nullptr;
        for (const SourceSpec& s : spec.sources)
            if (s.name == sensor.source) source = &s;
        if (source == nullptr) {
            why = absl::StrCat("sensor ", sensor.name, ": no source named ", sensor.source);
            return false;
        }
        if (sensor.count == 0) {
            why = absl::StrCat("sensor ", sensor.name, ": count must be at least 1");
            return false;
        }
        if (source->kind == SourceKind::sim_adc) {
            if (std::uint32_t{sensor.channel} + sensor.count > source->channels || sensor.type != RecordType::ts) {
                why = absl::StrCat("sensor ", sensor.name, ": ADC sensors keep time series of channels below ",
                                   source->channels);
                return false;
            }
        } else if (!sensor.chain.empty()) {
            why = absl::StrCat("sensor ", sensor.name, ": chains apply to ADC channels only");
            return false;
        }
        if (source->kind == SourceKind::sim_poll && sensor.type != RecordType::ts) {
            why = absl::StrCat("sensor ", sensor.name, ": polled sensors keep time series");
            return false;
        }
        if (source->kind == SourceKind::sim_events && sensor.type != RecordType::evt) {
            why = absl::StrCat("sensor ", sensor.name, ": event sensors keep events");
            return false;
        }
        if (!check_bus_sensor(*source, sensor, why)) return false;
        if (sensor.chain.empty()) continue;
        const ChainSpec* chain = nullptr;
        for (const ChainSpec& c : spec.chains)
            if (c.name == sensor.chain) chain = &c;
        if (chain == nullptr) {
            why = absl::StrCat("sensor ", sensor.name, ": no chain named ", sensor.chain);
            return false;
        }
        Text text;
        if (!processing_config(*chain, source->rate_hz, text)) {
            why = absl::StrCat("sensor ", sensor.name, ": ", text.c_str());
            return false;
        }
        if (!chain->processor.empty() && (processors == nullptr || !processors->contains(chain->processor))) {
            why = absl::StrCat("chain ", chain->name, ": no processor registered as ", chain->processor);
            return false;
        }
    }
    return true;
}

} // namespace ss::actors::pipeline_spec
