# The network upload transports the gateway runtime uses: HTTP(S) through libcurl (and MQTT
# through libmosquitto). Kept out of libsensor_storage, which an application embeds without
# them; built with the actor runtime (SS_BUILD_ACTORS), which is what hands them batches.
# zlib and libzstd compress bodies when a destination asks for gzip or zstd.
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)

add_library(ss_upload_net STATIC
  ${CMAKE_CURRENT_LIST_DIR}/posix/upload/body_compression.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix/upload/codec_encoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix/upload/http_response_rules.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix/upload/http_transport.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix/upload/mqtt_transport.cpp
)
target_link_libraries(ss_upload_net PUBLIC ss::sensor_storage CURL::libcurl PkgConfig::MOSQUITTO ZLIB::ZLIB PkgConfig::ZSTD)
target_compile_options(ss_upload_net PRIVATE ${ss_warnings})
