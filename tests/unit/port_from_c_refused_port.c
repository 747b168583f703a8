/* A broken C port for port_from_c_refused_test: a lock of 8 bytes without try_lock. */
#include <stddef.h>

#include "ss/port.h"

static void no_op(void *lock) { (void)lock; }

static const SsPort broken_port = {
    {8, 4, no_op, no_op, no_op, no_op, NULL}, false, NULL, NULL, NULL, NULL, NULL,
};

const SsPort *ss_port(void) { return &broken_port; }
