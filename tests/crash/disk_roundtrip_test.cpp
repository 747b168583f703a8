// Round trip across real process restarts (README.md here): three lives of the library on one
// disk root, each a separate process (ss_crash_child rt), with clean stops between them.
//   1: registers 2048 sensors in each of the three sources (TS and EVT alternating), writes
//      (about a third of them), acknowledges some, leaves some pending, writes more, stops.
//   2: checks that every unacknowledged record is back in order and unsent, that nothing
//      acknowledged is, and that numbering continues without a gap; acknowledges, leaves
//      pending, writes more, stops.
//   3: checks the same again and drains everything, exactly once, in order.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "spawn.hpp"

TEST_CASE("6144 sensors over three sources survive two clean restarts: unacknowledged back, acknowledged gone, no gap") {
    const std::string base = crash::make_temp_dir("ss-roundtrip");
    REQUIRE(!base.empty());
    const std::string root = base + "/data";
    for (int stage = 1; stage <= 3; ++stage) {
        CAPTURE(stage);
        const auto t0 = std::chrono::steady_clock::now();
        const pid_t pid = crash::spawn_child({"rt", root, std::to_string(stage)});
        REQUIRE(pid > 0);
        const crash::ChildEnd end = crash::wait_child(pid, std::chrono::seconds(120));
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        MESSAGE("round trip stage " << stage << ": " << secs << " s");
        CHECK_FALSE(end.timed_out);
        REQUIRE(end.exited);
        REQUIRE(end.code == 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
}
