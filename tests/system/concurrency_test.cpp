// The public C API under load: 8 writer threads and one uploader move 1 000 000 records through
// 320 sensors while a manager thread ticks, toggles shutdown sealing, scrubs and reads the
// system figures. The RAM pool is large enough that most records are delivered, and small
// enough that the two simulated cloud outages drop some, both by recycling unsent sectors and
// by refusing new records when only pending data is left.
//
// Every record can be traced: its value names the sensor, the writer and the writer's count of
// adds to that sensor; an event's timestamp also names the writer, the sensor and the writer's
// overall add count. So after the run each record that was not counted as dropped must have been
// delivered exactly once, in order, under the sequence numbers the API promised, and the
// library's own counters must add up to what the writers offered.
//
// The threads do no assertions themselves (doctest's reporting is not built for that); each
// keeps its own log and list of problems, and the main thread checks them after joining.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "ss/sensor_storage.h"

namespace {

constexpr std::uint32_t kWriters = 8;
constexpr std::uint32_t kSensors = 320;
constexpr std::uint64_t kRecordsPerWriter = 125'000; // 8 × 125 000 = 1 000 000 records offered
constexpr std::uint32_t kShared = 40;                // sensors 0..39 have 2..8 writers each
// 256-byte sectors hold 56 TS or 18 EVT records. Each of the 320 sensors holds one open sector,
// which leaves one spare sector per sensor: enough for normal running (where the uploader keeps
// some data pending over several passes), not for an outage of the cloud.
constexpr std::uint32_t kSectorBytes = 256;
constexpr std::uint32_t kPoolSectors = 640;
// Writers are paced by the uploader: after each kAddsPerPass adds a writer yields until the
// uploader has finished another pass over all sensors. Without that, eight writers on a small
// machine outrun one uploader tenfold and the run would test little but dropping. The pacing
// only shapes the load; no check depends on it.
constexpr std::uint64_t kAddsPerPass = 400;
// The uploader simulates kOutages cloud outages, one after each kOutageEvery records delivered.
constexpr std::uint64_t kOutages = 2;
constexpr std::uint64_t kOutageEvery = 300'000;

// ---- record encoding ------------------------------------------------------------------------

// TS/EVT value: sensor index (9 bits) | writer (3 bits) | per-(sensor, writer) add count (20 bits).
constexpr unsigned kCounterBits = 20;
constexpr unsigned kWriterBits = 3;
static_assert(kSensors <= 1u << (32 - kCounterBits - kWriterBits));
static_assert(kWriters <= 1u << kWriterBits);
// One writer cannot make more adds to one sensor than it makes in all.
static_assert(kRecordsPerWriter <= 1u << kCounterBits);

std::uint32_t encode_value(std::uint32_t sensor, std::uint32_t writer, std::uint32_t counter) {
    return sensor << (kCounterBits + kWriterBits) | writer << kCounterBits | counter;
}

struct Value {
    std::uint32_t sensor, writer, counter;
};

Value decode_value(std::uint32_t v) {
    return {v >> (kCounterBits + kWriterBits), (v >> kCounterBits) & ((1u << kWriterBits) - 1),
            v & ((1u << kCounterBits) - 1)};
}

// EVT timestamp: writer (8 bits) | sensor index (16 bits) | the writer's overall add count (40 bits).
std::uint64_t encode_ts(std::uint32_t writer, std::uint32_t sensor, std::uint64_t global) {
    return std::uint64_t{writer} << 56 | std::uint64_t{sensor} << 40 | global;
}

struct Stamp {
    std::uint32_t writer, sensor;
    std::uint64_t global;
};

Stamp decode_ts(std::uint64_t ts) {
    return {static_cast<std::uint32_t>(ts >> 56), static_cast<std::uint32_t>((ts >> 40) & 0xFFFF),
            ts & ((std::uint64_t{1} << 40) - 1)};
}

// ---- the sensor population -------------------------------------------------------------------

struct Sensor {
    SsSource source;
    std::uint32_t id;
    SensorType type;
    std::vector<std::uint32_t> writers;
    SensorStore* store = nullptr;
    // Uploader policy: how many records a batch may take, and after how many visits the pending
    // records are erased (more than 1 keeps data pending across passes, as an uploader waiting
    // for a slow acknowledgement does).
    std::uint32_t batch_max = 0;
    std::uint32_t erase_every = 1;
};

std::vector<Sensor> make_sensors() {
    static constexpr std::uint32_t batch_sizes[] = {1, 7, 20, 60, 256};
    static constexpr std::uint32_t erase_every[] = {1, 1, 2, 3, 5};
    std::vector<Sensor> sensors(kSensors);
    for (std::uint32_t i = 0; i < kSensors; ++i) {
        Sensor& s = sensors[i];
        // Three sources, and the same id in each of them: stores must not mix them up.
        s.source = static_cast<SsSource>(i % 3);
        s.id = 500 + i / 3;
        s.type = i % 4 == 1 ? SENSOR_EVT : SENSOR_TS;
        if (i < kShared) {
            const std::uint32_t n = 2 + i % 7;
            for (std::uint32_t k = 0; k < n; ++k) s.writers.push_back((i + k) % kWriters);
        } else {
            s.writers.push_back(i % kWriters);
        }
        s.batch_max = batch_sizes[i % 5];
        s.erase_every = erase_every[(i / 5) % 5];
    }
    return sensors;
}

// ---- threads' own logs ------------------------------------------------------------------------

// A small, deterministic generator, so a failing run can be replayed in its choices.
struct Rng {
    std::uint64_t s;
    std::uint64_t operator()() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1DULL;
    }
};

struct Problems {
    std::uint64_t count = 0;
    std::vector<std::string> first;
    void add(const std::string& what) {
        if (count++ < 20) first.push_back(what);
    }
};

struct WriterLog {
    // refused[sensor][counter]: 1 if that add returned -ENOSPC (dropped as new), else 0.
    std::vector<std::vector<std::uint8_t>> refused = std::vector<std::vector<std::uint8_t>>(kSensors);
    // For the writer's n-th add overall: which sensor it went to and its per-sensor counter.
    std::vector<std::uint16_t> sensor_of;
    std::vector<std::uint32_t> counter_of;
    Problems problems;
};

struct DeliveredEvent {
    std::uint32_t sensor, writer, counter;
    std::uint64_t global;
};

struct UploaderLog {
    // seen[sensor][writer][counter]: how many times that record was delivered.
    std::vector<std::vector<std::vector<std::uint8_t>>> seen;
    std::vector<std::uint64_t> delivered = std::vector<std::uint64_t>(kSensors, 0);
    std::vector<DeliveredEvent> events; // checked against the writers' logs after the run
    std::uint64_t batches = 0;
    std::uint64_t passes = 0;
    std::uint64_t erases = 0;
    std::uint64_t outages = 0;
    Problems problems;
};

std::string describe(const Sensor& s, std::uint32_t index) {
    return "sensor #" + std::to_string(index) + " (source " + std::to_string(s.source) + ", id " +
           std::to_string(s.id) + (s.type == SENSOR_TS ? ", TS)" : ", EVT)");
}

void run_writer(std::uint32_t w, const std::vector<Sensor>& sensors, std::latch& start,
                const std::atomic<std::uint64_t>& passes, WriterLog& log) {
    std::vector<std::uint32_t> owned, shared;
    for (std::uint32_t i = 0; i < kSensors; ++i)
        for (std::uint32_t x : sensors[i].writers)
            if (x == w) (sensors[i].writers.size() == 1 ? owned : shared).push_back(i);
    log.sensor_of.reserve(kRecordsPerWriter);
    log.counter_of.reserve(kRecordsPerWriter);
    Rng rng{0x9E3779B97F4A7C15ULL * (w + 1)};
    start.arrive_and_wait();

    std::uint64_t global = 0;
    std::uint64_t chunk_end = kAddsPerPass;
    while (global < kRecordsPerWriter) {
        // A quarter of the adds go to shared sensors; now and then a burst hits one sensor, as
        // when a device flushes its buffer, and forces its store to grow by several sectors.
        const std::uint64_t r = rng();
        const std::uint32_t i = r % 4 == 0 ? shared[(r >> 8) % shared.size()] : owned[(r >> 8) % owned.size()];
        const std::uint64_t burst = (r >> 40) % 1500 == 0 ? 100 + (r >> 20) % 400 : 1;
        const Sensor& s = sensors[i];
        if (global >= chunk_end) {
            // Wait until the uploader has finished a pass since this chunk was written.
            const std::uint64_t p0 = passes.load(std::memory_order_relaxed);
            while (passes.load(std::memory_order_relaxed) == p0) std::this_thread::yield();
            chunk_end = global + kAddsPerPass;
        }
        for (std::uint64_t b = 0; b < burst && global < kRecordsPerWriter; ++b, ++global) {
            auto& refused = log.refused[i];
            const auto counter = static_cast<std::uint32_t>(refused.size());
            const std::uint32_t value = encode_value(i, w, counter);
            const int rc = s.type == SENSOR_TS ? ss_ts_add(s.store, value)
                                               : ss_evt_add(s.store, value, encode_ts(w, i, global));
            if (rc != 0 && rc != -ENOSPC)
                log.problems.add("writer " + std::to_string(w) + ": add to " + describe(s, i) + " returned " +
                                 std::to_string(rc));
            refused.push_back(rc == -ENOSPC ? 1 : 0);
            log.sensor_of.push_back(static_cast<std::uint16_t>(i));
            log.counter_of.push_back(counter);
        }
    }
}

// Checks one batch as it arrives: sequence numbers, encoding, per-writer order; marks the
// records delivered.
void check_batch(std::uint32_t i, const Sensor& s, const std::uint32_t* values, const SsEventRecord* events,
                 std::uint32_t n, std::uint64_t first_seq, std::vector<std::int64_t>& last_seq,
                 std::vector<std::vector<std::int64_t>>& last_counter,
                 std::vector<std::vector<std::int64_t>>& last_global, UploaderLog& log) {
    if (n == 0 || n > s.batch_max)
        log.problems.add(describe(s, i) + ": batch of " + std::to_string(n) + " records, max " +
                         std::to_string(s.batch_max));
    // Sequence numbers only grow: nothing is handed out twice, nothing older comes after newer.
    if (static_cast<std::int64_t>(first_seq) <= last_seq[i])
        log.problems.add(describe(s, i) + ": batch starts at seq " + std::to_string(first_seq) + " after seq " +
                         std::to_string(last_seq[i]));
    last_seq[i] = static_cast<std::int64_t>(first_seq + n - 1);
    const bool single_writer = s.writers.size() == 1;
    for (std::uint32_t k = 0; k < n; ++k) {
        const std::uint64_t seq = first_seq + k;
        const Value v = decode_value(s.type == SENSOR_TS ? values[k] : events[k].value);
        bool allowed = false;
        for (std::uint32_t x : s.writers) allowed = allowed || x == v.writer;
        if (v.sensor != i || !allowed) {
            log.problems.add(describe(s, i) + ": seq " + std::to_string(seq) + " holds a record of sensor #" +
                             std::to_string(v.sensor) + " by writer " + std::to_string(v.writer));
            continue;
        }
        // With one writer, that writer's n-th add got sequence number n (drops skip a number
        // but still count), so the batch really is [first_seq, first_seq + n). With several
        // writers a record's seq is at least the count of its own writer's earlier adds.
        if (single_writer ? v.counter != seq : v.counter > seq)
            log.problems.add(describe(s, i) + ": seq " + std::to_string(seq) + " holds writer " +
                             std::to_string(v.writer) + "'s add #" + std::to_string(v.counter));
        auto& last = last_counter[i][v.writer];
        if (static_cast<std::int64_t>(v.counter) <= last)
            log.problems.add(describe(s, i) + ": writer " + std::to_string(v.writer) + "'s add #" +
                             std::to_string(v.counter) + " came after its add #" + std::to_string(last));
        last = v.counter;
        auto& seen = log.seen[i][v.writer];
        if (seen.size() <= v.counter) seen.resize(v.counter + 1, 0);
        if (++seen[v.counter] == 2)
            log.problems.add(describe(s, i) + ": writer " + std::to_string(v.writer) + "'s add #" +
                             std::to_string(v.counter) + " delivered twice");
        ++log.delivered[i];
        if (s.type == SENSOR_EVT) {
            const Stamp t = decode_ts(events[k].ts_ms);
            if (t.writer != v.writer || t.sensor != i)
                log.problems.add(describe(s, i) + ": seq " + std::to_string(seq) +
                                 ": timestamp and value name different writers or sensors");
            auto& lg = last_global[i][v.writer];
            if (static_cast<std::int64_t>(t.global) <= lg)
                log.problems.add(describe(s, i) + ": timestamps of writer " + std::to_string(v.writer) +
                                 " out of order");
            lg = static_cast<std::int64_t>(t.global);
            log.events.push_back({i, v.writer, v.counter, t.global});
        }
    }
}

// The cloud link as the uploader sees it. Twice during the run the cloud goes away, as in a
// gateway's outage: first it is unreachable (nothing is sent, unsent data piles up until the pool
// is dry and the library recycles), then it takes data but does not acknowledge (everything
// becomes pending, nothing is erased, until the library has to refuse new records). Each phase
// lasts until the library's own counters show the drop it provokes, so both kinds of drop are
// exercised however the threads happen to be scheduled; if the library never dropped, the
// phase would last until the writers are done and the final checks would fail.
enum class Link { online, unreachable, unacknowledged };

void run_uploader(const std::vector<Sensor>& sensors, std::latch& start, const std::atomic<std::uint32_t>& writers_done,
                  std::atomic<std::uint64_t>& passes, UploaderLog& log) {
    log.seen.assign(kSensors, std::vector<std::vector<std::uint8_t>>(kWriters));
    std::vector<std::int64_t> last_seq(kSensors, -1);
    std::vector<std::vector<std::int64_t>> last_counter(kSensors, std::vector<std::int64_t>(kWriters, -1));
    std::vector<std::vector<std::int64_t>> last_global(kSensors, std::vector<std::int64_t>(kWriters, -1));
    std::vector<std::uint64_t> visits(kSensors, 0);
    std::vector<std::uint64_t> pending_model(kSensors, 0);
    std::vector<std::uint32_t> values(256);
    std::vector<SsEventRecord> events(256);
    // Enough that a sensor with 1-record batches keeps up with its share of the adds.
    constexpr int kBatchesPerVisit = 32;
    Link link = Link::online;
    std::uint64_t delivered = 0;
    std::uint64_t drops_at_phase_start = 0;
    start.arrive_and_wait();

    for (;;) {
        // Read before the pass: if every writer had finished by then and the pass finds nothing
        // unsent, everything has been drained.
        const bool finished = writers_done.load(std::memory_order_acquire) == kWriters;
        if (finished) link = Link::online;
        if (link == Link::online && log.outages < kOutages && delivered >= (log.outages + 1) * kOutageEvery) {
            SsSystemStats st{};
            if (ss_get_system_stats(&st) != 0) log.problems.add("ss_get_system_stats failed");
            link = Link::unreachable;
            drops_at_phase_start = st.dropped_recycled;
            ++log.outages;
        }
        bool got_any = false;
        ++log.passes;
        for (std::uint32_t i = 0; link != Link::unreachable && i < kSensors; ++i) {
            const Sensor& s = sensors[i];
            for (int b = 0; b < kBatchesPerVisit; ++b) {
                std::uint32_t n = 0xDEAD;
                std::uint64_t first_seq = 0;
                void* buf = s.type == SENSOR_TS ? static_cast<void*>(values.data()) : static_cast<void*>(events.data());
                const int rc = ss_consume_batch_ex(s.store, buf, s.batch_max, &n, &first_seq);
                if (rc == -EAGAIN) {
                    if (n != 0) log.problems.add(describe(s, i) + ": -EAGAIN with n = " + std::to_string(n));
                    break;
                }
                if (rc != 0) {
                    log.problems.add(describe(s, i) + ": consume returned " + std::to_string(rc));
                    break;
                }
                got_any = true;
                ++log.batches;
                delivered += n;
                pending_model[i] += n;
                check_batch(i, s, values.data(), events.data(), n, first_seq, last_seq, last_counter, last_global, log);
            }
            // Only the uploader moves records into or out of PENDING, so the library's count
            // must be exactly what was consumed since the last erase, whatever the writers do.
            std::uint64_t pending = 0;
            if (ss_get_pending_count(s.store, &pending) != 0 || pending != pending_model[i])
                log.problems.add(describe(s, i) + ": pending count " + std::to_string(pending) + ", consumed " +
                                 std::to_string(pending_model[i]) + " since the last erase");
            // A diagnostic read of the oldest record races the writers' recycling: it must give a
            // record of this sensor, or -EINVAL if the sensor is empty right then.
            if (visits[i] % 7 == 3) {
                SsEventRecord rec{};
                const int rc = ss_diag_read_at(s.store, 0, &rec);
                const Value v = decode_value(rec.value);
                if (rc != 0 && rc != -EINVAL)
                    log.problems.add(describe(s, i) + ": ss_diag_read_at returned " + std::to_string(rc));
                if (rc == 0 && v.sensor != i)
                    log.problems.add(describe(s, i) + ": ss_diag_read_at gave a record of sensor #" +
                                     std::to_string(v.sensor));
            }
            if (link == Link::online && ++visits[i] % s.erase_every == 0) {
                if (const int rc = ss_erase_all_pending(s.store); rc != 0)
                    log.problems.add(describe(s, i) + ": erase returned " + std::to_string(rc));
                pending_model[i] = 0;
                ++log.erases;
            }
        }
        if (link != Link::online) {
            SsSystemStats st{};
            if (ss_get_system_stats(&st) != 0) log.problems.add("ss_get_system_stats failed");
            if (link == Link::unreachable && st.dropped_recycled > drops_at_phase_start) {
                link = Link::unacknowledged;
                drops_at_phase_start = st.dropped_new;
            } else if (link == Link::unacknowledged && st.dropped_new > drops_at_phase_start) {
                link = Link::online;
            }
        }
        passes.fetch_add(1, std::memory_order_relaxed);
        if (finished && !got_any) break;
        if (!got_any) std::this_thread::yield(); // nothing to do yet: let the writers run
    }
    // The cloud acknowledges what is still pending.
    for (std::uint32_t i = 0; i < kSensors; ++i)
        if (const int rc = ss_erase_all_pending(sensors[i].store); rc != 0)
            log.problems.add(describe(sensors[i], i) + ": final erase returned " + std::to_string(rc));
}

struct TickerLog {
    std::uint64_t ticks = 0;
    std::uint64_t scrubs = 0;
    std::uint32_t fewest_free = 0xFFFFFFFF;
    Problems problems;
};

// The manager: ticks about every millisecond (a hundred times as often as a gateway would, to
// race the writers harder), now and then declares a shutdown so that partly filled sectors get
// sealed under the writers' feet, scrubs, and reads the system figures.
void run_ticker(std::latch& start, const std::atomic<bool>& stop, SsSystemStats first, TickerLog& log) {
    SsSystemStats prev = first;
    start.arrive_and_wait();
    while (!stop.load(std::memory_order_acquire)) {
        ++log.ticks;
        ss_set_shutdown(log.ticks % 64 < 4);
        ss_manager_tick();
        SsSystemStats st;
        if (const int rc = ss_get_system_stats(&st); rc != 0) {
            log.problems.add("ss_get_system_stats returned " + std::to_string(rc));
        } else {
            if (st.sensors != first.sensors || st.max_sensors != first.max_sensors ||
                st.sectors_total != first.sectors_total || st.sector_bytes != first.sector_bytes ||
                st.arena_bytes != first.arena_bytes)
                log.problems.add("the fixed system figures changed during the run");
            if (st.sectors_free > st.sectors_total || st.ram_used_pct > 100)
                log.problems.add("sectors_free " + std::to_string(st.sectors_free) + " of " +
                                 std::to_string(st.sectors_total) + ", used " + std::to_string(st.ram_used_pct) + "%");
            // Each sensor's drop counters only grow and the figures are read sensor by sensor, so
            // the sums cannot shrink from one call to the next; nor can the low watermark rise.
            if (st.dropped_new < prev.dropped_new || st.dropped_recycled < prev.dropped_recycled ||
                st.sectors_free_min > prev.sectors_free_min)
                log.problems.add("system drop counters went back or the free-sector low watermark rose");
            if (st.dropped_corrupt != 0 || st.corrupt_sectors != 0 || (st.health_flags & SS_HEALTH_CORRUPTION) != 0)
                log.problems.add("a sector failed its CRC check during the run");
            if (st.sectors_free < log.fewest_free) log.fewest_free = st.sectors_free;
            prev = st;
        }
        if (log.ticks % 97 == 0) {
            SsScrubReport rep{};
            ++log.scrubs;
            if (const int rc = ss_scrub(&rep); rc != 0 || rep.sensors != kSensors || rep.corrupt_sectors != 0)
                log.problems.add("ss_scrub returned " + std::to_string(rc) + " with " +
                                 std::to_string(rep.corrupt_sectors) + " corrupt sectors");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ss_set_shutdown(false);
}

void report(const std::string& who, const Problems& p) {
    for (const std::string& s : p.first) FAIL_CHECK(std::string(who + ": " + s));
    CHECK_MESSAGE(p.count == 0, who << " saw " << p.count << " problems");
}

struct SystemGuard {
    ~SystemGuard() { ss_deinit_system(); }
};

} // namespace

TEST_CASE("eight writers and one uploader lose no record that was not counted as dropped") {
    const auto t0 = std::chrono::steady_clock::now();
    SsInitCfg cfg;
    REQUIRE(ss_config_defaults(&cfg, SS_TARGET_LINUX) == 0);
    cfg.ram_sector_bytes = kSectorBytes;
    cfg.max_sensors = kSensors;
    cfg.ram_pool_bytes = std::size_t{kPoolSectors} * kSectorBytes;
    REQUIRE(ss_init_system(&cfg) == 0);
    SystemGuard guard;

    std::vector<Sensor> sensors = make_sensors();
    for (Sensor& s : sensors) {
        REQUIRE(ss_sensor_init_ex(s.source, s.id, s.type, &s.store) == 0);
        SensorStore* found = nullptr;
        REQUIRE(ss_sensor_lookup(s.source, s.id, &found) == 0);
        REQUIRE(found == s.store);
    }
    SsSystemStats before;
    REQUIRE(ss_get_system_stats(&before) == 0);
    REQUIRE(before.sensors == kSensors);
    REQUIRE(before.sectors_total == kPoolSectors);

    std::vector<WriterLog> writer_logs(kWriters);
    UploaderLog uploader_log;
    TickerLog ticker_log;
    std::atomic<std::uint32_t> writers_done{0};
    std::atomic<std::uint64_t> passes{0};
    std::atomic<bool> stop_ticker{false};
    std::latch start(kWriters + 2); // everyone starts together, so the threads really overlap

    std::vector<std::thread> writers;
    for (std::uint32_t w = 0; w < kWriters; ++w)
        writers.emplace_back([&, w] {
            run_writer(w, sensors, start, passes, writer_logs[w]);
            writers_done.fetch_add(1, std::memory_order_release);
        });
    std::thread uploader([&] { run_uploader(sensors, start, writers_done, passes, uploader_log); });
    std::thread ticker([&] { run_ticker(start, stop_ticker, before, ticker_log); });
    for (std::thread& t : writers) t.join();
    uploader.join();
    stop_ticker.store(true, std::memory_order_release);
    ticker.join();
    const auto t1 = std::chrono::steady_clock::now();

    for (std::uint32_t w = 0; w < kWriters; ++w) report("writer " + std::to_string(w), writer_logs[w].problems);
    report("uploader", uploader_log.problems);
    report("manager thread", ticker_log.problems);

    // Every delivered event matches what its writer logged for that add: the 12-byte record
    // arrived whole (value and timestamp from the same add).
    std::uint64_t event_mismatches = 0;
    for (const DeliveredEvent& e : uploader_log.events) {
        const WriterLog& wl = writer_logs[e.writer];
        if (e.global >= wl.sensor_of.size() || wl.sensor_of[e.global] != e.sensor ||
            wl.counter_of[e.global] != e.counter)
            ++event_mismatches;
    }
    CHECK(event_mismatches == 0);

    std::uint64_t offered = 0, delivered = 0, dropped_new = 0, dropped_recycled = 0;
    std::uint64_t sensors_with_bad_totals = 0, refused_but_delivered = 0, invented = 0;
    for (std::uint32_t i = 0; i < kSensors; ++i) {
        const Sensor& s = sensors[i];
        std::uint64_t adds = 0, refused = 0, missing = 0;
        for (std::uint32_t w = 0; w < kWriters; ++w) {
            const auto& r = writer_logs[w].refused[i];
            const auto& seen = uploader_log.seen[i][w];
            adds += r.size();
            if (seen.size() > r.size()) ++invented; // a record its writer never added
            for (std::size_t c = 0; c < r.size(); ++c) {
                const bool got = c < seen.size() && seen[c] != 0;
                refused += r[c];
                if (r[c] != 0 && got) ++refused_but_delivered;
                if (r[c] == 0 && !got) ++missing;
            }
        }
        SsSensorStats st;
        REQUIRE(ss_get_sensor_stats(s.store, &st) == 0);
        const std::uint64_t got = uploader_log.delivered[i];
        // next_seq counts every add, accepted or dropped; -ENOSPC returns are the dropped-new
        // ones; records accepted but never delivered are exactly the recycled ones; and after
        // the drain and the final erase nothing is left but the one open sector.
        const bool ok = st.next_seq == adds && st.dropped_new == refused && st.dropped_recycled == missing &&
                        got + st.dropped_new + st.dropped_recycled == adds && st.erased == got &&
                        st.written == adds - refused && st.retained == 0 && st.pending == 0 && st.unsent == 0 &&
                        st.dropped_corrupt == 0 && st.sectors == 1 && st.head_seq == adds && st.pending_seq == adds;
        if (!ok) {
            if (++sensors_with_bad_totals <= 5)
                FAIL_CHECK(describe(s, i) << ": adds " << adds << " refused " << refused << " missing " << missing
                                              << " delivered " << got << "; stats: next_seq " << st.next_seq
                                              << " dropped_new " << st.dropped_new << " dropped_recycled "
                                              << st.dropped_recycled << " erased " << st.erased << " written "
                                              << st.written << " retained " << st.retained << " sectors "
                                              << st.sectors << " head_seq " << st.head_seq);
        }
        offered += adds;
        delivered += got;
        dropped_new += st.dropped_new;
        dropped_recycled += st.dropped_recycled;
    }
    CHECK(sensors_with_bad_totals == 0);
    CHECK(refused_but_delivered == 0);
    CHECK(invented == 0);
    CHECK(offered == kWriters * kRecordsPerWriter);
    CHECK(delivered + dropped_new + dropped_recycled == offered);

    SsSystemStats after;
    REQUIRE(ss_get_system_stats(&after) == 0);
    CHECK(after.records_retained == 0);
    CHECK(after.dropped_new == dropped_new);
    CHECK(after.dropped_recycled == dropped_recycled);
    // No sector leaked: each sensor is back to its one open sector, the rest of the pool is free.
    CHECK(after.sectors_free == after.sectors_total - kSensors);
    CHECK((after.health_flags & SS_HEALTH_CORRUPTION) == 0u);

    // The run did what it is meant to exercise: the pool ran dry, both kinds of drop happened,
    // yet most records got through; and the manager really ran alongside.
    CHECK(dropped_new > 0);
    CHECK(dropped_recycled > 0);
    CHECK(delivered * 10 >= offered * 9);
    CHECK(after.sectors_free_min == 0);
    CHECK((after.health_flags & SS_HEALTH_DROPPING) != 0u);
    CHECK(uploader_log.outages == kOutages);
    CHECK(ticker_log.ticks > 0);

    const double secs = std::chrono::duration<double>(t1 - t0).count();
    MESSAGE("offered " << offered << ", delivered " << delivered << ", dropped new " << dropped_new
                       << ", recycled " << dropped_recycled << "; " << uploader_log.batches << " batches in "
                       << uploader_log.passes << " passes, " << uploader_log.outages << " outages, "
                       << ticker_log.ticks << " ticks, " << ticker_log.scrubs << " scrubs, fewest free sectors seen "
                       << ticker_log.fewest_free << "; " << secs << " s");
}
