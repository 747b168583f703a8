// Crash test (README.md here): a writer + uploader + manager process (ss_crash_child run) is
// killed with SIGKILL at random moments, over and over, on one disk root. After every kill this
// parent reads the disk root itself (crash_common.hpp: read_disk, from the format description),
// then a verify process (ss_crash_child verify) recovers the store and drains it, and the parent
// checks, per sensor:
//   - what is served after the restart is exactly the unacknowledged records of the valid units
//     on disk at the kill (nothing durable lost, nothing else invented), in order, each with the
//     value its sequence number implies (nothing corrupt served);
//   - no unit on disk is torn or corrupt, and none is out of sequence order (a SIGKILL loses no
//     written byte, so the disk tier must never have written a bad one);
//   - the acknowledged boundary in the meta never moves back; an acknowledged record comes back
//     only while it is still at or above it (a stale meta: at-least-once), and then with its
//     original sequence number and value;
//   - sequence numbers never go backwards: the numbering after a restart starts above every
//     number ever handed out before, and a restarted uploader sees the recovered records first,
//     in order, then only numbers above that;
//   - within a life, the uploader's batches carry the pattern and strictly increasing numbers
//     (checked in the child) and every acknowledgement it logged was a batch it was given;
//   - after a clean stop (some lives stop by themselves) numbering continues with no gap and
//     everything retained at the stop is served;
//   - nothing appears on a life's stderr (sanitizer reports, crashes).
// Library bugs found here have their own regression cases and reproducers at the end (README.md).
// SS_CRASH_CYCLES sets the number of kills (default 200; the notice and quota cases get half),
// SS_CRASH_SEED the seed, SS_CRASH_DIR where the disk root goes (default /dev/shm),
// SS_CRASH_KEEP=1 keeps it.
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "crash_common.hpp"
#include "spawn.hpp"

namespace {

using namespace crash;
namespace fs = std::filesystem;

constexpr std::uint32_t sensors = 30; // ten per source, TS and EVT alternating
constexpr std::uint32_t unit_bytes = 256;

/// Disjoint half-open intervals of sequence numbers.
class SeqSet {
public:
    void add(std::uint64_t first, std::uint64_t end) {
        auto it = m_.upper_bound(first);
        if (it != m_.begin() && std::prev(it)->second >= first) {
            --it;
            first = it->first;
            end = std::max(end, it->second);
            it = m_.erase(it);
        }
        while (it != m_.end() && it->first <= end) {
            end = std::max(end, it->second);
            it = m_.erase(it);
        }
        m_.emplace(first, end);
    }
    bool has(std::uint64_t seq) const {
        auto it = m_.upper_bound(seq);
        return it != m_.begin() && std::prev(it)->second > seq;
    }

private:
    std::map<std::uint64_t, std::uint64_t> m_;
};

struct SensorState {
    bool have_h = false;
    std::uint64_t h = 0; // highest sequence number ever handed out (any life)
    SeqSet acked;
    bool prev_meta_ok = false;
    std::uint64_t prev_head = 0;
    std::uint64_t prev_effective_head = 0;
    std::vector<DiskRecord> recovered; // what the next life must serve first (= last verify)
    std::uint64_t resume = 0;          // where the last verify said numbering continues
};

struct Totals {
    std::uint64_t killed = 0, clean = 0, early_kills = 0;
    std::uint64_t acks_by_seq = 0; // lives whose uploader acknowledged by sequence number
    std::uint64_t consumed = 0, acked = 0, served = 0, acked_resent = 0, resent_batches = 0;
    std::uint64_t meta_missing = 0, warnings = 0, max_recovered = 0, quota_skipped = 0, clean_resent = 0;
    double run_s = 0, verify_s = 0;
};

std::string tail(const std::string& s, std::size_t n = 3000) { return s.size() <= n ? s : s.substr(s.size() - n); }

#define CYCLE_CHECK(cond, msg)                                                                  \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::ostringstream os_;                                                             \
            os_ << msg;                                                                         \
            FAIL_CHECK("cycle " << cycle << ": " << os_.str() << "\nlast life: "                \
                       << read_text(ev_ + "/info_" + std::to_string(cycle) + ".txt"));              \
            return false;                                                                       \
        }                                                                                       \
    } while (0)

class CrashRun {
public:
    CrashRun(std::string base, std::uint64_t seed, const char* kind)
        : base_(std::move(base)), root_(base_ + "/data"), ev_(base_ + "/ev"), rng_(seed), kind_(kind) {
        fs::create_directories(ev_);
        st_.resize(sensors);
    }

    bool cycle(int cycle) {
        const std::string tag = std::to_string(cycle);
        // ---- one life, killed at a random moment ----
        const bool early = rng_() % 10 == 0; // sometimes during init and recovery
        const auto delay = std::chrono::milliseconds(early ? rng_() % 15 : 20 + rng_() % 231);
        const std::uint64_t seed = rng_();
        auto t0 = std::chrono::steady_clock::now();
        const pid_t pid = spawn_child({"run", root_, ev_, tag, std::to_string(seed), std::to_string(sensors), kind_},
                                      ev_ + "/stderr_" + tag + ".txt");
        CYCLE_CHECK(pid > 0, "fork failed");
        ChildEnd end = wait_child(pid, delay);
        tot_.run_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string errors = read_text(ev_ + "/errors_" + tag + ".txt");
        const std::string log = read_text(ev_ + "/log_" + tag + ".txt");
        const std::string info = read_text(ev_ + "/info_" + tag + ".txt");
        // Anything on stderr is a sanitizer report or a crash message: the kill may have cut
        // it short, but it must not be there at all.
        const std::string err = read_text(ev_ + "/stderr_" + tag + ".txt");
        CYCLE_CHECK(err.empty(), "the life wrote to stderr (" << info << "):\n" << tail(err, 6000));
        CYCLE_CHECK(errors.empty(), "the life found a problem (" << info << "): " << errors << "\nlog: " << tail(log));
        const bool clean = end.exited && end.code == 0;
        CYCLE_CHECK(clean || end.signal == SIGKILL, // a quota life whose stop cannot complete kills itself
                    "the life ended with exit code " << end.code << " signal " << end.signal << " (" << info
                                                     << ")\nlog: " << tail(log));
        tot_.killed += clean ? 0 : 1;
        tot_.clean += clean ? 1 : 0;
        tot_.acks_by_seq += info.find("acks by sequence") != std::string::npos ? 1 : 0;
        tot_.early_kills += early ? 1 : 0;
        for (std::size_t p = 0; (p = log.find('\n', p)) != std::string::npos; ++p) ++tot_.warnings;

        if (!check_life(cycle, tag)) return false;
        std::vector<StatEntry> clean_stats;
        if (clean) {
            clean_stats = read_entries<StatEntry>(ev_ + "/clean_" + tag + ".bin");
            CYCLE_CHECK(clean_stats.size() == sensors, "clean stop left " << clean_stats.size() << " figures");
        }

        // ---- what the disk holds now ----
        std::vector<DiskView> views;
        for (std::uint32_t i = 0; i < sensors; ++i) {
            views.push_back(read_disk(root_, crash_sensor(i), unit_bytes));
            const DiskView& v = views.back();
            SensorState& s = st_[i];
            CYCLE_CHECK(v.bad_units == 0, "sensor " << i << ": " << v.bad_units << " torn or corrupt units on disk after a SIGKILL");
            CYCLE_CHECK(v.disorder_units == 0, "sensor " << i << ": " << v.disorder_units << " units out of sequence order on disk");
            if (v.have_meta)
                CYCLE_CHECK(v.meta_ok, "sensor " << i << ": the meta file does not decode (a replace is atomic)");
            if (v.meta_ok && s.prev_meta_ok)
                CYCLE_CHECK(v.meta.head_seq >= s.prev_head,
                            "sensor " << i << ": acknowledged boundary went back from " << s.prev_head << " to "
                                      << v.meta.head_seq);
            if (v.meta_ok && s.prev_meta_ok)
                CYCLE_CHECK(v.head >= s.prev_effective_head,
                            "sensor " << i << ": acknowledged boundary (meta and acknowledgement log) went back from "
                                      << s.prev_effective_head << " to " << v.head);
            if (v.meta_ok) {
                s.prev_meta_ok = true;
                s.prev_head = v.meta.head_seq;
                s.prev_effective_head = v.head;
            }
            if (v.have_data && !v.have_meta) ++tot_.meta_missing;
        }

        // ---- a restart: recover and drain ----
        t0 = std::chrono::steady_clock::now();
        const pid_t vpid = spawn_child({"verify", root_, ev_, tag, std::to_string(sensors)}, ev_ + "/vstderr_" + tag + ".txt");
        CYCLE_CHECK(vpid > 0, "fork failed");
        end = wait_child(vpid, std::chrono::seconds(60));
        tot_.verify_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string vlog = read_text(ev_ + "/vlog_" + tag + ".txt");
        const std::string verr = read_text(ev_ + "/vstderr_" + tag + ".txt");
        CYCLE_CHECK(end.exited && end.code == 0 && verr.empty(), "the verifying restart failed: exit "
                                                                     << end.code << " signal " << end.signal << "\nstderr: "
                                                                     << tail(verr, 6000) << "\nlog: " << tail(vlog));
        for (std::size_t p = 0; (p = vlog.find('\n', p)) != std::string::npos; ++p) ++tot_.warnings;
        const auto vstats = read_entries<StatEntry>(ev_ + "/vstats_" + tag + ".bin");
        const auto served = read_entries<ServedEntry>(ev_ + "/vserved_" + tag + ".bin");
        CYCLE_CHECK(vstats.size() == sensors, "verify reported " << vstats.size() << " sensors");
        std::vector<std::vector<ServedEntry>> by(sensors);
        for (const ServedEntry& e : served) {
            CYCLE_CHECK(e.sensor < sensors, "bad sensor index in verify output");
            by[e.sensor].push_back(e);
        }
        for (std::uint32_t i = 0; i < sensors; ++i) {
            const SensorDef d = crash_sensor(i);
            SensorState& s = st_[i];
            const StatEntry& vs = vstats[i];
            const DiskView& v = views[i];
            const auto& got = by[i];
            CYCLE_CHECK(vs.rc == 0, "sensor " << i << ": registration after restart failed: " << vs.rc);
            for (std::size_t k = 0; k < got.size(); ++k) {
                const ServedEntry& e = got[k];
                CYCLE_CHECK(e.value == value_of(d.source, d.id, e.seq) &&
                                (d.type == SENSOR_TS || e.ts_ms == ts_of(d.source, d.id, e.seq)),
                            "sensor " << i << ": served record seq " << e.seq << " is corrupt (value " << e.value << ")");
                CYCLE_CHECK(k == 0 || e.seq > got[k - 1].seq, "sensor " << i << ": served seq " << e.seq << " after " << got[k - 1].seq);
            }
            // Exactly the live records of the disk, in order.
            std::size_t k = 0;
            for (; k < std::min(got.size(), v.live.size()); ++k)
                CYCLE_CHECK(got[k].seq == v.live[k].seq && got[k].value == v.live[k].value,
                            "sensor " << i << ": served #" << k << " is seq " << got[k].seq << ", the disk holds seq "
                                      << v.live[k].seq << " there");
            CYCLE_CHECK(got.size() == v.live.size(),
                        "sensor " << i << ": " << got.size() << " records served after restart, " << v.live.size()
                                  << " unacknowledged records in valid units on disk (meta "
                                  << (v.meta_ok ? "ok" : "missing") << ", head " << v.meta.head_seq << ", logged " << v.ack_logged << ", "
                                  << v.valid_units << " units)"
                                  << (got.size() < v.live.size() ? ": durable records were lost" : ": records came from nowhere"));
            CYCLE_CHECK(vs.pending == 0 && vs.retained == got.size(),
                        "sensor " << i << ": after restart retained " << vs.retained << " pending " << vs.pending << ", served "
                                  << got.size());
            if (s.have_h)
                CYCLE_CHECK(vs.next_seq > s.h, "sensor " << i << ": numbering resumes at " << vs.next_seq
                                                         << " but seq " << s.h << " was handed out before: numbers go back");
            if (!got.empty())
                CYCLE_CHECK(vs.next_seq > got.back().seq, "sensor " << i << ": numbering resumes at " << vs.next_seq
                                                                   << " below a recovered record " << got.back().seq);
            if (clean) {
                CYCLE_CHECK(vs.next_seq == clean_stats[i].next_seq,
                            "sensor " << i << ": after a clean stop numbering resumes at " << vs.next_seq << ", not "
                                      << clean_stats[i].next_seq << " (a gap)");
                // Acknowledged records before the stop's head may come back (BUG "clean resend",
                // README.md here; its own test case below): counted, and nothing else may differ.
                std::size_t resent = 0;
                while (resent < got.size() && got[resent].seq < clean_stats[i].head_seq && s.acked.has(got[resent].seq)) ++resent;
                tot_.clean_resent += resent;
                CYCLE_CHECK(got.size() - resent == clean_stats[i].retained &&
                                (got.size() == resent || got[resent].seq == clean_stats[i].head_seq),
                            "sensor " << i << ": " << clean_stats[i].retained << " retained from seq "
                                      << clean_stats[i].head_seq << " at the clean stop, " << got.size() - resent
                                      << " came back (and " << resent << " acknowledged ones before them)");
            }
            bool resent = false;
            for (const ServedEntry& e : got) {
                if (s.acked.has(e.seq)) {
                    ++tot_.acked_resent;
                    resent = true;
                }
            }
            tot_.resent_batches += resent;
            tot_.served += got.size();
            tot_.max_recovered = std::max<std::uint64_t>(tot_.max_recovered, got.size());
            if (!got.empty()) {
                s.h = s.have_h ? std::max(s.h, got.back().seq) : got.back().seq;
                s.have_h = true;
            }
            s.recovered.clear();
            for (const ServedEntry& e : got) s.recovered.push_back(DiskRecord{e.seq, e.value, e.ts_ms});
            s.resume = vs.next_seq;
        }
        // Keep the evidence of the last two cycles only.
        if (cycle >= 2) {
            const std::string old = std::to_string(cycle - 2);
            for (const char* f : {"errors_", "log_", "vlog_", "info_", "stderr_", "vstderr_"}) fs::remove(ev_ + "/" + f + old + ".txt");
            for (const char* f : {"consumed_", "acked_", "clean_", "vstats_", "vserved_"}) fs::remove(ev_ + "/" + f + old + ".bin");
        }
        return true;
    }

    const Totals& totals() const { return tot_; }

private:
    /// The uploader's evidence of life `tag`, against what the restart before it recovered.
    bool check_life(int cycle, const std::string& tag) {
        const auto consumed = read_entries<BatchEntry>(ev_ + "/consumed_" + tag + ".bin");
        const auto acked = read_entries<BatchEntry>(ev_ + "/acked_" + tag + ".bin");
        std::set<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>> batches;
        std::vector<std::size_t> pos(sensors, 0);
        std::vector<bool> any(sensors, false);
        std::vector<std::uint64_t> last(sensors, 0);
        std::uint64_t skipped = 0;
        for (const BatchEntry& b : consumed) {
            CYCLE_CHECK(b.sensor < sensors && b.n >= 1, "bad consumed entry");
            SensorState& s = st_[b.sensor];
            const std::uint32_t i = b.sensor;
            CYCLE_CHECK(!any[i] || b.first_seq > last[i], "sensor " << i << ": batch at " << b.first_seq << " after " << last[i]);
            for (std::uint64_t seq = b.first_seq; seq < b.first_seq + b.n; ++seq) {
                if (seq < s.resume) {
                    // Below where numbering resumed: a re-send of a recovered record, in order.
                    // Recovered records may be skipped only if the disk quota dropped them.
                    while (pos[i] < s.recovered.size() && s.recovered[pos[i]].seq < seq) {
                        ++pos[i];
                        ++skipped;
                    }
                    CYCLE_CHECK(pos[i] < s.recovered.size() && s.recovered[pos[i]].seq == seq,
                                "sensor " << i << ": the restarted uploader got seq " << seq << " below the resume point "
                                          << s.resume << " that was not the next recovered record ("
                                          << (pos[i] < s.recovered.size() ? std::to_string(s.recovered[pos[i]].seq) : "none")
                                          << ")");
                    ++pos[i];
                } else {
                    skipped += s.recovered.size() - pos[i];
                    pos[i] = s.recovered.size();
                    CYCLE_CHECK(!s.have_h || seq > s.h, "sensor " << i << ": seq " << seq << " handed out again (max before: " << s.h << ")");
                }
            }
            any[i] = true;
            last[i] = b.first_seq + b.n - 1;
            batches.emplace(i, b.first_seq, b.n);
            tot_.consumed += b.n;
        }
        if (skipped != 0) {
            const std::string log = read_text(ev_ + "/log_" + tag + ".txt");
            CYCLE_CHECK(log.find("disk quota reached") != std::string::npos,
                        skipped << " recovered records were never handed out by the restarted uploader, and the disk "
                                   "quota dropped nothing\nlog: " << tail(log));
            tot_.quota_skipped += skipped;
        }
        for (const BatchEntry& a : acked) {
            CYCLE_CHECK(batches.count({a.sensor, a.first_seq, a.n}) == 1,
                        "sensor " << a.sensor << ": acknowledged batch " << a.first_seq << "+" << a.n << " was never handed out");
            st_[a.sensor].acked.add(a.first_seq, a.first_seq + a.n);
            tot_.acked += a.n;
        }
        for (std::uint32_t i = 0; i < sensors; ++i) {
            if (!any[i]) continue;
            st_[i].h = st_[i].have_h ? std::max(st_[i].h, last[i]) : last[i];
            st_[i].have_h = true;
        }
        return true;
    }

    std::string base_, root_, ev_;
    std::mt19937_64 rng_;
    std::string kind_;
    std::vector<SensorState> st_;
    Totals tot_;
};

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

void crash_cycles(const char* what, std::uint64_t cycles, const char* kind, bool keep_on_failure) {
    const std::uint64_t seed = env_u64("SS_CRASH_SEED", static_cast<std::uint64_t>(
                                                            std::chrono::steady_clock::now().time_since_epoch().count()));
    const std::string base = make_temp_dir("ss-crash");
    REQUIRE(!base.empty());
    const std::string name = what;
    MESSAGE(name << ": " << cycles << " cycles, SS_CRASH_SEED=" << seed << ", root " << base);
    const auto t0 = std::chrono::steady_clock::now();
    bool ok = true;
    CrashRun run(base, seed, kind);
    std::uint64_t done = 0;
    for (; done < cycles && ok; ++done) ok = run.cycle(static_cast<int>(done));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Totals& t = run.totals();
    MESSAGE(name << ": " << done << " cycles in " << secs << " s (lives " << t.run_s << " s, restarts " << t.verify_s
                 << " s): " << t.killed << " killed (" << t.early_kills << " early), " << t.clean
                 << " clean stops, " << t.acks_by_seq << " lives acknowledging by sequence; consumed " << t.consumed << ", acknowledged " << t.acked << ", served after restart "
                 << t.served << " (largest " << t.max_recovered << "), acknowledged records re-sent (stale meta) "
                 << t.acked_resent << " in " << t.resent_batches << " sensor-restarts, data without meta "
                 << t.meta_missing << ", recovered records dropped by the quota before re-send " << t.quota_skipped
                 << ", library warnings " << t.warnings << ", acknowledged records re-sent after a clean stop (BUG clean resend) "
                 << t.clean_resent);
    // Acknowledged boundaries are durable with each tick (the acknowledgement log): a SIGKILL
    // re-sends what was acknowledged since the last tick, about 1 % of plain lives on an idle
    // machine (a 0.3-4 ms tick against lives of 20-250 ms), 11-13 % when only the once-a-second
    // metas recorded them. The bound leaves room for a loaded or instrumented run, whose ticks
    // are slower against lives of the same length. Lives with a shutdown notice stop recording
    // once the shutdown budget is spent while their uploader goes on: reported, not bounded.
    // Sanitizer and qemu-user runs report the share without the bound.
    const double resent_pct = t.acked == 0 ? 0.0 : 100.0 * static_cast<double>(t.acked_resent) / static_cast<double>(t.acked);
    MESSAGE(name << ": acknowledged records re-sent after a SIGKILL: " << t.acked_resent << " of " << t.acked << " ("
                 << resent_pct << " %)");
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(SS_TEST_UNDER_EMULATOR)
    (void)resent_pct; // instrumented or emulated: ticks several times slower against the same lives
#else
    if (std::strcmp(kind, "notice") != 0) CHECK(resent_pct <= 5.0);
#endif
    CHECK(done == cycles);
    // Both ways to acknowledge were exercised (one each way at least, with enough lives).
    if (done >= 20) {
        CHECK(t.acks_by_seq > 0);
        CHECK(t.acks_by_seq < done);
    }
    if (std::getenv("SS_CRASH_KEEP") == nullptr && (ok || !keep_on_failure)) {
        std::error_code ec;
        fs::remove_all(base, ec);
    } else {
        MESSAGE("disk root and evidence kept in " << base);
    }
}

} // namespace

TEST_CASE("SIGKILL at random moments: durable records survive, nothing corrupt or acknowledged-and-trimmed comes back, "
          "numbers never go back") {
    crash_cycles("crash test", env_u64("SS_CRASH_CYCLES", 200), "strict", true);
}

// Regression ("shutdown reservation", README.md here): a shutdown closes a sensor's sequence
// reservation at a `next` read before the meta is written; the consume limit must drop to it at
// once. Lives here get a shutdown notice while writers and uploader go on.
TEST_CASE("SIGKILL during a shutdown with writers and uploader still running: the same guarantees") {
    const std::uint64_t cycles = env_u64("SS_CRASH_NOTICE_CYCLES", std::max<std::uint64_t>(50, env_u64("SS_CRASH_CYCLES", 200) / 2));
    crash_cycles("crash test with shutdown notices", cycles, "notice", false);
}

// Regression ("quota index", README.md here): write_units must not index s.units across a
// claim_chunk that dropped units from it. Lives here vary the disk quotas.
TEST_CASE("SIGKILL at random moments under disk quotas that change between lives: the same guarantees") {
    const std::uint64_t cycles = env_u64("SS_CRASH_QUOTA_CYCLES", std::max<std::uint64_t>(50, env_u64("SS_CRASH_CYCLES", 200) / 2));
    crash_cycles("crash test with disk quotas", cycles, "quota", false);
}

// Regression "quota index", made deterministic: three chunks on disk, a restart with a per-sensor cap of
// two, a pending record in the first chunk and nine new units (ss_crash_child repro-quota-index).
TEST_CASE("a restart with a lower per-sensor disk cap writes new units without reading past its unit list") {
    const std::string base = make_temp_dir("ss-repro");
    REQUIRE(!base.empty());
    const ChildEnd end = wait_child(spawn_child({"repro-quota-index", base + "/data"}), std::chrono::seconds(30));
    CHECK(end.signal == 0); // SIGSEGV in DiskTier::write_units (release build); ASan/UBSan: exit 1
    CHECK(end.exited);
    CHECK(end.code == 0);
    std::error_code ec;
    fs::remove_all(base, ec);
}

// Regression "shutdown reservation", made deterministic: the add and consume happen inside the
// manager's directory sync of the shutdown tick (tests/crash/crash_child.cpp, fsync wrapper).
TEST_CASE("a record handed out during the shutdown tick keeps its number to itself after a crash") {
    const std::string base = make_temp_dir("ss-repro");
    REQUIRE(!base.empty());
    const std::string root = base + "/data";
    ChildEnd end = wait_child(spawn_child({"repro-shutdown-seq", root, "1"}), std::chrono::seconds(30));
    // Stage 1 exits cleanly when nothing at or above the closed reservation was handed out (the
    // library as it should be); if something was, it kills itself and stage 2 looks for reuse.
    if (end.exited) {
        CHECK(end.code == 0);
        std::error_code ec;
        fs::remove_all(base, ec);
        return;
    }
    REQUIRE(end.signal == SIGKILL);
    end = wait_child(spawn_child({"repro-shutdown-seq", root, "2"}), std::chrono::seconds(30));
    CHECK(end.exited);
    CHECK(end.code == 0); // 2: the number was handed out twice
    std::error_code ec;
    fs::remove_all(base, ec);
}

// Regression "clean stop gap" (README.md here): ss_shutdown_complete() must not be true before a
// shutdown tick has closed the reservation, or the clean restart resumes about 2^20 further on.
TEST_CASE("a clean stop with everything acknowledged continues numbering without a gap") {
    const std::string base = make_temp_dir("ss-repro");
    REQUIRE(!base.empty());
    const std::string root = base + "/data";
    ChildEnd end = wait_child(spawn_child({"repro-clean-gap", root, "1"}), std::chrono::seconds(30));
    REQUIRE(end.exited);
    REQUIRE(end.code == 0);
    end = wait_child(spawn_child({"repro-clean-gap", root, "2"}), std::chrono::seconds(30));
    CHECK(end.exited);
    CHECK(end.code == 0); // 2: a gap
    std::error_code ec;
    fs::remove_all(base, ec);
}

// Regression "clean resend" (README.md here): a sector whose front was acknowledged in RAM moves
// the acknowledged boundary when it spills; the meta must be rewritten, or the clean restart
// re-sends the acknowledged front (ss_crash_child repro-clean-resend).
TEST_CASE("a clean stop re-sends nothing acknowledged, even when a sector spills after the final meta") {
    const std::string base = make_temp_dir("ss-repro");
    REQUIRE(!base.empty());
    const std::string root = base + "/data";
    ChildEnd end = wait_child(spawn_child({"repro-clean-resend", root, "1"}), std::chrono::seconds(30));
    REQUIRE(end.exited);
    REQUIRE(end.code == 0);
    end = wait_child(spawn_child({"repro-clean-resend", root, "2"}), std::chrono::seconds(30));
    CHECK(end.exited);
    CHECK(end.code == 0); // 2: records 60..64, acknowledged, came back
    std::error_code ec;
    fs::remove_all(base, ec);
}
