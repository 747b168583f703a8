// Bad input to every function of the public C API. The header promises: bad input returns the
// documented negative errno value and "never changes any state". So each call in the tables
// below is checked twice: for its exact return code, and for an unchanged snapshot of everything
// the API lets a caller observe (system figures, every sensor's figures and every retained
// record, read with ss_diag_read_at, which moves no cursor). Calls that have output parameters
// also check that a refused call left the caller's memory alone. At the end of each test the
// records still unsent are consumed and compared with what was added.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "c_api/bad_input_raw.h"
#include "ss/sensor_storage.h"

namespace {

// ---- helpers -------------------------------------------------------------------------------------

// Caller memory filled with a pattern, to see whether a refused call wrote to it.
template <std::size_t N>
struct Canary {
    alignas(8) unsigned char bytes[N];
    Canary() { std::memset(bytes, 0xA5, N); }
    template <class T>
    T* as() {
        static_assert(sizeof(T) <= N);
        return reinterpret_cast<T*>(bytes);
    }
    bool untouched() const {
        return std::all_of(std::begin(bytes), std::end(bytes), [](unsigned char b) { return b == 0xA5; });
    }
};

struct LogCapture {
    struct Line {
        int level;
        std::string msg;
    };
    std::vector<Line> lines;
};

void capture_log(void* ctx, int level, const char* msg) {
    static_cast<LogCapture*>(ctx)->lines.push_back({level, msg});
}

bool error_names(const char* knob) { return std::string(ss_last_error()).find(knob) != std::string::npos; }

// Everything a caller can observe about the running system and the given sensors.
struct Snapshot {
    int sys_rc = 0;
    SsSystemStats sys{};
    std::vector<int> stats_rc;
    std::vector<SsSensorStats> stats;
    std::vector<std::vector<std::array<unsigned char, sizeof(SsEventRecord)>>> records;
};

Snapshot take(const std::vector<SensorStore*>& handles) {
    Snapshot s;
    s.sys_rc = ss_get_system_stats(&s.sys);
    for (SensorStore* h : handles) {
        SsSensorStats st{};
        s.stats_rc.push_back(ss_get_sensor_stats(h, &st));
        s.stats.push_back(st);
        std::uint64_t total = 0;
        auto& recs = s.records.emplace_back();
        if (ss_get_total_records(h, &total) != 0) continue;
        for (std::uint64_t i = 0; i < total; ++i) {
            std::array<unsigned char, sizeof(SsEventRecord)> r{};
            CHECK(ss_diag_read_at(h, i, r.data()) == 0);
            recs.push_back(r);
        }
    }
    return s;
}

// Empty if a and b are the same; else what differs.
std::string diff(const Snapshot& a, const Snapshot& b) {
    std::string d;
    auto field = [&](const std::string& where, const char* name, std::uint64_t x, std::uint64_t y) {
        if (x != y) d += where + name + ": " + std::to_string(x) + " -> " + std::to_string(y) + "; ";
    };
    field("system ", "rc", static_cast<std::uint64_t>(a.sys_rc), static_cast<std::uint64_t>(b.sys_rc));
#define SS_SYS_FIELD(f) field("system ", #f, a.sys.f, b.sys.f);
    SS_SYS_FIELD(sensors) SS_SYS_FIELD(max_sensors) SS_SYS_FIELD(sectors_total) SS_SYS_FIELD(sectors_free)
    SS_SYS_FIELD(sectors_free_min) SS_SYS_FIELD(sector_bytes) SS_SYS_FIELD(ram_used_pct)
    SS_SYS_FIELD(records_retained) SS_SYS_FIELD(dropped_new) SS_SYS_FIELD(dropped_recycled)
    SS_SYS_FIELD(dropped_corrupt) SS_SYS_FIELD(corrupt_sectors) SS_SYS_FIELD(health_flags) SS_SYS_FIELD(arena_bytes)
    SS_SYS_FIELD(write_verify_failures)
#undef SS_SYS_FIELD
    for (std::size_t i = 0; i < a.stats.size() && i < b.stats.size(); ++i) {
        const std::string where = "sensor #" + std::to_string(i) + " ";
        const SsSensorStats& x = a.stats[i];
        const SsSensorStats& y = b.stats[i];
        field(where, "rc", static_cast<std::uint64_t>(a.stats_rc[i]), static_cast<std::uint64_t>(b.stats_rc[i]));
#define SS_SENSOR_FIELD(f) field(where, #f, x.f, y.f);
        SS_SENSOR_FIELD(sensor_id) SS_SENSOR_FIELD(source) SS_SENSOR_FIELD(type) SS_SENSOR_FIELD(retained)
        SS_SENSOR_FIELD(pending) SS_SENSOR_FIELD(unsent) SS_SENSOR_FIELD(next_seq) SS_SENSOR_FIELD(head_seq)
        SS_SENSOR_FIELD(pending_seq) SS_SENSOR_FIELD(written) SS_SENSOR_FIELD(erased) SS_SENSOR_FIELD(dropped_new)
        SS_SENSOR_FIELD(dropped_recycled) SS_SENSOR_FIELD(dropped_corrupt) SS_SENSOR_FIELD(corrupt_sectors)
        SS_SENSOR_FIELD(sectors) SS_SENSOR_FIELD(write_verify_failures) SS_SENSOR_FIELD(verify_level)
#undef SS_SENSOR_FIELD
        if (a.records[i] != b.records[i]) d += where + "retained records differ; ";
    }
    return d;
}

// One row of a bad-input table: what is called, and the return code the header promises.
struct Call {
    std::string what;
    int expected;
    std::function<int()> run;
};

// Runs each call between two snapshots: the return code must be the promised one and nothing
// the API can observe may have changed.
void run_table(const std::vector<Call>& calls, const std::function<Snapshot()>& observe) {
    for (const Call& c : calls) {
        INFO(c.what);
        const Snapshot before = observe();
        CHECK(c.run() == c.expected);
        const std::string d = diff(before, observe());
        CHECK_MESSAGE(d.empty(), d);
    }
}

void append(std::vector<Call>& to, std::vector<Call> more) {
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// Every function that takes a sensor handle, called with h and otherwise good arguments. Each
// also checks that a refused call wrote nothing to the caller's output memory.
std::vector<Call> every_handle_call(SensorStore* h, int expected, const std::string& label) {
    auto name = [&](const char* f) { return std::string(f) + " with " + label; };
    return {
        {name("ss_ts_add"), expected, [h] { return ss_ts_add(h, 1); }},
        {name("ss_evt_add"), expected, [h] { return ss_evt_add(h, 1, 2); }},
        {name("ss_ts_add_many"), expected,
         [h] {
             const std::uint32_t v[3] = {1, 2, 3};
             std::uint32_t stored = 77;
             const int rc = ss_ts_add_many(h, v, 3, &stored);
             CHECK(stored == 0);
             return rc;
         }},
        {name("ss_evt_add_many"), expected,
         [h] {
             const SsEventRecord e[2] = {{1, 2}, {3, 4}};
             std::uint32_t stored = 77;
             const int rc = ss_evt_add_many(h, e, 2, &stored);
             CHECK(stored == 0);
             return rc;
         }},
        {name("ss_get_total_records"), expected,
         [h] {
             Canary<8> out;
             const int rc = ss_get_total_records(h, out.as<std::uint64_t>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_get_unsent_count"), expected,
         [h] {
             Canary<8> out;
             const int rc = ss_get_unsent_count(h, out.as<std::uint64_t>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_get_pending_count"), expected,
         [h] {
             Canary<8> out;
             const int rc = ss_get_pending_count(h, out.as<std::uint64_t>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_diag_read_at"), expected,
         [h] {
             Canary<sizeof(SsEventRecord)> out;
             const int rc = ss_diag_read_at(h, 0, out.bytes);
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_consume_next"), expected,
         [h] {
             Canary<sizeof(SsEventRecord)> out;
             const int rc = ss_consume_next(h, out.bytes);
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_consume_batch"), expected,
         [h] {
             Canary<8 * sizeof(SsEventRecord)> buf;
             Canary<4> n;
             const int rc = ss_consume_batch(h, buf.bytes, 8, n.as<std::uint32_t>());
             CHECK(buf.untouched());
             CHECK(n.untouched());
             return rc;
         }},
        {name("ss_consume_batch_ex"), expected,
         [h] {
             Canary<8 * sizeof(SsEventRecord)> buf;
             Canary<4> n;
             Canary<8> seq;
             const int rc = ss_consume_batch_ex(h, buf.bytes, 8, n.as<std::uint32_t>(), seq.as<std::uint64_t>());
             CHECK(buf.untouched());
             CHECK(n.untouched());
             CHECK(seq.untouched());
             return rc;
         }},
        {name("ss_get_range"), expected,
         [h] {
             Canary<8 * sizeof(SsEventRecord)> buf;
             Canary<4> n;
             Canary<8> seq;
             const int rc = ss_get_range(h, 0, 8, buf.bytes, n.as<std::uint32_t>(), seq.as<std::uint64_t>());
             CHECK(buf.untouched());
             CHECK(n.untouched());
             CHECK(seq.untouched());
             return rc;
         }},
        {name("ss_get_latest"), expected,
         [h] {
             Canary<8 * sizeof(SsEventRecord)> buf;
             Canary<4> n;
             Canary<8> seq;
             const int rc = ss_get_latest(h, 8, buf.bytes, n.as<std::uint32_t>(), seq.as<std::uint64_t>());
             CHECK(buf.untouched());
             CHECK(n.untouched());
             CHECK(seq.untouched());
             return rc;
         }},
        {name("ss_sensor_clear"), expected, [h] { return ss_sensor_clear(h); }},
        {name("ss_erase_all_pending"), expected, [h] { return ss_erase_all_pending(h); }},
        {name("ss_erase_pending_until"), expected, [h] { return ss_erase_pending_until(h, 0); }},
        {name("ss_sensor_seek"), expected, [h] { return ss_sensor_seek(h, 0); }},
        {name("ss_sensor_flush"), expected, [h] { return ss_sensor_flush(h); }},
        {name("ss_get_durable_end"), expected,
         [h] {
             Canary<8> end;
             const int rc = ss_get_durable_end(h, end.as<std::uint64_t>());
             CHECK(end.untouched());
             return rc;
         }},
        {name("ss_sensor_set_verify_level"), expected, [h] { return ss_sensor_set_verify_level(h, SS_VERIFY_EVERY_READ); }},
        {name("ss_get_sensor_stats"), expected,
         [h] {
             Canary<sizeof(SsSensorStats)> out;
             const int rc = ss_get_sensor_stats(h, out.as<SsSensorStats>());
             CHECK(out.untouched());
             return rc;
         }},
    };
}

// The functions that need no sensor handle, called as if the system were running.
std::vector<Call> every_system_call(int expected, const std::string& label) {
    auto name = [&](const char* f) { return std::string(f) + " " + label; };
    return {
        {name("ss_sensor_init"), expected,
         [] {
             Canary<sizeof(SensorStore*)> out;
             const int rc = ss_sensor_init(77, SENSOR_TS, out.as<SensorStore*>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_sensor_init_ex"), expected,
         [] {
             Canary<sizeof(SensorStore*)> out;
             const int rc = ss_sensor_init_ex(SS_SOURCE_CAN, 77, SENSOR_EVT, out.as<SensorStore*>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_sensor_lookup"), expected,
         [] {
             Canary<sizeof(SensorStore*)> out;
             const int rc = ss_sensor_lookup(SS_SOURCE_HOST, 7, out.as<SensorStore*>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_get_system_stats"), expected,
         [] {
             Canary<sizeof(SsSystemStats)> out;
             const int rc = ss_get_system_stats(out.as<SsSystemStats>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_dump_stats"), expected, [] { return ss_dump_stats(7); }},
        {name("ss_scrub"), expected,
         [] {
             Canary<sizeof(SsScrubReport)> out;
             const int rc = ss_scrub(out.as<SsScrubReport>());
             CHECK(out.untouched());
             return rc;
         }},
        {name("ss_deinit_system"), expected, [] { return ss_deinit_system(); }},
    };
}

// A small system: 80-byte sectors (12 TS or 4 EVT records each), room for 6 sensors.
SsInitCfg small_cfg(LogCapture* log) {
    SsInitCfg c;
    REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
    c.ram_sector_bytes = 80;
    c.max_sensors = 6;
    c.ram_pool_bytes = 24 * 80;
    c.log = capture_log;
    c.log_ctx = log;
    return c;
}

// A running system with four sensors holding pending and unsent records:
//   ts     (host, 7, TS):  30 records, the first 10 consumed (pending)
//   evt    (host, 8, EVT): 10 records, the first 3 consumed
//   ts_app (app, 7, TS):   5 records, none consumed (same id as ts, other source)
//   empty  (can, 9, TS):   nothing
struct Running {
    Running() {
        cfg = small_cfg(&log);
        REQUIRE(ss_init_system(&cfg) == 0);
        REQUIRE(ss_sensor_init(7, SENSOR_TS, &ts) == 0);
        REQUIRE(ss_sensor_init(8, SENSOR_EVT, &evt) == 0);
        REQUIRE(ss_sensor_init_ex(SS_SOURCE_APP, 7, SENSOR_TS, &ts_app) == 0);
        REQUIRE(ss_sensor_init_ex(SS_SOURCE_CAN, 9, SENSOR_TS, &empty) == 0);
        handles = {ts, evt, ts_app, empty};
        for (std::uint32_t i = 0; i < 30; ++i) add_ts(ts, ts_values, 1000 + i);
        for (std::uint32_t i = 0; i < 10; ++i) {
            REQUIRE(ss_evt_add(evt, 2000 + i, 1'700'000'000'000ULL + i) == 0);
            evt_values.push_back({2000 + i, 1'700'000'000'000ULL + i});
        }
        for (std::uint32_t i = 0; i < 5; ++i) add_ts(ts_app, app_values, 3000 + i);
        std::uint32_t n = 0;
        std::vector<std::uint32_t> out(10);
        REQUIRE(ss_consume_batch(ts, out.data(), 10, &n) == 0);
        REQUIRE(n == 10);
        std::vector<SsEventRecord> eout(3);
        REQUIRE(ss_consume_batch(evt, eout.data(), 3, &n) == 0);
        REQUIRE(n == 3);
    }
    ~Running() { ss_deinit_system(); }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;

    static void add_ts(SensorStore* h, std::vector<std::uint32_t>& model, std::uint32_t v) {
        REQUIRE(ss_ts_add(h, v) == 0);
        model.push_back(v);
    }

    Snapshot snapshot() const { return take(handles); }
    std::function<Snapshot()> observer() const {
        return [this] { return snapshot(); };
    }

    // Consumes what is unsent and compares it with what was added: the refused calls neither
    // lost, reordered nor renumbered a record.
    void consume_rest_and_compare() const {
        std::vector<std::uint32_t> out(64);
        std::uint32_t n = 0;
        std::uint64_t seq = 0;
        REQUIRE(ss_consume_batch_ex(ts, out.data(), 64, &n, &seq) == 0);
        CHECK(seq == 10);
        CHECK(std::vector<std::uint32_t>(out.begin(), out.begin() + n) ==
              std::vector<std::uint32_t>(ts_values.begin() + 10, ts_values.end()));
        REQUIRE(ss_consume_batch_ex(ts_app, out.data(), 64, &n, &seq) == 0);
        CHECK(seq == 0);
        CHECK(std::vector<std::uint32_t>(out.begin(), out.begin() + n) == app_values);
        std::vector<SsEventRecord> eout(64);
        REQUIRE(ss_consume_batch_ex(evt, eout.data(), 64, &n, &seq) == 0);
        CHECK(seq == 3);
        REQUIRE(n == evt_values.size() - 3);
        for (std::uint32_t i = 0; i < n; ++i) {
            CHECK(eout[i].value == evt_values[3 + i].value);
            CHECK(std::uint64_t{eout[i].ts_ms} == std::uint64_t{evt_values[3 + i].ts_ms}); // copies: ts_ms is packed
        }
        CHECK(ss_consume_batch_ex(empty, out.data(), 64, &n, &seq) == -EAGAIN);
    }

    LogCapture log;
    SsInitCfg cfg{};
    SensorStore* ts = nullptr;
    SensorStore* evt = nullptr;
    SensorStore* ts_app = nullptr;
    SensorStore* empty = nullptr;
    std::vector<SensorStore*> handles;
    std::vector<std::uint32_t> ts_values, app_values;
    std::vector<SsEventRecord> evt_values;
};

// A handle from a system that has been torn down, in an arena of its own (the case of the very
// same arena has a test of its own below).
struct PreviousSystem {
    PreviousSystem() {
        SsInitCfg c = small_cfg(&log);
        std::size_t need = 0;
        REQUIRE(ss_arena_bytes(&c, &need) == 0);
        arena.resize(need / 8 + 1);
        c.arena = arena.data();
        c.arena_bytes = arena.size() * 8;
        REQUIRE(ss_init_system(&c) == 0);
        REQUIRE(ss_sensor_init(7, SENSOR_TS, &ts) == 0);
        REQUIRE(ss_sensor_init(8, SENSOR_EVT, &evt) == 0);
        REQUIRE(ss_ts_add(ts, 1) == 0);
        REQUIRE(ss_evt_add(evt, 1, 2) == 0);
        REQUIRE(ss_deinit_system() == 0);
    }
    LogCapture log;
    std::vector<std::uint64_t> arena;
    SensorStore* ts = nullptr;
    SensorStore* evt = nullptr;
};

// Handles are opaque tokens, not pointers: altered as integers (pointer arithmetic on them is
// undefined behaviour, and UBSan says so when the token's bits make it overflow).
SensorStore* offset_by(SensorStore* h, std::ptrdiff_t bytes) {
    return reinterpret_cast<SensorStore*>(reinterpret_cast<std::uintptr_t>(h) + static_cast<std::uintptr_t>(bytes));
}

// Makes ss_last_error name a knob other than `avoid`, so a test can see that a later failure
// replaced the message. Returns the knob it named.
const char* prime_last_error(const char* avoid = "") {
    SsInitCfg c;
    REQUIRE(ss_config_defaults(&c, SS_TARGET_LINUX) == 0);
    const bool flush = std::string(avoid) != "flush_batch_sectors";
    if (flush) c.flush_batch_sectors = 0;
    else c.crc_enabled = 7;
    const char* knob = flush ? "flush_batch_sectors" : "crc_enabled";
    std::size_t n = 0;
    REQUIRE(ss_arena_bytes(&c, &n) == -EINVAL);
    REQUIRE(error_names(knob));
    return knob;
}

} // namespace

// ---- before init, after deinit ------------------------------------------------------------------

TEST_CASE("before ss_init_system every function refuses to work and leaves the caller's memory alone") {
    REQUIRE(ss_get_system_stats(nullptr) == -EINVAL);
    CHECK(ss_last_error() != nullptr); // never NULL, even before anything failed
    int local = 0;
    SensorStore* any = reinterpret_cast<SensorStore*>(&local);
    std::vector<Call> calls = every_handle_call(any, -EINVAL, "any handle before init");
    append(calls, every_system_call(-EINVAL, "before init"));
    append(calls, {{"ss_init_system(NULL)", -EINVAL, [] { return ss_init_system(nullptr); }}});
    run_table(calls, [] { return take({}); });
    // The void functions must simply do nothing.
    ss_manager_tick();
    ss_set_shutdown(true);
    ss_manager_tick();
    ss_set_shutdown(false);

    // Configuration helpers need no system.
    SsInitCfg cfg;
    CHECK(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    std::size_t need = 0;
    CHECK(ss_arena_bytes(&cfg, &need) == 0);
    CHECK(need > 0);

    // None of the refused calls left a trace: a fresh system starts empty.
    LogCapture log;
    cfg.log = capture_log;
    cfg.log_ctx = &log;
    REQUIRE(ss_init_system(&cfg) == 0);
    SsSystemStats st;
    CHECK(ss_get_system_stats(&st) == 0);
    CHECK(st.sensors == 0);
    CHECK(st.records_retained == 0);
    CHECK(st.sectors_free == st.sectors_total);
    CHECK(ss_deinit_system() == 0);
}

TEST_CASE("after ss_deinit_system every old handle is refused, also once a new system runs") {
    PreviousSystem old;
    std::vector<Call> calls = every_handle_call(old.ts, -EINVAL, "a TS handle after deinit");
    append(calls, every_handle_call(old.evt, -EINVAL, "an EVT handle after deinit"));
    append(calls, every_system_call(-EINVAL, "after deinit"));
    run_table(calls, [] { return take({}); });

    Running r;
    std::vector<Call> stale = every_handle_call(old.ts, -EINVAL, "a TS handle from the previous system");
    append(stale, every_handle_call(old.evt, -EINVAL, "an EVT handle from the previous system"));
    run_table(stale, r.observer());
    r.consume_rest_and_compare();
}

// ---- null, foreign and mistyped arguments -----------------------------------------------------------

TEST_CASE("a null pointer is refused by every function that takes one, and nothing changes") {
    Running r;
    SensorStore* ts = r.ts;
    SsInitCfg good = r.cfg;
    std::vector<Call> calls = every_handle_call(nullptr, -EINVAL, "a NULL handle");
    append(calls, {
        {"ss_config_defaults(NULL)", -EINVAL, [] { return ss_config_defaults(nullptr, SS_TARGET_LINUX); }},
        {"ss_arena_bytes(NULL cfg)", -EINVAL,
         [] {
             Canary<sizeof(std::size_t)> out;
             const int rc = ss_arena_bytes(nullptr, out.as<std::size_t>());
             CHECK(out.untouched());
             return rc;
         }},
        {"ss_arena_bytes(NULL out)", -EINVAL, [good] { return ss_arena_bytes(&good, nullptr); }},
        {"ss_init_system(NULL)", -EINVAL, [] { return ss_init_system(nullptr); }},
        {"ss_sensor_init(NULL out)", -EINVAL, [] { return ss_sensor_init(50, SENSOR_TS, nullptr); }},
        {"ss_sensor_init_ex(NULL out)", -EINVAL,
         [] { return ss_sensor_init_ex(SS_SOURCE_APP, 50, SENSOR_EVT, nullptr); }},
        {"ss_sensor_lookup(NULL out) of a registered sensor", -EINVAL,
         [] { return ss_sensor_lookup(SS_SOURCE_HOST, 7, nullptr); }},
        {"ss_get_total_records(NULL out)", -EINVAL, [ts] { return ss_get_total_records(ts, nullptr); }},
        {"ss_get_unsent_count(NULL out)", -EINVAL, [ts] { return ss_get_unsent_count(ts, nullptr); }},
        {"ss_get_pending_count(NULL out)", -EINVAL, [ts] { return ss_get_pending_count(ts, nullptr); }},
        {"ss_diag_read_at(NULL out)", -EINVAL, [ts] { return ss_diag_read_at(ts, 0, nullptr); }},
        {"ss_consume_next(NULL out)", -EINVAL, [ts] { return ss_consume_next(ts, nullptr); }},
        {"ss_consume_batch(NULL buffer)", -EINVAL,
         [ts] {
             Canary<4> n;
             const int rc = ss_consume_batch(ts, nullptr, 8, n.as<std::uint32_t>());
             CHECK(n.untouched());
             return rc;
         }},
        {"ss_consume_batch(NULL n)", -EINVAL,
         [ts] {
             Canary<8 * 4> buf;
             const int rc = ss_consume_batch(ts, buf.bytes, 8, nullptr);
             CHECK(buf.untouched());
             return rc;
         }},
        {"ss_consume_batch_ex(NULL buffer)", -EINVAL,
         [ts] {
             Canary<4> n;
             Canary<8> seq;
             const int rc = ss_consume_batch_ex(ts, nullptr, 8, n.as<std::uint32_t>(), seq.as<std::uint64_t>());
             CHECK(n.untouched());
             CHECK(seq.untouched());
             return rc;
         }},
        {"ss_consume_batch_ex(NULL n)", -EINVAL,
         [ts] {
             Canary<8 * 4> buf;
             Canary<8> seq;
             const int rc = ss_consume_batch_ex(ts, buf.bytes, 8, nullptr, seq.as<std::uint64_t>());
             CHECK(buf.untouched());
             CHECK(seq.untouched());
             return rc;
         }},
        {"ss_get_range(NULL buffer)", -EINVAL,
         [ts] {
             Canary<4> n;
             const int rc = ss_get_range(ts, 0, 8, nullptr, n.as<std::uint32_t>(), nullptr);
             CHECK(n.untouched());
             return rc;
         }},
        {"ss_get_range(NULL n)", -EINVAL,
         [ts] {
             Canary<8 * 4> buf;
             const int rc = ss_get_range(ts, 0, 8, buf.bytes, nullptr, nullptr);
             CHECK(buf.untouched());
             return rc;
         }},
        {"ss_get_latest(NULL buffer)", -EINVAL,
         [ts] {
             Canary<4> n;
             const int rc = ss_get_latest(ts, 8, nullptr, n.as<std::uint32_t>(), nullptr);
             CHECK(n.untouched());
             return rc;
         }},
        {"ss_get_latest(NULL n)", -EINVAL,
         [ts] {
             Canary<8 * 4> buf;
             const int rc = ss_get_latest(ts, 8, buf.bytes, nullptr, nullptr);
             CHECK(buf.untouched());
             return rc;
         }},
        {"ss_get_sensor_stats(NULL out)", -EINVAL, [ts] { return ss_get_sensor_stats(ts, nullptr); }},
        {"ss_get_system_stats(NULL)", -EINVAL, [] { return ss_get_system_stats(nullptr); }},
        {"ss_scrub(NULL)", -EINVAL, [] { return ss_scrub(nullptr); }},
    });
    run_table(calls, r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("a verify level that is not an SsVerifyLevel is refused, and nothing changes") {
    Running r;
    SensorStore* ts = r.ts;
    SensorStore* evt = r.evt;
    run_table({
                  {"ss_sensor_set_verify_level(4)", -EINVAL, [ts] { return raw_sensor_set_verify_level(ts, 4); }},
                  {"ss_sensor_set_verify_level(-1)", -EINVAL, [ts] { return raw_sensor_set_verify_level(ts, -1); }},
                  {"ss_sensor_set_verify_level(255)", -EINVAL, [evt] { return raw_sensor_set_verify_level(evt, 255); }},
              },
              r.observer());
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(ts, &st) == 0);
    CHECK(st.verify_level == SS_VERIFY_FIRST_READ);
    // Every SsVerifyLevel is taken, and shows in the stats.
    for (int level = SS_VERIFY_OFF; level <= SS_VERIFY_AFTER_WRITE; ++level) {
        CHECK(raw_sensor_set_verify_level(evt, level) == 0);
        REQUIRE(ss_get_sensor_stats(evt, &st) == 0);
        CHECK(st.verify_level == level);
    }
    r.consume_rest_and_compare();
}

TEST_CASE("foreign and garbage handles are refused by every function that takes a handle, and nothing changes") {
    PreviousSystem old;
    Running r;
    int local = 0;
    SsSensorStats not_a_store{};
    struct Bogus {
        std::string what;
        SensorStore* h;
    };
    std::vector<Bogus> bogus = {
        {"a pointer to a local int", reinterpret_cast<SensorStore*>(&local)},
        {"a pointer to an SsSensorStats", reinterpret_cast<SensorStore*>(&not_a_store)},
        {"a TS handle plus 1 byte", offset_by(r.ts, 1)},
        {"a TS handle minus 1 byte", offset_by(r.ts, -1)},
        {"an EVT handle plus 4 bytes", offset_by(r.evt, 4)},
        {"the last handle minus 8 bytes", offset_by(r.empty, -8)},
        {"a stale TS handle of a torn-down system", old.ts},
        {"a stale EVT handle of a torn-down system", old.evt},
        {"the small integer 16", reinterpret_cast<SensorStore*>(std::uintptr_t{16})},
        {"an address near the top of memory", reinterpret_cast<SensorStore*>(~std::uintptr_t{0} & ~std::uintptr_t{63})},
    };
    // Registration hands out neighbouring slots if the stores sit in an array: the slot after the
    // last registered sensor is then a plausible-looking handle of a sensor that does not exist.
    const auto stride = static_cast<std::ptrdiff_t>(reinterpret_cast<std::uintptr_t>(r.evt) -
                                                     reinterpret_cast<std::uintptr_t>(r.ts));
    SensorStore* next_slot = offset_by(r.empty, stride);
    if (std::find(r.handles.begin(), r.handles.end(), next_slot) == r.handles.end())
        bogus.push_back({"the slot after the last registered sensor", next_slot});
    SensorStore* middle = offset_by(r.ts, stride / 2);
    if (stride / 2 != 0) bogus.push_back({"the middle of a store", middle});

    std::vector<Call> calls;
    for (const Bogus& b : bogus) append(calls, every_handle_call(b.h, -EINVAL, b.what));
    run_table(calls, r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("range reads with a zero count or a sequence number not yet given out are refused, and nothing changes") {
    Running r;
    auto range = [](std::string what, SensorStore* const* h, std::uint64_t first, std::uint32_t max) {
        return Call{std::move(what), -EINVAL, [h, first, max] {
                        Canary<8 * sizeof(SsEventRecord)> buf;
                        Canary<4> n;
                        Canary<8> seq;
                        const int rc = ss_get_range(*h, first, max, buf.bytes, n.as<std::uint32_t>(), seq.as<std::uint64_t>());
                        CHECK(buf.untouched());
                        CHECK(n.untouched());
                        CHECK(seq.untouched());
                        return rc;
                    }};
    };
    run_table(
        {
            range("ss_get_range of 0 records", &r.ts, 0, 0),
            range("ss_get_range from one past the next sequence number (31)", &r.ts, 31, 8),
            range("ss_get_range from UINT64_MAX", &r.evt, ~std::uint64_t{0}, 8),
            range("ss_get_range from 1 on an empty sensor", &r.empty, 1, 8),
            {"ss_get_latest of 0 records", -EINVAL,
             [&] {
                 Canary<8 * 4> buf;
                 Canary<4> n;
                 const int rc = ss_get_latest(r.ts, 0, buf.bytes, n.as<std::uint32_t>(), nullptr);
                 CHECK(buf.untouched());
                 CHECK(n.untouched());
                 return rc;
             }},
        },
        r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("an acknowledgement past what was handed out is refused, and nothing changes") {
    Running r;
    // ts: 10 of 30 pending ([0, 10)); evt: 3 of 10; ts_app: 5 unsent, none pending; empty: none.
    auto until = [](std::string what, SensorStore* const* h, std::uint64_t end) {
        return Call{std::move(what), -EINVAL, [h, end] { return ss_erase_pending_until(*h, end); }};
    };
    run_table(
        {
            until("ss_erase_pending_until(11): one past the pending cursor (10)", &r.ts, 11),
            until("ss_erase_pending_until(30): the next sequence number, all unsent", &r.ts, 30),
            until("ss_erase_pending_until(31): a number not yet given out", &r.ts, 31),
            until("ss_erase_pending_until(UINT64_MAX)", &r.ts, ~std::uint64_t{0}),
            until("ss_erase_pending_until(4) of an EVT sensor with 3 pending", &r.evt, 4),
            until("ss_erase_pending_until(1) with nothing pending", &r.ts_app, 1),
            until("ss_erase_pending_until(5) with nothing pending", &r.ts_app, 5),
            until("ss_erase_pending_until(1) of an empty sensor", &r.empty, 1),
        },
        r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("an acknowledgement below the head (erased already) is refused, and nothing changes") {
    Running r;
    REQUIRE(ss_erase_pending_until(r.ts, 4) == 0); // head 4, pending cursor 10
    run_table(
        {
            {"ss_erase_pending_until(3): below the head (4)", -EINVAL, [&r] { return ss_erase_pending_until(r.ts, 3); }},
            {"ss_erase_pending_until(0): below the head (4)", -EINVAL, [&r] { return ss_erase_pending_until(r.ts, 0); }},
            // At the head itself: a valid acknowledgement of nothing.
            {"ss_erase_pending_until(4): at the head", 0, [&r] { return ss_erase_pending_until(r.ts, 4); }},
        },
        r.observer());
    SsSensorStats st{};
    REQUIRE(ss_get_sensor_stats(r.ts, &st) == 0);
    CHECK(st.head_seq == 4);
    CHECK(st.pending == 6);
    CHECK(st.erased == 4);
    r.consume_rest_and_compare();
}

TEST_CASE("a record of the wrong type is refused and leaves the sensor as it was") {
    Running r;
    run_table(
        {
            {"ss_ts_add on an EVT sensor", -EINVAL, [&] { return ss_ts_add(r.evt, 5); }},
            {"ss_evt_add on a TS sensor with pending and unsent data", -EINVAL, [&] { return ss_evt_add(r.ts, 5, 6); }},
            {"ss_evt_add on a TS sensor with only unsent data", -EINVAL, [&] { return ss_evt_add(r.ts_app, 5, 6); }},
            {"ss_evt_add on an empty TS sensor", -EINVAL, [&] { return ss_evt_add(r.empty, 5, 6); }},
            {"ss_ts_add_many on an EVT sensor", -EINVAL, [&] { const std::uint32_t v[2] = {5, 6}; return ss_ts_add_many(r.evt, v, 2, nullptr); }},
            {"ss_evt_add_many on a TS sensor", -EINVAL,
             [&] { const SsEventRecord e[1] = {{5, 6}}; return ss_evt_add_many(r.ts, e, 1, nullptr); }},
            {"ss_ts_add_many with null values and n > 0", -EINVAL, [&] { return ss_ts_add_many(r.ts, nullptr, 4, nullptr); }},
            {"ss_evt_add_many with null events and n > 0", -EINVAL, [&] { return ss_evt_add_many(r.evt, nullptr, 1, nullptr); }},
            {"ss_ts_add_many of nothing", 0, [&] { return ss_ts_add_many(r.ts, nullptr, 0, nullptr); }},
        },
        r.observer());
    r.consume_rest_and_compare();
}

// ---- registration and lookup ----------------------------------------------------------------------

TEST_CASE("looking up or dumping an unknown sensor fails without touching the output") {
    Running r;
    auto lookup = [](std::string what, int source, std::uint32_t id) {
        return Call{std::move(what), -EINVAL, [source, id] {
                        Canary<sizeof(SensorStore*)> out;
                        const int rc = raw_sensor_lookup(source, id, out.as<SensorStore*>());
                        CHECK(out.untouched());
                        return rc;
                    }};
    };
    run_table(
        {
            lookup("an id never registered", SS_SOURCE_HOST, 99),
            lookup("a host id looked up in the app source", SS_SOURCE_APP, 8),
            lookup("an id of host and app looked up in the CAN source", SS_SOURCE_CAN, 7),
            lookup("a CAN id looked up in the host source", SS_SOURCE_HOST, 9),
            lookup("source 3 (not an SsSource)", 3, 7),
            lookup("source -1", -1, 7),
            lookup("source 99", 99, 7),
            {"ss_dump_stats of an id never registered", -EINVAL, [] { return ss_dump_stats(99); }},
        },
        r.observer());
    // The same lookups with the right source find the very handles registration gave out.
    SensorStore* found = nullptr;
    CHECK(ss_sensor_lookup(SS_SOURCE_APP, 7, &found) == 0);
    CHECK(found == r.ts_app);
    CHECK(ss_sensor_lookup(SS_SOURCE_CAN, 9, &found) == 0);
    CHECK(found == r.empty);
    r.consume_rest_and_compare();
}

TEST_CASE("registering a sensor twice is refused whatever the type or entry point, and says why") {
    Running r;
    auto dup = [](std::string what, int source, std::uint32_t id, int type) {
        return Call{std::move(what), -EINVAL, [source, id, type] {
                        const char* primed = prime_last_error();
                        Canary<sizeof(SensorStore*)> out;
                        const int rc = source < 0 ? raw_sensor_init(id, type, out.as<SensorStore*>())
                                                  : raw_sensor_init_ex(source, id, type, out.as<SensorStore*>());
                        CHECK(out.untouched());
                        // ss_last_error tells why the last registration failed: the message
                        // primed before the call must have been replaced.
                        CHECK(std::string(ss_last_error()) != "");
                        CHECK_FALSE(error_names(primed));
                        return rc;
                    }};
    };
    run_table(
        {
            dup("ss_sensor_init of host 7, same type", -1, 7, SENSOR_TS),
            dup("ss_sensor_init of host 7 as EVT", -1, 7, SENSOR_EVT),
            dup("ss_sensor_init of host 8 as TS", -1, 8, SENSOR_TS),
            dup("ss_sensor_init_ex of host 8, same type", SS_SOURCE_HOST, 8, SENSOR_EVT),
            dup("ss_sensor_init_ex of app 7, same type", SS_SOURCE_APP, 7, SENSOR_TS),
            dup("ss_sensor_init_ex of app 7 as EVT", SS_SOURCE_APP, 7, SENSOR_EVT),
            dup("ss_sensor_init_ex of can 9 (an empty sensor)", SS_SOURCE_CAN, 9, SENSOR_TS),
        },
        r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("invalid sensor types and sources are refused at registration and register nothing") {
    Running r;
    auto reg = [](std::string what, int source, int type) {
        return Call{std::move(what), -EINVAL, [source, type] {
                        Canary<sizeof(SensorStore*)> out;
                        const int rc = source < -1 ? raw_sensor_init(60, type, out.as<SensorStore*>())
                                                   : raw_sensor_init_ex(source, 60, type, out.as<SensorStore*>());
                        CHECK(out.untouched());
                        return rc;
                    }};
    };
    constexpr int kPlain = -2; // through ss_sensor_init
    run_table(
        {
            reg("ss_sensor_init with type 0", kPlain, 0),
            reg("ss_sensor_init with type 3", kPlain, 3),
            reg("ss_sensor_init with type -1", kPlain, -1),
            reg("ss_sensor_init with type 99", kPlain, 99),
            reg("ss_sensor_init_ex with type 0", SS_SOURCE_APP, 0),
            reg("ss_sensor_init_ex with type 3", SS_SOURCE_CAN, 3),
            reg("ss_sensor_init_ex with source 3", 3, SENSOR_TS),
            reg("ss_sensor_init_ex with source -1", -1, SENSOR_TS),
            reg("ss_sensor_init_ex with source 99", 99, SENSOR_EVT),
        },
        r.observer());
    for (int source : {SS_SOURCE_HOST, SS_SOURCE_APP, SS_SOURCE_CAN}) {
        SensorStore* out = nullptr;
        CHECK(raw_sensor_lookup(source, 60, &out) == -EINVAL);
    }
    r.consume_rest_and_compare();
}

TEST_CASE("registering more than max_sensors sensors fails with -ENOSPC and registers nothing") {
    Running r;
    SsSystemStats st;
    REQUIRE(ss_get_system_stats(&st) == 0);
    // Fill the remaining slots; these registrations must work.
    std::uint32_t id = 100;
    while (st.sensors < st.max_sensors) {
        SensorStore* h = nullptr;
        REQUIRE(ss_sensor_init_ex(SS_SOURCE_HOST, id++, SENSOR_TS, &h) == 0);
        r.handles.push_back(h);
        REQUIRE(ss_get_system_stats(&st) == 0);
    }
    REQUIRE(r.handles.size() == r.cfg.max_sensors);
    auto full = [](std::string what, int source, int type) {
        return Call{std::move(what), -ENOSPC, [source, type] {
                        Canary<sizeof(SensorStore*)> out;
                        const int rc = source < 0 ? raw_sensor_init(200, type, out.as<SensorStore*>())
                                                  : raw_sensor_init_ex(source, 200, type, out.as<SensorStore*>());
                        CHECK(out.untouched());
                        CHECK(std::string(ss_last_error()) != "");
                        return rc;
                    }};
    };
    run_table(
        {
            full("ss_sensor_init of a new TS sensor", -1, SENSOR_TS),
            full("ss_sensor_init of a new EVT sensor", -1, SENSOR_EVT),
            full("ss_sensor_init_ex in the app source", SS_SOURCE_APP, SENSOR_TS),
            full("ss_sensor_init_ex in the CAN source", SS_SOURCE_CAN, SENSOR_EVT),
        },
        r.observer());
    // The sensors there are keep working.
    CHECK(ss_ts_add(r.handles.back(), 1) == 0);
    Running::add_ts(r.ts, r.ts_values, 4242);
    r.consume_rest_and_compare();
}

// ---- consuming and reading -------------------------------------------------------------------------

TEST_CASE("consuming with max_records 0 is refused and moves no cursor") {
    Running r;
    std::vector<Call> calls;
    for (SensorStore* h : r.handles) {
        append(calls, {
            {"ss_consume_batch with max_records 0", -EINVAL,
             [h] {
                 Canary<8 * sizeof(SsEventRecord)> buf;
                 Canary<4> n;
                 const int rc = ss_consume_batch(h, buf.bytes, 0, n.as<std::uint32_t>());
                 CHECK(buf.untouched());
                 CHECK(n.untouched());
                 return rc;
             }},
            {"ss_consume_batch_ex with max_records 0", -EINVAL,
             [h] {
                 Canary<8 * sizeof(SsEventRecord)> buf;
                 Canary<4> n;
                 Canary<8> seq;
                 const int rc = ss_consume_batch_ex(h, buf.bytes, 0, n.as<std::uint32_t>(), seq.as<std::uint64_t>());
                 CHECK(buf.untouched());
                 CHECK(n.untouched());
                 CHECK(seq.untouched());
                 return rc;
             }},
        });
    }
    run_table(calls, r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("with nothing unsent consume says -EAGAIN, and erasing with nothing pending changes nothing") {
    Running r;
    SensorStore* empty = r.empty;
    SensorStore* ts_app = r.ts_app;
    run_table(
        {
            {"ss_consume_next of an empty sensor", -EAGAIN,
             [empty] {
                 Canary<4> out;
                 const int rc = ss_consume_next(empty, out.bytes);
                 CHECK(out.untouched());
                 return rc;
             }},
            {"ss_consume_batch of an empty sensor", -EAGAIN,
             [empty] {
                 Canary<8 * 4> buf;
                 std::uint32_t n = 99;
                 const int rc = ss_consume_batch(empty, buf.bytes, 8, &n);
                 CHECK(n == 0); // documented: n = 0 with -EAGAIN
                 CHECK(buf.untouched());
                 return rc;
             }},
            {"ss_consume_batch_ex of an empty sensor", -EAGAIN,
             [empty] {
                 Canary<8 * 4> buf;
                 std::uint32_t n = 99;
                 std::uint64_t seq = 0;
                 const int rc = ss_consume_batch_ex(empty, buf.bytes, 8, &n, &seq);
                 CHECK(n == 0);
                 CHECK(buf.untouched());
                 return rc;
             }},
            {"ss_erase_all_pending with nothing pending", 0, [ts_app] { return ss_erase_all_pending(ts_app); }},
            {"ss_erase_all_pending of an empty sensor", 0, [empty] { return ss_erase_all_pending(empty); }},
        },
        r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("reading at or past the end of the retained records is refused") {
    Running r;
    std::vector<Call> calls;
    for (SensorStore* h : r.handles) {
        std::uint64_t total = 0;
        REQUIRE(ss_get_total_records(h, &total) == 0);
        for (std::uint64_t offset : {total, total + 1, total + 1000, std::uint64_t{1} << 32, ~std::uint64_t{0}}) {
            const std::string what =
                "ss_diag_read_at offset " + std::to_string(offset) + " of " + std::to_string(total) + " records";
            calls.push_back({what, -EINVAL, [h, offset] {
                                 Canary<sizeof(SsEventRecord)> out;
                                 const int rc = ss_diag_read_at(h, offset, out.bytes);
                                 CHECK(out.untouched());
                                 return rc;
                             }});
        }
    }
    run_table(calls, r.observer());
    // The last record is still readable: the refusals are about the offset, not the sensor.
    std::uint32_t v = 0;
    CHECK(ss_diag_read_at(r.ts, r.ts_values.size() - 1, &v) == 0);
    CHECK(v == r.ts_values.back());
    r.consume_rest_and_compare();
}

// ---- configuration and lifetime -------------------------------------------------------------------

namespace {

struct Knob {
    const char* name; // the field ss_last_error must name
    std::string change;
    std::function<void(SsInitCfg&)> apply;
};

// Bad values by the rules the header documents for each field. Where a change would also break a
// second rule, the other field is adjusted so that only the named knob is wrong.
std::vector<Knob> bad_knobs() {
    auto sector = [](std::uint32_t bytes) {
        return [bytes](SsInitCfg& c) {
            c.ram_sector_bytes = bytes;
            c.ram_pool_bytes = std::size_t{c.max_sensors} * std::max<std::uint32_t>(bytes, 48);
        };
    };
    return {
        {"ram_sector_bytes", "0", sector(0)},
        {"ram_sector_bytes", "44 (below 48)", sector(44)},
        {"ram_sector_bytes", "34 (not a multiple of 4)", sector(34)},
        {"ram_sector_bytes", "65540 (above 65536)", sector(65540)},
        {"disk_sector_bytes", "0", [](SsInitCfg& c) { c.disk_sector_bytes = 0; }},
        {"disk_sector_bytes", "2048 (below 4096)", [](SsInitCfg& c) { c.disk_sector_bytes = 2048; }},
        {"disk_sector_bytes", "4100 (not a multiple of 4096)", [](SsInitCfg& c) { c.disk_sector_bytes = 4100; }},
        {"disk_sector_bytes", "1 MiB + 4096 (above 1 MiB)",
         [](SsInitCfg& c) { c.disk_sector_bytes = 1024 * 1024 + 4096; }},
        {"max_sensors", "0", [](SsInitCfg& c) { c.max_sensors = 0; }},
        {"max_sensors", "65536 (above 65535)",
         [](SsInitCfg& c) {
             c.max_sensors = 65536;
             c.ram_sector_bytes = 48;
             c.ram_pool_bytes = std::size_t{65536} * 48;
         }},
        {"ram_pool_bytes", "one sector short of one per sensor",
         [](SsInitCfg& c) { c.ram_pool_bytes = std::size_t{c.max_sensors} * c.ram_sector_bytes - 1; }},
        {"ram_pool_bytes", "0", [](SsInitCfg& c) { c.ram_pool_bytes = 0; }},
        {"ram_high_watermark_pct", "0", [](SsInitCfg& c) { c.ram_high_watermark_pct = 0; }},
        {"ram_high_watermark_pct", "101", [](SsInitCfg& c) { c.ram_high_watermark_pct = 101; }},
        {"ram_high_watermark_pct", "255", [](SsInitCfg& c) { c.ram_high_watermark_pct = 255; }},
        {"ram_low_watermark_pct", "equal to the high watermark",
         [](SsInitCfg& c) { c.ram_low_watermark_pct = c.ram_high_watermark_pct; }},
        {"ram_low_watermark_pct", "above the high watermark",
         [](SsInitCfg& c) { c.ram_low_watermark_pct = static_cast<std::uint8_t>(c.ram_high_watermark_pct + 1); }},
        {"crc_enabled", "2", [](SsInitCfg& c) { c.crc_enabled = 2; }},
        {"crc_enabled", "255", [](SsInitCfg& c) { c.crc_enabled = 255; }},
        {"verify_level", "4 (not an SsVerifyLevel)", [](SsInitCfg& c) { c.verify_level = 4; }},
        {"verify_level", "255", [](SsInitCfg& c) { c.verify_level = 255; }},
        {"flush_batch_sectors", "0", [](SsInitCfg& c) { c.flush_batch_sectors = 0; }},
    };
}

} // namespace

TEST_CASE("each bad configuration knob is refused by ss_arena_bytes and ss_init_system, naming the knob") {
    for (SsTarget target : {SS_TARGET_LINUX, SS_TARGET_STM32}) {
        for (const Knob& k : bad_knobs()) {
            INFO((target == SS_TARGET_LINUX ? "Linux" : "STM32") << " defaults, " << k.name << " = " << k.change);
            LogCapture log;
            SsInitCfg cfg;
            REQUIRE(ss_config_defaults(&cfg, target) == 0);
            cfg.log = capture_log;
            cfg.log_ctx = &log;
            k.apply(cfg);
            Canary<sizeof(std::size_t)> need;
            CHECK(ss_arena_bytes(&cfg, need.as<std::size_t>()) == -EINVAL);
            CHECK(need.untouched());
            CHECK(error_names(k.name));
            prime_last_error(k.name); // so the next message is known to come from ss_init_system
            CHECK(ss_init_system(&cfg) == -EINVAL);
            CHECK(error_names(k.name));
            SsSystemStats st;
            CHECK(ss_get_system_stats(&st) == -EINVAL); // still not running
            if (ss_get_system_stats(&st) == 0) ss_deinit_system();
        }
    }
    // A knob that needs another: verification without a CRC to verify. Either may be named.
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.crc_enabled = 0;
    cfg.verify_level = SS_VERIFY_FIRST_READ;
    LogCapture log;
    cfg.log = capture_log;
    cfg.log_ctx = &log;
    CHECK(ss_init_system(&cfg) == -EINVAL);
    CHECK((error_names("verify_level") || error_names("crc_enabled")));
    // Fixing just that makes the same configuration acceptable.
    cfg.verify_level = SS_VERIFY_OFF;
    CHECK(ss_init_system(&cfg) == 0);
    CHECK(ss_deinit_system() == 0);
}

TEST_CASE("ss_init_system refuses a second init and the running system carries on untouched") {
    Running r;
    SsInitCfg other;
    REQUIRE(ss_config_defaults(&other, SS_TARGET_STM32) == 0);
    other.log = capture_log;
    other.log_ctx = &r.log;
    SsInitCfg bad = r.cfg;
    bad.max_sensors = 0;
    const SsInitCfg same = r.cfg;
    run_table(
        {
            {"ss_init_system again with the same configuration", -EINVAL, [same] { return ss_init_system(&same); }},
            {"ss_init_system again with another good configuration", -EINVAL,
             [other] { return ss_init_system(&other); }},
            {"ss_init_system again with a bad configuration", -EINVAL, [bad] { return ss_init_system(&bad); }},
            {"ss_init_system(NULL) while running", -EINVAL, [] { return ss_init_system(nullptr); }},
        },
        r.observer());
    CHECK(std::string(ss_last_error()) != "");
    r.consume_rest_and_compare();
}

TEST_CASE("bad calls to ss_config_defaults and ss_arena_bytes leave their outputs alone") {
    auto defaults = [](std::string what, int target) {
        return Call{std::move(what), -EINVAL, [target] {
                        Canary<sizeof(SsInitCfg)> cfg;
                        const int rc = raw_config_defaults(cfg.as<SsInitCfg>(), target);
                        CHECK(cfg.untouched());
                        return rc;
                    }};
    };
    SsInitCfg bad;
    REQUIRE(ss_config_defaults(&bad, SS_TARGET_LINUX) == 0);
    bad.max_sensors = 0;
    const std::vector<Call> calls = {
        defaults("ss_config_defaults with target 2", 2),
        defaults("ss_config_defaults with target -1", -1),
        defaults("ss_config_defaults with target 99", 99),
        {"ss_config_defaults(NULL)", -EINVAL, [] { return ss_config_defaults(nullptr, SS_TARGET_STM32); }},
        {"ss_arena_bytes of a bad configuration", -EINVAL,
         [bad] {
             Canary<sizeof(std::size_t)> out;
             const int rc = ss_arena_bytes(&bad, out.as<std::size_t>());
             CHECK(out.untouched());
             return rc;
         }},
        {"ss_arena_bytes(NULL, NULL)", -EINVAL, [] { return ss_arena_bytes(nullptr, nullptr); }},
    };
    // With no system, and with one running (which they must not disturb either).
    run_table(calls, [] { return take({}); });
    Running r;
    run_table(calls, r.observer());
    r.consume_rest_and_compare();
}

TEST_CASE("an arena too small for the configuration is refused with -ENOSPC and left untouched") {
    LogCapture log;
    SsInitCfg cfg = small_cfg(&log);
    std::size_t need = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    std::vector<std::uint64_t> arena(need / 8 + 1, 0xA5A5A5A5A5A5A5A5ULL);
    const std::vector<std::uint64_t> pattern = arena;
    for (std::size_t bytes : {need - 1, need - 8, need / 2, std::size_t{8}}) {
        INFO("arena_bytes " << bytes << " of the " << need << " needed");
        cfg.arena = arena.data();
        cfg.arena_bytes = bytes;
        CHECK(ss_init_system(&cfg) == -ENOSPC);
        CHECK(error_names("arena"));
        SsSystemStats st;
        CHECK(ss_get_system_stats(&st) == -EINVAL);
        CHECK(arena == pattern);
    }
}

TEST_CASE("a misaligned arena is refused with -EINVAL and left untouched") {
    LogCapture log;
    SsInitCfg cfg = small_cfg(&log);
    std::size_t need = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    std::vector<std::uint64_t> arena(need / 8 + 2, 0xA5A5A5A5A5A5A5A5ULL); // one word spare for the offset
    const std::vector<std::uint64_t> pattern = arena;
    for (std::ptrdiff_t off : {1, 2, 4, 7}) {
        INFO("arena 8-byte aligned + " << off);
        cfg.arena = reinterpret_cast<char*>(arena.data()) + off;
        cfg.arena_bytes = need;
        CHECK(ss_init_system(&cfg) == -EINVAL);
        CHECK(error_names("arena"));
        SsSystemStats st;
        CHECK(ss_get_system_stats(&st) == -EINVAL);
        CHECK(arena == pattern);
    }
}

TEST_CASE("an arena of exactly ss_arena_bytes bytes holds a full system") {
    LogCapture log;
    SsInitCfg cfg = small_cfg(&log);
    std::size_t need = 0;
    REQUIRE(ss_arena_bytes(&cfg, &need) == 0);
    // Its own heap block of exactly that size: AddressSanitizer catches any access past it.
    void* arena = std::malloc(need);
    REQUIRE(arena != nullptr);
    cfg.arena = arena;
    cfg.arena_bytes = need;
    REQUIRE(ss_init_system(&cfg) == 0);
    SsSystemStats st;
    REQUIRE(ss_get_system_stats(&st) == 0);
    CHECK(st.arena_bytes <= need);
    // Every sensor slot in use and every sector filled, until records are dropped.
    std::vector<SensorStore*> hs(cfg.max_sensors);
    for (std::uint32_t i = 0; i < cfg.max_sensors; ++i)
        REQUIRE(ss_sensor_init(i, i % 2 == 0 ? SENSOR_TS : SENSOR_EVT, &hs[i]) == 0);
    for (std::uint32_t k = 0; k < 200; ++k)
        for (std::uint32_t i = 0; i < cfg.max_sensors; ++i)
            CHECK((i % 2 == 0 ? ss_ts_add(hs[i], k) : ss_evt_add(hs[i], k, k)) == 0);
    REQUIRE(ss_get_system_stats(&st) == 0);
    CHECK(st.sectors_free == 0);
    CHECK(st.dropped_recycled > 0);
    std::vector<SsEventRecord> out(256);
    for (SensorStore* h : hs) {
        std::uint32_t n = 0;
        CHECK(ss_consume_batch(h, out.data(), 256, &n) == 0);
        CHECK(ss_erase_all_pending(h) == 0);
    }
    REQUIRE(ss_get_system_stats(&st) == 0);
    CHECK(st.records_retained == 0);
    CHECK(ss_deinit_system() == 0);
    std::free(arena);
}

// ---- the happy path and the helpers ------------------------------------------------------------------

TEST_CASE("ss_strerror has its own non-empty text for every code the API returns") {
    const int codes[] = {0, -EINVAL, -ENOSPC, -EAGAIN, -EIO};
    std::vector<std::string> texts;
    for (int rc : codes) {
        INFO("rc " << rc);
        const char* t = ss_strerror(rc);
        REQUIRE(t != nullptr);
        CHECK(std::string(t) != "");
        CHECK(std::find(texts.begin(), texts.end(), t) == texts.end());
        texts.emplace_back(t);
    }
    // Codes the API never returns still get some text, not NULL, and not one of the real ones.
    for (int rc : {-1, 1, EINVAL, -9999, INT_MIN, INT_MAX}) {
        INFO("rc " << rc);
        const char* t = ss_strerror(rc);
        REQUIRE(t != nullptr);
        CHECK(std::find(texts.begin() + 1, texts.end(), t) == texts.end());
    }
}

TEST_CASE("every function works once on the happy path") {
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_STM32) == 0);
    std::size_t stm32_need = 0;
    CHECK(ss_arena_bytes(&cfg, &stm32_need) == 0);
    CHECK(stm32_need > 0);
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    std::size_t need = 0;
    CHECK(ss_arena_bytes(&cfg, &need) == 0);
    CHECK(need > 0);
    LogCapture log;
    cfg.log = capture_log;
    cfg.log_ctx = &log;
    REQUIRE(ss_init_system(&cfg) == 0);
    CHECK(ss_last_error() != nullptr);

    SensorStore* ts = nullptr;
    SensorStore* evt = nullptr;
    REQUIRE(ss_sensor_init(1, SENSOR_TS, &ts) == 0);
    REQUIRE(ss_sensor_init_ex(SS_SOURCE_CAN, 1, SENSOR_EVT, &evt) == 0);
    CHECK(ts != evt);
    SensorStore* found = nullptr;
    CHECK(ss_sensor_lookup(SS_SOURCE_HOST, 1, &found) == 0);
    CHECK(found == ts);
    CHECK(ss_sensor_lookup(SS_SOURCE_CAN, 1, &found) == 0);
    CHECK(found == evt);

    for (std::uint32_t v : {10u, 11u, 12u}) CHECK(ss_ts_add(ts, v) == 0);
    CHECK(ss_evt_add(evt, 20, 1000) == 0);
    CHECK(ss_evt_add(evt, 21, 1001) == 0);
    std::uint64_t total = 0, unsent = 0, pending = 0;
    CHECK(ss_get_total_records(ts, &total) == 0);
    CHECK(total == 3);
    CHECK(ss_get_unsent_count(ts, &unsent) == 0);
    CHECK(unsent == 3);
    CHECK(ss_get_pending_count(ts, &pending) == 0);
    CHECK(pending == 0);

    std::uint32_t v = 0;
    CHECK(ss_diag_read_at(ts, 2, &v) == 0);
    CHECK(v == 12);
    SsEventRecord e{};
    CHECK(ss_diag_read_at(evt, 1, &e) == 0);
    CHECK(e.value == 21);
    CHECK(std::uint64_t{e.ts_ms} == 1001);

    CHECK(ss_consume_next(ts, &v) == 0);
    CHECK(v == 10);
    std::uint32_t buf[8] = {};
    std::uint32_t n = 0;
    CHECK(ss_consume_batch(ts, buf, 8, &n) == 0);
    CHECK(n == 2);
    CHECK(buf[0] == 11);
    CHECK(buf[1] == 12);
    SsEventRecord ebuf[4] = {};
    std::uint64_t first = 99;
    CHECK(ss_consume_batch_ex(evt, ebuf, 4, &n, &first) == 0);
    CHECK(n == 2);
    CHECK(first == 0);
    CHECK(ebuf[1].value == 21);
    CHECK(std::uint64_t{ebuf[1].ts_ms} == 1001);
    CHECK(ss_get_pending_count(ts, &pending) == 0);
    CHECK(pending == 3);
    CHECK(ss_get_unsent_count(ts, &unsent) == 0);
    CHECK(unsent == 0);
    CHECK(ss_erase_pending_until(ts, 1) == 0); // the first record acknowledged
    CHECK(ss_get_pending_count(ts, &pending) == 0);
    CHECK(pending == 2);
    CHECK(ss_erase_all_pending(ts) == 0);
    CHECK(ss_get_total_records(ts, &total) == 0);
    CHECK(total == 0);

    // Housekeeping, with and without a shutdown in progress, loses nothing.
    CHECK(ss_evt_add(evt, 22, 1002) == 0);
    ss_manager_tick();
    ss_set_shutdown(true);
    ss_manager_tick();
    ss_set_shutdown(false);
    CHECK(ss_get_unsent_count(evt, &unsent) == 0);
    CHECK(unsent == 1);

    SsSensorStats sst;
    CHECK(ss_get_sensor_stats(ts, &sst) == 0);
    CHECK(sst.sensor_id == 1);
    CHECK(sst.source == SS_SOURCE_HOST);
    CHECK(sst.type == SENSOR_TS);
    CHECK(sst.next_seq == 3);
    CHECK(sst.written == 3);
    CHECK(sst.erased == 3);
    CHECK(sst.retained == 0);
    SsSystemStats sys;
    CHECK(ss_get_system_stats(&sys) == 0);
    CHECK(sys.sensors == 2);
    CHECK(sys.max_sensors == cfg.max_sensors);
    CHECK(sys.sector_bytes == cfg.ram_sector_bytes);
    CHECK(sys.sectors_total == cfg.ram_pool_bytes / cfg.ram_sector_bytes);
    CHECK(sys.records_retained == 3); // the two EVT records pending and one unsent
    CHECK(sys.health_flags == 0);

    // ss_dump_stats logs at info level, more for an id that exists in two sources.
    SensorStore* other = nullptr;
    REQUIRE(ss_sensor_init(2, SENSOR_TS, &other) == 0);
    log.lines.clear();
    CHECK(ss_dump_stats(2) == 0);
    const std::size_t one_source = log.lines.size();
    CHECK(one_source > 0);
    CHECK(std::all_of(log.lines.begin(), log.lines.end(), [](const LogCapture::Line& l) { return l.level == 2; }));
    log.lines.clear();
    CHECK(ss_dump_stats(1) == 0);
    CHECK(log.lines.size() > one_source);

    SsScrubReport rep{};
    CHECK(ss_scrub(&rep) == 0);
    CHECK(rep.sensors == 3);
    CHECK(rep.corrupt_sectors == 0);
    CHECK(rep.records_dropped == 0);

    CHECK(ss_deinit_system() == 0);
    // And the system can come up again afterwards.
    REQUIRE(ss_init_system(&cfg) == 0);
    CHECK(ss_get_system_stats(&sys) == 0);
    CHECK(sys.sensors == 0);
    CHECK(ss_deinit_system() == 0);
}

TEST_CASE("a handle kept across a re-init in the very same arena is refused") {
    LogCapture log;
    SsInitCfg c = small_cfg(&log);
    std::size_t need = 0;
    REQUIRE(ss_arena_bytes(&c, &need) == 0);
    std::vector<std::uint64_t> arena(need / 8 + 1);
    c.arena = arena.data();
    c.arena_bytes = arena.size() * 8;
    REQUIRE(ss_init_system(&c) == 0);
    SensorStore* old = nullptr;
    REQUIRE(ss_sensor_init(7, SENSOR_TS, &old) == 0);
    REQUIRE(ss_deinit_system() == 0);
    REQUIRE(ss_init_system(&c) == 0);
    SensorStore* now = nullptr;
    REQUIRE(ss_sensor_init(7, SENSOR_TS, &now) == 0);
    CHECK(ss_ts_add(old, 1) == -EINVAL);
    std::uint64_t total = 99;
    CHECK(ss_get_total_records(now, &total) == 0);
    CHECK(total == 0);
    CHECK(ss_ts_add(now, 1) == 0);
    CHECK(ss_deinit_system() == 0);
}
