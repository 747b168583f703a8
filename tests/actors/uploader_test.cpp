// The uploader stage under CAF's test coordinator, against an in-process transport whose
// answers the test scripts: every record is delivered once and in order, a batch is erased only
// once acknowledged, a failed batch is sent again — the same records, the same numbers — after
// the backoff or the receiver's Retry-After, and an outage costs time, never records.
#include "caf_doctest_dsl.hpp"

#include <caf/all.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <span>
#include <tuple>
#include <vector>

#include "ss/actors/storage_flush.hpp"
#include "ss/actors/stage_board.hpp"
#include "ss/actors/storage_host.hpp"
#include "ss/actors/uploader.hpp"
#include "ss/destination_fanout.hpp"
#include "posix/upload/archive_transport.hpp"
#include "posix/upload/destination_cursor_file.hpp"
#include "posix/upload/quarantine.hpp"

using namespace std::chrono_literals;
using ss::hal::UploadBatch;
using ss::hal::UploadOutcome;
using ss::hal::UploadResult;

namespace {

void silent(void*, int, const char*) {}

/// An in-process receiver: answers from a script (acknowledged once the script is empty) and
/// keeps every attempt and every record it acknowledged.
class ScriptedTransport final : public ss::hal::UploadTransport {
public:
    struct Attempt {
        std::uint64_t at_ms;
        std::uint32_t sensor;
        std::uint64_t first_seq;
        std::uint32_t count;
        std::uint32_t first_value;
    };
    explicit ScriptedTransport(caf::scheduler::test_coordinator& sched) : sched_(sched) {}

    UploadResult send(const UploadBatch& b) noexcept override {
        std::uint32_t first_value = 0;
        std::memcpy(&first_value, b.records, sizeof first_value);
        attempts.push_back({ss::actors::actor_clock_ms(sched_.clock().now()), b.sensor_id, b.first_seq, b.count, first_value});
        UploadResult r{UploadOutcome::acknowledged, 0};
        if (down) r = UploadResult{UploadOutcome::retry, 0};
        else if (!script.empty()) {
            r = script.front();
            script.pop_front();
        }
        if (r.outcome == UploadOutcome::acknowledged)
            for (std::uint32_t i = 0; i < b.count; ++i) {
                std::uint32_t v = 0;
                std::memcpy(&v, b.records + std::size_t{i} * 4, 4);
                received[b.sensor_id].emplace_back(b.first_seq + i, v);
            }
        return r;
    }
    /// What it reports on the wire: 100 bytes sent, 300 encoded, per attempt so far.
    ss::hal::WireCounts wire_counts() const noexcept override {
        return ss::hal::WireCounts{100 * attempts.size(), 300 * attempts.size(), 2, 1};
    }

    std::deque<UploadResult> script;
    bool down = false;
    std::vector<Attempt> attempts;
    std::map<std::uint32_t, std::vector<std::pair<std::uint64_t, std::uint32_t>>> received;

private:
    caf::scheduler::test_coordinator& sched_;
};

/// A receiver that takes a group at once (as the archive does) and answers each batch from a
/// script: acknowledged by default, `fail_at` = the position in the group that fails, after
/// which it stops (the rest are not attempted).
class GroupTransport final : public ss::hal::UploadTransport {
public:
    struct Batch {
        std::uint32_t sensor;
        std::uint64_t first_seq;
        std::uint32_t count;
        std::uint32_t first_value;
    };
    UploadResult send(const UploadBatch& b) noexcept override {
        UploadResult r;
        send_many(std::span<const UploadBatch>(&b, 1), std::span<UploadResult>(&r, 1));
        return r;
    }
    std::size_t send_many(std::span<const UploadBatch> batches, std::span<UploadResult> results) noexcept override {
        groups.emplace_back();
        const int fail_at = fails.empty() ? -1 : fails.front();
        if (!fails.empty()) fails.pop_front();
        for (std::size_t i = 0; i < batches.size(); ++i) {
            const UploadBatch& b = batches[i];
            std::uint32_t first_value = 0;
            std::memcpy(&first_value, b.records, sizeof first_value);
            groups.back().push_back({b.sensor_id, b.first_seq, b.count, first_value});
            if (static_cast<int>(i) == fail_at) {
                results[i] = UploadResult{UploadOutcome::retry, 0};
                return i + 1;
            }
            results[i] = UploadResult{UploadOutcome::acknowledged, 0};
            for (std::uint32_t k = 0; k < b.count; ++k) {
                std::uint32_t v = 0;
                std::memcpy(&v, b.records + std::size_t{k} * 4, 4);
                received[b.sensor_id].emplace_back(b.first_seq + k, v);
            }
        }
        return batches.size();
    }
    std::deque<int> fails;
    std::vector<std::vector<Batch>> groups;
    std::map<std::uint32_t, std::vector<std::pair<std::uint64_t, std::uint32_t>>> received;
};

struct fixture : test_coordinator_fixture<> {
    fixture() {
        ss_config_defaults(&storage_cfg, SS_TARGET_LINUX);
        storage_cfg.max_sensors = 3;
        storage_cfg.ram_sector_bytes = 256;
        storage_cfg.ram_pool_bytes = 64 * 256;
        storage_cfg.log = silent;
        auto h = ss::actors::StorageHost::open(storage_cfg, why);
        REQUIRE_MESSAGE(h, why.c_str());
        host = std::move(*h);
        for (std::uint32_t id = 1; id <= 3; ++id) {
            auto s = host->engine().register_sensor(SS_SOURCE_APP, id, ss::RecordType::ts, why);
            REQUIRE(s);
            stores.push_back(*s);
        }
    }
    void add(std::uint32_t sensor, std::uint32_t n) {
        ss::SensorStore& s = *stores[sensor - 1];
        for (std::uint32_t i = 0; i < n; ++i) {
            const std::uint32_t v = sensor * 100'000 + next_value[sensor]++;
            REQUIRE(s.add(host->engine().context(), &v));
        }
    }
    SsSensorStats stats(std::uint32_t sensor) {
        SsSensorStats st{};
        host->engine().stats(*stores[sensor - 1], st);
        return st;
    }
    ss::actors::uploader_actor start(ss::hal::UploadTransport& t, ss::actors::UploaderSettings settings) {
        auto up = sys.spawn(ss::actors::uploader, &host->engine(), &t, settings);
        sched.run();
        return up;
    }
    void step(caf::timespan d = 100ms) {
        CHECK(sched.advance_time(d) == 1u);
        sched.run();
    }
    void stop(const ss::actors::uploader_actor& up) {
        caf::anon_send_exit(up, caf::exit_reason::kill);
        sched.run();
    }

    SsInitCfg storage_cfg{};
    ss::Text why;
    std::unique_ptr<ss::actors::StorageHost> host;
    std::vector<ss::SensorStore*> stores;
    std::map<std::uint32_t, std::uint32_t> next_value;
};

ss::actors::UploaderSettings settings(std::uint32_t batch = 50) {
    ss::actors::UploaderSettings s;
    s.period = caf::timespan{100ms};
    s.batch_records = batch;
    return s;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "every record is delivered once, in order, and erased once acknowledged") {
    ScriptedTransport t(sched);
    add(1, 130);
    add(2, 7);
    add(3, 61);
    auto up = start(t, settings());
    step();
    for (std::uint32_t id = 1; id <= 3; ++id) {
        INFO("sensor " << id);
        const auto& got = t.received[id];
        REQUIRE(got.size() == next_value[id]);
        for (std::size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i].first == i);
            CHECK(got[i].second == id * 100'000 + i);
        }
        CHECK(stats(id).retained == 0);
        CHECK(stats(id).erased == next_value[id]);
    }
    // A batch never spans two sensors or more than batch_records records.
    for (const auto& a : t.attempts) CHECK(a.count <= 50);
    // Records added later go out at the next period.
    add(2, 5);
    step();
    CHECK(t.received[2].size() == 12);
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "a failed batch stays pending and is sent again, the same records, after the backoff") {
    ScriptedTransport t(sched);
    t.script = {{UploadOutcome::retry, 0}, {UploadOutcome::retry, 0}};
    add(1, 30);
    auto up = start(t, settings());
    const std::uint64_t t0 = ss::actors::actor_clock_ms(sched.clock().now());
    step();
    REQUIRE(t.attempts.size() == 1);
    CHECK(stats(1).pending == 30); // handed out, not erased
    CHECK(stats(1).retained == 30);
    // Full jitter: the second attempt comes within [0, 1 s) of the failure, the third within
    // [0, 2 s) of the second; nothing else goes out meanwhile.
    for (int i = 0; i < 40 && t.attempts.size() < 3; ++i) step();
    REQUIRE(t.attempts.size() == 3);
    CHECK(t.attempts[1].at_ms - t.attempts[0].at_ms <= 1'000 + 100);
    CHECK(t.attempts[2].at_ms - t.attempts[1].at_ms <= 2'000 + 100);
    for (const auto& a : t.attempts) {
        CHECK(a.sensor == 1);
        CHECK(a.first_seq == 0);
        CHECK(a.count == 30);
        CHECK(a.first_value == 100'000);
    }
    CHECK(t.attempts[0].at_ms == t0 + 100);
    // The third attempt was acknowledged: erased, delivered once.
    CHECK(stats(1).retained == 0);
    CHECK(t.received[1].size() == 30);
    ss::actors::UploadStats us = deref<ss::actors::uploader_actor::stateful_base<ss::actors::UploaderState>>(up).state.stats;
    CHECK(us.batches_sent == 3);
    CHECK(us.retries == 2);
    CHECK(us.batches_acked == 1);
    CHECK(us.records_acked == 30);
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "batches of several sensors go out as one group; a failure keeps that batch and the rest") {
    GroupTransport t;
    t.fails = {-1, 1}; // the first group goes through; in the second, sensor 2's batch fails
    add(1, 80);
    add(2, 80);
    add(3, 80);
    auto settings_3 = settings(50);
    settings_3.batches_per_send = 3;
    auto up = start(t, settings_3);
    // batches_per_tick (64) allows both groups in one tick: 50 of each, then 30 of each.
    step();
    REQUIRE(t.groups.size() == 2);
    REQUIRE(t.groups[0].size() == 3);
    for (std::uint32_t k = 0; k < 3; ++k) {
        CHECK(t.groups[0][k].sensor == k + 1);
        CHECK(t.groups[0][k].first_seq == 0);
        CHECK(t.groups[0][k].count == 50);
        CHECK(t.groups[0][k].first_value == (k + 1) * 100'000);
    }
    REQUIRE(t.groups[1].size() == 2); // sensor 3's batch was not attempted after sensor 2's failed
    CHECK(stats(1).retained == 0);    // acknowledged in the second group: erased
    CHECK(stats(2).pending == 30);    // failed: kept pending
    CHECK(stats(3).pending == 30);    // not attempted: kept pending too
    // After the backoff the same two batches go again, and nothing new overtakes them.
    add(1, 10);
    for (int i = 0; i < 20 && t.groups.size() < 3; ++i) step();
    REQUIRE(t.groups.size() >= 3);
    REQUIRE(t.groups[2].size() == 2);
    CHECK((t.groups[2][0].sensor == 2 && t.groups[2][0].first_seq == 50 && t.groups[2][0].count == 30));
    CHECK((t.groups[2][1].sensor == 3 && t.groups[2][1].first_seq == 50 && t.groups[2][1].count == 30));
    for (int i = 0; i < 3; ++i) step();
    // Every record once, in order, per sensor.
    for (std::uint32_t sensor = 1; sensor <= 3; ++sensor) {
        const auto& got = t.received[sensor];
        REQUIRE(got.size() == (sensor == 1 ? 90u : 80u));
        for (std::size_t i = 0; i < got.size(); ++i) {
            CHECK(got[i].first == i);
            CHECK(got[i].second == sensor * 100'000 + i);
        }
        CHECK(stats(sensor).retained == 0);
    }
    auto us = deref<ss::actors::uploader_actor::stateful_base<ss::actors::UploaderState>>(up).state.stats;
    CHECK(us.retries == 1);
    CHECK(us.batches_acked == 7); // 3 + 1 + 2 + sensor 1's last 10
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "the receiver's Retry-After is honoured when it asks for longer than the backoff") {
    ScriptedTransport t(sched);
    t.script = {{UploadOutcome::retry, 5'000}};
    add(3, 10);
    auto up = start(t, settings());
    step();
    REQUIRE(t.attempts.size() == 1);
    for (int i = 0; i < 49; ++i) step();
    CHECK(t.attempts.size() == 1); // 4.9 s later: still waiting
    step();
    REQUIRE(t.attempts.size() == 2);
    CHECK(t.attempts[1].at_ms - t.attempts[0].at_ms == 5'000);
    CHECK(stats(3).retained == 0);
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "an outage of ten minutes costs time, never records: everything arrives once after it") {
    ScriptedTransport t(sched);
    t.down = true;
    auto up = start(t, settings(40));
    for (int i = 0; i < 6'000; ++i) { // ten minutes of 100 ms periods, records arriving meanwhile
        if (i % 50 == 0) add(1 + static_cast<std::uint32_t>(i / 50) % 3, 9);
        step();
    }
    CHECK(t.received.empty());
    // The backoff grew but stayed under its cap: attempts are few, not one a period.
    CHECK(t.attempts.size() < 40);
    t.down = false;
    for (int i = 0; i < 3'100 && (stats(1).retained + stats(2).retained + stats(3).retained) != 0; ++i) step();
    for (std::uint32_t id = 1; id <= 3; ++id) {
        INFO("sensor " << id);
        CHECK(stats(id).retained == 0);
        const auto& got = t.received[id];
        REQUIRE(got.size() == next_value[id]);
        for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].first == i);
    }
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "through the local archive transport every record lands in the archive once") {
    char tmpl[] = "/tmp/ss-uploader-archive-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    const std::string dir = std::string(tmpl) + "/archive";
    {
        ss::hal::ArchiveTransport archive({dir, 600});
        add(1, 130);
        add(2, 40);
        auto up = sys.spawn(ss::actors::uploader, &host->engine(), static_cast<ss::hal::UploadTransport*>(&archive),
                            settings(32));
        sched.run();
        step();
        CHECK(stats(1).retained == 0);
        CHECK(stats(2).retained == 0);
        stop(up);
    }
    // Every line names its batch; the batches of each sensor cover its records exactly once.
    std::vector<std::tuple<unsigned, unsigned long long, unsigned>> batches; // sensor, first, count
    std::size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        ++files;
        std::ifstream in(e.path());
        for (std::string l; std::getline(in, l);) {
            unsigned sensor = 0, count = 0;
            unsigned long long first = 0;
            REQUIRE(std::sscanf(l.c_str(), "{\"key\":\"app:%u:%llu:%u\"", &sensor, &first, &count) == 3);
            batches.emplace_back(sensor, first, count);
        }
    }
    CHECK(files > 1); // it rotated
    std::sort(batches.begin(), batches.end());
    std::map<unsigned, unsigned long long> next;
    for (const auto& [sensor, first, count] : batches) {
        CHECK(first == next[sensor]); // no gap, no overlap
        next[sensor] += count;
    }
    CHECK(next[1] == 130);
    CHECK(next[2] == 40);
    std::filesystem::remove_all(tmpl);
}

namespace {

/// A receiver that refuses batches larger than `max_records` with 413, and refuses for good
/// (a 4xx) any batch holding a record equal to `poison`.
class PickyTransport final : public ss::hal::UploadTransport {
public:
    UploadResult send(const UploadBatch& b) noexcept override {
        attempts.push_back({b.first_seq, b.count});
        if (b.count > max_records) return UploadResult{UploadOutcome::too_large, 0, 413};
        for (std::uint32_t i = 0; i < b.count; ++i) {
            std::uint32_t v = 0;
            std::memcpy(&v, b.records + std::size_t{i} * 4, 4);
            if (v == poison) return UploadResult{UploadOutcome::rejected, 0, 422};
        }
        for (std::uint32_t i = 0; i < b.count; ++i) {
            std::uint32_t v = 0;
            std::memcpy(&v, b.records + std::size_t{i} * 4, 4);
            received.emplace_back(b.first_seq + i, v);
        }
        return UploadResult{UploadOutcome::acknowledged, 0};
    }
    std::uint32_t max_records = ~0u;
    std::uint32_t poison = ~0u;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> attempts; // first_seq, count
    std::vector<std::pair<std::uint64_t, std::uint32_t>> received; // seq, value
};

} // namespace

TEST_CASE_FIXTURE(fixture, "a batch too large for the receiver is sent again in halves; each part is erased once acknowledged") {
    PickyTransport t;
    t.max_records = 12;
    add(1, 50);
    auto up = start(t, settings(50));
    step();
    // 50 refused, 25 refused, 12 taken; the rest goes on in parts of at most 12, in order.
    REQUIRE(t.attempts.size() >= 3);
    CHECK(t.attempts[0] == std::make_pair(std::uint64_t{0}, 50u));
    CHECK(t.attempts[1] == std::make_pair(std::uint64_t{0}, 25u));
    CHECK(t.attempts[2] == std::make_pair(std::uint64_t{0}, 12u));
    REQUIRE(t.received.size() == 50);
    for (std::size_t i = 0; i < t.received.size(); ++i) {
        CHECK(t.received[i].first == i);
        CHECK(t.received[i].second == 100'000 + i);
    }
    CHECK(stats(1).retained == 0);
    const auto& st = deref<ss::actors::uploader_actor::stateful_base<ss::actors::UploaderState>>(up).state;
    CHECK(st.quarantined.splits == 2);
    CHECK(st.stats.records_acked == 50);
    CHECK(st.stats.retries == 0); // a 413 is not an outage: no backoff
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "a batch refused for good goes to the quarantine; the records behind it flow on") {
    char tmpl[] = "/tmp/ss-uploader-quarantine-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    {
        ss::hal::Quarantine quarantine(tmpl);
        REQUIRE(quarantine.status() == 0);
        PickyTransport t;
        t.poison = 100'000 + 17; // sensor 1's record 17
        add(1, 40);
        auto s = settings(10);
        s.quarantine = &quarantine;
        // The engine's UTC clock (a host's SsClockOps here), not the machine's: 2031-01-01.
        constexpr std::uint64_t host_utc_us = 1'924'992'000'000'000;
        ss::port::Clock clock = host->engine().clock();
        clock.utc_us = [](void*) { return host_utc_us; };
        host->engine().set_clock(clock);
        auto up = start(t, s);
        step();
        // Batches of 10: [10, 20) is refused and quarantined; everything else is delivered.
        CHECK(t.received.size() == 30);
        CHECK(stats(1).retained == 0);
        REQUIRE(quarantine.entries().size() == 1);
        const auto e = quarantine.entries().front();
        CHECK(e.batch.first_seq == 10);
        CHECK(e.batch.count == 10);
        CHECK(e.reason == 422);
        CHECK(e.quarantined_at_ms == host_utc_us / 1000); // UTC, as the operator reads it
        const auto& st = deref<ss::actors::uploader_actor::stateful_base<ss::actors::UploaderState>>(up).state;
        CHECK(st.quarantined.batches == 1);
        CHECK(st.quarantined.records == 10);
        // Released by an operator, it is sent again: refused again, it stays; the receiver
        // accepting it is the release's business (Quarantine), not the store's.
        std::vector<std::byte> buffer;
        std::string file;
        REQUIRE(quarantine.release(e.file));
        auto again = quarantine.next_released(buffer, file);
        REQUIRE(again);
        std::uint32_t first_value = 0;
        std::memcpy(&first_value, again->records, 4);
        CHECK(first_value == 100'010);
        stop(up);
    }
    std::filesystem::remove_all(tmpl);
}

TEST_CASE_FIXTURE(fixture, "without a quarantine a refused batch is kept and retried, never erased") {
    PickyTransport t;
    t.poison = 100'000 + 3;
    add(1, 20);
    auto up = start(t, settings(10));
    for (int i = 0; i < 5; ++i) step();
    CHECK(t.received.empty()); // [0, 10) is refused; nothing overtakes it
    CHECK(stats(1).retained == 20);
    CHECK(stats(1).pending == 10);
    const auto& st = deref<ss::actors::uploader_actor::stateful_base<ss::actors::UploaderState>>(up).state;
    CHECK(st.quarantined.unkept >= 1);
    CHECK(st.stats.records_acked == 0);
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "the transport's wire counts reach the stage board each period") {
    ScriptedTransport t(sched);
    ss::actors::StageBoard board;
    add(1, 120);
    auto s = settings(50);
    s.board = &board;
    auto up = start(t, s);
    step();
    REQUIRE(t.attempts.size() == 3); // 50 + 50 + 20
    const ss::hal::WireCounts w = board.wire();
    CHECK(w.bytes_sent == 300);
    CHECK(w.bytes_encoded == 900);
    CHECK(w.tls_errors == 2);
    CHECK(w.compression_errors == 1);
    stop(up);
}

TEST_CASE_FIXTURE(fixture, "two destinations: each uploader sends every record through its own cursor; a dead one holds "
                           "up nothing but the erasing, and its records go once it has them too") {
    ss::DestinationFanout fanout;
    std::vector<ss::DestinationCursor> cursors(ss::DestinationFanout::cursors_needed(3, 2));
    std::vector<std::byte> scratch(64 * ss::sector::evt_record_bytes);
    REQUIRE(fanout.init(host->engine(), 2, 3, cursors.data(), cursors.size(), scratch.data(), scratch.size(),
                        ss::port::LockOps{}, nullptr));
    const auto dir = std::filesystem::temp_directory_path() / ("ss-two-destinations-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    ss::hal::DestinationCursorFile live_file(dir.string(), "live");
    ScriptedTransport live(sched), archive(sched);
    archive.down = true;
    ss::actors::StageBoard board;
    auto for_destination = [&](std::uint32_t d, const char* name, ss::hal::DestinationCursorFile* file) {
        ss::actors::UploaderSettings s = settings();
        s.fanout = &fanout;
        s.destination = d;
        s.destination_name = name;
        s.cursor_file = file;
        s.board = &board;
        s.backoff_cap_ms = 2'000;
        return s;
    };
    add(1, 130);
    add(3, 61);
    auto up_live = sys.spawn(ss::actors::uploader, &host->engine(), &live, for_destination(0, "live", &live_file));
    auto up_archive = sys.spawn(ss::actors::uploader, &host->engine(), &archive, for_destination(1, "archive", nullptr));
    sched.run();
    const auto advance = [&](caf::timespan d) {
        sched.advance_time(d);
        sched.run();
    };
    for (int i = 0; i < 12; ++i) advance(100ms);
    // The live destination has everything, in order; the archive nothing, and nothing is erased.
    for (std::uint32_t id : {1u, 3u}) {
        INFO("sensor " << id);
        REQUIRE(live.received[id].size() == next_value[id]);
        for (std::size_t i = 0; i < live.received[id].size(); ++i) CHECK(live.received[id][i].second == id * 100'000 + i);
        CHECK(archive.received[id].empty());
        CHECK(stats(id).retained == next_value[id]);
        CHECK(fanout.cursor(0, *stores[id - 1]).acked_seq == next_value[id]);
        CHECK(fanout.cursor(1, *stores[id - 1]).acked_seq == 0);
    }
    CHECK(archive.attempts.size() >= 2); // it kept trying, at its own backoff
    // The live destination's cursors reached its file (at most a second after they moved).
    std::uint64_t damaged = 0;
    const auto saved = ss::hal::DestinationCursorFile(dir.string(), "live").load(damaged);
    CHECK(damaged == 0);
    CHECK(saved.at({SS_SOURCE_APP, 1}) == 130);
    CHECK(saved.at({SS_SOURCE_APP, 3}) == 61);
    // Each destination's figures on the board, by name.
    const auto per = board.destinations();
    REQUIRE(per.size() == 2);
    CHECK(per[1].name == "live");
    CHECK(per[1].upload.records_acked == 191);
    CHECK(per[0].name == "archive");
    CHECK(per[0].upload.records_acked == 0);
    CHECK(per[0].upload.retries > 0);
    CHECK(board.upload().records_acked == 191);
    // The archive comes back: it gets every record, and only now are they erased.
    archive.down = false;
    for (int i = 0; i < 40 && stats(1).retained + stats(3).retained != 0; ++i) advance(100ms);
    for (std::uint32_t id : {1u, 3u}) {
        INFO("sensor " << id);
        REQUIRE(archive.received[id].size() == next_value[id]);
        for (std::size_t i = 0; i < archive.received[id].size(); ++i) CHECK(archive.received[id][i].first == i);
        CHECK(stats(id).retained == 0);
        CHECK(stats(id).erased == next_value[id]);
        CHECK(live.received[id].size() == next_value[id]); // nothing went twice to the live one
    }
    caf::anon_send_exit(up_live, caf::exit_reason::kill);
    caf::anon_send_exit(up_archive, caf::exit_reason::kill);
    sched.run();
    fanout.deinit();
    std::filesystem::remove_all(dir);
}
