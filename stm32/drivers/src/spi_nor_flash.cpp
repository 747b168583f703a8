#include "ss/stm32/spi_nor_flash.hpp"

#include <algorithm>

namespace ss::stm32 {

namespace {

namespace op {
constexpr std::uint8_t write_status = 0x01;
constexpr std::uint8_t page_program = 0x02;
constexpr std::uint8_t read = 0x03;
constexpr std::uint8_t read_status = 0x05;
constexpr std::uint8_t write_enable = 0x06;
constexpr std::uint8_t sector_erase = 0x20;
constexpr std::uint8_t jedec_id = 0x9F;
constexpr std::uint8_t release_power_down = 0xAB;
constexpr std::uint8_t power_down = 0xB9;
} // namespace op

constexpr std::uint8_t status_wip = 0x01;
constexpr std::uint8_t status_wel = 0x02;
// BP0..BP3 (bits 2..5; BP3 or TB on some parts) and SRWD: all zero is "nothing protected".
constexpr std::uint8_t status_protection = 0xBC;

constexpr std::uint8_t capacity_code_min = 16; // 64 KiB
constexpr std::uint8_t capacity_code_max = 31; // 2 GiB

} // namespace

Expected<void> SpiNorFlash::command(const std::uint8_t* head, std::uint32_t head_bytes, const std::uint8_t* tx,
                                    std::uint8_t* rx, std::uint32_t bytes) noexcept {
    bus_.select();
    const bool ok = bus_.transfer(head, nullptr, head_bytes) && (bytes == 0 || bus_.transfer(tx, rx, bytes));
    bus_.deselect();
    if (!ok) return std::unexpected(Errc::io_error);
    return {};
}

Expected<std::uint8_t> SpiNorFlash::read_status() noexcept {
    const std::uint8_t head = op::read_status;
    std::uint8_t status = 0;
    if (auto r = command(&head, 1, nullptr, &status, 1); !r) return std::unexpected(r.error());
    return status;
}

Expected<void> SpiNorFlash::wait_ready(std::uint32_t polls) noexcept {
    for (std::uint32_t i = 0; i < polls; ++i) {
        auto status = read_status();
        if (!status) return std::unexpected(status.error());
        if ((*status & status_wip) == 0) return {};
    }
    return std::unexpected(Errc::io_error);
}

// WEL is read back rather than trusted: a part that ignored WREN (protected, or gone from the
// bus) would otherwise ignore the program or erase after it without a word.
Expected<void> SpiNorFlash::enable_write() noexcept {
    const std::uint8_t head = op::write_enable;
    if (auto r = command(&head, 1, nullptr, nullptr, 0); !r) return r;
    auto status = read_status();
    if (!status) return std::unexpected(status.error());
    if ((*status & status_wel) == 0) return std::unexpected(Errc::io_error);
    return {};
}

Expected<void> SpiNorFlash::start() noexcept {
    const std::uint8_t wake_head = op::release_power_down;
    if (auto r = command(&wake_head, 1, nullptr, nullptr, 0); !r) return r;
    const std::uint8_t id_head = op::jedec_id;
    std::uint8_t id[3] = {};
    if (auto r = command(&id_head, 1, nullptr, id, 3); !r) return r;
    jedec_id_ = std::uint32_t{id[0]} << 16 | std::uint32_t{id[1]} << 8 | id[2];
    // A floating or pulled MISO reads all ones or all zeros: nothing answered.
    if (jedec_id_ == 0 || jedec_id_ == 0xFF'FFFF) return std::unexpected(Errc::io_error);
    if (id[2] < capacity_code_min || id[2] > capacity_code_max) return std::unexpected(Errc::io_error);
    const std::uint32_t bytes = id[2] >= 24 ? max_bytes : 1u << id[2];

    // A reset during a program or erase leaves the part busy for the rest of it.
    if (auto r = wait_ready(limits_.erase_polls); !r) return r;
    auto status = read_status();
    if (!status) return std::unexpected(status.error());
    if ((*status & status_protection) != 0) {
        if (auto r = enable_write(); !r) return r;
        const std::uint8_t head[2] = {op::write_status, 0x00};
        if (auto r = command(head, 2, nullptr, nullptr, 0); !r) return r;
        if (auto r = wait_ready(limits_.status_write_polls); !r) return r;
        status = read_status();
        if (!status) return std::unexpected(status.error());
        if ((*status & status_protection) != 0) return std::unexpected(Errc::io_error);
    }
    geometry_.block_count = bytes / sector_bytes;
    return {};
}

Expected<void> SpiNorFlash::check_range(std::uint32_t block, std::uint32_t offset, std::uint32_t bytes,
                                        std::uint32_t align) const noexcept {
    if (block >= geometry_.block_count || offset > sector_bytes || bytes > sector_bytes - offset ||
        offset % align != 0 || bytes % align != 0)
        return std::unexpected(Errc::invalid_argument);
    return {};
}

Expected<void> SpiNorFlash::read(std::uint32_t block, std::uint32_t offset, void* out, std::uint32_t bytes) noexcept {
    if (auto r = check_range(block, offset, bytes, geometry_.read_bytes); !r) return r;
    if (bytes == 0) return {};
    const std::uint32_t address = block * sector_bytes + offset;
    const std::uint8_t head[4] = {op::read, static_cast<std::uint8_t>(address >> 16),
                                  static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
    return command(head, 4, nullptr, static_cast<std::uint8_t*>(out), bytes);
}

// A page program wraps around inside its page on every 25-series part, so a range is cut at
// page boundaries here: each piece is one PAGE PROGRAM with its own WREN.
Expected<void> SpiNorFlash::program(std::uint32_t block, std::uint32_t offset, const void* data,
                                    std::uint32_t bytes) noexcept {
    if (auto r = check_range(block, offset, bytes, geometry_.program_bytes); !r) return r;
    const auto* src = static_cast<const std::uint8_t*>(data);
    std::uint32_t address = block * sector_bytes + offset;
    while (bytes > 0) {
        const std::uint32_t piece = std::min(bytes, page_bytes - address % page_bytes);
        if (auto r = enable_write(); !r) return r;
        const std::uint8_t head[4] = {op::page_program, static_cast<std::uint8_t>(address >> 16),
                                      static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
        if (auto r = command(head, 4, src, nullptr, piece); !r) return r;
        if (auto r = wait_ready(limits_.program_polls); !r) return r;
        src += piece;
        address += piece;
        bytes -= piece;
    }
    return {};
}

Expected<void> SpiNorFlash::erase(std::uint32_t block) noexcept {
    if (block >= geometry_.block_count) return std::unexpected(Errc::invalid_argument);
    if (auto r = enable_write(); !r) return r;
    const std::uint32_t address = block * sector_bytes;
    const std::uint8_t head[4] = {op::sector_erase, static_cast<std::uint8_t>(address >> 16),
                                  static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
    if (auto r = command(head, 4, nullptr, nullptr, 0); !r) return r;
    return wait_ready(limits_.erase_polls);
}

Expected<void> SpiNorFlash::sync() noexcept { return wait_ready(limits_.erase_polls); }

Expected<void> SpiNorFlash::power_down() noexcept {
    if (auto r = wait_ready(limits_.erase_polls); !r) return r;
    const std::uint8_t head = op::power_down;
    return command(&head, 1, nullptr, nullptr, 0);
}

Expected<void> SpiNorFlash::wake() noexcept {
    const std::uint8_t head = op::release_power_down;
    return command(&head, 1, nullptr, nullptr, 0);
}

} // namespace ss::stm32
