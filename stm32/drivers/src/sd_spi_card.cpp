#include "ss/stm32/sd_spi_card.hpp"

#include "ss/stm32/sd_crc.hpp"

namespace ss::stm32 {

namespace {

namespace cmd {
constexpr std::uint8_t go_idle = 0;
constexpr std::uint8_t send_if_cond = 8;
constexpr std::uint8_t send_csd = 9;
constexpr std::uint8_t send_status = 13;
constexpr std::uint8_t set_blocklen = 16;
constexpr std::uint8_t read_single = 17;
constexpr std::uint8_t write_single = 24;
constexpr std::uint8_t app_cmd = 55;
constexpr std::uint8_t read_ocr = 58;
constexpr std::uint8_t crc_on_off = 59;
constexpr std::uint8_t sd_send_op_cond = 41; // after app_cmd
} // namespace cmd

constexpr std::uint8_t r1_idle = 0x01;
constexpr std::uint8_t r1_illegal_command = 0x04;
constexpr std::uint8_t start_block_token = 0xFE;
constexpr std::uint8_t data_accepted = 0x05;
constexpr std::uint32_t if_cond_pattern = 0xAA;
constexpr std::uint32_t if_cond_27_36v = 0x100;
constexpr std::uint32_t hcs = 1u << 30;
constexpr std::uint8_t ocr_ccs = 0x40; // in the OCR's first byte (bit 30)

// What an erase writes: the fill bytes come from the bus's idle level, so only their CRC is kept.
constexpr std::uint16_t erased_block_crc = [] {
    std::uint8_t ones[SdSpiCard::block_bytes] = {};
    for (std::uint8_t& b : ones) b = 0xFF;
    return sd_crc16(ones, SdSpiCard::block_bytes);
}();

// Capacity in 512-byte blocks from a CSD (version 1.0: SDSC; 2.0: SDHC/SDXC).
std::uint32_t blocks_from_csd(const std::uint8_t (&csd)[16]) noexcept {
    if (csd[0] >> 6 == 1) {
        const std::uint32_t c_size = std::uint32_t{csd[7] & 0x3Fu} << 16 | std::uint32_t{csd[8]} << 8 | csd[9];
        return (c_size + 1) * 1024; // units of 512 KiB
    }
    const std::uint32_t read_bl_len = csd[5] & 0x0Fu;
    const std::uint32_t c_size = std::uint32_t{csd[6] & 0x03u} << 10 | std::uint32_t{csd[7]} << 2 | csd[8] >> 6;
    const std::uint32_t c_size_mult = std::uint32_t{csd[9] & 0x03u} << 1 | csd[10] >> 7;
    const std::uint32_t shift = c_size_mult + 2 + read_bl_len;
    return shift >= 9 ? (c_size + 1) << (shift - 9) : 0;
}

} // namespace

Expected<void> SdSpiCard::wait_not_busy() noexcept {
    for (std::uint32_t i = 0; i < limits_.busy_bytes; ++i) {
        std::uint8_t b = 0;
        if (!bus_.transfer(nullptr, &b, 1)) return std::unexpected(Errc::io_error);
        if (b == 0xFF) return {};
    }
    return std::unexpected(Errc::io_error);
}

// Leaves the card selected after a response (the caller reads what follows, then end()). A
// card answers within 8 bytes (NCR); anything with bit 7 set until then is not a response.
Expected<std::uint8_t> SdSpiCard::command(std::uint8_t index, std::uint32_t argument) noexcept {
    bus_.select();
    if (index != cmd::go_idle) {
        if (auto r = wait_not_busy(); !r) {
            bus_.deselect();
            return std::unexpected(r.error());
        }
    }
    std::uint8_t frame[6] = {static_cast<std::uint8_t>(0x40 | index), static_cast<std::uint8_t>(argument >> 24),
                             static_cast<std::uint8_t>(argument >> 16), static_cast<std::uint8_t>(argument >> 8),
                             static_cast<std::uint8_t>(argument), 0};
    frame[5] = static_cast<std::uint8_t>(sd_crc7(frame, 5) << 1 | 1u);
    if (!bus_.transfer(frame, nullptr, sizeof frame)) {
        bus_.deselect();
        return std::unexpected(Errc::io_error);
    }
    for (int i = 0; i < 9; ++i) {
        std::uint8_t r1 = 0xFF;
        if (!bus_.transfer(nullptr, &r1, 1)) break;
        if ((r1 & 0x80) == 0) return r1;
    }
    bus_.deselect();
    return std::unexpected(Errc::io_error);
}

Expected<std::uint8_t> SdSpiCard::app_command(std::uint8_t index, std::uint32_t argument) noexcept {
    auto r1 = command(cmd::app_cmd, 0);
    if (!r1) return r1;
    if (auto r = end(); !r) return std::unexpected(r.error());
    if ((*r1 & ~r1_idle) != 0) return std::unexpected(Errc::io_error);
    return command(index, argument);
}

// One byte after chip-select rise: a card lets go of DO only on a clock edge.
Expected<void> SdSpiCard::end() noexcept {
    bus_.deselect();
    if (!bus_.transfer(nullptr, nullptr, 1)) return std::unexpected(Errc::io_error);
    return {};
}

Expected<void> SdSpiCard::receive_block(std::uint8_t* out, std::uint32_t bytes) noexcept {
    std::uint8_t token = 0xFF;
    for (std::uint32_t i = 0; i < limits_.token_bytes && token == 0xFF; ++i)
        if (!bus_.transfer(nullptr, &token, 1)) return std::unexpected(Errc::io_error);
    if (token != start_block_token) return std::unexpected(Errc::io_error); // an error token, or none
    std::uint8_t crc[2] = {};
    if (!bus_.transfer(nullptr, out, bytes) || !bus_.transfer(nullptr, crc, 2)) return std::unexpected(Errc::io_error);
    if ((std::uint16_t{crc[0]} << 8 | crc[1]) != sd_crc16(out, bytes)) return std::unexpected(Errc::io_error);
    return {};
}

Expected<void> SdSpiCard::initialise() noexcept {
    std::uint8_t r1 = 0;
    std::uint32_t tries = 0;
    for (; tries < limits_.reset_tries; ++tries) {
        auto r = command(cmd::go_idle, 0);
        if (r && end() && *r == r1_idle) break;
    }
    if (tries == limits_.reset_tries) return std::unexpected(Errc::io_error);

    auto if_cond = command(cmd::send_if_cond, if_cond_27_36v | if_cond_pattern);
    if (!if_cond) return std::unexpected(if_cond.error());
    bool v2 = false;
    if ((*if_cond & r1_illegal_command) == 0) {
        std::uint8_t r7[4] = {};
        const bool got = bus_.transfer(nullptr, r7, 4);
        if (!end() || !got || *if_cond != r1_idle) return std::unexpected(Errc::io_error);
        // A card that does not echo the pattern or take 2.7-3.6 V is not one to write to.
        if ((r7[2] & 0x0F) != (if_cond_27_36v >> 8) || r7[3] != if_cond_pattern) return std::unexpected(Errc::io_error);
        v2 = true;
    } else if (!end()) {
        return std::unexpected(Errc::io_error);
    }

    auto crc_on = command(cmd::crc_on_off, 1);
    if (!crc_on || !end() || *crc_on != r1_idle) return std::unexpected(Errc::io_error);

    for (tries = 0; tries < limits_.init_tries; ++tries) {
        auto r = app_command(cmd::sd_send_op_cond, v2 ? hcs : 0);
        if (!r || !end()) return std::unexpected(Errc::io_error);
        r1 = *r;
        if (r1 == 0) break;
        if (r1 != r1_idle) return std::unexpected(Errc::io_error);
    }
    if (tries == limits_.init_tries) return std::unexpected(Errc::io_error);

    kind_ = SdCardKind::sdsc_v1;
    if (v2) {
        auto ocr_r1 = command(cmd::read_ocr, 0);
        if (!ocr_r1) return std::unexpected(ocr_r1.error());
        std::uint8_t ocr[4] = {};
        const bool got = bus_.transfer(nullptr, ocr, 4);
        if (!end() || !got || *ocr_r1 != 0) return std::unexpected(Errc::io_error);
        kind_ = (ocr[0] & ocr_ccs) != 0 ? SdCardKind::sdhc : SdCardKind::sdsc_v2;
    }
    if (kind_ != SdCardKind::sdhc) {
        auto r = command(cmd::set_blocklen, block_bytes);
        if (!r || !end() || *r != 0) return std::unexpected(Errc::io_error);
    }

    auto csd_r1 = command(cmd::send_csd, 0);
    if (!csd_r1) return std::unexpected(csd_r1.error());
    std::uint8_t csd[16] = {};
    const bool got = *csd_r1 == 0 && receive_block(csd, sizeof csd);
    if (!end() || !got) return std::unexpected(Errc::io_error);
    geometry_.block_count = blocks_from_csd(csd) / per_erase_;
    if (geometry_.block_count == 0) return std::unexpected(Errc::io_error);
    return {};
}

Expected<void> SdSpiCard::start() noexcept {
    kind_ = SdCardKind::none;
    geometry_.block_count = 0;
    if (!bus_.set_clock(limits_.init_clock_hz)) return std::unexpected(Errc::io_error);
    // At least 74 clocks with chip select high before the first command (the card's power-up).
    bus_.deselect();
    if (!bus_.transfer(nullptr, nullptr, 10)) return std::unexpected(Errc::io_error);
    if (auto r = initialise(); !r) {
        kind_ = SdCardKind::none;
        geometry_.block_count = 0;
        return r;
    }
    if (!bus_.set_clock(limits_.transfer_clock_hz)) return std::unexpected(Errc::io_error);
    return {};
}

std::uint32_t SdSpiCard::address_of(std::uint32_t card_block) const noexcept {
    return kind_ == SdCardKind::sdhc ? card_block : card_block * block_bytes;
}

Expected<void> SdSpiCard::check_range(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes) const noexcept {
    if (block >= geometry_.block_count || offset > geometry_.erase_bytes || bytes > geometry_.erase_bytes - offset ||
        offset % block_bytes != 0 || bytes % block_bytes != 0)
        return std::unexpected(Errc::invalid_argument);
    return {};
}

Expected<void> SdSpiCard::read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept {
    if (auto r = check_range(block, offset, bytes); !r) return r;
    auto* dst = static_cast<std::uint8_t*>(out);
    const std::uint32_t first = block * per_erase_ + offset / block_bytes;
    for (std::uint32_t i = 0; i < bytes / block_bytes; ++i) {
        auto r1 = command(cmd::read_single, address_of(first + i));
        if (!r1) return std::unexpected(r1.error());
        const bool got = *r1 == 0 && receive_block(dst + i * block_bytes, block_bytes);
        if (!end() || !got) return std::unexpected(Errc::io_error);
    }
    return {};
}

// `data` null writes the erased pattern (the bus's idle 0xFF) without a 512-byte buffer.
Expected<void> SdSpiCard::write_block(std::uint32_t card_block, const std::uint8_t* data) noexcept {
    auto r1 = command(cmd::write_single, address_of(card_block));
    if (!r1) return std::unexpected(r1.error());
    if (*r1 != 0) {
        (void)end();
        return std::unexpected(Errc::io_error);
    }
    const std::uint16_t crc = data != nullptr ? sd_crc16(data, block_bytes) : erased_block_crc;
    const std::uint8_t head[2] = {0xFF, start_block_token}; // one byte gap (NWR), then the token
    const std::uint8_t tail[2] = {static_cast<std::uint8_t>(crc >> 8), static_cast<std::uint8_t>(crc)};
    std::uint8_t response = 0xFF;
    bool ok = bus_.transfer(head, nullptr, 2) && bus_.transfer(data, nullptr, block_bytes) &&
              bus_.transfer(tail, nullptr, 2) && bus_.transfer(nullptr, &response, 1);
    ok = ok && (response & 0x1F) == data_accepted && wait_not_busy();
    if (!end() || !ok) return std::unexpected(Errc::io_error);
    // The data response only says the block arrived; CMD13 says whether programming it failed.
    auto status = command(cmd::send_status, 0);
    if (!status) return std::unexpected(status.error());
    std::uint8_t r2 = 0xFF;
    const bool got = bus_.transfer(nullptr, &r2, 1);
    if (!end() || !got || *status != 0 || r2 != 0) return std::unexpected(Errc::io_error);
    return {};
}

Expected<void> SdSpiCard::program(std::uint32_t block, std::uint32_t offset, const void* data,
                                  std::uint32_t bytes) noexcept {
    if (auto r = check_range(block, offset, bytes); !r) return r;
    const auto* src = static_cast<const std::uint8_t*>(data);
    const std::uint32_t first = block * per_erase_ + offset / block_bytes;
    for (std::uint32_t i = 0; i < bytes / block_bytes; ++i)
        if (auto r = write_block(first + i, src + i * block_bytes); !r) return r;
    return {};
}

Expected<void> SdSpiCard::erase(std::uint32_t block) noexcept {
    if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
    for (std::uint32_t i = 0; i < per_erase_; ++i)
        if (auto r = write_block(block * per_erase_ + i, nullptr); !r) return r;
    return {};
}

Expected<void> SdSpiCard::sync() noexcept {
    if (kind_ == SdCardKind::none) return std::unexpected(Errc::io_error);
    bus_.select();
    auto r = wait_not_busy();
    bus_.deselect();
    return r;
}

} // namespace ss::stm32
