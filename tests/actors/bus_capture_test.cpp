// The bus sources on a real actor system in real time: a simulated UART, SPI converter and CAN bus
// feed their capture stages, which decode on the device threads and hand readings on to
// processing and the stores. Every value the uploader sees is checked against what the simulated
// sender can have sent (a ramp with a step that keeps each sensor's id in its low bits), so a
// value misrouted, corrupted or invented fails. SocketCAN runs where the kernel has a CAN
// interface (vcan0, or the one SS_TEST_CAN_IFACE names) and is reported as skipped elsewhere;
// its failure path (no interface) runs everywhere.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include <net/if.h>

#include <bit>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "real_time_system.hpp"
#include "ss/actors/bus_config.hpp"
#include "ss/actors/pipeline.hpp"
#include "ss/capture/uart_frame.hpp"
#include "ss/config.hpp"
#include "ss/hal/capture/socket_can.hpp"
#include "ss/text.hpp"

using namespace std::chrono_literals;
using ss::actors::SourceKind;

namespace {

// A ramp whose step is a multiple of 1024 keeps the sensor id (< 1024) in a value's low bits,
// also when the value wraps at 2^32.
constexpr std::uint32_t step = 1024;

struct Value {
    std::uint32_t value;
    std::uint64_t ts_ms; // events only
};

/// Keeps every acknowledged value, per sensor id; thread-safe (the uploader has its own thread).
class RecordingTransport final : public ss::hal::UploadTransport {
public:
    ss::hal::UploadResult send(const ss::hal::UploadBatch& b) noexcept override {
        std::lock_guard<std::mutex> lock(mutex);
        auto& out = values[b.sensor_id];
        for (std::uint32_t i = 0; i < b.count; ++i) {
            Value v{};
            if (b.type == ss::RecordType::ts) {
                std::memcpy(&v.value, b.records + std::size_t{i} * 4, 4);
            } else {
                SsEventRecord r;
                std::memcpy(&r, b.records + std::size_t{i} * sizeof r, sizeof r);
                v = {r.value, r.ts_ms};
            }
            out.push_back(v);
        }
        return {ss::hal::UploadOutcome::acknowledged, 0};
    }
    std::mutex mutex;
    std::map<std::uint32_t, std::vector<Value>> values;
};

using ss::actors::test::ActorSystem;

ss::actors::PipelineSpec base_spec(const ss::actors::SourceSpec& source) {
    ss::actors::PipelineSpec spec;
    spec.storage = ss::default_config(SS_TARGET_LINUX);
    spec.storage.ram_pool_bytes = 512 * 1024;
    spec.storage.max_sensors = 32;
    spec.storage.log = [](void*, int, const char*) {};
    spec.tick = 20ms;
    spec.uploader.period = 20ms;
    spec.sources = {source};
    return spec;
}

ss::actors::SensorSpec sensor(const char* name, const char* source, std::uint32_t id, std::uint32_t count) {
    ss::actors::SensorSpec s;
    s.name = name;
    s.source = source;
    s.id = id;
    s.count = count;
    s.valid_high = s.plausible_high = 4e9; // quality is not what this test is about
    return s;
}

ss::actors::SourceSpec ramp_source(const char* name, SourceKind kind) {
    ss::actors::SourceSpec s;
    s.name = name;
    s.kind = kind;
    s.signal = ss::actors::SignalShape::ramp;
    s.ramp_step = step;
    return s;
}

struct Run {
    std::map<std::uint32_t, std::vector<Value>> values;
    ss::actors::SourceSnapshot source;
    std::uint64_t elapsed_ms = 0;
    std::vector<std::string> log;
};

// Runs the pipeline for `duration` and stops it; what the uploader saw and the source's counters.
Run run(ss::actors::PipelineSpec spec, std::chrono::milliseconds duration) {
    ActorSystem as;
    RecordingTransport transport;
    Run r;
    std::mutex log_mutex;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    options.log = [&](int, const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mutex);
        r.log.push_back(line);
    };
    std::string why;
    const auto start = std::chrono::steady_clock::now();
    auto pipeline = ss::actors::Pipeline::start(*as.sys, std::move(spec), why, options);
    REQUIRE_MESSAGE(pipeline != nullptr, why);
    std::this_thread::sleep_for(duration);
    pipeline->shutdown();
    r.elapsed_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
    r.source = pipeline->snapshot().sources.at(0);
    std::lock_guard<std::mutex> lock(transport.mutex);
    r.values = transport.values;
    return r;
}

// Each of a ramp sensor's values is k·step + id for a ramp step k the run can have reached
// (`step_ms` per step), and they never go back.
void check_ramp(const Run& r, std::uint32_t id, std::uint64_t step_ms, std::size_t at_least) {
    CAPTURE(id);
    const auto at = r.values.find(id);
    REQUIRE(at != r.values.end());
    const auto& vs = at->second;
    CHECK(vs.size() >= at_least);
    std::uint32_t last = 0;
    for (const Value& v : vs) {
        CAPTURE(v.value);
        CHECK(v.value % step == id);
        CHECK(v.value / step <= r.elapsed_ms / step_ms + 1);
        CHECK(v.value >= last);
        last = v.value;
    }
}

} // namespace

TEST_CASE("the simulated CAN sender writes each signal where the core's decoder reads it") {
    // Every layout the decoder takes: inserting a value and extracting it gives its low `length`
    // bits (sign-extended when signed), the signal occupies exactly `length` bits, and the other
    // bits of the payload are left as they were.
    std::uint32_t layouts = 0;
    for (int order = 0; order < 2; ++order) {
        for (std::uint8_t start = 0; start < 64; ++start) {
            for (std::uint8_t length = 1; length <= 32; ++length) {
                ss::capture::CanSignal s;
                s.id = 0x100;
                s.start_bit = start;
                s.length = length;
                s.order = order == 0 ? ss::capture::ByteOrder::little_endian : ss::capture::ByteOrder::big_endian;
                ss::Text why;
                if (!ss::capture::validate(s, why)) continue;
                ++layouts;
                CAPTURE(order);
                CAPTURE(int{start});
                CAPTURE(int{length});
                const std::uint64_t bits = ss::actors::bus::can_bits(s);
                CHECK(std::popcount(bits) == length);
                const std::uint32_t mask = length == 32 ? 0xFFFF'FFFFu : (1u << length) - 1;
                for (std::uint32_t v : {0u, 1u, 0xA5A5'A5A5u, 0xFFFF'FFFFu, 0x8000'0000u >> (32 - length)}) {
                    std::uint8_t data[8];
                    std::memset(data, 0x5A, sizeof data);
                    ss::actors::bus::can_insert(s, v, data);
                    CHECK(ss::capture::extract(s, data) == (v & mask));
                    for (int b = 0; b < 64; ++b)
                        if (((bits >> b) & 1u) == 0) CHECK(((data[b / 8] >> (b % 8)) & 1) == ((0x5A >> (b % 8)) & 1));
                    s.is_signed = true;
                    const bool negative = length < 32 && ((v >> (length - 1)) & 1u) != 0;
                    CHECK(ss::actors::bus::can_sent_value(s, v) == (negative ? (v & mask) | ~mask : v & mask));
                    s.is_signed = false;
                }
            }
        }
    }
    // 65 - length places for each length (1552 over 1..32) in either byte order.
    CHECK(layouts == 2 * 1552);
}

TEST_CASE("sim_uart: every sensor gets the values its frames carried") {
    auto uart = ramp_source("line", SourceKind::sim_uart);
    uart.baud = 115'200;
    uart.frame_rate = 400; // 100 frames a second per sensor
    auto spec = base_spec(uart);
    auto s = sensor("serial", "line", 1, 4);
    s.channel = 10; // channels 10..13
    spec.sensors = {s};
    const Run r = run(spec, 1200ms);
    for (std::uint32_t id = 1; id <= 4; ++id) check_ramp(r, id, 1000, 60);
    // The ramp moved on at least once: values carry the sender's time, not a constant.
    CHECK(r.values.at(1).back().value / step >= 1);
    CHECK(r.source.kind == "sim_uart");
    CHECK(r.source.frames_bad == 0);
    CHECK(r.source.bytes_discarded == 0);
    CHECK(r.source.frames_unmatched == 0);
    CHECK(r.source.device_overruns == 0);
    CHECK(r.source.records_stored >= 400);
    MESSAGE("sim_uart: " << r.source.records_stored << " readings stored in " << r.elapsed_ms << " ms, latency p99 "
                         << r.source.latency_p99_us << " us");
}

TEST_CASE("sim_uart: frames corrupted on the line are counted as bad and never stored") {
    auto uart = ramp_source("line", SourceKind::sim_uart);
    uart.baud = 230'400;
    uart.frame_rate = 1000;
    uart.corrupt_every = 5; // one frame in five has a bit flipped after the sync bytes
    auto spec = base_spec(uart);
    auto s = sensor("serial", "line", 100, 3);
    s.channel = 7;
    spec.sensors = {s};
    const Run r = run(spec, 1000ms);
    for (std::uint32_t id = 100; id <= 102; ++id) check_ramp(r, id, 1000, 100);
    std::uint64_t uploaded = 0;
    for (const auto& [id, vs] : r.values) uploaded += vs.size();
    CHECK(r.values.size() == 3);
    CHECK(uploaded <= r.source.records_stored);
    // Four good frames for each bad one, up to the frames in flight when capture stopped.
    const std::uint64_t good = r.source.records_stored;
    CHECK(r.source.frames_bad >= 100);
    CHECK(r.source.frames_bad + 3 >= good / 4);
    CHECK(r.source.frames_bad <= good / 4 + 3);
    CHECK(r.source.bytes_discarded >= r.source.frames_bad * ss::capture::uart_frame_size);
    MESSAGE("sim_uart with line noise: " << good << " good, " << r.source.frames_bad << " bad frames, "
                                         << r.source.bytes_discarded << " bytes discarded");
}

TEST_CASE("sim_spi: every channel is read each period with the converter's value") {
    auto spi = ramp_source("conv", SourceKind::sim_spi);
    spi.period = 20ms; // also the ramp's step
    spi.spi_clock_hz = 1'000'000;
    auto spec = base_spec(spi);
    auto ts = sensor("spi", "conv", 5, 3);
    ts.channel = 40; // channels 40..42
    auto evt = sensor("spi-evt", "conv", 9, 1);
    evt.channel = 3;
    evt.type = ss::RecordType::evt;
    spec.sensors = {ts, evt};
    const auto utc_before = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    const Run r = run(spec, 1000ms);
    const auto utc_after = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    for (std::uint32_t id : {5u, 6u, 7u, 9u}) check_ramp(r, id, 20, 30);
    // One reading per scan, one scan per period: consecutive readings are mostly one ramp step
    // apart (a scan late by a step's edge makes 0 then 2; a loaded machine makes more of those).
    const auto& five = r.values.at(5);
    std::size_t one_step = 0;
    for (std::size_t i = 1; i < five.size(); ++i) one_step += five[i].value - five[i - 1].value == step;
    CHECK(one_step * 2 >= five.size() - 1);
    // Events carry UTC ms of their transfer.
    for (const Value& v : r.values.at(9)) {
        CHECK(v.ts_ms >= utc_before);
        CHECK(v.ts_ms <= utc_after);
    }
    CHECK(r.source.kind == "sim_spi");
    CHECK(r.source.frames_unmatched == 0);
    // Every period is a scan of the four channels or a counted overrun (the last scan still ran:
    // a loaded machine, e.g. under ThreadSanitizer, skips some); most periods are scans. The run's
    // elapsed time also covers start and shutdown, when no period runs.
    const std::uint64_t scans = r.source.records_stored / 4;
    const std::uint64_t periods = r.elapsed_ms / 20;
    CHECK((scans + r.source.device_overruns) * 4 >= periods * 3);
    CHECK(scans + r.source.device_overruns <= periods + 2);
    CHECK(r.source.device_overruns * 3 <= scans);
    MESSAGE("sim_spi: " << r.source.records_stored << " readings, " << r.source.device_overruns << " overruns in "
                        << r.elapsed_ms << " ms");
}

TEST_CASE("sim_can: every signal decodes to the value its sender put in the frame") {
    auto can = ramp_source("engine", SourceKind::sim_can);
    can.frame_rate = 600; // two ids: 300 frames a second each
    can.period = 100ms;   // the ramp's step, so the values reach the signals' sign bit and top
    can.bus = SS_SOURCE_CAN;
    auto spec = base_spec(can);
    auto rpm = sensor("rpm", "engine", 1, 2); // Intel, 16 bits at bit 0 of 0x100 and 0x101
    rpm.can_id = 0x100;
    rpm.length = 16;
    auto temp = sensor("temp", "engine", 10, 1); // Motorola, 12 bits signed, bytes 2..3 of 0x100
    temp.can_id = 0x100;
    temp.start_bit = 23;
    temp.length = 12;
    temp.big_endian = true;
    temp.is_signed = true;
    spec.sensors = {rpm, temp};
    const Run r = run(spec, 1000ms);
    const std::uint64_t steps = r.elapsed_ms / 100 + 1;
    const auto check = [&](const ss::actors::SensorSpec& s, std::uint32_t k, std::uint32_t id) {
        CAPTURE(id);
        const ss::capture::CanSignal signal = ss::actors::bus::can_signal(s, k, 0);
        const auto at = r.values.find(id);
        REQUIRE(at != r.values.end());
        CHECK(at->second.size() >= 200);
        std::uint64_t last_step = 0;
        for (const Value& v : at->second) {
            CAPTURE(v.value);
            // The value of some ramp step k: what the sender's k·step + id leaves after the
            // signal's bits (and sign) had their say.
            bool found = false;
            for (std::uint64_t n = last_step; n <= steps && !found; ++n) {
                if (ss::actors::bus::can_sent_value(signal, static_cast<std::uint32_t>(n * step + id)) == v.value) {
                    found = true;
                    last_step = n;
                }
            }
            CHECK(found);
        }
        return last_step;
    };
    CHECK(check(rpm, 0, 1) >= 5);
    CHECK(check(rpm, 1, 2) >= 5);
    CHECK(check(temp, 0, 10) >= 5);
    // Step 2 and on put 2048 and more into a 12-bit signed field: the stored value is negative.
    bool negative = false;
    for (const Value& v : r.values.at(10)) negative |= static_cast<std::int32_t>(v.value) < 0;
    CHECK(negative);
    CHECK(r.source.kind == "sim_can");
    CHECK(r.source.frames_unmatched == 0);
    CHECK(r.source.frames_bad == 0);
    MESSAGE("sim_can: " << r.source.records_stored << " signals stored in " << r.elapsed_ms << " ms");
}

TEST_CASE("a spec built in code is held to the buses' addressing") {
    ActorSystem as;
    std::string why;
    auto uart = ramp_source("line", SourceKind::sim_uart);
    auto spec = base_spec(uart);
    auto a = sensor("a", "line", 1, 2);
    a.channel = 254;
    auto b = sensor("b", "line", 5, 1);
    b.channel = 255; // also a's second channel
    spec.sensors = {a, b};
    CHECK(ss::actors::Pipeline::start(*as.sys, spec, why) == nullptr);
    CHECK(why == "sensor b: channel 255 of source line is read by another sensor");
    a.count = 3; // channels 254..256
    spec.sensors = {a};
    CHECK(ss::actors::Pipeline::start(*as.sys, spec, why) == nullptr);
    CHECK(why == "sensor a: UART channels go up to 255");
    ss::actors::SourceSpec can;
    can.name = "engine";
    can.kind = SourceKind::sim_can;
    spec = base_spec(can);
    auto c = sensor("c", "engine", 1, 1);
    c.start_bit = 60; // 16 bits from bit 60: past byte 7
    spec.sensors = {c};
    CHECK(ss::actors::Pipeline::start(*as.sys, spec, why) == nullptr);
    CHECK(why.find("sensor c: ") == 0);
    CHECK(why.find("start_bit") != std::string::npos);
}

TEST_CASE("bus sources with no sensors run idle instead of failing") {
    for (SourceKind kind : {SourceKind::sim_uart, SourceKind::sim_spi, SourceKind::sim_can}) {
        auto source = ramp_source("idle", kind);
        source.period = 10ms;
        const Run r = run(base_spec(source), 150ms);
        CAPTURE(r.source.kind);
        CHECK(r.log.empty()); // no stage failed
        CHECK(r.source.blocks == 0);
        CHECK(r.source.device_overruns == 0);
    }
}

namespace {

std::string can_interface() {
    const char* name = std::getenv("SS_TEST_CAN_IFACE");
    return name != nullptr && *name != '\0' ? name : "vcan0";
}

// Why the SocketCAN source cannot be run here, or "" if it can.
std::string socketcan_unavailable() {
    const std::string name = can_interface();
    if (if_nametoindex(name.c_str()) == 0) return "no interface " + name + " (the kernel has no vcan here)";
    ss::capture::SocketCan probe(name);
    if (const int rc = probe.open(); rc != 0) return "cannot open a CAN socket on " + name + ": errno " + std::to_string(-rc);
    return "";
}

const bool socketcan_available = socketcan_unavailable().empty();

} // namespace

TEST_CASE("socketcan: a missing interface fails the capture stage with the reason") {
    ss::actors::SourceSpec car;
    car.name = "car";
    car.kind = SourceKind::socketcan;
    car.bus = SS_SOURCE_CAN;
    car.interface = "ssnocan0"; // no machine has it
    auto spec = base_spec(car);
    auto s = sensor("wheel", "car", 1, 1);
    s.can_id = 0x200;
    spec.sensors = {s};
    const Run r = run(spec, 300ms);
    bool reported = false;
    for (const auto& line : r.log) {
        MESSAGE(line);
        // -ENODEV where the kernel has CAN, -EAFNOSUPPORT where it has none.
        reported |= line.find("cannot start source car: errno") != std::string::npos;
    }
    CHECK(reported);
    CHECK(r.source.records_stored == 0);
    CHECK(r.values.empty());
}

TEST_CASE("socketcan availability") {
    if (socketcan_available)
        MESSAGE("CAN interface " << can_interface() << " is up: the socketcan source test runs");
    else
        MESSAGE("SKIPPING the socketcan source test: " << socketcan_unavailable()
                                                       << ". Set SS_TEST_CAN_IFACE to use another interface.");
}

TEST_CASE("socketcan: frames sent on the interface are stored as their signals" * doctest::skip(!socketcan_available)) {
    ss::actors::SourceSpec car;
    car.name = "car";
    car.kind = SourceKind::socketcan;
    car.bus = SS_SOURCE_CAN;
    car.interface = can_interface();
    auto spec = base_spec(car);
    auto s = sensor("wheel", "car", 1, 1);
    s.can_id = 0x321;
    s.start_bit = 8;
    s.length = 24;
    spec.sensors = {s};

    ActorSystem as;
    RecordingTransport transport;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    std::string why;
    auto pipeline = ss::actors::Pipeline::start(*as.sys, spec, why, options);
    REQUIRE_MESSAGE(pipeline != nullptr, why);
    std::this_thread::sleep_for(200ms); // the stage opens its socket
    ss::capture::SocketCan tx(can_interface());
    REQUIRE(tx.open() == 0);
    std::vector<std::uint32_t> sent;
    for (std::uint32_t i = 0; i < 50; ++i) {
        ss::capture::CanFrame f;
        f.id = 0x321;
        f.dlc = 8;
        const std::uint32_t v = 0x010203u * (i + 1) & 0xFF'FFFFu;
        f.data[1] = static_cast<std::uint8_t>(v);
        f.data[2] = static_cast<std::uint8_t>(v >> 8);
        f.data[3] = static_cast<std::uint8_t>(v >> 16);
        REQUIRE(tx.send(f) == 0);
        sent.push_back(v);
        std::this_thread::sleep_for(2ms);
    }
    std::this_thread::sleep_for(300ms);
    pipeline->shutdown();
    std::lock_guard<std::mutex> lock(transport.mutex);
    std::vector<std::uint32_t> got;
    for (const Value& v : transport.values[1]) got.push_back(v.value);
    CHECK(got == sent);
}
