// /health's JSON: its shape (read back by a strict JSON reader), its verdict, and strings that
// survive the round trip whatever they hold.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "daemon/health_json.hpp"
#include "daemon/sample_snapshot.hpp"
#include "support/json_reader.hpp"

using ss::test::JsonValue;

namespace {

JsonValue parse_or_fail(const std::string& text) {
    auto document = ss::test::parse_json(text);
    REQUIRE_MESSAGE(document.has_value(), (document ? std::string() : document.error()) << " in " << text);
    return *document;
}

const JsonValue& member(const JsonValue& object, const char* key) {
    const JsonValue* v = object.find(key);
    REQUIRE_MESSAGE(v != nullptr, "no member " << key);
    return *v;
}

std::vector<std::string> strings_of(const JsonValue& array) {
    std::vector<std::string> out;
    for (const auto& item : array.items) {
        REQUIRE(item.kind == JsonValue::Kind::string);
        out.push_back(item.string);
    }
    return out;
}

} // namespace

TEST_CASE("a healthy snapshot: every field, in order, with the snapshot's values") {
    const auto snapshot = ss::test::sample_snapshot(4);
    const std::string text = ss::daemon::render_health_json(snapshot);
    CHECK(text.ends_with("}\n"));
    const JsonValue doc = parse_or_fail(text);
    REQUIRE(doc.kind == JsonValue::Kind::object);
    CHECK(doc.keys == std::vector<std::string>{"status", "gateway", "uptime_s", "problems", "health_flags", "sensors",
                                               "records_retained", "ram_used_pct", "disk_bytes_used",
                                               "oldest_unsent_age_s", "upload"});
    CHECK(ss::daemon::health_ok(snapshot));
    CHECK(member(doc, "status").string == "ok");
    CHECK(member(doc, "gateway").string == "gw-hall-7");
    CHECK(member(doc, "uptime_s").number == doctest::Approx(3723.456));
    CHECK(member(doc, "problems").kind == JsonValue::Kind::array);
    CHECK(member(doc, "problems").items.empty());
    CHECK(strings_of(member(doc, "health_flags")) == std::vector<std::string>{"corruption"});
    CHECK(member(doc, "sensors").number == 4);
    CHECK(member(doc, "records_retained").number == static_cast<double>(snapshot.system.records_retained));
    CHECK(member(doc, "ram_used_pct").number == snapshot.system.ram_used_pct);
    CHECK(member(doc, "disk_bytes_used").number == 123456789);
    CHECK(member(doc, "oldest_unsent_age_s").number == doctest::Approx(1.53));
    const JsonValue& upload = member(doc, "upload");
    CHECK(upload.keys == std::vector<std::string>{"batches_sent", "batches_acked", "records_acked", "retries"});
    CHECK(member(upload, "batches_sent").number == 4210);
    CHECK(member(upload, "batches_acked").number == 4200);
    CHECK(member(upload, "records_acked").number == 1075200);
    CHECK(member(upload, "retries").number == 10);
}

TEST_CASE("an unhealthy snapshot is degraded and lists its problems and flags") {
    auto snapshot = ss::test::sample_snapshot(2);
    snapshot.healthy = false;
    snapshot.problems = {"disk writes keep failing", "stage \"uploader\" restarted 3 times"};
    snapshot.system.health_flags = SS_HEALTH_DROPPING | SS_HEALTH_DISK_FULL | 0x80000000u;
    CHECK_FALSE(ss::daemon::health_ok(snapshot));
    const JsonValue doc = parse_or_fail(ss::daemon::render_health_json(snapshot));
    CHECK(member(doc, "status").string == "degraded");
    CHECK(strings_of(member(doc, "problems")) == snapshot.problems);
    CHECK(strings_of(member(doc, "health_flags")) == std::vector<std::string>{"dropping", "disk_full", "bit31"});
}

TEST_CASE("sticky core flags alone do not make the status degraded") {
    auto snapshot = ss::test::sample_snapshot(1);
    snapshot.system.health_flags = SS_HEALTH_CORRUPTION | SS_HEALTH_DROPPING;
    CHECK(ss::daemon::health_ok(snapshot));
    CHECK(member(parse_or_fail(ss::daemon::render_health_json(snapshot)), "status").string == "ok");
}

TEST_CASE("strings survive the round trip: quotes, backslashes, control characters, UTF-8") {
    auto snapshot = ss::test::sample_snapshot(1);
    std::string every_control;
    for (char c = 1; c < 0x20; ++c) every_control += c;
    snapshot.gateway = "gw \"7\" \\ / \t tab\nnewline Grüße 漢字 \xF0\x9F\x8C\xA1";
    snapshot.problems = {every_control, std::string("nul \0 inside", 12), "\x7F del"};
    const std::string text = ss::daemon::render_health_json(snapshot);
    const JsonValue doc = parse_or_fail(text);
    CHECK(member(doc, "gateway").string == snapshot.gateway);
    CHECK(strings_of(member(doc, "problems")) == snapshot.problems);
    // The exact spellings JSON requires.
    CHECK(text.find(R"("gw \"7\" \\ / \t tab\nnewline Grüße 漢字 )") != std::string::npos);
    CHECK(text.find(R"(\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e)") != std::string::npos);
    CHECK(text.find(R"(nul \u0000 inside)") != std::string::npos);
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD, so the document stays JSON") {
    auto snapshot = ss::test::sample_snapshot(1);
    snapshot.gateway = "gw\xC0\xAF-\xED\xA0\x80-\xF4\x90\x80\x80-\xE2\x82";
    const JsonValue doc = parse_or_fail(ss::daemon::render_health_json(snapshot));
    const std::string r = "\xEF\xBF\xBD";
    CHECK(member(doc, "gateway").string == "gw" + r + r + "-" + r + r + r + "-" + r + r + r + r + "-" + r + r);
}

TEST_CASE("an empty snapshot is still a complete document") {
    const JsonValue doc = parse_or_fail(ss::daemon::render_health_json(ss::actors::RuntimeSnapshot{}));
    CHECK(doc.keys.size() == 11);
    CHECK(member(doc, "oldest_unsent_age_s").number == 0);
    CHECK(member(doc, "gateway").string.empty());
}
