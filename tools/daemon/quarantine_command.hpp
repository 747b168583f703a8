// The operator's quarantine commands behind the daemon's HTTP endpoint (docs/operations.md):
// list the batches destinations refused for good, release one (the uploader sends it again), or
// drop one (removed, counted). What HttpEndpoint's QuarantineCommand calls.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "posix/upload/quarantine.hpp"

namespace ss::daemon {

/// action "list": 200 and a JSON array of the held batches; "release", "drop": 200 and a line
/// saying what was done, 404 for an unknown file, 500 when the file system refused.
std::pair<unsigned, std::string> run_quarantine_command(hal::Quarantine& quarantine, std::string_view action,
                                                        std::string_view file);

} // namespace ss::daemon
