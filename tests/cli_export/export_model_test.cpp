// The model's conversions: store times (SS_TIME_UTC flag, SS_TIME_UNKNOWN) to a clock and µs
// and back, sensor labels, and sensor equality over the metadata field by field.
#include <doctest/doctest.h>

#include "ss/export/export_model.hpp"
#include "ss/sensor_storage.h"

using namespace ss::store_export;

TEST_CASE("store times map to a clock and µs and back: UTC flag, monotonic, unknown") {
    ExportRecord r;
    set_store_time(r, SS_TIME_UTC | 1'796'450'400'000'007ull);
    CHECK(r.clock == RecordClock::utc);
    CHECK(r.time_us == 1'796'450'400'000'007);
    CHECK(store_time(r) == (SS_TIME_UTC | 1'796'450'400'000'007ull));
    set_store_time(r, 12'000'001);
    CHECK(r.clock == RecordClock::monotonic);
    CHECK(r.time_us == 12'000'001);
    CHECK(store_time(r) == 12'000'001);
    set_store_time(r, SS_TIME_UNKNOWN);
    CHECK(r.clock == RecordClock::unknown);
    CHECK(r.time_us == 0);
    CHECK(store_time(r) == SS_TIME_UNKNOWN);
    set_store_time(r, SS_TIME_UTC); // UTC 1970-01-01T00:00:00Z is a time, not unknown
    CHECK(r.clock == RecordClock::utc);
    CHECK(r.time_us == 0);
    CHECK(store_time(r) == SS_TIME_UTC);
}

TEST_CASE("a sensor is labelled <source name>:<id>") {
    CHECK(sensor_label(0, 100) == "host:100");
    CHECK(sensor_label(1, 2) == "app:2");
    CHECK(sensor_label(2, 4'000'000'000u) == "can:4000000000");
}

TEST_CASE("sensors differ when any metadata field does, and not by the record count hint") {
    ExportSensor a;
    a.metadata = ss::capture::ChannelMetadata{};
    ExportSensor b = a;
    b.expected_records = 99;
    CHECK(a == b);
    b.metadata->calibration.reference_date_ms = 1;
    CHECK_FALSE(a == b);
    b = a;
    b.metadata->encoding = ss::capture::RawEncoding::signed32;
    CHECK_FALSE(a == b);
    b = a;
    b.metadata.reset();
    CHECK_FALSE(a == b);
}
