// An SD card in SPI mode as the Physical Layer Simplified Specification describes it, byte by
// byte on the bus, for the SD driver's host tests: power-up clocks, CMD0 into SPI mode (checked
// CRC), CMD8 (R7 echo; illegal on a v1 card), CMD55/ACMD41 (idle for a number of rounds; an
// SDHC card stays idle without HCS), CMD58 (OCR with CCS), CMD59 (CRC checking), CMD16, CMD9
// (CSD v1 or v2 in a data block), CMD13 (R2), CMD17 (token, block, CRC16) and CMD24 (token,
// block, CRC16, data response, busy), byte addresses on SDSC and block addresses on SDHC.
// Faults: no card, never ready, writes rejected (write error or CRC error data response), a
// read block sent with a bad CRC, stuck busy after a write, a failed program seen by CMD13.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "ss/stm32/sd_crc.hpp"
#include "ss/stm32/spi_bus.hpp"

namespace ss::test {

enum class SdModelKind { sdsc_v1, sdsc_v2, sdhc };

class SdCardModel final : public ss::stm32::SpiBus {
public:
    /// `blocks`: a multiple of 1024 for SDHC (the CSD's unit), of 512 for SDSC.
    SdCardModel(SdModelKind kind, std::uint32_t blocks, std::uint32_t ready_after_rounds = 3)
        : memory(std::size_t{blocks} * 512, 0x00), kind_(kind), blocks_(blocks), rounds_left_(ready_after_rounds) {}

    // Faults.
    bool absent = false;            ///< no card: DO reads 0xFF
    bool never_ready = false;       ///< ACMD41 answers idle for ever
    std::uint8_t write_response = 0x05; ///< the data response token: 0x0B CRC error, 0x0D write error
    bool corrupt_read_crc = false;  ///< CMD17 blocks go out with a wrong CRC16
    bool stuck_busy = false;        ///< busy for ever after a write
    bool program_fails = false;     ///< CMD13 after a write reports a write error in R2

    // What the driver did.
    std::uint32_t clocks_before_cmd0 = 0;  ///< bytes clocked with chip select high before the first command
    std::uint32_t bad_crc_commands = 0;
    std::uint32_t address_errors = 0;
    std::uint32_t writes = 0, reads = 0;
    bool crc_checking = false;
    std::vector<std::uint8_t> commands;   ///< every command index received, in order
    std::vector<std::uint32_t> arguments;
    std::uint32_t max_clock_during_init = 0, clock_hz = 0;

    std::vector<std::uint8_t> memory;

    bool transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept override {
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint8_t in = tx != nullptr ? tx[i] : 0xFF;
            std::uint8_t out = 0xFF;
            if (!selected_) {
                if (!spi_mode_) ++clocks_before_cmd0;
            } else {
                out = next_out();
                consume(in);
            }
            if (rx != nullptr) rx[i] = absent ? 0xFF : out;
        }
        return true;
    }
    void select() noexcept override { selected_ = true; }
    void deselect() noexcept override {
        selected_ = false;
        frame_.clear();
        out_.clear();
    }
    bool set_clock(std::uint32_t max_hz) noexcept override {
        clock_hz = max_hz;
        if (idle_ && max_hz > max_clock_during_init) max_clock_during_init = max_hz;
        return true;
    }

private:
    std::uint8_t next_out() {
        if (!out_.empty()) {
            const std::uint8_t b = out_.front();
            out_.pop_front();
            return b;
        }
        if (stuck_busy && busy_) return 0x00;
        if (busy_left_ > 0) {
            --busy_left_;
            return 0x00;
        }
        busy_ = false;
        return 0xFF;
    }

    void consume(std::uint8_t in) {
        if (absent) return;
        if (receiving_ == Receiving::token) {
            if (in == 0xFE) receiving_ = Receiving::data;
            return;
        }
        if (receiving_ == Receiving::data) {
            data_.push_back(in);
            if (data_.size() == 514) finish_write();
            return;
        }
        if (frame_.empty() && (in & 0xC0) != 0x40) return; // filler between commands
        frame_.push_back(in);
        if (frame_.size() == 6) {
            execute();
            frame_.clear();
        }
    }

    void respond(std::uint8_t r1) {
        out_.push_back(0xFF); // NCR: one byte before the response
        out_.push_back(r1);
    }
    void send_block(const std::uint8_t* data, std::size_t bytes, bool corrupt) {
        out_.push_back(0xFF); // access time
        out_.push_back(0xFF);
        out_.push_back(0xFE);
        for (std::size_t i = 0; i < bytes; ++i) out_.push_back(data[i]);
        const std::uint16_t crc = static_cast<std::uint16_t>(ss::stm32::sd_crc16(data, bytes) ^ (corrupt ? 1u : 0u));
        out_.push_back(static_cast<std::uint8_t>(crc >> 8));
        out_.push_back(static_cast<std::uint8_t>(crc));
    }
    // The block a data command addresses, or -1 after an address error response.
    long block_of(std::uint32_t argument) {
        std::uint32_t block = argument;
        if (kind_ != SdModelKind::sdhc) {
            if (argument % 512 != 0) return -1;
            block = argument / 512;
        }
        return block < blocks_ ? static_cast<long>(block) : -1;
    }
    /// The block a read or write command names, or -1 after answering R1 with the address error
    /// (counted) when it names none.
    long addressed_block(std::uint32_t argument) {
        const long block = block_of(argument);
        if (block < 0) {
            ++address_errors;
            respond(0x20);
        }
        return block;
    }

    void execute() {
        const std::uint8_t index = frame_[0] & 0x3F;
        const std::uint32_t arg = std::uint32_t{frame_[1]} << 24 | std::uint32_t{frame_[2]} << 16 |
                                  std::uint32_t{frame_[3]} << 8 | frame_[4];
        const bool crc_ok = frame_[5] == static_cast<std::uint8_t>(ss::stm32::sd_crc7(frame_.data(), 5) << 1 | 1u);
        if (!spi_mode_) {
            // Still in SD mode: only CMD0 with its CRC, and only after the power-up clocks.
            if (index != 0 || !crc_ok || clocks_before_cmd0 < 10) return;
        }
        commands.push_back(index);
        arguments.push_back(arg);
        const bool app = app_;
        app_ = false;
        if (!crc_ok && (crc_checking || index == 0 || index == 8)) {
            ++bad_crc_commands;
            respond(r1() | 0x08);
            return;
        }
        switch (index) {
        case 0:
            spi_mode_ = true;
            idle_ = true;
            crc_checking = false;
            respond(0x01);
            return;
        case 8:
            if (kind_ == SdModelKind::sdsc_v1) {
                respond(r1() | 0x04);
                return;
            }
            respond(r1());
            out_.insert(out_.end(), {0x00, 0x00, static_cast<std::uint8_t>((arg >> 8) & 0x0F), static_cast<std::uint8_t>(arg)});
            return;
        case 55:
            app_ = true;
            respond(r1());
            return;
        case 41: {
            if (!app) break;
            const bool hcs = (arg & (1u << 30)) != 0;
            const bool can_start = kind_ != SdModelKind::sdhc || hcs;
            if (idle_ && !never_ready && can_start && (rounds_left_ == 0 || --rounds_left_ == 0)) idle_ = false;
            respond(r1());
            return;
        }
        case 58:
            respond(r1());
            out_.insert(out_.end(), {static_cast<std::uint8_t>((idle_ ? 0x00 : 0x80) |
                                                               (!idle_ && kind_ == SdModelKind::sdhc ? 0x40 : 0x00)),
                                     0xFF, 0x80, 0x00});
            return;
        case 59:
            crc_checking = (arg & 1u) != 0;
            respond(r1());
            return;
        case 16:
            if (idle_) break;
            respond(arg == 512 ? 0x00 : 0x40);
            return;
        case 9: {
            if (idle_) break;
            respond(0x00);
            std::uint8_t csd[16] = {};
            if (kind_ == SdModelKind::sdhc) {
                const std::uint32_t c_size = blocks_ / 1024 - 1;
                csd[0] = 0x40;
                csd[7] = static_cast<std::uint8_t>((c_size >> 16) & 0x3F);
                csd[8] = static_cast<std::uint8_t>(c_size >> 8);
                csd[9] = static_cast<std::uint8_t>(c_size);
            } else {
                // READ_BL_LEN 9, C_SIZE_MULT 7: blocks = (C_SIZE + 1) * 512.
                const std::uint32_t c_size = blocks_ / 512 - 1;
                csd[5] = 0x09;
                csd[6] = static_cast<std::uint8_t>((c_size >> 10) & 0x03);
                csd[7] = static_cast<std::uint8_t>(c_size >> 2);
                csd[8] = static_cast<std::uint8_t>((c_size & 0x03) << 6);
                csd[9] = 0x03;
                csd[10] = 0x80;
            }
            send_block(csd, 16, false);
            return;
        }
        case 13:
            respond(r1());
            out_.push_back(program_failed_ ? 0x04 : 0x00); // R2's second byte: WP erase skip / write error
            program_failed_ = false;
            return;
        case 17: {
            if (idle_) break;
            const long block = addressed_block(arg);
            if (block < 0) return;
            respond(0x00);
            send_block(memory.data() + block * 512, 512, corrupt_read_crc);
            ++reads;
            return;
        }
        case 24: {
            if (idle_) break;
            const long block = addressed_block(arg);
            if (block < 0) return;
            respond(0x00);
            write_block_ = block;
            data_.clear();
            receiving_ = Receiving::token;
            return;
        }
        default: break;
        }
        respond(r1() | 0x04); // illegal command
    }

    void finish_write() {
        receiving_ = Receiving::command;
        const std::uint16_t crc = static_cast<std::uint16_t>(data_[512] << 8 | data_[513]);
        if (crc_checking && crc != ss::stm32::sd_crc16(data_.data(), 512)) {
            out_.push_back(0x0B);
            return;
        }
        out_.push_back(write_response);
        if (write_response != 0x05) return;
        if (program_fails) {
            program_failed_ = true;
        } else {
            for (std::size_t i = 0; i < 512; ++i) memory[write_block_ * 512 + i] = data_[i];
            ++writes;
        }
        busy_ = true;
        busy_left_ = 5;
    }

    std::uint8_t r1() const { return idle_ ? 0x01 : 0x00; }

    enum class Receiving { command, token, data };
    SdModelKind kind_;
    std::uint32_t blocks_;
    std::uint32_t rounds_left_;
    bool selected_ = false, spi_mode_ = false, idle_ = true, app_ = false, busy_ = false, program_failed_ = false;
    std::uint32_t busy_left_ = 0;
    long write_block_ = 0;
    Receiving receiving_ = Receiving::command;
    std::vector<std::uint8_t> frame_, data_;
    std::deque<std::uint8_t> out_;
};

} // namespace ss::test
