#include "ss/export/export_model.hpp"

#include "ss/sensor_storage.h"
#include "ss/source_name.hpp"

namespace ss::store_export {

const char* export_quality_name(ExportQuality quality) noexcept {
    switch (quality) {
    case ExportQuality::good: return "good";
    case ExportQuality::suspect: return "suspect";
    case ExportQuality::bad: return "bad";
    case ExportQuality::interpolated: return "interpolated";
    case ExportQuality::unknown: return "unknown";
    }
    return "unknown";
}

namespace {

bool same_channel(const capture::ChannelMetadata& a, const capture::ChannelMetadata& b) noexcept {
    return a.name == b.name && a.unit == b.unit && a.valid.low == b.valid.low && a.valid.high == b.valid.high &&
           a.plausible.low == b.plausible.low && a.plausible.high == b.plausible.high &&
           a.calibration.slope == b.calibration.slope && a.calibration.offset == b.calibration.offset &&
           a.calibration.reference_date_ms == b.calibration.reference_date_ms && a.encoding == b.encoding;
}

} // namespace

bool operator==(const ExportSensor& a, const ExportSensor& b) noexcept {
    if (a.source != b.source || a.id != b.id || a.type != b.type || a.config_name != b.config_name) return false;
    if (a.metadata.has_value() != b.metadata.has_value()) return false;
    return !a.metadata || same_channel(*a.metadata, *b.metadata);
}

void set_store_time(ExportRecord& record, std::uint64_t t) noexcept {
    if (t == SS_TIME_UNKNOWN) {
        record.clock = RecordClock::unknown;
        record.time_us = 0;
        return;
    }
    record.clock = (t & SS_TIME_UTC) != 0 ? RecordClock::utc : RecordClock::monotonic;
    record.time_us = static_cast<std::int64_t>(t & ~SS_TIME_UTC);
}

std::uint64_t store_time(const ExportRecord& record) noexcept {
    if (record.clock == RecordClock::unknown || record.time_us < 0) return SS_TIME_UNKNOWN;
    const auto t = static_cast<std::uint64_t>(record.time_us);
    return record.clock == RecordClock::utc ? (t | SS_TIME_UTC) : t;
}

std::string sensor_label(std::uint8_t source, std::uint32_t id) {
    return std::string(source_name(source)) + ":" + std::to_string(id);
}

double export_value(const ExportSensor& sensor, std::uint32_t raw) noexcept {
    return sensor.metadata ? capture::to_physical(*sensor.metadata, raw) : static_cast<double>(raw);
}

ExportQuality export_quality(const ExportSensor& sensor, std::uint32_t raw) noexcept {
    if (!sensor.metadata) return ExportQuality::unknown;
    return static_cast<ExportQuality>(capture::quality_of_raw(*sensor.metadata, raw));
}

} // namespace ss::store_export
