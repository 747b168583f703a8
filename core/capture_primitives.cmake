# The capture side's lock-free primitives (ring, buffer pool, DMA double buffer) are header-only;
# this object library instantiates them with the core's freestanding flags, so the host and the
# Cortex-M4 build compile every member (and the M4 build can report their size).
add_library(ss_capture_primitives_check OBJECT src/capture/primitives_check.cpp)
target_include_directories(ss_capture_primitives_check PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
target_compile_features(ss_capture_primitives_check PUBLIC cxx_std_23)
target_compile_options(ss_capture_primitives_check PRIVATE ${ss_warnings}
  $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics>)
