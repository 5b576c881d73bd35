#include "table_analysis.hpp"

#include "expr_printer.hpp"
#include "numeric.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>

namespace precept {

namespace {

using ast::CompareOp;
using ast::Expr;
using ast::ExprTag;

constexpr std::int64_t kLowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kHighest = std::numeric_limits<std::int64_t>::max();
// Subtracting boxes can split them; past this many pieces the analysis gives up
// on gaps and masking (and reports nothing) rather than take long.
constexpr std::size_t kMaxPieces = 20000;
// An officer needs the first few overlaps, not hundreds of them.
constexpr std::size_t kMaxFindingsPerKind = 8;

// The values one field may take: a union of closed intervals (numbers, dates),
// a set of members (bools, enums), or a finite or co-finite set of texts.
struct ValueSet {
  enum class Form { Ranges, Members, Texts } form = Form::Ranges;
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;  // sorted, disjoint
  std::vector<char> members;
  bool cofinite = false;  // Texts: every text except `texts`
  std::set<std::string> texts;

  bool empty() const {
    switch (form) {
      case Form::Ranges: return ranges.empty();
      case Form::Members: return std::none_of(members.begin(), members.end(), [](char m) { return m != 0; });
      case Form::Texts: return !cofinite && texts.empty();
    }
    return true;
  }
};

ValueSet intersect(const ValueSet& a, const ValueSet& b) {
  ValueSet r;
  r.form = a.form;
  switch (a.form) {
    case ValueSet::Form::Ranges: {
      std::size_t i = 0, j = 0;
      while (i < a.ranges.size() && j < b.ranges.size()) {
        const std::int64_t lo = std::max(a.ranges[i].first, b.ranges[j].first);
        const std::int64_t hi = std::min(a.ranges[i].second, b.ranges[j].second);
        if (lo <= hi) r.ranges.emplace_back(lo, hi);
        if (a.ranges[i].second < b.ranges[j].second) ++i;
        else ++j;
      }
      break;
    }
    case ValueSet::Form::Members:
      r.members.resize(a.members.size());
      for (std::size_t m = 0; m < a.members.size(); ++m) r.members[m] = a.members[m] && b.members[m];
      break;
    case ValueSet::Form::Texts:
      if (a.cofinite && b.cofinite) {
        r.cofinite = true;
        r.texts = a.texts;
        r.texts.insert(b.texts.begin(), b.texts.end());
      } else if (a.cofinite || b.cofinite) {
        const ValueSet& finite = a.cofinite ? b : a;
        const ValueSet& excluding = a.cofinite ? a : b;
        for (const auto& t : finite.texts)
          if (!excluding.texts.count(t)) r.texts.insert(t);
      } else {
        for (const auto& t : a.texts)
          if (b.texts.count(t)) r.texts.insert(t);
      }
      break;
  }
  return r;
}

ValueSet complement(const ValueSet& a) {
  ValueSet r;
  r.form = a.form;
  switch (a.form) {
    case ValueSet::Form::Ranges: {
      std::int64_t next = kLowest;
      bool open = true;  // `next` is still a value not yet covered
      for (const auto& [lo, hi] : a.ranges) {
        if (open && lo > next) r.ranges.emplace_back(next, lo - 1);
        if (hi == kHighest) { open = false; break; }
        next = hi + 1;
      }
      if (open) r.ranges.emplace_back(next, kHighest);
      break;
    }
    case ValueSet::Form::Members:
      r.members.resize(a.members.size());
      for (std::size_t m = 0; m < a.members.size(); ++m) r.members[m] = !a.members[m];
      break;
    case ValueSet::Form::Texts:
      r.cofinite = !a.cofinite;
      r.texts = a.texts;
      break;
  }
  return r;
}

ValueSet subtract(const ValueSet& a, const ValueSet& b) { return intersect(a, complement(b)); }
bool subset(const ValueSet& a, const ValueSet& b) { return subtract(a, b).empty(); }

ValueSet range_set(std::int64_t lo, std::int64_t hi) {
  ValueSet s;
  if (lo <= hi) s.ranges.emplace_back(lo, hi);
  return s;
}

// The values `x op value` holds for, over all of int64.
ValueSet compare_set(CompareOp op, std::int64_t value) {
  switch (op) {
    case CompareOp::Lt: return value == kLowest ? ValueSet{} : range_set(kLowest, value - 1);
    case CompareOp::Le: return range_set(kLowest, value);
    case CompareOp::Gt: return value == kHighest ? ValueSet{} : range_set(value + 1, kHighest);
    case CompareOp::Ge: return range_set(value, kHighest);
    case CompareOp::Eq: return range_set(value, value);
    case CompareOp::Ne: return complement(range_set(value, value));
  }
  return {};
}

CompareOp mirrored(CompareOp op) {
  switch (op) {
    case CompareOp::Lt: return CompareOp::Gt;
    case CompareOp::Le: return CompareOp::Ge;
    case CompareOp::Gt: return CompareOp::Lt;
    case CompareOp::Ge: return CompareOp::Le;
    default: return op;
  }
}

using Box = std::vector<ValueSet>;  // one set per dimension

bool box_empty(const Box& b) {
  return std::any_of(b.begin(), b.end(), [](const ValueSet& s) { return s.empty(); });
}

Box box_intersect(const Box& a, const Box& b) {
  Box r(a.size());
  for (std::size_t d = 0; d < a.size(); ++d) r[d] = intersect(a[d], b[d]);
  return r;
}

bool box_subset(const Box& a, const Box& b) {
  if (box_empty(a)) return true;
  for (std::size_t d = 0; d < a.size(); ++d)
    if (!subset(a[d], b[d])) return false;
  return true;
}

// a \ b as disjoint boxes: the part outside b in dimension d, inside b in the
// dimensions before it.
void box_subtract(const Box& a, const Box& b, std::vector<Box>& out) {
  const Box common = box_intersect(a, b);
  if (box_empty(common)) {
    out.push_back(a);
    return;
  }
  Box prefix = a;
  for (std::size_t d = 0; d < a.size(); ++d) {
    Box piece = prefix;
    piece[d] = subtract(a[d], b[d]);
    if (!piece[d].empty()) out.push_back(std::move(piece));
    prefix[d] = common[d];
  }
}

// Box operations one table may cost before the analysis stops looking (a
// generated table of thousands of rows): what is not looked at is not reported.
constexpr std::size_t kMaxWork = 200'000;

// What is left of `pieces` outside every box of `cover`; nullopt when that
// would take too many pieces or too much work to tell.
std::optional<std::vector<Box>> remove_all(std::vector<Box> pieces, const std::vector<const Box*>& cover,
                                           std::size_t& work) {
  for (const Box* b : cover) {
    std::vector<Box> next;
    for (const Box& p : pieces) box_subtract(p, *b, next);
    work += pieces.size() + 1;
    if (next.size() > kMaxPieces || work > kMaxWork) return std::nullopt;
    pieces = std::move(next);
    if (pieces.empty()) break;
  }
  return pieces;
}

// One record field the table tests.
struct Dimension {
  std::uint32_t field = 0;
  ValueType type;
};

struct RowBox {
  Box box;
  bool exact = true;
  bool never = false;  // a cell is the constant `false`
  bool empty() const { return never || box_empty(box); }
};

class Analysis {
 public:
  Analysis(const TableAnalysisInput& in, DiagnosticSink& sink) : in_(in), sink_(sink), t_(in.decl) {}

  // A catalogue message in the language of this compile.
  template <MessageId id, class... Args>
  Message say(const Args&... args) const {
    return sink_.say<id>(args...);
  }

  TableAnalysisResult run() {
    find_dimensions();
    for (const auto& row : t_.rows) rows_.push_back(read_row(row));
    TableAnalysisResult result;
    for (const auto& r : rows_) result.inexact_rows += r.exact ? 0 : 1;

    report_contradictions();
    const HitPolicy hit = in_.table.hit;
    bool agree = result.inexact_rows == 0;
    if (hit == HitPolicy::Unique || hit == HitPolicy::Any) agree = check_overlaps(hit == HitPolicy::Any) && agree;
    if (hit == HitPolicy::First) report_masked();
    if (hit == HitPolicy::Priority) report_outranked();
    if (hit == HitPolicy::Unique || hit == HitPolicy::Any || hit == HitPolicy::First || hit == HitPolicy::Priority)
      report_gaps();
    if (result.inexact_rows > 0 && (hit == HitPolicy::Unique || hit == HitPolicy::Any)) {
      std::string which;
      std::size_t listed = 0;
      for (std::size_t r = 0; r < rows_.size(); ++r)
        if (!rows_[r].exact && listed++ < 6) which += fmt::format("{}{}", which.empty() ? "" : ", ", r + 1);
      if (listed > 6) which += ", ...";
      sink_.note(t_.location, listed == 1 ? say<MessageId::inexact_row>(t_.name, which)
                                          : say<MessageId::inexact_rows>(t_.name, which));
    }
    result.never_disagrees = agree;
    return result;
  }

 private:
  // ---- reading rows -------------------------------------------------------

  static bool analysable_type(const ValueType& type) {
    switch (type.kind) {
      case Kind::Bool:
      case Kind::Int:
      case Kind::Money:
      case Kind::Decimal:
      case Kind::Date:
      case Kind::Enum:
      case Kind::Text: return true;
      default: return false;
    }
  }

  // The record field an expression plainly is, if it is one the analysis reads.
  std::optional<std::uint32_t> plain_field(const Expr& e) const {
    if (e.tag != ExprTag::Name || !e.checked.ok || e.checked.symbol != ast::SymbolKind::Field || e.checked.maybe_missing)
      return std::nullopt;
    if (e.checked.index >= in_.fields.size() || !analysable_type(in_.fields[e.checked.index].type)) return std::nullopt;
    return e.checked.index;
  }

  std::size_t dimension_of(std::uint32_t field) {
    for (std::size_t d = 0; d < dims_.size(); ++d)
      if (dims_[d].field == field) return d;
    dims_.push_back({field, in_.fields[field].type});
    return dims_.size() - 1;
  }

  void find_dimensions() {
    for (const auto& column : t_.columns)
      if (column.kind == ast::ColumnKind::Input && column.input)
        if (auto f = plain_field(*column.input)) dimension_of(*f);
    // Fields tested in `when` cells join as they are met (read_row).
  }

  ValueSet domain(const Dimension& d) const {
    ValueSet s;
    switch (d.type.kind) {
      case Kind::Bool:
        s.form = ValueSet::Form::Members;
        s.members.assign(2, 1);
        return s;
      case Kind::Enum:
        s.form = ValueSet::Form::Members;
        s.members.assign(d.type.enum_id < in_.enums.size() ? in_.enums[d.type.enum_id].members.size() : 0, 1);
        return s;
      case Kind::Text:
        s.form = ValueSet::Form::Texts;
        s.cofinite = true;
        return s;
      default: break;
    }
    s = range_set(kLowest, kHighest);
    // A value failing the field's `where` never reaches a table.
    const FieldDef& f = in_.fields[d.field];
    static const std::map<FieldCheck, CompareOp> ops = {{FieldCheck::Lt, CompareOp::Lt}, {FieldCheck::Le, CompareOp::Le},
                                                         {FieldCheck::Gt, CompareOp::Gt}, {FieldCheck::Ge, CompareOp::Ge},
                                                         {FieldCheck::Eq, CompareOp::Eq}, {FieldCheck::Ne, CompareOp::Ne}};
    if (const auto op = ops.find(f.check); op != ops.end()) s = intersect(s, compare_set(op->second, f.check_value));
    return s;
  }

  // The compile-time value of a literal cell of the dimension's type.
  std::optional<std::int64_t> scalar_value(const Expr& e, const Dimension& d) const {
    if (!e.checked.ok || e.checked.type.kind != d.type.kind) return std::nullopt;
    if (d.type.kind == Kind::Enum && e.checked.type.enum_id != d.type.enum_id) return std::nullopt;
    if (e.checked.constant) return *e.checked.constant;
    if (e.checked.symbol == ast::SymbolKind::EnumMember) return e.checked.index;
    return std::nullopt;
  }

  std::optional<std::string> text_value(const Expr& e) const {
    if (e.tag == ExprTag::String) return e.text;
    return std::nullopt;
  }

  // The values of dimension d for which `d op value` holds; nullopt when the
  // value is not a literal the analysis reads.
  std::optional<ValueSet> compared(const Dimension& d, CompareOp op, const Expr& value) const {
    if (d.type.kind == Kind::Text) {
      const auto text = text_value(value);
      if (!text || (op != CompareOp::Eq && op != CompareOp::Ne)) return std::nullopt;
      ValueSet s;
      s.form = ValueSet::Form::Texts;
      s.texts.insert(*text);
      s.cofinite = op == CompareOp::Ne;
      return s;
    }
    const auto v = scalar_value(value, d);
    if (!v) return std::nullopt;
    if (d.type.kind == Kind::Bool || d.type.kind == Kind::Enum) {
      ValueSet s;
      s.form = ValueSet::Form::Members;
      s.members.assign(domain(d).members.size(), 0);
      for (std::size_t m = 0; m < s.members.size(); ++m) {
        const auto x = static_cast<std::int64_t>(m);
        switch (op) {
          case CompareOp::Lt: s.members[m] = x < *v; break;
          case CompareOp::Le: s.members[m] = x <= *v; break;
          case CompareOp::Gt: s.members[m] = x > *v; break;
          case CompareOp::Ge: s.members[m] = x >= *v; break;
          case CompareOp::Eq: s.members[m] = x == *v; break;
          case CompareOp::Ne: s.members[m] = x != *v; break;
        }
      }
      return s;
    }
    return compare_set(op, *v);
  }

  // A `when` cell as constraints on fields; false when it is not one the
  // analysis reads (the row is then inexact, its box left wider).
  bool read_condition(const Expr& e, Box& box) {
    if (!e.checked.ok) return false;
    if (e.checked.constant) {
      if (*e.checked.constant == 0) row_never_ = true;
      return true;
    }
    switch (e.tag) {
      case ExprTag::And: {
        const bool left = read_condition(*e.args[0], box);
        const bool right = read_condition(*e.args[1], box);
        return left && right;
      }
      case ExprTag::Name:
      case ExprTag::Not: {
        const Expr& inner = e.tag == ExprTag::Not ? *e.args[0] : e;
        const auto f = plain_field(inner);
        if (!f || in_.fields[*f].type.kind != Kind::Bool) return false;
        const std::size_t d = grow(*f, box);
        ValueSet s;
        s.form = ValueSet::Form::Members;
        s.members = {static_cast<char>(e.tag == ExprTag::Not), static_cast<char>(e.tag != ExprTag::Not)};
        box[d] = intersect(box[d], s);
        return true;
      }
      case ExprTag::IsMember: {
        const auto f = plain_field(*e.args[0]);
        if (!f || in_.fields[*f].type.kind != Kind::Enum) return false;
        const std::size_t d = grow(*f, box);
        ValueSet s;
        s.form = ValueSet::Form::Members;
        s.members.assign(box[d].members.size(), e.negated ? 1 : 0);
        if (e.checked.index < s.members.size()) s.members[e.checked.index] = e.negated ? 0 : 1;
        box[d] = intersect(box[d], s);
        return true;
      }
      case ExprTag::Compare: {
        auto f = plain_field(*e.args[0]);
        const Expr* value = e.args[1].get();
        CompareOp op = e.compare;
        if (!f) {
          f = plain_field(*e.args[1]);
          value = e.args[0].get();
          op = mirrored(op);
        }
        if (!f) return false;
        const Dimension probe{*f, in_.fields[*f].type};
        const auto s = compared(probe, op, *value);
        if (!s) return false;
        const std::size_t d = grow(*f, box);
        box[d] = intersect(box[d], *s);
        return true;
      }
      default: return false;
    }
  }

  // The dimension of a field met in a `when` cell, widening rows read before.
  std::size_t grow(std::uint32_t field, Box& box) {
    const std::size_t before = dims_.size();
    const std::size_t d = dimension_of(field);
    if (dims_.size() > before) {
      for (auto& row : rows_) row.box.push_back(domain(dims_[d]));
      box.push_back(domain(dims_[d]));
    }
    return d;
  }

  RowBox read_row(const ast::TableRow& row) {
    RowBox r;
    row_never_ = false;
    for (const auto& d : dims_) r.box.push_back(domain(d));
    if (row.cells.size() != t_.columns.size()) {
      r.exact = false;
      return r;
    }
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      const auto& cell = row.cells[c];
      const auto& column = t_.columns[c];
      if (column.kind == ast::ColumnKind::Output || cell.kind == ast::CellKind::Any) continue;
      if (column.kind == ast::ColumnKind::Condition) {
        if (cell.values.size() != 1 || !read_condition(*cell.values[0], r.box)) r.exact = false;
        continue;
      }
      const auto f = column.input ? plain_field(*column.input) : std::nullopt;
      if (!f) { r.exact = false; continue; }
      const std::size_t d = dimension_of(*f);
      const Dimension& dim = dims_[d];
      if (cell.kind == ast::CellKind::Compare) {
        const auto s = cell.values.size() == 1 ? compared(dim, cell.compare, *cell.values[0]) : std::nullopt;
        if (!s) { r.exact = false; continue; }
        r.box[d] = intersect(r.box[d], *s);
        continue;
      }
      // A list of values: any of them.
      std::optional<ValueSet> any;
      bool read = true;
      for (const auto& value : cell.values) {
        const auto s = compared(dim, CompareOp::Eq, *value);
        if (!s) { read = false; break; }
        if (!any) any = *s;
        else any = complement(intersect(complement(*any), complement(*s)));
      }
      if (!read || !any) { r.exact = false; continue; }
      r.box[d] = intersect(r.box[d], *any);
    }
    r.never = row_never_;
    return r;
  }

  // ---- describing ---------------------------------------------------------

  std::string value_text(const Dimension& d, const ValueSet& s) const {
    switch (s.form) {
      case ValueSet::Form::Members:
        for (std::size_t m = 0; m < s.members.size(); ++m)
          if (s.members[m]) {
            if (d.type.kind == Kind::Bool) return m ? "true" : "false";
            return in_.enums[d.type.enum_id].members[m];
          }
        return "?";
      case ValueSet::Form::Texts: {
        if (!s.cofinite) return quoted_text(*s.texts.begin());
        std::string candidate;
        for (int n = 0; s.texts.count(candidate); ++n) candidate = n == 0 ? "other" : fmt::format("other {}", n);
        return quoted_text(candidate);
      }
      case ValueSet::Form::Ranges: break;
    }
    // A plain value: 0 when it will do, else the end of the first range nearest to it.
    const auto [lo, hi] = s.ranges.front();
    std::int64_t v = lo;
    if (lo <= 0 && 0 <= hi) v = 0;
    else if (lo == kLowest) v = hi;
    std::string out;
    switch (d.type.kind) {
      case Kind::Money: append_money(out, v); out += " yuan"; break;
      case Kind::Decimal: append_decimal(out, v); break;
      case Kind::Date: append_date(out, v); break;
      default: append_int(out, v); break;
    }
    return out;
  }

  std::string example(const Box& box) const {
    // Only the fields some row restricts: the others do not matter.
    std::string out;
    for (std::size_t d = 0; d < dims_.size(); ++d) {
      bool restricted = false;
      const ValueSet full = domain(dims_[d]);
      for (const auto& row : rows_)
        if (!subset(full, row.box[d])) restricted = true;
      if (!restricted) continue;
      out += fmt::format("{}{} = {}", out.empty() ? "" : ", ", in_.fields[dims_[d].field].name, value_text(dims_[d], box[d]));
    }
    return (out.empty() ? say<MessageId::example_any_household>() : say<MessageId::example_household_with>(out)).text;
  }

  std::string row_ref(std::size_t r) const { return say<MessageId::row_ref>(r + 1, t_.rows[r].location.line).text; }
  std::string rows_ref(std::size_t i, std::size_t j) const {
    return say<MessageId::rows_ref>(i + 1, t_.rows[i].location.line, j + 1, t_.rows[j].location.line).text;
  }

  // An output cell's value as text when it is a literal; nullopt otherwise.
  static std::optional<std::string> output_key(const Expr& e) {
    if (!e.checked.ok) return std::nullopt;
    if (e.tag == ExprTag::String) return "t:" + e.text;
    if (e.checked.constant) return fmt::format("v:{}", *e.checked.constant);
    if (e.checked.symbol == ast::SymbolKind::EnumMember) return fmt::format("v:{}", e.checked.index);
    return std::nullopt;
  }

  // 1 when the rows' outputs are literals that agree, 0 when they are literals
  // that differ, -1 when that cannot be told now.
  int outputs_agree(std::size_t i, std::size_t j, std::string* differing) const {
    bool all_known = true;
    for (std::size_t c = 0; c < t_.columns.size(); ++c) {
      if (t_.columns[c].kind != ast::ColumnKind::Output) continue;
      const auto& a = t_.rows[i].cells[c];
      const auto& b = t_.rows[j].cells[c];
      if (a.values.size() != 1 || b.values.size() != 1) return -1;
      const auto ka = output_key(*a.values[0]), kb = output_key(*b.values[0]);
      if (!ka || !kb) { all_known = false; continue; }
      if (*ka != *kb) {
        if (differing) *differing = t_.columns[c].name;
        return 0;
      }
    }
    return all_known ? 1 : -1;
  }

  // ---- findings -----------------------------------------------------------

  void report_contradictions() {
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      if (!rows_[r].empty()) continue;
      contradicting_.insert(r);
      if (in_.already_reported.count(r)) continue;
      sink_.warning(t_.rows[r].location, say<MessageId::row_contradicts_itself>(r + 1, t_.name),
                    say<MessageId::row_contradicts_itself_hint>());
    }
  }

  // unique: no two rows may match one household. any: those that do must give
  // the same outputs. Returns whether the rows were shown never to disagree.
  bool check_overlaps(bool any) {
    bool agree = true;
    std::size_t reported = 0, redundant = 0;
    for (std::size_t j = 0; j < rows_.size(); ++j) {
      if (rows_[j].empty()) continue;
      for (std::size_t i = 0; i < j; ++i) {
        if (rows_[i].empty()) continue;
        if (++work_ > kMaxWork) return false;  // not shown either way: checked as households are evaluated
        const Box common = box_intersect(rows_[i].box, rows_[j].box);
        if (box_empty(common)) continue;
        const bool certain = rows_[i].exact && rows_[j].exact;
        if (!any) {
          agree = false;
          if (!certain || reported >= kMaxFindingsPerKind) continue;
          ++reported;
          const bool within = box_subset(rows_[j].box, rows_[i].box);
          sink_.error(t_.rows[j].location,
                      within ? say<MessageId::unique_rows_overlap_within>(rows_ref(i, j), t_.name, j + 1, i + 1)
                             : say<MessageId::unique_rows_overlap>(rows_ref(i, j), t_.name),
                      say<MessageId::unique_rows_overlap_hint>(example(common)));
          continue;
        }
        std::string column;
        const int same = outputs_agree(i, j, &column);
        if (same != 1) agree = false;
        if (!certain) continue;
        if (same == 0 && reported < kMaxFindingsPerKind) {
          ++reported;
          sink_.error(t_.rows[j].location, say<MessageId::any_rows_disagree>(rows_ref(i, j), t_.name, column),
                      say<MessageId::any_rows_disagree_hint>(example(common)));
        } else if (same == 1 && redundant < kMaxFindingsPerKind && box_subset(rows_[j].box, rows_[i].box)) {
          ++redundant;
          sink_.warning(t_.rows[j].location, say<MessageId::row_adds_nothing>(j + 1, t_.name, row_ref(i)),
                        say<MessageId::remove_the_row_hint>());
        }
      }
    }
    return agree;
  }

  // first: a row every household of which an earlier row takes.
  void report_masked() {
    std::size_t reported = 0;
    for (std::size_t j = 0; j < rows_.size() && reported < kMaxFindingsPerKind; ++j) {
      if (in_.already_reported.count(j) || contradicting_.count(j)) continue;
      std::vector<const Box*> earlier;
      std::vector<std::size_t> names;
      work_ += j;
      if (work_ > kMaxWork) return;
      for (std::size_t i = 0; i < j; ++i)
        if (rows_[i].exact && !rows_[i].empty() && !box_empty(box_intersect(rows_[i].box, rows_[j].box))) {
          earlier.push_back(&rows_[i].box);
          names.push_back(i);
        }
      if (earlier.empty()) continue;
      const auto left = remove_all({rows_[j].box}, earlier, work_);
      if (!left || !left->empty()) continue;
      ++reported;
      std::string which;
      for (std::size_t k = 0; k < names.size(); ++k) {
        const std::string row = say<MessageId::row_at_line>(names[k] + 1, t_.rows[names[k]].location.line).text;
        which = k == 0                      ? row
                : k + 1 == names.size()     ? say<MessageId::list_and>(which, row).text
                                            : say<MessageId::list_next>(which, row).text;
      }
      sink_.warning(t_.rows[j].location,
                    names.size() == 1 ? say<MessageId::row_masked_by_one>(j + 1, t_.name, which)
                                      : say<MessageId::row_masked_by_many>(j + 1, t_.name, which),
                    names.size() == 1 && box_subset(rows_[j].box, rows_[names[0]].box)
                        ? say<MessageId::row_masked_within_hint>(names[0] + 1)
                        : say<MessageId::row_masked_hint>());
    }
  }

  // priority: a row inside another whose output ranks at least as high (or as
  // high and earlier) never decides.
  void report_outranked() {
    const std::size_t rank = in_.table.rank_column;
    std::size_t reported = 0;
    for (std::size_t j = 0; j < rows_.size() && reported < kMaxFindingsPerKind; ++j) {
      if (contradicting_.count(j)) continue;
      const auto rj = t_.rows[j].cells[rank].values.empty() ? std::nullopt
                                                           : output_key(*t_.rows[j].cells[rank].values[0]);
      if (!rj) continue;
      work_ += rows_.size();
      if (work_ > kMaxWork) return;
      for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (i == j || !rows_[i].exact || rows_[i].empty() || !box_subset(rows_[j].box, rows_[i].box)) continue;
        const Expr& vi = *t_.rows[i].cells[rank].values[0];
        const Expr& vj = *t_.rows[j].cells[rank].values[0];
        const auto ri = output_key(vi);
        if (!ri) continue;
        const std::int64_t a = vi.checked.constant ? *vi.checked.constant : vi.checked.index;
        const std::int64_t b = vj.checked.constant ? *vj.checked.constant : vj.checked.index;
        if (a > b || (a == b && i > j)) continue;
        ++reported;
        const std::string& column = t_.columns[rank].name;
        sink_.warning(t_.rows[j].location,
                      a == b ? say<MessageId::row_outranked_same>(j + 1, t_.name, row_ref(i), column)
                             : say<MessageId::row_outranked_higher>(j + 1, t_.name, row_ref(i), column),
                      say<MessageId::row_outranked_hint>(column, i + 1));
        break;
      }
    }
  }

  void report_gaps() {
    std::vector<const Box*> all;
    for (const auto& r : rows_)
      if (!r.never) all.push_back(&r.box);  // inexact rows are wider: a point outside is still a gap
    Box everything;
    for (const auto& d : dims_) everything.push_back(domain(d));
    if (box_empty(everything)) return;
    const auto left = remove_all({everything}, all, work_);
    if (!left || left->empty()) return;
    sink_.warning(t_.location, say<MessageId::table_gap>(t_.name, hit_policy_name(in_.table)),
                  say<MessageId::table_gap_hint>(example(left->front())));
  }

  const TableAnalysisInput& in_;
  DiagnosticSink& sink_;
  const ast::TableDecl& t_;
  std::vector<Dimension> dims_;
  std::vector<RowBox> rows_;
  std::set<std::size_t> contradicting_;
  bool row_never_ = false;
  std::size_t work_ = 0;
};

}  // namespace

TableAnalysisResult analyse_table_rows(const TableAnalysisInput& input, DiagnosticSink& sink) {
  Analysis analysis(input, sink);
  return analysis.run();
}

}  // namespace precept
