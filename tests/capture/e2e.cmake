# The capture side end to end in real time: a simulated 1 MSPS ADC → AdcPipeline (pool + ring of
# indices) → processing → RAM store → uploader, every sample accounted for (docs/capture-pipeline.md).
# SS_E2E_SECONDS sets each case's run time (default 2 s; three cases). The timeout leaves room for
# the sanitizer builds on a shared 2-core machine.
ss_add_test(capture_e2e_test 120 ${CMAKE_CURRENT_LIST_DIR}/capture_e2e_test.cpp)
target_link_libraries(capture_e2e_test PRIVATE ss_hal_capture)
