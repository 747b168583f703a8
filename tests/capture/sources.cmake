# Capture sources (hal/): the real-time simulations and SocketCAN. Each suite runs well under 10 s
# in a release build; the timeouts leave room for the sanitizer builds on a shared machine.
foreach(suite sim_adc_test sim_uart_test sim_spi_test sim_can_test socket_can_test)
  ss_add_test(${suite} 120 ${CMAKE_CURRENT_LIST_DIR}/${suite}.cpp)
  target_link_libraries(${suite} PRIVATE ss_hal_capture)
endforeach()
