# Capture-side processing: time base, filters, channel metadata, decoders (in the core archive).
ss_add_test(capture_time_base_test 60 capture/time_base_test.cpp)
ss_add_test(capture_filters_test 60 capture/filters_test.cpp)
ss_add_test(capture_channel_test 60 capture/channel_test.cpp)
ss_add_test(capture_decoders_test 60 capture/decoders_test.cpp)
