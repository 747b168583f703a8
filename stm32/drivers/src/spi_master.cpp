#include "ss/stm32/spi_master.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/rcc.hpp"

namespace ss::stm32 {

namespace {

struct SpiFacts {
    std::uintptr_t base;
    std::uintptr_t enable_register;
    std::uint32_t enable_bit;
};

constexpr SpiFacts facts[] = {
    {spi::spi1, rcc::apb2enr, rcc::apb2_spi1},
    {spi::spi2, rcc::apb1enr, rcc::apb1_spi2},
    {spi::spi3, rcc::apb1enr, rcc::apb1_spi3},
};

// A byte at the slowest clock (PCLK / 256) takes 2048 bus cycles; a status poll costs a few,
// so this bound is far above any legitimate wait and still ends a dead wait in milliseconds.
constexpr std::uint32_t max_polls = 100'000;

bool wait_for(std::uintptr_t base, std::uint32_t flag, bool set) noexcept {
    for (std::uint32_t i = 0; i < max_polls; ++i)
        if (((mmio(base + spi::sr) & flag) != 0) == set) return true;
    return false;
}

} // namespace

bool SpiMaster::start(const SpiConfig& config) noexcept {
    const std::optional<std::uint32_t> cr1 = spi_cr1_for(config);
    if (!cr1) return false;
    const SpiFacts& f = facts[static_cast<unsigned>(port_)];
    mmio(f.enable_register) = mmio(f.enable_register) | f.enable_bit;
    // Read back: on silicon the peripheral clock starts two bus cycles after the enable.
    [[maybe_unused]] const std::uint32_t enabled = mmio(f.enable_register);
    mmio(f.base + spi::cr1) = 0;
    mmio(f.base + spi::cr2) = 0; // no interrupts, no DMA
    mmio(f.base + spi::cr1) = *cr1;
    mmio(f.base + spi::cr1) = *cr1 | spi::cr1_spe; // enable after the settings, as RM0090 asks
    return true;
}

void SpiMaster::stop() noexcept {
    const std::uintptr_t b = base();
    // RM0090's order for a master: the last byte received, then not busy, then SPE off.
    (void)wait_for(b, spi::sr_txe, true);
    (void)wait_for(b, spi::sr_bsy, false);
    mmio(b + spi::cr1) = mmio(b + spi::cr1) & ~spi::cr1_spe;
}

bool SpiMaster::transfer(const std::uint8_t* tx, std::uint8_t* rx, std::size_t count) noexcept {
    const std::uintptr_t b = base();
    if ((mmio(b + spi::cr1) & spi::cr1_spe) == 0) return false;
    for (std::size_t i = 0; i < count; ++i) {
        if (!wait_for(b, spi::sr_txe, true)) return false;
        mmio(b + spi::dr) = tx != nullptr ? tx[i] : 0u;
        if (!wait_for(b, spi::sr_rxne, true)) return false;
        const auto in = static_cast<std::uint8_t>(mmio(b + spi::dr));
        if (rx != nullptr) rx[i] = in;
    }
    return wait_for(b, spi::sr_bsy, false);
}

std::uintptr_t SpiMaster::base() const noexcept { return facts[static_cast<unsigned>(port_)].base; }

} // namespace ss::stm32
