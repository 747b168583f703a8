// CAF's deterministic test DSL (test coordinator, virtual time, expect/allow) on top of doctest:
// CAF's check macros are mapped to doctest's before dsl.hpp is included. A failing CAF_REQUIRE
// runs inside an expect clause's destructor, so it must not throw: it reports and aborts.
#pragma once

#include <doctest/doctest.h>

#include <caf/test/unit_test.hpp>

#include <cstdlib>

#undef CAF_CHECK
#undef CAF_CHECK_EQUAL
#undef CAF_REQUIRE
#undef CAF_REQUIRE_EQUAL
#undef CAF_FAIL
#undef CAF_MESSAGE

#define CAF_MESSAGE(msg) INFO("line " << __LINE__ << ": " << msg)
#define CAF_CHECK(x) CHECK(x)
#define CAF_CHECK_EQUAL(x, y) CHECK_MESSAGE((x) == (y), caf::deep_to_string(x) << " != " << caf::deep_to_string(y))
#define CAF_FAIL(msg)                                                                                                  \
    do {                                                                                                               \
        FAIL_CHECK(msg);                                                                                               \
        std::abort();                                                                                                  \
    } while (false)
#define CAF_REQUIRE(x)                                                                                                 \
    do {                                                                                                               \
        if (!(x)) CAF_FAIL("requirement failed: " #x);                                                                 \
    } while (false)
#define CAF_REQUIRE_EQUAL(x, y) CAF_REQUIRE((x) == (y))
// 0.17.6's request<T>() uses an undeclared FAIL.
#undef FAIL
#define FAIL(msg) CAF_FAIL(msg)

#include <caf/test/dsl.hpp>
