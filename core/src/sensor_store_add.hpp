// The single-record add path of SensorStore, inline in the C API's ss_ts_add and ss_evt_add:
// on the MCU every call level and every Expected passed through memory is counted in the add's
// instruction budget (stm32/bench). Private to core/src.
#pragma once

#include <cstring>

#include "ss/counter.hpp"
#include "ss/sensor_store.hpp"

namespace ss {

namespace add_writers {
// What the single adds write: the fields go from registers to the sector, with no packed copy on
// the caller's stack.
struct Value {
    std::uint32_t value;
    void operator()(std::byte* dst) const noexcept { sector::store<std::uint32_t>(dst, value); }
};
struct Event {
    std::uint32_t value;
    std::uint64_t ts_ms;
    void operator()(std::byte* dst) const noexcept {
        sector::store<std::uint32_t>(dst, value);
        sector::store<std::uint64_t>(dst + sizeof value, ts_ms);
    }
};
} // namespace add_writers

template <std::size_t RecordBytes, class Write>
[[gnu::always_inline]] inline Expected<void> SensorStore::add_one(const StoreContext& ctx, std::uint64_t time, Write write) noexcept {
    const port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    // open_sector_full, with the capacity known from the record size rather than the type.
    const std::uint32_t capacity = RecordBytes == sector::ts_record_bytes ? ctx.capacity_ts : ctx.capacity_evt;
    if ((flags_ & tail_sealed) != 0 || tail_count_ == capacity) [[unlikely]] {
        if ((flags_ & tail_sealed) == 0) seal_tail(ctx);
        if (auto room = make_room(ctx); !room) {
            ++seq_before_tail_; // the loss shows as a gap in the sequence
            saturating_add(dropped_new_, 1);
            note_health(ctx, SS_HEALTH_DROPPING);
            return room;
        }
    }
    if (tail_count_ == 0) [[unlikely]]
        stamp_open_sector(ctx, time);
    std::byte* const open = ctx.pool->data(tail_);
    std::byte* const record = open + sector::header_bytes + std::size_t{tail_count_} * RecordBytes;
    write(record);
    if (ctx.crc_on_add) sector::extend_running_crc<RecordBytes / 4>(open, record);
    ++tail_count_; // and so next_seq and retained (seq_before_tail_)
    return {};
}

template <std::size_t RecordBytes, class Write>
[[gnu::always_inline]] inline bool SensorStore::add_mid_sector(const StoreContext& ctx, Write write) noexcept {
    if constexpr (port::cpu_has_primask) {
        // The MCU's add as one straight line: the lock is the interrupt mask, taken inline; the
        // record lands in the open sector, already stamped and with room, and extends its
        // running CRC. Everything else (the first record of a sector, a seal, a full pool,
        // another lock) is the general add's, which looks again under its own lock. Keeping those paths out of this body is what
        // keeps it within its budget: no stack frame, no registers saved for calls that a
        // mid-sector add never makes.
        if (!ctx.masked_add_with_crc) return false;
        const std::uint32_t capacity = RecordBytes == sector::ts_record_bytes ? ctx.capacity_ts : ctx.capacity_evt;
        const std::uint32_t saved = port::mask_interrupts();
        const std::uint32_t n = tail_count_;
        // A store of this record size whose open sector is not sealed, and 0 < n < capacity in
        // one unsigned compare. On this path the C API checks the type here only.
        constexpr auto type_flags = static_cast<std::uint8_t>(
            static_cast<unsigned>(RecordBytes == sector::ts_record_bytes ? RecordType::ts : RecordType::evt) << type_shift);
        if ((flags_ & (type_bits | tail_sealed)) != type_flags || n - 1u >= capacity - 1u) [[unlikely]] {
            port::restore_interrupts(saved);
            return false;
        }
        std::byte* const open = ctx.pool->data(tail_);
        std::byte* const record = open + sector::header_bytes + std::size_t{n} * RecordBytes;
        write(record);
        sector::extend_running_crc<RecordBytes / 4>(open, record);
        tail_count_ = static_cast<std::uint16_t>(n + 1); // and so next_seq and retained (seq_before_tail_)
        port::restore_interrupts(saved);
        return true;
    } else {
        (void)ctx;
        (void)write;
        return false;
    }
}

[[gnu::always_inline]] inline bool SensorStore::add_value_mid_sector(const StoreContext& ctx, std::uint32_t value) noexcept {
    return add_mid_sector<sector::ts_record_bytes>(ctx, add_writers::Value{value});
}

[[gnu::always_inline]] inline bool SensorStore::add_event_mid_sector(const StoreContext& ctx, std::uint32_t value,
                                                                      std::uint64_t ts_ms) noexcept {
    return add_mid_sector<sector::evt_record_bytes>(ctx, add_writers::Event{value, ts_ms});
}

[[gnu::always_inline]] inline Expected<void> SensorStore::add_value(const StoreContext& ctx, std::uint32_t value, std::uint64_t time) noexcept {
    return add_one<sector::ts_record_bytes>(ctx, time, add_writers::Value{value});
}

[[gnu::always_inline]] inline Expected<void> SensorStore::add_event(const StoreContext& ctx, std::uint32_t value, std::uint64_t ts_ms) noexcept {
    return add_one<sector::evt_record_bytes>(ctx, sector::time_unknown, add_writers::Event{value, ts_ms});
}

} // namespace ss
