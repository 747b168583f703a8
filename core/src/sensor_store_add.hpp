// The single-record add path of SensorStore, inline in the C API's ss_ts_add and ss_evt_add:
// on the MCU every call level and every Expected passed through memory is counted in the add's
// instruction budget (stm32/bench). Private to core/src.
#pragma once

#include <cstring>

#include "ss/counter.hpp"
#include "ss/sensor_store.hpp"

namespace ss {

template <std::size_t RecordBytes, class Write>
[[gnu::always_inline]] inline Expected<void> SensorStore::add_one(const StoreContext& ctx, std::uint64_t time, Write write) noexcept {
    const port::LockGuard g(*ctx.lock_ops, ctx.lock_of(*this));
    return add_one_locked<RecordBytes>(ctx, time, write);
}

template <std::size_t RecordBytes, class Write>
[[gnu::always_inline]] inline Expected<void> SensorStore::add_one_locked(const StoreContext& ctx, std::uint64_t time,
                                                                          Write write) noexcept {
    // open_sector_full, with the capacity known from the record size rather than the type.
    const std::uint32_t capacity = RecordBytes == sector::ts_record_bytes ? ctx.capacity_ts : ctx.capacity_evt;
    if ((flags_ & tail_sealed) != 0 || tail_count_ == capacity) [[unlikely]] {
        if ((flags_ & tail_sealed) == 0) seal_tail(ctx);
        if (auto room = make_room(ctx); !room) {
            ++next_seq_; // the loss shows as a gap in the sequence
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
    ++tail_count_;
    ++retained_;
    ++next_seq_;
    return {};
}

template <std::size_t RecordBytes, class Write>
[[gnu::always_inline]] inline Expected<void> SensorStore::add_one_inline(const StoreContext& ctx, std::uint64_t time,
                                                                          Write write) noexcept {
    if constexpr (port::cpu_has_primask) {
        // The MCU's lock, tested first and taken inline: no lock object to find. Any other
        // lock takes the general add, out of line: one inline copy of the body is enough.
        if (!ctx.lock_is_interrupt_mask) {
            std::byte record[RecordBytes];
            write(record);
            return add(ctx, record, time);
        }
        const port::InterruptMaskGuard g;
        return add_one_locked<RecordBytes>(ctx, time, write);
    }
    return add_one<RecordBytes>(ctx, time, write);
}

[[gnu::always_inline]] inline Expected<void> SensorStore::add_value(const StoreContext& ctx, std::uint32_t value, std::uint64_t time) noexcept {
    return add_one_inline<sector::ts_record_bytes>(ctx, time,
                                                   [value](std::byte* dst) { sector::store<std::uint32_t>(dst, value); });
}

[[gnu::always_inline]] inline Expected<void> SensorStore::add_event(const StoreContext& ctx, std::uint32_t value, std::uint64_t ts_ms) noexcept {
    // The two fields go from registers to the sector, with no packed copy on the caller's stack
    // to store and load again. Measured, this alone did not move ss_evt_add (docs/benchmarks.md:
    // the filtered event add is still 13 % above the build before issue 11, cause not found).
    return add_one_inline<sector::evt_record_bytes>(ctx, sector::time_unknown, [value, ts_ms](std::byte* dst) {
        sector::store<std::uint32_t>(dst, value);
        sector::store<std::uint64_t>(dst + sizeof value, ts_ms);
    });
}

} // namespace ss
