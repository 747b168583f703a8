// What a pipeline runs: its storage, sources, sensors, processing chains, datasets, uploader and
// endpoints, as plain values. The actor config file (config/) reads into this; a gateway that
// embeds the runtime may fill it in code instead. Defaults are the spec's (003 §18) and
// config/examples/gateway.ini documents each one.
// The parts compare with ==, so a spec written out as a config
// file and read back can be checked for equality; PipelineSpec itself holds the C struct
// SsInitCfg, which has no ==, so ss::config::spec_difference compares whole specs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ss/sector_format.hpp"
#include "ss/sensor_storage.h"

namespace ss::actors {

/// What produces a source's data.
enum class SourceKind : std::uint8_t {
    sim_adc,    ///< a simulated DMA double-buffered ADC (hal SimAdc), one sensor per routed channel
    sim_poll,   ///< slow scalar sensors read every `period` (an I²C/1-Wire/Modbus poll, simulated)
    sim_events, ///< event sensors firing at random moments (door contacts, alarms), simulated
    external,   ///< fed by the application through Pipeline::sink(): no capture or processing stage
    sim_uart,   ///< a simulated UART (hal SimUart) carrying uart_frame frames, one channel per sensor
    sim_spi,    ///< a simulated 24-bit SPI converter (hal SimSpi) read channel by channel every `period`
    sim_can,    ///< a simulated CAN bus (hal SimCan); sensors are signals of its frames
    socketcan,  ///< a Linux CAN interface (hal SocketCan); sensors are signals of its frames
};

/// The waveform a simulated source produces.
enum class SignalShape : std::uint8_t { sine, ramp, noise };

struct SourceSpec {
    std::string name;                  ///< unique among sources
    SourceKind kind = SourceKind::sim_adc;
    SsSource bus = SS_SOURCE_HOST;     ///< the 003 source the stores are registered under
    // sim_adc
    std::uint32_t rate_hz = 100'000;   ///< samples (scans) per second, 1 .. 1 000 000
    std::uint16_t channels = 1;        ///< values per scan, 1 .. 16
    std::uint32_t samples_per_half = 512; ///< scans per DMA half
    std::uint32_t buffers = 16;        ///< capture buffers in the source's pool, 2 .. 1024
    SignalShape signal = SignalShape::sine;
    double amplitude = 2000.0;         ///< counts: sine peak, noise half-width
    double offset = 2048.0;            ///< counts: sine and noise centre
    double frequency_hz = 50.0;        ///< sine frequency
    std::uint16_t ramp_step = 1;
    std::uint64_t seed = 1;            ///< noise and event timing
    // sim_poll and sim_events
    std::chrono::milliseconds period{1000}; ///< sim_poll: time between two readings of a sensor
    double events_per_second = 0.2;    ///< sim_events: mean rate per sensor
    // sim_uart, sim_spi, sim_can, socketcan (sim_spi reads every `period`; the simulated ones take
    // their values from the signal settings above)
    std::uint32_t baud = 115'200;      ///< sim_uart: line speed, bits per second
    std::uint32_t frame_rate = 100;    ///< sim_uart, sim_can: frames per second over all sensors
    std::uint32_t corrupt_every = 0;   ///< sim_uart: one bit of every n-th frame flipped on the line; 0 = none
    std::uint32_t spi_clock_hz = 1'000'000; ///< sim_spi: SCK frequency
    std::string interface;             ///< socketcan: network interface name ("can0", "vcan0")

    friend bool operator==(const SourceSpec&, const SourceSpec&) = default;
};

/// One stage of a processing chain (seed 001's filters).
enum class StageKind : std::uint8_t { moving_average, decimate, low_pass, high_pass, band_pass };

struct StageSpec {
    StageKind kind = StageKind::moving_average;
    std::uint32_t window = 0;   ///< moving_average: samples
    std::uint32_t factor = 0;   ///< decimate: one output per `factor` inputs
    bool average = true;        ///< decimate: the group's mean (else its first sample)
    double cutoff_hz = 0.0;     ///< low_pass and high_pass
    double low_hz = 0.0;        ///< band_pass: lower edge
    double high_hz = 0.0;       ///< band_pass: upper edge

    friend bool operator==(const StageSpec&, const StageSpec&) = default;
};

struct ChainSpec {
    std::string name;              ///< unique among chains
    std::vector<StageSpec> stages; ///< applied in order
    bool summarize = true;         ///< per-block min/max/mean (published in the metrics)
    std::string processor;         ///< a user processor registered under this name ("" = none),
                                   ///< applied after the stages (see ss/actors/user_processor.hpp)

    friend bool operator==(const ChainSpec&, const ChainSpec&) = default;
};

/// A sensor, or `count` identical sensors with consecutive ids (`name` then gets "-<id>").
struct SensorSpec {
    std::string name;             ///< unique among sensors (expanded names too)
    std::string source;           ///< a SourceSpec name
    std::uint32_t id = 0;         ///< first id; unique per source bus
    std::uint32_t count = 1;
    RecordType type = RecordType::ts;
    /// Seed 004's verification level for these sensors, an SsVerifyLevel 0..3 (3: read back after
    /// each disk write, for critical data); none = the storage's verify_level.
    std::optional<std::uint32_t> verify_level;
    std::uint16_t channel = 0;    ///< sim_adc: which interleaved channel (a group's k-th sensor
                                  ///< reads channel + k)
    std::string chain;            ///< sim_adc: a ChainSpec name ("" = values as captured)
    std::string unit;
    double valid_low = 0.0, valid_high = 4095.0;         ///< quality: good inside
    double plausible_low = 0.0, plausible_high = 4095.0; ///< suspect inside, bad beyond
    double slope = 1.0, offset = 0.0;                    ///< physical = slope · raw + offset
    std::uint64_t calibrated_ms = 0;                     ///< UTC ms of the calibration; 0 = unknown
    // sim_can, socketcan: the signal in the frame (DBC conventions, ss/capture/can_signal.hpp); a
    // group's k-th sensor reads the same signal in frame can_id + k. (sim_uart and sim_spi
    // sensors use `channel`: the frame's channel byte, the converter's channel.)
    std::uint32_t can_id = 0;
    bool can_extended = false;     ///< 29-bit identifier
    std::uint8_t start_bit = 0;    ///< 0 .. 63
    std::uint8_t length = 16;      ///< bits, 1 .. 32
    bool big_endian = false;       ///< Motorola byte order (else Intel, little endian)
    bool is_signed = false;        ///< two's complement, sign-extended to 32 bits

    friend bool operator==(const SensorSpec&, const SensorSpec&) = default;
};

struct DatasetSpec {
    std::string name;                             ///< unique among datasets
    std::string id;                               ///< e.g. "DS-2026-001"
    std::string description;
    std::vector<std::string> sensors;             ///< SensorSpec names
    std::map<std::string, std::string> metadata;  ///< free-form

    friend bool operator==(const DatasetSpec&, const DatasetSpec&) = default;
};

enum class TransportKind : std::uint8_t { none, archive };

struct UploaderSpec {
    TransportKind transport = TransportKind::archive;
    std::string archive_dir;                    ///< archive: "" = <disk_root>/archive (RAM-only: required)
    std::uint64_t archive_file_bytes = 64ull << 20; ///< archive: a file rotates past this size
    std::chrono::milliseconds period{100};      ///< how often it looks for unsent records
    std::uint32_t batch_records = 256;
    std::uint32_t batches_per_tick = 64;
    std::uint32_t batches_per_send = 16;        ///< batches of different sensors per transport call
    std::chrono::milliseconds backoff_base{1000};
    std::chrono::milliseconds backoff_cap{300'000};
    /// Where batches a destination refused for good are kept: "" = <disk_root>/quarantine; RAM
    /// only and "": none (a refused batch is kept pending and retried).
    std::string quarantine_dir;

    friend bool operator==(const UploaderSpec&, const UploaderSpec&) = default;
};

enum class DestinationKind : std::uint8_t { http, mqtt };
/// The wire codecs of docs/upload-protocol.md.
enum class CodecKind : std::uint8_t { json_lines, line_protocol, compact };
/// Compression on top of the codec (docs/upload-protocol.md, Transports).
enum class CompressionKind : std::uint8_t { none, gzip, zstd };

/// Where the uploader sends batches, [destinations] in the config file (docs/configuration.md).
/// Secrets are never in the spec (so never in --dump-config): a token or password is read from
/// the file or environment variable named here when the runtime starts.
struct DestinationSpec {
    std::string name;
    DestinationKind kind = DestinationKind::http;
    CodecKind codec = CodecKind::json_lines;
    CompressionKind compression = CompressionKind::none;
    std::uint32_t compression_level = 0;      ///< 0 = the library's default (gzip 6, zstd 3)
    // http
    std::string url;                          ///< http:// or https://
    bool put = false;                         ///< PUT instead of POST
    std::uint32_t max_in_flight = 4;          ///< requests at once
    std::uint32_t batches_per_request = 1;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds request_timeout{30'000};
    std::string token_file;                   ///< bearer token: first line of this file, or
    std::string token_env;                    ///< of this environment variable
    // mqtt
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    bool mqtt_v5 = true;                      ///< else MQTT 3.1.1
    std::string client_id;                    ///< "" = <gateway>-<name>
    std::string topic = "ss/{gateway}/{source}/{sensor}";
    std::uint32_t window = 16;                ///< PUBLISHes awaiting PUBACK
    std::chrono::milliseconds ack_timeout{10'000};
    std::string username;
    std::string password_file;
    bool tls = false;                         ///< mqtt: TLS on (http: by the URL's scheme)
    // both
    bool verify_tls = true;
    std::string ca_file, client_cert, client_key;

    friend bool operator==(const DestinationSpec&, const DestinationSpec&) = default;
};

/// An MCU's serial uplink, [uplinks] in the config file (docs/uplink-protocol.md, "The gateway
/// daemon's serial source"): the daemon reads the MCU's link on `device`, stores MCU sensor k's
/// records as sensor (bus, id_base + k) under the MCU's own sequence numbers, and acknowledges a
/// batch once its records are durable.
struct UplinkSpec {
    std::string name;                ///< unique among uplinks
    std::string device;              ///< the tty, e.g. /dev/serial/by-id/... or /dev/ttyACM0
    std::uint32_t baud = 921'600;    ///< a standard termios rate (hal serial_baud_supported)
    bool rtscts = false;             ///< hardware flow control
    SsSource bus = SS_SOURCE_APP;    ///< the source the MCU's sensors are registered under
    std::uint32_t id_base = 0;       ///< MCU sensor k is gateway sensor id_base + k
    std::uint32_t ids = 256;         ///< MCU sensors 0 .. ids - 1 are taken; others are quarantined

    friend bool operator==(const UplinkSpec&, const UplinkSpec&) = default;
};

struct HttpSpec {
    bool enabled = true;
    std::string address = "127.0.0.1"; ///< loopback unless an operator opens it up
    std::uint16_t port = 9464;          ///< 0 = any free port (tests)
    std::uint32_t max_sensor_series = 1000; ///< per-sensor metrics only up to this many sensors

    friend bool operator==(const HttpSpec&, const HttpSpec&) = default;
};

struct PipelineSpec {
    std::string gateway = "gateway";        ///< this gateway's name (upload keys, metrics)
    SsInitCfg storage{};                    ///< the core's knobs; its disk_root is not read: data_dir is
    std::string data_dir;                   ///< the disk tier's directory; "" = RAM only
    std::chrono::milliseconds tick{100};    ///< the manager tick
    std::chrono::milliseconds status_interval{1000}; ///< the daemon's status line; 0 = none
    std::vector<SourceSpec> sources;
    std::vector<SensorSpec> sensors;
    std::vector<ChainSpec> chains;
    std::vector<DatasetSpec> datasets;
    /// Empty: the uploader uses uploader.transport (the archive, or none).
    std::vector<DestinationSpec> destinations;
    UploaderSpec uploader{};
    HttpSpec http{};
    std::vector<UplinkSpec> uplinks;        ///< MCUs whose serial uplinks this gateway reads
};

} // namespace ss::actors
