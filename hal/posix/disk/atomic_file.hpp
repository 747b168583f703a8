// The one atomic file replace (design.md §4): the new content goes to a temporary file, which
// is made durable before it is renamed over the old one; the rename is durable once the
// directory is synced. A crash leaves the old file or the new one, never a torn one. The two
// halves are apart so that many temporaries can be made durable by one sync_all before any is
// renamed (the metas of a tick).
#pragma once

#include <cstddef>

#include "ss/hal/file_system.hpp"

namespace ss::hal::tier {

/// Writes exactly n bytes as the whole of `tmp` in dir (created if missing), and syncs it if
/// sync_now (else a sync_all must make it durable before replace_with). 0 or a negative errno.
int write_temporary(FileSystem& fs, int dir, const char* tmp, const void* data, std::size_t n, bool sync_now);

/// Renames the durable temporary over `name`; durable at the directory's next sync.
int replace_with(FileSystem& fs, int dir, const char* tmp, const char* name);

} // namespace ss::hal::tier
