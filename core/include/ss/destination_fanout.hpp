// Several upload destinations over one engine (design.md §9): each destination reads every
// sensor's stream with a cursor of its own, and a record is erased only once every destination
// has acknowledged it; a slow or dead destination never holds up the others' reads.
//
// The store keeps its one cursor contract (head ──pending── pend ──unsent── tail) and this
// drives it for the slowest destination:
//   - a destination reads records without consuming them (Engine::read_range) from its own
//     next_seq; the store's pending cursor is then moved up to the lowest next_seq of all
//     destinations, so exactly what the slowest destination has in flight or acknowledged is
//     pending — and pending records are never dropped;
//   - the store's head moves up to the lowest acked_seq of all destinations.
// So at the pool's or the disk quota's limit the store drops the oldest records no destination
// has in flight that the slowest has not read — for a dead destination, the data it will never
// get while the others keep theirs. A destination learns of a drop as a jump in the numbers it
// reads, and counts it as its own (DestinationCursor::dropped): a record dropped before two
// destinations read it counts once for each. A faster destination's batches in flight lie past
// the pending region: the store may drop them under pressure, which costs that destination
// nothing while it runs (it holds the records it sends); only a crash before their
// acknowledgement makes it find them gone at the restart, counted as dropped for it.
//
// Moving the pending cursor consumes into a scratch buffer (the records are read once more by
// the slowest destination): the price of keeping the store's single-cursor code and its tests
// as they are. A consume that crosses a gap may make a few records past the slowest cursor
// pending too, which only keeps them longer.
//
// Freestanding (no heap): the caller hands in the cursors (max_sensors × destinations), the
// scratch and the room for two locks. Thread-safe: each destination's reader (an uploader on a
// thread of its own) calls read/acknowledge for its own destination only; the cursor table is
// behind one short lock never held across I/O, and moving the store's cursors behind another.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ss/batch_copy.hpp"
#include "ss/engine.hpp"
#include "ss/expected.hpp"
#include "ss/port.hpp"

namespace ss {

/// One destination's position in one sensor's stream.
struct DestinationCursor {
    std::uint64_t next_seq = 0;  ///< the next record this destination reads
    std::uint64_t acked_seq = 0; ///< every record below was acknowledged by it (or dropped for it)
    std::uint64_t read = 0;      ///< records it has read (its batches' counts)
    std::uint64_t dropped = 0;   ///< records the store dropped before this destination read them
    bool ready = false;          ///< placed (restored, or started at the store's head)
};

/// One destination's figures over every sensor.
struct DestinationTotals {
    std::uint64_t read = 0;
    std::uint64_t dropped = 0;
    std::uint64_t behind = 0; ///< retained records it has not acknowledged yet
};

class DestinationFanout {
public:
    static constexpr std::uint32_t max_destinations = 8;
    /// Records of the widest type the scratch holds, at the least.
    static constexpr std::uint32_t min_scratch_records = 16;

    constexpr DestinationFanout() noexcept = default;
    DestinationFanout(const DestinationFanout&) = delete;
    DestinationFanout& operator=(const DestinationFanout&) = delete;
    ~DestinationFanout() { deinit(); }

    /// Cursors needed for an engine of max_sensors and `destinations` destinations.
    static constexpr std::size_t cursors_needed(std::uint32_t max_sensors, std::uint32_t destinations) noexcept {
        return std::size_t{max_sensors} * destinations;
    }
    /// Bytes of lock memory init takes (two locks of ops), aligned as ops.align.
    static constexpr std::size_t lock_bytes(const port::LockOps& ops) noexcept { return 2 * lock_stride(ops); }

    /// Binds to `engine` (initialised; it must outlive this) for `destinations` destinations
    /// (1..max_destinations) over max_sensors stores. invalid_argument if a count is out of
    /// range, the cursors are fewer than cursors_needed, the scratch holds fewer than
    /// min_scratch_records event records or the lock memory is missing where ops needs it.
    Expected<void> init(Engine& engine, std::uint32_t destinations, std::uint32_t max_sensors,
                        DestinationCursor* cursors, std::size_t cursor_count, std::byte* scratch,
                        std::size_t scratch_bytes, const port::LockOps& locks, void* lock_memory) noexcept;
    void deinit() noexcept;
    std::uint32_t destinations() const noexcept { return destinations_; }

    /// Places destination d's cursors in s's stream at start-up: it acknowledged every record
    /// below acked_seq before the restart (what its persisted cursor says). The cursor starts at
    /// the higher of that and the store's head. Before d first reads s.
    void restore(std::uint32_t d, const SensorStore& s, std::uint64_t acked_seq) noexcept;

    /// Copies up to max of s's records from d's cursor on into out (consecutive, as
    /// Engine::read_range copies them, with its time rule) and moves the cursor past them;
    /// numbers skipped on the way count as dropped for d. try_again: nothing new for d;
    /// io_error: the next unit could not be read (nothing moved); invalid_argument: d out of
    /// range or s not one of the engine's stores.
    Expected<Batch> read(std::uint32_t d, SensorStore& s, void* out, std::uint32_t max,
                         BatchTime time = BatchTime::first_segment) noexcept;

    /// d acknowledged every record it read below end_seq (its batches in order: end_seq never
    /// goes back, and an end_seq at or below what it acknowledged already is no error). The
    /// records every destination has acknowledged are erased. invalid_argument if end_seq
    /// passes what d has read (nothing changed).
    Expected<void> acknowledge(std::uint32_t d, SensorStore& s, std::uint64_t end_seq) noexcept;

    /// d's cursor in s's stream (placed at the store's head if d has not touched it yet).
    DestinationCursor cursor(std::uint32_t d, const SensorStore& s) noexcept;
    /// d's figures summed over the registered sensors.
    DestinationTotals totals(std::uint32_t d) noexcept;

private:
    static constexpr std::size_t lock_stride(const port::LockOps& ops) noexcept {
        const std::size_t a = ops.align < 1 ? 1 : ops.align;
        return (ops.size + a - 1) / a * a;
    }
    DestinationCursor& at(std::uint32_t slot, std::uint32_t d) noexcept { return cursors_[slot * destinations_ + d]; }
    /// Places every destination's cursor of `slot` that is not placed yet; cursor lock held.
    void place(std::uint32_t slot, std::uint64_t head_seq) noexcept;
    std::uint64_t lowest_next(std::uint32_t slot) noexcept;
    std::uint64_t lowest_acked(std::uint32_t slot) noexcept;
    /// Brings the store's pending cursor up to pend and its head up to head (each never past
    /// what the store has), under the store-cursor lock.
    void settle(SensorStore& s, std::uint64_t pend, std::uint64_t head) noexcept;
    bool valid(std::uint32_t d, const SensorStore& s) const noexcept;

    Engine* engine_ = nullptr;
    DestinationCursor* cursors_ = nullptr;
    std::uint32_t destinations_ = 0;
    std::uint32_t max_sensors_ = 0;
    std::byte* scratch_ = nullptr;
    std::uint32_t scratch_records_ = 0;
    port::LockOps lock_ops_{};
    void* cursor_lock_ = nullptr; // the cursor table
    void* store_lock_ = nullptr;  // moving the store's cursors
};

} // namespace ss
