#include "record_rules.hpp"

#include "ss/source_name.hpp"
#include "ss/text.hpp"

namespace ss::store_export::detail {

std::optional<std::string> record_problem(const ExportSensor& sensor, const ExportRecord& record,
                                          const std::optional<std::uint64_t>& last_seq) {
    if (last_seq && record.seq <= *last_seq)
        return "sequence number " + std::to_string(record.seq) + " does not follow " + std::to_string(*last_seq);
    switch (record.clock) {
    case RecordClock::utc:
        if (record.time_us < 0 || record.time_us > max_utc_us)
            return "UTC time " + std::to_string(record.time_us) + " us is outside 1970..9999";
        break;
    case RecordClock::monotonic:
        if (record.time_us < 0) return "monotonic time " + std::to_string(record.time_us) + " us is negative";
        break;
    case RecordClock::unknown:
        if (record.time_us != 0) return "a record without a clock has a time";
        break;
    default: return "clock " + std::to_string(static_cast<int>(record.clock)) + " is not unknown, monotonic or utc";
    }
    if (sensor.type == RecordType::ts && record.event_ms != 0) return "a time-series record has an event time";
    return std::nullopt;
}

std::optional<std::string> file_info_problem(const ExportFileInfo& info) {
    if (info.created_utc_us < 0 || info.created_utc_us > max_utc_us)
        return "creation time " + std::to_string(info.created_utc_us) + " us is outside 1970..9999";
    return std::nullopt;
}

std::optional<std::string> sensor_problem(const ExportSensor& sensor) {
    if (sensor.source >= source_count) return "source " + std::to_string(sensor.source) + " is not host, app or can";
    if (sensor.type != RecordType::ts && sensor.type != RecordType::evt) return "record type is not ts or evt";
    if (sensor.metadata) {
        Text why;
        if (!capture::validate(*sensor.metadata, why)) return std::string("metadata: ") + why.c_str();
    }
    return std::nullopt;
}

std::optional<std::string> begin_sensor_problem(const ExportSensor& sensor, SeenSensors& seen) {
    if (auto problem = sensor_problem(sensor)) return sensor_label(sensor.source, sensor.id) + ": " + *problem;
    if (!seen.emplace(sensor.source, sensor.id).second) return sensor_label(sensor.source, sensor.id) + " is exported twice";
    return std::nullopt;
}

} // namespace ss::store_export::detail
