// DMA1 and DMA2 of the STM32F405 (RM0090 §10.5): base addresses, the interrupt status and
// clear registers, a stream's registers and their bits. Eight streams per controller; stream
// s's registers start at 0x10 + 0x18 x s; its flags sit in LISR/LIFCR (streams 0..3) or
// HISR/HIFCR (4..7) at bit 0, 6, 16 or 22 (s mod 4).
#pragma once

#include <cstdint>

namespace ss::stm32::dma {

inline constexpr std::uintptr_t dma1 = 0x4002'6000;
inline constexpr std::uintptr_t dma2 = 0x4002'6400;

// Offsets from a controller's base.
inline constexpr std::uintptr_t lisr = 0x00;
inline constexpr std::uintptr_t hisr = 0x04;
inline constexpr std::uintptr_t lifcr = 0x08;
inline constexpr std::uintptr_t hifcr = 0x0C;

/// Offset of stream `s`'s first register (CR) from the controller's base.
constexpr std::uintptr_t stream_offset(unsigned s) noexcept { return 0x10 + 0x18 * s; }
// Offsets from a stream's CR.
inline constexpr std::uintptr_t cr = 0x00;
inline constexpr std::uintptr_t ndtr = 0x04; ///< items left in the current target (16 bits)
inline constexpr std::uintptr_t par = 0x08;
inline constexpr std::uintptr_t m0ar = 0x0C;
inline constexpr std::uintptr_t m1ar = 0x10;
inline constexpr std::uintptr_t fcr = 0x14;

// CR
inline constexpr std::uint32_t cr_en = 1u << 0;
inline constexpr std::uint32_t cr_dmeie = 1u << 1; ///< direct mode error interrupt
inline constexpr std::uint32_t cr_teie = 1u << 2;  ///< transfer error interrupt
inline constexpr std::uint32_t cr_htie = 1u << 3;  ///< half transfer interrupt
inline constexpr std::uint32_t cr_tcie = 1u << 4;  ///< transfer complete interrupt
inline constexpr unsigned cr_dir_shift = 6;         ///< 00 peripheral to memory, 01 memory to peripheral
inline constexpr std::uint32_t cr_circ = 1u << 8;
inline constexpr std::uint32_t cr_pinc = 1u << 9;
inline constexpr std::uint32_t cr_minc = 1u << 10;
inline constexpr unsigned cr_psize_shift = 11;      ///< 00 byte, 01 half-word, 10 word
inline constexpr unsigned cr_msize_shift = 13;
inline constexpr unsigned cr_pl_shift = 16;         ///< priority 0 (low) .. 3 (very high)
inline constexpr std::uint32_t cr_dbm = 1u << 18;   ///< double-buffer mode: M0AR and M1AR in turn
inline constexpr std::uint32_t cr_ct = 1u << 19;    ///< current target: 0 = M0AR, 1 = M1AR
inline constexpr unsigned cr_chsel_shift = 25;      ///< request channel 0..7

// A stream's flags, shifted down to bit 0 (the same layout in all four positions).
inline constexpr std::uint32_t flag_fe = 1u << 0;  ///< FIFO error
inline constexpr std::uint32_t flag_dme = 1u << 2; ///< direct mode error
inline constexpr std::uint32_t flag_te = 1u << 3;  ///< transfer error
inline constexpr std::uint32_t flag_ht = 1u << 4;  ///< half transfer
inline constexpr std::uint32_t flag_tc = 1u << 5;  ///< transfer complete
inline constexpr std::uint32_t flags_all = flag_fe | flag_dme | flag_te | flag_ht | flag_tc;

/// Where stream `s`'s flags sit in its status and clear registers.
constexpr unsigned flag_shift(unsigned s) noexcept {
    constexpr unsigned shifts[4] = {0, 6, 16, 22};
    return shifts[s % 4];
}
/// Stream `s`'s status register (LISR or HISR) offset; the clear register is 8 further.
constexpr std::uintptr_t status_offset(unsigned s) noexcept { return s < 4 ? lisr : hisr; }

} // namespace ss::stm32::dma
