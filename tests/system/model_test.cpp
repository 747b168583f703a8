// Randomised model-based test of the store through the public C API.
//
// Every run registers a mix of TS and EVT sensors on all three sources over a deliberately
// small pool, then applies a long seeded stream of random operations (adds, wrong-type adds and
// other bad input, single and batch consumes, erases, diagnostic reads, manager ticks, shutdown
// toggles, late registrations) to the store and to the reference model in reference_model.hpp.
// Every consumed batch goes into the sensor's ss::AckWindow, as an uploader with several batches
// in flight would put it; acks come for random batches in flight (out of order, now and then
// twice), and whenever the window releases its acknowledged prefix the store erases up to it
// with ss_erase_pending_until, as the model does. An erase of everything pending (the uploader's
// other way to acknowledge) forgets the window.
// After every operation the return code, the records handed out, the touched sensor's counts and
// stats, every sensor's stats and the system stats must match the model; every 64 operations
// (and after every tick) every retained record of every sensor is read back with ss_diag_read_at.
//
// Environment:
//   SS_MODEL_SEED     base seed (decimal or 0x hex); a failure prints the one to reproduce with
//   SS_MODEL_OPS      total operations over all runs (default 1 000 000)
//   SS_MODEL_RUN      replay only the run with this number (a failure prints it)
//   SS_MODEL_VERBOSE  1 = print per-run operation counts, timings and coverage counters
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ss/ack_window.hpp"
#include "ss/sensor_storage.h"
#include "system/reference_model.hpp"

using ss_model::Events;
using ss_model::Model;
using ss_model::Rec;

namespace {

void silent_log(void*, int, const char*) {}

constexpr std::uint64_t default_base_seed = 0x5EED'0F5E'4501'23ull;
constexpr std::uint64_t default_total_ops = 1'000'000;

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return fallback;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(v, &end, 0);
    return end != v ? static_cast<std::uint64_t>(n) : fallback;
}

std::uint64_t base_seed() { return env_u64("SS_MODEL_SEED", default_base_seed); }
std::uint64_t total_ops() { return env_u64("SS_MODEL_OPS", default_total_ops); }
/// SS_MODEL_RUN=n replays only run #n (the number a failure prints), for debugging.
int only_run() {
    const char* v = std::getenv("SS_MODEL_RUN");
    return v == nullptr || *v == '\0' ? -1 : std::atoi(v);
}
bool verbose() { return env_u64("SS_MODEL_VERBOSE", 0) != 0; }

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/// One configuration of the system under test.
struct RunConfig {
    const char* name;
    std::uint32_t sector_bytes;
    std::uint32_t max_sensors;
    std::uint32_t sensors;       // registered during the run (all up front unless register_late)
    std::uint32_t spare_sectors; // pool = max_sensors + spare_sectors
    std::uint32_t max_sectors_per_sensor;
    std::uint8_t verify_level;
    std::uint8_t crc_enabled;
    bool register_late;
};

enum class Op : int {
    add,
    bad_input,
    consume_next,
    consume_batch,
    erase,
    ack,
    read,
    tick,
    shutdown_toggle,
    register_sensor,
    count_
};
constexpr int op_count = static_cast<int>(Op::count_);

const char* op_name(Op op) {
    switch (op) {
    case Op::add: return "add";
    case Op::bad_input: return "bad-input";
    case Op::consume_next: return "consume_next";
    case Op::consume_batch: return "consume_batch";
    case Op::erase: return "erase_all_pending";
    case Op::ack: return "ack (arg: end_seq erased up to, 0 = held)";
    case Op::read: return "diag_read_at";
    case Op::tick: return "manager_tick";
    case Op::shutdown_toggle: return "shutdown-toggle+tick";
    case Op::register_sensor: return "register";
    default: return "?";
    }
}

/// Operation mixes, switched between in phases so that the pool fills (recycling), pending data
/// piles up (drop-new) and drains again (erases freeing several sectors).
struct Profile {
    const char* name;
    std::array<int, op_count> weight; // per Op, in the order of the enum
};
constexpr std::array<Profile, 4> profiles{{
    //               add  bad  next batch erase ack read tick shut reg
    {"fill", {{820, 6, 30, 50, 25, 30, 50, 20, 1, 8}}},
    {"hoard", {{450, 6, 130, 300, 8, 20, 70, 30, 1, 8}}},
    {"drain", {{250, 6, 150, 300, 120, 250, 60, 30, 2, 8}}},
    {"balanced", {{480, 8, 100, 200, 50, 150, 90, 30, 2, 8}}},
}};

struct Trace {
    std::uint64_t index;
    Op op;
    int sensor;
    std::uint64_t arg;
    int rc;
};

/// Unique per (sensor, seq) within a run: the sensor in the top byte, the seq below it.
std::uint32_t value_of(std::uint32_t salt, std::size_t k, std::uint64_t seq) {
    return (static_cast<std::uint32_t>(k & 0xFF) << 24 | static_cast<std::uint32_t>(seq & 0xFFFFFF)) ^ salt;
}
std::uint64_t ts_of(std::uint32_t salt, std::size_t k, std::uint64_t seq) {
    return (std::uint64_t{k + 1} << 48) + seq * 1000 + 17 + (std::uint64_t{salt} << 20);
}

class Run {
public:
    Run(const RunConfig& cfg, std::uint64_t base, int run_index, std::uint64_t ops)
        : cfg_(cfg),
          base_(base),
          run_index_(run_index),
          seed_(splitmix64(base ^ splitmix64(static_cast<std::uint64_t>(run_index) + 1))),
          ops_(ops),
          rng_(seed_),
          salt_(static_cast<std::uint32_t>(splitmix64(seed_) & 0x00FF'FFFF)),
          model_(Model::Config{cfg.sector_bytes, cfg.max_sensors, cfg.max_sensors + cfg.spare_sectors,
                               cfg.max_sectors_per_sensor}),
          buf_(3 * max_batch) {}

    ~Run() {
        if (initialised_) ss_deinit_system();
    }

    /// Runs to the end or to the first disagreement; returns false on a disagreement.
    bool execute() {
        if (!init()) return false;
        for (op_index_ = 0; op_index_ < ops_; ++op_index_) {
            if (op_index_ == next_phase_at_) new_phase();
            step();
            if (failure_.empty() && op_index_ % 64 == 63) check_everything();
            if (!failure_.empty()) break;
        }
        if (failure_.empty()) check_everything();
        return failure_.empty();
    }

    const std::string& failure() const { return failure_; }
    const Events& events() const { return model_.events(); }
    std::uint64_t seed() const { return seed_; }
    std::uint64_t ops_done() const { return op_index_; }
    std::uint64_t api_calls() const { return api_calls_; }

private:
    static constexpr std::uint32_t max_batch = 1024;

    // ---- setup -------------------------------------------------------------------------------

    bool init() {
        SsInitCfg c;
        if (ss_config_defaults(&c, SS_TARGET_LINUX) != 0) return fail("ss_config_defaults failed");
        c.ram_sector_bytes = cfg_.sector_bytes;
        c.max_sensors = cfg_.max_sensors;
        c.ram_pool_bytes = std::size_t{cfg_.max_sensors + cfg_.spare_sectors} * cfg_.sector_bytes;
        c.max_sectors_per_sensor = cfg_.max_sectors_per_sensor;
        c.verify_level = cfg_.verify_level;
        c.crc_enabled = cfg_.crc_enabled;
        c.force_seal_interval_ms = 0;
        c.log = silent_log;
        c.log_ctx = nullptr;
        const int rc = ss_init_system(&c);
        if (rc != 0) return fail(std::string("ss_init_system: ") + ss_strerror(rc) + ": " + ss_last_error());
        initialised_ = true;
        // Sensor k: source k % 3, type alternating every three, ids shared across the sources.
        for (std::uint32_t k = 0; k < cfg_.sensors; ++k) {
            layout_.push_back({static_cast<SsSource>(k % 3), 100 + k / 3, (k / 3) % 2 == 0 ? SENSOR_TS : SENSOR_EVT});
        }
        const std::uint32_t up_front = cfg_.register_late ? std::max<std::uint32_t>(2, cfg_.sensors / 3) : cfg_.sensors;
        for (std::uint32_t k = 0; k < up_front; ++k)
            if (!register_next()) return false;
        return check_everything();
    }

    bool register_next() {
        const std::size_t k = handles_.size();
        SensorStore* h = nullptr;
        const Layout& l = layout_[k];
        const int rc = ss_sensor_init_ex(l.source, l.id, l.type, &h);
        ++api_calls_;
        if (rc != 0 || h == nullptr)
            return fail("registering sensor " + std::to_string(k) + " returned " + std::to_string(rc));
        handles_.push_back(h);
        windows_.push_back(std::make_unique<AckWindow>());
        model_.register_sensor(l.source, l.id, l.type);
        return true;
    }

    void new_phase() {
        profile_ = &profiles[pick(profiles.size())];
        next_phase_at_ = op_index_ + 200 + pick(3000);
        hot_.clear();
        const std::size_t n = 1 + pick(3);
        for (std::size_t i = 0; i < n; ++i) hot_.push_back(pick(layout_.size()));
    }

    // ---- one random operation ------------------------------------------------------------------

    std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
    bool chance(int per_mille) { return static_cast<int>(rng_() % 1000) < per_mille; }

    Op pick_op() {
        int total = 0;
        for (int w : profile_->weight) total += w;
        int r = static_cast<int>(pick(static_cast<std::size_t>(total)));
        for (int i = 0; i < op_count; ++i) {
            if (r < profile_->weight[static_cast<std::size_t>(i)]) return static_cast<Op>(i);
            r -= profile_->weight[static_cast<std::size_t>(i)];
        }
        return Op::add;
    }

    std::size_t pick_sensor() {
        std::size_t k = chance(600) ? hot_[pick(hot_.size())] : pick(layout_.size());
        if (k >= handles_.size()) k = pick(handles_.size()); // hot sensor not registered yet
        return k;
    }

    void step() {
        Op op = pick_op();
        // A shutdown lasts some 50 operations, long enough for a few forced seals.
        if (model_.shutdown() && op != Op::shutdown_toggle && chance(20)) op = Op::shutdown_toggle;
        if (op == Op::register_sensor && (!cfg_.register_late || handles_.size() == layout_.size())) op = Op::add;
        const std::size_t k = pick_sensor();
        cur_ = Trace{op_index_, op, static_cast<int>(k), 0, 0};
        bool all_sensors = false;
        switch (op) {
        case Op::add: do_add(k); break;
        case Op::bad_input: do_bad_input(k); break;
        case Op::consume_next:
            if (window_full(k)) do_ack(k);
            else do_consume_next(k);
            break;
        case Op::consume_batch:
            if (window_full(k)) do_ack(k);
            else do_consume_batch(k);
            break;
        case Op::erase: do_erase(k); break;
        case Op::ack: do_ack(k); break;
        case Op::read: do_read(k); break;
        case Op::tick:
            ss_manager_tick();
            model_.manager_tick();
            all_sensors = true;
            break;
        case Op::shutdown_toggle:
            model_.set_shutdown(!model_.shutdown());
            ss_set_shutdown(model_.shutdown());
            ss_manager_tick();
            model_.manager_tick();
            cur_.arg = model_.shutdown();
            all_sensors = true;
            break;
        case Op::register_sensor:
            cur_.sensor = static_cast<int>(handles_.size());
            if (register_next()) model_.note_late_registration();
            break;
        default: break;
        }
        trace_[trace_next_++ % trace_.size()] = cur_;
        if (!failure_.empty()) return;
        if (const char* broken = model_.self_check()) {
            fail(std::string("the reference model itself is inconsistent: ") + broken);
            return;
        }
        // Counts and stats after every operation: every sensor's stats (a bug may touch the
        // wrong store), the touched sensor's count getters, the system stats, a few reads.
        if (all_sensors) {
            check_everything();
            return;
        }
        check_counts(k);
        for (std::size_t i = 0; i < handles_.size() && failure_.empty(); ++i) check_stats(i);
        check_system();
        spot_read(k);
    }

    void do_add(std::size_t k) {
        const ss_model::SensorModel& s = model_.sensor(k);
        const std::uint64_t seq = s.next_seq;
        const std::uint32_t v = value_of(salt_, k, seq);
        const std::uint64_t ts = ts_of(salt_, k, seq);
        const int got = s.type == SENSOR_TS ? ss_ts_add(handles_[k], v) : ss_evt_add(handles_[k], v, ts);
        ++api_calls_;
        const int want = model_.add(k, v, s.type == SENSOR_TS ? 0 : ts);
        cur_.arg = seq;
        cur_.rc = got;
        same_rc("add", k, got, want);
    }

    void do_bad_input(std::size_t k) {
        SensorStore* h = handles_[k];
        const ss_model::SensorModel& s = model_.sensor(k);
        int got = 0;
        int want = -EINVAL;
        std::uint32_t n = 0;
        const std::uint64_t variant = pick(8);
        cur_.arg = variant;
        switch (variant) {
        case 0: // the wrong record type for the sensor
        case 1:
            got = s.type == SENSOR_TS ? ss_evt_add(h, 1, 2) : ss_ts_add(h, 1);
            break;
        case 2: got = ss_consume_batch_ex(h, buf_.data(), 0, &n, nullptr); break; // max_records 0
        case 3: got = ss_diag_read_at(h, 0, nullptr); break;
        case 6: { // an acknowledgement past the pending cursor: never handed out
            const std::uint64_t end = model_.expected_stats(k).pending_seq + 1 + pick(3);
            got = ss_erase_pending_until(h, end);
            want = model_.erase_pending_until(k, end);
            break;
        }
        case 7: { // an acknowledgement below the head (erased already), where there is one
            const std::uint64_t head = model_.expected_stats(k).head_seq;
            const std::uint64_t end = head == 0 ? ~std::uint64_t{0} : head - 1 - pick(head);
            got = ss_erase_pending_until(h, end);
            want = model_.erase_pending_until(k, end);
            break;
        }
        case 4: { // a sensor that exists already
            SensorStore* out = nullptr;
            got = ss_sensor_init_ex(s.source, s.id, s.type, &out);
            break;
        }
        default: { // one sensor too many, when every slot is taken; else a null out pointer
            if (handles_.size() == cfg_.max_sensors) {
                SensorStore* out = nullptr;
                got = ss_sensor_init_ex(SS_SOURCE_CAN, 0xFFFF'0000u, SENSOR_TS, &out);
                want = -ENOSPC;
            } else {
                got = ss_consume_batch_ex(h, buf_.data(), 4, nullptr, nullptr);
            }
            break;
        }
        }
        ++api_calls_;
        cur_.rc = got;
        model_.note_refused();
        same_rc("bad input (the variant is the operation's arg)", k, got, want);
    }

    void do_consume_next(std::size_t k) {
        std::vector<Rec> want_recs;
        buf_[0] = 0xA5A5'A5A5u;
        const int got = ss_consume_next(handles_[k], buf_.data());
        ++api_calls_;
        const int want = model_.consume(k, 1, want_recs);
        cur_.arg = 1;
        cur_.rc = got;
        if (!same_rc("consume_next", k, got, want) || got != 0) return;
        if (!same_records("consume_next", k, want_recs.data(), want_recs.size(), s_no_offset)) return;
        sent(k, want_recs.front().seq, 1);
    }

    std::uint32_t pick_batch_max(std::size_t k) {
        const std::uint32_t cap = model_.sensor(k).type == SENSOR_TS ? cap_ts() : cap_evt();
        switch (pick(20)) {
        case 0: return max_batch;
        case 1:
        case 2:
        case 3: return 1 + static_cast<std::uint32_t>(pick(64));
        default:
            return chance(500) ? 1 + static_cast<std::uint32_t>(pick(cap))
                               : 1 + static_cast<std::uint32_t>(pick(3 * std::size_t{cap}));
        }
    }

    void do_consume_batch(std::size_t k) {
        const std::uint32_t max = pick_batch_max(k);
        std::vector<Rec> want_recs;
        std::uint32_t n = 0xDEAD'BEEFu;
        std::uint64_t first = 0xFEED'FACE'0000'0000ull;
        const int got = ss_consume_batch_ex(handles_[k], buf_.data(), max, &n, &first);
        ++api_calls_;
        const int want = model_.consume(k, max, want_recs);
        cur_.arg = max;
        cur_.rc = got;
        if (!same_rc("consume_batch_ex", k, got, want)) return;
        if (got != 0) {
            same("consume_batch_ex out_n on -EAGAIN", k, n, 0u);
            return;
        }
        if (!same("consume_batch_ex out_n", k, n, static_cast<std::uint32_t>(want_recs.size()))) return;
        if (!same("consume_batch_ex first_seq", k, first, want_recs.front().seq)) return;
        if (!same_records("consume_batch_ex", k, want_recs.data(), want_recs.size(), s_no_offset)) return;
        sent(k, first, n);
    }

    /// A batch handed to the (imaginary) transport: into the sensor's window.
    void sent(std::size_t k, std::uint64_t first, std::uint32_t n) {
        if (auto ok = windows_[k]->sent(first, first + n); !ok)
            fail("AckWindow::sent refused batch [" + std::to_string(first) + ", " + std::to_string(first + n) +
                 ") with error " + std::to_string(static_cast<int>(ok.error())) + sensor_suffix(static_cast<std::ptrdiff_t>(k)));
    }

    /// A consume with the sensor's window full: an uploader would wait for an ack instead.
    bool window_full(std::size_t k) { return windows_[k]->full(); }

    /// The cloud acknowledges one batch in flight, chosen at random (so out of order), now and
    /// then one acknowledged already; the window releases the acknowledged prefix, and the
    /// store erases up to its end.
    void do_ack(std::size_t k) {
        AckWindow& w = *windows_[k];
        if (w.in_flight() == 0) {
            // Nothing in flight: an acknowledgement of nothing, at the head, is valid and idle.
            const SsSensorStats st = model_.expected_stats(k);
            const int got = ss_erase_pending_until(handles_[k], st.head_seq);
            ++api_calls_;
            cur_.arg = st.head_seq;
            cur_.rc = got;
            same_rc("erase_pending_until(head_seq)", k, got, model_.erase_pending_until(k, st.head_seq));
            return;
        }
        const ss::InFlightBatch b = w.at(static_cast<std::uint32_t>(pick(w.in_flight())));
        const bool duplicate = b.acked;
        auto r = w.ack(b.first_seq, b.end_seq);
        if (!r) {
            fail("AckWindow::ack refused a batch in flight [" + std::to_string(b.first_seq) + ", " +
                 std::to_string(b.end_seq) + ")" + sensor_suffix(static_cast<std::ptrdiff_t>(k)));
            return;
        }
        model_.note_ack(!r->released(), r->batches, duplicate);
        if (!r->released()) return;
        const int got = ss_erase_pending_until(handles_[k], r->erase_until);
        ++api_calls_;
        cur_.arg = r->erase_until;
        cur_.rc = got;
        same_rc("erase_pending_until", k, got, model_.erase_pending_until(k, r->erase_until));
    }

    void do_erase(std::size_t k) {
        cur_.arg = model_.sensor(k).pending;
        const int got = ss_erase_all_pending(handles_[k]);
        ++api_calls_;
        cur_.rc = got;
        windows_[k]->forget_in_flight(model_.expected_stats(k).pending_seq);
        same_rc("erase_all_pending", k, got, model_.erase_all_pending(k));
    }

    void do_read(std::size_t k) {
        const std::uint64_t retained = model_.sensor(k).retained;
        std::uint64_t off = 0;
        const std::size_t how = pick(10);
        if (how < 7 && retained != 0) off = pick(retained);
        else if (how < 9) off = retained + pick(3);
        else off = chance(500) ? UINT64_MAX : retained + (std::uint64_t{1} << 32);
        cur_.arg = off;
        read_one(k, off, "diag_read_at");
    }

    void read_one(std::size_t k, std::uint64_t off, const char* what) {
        Rec want_rec;
        buf_[0] = buf_[1] = buf_[2] = 0x5A5A'5A5Au;
        const int got = ss_diag_read_at(handles_[k], off, buf_.data());
        ++api_calls_;
        const int want = model_.read_at(k, off, want_rec);
        cur_.rc = got;
        if (!same_rc(what, k, got, want, off) || got != 0) return;
        same_records(what, k, &want_rec, 1, off);
    }

    // ---- checks ----------------------------------------------------------------------------------

    void spot_read(std::size_t k) {
        const ss_model::SensorModel& s = model_.sensor(k);
        if (s.retained == 0) return;
        read_one(k, 0, "spot read of the oldest record");
        if (failure_.empty()) read_one(k, s.retained - 1, "spot read of the newest record");
        if (failure_.empty() && s.unsent() != 0 && s.pending != 0)
            read_one(k, s.pending, "spot read of the first unsent record");
    }

    bool check_counts(std::size_t k) {
        const ss_model::SensorModel& s = model_.sensor(k);
        std::uint64_t total = ~0ull, unsent = ~0ull, pending = ~0ull;
        const int r1 = ss_get_total_records(handles_[k], &total);
        const int r2 = ss_get_unsent_count(handles_[k], &unsent);
        const int r3 = ss_get_pending_count(handles_[k], &pending);
        api_calls_ += 3;
        return same_rc("ss_get_total_records", k, r1, 0) && same("ss_get_total_records", k, total, s.retained) &&
               same_rc("ss_get_unsent_count", k, r2, 0) && same("ss_get_unsent_count", k, unsent, s.unsent()) &&
               same_rc("ss_get_pending_count", k, r3, 0) && same("ss_get_pending_count", k, pending, s.pending);
    }

    bool check_stats(std::size_t k) {
        SsSensorStats got;
        std::memset(&got, 0xCD, sizeof got);
        const int rc = ss_get_sensor_stats(handles_[k], &got);
        ++api_calls_;
        if (!same_rc("ss_get_sensor_stats", k, rc, 0)) return false;
        const SsSensorStats w = model_.expected_stats(k);
        return same("stats.sensor_id", k, got.sensor_id, w.sensor_id) &&
               same("stats.source", k, got.source, w.source) && same("stats.type", k, got.type, w.type) &&
               same("stats.retained", k, got.retained, w.retained) &&
               same("stats.pending", k, got.pending, w.pending) && same("stats.unsent", k, got.unsent, w.unsent) &&
               same("stats.next_seq", k, got.next_seq, w.next_seq) &&
               same("stats.head_seq", k, got.head_seq, w.head_seq) &&
               same("stats.pending_seq", k, got.pending_seq, w.pending_seq) &&
               same("stats.written", k, got.written, w.written) && same("stats.erased", k, got.erased, w.erased) &&
               same("stats.dropped_new", k, got.dropped_new, w.dropped_new) &&
               same("stats.dropped_recycled", k, got.dropped_recycled, w.dropped_recycled) &&
               same("stats.dropped_corrupt", k, got.dropped_corrupt, w.dropped_corrupt) &&
               same("stats.corrupt_sectors", k, got.corrupt_sectors, w.corrupt_sectors) &&
               same("stats.sectors", k, got.sectors, w.sectors);
    }

    bool check_system() {
        SsSystemStats got;
        std::memset(&got, 0xCD, sizeof got);
        const int rc = ss_get_system_stats(&got);
        ++api_calls_;
        if (!same_rc("ss_get_system_stats", -1, rc, 0)) return false;
        const SsSystemStats w = model_.expected_system_stats();
        return same("system.sensors", -1, got.sensors, w.sensors) &&
               same("system.max_sensors", -1, got.max_sensors, w.max_sensors) &&
               same("system.sectors_total", -1, got.sectors_total, w.sectors_total) &&
               same("system.sectors_free", -1, got.sectors_free, w.sectors_free) &&
               same("system.sectors_free_min", -1, got.sectors_free_min, w.sectors_free_min) &&
               same("system.sector_bytes", -1, got.sector_bytes, w.sector_bytes) &&
               same("system.ram_used_pct", -1, got.ram_used_pct, w.ram_used_pct) &&
               same("system.records_retained", -1, got.records_retained, w.records_retained) &&
               same("system.dropped_new", -1, got.dropped_new, w.dropped_new) &&
               same("system.dropped_recycled", -1, got.dropped_recycled, w.dropped_recycled) &&
               same("system.dropped_corrupt", -1, got.dropped_corrupt, w.dropped_corrupt) &&
               same("system.corrupt_sectors", -1, got.corrupt_sectors, w.corrupt_sectors) &&
               same("system.health_flags", -1, got.health_flags, w.health_flags);
    }

    /// Reads back every retained record of sensor k, and one past the end.
    bool check_contents(std::size_t k) {
        const ss_model::SensorModel& s = model_.sensor(k);
        for (std::uint64_t off = 0; off < s.retained && failure_.empty(); ++off) {
            const int got = ss_diag_read_at(handles_[k], off, buf_.data());
            ++api_calls_;
            if (!same_rc("full read-back", k, got, 0, off)) return false;
            same_records("full read-back", k, &s.at(off), 1, off);
        }
        if (!failure_.empty()) return false;
        const int got = ss_diag_read_at(handles_[k], s.retained, buf_.data());
        ++api_calls_;
        return same_rc("read-back one past the newest record", k, got, -EINVAL, s.retained);
    }

    bool check_everything() {
        for (std::size_t k = 0; k < handles_.size() && failure_.empty(); ++k) {
            check_counts(k);
            if (failure_.empty()) check_stats(k);
            if (failure_.empty()) check_contents(k);
        }
        if (failure_.empty()) check_system();
        return failure_.empty();
    }

    static constexpr std::uint64_t s_no_offset = ~0ull;

    /// Compares the n records in buf_ with want (and each with the value its (sensor, seq) gives);
    /// at = the diag offset of the first, or s_no_offset for consumed records.
    bool same_records(const char* what, std::size_t k, const Rec* want, std::size_t n, std::uint64_t at) {
        const bool ts = model_.sensor(k).type == SENSOR_TS;
        for (std::size_t i = 0; i < n; ++i) {
            std::uint32_t value = 0;
            std::uint64_t stamp = 0;
            if (ts) {
                value = buf_[i];
            } else {
                SsEventRecord r;
                std::memcpy(&r, reinterpret_cast<const std::byte*>(buf_.data()) + i * sizeof r, sizeof r);
                value = r.value;
                stamp = r.ts_ms;
            }
            const std::uint64_t want_ts = ts ? 0 : ts_of(salt_, k, want[i].seq);
            if (want[i].value != value_of(salt_, k, want[i].seq) || want[i].ts != want_ts)
                return fail("the model holds a wrong record (model bug) for seq " + std::to_string(want[i].seq));
            if (value != want[i].value || stamp != want[i].ts)
                return record_differs(what, k, want[i], i, at, value, stamp);
        }
        return true;
    }

    [[gnu::noinline]] bool record_differs(const char* what, std::size_t k, const Rec& want, std::size_t i,
                                          std::uint64_t at, std::uint32_t value, std::uint64_t stamp) {
        std::ostringstream m;
        m << what << ": record " << i;
        if (at != s_no_offset) m << " (diag offset " << at + i << ")";
        m << " of sensor " << k << " should be seq " << want.seq << " value 0x" << std::hex << want.value << " ts 0x"
          << want.ts << ", got value 0x" << value << " ts 0x" << stamp << std::dec << describe_value(k, value);
        return fail(m.str());
    }

    /// Which (sensor, seq) a value belongs to, to make a wrong record easy to place.
    std::string describe_value(std::size_t k, std::uint32_t value) const {
        const std::uint32_t raw = value ^ salt_;
        std::ostringstream m;
        m << " (that is the value of sensor " << (raw >> 24) << " seq " << (raw & 0xFFFFFF) << ", seq&0xFFFFFF";
        if ((raw >> 24) != (k & 0xFF)) m << ", ANOTHER sensor";
        m << ")";
        return m.str();
    }

    bool same_rc(const char* what, std::ptrdiff_t k, int got, int want, std::uint64_t at = s_no_offset) {
        if (got == want) return true;
        return rc_differs(what, k, got, want, at);
    }

    [[gnu::noinline]] bool rc_differs(const char* what, std::ptrdiff_t k, int got, int want, std::uint64_t at) {
        std::ostringstream m;
        m << what;
        if (at != s_no_offset) m << " at offset " << at;
        m << ": returned " << got << " (" << ss_strerror(got) << "), the model says " << want << " ("
          << ss_strerror(want) << ")" << sensor_suffix(k);
        return fail(m.str());
    }

    // The comparison is inline and the message built out of line: checks run ~40 times an
    // operation, and a std::ostringstream in their frame costs a lot under ASan.
    template <class A, class B>
    bool same(const char* what, std::ptrdiff_t k, A got, B want) {
        if (got == static_cast<A>(want)) return true;
        return differs(what, k, static_cast<std::uint64_t>(got), static_cast<std::uint64_t>(want));
    }

    [[gnu::noinline]] bool differs(const char* what, std::ptrdiff_t k, std::uint64_t got, std::uint64_t want) {
        std::ostringstream m;
        m << what << ": got " << got << ", the model says " << want << sensor_suffix(k);
        return fail(m.str());
    }

    std::string sensor_suffix(std::ptrdiff_t k) const {
        if (k < 0) return "";
        const ss_model::SensorModel& s = model_.sensor(static_cast<std::size_t>(k));
        std::ostringstream m;
        m << " [sensor " << k << ": source " << s.source << " id " << s.id << (s.type == SENSOR_TS ? " TS" : " EVT")
          << ", model: retained " << s.retained << " pending " << s.pending << " sectors " << s.sectors.size()
          << " next_seq " << s.next_seq << "; pool free " << model_.free_sectors() << "]";
        return m.str();
    }

    bool fail(const std::string& what) {
        if (!failure_.empty()) return false;
        std::ostringstream m;
        m << what << "\n  run '" << cfg_.name << "' #" << run_index_ << ", run seed 0x" << std::hex << seed_
          << ", base seed SS_MODEL_SEED=0x" << base_ << std::dec << ", operation " << op_index_ << " of " << ops_
          << (profile_ != nullptr ? std::string(", phase '") + profile_->name + "'" : std::string())
          << "\n  last operations (index op sensor arg rc):";
        const std::size_t n = std::min<std::size_t>(trace_next_, trace_.size());
        for (std::size_t i = trace_next_ - n; i < trace_next_; ++i) {
            const Trace& t = trace_[i % trace_.size()];
            m << "\n    " << t.index << ' ' << op_name(t.op) << " s" << t.sensor << ' ' << t.arg << ' ' << t.rc;
        }
        if (trace_next_ == 0 || trace_[(trace_next_ - 1) % trace_.size()].index != cur_.index)
            m << "\n    " << cur_.index << ' ' << op_name(cur_.op) << " s" << cur_.sensor << ' ' << cur_.arg << ' '
              << cur_.rc << " (in progress)";
        failure_ = m.str();
        return false;
    }

    std::uint32_t cap_ts() const { return Model::capacity(cfg_.sector_bytes, SENSOR_TS); }
    std::uint32_t cap_evt() const { return Model::capacity(cfg_.sector_bytes, SENSOR_EVT); }

    struct Layout {
        SsSource source;
        std::uint32_t id;
        SensorType type;
    };

    RunConfig cfg_;
    std::uint64_t base_;
    int run_index_;
    std::uint64_t seed_;
    std::uint64_t ops_;
    std::mt19937_64 rng_;
    std::uint32_t salt_;
    Model model_;
    std::vector<std::uint32_t> buf_;
    std::vector<Layout> layout_;
    std::vector<SensorStore*> handles_;
    // Batches in flight per sensor, as many as an MQTT receive window of 8 would allow.
    using AckWindow = ss::AckWindow<8>;
    std::vector<std::unique_ptr<AckWindow>> windows_;
    bool initialised_ = false;
    std::uint64_t op_index_ = 0;
    std::uint64_t next_phase_at_ = 0;
    const Profile* profile_ = nullptr;
    std::vector<std::size_t> hot_;
    Trace cur_{};
    std::array<Trace, 16> trace_{};
    std::size_t trace_next_ = 0;
    std::uint64_t api_calls_ = 0;
    std::string failure_;
};

struct Totals {
    Events events;
    std::uint64_t ops = 0;
    std::uint64_t runs = 0;
};

/// Runs every configuration `runs_each` times with its share of the total operations.
Totals run_all(const std::vector<RunConfig>& configs, int runs_each, double share_of_total, int first_run_index) {
    Totals t;
    const std::uint64_t base = base_seed();
    const double runs = static_cast<double>(configs.size()) * runs_each;
    const std::uint64_t per_run = std::max<std::uint64_t>(
        200, static_cast<std::uint64_t>(std::ceil(static_cast<double>(total_ops()) * share_of_total / runs)));
    int run_index = first_run_index;
    for (const RunConfig& cfg : configs) {
        for (int r = 0; r < runs_each; ++r, ++run_index) {
            if (only_run() >= 0 && only_run() != run_index) continue;
            const auto start = std::chrono::steady_clock::now();
            Run run(cfg, base, run_index, per_run);
            const bool ok = run.execute();
            t.events += run.events();
            t.ops += run.ops_done();
            ++t.runs;
            if (verbose()) {
                const double ms =
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
                const Events& e = run.events();
                std::printf("[model] %-36s #%-3d seed 0x%016" PRIx64 " ops %7" PRIu64 " api calls %8" PRIu64
                            " %6.0f ms | fresh %" PRIu64 " recycle pool/reserve/cap %" PRIu64 "/%" PRIu64 "/%" PRIu64
                            " past-boundary %" PRIu64 " tail %" PRIu64 " borrowed/donor-tail/refused %" PRIu64
                            "/%" PRIu64 "/%" PRIu64 " drop-new %" PRIu64 " erase>=2 %" PRIu64 " gap-stops %" PRIu64
                            " force-seal/then-add %" PRIu64 "/%" PRIu64 " empty-tail %" PRIu64
                            " | acks held/several/dup %" PRIu64 "/%" PRIu64 "/%" PRIu64
                            " erase-until/freeing/mid/refused %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
                            cfg.name, run_index, run.seed(), run.ops_done(), run.api_calls(), ms, e.fresh_sectors,
                            e.recycled_pool_empty, e.recycled_reserve_held, e.recycled_at_cap,
                            e.recycled_past_boundary, e.recycled_tail, e.borrowed, e.borrowed_donor_tail,
                            e.borrow_refused_unsealed, e.dropped_new, e.erases_freeing_several,
                            e.batches_stopped_at_gap, e.force_seals, e.new_sector_after_force_seal,
                            e.emptied_tail_restarted, e.acks_held, e.acks_releasing_several, e.acks_duplicate,
                            e.erases_until, e.erases_until_freeing, e.erases_until_mid_sector, e.erases_until_refused);
            }
            if (!ok) {
                char hex[24];
                std::snprintf(hex, sizeof hex, "0x%" PRIx64, base);
                INFO("reproduce with SS_MODEL_SEED=", hex, " SS_MODEL_OPS=", total_ops());
                const std::string name = cfg.name;
                INFO("configuration '", name, "' run #", run_index, " failed at operation ", run.ops_done());
                FAIL_CHECK(run.failure());
            }
        }
    }
    return t;
}

/// The situations every long run must have reached, or the test proves less than it claims.
void require_coverage(const Totals& t, bool capped, bool reserve) {
    // One replayed run, or a scaled-down count, need not reach everything.
    if (only_run() >= 0 || total_ops() < default_total_ops) return;
    const Events& e = t.events;
    INFO("coverage over ", t.runs, " runs, ", t.ops, " operations");
    CHECK_MESSAGE(e.fresh_sectors > 0, "no add ever took a fresh sector");
    if (!reserve) CHECK_MESSAGE(e.recycled_pool_empty > 0, "the pool never ran empty and forced a recycle");
    CHECK_MESSAGE(e.recycled_past_boundary > 0, "no recycle ever skipped a sector with a mid-sector pending boundary");
    CHECK_MESSAGE(e.recycled_tail > 0, "no recycle ever took the tail itself");
    CHECK_MESSAGE(e.dropped_new > 0, "no add was ever dropped for lack of non-pending space");
    CHECK_MESSAGE(e.borrowed > 0, "no sensor ever borrowed a sector");
    CHECK_MESSAGE(e.erases_freeing_several > 0, "no erase ever freed several sectors");
    CHECK_MESSAGE(e.erases_leaving_head_mid_sector > 0, "no erase ever left the head mid-sector");
    CHECK_MESSAGE(e.batches_stopped_at_gap > 0, "no batch ever stopped at a sequence gap");
    CHECK_MESSAGE(e.batches_across_sectors > 0, "no batch ever spanned sectors");
    CHECK_MESSAGE(e.consume_nothing_unsent > 0, "consume never found nothing unsent");
    CHECK_MESSAGE(e.force_seals > 0, "a shutdown tick never force-sealed a sector");
    CHECK_MESSAGE(e.new_sector_after_force_seal > 0, "no add ever followed a force-seal");
    CHECK_MESSAGE(e.emptied_tail_restarted > 0, "no add ever followed an erase of everything in a full tail");
    CHECK_MESSAGE(e.reads_out_of_range > 0, "no diagnostic read was ever out of range");
    CHECK_MESSAGE(e.acks_held > 0, "no ack ever came before the batches ahead of it");
    CHECK_MESSAGE(e.acks_releasing_several > 0, "no ack ever released several batches at once");
    CHECK_MESSAGE(e.acks_duplicate > 0, "no batch was ever acknowledged twice");
    CHECK_MESSAGE(e.erases_until_freeing > 0, "no erase by sequence ever gave a sector back");
    CHECK_MESSAGE(e.erases_until_mid_sector > 0, "no erase by sequence ever left the head mid-sector");
    CHECK_MESSAGE(e.erases_until_refused > 0, "no erase by sequence was ever refused");
    CHECK_MESSAGE(e.refused_bad_input > 0, "no bad input was ever tried");
    if (capped) CHECK_MESSAGE(e.recycled_at_cap > 0, "no sensor ever hit max_sectors_per_sensor");
    if (reserve) {
        CHECK_MESSAGE(e.recycled_reserve_held > 0, "the reserve for unregistered sensors never blocked a take");
        CHECK_MESSAGE(e.late_registrations > 0, "no sensor was registered late");
    }
}

} // namespace

// Shares of the total operation count: 0.40 + 0.20 + 0.25 + 0.15 = 1.

TEST_CASE("random operations on TS and EVT sensors of every source over a small shared pool agree with the model") {
    const std::vector<RunConfig> configs{
        {"64B sectors, 16 sensors, 8 spare", 64, 16, 16, 8, 0, SS_VERIFY_FIRST_READ, 1, false},
        {"64B sectors, 20 sensors, 24 spare", 64, 20, 20, 24, 0, SS_VERIFY_FIRST_READ, 1, false},
        {"64B sectors, 16 sensors, 2 spare", 64, 16, 16, 2, 0, SS_VERIFY_EVERY_READ, 1, false},
        {"64B sectors, 18 sensors, 0 spare", 64, 18, 18, 0, 0, SS_VERIFY_OFF, 0, false},
    };
    const Totals t = run_all(configs, 2, 0.40, 0);
    require_coverage(t, false, false);
}

TEST_CASE("sensors at their per-sensor sector cap recycle their own sectors as the model says") {
    const std::vector<RunConfig> configs{
        {"64B sectors, cap 3, 24 spare", 64, 18, 18, 24, 3, SS_VERIFY_FIRST_READ, 1, false},
        {"64B sectors, cap 2, 6 spare", 64, 16, 16, 6, 2, SS_VERIFY_EVERY_READ, 1, false},
    };
    const Totals t = run_all(configs, 2, 0.20, 100);
    require_coverage(t, true, false);
}

TEST_CASE("32-byte and 256-byte sectors agree with the model too") {
    const std::vector<RunConfig> configs{
        {"48B sectors, 16 sensors, 12 spare", 48, 16, 16, 12, 0, SS_VERIFY_FIRST_READ, 1, false},
        {"48B sectors, 24 sensors, cap 4", 48, 24, 24, 24, 4, SS_VERIFY_OFF, 0, false},
        {"256B sectors, 16 sensors, 8 spare", 256, 16, 16, 8, 0, SS_VERIFY_FIRST_READ, 1, false},
    };
    const Totals t = run_all(configs, 2, 0.25, 200);
    require_coverage(t, false, false);
}

TEST_CASE("sensors registered while others run get their sector from the reserve the model keeps") {
    const std::vector<RunConfig> configs{
        {"64B sectors, 17 of 24 sensors, late", 64, 24, 17, 6, 0, SS_VERIFY_FIRST_READ, 1, true},
        {"48B sectors, 16 of 20 sensors, late", 48, 20, 16, 10, 0, SS_VERIFY_FIRST_READ, 1, true},
    };
    const Totals t = run_all(configs, 2, 0.15, 300);
    require_coverage(t, false, true);
}

// The model's rule for a tail that holds no retained record, pinned as a plain scenario: a sensor
// that erased everything in its full tail and then adds must not keep the emptied sector besides
// a new one. (An earlier make_room did: the emptied sector stayed chained before head, was never
// freed again, and a few rounds drained the pool, so unsent records were recycled needlessly.)
TEST_CASE("a sensor that erased everything in its full tail does not keep the emptied sector when it adds") {
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.ram_sector_bytes = 80; // 12 TS records per sector
    cfg.max_sensors = 1;
    cfg.ram_pool_bytes = 3 * 80;
    cfg.log = silent_log;
    REQUIRE(ss_init_system(&cfg) == 0);
    struct Deinit {
        ~Deinit() { ss_deinit_system(); }
    } deinit;
    SensorStore* s = nullptr;
    REQUIRE(ss_sensor_init_ex(SS_SOURCE_HOST, 1, SENSOR_TS, &s) == 0);
    std::uint32_t buf[64];
    std::uint32_t n = 0;
    std::uint32_t v = 0;
    for (int round = 0; round < 2; ++round) {
        CAPTURE(round);
        for (int i = 0; i < 12; ++i) REQUIRE(ss_ts_add(s, v++) == 0); // fills the tail exactly
        REQUIRE(ss_consume_batch(s, buf, 64, &n) == 0);
        REQUIRE(n == 12);
        REQUIRE(ss_erase_all_pending(s) == 0); // nothing retained; the full tail is kept
        REQUIRE(ss_ts_add(s, v++) == 0);       // needs a new tail
        SsSensorStats st;
        SsSystemStats sys;
        REQUIRE(ss_get_sensor_stats(s, &st) == 0);
        REQUIRE(ss_get_system_stats(&sys) == 0);
        CHECK(st.retained == 1);
        CHECK(st.sectors == 1);
        CHECK(sys.sectors_free == 2);
        REQUIRE(ss_consume_batch(s, buf, 64, &n) == 0);
        REQUIRE(ss_erase_all_pending(s) == 0);
        for (int i = 0; i < 11; ++i) REQUIRE(ss_ts_add(s, v++) == 0); // fill the tail again
        REQUIRE(ss_consume_batch(s, buf, 64, &n) == 0);
        REQUIRE(ss_erase_all_pending(s) == 0);
    }
    // With the two other sectors free, 24 unsent records fit without recycling any.
    for (int i = 0; i < 24; ++i) REQUIRE(ss_ts_add(s, v++) == 0);
    SsSensorStats st;
    REQUIRE(ss_get_sensor_stats(s, &st) == 0);
    CHECK(st.dropped_recycled == 0);
    CHECK(st.retained == 24);
}
