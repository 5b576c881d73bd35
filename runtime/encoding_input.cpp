#include "encoding_input.hpp"
#include "messages.hpp"

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iconv.h>
#include <optional>
#include <vector>

namespace precept {

namespace {

// The length of the UTF-8 sequence starting at `p` (1-4), or 0 when it is not
// valid there; -1 when it is cut off by `end`.
int utf8_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = *p;
  if (lead < 0x80) return 1;
  int length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (p + i >= end) return -1;
    const unsigned char c = p[i];
    if (i == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) return 0;
  }
  return length;
}

// The length of the GB18030 character starting at `p` (1, 2 or 4), 0 when it
// is not valid there, -1 when `end` cuts it off.
int gb18030_sequence(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = *p;
  if (lead < 0x80) return 1;
  if (lead == 0x80 || lead == 0xFF) return 0;
  if (p + 1 >= end) return -1;
  const unsigned char second = p[1];
  if ((second >= 0x40 && second <= 0x7E) || (second >= 0x80 && second <= 0xFE)) return 2;
  if (second < 0x30 || second > 0x39) return 0;
  if (p + 3 >= end) return p + 2 < end && (p[2] < 0x81 || p[2] > 0xFE) ? 0 : -1;
  if (p[2] < 0x81 || p[2] > 0xFE || p[3] < 0x30 || p[3] > 0x39) return 0;
  return 4;
}

std::uint64_t line_at(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::uint64_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

const char* encoding_label(RegisterEncoding encoding) {
  switch (encoding) {
    case RegisterEncoding::Gb18030: return "GB18030";
    case RegisterEncoding::Gbk: return "GBK";
    case RegisterEncoding::Utf16: return "UTF-16";
    default: return "UTF-8";
  }
}

}  // namespace

bool is_gb18030(std::string_view text, bool whole) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    const int length = gb18030_sequence(p, end);
    if (length == 0) return false;
    if (length < 0) return !whole;
    p += length;
  }
  return true;
}

EncodingGuess guess_encoding(std::string_view prefix, bool whole) {
  EncodingGuess guess;
  const auto* const begin = reinterpret_cast<const unsigned char*>(prefix.data());
  const auto* const end = begin + prefix.size();
  if (prefix.size() >= 2 && ((begin[0] == 0xFF && begin[1] == 0xFE) || (begin[0] == 0xFE && begin[1] == 0xFF))) {
    guess.encoding = RegisterEncoding::Utf16;
    guess.utf16_big_endian = begin[0] == 0xFE;
    return guess;
  }
  std::uint64_t valid_sequences = 0, stray_bytes = 0;
  std::size_t first_stray = prefix.size();
  for (const unsigned char* p = begin; p < end;) {
    const int length = utf8_sequence(p, end);
    if (length < 0 && !whole) break;  // cut off by the prefix's end
    if (length <= 0) {
      if (first_stray == prefix.size()) first_stray = static_cast<std::size_t>(p - begin);
      ++stray_bytes;
      ++p;
      continue;
    }
    if (length > 1) ++valid_sequences;
    p += length;
  }
  if (stray_bytes == 0) return guess;
  if (is_gb18030(prefix, whole)) {
    guess.encoding = RegisterEncoding::Gb18030;
    return guess;
  }
  // Mostly UTF-8, a byte here and there not: read as it always was (text
  // cells keep the bytes; JSON output repairs them).
  if (valid_sequences > 0 && stray_bytes <= valid_sequences) return guess;
  guess.unreadable = true;
  guess.problem = fmt::format(
      "the register is not text Precept can read: line {} has the byte 0x{:02X}, which is not UTF-8, and the "
      "register is not GB18030 (GBK) or UTF-16 with a byte-order mark either; save it as CSV UTF-8 (or as .xlsx), "
      "or say what it is with --encoding",
      line_at(prefix, first_stray), static_cast<unsigned>(begin[first_stray]));
  return guess;
}

struct DecodedInput::Impl {
  std::FILE* input = nullptr;
  std::FILE* stream = nullptr;  // the cookie stream, when there is one
  bool regular = false;
  std::uint64_t origin = 0;     // a regular file: where the input starts
  std::string prefix;           // the bytes looked at (for a non-regular input, read from it)
  std::size_t prefix_used = 0;  // of them, handed to the converter so far
  bool source_done = false;
  iconv_t converter = reinterpret_cast<iconv_t>(-1);
  RegisterEncoding encoding = RegisterEncoding::Utf8;
  std::optional<RegisterEncoding> converted_from;  // when the register was converted: from what
  std::string failure;
  std::vector<char> raw;        // bytes read, not yet converted
  std::size_t raw_size = 0;
  std::vector<char> out;        // converted bytes, not yet handed out
  std::size_t out_begin = 0, out_end = 0;
  std::uint64_t lines_out = 0;  // line ends handed to the reader so far
  std::uint64_t bytes_in = 0;   // input bytes converted so far

  ~Impl() {
    if (stream) std::fclose(stream);
    if (converter != reinterpret_cast<iconv_t>(-1)) iconv_close(converter);
  }

  // The next raw bytes: first the prefix looked at, then the input.
  std::size_t read_source(char* to, std::size_t size) {
    if (prefix_used < prefix.size()) {
      const std::size_t n = std::min(size, prefix.size() - prefix_used);
      std::memcpy(to, prefix.data() + prefix_used, n);
      prefix_used += n;
      return n;
    }
    if (source_done) return 0;
    const std::size_t got = std::fread(to, 1, size, input);
    if (got < size) source_done = true;
    return got;
  }

  // Fills `out` with converted text; false at the end or on a failure.
  bool convert_more() {
    constexpr std::size_t kBlock = std::size_t{1} << 20;
    if (raw.size() < kBlock) raw.resize(kBlock);
    if (out.size() < 4 * kBlock) out.resize(4 * kBlock);
    out_begin = out_end = 0;
    for (;;) {
      const std::size_t got = read_source(raw.data() + raw_size, raw.size() - raw_size);
      raw_size += got;
      if (std::ferror(input)) {
        failure = "reading the input failed part way";
        return false;
      }
      if (converter == reinterpret_cast<iconv_t>(-1)) {  // no converting: hand the bytes on
        std::memcpy(out.data(), raw.data(), raw_size);
        out_end = raw_size;
        raw_size = 0;
        return out_end > 0;
      }
      char* in = raw.data();
      std::size_t in_left = raw_size;
      char* to = out.data();
      std::size_t to_left = out.size();
      const std::size_t done = iconv(converter, &in, &in_left, &to, &to_left);
      const int error = done == static_cast<std::size_t>(-1) ? errno : 0;
      out_end = static_cast<std::size_t>(to - out.data());
      const std::size_t consumed = static_cast<std::size_t>(in - raw.data());
      bytes_in += consumed;
      std::memmove(raw.data(), in, in_left);
      raw_size = in_left;
      const bool at_end = got == 0 && prefix_used == prefix.size() && source_done;
      if (error == EILSEQ || (error == EINVAL && at_end)) {
        const std::uint64_t line =
            lines_out + 1 + static_cast<std::uint64_t>(std::count(out.data(), out.data() + out_end, '\n'));
        failure = fmt::format("line {} has the byte 0x{:02X}, which is not {} (byte {} of the register); the "
                              "register was read as {} from its start: fix that byte, or save the register as CSV "
                              "UTF-8",
                              line, static_cast<unsigned>(static_cast<unsigned char>(*in)), encoding_label(encoding),
                              bytes_in + 1, encoding_label(encoding));
        return out_end > 0;  // what came before the bad byte is still read
      }
      if (out_end > 0) return true;
      if (at_end) return false;
    }
  }

  ssize_t read(char* to, std::size_t size) {
    if (out_begin == out_end) {
      if (!failure.empty()) {
        errno = EILSEQ;
        return -1;
      }
      if (!convert_more()) {
        if (failure.empty()) return 0;
        if (out_begin == out_end) {
          errno = EILSEQ;
          return -1;
        }
      }
    }
    const std::size_t n = std::min(size, out_end - out_begin);
    std::memcpy(to, out.data() + out_begin, n);
    lines_out += static_cast<std::uint64_t>(std::count(out.data() + out_begin, out.data() + out_begin + n, '\n'));
    out_begin += n;
    return static_cast<ssize_t>(n);
  }

  static ssize_t cookie_read(void* cookie, char* to, std::size_t size) { return static_cast<Impl*>(cookie)->read(to, size); }

  bool read_prefix() {
    const int fd = ::fileno(input);
    struct stat status {};
    if (fd >= 0 && ::fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
      const off_t at = ::ftello(input);
      if (at >= 0) {
        regular = true;
        origin = static_cast<std::uint64_t>(at);
        prefix.resize(kEncodingPrefixBytes);
        std::size_t have = 0;
        while (have < prefix.size()) {
          const ssize_t got = ::pread(fd, prefix.data() + have, prefix.size() - have, static_cast<off_t>(origin + have));
          if (got < 0 && errno == EINTR) continue;
          if (got < 0) return false;
          if (got == 0) break;
          have += static_cast<std::size_t>(got);
        }
        prefix.resize(have);
        return true;
      }
    }
    prefix.resize(kEncodingPrefixBytes);
    const std::size_t got = std::fread(prefix.data(), 1, prefix.size(), input);
    prefix.resize(got);
    if (got < kEncodingPrefixBytes) source_done = true;
    return !std::ferror(input);
  }

  bool whole_prefix() const {
    if (!regular) return source_done;
    struct stat status {};
    return ::fstat(::fileno(input), &status) == 0 &&
           origin + prefix.size() >= static_cast<std::uint64_t>(status.st_size);
  }
};

DecodedInput::DecodedInput() : impl_(std::make_unique<Impl>()) {}
DecodedInput::~DecodedInput() = default;

std::string DecodedInput::open(std::FILE* input, RegisterEncoding encoding) {
  Impl& d = *impl_;
  d.input = input;
  if (!d.read_prefix()) return "could not read the register";
  if (is_zip()) return {};
  const bool whole = d.whole_prefix();
  bool big_endian = false;
  if (encoding == RegisterEncoding::Detect) {
    EncodingGuess guess = guess_encoding(d.prefix, whole);
    if (guess.unreadable) return guess.problem;
    encoding = guess.encoding;
    big_endian = guess.utf16_big_endian;
  } else if (encoding == RegisterEncoding::Utf16) {
    big_endian = d.prefix.size() >= 2 && static_cast<unsigned char>(d.prefix[0]) == 0xFE &&
                 static_cast<unsigned char>(d.prefix[1]) == 0xFF;
  }
  d.encoding = encoding;
  if (encoding == RegisterEncoding::Detect || encoding == RegisterEncoding::Utf8) {
    if (d.regular) return {};  // read as it is, by `run`'s own parallel reading
  } else {
    const char* from = encoding == RegisterEncoding::Gbk ? "GBK"
                       : encoding == RegisterEncoding::Gb18030 ? "GB18030"
                       : big_endian ? "UTF-16BE" : "UTF-16LE";
    d.converter = iconv_open("UTF-8", from);
    if (d.converter == reinterpret_cast<iconv_t>(-1)) return fmt::format("this system cannot convert from {}", from);
    if (encoding == RegisterEncoding::Utf16) {
      // The byte-order mark said which UTF-16; it is not text of the register.
      const unsigned char a = static_cast<unsigned char>(d.prefix.size() > 0 ? d.prefix[0] : 0);
      const unsigned char b = static_cast<unsigned char>(d.prefix.size() > 1 ? d.prefix[1] : 0);
      if ((a == 0xFF && b == 0xFE) || (a == 0xFE && b == 0xFF)) d.prefix_used = 2;
    }
    d.converted_from = encoding;
  }
  if (d.regular) {
    // The cookie stream hands on the prefix looked at, then reads on after it.
    if (::fseeko(input, static_cast<off_t>(d.origin + d.prefix.size()), SEEK_SET) != 0)
      return "could not read the register";
  }
  cookie_io_functions_t functions{};
  functions.read = &Impl::cookie_read;
  d.stream = ::fopencookie(impl_.get(), "rb", functions);
  if (!d.stream) return "could not read the register";
  return {};
}

bool DecodedInput::is_zip() const { return impl_->prefix.compare(0, 4, "PK\x03\x04", 4) == 0; }

bool DecodedInput::read_all(std::string& bytes, std::size_t limit, std::string& problem) {
  Impl& d = *impl_;
  bytes.clear();
  if (d.regular && ::fseeko(d.input, static_cast<off_t>(d.origin), SEEK_SET) != 0) {
    problem = "could not read the register";
    return false;
  }
  if (d.regular) d.prefix.clear();
  bytes = d.prefix;
  d.prefix.clear();
  if (!d.source_done) {
    char block[1 << 16];
    for (;;) {
      const std::size_t got = std::fread(block, 1, sizeof block, d.input);
      bytes.append(block, got);
      if (bytes.size() > limit) {
        problem = fmt::format("the workbook is larger than {} MiB, more than a register needs; save the register as "
                              "CSV UTF-8 instead",
                              limit >> 20);
        return false;
      }
      if (got < sizeof block) break;
    }
  }
  if (std::ferror(d.input)) {
    problem = "could not read the register";
    return false;
  }
  return true;
}

std::FILE* DecodedInput::stream() const { return impl_->stream ? impl_->stream : impl_->input; }

std::string DecodedInput::note(Language language) const {
  if (!impl_->converted_from) return {};
  if (*impl_->converted_from == RegisterEncoding::Utf16) return say<MessageId::register_converted_utf16>(language).text;
  return say<MessageId::register_converted_gb>(language, *impl_->converted_from == RegisterEncoding::Gbk ? "GBK"
                                                                                                        : "GB18030 (GBK)")
      .text;
}

std::string DecodedInput::failure() const { return impl_->failure; }

}  // namespace precept
