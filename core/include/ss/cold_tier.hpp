// The older part of every sensor's stream, kept by a platform tier below the RAM pool (the
// Linux disk tier, hal/). The engine keeps each sensor's stream in one order: the cold tier's
// records, then the store's RAM records. It hands the cold tier whole sealed sectors from the
// front of a store (spill), and reads and erases through it.
//
// The engine decides (tier_policy.hpp: what to seal, spill, keep in RAM, when a shutdown gives
// up); the tier carries out I/O and reports. A tick flows one way: Engine::tick seals and
// spills, then calls the tier's tick with the time it was given.
//
// Every per-sensor call below is made with that sensor's cold lock held (lock/unlock), which
// the uploader and the manager take and writers never do: I/O under it never blocks writers.
// Lock order: cold lock → store lock → pool lock.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"
#include "ss/sector_format.hpp"
#include "ss/sector_pool.hpp"
#include "ss/sensor_storage.h"

namespace ss {

struct Batch;
enum class BatchTime : std::uint8_t;
class BatchCopy;

/// What one step of a range read (Engine::read_range) did with one segment (a RAM sector, a
/// disk unit): the read is a loop of such steps, one lock hold each.
enum class RangeStep : std::uint8_t {
    copied,   ///< offered the segment holding the position to the copy (it may have taken none)
    dropped,  ///< that segment failed its check: dropped and counted; look again
    past_end, ///< holds no retained record at or after the position
    io_error  ///< could not read it (nothing dropped)
};

/// A sealed sector detached from the front of a store, with the part of it still retained.
struct DetachedSector {
    SectorIndex sector;  ///< pool sector; ownership passes with it
    std::uint16_t start; ///< first retained record (earlier ones were erased)
    std::uint16_t count; ///< records in the sector
    std::uint16_t pending; ///< retained records in it that are pending
};

class ColdTier {
public:
    /// Binds store slot to (source, id, type) at registration; recovers what the tier holds
    /// for it. Returns the sequence number the sensor continues from. invalid_argument if the
    /// tier holds data of the other record type for this sensor (it is kept, not touched).
    virtual Expected<std::uint64_t> attach(std::uint32_t slot, SsSource source, std::uint32_t id,
                                           RecordType type) noexcept = 0;

    virtual void lock(std::uint32_t slot) noexcept = 0;
    virtual void unlock(std::uint32_t slot) noexcept = 0;

    virtual std::uint64_t retained(std::uint32_t slot) const noexcept = 0;
    virtual std::uint64_t pending(std::uint32_t slot) const noexcept = 0;
    /// Consumes from the tier's unsent records (the caller checked there are some); `time` as
    /// for SensorStore::consume.
    virtual Expected<Batch> consume(std::uint32_t slot, void* out, std::uint32_t max, BatchTime time) noexcept = 0;
    virtual void erase_all_pending(std::uint32_t slot) noexcept = 0;
    /// Erases the tier's pending records numbered below end_seq (an acknowledged run at the
    /// front of the stream; the engine checked that end_seq does not pass the pending cursor),
    /// freeing what that empties; the head may stop inside a unit. Durable as erase_all_pending
    /// is: the boundary reaches the meta later, so a crash may re-send, never lose.
    virtual void erase_pending_until(std::uint32_t slot, std::uint64_t end_seq) noexcept = 0;
    virtual Expected<void> read_at(std::uint32_t slot, std::uint64_t offset, void* out) noexcept = 0;
    /// Offers `copy` the records of the unit holding the first retained record numbered `from`
    /// or later, from that record on; cursors do not move. past_end if no unit holds one (the
    /// read goes on in RAM). A unit that fails its check is dropped as consume drops one.
    virtual RangeStep read_range(std::uint32_t slot, std::uint64_t from, BatchCopy& copy) noexcept = 0;
    /// An operator's clear: discards every unit of the sensor (pending and unsent), resets its
    /// counters, records head_seq (where the store's numbering stood) as the acknowledged
    /// boundary, and gives back its disk space. io_error when the discarded units could not yet
    /// be made to stay gone across a power cut; the tier keeps trying at each tick.
    virtual Expected<void> clear(std::uint32_t slot, std::uint64_t head_seq) noexcept = 0;
    /// Whether the tier takes this sensor's sectors now (false while its files are not the
    /// tier's to write this session: its data then stays in RAM, under the RAM policy).
    virtual bool accepts(std::uint32_t slot) const noexcept = 0;
    /// Takes sectors detached from the store's front, oldest first; they join the tier's end.
    virtual void accept(std::uint32_t slot, const DetachedSector* sectors, std::uint32_t n) noexcept = 0;
    /// Records with a sequence number at or above this may not be handed out yet: the tier
    /// has not made it durable that the sequence got that far (a restart must never reuse a
    /// number the cloud may have seen).
    virtual std::uint64_t seq_limit(std::uint32_t slot) const noexcept = 0;
    /// The lowest number a writer-numbered store may seek back to, as far as the tier knows:
    /// its acknowledged boundary (persisted: after a restart, where the recovered stream starts),
    /// or past the newest record it holds, whichever is higher.
    virtual std::uint64_t seek_floor(std::uint32_t slot) const noexcept = 0;
    /// The first sequence number of a record the tier holds that is not durable yet (written
    /// but not synced, or not written): a crash now could lose it. ~0 if all it holds is.
    virtual std::uint64_t durable_end(std::uint32_t slot) const noexcept = 0;
    /// Adds the tier's figures to a store's.
    virtual void add_stats(std::uint32_t slot, SsSensorStats& out) const noexcept = 0;

    /// What the engine asks of one tick.
    struct Tick {
        std::uint64_t now_ms = 0; ///< monotonic time: the tier's only clock
        bool shutdown = false;    ///< a shutdown is in progress: make everything durable
        bool budget_spent = false; ///< the shutdown budget ran out: do nothing more
    };
    /// The manager's duty, after the engine has sealed and spilled: write, sync, trim, enforce
    /// the quota, replace metas; while a shutdown is in progress, make everything durable.
    /// Takes cold locks itself.
    virtual void tick(const Tick& tick) noexcept = 0;
    /// True when nothing retained lives only in RAM (a clean stop now loses nothing).
    virtual bool flushed() const noexcept = 0;
    /// Adds the tier's figures to the system's.
    virtual void add_system_stats(SsSystemStats& out) const noexcept = 0;
    /// The tier's SS_HEALTH_* bits (the system's are the engine's ORed with these).
    virtual std::uint32_t health_flags() const noexcept = 0;

protected:
    ~ColdTier() = default;
};

} // namespace ss
