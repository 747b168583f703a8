// The store's boot counter (`<root>/boot`, format in disk_format.hpp): each start of the disk
// tier takes the next number, durably, before any sector records it, so that monotonic times
// of different boots are never confused.
#pragma once

#include <cstdint>

#include "ss/expected.hpp"
#include "ss/hal/file_system.hpp"
#include "ss/text.hpp"

namespace ss::hal::tier {

struct BootCount {
    std::uint32_t boot = 0;  ///< this start's number
    bool first = false;      ///< no boot record was there (a new store, or one from before it)
    bool was_invalid = false; ///< the record there was unreadable or invalid: numbering restarted
};

/// Reads the boot record in root_fd, replaces it durably (temporary, sync, rename, directory
/// sync) with the next number and returns that. io_error (why says what failed) if the new
/// number could not be made durable: a start must not hand out a number twice.
Expected<BootCount> advance_boot_counter(FileSystem& fs, int root_fd, Text& why);

} // namespace ss::hal::tier
