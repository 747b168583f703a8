// The whole runtime on a real actor system in real time: simulated sources through capture and
// processing into stores, the manager tick, the uploader, a stage killed mid-run and restarted,
// and the shutdown — with every record accounted for.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "real_time_system.hpp"
#include "ss/actors/pipeline.hpp"
#include "ss/actors/event_hub.hpp"
#include "ss/actors/processing.hpp"
#include "ss/config.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

/// Keeps what it acknowledges, per (source, sensor); thread-safe (the uploader has its own thread).
class RecordingTransport final : public ss::hal::UploadTransport {
public:
    ss::hal::UploadResult send(const ss::hal::UploadBatch& b) noexcept override {
        std::lock_guard<std::mutex> lock(mutex);
        auto& seqs = next_seq[{b.source, b.sensor_id}];
        if (b.first_seq != seqs) out_of_order = true;
        seqs = b.first_seq + b.count;
        records += b.count;
        return {ss::hal::UploadOutcome::acknowledged, 0};
    }
    std::mutex mutex;
    std::map<std::pair<int, std::uint32_t>, std::uint64_t> next_seq;
    std::uint64_t records = 0;
    bool out_of_order = false;
};

using ss::actors::test::ActorSystem;

ss::actors::PipelineSpec small_gateway() {
    ss::actors::PipelineSpec spec;
    spec.storage = ss::default_config(SS_TARGET_LINUX);
    spec.storage.ram_pool_bytes = 1024 * 1024;
    spec.storage.max_sensors = 64;
    spec.storage.log = [](void*, int, const char*) {};
    spec.tick = 20ms;
    ss::actors::SourceSpec adc;
    adc.name = "adc0";
#if defined(__SANITIZE_THREAD__)
    adc.rate_hz = 4'000; // ThreadSanitizer slows processing several times over: a rate it keeps up with
#else
    adc.rate_hz = 20'000;
#endif
    adc.channels = 2;
    adc.samples_per_half = 200;
    adc.buffers = 8;
    ss::actors::SourceSpec poll;
    poll.name = "env";
    poll.kind = ss::actors::SourceKind::sim_poll;
    poll.period = 50ms;
    poll.offset = 200;
    poll.amplitude = 50;
    poll.frequency_hz = 0.1;
    ss::actors::SourceSpec doors;
    doors.name = "doors";
    doors.kind = ss::actors::SourceKind::sim_events;
    doors.bus = SS_SOURCE_CAN;
    doors.events_per_second = 20;
    spec.sources = {adc, poll, doors};
    ss::actors::ChainSpec chain;
    chain.name = "tenth";
    chain.stages.push_back({ss::actors::StageKind::decimate, 0, 10, true, 0, 0, 0});
    spec.chains = {chain};
    ss::actors::SensorSpec vib;
    vib.name = "vib";
    vib.source = "adc0";
    vib.id = 1;
    vib.chain = "tenth";
    ss::actors::SensorSpec raw = vib;
    raw.name = "raw";
    raw.id = 2;
    raw.channel = 1;
    raw.chain.clear();
    ss::actors::SensorSpec temp;
    temp.name = "temp";
    temp.source = "env";
    temp.id = 100;
    temp.count = 20;
    ss::actors::SensorSpec door;
    door.name = "door";
    door.source = "doors";
    door.id = 1;
    door.count = 5;
    door.type = ss::RecordType::evt;
    door.valid_high = door.plausible_high = 1;
    spec.sensors = {vib, raw, temp, door};
    spec.uploader.period = 20ms;
    return spec;
}

std::uint64_t total(const ss::actors::RuntimeSnapshot& s, std::uint64_t SsSensorStats::*field) {
    std::uint64_t n = 0;
    for (const auto& sensor : s.sensors) n += sensor.stats.*field;
    return n;
}

} // namespace

TEST_CASE("the pipeline captures, processes, stores and uploads; shutdown accounts for every record") {
    ActorSystem as;
    RecordingTransport transport;
    std::string why;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    auto pipeline = ss::actors::Pipeline::start(*as.sys, small_gateway(), why, options);
    REQUIRE_MESSAGE(pipeline, why);
    CHECK(pipeline->snapshot().sensors.size() == 27);
    // Every stage of a RAM-only pipeline runs; the quota stage only watches a disk tier.
    for (const char* stage : {"storage-flush", "uploader", "events", "integrity", "capture:adc0", "processing:adc0",
                              "capture:env", "processing:env", "capture:doors", "processing:doors"})
        CHECK_MESSAGE(pipeline->stage(stage), stage);
    CHECK_FALSE(pipeline->stage("quota"));
    std::this_thread::sleep_for(1200ms);
    const auto report = pipeline->shutdown();
    CHECK(report.complete);
    const auto snap = pipeline->snapshot();
    // The ADC ran ~1.2 s at 20 kHz on 2 channels: ~48 000 samples, every block processed.
    const auto& adc = snap.sources[0];
    CHECK(adc.blocks > 10);
    CHECK(adc.overflows == 0);
    const std::uint64_t vib = snap.sensors[0].stats.written, raw = snap.sensors[1].stats.written;
    CHECK(raw == adc.blocks * 200);   // every scan of channel 1, as captured
    CHECK(vib == raw / 10);           // channel 0 decimated by ten
    // The chain summarizes: the last block's input figures of the 2048 ± 2000 sine.
    CHECK(snap.sensors[0].has_summary);
    CHECK(snap.sensors[0].block_min < snap.sensors[0].block_mean);
    CHECK(snap.sensors[0].block_mean < snap.sensors[0].block_max);
    CHECK(snap.sensors[0].block_max <= 4048);
    CHECK(snap.sources[1].records_stored > 20 * 10);
    CHECK(snap.sources[2].records_stored > 0);
    CHECK(pipeline->board().integrity().ticks >= 1); // the integrity stage's first step, a second in
    CHECK(snap.scrub_corrupt_found == 0);
    // Accounting: every record written is uploaded or still retained; none dropped here.
    std::lock_guard<std::mutex> lock(transport.mutex);
    CHECK_FALSE(transport.out_of_order);
    CHECK(total(snap, &SsSensorStats::written) == transport.records + snap.system.records_retained);
    CHECK(total(snap, &SsSensorStats::erased) == transport.records);
    CHECK(transport.records > 0);
    CHECK(snap.system.dropped_new + snap.system.dropped_recycled == 0);
    // Quality by each sensor's rules: the ADC's counts are inside 0..4095, the doors' 0/1.
    CHECK(snap.sensors[1].quality_good == raw);
    CHECK(snap.sensors[1].quality_bad + snap.sensors[1].quality_suspect == 0);
}

TEST_CASE("a processing stage that fails is restarted; the block it held goes back and the data goes on") {
    ActorSystem as;
    RecordingTransport transport;
    // A user processor that throws once, in the middle of the run.
    static std::atomic<int> calls{0};
    calls = 0;
    struct Flaky final : ss::actors::UserProcessor {
        std::size_t process(std::span<std::uint32_t> values) override {
            if (++calls == 5) throw std::runtime_error("flaky processor");
            return values.size();
        }
    };
    ss::actors::ProcessorRegistry registry;
    registry.add("flaky", [] { return std::make_unique<Flaky>(); });
    auto spec = small_gateway();
    spec.chains[0].processor = "flaky";
    std::string why;
    std::vector<std::string> logged;
    std::mutex log_mutex;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    options.processors = &registry;
    options.log = [&](int, const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mutex);
        logged.push_back(line);
    };
    auto pipeline = ss::actors::Pipeline::start(*as.sys, spec, why, options);
    REQUIRE_MESSAGE(pipeline, why);
    std::this_thread::sleep_for(1000ms);
    CHECK(pipeline->board().restarts("processing:adc0") == 1);
    const std::uint64_t before = pipeline->snapshot().sensors[1].stats.written;
    std::this_thread::sleep_for(300ms);
    CHECK(pipeline->snapshot().sensors[1].stats.written > before); // it goes on after the restart
    pipeline->shutdown();
    const auto snap = pipeline->snapshot();
    // The block the failed stage held is counted lost (200 scans of 2 channels); channel 1
    // stored every other block's scans.
    CHECK(snap.sources[0].samples_lost == 400);
    CHECK(snap.sensors[1].stats.written == (snap.sources[0].blocks - 1) * 200);
    std::lock_guard<std::mutex> lock(log_mutex);
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].find("processing:adc0 failed") != std::string::npos);
    CHECK(calls > 5);
}

TEST_CASE("the pipeline refuses a spec it cannot run, saying why") {
    ActorSystem as;
    std::string why;
    auto spec = small_gateway();
    spec.sensors[0].chain = "nope";
    CHECK_FALSE(ss::actors::Pipeline::start(*as.sys, spec, why));
    CHECK(why == "sensor vib: no chain named nope");
    spec = small_gateway();
    spec.chains[0].processor = "unregistered";
    CHECK_FALSE(ss::actors::Pipeline::start(*as.sys, spec, why));
    CHECK(why == "chain tenth: no processor registered as unregistered");
    spec = small_gateway();
    spec.sensors[2].source = "nowhere";
    CHECK_FALSE(ss::actors::Pipeline::start(*as.sys, spec, why));
    CHECK(why == "sensor temp: no source named nowhere");
    spec = small_gateway();
    spec.sensors[0].channel = 2;
    CHECK_FALSE(ss::actors::Pipeline::start(*as.sys, spec, why));
    CHECK(why.find("sensor vib: ADC sensors keep") == 0);
}

TEST_CASE("a sensor group's verify level applies to each of its stores; the others keep the storage's") {
    ActorSystem as;
    std::string why;
    auto spec = small_gateway();
    spec.sensors[2].verify_level = SS_VERIFY_AFTER_WRITE; // temp: 20 sensors
    RecordingTransport transport;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    auto pipeline = ss::actors::Pipeline::start(*as.sys, spec, why, options);
    REQUIRE_MESSAGE(pipeline, why);
    const auto snap = pipeline->snapshot();
    std::uint32_t critical = 0;
    for (const auto& sensor : snap.sensors) {
        INFO(sensor.name);
        const bool in_group = sensor.name.starts_with("temp-");
        CHECK(sensor.stats.verify_level == (in_group ? std::uint8_t{SS_VERIFY_AFTER_WRITE} : spec.storage.verify_level));
        critical += in_group ? 1 : 0;
    }
    CHECK(critical == 20);
    pipeline->shutdown();
    pipeline.reset();

    spec.sensors[2].verify_level = 9;
    CHECK_FALSE(ss::actors::Pipeline::start(*as.sys, spec, why, options));
    CHECK(why == "sensor temp-100: verify_level 9 refused");
}

TEST_CASE("a chain maps onto the core's processing, every stage kind, checked against the rate") {
    ss::actors::ChainSpec chain;
    chain.name = "all";
    chain.stages = {{ss::actors::StageKind::moving_average, 8, 0, true, 0, 0, 0},
                    {ss::actors::StageKind::decimate, 0, 10, false, 0, 0, 0},
                    {ss::actors::StageKind::high_pass, 0, 0, true, 1.0, 0, 0},
                    {ss::actors::StageKind::band_pass, 0, 0, true, 0, 5.0, 200.0}};
    ss::Text why;
    auto c = ss::actors::processing_config(chain, 10'000, why);
    REQUIRE_MESSAGE(c, why.c_str());
    CHECK(c->stages[0].kind == ss::capture::FilterKind::moving_average);
    CHECK(c->stages[0].window == 8);
    CHECK(c->stages[1].mode == ss::capture::DecimationMode::pick_first);
    CHECK(c->stages[2].kind == ss::capture::FilterKind::high_pass);
    CHECK(c->stages[3].kind == ss::capture::FilterKind::band_pass);
    CHECK(c->stages[3].high_hz == 200.0);
    // After decimation by ten the band-pass sees 1 kHz: 600 Hz is above half of it.
    chain.stages[3].high_hz = 600.0;
    CHECK_FALSE(ss::actors::processing_config(chain, 10'000, why));
    CHECK(std::string(why.c_str()).find("high_hz") != std::string::npos);
    chain.stages.push_back(chain.stages[0]);
    CHECK_FALSE(ss::actors::processing_config(chain, 10'000, why));
}

namespace {
struct EventCounts {
    std::atomic<std::uint64_t> new_data_records{0}, erased_records{0}, events{0};
};

ss::actors::event_subscriber_actor::behavior_type counting_subscriber(ss::actors::event_subscriber_actor::pointer,
                                                                      EventCounts* counts) {
    return {
        [counts](const ss::actors::StorageEvent& e, std::uint32_t) {
            ++counts->events;
            if (e.event.kind == SS_EVENT_NEW_DATA) counts->new_data_records += e.event.count;
            if (e.event.kind == SS_EVENT_ERASED) counts->erased_records += e.event.count;
            return caf::ok_atom::value;
        },
    };
}
} // namespace

TEST_CASE("an application's actor subscribes to the pipeline's storage events and hears every record") {
    ActorSystem as;
    RecordingTransport transport;
    std::string why;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    auto pipeline = ss::actors::Pipeline::start(*as.sys, small_gateway(), why, options);
    REQUIRE_MESSAGE(pipeline, why);
    EventCounts counts;
    auto subscriber = as.sys->spawn(counting_subscriber, &counts);
    REQUIRE(ss::actors::test::subscribe(*as.sys, pipeline->events(), subscriber,
                                        SS_EVENT_MASK(SS_EVENT_NEW_DATA) | SS_EVENT_MASK(SS_EVENT_ERASED)));
    std::this_thread::sleep_for(1000ms);
    pipeline->shutdown();
    const auto snap = pipeline->snapshot();
    // Records written after the subscription began are announced; the hub stopped at shutdown,
    // so the last tick's may be missing: most, not all.
    CHECK(counts.new_data_records > 0);
    CHECK(counts.new_data_records <= total(snap, &SsSensorStats::written));
    CHECK(counts.erased_records > 0);
    CHECK(counts.erased_records <= total(snap, &SsSensorStats::erased));
    caf::anon_send_exit(subscriber, caf::exit_reason::user_shutdown);
}

TEST_CASE("when the event hub fails, the restarted hub keeps the application's subscription") {
    ActorSystem as;
    RecordingTransport transport;
    std::string why;
    ss::actors::PipelineOptions options;
    options.transport = &transport;
    auto pipeline = ss::actors::Pipeline::start(*as.sys, small_gateway(), why, options);
    REQUIRE_MESSAGE(pipeline, why);
    EventCounts counts;
    auto subscriber = as.sys->spawn(counting_subscriber, &counts);
    REQUIRE(ss::actors::test::subscribe(*as.sys, pipeline->events(), subscriber, SS_EVENT_MASK(SS_EVENT_NEW_DATA)));
    std::this_thread::sleep_for(300ms);
    const auto failed_hub = pipeline->events();
    caf::anon_send_exit(failed_hub, caf::exit_reason::kill);
    const auto restarts = [&] {
        for (const auto& stage : pipeline->snapshot().stages)
            if (stage.name == "events") return stage.restarts;
        return std::uint64_t{0};
    };
    for (int i = 0; i < 200 && restarts() == 0; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(restarts() == 1);
    // The supervisor counts a restart once the new stage is in the directory.
    CHECK(pipeline->events() != failed_hub);
    const std::uint64_t before = counts.new_data_records.load();
    std::this_thread::sleep_for(500ms);
    // Nobody subscribed again: the new hub announces what was written meanwhile and after.
    CHECK(counts.new_data_records.load() > before);
    pipeline->shutdown();
    CHECK(counts.new_data_records.load() <= total(pipeline->snapshot(), &SsSensorStats::written));
    caf::anon_send_exit(subscriber, caf::exit_reason::user_shutdown);
}
