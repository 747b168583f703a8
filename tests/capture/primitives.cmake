# Capture primitives: SPSC ring, buffer pool, DMA double buffer (core/include/ss/capture/).
find_package(Threads REQUIRED)
ss_add_test(spsc_ring_test 60 capture/spsc_ring_test.cpp)
ss_add_test(buffer_pool_test 60 capture/buffer_pool_test.cpp)
ss_add_test(double_buffer_test 60 capture/double_buffer_test.cpp)
# Two threads and a signal handler acting as an ISR; SS_RING_STRESS_ITEMS sets the item count.
ss_add_test(spsc_ring_stress_test 180 capture/spsc_ring_stress_test.cpp)
target_link_libraries(spsc_ring_stress_test PRIVATE Threads::Threads)
