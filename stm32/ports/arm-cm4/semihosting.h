/* Semihosting (semihosting.hpp) for firmware written in C: text to the host's stdout and the
 * exit status of the run, under a debugger or QEMU with -semihosting only (on a board without
 * one the BKPT instruction stops the CPU). */
#ifndef SS_STM32_SEMIHOSTING_H
#define SS_STM32_SEMIHOSTING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Writes a NUL-terminated string to the host. */
void ss_host_write(const char *text);
/** Writes an unsigned number in decimal. */
void ss_host_write_u64(uint64_t value);
/** Ends the run with this status (QEMU exits with it). */
void ss_host_exit(int status) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* SS_STM32_SEMIHOSTING_H */
