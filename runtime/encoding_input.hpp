// A register's bytes as UTF-8, whatever the spreadsheet saved them as: UTF-8
// (read exactly as ever, stray bytes included), UTF-16 with a byte-order mark
// ("Unicode text" exports), or GB18030/GBK (what Chinese Excel and WPS save by
// default), converted while it is read. Why a stream: registers can be GBs, so
// the encoding is worked out on a prefix and the rest converted block by block
// (glibc's iconv), never held whole.
#pragma once

#include <precept/language.hpp>

#include <precept/run.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace precept {

// How much of a register its encoding is worked out from.
inline constexpr std::size_t kEncodingPrefixBytes = std::size_t{64} << 10;

// What a prefix of a register is, judged byte by byte.
struct EncodingGuess {
  RegisterEncoding encoding = RegisterEncoding::Utf8;
  bool utf16_big_endian = false;
  // Neither UTF-8 (allowing a few stray bytes), GB18030 nor UTF-16 with a
  // byte-order mark: `problem` says which byte on which line.
  bool unreadable = false;
  std::string problem;
};
// `prefix` is the register's start; `whole` when it is all of it (a
// character cut off at the end of a prefix is then not forgiven).
EncodingGuess guess_encoding(std::string_view prefix, bool whole);

// Whether `text` is GB18030 throughout (a character cut off at its end is
// allowed unless `whole`).
bool is_gb18030(std::string_view text, bool whole);

// A register opened for reading as UTF-8.
class DecodedInput {
 public:
  DecodedInput();
  ~DecodedInput();
  DecodedInput(const DecodedInput&) = delete;
  DecodedInput& operator=(const DecodedInput&) = delete;

  // Looks at the start of `input` (not owned) and sets up its reading; "" or
  // why it cannot be read (no encoding fits: the first bad byte's line).
  std::string open(std::FILE* input, RegisterEncoding encoding);
  // Whether the register is a zip archive (an .xlsx workbook), by its first bytes.
  bool is_zip() const;
  // All of its bytes as they are (for an .xlsx): false, with `problem`, when
  // they cannot be read or pass `limit`.
  bool read_all(std::string& bytes, std::size_t limit, std::string& problem);
  // The stream to read UTF-8 from: the input itself when it needs no
  // converting and is a regular file (so `run` keeps reading it in parallel),
  // else a stream that converts (or replays the bytes looked at).
  std::FILE* stream() const;
  // "" or the note that the register was converted, in `language`, e.g. "the
  // register is GB18030 (GBK), as Chinese Excel and WPS save CSV, not UTF-8; it
  // was converted to UTF-8 as it was read".
  std::string note(Language language = Language::English) const;
  // "" or why converting failed part way (a byte that is not of the
  // encoding, with its line): the run's reading failed because of it.
  std::string failure() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace precept
