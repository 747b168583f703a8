// Compile-only: the public header on its own compiles as C++ with -Wall -Wextra -pedantic
// -Werror (see tests/CMakeLists.txt). Included first, so it cannot lean on anything else.
#include "ss/sensor_storage.h"

// The record layout C++ callers see is the one C sees (c99_test.c checks the C side).
static_assert(sizeof(SsEventRecord) == 12, "SsEventRecord must be the packed 12-byte record");
static_assert(offsetof(SsEventRecord, ts_ms) == 4, "ts_ms must follow value directly");
