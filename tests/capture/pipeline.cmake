# The ADC pipeline (core/include/ss/capture/adc_pipeline.hpp) on one thread, deterministic.
ss_add_test(adc_pipeline_test 60 ${CMAKE_CURRENT_LIST_DIR}/adc_pipeline_test.cpp)
# The pipeline's accounting against the sinks it writes to (a test sink that refuses records, a
# sink of the wrong record type, a StoreSink over an engine of the test's own).
ss_add_test(adc_pipeline_sink_test 60 ${CMAKE_CURRENT_LIST_DIR}/adc_pipeline_sink_test.cpp)
