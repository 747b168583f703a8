// The buffered USART under QEMU (netduinoplus2), USART2 looped back through a UDP chardev (see
// CMakeLists.txt): every byte written comes back, in order, through the RXNE interrupt into
// the receive ring; the transmit ring is drained by the interrupt; write() never blocks and
// takes only what fits; nothing is counted lost. BRR arithmetic is checked at compile time.
#include <cstddef>
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/buffered_usart.hpp"
#include "ss/stm32/forever.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::figure;

// 115 200 baud from APB1's 42 MHz: 42e6 / 115200 = 364.58 -> 365 = mantissa 22, fraction 13.
static_assert(usart::brr_for(42'000'000, 115'200) == 365);
static_assert(usart::brr_for(84'000'000, 9'600) == 8'750);

Forever<BufferedUsart<128, 64>> uart2_object{UsartPort::usart2};
BufferedUsart<128, 64>& uart2 = *uart2_object;

constexpr std::size_t message_bytes = 300; // more than either ring holds

std::uint8_t pattern(std::size_t i) { return static_cast<std::uint8_t>(i * 7 + 3); }

} // namespace

int main() {
    start_systick(168'000'000);
    uart2.start(42'000'000, 115'200, 6);

    // With the interrupt held off, write() takes only what fits in the 64-byte ring.
    std::uint8_t message[message_bytes];
    for (std::size_t i = 0; i < message_bytes; ++i) message[i] = pattern(i);
    std::size_t sent = 0;
    with_interrupts_masked([&] { sent = uart2.write(message, message_bytes); });
    figure("bytes queued while the interrupt was held off", sent);
    check(sent == 64, "write() takes what fits in the transmit ring and returns at once");

    // Then the rest, as room frees; everything read back as it arrives. At most 100 bytes in
    // flight: each byte is a UDP datagram to QEMU, and the host's socket buffer holds only some
    // 250 datagrams that small (beyond that the host drops them, not the driver).
    std::uint8_t received[message_bytes] = {};
    std::size_t got = 0;
    const bool done = ss::stm32::test::wait_for(
        [&] {
            const std::size_t room = 100 - (sent - got);
            const std::size_t left = message_bytes - sent;
            if (room != 0) sent += uart2.write(message + sent, left < room ? left : room);
            got += uart2.read(received + got, message_bytes - got);
            return got == message_bytes;
        },
        5'000);
    figure("bytes sent", sent);
    figure("bytes received", got);
    check(done, "every byte sent came back through the loopback");
    bool in_order = got == message_bytes;
    for (std::size_t i = 0; i < got && in_order; ++i) in_order = received[i] == pattern(i);
    check(in_order, "the bytes came back exactly, in order");
    for (std::size_t i = 0; i < got; ++i)
        if (received[i] != pattern(i)) {
            figure("first difference at byte", i);
            figure("  received", received[i]);
            break;
        }
    check(uart2.tx_pending() == 0, "the interrupt drained the transmit ring");
    const UsartStats st = uart2.stats();
    figure("rx overruns", st.rx_overruns);
    figure("rx ring full drops", st.rx_ring_full);
    check(st.rx_overruns == 0 && st.rx_ring_full == 0 && st.rx_errors == 0, "nothing counted lost");
    const std::uint64_t t0 = ss::stm32::test::now_ms();
    while (ss::stm32::test::now_ms() < t0 + 20) {}
    std::uint8_t extra = 0;
    check(uart2.read(&extra, 1) == 0, "nothing more arrives than was sent");
    uart2.stop();
    return ss::stm32::test::failures;
}
