# ss_bench_capture: the capture pipeline (SimAdc → AdcPipeline → RAM store → uploader) at 1 MSPS
# for 60 s against a mutex + deque baseline for 20 s, in one run: overflows, capture-to-store
# latency, CPU use (plain main: one run lasts minutes). See docs/capture-pipeline.md.
#   cmake --build --preset default --target ss_bench_capture && ./build/default/bench/ss_bench_capture
add_executable(ss_bench_capture bench_capture.cpp)
target_link_libraries(ss_bench_capture PRIVATE ss::sensor_storage ss_hal_capture Threads::Threads)
target_compile_options(ss_bench_capture PRIVATE ${ss_warnings})
