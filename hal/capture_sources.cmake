# Capture sources: the hardware-shaped interfaces (ADC, UART, SPI, CAN, clock) and their POSIX
# implementations (real-time simulations on their own threads, Linux SocketCAN).
add_library(ss_hal_capture STATIC
  posix/capture/device_thread.cpp
  posix/capture/posix_clock.cpp
  posix/capture/realtime.cpp
  posix/capture/sim_adc.cpp
  posix/capture/sim_can.cpp
  posix/capture/sim_spi.cpp
  posix/capture/sim_uart.cpp
  posix/capture/socket_can.cpp
)
add_library(ss::hal_capture ALIAS ss_hal_capture)
target_include_directories(ss_hal_capture PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
# Only the core's headers are used (ss/expected.hpp, ss/capture/can_frame.hpp): taking its include
# path rather than linking the object library keeps a second copy of the core's objects out of
# this archive (an application links them once, through ss::sensor_storage or ss::core).
target_include_directories(ss_hal_capture PUBLIC $<TARGET_PROPERTY:ss_core_objects,INTERFACE_INCLUDE_DIRECTORIES>)
target_compile_features(ss_hal_capture PUBLIC cxx_std_23)
target_link_libraries(ss_hal_capture PUBLIC Threads::Threads)
target_compile_options(ss_hal_capture PRIVATE ${ss_warnings})
