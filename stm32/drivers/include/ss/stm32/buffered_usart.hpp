// An interrupt-driven USART with static ring buffers: the interrupt moves received bytes into
// the receive ring (RXNE) and bytes to send out of the transmit ring (TXE); the application
// writes and reads the rings. Each ring is the core's lock-free SPSC ring, so neither side
// takes a lock: receive = ISR produces, application consumes; transmit = the reverse.
//
// Losses are counted, never silent: a byte the hardware lost because the previous one was not
// read in time (ORE, overrun) and a byte the receive ring had no room for.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ss/capture/spsc_ring.hpp"
#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/usart.hpp"
#include "ss/stm32/usart_port.hpp"

namespace ss::stm32 {

/// What a BufferedUsart has lost (counts wrap at 2^32).
struct UsartStats {
    std::uint32_t rx_overruns = 0;   ///< ORE: bytes the hardware dropped (one per event at least)
    std::uint32_t rx_ring_full = 0;  ///< received bytes dropped because the receive ring was full
    std::uint32_t rx_errors = 0;     ///< bytes received with a framing error (kept, counted)
};

/// One USART, 8N1, with an `RxBytes` receive ring and a `TxBytes` transmit ring. Make it a
/// static object (the interrupt refers to it while started); one object per port.
template <std::size_t RxBytes, std::size_t TxBytes>
class BufferedUsart {
public:
    explicit constexpr BufferedUsart(UsartPort port) noexcept : port_(port) {}
    BufferedUsart(const BufferedUsart&) = delete;
    BufferedUsart& operator=(const BufferedUsart&) = delete;

    /// Starts the port at `baud` (clock_hz: the port's bus clock, 42 MHz on APB1 or 84 MHz on
    /// APB2 with the 168 MHz set-up) with its interrupt at `priority` (0..15). Thread mode.
    void start(std::uint32_t clock_hz, std::uint32_t baud, std::uint8_t priority) noexcept {
        detail::usart_start(port_, clock_hz, baud, {&BufferedUsart::serve, this}, priority);
    }

    /// Stops the port; bytes still in the rings stay there.
    void stop() noexcept { detail::usart_stop(port_); }

    /// Application: queues up to `count` bytes to send; returns how many fit in the transmit
    /// ring (the rest is the caller's to retry). Never blocks.
    std::size_t write(const std::uint8_t* bytes, std::size_t count) noexcept {
        const std::size_t queued = tx_.push_n(bytes, count);
        if (queued != 0) kick_transmitter();
        return queued;
    }

    /// Application: moves up to `max` received bytes into `out`; returns how many.
    std::size_t read(std::uint8_t* out, std::size_t max) noexcept { return rx_.pop_n(out, max); }

    /// Bytes waiting in the transmit ring (not yet in the USART).
    [[nodiscard]] std::size_t tx_pending() const noexcept { return tx_.size_approx(); }

    /// Bytes waiting in the receive ring.
    [[nodiscard]] std::size_t rx_available() const noexcept { return rx_.size_approx(); }

    /// What was lost so far.
    [[nodiscard]] UsartStats stats() const noexcept {
        return {rx_overruns_.load(std::memory_order_relaxed), rx_ring_full_.load(std::memory_order_relaxed),
                rx_errors_.load(std::memory_order_relaxed)};
    }

private:
    using Counter = std::atomic<std::uint32_t>;
    static void bump(Counter& c) noexcept { c.store(c.load(std::memory_order_relaxed) + 1u, std::memory_order_relaxed); }

    void kick_transmitter() noexcept {
        const std::uintptr_t base = detail::usart_base(port_);
        // The interrupt clears TXEIE when the ring runs dry; this read-modify-write must not
        // interleave with that one.
        with_interrupts_masked([base] { mmio(base + usart::cr1) = mmio(base + usart::cr1) | usart::cr1_txeie; });
        // On silicon TXEIE with TXE set raises the interrupt by itself. QEMU 7.2's model raises
        // it for RXNE only, so the driver pends it: harmless where the hardware does it too.
        irq_set_pending(detail::usart_irq(port_));
    }

    /// The port's interrupt: drains DR into the receive ring, then refills DR from the transmit
    /// ring while the USART takes bytes.
    static void serve(void* self) noexcept { static_cast<BufferedUsart*>(self)->on_interrupt(); }

    void on_interrupt() noexcept {
        const std::uintptr_t base = detail::usart_base(port_);
        const std::uint32_t sr = mmio(base + usart::sr);
        if ((sr & (usart::sr_rxne | usart::sr_ore)) != 0) {
            // Reading DR after SR clears RXNE and ORE together.
            const auto byte = static_cast<std::uint8_t>(mmio(base + usart::dr));
            if ((sr & usart::sr_ore) != 0) bump(rx_overruns_);
            if ((sr & usart::sr_fe) != 0) bump(rx_errors_);
            if ((sr & usart::sr_rxne) != 0 && !rx_.try_push(byte)) bump(rx_ring_full_);
        }
        if ((mmio(base + usart::cr1) & usart::cr1_txeie) == 0) return;
        while ((mmio(base + usart::sr) & usart::sr_txe) != 0) {
            std::uint8_t next = 0;
            if (!tx_.try_pop(next)) {
                // Nothing left: TXE would keep the interrupt asserted.
                mmio(base + usart::cr1) = mmio(base + usart::cr1) & ~usart::cr1_txeie;
                return;
            }
            mmio(base + usart::dr) = next;
        }
    }

    UsartPort port_;
    ss::capture::SpscRing<std::uint8_t, RxBytes> rx_; // ISR produces, application consumes
    ss::capture::SpscRing<std::uint8_t, TxBytes> tx_; // application produces, ISR consumes
    Counter rx_overruns_{0};
    Counter rx_ring_full_{0};
    Counter rx_errors_{0};
};

} // namespace ss::stm32
