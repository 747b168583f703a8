// A destination's persisted cursors (hal/posix/upload/destination_cursor_file): read back as
// written, a damaged entry costs only its sensor, and a power cut at any file-system call of a
// save leaves the old cursors or the new ones, never a mix or nothing.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "posix/upload/destination_cursor_file.hpp"

using ss::hal::DestinationCursorFile;

namespace {

std::vector<DestinationCursorFile::Entry> cursors_at(std::uint64_t base) {
    return {{SS_SOURCE_HOST, 100, base + 10}, {SS_SOURCE_HOST, 101, base + 20}, {SS_SOURCE_CAN, 1, base + 7}};
}

} // namespace

TEST_CASE("cursors read back as saved; no file reads as none") {
    ss::test::FaultFileSystem fs;
    DestinationCursorFile f("/data/destinations", "archive", fs);
    std::uint64_t damaged = 9;
    CHECK(f.load(damaged).empty());
    CHECK(damaged == 0);
    REQUIRE(f.save(cursors_at(1000)) == 0);
    DestinationCursorFile again("/data/destinations", "archive", fs);
    const auto got = again.load(damaged);
    CHECK(damaged == 0);
    REQUIRE(got.size() == 3);
    CHECK(got.at({SS_SOURCE_HOST, 100}) == 1010);
    CHECK(got.at({SS_SOURCE_HOST, 101}) == 1020);
    CHECK(got.at({SS_SOURCE_CAN, 1}) == 1007);
    // Another destination's file is another file.
    DestinationCursorFile other("/data/destinations", "live", fs);
    CHECK(other.load(damaged).empty());
}

TEST_CASE("a damaged entry costs only its sensor") {
    ss::test::FaultFileSystem fs;
    DestinationCursorFile f("/d", "cloud", fs);
    REQUIRE(f.save(cursors_at(0)) == 0);
    // Flip a byte of the second entry (16-byte header, 24-byte entries).
    const int dir = fs.open_root("/d");
    const int fd = fs.open_file(dir, "cloud.cursors", false);
    REQUIRE(fd >= 0);
    std::byte b{};
    REQUIRE(fs.read(fd, &b, 1, 16 + 24 + 8) == 1);
    b ^= std::byte{0x40};
    const iovec v{&b, 1};
    REQUIRE(fs.write(fd, &v, 1, 16 + 24 + 8) == 1);
    fs.close(fd);
    fs.close(dir);
    std::uint64_t damaged = 0;
    const auto got = DestinationCursorFile("/d", "cloud", fs).load(damaged);
    CHECK(damaged == 1);
    CHECK(got.size() == 2);
    CHECK(got.count({SS_SOURCE_HOST, 101}) == 0);
}

TEST_CASE("a power cut at any call of a save leaves the old cursors or the new ones") {
    std::uint64_t calls = 0;
    {
        ss::test::FaultFileSystem fs;
        DestinationCursorFile f("/d", "cloud", fs);
        REQUIRE(f.save(cursors_at(0)) == 0);
        fs.reset_calls();
        REQUIRE(f.save(cursors_at(500)) == 0);
        calls = fs.calls();
    }
    REQUIRE(calls > 3);
    std::mt19937_64 rng(42);
    std::uint32_t old_seen = 0, new_seen = 0;
    for (std::uint64_t cut = 0; cut <= calls; ++cut) {
        CAPTURE(cut);
        ss::test::FaultFileSystem fs;
        {
            DestinationCursorFile f("/d", "cloud", fs);
            REQUIRE(f.save(cursors_at(0)) == 0);
            fs.reset_calls();
            // The power goes at call `cut`: it and everything after fail, then unsynced writes
            // are lost (at random, as a disk's cache would lose them).
            fs.fail_kinds_from(cut, ~0u, -EIO);
            (void)f.save(cursors_at(500));
        }
        fs.crash(&rng);
        fs.clear_faults();
        std::uint64_t damaged = 0;
        const auto got = DestinationCursorFile("/d", "cloud", fs).load(damaged);
        CHECK(damaged == 0);
        REQUIRE(got.size() == 3);
        const std::uint64_t v = got.at({SS_SOURCE_HOST, 100});
        REQUIRE((v == 10 || v == 510));
        const std::uint64_t base = v - 10;
        CHECK(got.at({SS_SOURCE_HOST, 101}) == base + 20);
        CHECK(got.at({SS_SOURCE_CAN, 1}) == base + 7);
        (base == 0 ? old_seen : new_seen)++;
    }
    CHECK(old_seen > 0);
    CHECK(new_seen > 0);
}
