#include "csv_fields.hpp"


namespace ss::store_export::detail {

void append_csv_field(std::string& line, std::string_view field) {
    const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos || (!field.empty() && field[0] == '#');
    if (!quote) {
        line.append(field);
        return;
    }
    line.push_back('"');
    for (char c : field) {
        if (c == '"') line.push_back('"');
        line.push_back(c);
    }
    line.push_back('"');
}

CsvRecordReader::~CsvRecordReader() {
    if (file_ != nullptr) std::fclose(file_);
}

int CsvRecordReader::get() {
    if (at_ == end_) {
        end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
        at_ = 0;
        if (end_ == 0) {
            if (std::ferror(file_)) error_ = true;
            return EOF;
        }
    }
    return static_cast<unsigned char>(buffer_[at_++]);
}

CsvRecordReader::Status CsvRecordReader::next(std::vector<std::string>& fields, char& first_byte, std::uint64_t& line) {
    fields.clear();
    line = line_;
    int c = get();
    if (c == EOF) return error_ ? Status::io_error : Status::end;
    first_byte = static_cast<char>(c);
    fields.emplace_back();
    bool quoted = false;     // inside a quoted field
    bool was_quoted = false; // the current field was quoted and has closed
    for (;; c = get()) {
        if (c == EOF) {
            if (error_) return Status::io_error;
            // A last record without its line break is complete, unless a quote is still open.
            return quoted ? Status::malformed : Status::record;
        }
        const char ch = static_cast<char>(c);
        if (quoted) {
            if (ch == '"') {
                const int after = get();
                if (after == '"') {
                    fields.back().push_back('"');
                    continue;
                }
                quoted = false;
                was_quoted = true;
                if (after == EOF) return error_ ? Status::io_error : Status::record;
                c = after;
                // fall through with the byte after the closing quote
            } else {
                if (ch == '\n') ++line_;
                fields.back().push_back(ch);
                continue;
            }
        }
        const char b = static_cast<char>(c);
        if (b == ',') {
            fields.emplace_back();
            was_quoted = false;
        } else if (b == '\n') {
            ++line_;
            return Status::record;
        } else if (b == '\r') {
            const int after = get();
            if (after != '\n') return Status::malformed; // a bare CR ends nothing in RFC 4180
            ++line_;
            return Status::record;
        } else if (was_quoted) {
            return Status::malformed;
        } else if (b == '"') {
            if (!fields.back().empty()) return Status::malformed;
            quoted = true;
        } else {
            fields.back().push_back(b);
        }
    }
}

} // namespace ss::store_export::detail
