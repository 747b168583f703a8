// A gateway application that embeds the sensor-storage runtime in its own CAF actor system, the
// way docs/actors.md describes: it reads the actor config file, adds a sensor of its own in code,
// starts the pipeline, feeds that sensor from its own actor through the pipeline's sink,
// subscribes another of its actors to the storage events, and shuts down with the flush.
//
//   embedded_gateway [--config-file=tools/examples/embedded_gateway.ini] [--seconds=N]
//
// It prints what its subscriber hears and a last summary; exit 0 when every record the
// application wrote was stored and announced. Built and run by the tests (embedded_gateway_test).
#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "ss/actors/event_hub.hpp"
#include "ss/actors/pipeline.hpp"
#include "ss/config/gateway_config.hpp"

namespace {

using namespace std::chrono_literals;
using reading_atom = caf::atom_constant<caf::atom("reading")>;

/// The application's own producer: a line-speed reading every 10 ms, into the pipeline's sink.
caf::behavior line_speed_meter(caf::event_based_actor* self, ss::RecordSink* sink, std::atomic<std::uint64_t>* written) {
    self->delayed_send(self, 10ms, reading_atom::value);
    return {
        [=](reading_atom) {
            const std::uint32_t value = 1200 + static_cast<std::uint32_t>(written->load() % 50);
            if (sink->add_values(&value, 1).value_or(0) == 1) ++*written;
            self->delayed_send(self, 10ms, reading_atom::value);
        },
    };
}

struct Heard {
    std::atomic<std::uint64_t> new_records{0};
    std::atomic<std::uint64_t> events{0};
};

/// The application's own subscriber: counts what the storage announces for its sensor.
ss::actors::event_subscriber_actor::behavior_type line_speed_watcher(ss::actors::event_subscriber_actor::pointer,
                                                                     Heard* heard, std::uint32_t sensor_id) {
    return {
        [=](const ss::actors::StorageEvent& e, std::uint32_t missed) {
            ++heard->events;
            if (e.event.kind == SS_EVENT_NEW_DATA && e.event.sensor_id == sensor_id) {
                heard->new_records += e.event.count;
                std::printf("event: sensor %u stored %u records (seq %llu..%llu)%s\n", e.event.sensor_id,
                            e.event.count, static_cast<unsigned long long>(e.event.first_seq),
                            static_cast<unsigned long long>(e.event.last_seq), missed ? " after missed events" : "");
            }
            return caf::ok_atom::value;
        },
    };
}

} // namespace

int main(int argc, char** argv) {
    int seconds = 2;
    std::vector<char*> args{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--seconds=", 10) == 0)
            seconds = std::atoi(argv[i] + 10);
        else
            args.push_back(argv[i]);
    }
    ss::config::GatewayConfig cfg;
    ss::config::ConfigError error;
    if (!cfg.load(static_cast<int>(args.size()), args.data(), "tools/examples/embedded_gateway.ini", error)) {
        std::fprintf(stderr, "%s\n", error.to_string().c_str());
        return 2;
    }
    // The application's own sensor, added to what the file configures.
    ss::actors::PipelineSpec spec = cfg.spec();
    ss::actors::SourceSpec own;
    own.name = "app";
    own.kind = ss::actors::SourceKind::external; // fed by the application through Pipeline::sink
    own.bus = SS_SOURCE_APP;
    ss::actors::SensorSpec line_speed;
    line_speed.name = "line-speed";
    line_speed.source = "app";
    line_speed.id = 7;
    line_speed.unit = "m/min";
    spec.sources.push_back(own);
    spec.sensors.push_back(line_speed);

    caf::actor_system system{cfg};
    std::string why;
    auto pipeline = ss::actors::Pipeline::start(system, spec, why);
    if (!pipeline) {
        std::fprintf(stderr, "cannot start the pipeline: %s\n", why.c_str());
        return 3;
    }
    Heard heard;
    auto watcher = system.spawn(line_speed_watcher, &heard, std::uint32_t{7});
    {
        caf::scoped_actor self{system};
        self->request(pipeline->events(), caf::infinite, caf::subscribe_atom::value, watcher,
                      std::uint32_t{SS_EVENT_MASK(SS_EVENT_NEW_DATA)})
            .receive([](caf::ok_atom) {}, [&](caf::error& e) { std::fprintf(stderr, "subscribe: %s\n", system.render(e).c_str()); });
    }
    std::atomic<std::uint64_t> written{0};
    auto meter = system.spawn(line_speed_meter, pipeline->sink("line-speed"), &written);

    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    caf::anon_send_exit(meter, caf::exit_reason::user_shutdown);
    {
        caf::scoped_actor self{system};
        self->wait_for(meter);
    }
    // One more manager tick's worth, so the hub announces the last readings.
    std::this_thread::sleep_for(300ms);
    const auto report = pipeline->shutdown();
    caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);

    const auto snap = pipeline->snapshot();
    std::uint64_t stored = 0, temps = 0;
    for (const auto& s : snap.sensors) {
        if (s.name == "line-speed") stored = s.stats.written;
        else temps += s.stats.written;
    }
    std::fflush(stdout);
    std::printf("line-speed: written %llu, stored %llu, announced %llu; the file's 4 temperatures: %llu records; flush %s\n",
                static_cast<unsigned long long>(written.load()), static_cast<unsigned long long>(stored),
                static_cast<unsigned long long>(heard.new_records.load()), static_cast<unsigned long long>(temps),
                report.complete ? "complete" : "incomplete");
    return written > 0 && stored == written && heard.new_records == written && temps > 0 ? 0 : 1;
}
