#include "serialize.hpp"

#include <precept/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <concepts>
#include <exception>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace precept {

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 1099511628211ull;
  }
  return hash;
}

bool looks_like_program(std::string_view bytes) { return bytes.starts_with(kProgramMagic); }

namespace {

// The body layout is written once, as item() overloads that walk a Program, and
// run by three "Io" classes: Writer encodes, Reader decodes, Counter measures.
// One description for both directions means the writer and reader cannot drift
// apart; Counter gives each element's smallest encoding, which bounds what a
// length prefix may claim before anything is allocated.
//
// Encoding: integers and enums little-endian at their own width; bool one byte
// (0 or 1); strings and vectors a uint32 count, then the bytes or elements.

template <class T>
concept Fixed = (std::integral<T> && !std::same_as<T, bool>) || std::is_enum_v<T>;

template <class T>
struct Stored { using type = T; };
template <class T>
  requires std::is_enum_v<T>
struct Stored<T> { using type = std::underlying_type_t<T>; };
template <class T>
using Unsigned = std::make_unsigned_t<typename Stored<T>::type>;

template <class Io> void item(Io& io, bool& v) { io.flag(v); }
template <class Io, Fixed T> void item(Io& io, T& v) { io.number(v); }
template <class Io> void item(Io& io, std::string& v) { io.text(v); }
template <class Io, class T> void item(Io& io, std::vector<T>& v) { io.list(v); }

// The members of a record, in order, with their names as written, so that a
// Describer can also tell which member is where (program_layout(), which
// docs/bytecode.md is made from); the other Io classes ignore the names.
#define PRECEPT_MEMBERS(io, ...) members(io, #__VA_ARGS__, __VA_ARGS__)
template <class Io, class... T> void members(Io& io, std::string_view names, T&... v) {
  if constexpr (Io::kDescribes) {
    // "f.name, f.type" -> "name", "type"
    const auto next_name = [&names] {
      const std::size_t end = std::min(names.find(','), names.size());
      std::string_view name = names.substr(0, end);
      names.remove_prefix(std::min(end + 1, names.size()));
      name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
      return name.substr(name.find('.') + 1);
    };
    (io.member(next_name(), v), ...);
  } else {
    (item(io, v), ...);
  }
}
template <class Io, class... T> void items(Io& io, T&... v) { (item(io, v), ...); }

template <class Io> void item(Io& io, ValueType& t) { PRECEPT_MEMBERS(io, t.kind, t.element, t.enum_id); }
template <class Io> void item(Io& io, Instruction& i) {
  PRECEPT_MEMBERS(io, i.op, i.x, i.y, i.reserved, i.a, i.b, i.c);
}
template <class Io> void item(Io& io, EnumDef& e) { PRECEPT_MEMBERS(io, e.name, e.members); }
template <class Io> void item(Io& io, FieldDef& f) {
  PRECEPT_MEMBERS(io, f.name, f.type, f.optional, f.has_default, f.default_scalar, f.default_text, f.line,
                  f.description, f.check, f.check_value, f.key, f.personal);
}
template <class Io> void item(Io& io, RegisterSpellings& s) {
  PRECEPT_MEMBERS(io, s.true_words, s.false_words, s.fullwidth_digits, s.thousands, s.alias_headers, s.alias_fields);
}
template <class Io> void item(Io& io, ParamDef& p) {
  PRECEPT_MEMBERS(io, p.name, p.type, p.value, p.text_value, p.description, p.source, p.line, p.layer, p.year);
}
template <class Io> void item(Io& io, OutputDef& o) { PRECEPT_MEMBERS(io, o.name, o.type, o.reg); }
template <class Io> void item(Io& io, SummarySpec::Group& g) { PRECEPT_MEMBERS(io, g.name, g.fields); }
template <class Io> void item(Io& io, SummarySpec& s) {
  PRECEPT_MEMBERS(io, s.population_reg, s.poor_reg, s.cause_reg, s.assistance_reg, s.groups);
}
template <class Io> void item(Io& io, LookupTable& t) {
  PRECEPT_MEMBERS(io, t.name, t.key_types, t.key_names, t.rows, t.cell_ends, t.values);
}
template <class Io> void item(Io& io, ConstantArray& a) { PRECEPT_MEMBERS(io, a.name, a.type, a.values); }
template <class Io> void item(Io& io, ExampleDef::Expectation& e) { PRECEPT_MEMBERS(io, e.name, e.line, e.text); }
template <class Io> void item(Io& io, ExampleDef& e) {
  PRECEPT_MEMBERS(io, e.label, e.line, e.cells, e.expect, e.expect_rejected, e.rejected_reason);
}
template <class Io> void item(Io& io, DebugNote& n) {
  PRECEPT_MEMBERS(io, n.what, n.origin, n.name, n.text, n.line, n.file, n.index, n.type, n.reg, n.left_type,
                  n.right_type, n.left, n.right, n.left_text, n.right_text, n.op, n.pc, n.uses);
}
// source_hash is not here: it sits in the header, where tools can read it
// without decoding the body.
template <class Io> void item(Io& io, Program& p) {
  PRECEPT_MEMBERS(io, p.policy_name, p.place, p.year, p.source_file, p.source_text, p.enums, p.fields,
                  p.params, p.scalar_types, p.scalar_names, p.text_count, p.list_types, p.quotient_units,
                  p.constants, p.strings, p.code, p.code_lines, p.code_origins, p.origins, p.outputs,
                  p.summary, p.lookups, p.arrays, p.examples, p.notes, p.spellings);
}

// What the layout calls each record and enum it stores.
template <class T> constexpr std::string_view kLayoutName = "";
template <> constexpr std::string_view kLayoutName<Program> = "program";
template <> constexpr std::string_view kLayoutName<ValueType> = "type";
template <> constexpr std::string_view kLayoutName<Instruction> = "instruction";
template <> constexpr std::string_view kLayoutName<EnumDef> = "enum";
template <> constexpr std::string_view kLayoutName<FieldDef> = "field";
template <> constexpr std::string_view kLayoutName<ParamDef> = "param";
template <> constexpr std::string_view kLayoutName<RegisterSpellings> = "register spellings";
template <> constexpr std::string_view kLayoutName<OutputDef> = "output";
template <> constexpr std::string_view kLayoutName<SummarySpec> = "summary";
template <> constexpr std::string_view kLayoutName<SummarySpec::Group> = "summary group";
template <> constexpr std::string_view kLayoutName<LookupTable> = "lookup";
template <> constexpr std::string_view kLayoutName<ConstantArray> = "array";
template <> constexpr std::string_view kLayoutName<Opcode> = "opcode";
template <> constexpr std::string_view kLayoutName<Kind> = "kind";
template <> constexpr std::string_view kLayoutName<FieldCheck> = "field check";
template <> constexpr std::string_view kLayoutName<ExampleDef> = "example";
template <> constexpr std::string_view kLayoutName<ExampleDef::Expectation> = "expectation";
template <> constexpr std::string_view kLayoutName<DebugNote> = "note";
template <> constexpr std::string_view kLayoutName<DebugNote::What> = "note kind";

// Walks a record like the other Io classes, noting each member's name and
// encoding, and describing each record type it meets once, after the ones
// before it.
class Describer {
 public:
  static constexpr bool kDescribes = true;
  Describer(std::vector<LayoutRecord>& records, std::size_t record) : records_(records), record_(record) {}

  template <class T> void member(std::string_view name, T&) {
    std::string encoded = encoding<T>();
    records_[record_].members.push_back({std::string(name), std::move(encoded)});
  }

  template <class T> std::string encoding() {
    if constexpr (std::same_as<T, bool>) {
      return "bool";
    } else if constexpr (std::same_as<T, std::string>) {
      return "string";
    } else if constexpr (Fixed<T>) {
      const std::string width = fmt::format("{}int{}", std::is_signed_v<typename Stored<T>::type> ? "" : "u",
                                            8 * sizeof(T));
      if constexpr (std::is_enum_v<T>) return fmt::format("{} ({})", kLayoutName<T>, width);
      return width;
    } else if constexpr (requires(T& v) { v.begin(); }) {
      return "list of " + encoding<typename T::value_type>();
    } else {
      static_assert(!kLayoutName<T>.empty(), "name the record in kLayoutName");
      describe<T>(records_);
      return std::string(kLayoutName<T>);
    }
  }

  template <class T> static void describe(std::vector<LayoutRecord>& records) {
    for (const LayoutRecord& r : records)
      if (r.name == kLayoutName<T>) return;
    records.push_back({std::string(kLayoutName<T>), {}});
    Describer describer(records, records.size() - 1);
    T empty{};
    item(describer, empty);
  }

 private:
  std::vector<LayoutRecord>& records_;
  std::size_t record_;
};

class Counter {
 public:
  static constexpr bool kDescribes = false;
  template <Fixed T> void number(T&) { bytes += sizeof(Unsigned<T>); }
  void flag(bool&) { bytes += 1; }
  void text(std::string& s) { bytes += sizeof(std::uint32_t) + s.size(); }
  template <class T> void list(std::vector<T>& v) {
    bytes += sizeof(std::uint32_t);
    for (T& element : v) item(*this, element);
  }
  std::size_t bytes = 0;
};

template <class T>
std::size_t min_encoded_size() {
  static const std::size_t size = [] {
    Counter counter;
    T empty{};
    item(counter, empty);
    return counter.bytes;
  }();
  return size;
}

class Writer {
 public:
  static constexpr bool kDescribes = false;
  template <Fixed T> void number(T& v) {
    auto u = static_cast<Unsigned<T>>(v);
    for (std::size_t i = 0; i < sizeof u; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
  }
  void flag(bool& v) { out.push_back(v ? 1 : 0); }
  void text(std::string& s) {
    count(s.size());
    out += s;
  }
  template <class T> void list(std::vector<T>& v) {
    count(v.size());
    for (T& element : v) item(*this, element);
  }
  std::string out;

 private:
  void count(std::size_t n) {
    if (n > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("precept: a program part is too large for the file format");
    auto n32 = static_cast<std::uint32_t>(n);
    number(n32);
  }
};

// Sticky failure: after the first error every read yields zero and consumes
// nothing, so decoding runs to its end without checks at every call site, and
// the first (most telling) error is the one reported.
class Reader {
 public:
  static constexpr bool kDescribes = false;
  Reader(std::string_view bytes, std::size_t file_offset)
      : bytes_(bytes), file_offset_(file_offset) {}

  template <Fixed T> void number(T& v) {
    Unsigned<T> u = 0;
    if (take(sizeof u, "a number")) {
      for (std::size_t i = 0; i < sizeof u; ++i) {
        const auto byte = static_cast<Unsigned<T>>(static_cast<unsigned char>(bytes_[pos_ + i]));
        u |= static_cast<Unsigned<T>>(byte << (8 * i));
      }
      pos_ += sizeof u;
    }
    v = static_cast<T>(static_cast<typename Stored<T>::type>(u));
  }
  void flag(bool& v) {
    const std::size_t at = offset();
    std::uint8_t byte = 0;
    number(byte);
    if (byte > 1)
      fail(fmt::format("the file is damaged: byte {} should be 0 or 1 but is {}", at, byte));
    v = byte == 1;
  }
  void text(std::string& s) {
    const std::size_t at = offset();
    std::uint32_t n = 0;
    number(n);
    if (ok() && n > remaining())
      fail(fmt::format("the file is damaged: the text at byte {} claims {} bytes, past the end",
                       at, n));
    if (!ok()) return;
    s.assign(bytes_.substr(pos_, n));
    pos_ += n;
  }
  template <class T> void list(std::vector<T>& v) {
    const std::size_t at = offset();
    std::uint32_t n = 0;
    number(n);
    if (ok() && n > remaining() / min_encoded_size<T>())
      fail(fmt::format("the file is damaged: the list at byte {} claims {} items, past the end",
                       at, n));
    if (!ok()) return;
    v.assign(n, T{});
    for (T& element : v) {
      if (!ok()) return;
      item(*this, element);
    }
  }

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t offset() const { return file_offset_ + pos_; }

 private:
  bool take(std::size_t n, const char* what) {
    if (!ok()) return false;
    if (n <= remaining()) return true;
    fail(fmt::format("the file is damaged: {} at byte {} runs past the end", what, offset()));
    return false;
  }
  void fail(std::string message) {
    if (ok()) error_ = std::move(message);
  }

  std::string_view bytes_;
  std::size_t file_offset_;
  std::size_t pos_ = 0;
  std::string error_;
};

template <class T>
T header_field(std::string_view bytes, std::size_t offset) {
  T value{};
  Reader(bytes.substr(offset, sizeof(T)), offset).number(value);
  return value;
}

bool decode(std::string_view bytes, Program& out, std::string& error) {
  if (bytes.empty()) {
    error = "not a Precept program (the file is empty)";
    return false;
  }
  if (!kProgramMagic.starts_with(bytes.substr(0, kProgramMagic.size()))) {
    // "PCPT\n..." is what a text-mode copy makes of "PCPT\r\n...".
    error = bytes.starts_with("PCPT")
                ? "not a Precept program (bad magic number; was the file copied as text?)"
                : "not a Precept program (bad magic number)";
    return false;
  }
  if (bytes.size() < kProgramHeaderSize) {
    error = fmt::format("the file is truncated at byte {} (inside the {}-byte header)",
                        bytes.size(), kProgramHeaderSize);
    return false;
  }
  const auto version = header_field<std::uint32_t>(bytes, kVersionOffset);
  if (version != kBytecodeFormatVersion) {
    error = fmt::format("made by {} Precept (format {}, this reads {}){}",
                        version > kBytecodeFormatVersion ? "a newer" : "an older", version,
                        kBytecodeFormatVersion,
                        version > kBytecodeFormatVersion ? "" : "; compile the policy again");
    return false;
  }
  const auto flags = header_field<std::uint32_t>(bytes, kFlagsOffset);
  if (flags != 0) {
    error = fmt::format("made by a newer Precept (it uses flags {:#x}, which this one does not know)",
                        flags);
    return false;
  }
  const auto body_length = header_field<std::uint64_t>(bytes, kBodyLengthOffset);
  const std::size_t present = bytes.size() - kProgramHeaderSize;
  if (body_length > present) {
    error = fmt::format("the file is truncated at byte {} (the header promises {} bytes)",
                        bytes.size(), body_length + kProgramHeaderSize);
    return false;
  }
  if (body_length < present) {
    error = fmt::format("the file is damaged: the header says it ends at byte {}, but it goes "
                        "on to byte {}",
                        body_length + kProgramHeaderSize, bytes.size());
    return false;
  }
  if (header_field<std::uint64_t>(bytes, kChecksumOffset) !=
      fnv1a64(bytes.substr(kSourceHashOffset))) {
    error = "the file is damaged: checksum mismatch";
    return false;
  }

  Program program;
  program.source_hash = header_field<std::uint64_t>(bytes, kSourceHashOffset);
  Reader reader(bytes.substr(kProgramHeaderSize), kProgramHeaderSize);
  item(reader, program);
  if (reader.ok() && reader.remaining() != 0) {
    error = fmt::format("the file is damaged: the program ends at byte {}, but the body goes on "
                        "to byte {}",
                        reader.offset(), bytes.size());
    return false;
  }
  if (!reader.ok()) {
    error = reader.error();
    return false;
  }
  out = std::move(program);
  return true;
}

}  // namespace

std::string serialize_program(const Program& program) {
  Writer body;
  // item() takes Program& so that one layout serves Reader too; Writer only reads.
  item(body, const_cast<Program&>(program));

  Writer file;
  file.out.reserve(kProgramHeaderSize + body.out.size());
  file.out += kProgramMagic;
  std::uint32_t version = kBytecodeFormatVersion, flags = 0;
  std::uint64_t body_length = body.out.size(), checksum = 0, source_hash = program.source_hash;
  items(file, version, flags, body_length, checksum, source_hash);
  file.out += body.out;

  checksum = fnv1a64(std::string_view(file.out).substr(kSourceHashOffset));
  Writer checksum_bytes;
  checksum_bytes.number(checksum);
  file.out.replace(kChecksumOffset, sizeof checksum, checksum_bytes.out);
  return std::move(file.out);
}

std::vector<LayoutRecord> program_layout() {
  std::vector<LayoutRecord> records;
  Describer::describe<Program>(records);
  return records;
}

bool deserialize_program(std::string_view bytes, Program& out, std::string& error) {
  try {
    return decode(bytes, out, error);
  } catch (const std::exception& e) {
    // Allocation is bounded by the file's size, so only a machine already out of
    // memory gets here.
    error = fmt::format("could not read the program: {}", e.what());
    return false;
  }
}

}  // namespace precept
