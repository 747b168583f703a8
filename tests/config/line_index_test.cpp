// The line pass over a config file: the line of every section and key at any depth, repeated keys
// and sections, and values that look like syntax (quoted ';', '[', '{', '=') left alone.
#include <doctest/doctest.h>

#include <string>

#include "ss/config/line_index.hpp"

using ss::config::deepest_nesting;
using ss::config::LineIndex;
using ss::config::parent_path;

TEST_CASE("line index: sections, keys and their lines") {
    const LineIndex idx("; a comment [not] a = section\n"
                        "[system]\n"
                        "max_sensors = 10 ; trailing comment\n"
                        "\n"
                        "tick=100ms\n"
                        "[scheduler]\n"
                        "policy = 'sharing'\n"
                        "max-threads = 2\n");
    CHECK_FALSE(idx.repeat());
    CHECK(idx.line_of("system") == 2);
    CHECK(idx.line_of("system.max_sensors") == 3);
    CHECK(idx.line_of("system.tick") == 5);
    CHECK(idx.line_of("scheduler.max-threads") == 8);
    // Not written: the nearest written ancestor, or 0.
    CHECK(idx.line_of("system.disk_root") == 2);
    CHECK(idx.line_of("system.tick.deeper[3].x") == 5);
    CHECK(idx.line_of("http.port") == 0);
    CHECK(idx.size() == 6);
}

TEST_CASE("line index: keys of [global] are top-level names, as CAF reads them") {
    const LineIndex idx("top = 1\n[global]\nconfig-file = \"x\"\n[system]\ntick = 1s\n");
    CHECK(idx.line_of("top") == 1);
    CHECK(idx.line_of("config-file") == 3);
    CHECK(idx.line_of("global.config-file") == 2); // only the header is under "global"
    CHECK(idx.line_of("system.tick") == 5);
}

TEST_CASE("line index: maps and lists over several lines, at any depth") {
    const LineIndex idx("[chains]\n"
                        "vib = {\n"
                        "  stages = [\n"
                        "    { kind = \"moving_average\", window = 8 },\n"
                        "    { kind = 'decimate',\n"
                        "      factor = 50 }\n"
                        "  ]\n"
                        "  summarize = true\n"
                        "}\n"
                        "temp { stages = [] }\n"
                        "[datasets]\n"
                        "ds = { sensors = [\"a\",\n"
                        "  \"b\"], metadata = { site = \"x\" } }\n");
    CHECK_FALSE(idx.repeat());
    CHECK(idx.line_of("chains.vib") == 2);
    CHECK(idx.line_of("chains.vib.stages") == 3);
    CHECK(idx.line_of("chains.vib.stages[0]") == 4);
    CHECK(idx.line_of("chains.vib.stages[0].window") == 4);
    CHECK(idx.line_of("chains.vib.stages[1]") == 5);
    CHECK(idx.line_of("chains.vib.stages[1].kind") == 5);
    CHECK(idx.line_of("chains.vib.stages[1].factor") == 6);
    CHECK(idx.line_of("chains.vib.summarize") == 8);
    CHECK(idx.line_of("chains.temp") == 10); // CAF's short form "key { ... }"
    CHECK(idx.line_of("chains.temp.stages") == 10);
    CHECK(idx.line_of("datasets.ds.sensors[0]") == 12);
    CHECK(idx.line_of("datasets.ds.sensors[1]") == 13);
    CHECK(idx.line_of("datasets.ds.metadata.site") == 13);
}

TEST_CASE("line index: quoted text and comments are skipped, not read as syntax") {
    const LineIndex idx("[datasets]\n"
                        "a = { description = \"x; y = [ { \\\" } ] = z\", id = \"1\" }\n"
                        "b = { description = \"line\\nbreak\" } ; c = { d = 1 }\n"
                        "[sources]\n"
                        "s = { kind = 'sim_adc', bus = 'a b' } ; [fake]\n"
                        "[sensors]\n"
                        "t = { unit = \"[\", source = \"{\" }\n");
    CHECK_FALSE(idx.repeat());
    CHECK(idx.line_of("datasets.a.id") == 2);
    CHECK(idx.line_of("datasets.b") == 3);
    CHECK(idx.line_of("datasets.c") == 1);  // only a comment writes c: it is no key,
    CHECK(idx.line_of("datasets.b.description") == 3);
    CHECK(idx.size() == 14);                // 3 sections and 11 keys, none from the comments
    CHECK(idx.line_of("sources.s.bus") == 5);
    CHECK(idx.line_of("fake") == 0);
    CHECK(idx.line_of("sensors.t.source") == 7);
}

TEST_CASE("line index: a key or section written twice is reported with both lines") {
    SUBCASE("a key in one section") {
        const LineIndex idx("[system]\nmax_sensors = 1\ntick = 1s\nmax_sensors = 2\n");
        REQUIRE(idx.repeat());
        CHECK(idx.repeat()->path == "system.max_sensors");
        CHECK(idx.repeat()->line == 4);
        CHECK(idx.repeat()->first_line == 2);
        CHECK_FALSE(idx.repeat()->section);
    }
    SUBCASE("a section") {
        const LineIndex idx("[system]\ntick = 1s\n[http]\nport = 1\n[system]\nmax_sensors = 2\n");
        REQUIRE(idx.repeat());
        CHECK(idx.repeat()->path == "system");
        CHECK(idx.repeat()->line == 5);
        CHECK(idx.repeat()->first_line == 1);
        CHECK(idx.repeat()->section);
    }
    SUBCASE("a key inside a map") {
        const LineIndex idx("[sources]\nadc = { kind = 'sim_adc',\n  rate = 10, rate = 20 }\n");
        REQUIRE(idx.repeat());
        CHECK(idx.repeat()->path == "sources.adc.rate");
        CHECK(idx.repeat()->line == 3);
        CHECK(idx.repeat()->first_line == 3);
    }
    SUBCASE("a sensor entry") {
        const LineIndex idx("[sensors]\nvib = { id = 1 }\ntemp = { id = 2 }\nvib = { id = 3 }\n");
        REQUIRE(idx.repeat());
        CHECK(idx.repeat()->path == "sensors.vib");
        CHECK(idx.repeat()->line == 4);
    }
    SUBCASE("an entry given as a key and as a nested [section.entry]") {
        const LineIndex idx("[sources]\nadc = { kind = 'sim_adc' }\n[sources.adc]\nrate = 5\n");
        REQUIRE(idx.repeat());
        CHECK(idx.repeat()->path == "sources.adc");
        CHECK(idx.repeat()->line == 3);
    }
    SUBCASE("the same key in different sections, maps or list elements is no repeat") {
        const LineIndex idx("[system]\ntick = 1s\n[daemon]\ntick = 1s\n[chains]\n"
                            "c = { stages = [ { kind = 'decimate' }, { kind = 'decimate' } ] }\n"
                            "d = { stages = [ { kind = 'decimate' } ] }\n");
        CHECK_FALSE(idx.repeat());
    }
}

TEST_CASE("line index: text CAF would refuse still ends the scan") {
    // Unterminated string, list and map; stray characters; a lone '['.
    for (const char* text : {"[a]\nx = \"open\n", "[a]\nx = [1, 2\n", "[a]\nx = { y = \n", "@@@ = = ]] }}\n", "[",
                             "[a]\nx = '\n", "[a]\nx = <uri\n", "{ { [ [ ;\n"}) {
        INFO(text);
        const LineIndex idx(text);
        CHECK(idx.size() <= 4);
    }
}

TEST_CASE("parent_path strips one step") {
    CHECK(parent_path("a.b[2].c") == "a.b[2]");
    CHECK(parent_path("a.b[2]") == "a.b");
    CHECK(parent_path("a.b") == "a");
    CHECK(parent_path("a") == "");
    CHECK(parent_path("") == "");
}

TEST_CASE("nesting depth: brackets and braces outside quoted text and comments") {
    CHECK(deepest_nesting("").depth == 0);
    CHECK(deepest_nesting("[system]\ntick = 1s\n").depth == 1); // a header is one level
    const auto chain = deepest_nesting("[chains]\nc = { stages = [\n  { kind = 'decimate' } ] }\n");
    CHECK(chain.depth == 3);
    CHECK(chain.line == 3);
    CHECK(deepest_nesting("[d]\nx = { a = \"[[[{{{\\\"[[[\", b = '[[[' } ; [[[[[[\n").depth == 1);
    // Unbalanced closers do not go below 0; an unterminated string ends at its line.
    CHECK(deepest_nesting("]]]}}} [ [\n").depth == 2);
    CHECK(deepest_nesting("x = \"[[[\n[[[[\n").depth == 4);
    const std::string deep = "[a]\nx = " + std::string(100'000, '[') + std::string(100'000, ']') + "\n";
    CHECK(deepest_nesting(deep).depth == 100'000);
}
