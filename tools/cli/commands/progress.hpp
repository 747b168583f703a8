// Progress of a long operation on stderr, only when stderr is a terminal: a pipe or a log file
// gets nothing (quiet in pipes, like git).
#pragma once

#include <cstdint>

namespace ss::store_tool {

class Progress {
public:
    /// `what` ("verify"), over `total` steps (sensors).
    Progress(const char* what, std::uint64_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// One step done; redraws at most a hundred times over the whole operation.
    void step();

private:
    const char* what_;
    std::uint64_t total_;
    std::uint64_t done_ = 0;
    std::uint64_t shown_pct_ = 101;
    bool on_;
};

} // namespace ss::store_tool
