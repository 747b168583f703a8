// The local archive transport on real files: one JSON line per batch with its idempotency key,
// durable before it is acknowledged; files rotate at their size; numbering goes on after a
// restart in a new file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fault/fault_file_system.hpp"
#include "posix/upload/archive_transport.hpp"

namespace fs = std::filesystem;
using ss::hal::ArchiveTransport;
using ss::hal::UploadBatch;
using ss::hal::UploadOutcome;

namespace {

struct TempDir {
    TempDir() {
        char tmpl[] = "/tmp/ss-archive-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { fs::remove_all(path); }
    std::string path;
};

std::vector<std::byte> ts_records(std::initializer_list<std::uint32_t> values) {
    std::vector<std::byte> out(values.size() * 4);
    std::size_t i = 0;
    for (std::uint32_t v : values) std::memcpy(out.data() + 4 * i++, &v, 4);
    return out;
}

std::vector<std::string> lines_of(const std::string& file) {
    std::vector<std::string> out;
    std::ifstream in(file);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    // In archive order: archive-2 before archive-10.
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    return out;
}

} // namespace

TEST_CASE("a batch becomes one JSON line with its idempotency key") {
    const auto v = ts_records({1, 2, 4294967295u});
    const UploadBatch ts{SS_SOURCE_APP, 7, ss::RecordType::ts, 40, 3, v.data()};
    CHECK(ArchiveTransport::line_of(ts) ==
          R"({"key":"app:7:40:3","source":"app","sensor":7,"type":"ts","first_seq":40,"count":3,"values":[1,2,4294967295]})");
    std::vector<std::byte> e(24);
    const std::uint32_t a = 5, b = 6;
    const std::uint64_t ta = 1'700'000'000'000, tb = 1'700'000'000'100;
    std::memcpy(e.data(), &a, 4);
    std::memcpy(e.data() + 4, &ta, 8);
    std::memcpy(e.data() + 12, &b, 4);
    std::memcpy(e.data() + 16, &tb, 8);
    const UploadBatch evt{SS_SOURCE_CAN, 9, ss::RecordType::evt, 0, 2, e.data()};
    CHECK(ArchiveTransport::line_of(evt) ==
          R"({"key":"can:9:0:2","source":"can","sensor":9,"type":"evt","first_seq":0,"count":2,"events":[[5,1700000000000],[6,1700000000100]]})");
}

TEST_CASE("batches are appended in order and acknowledged; files rotate at their size") {
    TempDir dir;
    const std::string root = dir.path + "/archive";
    std::vector<std::string> expected;
    {
        ArchiveTransport t({root, 400});
        for (std::uint32_t k = 0; k < 20; ++k) {
            const auto v = ts_records({k, k + 1, k + 2});
            const UploadBatch b{SS_SOURCE_HOST, 1, ss::RecordType::ts, 3ull * k, 3, v.data()};
            expected.push_back(ArchiveTransport::line_of(b));
            CHECK(t.send(b).outcome == UploadOutcome::acknowledged);
        }
    }
    const auto files = files_in(root);
    REQUIRE(files.size() > 1);
    std::vector<std::string> all;
    for (std::size_t i = 0; i < files.size(); ++i) {
        CHECK(files[i] == "archive-" + std::to_string(i + 1) + ".jsonl");
        CHECK(fs::file_size(root + "/" + files[i]) <= 400);
        for (auto& l : lines_of(root + "/" + files[i])) all.push_back(l);
    }
    CHECK(all == expected);
    CHECK((fs::status(root).permissions() & fs::perms::all) == fs::perms::owner_all);
}

TEST_CASE("after a restart the archive goes on in a new file, never after an old file's tail") {
    TempDir dir;
    const std::string root = dir.path + "/archive";
    const auto v = ts_records({42});
    const UploadBatch b{SS_SOURCE_APP, 3, ss::RecordType::ts, 0, 1, v.data()};
    {
        ArchiveTransport t({root, 1 << 20});
        REQUIRE(t.send(b).outcome == UploadOutcome::acknowledged);
        CHECK(fs::path(t.current_file()).filename() == "archive-1.jsonl");
    }
    // An old file with a torn last line (a crash mid-write in another program's life).
    std::ofstream(root + "/archive-1.jsonl", std::ios::app) << "{\"key\":\"app:3:1";
    ArchiveTransport again({root, 1 << 20});
    REQUIRE(again.send(b).outcome == UploadOutcome::acknowledged);
    CHECK(fs::path(again.current_file()).filename() == "archive-2.jsonl");
    CHECK(lines_of(root + "/archive-2.jsonl") == std::vector<std::string>{ArchiveTransport::line_of(b)});
}

TEST_CASE("a directory that cannot hold the archive makes every send a retry, never an acknowledgement") {
    TempDir dir;
    // A file where the directory should be.
    std::ofstream(dir.path + "/archive") << "x";
    ArchiveTransport t({dir.path + "/archive", 1 << 20});
    const auto v = ts_records({1});
    const UploadBatch b{SS_SOURCE_APP, 3, ss::RecordType::ts, 0, 1, v.data()};
    for (int i = 0; i < 3; ++i) CHECK(t.send(b).outcome == UploadOutcome::retry);
}

namespace {
std::string text_of(const std::vector<std::byte>& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }
} // namespace

TEST_CASE("a failed sync is cut back: no half or unacknowledged line stays in front of the next") {
    using ss::test::call_bit;
    using ss::test::FsCall;
    ss::test::FaultFileSystem fs;
    ArchiveTransport t({"/archive", 1 << 20}, fs);
    const auto v = ts_records({7, 8});
    const UploadBatch b{SS_SOURCE_APP, 3, ss::RecordType::ts, 0, 2, v.data()};
    const std::string line = ArchiveTransport::line_of(b) + "\n";
    fs.fail_kinds_from(fs.calls(), call_bit(FsCall::sync), -EIO);
    CHECK(t.send(b).outcome == UploadOutcome::retry);
    fs.clear_faults();
    CHECK(t.send(b).outcome == UploadOutcome::acknowledged);
    // The line is there once, and durable.
    CHECK(text_of(fs.image(false).at("archive-1.jsonl")) == line);
    CHECK(text_of(fs.image(true).at("archive-1.jsonl")) == line);
}

TEST_CASE("a file that cannot be cut back is left: the next attempt starts a new one") {
    using ss::test::call_bit;
    using ss::test::FsCall;
    ss::test::FaultFileSystem fs;
    ArchiveTransport t({"/archive", 1 << 20}, fs);
    const auto v = ts_records({9});
    const UploadBatch b{SS_SOURCE_CAN, 4, ss::RecordType::ts, 5, 1, v.data()};
    const auto first = ts_records({1});
    REQUIRE(t.send(UploadBatch{SS_SOURCE_CAN, 4, ss::RecordType::ts, 4, 1, first.data()}).outcome ==
            UploadOutcome::acknowledged);
    fs.fail_kinds_from(fs.calls(), call_bit(FsCall::sync) | call_bit(FsCall::truncate), -EIO);
    CHECK(t.send(b).outcome == UploadOutcome::retry);
    fs.clear_faults();
    CHECK(t.send(b).outcome == UploadOutcome::acknowledged);
    CHECK(fs::path(t.current_file()).filename() == "archive-2.jsonl");
    CHECK(text_of(fs.image(true).at("archive-2.jsonl")) == ArchiveTransport::line_of(b) + "\n");
}

TEST_CASE("a group of batches is written and synced once per file, each acknowledged once durable") {
    using ss::test::FsCall;
    ss::test::FaultFileSystem fs;
    ArchiveTransport t({"/archive", 1 << 20}, fs);
    std::vector<std::vector<std::byte>> records;
    std::vector<UploadBatch> group;
    std::string expected;
    for (std::uint32_t k = 0; k < 100; ++k) records.push_back(ts_records({k, k + 1}));
    for (std::uint32_t k = 0; k < 100; ++k) {
        group.push_back(UploadBatch{SS_SOURCE_APP, k, ss::RecordType::ts, 0, 2, records[k].data()});
        expected += ArchiveTransport::line_of(group.back()) + "\n";
    }
    std::vector<ss::hal::UploadResult> results(group.size());
    fs.record(true);
    const std::size_t before = fs.recorded().size();
    REQUIRE(t.send_many(group, results) == group.size());
    for (const auto& r : results) CHECK(r.outcome == UploadOutcome::acknowledged);
    std::size_t data_syncs = 0, writes = 0;
    for (std::size_t i = before; i < fs.recorded().size(); ++i) {
        const auto& c = fs.recorded()[i];
        if (c.target.find("archive-1.jsonl") == std::string::npos) continue;
        data_syncs += c.kind == FsCall::sync;
        writes += c.kind == FsCall::write;
    }
    CHECK(data_syncs == 1);  // one per batch before group commit
    CHECK(writes == 2);      // 100 lines in slices of 64 iovecs
    CHECK(text_of(fs.image(true).at("archive-1.jsonl")) == expected);
}

TEST_CASE("a group that spans a rotation syncs each file; a failure in the second keeps the first's acknowledgements") {
    using ss::test::call_bit;
    using ss::test::FsCall;
    ss::test::FaultFileSystem fs;
    std::vector<std::vector<std::byte>> records;
    std::vector<UploadBatch> group;
    for (std::uint32_t k = 0; k < 6; ++k) records.push_back(ts_records({k}));
    for (std::uint32_t k = 0; k < 6; ++k) group.push_back(UploadBatch{SS_SOURCE_APP, k, ss::RecordType::ts, 0, 1, records[k].data()});
    const std::size_t line = ArchiveTransport::line_of(group[0]).size() + 1;
    ArchiveTransport t({"/archive", 3 * line}, fs); // three lines a file
    std::vector<ss::hal::UploadResult> results(group.size());
    // Every sync after the first file is durable fails (the second file cannot be made ready):
    // the first three stay acknowledged, the fourth is retry, the
    // last two were not attempted.
    fs.record(true);
    fs.on_sync = [&] {
        if (fs.image(true).count("archive-1.jsonl") != 0 && !fs.image(true).at("archive-1.jsonl").empty())
            fs.fail_kinds_from(fs.calls(), call_bit(FsCall::sync), -EIO);
    };
    CHECK(t.send_many(group, results) == 4);
    fs.on_sync = nullptr;
    fs.clear_faults();
    for (std::size_t i = 0; i < 3; ++i) CHECK(results[i].outcome == UploadOutcome::acknowledged);
    CHECK(results[3].outcome == UploadOutcome::retry);
    // Sent again, the rest lands after the first three, each line once.
    std::vector<ss::hal::UploadResult> again(3);
    REQUIRE(t.send_many(std::span<const UploadBatch>(group).subspan(3), again) == 3);
    for (const auto& r : again) CHECK(r.outcome == UploadOutcome::acknowledged);
    std::string all;
    for (const auto& [name, content] : fs.image(true))
        if (name.starts_with("archive-")) all += text_of(content);
    std::string expected;
    for (const auto& b : group) expected += ArchiveTransport::line_of(b) + "\n";
    CHECK(all == expected);
}
