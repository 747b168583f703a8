// ss-store as an operator runs it, on stores the library wrote: clean, damaged (a flipped byte,
// a truncated file, a missing meta, a bad acknowledgement log), salvaged and cleared; bad input
// refused with exit 2 and the store left exactly as it was; the store lock against a second
// opener. Exit statuses: 0 clean, 1 problems, 2 usage or I/O error (docs/store-tool.md).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "cli/tool_run.hpp"
#include "cli/v1_store.hpp"
#include "cli/export_store.hpp"
#include "cli/written_store.hpp"
#include "store/store_open.hpp"
#include "ss/disk_format.hpp"
#include "support/json_reader.hpp"

using namespace ss::store_tool;
using ss::test::run_tool;
using ss::test::tree_digest;
using ss::test::WrittenStore;

namespace {

// The valid unit holding record `seq` of a sensor.
Slot unit_holding(const std::string& root, SensorKey key, std::uint64_t seq) {
    auto store = open_store(root, 0);
    REQUIRE(store);
    auto reader = store->sensor(key);
    REQUIRE(reader);
    Slot at;
    at.offset = ~0ull;
    REQUIRE(reader->walk(CheckLevel::full, [&](const Slot& s, const std::byte*) {
        if (s.kind == SlotKind::valid && s.first_seq <= seq && seq < s.first_seq + s.count) at = s;
    }));
    REQUIRE(at.offset != ~0ull);
    return at;
}

// Problem lines of verify's output (all but the summary line).
std::vector<std::string> problems_of(const ss::test::ToolRun& r) {
    auto lines = ss::test::lines_of(r.out);
    REQUIRE(!lines.empty());
    lines.pop_back();
    return lines;
}

// dump --json parsed back: (sensor, seq) → value.
std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> dumped(const std::string& root) {
    const auto r = run_tool({"dump", root, "--json"});
    REQUIRE(r.status == 0);
    std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> out;
    for (const std::string& line : ss::test::lines_of(r.out)) {
        auto v = ss::test::parse_json(line);
        REQUIRE(v);
        const std::string sensor = v->find("sensor")->string;
        const auto seq = static_cast<std::uint64_t>(std::stoull(v->find("seq")->number_text));
        REQUIRE(out.emplace(std::make_pair(sensor, seq), static_cast<std::uint32_t>(v->find("value")->number)).second);
    }
    return out;
}

std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> expected_of(const WrittenStore& w) {
    std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> out;
    for (const auto& [key, recs] : w.live)
        for (const auto& r : recs) out[{to_text(key), r.seq}] = r.value;
    return out;
}

// Every record the library serves from a root, read by starting it: (sensor, seq) → value.
std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> served(const std::string& root) {
    std::map<std::pair<std::string, std::uint64_t>, std::uint32_t> out;
    for (const auto& [key, records] : ss::test::served_with_times(root))
        for (const auto& r : records) out[{to_text(key), r.seq}] = r.value;
    return out;
}

} // namespace

TEST_CASE("verify finds a store the library wrote clean, at both levels") {
    WrittenStore w;
    const std::string before = tree_digest(w.root);
    const auto full = run_tool({"verify", w.root});
    CHECK(full.status == 0);
    CHECK(full.out.find("clean (3 sensors, full check)") != std::string::npos);
    // stderr is no terminal here: no progress bar, nothing at all.
    CHECK(full.err.empty());
    const auto quick = run_tool({"verify", w.root, "--level", "quick"});
    CHECK(quick.status == 0);
    CHECK(tree_digest(w.root) == before);
}

TEST_CASE("stats gives each sensor's numbers exactly") {
    WrittenStore w;
    const auto r = run_tool({"stats", w.root, "--json"});
    REQUIRE(r.status == 0);
    auto doc = ss::test::parse_json(r.out);
    REQUIRE(doc);
    CHECK(doc->find("unit_bytes")->number == 256);
    const auto& sensors = doc->find("sensors")->items;
    REQUIRE(sensors.size() == 3);
    std::map<std::string, const ss::test::JsonValue*> by;
    for (const auto& s : sensors) by[s.find("sensor")->string] = &s;
    const auto num = [&](const char* sensor, const char* field) { return by.at(sensor)->find(field)->number; };
    CHECK(num("host:1", "records") == 1200);
    CHECK(num("host:1", "unsent") == 1200);
    CHECK(num("host:1", "pending") == 0);
    CHECK(num("host:1", "first_seq") == 0);
    CHECK(num("host:1", "last_seq") == 1199);
    CHECK(num("host:1", "gaps") == 0);
    // Units and bytes against the file itself: every non-zero 256-byte slot is a valid unit here.
    const std::string dat = ss::test::slurp(w.dat(1));
    std::size_t slots = 0;
    for (std::size_t at = 0; at + 256 <= dat.size(); at += 256)
        slots += dat.compare(at, 16, std::string(16, '\0')) != 0;
    CHECK(num("host:1", "valid_units") == static_cast<double>(slots));
    struct stat st;
    REQUIRE(::stat(w.dat(1).c_str(), &st) == 0);
    CHECK(num("host:1", "bytes_on_disk") == static_cast<double>(st.st_blocks * 512 + 80));
    CHECK(num("host:1", "corrupt_units") == 0);
    CHECK(by.at("host:1")->find("type")->string == "ts");
    CHECK(by.at("host:1")->find("oldest")->find("us")->number_text == std::to_string(ss::test::t0_us));
    CHECK(by.at("host:1")->find("newest")->find("us")->number_text == std::to_string(ss::test::t0_us + 1199 * 1000));
    CHECK(by.at("host:1")->find("oldest")->find("clock")->string == "utc");
    CHECK(num("app:2", "records") == 200);
    CHECK(by.at("app:2")->find("type")->string == "evt");
    CHECK(num("can:3", "records") == 200);
    CHECK(num("can:3", "acknowledged_below") == 100);
    CHECK(num("can:3", "first_seq") == 100);
    CHECK(num("can:3", "last_seq") == 299);
    CHECK(doc->find("totals")->find("records")->number == 1600);
    // The table for people says the same.
    const auto text = run_tool({"stats", w.root});
    CHECK(text.status == 0);
    CHECK(text.out.find("total: 1600 unsent records") != std::string::npos);
}

TEST_CASE("dump prints every live record, and its JSON lines parse back to what was written") {
    WrittenStore w;
    CHECK(dumped(w.root) == expected_of(w));
    const auto range = run_tool({"dump", w.root, "--sensor", "app:2", "--from-seq", "10", "--to-seq", "19"});
    REQUIRE(range.status == 0);
    const auto lines = ss::test::lines_of(range.out);
    REQUIRE(lines.size() == 11); // the header and ten records
    CHECK(lines[1] == "app:2\t10\t30\t" + lines[1].substr(lines[1].find('\t', 9) + 1));
    CHECK(lines[1].ends_with("\t5010"));
}

TEST_CASE("after a crash, dump shows exactly the records the library's recovery then serves") {
    WrittenStore w;
    w.start();
    ::SensorStore* h = w.sensor(1);
    ::SensorStore* c = w.sensor(3, SENSOR_TS, SS_SOURCE_CAN);
    for (std::uint32_t i = 0; i < 500; ++i) {
        REQUIRE(ss_ts_add(h, 100000 + i) == 0);
        REQUIRE(ss_ts_add(c, 200000 + i) == 0);
        if (i % 60 == 59) ss_manager_tick();
    }
    // Acknowledged by sequence number inside a unit, then a crash: no shutdown flush.
    std::uint32_t buf[64];
    for (std::uint32_t got = 0, n = 0; got < 130; got += n) REQUIRE(ss_consume_batch(c, buf, std::min(64u, 130 - got), &n) == 0);
    REQUIRE(ss_erase_pending_until(c, 230) == 0);
    ss_manager_tick();
    w.drop();
    const auto before = dumped(w.root);
    CHECK(before.size() > expected_of(w).size());
    CHECK(before.count({"can:3", 229}) == 0);
    CHECK(before.count({"can:3", 230}) == 1);
    CHECK(run_tool({"verify", w.root}).status == 0);
    CHECK(served(w.root) == before);
}

TEST_CASE("a flipped byte in a unit: verify names the file, offset and the records it costs; salvage keeps every other record") {
    WrittenStore w;
    const Slot unit = unit_holding(w.root, WrittenStore::host1, 120);
    const std::uint64_t off = unit.offset, last = unit.first_seq + unit.count - 1;
    ss::test::flip_byte(w.dat(1), static_cast<off_t>(off + 40));
    const std::string before = tree_digest(w.root);
    const auto r = run_tool({"verify", w.root});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == w.dat(1) + ": offset " + std::to_string(off) + ": unit failed its CRC check; costs " +
                              std::to_string(unit.count) + " records (" + std::to_string(unit.first_seq) + ".." +
                              std::to_string(last) + ")");
    // The quick level reads headers only, so a payload byte is not its business.
    CHECK(run_tool({"verify", w.root, "--level", "quick"}).status == 0);

    const std::string out = w.base + "/rescued";
    const auto s = run_tool({"salvage", w.root, "--out", out});
    CHECK(s.status == 1);
    CHECK(s.out.find("host:1: not saved: bad CRC unit at offset " + std::to_string(off)) != std::string::npos);
    CHECK(tree_digest(w.root) == before);
    auto expected = expected_of(w);
    for (std::uint64_t seq = unit.first_seq; seq <= last; ++seq) expected.erase({"host:1", seq});
    CHECK(dumped(out) == expected);
    CHECK(run_tool({"verify", out}).status == 0);
    // The library opens the salvaged store and serves exactly those records.
    CHECK(served(out) == expected);
}

TEST_CASE("a unit whose header is garbled: verify says its cost is unknown and bounds it by the units around it") {
    WrittenStore w;
    const Slot unit = unit_holding(w.root, WrittenStore::host1, 300);
    ss::test::flip_byte(w.dat(1), static_cast<off_t>(unit.offset)); // the magic
    const auto r = run_tool({"verify", w.root, "--level", "quick"});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    const std::uint64_t last = unit.first_seq + unit.count - 1;
    CHECK(problems[0] == w.dat(1) + ": offset " + std::to_string(unit.offset) +
                             ": unit header is not valid; costs an unknown number of records (header unreadable); at most " +
                             std::to_string(unit.count) + " (" + std::to_string(unit.first_seq) + ".." + std::to_string(last) +
                             " are missing between the valid units around it)");
    CHECK(r.out.ends_with("1 problems; 0 records lost and an unknown number more\n"));
}

TEST_CASE("a truncated data file: verify reports the torn unit at the end and what it costs") {
    WrittenStore w;
    const Slot unit = unit_holding(w.root, WrittenStore::can3, 299);
    const std::uint64_t off = unit.offset;
    REQUIRE(::truncate(w.dat(3, "can").c_str(), static_cast<off_t>(off + 100)) == 0);
    const auto r = run_tool({"verify", w.root});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == w.dat(3, "can") + ": offset " + std::to_string(off) +
                             ": the file ends inside a unit (a write cut short); costs " + std::to_string(unit.count) +
                             " records (" + std::to_string(unit.first_seq) + "..299)");
    const std::string out = w.base + "/rescued";
    CHECK(run_tool({"salvage", w.root, "--out", out}).status == 1);
    auto expected = expected_of(w);
    for (std::uint64_t seq = unit.first_seq; seq < 300; ++seq) expected.erase({"can:3", seq});
    CHECK(served(out) == expected);
}

TEST_CASE("a missing meta is one problem that costs no records; salvage keeps every record") {
    WrittenStore w;
    const std::string meta = w.sensor_file(2, "meta", "app");
    REQUIRE(std::filesystem::remove(meta));
    const auto r = run_tool({"verify", w.root});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(meta + ": missing: the acknowledged boundary is unknown; costs no records"));
    const std::string out = w.base + "/rescued";
    CHECK(run_tool({"salvage", w.root, "--out", out}).status == 0);
    CHECK(served(out) == expected_of(w));
}

TEST_CASE("a damaged acknowledgement log header is reported and costs no records") {
    WrittenStore w;
    const std::string log = w.root + "/acks.log";
    {
        std::ofstream f(log, std::ios::binary | std::ios::trunc);
        f << "this is no acknowledgement log";
    }
    const auto r = run_tool({"verify", w.root});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(log + ": offset 0: acknowledgement log header is not valid"));
}

TEST_CASE("a destination's cursor file: a bad entry is reported by offset, and salvage copies the file as it is") {
    WrittenStore w;
    std::string cursors(ss::disk::ack_log_header_bytes + 2 * ss::disk::ack_entry_bytes, '\0');
    auto* bytes = reinterpret_cast<std::byte*>(cursors.data());
    ss::disk::encode_ack_log_header(bytes);
    ss::disk::encode_ack_entry({SS_SOURCE_HOST, 1, 600}, bytes + ss::disk::ack_log_header_bytes);
    ss::disk::encode_ack_entry({SS_SOURCE_APP, 2, 50}, bytes + ss::disk::ack_log_header_bytes + ss::disk::ack_entry_bytes);
    cursors[ss::disk::ack_log_header_bytes + ss::disk::ack_entry_bytes + 8] ^= 1; // app:2's head_seq
    const std::string dir = w.root + "/destinations";
    REQUIRE(std::filesystem::create_directory(dir));
    std::ofstream(dir + "/archive.cursors", std::ios::binary) << cursors;
    const auto r = run_tool({"verify", w.root});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(dir + "/archive.cursors: offset 40: entry failed its check"));
    const std::string out = w.base + "/rescued";
    CHECK(run_tool({"salvage", w.root, "--out", out}).status == 0);
    CHECK(ss::test::slurp(out + "/destinations/archive.cursors") == cursors);
}

TEST_CASE("a damaged shutdown ledger, boot record or meta is one problem each, costing no records") {
    WrittenStore w;
    std::string file, expected;
    SUBCASE("the shutdown ledger") {
        file = w.root + "/shutdown.ledger";
        REQUIRE(std::filesystem::exists(file)); // a clean stop leaves it
        ss::test::flip_byte(file, 40);
        expected = file + ": shutdown ledger is not valid (bad CRC); costs no records";
    }
    SUBCASE("the boot record") {
        file = w.root + "/boot";
        ss::test::flip_byte(file, 8);
        expected = file + ": boot record is not valid; costs no records";
    }
    SUBCASE("a meta") {
        file = w.sensor_file(3, "meta", "can");
        ss::test::flip_byte(file, 20);
        expected = file + ": not valid (bad CRC); costs no records";
    }
    const auto r = run_tool({"verify", w.root, "--level", "quick"});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(expected));
}

TEST_CASE("bad input is refused with exit 2 and a message naming the path, and nothing changes") {
    WrittenStore w;
    const std::string before = tree_digest(w.root);
    SUBCASE("a path that is not a store") {
        const auto r = run_tool({"stats", w.base});
        CHECK(r.status == 2);
        CHECK(r.err.find(w.base + ": not a sensor-storage data root") != std::string::npos);
        CHECK(run_tool({"verify", w.base + "/nowhere"}).status == 2);
    }
    SUBCASE("an unknown sensor") {
        const auto r = run_tool({"dump", w.root, "--sensor", "host:99"});
        CHECK(r.status == 2);
        CHECK(r.err.find("no sensor host:99") != std::string::npos);
        CHECK(run_tool({"clear", w.root, "--sensor", "can:99"}).status == 2);
        CHECK(run_tool({"dump", w.root, "--sensor", "nosource:1"}).status == 2);
    }
    SUBCASE("a meta of a newer format version") {
        const std::string meta = w.sensor_file(1, "meta");
        std::string bytes = ss::test::slurp(meta);
        bytes[4] = 3;
        std::ofstream(meta, std::ios::binary | std::ios::trunc) << bytes;
        const std::string changed = tree_digest(w.root);
        for (const char* cmd : {"stats", "verify", "dump"}) {
            const auto r = run_tool({cmd, w.root});
            CHECK(r.status == 2);
            CHECK(r.err.find(meta + ": meta format version 3 is newer than this tool reads (2)") != std::string::npos);
        }
        CHECK(tree_digest(w.root) == changed);
        return;
    }
    SUBCASE("an output that cannot be written, or that is not empty") {
        CHECK(run_tool({"salvage", w.root, "--out", "/proc/ss-store-cannot-write-here"}).status == 2);
        const auto r = run_tool({"salvage", w.root, "--out", w.base});
        CHECK(r.status == 2);
        CHECK(r.err.find("exists and is not empty") != std::string::npos);
        CHECK(run_tool({"salvage", w.root, "--out", w.root + "/inside"}).status == 2);
    }
    SUBCASE("usage errors") {
        CHECK(run_tool({}).status == 2);
        CHECK(run_tool({"verify", w.root, "--level", "deep"}).status == 2);
        CHECK(run_tool({"frobnicate"}).status == 2);
    }
    CHECK(tree_digest(w.root) == before);
}

TEST_CASE("the store lock: a second opener gets -EBUSY, clear is refused while it is held, and works after") {
    WrittenStore w;
    w.start();
    // Another process opening the same root: a child that gives up its copy of this process's
    // library state, then starts its own (the parent's lock stays held: it is the parent's open file).
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ss_deinit_system();
        const int rc = ss_init_system(&w.cfg);
        const bool ok = rc == -EBUSY && std::strstr(ss_last_error(), "in use by another process") != nullptr &&
                        std::strcmp(ss_strerror(rc), "store in use by another process") == 0;
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    const auto refused = run_tool({"clear", w.root, "--sensor", "host:1"});
    CHECK(refused.status == 2);
    CHECK(refused.err.find("store is in use by another process (the daemon?)") != std::string::npos);
    // Readers never wait for the lock nor take it, and change nothing of the live store.
    const std::string live = tree_digest(w.root);
    CHECK(run_tool({"stats", w.root}).status == 0);
    CHECK(run_tool({"verify", w.root}).status == 0);
    CHECK(run_tool({"dump", w.root}).status == 0);
    CHECK(tree_digest(w.root) == live);
    w.stop();

    const auto cleared = run_tool({"clear", w.root, "--sensor", "host:1"});
    CHECK(cleared.status == 0);
    CHECK(cleared.out == "host:1: cleared 1200 records; numbering goes on past them\n");
    CHECK(cleared.err.find("cleared by the operator: 1200 records discarded") != std::string::npos);
    auto expected = expected_of(w);
    std::erase_if(expected, [](const auto& e) { return e.first.first == "host:1"; });
    CHECK(dumped(w.root) == expected);
    // The library opens it after the clear (the lock was released), and numbering goes on.
    w.start();
    ::SensorStore* h = w.sensor(1);
    std::uint64_t total = 1;
    REQUIRE(ss_get_total_records(h, &total) == 0);
    CHECK(total == 0);
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(h, &st) == 0);
    CHECK(st.next_seq >= 1200);
    w.stop();
}

TEST_CASE("a version 1 store without its meta: verify names only the meta; salvage gives version 2 units with the same records") {
    ss::test::TempDataRoot dir("ss-store-v1");
    ss::test::write_v1_store(dir.root);
    const auto v = run_tool({"verify", dir.root});
    CHECK(v.status == 1);
    const auto problems = problems_of(v);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(dir.sensor_file(9, "meta") + ": missing"));
    const auto before = run_tool({"dump", dir.root});
    REQUIRE(before.status == 0);
    CHECK(ss::test::lines_of(before.out).size() == 1 + ss::test::v1_records);
    const std::string out = dir.base + "/rescued";
    CHECK(run_tool({"salvage", dir.root, "--out", out}).status == 0);
    CHECK(run_tool({"verify", out}).status == 0);
    CHECK(run_tool({"dump", out}).out == before.out);
    // 252 version 1 records do not fit one version 2 unit of 1024 bytes (248): three units.
    auto store = open_store(out, 0);
    REQUIRE(store);
    auto reader = store->sensor(SensorKey{SS_SOURCE_HOST, 9});
    REQUIRE(reader);
    std::size_t units = 0;
    REQUIRE(reader->walk(CheckLevel::full, [&](const Slot& s, const std::byte*) {
        CHECK(s.kind == SlotKind::valid);
        CHECK(s.version == 2);
        ++units;
    }));
    CHECK(units == 3);
}

TEST_CASE("a unit header of an unknown format version is a problem verify names") {
    WrittenStore w;
    const Slot unit = unit_holding(w.root, WrittenStore::app2, 50);
    {
        const int fd = ::open(w.dat(2, "app").c_str(), O_RDWR);
        REQUIRE(fd >= 0);
        const unsigned char v3_evt = 3 << 4 | 2;
        REQUIRE(::pwrite(fd, &v3_evt, 1, static_cast<off_t>(unit.offset + 1)) == 1);
        ::close(fd);
    }
    const auto r = run_tool({"verify", w.root, "--level", "quick"});
    CHECK(r.status == 1);
    const auto problems = problems_of(r);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].starts_with(w.dat(2, "app") + ": offset " + std::to_string(unit.offset) +
                                  ": unit header is not valid (format version 3: damaged, or written by a newer library)"));
}

TEST_CASE("docs/ss-store.md holds the tool's help, exactly as --help prints it") {
    const std::string doc = ss::test::slurp(SS_STORE_TOOL_DOC);
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"--help"}, {"stats", "--help"}, {"verify", "--help"}, {"salvage", "--help"}, {"dump", "--help"},
             {"clear", "--help"}, {"export", "--help"}, {"import", "--help"}}) {
        const auto r = run_tool(args);
        CAPTURE(args.front());
        CHECK(r.status == 0);
        CHECK(doc.find("```\n" + r.out + "```\n") != std::string::npos);
    }
}

TEST_CASE("verify --config accounts the disk quota as the library would: chunks holding units, per sensor and in all") {
    WrittenStore w;
    // The fixture's store: 256-byte units in 4 KB chunks. host:1 holds 20 units (1200 records,
    // 60 a unit): 5120 bytes, so 2 chunks; app:2 10 units (200 events, 20 a unit): 1 chunk;
    // can:3 4 units past its acknowledged 100 records.
    auto config_with = [&](const std::string& storage) {
        std::string text = ss::test::export_config_text;
        text.insert(text.find('\n') + 1, "ram_sector_bytes = 256\ndisk_sector_bytes = 4096\n" + storage);
        const std::string path = w.base + "/gateway.ini";
        std::ofstream(path) << text;
        return path;
    };
    const std::string before = tree_digest(w.root);
    auto r = run_tool({"verify", w.root, "--config", config_with("")});
    INFO(r.out, r.err);
    CHECK(r.status == 0);
    // can:3's first 100 records were acknowledged and their chunk given back: 4 chunks in all,
    // of the default quota's 256 MiB.
    CHECK(r.out.find("clean (3 sensors, full check; 4 chunks (16384 bytes) of the quota's 65536)") != std::string::npos);

    r = run_tool({"verify", w.root, "--config", config_with("disk_quota_per_sensor_bytes = 4096\n")});
    CHECK(r.status == 1);
    const auto lines = problems_of(r);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == w.dat(1) + ": holds 2 chunks (8192 bytes), over the per-sensor quota of 1 chunks (4096 bytes) in " +
                          w.base + "/gateway.ini; a start with that config drops this sensor's oldest unsent records "
                                   "down to its quota");

    r = run_tool({"verify", w.root, "--config", config_with("disk_quota_bytes = 8192\n")});
    CHECK(r.status == 1);
    const auto over = problems_of(r);
    REQUIRE(over.size() == 1);
    CHECK(over[0].rfind(w.root + ": holds ", 0) == 0);
    CHECK(over[0].find("over the disk quota of 2 chunks (8192 bytes)") != std::string::npos);

    // A config whose sector size is not the store's: the library would not read it.
    std::string text = ss::test::export_config_text;
    const std::string other = w.base + "/other.ini";
    std::ofstream(other) << text; // ram_sector_bytes: the Linux default, 4096
    r = run_tool({"verify", w.root, "--config", other});
    CHECK(r.status == 1);
    CHECK(r.out.find("ram_sector_bytes 4096 differs from the store's unit size 256") != std::string::npos);
    r = run_tool({"verify", w.root, "--config", w.base + "/missing.ini"});
    CHECK(r.status == 2);
    CHECK(tree_digest(w.root) == before);
}
