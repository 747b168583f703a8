// Decoding captured buffers into store records: ADC samples into time-series values (optionally
// filtered and decimated), UART and CAN frames into event records stamped by the time base.
#pragma once

#include "ss/capture/adc_decoder.hpp"
#include "ss/capture/can_signal.hpp"
#include "ss/capture/captured_event.hpp"
#include "ss/capture/uart_frame.hpp"
