// Metadata from the actor config: a stored (source, id) found among the config's sensors the way
// the runtime registers them (a source's bus, a group's consecutive ids), with the runtime's
// channel metadata; datasets expanded and named as seed 001 names them.
#include <doctest/doctest.h>

#include "export_test_support.hpp"

using namespace ss::store_export;
using namespace ss::store_export::test;
using ss::RecordType;

TEST_CASE("a group member of the config is found by its source's bus and its id, with its channel metadata") {
    auto sensor = sensor_from_config(test_spec(), 0, 101, RecordType::ts);
    REQUIRE(sensor.has_value());
    CHECK(sensor->config_name == "temp-101");
    REQUIRE(sensor->metadata.has_value());
    const auto& m = *sensor->metadata;
    CHECK(m.name.view() == "temp-101");
    CHECK(m.unit.view() == "°C");
    CHECK(m.valid.low == -20.0);
    CHECK(m.valid.high == 60.0);
    CHECK(m.plausible.low == -40.0);
    CHECK(m.plausible.high == 85.0);
    CHECK(m.calibration.slope == 0.05);
    CHECK(m.calibration.offset == -50.0);
    CHECK(m.calibration.reference_date_ms == 1'769'817'600'000); // 2026-01-31T00:00:00Z
    CHECK(m.encoding == ss::capture::RawEncoding::unsigned32);
}

TEST_CASE("a signed CAN signal reads its raw value as two's complement") {
    auto sensor = sensor_from_config(test_spec(), 2, 7, RecordType::ts);
    REQUIRE(sensor.has_value());
    CHECK(sensor->config_name == "oil");
    REQUIRE(sensor->metadata.has_value());
    CHECK(sensor->metadata->encoding == ss::capture::RawEncoding::signed32);
    const auto minus_20 = static_cast<std::uint32_t>(-200);
    CHECK(export_value(*sensor, minus_20) == doctest::Approx(-20.0));
    CHECK(export_quality(*sensor, minus_20) == ExportQuality::good);
}

TEST_CASE("quality follows the configured ranges: good, suspect and bad") {
    auto sensor = sensor_from_config(test_spec(), 0, 100, RecordType::ts);
    REQUIRE(sensor.has_value());
    CHECK(export_quality(*sensor, 1400) == ExportQuality::good);    // 20 °C
    CHECK(export_quality(*sensor, 300) == ExportQuality::suspect);  // -35 °C
    CHECK(export_quality(*sensor, 100) == ExportQuality::bad);      // -45 °C
    CHECK(export_quality(*sensor, 4000) == ExportQuality::bad);     // 150 °C
    CHECK(export_value(*sensor, 1400) == doctest::Approx(20.0));
}

TEST_CASE("the same ids on another bus are other sensors, and one the config lacks is refused by name") {
    // door-1 is app:1; host:1 is no sensor of this config.
    CHECK(sensor_from_config(test_spec(), 1, 1, RecordType::evt).has_value());
    auto missing = sensor_from_config(test_spec(), 0, 1, RecordType::ts);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("host:1") != std::string::npos);
    auto beyond = sensor_from_config(test_spec(), 0, 103, RecordType::ts);
    REQUIRE_FALSE(beyond.has_value());
    CHECK(beyond.error().message.find("host:103") != std::string::npos);
}

TEST_CASE("a stored sensor of the other record type than the config's is refused") {
    auto wrong = sensor_from_config(test_spec(), 1, 2, RecordType::ts);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().message.find("door-2") != std::string::npos);
}

TEST_CASE("without a config a sensor has no metadata: the value is the raw number and the quality unknown") {
    const ExportSensor sensor = sensor_without_config(0, 5, RecordType::ts);
    CHECK_FALSE(sensor.metadata.has_value());
    CHECK(export_value(sensor, 4'000'000'000u) == 4'000'000'000.0);
    CHECK(export_quality(sensor, 7) == ExportQuality::unknown);
}

TEST_CASE("a dataset expands its groups, keeps members named alone, and is named <name>_<id>") {
    auto dataset = dataset_from_config(test_spec(), "climate", ExportFormat::hdf5);
    REQUIRE(dataset.has_value());
    CHECK(dataset->file_name == "climate_DS-2026-001.h5");
    CHECK(dataset->info.id == "DS-2026-001");
    CHECK(dataset->info.description == "Hall climate, \"north\" wing");
    CHECK(dataset->info.metadata.at("site") == "plant 3");
    CHECK(dataset->info.metadata.at("operator") == "line A");
    REQUIRE(dataset->sensors.size() == 4);
    CHECK(dataset->sensors[0].config_name == "temp-100");
    CHECK(dataset->sensors[2].config_name == "temp-102");
    CHECK(dataset->sensors[3].config_name == "door-2");
    CHECK(dataset->sensors[3].source == 1);
    CHECK(dataset->sensors[3].type == RecordType::evt);
    CHECK(dataset_from_config(test_spec(), "climate", ExportFormat::csv)->file_name == "climate_DS-2026-001.csv");
}

TEST_CASE("a dataset file name keeps only letters, digits, '.', '_' and '-'") {
    CHECK(dataset_file_name({"night run", "R 3/4", "", {}}, ExportFormat::csv) == "night_run_R_3_4.csv");
}

TEST_CASE("an unknown dataset is refused by name") {
    auto missing = dataset_from_config(test_spec(), "weather", ExportFormat::csv);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("weather") != std::string::npos);
}
