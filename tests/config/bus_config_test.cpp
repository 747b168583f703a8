// The bus sources in the config file (sim_uart, sim_spi, sim_can, socketcan) and their sensors'
// addresses (a UART or SPI channel, a CAN signal): what they fill in the spec, each bad value
// refused at its key and line, keys of another kind refused, and the dump reading back the same.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "config_test_support.hpp"
#include "ss/config/gateway_config.hpp"
#include "ss/config/spec_check.hpp"

using namespace ss::config::test;
using ss::actors::SourceKind;
using ss::config::GatewayConfig;

namespace {

// The tests replace single lines, so the numbers matter.
const std::string buses =
    "[system]\n"                                                                                                   // 1
    "max_sensors = 128\n"                                                                                          // 2
    "ram_pool_bytes = 1048576\n"                                                                                   // 3
    "disk_root = \"/var/lib/ss\"\n"                                                                               // 4
    "[sources]\n"                                                                                                  // 5
    "line = { kind = 'sim_uart', bus = 'app', baud = 115200, frame_rate = 200, corrupt_every = 50, signal = 'ramp' }\n" // 6
    "conv = { kind = 'sim_spi', clock = 2000000, period = 20ms, buffers = 8 }\n"                                   // 7
    "engine = { kind = 'sim_can', bus = 'can', frame_rate = 500 }\n"                                                // 8
    "car = { kind = 'socketcan', bus = 'can', interface = \"vcan0\" }\n"                                           // 9
    "[sensors]\n"                                                                                                  // 10
    "serial = { source = \"line\", id = 1, count = 4, channel = 10 }\n"                                            // 11
    "spi = { source = \"conv\", id = 10, count = 2, channel = 3, type = 'evt' }\n"                                 // 12
    "rpm = { source = \"engine\", id = 1, can_id = 256, start_bit = 0, length = 16 }\n"                            // 13
    "temp = { source = \"engine\", id = 2, can_id = 256, start_bit = 23, length = 12, byte_order = \"big_endian\", signed = true }\n" // 14
    "wheel = { source = \"car\", id = 10, count = 4, can_id = 419430400, extended = true, start_bit = 32, length = 32 }\n"; // 15

} // namespace

TEST_CASE("bus sources and their sensors' addresses fill the spec") {
    GatewayConfig cfg;
    accepted(cfg, buses);
    const auto& spec = cfg.spec();
    REQUIRE(spec.sources.size() == 4);
    const auto& uart = spec.sources[0];
    CHECK(uart.kind == SourceKind::sim_uart);
    CHECK(uart.baud == 115200);
    CHECK(uart.frame_rate == 200);
    CHECK(uart.corrupt_every == 50);
    CHECK(uart.signal == ss::actors::SignalShape::ramp);
    const auto& spi = spec.sources[1];
    CHECK(spi.kind == SourceKind::sim_spi);
    CHECK(spi.spi_clock_hz == 2'000'000);
    CHECK(spi.period == std::chrono::milliseconds(20));
    CHECK(spi.buffers == 8);
    CHECK(spec.sources[2].kind == SourceKind::sim_can);
    CHECK(spec.sources[2].frame_rate == 500);
    CHECK(spec.sources[3].kind == SourceKind::socketcan);
    CHECK(spec.sources[3].interface == "vcan0");
    REQUIRE(spec.sensors.size() == 5);
    CHECK(spec.sensors[0].channel == 10);
    CHECK(spec.sensors[1].type == ss::RecordType::evt);
    const auto& rpm = spec.sensors[2];
    CHECK(rpm.can_id == 256);
    CHECK(rpm.length == 16);
    CHECK_FALSE(rpm.big_endian);
    CHECK_FALSE(rpm.is_signed);
    const auto& temp = spec.sensors[3];
    CHECK(temp.start_bit == 23);
    CHECK(temp.length == 12);
    CHECK(temp.big_endian);
    CHECK(temp.is_signed);
    CHECK(spec.sensors[4].can_extended);
    CHECK(spec.sensors[4].can_id == 419430400);
    reloads_as(cfg);
}

TEST_CASE("bus source defaults") {
    GatewayConfig cfg;
    accepted(cfg, with_line(with_line(buses, 6, "line = { kind = 'sim_uart' }"), 7, "conv = { kind = 'sim_spi' }"));
    const auto& uart = cfg.spec().sources[0];
    CHECK(uart.baud == 115'200);
    CHECK(uart.frame_rate == 100);
    CHECK(uart.corrupt_every == 0);
    const auto& spi = cfg.spec().sources[1];
    CHECK(spi.spi_clock_hz == 1'000'000);
    CHECK(spi.period == std::chrono::seconds(1));
    CHECK(spi.buffers == 16);
    reloads_as(cfg);
}

TEST_CASE("bus sources: ranges, required keys and keys of another kind") {
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', baud = 200 }"), "sources.line.baud", 6, "300..10000000");
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', baud = 9600, frame_rate = 88 }"), "sources.line.frame_rate", 6,
            "at most baud / 110 (87");
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', frame_rate = 0 }"), "sources.line.frame_rate", 6, "at least 1");
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', period = 1s }"), "sources.line.period", 6,
            "not for a 'sim_uart' source");
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', clock = 1000 }"), "sources.line.clock", 6, "does not apply");
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', buffers = 1 }"), "sources.line.buffers", 6, "2..1024");
    refused(with_line(buses, 7, "conv = { kind = 'sim_spi', clock = 999 }"), "sources.conv.clock", 7, "1000..100000000");
    refused(with_line(buses, 7, "conv = { kind = 'sim_spi', period = 0ms }"), "sources.conv.period", 7, "1ms..24h");
    refused(with_line(buses, 7, "conv = { kind = 'sim_spi', baud = 9600 }"), "sources.conv.baud", 7, "does not apply");
    refused(with_line(buses, 7, "conv = { kind = 'sim_spi', clock = 1000, period = 1ms }"), "sources.conv.period", 7,
            "shorter than one scan of its 2 sensors");
    refused(with_line(buses, 8, "engine = { kind = 'sim_can', frame_rate = 100001 }"), "sources.engine.frame_rate", 8,
            "1..100000");
    refused(with_line(buses, 8, "engine = { kind = 'sim_can', interface = \"can0\" }"), "sources.engine.interface", 8,
            "does not apply");
    refused(with_line(buses, 8, "engine = { kind = 'sim_can', corrupt_every = 3 }"), "sources.engine.corrupt_every", 8,
            "does not apply");
    refused(with_line(buses, 9, "car = { kind = 'socketcan' }"), "sources.car.interface", 9, "required");
    refused(with_line(buses, 9, "car = { kind = 'socketcan', interface = \"averyveryverylongname\" }"),
            "sources.car.interface", 9, "1..15 characters");
    refused(with_line(buses, 9, "car = { kind = 'socketcan', interface = \"../x\" }"), "sources.car.interface", 9,
            "interface name");
    refused(with_line(buses, 9, "car = { kind = 'socketcan', interface = \"vcan0\", signal = 'sine' }"),
            "sources.car.signal", 9, "does not apply");
    refused(with_line(buses, 9, "car = { kind = 'socketcan', interface = \"vcan0\", frame_rate = 10 }"),
            "sources.car.frame_rate", 9, "does not apply");
    refused(with_line(buses, 6, "line = { kind = 'sim_uart', bauds = 9600 }"), "sources.line.bauds", 6, "unknown key");
}

TEST_CASE("bus sensors: channels, CAN signals, keys that belong to CAN") {
    refused(with_line(buses, 11, "serial = { source = \"line\", id = 1, count = 4, channel = 253 }"), "sensors.serial.channel",
            11, "at most 255");
    refused(with_line(buses, 12, "spi = { source = \"conv\", id = 10, count = 2, channel = 127 }"), "sensors.spi.channel", 12,
            "at most 127");
    refused(with_line(buses, 12, "spi = { source = \"line\", id = 10, channel = 12 }"), "sensors.spi.channel", 12,
            "channel 12 of source 'line' is also read by sensor 'serial'");
    refused(with_line(buses, 11, "serial = { source = \"line\", id = 1, can_id = 5 }"), "sensors.serial.can_id", 11,
            "only for sensors on a sim_can or socketcan source");
    refused(with_line(buses, 12, "spi = { source = \"conv\", id = 10, signed = true }"), "sensors.spi.signed", 12,
            "only for sensors on a sim_can or socketcan source");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, channel = 2 }"), "sensors.rpm.channel", 13,
            "sim_adc, sim_uart or sim_spi");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, can_id = 2048 }"), "sensors.rpm.can_id", 13,
            "at most 0x7FF");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, can_id = 2047, count = 2 }"), "sensors.rpm.can_id", 13,
            "plus count - 1");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, length = 33 }"), "sensors.rpm.length", 13, "1..32");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, length = 0 }"), "sensors.rpm.length", 13, "1..32");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, start_bit = 64 }"), "sensors.rpm.start_bit", 13,
            "0..63");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, start_bit = 56, length = 16 }"),
            "sensors.rpm.start_bit", 13, "refused by the core's CAN decoder");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, start_bit = 59, length = 8, byte_order = \"big_endian\" }"),
            "sensors.rpm.start_bit", 13, "refused by the core's CAN decoder");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, byte_order = 'sideways' }"), "sensors.rpm.byte_order",
            13, "'little_endian' or 'big_endian'");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, start_bit = 300 }"), "sensors.rpm.start_bit", 13,
            "0..255");
    // temp (Motorola, start 23, 12 bits) covers byte 2 and the high nibble of byte 3.
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, can_id = 256, start_bit = 28, length = 4 }"),
            "sensors.temp.start_bit", 14, "shares bits of frame 256 with sensor 'rpm'");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 1, can_id = 256, extended = true }"),
            "sensors.temp.extended", 14, "the same for every sensor of a sim_can source");
    refused(with_line(buses, 13, "rpm = { source = \"engine\", id = 100, count = 64, can_id = 300 }"), "sources.engine", 8,
            "65 CAN identifiers");
}

TEST_CASE("the bus example loads and reads back as the same spec") {
    GatewayConfig cfg;
    const Loaded r = load(cfg, std::string(SS_CONFIG_EXAMPLES) + "/buses.ini");
    REQUIRE_MESSAGE(r.ok, r.error.to_string());
    bool uart = false, spi = false, can = false;
    for (const auto& s : cfg.spec().sources) {
        uart |= s.kind == SourceKind::sim_uart;
        spi |= s.kind == SourceKind::sim_spi;
        can |= s.kind == SourceKind::sim_can;
    }
    CHECK(uart);
    CHECK(spi);
    CHECK(can);
    reloads_as(cfg);
}
