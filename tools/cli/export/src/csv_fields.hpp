// RFC 4180 fields: quoting on the way out, a record reader on the way in (quoted fields may hold
// commas, doubled quotes and line breaks). Records end in CRLF when written; LF alone is also
// read.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ss::store_export::detail {

/// Appends `field` to `line`, quoted (with inner quotes doubled) if it holds a comma, a quote,
/// CR or LF, or starts with '#' (a data field never opens a metadata line).
void append_csv_field(std::string& line, std::string_view field);

/// Reads CSV records from a file it owns, buffered.
class CsvRecordReader {
public:
    /// Takes `file` (open for reading) and closes it when it goes.
    explicit CsvRecordReader(std::FILE* file) noexcept : file_(file) {}
    CsvRecordReader(const CsvRecordReader&) = delete;
    CsvRecordReader& operator=(const CsvRecordReader&) = delete;
    ~CsvRecordReader();

    enum class Status { record, end, malformed, io_error };

    /// Reads the next record into `fields` (its raw first byte in *first_byte, so that '#' lines,
    /// which are never quoted there, are told apart). `line` becomes the line the record starts
    /// on (1-based). malformed: a quote inside an unquoted field, text after a closing quote, or
    /// a quoted field open at the end of the file.
    Status next(std::vector<std::string>& fields, char& first_byte, std::uint64_t& line);

private:
    int get();

    std::FILE* file_ = nullptr;
    std::vector<char> buffer_ = std::vector<char>(1 << 16);
    std::size_t at_ = 0, end_ = 0;
    std::uint64_t line_ = 1;
    bool error_ = false;
};

} // namespace ss::store_export::detail
