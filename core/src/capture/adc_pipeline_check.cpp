// An explicit instantiation of the ADC pipeline, so the freestanding builds (host and Cortex-M4)
// compile all of it: the STM32 shape (256-sample buffers, 4 of them, two routed channels).
#include "ss/capture/adc_pipeline.hpp"

template class ss::capture::AdcPipeline<256, 4, 2>;
