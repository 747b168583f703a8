// The simulated SPI master: transfer contents from the device model, transfer duration from the
// clock rate, the busy rule, chaining from the completion callback, and cancellation by stop().
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "capture/source_test_support.hpp"
#include "ss/hal/capture/clock.hpp"
#include "ss/hal/capture/sim_spi.hpp"

using namespace ss::capture;
using namespace std::chrono_literals;

namespace {

// A simulated SPI ADC: answers every 2 bytes with the next 12-bit sample of a counter (big
// endian), and remembers what the master sent. Runs on the device thread.
struct CounterAdc {
    std::uint16_t next = 0;
    std::vector<std::uint8_t> seen;

    static void exchange(void* ctx, const std::uint8_t* mosi, std::uint8_t* miso, std::size_t n) noexcept {
        auto& self = *static_cast<CounterAdc*>(ctx);
        self.seen.insert(self.seen.end(), mosi, mosi + n);
        for (std::size_t i = 0; i + 1 < n; i += 2) {
            miso[i] = static_cast<std::uint8_t>(self.next >> 8);
            miso[i + 1] = static_cast<std::uint8_t>(self.next & 0xFF);
            self.next = static_cast<std::uint16_t>((self.next + 1) & 0xFFF);
        }
    }
};

struct Done {
    std::atomic<int> count{0};
    SpiTransferDone last;

    static void on_done(void* ctx, const SpiTransferDone& d) noexcept {
        auto& self = *static_cast<Done*>(ctx);
        self.last = d;
        self.count.fetch_add(1, std::memory_order_release);
    }
};

} // namespace

TEST_CASE("a transfer returns the device's answer and lasts n x 8 clock periods") {
    CounterAdc device;
    SimSpi spi({.clock_hz = 1'000'000, .device = CounterAdc::exchange, .device_ctx = &device});
    REQUIRE(spi.start() == 0);
    std::vector<std::uint8_t> tx(64), rx(64, 0xEE);
    for (std::size_t i = 0; i < tx.size(); ++i) tx[i] = static_cast<std::uint8_t>(0xA0 + i);
    Done done;
    const std::uint64_t before = posix_monotonic_now_us();
    REQUIRE(spi.transfer(tx, rx, Done::on_done, &done) == 0);
    REQUIRE(ss_test::wait_for([&] { return done.count.load(std::memory_order_acquire) == 1; }));
    CHECK(done.last.status == 0);
    CHECK(done.last.bytes == 64);
    // 64 bytes × 8 bits at 1 MHz = 512 µs: never sooner (generous upper bound: a shared machine).
    CHECK(done.last.time_us + 1 >= before + 512);
    CHECK(done.last.time_us < before + 512 + 500'000);
    for (std::size_t j = 0; j < 32; ++j) {
        CHECK(rx[2 * j] == (j >> 8));
        CHECK(rx[2 * j + 1] == (j & 0xFF));
    }
    spi.stop();
    CHECK(device.seen == tx);
    const SpiStats st = spi.stats();
    CHECK(st.transfers == 1);
    CHECK(st.bytes == 64);
    CHECK(st.lateness.events == 1);
}

TEST_CASE("a second transfer while one runs is refused with -EBUSY, and accepted after it") {
    CounterAdc device;
    SimSpi spi({.clock_hz = 100'000, .device = CounterAdc::exchange, .device_ctx = &device});
    REQUIRE(spi.start() == 0);
    std::vector<std::uint8_t> tx(1000), rx(1000), rx2(8), tx2(8);
    Done done;
    REQUIRE(spi.transfer(tx, rx, Done::on_done, &done) == 0); // 80 ms
    CHECK(spi.busy());
    CHECK(spi.transfer(tx2, rx2, Done::on_done, &done) == -EBUSY);
    REQUIRE(ss_test::wait_for([&] { return done.count.load(std::memory_order_acquire) == 1; }));
    CHECK_FALSE(spi.busy());
    REQUIRE(spi.transfer(tx2, rx2, Done::on_done, &done) == 0);
    REQUIRE(ss_test::wait_for([&] { return done.count.load(std::memory_order_acquire) == 2; }));
    CHECK(done.last.status == 0);
    // The device's counter went on from the first transfer's 500 samples.
    CHECK(rx2[1] == (500 & 0xFF));
    CHECK(rx2[0] == (500 >> 8));
}

TEST_CASE("the completion callback may start the next transfer: a continuous stream of samples") {
    CounterAdc device;
    SimSpi spi({.clock_hz = 2'000'000, .device = CounterAdc::exchange, .device_ctx = &device});
    REQUIRE(spi.start() == 0);
    struct Chain {
        SimSpi* spi = nullptr;
        std::vector<std::uint8_t> tx = std::vector<std::uint8_t>(32);
        std::vector<std::uint8_t> rx = std::vector<std::uint8_t>(32);
        std::vector<std::uint8_t> all;
        std::atomic<int> done{0};
        int refused = 0;
    } chain;
    chain.spi = &spi;
    // Each completion reads the samples and starts the next transfer, as a driver streaming from
    // an SPI ADC does; the master is no longer busy when the callback runs.
    struct Self {
        static void on_done(void* p, const SpiTransferDone& d) noexcept {
            auto& c = *static_cast<Chain*>(p);
            c.all.insert(c.all.end(), c.rx.begin(), c.rx.end());
            const int k = c.done.load(std::memory_order_relaxed) + 1;
            if (d.status == 0 && k < 10 && c.spi->transfer(c.tx, c.rx, on_done, p) != 0) ++c.refused;
            c.done.store(k, std::memory_order_release);
        }
    };
    const std::uint64_t before = posix_monotonic_now_us();
    REQUIRE(spi.transfer(chain.tx, chain.rx, Self::on_done, &chain) == 0);
    REQUIRE(ss_test::wait_for([&] { return chain.done.load(std::memory_order_acquire) == 10; }));
    const std::uint64_t elapsed = posix_monotonic_now_us() - before;
    spi.stop();
    CHECK(chain.refused == 0);
    REQUIRE(chain.all.size() == 320);
    for (std::size_t j = 0; j < 160; ++j) REQUIRE((chain.all[2 * j] << 8 | chain.all[2 * j + 1]) == j);
    CHECK(elapsed >= 10 * 128); // ten transfers of 32 bytes at 2 MHz: 128 µs each, back to back
    CHECK(spi.stats().transfers == 10);
}

TEST_CASE("stop cancels a transfer in flight: -ECANCELED, receive buffer untouched") {
    CounterAdc device;
    SimSpi spi({.clock_hz = 1'000, .device = CounterAdc::exchange, .device_ctx = &device});
    REQUIRE(spi.start() == 0);
    std::vector<std::uint8_t> tx(1000), rx(1000, 0x5A); // 8 s at 1 kHz
    Done done;
    REQUIRE(spi.transfer(tx, rx, Done::on_done, &done) == 0);
    std::this_thread::sleep_for(10ms);
    const auto t0 = std::chrono::steady_clock::now();
    spi.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s); // the sleep watches the stop
    REQUIRE(done.count.load(std::memory_order_acquire) == 1);
    CHECK(done.last.status == -ECANCELED);
    CHECK(std::all_of(rx.begin(), rx.end(), [](std::uint8_t b) { return b == 0x5A; }));
    CHECK(device.seen.empty());
    CHECK_FALSE(spi.busy());
    CHECK(spi.stats().cancelled == 1);
    CHECK(spi.transfer(tx, rx, Done::on_done, &done) == -ENOTCONN);
}

TEST_CASE("transfers are refused before start and with bad arguments") {
    CounterAdc device;
    SimSpi spi({.clock_hz = 1'000'000, .device = CounterAdc::exchange, .device_ctx = &device});
    std::vector<std::uint8_t> tx(4), rx(4), rx3(3);
    Done done;
    CHECK(spi.transfer(tx, rx, Done::on_done, &done) == -ENOTCONN);
    REQUIRE(spi.start() == 0);
    CHECK(spi.start() == -EBUSY);
    CHECK(spi.transfer(tx, rx3, Done::on_done, &done) == -EINVAL);
    CHECK(spi.transfer(std::span<const std::uint8_t>(), std::span<std::uint8_t>(), Done::on_done, &done) == -EINVAL);
    CHECK(spi.transfer(tx, rx, nullptr, &done) == -EINVAL);
    CHECK_FALSE(spi.busy());
    spi.stop();
    spi.stop();
    CHECK(SimSpi({.clock_hz = 1'000'000, .device = nullptr, .device_ctx = nullptr}).start() == -EINVAL);
    CHECK(SimSpi({.clock_hz = 10, .device = CounterAdc::exchange, .device_ctx = &device}).start() == -EINVAL);
    CHECK(done.count.load() == 0);
}
