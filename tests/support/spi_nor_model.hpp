// A 25-series SPI NOR flash as its datasheets describe it, byte by byte on the bus, for the NOR
// driver's host tests: JEDEC ID, status register (WIP, WEL, BP bits, SRWD), WREN, READ and
// FAST_READ, PAGE PROGRAM (latched at chip-select rise, wrapping inside its page, only clearing
// bits), 4 KiB SECTOR ERASE, WRSR, deep power-down. A program or erase keeps WIP set for a given
// number of status reads; while busy, every command but READ STATUS is ignored, as on a part.
// Faults: no chip (MISO reads a fixed level), stuck busy, protection that WRSR cannot clear.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ss/stm32/spi_bus.hpp"

namespace ss::test {

class SpiNorModel final : public ss::stm32::SpiBus {
public:
    static constexpr std::uint8_t wip = 0x01, wel = 0x02;

    /// A part of 2^capacity_code bytes, erased, with `status` (e.g. BP bits set at power-up).
    SpiNorModel(std::uint8_t capacity_code, std::uint8_t initial_status = 0, std::uint32_t polls_while_busy = 3)
        : memory(std::size_t{1} << capacity_code, 0xFF), status(initial_status), busy_polls(polls_while_busy),
          id{0xEF, 0x40, capacity_code} {}

    // Faults.
    bool absent = false;             ///< no chip: every byte in reads `absent_level`
    std::uint8_t absent_level = 0xFF;
    bool stuck_busy = false;         ///< WIP never clears once set
    bool protection_locked = false;  ///< WRSR leaves the BP bits (WP# held low with SRWD)

    // What the driver did.
    std::uint32_t programs = 0, erases = 0;         ///< executed
    std::uint32_t without_wel = 0;                   ///< program/erase/WRSR ignored for lack of WEL
    std::uint32_t ignored_while_busy = 0;           ///< commands sent while WIP was set
    std::uint32_t wrapped_programs = 0;             ///< page programs that ran past their page end
    std::uint32_t clocks_high = 0;                  ///< bytes clocked with chip select high

    std::vector<std::uint8_t> memory;
    std::uint8_t status;
    std::uint32_t busy_polls;
    std::uint8_t id[3];
    bool powered_down = false;

    bool transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept override {
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint8_t in = tx != nullptr ? tx[i] : 0xFF;
            const std::uint8_t out = selected_ ? clock(in) : 0xFF;
            if (!selected_) ++clocks_high;
            if (rx != nullptr) rx[i] = absent ? absent_level : out;
        }
        return true;
    }
    void select() noexcept override {
        selected_ = true;
        frame_.clear();
    }
    void deselect() noexcept override {
        selected_ = false;
        if (!absent && !frame_.empty()) finish();
    }
    bool set_clock(std::uint32_t) noexcept override { return true; }

private:
    std::uint32_t address() const {
        return (std::uint32_t{frame_[1]} << 16 | std::uint32_t{frame_[2]} << 8 | frame_[3]) %
               static_cast<std::uint32_t>(memory.size());
    }
    bool busy() const { return (status & wip) != 0; }

    // The byte shifted out while `in` is shifted in; frame_ holds the bytes in so far.
    std::uint8_t clock(std::uint8_t in) {
        const std::size_t n = frame_.size();
        frame_.push_back(in);
        if (n == 0 || absent) return 0xFF;
        const std::uint8_t opcode = frame_[0];
        if (opcode == 0x05) {
            const std::uint8_t s = status;
            if (busy() && !stuck_busy && busy_left_ > 0 && --busy_left_ == 0) status &= static_cast<std::uint8_t>(~(wip | wel));
            return s;
        }
        if (busy() || powered_down) return 0xFF;
        if (opcode == 0x9F) return n <= 3 ? id[n - 1] : 0xFF;
        if (opcode == 0x03 && n >= 4) return memory[(address() + (n - 4)) % memory.size()];
        if (opcode == 0x0B && n >= 5) return memory[(address() + (n - 5)) % memory.size()];
        return 0xFF;
    }

    void start_busy() {
        status |= wip;
        busy_left_ = busy_polls == 0 ? 1 : busy_polls;
    }

    // What a part does at chip-select rise.
    void finish() {
        const std::uint8_t opcode = frame_[0];
        if (opcode == 0x05) return;
        if (opcode == 0xAB) {
            powered_down = false;
            return;
        }
        if (busy() || powered_down) {
            ++ignored_while_busy;
            return;
        }
        switch (opcode) {
        case 0x06: status |= wel; return;
        case 0x04: status &= static_cast<std::uint8_t>(~wel); return;
        case 0xB9: powered_down = true; return;
        case 0x01:
            if (frame_.size() < 2) return;
            if ((status & wel) == 0) {
                ++without_wel;
                return;
            }
            if (!protection_locked) status = static_cast<std::uint8_t>((status & (wip | wel)) | (frame_[1] & 0xBC));
            start_busy();
            return;
        case 0x02: {
            if (frame_.size() < 5) return;
            if ((status & wel) == 0) {
                ++without_wel;
                return;
            }
            status &= static_cast<std::uint8_t>(~wel);
            if (protected_()) return;
            const std::uint32_t a = address();
            const std::uint32_t page = a & ~0xFFu;
            const std::size_t data = frame_.size() - 4;
            if ((a & 0xFFu) + data > 256) ++wrapped_programs;
            // More than 256 bytes: only the last 256 are kept, as the datasheets say.
            const std::size_t skip = data > 256 ? data - 256 : 0;
            for (std::size_t i = skip; i < data; ++i) {
                std::uint8_t& cell = memory[page + ((a + i) & 0xFFu)];
                cell = static_cast<std::uint8_t>(cell & frame_[4 + i]);
            }
            ++programs;
            start_busy();
            return;
        }
        case 0x20: {
            if (frame_.size() != 4) return;
            if ((status & wel) == 0) {
                ++without_wel;
                return;
            }
            status &= static_cast<std::uint8_t>(~wel);
            if (protected_()) return;
            const std::uint32_t a = address() & ~0xFFFu;
            for (std::uint32_t i = 0; i < 4096; ++i) memory[a + i] = 0xFF;
            ++erases;
            start_busy();
            return;
        }
        default: return;
        }
    }
    // Any BP bit set protects the whole array here: the exact ranges differ between vendors
    // and the driver clears them all anyway.
    bool protected_() const { return (status & 0x3C) != 0; }

    bool selected_ = false;
    std::vector<std::uint8_t> frame_;
    std::uint32_t busy_left_ = 0;
};

} // namespace ss::test
