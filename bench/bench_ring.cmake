# ss_bench_ring: the capture SPSC ring against boost::lockfree::spsc_queue (header-only; Debian:
# libboost-dev). See docs/capture-primitives.md for the command and figures.
#   cmake --build --preset default --target ss_bench_ring && ./build/default/bench/ss_bench_ring
find_path(SS_BOOST_LOCKFREE_INCLUDE_DIR boost/lockfree/spsc_queue.hpp)
if(SS_BOOST_LOCKFREE_INCLUDE_DIR)
  add_executable(ss_bench_ring bench_ring.cpp)
  # The ring is header-only: the core's include directory is all it needs.
  target_include_directories(ss_bench_ring PRIVATE ${PROJECT_SOURCE_DIR}/core/include)
  target_include_directories(ss_bench_ring SYSTEM PRIVATE ${SS_BOOST_LOCKFREE_INCLUDE_DIR})
  target_link_libraries(ss_bench_ring PRIVATE benchmark::benchmark Threads::Threads)
  target_compile_options(ss_bench_ring PRIVATE ${ss_warnings})
else()
  message(STATUS "ss_bench_ring not built: boost/lockfree/spsc_queue.hpp not found (Debian: libboost-dev)")
endif()
