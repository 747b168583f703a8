// Reset and the vector table of the STM32F405 (16 system exceptions, 82 interrupts), for
// arm-none-eabi-gcc. Reset enables the FPU (the core is built for the hard-float ABI), copies
// .data, zeroes .bss, runs the static constructors and calls main; main's return value ends a
// run under QEMU with that status. An unexpected exception or a fault records what happened in
// .noinit (ss::stm32::last_fault, read at the next boot) and ends the run with status 100 + the
// exception number.
#include <cstdint>

#include "../fault_record.hpp"
#include "../semihosting.hpp"

extern "C" {
extern std::uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();
void SysTick_Handler();
// The peripheral interrupts the drivers (stm32/drivers) serve, by the reference manual's names;
// each is weak, so a driver or an application overrides it by defining the name.
void PVD_IRQHandler();
void DMA1_Stream0_IRQHandler();
void DMA1_Stream1_IRQHandler();
void DMA1_Stream2_IRQHandler();
void DMA1_Stream3_IRQHandler();
void DMA1_Stream4_IRQHandler();
void DMA1_Stream5_IRQHandler();
void DMA1_Stream6_IRQHandler();
void ADC_IRQHandler();
void TIM2_IRQHandler();
void TIM3_IRQHandler();
void TIM4_IRQHandler();
void SPI1_IRQHandler();
void SPI2_IRQHandler();
void USART1_IRQHandler();
void USART2_IRQHandler();
void USART3_IRQHandler();
void DMA1_Stream7_IRQHandler();
void TIM5_IRQHandler();
void SPI3_IRQHandler();
void UART4_IRQHandler();
void UART5_IRQHandler();
void DMA2_Stream0_IRQHandler();
void DMA2_Stream1_IRQHandler();
void DMA2_Stream2_IRQHandler();
void DMA2_Stream3_IRQHandler();
void DMA2_Stream4_IRQHandler();
void DMA2_Stream5_IRQHandler();
void DMA2_Stream6_IRQHandler();
void DMA2_Stream7_IRQHandler();
void USART6_IRQHandler();
void HASH_RNG_IRQHandler();
[[noreturn]] void Reset_Handler();
void Default_Handler();
}

namespace ss::stm32 {
__attribute__((section(".noinit"))) FaultRecord last_fault;
} // namespace ss::stm32

namespace {

volatile std::uint32_t& reg(std::uintptr_t address) { return *reinterpret_cast<volatile std::uint32_t*>(address); }

constexpr std::uintptr_t scb_cpacr = 0xE000ED88;
constexpr std::uintptr_t scb_icsr = 0xE000ED04;
constexpr std::uintptr_t scb_cfsr = 0xE000ED28;
constexpr std::uintptr_t scb_mmfar = 0xE000ED34;
constexpr std::uintptr_t scb_bfar = 0xE000ED38;

} // namespace

extern "C" [[noreturn]] void Reset_Handler() {
    reg(scb_cpacr) |= 0xFu << 20; // CP10 and CP11: full access to the FPU
    asm volatile("dsb\n isb" ::: "memory");
    const std::uint32_t* from = &_sidata;
    for (std::uint32_t* to = &_sdata; to < &_edata;) *to++ = *from++;
    for (std::uint32_t* to = &_sbss; to < &_ebss;) *to++ = 0;
    for (auto* ctor = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
    ss::stm32::host_exit(main());
}

// Static objects with destructors (tasks, whose queues have one) register them at construction.
// A firmware never runs them: main's return ends the run (host_exit), so registering costs RAM
// for nothing. This no-op __cxa_atexit, and the __dso_handle that crtbegin would have given
// (-nostartfiles leaves it out), make every registration free.
extern "C" {
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
}

extern "C" void Default_Handler() {
    const std::uint32_t exception = reg(scb_icsr) & 0x1FFu;
    ss::stm32::FaultRecord& f = ss::stm32::last_fault;
    f.magic = ss::stm32::FaultRecord::valid;
    f.exception = exception;
    f.cfsr = reg(scb_cfsr);
    f.address = (f.cfsr & (1u << 15)) != 0 ? reg(scb_bfar) : (f.cfsr & (1u << 7)) != 0 ? reg(scb_mmfar) : 0;
    ss::stm32::host_write("fault: exception ");
    ss::stm32::host_write_u64(exception);
    ss::stm32::host_write(" cfsr ");
    ss::stm32::host_write_u64(f.cfsr);
    ss::stm32::host_write(" address ");
    ss::stm32::host_write_u64(f.address);
    ss::stm32::host_write("\n");
    ss_stm32_after_fault(f);
}

[[noreturn]] void ss::stm32::system_reset() noexcept {
    constexpr std::uintptr_t scb_aircr = 0xE000ED0C;
    asm volatile("dsb" ::: "memory");
    reg(scb_aircr) = (0x05FAu << 16) | (1u << 2); // VECTKEY, SYSRESETREQ
    asm volatile("dsb" ::: "memory");
    for (;;) asm volatile("nop"); // until the reset takes hold
}

// The default: end the run (under QEMU) with status 100 + the exception number, so a test that
// faults fails with the reason in its status. A product resets instead (fault_record.hpp).
extern "C" __attribute__((weak)) void ss_stm32_after_fault(const ss::stm32::FaultRecord& f) {
    ss::stm32::host_exit(100 + static_cast<int>(f.exception));
}

// The handlers a firmware may define; the others stay on Default_Handler. Interrupt 80 (HASH_RNG:
// the F405 has no HASH, QEMU's netduinoplus2 no RNG) is free for software-triggered interrupts.
extern "C" __attribute__((weak, alias("Default_Handler"))) void SysTick_Handler();
#define SS_WEAK_IRQ(name) extern "C" __attribute__((weak, alias("Default_Handler"))) void name();
SS_WEAK_IRQ(PVD_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream0_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream1_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream2_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream3_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream4_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream5_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream6_IRQHandler)
SS_WEAK_IRQ(ADC_IRQHandler)
SS_WEAK_IRQ(TIM2_IRQHandler)
SS_WEAK_IRQ(TIM3_IRQHandler)
SS_WEAK_IRQ(TIM4_IRQHandler)
SS_WEAK_IRQ(SPI1_IRQHandler)
SS_WEAK_IRQ(SPI2_IRQHandler)
SS_WEAK_IRQ(USART1_IRQHandler)
SS_WEAK_IRQ(USART2_IRQHandler)
SS_WEAK_IRQ(USART3_IRQHandler)
SS_WEAK_IRQ(DMA1_Stream7_IRQHandler)
SS_WEAK_IRQ(TIM5_IRQHandler)
SS_WEAK_IRQ(SPI3_IRQHandler)
SS_WEAK_IRQ(UART4_IRQHandler)
SS_WEAK_IRQ(UART5_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream0_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream1_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream2_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream3_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream4_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream5_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream6_IRQHandler)
SS_WEAK_IRQ(DMA2_Stream7_IRQHandler)
SS_WEAK_IRQ(USART6_IRQHandler)
SS_WEAK_IRQ(HASH_RNG_IRQHandler)
#undef SS_WEAK_IRQ

namespace {

using Vector = void (*)();
constexpr int system_vectors = 16;
constexpr int interrupts = 82;

struct VectorTable {
    const void* stack;
    Vector handlers[system_vectors - 1 + interrupts];
};

constexpr VectorTable make_table() {
    VectorTable t{&_estack, {}};
    for (auto& h : t.handlers) h = Default_Handler;
    t.handlers[0] = Reset_Handler;
    t.handlers[6] = nullptr; // reserved 7..10
    t.handlers[7] = nullptr;
    t.handlers[8] = nullptr;
    t.handlers[9] = nullptr;
    t.handlers[12] = nullptr; // reserved 13
    t.handlers[14] = SysTick_Handler;
    // Interrupt n (the reference manual's position) is vector 16 + n.
    constexpr int first_irq = system_vectors - 1;
    struct Named { int irq; Vector handler; };
    const Named named[] = {
        {1, PVD_IRQHandler},
        {11, DMA1_Stream0_IRQHandler}, {12, DMA1_Stream1_IRQHandler}, {13, DMA1_Stream2_IRQHandler},
        {14, DMA1_Stream3_IRQHandler}, {15, DMA1_Stream4_IRQHandler}, {16, DMA1_Stream5_IRQHandler},
        {17, DMA1_Stream6_IRQHandler}, {18, ADC_IRQHandler},           {28, TIM2_IRQHandler},
        {29, TIM3_IRQHandler},         {30, TIM4_IRQHandler},         {35, SPI1_IRQHandler},
        {36, SPI2_IRQHandler},         {37, USART1_IRQHandler},       {38, USART2_IRQHandler},
        {39, USART3_IRQHandler},       {47, DMA1_Stream7_IRQHandler}, {50, TIM5_IRQHandler},
        {51, SPI3_IRQHandler},         {52, UART4_IRQHandler},        {53, UART5_IRQHandler},
        {56, DMA2_Stream0_IRQHandler}, {57, DMA2_Stream1_IRQHandler}, {58, DMA2_Stream2_IRQHandler},
        {59, DMA2_Stream3_IRQHandler}, {60, DMA2_Stream4_IRQHandler}, {68, DMA2_Stream5_IRQHandler},
        {69, DMA2_Stream6_IRQHandler}, {70, DMA2_Stream7_IRQHandler}, {71, USART6_IRQHandler},
        {80, HASH_RNG_IRQHandler},
    };
    for (const Named& n : named) t.handlers[first_irq + n.irq] = n.handler;
    return t;
}

} // namespace

__attribute__((section(".isr_vector"), used)) const VectorTable vector_table = make_table();
