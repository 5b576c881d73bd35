// The columnar evaluator: a record batch given as Arrow C Data Interface arrays
// is read into the same Batch columns `precept run` fills from CSV (int64
// columns borrowed in place, texts as views of the caller's bytes), run by the
// same Machine, and the outputs handed back as Arrow arrays.
//
// A value is read as the CSV path would read its text: a value that is not
// plainly acceptable (a null, an enum name that is not a member, a number out of
// its kind's range, a failed `where` check) is turned into the text of a CSV
// cell and given to parse_field_value, so that defaults, missing values and
// every rejection's kind and words are the CSV path's own, never a second copy.
#include <precept/columnar.hpp>
#include <precept/evaluator.hpp>
#include <precept/run.hpp>

#include "batch.hpp"
#include "columnar_arrays.hpp"
#include "numeric.hpp"
#include "program.hpp"
#include "rejection.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <functional>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace precept {

ColumnarError::ColumnarError(std::string column, const std::string& message)
    : std::invalid_argument(column.empty() ? "the batch: " + message : fmt::format("column `{}`: {}", column, message)),
      column_(std::move(column)) {}

namespace {

// Rows evaluated together, at most: fewer when the policy's registers would
// not fit in a worker's memory budget at this size. Larger than the
// Evaluator's, since a columnar batch is usually long and every chunk pays
// for setting the machine up.
constexpr std::size_t kChunkCapacity = 1024;

// The rows of a chunk for `program`: a multiple of 64 when it can be, so that
// every chunk's rows start on a whole byte (and word) of a bitmap.
std::size_t chunk_capacity(const Program& program) {
  const std::size_t rows = capacity_within_budget(program, kChunkCapacity, kWorkerMemoryBudget);
  return rows >= 64 ? rows / 64 * 64 : rows;
}

// ------------------------------------------------------------------ input arrays

// The physical layouts Precept reads, from an ArrowSchema's format string.
enum class Layout : std::uint8_t { Bool, Int8, Int16, Int32, Int64, Decimal128, Date32, Utf8, LargeUtf8, List, Struct };

bool is_index_layout(Layout layout) {
  return layout == Layout::Int8 || layout == Layout::Int16 || layout == Layout::Int32 || layout == Layout::Int64;
}
bool is_text_layout(Layout layout) { return layout == Layout::Utf8 || layout == Layout::LargeUtf8; }

// The layout of `format`, and a decimal's scale; false for a format Precept
// does not read.
bool parse_format(std::string_view format, Layout& layout, int& scale) {
  static constexpr std::pair<std::string_view, Layout> kFormats[] = {
      {"b", Layout::Bool},   {"c", Layout::Int8},   {"s", Layout::Int16},      {"i", Layout::Int32},
      {"l", Layout::Int64},  {"tdD", Layout::Date32}, {"u", Layout::Utf8},    {"U", Layout::LargeUtf8},
      {"+l", Layout::List},  {"+s", Layout::Struct},
  };
  for (const auto& [name, value] : kFormats)
    if (format == name) {
      layout = value;
      return true;
    }
  // "d:precision,scale" or "d:precision,scale,bitwidth" (128 only).
  if (!format.starts_with("d:")) return false;
  const char* p = format.data() + 2;
  const char* const end = format.data() + format.size();
  int precision = 0, bits = 128;
  auto [after_precision, e1] = std::from_chars(p, end, precision);
  if (e1 != std::errc() || after_precision == end || *after_precision != ',') return false;
  auto [after_scale, e2] = std::from_chars(after_precision + 1, end, scale);
  if (e2 != std::errc()) return false;
  if (after_scale != end) {
    if (*after_scale != ',') return false;
    auto [after_bits, e3] = std::from_chars(after_scale + 1, end, bits);
    if (e3 != std::errc() || after_bits != end) return false;
  }
  if (bits != 128 || precision < 1 || precision > 38) return false;
  layout = Layout::Decimal128;
  return true;
}

template <typename T>
inline T load(const void* base, std::int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char*>(base) + index * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
  return value;
}

inline bool bit_at(const std::uint8_t* bits, std::int64_t index) { return (bits[index >> 3] >> (index & 7)) & 1; }

// A validated input array: element i (0 = the first its parent sees) is at
// position base + i of its buffers.
struct InputArray {
  std::string_view format;
  Layout layout = Layout::Int64;
  int scale = 0;
  std::int64_t base = 0;
  std::int64_t length = 0;               // elements from base
  const std::uint8_t* validity = nullptr;  // null: every element valid
  const void* values = nullptr;          // fixed-size values, or offsets
  const char* text_data = nullptr;       // utf8 bytes
  std::unique_ptr<InputArray> dictionary;  // the values of a dictionary-encoded array
  std::unique_ptr<InputArray> items;       // a list's items

  bool valid(std::int64_t i) const { return !validity || bit_at(validity, base + i); }
  // Valid and not a null of the dictionary (a null entry reads as empty).
  std::int64_t index(std::int64_t i) const {
    switch (layout) {
      case Layout::Int8: return load<std::int8_t>(values, base + i);
      case Layout::Int16: return load<std::int16_t>(values, base + i);
      case Layout::Int32: return load<std::int32_t>(values, base + i);
      default: return load<std::int64_t>(values, base + i);
    }
  }
  std::int64_t offset_at(std::int64_t position) const {
    return layout == Layout::LargeUtf8 ? load<std::int64_t>(values, position) : load<std::int32_t>(values, position);
  }
  std::string_view text(std::int64_t i) const {
    const std::int64_t begin = offset_at(base + i), end = offset_at(base + i + 1);
    return {text_data + begin, static_cast<std::size_t>(end - begin)};
  }
  // A list's items as positions in `items` (its element numbers).
  std::pair<std::int64_t, std::int64_t> item_range(std::int64_t i) const {
    return {load<std::int32_t>(values, base + i), load<std::int32_t>(values, base + i + 1)};
  }
};

std::int64_t buffers_needed(Layout layout) {
  switch (layout) {
    case Layout::Utf8:
    case Layout::LargeUtf8: return 3;
    case Layout::Struct: return 1;
    default: return 2;
  }
}

// The loops below that scan a whole column are built twice, as the VM's
// handlers are (runtime/vm.cpp, PRECEPT_VECTOR_CLONES): for the x86-64
// baseline, whose SSE2 has no 64-bit compare, and for x86-64-v3 (AVX2), chosen
// once when the library loads. Same results either way.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(PRECEPT_NO_TARGET_CLONES)
#define PRECEPT_COLUMN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define PRECEPT_COLUMN_CLONES
#endif

// The smallest and the largest of values[0, n) (n > 0), with no branch per
// value.
PRECEPT_COLUMN_CLONES void value_range(const std::int64_t* values, std::size_t n, std::int64_t& lowest,
                                       std::int64_t& highest) {
  std::int64_t low = values[0], high = values[0];
  for (std::size_t r = 0; r < n; ++r) {
    low = values[r] < low ? values[r] : low;
    high = values[r] > high ? values[r] : high;
  }
  lowest = low;
  highest = high;
}

// Whether any of offsets[0, count] is below the one before it. The flags are
// gathered as all-ones masks of the offsets' width, not as a bool, which GCC
// will not vectorise (a bool accumulator left the loop scalar: a tenth of a
// columnar batch's reading).
PRECEPT_COLUMN_CLONES bool offsets_decrease32(const std::int32_t* offsets, std::int64_t count) {
  std::int32_t any = 0;
  for (std::int64_t i = 0; i < count; ++i) any |= -static_cast<std::int32_t>(offsets[i + 1] < offsets[i]);
  return any != 0;
}
PRECEPT_COLUMN_CLONES bool offsets_decrease64(const std::int64_t* offsets, std::int64_t count) {
  std::int64_t any = 0;
  for (std::int64_t i = 0; i < count; ++i) any |= -static_cast<std::int64_t>(offsets[i + 1] < offsets[i]);
  return any != 0;
}

// Checks the offsets (of a text or list array) of elements [from, from +
// count): they start at 0 or more and never decrease; returns the first and
// the last.
std::pair<std::int64_t, std::int64_t> checked_offsets(const InputArray& array, std::int64_t from, std::int64_t count,
                                                      const std::string& column, const char* what) {
  const std::int64_t first = array.offset_at(array.base + from);
  if (first < 0)
    throw ColumnarError(column, fmt::format("its {} offsets are out of range: the first is {}, below 0", what, first));
  // Whether any offset decreases, found in one pass with no branch per
  // element (offsets aligned as the specification asks; else element by
  // element); where is looked for only then.
  const std::size_t width = array.layout == Layout::LargeUtf8 ? 8 : 4;
  const void* offsets = static_cast<const char*>(array.values) + (array.base + from) * static_cast<std::int64_t>(width);
  bool bad = true;
  if (reinterpret_cast<std::uintptr_t>(offsets) % width == 0)
    bad = width == 8 ? offsets_decrease64(static_cast<const std::int64_t*>(offsets), count)
                     : offsets_decrease32(static_cast<const std::int32_t*>(offsets), count);
  if (bad) {
    std::int64_t previous = first;
    for (std::int64_t i = 1; i <= count; ++i) {
      const std::int64_t next = array.offset_at(array.base + from + i);
      if (next < previous)
        throw ColumnarError(column, fmt::format("its {} offsets are out of range at row {}: {} after {} (offsets "
                                                "must never decrease)",
                                                what, from + i - 1, next, previous));
      previous = next;
    }
  }
  return {first, array.offset_at(array.base + from + count)};
}

// Calls read(T{}) with T the integer type of an index array's layout, so that
// a loop over its values looks at the layout once.
template <typename Read>
decltype(auto) with_index_type(Layout layout, Read&& read) {
  switch (layout) {
    case Layout::Int8: return read(std::int8_t{});
    case Layout::Int16: return read(std::int16_t{});
    case Layout::Int32: return read(std::int32_t{});
    default: return read(std::int64_t{});
  }
}

// Checks what reading elements [from, from + count) of `in` will touch: its
// values, its text or list offsets (and the list's items), its dictionary
// indices. Only the elements a batch reads, so that a slice of a long array
// costs what the slice costs.
void check_elements(InputArray& in, std::int64_t from, std::int64_t count, const std::string& column) {
  if (count == 0) return;
  if (!in.values)
    throw ColumnarError(column, fmt::format("its {} buffer is null",
                                            in.layout == Layout::List || is_text_layout(in.layout) ? "offsets"
                                                                                                   : "values"));
  if (is_text_layout(in.layout)) {
    const auto [first, last] = checked_offsets(in, from, count, column, "text");
    if (!in.text_data && last > first) throw ColumnarError(column, "its text data buffer is null");
  }
  if (in.layout == Layout::List) {
    const auto [first, last] = checked_offsets(in, from, count, column, "list");
    if (last > in.items->length)
      throw ColumnarError(column, fmt::format("its list offsets are out of range: they reach {}, past its {} items",
                                              last, in.items->length));
    check_elements(*in.items, first, last - first, column + " (items)");
  }
  if (in.dictionary) {
    const std::int64_t entries = in.dictionary->length;
    // With no nulls to step over, the smallest and largest index say it.
    if (!in.validity) {
      const bool inside = with_index_type(in.layout, [&](auto index) {
        using Index = decltype(index);
        Index low = std::numeric_limits<Index>::max(), high = std::numeric_limits<Index>::min();
        for (std::int64_t i = from; i < from + count; ++i) {
          const Index value = load<Index>(in.values, in.base + i);
          low = std::min(low, value);
          high = std::max(high, value);
        }
        return low >= 0 && static_cast<std::int64_t>(high) < entries;
      });
      if (inside) return;
    }
    for (std::int64_t i = from; i < from + count; ++i) {
      if (!in.valid(i)) continue;
      const std::int64_t index = in.index(i);
      if (index < 0 || index >= entries)
        throw ColumnarError(column, fmt::format("dictionary index {} at row {} is outside its dictionary of {} entries",
                                                index, i, entries));
    }
  }
}

// Validates `array` (of type `schema`) as read from `parent_offset` for
// `needed` elements, and describes it. Every check a consumer of the Arrow C
// Data Interface must make before trusting a pointer is here, so that a
// malformed batch is a ColumnarError naming `column` and never a bad read.
std::unique_ptr<InputArray> open_array(const ArrowSchema& schema, const ArrowArray& array, std::int64_t parent_offset,
                                       std::int64_t needed, const std::string& column) {
  if (!schema.release) throw ColumnarError(column, "its schema has been released (its release callback is null)");
  if (!array.release) throw ColumnarError(column, "its array has been released (its release callback is null)");
  if (!schema.format) throw ColumnarError(column, "its schema has no format");
  auto in = std::make_unique<InputArray>();
  in->format = schema.format;
  if (!parse_format(in->format, in->layout, in->scale))
    throw ColumnarError(column, fmt::format("its format `{}` is not a type Precept reads", in->format));
  if (schema.dictionary && !is_index_layout(in->layout))
    throw ColumnarError(column, fmt::format("it is dictionary-encoded with indices of format `{}`; indices must be "
                                            "`c`, `s`, `i` or `l`",
                                            in->format));
  if (array.length < 0) throw ColumnarError(column, fmt::format("its length is {}, below 0", array.length));
  if (array.offset < 0) throw ColumnarError(column, fmt::format("its offset is {}, below 0", array.offset));
  if (array.length - parent_offset < needed)
    throw ColumnarError(column, fmt::format("it has {} values, fewer than the {} its parent needs", array.length,
                                            needed + parent_offset));
  const std::int64_t want_buffers = buffers_needed(in->layout);
  if (array.n_buffers != want_buffers)
    throw ColumnarError(column, fmt::format("it has {} buffer{}; format `{}` has {}", array.n_buffers,
                                            array.n_buffers == 1 ? "" : "s", in->format, want_buffers));
  if (!array.buffers) throw ColumnarError(column, "its buffers pointer is null");
  in->base = array.offset + parent_offset;
  in->length = array.length - parent_offset;
  in->validity = static_cast<const std::uint8_t*>(array.buffers[0]);
  if (!in->validity && array.null_count != 0 && array.null_count != -1)
    throw ColumnarError(column, fmt::format("its null count is {} but it has no validity bitmap", array.null_count));
  // A null count of 0 says every element is valid (the specification lets a
  // producer keep a bitmap of ones all the same): no bitmap to read.
  if (array.null_count == 0) in->validity = nullptr;
  if (in->layout == Layout::Struct) return in;  // the batch itself: its caller checks the children
  in->values = array.buffers[1];
  if (is_text_layout(in->layout)) in->text_data = static_cast<const char*>(array.buffers[2]);
  if (in->layout == Layout::List) {
    if (schema.n_children != 1 || array.n_children != 1 || !schema.children || !array.children ||
        !schema.children[0] || !array.children[0])
      throw ColumnarError(column, "a list must have exactly one child (its items)");
    in->items = open_array(*schema.children[0], *array.children[0], 0, 0, column + " (items)");
  } else if (array.n_children != 0) {
    throw ColumnarError(column, fmt::format("it has {} children; format `{}` has none", array.n_children, in->format));
  }
  if (schema.dictionary) {
    if (!array.dictionary) throw ColumnarError(column, "its schema is dictionary-encoded but its array has no dictionary");
    // Every entry is read (mapped to a member once per batch).
    in->dictionary = open_array(*schema.dictionary, *array.dictionary, 0, array.dictionary->length,
                                column + " (dictionary)");
  }
  check_elements(*in, 0, needed, column);
  return in;
}

// --------------------------------------------------------------- values as text

// Arrow's decimal128, held whole (GCC and Clang's 128-bit integers; __extension__
// says so to -Wpedantic).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// `value` at `scale` (digits after the point) as a CSV cell would write it:
// no trailing zeros after the point, so a value the CSV path refuses for its
// decimals is shown as a person would type it.
std::string decimal_text(Int128 value, int scale) {
  const bool negative = value < 0;
  UInt128 magnitude = negative ? -static_cast<UInt128>(value) : static_cast<UInt128>(value);
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  for (int k = scale; k < 0; ++k) digits.insert(digits.begin(), '0');
  if (scale > 0) {
    while (static_cast<int>(digits.size()) <= scale) digits.push_back('0');
    std::string fraction(digits.begin(), digits.begin() + scale);
    std::reverse(fraction.begin(), fraction.end());
    digits.erase(0, static_cast<std::size_t>(scale));
    std::reverse(digits.begin(), digits.end());
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
    if (!fraction.empty()) digits += "." + fraction;
  } else {
    std::reverse(digits.begin(), digits.end());
  }
  return negative ? "-" + digits : digits;
}

Int128 load_decimal128(const void* values, std::int64_t position) {
  std::uint64_t words[2];
  std::memcpy(words, static_cast<const char*>(values) + position * 16, 16);
  // Arrow's decimal128 is a two's complement 128-bit integer in native (here
  // little-endian) byte order.
  return static_cast<Int128>((static_cast<UInt128>(words[1]) << 64) | words[0]);
}

// `value` at `scale` as an int64 at `target` scale, when exact and in range.
bool rescaled(Int128 value, int scale, int target, std::int64_t& out) {
  const int shift = target - scale;
  if (shift > 0) {
    for (int k = 0; k < shift; ++k) {
      if (value > (Int128{1} << 100) || value < -(Int128{1} << 100)) return false;
      value *= 10;
    }
  } else if (shift < 0) {
    for (int k = 0; k < -shift; ++k) {
      if (value % 10 != 0) return false;
      value /= 10;
    }
  }
  if (value > INT64_MAX || value < INT64_MIN) return false;
  out = static_cast<std::int64_t>(value);
  return true;
}

bool passes_check(const FieldDef& field, std::int64_t value) {
  return passes_field_check(field.check, value, field.check_value);
}

// Whether every one of `values` (n > 0 of them, from `lowest` to `highest`)
// passes the field's `where` check: an order bound needs only the extremes.
bool all_pass_check(const FieldDef& field, std::int64_t lowest, std::int64_t highest, const std::int64_t* values,
                    std::size_t n) {
  switch (field.check) {
    case FieldCheck::Lt:
    case FieldCheck::Le: return passes_check(field, highest);
    case FieldCheck::Gt:
    case FieldCheck::Ge: return passes_check(field, lowest);
    case FieldCheck::Eq: return lowest == highest && passes_check(field, lowest);
    case FieldCheck::Ne: {
      std::size_t equal = 0;
      for (std::size_t r = 0; r < n; ++r) equal += values[r] == field.check_value;
      return equal == 0;
    }
    case FieldCheck::None: break;
  }
  return true;
}

// 256 entries of 8 int64 each: the bits of a byte, least significant first,
// as bool values (a bitmap unpacked a byte at a time).
const std::array<std::array<std::int64_t, 8>, 256>& byte_bits() {
  static const auto table = [] {
    std::array<std::array<std::int64_t, 8>, 256> t{};
    for (int b = 0; b < 256; ++b)
      for (int k = 0; k < 8; ++k) t[b][k] = (b >> k) & 1;
    return t;
  }();
  return table;
}

// The byte of `bits` starting at bit `position` (any alignment).
inline std::uint8_t byte_at(const std::uint8_t* bits, std::int64_t position) {
  const std::int64_t at = position >> 3;
  const int shift = static_cast<int>(position & 7);
  if (shift == 0) return bits[at];
  return static_cast<std::uint8_t>((bits[at] >> shift) | (bits[at + 1] << (8 - shift)));
}

// True when elements [from, from + count) of `array` are all valid: its
// bitmap read 64 bits at a time between the odd bits at either end.
bool all_valid(const InputArray& array, std::int64_t from, std::int64_t count) {
  if (!array.validity) return true;
  std::int64_t at = array.base + from;
  const std::int64_t end = at + count;
  for (; at < end && (at & 7) != 0; ++at)
    if (!bit_at(array.validity, at)) return false;
  for (; at + 64 <= end; at += 64) {
    std::uint64_t word;
    std::memcpy(&word, array.validity + (at >> 3), 8);
    if (word != ~std::uint64_t{0}) return false;
  }
  for (; at < end; ++at)
    if (!bit_at(array.validity, at)) return false;
  return true;
}

// ------------------------------------------------------------------ output arrays
//
// Every output column of a row is null exactly where the row was rejected, so
// the rows' validity is one bitmap for the whole result (row_ok), packed once
// per chunk; a column gets a copy of it at the end, or no bitmap at all when
// nothing was rejected. Values are written column by column from the
// machine's registers, with the column's type looked at once per chunk.

inline void put_bit(std::uint8_t* bits, std::size_t at, bool value) {
  const auto mask = static_cast<std::uint8_t>(1u << (at & 7));
  if (value) bits[at >> 3] |= mask;
  else bits[at >> 3] &= static_cast<std::uint8_t>(~mask);
}

// Bits [at, at + n) of `bits` from flags[0, n) (each 0 or 1): eight at a time
// where the bit position is byte-aligned (as it is for every chunk after the
// first when chunks are a multiple of 8 rows).
void pack_bits(std::uint8_t* bits, std::size_t at, const std::uint8_t* flags, std::size_t n) {
  std::size_t r = 0;
  for (; r < n && ((at + r) & 7) != 0; ++r) put_bit(bits, at + r, flags[r]);
  for (; r + 8 <= n; r += 8) {
    std::uint64_t eight;
    std::memcpy(&eight, flags + r, 8);
    // Byte k's low bit lands on bit 56 + k, with no carries in between.
    bits[(at + r) >> 3] = static_cast<std::uint8_t>((eight * 0x0102040810204080ull) >> 56);
  }
  for (; r < n; ++r) put_bit(bits, at + r, flags[r]);
}

// A register's column of n values as an output's values: column[r] where
// ok[r] (every row when ok is null), else 0 (under a null). Whole-column
// loops, built also for x86-64-v3 (PRECEPT_COLUMN_CLONES).
PRECEPT_COLUMN_CLONES void write_decimal128(std::uint64_t* words, const std::int64_t* column, const std::uint8_t* ok,
                                            std::size_t n) {
  for (std::size_t r = 0; r < n; ++r) {
    const std::int64_t v = ok && !ok[r] ? 0 : column[r];
    words[2 * r] = static_cast<std::uint64_t>(v);
    words[2 * r + 1] = static_cast<std::uint64_t>(v >> 63);  // the sign, extended
  }
}
// Narrowed to int32; returns whether every value fits.
PRECEPT_COLUMN_CLONES bool write_int32(std::int32_t* narrow, const std::int64_t* column, const std::uint8_t* ok,
                                       std::size_t n) {
  std::int64_t low = 0, high = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const std::int64_t v = ok && !ok[r] ? 0 : column[r];
    low = v < low ? v : low;
    high = v > high ? v : high;
    narrow[r] = static_cast<std::int32_t>(v);
  }
  return low >= INT32_MIN && high <= INT32_MAX;
}
// As flags (1 for a true bool), to be packed into bits.
PRECEPT_COLUMN_CLONES void write_flags(std::uint8_t* flags, const std::int64_t* column, const std::uint8_t* ok,
                                       std::size_t n) {
  for (std::size_t r = 0; r < n; ++r) flags[r] = (ok ? ok[r] : 1) & (column[r] != 0);
}

// A bitmap of `rows` bits: a copy of `bits` with the bits of `cleared` rows off.
OwnedBuffer copied_bitmap(const OwnedBuffer& bits, std::size_t rows, const std::vector<std::size_t>& cleared) {
  OwnedBuffer copy;
  copy.resize_for_overwrite((rows + 7) / 8);
  std::memcpy(copy.data(), bits.data(), (rows + 7) / 8);
  for (const std::size_t row : cleared) put_bit(copy.data(), row, false);
  return copy;
}

// One output column (or a list's items) of scalar values.
struct ScalarOutput {
  ValueType type;  // a scalar type
  bool numbers_as_int64 = false;
  OwnedBuffer values;  // bits (bool), int64, decimal128, int32 (date, enum index)
  // Valid rows whose value the format cannot hold (a date beyond date32),
  // null in this column alone.
  std::vector<std::size_t> unfit_rows;

  std::size_t width() const {
    switch (type.kind) {
      case Kind::Bool: return 0;
      case Kind::Money:
      case Kind::Decimal: return numbers_as_int64 ? 8 : 16;
      case Kind::Date:
      case Kind::Enum: return 4;
      default: return 8;
    }
  }
  std::size_t bytes_for(std::size_t rows) const { return width() ? rows * width() : (rows + 7) / 8; }
  std::size_t capacity = 0;  // rows the buffer holds
  void reserve(std::size_t rows) {
    capacity = rows;
    // Bits are set one by one in a list's items (|=), so they start at zero;
    // other values are written whole.
    if (width() == 0) values.resize(bytes_for(rows));
    else values.resize_for_overwrite(bytes_for(rows));
  }
  void grow(std::size_t rows) {
    if (rows > capacity) reserve(std::max(rows, 2 * capacity));
  }
  // A list's items, from position `at` (items are never null: their bitmap is
  // not exported).
  void put_items(std::size_t at, const ListItems& items) {
    std::uint8_t* out = values.data();
    switch (type.kind) {
      case Kind::Bool:
        for (const std::int64_t value : items) {
          if (value) out[at >> 3] |= static_cast<std::uint8_t>(1u << (at & 7));
          ++at;
        }
        return;
      case Kind::Money:
      case Kind::Decimal:
        if (numbers_as_int64) break;
        for (const std::int64_t value : items) {
          const std::uint64_t words[2] = {static_cast<std::uint64_t>(value),
                                          static_cast<std::uint64_t>(value >> 63)};
          std::memcpy(out + at++ * 16, words, 16);
        }
        return;
      case Kind::Date:
      case Kind::Enum:
        // (A list's dates and enum indexes: the date of a table's row, within
        // date32's range as every date read is.)
        for (const std::int64_t value : items) {
          const auto narrow = static_cast<std::int32_t>(value);
          std::memcpy(out + at++ * 4, &narrow, 4);
        }
        return;
      default: break;
    }
    for (const std::int64_t value : items) std::memcpy(out + at++ * 8, &value, 8);
  }
  // Rows [start, start + n) at once from a register's column: column[r] where
  // ok[r] (every row when ok is null), else 0 (under a null).
  void put_column(std::size_t start, std::size_t n, const std::uint8_t* ok, const std::int64_t* column,
                  std::vector<std::uint8_t>& scratch) {
    const auto value = [ok, column](std::size_t r) { return ok && !ok[r] ? 0 : column[r]; };
    std::uint8_t* out = values.data();
    switch (type.kind) {
      case Kind::Bool:
        scratch.resize(n);
        write_flags(scratch.data(), column, ok, n);
        pack_bits(out, start, scratch.data(), n);
        return;
      case Kind::Money:
      case Kind::Decimal:
        if (numbers_as_int64) break;
        write_decimal128(reinterpret_cast<std::uint64_t*>(out) + 2 * start, column, ok, n);
        return;
      case Kind::Date:
      case Kind::Enum: {
        std::int32_t* narrow = reinterpret_cast<std::int32_t*>(out) + start;
        if (write_int32(narrow, column, ok, n)) return;
        // A date so far from 1970 that date32 cannot hold it (only absurd
        // date arithmetic makes one) is null rather than a wrong date.
        for (std::size_t r = 0; r < n; ++r)
          if (value(r) < INT32_MIN || value(r) > INT32_MAX) {
            narrow[r] = 0;
            unfit_rows.push_back(start + r);
          }
        return;
      }
      default: break;
    }
    std::int64_t* wide = reinterpret_cast<std::int64_t*>(out) + start;
    if (!ok) std::memcpy(wide, column, n * 8);
    else
      for (std::size_t r = 0; r < n; ++r) wide[r] = value(r);
  }
};

// One text column: offsets and bytes. Rows not written are empty (null where
// the column's validity says so), filled in lazily, so that a column of nulls
// (a reject column of a batch with no rejects) costs nothing per row.
struct TextOutput {
  OwnedBuffer offsets;  // int32
  OwnedBuffer bytes;
  std::size_t filled = 0;  // rows whose end offset is written

  void reserve(std::size_t rows) {
    offsets.resize_for_overwrite((rows + 1) * 4);
    const std::int32_t zero = 0;
    std::memcpy(offsets.data(), &zero, 4);
  }
  std::int32_t* ends() { return reinterpret_cast<std::int32_t*>(offsets.data()) + 1; }
  // Rows [filled, row) empty.
  void pad_to(std::size_t row) {
    if (row <= filled) return;
    std::fill(ends() + filled, ends() + row, static_cast<std::int32_t>(bytes.size()));
    filled = row;
  }
  static void check_size(std::size_t bytes) {
    if (bytes > static_cast<std::size_t>(INT32_MAX))
      throw std::length_error("a text result column of a columnar batch is over 2 GiB");
  }
  void put(std::size_t row, std::string_view text) {
    pad_to(row);
    check_size(bytes.size() + text.size());
    bytes.append(text.data(), text.size());
    ends()[row] = static_cast<std::int32_t>(bytes.size());
    filled = row + 1;
  }
};

// A text column that has its own nulls (the reject columns).
struct NullableText {
  TextOutput text;
  OwnedBuffer bits;  // zero: null
  std::size_t valid = 0;

  void reserve(std::size_t rows) {
    text.reserve(rows);
    bits.resize((rows + 7) / 8);
  }
  void put(std::size_t row, std::string_view value) {
    text.put(row, value);
    put_bit(bits.data(), row, true);
    ++valid;
  }
};

// A list output: offsets into its items.
struct ListOutput {
  OwnedBuffer offsets;  // int32
  ScalarOutput items;
  std::size_t count = 0;  // items so far

  void reserve(std::size_t rows) {
    offsets.resize_for_overwrite((rows + 1) * 4);
    const std::int32_t zero = 0;
    std::memcpy(offsets.data(), &zero, 4);
  }
};

std::string scalar_format(const ValueType& type, bool numbers_as_int64) {
  switch (type.kind) {
    case Kind::Bool: return "b";
    case Kind::Money: return numbers_as_int64 ? "l" : "d:38,2";
    case Kind::Decimal: return numbers_as_int64 ? "l" : "d:38,6";
    case Kind::Date: return "tdD";
    case Kind::Enum: return "i";
    default: return "l";
  }
}

// An array of `rows` rows whose validity is `bits` (`nulls` of them off; no
// bitmap exported when there are none).
OwnedArray with_validity(OwnedBuffer&& bits, std::size_t rows, std::size_t nulls) {
  OwnedArray array;
  array.length = static_cast<std::int64_t>(rows);
  array.null_count = static_cast<std::int64_t>(nulls);
  array.validity_absent = nulls == 0;
  array.buffers.push_back(std::move(bits));
  return array;
}

OwnedArray finish_text(TextOutput& text, OwnedArray&& array, std::size_t rows) {
  text.pad_to(rows);
  array.buffers.push_back(std::move(text.offsets));
  array.buffers.push_back(std::move(text.bytes));
  return array;
}

OwnedArray members_array(const EnumDef& def) {
  TextOutput text;
  text.reserve(def.members.size());
  for (std::size_t m = 0; m < def.members.size(); ++m) text.put(m, def.members[m]);
  return finish_text(text, with_validity(OwnedBuffer(), def.members.size(), 0), def.members.size());
}

OwnedSchema scalar_schema(const ValueType& type, bool numbers_as_int64, std::string name) {
  OwnedSchema schema;
  schema.format = scalar_format(type, numbers_as_int64);
  schema.name = std::move(name);
  schema.flags = ARROW_FLAG_NULLABLE;
  if (type.kind == Kind::Enum) {
    // The members in declaration order are the dictionary, so an index is the
    // member index of the typed API.
    schema.dictionary = std::make_unique<OwnedSchema>();
    schema.dictionary->format = "u";
    schema.dictionary->flags = ARROW_FLAG_NULLABLE;
  }
  return schema;
}

OwnedArray finish_scalar(const Program& program, ScalarOutput& out, OwnedArray&& array, std::size_t rows) {
  out.values.resize_for_overwrite(out.bytes_for(rows));
  array.buffers.push_back(std::move(out.values));
  if (out.type.kind == Kind::Enum)
    array.dictionary = std::make_unique<OwnedArray>(members_array(program.enums[out.type.enum_id]));
  return array;
}

}  // namespace

// ------------------------------------------------------------------ the evaluator

struct ColumnarEvaluator::Impl {
  Policy policy;
  ColumnarOptions options;
  const Program& program;
  std::size_t capacity;
  Batch batch;
  Machine machine;
  std::unordered_map<std::string_view, std::uint32_t> field_of;
  // Per field: whether any instruction reads it (a text field nobody reads,
  // such as a register's village kept for the summary, is not even viewed).
  std::vector<std::uint8_t> read_by_program;
  std::vector<std::uint8_t> failed;  // per row of the chunk: rejected while read
  std::vector<std::uint8_t> ok;      // per row of the chunk: has results
  std::vector<std::uint8_t> scratch;  // per row of the chunk: a bool output's values
  // Per text output, the bytes per row the last batch took: the next batch's
  // text buffer is made that large at once rather than grown (and copied).
  std::vector<std::size_t> text_bytes_per_row;
  // The same for list outputs' items (in items per row, rounded up).
  std::vector<std::size_t> list_items_per_row;
  // The result buffers' storage, given back as results are released.
  std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>();

  Impl(Policy p, ColumnarOptions o)
      : policy(std::move(p)),
        options(o),
        program(program_of(policy)),
        capacity(chunk_capacity(program)),
        machine(program, capacity) {
    batch.reset(program, capacity);
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) field_of.emplace(program.fields[f].name, f);
    text_bytes_per_row.assign(program.outputs.size(), 16);
    list_items_per_row.assign(program.outputs.size(), 1);
    read_by_program.assign(program.fields.size(), 0);
    for (const Instruction& ins : program.code)
      if ((ins.op == Opcode::LOAD_FIELD || ins.op == Opcode::LOAD_PRESENT || ins.op == Opcode::LOAD_TEXT ||
           ins.op == Opcode::LOAD_LIST) &&
          ins.b < program.fields.size())
        read_by_program[ins.b] = 1;
  }

  // A bound input column.
  struct Column {
    std::uint32_t field = 0;
    std::string name;
    std::unique_ptr<InputArray> array;
    // A dictionary-encoded enum (or a list's): per dictionary entry, its
    // member index, or -1 when it is not a member (or null).
    std::vector<std::int64_t> members;
    // An int64 column every value of which the batch may borrow as it is
    // (found once for the whole batch, reading the column in one stream).
    bool plain_throughout = false;
  };

  // Rejections found while reading, per row of the whole batch.
  struct ReadReject {
    std::size_t row;
    RejectKind kind;
    std::uint32_t field;
    std::string reason;
  };

  // ---------------------------------------------------------------- binding

  static bool kind_accepts(const FieldDef& field, const InputArray& array) {
    const Layout layout = array.layout;
    const auto enum_layout = [](const InputArray& a) {
      if (a.dictionary) return is_text_layout(a.dictionary->layout);
      return is_text_layout(a.layout);
    };
    // Text is read as the CSV cell it is, whatever the field's kind.
    if (is_text_layout(layout) && !array.dictionary) return true;
    switch (field.type.kind) {
      case Kind::Bool: return layout == Layout::Bool && !array.dictionary;
      case Kind::Int:
        return !array.dictionary && (layout == Layout::Int8 || layout == Layout::Int16 || layout == Layout::Int32 ||
                                     layout == Layout::Int64);
      case Kind::Money:
      case Kind::Decimal: return !array.dictionary && (layout == Layout::Int64 || layout == Layout::Decimal128);
      case Kind::Date: return layout == Layout::Date32 && !array.dictionary;
      case Kind::Enum: return enum_layout(array);
      case Kind::Text: return is_text_layout(layout) && !array.dictionary;
      case Kind::List: return layout == Layout::List && !array.dictionary && enum_layout(*array.items);
      default: return false;
    }
  }

  static const char* expected_formats(Kind kind) {
    switch (kind) {
      case Kind::Bool: return "`b`, or `u` cells";
      case Kind::Int: return "`l` (or `i`, `s`, `c`), or `u` cells";
      case Kind::Money: return "`l` (fen) or `d:P,2`, or `u` cells";
      case Kind::Decimal: return "`l` (millionths) or `d:P,6`, or `u` cells";
      case Kind::Date: return "`tdD` (date32), or `u` cells";
      case Kind::Enum: return "`u` or `U` (member names), or indices with a `u` dictionary of member names";
      case Kind::Text: return "`u` or `U`";
      case Kind::List: return "`+l` of member names (`u`, `U`, or dictionary-encoded), or `u` cells";
      default: return "none";
    }
  }

  // Per dictionary entry, the member it names (-1: none).
  std::vector<std::int64_t> map_dictionary(const EnumDef& def, const InputArray& dictionary) const {
    std::vector<std::int64_t> members(static_cast<std::size_t>(dictionary.length), -1);
    for (std::int64_t e = 0; e < dictionary.length; ++e) {
      if (!dictionary.valid(e)) continue;
      const std::string_view name = dictionary.text(e);
      for (std::size_t m = 0; m < def.members.size(); ++m)
        if (def.members[m] == name) {
          members[static_cast<std::size_t>(e)] = static_cast<std::int64_t>(m);
          break;
        }
    }
    return members;
  }

  std::vector<Column> bind(const ArrowSchema& schema, const ArrowArray& array, std::int64_t& rows) const {
    std::unique_ptr<InputArray> top = open_array(schema, array, 0, 0, "");
    if (top->layout != Layout::Struct)
      throw ColumnarError("", fmt::format("it must be a struct array (format `+s`), not `{}`", top->format));
    if (array.null_count > 0 || (array.null_count == -1 && !all_valid(*top, 0, array.length)))
      throw ColumnarError("", "its struct array has null rows; a record batch has none");
    if (schema.n_children != array.n_children)
      throw ColumnarError("", fmt::format("its schema has {} columns but its array has {}", schema.n_children,
                                          array.n_children));
    if (schema.n_children < 0 || (schema.n_children > 0 && (!schema.children || !array.children)))
      throw ColumnarError("", "its children pointers are null");
    rows = array.length;
    std::vector<Column> columns;
    std::vector<std::uint8_t> given(program.fields.size(), 0);
    std::unordered_map<std::string_view, int> seen;
    for (std::int64_t c = 0; c < schema.n_children; ++c) {
      const ArrowSchema* child_schema = schema.children[c];
      const ArrowArray* child_array = array.children[c];
      if (!child_schema || !child_array)
        throw ColumnarError("", fmt::format("its column {} is a null pointer", c));
      if (!child_schema->name || !*child_schema->name)
        throw ColumnarError("", fmt::format("its column {} has no name", c));
      std::string name = child_schema->name;
      if (!seen.emplace(child_schema->name, 1).second)
        throw ColumnarError(name, "the batch has two columns of this name");
      const auto field = field_of.find(name);
      if (field == field_of.end()) {
        if (options.allow_unknown_fields) continue;
        throw ColumnarError(name, "it is not a field of the policy's record (ColumnarOptions::allow_unknown_fields "
                                  "ignores such columns)");
      }
      Column column;
      column.field = field->second;
      column.array = open_array(*child_schema, *child_array, array.offset, array.length, name);
      const FieldDef& def = program.fields[column.field];
      if (!kind_accepts(def, *column.array))
        throw ColumnarError(name, fmt::format("field `{}` is {}; a column of format `{}`{} cannot carry it (give {})",
                                              def.name, kind_name(def.type.kind), column.array->format,
                                              column.array->dictionary ? " (dictionary-encoded)" : "",
                                              expected_formats(def.type.kind)));
      const InputArray& enum_array = column.array->layout == Layout::List ? *column.array->items : *column.array;
      if (enum_array.dictionary)
        column.members = map_dictionary(program.enums[def.type.enum_id], *enum_array.dictionary);
      column.name = std::move(name);
      given[column.field] = 1;
      columns.push_back(std::move(column));
    }
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) {
      const FieldDef& def = program.fields[f];
      if (!given[f] && !def.optional && !def.has_default && def.type.kind != Kind::List)
        throw ColumnarError(def.name, "the batch has no column for this field, which every record needs (it is "
                                      "neither optional nor has a default)");
    }
    return columns;
  }

  // ---------------------------------------------------------------- reading

  // Reads `text` as the CSV path reads a cell into row `row`; false (and the
  // rejection noted) when it rejects the row.
  bool read_text(std::uint32_t f, std::string_view text, std::size_t row, std::size_t batch_row,
                 std::vector<ReadReject>& rejects) {
    std::string reason;
    if (parse_field_value(program, f, text, batch.columns[f], row, reason)) return true;
    failed[row] = 1;
    rejects.push_back({batch_row, cell_reject_kind(program, f, text), f, std::move(reason)});
    return false;
  }

  // A scalar value read from a number column; accepts it, or reads its text.
  template <typename AsText>
  bool read_number(std::uint32_t f, std::int64_t value, std::size_t row, std::size_t batch_row,
                   std::vector<ReadReject>& rejects, const AsText& as_text) {
    const FieldDef& def = program.fields[f];
    const CellValueRange range = cell_value_range(def.type.kind);
    if (value >= range.low && value <= range.high && passes_check(def, value)) {
      batch.columns[f].scalars[row] = value;
      batch.columns[f].present[row] = 1;
      return true;
    }
    return read_text(f, as_text(), row, batch_row, rejects);
  }

  std::string scalar_text(const ValueType& type, std::int64_t value) const {
    std::string text;
    switch (type.kind) {
      case Kind::Int: append_int(text, value); break;
      case Kind::Money: append_money(text, value); break;
      case Kind::Decimal: append_decimal(text, value); break;
      case Kind::Date: append_date(text, value); break;
      default: append_int(text, value); break;
    }
    return text;
  }

  // Whether rows [start, start + n) of an int64 column of a number field can
  // be borrowed as they are: aligned, no nulls, every value within its kind's
  // limits and `where` bound (the smallest and the largest compared once).
  bool plain_values(const Column& column, std::int64_t start, std::size_t n) const {
    const InputArray& in = *column.array;
    const FieldDef& def = program.fields[column.field];
    const auto* values = static_cast<const std::int64_t*>(in.values) + in.base + start;
    if (reinterpret_cast<std::uintptr_t>(values) % alignof(std::int64_t) != 0 ||
        !all_valid(in, start, static_cast<std::int64_t>(n)))
      return false;
    if (n == 0) return true;
    std::int64_t lowest = 0, highest = 0;
    value_range(values, n, lowest, highest);
    const CellValueRange range = cell_value_range(def.type.kind);
    return lowest >= range.low && highest <= range.high && all_pass_check(def, lowest, highest, values, n);
  }

  // Whether all `rows` of `column` can be borrowed: found once for the whole
  // batch, reading each column in one long stream, so that no chunk checks again.
  bool borrowable(const Column& column, std::int64_t rows) const {
    const Kind kind = program.fields[column.field].type.kind;
    return column.array->layout == Layout::Int64 && (kind == Kind::Int || kind == Kind::Money || kind == Kind::Decimal) &&
           rows > 0 && plain_values(column, 0, static_cast<std::size_t>(rows));
  }

  // An int64 column of an int, money or decimal field, over rows [start,
  // start + n): borrowed in place when every value is plainly acceptable,
  // else copied value by value.
  void read_int64(const Column& column, std::int64_t start, std::size_t n, std::vector<ReadReject>& rejects) {
    const InputArray& in = *column.array;
    const FieldDef& def = program.fields[column.field];
    FieldColumn& out = batch.columns[column.field];
    const auto* values = static_cast<const std::int64_t*>(in.values) + in.base + start;
    const bool plain = column.plain_throughout || plain_values(column, start, n);
    if (plain) {
      out.borrowed_scalars = values;
      if (def.optional) std::fill_n(out.present.begin(), n, 1);
      return;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (failed[r]) continue;
      const std::int64_t i = start + static_cast<std::int64_t>(r);
      const std::size_t batch_row = static_cast<std::size_t>(i);
      if (!in.valid(i)) {
        read_text(column.field, "", r, batch_row, rejects);
        continue;
      }
      const std::int64_t value = load<std::int64_t>(in.values, in.base + i);
      read_number(column.field, value, r, batch_row, rejects, [&] { return scalar_text(def.type, value); });
    }
  }

  void read_column(const Column& column, std::int64_t start, std::size_t n, std::vector<ReadReject>& rejects) {
    const std::uint32_t f = column.field;
    const FieldDef& def = program.fields[f];
    const InputArray& in = *column.array;
    FieldColumn& out = batch.columns[f];
    out.borrowed_scalars = nullptr;
    // The chunk's validity looked at once: most columns have no nulls.
    const bool no_nulls = all_valid(in, start, static_cast<std::int64_t>(n));
    const auto each_row = [&](auto&& read) {
      for (std::size_t r = 0; r < n; ++r) {
        if (failed[r]) continue;
        const std::int64_t i = start + static_cast<std::int64_t>(r);
        if (!no_nulls && !in.valid(i)) read_text(f, "", r, static_cast<std::size_t>(i), rejects);
        else read(r, i);
      }
    };
    // A text column's element i, its offsets' width looked at once per chunk.
    const auto each_text = [&](auto&& read) {
      const auto rows = [&](auto offset) {
        using Offset = decltype(offset);
        each_row([&](std::size_t r, std::int64_t i) {
          const auto begin = static_cast<std::int64_t>(load<Offset>(in.values, in.base + i));
          const auto end = static_cast<std::int64_t>(load<Offset>(in.values, in.base + i + 1));
          read(r, i, std::string_view(in.text_data + begin, static_cast<std::size_t>(end - begin)));
        });
      };
      if (in.layout == Layout::LargeUtf8) rows(std::int64_t{});
      else rows(std::int32_t{});
    };
    // A text column of a field that is not text nor enum: each value is a
    // register's cell ("6157.78", "1", "2015-06-30", "a;b"), read by the CSV
    // path's own parser.
    if (is_text_layout(in.layout) && def.type.kind != Kind::Text && def.type.kind != Kind::Enum) {
      each_text([&](std::size_t r, std::int64_t i, std::string_view cell) {
        read_text(f, cell, r, static_cast<std::size_t>(i), rejects);
      });
      return;
    }
    switch (def.type.kind) {
      case Kind::Bool: {
        if (no_nulls) {
          const auto& table = byte_bits();
          const auto* bits = static_cast<const std::uint8_t*>(in.values);
          std::int64_t* scalars = out.scalars.data();
          std::size_t r = 0;
          for (; r + 8 <= n; r += 8)
            std::memcpy(scalars + r, table[byte_at(bits, in.base + start + static_cast<std::int64_t>(r))].data(), 64);
          for (; r < n; ++r) scalars[r] = bit_at(bits, in.base + start + static_cast<std::int64_t>(r));
          if (def.optional) std::fill_n(out.present.begin(), n, 1);
          return;
        }
        each_row([&](std::size_t r, std::int64_t i) {
          out.scalars[r] = bit_at(static_cast<const std::uint8_t*>(in.values), in.base + i);
          out.present[r] = 1;
        });
        return;
      }
      case Kind::Int:
      case Kind::Money:
      case Kind::Decimal:
        if (in.layout == Layout::Int64) return read_int64(column, start, n, rejects);
        if (in.layout == Layout::Decimal128) {
          const int target = def.type.kind == Kind::Money ? kMoneyScale : kDecimalScale;
          each_row([&](std::size_t r, std::int64_t i) {
            const Int128 raw = load_decimal128(in.values, in.base + i);
            std::int64_t value = 0;
            const auto as_text = [&] { return decimal_text(raw, in.scale); };
            if (rescaled(raw, in.scale, target, value))
              read_number(f, value, r, static_cast<std::size_t>(i), rejects, as_text);
            else
              read_text(f, as_text(), r, static_cast<std::size_t>(i), rejects);
          });
          return;
        }
        // A narrower int, widened.
        each_row([&](std::size_t r, std::int64_t i) {
          const std::int64_t value = in.index(i);
          read_number(f, value, r, static_cast<std::size_t>(i), rejects, [&] { return scalar_text(def.type, value); });
        });
        return;
      case Kind::Date: {
        const CellValueRange dates = cell_value_range(Kind::Date);
        each_row([&](std::size_t r, std::int64_t i) {
          const std::int64_t days = load<std::int32_t>(in.values, in.base + i);
          if (days >= dates.low && days <= dates.high && passes_check(def, days)) {
            out.scalars[r] = days;
            out.present[r] = 1;
          } else {
            read_text(f, scalar_text(def.type, days), r, static_cast<std::size_t>(i), rejects);
          }
        });
        return;
      }
      case Kind::Enum:
        if (in.dictionary) {
          with_index_type(in.layout, [&](auto index) {
            using Index = decltype(index);
            each_row([&](std::size_t r, std::int64_t i) {
              const auto entry = static_cast<std::int64_t>(load<Index>(in.values, in.base + i));
              const std::int64_t member = column.members[static_cast<std::size_t>(entry)];
              if (member >= 0) {
                out.scalars[r] = member;
                out.present[r] = 1;
              } else {
                const std::string_view name = in.dictionary->valid(entry) ? in.dictionary->text(entry) : "";
                read_text(f, name, r, static_cast<std::size_t>(i), rejects);
              }
            });
          });
          return;
        }
        each_text([&](std::size_t r, std::int64_t i, std::string_view name) {
          read_text(f, name, r, static_cast<std::size_t>(i), rejects);
        });
        return;
      case Kind::Text:
        if (!read_by_program[f]) return;  // never looked at: nothing to view, and a text is never refused
        each_text([&](std::size_t r, std::int64_t i, std::string_view text) {
          if (text.empty()) {
            read_text(f, text, r, static_cast<std::size_t>(i), rejects);
            return;
          }
          out.texts[r] = text;
          out.present[r] = 1;
        });
        return;
      case Kind::List:
        each_row([&](std::size_t r, std::int64_t i) { read_list(column, r, i, rejects); });
        return;
      default: return;
    }
  }

  void read_list(const Column& column, std::size_t r, std::int64_t i, std::vector<ReadReject>& rejects) {
    const std::uint32_t f = column.field;
    const InputArray& list = *column.array;
    const InputArray& items = *list.items;
    const EnumDef& def = program.enums[program.fields[f].type.enum_id];
    auto& out = batch.columns[f].lists[r];
    out.clear();
    batch.columns[f].present[r] = 1;
    const auto [begin, end] = list.item_range(i);
    for (std::int64_t k = begin; k < end; ++k) {
      std::int64_t member = -1;
      std::string_view name;
      if (items.valid(k)) {
        if (items.dictionary) {
          const std::int64_t entry = items.index(k);
          member = column.members[static_cast<std::size_t>(entry)];
          if (items.dictionary->valid(entry)) name = items.dictionary->text(entry);
        } else {
          name = items.text(k);
          for (std::size_t m = 0; m < def.members.size(); ++m)
            if (def.members[m] == name) member = static_cast<std::int64_t>(m);
        }
      }
      if (member < 0) {
        failed[r] = 1;
        rejects.push_back({static_cast<std::size_t>(i), RejectKind::ValueUnreadable, f, list_item_problem(program, f, name)});
        return;
      }
      out.push_back(member);
    }
  }

  // Fields the batch has no column for (optional, or with a default): empty.
  void read_absent(const std::vector<std::uint8_t>& given, std::size_t n) {
    std::string reason;
    for (std::uint32_t f = 0; f < program.fields.size(); ++f) {
      if (given[f]) continue;
      batch.columns[f].borrowed_scalars = nullptr;
      for (std::size_t r = 0; r < n; ++r) parse_field_value(program, f, "", batch.columns[f], r, reason);
    }
  }

  // ---------------------------------------------------------------- the call

  ColumnarReport evaluate(const ArrowSchema& schema, const ArrowArray& array, ArrowSchema* out_schema,
                          ArrowArray* out_array) {
    if (!out_schema || !out_array) throw ColumnarError("", "the pointers given for the result are null");
    const PoolScope scope(pool);
    std::int64_t total = 0;
    std::vector<Column> columns = bind(schema, array, total);
    for (Column& column : columns) column.plain_throughout = borrowable(column, total);
    std::vector<std::uint8_t> given(program.fields.size(), 0);
    for (const Column& column : columns) given[column.field] = 1;
    const auto rows = static_cast<std::size_t>(total);

    // The results, filled chunk by chunk.
    const std::size_t noutputs = program.outputs.size();
    std::vector<ScalarOutput> scalars(noutputs);
    std::vector<TextOutput> texts(noutputs);
    std::vector<ListOutput> lists(noutputs);
    for (std::size_t o = 0; o < noutputs; ++o) {
      const ValueType& type = program.outputs[o].type;
      if (type.kind == Kind::Text) {
        texts[o].reserve(rows);
        texts[o].bytes.reserve(rows * text_bytes_per_row[o]);
      } else if (type.kind == Kind::List) {
        lists[o].reserve(rows);
        lists[o].items.type = element_of(type);
        lists[o].items.numbers_as_int64 = options.numbers_as_int64;
        lists[o].items.reserve(rows * list_items_per_row[o]);
      } else {
        scalars[o].type = type;
        scalars[o].numbers_as_int64 = options.numbers_as_int64;
        scalars[o].reserve(rows);
      }
    }
    OwnedBuffer row_ok;  // the rows with results
    row_ok.resize((rows + 7) / 8);
    NullableText reject_kind, reject_column, reject_message;
    for (NullableText* t : {&reject_kind, &reject_column, &reject_message}) t->reserve(rows);

    ColumnarReport report;
    report.rows = total;
    std::vector<ReadReject> rejects;
    std::vector<std::uint8_t> text_fields_read(program.fields.size(), 0);
    for (std::uint32_t f = 0; f < program.fields.size(); ++f)
      text_fields_read[f] = program.fields[f].type.kind == Kind::Text && read_by_program[f];
    for (std::size_t start = 0; start < rows; start += capacity) {
      const std::size_t n = std::min(capacity, rows - start);
      failed.assign(n, 0);
      rejects.clear();
      for (const Column& column : columns) read_column(column, static_cast<std::int64_t>(start), n, rejects);
      read_absent(given, n);
      // Found column by column; collect() takes them row by row (one per row at most).
      std::sort(rejects.begin(), rejects.end(),
                [](const ReadReject& a, const ReadReject& b) { return a.row < b.row; });
      // A rejected row is evaluated with the rest (its results are dropped):
      // its texts must not keep views of an earlier batch's memory.
      if (!rejects.empty())
        for (std::size_t r = 0; r < n; ++r)
          if (failed[r])
            for (std::uint32_t f = 0; f < program.fields.size(); ++f)
              if (text_fields_read[f] && given[f]) batch.columns[f].texts[r] = {};
      batch.rows = n;
      for (std::size_t r = 0; r < n; ++r) batch.lines[r] = start + r + 1;
      machine.run(batch);
      collect(start, n, rejects, scalars, texts, lists, row_ok, reject_kind, reject_column, reject_message, report);
    }
    for (FieldColumn& column : batch.columns) column.borrowed_scalars = nullptr;
    for (std::size_t o = 0; o < noutputs; ++o)
      if (rows > 0) {
        text_bytes_per_row[o] = texts[o].bytes.size() / rows + 1;
        list_items_per_row[o] = lists[o].count / rows + 1;
      }

    // Every output is null where its row was rejected.
    const auto rejected = static_cast<std::size_t>(report.rejected);
    const auto output_validity = [&](const std::vector<std::size_t>& unfit) {
      if (rejected == 0 && unfit.empty()) return with_validity(OwnedBuffer(), rows, 0);
      return with_validity(copied_bitmap(row_ok, rows, unfit), rows, rejected + unfit.size());
    };
    const std::vector<std::size_t> none;
    OwnedSchema result_schema;
    result_schema.format = "+s";
    OwnedArray result;
    result.length = total;
    result.validity_absent = true;
    result.buffers.emplace_back();
    for (std::size_t o = 0; o < noutputs; ++o) {
      const OutputDef& def = program.outputs[o];
      if (def.type.kind == Kind::Text) {
        OwnedSchema child;
        child.format = "u";
        child.name = def.name;
        child.flags = ARROW_FLAG_NULLABLE;
        result_schema.children.push_back(std::move(child));
        result.children.push_back(finish_text(texts[o], output_validity(none), rows));
      } else if (def.type.kind == Kind::List) {
        OwnedSchema child;
        child.format = "+l";
        child.name = def.name;
        child.flags = ARROW_FLAG_NULLABLE;
        child.children.push_back(scalar_schema(element_of(def.type), options.numbers_as_int64, "item"));
        result_schema.children.push_back(std::move(child));
        ListOutput& list = lists[o];
        OwnedArray list_array = output_validity(none);
        list_array.buffers.push_back(std::move(list.offsets));
        list_array.children.push_back(
            finish_scalar(program, list.items, with_validity(OwnedBuffer(), list.count, 0), list.count));
        result.children.push_back(std::move(list_array));
      } else {
        result_schema.children.push_back(scalar_schema(def.type, options.numbers_as_int64, def.name));
        result.children.push_back(finish_scalar(program, scalars[o], output_validity(scalars[o].unfit_rows), rows));
      }
    }
    for (auto& [name, text] : {std::pair<const char*, NullableText*>{"reject_kind", &reject_kind},
                               {"reject_column", &reject_column},
                               {"reject_message", &reject_message}}) {
      OwnedSchema child;
      child.format = "u";
      child.name = name;
      child.flags = ARROW_FLAG_NULLABLE;
      result_schema.children.push_back(std::move(child));
      result.children.push_back(finish_text(text->text, with_validity(std::move(text->bits), rows, rows - text->valid),
                                            rows));
    }
    ArrowArray exported_array{};
    export_array(std::move(result), &exported_array);
    try {
      export_schema(std::move(result_schema), out_schema);
    } catch (...) {
      exported_array.release(&exported_array);
      throw;
    }
    *out_array = exported_array;
    return report;
  }

  // A text output's rows [start, start + n) from register `reg`: the offsets
  // first, then the bytes copied in runs (the texts of consecutive rows are
  // usually consecutive in memory, as a column of the caller's utf8 is).
  void put_texts(TextOutput& text, std::size_t start, std::size_t n, std::uint32_t reg, bool all_ok) {
    text.pad_to(start);
    std::int32_t* ends = text.ends() + start;
    std::size_t end = text.bytes.size();
    const std::size_t first = end;
    for (std::size_t r = 0; r < n; ++r) {
      if (all_ok || ok[r]) end += machine.text(reg, r).size();
      ends[r] = static_cast<std::int32_t>(end);  // checked below, before anyone reads it
    }
    TextOutput::check_size(end);
    text.filled = start + n;
    text.bytes.resize_for_overwrite(end);
    char* out = reinterpret_cast<char*>(text.bytes.data()) + first;
    const char* run = nullptr;
    std::size_t run_size = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (!all_ok && !ok[r]) continue;
      const std::string_view value = machine.text(reg, r);
      if (value.empty()) continue;
      if (value.data() == run + run_size) {
        run_size += value.size();
        continue;
      }
      if (run_size) std::memcpy(out, run, run_size);
      out += run_size;
      run = value.data();
      run_size = value.size();
    }
    if (run_size) std::memcpy(out, run, run_size);
  }

  // A list output's rows [start, start + n) from register `reg`: a list of
  // enum (the common kind) straight into its int32 indices, other kinds
  // through put_items.
  void put_lists(ListOutput& list, std::size_t start, std::size_t n, std::uint32_t reg, bool all_ok) {
    std::int32_t* ends = reinterpret_cast<std::int32_t*>(list.offsets.data()) + 1 + start;
    const bool indices = list.items.type.kind == Kind::Enum;
    std::size_t count = list.count;
    const ListColumn& column = machine.list_column(reg);
    for (std::size_t r = 0; r < n; ++r) {
      if (all_ok || ok[r]) {
        const ListItems items = column[r];
        list.items.grow(count + items.size());
        if (indices) {
          std::int32_t* out = reinterpret_cast<std::int32_t*>(list.items.values.data()) + count;
          for (const std::int64_t item : items) *out++ = static_cast<std::int32_t>(item);
        } else {
          list.items.put_items(count, items);
        }
        count += items.size();
      }
      ends[r] = static_cast<std::int32_t>(count);  // checked below, before anyone reads it
    }
    if (count > static_cast<std::size_t>(INT32_MAX))
      throw std::length_error("a list result column of a columnar batch has over 2^31 items");
    list.count = count;
  }

  // The chunk's results into the output columns, column by column (each
  // column's type looked at once per chunk, not once per value).
  void collect(std::size_t start, std::size_t n, std::vector<ReadReject>& rejects, std::vector<ScalarOutput>& scalars,
               std::vector<TextOutput>& texts, std::vector<ListOutput>& lists, OwnedBuffer& row_ok,
               NullableText& reject_kind, NullableText& reject_column, NullableText& reject_message,
               ColumnarReport& report) {
    ok.resize(n);
    std::size_t rejected = 0;
    for (std::size_t r = 0; r < n; ++r) {
      ok[r] = !failed[r] && machine.error(r) == RowError::None;
      rejected += !ok[r];
    }
    pack_bits(row_ok.data(), start, ok.data(), n);
    const bool all_ok = rejected == 0;
    for (std::size_t o = 0; o < program.outputs.size(); ++o) {
      const OutputDef& def = program.outputs[o];
      if (def.type.kind == Kind::Text) put_texts(texts[o], start, n, def.reg, all_ok);
      else if (def.type.kind == Kind::List) put_lists(lists[o], start, n, def.reg, all_ok);
      else scalars[o].put_column(start, n, all_ok ? nullptr : ok.data(), machine.scalar_column(def.reg), scratch);
    }
    report.evaluated += static_cast<std::int64_t>(n - rejected);
    report.rejected += static_cast<std::int64_t>(rejected);
    if (all_ok) return;  // the reject columns' nulls are filled in lazily
    std::size_t next_reject = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t row = start + r;
      if (ok[r]) {
        if (failed[r]) ++next_reject;
        continue;
      }
      RejectKind kind;
      std::string column, message;
      if (failed[r]) {
        ReadReject& reject = rejects[next_reject++];
        kind = reject.kind;
        column = program.fields[reject.field].name;
        message = std::move(reject.reason);
      } else {
        Rejection rejection = machine_rejection(program, machine, r);
        kind = rejection.kind;
        column = std::move(rejection.column);
        message = std::move(rejection.message);
      }
      reject_kind.put(row, reject_kind_name(kind));
      if (!column.empty()) reject_column.put(row, column);
      reject_message.put(row, message);
    }
  }
};

ColumnarEvaluator::ColumnarEvaluator(Policy policy, ColumnarOptions options)
    : impl_(std::make_unique<Impl>(std::move(policy), options)) {}
ColumnarEvaluator::~ColumnarEvaluator() = default;
ColumnarEvaluator::ColumnarEvaluator(ColumnarEvaluator&&) noexcept = default;
ColumnarEvaluator& ColumnarEvaluator::operator=(ColumnarEvaluator&&) noexcept = default;

const Policy& ColumnarEvaluator::policy() const { return impl_->policy; }

ColumnarReport ColumnarEvaluator::evaluate(const ArrowSchema& schema, const ArrowArray& batch,
                                           ArrowSchema* out_schema, ArrowArray* out_array) {
  return impl_->evaluate(schema, batch, out_schema, out_array);
}

}  // namespace precept

