#include "impact.hpp"

#include <precept/run.hpp>

#include "batch.hpp"
#include "csv.hpp"
#include "format.hpp"
#include "program.hpp"
#include "register_reader.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>

namespace precept::diff {

void ImpactCounts::add(const ImpactCounts& o) {
  rows += o.rows;
  compared += o.compared;
  changed += o.changed;
  identified_in += o.identified_in;
  identified_out += o.identified_out;
  category_changed += o.category_changed;
  cause_changed += o.cause_changed;
  measures_added += o.measures_added;
  measures_removed += o.measures_removed;
  assistance_old += o.assistance_old;
  assistance_new += o.assistance_new;
  rejected_both += o.rejected_both;
  rejected_only_old += o.rejected_only_old;
  rejected_only_new += o.rejected_only_new;
  only_in_old += o.only_in_old;
  only_in_new += o.only_in_new;
}

namespace {

// Records as read: every cell of the header's width, so that each version
// finds its own fields by column. Rows rejected for their shape are not here.
struct RawBatch {
  std::size_t rows = 0;
  std::string bytes;
  std::vector<std::uint32_t> spans;  // rows x width (begin, size)
  std::vector<std::uint64_t> lines;
  std::uint64_t shape_rejected = 0;
  std::vector<std::uint64_t> shape_lines;
  std::vector<std::string> shape_reasons;
};

struct Header {
  std::vector<std::string> names;
};

// Fills `raw` from the reader; false at the end of input.
bool read_batch(CsvReader& reader, CsvRecord& record, std::size_t width, std::size_t capacity, RawBatch& raw) {
  raw.rows = 0;
  raw.bytes.clear();
  raw.lines.clear();
  raw.shape_rejected = 0;
  raw.shape_lines.clear();
  raw.shape_reasons.clear();
  raw.spans.resize(2 * capacity * width);
  std::size_t records = 0;
  while (raw.rows < capacity && records < 4 * capacity) {
    if (!reader.next(record)) break;
    ++records;
    if (std::string problem = record_reject_problem(record, width); !problem.empty()) {
      ++raw.shape_rejected;
      raw.shape_lines.push_back(record.line);
      raw.shape_reasons.push_back(std::move(problem));
      continue;
    }
    const char* const stretch = record.fields.front().data();
    const std::string_view& last = record.fields.back();
    const auto base = static_cast<std::uint32_t>(raw.bytes.size());
    raw.bytes.append(stretch, static_cast<std::size_t>(last.data() + last.size() - stretch));
    std::uint32_t* span = raw.spans.data() + 2 * raw.rows * width;
    for (const std::string_view cell : record.fields) {
      *span++ = base + static_cast<std::uint32_t>(cell.data() - stretch);
      *span++ = static_cast<std::uint32_t>(cell.size());
    }
    raw.lines.push_back(record.line);
    ++raw.rows;
  }
  return records > 0;
}

// How one version reads the register: its fields' columns, by the register
// reader's rules.
using VersionLayout = RegisterColumns;

// A variant's layout: a required field the header lacks is read as an empty
// cell, as the evaluator reads a field a record does not name.
VersionLayout variant_columns(const Program& p, const Header& h) {
  VersionLayout out;
  HeaderRules rules;
  rules.allow_missing = true;
  // The header was mapped for the old and new versions already: it has no
  // field's column twice that a variant (with the same fields) could meet.
  map_register_header(p, h.names, out, rules);
  return out;
}

// Appends row `row` of `src` to `dst` (whose spans have room for it).
void copy_row(const RawBatch& src, std::size_t row, std::size_t width, RawBatch& dst) {
  const CellGrid grid{src.bytes.data(), src.spans.data(), width};
  std::uint32_t* span = dst.spans.data() + 2 * dst.rows * width;
  for (std::size_t c = 0; c < width; ++c) {
    const std::string_view cell = grid.cell(row, c);
    *span++ = static_cast<std::uint32_t>(dst.bytes.size());
    *span++ = static_cast<std::uint32_t>(cell.size());
    dst.bytes.append(cell);
  }
  dst.lines.push_back(src.lines[row]);
  ++dst.rows;
}

void clear_rows(RawBatch& raw, std::size_t capacity, std::size_t width) {
  raw.rows = 0;
  raw.bytes.clear();
  raw.lines.clear();
  raw.spans.resize(2 * capacity * width);
}

std::string map_columns(const Program& p, const Header& h, VersionLayout& out, const char* which) {
  HeaderRules rules;
  const std::string whose = fmt::format("the {} version's", which);
  rules.whose = whose;
  return map_register_header(p, h.names, out, rules);
}

// One version evaluated over a raw batch.
struct VersionEval {
  VersionEval(const Program& program, const VersionLayout& cells_of, std::size_t capacity)
      : p(program), layout(cells_of), machine(program, capacity) {
    batch.reset(program, capacity);
  }
  const Program& p;
  const VersionLayout& layout;
  Machine machine;
  Batch batch;
  std::vector<std::uint8_t> failed;
  std::vector<int> row_of;             // raw row -> batch row, -1 when rejected
  std::vector<int> parsed_row;         // raw row -> batch row, -1 when not read (before the run's errors)
  std::vector<std::string> reasons;    // raw row -> why rejected

  void move_row(std::size_t from, std::size_t to) {
    for (std::size_t f = 0; f < p.fields.size(); ++f) {
      FieldColumn& column = batch.columns[f];
      column.present[to] = column.present[from];
      if (!column.scalars.empty()) column.scalars[to] = column.scalars[from];
      if (!column.texts.empty()) column.texts[to] = column.texts[from];
      if (!column.lists.empty()) column.lists[to].swap(column.lists[from]);
    }
  }

  void run(const RawBatch& raw, std::size_t width) {
    failed.assign(raw.rows, 0);
    reasons.assign(raw.rows, std::string());
    const CellGrid grid{raw.bytes.data(), raw.spans.data(), width};
    // Columns in input order, so the leftmost bad cell is the reason given.
    // (A pair, not a structured binding: Clang 14 cannot capture those in a lambda.)
    for (const auto& cell : layout.cells) {
      const auto field = cell.second;
      parse_field_column(p, field, grid, cell.first, raw.rows, batch.columns[field], failed,
                         [&](std::size_t row, std::string reason) {
                           if (reasons[row].empty()) reasons[row] = p.fields[field].name + ": " + reason;
                         });
    }
    std::string reason;
    for (const std::uint32_t f : layout.absent)
      for (std::size_t row = 0; row < raw.rows; ++row) parse_field_value(p, f, "", batch.columns[f], row, reason);
    for (const std::uint32_t f : layout.missing)
      for (std::size_t row = 0; row < raw.rows; ++row)
        if (!failed[row] && !parse_field_value(p, f, "", batch.columns[f], row, reason)) {
          failed[row] = 1;
          if (reasons[row].empty()) reasons[row] = p.fields[f].name + ": " + reason;
        }
    row_of.assign(raw.rows, -1);
    batch.rows = 0;
    for (std::size_t row = 0; row < raw.rows; ++row) {
      if (failed[row]) continue;
      if (batch.rows != row) move_row(row, batch.rows);
      row_of[row] = static_cast<int>(batch.rows);
      batch.lines[batch.rows++] = raw.lines[row];
    }
    if (batch.rows > 0) machine.run(batch);
    parsed_row = row_of;
    for (std::size_t row = 0; row < raw.rows; ++row) {
      const int b = row_of[row];
      if (b >= 0 && machine.error(static_cast<std::size_t>(b)) != RowError::None) {
        reasons[row] = machine.describe_error(static_cast<std::size_t>(b));
        row_of[row] = -1;
      }
    }
  }
};

// How an output's values are compared: as the results CSV prints them, or,
// where that text is a function of the stored value alone (and different
// values print differently), by that value.
enum class Compare { Formatted, Bool, Scalar, Text, List };

bool same_enum(const Program& a, std::uint16_t x, const Program& b, std::uint16_t y) {
  return a.enums[x].members == b.enums[y].members;
}

Compare compare_mode(const Program& a, const ValueType& x, const Program& b, const ValueType& y) {
  if (x.kind != y.kind) return Compare::Formatted;
  switch (x.kind) {
    case Kind::Bool: return Compare::Bool;
    case Kind::Int: case Kind::Money: case Kind::Date: return Compare::Scalar;
    case Kind::Enum: return same_enum(a, x.enum_id, b, y.enum_id) ? Compare::Scalar : Compare::Formatted;
    case Kind::Text: return Compare::Text;
    case Kind::List:
      if (x.element != y.element) return Compare::Formatted;
      if (x.element == Kind::Enum) return same_enum(a, x.enum_id, b, y.enum_id) ? Compare::List : Compare::Formatted;
      return x.element == Kind::Int || x.element == Kind::Money || x.element == Kind::Date ? Compare::List
                                                                                           : Compare::Formatted;
    default: return Compare::Formatted;
  }
}

// Whether output `x` of row `xr` on machine `xm` (program `xp`) and output `y`
// of row `yr` on `ym` print differently. `text`, `other`: scratch.
bool outputs_differ(Compare mode, const Program& xp, const OutputDef& x, const Machine& xm, std::size_t xr,
                    const Program& yp, const OutputDef& y, const Machine& ym, std::size_t yr, std::string& text,
                    std::string& other) {
  switch (mode) {
    case Compare::Bool: return (xm.scalar(x.reg, xr) != 0) != (ym.scalar(y.reg, yr) != 0);
    case Compare::Scalar: return xm.scalar(x.reg, xr) != ym.scalar(y.reg, yr);
    case Compare::Text: return xm.text(x.reg, xr) != ym.text(y.reg, yr);
    case Compare::List: return xm.list(x.reg, xr) != ym.list(y.reg, yr);
    case Compare::Formatted: break;
  }
  text.clear();
  other.clear();
  append_value_text(text, xp, x.type, xm, x.reg, xr);
  append_value_text(other, yp, y.type, ym, y.reg, yr);
  return text != other;
}

// Attribution on the changed rows of a batch: the baseline (the old version)
// and each variant evaluated on just those rows, each with its own layout.
class VariantRunner {
 public:
  // Each variant is a machine; together they hold at most a worker's memory
  // budget of rows, so that memory grows with the number of edits, not with
  // the edits times the batch. `capacity()` rows, at most `requested`, per run().
  VariantRunner(const VariantPlan& plan, const Header& header, std::size_t requested)
      : plan_(plan), capacity_(shared_capacity(plan, requested)) {
    const std::size_t capacity = capacity_;
    layouts_.reserve(plan.variants.size() + 1);
    layouts_.push_back(variant_columns(*plan.baseline, header));
    base_ = std::make_unique<VersionEval>(*plan.baseline, layouts_.back(), capacity);
    const Program& b = *plan.baseline;
    for (const Program* v : plan.variants) {
      Variant x;
      x.p = v;
      if (v && same_fields(b, *v)) {
        // The same record read the same way: run on the baseline's batch.
        x.machine = std::make_unique<Machine>(*v, capacity);
      } else if (v) {
        layouts_.push_back(variant_columns(*v, header));
        x.eval = std::make_unique<VersionEval>(*v, layouts_.back(), capacity);
      }
      if (v)
        for (const OutputDef& out : b.outputs) {
          const auto it = std::find_if(v->outputs.begin(), v->outputs.end(), [&](const OutputDef& d) { return d.name == out.name; });
          x.slot.push_back(it == v->outputs.end() ? -1 : static_cast<int>(it - v->outputs.begin()));
          x.compare.push_back(it == v->outputs.end() ? Compare::Text : compare_mode(b, out.type, *v, it->type));
        }
      variants_.push_back(std::move(x));
    }
  }

  std::size_t capacity() const { return capacity_; }

  // Evaluates the rows of `sub` (at most capacity()); counts[u] += the rows variant u moves; for
  // the rows with keep[r], moves[r] says how.
  void run(const RawBatch& sub, std::size_t width, const std::vector<std::uint8_t>& keep,
           std::vector<HouseholdMoves*>& moves, std::vector<std::uint64_t>& counts) {
    if (sub.rows == 0) return;
    base_->run(sub, width);
    for (auto& x : variants_) {
      if (x.eval) x.eval->run(sub, width);
      else if (x.machine && base_->batch.rows > 0) x.machine->run(base_->batch);
    }
    const Program& b = *plan_.baseline;
    std::vector<std::string> base_values(b.outputs.size());
    std::string value, other;
    for (std::size_t r = 0; r < sub.rows; ++r) {
      const int br = base_->row_of[r];
      const bool base_ok = br >= 0;
      HouseholdMoves scratch;
      HouseholdMoves& m = keep[r] ? *moves[r] : scratch;
      m.evaluated = true;
      m.base_ok = base_ok;
      if (base_ok && keep[r])
        for (std::size_t i = 0; i < b.outputs.size(); ++i) {
          base_values[i].clear();
          append_value_text(base_values[i], b, b.outputs[i].type, base_->machine, b.outputs[i].reg, static_cast<std::size_t>(br));
        }
      for (std::size_t u = 0; u < variants_.size(); ++u) {
        const Variant& x = variants_[u];
        if (!x.p) continue;
        const Machine& vm = x.eval ? x.eval->machine : *x.machine;
        int vr = -1;
        if (x.eval) vr = x.eval->row_of[r];
        else if (base_->parsed_row[r] >= 0 && vm.error(static_cast<std::size_t>(base_->parsed_row[r])) == RowError::None)
          vr = base_->parsed_row[r];
        HouseholdMoves::Move move;
        move.variant = u;
        if ((vr >= 0) != base_ok) {
          move.ok_differs = true;
        } else if (base_ok) {
          const auto brow = static_cast<std::size_t>(br), vrow = static_cast<std::size_t>(vr);
          for (std::size_t i = 0; i < b.outputs.size(); ++i) {
            const int j = x.slot[i];
            if (j < 0) continue;
            const OutputDef& out = x.p->outputs[static_cast<std::size_t>(j)];
            const OutputDef& bout = b.outputs[i];
            if (outputs_differ(x.compare[i], b, bout, base_->machine, brow, *x.p, out, vm, vrow, value, other)) move.outputs.push_back(static_cast<std::uint32_t>(i));
          }
        }
        if (!move.ok_differs && move.outputs.empty()) continue;
        ++counts[u];
        if (keep[r]) m.moves.push_back(std::move(move));
      }
      if (keep[r] && base_ok) m.base_values = base_values;
    }
  }

 private:
  // Fields read identically: the same names, types, defaults and checks.
  static bool same_fields(const Program& a, const Program& b) {
    if (a.fields.size() != b.fields.size()) return false;
    for (std::size_t f = 0; f < a.fields.size(); ++f) {
      const FieldDef& x = a.fields[f];
      const FieldDef& y = b.fields[f];
      if (x.name != y.name || x.type.kind != y.type.kind || x.type.element != y.type.element || x.optional != y.optional ||
          x.has_default != y.has_default || x.default_scalar != y.default_scalar || x.default_text != y.default_text ||
          x.check != y.check || x.check_value != y.check_value)
        return false;
      const bool enumerated = x.type.kind == Kind::Enum || (x.type.kind == Kind::List && x.type.element == Kind::Enum);
      if (enumerated && !same_enum(a, x.type.enum_id, b, y.type.enum_id)) return false;
    }
    return true;
  }

  struct Variant {
    const Program* p = nullptr;                // null: none compiles
    std::unique_ptr<VersionEval> eval;         // its own layout and batch, or
    std::unique_ptr<Machine> machine;          // run on the baseline's batch
    std::vector<int> slot;                     // each baseline output's index in it, or -1
    std::vector<Compare> compare;
  };

  static std::size_t shared_capacity(const VariantPlan& plan, std::size_t requested) {
    std::size_t per_row = memory_needs(*plan.baseline).bytes_per_row;
    for (const Program* v : plan.variants)
      if (v) per_row += memory_needs(*v).bytes_per_row;
    return capacity_within_budget(per_row, requested, kWorkerMemoryBudget);
  }

  const VariantPlan& plan_;
  std::size_t capacity_;
  std::vector<VersionLayout> layouts_;  // reserved: the evals hold references
  std::unique_ptr<VersionEval> base_;
  std::vector<Variant> variants_;
};

// Which outputs mean what, in each version.
struct Roles {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> common;  // (old output, new output)
  int category_old = -1, category_new = -1;  // index into common
  int measures = -1;                          // index into common
};

std::string enum_text(const Program& p, std::uint32_t reg, std::int64_t value) {
  const auto& members = p.enums[p.scalar_types[reg].enum_id].members;
  return value >= 0 && static_cast<std::size_t>(value) < members.size() ? members[static_cast<std::size_t>(value)]
                                                                         : std::to_string(value);
}

std::set<std::string> split_list(const std::string& s) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    out.insert(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The facts of one household under one version that the counts look at.
struct Facts {
  bool ok = false;
  std::string reason;
  std::vector<std::string> values;  // the common outputs, as the results CSV prints them
  bool poor = false;
  std::string cause;
  std::int64_t assistance = 0;
};

class Engine {
 public:
  Engine(const Program& o, const Program& n, const ImpactOptions& options) : o_(o), n_(n), options_(options) {
    if (options_.variants && !options_.variants->baseline) options_.variants = nullptr;
  }

  Impact run(std::FILE* data, std::FILE* old_data) {
    prepare_roles();
    if (old_data) return joined(data, old_data);
    return same_register(data);
  }

 private:
  void prepare_roles() {
    for (std::uint32_t i = 0; i < o_.outputs.size(); ++i) {
      const auto it = std::find_if(n_.outputs.begin(), n_.outputs.end(), [&](const OutputDef& d) { return d.name == o_.outputs[i].name; });
      if (it == n_.outputs.end()) {
        impact_.only_old_outputs.push_back(o_.outputs[i].name);
        continue;
      }
      const auto j = static_cast<std::uint32_t>(it - n_.outputs.begin());
      if (o_.outputs[i].name == "category") roles_.category_old = static_cast<int>(roles_.common.size());
      const bool list = o_.outputs[i].type.kind == Kind::List && n_.outputs[j].type.kind == Kind::List;
      if (list && (roles_.measures < 0 || o_.outputs[i].name == "measures")) roles_.measures = static_cast<int>(roles_.common.size());
      roles_.common.emplace_back(i, j);
      common_compare_.push_back(compare_mode(o_, o_.outputs[i].type, n_, n_.outputs[j].type));
      impact_.common_outputs.push_back(o_.outputs[i].name);
    }
    for (const auto& out : n_.outputs)
      if (std::none_of(o_.outputs.begin(), o_.outputs.end(), [&](const OutputDef& d) { return d.name == out.name; }))
        impact_.only_new_outputs.push_back(out.name);
    const SummarySpec& so = o_.summary;
    const SummarySpec& sn = n_.summary;
    impact_.has_poor = so.poor_reg != SummarySpec::kNone && sn.poor_reg != SummarySpec::kNone;
    impact_.has_cause = so.cause_reg != SummarySpec::kNone && sn.cause_reg != SummarySpec::kNone;
    impact_.has_assistance = so.assistance_reg != SummarySpec::kNone && sn.assistance_reg != SummarySpec::kNone;
    impact_.has_category = roles_.category_old >= 0;
    impact_.has_measures = roles_.measures >= 0;
  }

  // Key and group columns, by name in the (new) register's header.
  bool prepare_header(const Header& h) {
    std::string key = options_.key_field;
    if (key.empty())
      for (const auto& f : n_.fields)
        if (f.type.kind == Kind::Text) {
          key = f.name;
          break;
        }
    impact_.key_field = key;
    key_column_ = column_of(h, key);
    for (const std::string& by : options_.group_by) {
      const SummarySpec::Group* group = nullptr;
      const Program* owner = nullptr;
      for (const Program* p : {&n_, &o_})
        for (const auto& g : p->summary.groups)
          if (!group && g.name == by) group = &g, owner = p;
      if (group) {
        for (const std::uint32_t f : group->fields) add_group_column(h, owner->fields[f].name);
      } else {
        add_group_column(h, by);
      }
    }
    if (!missing_group_.empty()) {
      impact_.fatal_error = fmt::format("cannot group by `{}`: the register has no such column", missing_group_);
      return false;
    }
    return true;
  }
  void add_group_column(const Header& h, const std::string& name) {
    const auto c = column_of(h, name);
    if (!c) {
      missing_group_ = name;
      return;
    }
    group_columns_.push_back(*c);
    impact_.group_names.push_back(name);
  }
  static std::optional<std::size_t> column_of(const Header& h, const std::string& name) {
    const auto it = std::find(h.names.begin(), h.names.end(), name);
    if (it == h.names.end()) return std::nullopt;
    return static_cast<std::size_t>(it - h.names.begin());
  }

  static bool read_header(CsvReader& reader, Header& h, std::string& error) {
    error = read_register_header_names(reader, h.names);
    return error.empty();
  }

  // --- one register, both versions per batch ------------------------------------

  struct Partial {
    ImpactCounts total;
    std::map<std::vector<std::string>, ImpactCounts> groups;
    std::vector<ChangedHousehold> changed;  // its first changed_limit (join mode: all)
    std::uint64_t changed_total = 0;
    std::vector<std::uint64_t> variant_households;
  };

  Impact same_register(std::FILE* data) {
    CsvReader reader(data);
    Header header;
    if (!read_header(reader, header, impact_.fatal_error)) return std::move(impact_);
    if (std::string e = map_columns(o_, header, old_layout_, "old"); !e.empty()) impact_.fatal_error = e;
    else if (std::string e2 = map_columns(n_, header, new_layout_, "new"); !e2.empty()) impact_.fatal_error = e2;
    if (!impact_.fatal_error.empty() || !prepare_header(header)) return std::move(impact_);
    header_ = &header;
    const std::size_t capacity = versions_capacity();
    const std::size_t threads = std::max<std::size_t>(1, options_.threads);
    std::mutex read_mutex, merge_mutex;
    CsvRecord record;
    std::vector<Partial> partials;
    const std::size_t width = header.names.size();
    const VariantPlan* plan = options_.variants;
    // Each worker reads its batches in input order, so its first changed_limit
    // changed households hold every one of the first changed_limit overall
    // that it saw: the merge keeps the first of their union.
    auto work_on = [&] {
      VersionEval old_eval(o_, old_layout_, capacity), new_eval(n_, new_layout_, capacity);
      std::unique_ptr<VariantRunner> runner;
      if (plan) runner = std::make_unique<VariantRunner>(*plan, header, capacity);
      RawBatch raw, sub;
      std::vector<std::uint8_t> keep;
      std::vector<std::size_t> kept_at;
      std::vector<HouseholdMoves*> moves;
      Partial partial;
      partial.variant_households.assign(plan ? plan->variants.size() : 0, 0);
      for (;;) {
        {
          std::lock_guard lock(read_mutex);
          if (too_many_groups_ || out_of_memory_ || !read_batch(reader, record, width, capacity, raw)) break;
        }
        old_eval.run(raw, width);
        new_eval.run(raw, width);
        for (std::uint64_t k = 0; k < raw.shape_rejected; ++k) {
          partial.total.rows += 1;
          partial.total.rejected_both += 1;
        }
        const auto attribute = [&] {
          if (sub.rows > 0) {
            moves.assign(sub.rows, nullptr);
            for (std::size_t r = 0; r < sub.rows; ++r)
              if (keep[r]) moves[r] = &partial.changed[kept_at[r]].moves;
            runner->run(sub, width, keep, moves, partial.variant_households);
          }
          clear_rows(sub, capacity, width);
          keep.clear();
          kept_at.clear();
        };
        clear_rows(sub, capacity, width);
        keep.clear();
        kept_at.clear();
        for (std::size_t row = 0; row < raw.rows; ++row) {
          const std::size_t before = partial.changed.size();
          if (!compare_row(raw, row, old_eval, new_eval, partial)) continue;
          if (!runner) continue;
          copy_row(raw, row, width, sub);
          keep.push_back(partial.changed.size() > before);
          kept_at.push_back(before);
          if (sub.rows == runner->capacity()) attribute();
        }
        if (runner) attribute();
      }
      std::lock_guard lock(merge_mutex);
      partials.push_back(std::move(partial));
    };
    // On a worker thread an escaping exception would end the process: running
    // out of memory stops every worker and is reported (Impact::out_of_memory).
    auto work = [&] {
      try {
        work_on();
      } catch (const std::bad_alloc&) {
        out_of_memory_ = true;
      }
    };
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < threads; ++t) {
      try {
        helpers.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // fewer threads: the same impact, later
      } catch (const std::bad_alloc&) {
        break;
      }
    }
    work();
    for (auto& h : helpers) h.join();
    if (reader.io_error()) impact_.fatal_error = "reading the register failed part way";
    finish(partials);
    return std::move(impact_);
  }

  // `need`: the common outputs to print (others are left empty: the same on
  // both sides); null: all.
  Facts facts(const Program& p, VersionEval& eval, std::size_t raw_row, bool is_old,
              const std::vector<std::uint8_t>* need = nullptr) const {
    Facts f;
    const int b = eval.row_of[raw_row];
    if (b < 0) {
      f.reason = eval.reasons[raw_row];
      return f;
    }
    const auto row = static_cast<std::size_t>(b);
    f.ok = true;
    f.values.resize(roles_.common.size());
    for (std::size_t c = 0; c < roles_.common.size(); ++c) {
      if (need && !(*need)[c]) continue;
      const OutputDef& out = p.outputs[is_old ? roles_.common[c].first : roles_.common[c].second];
      append_value_text(f.values[c], p, out.type, eval.machine, out.reg, row);
    }
    const SummarySpec& s = p.summary;
    if (impact_.has_poor) f.poor = eval.machine.scalar(s.poor_reg, row) != 0;
    if (impact_.has_cause) f.cause = enum_text(p, s.cause_reg, eval.machine.scalar(s.cause_reg, row));
    if (impact_.has_assistance) f.assistance = eval.machine.scalar(s.assistance_reg, row);
    return f;
  }

  std::vector<std::pair<std::string, std::string>> record_of(const RawBatch& raw, std::size_t row) const {
    std::vector<std::pair<std::string, std::string>> out;
    const std::size_t width = header_->names.size();
    const CellGrid grid{raw.bytes.data(), raw.spans.data(), width};
    for (std::size_t c = 0; c < width; ++c) out.emplace_back(header_->names[c], std::string(grid.cell(row, c)));
    return out;
  }

  // True when the row changed; kept in partial.changed while under the limit.
  // The common outputs are compared by value first, and printed only where
  // they differ (or cannot be compared by value).
  bool compare_row(const RawBatch& raw, std::size_t row, VersionEval& old_eval, VersionEval& new_eval, Partial& partial) {
    thread_local std::vector<std::uint8_t> need;
    thread_local std::string text, other;
    const int x = old_eval.row_of[row], y = new_eval.row_of[row];
    const std::vector<std::uint8_t>* mask = nullptr;
    if (x >= 0 && y >= 0) {
      need.assign(roles_.common.size(), 0);
      for (std::size_t c = 0; c < roles_.common.size(); ++c) {
        const OutputDef& a = o_.outputs[roles_.common[c].first];
        const OutputDef& b = n_.outputs[roles_.common[c].second];
        need[c] = common_compare_[c] == Compare::Formatted ||
                  outputs_differ(common_compare_[c], o_, a, old_eval.machine, static_cast<std::size_t>(x), n_, b,
                                 new_eval.machine, static_cast<std::size_t>(y), text, other);
      }
      mask = &need;
    }
    const Facts a = facts(o_, old_eval, row, true, mask);
    const Facts b = facts(n_, new_eval, row, false, mask);
    const CellGrid grid{raw.bytes.data(), raw.spans.data(), header_->names.size()};
    std::vector<std::string> group;
    for (const std::size_t c : group_columns_) group.emplace_back(grid.cell(row, c));
    ChangedHousehold h;
    if (!tally(a, b, group, partial, h)) return false;
    ++partial.changed_total;
    if (partial.changed.size() < options_.changed_limit) {
      h.line = h.old_line = raw.lines[row];
      if (key_column_) h.key = std::string(grid.cell(row, *key_column_));
      h.group = std::move(group);
      partial.changed.push_back(std::move(h));
    }
    return true;
  }

  // Counts one household into the total and its group; true (with `h` filled
  // with what differs) when it changed.
  bool tally(const Facts& a, const Facts& b, const std::vector<std::string>& group, Partial& partial,
             ChangedHousehold& h) const {
    ImpactCounts c;
    c.rows = 1;
    bool changed = false;
    if (!a.ok || !b.ok) {
      if (!a.ok && !b.ok) c.rejected_both = 1;
      else {
        (a.ok ? c.rejected_only_new : c.rejected_only_old) = 1;
        h.old_rejected = a.ok ? "" : a.reason;
        h.new_rejected = b.ok ? "" : b.reason;
        changed = true;
      }
    } else {
      c.compared = 1;
      for (std::size_t i = 0; i < a.values.size(); ++i)
        if (a.values[i] != b.values[i]) h.changes.push_back({impact_.common_outputs[i], a.values[i], b.values[i]});
      changed = !h.changes.empty();
      c.changed = changed;
      if (impact_.has_poor) {
        c.identified_in = !a.poor && b.poor;
        c.identified_out = a.poor && !b.poor;
      }
      if (impact_.has_cause) c.cause_changed = a.cause != b.cause;
      if (impact_.has_category) c.category_changed = a.values[static_cast<std::size_t>(roles_.category_old)] !=
                                                     b.values[static_cast<std::size_t>(roles_.category_old)];
      if (impact_.has_measures) {
        const auto m = static_cast<std::size_t>(roles_.measures);
        if (a.values[m] != b.values[m]) {
          const auto x = split_list(a.values[m]), y = split_list(b.values[m]);
          c.measures_added = std::any_of(y.begin(), y.end(), [&](const std::string& s) { return !x.count(s); });
          c.measures_removed = std::any_of(x.begin(), x.end(), [&](const std::string& s) { return !y.count(s); });
        }
      }
      c.assistance_old = a.assistance;
      c.assistance_new = b.assistance;
    }
    partial.total.add(c);
    add_to_group(partial, group, c);
    return changed;
  }

  // Counts by group, at most kMaxSummaryGroups groups, as run's summary: a
  // group per household (an id) would hold the whole register in memory.
  // Past the bound the pass stops (too_many_groups_) and says so.
  void add_to_group(Partial& partial, const std::vector<std::string>& key, const ImpactCounts& c) const {
    if (group_columns_.empty()) return;
    auto it = partial.groups.find(key);
    if (it == partial.groups.end()) {
      if (partial.groups.size() >= kMaxSummaryGroups) {
        too_many_groups_ = true;
        return;
      }
      it = partial.groups.emplace(key, ImpactCounts{}).first;
    }
    it->second.add(c);
  }

  // Why the pass stopped early, if it did; false if it did not.
  bool stopped_early() {
    if (out_of_memory_) {
      impact_.fatal_error = kOutOfMemoryError;
      impact_.out_of_memory = true;
      return true;
    }
    if (!too_many_groups_) return false;
    std::string by;
    for (const std::string& name : impact_.group_names) by += (by.empty() ? "`" : ", `") + name + "`";
    impact_.fatal_error = fmt::format(
        "counting the impact by {} makes more than {} groups; count by a place (a village or township) "
        "instead, or leave out --by and read the changed households",
        by, kMaxSummaryGroups);
    return true;
  }

  void finish(std::vector<Partial>& partials) {
    if (stopped_early()) return;
    std::map<std::vector<std::string>, ImpactCounts> groups;
    impact_.variant_households.assign(options_.variants ? options_.variants->variants.size() : 0, 0);
    for (auto& p : partials) {
      impact_.total.add(p.total);
      for (auto& [k, v] : p.groups) {
        groups[k].add(v);
        if (groups.size() > kMaxSummaryGroups) {
          too_many_groups_ = true;
          stopped_early();
          return;
        }
      }
      for (auto& h : p.changed) impact_.changed.push_back(std::move(h));
      impact_.changed_total += p.changed_total;
      for (std::size_t u = 0; u < p.variant_households.size(); ++u) impact_.variant_households[u] += p.variant_households[u];
    }
    for (auto& [k, v] : groups) impact_.groups.push_back({k, v});
    std::sort(impact_.changed.begin(), impact_.changed.end(), [](const ChangedHousehold& x, const ChangedHousehold& y) {
      return std::tie(x.line, x.old_line, x.key) < std::tie(y.line, y.old_line, y.key);
    });
    if (impact_.changed.size() > options_.changed_limit) impact_.changed.resize(options_.changed_limit);
  }

  // --- two registers joined on the key ------------------------------------------
  // Last year's register is evaluated first and kept by key; this year's is
  // then streamed past it. Memory grows with last year's register, which the
  // join cannot avoid.

  struct Kept {
    Facts facts;
    std::uint64_t line = 0;
    std::vector<std::string> group;
    std::vector<std::pair<std::string, std::string>> record;
  };

  template <class Each>
  bool stream(std::FILE* file, const Program& p, bool is_old, VersionLayout& layout, Header& header, Each each) {
    CsvReader reader(file);
    if (!read_header(reader, header, impact_.fatal_error)) return false;
    if (std::string e = map_columns(p, header, layout, is_old ? "old" : "new"); !e.empty()) {
      impact_.fatal_error = fmt::format("{} register: {}", is_old ? "last year's" : "this year's", e);
      return false;
    }
    group_columns_.clear();
    impact_.group_names.clear();
    if (!prepare_header(header)) return false;
    if (!key_column_) {
      impact_.fatal_error = fmt::format("the {} register has no key column `{}`", is_old ? "old" : "new", impact_.key_field);
      return false;
    }
    header_ = &header;
    const std::size_t capacity = capacity_within_budget(p, options_.batch_size, kWorkerMemoryBudget);
    VersionEval eval(p, layout, capacity);
    RawBatch raw;
    CsvRecord record;
    while (read_batch(reader, record, header.names.size(), capacity, raw)) {
      eval.run(raw, header.names.size());
      const CellGrid grid{raw.bytes.data(), raw.spans.data(), header.names.size()};
      for (std::size_t row = 0; row < raw.rows; ++row) {
        Kept k;
        k.facts = facts(p, eval, row, is_old);
        k.line = raw.lines[row];
        for (const std::size_t c : group_columns_) k.group.emplace_back(grid.cell(row, c));
        k.record = record_of(raw, row);
        each(std::string(grid.cell(row, *key_column_)), std::move(k));
      }
      // A record of the wrong shape has no key to join on: this year's count
      // as rejected by both versions (neither can read them, as in one-register
      // mode); last year's were never households either version could see.
      if (!is_old)
        for (std::size_t s = 0; s < raw.shape_lines.size(); ++s) shape_rejected_.rows += 1, shape_rejected_.rejected_both += 1;
    }
    if (reader.io_error()) impact_.fatal_error = "reading a register failed part way";
    return impact_.fatal_error.empty();
  }

  Impact joined(std::FILE* data, std::FILE* old_data) {
    impact_.joined = true;
    std::unordered_map<std::string, Kept> old_rows;
    std::vector<std::string> old_order;
    Header old_header, new_header;
    const bool ok = stream(old_data, o_, true, old_layout_, old_header, [&](std::string key, Kept k) {
      if (old_rows.emplace(key, std::move(k)).second) old_order.push_back(key);
    });
    if (!ok) return std::move(impact_);
    Partial partial;
    const bool ok2 = stream(data, n_, false, new_layout_, new_header, [&](const std::string& key, Kept k) {
      const auto it = old_rows.find(key);
      ChangedHousehold h;
      h.key = key;
      h.line = k.line;
      h.group = k.group;
      h.new_record = k.record;
      if (it == old_rows.end()) {
        ImpactCounts c;
        c.rows = 1;
        c.only_in_new = 1;
        partial.total.add(c);
        add_to_group(partial, k.group, c);
        h.old_rejected = "not on last year's register";
        if (!k.facts.ok) h.new_rejected = k.facts.reason;
        partial.changed.push_back(std::move(h));
        return;
      }
      h.old_line = it->second.line;
      h.old_record = it->second.record;
      if (tally(it->second.facts, k.facts, k.group, partial, h)) partial.changed.push_back(std::move(h));
      old_rows.erase(it);
    });
    if (!ok2) return std::move(impact_);
    for (const auto& key : old_order) {
      const auto it = old_rows.find(key);
      if (it == old_rows.end()) continue;
      ImpactCounts c;
      c.rows = 1;
      c.only_in_old = 1;
      partial.total.add(c);
      add_to_group(partial, it->second.group, c);
      ChangedHousehold h;
      h.key = key;
      h.old_line = it->second.line;
      h.group = it->second.group;
      h.old_record = it->second.record;
      h.new_rejected = "not on this year's register";
      partial.changed.push_back(std::move(h));
    }
    partial.total.add(shape_rejected_);
    partial.changed_total = partial.changed.size();
    partial.variant_households.assign(options_.variants ? options_.variants->variants.size() : 0, 0);
    if (options_.variants) {
      // A household is run on this year's record when it has one, else on last year's.
      attribute_kept(partial.changed, new_header, true, partial.variant_households);
      attribute_kept(partial.changed, old_header, false, partial.variant_households);
    }
    for (auto& h : partial.changed) {
      h.old_record = {};
      h.new_record = {};
    }
    std::vector<Partial> partials;
    partials.push_back(std::move(partial));
    finish(partials);
    return std::move(impact_);
  }

  // Join mode: the variants on the kept households' records that were read
  // under `header` (this year's, or last year's for those only on it).
  void attribute_kept(std::vector<ChangedHousehold>& changed, const Header& header, bool this_year,
                      std::vector<std::uint64_t>& counts) {
    const std::size_t width = header.names.size();
    VariantRunner runner(*options_.variants, header, options_.batch_size);
    const std::size_t capacity = runner.capacity();
    RawBatch sub;
    std::vector<std::uint8_t> keep;
    std::vector<HouseholdMoves*> moves;
    clear_rows(sub, capacity, width);
    auto flush = [&] {
      keep.assign(sub.rows, 1);
      runner.run(sub, width, keep, moves, counts);
      clear_rows(sub, capacity, width);
      moves.clear();
    };
    for (auto& h : changed) {
      const auto& record = this_year ? h.new_record : h.old_record;
      if (record.size() != width || (!this_year && !h.new_record.empty())) continue;
      std::uint32_t* span = sub.spans.data() + 2 * sub.rows * width;
      for (const auto& [name, value] : record) {
        *span++ = static_cast<std::uint32_t>(sub.bytes.size());
        *span++ = static_cast<std::uint32_t>(value.size());
        sub.bytes += value;
      }
      sub.lines.push_back(this_year ? h.line : h.old_line);
      ++sub.rows;
      moves.push_back(&h.moves);
      if (sub.rows == capacity) flush();
    }
    flush();
  }

  // Rows both versions evaluate at once: their machines and batches share a
  // worker's memory budget.
  std::size_t versions_capacity() const {
    const std::size_t per_row = memory_needs(o_).bytes_per_row + memory_needs(n_).bytes_per_row;
    return capacity_within_budget(per_row, options_.batch_size, kWorkerMemoryBudget);
  }

  const Program& o_;
  const Program& n_;
  mutable std::atomic<bool> too_many_groups_ = false;  // set by add_to_group, from any worker
  std::atomic<bool> out_of_memory_ = false;
  ImpactOptions options_;
  Impact impact_;
  Roles roles_;
  std::vector<Compare> common_compare_;  // per common output
  VersionLayout old_layout_, new_layout_;
  const Header* header_ = nullptr;
  std::optional<std::size_t> key_column_;
  std::vector<std::size_t> group_columns_;
  std::string missing_group_;
  ImpactCounts shape_rejected_;
};

}  // namespace

Impact compute_impact(const Policy& old_policy, const Policy& new_policy, std::FILE* data, std::FILE* old_data,
                      const ImpactOptions& options) {
  try {
    return Engine(program_of(old_policy), program_of(new_policy), options).run(data, old_data);
  } catch (const std::bad_alloc&) {
    Impact impact;
    impact.fatal_error = kOutOfMemoryError;
    impact.out_of_memory = true;
    return impact;
  }
}

}  // namespace precept::diff
