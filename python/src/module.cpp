// precept._precept: the Python extension over Precept's public library
// (include/precept/ only). It converts between Python's values and the
// library's (precept/schema.hpp: money as int64 fen, decimals as int64
// millionths, dates as days since 1970-01-01), builds Arrow columns from numpy
// buffers for ColumnarEvaluator, and hands results back as numpy arrays and
// Python objects. The Pythonic API (exceptions, dataclasses, DataFrames) is
// precept/__init__.py, over this module.
#include <precept/precept.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <map>
#include <thread>
#include <unordered_map>
#include <vector>

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// ------------------------------------------------------------------ values as text

// A count of fen (scale 2) or millionths (scale 6) as the results CSV writes it.
std::string scaled_text(std::int64_t value, int scale) {
  const bool negative = value < 0;
  // The magnitude as unsigned, so that INT64_MIN has one.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::uint64_t unit = 1;
  for (int k = 0; k < scale; ++k) unit *= 10;
  std::string fraction = std::to_string(magnitude % unit);
  fraction.insert(0, static_cast<std::size_t>(scale) - fraction.size(), '0');
  return (negative ? "-" : "") + std::to_string(magnitude / unit) + "." + fraction;
}

// Days since 1970-01-01 as YYYY-MM-DD (Howard Hinnant's civil_from_days).
std::string date_text(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2);
  char buffer[64];  // room for any int64 year, month and day: no truncation
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lld", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day));
  return buffer;
}

// A double as the shortest decimal that reads back as the same double, in
// fixed notation ("0.30000000000000004", "2736", "1e+20" never): so a float
// is exact in fen exactly when this has at most two decimals, and the CSV
// parser refuses it otherwise, with its own words.
std::string float_text(double value) {
  char buffer[400];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  if (error != std::errc()) return "not a number";
  return std::string(buffer, end);
}

// ------------------------------------------------------------------ Python objects

struct PythonTypes {
  py::object decimal, date, datetime;
};
const PythonTypes& python_types() {
  static const PythonTypes* types = [] {
    auto* t = new PythonTypes();
    t->decimal = py::module_::import("decimal").attr("Decimal");
    py::module_ datetime = py::module_::import("datetime");
    t->date = datetime.attr("date");
    t->datetime = datetime.attr("datetime");
    return t;
  }();
  return *types;
}

bool is_missing(PyObject* o) {
  if (o == Py_None) return true;
  if (PyFloat_Check(o)) return std::isnan(PyFloat_AS_DOUBLE(o));
  // pandas' NA and NaT, numpy's NaT: missing values of their own types.
  const char* type = Py_TYPE(o)->tp_name;
  return std::strcmp(type, "NAType") == 0 || std::strcmp(type, "NaTType") == 0;
}

std::string str_of(PyObject* o) { return py::str(py::handle(o)).cast<std::string>(); }

// One Python value as a register's cell for a field of `kind` ("" when
// missing). Integers in a money (decimal) column are fen (millionths) when
// `ints_scaled`, else yuan (whole units), as a policy writes `6000 yuan`.
std::optional<std::string> cell_of(PyObject* o, precept::ValueKind kind, bool ints_scaled) {
  using precept::ValueKind;
  if (is_missing(o)) return std::nullopt;
  if (PyUnicode_Check(o)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(o, &size);
    if (!data) throw py::error_already_set();
    return std::string(data, static_cast<std::size_t>(size));
  }
  if (PyBool_Check(o)) return std::string(o == Py_True ? "1" : "0");
  if (PyFloat_Check(o)) return float_text(PyFloat_AS_DOUBLE(o));
  if (std::strcmp(Py_TYPE(o)->tp_name, "numpy.bool_") == 0) return std::string(PyObject_IsTrue(o) ? "1" : "0");
  // int, and numpy's integers (anything with __index__).
  if (PyLong_Check(o) || PyIndex_Check(o)) {
    const py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!index) throw py::error_already_set();
    if (ints_scaled && (kind == ValueKind::Money || kind == ValueKind::Decimal)) {
      int overflow = 0;
      const long long value = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
      if (!overflow) return scaled_text(value, kind == ValueKind::Money ? 2 : 6);
    }
    return str_of(index.ptr());
  }
  const PythonTypes& types = python_types();
  if (PyObject_IsInstance(o, types.decimal.ptr()) == 1) {
    py::handle value(o);
    if (value.attr("is_nan")().cast<bool>()) return std::nullopt;
    return py::reinterpret_steal<py::str>(PyObject_Format(o, py::str("f").ptr())).cast<std::string>();
  }
  if (PyObject_IsInstance(o, types.datetime.ptr()) == 1) {
    py::handle value(o);
    // A timestamp at midnight is the date it falls on; any other time is not a date.
    if (value.attr("hour").cast<int>() == 0 && value.attr("minute").cast<int>() == 0 &&
        value.attr("second").cast<int>() == 0 && value.attr("microsecond").cast<int>() == 0)
      return value.attr("date")().attr("isoformat")().cast<std::string>();
    return str_of(o);
  }
  if (PyObject_IsInstance(o, types.date.ptr()) == 1) return py::handle(o).attr("isoformat")().cast<std::string>();
  if (PyList_Check(o) || PyTuple_Check(o)) {
    std::string cell;
    py::sequence items = py::reinterpret_borrow<py::sequence>(o);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i) cell += ';';
      cell += str_of(items[i].ptr());
    }
    return cell;
  }
  return str_of(o);
}

// ------------------------------------------------------------------ input columns as Arrow

void release_nothing_schema(ArrowSchema* s) { s->release = nullptr; }
void release_nothing_array(ArrowArray* a) { a->release = nullptr; }

// One input column, owned here for the length of one evaluation (the library
// never keeps the input): its buffers are either the caller's numpy buffer,
// kept alive by `keep`, or vectors of its own.
struct InColumn {
  std::string name;
  std::string format;
  py::object keep;
  std::int64_t length = 0;
  std::vector<std::int64_t> ints;
  std::vector<std::int32_t> days;
  std::vector<std::uint8_t> bits;
  std::vector<std::uint8_t> validity;
  std::int64_t nulls = 0;
  std::vector<std::int32_t> offsets;
  std::string bytes;
  const void* values = nullptr;
  const void* buffers[3] = {nullptr, nullptr, nullptr};
  ArrowSchema schema{};
  ArrowArray array{};

  void null_at(std::int64_t row) {
    if (validity.empty()) validity.assign(static_cast<std::size_t>((length + 7) / 8), 0xFF);
    validity[static_cast<std::size_t>(row >> 3)] &= static_cast<std::uint8_t>(~(1u << (row & 7)));
    ++nulls;
  }
  void begin_text() {
    format = "u";
    offsets.assign(1, 0);
    offsets.reserve(static_cast<std::size_t>(length) + 1);
  }
  void add_text(std::string_view text) {
    bytes += text;
    if (bytes.size() > static_cast<std::size_t>(INT32_MAX))
      throw std::length_error("column `" + name + "` holds over 2 GiB of text");
    offsets.push_back(static_cast<std::int32_t>(bytes.size()));
  }
  void add_cell(std::int64_t row, const std::optional<std::string>& cell) {
    if (!cell) null_at(row);
    add_text(cell ? std::string_view(*cell) : std::string_view());
  }
  // Row `row` as a register's cell ("" when null), whatever the layout.
  std::string cell(std::int64_t row, precept::ValueKind kind) const {
    if (!validity.empty() && !((validity[static_cast<std::size_t>(row >> 3)] >> (row & 7)) & 1)) return {};
    const auto at = static_cast<std::size_t>(row);
    if (format == "u") return bytes.substr(static_cast<std::size_t>(offsets[at]),
                                           static_cast<std::size_t>(offsets[at + 1] - offsets[at]));
    if (format == "b") return ((bits[at >> 3] >> (row & 7)) & 1) ? "1" : "0";
    if (format == "tdD") return date_text(days[at]);
    const std::int64_t value = static_cast<const std::int64_t*>(values)[at];
    if (kind == precept::ValueKind::Money) return scaled_text(value, 2);
    if (kind == precept::ValueKind::Decimal) return scaled_text(value, 6);
    return std::to_string(value);
  }
  void finish() {
    schema.format = format.c_str();
    schema.name = name.c_str();
    schema.flags = ARROW_FLAG_NULLABLE;
    schema.release = release_nothing_schema;
    array.length = length;
    array.null_count = nulls;
    buffers[0] = validity.empty() ? nullptr : validity.data();
    if (format == "u") {
      array.n_buffers = 3;
      buffers[1] = offsets.data();
      buffers[2] = bytes.data();
    } else {
      array.n_buffers = 2;
      buffers[1] = values;
    }
    array.buffers = buffers;
    array.release = release_nothing_array;
  }
};

// A numpy array of int64 (or anything numpy casts to it).
using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// Builds the Arrow column of `values` (a numpy array; `tag` says what it
// holds: "int", "float", "bool", "days" (datetime64 as int64 days, NaT as
// INT64_MIN) or "object") for a field of `kind`.
void build_column(InColumn& column, const std::string& tag, const py::array& values, precept::ValueKind kind,
                  bool ints_scaled) {
  using precept::ValueKind;
  column.length = static_cast<std::int64_t>(values.size());
  const std::int64_t n = column.length;
  const auto as_text = [&](auto&& cell) {
    column.begin_text();
    for (std::int64_t r = 0; r < n; ++r) column.add_cell(r, cell(r));
  };
  if (tag == "int") {
    Int64Array ints = Int64Array::ensure(values);
    if (!ints) throw py::error_already_set();
    column.keep = ints;
    const std::int64_t* data = ints.data();
    const bool number = kind == ValueKind::Int || kind == ValueKind::Money || kind == ValueKind::Decimal;
    if (!number) {
      as_text([&](std::int64_t r) { return std::optional<std::string>(std::to_string(data[r])); });
      return;
    }
    column.format = "l";
    if (kind == ValueKind::Int || ints_scaled) {
      column.values = data;  // read in place
      return;
    }
    // Whole yuan (or whole units of a decimal): scaled here; a value too
    // large to scale is given as its text, which the parser refuses in words.
    const std::int64_t unit = kind == ValueKind::Money ? 100 : 1000000;
    const std::int64_t limit = INT64_MAX / unit;
    if (std::all_of(data, data + n, [&](std::int64_t v) { return v <= limit && v >= -limit; })) {
      column.ints.resize(static_cast<std::size_t>(n));
      for (std::int64_t r = 0; r < n; ++r) column.ints[static_cast<std::size_t>(r)] = data[r] * unit;
      column.values = column.ints.data();
      return;
    }
    as_text([&](std::int64_t r) { return std::optional<std::string>(std::to_string(data[r])); });
    return;
  }
  if (tag == "float") {
    auto floats = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!floats) throw py::error_already_set();
    const double* data = floats.data();
    as_text([&](std::int64_t r) -> std::optional<std::string> {
      if (std::isnan(data[r])) return std::nullopt;
      return float_text(data[r]);
    });
    return;
  }
  if (tag == "bool") {
    auto flags = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!flags) throw py::error_already_set();
    const bool* data = flags.data();
    if (kind != ValueKind::Bool) {
      as_text([&](std::int64_t r) { return std::optional<std::string>(data[r] ? "1" : "0"); });
      return;
    }
    column.format = "b";
    column.bits.assign(static_cast<std::size_t>((n + 7) / 8), 0);
    for (std::int64_t r = 0; r < n; ++r)
      if (data[r]) column.bits[static_cast<std::size_t>(r >> 3)] |= static_cast<std::uint8_t>(1u << (r & 7));
    column.values = column.bits.data();
    return;
  }
  if (tag == "days") {
    Int64Array days = Int64Array::ensure(values);
    if (!days) throw py::error_already_set();
    const std::int64_t* data = days.data();
    const auto missing = [&](std::int64_t r) { return data[r] == INT64_MIN; };
    if (kind != ValueKind::Date ||
        !std::all_of(data, data + n, [](std::int64_t d) { return d == INT64_MIN || (d >= INT32_MIN && d <= INT32_MAX); })) {
      as_text([&](std::int64_t r) -> std::optional<std::string> {
        if (missing(r)) return std::nullopt;
        return date_text(data[r]);
      });
      return;
    }
    column.format = "tdD";
    column.days.resize(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
      if (missing(r)) column.null_at(r);
      column.days[static_cast<std::size_t>(r)] = missing(r) ? 0 : static_cast<std::int32_t>(data[r]);
    }
    column.values = column.days.data();
    return;
  }
  // Objects: str, Decimal, int, float, bool, date, list, None, NaN, pandas' NA.
  if (values.dtype().kind() != 'O') throw std::invalid_argument("column `" + column.name + "` is not of objects");
  column.keep = values;
  PyObject* const* data = static_cast<PyObject* const*>(values.data());
  column.begin_text();
  for (std::int64_t r = 0; r < n; ++r) {
    // A str, the usual cell, is copied straight from its UTF-8.
    if (PyUnicode_Check(data[r])) {
      Py_ssize_t size = 0;
      const char* utf8 = PyUnicode_AsUTF8AndSize(data[r], &size);
      if (!utf8) throw py::error_already_set();
      column.add_text(std::string_view(utf8, static_cast<std::size_t>(size)));
    } else {
      column.add_cell(r, cell_of(data[r], kind, ints_scaled));
    }
  }
}

// ------------------------------------------------------------------ results back to Python

// The library's release, on every exit path.
struct OwnedResult {
  ArrowSchema schema{};
  ArrowArray array{};
  ~OwnedResult() {
    if (array.release) array.release(&array);
    if (schema.release) schema.release(&schema);
  }
};

template <typename T>
T load_at(const void* buffer, std::int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char*>(buffer) + index * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
  return value;
}
bool bit(const void* bits, std::int64_t index) {
  return (static_cast<const std::uint8_t*>(bits)[index >> 3] >> (index & 7)) & 1;
}
bool valid_at(const ArrowArray& a, std::int64_t row) {
  return !a.buffers[0] || bit(a.buffers[0], a.offset + row);
}
std::string_view text_at(const ArrowArray& a, std::int64_t row) {
  const std::int32_t begin = load_at<std::int32_t>(a.buffers[1], a.offset + row);
  const std::int32_t end = load_at<std::int32_t>(a.buffers[1], a.offset + row + 1);
  return {static_cast<const char*>(a.buffers[2]) + begin, static_cast<std::size_t>(end - begin)};
}
py::str py_text(std::string_view text) { return py::str(text.data(), text.size()); }

// A Decimal of `value` at `scale`, from its text (exact, and its str() is
// what the results CSV writes).
py::object decimal_of(std::int64_t value, int scale) {
  return python_types().decimal(scaled_text(value, scale));
}

// One scalar item of a list output, as a Python value.
py::object item_value(precept::ValueKind kind, std::int64_t value, bool money_fen) {
  using precept::ValueKind;
  switch (kind) {
    case ValueKind::Bool: return py::bool_(value != 0);
    case ValueKind::Money: return money_fen ? py::object(py::int_(value)) : decimal_of(value, 2);
    case ValueKind::Decimal: return money_fen ? py::object(py::int_(value)) : decimal_of(value, 6);
    case ValueKind::Date: {
      return python_types().date.attr("fromordinal")(value + 719163);
    }
    default: return py::int_(value);
  }
}

// One output column of the whole input, filled slice by slice from the
// library's Arrow children (rows of a rejected household are left 0, None or
// code -1): a numpy array (int64, bool, object) or, for an enum, int32 codes
// that precept/__init__.py makes a pandas Categorical of with the members.
// List outputs are tuples, one object per distinct list (immutable, so rows
// with the same items share it: a million rows hold a few dozen tuples).
class OutputSink {
 public:
  OutputSink(const precept::OutputInfo& info, py::ssize_t rows, bool money_fen)
      : info_(info), money_fen_(money_fen) {
    using precept::ValueKind;
    switch (info.kind) {
      case ValueKind::Bool: array_ = py::array_t<bool>(rows); break;
      case ValueKind::Enum: array_ = py::array_t<std::int32_t>(rows); break;
      case ValueKind::Int: array_ = py::array_t<std::int64_t>(rows); break;
      case ValueKind::Money:
      case ValueKind::Decimal:
        if (money_fen) {
          array_ = py::array_t<std::int64_t>(rows);
          break;
        }
        [[fallthrough]];
      default: array_ = py::array(py::dtype("O"), {rows}, {});
    }
    if (array_.dtype().kind() == 'O') {
      auto** out = static_cast<PyObject**>(array_.mutable_data());
      for (py::ssize_t r = 0; r < rows; ++r) {
        Py_INCREF(Py_None);
        out[r] = Py_None;
      }
    } else {
      std::memset(array_.mutable_data(), info.kind == ValueKind::Enum ? 0xFF : 0, static_cast<std::size_t>(array_.nbytes()));
    }
    for (const std::string& m : info.members) members_.push_back(py::str(m));
  }

  // Rows [start, start + n) of the input from `a` (its rows 0 .. n), where `ok`.
  void fill(const ArrowArray& a, std::int64_t start, std::int64_t n, const std::vector<std::uint8_t>& ok) {
    using precept::ValueKind;
    char* base = static_cast<char*>(array_.mutable_data());
    const auto each = [&](auto&& put) {
      for (std::int64_t r = 0; r < n; ++r)
        if (ok[static_cast<std::size_t>(r)]) put(r, start + r);
    };
    const auto put_object = [&](std::int64_t at, py::object value) {
      PyObject*& slot = reinterpret_cast<PyObject**>(base)[at];
      Py_DECREF(slot);
      slot = value.release().ptr();
    };
    switch (info_.kind) {
      case ValueKind::Bool:
        each([&](std::int64_t r, std::int64_t at) { reinterpret_cast<bool*>(base)[at] = bit(a.buffers[1], a.offset + r); });
        return;
      case ValueKind::Enum:
        each([&](std::int64_t r, std::int64_t at) {
          reinterpret_cast<std::int32_t*>(base)[at] = load_at<std::int32_t>(a.buffers[1], a.offset + r);
        });
        return;
      case ValueKind::Int:
      case ValueKind::Money:
      case ValueKind::Decimal: {
        const auto* values = static_cast<const std::int64_t*>(a.buffers[1]) + a.offset;
        if (info_.kind == ValueKind::Int || money_fen_) {
          each([&](std::int64_t r, std::int64_t at) { reinterpret_cast<std::int64_t*>(base)[at] = values[r]; });
          return;
        }
        const int scale = info_.kind == ValueKind::Money ? 2 : 6;
        each([&](std::int64_t r, std::int64_t at) {
          // Decimals are immutable: an amount seen before (0.00, a grant) is
          // the same object, and costs no new Decimal.
          auto found = decimals_.find(values[r]);
          if (found == decimals_.end()) {
            py::object value = decimal_of(values[r], scale);
            if (decimals_.size() >= 65536) {
              put_object(at, value);
              return;
            }
            found = decimals_.emplace(values[r], value).first;
          }
          put_object(at, found->second);
        });
        return;
      }
      case ValueKind::Date:
        each([&](std::int64_t r, std::int64_t at) {
          if (valid_at(a, r))
            put_object(at, item_value(ValueKind::Date, load_at<std::int32_t>(a.buffers[1], a.offset + r), money_fen_));
        });
        return;
      case ValueKind::Text:
        each([&](std::int64_t r, std::int64_t at) {
          // A text repeated row after row (a village's name) is one object.
          const std::string_view text = text_at(a, r);
          if (!last_text_ || text != last_view_) {
            last_text_ = py_text(text);
            last_view_ = std::string(text);
          }
          put_object(at, last_text_);
        });
        return;
      case ValueKind::EnumList:
      case ValueKind::List: {
        const ArrowArray& items = *a.children[0];
        std::vector<std::int64_t> key;
        each([&](std::int64_t r, std::int64_t at) {
          const std::int32_t begin = load_at<std::int32_t>(a.buffers[1], a.offset + r);
          const std::int32_t end = load_at<std::int32_t>(a.buffers[1], a.offset + r + 1);
          key.clear();
          for (std::int32_t k = begin; k < end; ++k) {
            if (info_.element == ValueKind::Bool) key.push_back(bit(items.buffers[1], items.offset + k));
            else if (info_.element == ValueKind::Enum || info_.element == ValueKind::Date)
              key.push_back(load_at<std::int32_t>(items.buffers[1], items.offset + k));
            else key.push_back(load_at<std::int64_t>(items.buffers[1], items.offset + k));
          }
          auto found = tuples_.find(key);
          if (found == tuples_.end()) {
            py::tuple tuple(key.size());
            for (std::size_t k = 0; k < key.size(); ++k) {
              py::object item = info_.kind == ValueKind::EnumList ? members_.at(static_cast<std::size_t>(key[k]))
                                                                  : item_value(info_.element, key[k], money_fen_);
              PyTuple_SET_ITEM(tuple.ptr(), static_cast<py::ssize_t>(k), item.release().ptr());
            }
            // Distinct lists are few in a register; a list output with a
            // value per household (amounts) is not worth keeping.
            if (tuples_.size() < 4096) found = tuples_.emplace(key, tuple).first;
            else {
              put_object(at, tuple);
              return;
            }
          }
          put_object(at, found->second);
        });
        return;
      }
    }
  }

  py::object result() const {
    if (info_.kind == precept::ValueKind::Enum) return py::make_tuple(array_, py::cast(info_.members));
    return array_;
  }

 private:
  const precept::OutputInfo& info_;
  bool money_fen_;
  py::array array_;
  std::vector<py::object> members_;
  py::object last_text_;
  std::string last_view_;
  std::map<std::vector<std::int64_t>, py::object> tuples_;
  std::unordered_map<std::int64_t, py::object> decimals_;
};

// The cyclic garbage collector off while result objects are made by the
// million (each container made would count towards a collection that finds
// nothing), back to how it was after.
class CollectorPaused {
 public:
  CollectorPaused() : was_enabled_(PyGC_Disable()) {}
  ~CollectorPaused() {
    if (was_enabled_) PyGC_Enable();
  }

 private:
  int was_enabled_;
};

// ------------------------------------------------------------------ data as dicts

py::dict diagnostic_dict(const precept::Diagnostic& d) {
  static const char* const severities[] = {"error", "warning", "note"};
  return py::dict("severity"_a = severities[static_cast<int>(d.severity)], "file"_a = d.file, "line"_a = d.line,
                  "column"_a = d.column, "length"_a = d.length, "message"_a = d.message, "hint"_a = d.hint,
                  "source_line"_a = d.source_line, "rendered"_a = precept::render(d));
}
py::list diagnostics_list(const std::vector<precept::Diagnostic>& diagnostics) {
  py::list out;
  for (const auto& d : diagnostics) out.append(diagnostic_dict(d));
  return out;
}
py::tuple compile_result(const precept::CompileResult& result) {
  return py::make_tuple(result.policy ? py::cast(*result.policy) : py::none(), diagnostics_list(result.diagnostics),
                        py::cast(result.files));
}

py::dict summary_row(const precept::SummaryRow& row) {
  return py::dict("key"_a = row.key, "households"_a = row.households, "population"_a = row.population,
                  "poor_households"_a = row.poor_households, "poor_population"_a = row.poor_population,
                  "assistance_fen"_a = row.assistance_fen, "poor_by_cause"_a = row.poor_by_cause,
                  "incidence_millionths"_a = row.incidence_millionths(),
                  "overflow"_a = row.population_overflow || row.poor_population_overflow || row.assistance_overflow);
}
py::dict summary_dict(const precept::Summary& s) {
  py::list groups;
  for (const auto& g : s.groups) groups.append(summary_row(g));
  return py::dict("key_names"_a = s.key_names, "cause_names"_a = s.cause_names, "has_population"_a = s.has_population,
                  "has_poor"_a = s.has_poor, "has_cause"_a = s.has_cause, "has_assistance"_a = s.has_assistance,
                  "groups"_a = groups, "total"_a = summary_row(s.total), "table"_a = precept::format_summary_table(s),
                  "csv"_a = precept::format_summary_csv(s));
}

const char* kind_name(precept::ValueKind kind) { return precept::value_kind_name(kind); }

// The policy's own file's name, as `precept explain` names its lines: a
// layered program's source_file names its whole chain.
std::string explained_file(const precept::Policy& policy) {
  const std::string& source = policy.source_file();
  return std::filesystem::path(source.substr(0, source.find(" (extends "))).filename().string();
}

using Record = std::vector<std::pair<std::string, std::string>>;

py::dict outcome_dict(const precept::Outcome& o) {
  return py::dict("ok"_a = o.ok, "values"_a = o.values, "kind"_a = precept::reject_kind_name(o.kind),
                  "column"_a = o.column, "message"_a = o.error, "declaration"_a = o.declaration,
                  "file"_a = o.policy_file, "line"_a = o.policy_line);
}

py::dict explanation_dict(const precept::Explanation& e, const std::string& policy_file) {
  py::list entries;
  for (const auto& x : e.entries)
    entries.append(py::dict("name"_a = x.name, "kind"_a = x.kind, "value"_a = x.value, "decided_by"_a = x.decided_by,
                            "line"_a = x.line, "file"_a = x.file, "compared"_a = x.compared, "values"_a = x.values,
                            "source"_a = x.source, "description"_a = x.description, "layer"_a = x.layer,
                            "year"_a = x.year, "rows"_a = x.rows, "branch"_a = x.branch));
  return py::dict("id"_a = e.id, "rejected"_a = e.rejected, "reason"_a = e.reason, "column"_a = e.column,
                  "entries"_a = entries, "output_names"_a = e.output_names, "outputs"_a = e.outputs,
                  "text"_a = e.text(policy_file), "json"_a = e.json());
}

// A FILE* over memory, read back as bytes when closed.
struct MemoryFile {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = nullptr;
  MemoryFile() : file(open_memstream(&data, &size)) {
    if (!file) throw std::bad_alloc();
  }
  py::bytes close() {
    std::fclose(file);
    file = nullptr;
    return py::bytes(data, size);
  }
  ~MemoryFile() {
    if (file) std::fclose(file);
    std::free(data);
  }
};

std::size_t threads() { return std::max(1u, std::thread::hardware_concurrency()); }

py::dict run_report_dict(const precept::RunReport& report) {
  py::dict kinds;
  for (const auto& [kind, count] : report.rejected_by_kind) kinds[py::str(precept::reject_kind_name(kind))] = count;
  return py::dict("rows"_a = report.rows_read, "results"_a = report.results, "rejected"_a = report.rejected,
                  "rejected_by_kind"_a = kinds, "notes"_a = report.notes, "fatal_error"_a = report.fatal_error,
                  "out_of_memory"_a = report.out_of_memory, "summary"_a = summary_dict(report.summary));
}

// --------------------------------------------------------------- diff as data

py::dict counts_dict(const precept::diff::ImpactCounts& c) {
  return py::dict("rows"_a = c.rows, "compared"_a = c.compared, "changed"_a = c.changed,
                  "identified_in"_a = c.identified_in, "identified_out"_a = c.identified_out,
                  "category_changed"_a = c.category_changed, "cause_changed"_a = c.cause_changed,
                  "measures_added"_a = c.measures_added, "measures_removed"_a = c.measures_removed,
                  "assistance_old_fen"_a = c.assistance_old, "assistance_new_fen"_a = c.assistance_new,
                  "rejected_both"_a = c.rejected_both, "rejected_only_old"_a = c.rejected_only_old,
                  "rejected_only_new"_a = c.rejected_only_new);
}

py::dict diff_dict(const precept::diff::DiffResult& r) {
  namespace d = precept::diff;
  py::list edits;
  for (const d::Edit& e : r.edits)
    edits.append(py::dict("kind"_a = d::edit_kind_name(e.kind), "what"_a = e.what, "decl"_a = e.decl,
                          "item"_a = e.item, "detail"_a = e.detail, "old_text"_a = e.old_text,
                          "new_text"_a = e.new_text, "old_line"_a = e.old_line, "new_line"_a = e.new_line,
                          "affects_results"_a = e.affects_results, "old_value"_a = e.old_value,
                          "new_value"_a = e.new_value));
  py::object impact = py::none();
  if (r.impact) {
    const d::ImpactSummary& s = *r.impact;
    py::list groups, changed;
    for (const d::ImpactGroup& g : s.groups) {
      py::dict row = counts_dict(g.counts);
      row["key"] = g.key;
      groups.append(row);
    }
    for (std::size_t i = 0; i < s.changed.size(); ++i) {
      const d::HouseholdChange& h = s.changed[i];
      py::list changes;
      for (const d::OutputChange& c : h.changes) changes.append(py::make_tuple(c.output, c.old_value, c.new_value));
      py::list because;
      if (r.attribution && i < r.attribution->households.size())
        because = py::cast(r.attribution->households[i].lines);
      changed.append(py::dict("line"_a = h.line, "key"_a = h.key, "group"_a = h.group,
                              "old_rejected"_a = h.old_rejected, "new_rejected"_a = h.new_rejected,
                              "changes"_a = changes, "because"_a = because));
    }
    py::list effects;
    if (r.attribution)
      for (const d::EditEffect& e : r.attribution->effects)
        effects.append(py::dict("label"_a = e.label, "edits"_a = e.edits, "applies_alone"_a = e.applies_alone,
                                "households"_a = e.households));
    impact = py::dict("key_field"_a = s.key_field, "group_names"_a = s.group_names, "groups"_a = groups,
                      "total"_a = counts_dict(s.total), "changed"_a = changed, "changed_total"_a = s.changed_total,
                      "effects"_a = effects);
  }
  return py::dict("changed"_a = r.changed(), "old_title"_a = r.old_title, "new_title"_a = r.new_title,
                  "edits"_a = edits, "impact"_a = impact, "text"_a = d::render_text(r),
                  "markdown"_a = d::render_markdown(r), "json"_a = d::render_json(r));
}

// A loader for CompileOptions that serves the policies held in memory
// (path -> source: a what-if's parent compiled from text) and reads anything
// else from disk, as without a loader; none when nothing is held.
std::function<std::optional<std::string>(const std::string&)> serving(const std::optional<py::dict>& parents) {
  if (!parents || parents->empty()) return {};
  std::vector<std::pair<std::string, std::string>> held;
  for (auto [path, text] : *parents) held.emplace_back(path.cast<std::string>(), text.cast<std::string>());
  return [held](const std::string& path) -> std::optional<std::string> {
    for (const auto& [name, text] : held)
      if (name == path) return text;
    return precept::read_policy_source(path).text;
  };
}

}  // namespace

PYBIND11_MODULE(_precept, m) {
  m.doc() = "Precept's public library for Python (use the `precept` package, not this module)";

  py::class_<precept::Policy>(m, "Policy")
      .def_property_readonly("name", &precept::Policy::name)
      .def_property_readonly("place", &precept::Policy::place)
      .def_property_readonly("year", &precept::Policy::year)
      .def_property_readonly("source_file", &precept::Policy::source_file)
      .def_property_readonly("summary_groups", &precept::Policy::summary_group_names)
      .def("serialize", [](const precept::Policy& p) { return py::bytes(p.serialize()); })
      .def("fields",
           [](const precept::Policy& p) {
             py::list out;
             for (const auto& f : p.schema().fields)
               out.append(py::dict("name"_a = f.name, "kind"_a = kind_name(f.kind), "enum_name"_a = f.enum_name,
                                   "members"_a = f.members, "optional"_a = f.optional,
                                   "has_default"_a = f.has_default, "default"_a = f.default_text,
                                   "bound"_a = f.bound, "description"_a = f.description, "line"_a = f.line));
             return out;
           })
      .def("outputs",
           [](const precept::Policy& p) {
             py::list out;
             for (const auto& o : p.schema().outputs)
               out.append(py::dict("name"_a = o.name, "kind"_a = kind_name(o.kind),
                                   "element"_a = kind_name(o.element), "enum_name"_a = o.enum_name,
                                   "members"_a = o.members, "expression"_a = o.expression, "line"_a = o.line,
                                   "file"_a = o.file));
             return out;
           })
      .def("params", [](const precept::Policy& p) {
        py::list out;
        for (const auto& q : p.schema().params)
          out.append(py::dict("name"_a = q.name, "kind"_a = kind_name(q.kind), "enum_name"_a = q.enum_name,
                              "members"_a = q.members, "value"_a = q.value, "text"_a = q.text,
                              "description"_a = q.description, "source"_a = q.source, "line"_a = q.line,
                              "layer"_a = q.layer, "year"_a = q.year));
        return out;
      });

  m.def(
      "compile",
      [](const std::string& source, const std::string& file_name, std::optional<int> year,
         std::optional<std::string> base_directory, std::optional<py::dict> parents) {
        precept::CompileOptions options;
        options.year = year;
        options.base_directory = base_directory;
        options.loader = serving(parents);
        precept::CompileResult result;
        {
          py::gil_scoped_release release;
          result = precept::compile(source, file_name, options);
        }
        return compile_result(result);
      },
      "source"_a, "file_name"_a, "year"_a = py::none(), "base_directory"_a = py::none(), "parents"_a = py::none());
  m.def(
      "open_policy",
      [](const std::string& path, std::optional<int> year) {
        precept::CompileOptions options;
        options.year = year;
        py::gil_scoped_release release;
        const precept::CompileResult result = precept::open_policy(path, options);
        py::gil_scoped_acquire acquire;
        return compile_result(result);
      },
      "path"_a, "year"_a = py::none());
  m.def("load_policy", [](const py::bytes& bytes, const std::string& name) {
    return compile_result(precept::load_policy(std::string(bytes), name));
  });
  m.def("read_policy_source", [](const std::string& path) {
    const precept::PolicySource s = precept::read_policy_source(path);
    return py::make_tuple(s.text ? py::cast(*s.text) : py::none(), s.problem, s.compiled_program);
  });
  m.def("resolve_source", [](const std::string& source, const std::string& file_name, std::optional<int> year,
                             std::optional<std::string> base_directory, std::optional<py::dict> parents) {
    precept::CompileOptions options;
    options.year = year;
    options.base_directory = base_directory;
    options.loader = serving(parents);
    const precept::ResolvedSource r = precept::resolve_source(source, file_name, options);
    return py::make_tuple(r.text ? py::cast(*r.text) : py::none(), diagnostics_list(r.diagnostics));
  });
  // A Python value as a register's cell for a field of kind `kind` (a
  // value_kind_name), the one conversion every call uses.
  m.def("cell", [](const py::handle& value, const std::string& kind, bool ints_fen) {
    precept::ValueKind parsed = precept::ValueKind::Text;
    for (const auto k : {precept::ValueKind::Bool, precept::ValueKind::Int, precept::ValueKind::Money,
                         precept::ValueKind::Decimal, precept::ValueKind::Date, precept::ValueKind::Enum,
                         precept::ValueKind::EnumList})
      if (kind == precept::value_kind_name(k)) parsed = k;
    return cell_of(value.ptr(), parsed, ints_fen).value_or("");
  });
  m.def("what_if_source", [](const precept::Policy& policy, const std::string& parent_path,
                             const std::vector<std::pair<std::string, std::string>>& values) {
    std::vector<precept::ParamOverride> overrides;
    for (const auto& [name, value] : values) overrides.push_back({name, value});
    return precept::what_if_source(policy, parent_path, overrides);
  });

  py::class_<precept::Evaluator>(m, "Evaluator")
      .def(py::init([](const precept::Policy& policy) { return precept::Evaluator(policy); }))
      .def("evaluate", [](precept::Evaluator& e, const Record& record) { return outcome_dict(e.evaluate(record)); });

  // `line`: the register line the household was read from, which the
  // explanation names as `precept explain` does (0: none, a household in code).
  m.def("explain", [](const precept::Policy& policy, const Record& record, const std::string& key,
                      std::uint64_t line) {
    precept::Explanation explanation = precept::explain(policy, record, key);
    explanation.line = line;
    return explanation_dict(explanation, explained_file(policy));
  });

  m.def(
      "run_csv",
      [](const precept::Policy& policy, const std::string& path, const std::vector<std::string>& by,
         bool want_rows) {
        std::FILE* input = std::fopen(path.c_str(), "rb");
        if (!input) throw std::invalid_argument("cannot open the data file `" + path + "`");
        MemoryFile results, rejects;
        precept::RunOptions options;
        options.group_by = by;
        options.threads = threads();
        precept::RunReport report;
        {
          py::gil_scoped_release release;
          report = precept::run_csv(policy, input, want_rows ? results.file : nullptr,
                                    want_rows ? rejects.file : nullptr, options);
          std::fclose(input);
        }
        return py::make_tuple(results.close(), rejects.close(), run_report_dict(report));
      },
      "policy"_a, "path"_a, "by"_a, "want_rows"_a = true);

  // Evaluates columns: [(name, tag, numpy array)], each as build_column reads
  // it. Returns the gathered outputs of the accepted rows, the positions of
  // the accepted and the rejected rows, and the rejections' kinds, columns
  // and messages.
  m.def(
      "run_columns",
      [](const precept::Policy& policy, const std::vector<std::tuple<std::string, std::string, py::array>>& columns,
         std::int64_t rows, bool ints_fen, bool money_fen, bool allow_unknown) {
        const precept::Schema& schema = policy.schema();
        std::vector<std::unique_ptr<InColumn>> built;
        for (const auto& [name, tag, values] : columns) {
          const auto field = schema.field_index(name);
          if (!field) {
            if (allow_unknown) continue;
            throw precept::ColumnarError(name, "it is not a field of the policy's record (pass "
                                               "allow_unknown_columns=True to ignore such columns)");
          }
          auto column = std::make_unique<InColumn>();
          column->name = name;
          build_column(*column, tag, values, schema.fields[*field].kind, ints_fen);
          if (column->length != rows) throw std::invalid_argument("column `" + name + "` has another length");
          column->finish();
          built.push_back(std::move(column));
        }
        std::vector<ArrowSchema*> child_schemas;
        std::vector<ArrowArray*> child_arrays;
        for (auto& c : built) {
          child_schemas.push_back(&c->schema);
          child_arrays.push_back(&c->array);
        }
        ArrowSchema batch_schema{};
        batch_schema.format = "+s";
        batch_schema.n_children = static_cast<std::int64_t>(built.size());
        batch_schema.children = child_schemas.data();
        batch_schema.release = release_nothing_schema;
        const void* no_validity[1] = {nullptr};
        ArrowArray batch{};
        batch.length = rows;
        batch.n_buffers = 1;
        batch.buffers = no_validity;
        batch.n_children = batch_schema.n_children;
        batch.children = child_arrays.data();
        batch.release = release_nothing_array;

        // Slices of the input evaluated one after another into the same
        // outputs: the library's result buffers are reused slice after slice
        // (its pool), so the memory a run takes beyond the input and the
        // outputs stays one slice's.
        constexpr std::int64_t kSlice = 65536;
        precept::ColumnarOptions options;
        options.numbers_as_int64 = true;
        precept::ColumnarEvaluator evaluator(policy, options);
        const std::size_t noutputs = schema.outputs.size();
        std::vector<std::unique_ptr<OutputSink>> sinks;
        for (std::size_t o = 0; o < noutputs; ++o)
          sinks.push_back(std::make_unique<OutputSink>(schema.outputs[o], rows, money_fen));
        std::vector<std::int64_t> accepted, rejected;
        py::list reject_kinds, reject_fields, reject_messages;
        std::vector<std::uint8_t> ok;
        const CollectorPaused paused;
        for (std::int64_t start = 0; start < rows || (rows == 0 && start == 0); start += kSlice) {
          const std::int64_t n = std::min(kSlice, rows - start);
          batch.offset = start;
          batch.length = n;
          OwnedResult out;
          {
            py::gil_scoped_release release;
            evaluator.evaluate(batch_schema, batch, &out.schema, &out.array);
          }
          const ArrowArray& kinds = *out.array.children[noutputs];
          const ArrowArray& reject_columns = *out.array.children[noutputs + 1];
          const ArrowArray& messages = *out.array.children[noutputs + 2];
          ok.assign(static_cast<std::size_t>(n), 1);
          for (std::int64_t r = 0; r < n; ++r) {
            if (!valid_at(kinds, r)) {
              accepted.push_back(start + r);
              continue;
            }
            ok[static_cast<std::size_t>(r)] = 0;
            rejected.push_back(start + r);
            reject_kinds.append(py_text(text_at(kinds, r)));
            reject_fields.append(valid_at(reject_columns, r) ? py::object(py_text(text_at(reject_columns, r)))
                                                             : py::object(py::none()));
            reject_messages.append(py_text(text_at(messages, r)));
          }
          for (std::size_t o = 0; o < noutputs; ++o) sinks[o]->fill(*out.array.children[o], start, n, ok);
          if (rows == 0) break;
        }
        py::list outputs;
        for (const auto& sink : sinks) outputs.append(sink->result());
        return py::dict("outputs"_a = outputs, "accepted"_a = py::array_t<std::int64_t>(accepted.size(), accepted.data()),
                        "rejected"_a = py::array_t<std::int64_t>(rejected.size(), rejected.data()),
                        "kinds"_a = reject_kinds, "columns"_a = reject_fields, "messages"_a = reject_messages);
      },
      "policy"_a, "columns"_a, "rows"_a, "ints_fen"_a, "money_fen"_a, "allow_unknown"_a);

  // Every value of the columns as a register's cell, as CSV text with a
  // header: the input the summary is added up from (run_csv).
  m.def("columns_csv", [](const precept::Policy& policy,
                          const std::vector<std::tuple<std::string, std::string, py::array>>& columns,
                          std::int64_t rows, bool ints_fen) {
    const precept::Schema& schema = policy.schema();
    std::vector<std::unique_ptr<InColumn>> built;
    std::vector<precept::ValueKind> kinds;
    for (const auto& [name, tag, values] : columns) {
      const auto field = schema.field_index(name);
      if (!field) continue;
      auto column = std::make_unique<InColumn>();
      column->name = name;
      build_column(*column, tag, values, schema.fields[*field].kind, ints_fen);
      kinds.push_back(schema.fields[*field].kind);
      built.push_back(std::move(column));
    }
    // RFC 4180, as the CSV reader reads it.
    const auto field_text = [](std::string& out, std::string_view cell) {
      if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += cell;
        return;
      }
      out += '"';
      for (const char c : cell) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    };
    std::string csv;
    for (std::size_t c = 0; c < built.size(); ++c) {
      if (c) csv += ',';
      field_text(csv, built[c]->name);
    }
    csv += '\n';
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < built.size(); ++c) {
        if (c) csv += ',';
        field_text(csv, built[c]->cell(r, kinds[c]));
      }
      csv += '\n';
    }
    return py::bytes(csv);
  });

  m.def("run_csv_text", [](const precept::Policy& policy, const py::bytes& csv, const std::vector<std::string>& by) {
    std::string text = csv;
    std::FILE* input = fmemopen(text.data(), text.size(), "rb");
    if (!input) throw std::bad_alloc();
    precept::RunOptions options;
    options.group_by = by;
    options.threads = threads();
    precept::RunReport report;
    {
      py::gil_scoped_release release;
      report = precept::run_csv(policy, input, nullptr, nullptr, options);
      std::fclose(input);
    }
    return run_report_dict(report);
  });

  m.def("test", [](const precept::Policy& policy) {
    const precept::TestResults results = precept::test_examples(policy, explained_file(policy));
    py::list examples, coverage;
    for (const auto& e : results.examples)
      examples.append(py::dict("label"_a = e.label, "line"_a = e.line, "passed"_a = e.passed,
                               "problems"_a = e.problems, "explanation"_a = e.explanation_text));
    for (const auto& c : results.coverage)
      coverage.append(py::dict("what"_a = c.what, "line"_a = c.line, "file"_a = c.file, "covered"_a = c.covered));
    return py::dict("examples"_a = examples, "coverage"_a = coverage);
  });

  m.def(
      "diff",
      [](const std::string& old_path, std::optional<std::string> old_text, const std::string& new_path,
         std::optional<std::string> new_text, const std::string& data, std::optional<int> year,
         const std::vector<std::string>& by, const std::string& key, bool witnesses) {
        precept::diff::DiffOptions options;
        options.year = year;
        options.data = data;
        options.by = by;
        options.key = key;
        options.witnesses = witnesses;
        options.threads = threads();
        precept::diff::DiffResult result;
        {
          py::gil_scoped_release release;
          result = precept::diff::diff_policies({old_path, old_text}, {new_path, new_text}, options);
        }
        py::dict out = diff_dict(result);
        static const char* const statuses[] = {"ok",           "policy_unreadable", "policy_errors", "data_unreadable",
                                               "data_invalid", "out_of_memory",     "stopped"};
        out["status"] = statuses[static_cast<int>(result.status)];
        out["message"] = result.message;
        out["diagnostics"] = diagnostics_list(result.diagnostics);
        return out;
      },
      "old_path"_a, "old_text"_a, "new_path"_a, "new_text"_a, "data"_a, "year"_a, "by"_a, "key"_a, "witnesses"_a);

  m.def("format", [](const std::string& source, const std::string& file_name, std::size_t width) {
    precept::FormatOptions options;
    options.width = width;
    const precept::FormatResult r = precept::format_policy(source, file_name, options);
    return py::make_tuple(r.text ? py::cast(*r.text) : py::none(), diagnostics_list(r.diagnostics));
  });

  py::register_exception<precept::ColumnarError>(m, "ColumnarError", PyExc_ValueError);
}
