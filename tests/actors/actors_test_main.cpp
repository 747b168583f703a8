// The one translation unit with doctest's main and CAF's test engine (the fixture reads its
// argc/argv; doctest's own flags are never passed to it).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>
