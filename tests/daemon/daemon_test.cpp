// The gateway daemon as a real process: started on a config, stopped with SIGTERM (flush, exit
// 0), restarted (recovery, carrying on), killed with SIGKILL at random moments, and finally
// drained — then every record is accounted for from the archive and the store itself. Bad
// configurations are refused with exit status 2 and a message that names file, line, key and
// reason.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include "daemon_accounting.hpp"
#include "daemon_process.hpp"
#include "stopped_store.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/config.hpp"
#include "ss/source_name.hpp"
#include "support/child_process.hpp"
#include "support/free_port.hpp"
#include "support/http_client.hpp"
#include "support/prometheus_server.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "ss-daemon-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

// The storage knobs the test's config sets, so the test can open the store offline with the same.
constexpr std::uint32_t ram_pool_bytes = 512 * 1024;
constexpr std::uint32_t max_sensors = 64;

std::string config_text(const fs::path& data, std::uint16_t port) {
    return "[system]\n"
           "disk_root = \"" + data.string() + "\"\n"
           "tick = 50ms\n"
           "ram_pool_bytes = " + std::to_string(ram_pool_bytes) + "\n"
           "max_sensors = " + std::to_string(max_sensors) + "\n"
           "force_seal_interval_ms = 500\n"
           "shutdown_budget_ms = 10000\n"
           "[daemon]\n"
           "gateway = \"test-gw\"\n"
           "status_interval = 200ms\n"
           "[sources]\n"
           "adc0 = { kind = 'sim_adc', rate = 10000, channels = 2, samples_per_half = 250, buffers = 8 }\n"
           "env = { kind = 'sim_poll', period = 100ms, signal = 'sine', offset = 2000.0, amplitude = 100.0 }\n"
           "doors = { kind = 'sim_events', bus = 'can', events_per_second = 5.0 }\n"
           "[chains]\n"
           "tenth = { stages = [ { kind = 'decimate', factor = 10 } ] }\n"
           "[sensors]\n"
           "vib = { source = \"adc0\", id = 1, channel = 0, chain = \"tenth\", valid = [0.0, 4095.0] }\n"
           "raw = { source = \"adc0\", id = 2, channel = 1, valid = [0.0, 4095.0] }\n"
           "temp = { source = \"env\", id = 100, count = 20, valid = [0.0, 4095.0] }\n"
           "door = { source = \"doors\", id = 1, count = 5, type = 'evt', valid = [0.0, 1.0] }\n"
           "[uploader]\n"
           "transport = 'archive'\n"
           "period = 50ms\n"
           "[http]\n"
           "port = " + std::to_string(port) + "\n"
           "[scheduler]\n"
           "policy = 'sharing'\n"
           "max-threads = 2\n";
}

using daemon_test::Daemon;

struct DaemonRun {
    TempDir dir;
    fs::path config = dir.path / "gateway.ini";
    fs::path data = dir.path / "data";
    int run = 0;

    explicit DaemonRun() {
        std::ofstream(config) << config_text(data, ss::test::free_loopback_port());
    }
    std::unique_ptr<Daemon> start(std::vector<std::string> extra = {}) {
        ++run;
        std::vector<std::string> argv;
        bool own_file = false;
        for (const auto& e : extra) own_file = own_file || e.rfind("--config-file=", 0) == 0;
        if (!own_file) argv.push_back("--config-file=" + config.string());
        argv.insert(argv.end(), extra.begin(), extra.end());
        return std::make_unique<Daemon>(argv, dir.path / ("output" + std::to_string(run)));
    }
    std::uint16_t port() const {
        const std::string text = ss::test::read_text_file(config);
        const auto at = text.find("\nport = ");
        return static_cast<std::uint16_t>(std::stoul(text.substr(at + 8)));
    }
    /// Sets the config's HTTP port afresh (a restarted daemon may find the old one in TIME_WAIT).
    void new_port() { std::ofstream(config) << config_text(data, ss::test::free_loopback_port()); }
};

/// The store as the library sees it after the daemon stopped: the config's sensors.
std::map<daemon_test::SensorKey, daemon_test::StoreFigures> read_store(const fs::path& data) {
    return daemon_test::read_stopped_store(data, ram_pool_bytes, max_sensors,
                                           {{SS_SOURCE_HOST, 1, 2, ss::RecordType::ts},
                                            {SS_SOURCE_HOST, 100, 20, ss::RecordType::ts},
                                            {SS_SOURCE_CAN, 1, 5, ss::RecordType::evt}});
}

struct Accounting {
    std::uint64_t handed_out = 0, uploaded = 0, retained = 0, in_gaps = 0, counted_drops = 0, duplicates = 0;
    bool conflicting_values = false;   ///< one sequence number uploaded twice with different contents
    bool malformed = false;            ///< a batch whose value count does not match its count
    std::uint32_t most_gaps = 0;       ///< the most separate runs of missing numbers in one sensor
    std::uint32_t most_resends = 0;    ///< the most separate runs of re-sent numbers in one sensor
};

Accounting account(const fs::path& data) {
    const auto archive = daemon_test::read_archive(data / "archive");
    const auto store = read_store(data);
    Accounting a;
    for (const auto& [key, fig] : store) {
        std::map<std::uint64_t, std::vector<std::uint64_t>> seen; // seq -> its record's numbers
        std::set<std::uint64_t> resent;
        auto it = archive.find(key);
        if (it != archive.end()) {
            for (const auto& b : it->second) {
                if (b.count == 0 || b.values.size() % b.count != 0) {
                    a.malformed = true;
                    continue;
                }
                const std::size_t width = b.values.size() / b.count;
                for (std::uint64_t s = b.first_seq; s < b.first_seq + b.count; ++s) {
                    const auto from = b.values.begin() + static_cast<std::ptrdiff_t>((s - b.first_seq) * width);
                    std::vector<std::uint64_t> record(from, from + static_cast<std::ptrdiff_t>(width));
                    auto [at, fresh] = seen.emplace(s, record);
                    if (!fresh) {
                        ++a.duplicates;
                        resent.insert(s);
                        if (at->second != record) a.conflicting_values = true;
                    }
                }
            }
        }
        // Runs of re-sent numbers, and runs of numbers below the store's head that never arrived.
        std::uint32_t resend_runs = 0, gaps = 0;
        std::uint64_t expected = 0;
        bool first = true;
        for (std::uint64_t seq : resent) {
            if (first || seq != expected) ++resend_runs;
            expected = seq + 1;
            first = false;
        }
        expected = 0;
        for (const auto& [seq, record] : seen) {
            if (seq >= fig.head_seq) break;
            if (seq != expected) ++gaps;
            expected = seq + 1;
        }
        if (expected < fig.head_seq) ++gaps;
        a.most_resends = std::max(a.most_resends, resend_runs);
        a.most_gaps = std::max(a.most_gaps, gaps);
        a.handed_out += fig.next_seq;
        a.retained += fig.retained;
        a.counted_drops += fig.dropped;
        std::uint64_t uploaded_below_head = 0;
        for (const auto& [seq, record] : seen) {
            ++a.uploaded;
            if (seq < fig.head_seq) ++uploaded_below_head;
        }
        a.in_gaps += fig.head_seq - uploaded_below_head;
        if (std::getenv("SS_DAEMON_TEST_VERBOSE") != nullptr)
            MESSAGE(key.first << ":" << key.second << " next_seq " << fig.next_seq << " head " << fig.head_seq
                              << " retained " << fig.retained << " archived " << seen.size()
                              << " first archived " << (seen.empty() ? 0 : seen.begin()->first));
    }
    return a;
}

} // namespace

TEST_CASE("SIGTERM flushes and exits 0; a restart recovers and carries on; every record is accounted for") {
    DaemonRun d;
    auto p = d.start();
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    std::this_thread::sleep_for(1500ms);
    p->signal(SIGTERM);
    auto end = p->wait(30s);
    CHECK_MESSAGE(end == 0, p->output());
    const std::string out = p->output();
    CHECK(out.find("received SIGTERM") != std::string::npos);
    CHECK(out.find("stopped: everything flushed") != std::string::npos);
    // Status lines came five times a second with the figures an operator watches.
    CHECK(out.find("stored=") != std::string::npos);
    CHECK(out.find("uploaded=") != std::string::npos);
    const auto first = account(d.data);
    CHECK(first.handed_out > 5000);
    CHECK(first.uploaded > 0);
    CHECK(first.duplicates == 0);          // a clean stop re-sends nothing
    CHECK_FALSE(first.malformed);
    CHECK(first.in_gaps == first.counted_drops);

    d.new_port();
    p = d.start();
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    std::this_thread::sleep_for(1000ms);
    p->signal(SIGINT);
    end = p->wait(30s);
    CHECK_MESSAGE(end == 0, p->output());
    const auto second = account(d.data);
    CHECK(second.handed_out > first.handed_out); // it carried on with the same sensors
    CHECK(second.duplicates == 0);
    CHECK(second.in_gaps == second.counted_drops); // a clean restart numbers on without a gap
}

TEST_CASE("SIGKILL at random moments loses no acknowledged record and resends only whole batches") {
    DaemonRun d;
    const char* env = std::getenv("SS_DAEMON_KILL_CYCLES");
    const int cycles = env != nullptr ? std::atoi(env) : 4;
    std::mt19937 rng(static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::uniform_int_distribution<int> after_ms(200, 1500);
    for (int c = 0; c < cycles; ++c) {
        d.new_port();
        auto p = d.start();
        REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
        std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
        p->signal(SIGKILL);
        REQUIRE(p->wait(10s) == 128 + SIGKILL);
    }
    // A last run drains and stops cleanly.
    d.new_port();
    auto p = d.start();
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    std::this_thread::sleep_for(1000ms);
    p->signal(SIGTERM);
    CHECK_MESSAGE(p->wait(30s) == 0, p->output());
    const auto a = account(d.data);
    INFO("handed out " << a.handed_out << ", uploaded " << a.uploaded << ", retained " << a.retained << ", in gaps "
                       << a.in_gaps << ", counted drops " << a.counted_drops << ", duplicates " << a.duplicates);
    CHECK_FALSE(a.malformed);
    // Records acknowledged shortly before a kill (before the erase was durable) may go again,
    // but a sequence number never stands for two different records.
    CHECK_FALSE(a.conflicting_values);
    // Each kill leaves at most one run of re-sent numbers and one gap per sensor (what was only
    // in RAM, and the numbering's reservation skipped): losses never spread.
    CHECK(a.most_resends <= static_cast<std::uint32_t>(cycles));
    CHECK(a.most_gaps <= static_cast<std::uint32_t>(cycles));
    CHECK(a.uploaded > 0);
}

TEST_CASE("bad configurations are refused with exit status 2, naming file, line, key and reason") {
    struct Case {
        const char* name;
        std::string edit_from, edit_to; ///< replaced in the good config
        std::string expect;             ///< in the message
    };
    const std::vector<Case> cases = {
        {"unknown section", "[uploader]", "[uplaoder]", "uplaoder: unknown section"},
        {"unknown key", "tick = 50ms", "tik = 50ms", "system.tik: unknown key"},
        {"wrong type", "tick = 50ms", "tick = \"fast\"", "system.tick"},
        {"out of range", "max_sensors = 64", "max_sensors = 0", "system.max_sensors"},
        {"duplicate sensor", "raw = { source = \"adc0\", id = 2,", "raw = { source = \"adc0\", id = 1,", "id"},
        {"missing chain", "chain = \"tenth\"", "chain = \"fifth\"", "fifth"},
        {"missing source", "source = \"env\"", "source = \"nowhere\"", "nowhere"},
        {"unknown key in a map", "kind = 'sim_poll'", "knd = 'sim_poll'", "knd"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        DaemonRun d;
        std::string text = ss::test::read_text_file(d.config);
        const auto at = text.find(c.edit_from);
        REQUIRE(at != std::string::npos);
        text.replace(at, c.edit_from.size(), c.edit_to);
        std::ofstream(d.config) << text;
        auto p = d.start({"--check-config"});
        CHECK(p->wait(10s) == 2);
        const std::string err = p->output();
        CHECK_MESSAGE(err.find(d.config.string()) != std::string::npos, err);
        CHECK_MESSAGE(err.find(c.expect) != std::string::npos, err);
    }
}

TEST_CASE("--check-config accepts the examples and --dump-config prints a configuration that loads again") {
    for (const char* example : {"minimal.ini", "gateway.ini", "sensors-2048.ini"}) {
        CAPTURE(example);
        DaemonRun d;
        auto p = d.start({"--config-file=" + std::string(SS_CONFIG_EXAMPLES) + "/" + example, "--check-config"});
        CHECK_MESSAGE(p->wait(10s) == 0, p->output());
    }
    DaemonRun d;
    auto p = d.start({"--dump-config"});
    REQUIRE(p->wait(10s) == 0);
    const fs::path dumped = d.dir.path / "dumped.ini";
    std::ofstream(dumped) << p->output();
    auto q = d.start({"--config-file=" + dumped.string(), "--check-config"});
    CHECK_MESSAGE(q->wait(10s) == 0, q->output());
}

namespace {

/// The value of one series in a /metrics text ("name{labels} value"); -1 if absent.
double metric_value(const std::string& text, const std::string& series) {
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
}

} // namespace

TEST_CASE("the daemon's /health and /metrics: promtool accepts them, and a real Prometheus reads the daemon's figures") {
    DaemonRun d;
    auto p = d.start();
    REQUIRE_MESSAGE(p->wait_for_output("serving /health", 10s), p->output());
    REQUIRE_MESSAGE(p->wait_for_output("t=", 10s), p->output());
    const std::uint16_t port = d.port();

    auto health = ss::test::http_get("127.0.0.1", port, "/health");
    REQUIRE_MESSAGE(health, health.error());
    CHECK(health->status == 200);
    CHECK(health->body.find("\"status\":\"ok\"") != std::string::npos);
    CHECK(health->body.find("\"gateway\":\"test-gw\"") != std::string::npos);

    auto before = ss::test::http_get("127.0.0.1", port, "/metrics");
    REQUIRE_MESSAGE(before, before.error());
    // promtool on the live text.
    const fs::path text = d.dir.path / "metrics.prom";
    std::ofstream(text) << before->body;
    auto lint = ss::test::run_to_completion(ss::test::find_on_path("promtool"), {"check", "metrics"}, text,
                                            d.dir.path / "promtool.out", 60s);
    REQUIRE_MESSAGE(lint, lint.error());
    CHECK_MESSAGE(lint->status == 0, lint->output);
    CHECK_MESSAGE(lint->output.empty(), lint->output);

    ss::test::PrometheusServer::Options options;
    options.targets = {"127.0.0.1:" + std::to_string(port)};
    options.scrape_interval = 1s;
    auto prometheus = ss::test::PrometheusServer::start(options);
    REQUIRE_MESSAGE(prometheus, prometheus.error());
    auto scraped = (*prometheus)->wait_for_scrape(15s);
    REQUIRE_MESSAGE(scraped, scraped.error() << "\n" << (*prometheus)->log());
    const auto one = [&](const std::string& promql) {
        auto samples = (*prometheus)->query(promql);
        REQUIRE_MESSAGE(samples, samples.error());
        REQUIRE_MESSAGE(samples->size() == 1, promql << ": " << samples->size() << " series");
        return samples->front().value;
    };
    CHECK(one("sensor_storage_sensors_registered") == 27);
    CHECK(one("count(sensor_storage_sensor_records_written_total)") == 27);
    // Counters Prometheus scraped lie between the daemon's own readings before and after.
    const double vib = one("sensor_storage_sensor_records_written_total{sensor=\"vib\"}");
    const double total = one("sensor_storage_records_written_total");
    auto after = ss::test::http_get("127.0.0.1", port, "/metrics");
    REQUIRE_MESSAGE(after, after.error());
    const std::string vib_series = "sensor_storage_sensor_records_written_total{source=\"adc0\",sensor=\"vib\",id=\"1\"}";
    CHECK(metric_value(before->body, vib_series) <= vib);
    CHECK(vib <= metric_value(after->body, vib_series));
    CHECK(metric_value(before->body, "sensor_storage_records_written_total") <= total);
    CHECK(total <= metric_value(after->body, "sensor_storage_records_written_total"));
    CHECK(total > 0);
    CHECK((*prometheus)->stop() == 0);

    p->signal(SIGTERM);
    CHECK_MESSAGE(p->wait(30s) == 0, p->output());
}
