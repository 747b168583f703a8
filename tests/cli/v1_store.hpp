// A store as library 0.1.0 left it (sector format 1): host:9's data file of 1024-byte version 1
// units, 252 TS records each (value 5 × seq, boot id 4), the first unit full and the second
// holding 10, and no meta (so the unit size has to be read from the layout).
#pragma once

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/sector_v1.hpp"

namespace ss::test {

inline constexpr std::uint32_t v1_unit_bytes = 1024;
inline constexpr std::uint32_t v1_records = 252 + 10;

inline void write_v1_store(const std::string& root) {
    REQUIRE(::mkdir(root.c_str(), 0700) == 0);
    REQUIRE(::mkdir((root + "/host").c_str(), 0700) == 0);
    std::vector<std::byte> file(2 * v1_unit_bytes);
    std::uint32_t values[252];
    for (std::uint32_t i = 0; i < 252; ++i) values[i] = 5 * i;
    write_v1_sector(file.data(), v1_unit_bytes, RecordType::ts, 0, 4, values, 252);
    for (std::uint32_t i = 0; i < 10; ++i) values[i] = 5 * (252 + i);
    write_v1_sector(file.data() + v1_unit_bytes, v1_unit_bytes, RecordType::ts, 252, 4, values, 10);
    const int fd = ::open((root + "/host/sensor_0000000009.dat").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, file.data(), file.size()) == static_cast<ssize_t>(file.size()));
    ::close(fd);
}

} // namespace ss::test
