#include "ss/export/config_metadata.hpp"

#include <set>

#include "ss/text.hpp"

namespace ss::store_export {

namespace {

using actors::PipelineSpec;
using actors::SensorSpec;

// The bus a config sensor's source registers its stores under (the runtime does the same in
// Pipeline::open: SourceSpec::bus); none for a source the config does not have.
std::optional<SsSource> bus_of(const PipelineSpec& spec, const SensorSpec& sensor) {
    for (const auto& source : spec.sources)
        if (source.name == sensor.source) return source.bus;
    return std::nullopt;
}

std::string member_name(const SensorSpec& group, std::uint32_t id) {
    return group.count == 1 ? group.name : group.name + "-" + std::to_string(id);
}

ExportResult<ExportSensor> member(const PipelineSpec& spec, const SensorSpec& group, std::uint32_t id) {
    ExportSensor sensor;
    sensor.source = static_cast<std::uint8_t>(*bus_of(spec, group));
    sensor.id = id;
    sensor.type = group.type;
    sensor.config_name = member_name(group, id);
    // As the runtime builds it (Pipeline::open): the same name and unit limits, the same rules.
    Text why;
    auto channel = capture::make_channel(sensor.config_name.substr(0, capture::channel_name_capacity),
                                         group.unit.substr(0, capture::channel_unit_capacity),
                                         {group.valid_low, group.valid_high}, {group.plausible_low, group.plausible_high},
                                         {group.slope, group.offset, group.calibrated_ms}, why);
    if (!channel)
        return std::unexpected(ExportError{"config sensor " + sensor.config_name + ": " + why.c_str()});
    // A signed CAN signal's raw value is its sign-extended two's complement (can_signal.hpp).
    if (group.is_signed) channel->encoding = capture::RawEncoding::signed32;
    sensor.metadata = *channel;
    return sensor;
}

} // namespace

ExportResult<ExportSensor> sensor_from_config(const PipelineSpec& spec, std::uint8_t source, std::uint32_t id,
                                              RecordType stored_type) {
    for (const SensorSpec& group : spec.sensors) {
        const auto bus = bus_of(spec, group);
        if (!bus || *bus != source || id < group.id || id - group.id >= group.count) continue;
        if (group.type != stored_type)
            return std::unexpected(ExportError{"config sensor " + member_name(group, id) + " is " +
                                               (group.type == RecordType::evt ? "an event" : "a time-series") +
                                               " sensor; the store's " + sensor_label(source, id) + " is not"});
        return member(spec, group, id);
    }
    return std::unexpected(ExportError{"the config has no sensor " + sensor_label(source, id) +
                                       " (no [sensors] entry on a source of that bus with that id)"});
}

ExportSensor sensor_without_config(std::uint8_t source, std::uint32_t id, RecordType type) {
    ExportSensor sensor;
    sensor.source = source;
    sensor.id = id;
    sensor.type = type;
    return sensor;
}

std::string dataset_file_name(const DatasetInfo& dataset, ExportFormat format) {
    std::string name = dataset.name + "_" + dataset.id;
    for (char& c : name) {
        const bool kept = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                          c == '_' || c == '-';
        if (!kept) c = '_';
    }
    return name + (format == ExportFormat::hdf5 ? ".h5" : ".csv");
}

ExportResult<DatasetSelection> dataset_from_config(const PipelineSpec& spec, std::string_view name, ExportFormat format) {
    const actors::DatasetSpec* dataset = nullptr;
    for (const auto& d : spec.datasets)
        if (d.name == name) dataset = &d;
    if (dataset == nullptr) return std::unexpected(ExportError{"the config has no dataset \"" + std::string(name) + "\""});
    DatasetSelection selection;
    selection.info = {dataset->name, dataset->id, dataset->description, dataset->metadata};
    std::set<std::pair<std::uint8_t, std::uint32_t>> listed;
    auto add = [&](const SensorSpec& group, std::uint32_t id) -> ExportResult<void> {
        auto sensor = member(spec, group, id);
        if (!sensor) return std::unexpected(sensor.error());
        // A member named alone and with its group is one sensor of the dataset.
        if (listed.emplace(sensor->source, sensor->id).second) selection.sensors.push_back(std::move(*sensor));
        return {};
    };
    for (const std::string& listed_name : dataset->sensors) {
        bool found = false;
        for (const SensorSpec& group : spec.sensors) {
            if (!bus_of(spec, group)) continue;
            for (std::uint32_t k = 0; k < group.count; ++k) {
                if (group.name != listed_name && member_name(group, group.id + k) != listed_name) continue;
                if (auto ok = add(group, group.id + k); !ok) return std::unexpected(ok.error());
                found = true;
            }
        }
        if (!found)
            return std::unexpected(ExportError{"dataset " + dataset->name + " lists \"" + listed_name +
                                               "\", which names no sensor in the config"});
    }
    selection.file_name = dataset_file_name(selection.info, format);
    return selection;
}

} // namespace ss::store_export
