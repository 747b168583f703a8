// The /metrics text: the exposition format's rules (read back by a strict reader), Prometheus'
// naming conventions, every family the endpoint promises, values equal to the snapshot's,
// escaping, the histogram, the per-sensor series limit, and the time 2048 sensors take.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "daemon/metrics_text.hpp"
#include "daemon/sample_snapshot.hpp"
#include "support/exposition_reader.hpp"

using ss::test::Exposition;
using ss::test::read_exposition;
using ss::test::sample_snapshot;

namespace {

Exposition read_or_fail(const std::string& text) {
    auto exposition = read_exposition(text);
    REQUIRE_MESSAGE(exposition.has_value(), (exposition ? std::string() : exposition.error()));
    return *exposition;
}

/// The one sample named name with these labels; fails the test unless there is exactly one.
double value_of(const Exposition& e, const std::string& name, const std::vector<std::pair<std::string, std::string>>& labels = {}) {
    const auto found = e.find(name, labels);
    REQUIRE_MESSAGE(found.size() == 1, name << ": " << found.size() << " samples match");
    return found.front()->value;
}

/// sensor_storage_ followed by words of lower-case letters and digits joined by single underscores.
bool is_snake_case_with_prefix(const std::string& name) {
    constexpr std::string_view prefix = "sensor_storage_";
    if (!name.starts_with(prefix) || name.ends_with('_')) return false;
    char previous = '_';
    for (const char c : std::string_view(name).substr(prefix.size())) {
        const bool word_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!word_char && !(c == '_' && previous != '_')) return false;
        previous = c;
    }
    return previous != '_';
}

std::vector<std::pair<std::string, std::string>> sensor_labels(const ss::actors::SensorSnapshot& s) {
    return {{"source", s.source}, {"sensor", s.name}, {"id", std::to_string(s.stats.sensor_id)}};
}

const std::vector<std::string> per_sensor_families = {
    "sensor_storage_sensor_records_written_total",  "sensor_storage_sensor_records_retained",
    "sensor_storage_sensor_records_unsent",         "sensor_storage_sensor_records_pending",
    "sensor_storage_sensor_records_on_disk",        "sensor_storage_sensor_records_uploaded_total",
    "sensor_storage_sensor_records_dropped_total",  "sensor_storage_sensor_ram_bytes",
    "sensor_storage_sensor_corrupt_sectors_total",  "sensor_storage_sensor_oldest_unsent_age_seconds",
    "sensor_storage_sensor_clears_total",           "sensor_storage_sensor_records_cleared_total",
    "sensor_storage_sensor_values_total",
};

} // namespace

TEST_CASE("the text follows the exposition format: one HELP and TYPE per family, its samples together") {
    // read_exposition refuses a second HELP or TYPE, a TYPE after samples, a sample under no
    // family or apart from its family, bad escapes, and a missing final line feed.
    const Exposition e = read_or_fail(ss::daemon::render_metrics(sample_snapshot(5), 1000));
    CHECK(e.families.size() > 40);
    for (const auto& f : e.families) {
        CAPTURE(f.name);
        CHECK(!f.help.empty());
        CHECK(!f.samples.empty());
    }
}

TEST_CASE("names follow Prometheus' conventions") {
    const Exposition e = read_or_fail(ss::daemon::render_metrics(sample_snapshot(5), 1000));
    const std::set<std::string> label_names = {"gateway", "version", "flag", "cause", "quality", "source", "kind",
                                               "stage", "sensor", "id", "le", "destination"};
    for (const auto& f : e.families) {
        CAPTURE(f.name);
        CHECK(is_snake_case_with_prefix(f.name));
        CHECK((f.type == "counter") == f.name.ends_with("_total"));
        // Base units only: seconds and bytes, never milli-, kilo- or the like.
        for (const char* unit : {"_ms", "millis", "_kb", "_mb", "kilo", "mega", "_percent", "minutes"})
            CHECK(f.name.find(unit) == std::string::npos);
        for (const auto& s : f.samples)
            for (const auto& [name, value] : s.labels) {
                CAPTURE(name);
                CHECK(label_names.contains(name));
                CHECK((name == "le") == (f.type == "histogram"));
            }
    }
}

TEST_CASE("every promised family is there, with its type") {
    const Exposition e = read_or_fail(ss::daemon::render_metrics(sample_snapshot(3), 1000));
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"sensor_storage_info", "gauge"},
        {"sensor_storage_uptime_seconds", "gauge"},
        {"sensor_storage_manager_ticks_total", "counter"},
        {"sensor_storage_manager_tick_max_seconds", "gauge"},
        {"sensor_storage_healthy", "gauge"},
        {"sensor_storage_problems", "gauge"},
        {"sensor_storage_health_flag", "gauge"},
        {"sensor_storage_sensors_registered", "gauge"},
        {"sensor_storage_sensors_capacity", "gauge"},
        {"sensor_storage_ram_used_bytes", "gauge"},
        {"sensor_storage_ram_capacity_bytes", "gauge"},
        {"sensor_storage_ram_free_min_bytes", "gauge"},
        {"sensor_storage_arena_bytes", "gauge"},
        {"sensor_storage_disk_used_bytes", "gauge"},
        {"sensor_storage_disk_quota_bytes", "gauge"},
        {"sensor_storage_disk_lost_units", "gauge"},
        {"sensor_storage_records_written_total", "counter"},
        {"sensor_storage_records_retained", "gauge"},
        {"sensor_storage_records_unsent", "gauge"},
        {"sensor_storage_records_pending", "gauge"},
        {"sensor_storage_records_on_disk", "gauge"},
        {"sensor_storage_records_uploaded_total", "counter"},
        {"sensor_storage_records_dropped_total", "counter"},
        {"sensor_storage_corrupt_sectors_total", "counter"},
        {"sensor_storage_clears_total", "counter"},
        {"sensor_storage_records_cleared_total", "counter"},
        {"sensor_storage_oldest_unsent_age_seconds", "gauge"},
        {"sensor_storage_values_total", "counter"},
        {"sensor_storage_scrub_units_checked_total", "counter"},
        {"sensor_storage_scrub_corrupt_units_total", "counter"},
        {"sensor_storage_source_info", "gauge"},
        {"sensor_storage_source_blocks_total", "counter"},
        {"sensor_storage_source_capture_overflows_total", "counter"},
        {"sensor_storage_source_samples_lost_total", "counter"},
        {"sensor_storage_source_frames_bad_total", "counter"},
        {"sensor_storage_source_bytes_discarded_total", "counter"},
        {"sensor_storage_source_frames_unmatched_total", "counter"},
        {"sensor_storage_source_device_overruns_total", "counter"},
        {"sensor_storage_source_records_stored_total", "counter"},
        {"sensor_storage_source_records_dropped_total", "counter"},
        {"sensor_storage_stage_mailbox_messages", "gauge"},
        {"sensor_storage_stage_restarts_total", "counter"},
        {"sensor_storage_upload_batches_sent_total", "counter"},
        {"sensor_storage_upload_batches_acked_total", "counter"},
        {"sensor_storage_upload_retries_total", "counter"},
        {"sensor_storage_upload_records_acked_total", "counter"},
        {"sensor_storage_upload_bytes_sent_total", "counter"},
        {"sensor_storage_upload_bytes_encoded_total", "counter"},
        {"sensor_storage_upload_tls_errors_total", "counter"},
        {"sensor_storage_upload_compression_errors_total", "counter"},
        {"sensor_storage_destination_records_acked_total", "counter"},
        {"sensor_storage_destination_retries_total", "counter"},
        {"sensor_storage_destination_dropped_records_total", "counter"},
        {"sensor_storage_destination_behind_records", "gauge"},
        {"sensor_storage_destination_quarantine_batches", "gauge"},
        {"sensor_storage_quarantine_batches", "gauge"},
        {"sensor_storage_quarantine_records", "gauge"},
        {"sensor_storage_quarantined_batches_total", "counter"},
        {"sensor_storage_quarantined_records_total", "counter"},
        {"sensor_storage_quarantine_released_total", "counter"},
        {"sensor_storage_quarantine_refused_again_total", "counter"},
        {"sensor_storage_quarantine_dropped_records_total", "counter"},
        {"sensor_storage_upload_unkept_refusals_total", "counter"},
        {"sensor_storage_upload_splits_total", "counter"},
        {"sensor_storage_upload_latency_seconds", "histogram"},
        {"sensor_storage_sensor_series_limited", "gauge"},
        {"sensor_storage_sensor_records_written_total", "counter"},
        {"sensor_storage_sensor_records_retained", "gauge"},
        {"sensor_storage_sensor_records_unsent", "gauge"},
        {"sensor_storage_sensor_records_pending", "gauge"},
        {"sensor_storage_sensor_records_on_disk", "gauge"},
        {"sensor_storage_sensor_records_uploaded_total", "counter"},
        {"sensor_storage_sensor_records_dropped_total", "counter"},
        {"sensor_storage_sensor_ram_bytes", "gauge"},
        {"sensor_storage_sensor_corrupt_sectors_total", "counter"},
        {"sensor_storage_sensor_clears_total", "counter"},
        {"sensor_storage_sensor_records_cleared_total", "counter"},
        {"sensor_storage_sensor_oldest_unsent_age_seconds", "gauge"},
        {"sensor_storage_sensor_values_total", "counter"},
        {"sensor_storage_sensor_block_min_raw", "gauge"},
        {"sensor_storage_sensor_block_max_raw", "gauge"},
        {"sensor_storage_sensor_block_mean_raw", "gauge"},
    };
    for (const auto& [name, type] : expected) {
        CAPTURE(name);
        const auto* f = e.family(name);
        REQUIRE(f != nullptr);
        CHECK(f->type == type);
    }
    // docs/metrics.md documents exactly these: a new family must be added to both.
    CHECK(e.families.size() == expected.size());
}

TEST_CASE("values equal the snapshot's") {
    const auto snapshot = sample_snapshot(4);
    const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 1000));
    const auto& sys = snapshot.system;

    CHECK(value_of(e, "sensor_storage_info", {{"gateway", "gw-hall-7"}, {"version", "0.1.0"}}) == 1);
    CHECK(value_of(e, "sensor_storage_uptime_seconds") == doctest::Approx(3723.456));
    CHECK(value_of(e, "sensor_storage_manager_ticks_total") == 37234);
    CHECK(value_of(e, "sensor_storage_manager_tick_max_seconds") == doctest::Approx(0.0015));
    CHECK(value_of(e, "sensor_storage_healthy") == 1);
    CHECK(value_of(e, "sensor_storage_ram_used_bytes") == static_cast<double>(snapshot.ram_bytes_used));
    CHECK(value_of(e, "sensor_storage_ram_capacity_bytes") == 16384.0 * 4096);
    CHECK(value_of(e, "sensor_storage_disk_used_bytes") == 123456789);
    CHECK(value_of(e, "sensor_storage_disk_quota_bytes") == static_cast<double>(256ull << 20));
    CHECK(value_of(e, "sensor_storage_records_retained") == static_cast<double>(sys.records_retained));
    CHECK(value_of(e, "sensor_storage_records_dropped_total", {{"cause", "new"}}) == static_cast<double>(sys.dropped_new));
    CHECK(value_of(e, "sensor_storage_records_dropped_total", {{"cause", "recycled"}}) == static_cast<double>(sys.dropped_recycled));
    CHECK(value_of(e, "sensor_storage_records_dropped_total", {{"cause", "corrupt"}}) == static_cast<double>(sys.dropped_corrupt));
    CHECK(value_of(e, "sensor_storage_records_dropped_total", {{"cause", "quota"}}) == static_cast<double>(sys.dropped_quota));
    CHECK(value_of(e, "sensor_storage_records_dropped_total", {{"cause", "lost"}}) == static_cast<double>(sys.lost_records));
    REQUIRE(sys.clears != 0);
    CHECK(value_of(e, "sensor_storage_clears_total", {}) == static_cast<double>(sys.clears));
    CHECK(value_of(e, "sensor_storage_records_cleared_total", {}) == static_cast<double>(sys.cleared_records));
    CHECK(value_of(e, "sensor_storage_source_capture_overflows_total", {{"source", "doors"}}) == 6);
    CHECK(value_of(e, "sensor_storage_source_samples_lost_total", {{"source", "poll1"}}) == 512);
    CHECK(value_of(e, "sensor_storage_source_info", {{"source", "adc0"}, {"kind", "sim_adc"}}) == 1);
    CHECK(value_of(e, "sensor_storage_stage_restarts_total", {{"stage", "uploader"}}) == 2);
    CHECK(value_of(e, "sensor_storage_stage_mailbox_messages", {{"stage", "storage-flush"}}) == 13);
    // Each destination's own figures, by its label.
    CHECK(value_of(e, "sensor_storage_destination_records_acked_total", {{"destination", "live"}}) == 1'075'200);
    CHECK(value_of(e, "sensor_storage_destination_dropped_records_total", {{"destination", "archive"}}) == 4'096);
    CHECK(value_of(e, "sensor_storage_destination_behind_records", {{"destination", "archive"}}) == 100'000);
    CHECK(value_of(e, "sensor_storage_destination_quarantine_batches", {{"destination", "archive"}}) == 3);
    CHECK(value_of(e, "sensor_storage_upload_batches_sent_total") == 4210);
    CHECK(value_of(e, "sensor_storage_upload_batches_acked_total") == 4200);
    CHECK(value_of(e, "sensor_storage_upload_retries_total") == 10);
    CHECK(value_of(e, "sensor_storage_upload_bytes_sent_total") == 1'234'567);
    CHECK(value_of(e, "sensor_storage_upload_bytes_encoded_total") == 9'876'543);
    CHECK(value_of(e, "sensor_storage_upload_tls_errors_total") == 4);
    CHECK(value_of(e, "sensor_storage_upload_compression_errors_total") == 2);
    CHECK(value_of(e, "sensor_storage_quarantine_batches") == 3);
    CHECK(value_of(e, "sensor_storage_quarantine_records") == 120);
    CHECK(value_of(e, "sensor_storage_quarantined_records_total") == 200);
    CHECK(value_of(e, "sensor_storage_quarantine_dropped_records_total") == 40);
    CHECK(value_of(e, "sensor_storage_upload_splits_total") == 7);
    CHECK(value_of(e, "sensor_storage_scrub_corrupt_units_total") == 1);

    std::uint64_t written = 0, uploaded = 0, good = 0;
    for (const auto& s : snapshot.sensors) {
        CAPTURE(s.name);
        const auto labels = sensor_labels(s);
        written += s.stats.written;
        uploaded += s.stats.erased;
        good += s.quality_good;
        CHECK(value_of(e, "sensor_storage_sensor_records_written_total", labels) == static_cast<double>(s.stats.written));
        CHECK(value_of(e, "sensor_storage_sensor_records_retained", labels) == static_cast<double>(s.stats.retained));
        CHECK(value_of(e, "sensor_storage_sensor_records_unsent", labels) == static_cast<double>(s.stats.unsent));
        CHECK(value_of(e, "sensor_storage_sensor_records_pending", labels) == static_cast<double>(s.stats.pending));
        CHECK(value_of(e, "sensor_storage_sensor_records_uploaded_total", labels) == static_cast<double>(s.stats.erased));
        CHECK(value_of(e, "sensor_storage_sensor_clears_total", labels) == static_cast<double>(s.stats.clears));
        CHECK(value_of(e, "sensor_storage_sensor_records_cleared_total", labels) ==
              static_cast<double>(s.stats.cleared_records));
        CHECK(value_of(e, "sensor_storage_sensor_ram_bytes", labels) == static_cast<double>(s.stats.sectors * 4096ull));
        CHECK(value_of(e, "sensor_storage_sensor_oldest_unsent_age_seconds", labels) ==
              doctest::Approx(static_cast<double>(s.oldest_unsent_age_ms) / 1000.0));
        auto with = [&](const char* name, const char* value) {
            auto l = labels;
            l.emplace_back(name, value);
            return l;
        };
        CHECK(value_of(e, "sensor_storage_sensor_records_dropped_total", with("cause", "recycled")) ==
              static_cast<double>(s.stats.dropped_recycled));
        CHECK(value_of(e, "sensor_storage_sensor_records_dropped_total", with("cause", "lost")) ==
              static_cast<double>(s.stats.lost_records));
        CHECK(value_of(e, "sensor_storage_sensor_values_total", with("quality", "suspect")) ==
              static_cast<double>(s.quality_suspect));
    }
    // Block summaries: only the sensor whose chain summarizes has them.
    const auto summarized = sensor_labels(snapshot.sensors[0]);
    CHECK(value_of(e, "sensor_storage_sensor_block_min_raw", summarized) == 17);
    CHECK(value_of(e, "sensor_storage_sensor_block_max_raw", summarized) == 4001);
    CHECK(value_of(e, "sensor_storage_sensor_block_mean_raw", summarized) == 2049);
    std::size_t block_series = 0;
    for (const auto& f : e.families)
        if (f.name == "sensor_storage_sensor_block_max_raw") block_series = f.samples.size();
    CHECK(block_series == 1);
    CHECK(value_of(e, "sensor_storage_records_written_total") == static_cast<double>(written));
    CHECK(value_of(e, "sensor_storage_records_uploaded_total") == static_cast<double>(uploaded));
    CHECK(value_of(e, "sensor_storage_values_total", {{"quality", "good"}}) == static_cast<double>(good));
    CHECK(value_of(e, "sensor_storage_oldest_unsent_age_seconds") == doctest::Approx(1.53));
}

TEST_CASE("label values are escaped and read back unchanged; gateway labels the info gauge only") {
    auto snapshot = sample_snapshot(3);
    snapshot.gateway = "gw \"east\"\\2\nline";
    snapshot.sources[0].name = "a\\b";
    snapshot.sensors[0].source = "a\\b";
    snapshot.stages[0].name = "capture:\"x\"";
    const std::string text = ss::daemon::render_metrics(snapshot, 1000);

    // The exact bytes, as the format spells them.
    CHECK(text.find(R"(sensor_storage_info{gateway="gw \"east\"\\2\nline",version="0.1.0"} 1)") != std::string::npos);
    CHECK(text.find(R"(sensor="valve \"A\"\\north\nDurchfluß")") != std::string::npos);
    CHECK(text.find(R"(stage="capture:\"x\"")") != std::string::npos);

    const Exposition e = read_or_fail(text);
    CHECK(e.find("sensor_storage_info", {{"gateway", snapshot.gateway}}).size() == 1);
    CHECK(e.find("sensor_storage_sensor_records_written_total", {{"sensor", ss::test::awkward_sensor_name}}).size() == 1);
    CHECK(e.find("sensor_storage_source_blocks_total", {{"source", "a\\b"}}).size() == 1);
    CHECK(e.find("sensor_storage_stage_mailbox_messages", {{"stage", "capture:\"x\""}}).size() == 1);
    std::size_t with_gateway = 0;
    for (const auto& f : e.families)
        for (const auto& s : f.samples) with_gateway += s.label("gateway") != nullptr;
    CHECK(with_gateway == 1);
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD, so the scrape stays valid") {
    auto snapshot = sample_snapshot(1);
    snapshot.sensors[0].name = std::string("bad\xC3(\xFFok\xE2\x82\xAC");
    const std::string text = ss::daemon::render_metrics(snapshot, 1000);
    CHECK(text.find("sensor=\"bad\xEF\xBF\xBD(\xEF\xBF\xBDok\xE2\x82\xAC\"") != std::string::npos);
}

TEST_CASE("a sensor no configured source feeds is labelled with its bus") {
    auto snapshot = sample_snapshot(1);
    snapshot.sensors[0].source.clear();
    snapshot.sensors[0].stats.source = SS_SOURCE_CAN;
    const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 1000));
    CHECK(e.find("sensor_storage_sensor_records_written_total", {{"source", "can"}, {"sensor", "sensor-0"}}).size() == 1);
}

TEST_CASE("the upload latency histogram is cumulative and its +Inf bucket is the count") {
    SUBCASE("as the snapshot has it") {
        const auto snapshot = sample_snapshot(1);
        const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 1000));
        const auto buckets = e.find("sensor_storage_upload_latency_seconds_bucket");
        REQUIRE(buckets.size() == ss::actors::LatencyBuckets::count + 1);
        for (std::size_t i = 0; i < ss::actors::LatencyBuckets::count; ++i) {
            CHECK(std::stod(*buckets[i]->label("le")) == ss::actors::LatencyBuckets::bounds_s[i]);
            CHECK(buckets[i]->value == static_cast<double>(snapshot.upload_latency.le[i]));
        }
        CHECK(*buckets.back()->label("le") == "+Inf");
        CHECK(buckets.back()->value == 4200);
        CHECK(value_of(e, "sensor_storage_upload_latency_seconds_count") == 4200);
        CHECK(value_of(e, "sensor_storage_upload_latency_seconds_sum") == 142.625);
        CHECK(*buckets[0]->label("le") == "0.001");
        CHECK(*buckets[6]->label("le") == "1");
    }
    SUBCASE("a torn snapshot is held cumulative") {
        auto snapshot = sample_snapshot(1);
        snapshot.upload_latency.le[3] = 10; // below the bucket before it
        snapshot.upload_latency.total = 4000; // below the last bucket
        const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 1000));
        const auto buckets = e.find("sensor_storage_upload_latency_seconds_bucket");
        REQUIRE(buckets.size() == ss::actors::LatencyBuckets::count + 1);
        for (std::size_t i = 1; i < buckets.size(); ++i) CHECK(buckets[i]->value >= buckets[i - 1]->value);
        CHECK(buckets[3]->value == 900);
        CHECK(buckets.back()->value == 4200);
        CHECK(value_of(e, "sensor_storage_upload_latency_seconds_count") == 4200);
    }
}

TEST_CASE("health flags: one series per known flag, unknown bits still shown") {
    auto snapshot = sample_snapshot(1);
    snapshot.system.health_flags = SS_HEALTH_CORRUPTION | SS_HEALTH_DISK_ERROR | 0x100u;
    snapshot.healthy = false;
    snapshot.problems = {"disk writes failing", "uploader restarted"};
    const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 1000));
    CHECK(value_of(e, "sensor_storage_health_flag", {{"flag", "corruption"}}) == 1);
    CHECK(value_of(e, "sensor_storage_health_flag", {{"flag", "dropping"}}) == 0);
    CHECK(value_of(e, "sensor_storage_health_flag", {{"flag", "disk_error"}}) == 1);
    CHECK(value_of(e, "sensor_storage_health_flag", {{"flag", "disk_full"}}) == 0);
    CHECK(value_of(e, "sensor_storage_health_flag", {{"flag", "bit8"}}) == 1);
    CHECK(value_of(e, "sensor_storage_healthy") == 0);
    CHECK(value_of(e, "sensor_storage_problems") == 2);
}

TEST_CASE("per-sensor series stop at max_sensor_series; the totals still cover every sensor") {
    const auto snapshot = sample_snapshot(5);
    const Exposition all = read_or_fail(ss::daemon::render_metrics(snapshot, 5));
    const Exposition cut = read_or_fail(ss::daemon::render_metrics(snapshot, 2));
    const Exposition none = read_or_fail(ss::daemon::render_metrics(snapshot, 0));

    CHECK(value_of(all, "sensor_storage_sensor_series_limited") == 0);
    CHECK(value_of(cut, "sensor_storage_sensor_series_limited") == 1);
    CHECK(value_of(none, "sensor_storage_sensor_series_limited") == 1);
    for (const auto& name : per_sensor_families) {
        CAPTURE(name);
        REQUIRE(all.family(name) != nullptr);
        REQUIRE(cut.family(name) != nullptr);
        CHECK(cut.family(name)->samples.size() * 5 == all.family(name)->samples.size() * 2);
        std::set<std::string> sensors;
        for (const auto& s : cut.family(name)->samples) sensors.insert(*s.label("sensor"));
        CHECK(sensors == std::set<std::string>{"sensor-0", ss::test::awkward_sensor_name});
        CHECK(none.family(name) == nullptr);
    }
    for (const Exposition* e : {&all, &cut, &none}) {
        CHECK(value_of(*e, "sensor_storage_records_written_total") == 5'000'070.0);
        CHECK(value_of(*e, "sensor_storage_records_retained") == static_cast<double>(snapshot.system.records_retained));
        CHECK(value_of(*e, "sensor_storage_oldest_unsent_age_seconds") == doctest::Approx(1.54));
    }
}

TEST_CASE("an empty snapshot renders the totals and no empty families") {
    const Exposition e = read_or_fail(ss::daemon::render_metrics(ss::actors::RuntimeSnapshot{}, 1000));
    CHECK(value_of(e, "sensor_storage_records_written_total") == 0);
    CHECK(value_of(e, "sensor_storage_sensor_series_limited") == 0);
    CHECK(e.family("sensor_storage_source_blocks_total") == nullptr);
    CHECK(e.family("sensor_storage_stage_restarts_total") == nullptr);
    CHECK(e.family("sensor_storage_sensor_records_written_total") == nullptr);
    CHECK(e.family("sensor_storage_upload_latency_seconds") != nullptr);
}

TEST_CASE("2048 sensors render fast") {
    const auto snapshot = sample_snapshot(2048);
    using clock = std::chrono::steady_clock;
    std::size_t bytes = 0;
    auto best = clock::duration::max();
    auto total = clock::duration::zero();
    constexpr int runs = 20;
    for (int i = 0; i < runs; ++i) {
        const auto start = clock::now();
        const std::string text = ss::daemon::render_metrics(snapshot, 2048);
        const auto took = clock::now() - start;
        bytes = text.size();
        best = std::min(best, took);
        total += took;
    }
    const auto us = [](clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); };
    std::printf("render_metrics, 2048 sensors, all with series: %zu bytes; best %lld us, mean %lld us over %d runs\n",
                bytes, static_cast<long long>(us(best)), static_cast<long long>(us(total / runs)), runs);
    // Generous against a loaded build machine; the figure above is the measurement.
    CHECK(best < std::chrono::milliseconds(100));
    const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 2048));
    CHECK(e.family("sensor_storage_sensor_records_written_total")->samples.size() == 2048);
}

TEST_CASE("each MCU uplink has its series, labelled by name; none without uplinks") {
    auto snapshot = sample_snapshot(1);
    CHECK(read_or_fail(ss::daemon::render_metrics(snapshot, 1000)).find("sensor_storage_uplink_batches_total", {}).empty());
    ss::actors::SerialUplinkStats a{};
    a.bytes_in = 123456;
    a.batches = 700;
    a.records_stored = 44800;
    a.records_skipped = 64;
    a.records_dropped = 3;
    a.batches_quarantined = 1;
    a.batches_acked = 698;
    a.unacked = 2;
    a.crc_failures = 5;
    a.link_faults = 9;
    a.port_errors = 4;
    a.connected = true;
    ss::actors::SerialUplinkStats b{};
    b.batches = 11;
    snapshot.uplinks = {{"mcu-a", a}, {"mcu-b", b}};
    const Exposition e = read_or_fail(ss::daemon::render_metrics(snapshot, 1000));
    const auto of = [&](const std::string& name, const std::string& uplink) { return value_of(e, name, {{"uplink", uplink}}); };
    CHECK(of("sensor_storage_uplink_bytes_received_total", "mcu-a") == 123456);
    CHECK(of("sensor_storage_uplink_batches_total", "mcu-a") == 700);
    CHECK(of("sensor_storage_uplink_batches_total", "mcu-b") == 11);
    CHECK(of("sensor_storage_uplink_records_stored_total", "mcu-a") == 44800);
    CHECK(of("sensor_storage_uplink_records_skipped_total", "mcu-a") == 64);
    CHECK(of("sensor_storage_uplink_records_dropped_total", "mcu-a") == 3);
    CHECK(of("sensor_storage_uplink_batches_quarantined_total", "mcu-a") == 1);
    CHECK(of("sensor_storage_uplink_batches_acked_total", "mcu-a") == 698);
    CHECK(of("sensor_storage_uplink_batches_unacked", "mcu-a") == 2);
    CHECK(of("sensor_storage_uplink_crc_failures_total", "mcu-a") == 5);
    CHECK(of("sensor_storage_uplink_link_faults_total", "mcu-a") == 9);
    CHECK(of("sensor_storage_uplink_port_errors_total", "mcu-a") == 4);
    CHECK(of("sensor_storage_uplink_connected", "mcu-a") == 1);
    CHECK(of("sensor_storage_uplink_connected", "mcu-b") == 0);
    for (const auto& f : e.families) CHECK_MESSAGE(is_snake_case_with_prefix(f.name), f.name);
}
