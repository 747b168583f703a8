// Scaffolding shared by the plain-main benchmarks (bench_sync.cpp, bench_archive.cpp,
// bench_integrity.cpp): the clock, "--key=value" options, the median they print, and the working
// directory (the one --dir names, or a new one under /tmp removed at the end). The Google
// Benchmark ones share bench_common.hpp instead.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace ss_bench {

using Clock = std::chrono::steady_clock;

/// What follows key (e.g. "--dir=") in arg when arg starts with it; nullptr otherwise.
inline const char* option_value(const std::string& arg, const char* key) {
    const std::size_t n = std::strlen(key);
    return arg.compare(0, n, key) == 0 ? arg.c_str() + n : nullptr;
}

/// The element at size / 2 once sorted (the upper one of an even count); v must not be empty.
inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// A benchmark's working directory: the one given (--dir=PATH), kept, or, when none is given, a new
/// /tmp/<prefix>-XXXXXX, removed with everything below it when this goes.
class WorkDir {
public:
    WorkDir() = default;
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    ~WorkDir() {
        if (owned_) std::filesystem::remove_all(path_);
    }

    /// Takes given, or creates the directory when given is empty; false if mkdtemp failed.
    bool open(const std::string& given, const char* prefix) {
        if (!given.empty()) {
            path_ = given;
            return true;
        }
        std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
        if (mkdtemp(tmpl.data()) == nullptr) return false;
        path_ = tmpl;
        owned_ = true;
        return true;
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    bool owned_ = false;
};

} // namespace ss_bench
