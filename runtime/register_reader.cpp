#include "register_reader.hpp"

#include "messages.hpp"
#include "numeric.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace precept {

namespace {

// "`a`, `b`" (and "and N more" past `limit`).
std::string quoted_list(const std::vector<std::string>& names, Language language, std::size_t limit = SIZE_MAX) {
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) list += (i ? ", `" : "`") + names[i] + "`";
  if (names.size() > limit) return say<MessageId::and_more>(language, list, names.size() - limit).text;
  return list;
}

// A header the register has that looks like `field`'s name with a unit or a
// note after it (`家庭纯收入（元）`, `net_income (yuan)`): "" when none does.
std::string header_like(const std::vector<std::string>& extra, const std::string& field) {
  for (const std::string& header : extra)
    if (header.size() > field.size() && header.compare(0, field.size(), field) == 0) {
      const std::string_view rest = std::string_view(header).substr(field.size());
      for (const std::string_view opening : {"（", "(", " (", "[", "【", "_", " "})
        if (rest.substr(0, opening.size()) == opening) return header;
    }
  return {};
}

}  // namespace

std::optional<std::size_t> RegisterColumns::column_of(std::string_view name) const {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names.begin());
}

std::vector<std::uint32_t> RegisterColumns::field_order() const {
  std::vector<std::uint32_t> order;
  for (const auto& cell : cells) order.push_back(cell.second);
  // Fields without a column: in declared order, as they would be read.
  std::vector<std::uint32_t> rest(absent);
  rest.insert(rest.end(), missing.begin(), missing.end());
  std::sort(rest.begin(), rest.end());
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

std::string map_register_header(const Program& program, std::vector<std::string> header, RegisterColumns& out,
                                const HeaderRules& rules) {
  out = RegisterColumns{};
  out.names = std::move(header);
  std::map<std::string_view, std::uint32_t, std::less<>> field_of;
  for (std::uint32_t f = 0; f < program.fields.size(); ++f) field_of.emplace(program.fields[f].name, f);
  // A declared header alias (`register { column 家庭纯收入 "家庭纯收入（元）" }`) names its field too.
  const RegisterSpellings& spellings = program.spellings;
  for (std::size_t a = 0; a < spellings.alias_headers.size(); ++a)
    field_of.emplace(spellings.alias_headers[a], spellings.alias_fields[a]);
  std::vector<std::optional<std::size_t>> column_of_field(program.fields.size());
  std::map<std::string_view, std::size_t, std::less<>> first_column;
  for (std::size_t c = 0; c < out.names.size(); ++c) {
    const std::string& name = out.names[c];
    const auto [seen, first] = first_column.emplace(name, c);
    const auto field = field_of.find(name);
    // A field's column given twice leaves unclear which one holds it; a
    // column the record does not have may repeat, as exports often do.
    if (!first && field != field_of.end())
      return say<MessageId::header_column_twice>(rules.language, name, seen->second + 1, c + 1, rules.line).text;
    if (field != field_of.end()) {
      // Under its own name and an alias: as unclear.
      if (const auto before = column_of_field[field->second])
        return say<MessageId::header_field_twice>(rules.language, program.fields[field->second].name,
                                                  out.names[*before], *before + 1, name, c + 1, rules.line)
            .text;
      column_of_field[field->second] = c;
    } else if (first) {
      out.extra.push_back(name);
    }
  }
  std::vector<std::string> missing;
  for (std::uint32_t f = 0; f < program.fields.size(); ++f) {
    const FieldDef& def = program.fields[f];
    if (column_of_field[f]) out.cells.emplace_back(*column_of_field[f], f);
    else if (def.optional || def.has_default) out.absent.push_back(f);
    else if (rules.allow_missing) out.missing.push_back(f);
    else missing.push_back(def.name);
  }
  std::sort(out.cells.begin(), out.cells.end());
  if (missing.empty()) return {};
  const std::string whose = rules.whose.empty() ? say<MessageId::whose_policy>(rules.language).text : std::string(rules.whose);
  const Message refusal =
      say<MessageId::header_missing>(rules.language, quoted_list(missing, rules.language), whose, rules.line);
  // A missing field the register seems to have under a longer header: the
  // alias that would take it. Never taken without the declaration.
  for (const std::string& field : missing)
    if (const std::string like = header_like(out.extra, field); !like.empty())
      return say<MessageId::header_alias_hint>(rules.language, refusal, like, field).text;
  return refusal.text;
}

std::string read_register_header_names(CsvReader& reader, std::vector<std::string>& names, Language language) {
  CsvRecord header;
  if (!reader.next(header))
    return reader.io_error() ? say<MessageId::register_unreadable>(language).text
                             : say<MessageId::register_empty>(language).text;
  names.assign(header.fields.begin(), header.fields.end());
  return {};
}

std::string read_register_header(CsvReader& reader, const Program& program, RegisterColumns& out,
                                 const HeaderRules& rules) {
  std::vector<std::string> names;
  if (std::string problem = read_register_header_names(reader, names, rules.language); !problem.empty()) return problem;
  return map_register_header(program, std::move(names), out, rules);
}

std::string extra_columns_note(const RegisterColumns& columns, Language language) {
  if (columns.extra.empty()) return {};
  return say<MessageId::extra_columns_ignored>(language, quoted_list(columns.extra, language, 10)).text;
}

std::string record_shape_problem(const CsvRecord& record, std::size_t width, Language language) {
  if (record.malformed) return record.problem;
  if (record.fields.size() != width) return say<MessageId::field_count>(language, width, record.fields.size()).text;
  return {};
}

RejectKind record_shape_kind(const CsvRecord& record, std::size_t width) {
  if (record.malformed) return RejectKind::RecordMalformed;
  return record.fields.size() != width ? RejectKind::FieldCount : RejectKind::None;
}

std::string record_reject_problem(const CsvRecord& record, std::size_t width, Language language) {
  std::string problem = record_shape_problem(record, width, language);
  if (problem.empty()) return problem;
  return csv_record_problem(record.line, record.span, problem);
}

std::optional<std::uint32_t> declared_key_field(const Program& program) {
  for (std::uint32_t f = 0; f < program.fields.size(); ++f)
    if (program.fields[f].key) return f;
  return std::nullopt;
}

std::string key_of_cell(const Program& program, std::uint32_t key_field, std::string_view cell) {
  std::int64_t value = 0;
  if (program.fields[key_field].type.kind == Kind::Int && parse_int(cell, value)) return std::to_string(value);
  return std::string(cell);
}

std::optional<std::uint64_t> KeyIndex::first_line_or_add(std::string_view key, std::uint64_t hash,
                                                          std::uint64_t line) {
  if ((keys_.size() + 1) * 10 > slots_.size() * 7) grow();
  const std::uint64_t mask = slots_.size() - 1;
  const std::uint64_t tag = hash & 0xFFFFFFFF00000000ull;
  for (std::uint64_t at = hash & mask;; at = (at + 1) & mask) {
    const std::uint64_t slot = slots_[at];
    if (slot == 0) {
      slots_[at] = tag | (keys_.size() + 1);
      keys_.push_back({bytes_.size(), line, hash, static_cast<std::uint32_t>(key.size())});
      bytes_.append(key);
      return std::nullopt;
    }
    if ((slot & 0xFFFFFFFF00000000ull) != tag) continue;
    const Key& seen = keys_[(slot & 0xFFFFFFFFull) - 1];
    if (std::string_view(bytes_).substr(seen.offset, seen.length) == key) return seen.line;
  }
}

void KeyIndex::grow() {
  std::vector<std::uint64_t> slots(std::max<std::size_t>(std::size_t{1} << 14, slots_.size() * 2), 0);
  const std::uint64_t mask = slots.size() - 1;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const std::uint64_t h = keys_[i].hash;
    std::uint64_t at = h & mask;
    while (slots[at] != 0) at = (at + 1) & mask;
    slots[at] = (h & 0xFFFFFFFF00000000ull) | (i + 1);
  }
  slots_ = std::move(slots);
}

std::string duplicate_key_reason(const Program& program, std::uint32_t key_field, std::string_view key,
                                 std::uint64_t first_line, Language language) {
  return say<MessageId::duplicate_key>(language, program.fields[key_field].name, key, first_line).text;
}

std::string OpenedRegister::open(std::FILE* input, const Program& program, RegisterEncoding encoding,
                                 const std::string& sheet) {
  if (std::string problem = decoded_.open(input, encoding); !problem.empty()) return problem;
  if (!decoded_.is_zip()) return {};
  std::string problem;
  if (!decoded_.read_all(workbook_, kMaxWorkbookBytes, problem)) return problem;
  sheet_ = std::make_unique<XlsxRegister>();
  return sheet_->open(workbook_, sheet, program);
}

std::string OpenedRegister::note(Language language) const {
  return sheet_ ? sheet_->note(language) : decoded_.note(language);
}

std::string OpenedRegister::failure() const { return sheet_ ? sheet_->failure() : decoded_.failure(); }

std::string RegisterRecords::start(const HeaderRules& rules) {
  std::string problem;
  if (reader_) {
    HeaderRules in_language = rules;
    in_language.language = language_;
    problem = read_register_header(*reader_, program_, columns_, in_language);
  } else {
    std::vector<std::string> names;
    problem = sheet_->read_header(names);
    HeaderRules on_its_row = rules;
    on_its_row.language = language_;
    on_its_row.line = sheet_->header_row();
    if (problem.empty()) problem = map_register_header(program_, std::move(names), columns_, on_its_row);
  }
  if (const auto key = declared_key_field(program_))
    for (const auto& [column, field] : columns_.cells)
      if (field == *key) key_column_ = column;
  return problem;
}

bool RegisterRecords::next_record() {
  if (reader_) return reader_->next(record_);
  for (;;) {
    if (chunk_reader_ && chunk_reader_->next(record_)) return true;
    chunk_reader_.reset();
    if (!sheet_->next_chunk(chunk_, 1024, std::size_t{1} << 20)) return false;
    if (chunk_.skipped) {  // a row that cannot be read: its problem is the record's
      record_ = CsvRecord{};
      record_.line = chunk_.first_line;
      record_.malformed = true;
      record_.problem = chunk_.problem;
      return true;
    }
    chunk_reader_ = std::make_unique<CsvReader>(chunk_);
  }
}

bool RegisterRecords::next(std::vector<std::string_view>& cells, std::uint64_t& line, std::string& problem) {
  if (!next_record()) return false;
  line = record_.line;
  problem = record_reject_problem(record_, columns_.width(), language_);
  duplicate_ = false;
  if (problem.empty() && key_column_) {
    const std::uint32_t key_field = *declared_key_field(program_);
    const std::string key = key_of_cell(program_, key_field, record_.fields[*key_column_]);
    if (!key.empty())
      if (const auto first = first_lines_.first_line_or_add(key, KeyIndex::hash(key), line)) {
        duplicate_ = true;
        problem = duplicate_key_reason(program_, key_field, key, *first, language_);
      }
  }
  cells.assign(program_.fields.size(), std::string_view());
  for (const auto& [column, field] : columns_.cells)
    if (column < record_.fields.size()) cells[field] = record_.fields[column];
  return true;
}

}  // namespace precept
