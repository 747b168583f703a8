// Prometheus' own linter on what /metrics serves: `promtool check metrics` must accept the
// text of a realistic snapshot, small and with 2048 sensors, and print no problem at all. A
// text with known faults must be refused, so a promtool that checked nothing would fail here.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "daemon/metrics_text.hpp"
#include "daemon/sample_snapshot.hpp"
#include "support/child_process.hpp"

namespace {

struct LintResult {
    int status;
    std::string output;
};

/// Runs `promtool check metrics` on text, from a file as its stdin.
LintResult promtool_check(const std::string& text) {
    const std::filesystem::path promtool = ss::test::find_on_path("promtool");
    REQUIRE_MESSAGE(!promtool.empty(), "promtool is not on PATH; scripts/install-deps.sh installs it (Debian: prometheus)");
    const auto dir = std::filesystem::temp_directory_path();
    const std::string stem = "ss-promtool-" + std::to_string(::getpid());
    const auto input = dir / (stem + ".prom");
    const auto output = dir / (stem + ".out");
    {
        std::ofstream out(input, std::ios::binary);
        out << text;
    }
    auto run = ss::test::run_to_completion(promtool, {"check", "metrics"}, input, output, std::chrono::seconds(60));
    std::filesystem::remove(input);
    std::filesystem::remove(output);
    REQUIRE_MESSAGE(run.has_value(), (run ? std::string() : run.error()));
    return {run->status, run->output};
}

} // namespace

TEST_CASE("promtool accepts a small gateway's metrics without a remark") {
    const auto result = promtool_check(ss::daemon::render_metrics(ss::test::sample_snapshot(3), 1000));
    INFO("promtool said: " << result.output);
    CHECK(result.status == 0);
    CHECK(result.output.empty());
}

TEST_CASE("promtool accepts 2048 sensors, all with series and cut at the default limit") {
    const auto snapshot = ss::test::sample_snapshot(2048);
    for (const std::size_t limit : {std::size_t{2048}, std::size_t{1000}}) {
        CAPTURE(limit);
        const auto result = promtool_check(ss::daemon::render_metrics(snapshot, limit));
        INFO("promtool said: " << result.output.substr(0, 2000));
        CHECK(result.status == 0);
        CHECK(result.output.empty());
    }
}

TEST_CASE("promtool refuses a text with naming faults (the check can fail)") {
    const auto result = promtool_check("# HELP ss_bad_count a counter named like a histogram part\n"
                                       "# TYPE ss_bad_count counter\n"
                                       "ss_bad_count 1\n"
                                       "ssLatencyMs 2\n");
    INFO("promtool said: " << result.output);
    CHECK(result.status != 0);
    CHECK(result.output.find("_total") != std::string::npos);
    CHECK(result.output.find("no help text") != std::string::npos);
}
