/*
 * A QEMU TCG plugin that counts the guest instructions executed between markers, for the
 * STM32 benchmark images (QEMU does not emulate the Cortex-M cycle counter, DWT_CYCCNT).
 *
 *   qemu-system-arm ... -plugin ./icount_plugin.so,mark=0x08000abc,out=counts.txt
 *
 * mark= is the address of the firmware's marker function (ss_bench_mark, from arm-none-eabi-nm;
 * the Thumb bit may be set or not). Each time the instruction at that address executes, one
 * line goes to out= (stderr without it): the instructions executed since the previous marker
 * ran. Every executed instruction falls in exactly one interval: an interval starts with the
 * marker's instruction and ends just before the next marker's. The first line after the
 * "# icount_plugin:" header is the count from reset to the first marker; a last line
 * "# markers N instructions M" is written at exit.
 *
 * Counting: every translated instruction gets an inline "add 1 to a 64-bit counter" op (no
 * helper call, no per-block estimate), emitted before the instruction's own code, so an
 * instruction that raises an exception (a fault, a semihosting BKPT) is counted once and the
 * instructions a block skips after it are not counted at all. Instructions whose condition
 * fails (inside an IT block) are counted, as the core issues them. The counter is one plain
 * variable: the plugin refuses more than one vCPU, where the inline adds would race.
 *
 * Built with the host's C compiler as a shared library; QEMU resolves the qemu_plugin_*
 * functions against its own executable when it loads the plugin. Debian's QEMU 7.2 ships no
 * plugin header, so the few declarations needed are here, with the types of QEMU 7.2's
 * plugin API (version 1).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of QEMU 7.2's plugin API (include/qemu/qemu-plugin.h) this plugin uses ---- */

#define ICOUNT_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

/* The API version this plugin is written against; QEMU refuses to load a plugin without it. */
ICOUNT_EXPORT int qemu_plugin_version = 1;

/* ---- the plugin ---- */

static uint64_t executed;    /* instructions executed so far (inline adds) */
static uint64_t at_last_mark; /* executed when the previous marker ran */
static uint64_t markers;
static uint64_t mark_address;
static FILE *out;

static void on_mark(unsigned int vcpu_index, void *userdata) {
    (void)vcpu_index;
    (void)userdata;
    fprintf(out, "%" PRIu64 "\n", executed - at_last_mark);
    at_last_mark = executed;
    ++markers;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; ++i) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
        if (qemu_plugin_insn_vaddr(insn) == mark_address)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
}

static void on_exit(qemu_plugin_id_t id, void *userdata) {
    (void)id;
    (void)userdata;
    fprintf(out, "# markers %" PRIu64 " instructions %" PRIu64 "\n", markers, executed);
    if (out != stderr) fclose(out);
    out = stderr;
}

static int refuse(const char *why) {
    char line[256];
    snprintf(line, sizeof line, "icount_plugin: %s\n", why);
    qemu_plugin_outs(line);
    fputs(line, stderr);
    return -1;
}

ICOUNT_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    const char *path = NULL;
    bool have_mark = false;
    for (int i = 0; i < argc; ++i) {
        if (strncmp(argv[i], "mark=", 5) == 0) {
            char *end = NULL;
            mark_address = strtoull(argv[i] + 5, &end, 0) & ~(uint64_t)1; /* the Thumb bit */
            have_mark = end != argv[i] + 5 && *end == '\0';
            if (!have_mark) return refuse("mark= is not a number");
        } else if (strncmp(argv[i], "out=", 4) == 0) {
            path = argv[i] + 4;
        } else {
            return refuse("unknown argument (mark=ADDRESS, out=FILE)");
        }
    }
    if (!have_mark) return refuse("no mark=ADDRESS (the marker function's address)");
    if (info->system_emulation && info->system.smp_vcpus > 1)
        return refuse("one vCPU only: the inline counter is not atomic");
    out = stderr;
    if (path != NULL && (out = fopen(path, "w")) == NULL) {
        out = stderr;
        return refuse("cannot open the out= file");
    }
    fprintf(out, "# icount_plugin: target %s, plugin API %d (QEMU has %d..%d), marker 0x%" PRIx64 "\n",
            info->target_name, qemu_plugin_version, info->version.min, info->version.cur, mark_address);
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
