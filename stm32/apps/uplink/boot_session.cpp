#include "boot_session.hpp"

namespace ss::stm32::uplink_app {

namespace {

struct BootCounter {
    static constexpr std::uint32_t valid = 0x55504C4B; // "UPLK"
    std::uint32_t magic;
    std::uint32_t count;
};

__attribute__((section(".noinit"))) BootCounter boot_counter;

} // namespace

std::uint32_t next_boot_session() noexcept {
    // A volatile view: the compiler must not assume the .noinit object was zero-initialised.
    volatile BootCounter& c = boot_counter;
    if (c.magic != BootCounter::valid) {
        c.count = c.count ^ c.magic; // whatever power-up left: two boots rarely share it
        c.magic = BootCounter::valid;
    }
    c.count = c.count + 1;
    return c.count;
}

} // namespace ss::stm32::uplink_app
