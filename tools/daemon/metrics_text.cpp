#include "daemon/metrics_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "daemon/health_flags.hpp"
#include "daemon/text_out.hpp"
#include "ss/source_name.hpp"

namespace ss::daemon {
namespace {

using actors::RuntimeSnapshot;
using actors::SensorSnapshot;
using actors::SerialUplinkStats;

enum class MetricType { counter, gauge, histogram };

constexpr std::string_view type_word(MetricType type) noexcept {
    switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::histogram: return "histogram";
    }
    return "untyped";
}

/// Appends families to a string. The text format wants a family's HELP and TYPE once and all
/// its samples together, so a family is opened with begin() and filled before the next.
class ExpositionWriter {
public:
    explicit ExpositionWriter(std::string& out) : out_(out) {}

    void begin(std::string_view name, MetricType type, std::string_view help) {
        name_ = name;
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        append_help_text(out_, help);
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type_word(type);
        out_ += '\n';
    }

    /// One sample of the open family. labels and more_labels are rendered `k="v"` lists
    /// (either may be empty); suffix names a histogram's _bucket, _sum or _count series.
    template <class Value>
    void sample(std::string_view labels, std::string_view more_labels, Value value, std::string_view suffix = {}) {
        out_ += name_;
        out_ += suffix;
        if (!labels.empty() || !more_labels.empty()) {
            out_ += '{';
            out_ += labels;
            if (!labels.empty() && !more_labels.empty()) out_ += ',';
            out_ += more_labels;
            out_ += '}';
        }
        out_ += ' ';
        if constexpr (std::is_floating_point_v<Value>) append_double(out_, value);
        else append_uint(out_, static_cast<std::uint64_t>(value));
        out_ += '\n';
    }

    template <class Value>
    void sample(std::string_view labels, Value value) { sample(labels, {}, value); }

    template <class Value>
    void sample(Value value) { sample({}, {}, value); }

    /// A family of one unlabelled sample.
    template <class Value>
    void single(std::string_view name, MetricType type, std::string_view help, Value value) {
        begin(name, type, help);
        sample(value);
    }

private:
    std::string& out_;
    std::string_view name_;
};

/// Appends `name="value"`, the value escaped.
void append_label(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += "=\"";
    append_label_value(out, value);
    out += '"';
}

std::string label_text(std::string_view name, std::string_view value) {
    std::string out;
    append_label(out, name, value);
    return out;
}

double seconds_from_ms(std::uint64_t ms) noexcept { return static_cast<double>(ms) / 1000.0; }

/// The rendered `source="…",sensor="…",id="…"` of each sensor that gets per-sensor series,
/// escaped once here instead of once per family.
class SensorLabels {
public:
    explicit SensorLabels(std::span<const SensorSnapshot> sensors) {
        ends_.reserve(sensors.size());
        for (const auto& s : sensors) {
            // A sensor no configured source feeds (registered by an embedding application) has
            // an empty source name; the core's bus name still tells where it lives.
            const std::string_view source = s.source.empty() ? std::string_view(ss::source_name(s.stats.source))
                                                             : std::string_view(s.source);
            append_label(text_, "source", source);
            text_ += ',';
            append_label(text_, "sensor", s.name);
            text_ += ",id=\"";
            append_uint(text_, s.stats.sensor_id);
            text_ += '"';
            ends_.push_back(text_.size());
        }
    }

    std::string_view operator[](std::size_t i) const noexcept {
        const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
        return std::string_view(text_).substr(begin, ends_[i] - begin);
    }

    std::size_t total_size() const noexcept { return text_.size(); }

private:
    std::string text_;
    std::vector<std::size_t> ends_;
};

/// A record count by drop cause, read from either the sensor's or the system's figures (both
/// structs name them alike).
struct DropCause {
    std::string_view label; ///< rendered cause="…"
    std::uint64_t SsSensorStats::*sensor_count;
    std::uint64_t SsSystemStats::*system_count;
};

constexpr std::array<DropCause, 5> drop_causes{{
    {R"(cause="new")", &SsSensorStats::dropped_new, &SsSystemStats::dropped_new},
    {R"(cause="recycled")", &SsSensorStats::dropped_recycled, &SsSystemStats::dropped_recycled},
    {R"(cause="corrupt")", &SsSensorStats::dropped_corrupt, &SsSystemStats::dropped_corrupt},
    {R"(cause="quota")", &SsSensorStats::dropped_quota, &SsSystemStats::dropped_quota},
    {R"(cause="lost")", &SsSensorStats::lost_records, &SsSystemStats::lost_records},
}};

struct QualityCount {
    std::string_view label; ///< rendered quality="…"
    std::uint64_t SensorSnapshot::*count;
};

constexpr std::array<QualityCount, 3> quality_counts{{
    {R"(quality="good")", &SensorSnapshot::quality_good},
    {R"(quality="suspect")", &SensorSnapshot::quality_suspect},
    {R"(quality="bad")", &SensorSnapshot::quality_bad},
}};

/// Sums over every sensor, for the totals the core's system figures do not carry.
struct SensorTotals {
    std::uint64_t written = 0, unsent = 0, pending = 0, on_disk = 0, uploaded = 0;
    std::array<std::uint64_t, quality_counts.size()> quality{};
    std::uint64_t oldest_unsent_age_ms = 0;

    explicit SensorTotals(std::span<const SensorSnapshot> sensors) {
        for (const auto& s : sensors) {
            written += s.stats.written;
            unsent += s.stats.unsent;
            pending += s.stats.pending;
            on_disk += s.stats.disk_records;
            uploaded += s.stats.erased;
            for (std::size_t q = 0; q < quality_counts.size(); ++q) quality[q] += s.*quality_counts[q].count;
            oldest_unsent_age_ms = std::max(oldest_unsent_age_ms, s.oldest_unsent_age_ms);
        }
    }
};

// Upper bound of what a sample line adds beside its labels: the longest family name with a
// suffix, an extra label, braces, the longest number and the newline. Reserving from it means
// one allocation however many sensors there are.
constexpr std::size_t sample_line_bytes = 112;
// Eleven one-sample families per sensor, and the by-cause and by-quality ones.
constexpr std::size_t per_sensor_samples = 11 + drop_causes.size() + quality_counts.size();
constexpr std::size_t fixed_families_bytes = 16 * 1024;

std::size_t expected_size(const RuntimeSnapshot& snapshot, const SensorLabels& labels, std::size_t sensors) {
    std::size_t bytes = fixed_families_bytes + per_sensor_samples * (labels.total_size() + sensors * sample_line_bytes);
    for (const auto& s : snapshot.sources) bytes += 6 * (sample_line_bytes + 2 * (s.name.size() + s.kind.size()));
    for (const auto& s : snapshot.stages) bytes += 2 * (sample_line_bytes + 2 * s.name.size());
    return bytes;
}

void write_identity_and_health(ExpositionWriter& w, const RuntimeSnapshot& snapshot) {
    w.begin("sensor_storage_info", MetricType::gauge,
            "Always 1; its labels name the gateway and the sensor-storage version.");
    std::string labels = label_text("gateway", snapshot.gateway);
    labels += ",version=\"";
    append_uint(labels, SS_VERSION_MAJOR);
    labels += '.';
    append_uint(labels, SS_VERSION_MINOR);
    labels += '.';
    append_uint(labels, SS_VERSION_PATCH);
    labels += '"';
    w.sample(labels, 1u);

    w.single("sensor_storage_uptime_seconds", MetricType::gauge, "Time since the runtime started.",
             seconds_from_ms(snapshot.uptime_ms));
    w.single("sensor_storage_manager_ticks_total", MetricType::counter,
             "Storage manager ticks (seal, spill, write, sync) since start.", snapshot.flush.ticks);
    w.single("sensor_storage_manager_tick_max_seconds", MetricType::gauge,
             "The longest storage manager tick since start.", static_cast<double>(snapshot.flush.max_tick_us) / 1e6);
    w.single("sensor_storage_healthy", MetricType::gauge,
             "1 when the runtime reports itself healthy (/health answers 200), else 0.", snapshot.healthy);
    w.single("sensor_storage_problems", MetricType::gauge,
             "Problems the runtime reports (listed in /health).", snapshot.problems.size());

    w.begin("sensor_storage_health_flag", MetricType::gauge,
            "The core's health flags: 1 while set. corruption and dropping stay set once raised.");
    const std::uint32_t flags = snapshot.system.health_flags;
    for (const auto& f : health_flag_names) w.sample(label_text("flag", f.name), (flags & f.bit) != 0);
    const std::uint32_t unnamed = unnamed_health_bits(flags);
    for (unsigned bit = 0; bit < 32; ++bit)
        if ((unnamed >> bit) & 1u) w.sample(label_text("flag", unnamed_health_flag_name(bit)), 1u);
}

void write_system(ExpositionWriter& w, const RuntimeSnapshot& snapshot) {
    const SsSystemStats& sys = snapshot.system;
    const std::uint64_t sector_bytes = sys.sector_bytes;
    w.single("sensor_storage_sensors_registered", MetricType::gauge, "Sensors registered with the store.", sys.sensors);
    w.single("sensor_storage_sensors_capacity", MetricType::gauge, "Sensors the store was sized for (max_sensors).",
             sys.max_sensors);
    w.single("sensor_storage_ram_used_bytes", MetricType::gauge, "RAM pool sectors in use, in bytes.",
             snapshot.ram_bytes_used);
    w.single("sensor_storage_ram_capacity_bytes", MetricType::gauge, "RAM pool size, in bytes.",
             sys.sectors_total * sector_bytes);
    w.single("sensor_storage_ram_free_min_bytes", MetricType::gauge,
             "The least RAM pool space that was free at any moment since start, in bytes.",
             sys.sectors_free_min * sector_bytes);
    w.single("sensor_storage_arena_bytes", MetricType::gauge, "Memory held for the pool and its metadata.",
             sys.arena_bytes);
    w.single("sensor_storage_disk_used_bytes", MetricType::gauge, "Disk tier: allocation units held, in bytes.",
             sys.disk_bytes_used);
    w.single("sensor_storage_disk_quota_bytes", MetricType::gauge,
             "Disk tier: the quota in force (lowered while the file system is full).", sys.disk_quota_bytes);
    w.single("sensor_storage_disk_lost_units", MetricType::gauge,
             "Disk tier: units recovery found corrupt or torn, until the acknowledged records pass them.",
             sys.lost_units);
}

void write_totals(ExpositionWriter& w, const RuntimeSnapshot& snapshot, const SensorTotals& totals) {
    const SsSystemStats& sys = snapshot.system;
    w.single("sensor_storage_records_written_total", MetricType::counter, "Records added (accepted), all sensors.",
             totals.written);
    w.single("sensor_storage_records_retained", MetricType::gauge, "Records held (pending + unsent), all sensors.",
             sys.records_retained);
    w.single("sensor_storage_records_unsent", MetricType::gauge, "Records not yet handed to the uploader, all sensors.",
             totals.unsent);
    w.single("sensor_storage_records_pending", MetricType::gauge,
             "Records handed to the uploader and awaiting acknowledgement, all sensors.", totals.pending);
    w.single("sensor_storage_records_on_disk", MetricType::gauge, "Records retained in the disk tier, all sensors.",
             totals.on_disk);
    w.single("sensor_storage_records_uploaded_total", MetricType::counter,
             "Records the cloud acknowledged (then erased), all sensors.", totals.uploaded);
    w.begin("sensor_storage_records_dropped_total", MetricType::counter, "Records lost, by cause, all sensors.");
    for (const auto& cause : drop_causes) w.sample(cause.label, sys.*cause.system_count);
    w.single("sensor_storage_corrupt_sectors_total", MetricType::counter, "Sectors dropped for a CRC mismatch.",
             sys.corrupt_sectors);
    // Apart from the drops: a clear is an operator's decision, not a loss to alert on.
    w.single("sensor_storage_clears_total", MetricType::counter, "Operator clears (ss_sensor_clear), all sensors.",
             sys.clears);
    w.single("sensor_storage_records_cleared_total", MetricType::counter,
             "Records discarded by operator clears, all sensors.", sys.cleared_records);
    w.single("sensor_storage_oldest_unsent_age_seconds", MetricType::gauge,
             "Age of the oldest unsent record of any sensor; 0 when nothing is unsent.",
             seconds_from_ms(totals.oldest_unsent_age_ms));
    w.begin("sensor_storage_values_total", MetricType::counter,
            "Processed values by the quality their sensor's rules gave them, all sensors.");
    for (std::size_t q = 0; q < quality_counts.size(); ++q) w.sample(quality_counts[q].label, totals.quality[q]);
    w.single("sensor_storage_scrub_units_checked_total", MetricType::counter,
             "Units whose CRC the integrity scrub verified.", snapshot.scrub_units_checked);
    w.single("sensor_storage_scrub_corrupt_units_total", MetricType::counter,
             "Units the integrity scrub found corrupt.", snapshot.scrub_corrupt_found);
}

// A family without samples tells a reader nothing, so the families of absent sources, stages
// and sensors are left out rather than written empty.

void write_sources(ExpositionWriter& w, const RuntimeSnapshot& snapshot) {
    if (snapshot.sources.empty()) return;
    std::vector<std::string> labels;
    labels.reserve(snapshot.sources.size());
    for (const auto& s : snapshot.sources) labels.push_back(label_text("source", s.name));

    w.begin("sensor_storage_source_info", MetricType::gauge, "Always 1; one per capture source, with its kind.");
    for (std::size_t i = 0; i < labels.size(); ++i)
        w.sample(labels[i], label_text("kind", snapshot.sources[i].kind), 1u);

    struct SourceCounter {
        std::string_view name, help;
        std::uint64_t actors::SourceSnapshot::*count;
    };
    static constexpr std::array<SourceCounter, 9> counters{{
        {"sensor_storage_source_blocks_total", "Capture buffers handed to processing.", &actors::SourceSnapshot::blocks},
        {"sensor_storage_source_capture_overflows_total", "Capture buffers dropped for want of a free buffer.",
         &actors::SourceSnapshot::overflows},
        {"sensor_storage_source_samples_lost_total", "Samples lost at capture.", &actors::SourceSnapshot::samples_lost},
        {"sensor_storage_source_frames_bad_total", "Bus frames refused by their check (UART CRC, CAN frame too short).",
         &actors::SourceSnapshot::frames_bad},
        {"sensor_storage_source_bytes_discarded_total", "UART bytes that were part of no good frame.",
         &actors::SourceSnapshot::bytes_discarded},
        {"sensor_storage_source_frames_unmatched_total", "Bus frames for no configured sensor.",
         &actors::SourceSnapshot::frames_unmatched},
        {"sensor_storage_source_device_overruns_total",
         "Bus device losses: UART bytes dropped, SPI scans skipped, CAN receive errors.",
         &actors::SourceSnapshot::device_overruns},
        {"sensor_storage_source_records_stored_total", "Records of this source the store accepted.",
         &actors::SourceSnapshot::records_stored},
        {"sensor_storage_source_records_dropped_total",
         "Records of this source the store refused (also counted by cause in sensor_storage_records_dropped_total).",
         &actors::SourceSnapshot::records_dropped},
    }};
    for (const auto& c : counters) {
        w.begin(c.name, MetricType::counter, c.help);
        for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.sources[i].*c.count);
    }
}

void write_stages(ExpositionWriter& w, const RuntimeSnapshot& snapshot) {
    if (snapshot.stages.empty()) return;
    std::vector<std::string> labels;
    labels.reserve(snapshot.stages.size());
    for (const auto& s : snapshot.stages) labels.push_back(label_text("stage", s.name));
    w.begin("sensor_storage_stage_mailbox_messages", MetricType::gauge, "Messages waiting in a stage's mailbox.");
    for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.stages[i].mailbox);
    w.begin("sensor_storage_stage_restarts_total", MetricType::counter, "Times the supervisor restarted a stage.");
    for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.stages[i].restarts);
}

void write_upload(ExpositionWriter& w, const RuntimeSnapshot& snapshot) {
    const actors::UploadStats& up = snapshot.upload;
    w.single("sensor_storage_upload_batches_sent_total", MetricType::counter, "Batch send attempts, re-sends included.",
             up.batches_sent);
    w.single("sensor_storage_upload_batches_acked_total", MetricType::counter, "Batches the cloud acknowledged.",
             up.batches_acked);
    w.single("sensor_storage_upload_retries_total", MetricType::counter,
             "Send attempts that failed and were scheduled again.", up.retries);
    w.single("sensor_storage_upload_records_acked_total", MetricType::counter,
             "Records in the batches the cloud acknowledged.", up.records_acked);
    const hal::WireCounts& wire = snapshot.wire;
    w.single("sensor_storage_upload_bytes_sent_total", MetricType::counter,
             "Payload bytes the destination's transport sent, compressed where configured.", wire.bytes_sent);
    w.single("sensor_storage_upload_bytes_encoded_total", MetricType::counter,
             "The same payloads as encoded, before compression.", wire.bytes_encoded);
    w.single("sensor_storage_upload_tls_errors_total", MetricType::counter,
             "Sends that failed on TLS (certificate, handshake); HTTP only.", wire.tls_errors);
    w.single("sensor_storage_upload_compression_errors_total", MetricType::counter,
             "Payloads the compressor failed on (not sent, retried).", wire.compression_errors);
    // With several destinations, each one's own figures (the families above are their sums).
    if (!snapshot.destinations.empty()) {
        std::vector<std::string> labels;
        for (const auto& d : snapshot.destinations) labels.push_back(label_text("destination", d.name));
        w.begin("sensor_storage_destination_records_acked_total", MetricType::counter,
                "Records this destination acknowledged.");
        for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.destinations[i].upload.records_acked);
        w.begin("sensor_storage_destination_retries_total", MetricType::counter,
                "This destination's send attempts that failed and were scheduled again.");
        for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.destinations[i].upload.retries);
        w.begin("sensor_storage_destination_dropped_records_total", MetricType::counter,
                "Records the store dropped (quota, pool, corruption) before this destination read them.");
        for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.destinations[i].dropped_records);
        w.begin("sensor_storage_destination_behind_records", MetricType::gauge,
                "Retained records this destination has not acknowledged yet.");
        for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.destinations[i].behind_records);
        w.begin("sensor_storage_destination_quarantine_batches", MetricType::gauge,
                "Batches this destination refused for good, in its quarantine now.");
        for (std::size_t i = 0; i < labels.size(); ++i)
            w.sample(labels[i], snapshot.destinations[i].quarantine.held_batches);
    }
    const actors::QuarantineSnapshot& q = snapshot.quarantine;
    w.single("sensor_storage_quarantine_batches", MetricType::gauge,
             "Batches a destination refused for good, kept in the quarantine now.", q.held_batches);
    w.single("sensor_storage_quarantine_records", MetricType::gauge, "Records in the quarantined batches now.",
             q.held_records);
    w.single("sensor_storage_quarantined_batches_total", MetricType::counter,
             "Batches put in the quarantine since start.", q.quarantined_batches);
    w.single("sensor_storage_quarantined_records_total", MetricType::counter,
             "Records put in the quarantine since start.", q.quarantined_records);
    w.single("sensor_storage_quarantine_released_total", MetricType::counter,
             "Quarantined batches an operator released that were then acknowledged.", q.released);
    w.single("sensor_storage_quarantine_refused_again_total", MetricType::counter,
             "Quarantined batches an operator released that were refused again.", q.refused_again);
    w.single("sensor_storage_quarantine_dropped_records_total", MetricType::counter,
             "Records of quarantined batches an operator dropped.", q.dropped_records);
    w.single("sensor_storage_upload_unkept_refusals_total", MetricType::counter,
             "Batches refused for good that no quarantine could keep (kept pending and retried).", q.unkept);
    w.single("sensor_storage_upload_splits_total", MetricType::counter,
             "Batches sent again in halves after the receiver found them too large (HTTP 413).", q.splits);

    // Buckets must not fall from one bound to the next, and +Inf must hold them all, or
    // histogram_quantile() answers nonsense; a snapshot taken while the uploader counted could
    // break that, so each bucket is held to at least the one before it.
    const actors::LatencyBuckets& latency = snapshot.upload_latency;
    w.begin("sensor_storage_upload_latency_seconds", MetricType::histogram,
            "Time from a batch's consume to its acknowledgement.");
    std::uint64_t cumulative = 0;
    std::string le;
    for (std::size_t i = 0; i < actors::LatencyBuckets::count; ++i) {
        cumulative = std::max(cumulative, latency.le[i]);
        le = "le=\"";
        append_double(le, actors::LatencyBuckets::bounds_s[i]);
        le += '"';
        w.sample({}, le, cumulative, "_bucket");
    }
    cumulative = std::max(cumulative, latency.total);
    w.sample({}, R"(le="+Inf")", cumulative, "_bucket");
    w.sample({}, {}, latency.sum_s, "_sum");
    w.sample({}, {}, cumulative, "_count");
}

void write_uplinks(ExpositionWriter& w, const RuntimeSnapshot& snapshot) {
    if (snapshot.uplinks.empty()) return;
    std::vector<std::string> labels;
    for (const auto& u : snapshot.uplinks) labels.push_back(label_text("uplink", u.first));
    const struct {
        const char* name;
        MetricType type;
        const char* help;
        std::uint64_t SerialUplinkStats::*field;
    } families[] = {
        {"sensor_storage_uplink_bytes_received_total", MetricType::counter, "Bytes read from the MCU's serial line.",
         &SerialUplinkStats::bytes_in},
        {"sensor_storage_uplink_batches_total", MetricType::counter, "Batches the link delivered (each once per MCU session).",
         &SerialUplinkStats::batches},
        {"sensor_storage_uplink_records_stored_total", MetricType::counter, "MCU records stored.",
         &SerialUplinkStats::records_stored},
        {"sensor_storage_uplink_records_skipped_total", MetricType::counter,
         "MCU records sent again and held already (kept once).", &SerialUplinkStats::records_skipped},
        {"sensor_storage_uplink_records_dropped_total", MetricType::counter,
         "MCU records the store refused for lack of room (in its drop counts too).", &SerialUplinkStats::records_dropped},
        {"sensor_storage_uplink_batches_quarantined_total", MetricType::counter,
         "Batches that could not be stored, kept in the uplink quarantine and acknowledged.",
         &SerialUplinkStats::batches_quarantined},
        {"sensor_storage_uplink_batches_acked_total", MetricType::counter,
         "Batches acknowledged to the MCU once durable.", &SerialUplinkStats::batches_acked},
        {"sensor_storage_uplink_batches_unacked", MetricType::gauge,
         "Delivered batches waiting to be durable before their acknowledgement.", &SerialUplinkStats::unacked},
        {"sensor_storage_uplink_crc_failures_total", MetricType::counter,
         "Frames that failed their CRC (line noise, or a baud rate mismatch).", &SerialUplinkStats::crc_failures},
        {"sensor_storage_uplink_link_faults_total", MetricType::counter,
         "Frames malformed, past a gap or lost in an overlong run.", &SerialUplinkStats::link_faults},
    };
    for (const auto& f : families) {
        w.begin(f.name, f.type, f.help);
        for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.uplinks[i].second.*f.field);
    }
    w.begin("sensor_storage_uplink_connected", MetricType::gauge, "1 while the uplink's serial port is open.");
    for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.uplinks[i].second.connected ? 1u : 0u);
    w.begin("sensor_storage_uplink_port_errors_total", MetricType::counter,
            "Opens, reads and writes of the serial port that failed (each followed by a reopen).");
    for (std::size_t i = 0; i < labels.size(); ++i) w.sample(labels[i], snapshot.uplinks[i].second.port_errors);
}

void write_per_sensor(ExpositionWriter& w, const RuntimeSnapshot& snapshot, std::span<const SensorSnapshot> sensors,
                      const SensorLabels& labels) {
    if (sensors.empty()) return;
    const auto each = [&](std::string_view name, MetricType type, std::string_view help, auto value_of) {
        w.begin(name, type, help);
        for (std::size_t i = 0; i < sensors.size(); ++i) w.sample(labels[i], value_of(sensors[i]));
    };
    const std::uint64_t sector_bytes = snapshot.system.sector_bytes;
    each("sensor_storage_sensor_records_written_total", MetricType::counter, "Records added (accepted).",
         [](const SensorSnapshot& s) { return s.stats.written; });
    each("sensor_storage_sensor_records_retained", MetricType::gauge, "Records held (pending + unsent).",
         [](const SensorSnapshot& s) { return s.stats.retained; });
    each("sensor_storage_sensor_records_unsent", MetricType::gauge, "Records not yet handed to the uploader.",
         [](const SensorSnapshot& s) { return s.stats.unsent; });
    each("sensor_storage_sensor_records_pending", MetricType::gauge,
         "Records handed to the uploader and awaiting acknowledgement.",
         [](const SensorSnapshot& s) { return s.stats.pending; });
    each("sensor_storage_sensor_records_on_disk", MetricType::gauge, "Records retained in the disk tier.",
         [](const SensorSnapshot& s) { return s.stats.disk_records; });
    each("sensor_storage_sensor_records_uploaded_total", MetricType::counter,
         "Records the cloud acknowledged (then erased).", [](const SensorSnapshot& s) { return s.stats.erased; });

    w.begin("sensor_storage_sensor_records_dropped_total", MetricType::counter, "Records lost, by cause.");
    for (std::size_t i = 0; i < sensors.size(); ++i)
        for (const auto& cause : drop_causes) w.sample(labels[i], cause.label, sensors[i].stats.*cause.sensor_count);

    each("sensor_storage_sensor_ram_bytes", MetricType::gauge, "RAM pool sectors the sensor holds, in bytes.",
         [&](const SensorSnapshot& s) { return s.stats.sectors * sector_bytes; });
    each("sensor_storage_sensor_corrupt_sectors_total", MetricType::counter, "Sectors dropped for a CRC mismatch.",
         [](const SensorSnapshot& s) { return s.stats.corrupt_sectors; });
    each("sensor_storage_sensor_clears_total", MetricType::counter, "Operator clears of this sensor (ss_sensor_clear).",
         [](const SensorSnapshot& s) { return s.stats.clears; });
    each("sensor_storage_sensor_records_cleared_total", MetricType::counter,
         "Records of this sensor discarded by operator clears.", [](const SensorSnapshot& s) { return s.stats.cleared_records; });
    each("sensor_storage_sensor_oldest_unsent_age_seconds", MetricType::gauge,
         "Age of the sensor's oldest unsent record; 0 when nothing is unsent.",
         [](const SensorSnapshot& s) { return seconds_from_ms(s.oldest_unsent_age_ms); });

    w.begin("sensor_storage_sensor_values_total", MetricType::counter,
            "Processed values by the quality the sensor's rules gave them.");
    for (std::size_t i = 0; i < sensors.size(); ++i)
        for (const auto& q : quality_counts) w.sample(labels[i], q.label, sensors[i].*q.count);

    // Only channels whose chain summarizes have these series.
    const auto summaries = [&](std::string_view name, std::string_view help, std::uint16_t SensorSnapshot::*field) {
        w.begin(name, MetricType::gauge, help);
        for (std::size_t i = 0; i < sensors.size(); ++i)
            if (sensors[i].has_summary) w.sample(labels[i], sensors[i].*field);
    };
    summaries("sensor_storage_sensor_block_min_raw", "The last capture block's smallest input value, raw counts.",
              &SensorSnapshot::block_min);
    summaries("sensor_storage_sensor_block_max_raw", "The last capture block's largest input value, raw counts.",
              &SensorSnapshot::block_max);
    summaries("sensor_storage_sensor_block_mean_raw", "The last capture block's mean input value, raw counts.",
              &SensorSnapshot::block_mean);
}

} // namespace

std::string render_metrics(const RuntimeSnapshot& snapshot, std::size_t max_sensor_series) {
    const std::span<const SensorSnapshot> all_sensors(snapshot.sensors);
    const auto series_sensors = all_sensors.first(std::min(all_sensors.size(), max_sensor_series));
    const SensorLabels labels(series_sensors);

    std::string out;
    out.reserve(expected_size(snapshot, labels, series_sensors.size()));
    ExpositionWriter w(out);
    write_identity_and_health(w, snapshot);
    write_system(w, snapshot);
    write_totals(w, snapshot, SensorTotals(all_sensors));
    write_sources(w, snapshot);
    write_stages(w, snapshot);
    write_upload(w, snapshot);
    write_uplinks(w, snapshot);
    w.single("sensor_storage_sensor_series_limited", MetricType::gauge,
             "1 when the per-sensor families cover only the first max_sensor_series sensors, else 0.",
             series_sensors.size() < all_sensors.size());
    write_per_sensor(w, snapshot, series_sensors, labels);
    return out;
}

} // namespace ss::daemon
