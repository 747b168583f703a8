// The quarantine of refused batches: kept durably before the store lets the records go, read
// back exactly after a power cut, released (sent again, removed once acknowledged) or dropped
// (counted) by an operator; a power cut at any file-system call of put leaves the batch kept
// whole or not at all, and a damaged file is counted, never served.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "posix/upload/quarantine.hpp"

using ss::hal::Quarantine;
using ss::hal::UploadBatch;

namespace {

std::vector<std::byte> evt_records(std::uint32_t n) {
    std::vector<std::byte> out(std::size_t{n} * 12);
    for (std::uint32_t i = 0; i < n; ++i) {
        const std::uint32_t v = 1000 + i;
        const std::uint64_t ts = 1'700'000'000'000ull + i * 250;
        std::memcpy(out.data() + i * 12, &v, 4);
        std::memcpy(out.data() + i * 12 + 4, &ts, 8);
    }
    return out;
}

UploadBatch batch_of(const std::vector<std::byte>& records) {
    UploadBatch b{SS_SOURCE_CAN, 42, ss::RecordType::evt, 1000, static_cast<std::uint32_t>(records.size() / 12),
                  records.data()};
    b.first_time = ss::sector::utc_flag | 1'700'000'000'000'000ull;
    b.period_us = 0;
    b.boot = 7;
    return b;
}

void check_same(const UploadBatch& got, const UploadBatch& want) {
    CHECK(got.source == want.source);
    CHECK(got.sensor_id == want.sensor_id);
    CHECK(got.type == want.type);
    CHECK(got.first_seq == want.first_seq);
    CHECK(got.count == want.count);
    CHECK(got.first_time == want.first_time);
    CHECK(got.period_us == want.period_us);
    CHECK(got.boot == want.boot);
    REQUIRE(got.records != nullptr);
    CHECK(std::memcmp(got.records, want.records, std::size_t{want.count} * 12) == 0);
}

} // namespace

TEST_CASE("a quarantined batch survives a power cut and is sent again only when released") {
    ss::test::FaultFileSystem fs;
    const auto records = evt_records(5);
    const UploadBatch b = batch_of(records);
    {
        Quarantine q("/q", fs);
        REQUIRE(q.status() == 0);
        REQUIRE(q.put(b, 400, 1'700'000'000'123ull) == 0);
        CHECK(q.stats().held_batches == 1);
        CHECK(q.stats().held_records == 5);
        CHECK(q.stats().quarantined_batches == 1);
    }
    fs.crash();
    Quarantine q("/q", fs);
    REQUIRE(q.entries().size() == 1);
    const Quarantine::Entry e = q.entries().front();
    CHECK(e.file == "can-42-1000-5.qb");
    CHECK(e.reason == 400);
    CHECK(e.quarantined_at_ms == 1'700'000'000'123ull);
    CHECK_FALSE(e.released);
    std::vector<std::byte> buffer;
    std::string file;
    // Held, not released: nothing to send.
    CHECK(q.next_released(buffer, file).error() == ss::Errc::try_again);

    REQUIRE(q.release(e.file));
    fs.crash(); // the operator's release is durable too
    Quarantine again("/q", fs);
    REQUIRE(again.entries().size() == 1);
    CHECK(again.entries().front().released);
    auto got = again.next_released(buffer, file);
    REQUIRE(got);
    CHECK(file == "can-42-1000-5.qr");
    check_same(*got, b);
    REQUIRE(again.delivered(file));
    CHECK(again.stats().released_batches == 1);
    CHECK(again.stats().held_batches == 0);
    fs.crash();
    CHECK(Quarantine("/q", fs).entries().empty());
}

TEST_CASE("a released batch refused again is held again with the new reason") {
    ss::test::FaultFileSystem fs;
    const auto records = evt_records(3);
    Quarantine q("/q", fs);
    REQUIRE(q.put(batch_of(records), 400, 1) == 0);
    REQUIRE(q.release("can-42-1000-3.qb"));
    REQUIRE(q.refused_again("can-42-1000-3.qr", 422));
    REQUIRE(q.entries().size() == 1);
    CHECK(q.entries().front().file == "can-42-1000-3.qb");
    CHECK(q.entries().front().reason == 422);
    fs.crash();
    Quarantine after("/q", fs);
    REQUIRE(after.entries().size() == 1);
    CHECK(after.entries().front().reason == 422);
    CHECK_FALSE(after.entries().front().released);
}

TEST_CASE("an operator's drop removes the batch and counts its records") {
    ss::test::FaultFileSystem fs;
    const auto records = evt_records(4);
    Quarantine q("/q", fs);
    REQUIRE(q.put(batch_of(records), 403, 1) == 0);
    REQUIRE(q.drop("can-42-1000-4.qb"));
    CHECK(q.stats().dropped_batches == 1);
    CHECK(q.stats().dropped_records == 4);
    CHECK(q.entries().empty());
    fs.crash();
    CHECK(Quarantine("/q", fs).entries().empty());
}

TEST_CASE("bad requests change nothing") {
    ss::test::FaultFileSystem fs;
    const auto records = evt_records(2);
    Quarantine q("/q", fs);
    UploadBatch empty = batch_of(records);
    empty.count = 0;
    CHECK(q.put(empty, 400, 1) == -EINVAL);
    UploadBatch no_records = batch_of(records);
    no_records.records = nullptr;
    CHECK(q.put(no_records, 400, 1) == -EINVAL);
    CHECK(q.release("nope.qb").error() == ss::Errc::invalid_argument);
    CHECK(q.drop("nope.qb").error() == ss::Errc::invalid_argument);
    CHECK(q.delivered("nope.qr").error() == ss::Errc::invalid_argument);
    REQUIRE(q.put(batch_of(records), 400, 1) == 0);
    // Not released: it cannot be refused again, nor released twice once released.
    CHECK(q.refused_again("can-42-1000-2.qb", 400).error() == ss::Errc::invalid_argument);
    REQUIRE(q.release("can-42-1000-2.qb"));
    CHECK(q.release("can-42-1000-2.qr").error() == ss::Errc::invalid_argument);
    CHECK(q.entries().size() == 1);
}

TEST_CASE("a failing file system keeps nothing and says so; the records stay the caller's") {
    using ss::test::call_bit;
    using ss::test::FsCall;
    ss::test::FaultFileSystem fs;
    const auto records = evt_records(2);
    Quarantine q("/q", fs);
    for (FsCall kind : {FsCall::open_file, FsCall::write, FsCall::sync, FsCall::rename}) {
        CAPTURE(ss::test::call_name(kind));
        fs.fail_kinds_from(fs.calls(), call_bit(kind), -EIO);
        CHECK(q.put(batch_of(records), 400, 1) == -EIO);
        fs.clear_faults();
        CHECK(q.entries().empty());
    }
    fs.crash();
    Quarantine after("/q", fs);
    CHECK(after.entries().empty());
    CHECK(after.stats().unreadable_files == 0);
}

TEST_CASE("a power cut at any call of put leaves the batch whole or absent, never torn") {
    const auto records = evt_records(16);
    const UploadBatch b = batch_of(records);
    std::mt19937_64 rng(11);
    std::uint64_t kept = 0, absent = 0;
    for (std::uint64_t at = 0;; ++at) {
        ss::test::FaultFileSystem fs;
        Quarantine q("/q", fs);
        fs.reset_calls();
        fs.die_at(at);
        const int rc = q.put(b, 400, 1);
        const bool finished = !fs.dead();
        fs.clear_faults(); // the reopen after the power cut must not die at call `at`
        fs.crash(&rng);
        Quarantine after("/q", fs);
        CAPTURE(at);
        CHECK(after.stats().unreadable_files == 0);
        if (rc == 0) REQUIRE(after.entries().size() == 1); // acknowledged as kept: must be kept
        if (after.entries().size() == 1) {
            std::vector<std::byte> buffer;
            std::string file;
            REQUIRE(after.release(after.entries().front().file));
            auto got = after.next_released(buffer, file);
            REQUIRE(got);
            check_same(*got, b);
            ++kept;
        } else {
            CHECK(after.entries().empty());
            ++absent;
        }
        if (finished) break; // put ran to its end before call `at`
    }
    CHECK(kept >= 1);
    CHECK(absent >= 1);
}

TEST_CASE("a damaged file is counted and never served") {
    ss::test::FaultFileSystem fs;
    const auto records = evt_records(6);
    {
        Quarantine q("/q", fs);
        REQUIRE(q.put(batch_of(records), 400, 1) == 0);
    }
    fs.rot_on_crash(60); // a byte of the records
    fs.crash();
    Quarantine q("/q", fs);
    CHECK(q.entries().empty());
    CHECK(q.stats().unreadable_files == 1);
}
