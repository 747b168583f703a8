// A sensor's file names below its source directory: sensor_<id, 10 digits>.<ext> (003 §14).
#pragma once

#include <cstdint>
#include <string>

namespace ss::hal::tier {

inline constexpr const char* data_ext = "dat";
inline constexpr const char* meta_ext = "meta";
inline constexpr const char* meta_tmp_ext = "meta.tmp";
/// The store's lock file in the data root: held (flock, exclusive) by the process whose disk
/// tier runs the store, for as long as the tier is open.
inline constexpr const char* lock_file = "lock";

/// "sensor_0000000042.dat" for (42, "dat").
std::string sensor_file(std::uint32_t id, const char* ext);
/// The id and extension of a sensor file name; false for any other name.
bool parse_sensor_file(const char* name, std::uint32_t& id, std::string& ext);

} // namespace ss::hal::tier
