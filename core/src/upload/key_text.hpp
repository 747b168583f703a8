// The idempotency key's text written into an encoder's output: format_idempotency_key and the
// JSON lines codec (whose every line names its batch) write it the same way.
#pragma once

#include "output.hpp"
#include "ss/upload/batch.hpp"

namespace ss::upload::detail {

/// `gateway:source:sensor:first_seq:count` into o, unterminated; b has passed ss::upload::check.
void write_idempotency_key(const Batch& b, Output& o) noexcept;

} // namespace ss::upload::detail
