// [uplinks]: an MCU's serial uplink fills its spec (defaults where a key is not written), each
// kind of bad entry is refused at its key and line with its reason (an id range that collides
// with a sensor's or another uplink's among them), and the dump reads back as the same spec.
#include <doctest/doctest.h>

#include <string>

#include "config_test_support.hpp"
#include "ss/config/gateway_config.hpp"

using namespace ss::config::test;
using ss::config::GatewayConfig;

namespace {

const std::string base =
    "[system]\n"                                                         // 1
    "disk_root = \"/var/lib/ss\"\n"                                      // 2
    "[sources]\n"                                                        // 3
    "poll = { kind = 'sim_poll', bus = 'app', period = 2s }\n"           // 4
    "[sensors]\n"                                                        // 5
    "temp = { source = \"poll\", id = 1, count = 4, unit = \"C\" }\n"    // 6
    "[uplinks]\n";                                                       // 7 (the entry is line 8)

std::string with(const std::string& entry) { return base + entry + "\n"; }

} // namespace

TEST_CASE("an MCU uplink: every key, and the defaults") {
    GatewayConfig cfg;
    accepted(cfg, with("mcu0 = { device = \"/dev/ttyACM0\", baud = 115200, rtscts = true, bus = 'can', id_base = 1, "
                       "ids = 16 }"));
    const auto& spec = cfg.spec();
    REQUIRE(spec.uplinks.size() == 1);
    const auto& u = spec.uplinks[0];
    CHECK(u.name == "mcu0");
    CHECK(u.device == "/dev/ttyACM0");
    CHECK(u.baud == 115200);
    CHECK(u.rtscts);
    CHECK(u.bus == SS_SOURCE_CAN); // id 1 is free on can: the sensors are on app
    CHECK(u.id_base == 1);
    CHECK(u.ids == 16);
    reloads_as(cfg);

    GatewayConfig plain;
    accepted(plain, with("mcu0 = { device = \"/dev/serial/by-id/usb-ST-if00\", id_base = 1000 }"));
    const auto& p = plain.spec().uplinks.at(0);
    CHECK(p.baud == 921600);
    CHECK_FALSE(p.rtscts);
    CHECK(p.bus == SS_SOURCE_APP);
    CHECK(p.ids == 256);
    reloads_as(plain);
}

TEST_CASE("two MCUs on two ports, next to each other in the id space, in the file's order") {
    GatewayConfig cfg;
    accepted(cfg, with("b = { device = \"/dev/ttyUSB1\", id_base = 2000, ids = 100 }\n"
                       "a = { device = \"/dev/ttyUSB0\", id_base = 1900, ids = 100 }"));
    REQUIRE(cfg.spec().uplinks.size() == 2);
    CHECK(cfg.spec().uplinks[0].name == "b");
    CHECK(cfg.spec().uplinks[1].name == "a");
    reloads_as(cfg);
}

TEST_CASE("bad uplinks are refused at their key and line") {
    refused(with("x = { id_base = 100 }"), "uplinks.x.device", 8, "required");
    refused(with("x = { device = \"/dev/ttyS1\" }"), "uplinks.x.id_base", 8, "required");
    refused(with("x = { device = \"\", id_base = 100 }"), "uplinks.x.device", 8, "serial device");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 100, baud = 1000 }"), "uplinks.x.baud", 8,
            "no standard serial rate");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 100, ids = 0 }"), "uplinks.x.ids", 8, "at least 1");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 4294967295, ids = 2 }"), "uplinks.x.ids", 8, "32-bit");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 100, bus = 'spi' }"), "uplinks.x.bus", 8, "not 'spi'");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 100, speed = 9600 }"), "uplinks.x.speed", 8, "unknown");
    refused(with("x = \"/dev/ttyS1\""), "uplinks.x", 8, "expects a map");
    // temp-1 .. temp-4 are app ids 1..4: MCU sensor 3 would be stored in temp-4's store.
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 10, ids = 2 }\n"
                 "y = { device = \"/dev/ttyS2\", id_base = 4, ids = 2 }"),
            "uplinks.y.id_base", 9, "overlap sensors.temp");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 100, ids = 10 }\n"
                 "y = { device = \"/dev/ttyS2\", id_base = 109 }"),
            "uplinks.y.id_base", 9, "overlap uplinks.x");
    refused(with("x = { device = \"/dev/ttyS1\", id_base = 100, ids = 10 }\n"
                 "y = { device = \"/dev/ttyS1\", id_base = 200 }"),
            "uplinks.y.device", 9, "uplinks.x's device");
}
