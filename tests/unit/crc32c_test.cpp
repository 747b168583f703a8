#include <ss/crc32c.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace {

using Crc32cFunction = std::uint32_t (*)(const void*, std::size_t, std::uint32_t) noexcept;

struct Crc32cPath {
    std::string name;  // not const char*: doctest 2.4.9's INFO prints a char pointer's address
    Crc32cFunction compute;
};

constexpr std::size_t longest_input = 4096;
constexpr std::size_t misalignments = 16;

// The hardware path is listed only where it may be called; the dispatching crc32c is always
// listed because it must give the same answer whichever path it picks.
std::vector<Crc32cPath> callable_paths() {
    std::vector<Crc32cPath> paths{{"crc32c_portable", &ss::crc32c_portable}, {"crc32c", &ss::crc32c}};
    if (ss::crc32c_hardware_available()) {
        paths.push_back({"crc32c_hardware", &ss::crc32c_hardware});
    }
    return paths;
}

// A pass that silently skipped the hardware path would look exactly like one that tested it.
void say_if_hardware_path_is_untested() {
    if (!ss::crc32c_hardware_available()) {
        MESSAGE("no CRC32C hardware path on this machine: crc32c_hardware is NOT tested here, "
                "only crc32c_portable and the dispatching crc32c");
    }
}

// Fixed so that runs are reproducible; SS_TEST_SEED replays a reported failure or explores
// other inputs.
std::uint32_t random_seed() {
    if (const char* text = std::getenv("SS_TEST_SEED")) {
        return static_cast<std::uint32_t>(std::strtoul(text, nullptr, 0));
    }
    return 0xC2C5'5EEDu;
}

void fill_randomly(unsigned char* bytes, std::size_t count, std::mt19937& generator) {
    std::uniform_int_distribution<unsigned int> byte_values(0, 255);
    for (std::size_t i = 0; i < count; ++i) {
        bytes[i] = static_cast<unsigned char>(byte_values(generator));
    }
}

// One bit at a time, straight from the definition, so that it shares nothing with the
// table-driven or hardware paths it checks.
std::uint32_t reference_crc32c_step(std::uint32_t inverted_state, unsigned char byte) {
    inverted_state ^= byte;
    for (int bit = 0; bit < 8; ++bit) {
        const std::uint32_t low_bit_mask = 0u - (inverted_state & 1u);
        inverted_state = (inverted_state >> 1) ^ (0x82F63B78u & low_bit_mask);
    }
    return inverted_state;
}

// reference[n] is the CRC32C of the first n bytes, computed in one pass.
std::vector<std::uint32_t> reference_crc32c_of_every_prefix(const unsigned char* bytes, std::size_t count) {
    std::vector<std::uint32_t> reference(count + 1);
    std::uint32_t inverted_state = 0xFFFF'FFFFu;
    reference[0] = 0;
    for (std::size_t i = 0; i < count; ++i) {
        inverted_state = reference_crc32c_step(inverted_state, bytes[i]);
        reference[i + 1] = ~inverted_state;
    }
    return reference;
}

}  // namespace

TEST_CASE("crc32c matches the RFC 3720 check values") {
    say_if_hardware_path_is_untested();

    std::array<unsigned char, 32> zeros{};
    std::array<unsigned char, 32> ones{};
    std::array<unsigned char, 32> incrementing{};
    std::array<unsigned char, 32> decrementing{};
    for (std::size_t i = 0; i < 32; ++i) {
        ones[i] = 0xFF;
        incrementing[i] = static_cast<unsigned char>(i);
        decrementing[i] = static_cast<unsigned char>(31 - i);
    }
    const char digits[] = "123456789";

    for (const Crc32cPath& path : callable_paths()) {
        INFO("path: ", path.name);
        CHECK(path.compute(digits, 9, 0) == 0xE306'9283u);
        CHECK(path.compute(zeros.data(), zeros.size(), 0) == 0x8A91'36AAu);
        CHECK(path.compute(ones.data(), ones.size(), 0) == 0x62A8'AB43u);
        CHECK(path.compute(incrementing.data(), incrementing.size(), 0) == 0x46DD'794Eu);
        CHECK(path.compute(decrementing.data(), decrementing.size(), 0) == 0x113F'DB5Cu);
        CHECK(path.compute(digits, 0, 0) == 0u);
    }
}

TEST_CASE("crc32c of an empty input is the crc it continues from") {
    say_if_hardware_path_is_untested();

    const unsigned char byte = 0x5A;
    for (const Crc32cPath& path : callable_paths()) {
        INFO("path: ", path.name);
        CHECK(path.compute(nullptr, 0, 0) == 0u);
        CHECK(path.compute(nullptr, 0, 0x1234'5678u) == 0x1234'5678u);
        CHECK(path.compute(&byte, 0, 0xFFFF'FFFFu) == 0xFFFF'FFFFu);
    }
}

TEST_CASE("every crc32c path agrees with a bitwise reference for every length and misalignment") {
    say_if_hardware_path_is_untested();
    const bool hardware_available = ss::crc32c_hardware_available();

    const std::uint32_t seed = random_seed();
    INFO("seed: ", seed, " (set SS_TEST_SEED to replay)");
    std::mt19937 generator(seed);

    alignas(64) std::array<unsigned char, longest_input + misalignments> storage{};
    for (std::size_t misalignment = 0; misalignment < misalignments; ++misalignment) {
        fill_randomly(storage.data(), storage.size(), generator);
        const unsigned char* input = storage.data() + misalignment;
        const std::vector<std::uint32_t> reference = reference_crc32c_of_every_prefix(input, longest_input);

        for (std::size_t length = 0; length <= longest_input; ++length) {
            INFO("misalignment: ", misalignment, ", length: ", length);
            const std::uint32_t portable = ss::crc32c_portable(input, length);
            REQUIRE(portable == reference[length]);
            if (hardware_available) {
                REQUIRE(ss::crc32c_hardware(input, length) == portable);
            }
            REQUIRE(ss::crc32c(input, length) == portable);
        }
    }
}

TEST_CASE("chained crc32c calls give the same result as one call over the whole input") {
    say_if_hardware_path_is_untested();
    const std::vector<Crc32cPath> paths = callable_paths();

    const std::uint32_t seed = random_seed();
    INFO("seed: ", seed, " (set SS_TEST_SEED to replay)");
    std::mt19937 generator(seed);

    alignas(64) std::array<unsigned char, longest_input + misalignments> storage{};
    for (std::size_t length = 0; length <= longest_input; ++length) {
        const std::size_t misalignment = length % misalignments;
        fill_randomly(storage.data() + misalignment, length, generator);
        const unsigned char* input = storage.data() + misalignment;
        std::uniform_int_distribution<std::size_t> any_split(0, length);
        const std::array<std::size_t, 8> splits{0, 1, 7, 9, length / 3, length / 2, length, any_split(generator)};

        for (const std::size_t split : splits) {
            if (split > length) {
                continue;
            }
            for (const Crc32cPath& first : paths) {
                const std::uint32_t whole = first.compute(input, length, 0);
                const std::uint32_t head = first.compute(input, split, 0);
                // Continuing with another path proves the paths share one chaining convention.
                for (const Crc32cPath& second : paths) {
                    INFO("length: ", length, ", misalignment: ", misalignment, ", split: ", split, ", paths: ",
                         first.name, " then ", second.name);
                    REQUIRE(second.compute(input + split, length - split, head) == whole);
                }
            }
        }
    }
}

TEST_CASE("crc32c takes the hardware path exactly where the CPU has CRC32C instructions") {
    const bool available = ss::crc32c_hardware_available();
    // A std::string: doctest 2.4.9 prints a char pointer's address.
    const std::string path = available ? "the CPU's CRC32C instructions" : "the portable tables";
    MESSAGE("crc32c computes with ", path, " here");
#if defined(__x86_64__)
    __builtin_cpu_init();
    CHECK(available == (__builtin_cpu_supports("sse4.2") != 0));
#elif defined(__aarch64__) && defined(__linux__) && !defined(__ARM_BIG_ENDIAN)
    // The core cannot ask the kernel; the POSIX port hands it the kernel's answer. qemu-aarch64
    // emulates the instructions and reports them, so the ARMv8 path is what the cases above test
    // under qemu-user.
    CHECK(available == ((getauxval(AT_HWCAP) & HWCAP_CRC32) != 0));
#else
    CHECK_FALSE(available);
#endif
}
