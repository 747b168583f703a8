// ss-store export and import as an operator runs them, on a store the library wrote: an import
// of either export gives a store that dumps exactly as the original and that the library opens
// and serves; a time window exports exactly its records; a file appears under its name only once
// complete; bad input is refused with exit 2 and leaves nothing behind. (Every record's value,
// time, quality and metadata in the files is checked by h5py, h5dump and Python's csv module:
// store_export_reference_gen and the cli_store_export_*_check tests.)
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "cli/export_store.hpp"
#include "cli/tool_run.hpp"
#include "support/temp_data_root.hpp"

using ss::test::run_tool;
using ss::test::tree_digest;
using ss::test::WrittenStore;

namespace {

std::string file_of(const ss::test::TempDataRoot& t, const std::string& name) { return t.base + "/" + name; }

} // namespace

TEST_CASE("an export imported back gives a store that dumps exactly as the original and the library serves") {
    WrittenStore w;
    const std::string original = run_tool({"dump", w.root, "--json"}).out;
    REQUIRE(!original.empty());
    for (const char* format : {"csv", "hdf5"}) {
        CAPTURE(format);
        ss::test::TempDataRoot t("ss-store-import");
        const std::string file = file_of(t, std::string("all.") + (std::string(format) == "csv" ? "csv" : "h5"));
        auto r = run_tool({"export", w.root, "--format", format, "--out", file});
        INFO(r.err);
        REQUIRE(r.status == 0);
        const std::string into = file_of(t, "imported");
        r = run_tool({"--unit-bytes", "256", "import", file, "--into", into}); // the units the test store has
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(r.out == "imported 1600 records of 3 sensors into " + into + "\n");
        CHECK(run_tool({"dump", into, "--json"}).out == original);
        CHECK(run_tool({"verify", into}).status == 0);
        // The library opens the imported store and serves every record with its time.
        const auto served = ss::test::served_with_times(into);
        const auto expected = ss::test::served_with_times(w.root);
        for (const auto key : {WrittenStore::host1, WrittenStore::app2, WrittenStore::can3}) {
            REQUIRE(served.at(key).size() == expected.at(key).size());
            for (std::size_t i = 0; i < served.at(key).size(); ++i) {
                const auto& a = served.at(key)[i];
                const auto& b = expected.at(key)[i];
                CHECK(a.seq == b.seq);
                CHECK(a.value == b.value);
                CHECK(a.time == b.time);
                CHECK(a.boot == b.boot);
                CHECK(a.ts_ms == b.ts_ms);
            }
        }
    }
}

TEST_CASE("--from and --to export exactly the records whose UTC time is in the window") {
    WrittenStore w;
    ss::test::TempDataRoot t("ss-store-window");
    const std::string file = file_of(t, "window.csv");
    // host:1's record n was taken at t0 + n ms, t0 = 1 780 000 000 s: 2026-05-28T20:26:40Z. The
    // other two sensors' records carry the times of the test's own run, months later.
    auto r = run_tool({"export", w.root, "--out", file, "--from", "2026-05-28T20:26:40.100", "--to",
                       "2026-05-28T20:26:40.199999Z"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("exported 100 records of 3 sensors") != std::string::npos);
    const auto lines = ss::test::lines_of(ss::test::slurp(file));
    std::uint64_t rows = 0, expected_seq = 100;
    for (const std::string& l : lines) {
        if (l.rfind("host:1,", 0) != 0) continue;
        ++rows;
        CHECK(l.rfind("host:1,," + std::to_string(expected_seq++) + ",", 0) == 0);
    }
    CHECK(rows == 100);
}

TEST_CASE("export refuses bad input with exit 2 and leaves neither the store nor a file changed") {
    WrittenStore w;
    ss::test::TempDataRoot t("ss-store-export-bad");
    const std::string config = file_of(t, "gateway.ini");
    ss::test::write_export_config(config);
    const std::string before = tree_digest(w.root);
    const std::string out = file_of(t, "x.csv");

    auto r = run_tool({"export", w.root, "--out", out, "--sensor", "host:99"});
    CHECK(r.status == 2);
    CHECK(r.err.find("no sensor host:99") != std::string::npos);
    r = run_tool({"export", w.root, "--dataset", "plant"});
    CHECK(r.status == 2);
    CHECK(r.err.find("--dataset needs --config") != std::string::npos);
    r = run_tool({"export", w.root, "--config", config, "--dataset", "nope", "--out", t.base});
    CHECK(r.status == 2);
    CHECK(r.err.find("no dataset \"nope\"") != std::string::npos);
    r = run_tool({"export", w.root, "--out", out, "--config", file_of(t, "missing.ini")});
    CHECK(r.status == 2);
    CHECK(r.err.find("missing.ini") != std::string::npos);
    r = run_tool({"export", w.root, "--out", out, "--from", "yesterday"});
    CHECK(r.status == 2);
    r = run_tool({"export", file_of(t, "not-a-store"), "--out", out});
    CHECK(r.status == 2);
    CHECK(!std::filesystem::exists(out));

    // An unwritable place: the message names it and no partial file is left.
    const std::string locked = file_of(t, "locked");
    std::filesystem::create_directory(locked);
    ::chmod(locked.c_str(), 0500);
    if (::access(locked.c_str(), W_OK) != 0) { // root may write anyway
        r = run_tool({"export", w.root, "--format", "hdf5", "--out", locked + "/x.h5"});
        CHECK(r.status == 2);
        CHECK(r.err.find(locked) != std::string::npos);
        CHECK(std::filesystem::is_empty(locked));
    }
    ::chmod(locked.c_str(), 0700);

    // An existing file is kept unless --force.
    r = run_tool({"export", w.root, "--out", out});
    REQUIRE(r.status == 0);
    const std::string first = ss::test::slurp(out);
    r = run_tool({"export", w.root, "--out", out, "--sensor", "app:2"});
    CHECK(r.status == 2);
    CHECK(r.err.find("exists") != std::string::npos);
    CHECK(ss::test::slurp(out) == first);
    r = run_tool({"export", w.root, "--out", out, "--sensor", "app:2", "--force"});
    CHECK(r.status == 0);
    CHECK(ss::test::slurp(out) != first);
    CHECK(tree_digest(w.root) == before);
}

TEST_CASE("import refuses a malformed file or a non-empty target with exit 2 and leaves nothing behind") {
    WrittenStore w;
    ss::test::TempDataRoot t("ss-store-import-bad");
    const std::string csv = file_of(t, "all.csv");
    REQUIRE(run_tool({"export", w.root, "--out", csv}).status == 0);

    // Cut off in the middle of a row: the records before it were written, then dropped again.
    const std::string text = ss::test::slurp(csv);
    const std::string cut = file_of(t, "cut.csv");
    {
        std::ofstream f(cut, std::ios::binary);
        f << text.substr(0, text.size() / 2) << "host:1,,garbage\n";
    }
    const std::string into = file_of(t, "into");
    auto r = run_tool({"import", cut, "--into", into});
    CHECK(r.status == 2);
    CHECK(r.err.find("cut.csv") != std::string::npos);
    CHECK(!std::filesystem::exists(into));

    std::filesystem::create_directory(into);
    r = run_tool({"import", cut, "--into", into});
    CHECK(r.status == 2);
    CHECK(std::filesystem::is_empty(into)); // an empty target stays, emptied again

    r = run_tool({"import", csv, "--into", w.root}); // a store: not empty
    CHECK(r.status == 2);
    r = run_tool({"import", file_of(t, "none.h5"), "--into", into});
    CHECK(r.status == 2);
    const std::string odd = file_of(t, "all.txt");
    std::filesystem::copy_file(csv, odd);
    r = run_tool({"import", odd, "--into", into});
    CHECK(r.status == 2);
    CHECK(r.err.find("--format") != std::string::npos);
    r = run_tool({"import", odd, "--format", "csv", "--into", into});
    CHECK(r.status == 0);
}

TEST_CASE("import keeps the sensors' names and metadata beside the data, and export finds them without a config") {
    WrittenStore w;
    ss::test::TempDataRoot t("ss-store-metadata");
    const std::string config = file_of(t, "gateway.ini");
    ss::test::write_export_config(config);
    const std::string first = file_of(t, "first.h5");
    REQUIRE(run_tool({"export", w.root, "--format", "hdf5", "--config", config, "--out", first}).status == 0);
    const std::string into = file_of(t, "imported");
    REQUIRE(run_tool({"--unit-bytes", "256", "import", first, "--into", into}).status == 0);
    CHECK(std::filesystem::exists(into + "/channels.csv"));

    // The same sensor lines (name, unit, ranges, calibration) and the same rows, with or without
    // the config, from the original store and from the imported one.
    auto sensor_lines_and_rows = [&](const std::vector<std::string>& args) {
        const std::string out = file_of(t, "x.csv");
        std::filesystem::remove(out);
        std::vector<std::string> full = {"export"};
        full.insert(full.end(), args.begin(), args.end());
        full.insert(full.end(), {"--out", out});
        const auto r = run_tool(full);
        INFO(r.err);
        REQUIRE(r.status == 0);
        std::vector<std::string> kept;
        for (const std::string& l : ss::test::lines_of(ss::test::slurp(out)))
            if (l.rfind("#file,", 0) != 0) kept.push_back(l); // the creation time differs
        return kept;
    };
    const auto original = sensor_lines_and_rows({w.root, "--config", config});
    CHECK(sensor_lines_and_rows({into}) == original);
    std::size_t described = 0;
    for (const std::string& l : original) described += l.rfind("#sensor,", 0) == 0 && l.find(",metadata,") != std::string::npos;
    CHECK(described == 3);

    // salvage carries the file along.
    const std::string salvaged = file_of(t, "salvaged");
    REQUIRE(run_tool({"salvage", into, "--out", salvaged}).status == 0);
    CHECK(sensor_lines_and_rows({salvaged}) == original);
}
