// A reference model of the RAM store, written with std containers only, for model_test.cpp.
//
// It is meant to be obviously correct rather than fast: every sensor is a deque of sectors,
// every sector the vector of the records written into it, and every rule of the specification
// is one short function below. It shares no code with the implementation.
//
// The specification it encodes (sensor_storage.h, docs/api.md "Writing" and the model-test
// issue):
//   * A sector holds (ram_sector_bytes - 32) / 4 TS or / 12 EVT records. Registration gives a
//     sensor one sector from the pool, which keeps one sector in reserve for every sensor not
//     yet registered; other takes may only use sectors beyond that reserve.
//   * A sensor holds exactly its open (tail) sector plus the sectors that still hold a
//     retained record: sectors left without a retained record go back to the pool, only the
//     tail is kept even when empty.
//   * add: every call that passes the argument checks consumes a sequence number. When the
//     tail is full (or was force-sealed) the store needs a new tail:
//       - a tail holding no retained record is simply started afresh (it is the one sector
//         left and holds nothing; taking another and keeping it would hold an empty sector);
//       - else, below max_sectors_per_sensor (0 = no cap) and with a free sector beyond the
//         reserve, a fresh sector is taken;
//       - else the oldest sector holding no pending record is recycled (its retained records
//         count as dropped_recycled) and becomes the new tail;
//       - else (every sector holds pending records), if the sensor is below its cap, it borrows
//         (docs/api.md step 3): the first registered sensor holding the most sectors, if that
//         is at least two more than the requester holds, gives its oldest sector holding no
//         pending record, provided that sector is sealed (any sector but the tail is; the tail
//         once a full-tail add or a tick sealed it). The donor counts its records as
//         dropped_recycled; a donor that gave its tail has its previous (sealed) sector as tail;
//       - else the add fails with -ENOSPC and counts dropped_new.
//   * consume: the oldest unsent records in order, at most max, never across a sequence gap.
//   * erase_all_pending: drops the pending records, returns emptied sectors except the tail.
//   * erase_pending_until(end): -EINVAL unless head_seq <= end <= pending_seq (as the stats
//     report them); else drops the records numbered below end (all pending) and returns
//     emptied sectors except the tail, as erase_all_pending does.
//   * diag_read_at: record `offset` counting from the oldest retained one.
//   * an add that finds the tail full seals it (whatever happens next);
//   * manager tick: seals a full tail; while a shutdown is in progress it seals any tail that
//     holds a record, so the next add needs a new sector.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "ss/sensor_storage.h"

namespace ss_model {

struct Rec {
    std::uint64_t seq = 0;
    std::uint32_t value = 0;
    std::uint64_t ts = 0; // EVT only
};

struct Sector {
    std::vector<Rec> recs;  // every record written into this sector, in order
    std::size_t begin = 0;  // recs[0, begin) were erased
    bool sealed = false;
    std::uint64_t retained() const { return recs.size() - begin; }
};

/// How often each interesting situation came up: the test checks the runs really reach them.
struct Events {
    std::uint64_t adds_accepted = 0;
    std::uint64_t fresh_sectors = 0;
    std::uint64_t emptied_tail_restarted = 0;
    std::uint64_t recycled_pool_empty = 0;     // no free sector at all
    std::uint64_t recycled_reserve_held = 0;   // free sectors, but all held for unregistered sensors
    std::uint64_t recycled_at_cap = 0;         // max_sectors_per_sensor reached
    std::uint64_t recycled_past_boundary = 0;  // the sector before the victim holds pending and unsent
    std::uint64_t recycled_tail = 0;           // the victim was the full tail itself
    std::uint64_t borrowed = 0;
    std::uint64_t borrowed_donor_tail = 0;     // the donor gave its sealed tail
    std::uint64_t borrow_refused_unsealed = 0; // the donor's candidate was its unsealed tail
    std::uint64_t dropped_new = 0;
    std::uint64_t new_sector_after_force_seal = 0;
    std::uint64_t force_seals = 0;
    std::uint64_t batches = 0;
    std::uint64_t batches_across_sectors = 0;
    std::uint64_t batches_stopped_at_gap = 0;
    std::uint64_t consume_nothing_unsent = 0;
    std::uint64_t erases = 0;
    std::uint64_t erases_freeing_several = 0;
    std::uint64_t erases_leaving_head_mid_sector = 0;
    std::uint64_t acks_held = 0;               // acknowledged out of order: nothing released yet
    std::uint64_t acks_releasing_several = 0;  // one ack released several batches
    std::uint64_t acks_duplicate = 0;
    std::uint64_t erases_until = 0;            // erase_pending_until that erased something
    std::uint64_t erases_until_freeing = 0;    // ... and gave a sector back
    std::uint64_t erases_until_mid_sector = 0; // ... and left the head mid-sector, pending behind it
    std::uint64_t erases_until_refused = 0;
    std::uint64_t reads = 0;
    std::uint64_t reads_out_of_range = 0;
    std::uint64_t refused_bad_input = 0;
    std::uint64_t late_registrations = 0;

    Events& operator+=(const Events& o) {
        adds_accepted += o.adds_accepted;
        fresh_sectors += o.fresh_sectors;
        emptied_tail_restarted += o.emptied_tail_restarted;
        recycled_pool_empty += o.recycled_pool_empty;
        recycled_reserve_held += o.recycled_reserve_held;
        recycled_at_cap += o.recycled_at_cap;
        recycled_past_boundary += o.recycled_past_boundary;
        recycled_tail += o.recycled_tail;
        borrowed += o.borrowed;
        borrowed_donor_tail += o.borrowed_donor_tail;
        borrow_refused_unsealed += o.borrow_refused_unsealed;
        dropped_new += o.dropped_new;
        new_sector_after_force_seal += o.new_sector_after_force_seal;
        force_seals += o.force_seals;
        batches += o.batches;
        batches_across_sectors += o.batches_across_sectors;
        batches_stopped_at_gap += o.batches_stopped_at_gap;
        consume_nothing_unsent += o.consume_nothing_unsent;
        erases += o.erases;
        erases_freeing_several += o.erases_freeing_several;
        erases_leaving_head_mid_sector += o.erases_leaving_head_mid_sector;
        acks_held += o.acks_held;
        acks_releasing_several += o.acks_releasing_several;
        acks_duplicate += o.acks_duplicate;
        erases_until += o.erases_until;
        erases_until_freeing += o.erases_until_freeing;
        erases_until_mid_sector += o.erases_until_mid_sector;
        erases_until_refused += o.erases_until_refused;
        reads += o.reads;
        reads_out_of_range += o.reads_out_of_range;
        refused_bad_input += o.refused_bad_input;
        late_registrations += o.late_registrations;
        return *this;
    }
};

struct SensorModel {
    SsSource source = SS_SOURCE_HOST;
    std::uint32_t id = 0;
    SensorType type = SENSOR_TS;
    std::uint32_t capacity = 0;
    std::deque<Sector> sectors;
    std::uint64_t retained = 0;
    std::uint64_t pending = 0;
    std::uint64_t next_seq = 0;
    std::uint64_t written = 0;
    std::uint64_t erased = 0;
    std::uint64_t dropped_new = 0;
    std::uint64_t dropped_recycled = 0;

    std::uint64_t unsent() const { return retained - pending; }

    /// The retained record `offset` places after the oldest one (offset < retained).
    const Rec& at(std::uint64_t offset) const {
        for (const Sector& s : sectors) {
            if (offset < s.retained()) return s.recs[s.begin + offset];
            offset -= s.retained();
        }
        return sectors.front().recs.front(); // unreachable for offset < retained
    }
};

class Model {
public:
    struct Config {
        std::uint32_t sector_bytes = 80; // 12 TS records
        std::uint32_t max_sensors = 16;
        std::uint32_t pool_sectors = 16;
        std::uint32_t max_sectors_per_sensor = 0;
    };

    explicit Model(const Config& cfg)
        : cfg_(cfg), free_(cfg.pool_sectors), free_min_(cfg.pool_sectors), reserve_(cfg.max_sensors) {}

    static std::uint32_t capacity(std::uint32_t sector_bytes, SensorType t) {
        return (sector_bytes - 32) / (t == SENSOR_TS ? 4u : 12u);
    }

    // ---- operations: each returns the rc the C API must return ------------------------------

    /// Registers a new sensor (the caller checks it is neither a duplicate nor one too many).
    void register_sensor(SsSource source, std::uint32_t id, SensorType type) {
        --reserve_;
        take();
        SensorModel s;
        s.source = source;
        s.id = id;
        s.type = type;
        s.capacity = capacity(cfg_.sector_bytes, type);
        s.sectors.emplace_back();
        sensors_.push_back(std::move(s));
    }

    int add(std::size_t k, std::uint32_t value, std::uint64_t ts) {
        SensorModel& s = sensors_[k];
        const std::uint64_t seq = s.next_seq++;
        Sector& tail = s.sectors.back();
        if (tail.sealed || tail.recs.size() == s.capacity) {
            if (tail.sealed && tail.recs.size() < s.capacity) ++events_.new_sector_after_force_seal;
            tail.sealed = true;
            if (tail.retained() == 0) {
                // Only the tail can be empty, so this is the sensor's one sector: start it afresh.
                tail = Sector{};
                ++events_.emptied_tail_restarted;
            } else {
                const bool capped =
                    cfg_.max_sectors_per_sensor != 0 && s.sectors.size() >= cfg_.max_sectors_per_sensor;
                if (!capped && free_ > reserve_) {
                    take();
                    s.sectors.emplace_back();
                    ++events_.fresh_sectors;
                } else if (!recycle(s, capped) && (capped || !borrow(k))) {
                    ++s.dropped_new;
                    ++events_.dropped_new;
                    return -ENOSPC;
                }
            }
        }
        s.sectors.back().recs.push_back(Rec{seq, value, ts});
        ++s.retained;
        ++s.written;
        ++events_.adds_accepted;
        return 0;
    }

    /// Consumes up to max records into out (cleared first).
    int consume(std::size_t k, std::uint32_t max, std::vector<Rec>& out) {
        out.clear();
        SensorModel& s = sensors_[k];
        if (s.unsent() == 0) {
            ++events_.consume_nothing_unsent;
            return -EAGAIN;
        }
        std::uint64_t skip = s.pending;
        std::size_t sectors_touched = 0;
        bool gap = false;
        for (const Sector& sec : s.sectors) {
            if (skip >= sec.retained()) {
                skip -= sec.retained();
                continue;
            }
            ++sectors_touched;
            for (std::size_t j = sec.begin + skip; j < sec.recs.size() && out.size() < max && !gap; ++j) {
                if (!out.empty() && sec.recs[j].seq != out.back().seq + 1) gap = true;
                else out.push_back(sec.recs[j]);
            }
            skip = 0;
            if (out.size() == max || gap) break;
        }
        s.pending += out.size();
        ++events_.batches;
        if (sectors_touched > 1 && !gap) ++events_.batches_across_sectors;
        if (gap) ++events_.batches_stopped_at_gap;
        return 0;
    }

    int erase_all_pending(std::size_t k) {
        SensorModel& s = sensors_[k];
        ++events_.erases;
        std::uint64_t left = s.pending;
        std::uint32_t freed = 0;
        while (left > 0) {
            Sector& front = s.sectors.front();
            const std::uint64_t n = std::min(left, front.retained());
            front.begin += n;
            left -= n;
            if (front.retained() == 0 && s.sectors.size() > 1) {
                s.sectors.pop_front();
                ++freed;
            } else {
                break; // front keeps unsent records, or it is the tail
            }
        }
        give(freed);
        if (freed >= 2) ++events_.erases_freeing_several;
        if (s.pending != 0 && s.sectors.front().begin != 0 && s.sectors.front().retained() != 0)
            ++events_.erases_leaving_head_mid_sector;
        s.erased += s.pending;
        s.retained -= s.pending;
        s.pending = 0;
        return 0;
    }

    /// The acknowledgement of everything pending below `end`.
    int erase_pending_until(std::size_t k, std::uint64_t end) {
        SensorModel& s = sensors_[k];
        const SsSensorStats st = expected_stats(k);
        if (end < st.head_seq || end > st.pending_seq) {
            ++events_.erases_until_refused;
            return -EINVAL;
        }
        std::uint64_t gone = 0;
        std::uint32_t freed = 0;
        for (;;) {
            Sector& front = s.sectors.front();
            while (front.begin < front.recs.size() && front.recs[front.begin].seq < end) {
                ++front.begin;
                ++gone;
            }
            if (front.retained() == 0 && s.sectors.size() > 1) {
                s.sectors.pop_front();
                ++freed;
                continue;
            }
            break;
        }
        give(freed);
        s.erased += gone;
        s.retained -= gone;
        s.pending -= gone;
        if (gone != 0) ++events_.erases_until;
        if (freed != 0) ++events_.erases_until_freeing;
        if (gone != 0 && s.pending != 0 && s.sectors.front().begin != 0) ++events_.erases_until_mid_sector;
        return 0;
    }

    void note_ack(bool held, std::uint32_t released_batches, bool duplicate) {
        if (duplicate) ++events_.acks_duplicate;
        else if (held) ++events_.acks_held;
        if (released_batches >= 2) ++events_.acks_releasing_several;
    }

    int read_at(std::size_t k, std::uint64_t offset, Rec& out) {
        const SensorModel& s = sensors_[k];
        ++events_.reads;
        if (offset >= s.retained) {
            ++events_.reads_out_of_range;
            return -EINVAL;
        }
        out = s.at(offset);
        return 0;
    }

    void set_shutdown(bool on) { shutdown_ = on; }
    bool shutdown() const { return shutdown_; }

    void manager_tick() {
        for (SensorModel& s : sensors_) {
            Sector& tail = s.sectors.back();
            if (tail.sealed) continue;
            if (tail.recs.size() == s.capacity) {
                tail.sealed = true;
            } else if (shutdown_ && !tail.recs.empty()) {
                tail.sealed = true;
                ++events_.force_seals;
            }
        }
    }

    void note_refused() { ++events_.refused_bad_input; }
    void note_late_registration() { ++events_.late_registrations; }

    // ---- what the C API must report ------------------------------------------------------------

    SsSensorStats expected_stats(std::size_t k) const {
        const SensorModel& s = sensors_[k];
        SsSensorStats st{};
        st.sensor_id = s.id;
        st.source = static_cast<std::uint8_t>(s.source);
        st.type = static_cast<std::uint8_t>(s.type);
        st.retained = s.retained;
        st.pending = s.pending;
        st.unsent = s.unsent();
        st.next_seq = s.next_seq;
        st.head_seq = s.retained != 0 ? s.at(0).seq : s.next_seq;
        st.pending_seq = s.unsent() != 0 ? s.at(s.pending).seq : s.next_seq;
        st.written = s.written;
        st.erased = s.erased;
        st.dropped_new = s.dropped_new;
        st.dropped_recycled = s.dropped_recycled;
        st.sectors = static_cast<std::uint32_t>(s.sectors.size());
        return st;
    }

    SsSystemStats expected_system_stats() const {
        SsSystemStats st{};
        st.sensors = static_cast<std::uint32_t>(sensors_.size());
        st.max_sensors = cfg_.max_sensors;
        st.sectors_total = cfg_.pool_sectors;
        st.sectors_free = free_;
        st.sectors_free_min = free_min_;
        st.sector_bytes = cfg_.sector_bytes;
        // Percent of what registered sensors may use: the pool less the reserve.
        const std::uint32_t usable = cfg_.pool_sectors - reserve_;
        st.ram_used_pct = usable == 0 ? 0 : (cfg_.pool_sectors - free_) * 100 / usable;
        for (const SensorModel& s : sensors_) {
            st.records_retained += s.retained;
            st.dropped_new += s.dropped_new;
            st.dropped_recycled += s.dropped_recycled;
        }
        st.health_flags = st.dropped_new + st.dropped_recycled != 0 ? SS_HEALTH_DROPPING : 0u;
        return st;
    }

    /// The model's own invariants; returns nullptr or what is broken (a bug in the model).
    const char* self_check() const {
        std::uint64_t held = 0;
        for (const SensorModel& s : sensors_) {
            held += s.sectors.size();
            std::uint64_t r = 0;
            for (std::size_t i = 0; i < s.sectors.size(); ++i) {
                const Sector& sec = s.sectors[i];
                if (sec.recs.size() > s.capacity) return "a sector holds more than its capacity";
                if (i + 1 < s.sectors.size() && sec.retained() == 0) return "an empty sector other than the tail";
                if (i != 0 && sec.begin != 0) return "erased records outside the head sector";
                r += sec.retained();
            }
            if (r != s.retained) return "retained count out of step with the sectors";
            if (s.pending > s.retained) return "more pending than retained";
            if (s.written != s.retained + s.erased + s.dropped_recycled) return "written out of step";
        }
        if (held + free_ != cfg_.pool_sectors) return "sectors held + free != pool";
        if (reserve_ > free_) return "reserve larger than the free sectors";
        return nullptr;
    }

    std::size_t sensor_count() const { return sensors_.size(); }
    const SensorModel& sensor(std::size_t k) const { return sensors_[k]; }
    const Events& events() const { return events_; }
    std::uint32_t free_sectors() const { return free_; }

private:
    void take() {
        --free_;
        free_min_ = std::min(free_min_, free_);
    }
    void give(std::uint32_t n) { free_ += n; }

    /// The oldest sector of s that holds no pending record, or s.sectors.size() if none;
    /// before = the retained records in the sectors before it.
    static std::size_t oldest_without_pending(const SensorModel& s, std::uint64_t& before) {
        before = 0;
        for (std::size_t i = 0; i < s.sectors.size(); ++i) {
            if (before >= s.pending) return i;
            before += s.sectors[i].retained();
        }
        return s.sectors.size();
    }

    /// Takes sector `victim` out of s, its retained records counted as recycled.
    static void drop(SensorModel& s, std::size_t victim) {
        const std::uint64_t lost = s.sectors[victim].retained();
        s.dropped_recycled += lost;
        s.retained -= lost;
        s.sectors.erase(s.sectors.begin() + static_cast<std::ptrdiff_t>(victim));
    }

    /// Recycles the oldest sector of s that holds no pending record as the new tail.
    bool recycle(SensorModel& s, bool capped) {
        std::uint64_t before = 0;
        const std::size_t victim = oldest_without_pending(s, before);
        if (victim == s.sectors.size()) return false;
        if (capped) ++events_.recycled_at_cap;
        else if (free_ == 0) ++events_.recycled_pool_empty;
        else ++events_.recycled_reserve_held;
        if (victim > 0 && s.pending < before) ++events_.recycled_past_boundary;
        if (victim + 1 == s.sectors.size()) ++events_.recycled_tail;
        drop(s, victim);
        s.sectors.emplace_back();
        return true;
    }

    /// Borrows a sector for sensor k from the sensor holding the most sectors (docs/api.md).
    bool borrow(std::size_t k) {
        const std::size_t mine = sensors_[k].sectors.size();
        std::size_t most = mine + 1;
        std::size_t donor = sensors_.size();
        for (std::size_t i = 0; i < sensors_.size(); ++i) {
            if (sensors_[i].sectors.size() > most) {
                most = sensors_[i].sectors.size();
                donor = i;
            }
        }
        if (donor == sensors_.size()) return false;
        SensorModel& d = sensors_[donor];
        std::uint64_t before = 0;
        const std::size_t victim = oldest_without_pending(d, before);
        if (victim == d.sectors.size()) return false;
        const bool is_tail = victim + 1 == d.sectors.size();
        if (is_tail && !d.sectors.back().sealed) {
            ++events_.borrow_refused_unsealed;
            return false;
        }
        drop(d, victim);
        if (is_tail) {
            d.sectors.back().sealed = true; // its predecessor stands in as the (sealed) tail
            ++events_.borrowed_donor_tail;
        }
        sensors_[k].sectors.emplace_back();
        ++events_.borrowed;
        return true;
    }

    Config cfg_;
    std::vector<SensorModel> sensors_;
    std::uint32_t free_;
    std::uint32_t free_min_;
    std::uint32_t reserve_;
    bool shutdown_ = false;
    Events events_;
};

} // namespace ss_model
