// ss-gatewayd: the gateway daemon. It reads the actor config file, runs the pipeline (capture,
// processing, storage, upload) in a CAF actor system, serves /health and /metrics, prints a
// status line every status_interval, and on SIGTERM or SIGINT stops capture, flushes within the
// shutdown budget and exits. A restart recovers what is on disk and carries on.
//
// Exit status: 0 stopped cleanly (everything durable or uploaded); 1 the flush budget ran out
// (the last line says what stayed in RAM) or a stage failed for good; 2 the configuration or the
// command line was refused (the message names file, line, key and reason); 3 it could not start
// (storage, HTTP address).
#include <caf/all.hpp>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "http_endpoint.hpp"
#include "quarantine_command.hpp"
#include "service_notify.hpp"
#include "signal_wait.hpp"
#include "ss/actors/pipeline.hpp"
#include "ss/config/gateway_config.hpp"
#include "ss/config/spec_check.hpp"
#include "status_line.hpp"

namespace {

constexpr const char* default_config_file = "/etc/sensor-storage/gateway.ini";

struct Flags {
    bool check_config = false;
    bool dump_config = false;
    bool help = false;
    std::vector<char*> caf_args; ///< what goes on to the config loader
};

Flags split_flags(int argc, char** argv) {
    Flags f;
    f.caf_args.push_back(argv[0]);
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--check-config") == 0)
            f.check_config = true;
        else if (std::strcmp(argv[i], "--dump-config") == 0)
            f.dump_config = true;
        else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)
            f.help = true;
        else
            f.caf_args.push_back(argv[i]);
    }
    return f;
}

void usage() {
    std::printf("usage: ss-gatewayd [--config-file=PATH] [--SECTION.KEY=VALUE ...] [--check-config | --dump-config]\n"
                "  --config-file=PATH  the actor config file (default %s)\n"
                "  --SECTION.KEY=VALUE overrides a key of the file, e.g. --system.disk_root=/tmp/data\n"
                "  --check-config      validate the configuration and exit (0 valid, 2 refused)\n"
                "  --dump-config       print the effective configuration and exit\n"
                "docs/operations.md describes every key, log line and exit status.\n",
                default_config_file);
}

void log_line(int level, const std::string& line) {
    std::fprintf(stderr, "ss-gatewayd: %s: %s\n", level == 0 ? "error" : level == 1 ? "warning" : "info", line.c_str());
}

std::uint64_t records_only_in_ram(const ss::actors::RuntimeSnapshot& snap, bool has_disk) {
    std::uint64_t n = 0;
    for (const auto& s : snap.sensors) n += has_disk ? s.stats.retained - s.stats.disk_records : s.stats.retained;
    return n;
}

int run(ss::config::GatewayConfig& cfg) {
    const ss::actors::PipelineSpec spec = cfg.spec();
    caf::actor_system system{cfg};
    std::string why;
    ss::actors::PipelineOptions options;
    options.log = log_line;
    if (auto advice = ss::config::sizing_advice(spec)) log_line(1, advice->key + ": " + advice->reason);
    auto pipeline = ss::actors::Pipeline::start(system, spec, why, options);
    if (!pipeline) {
        log_line(0, "cannot start: " + why);
        return 3;
    }
    std::unique_ptr<ss::daemon::HttpEndpoint> http;
    if (spec.http.enabled) {
        ss::daemon::HttpEndpointConfig endpoint;
        endpoint.address = spec.http.address;
        endpoint.port = spec.http.port;
        endpoint.max_sensor_series = spec.http.max_sensor_series;
        http = std::make_unique<ss::daemon::HttpEndpoint>(
            endpoint, [&pipeline] { return pipeline->snapshot(); },
            [](std::string_view message) { log_line(1, "http: " + std::string(message)); },
            pipeline->quarantine() == nullptr
                ? ss::daemon::QuarantineCommand{}
                : [&pipeline](std::string_view action, std::string_view file,
                              std::string_view destination) -> std::pair<unsigned, std::string> {
                      // With several destinations each has its quarantine: ?destination=NAME.
                      ss::hal::Quarantine* q =
                          destination.empty() ? pipeline->quarantine() : pipeline->quarantine(destination);
                      if (q == nullptr)
                          return {404, "no destination " + std::string(destination) + " with a quarantine\n"};
                      return ss::daemon::run_quarantine_command(*q, action, file);
                  });
        if (auto started = http->start(); !started) {
            log_line(0, started.error());
            pipeline->shutdown();
            return 3;
        }
        log_line(2, "serving /health and /metrics on http://" + spec.http.address + ":" + std::to_string(http->port()));
    }
    ss::daemon::ServiceNotify notify;
    log_line(2, "running " + std::to_string(spec.sources.size()) + " sources, " +
                    std::to_string(pipeline->snapshot().sensors.size()) + " sensors" +
                    (spec.data_dir.empty() ? std::string(", RAM only") : ", data in " + spec.data_dir));
    notify.ready("running");

    // The main thread only waits: for a signal, the next status line, the watchdog.
    auto wait = spec.status_interval.count() > 0 ? spec.status_interval : std::chrono::milliseconds(1000);
    if (notify.watchdog_interval().count() > 0)
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(notify.watchdog_interval() / 4));
    std::uint64_t previous_in = 0, previous_ms = 0, previous_ticks = 0;
    for (;;) {
        const int sig = ss::daemon::wait_for_signal(wait);
        if (sig == SIGTERM || sig == SIGINT) {
            log_line(2, std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + "; stopping capture and flushing");
            break;
        }
        if (sig == SIGHUP) log_line(1, "SIGHUP ignored: restart the daemon to apply a new configuration");
        const auto snap = pipeline->snapshot();
        const auto totals = ss::daemon::totals_of(snap);
        if (spec.status_interval.count() > 0 && snap.uptime_ms - previous_ms >= static_cast<std::uint64_t>(spec.status_interval.count())) {
            const std::string line = ss::daemon::status_line(snap, totals, previous_in,
                                                             static_cast<double>(snap.uptime_ms - previous_ms) / 1000.0);
            std::printf("%s\n", line.c_str());
            std::fflush(stdout);
            notify.status(line);
            previous_in = totals.records_in;
            previous_ms = snap.uptime_ms;
        }
        // Keep-alive only while the manager tick advances: a wedged runtime gets restarted.
        const std::uint64_t ticks = pipeline->board().flush().ticks;
        if (ticks != previous_ticks) notify.watchdog();
        previous_ticks = ticks;
    }
    notify.stopping("flushing");
    if (http) http->stop();
    const auto report = pipeline->shutdown();
    const auto snap = pipeline->snapshot();
    const auto totals = ss::daemon::totals_of(snap);
    std::printf("%s\n", ss::daemon::status_line(snap, totals, previous_in, 0).c_str());
    const bool has_disk = !spec.data_dir.empty();
    const std::uint64_t in_ram = records_only_in_ram(snap, has_disk);
    int status = 0;
    if (!has_disk) {
        log_line(in_ram > 0 ? 1 : 2, "stopped (RAM only): " + std::to_string(in_ram) + " records not uploaded are discarded");
    } else if (report.complete) {
        log_line(2, "stopped: everything flushed in " + std::to_string(report.elapsed_ms) + " ms; " +
                        std::to_string(totals.stored) + " records kept on disk");
    } else {
        log_line(0, "stopped: the shutdown budget ran out after " + std::to_string(report.elapsed_ms) + " ms; " +
                        std::to_string(in_ram) + " records stayed in RAM and are lost");
        status = 1;
    }
    if (!snap.healthy) {
        for (const auto& p : snap.problems) log_line(0, p);
        status = 1;
    }
    return status;
}

} // namespace

int main(int argc, char** argv) {
    // Before any thread exists, so every thread CAF starts inherits the mask.
    ss::daemon::block_stop_signals();
    Flags flags = split_flags(argc, argv);
    if (flags.help) {
        usage();
        return 0;
    }
    ss::config::GatewayConfig cfg;
    ss::config::ConfigError error;
    if (!cfg.load(static_cast<int>(flags.caf_args.size()), flags.caf_args.data(), default_config_file, error)) {
        std::fprintf(stderr, "ss-gatewayd: %s\n", error.to_string().c_str());
        return 2;
    }
    if (flags.dump_config) {
        std::printf("%s", cfg.dump().c_str());
        return 0;
    }
    if (flags.check_config) {
        const auto spec = cfg.spec();
        std::printf("%s: valid (%zu sources, %zu sensor entries, %zu chains, %zu datasets)\n", cfg.file().c_str(),
                    spec.sources.size(), spec.sensors.size(), spec.chains.size(), spec.datasets.size());
        if (auto advice = ss::config::sizing_advice(spec))
            std::printf("%s: warning: %s: %s\n", cfg.file().c_str(), advice->key.c_str(), advice->reason.c_str());
        return 0;
    }
    return run(cfg);
}
