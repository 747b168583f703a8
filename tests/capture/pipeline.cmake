# The ADC pipeline (core/include/ss/capture/adc_pipeline.hpp) on one thread, deterministic.
ss_add_test(adc_pipeline_test 60 ${CMAKE_CURRENT_LIST_DIR}/adc_pipeline_test.cpp)
