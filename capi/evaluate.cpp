// The C API's evaluations: typed records, text values, Arrow batches, and
// explanations (libprecept_eval).
#include "handles.hpp"

#include <precept/columnar.hpp>

using precept::capi::check_field;
using precept::capi::check_output;
using precept::capi::fail;
using precept::capi::PolicyData;
using precept::capi::require;

// One household's outputs: a view of the typed outcome, or the text outcome,
// of the evaluator's last evaluation.
struct precept_result {
  const PolicyData* data = nullptr;
  bool typed = false;
  std::optional<precept::TypedOutcome> typed_outcome;
  precept::Outcome text_outcome;
  // Text outputs read from the typed outcome, NUL-terminated (one per output).
  mutable std::vector<std::string> texts;
};

struct precept_record {
  std::shared_ptr<const PolicyData> data;
  precept::TypedRecord values;
};

struct precept_evaluator {
  precept_evaluator(std::shared_ptr<const PolicyData> shared, unsigned flags_given)
      : data(std::move(shared)),
        flags(flags_given),
        evaluator(data->policy, precept::EvaluatorOptions{(flags & PRECEPT_ALLOW_UNKNOWN_FIELDS) != 0}) {
    record.reserve(data->field_names.size());
    for (const std::string& name : data->field_names) record.emplace_back(name, std::string());
    result.data = data.get();
    result.texts.resize(data->output_names.size());
  }
  std::shared_ptr<const PolicyData> data;
  unsigned flags;
  precept::Evaluator evaluator;
  std::optional<precept::ColumnarEvaluator> columnar;  // made at its first batch
  // The (field name, text) pairs of evaluate_text, kept from household to
  // household so that their strings' storage is reused.
  std::vector<std::pair<std::string, std::string>> record;
  precept_result result;
};

namespace {

// The text values of a household by field index, into (name, text) pairs.
void fill_text(const PolicyData& data, const char* const* values, std::size_t count,
               std::vector<std::pair<std::string, std::string>>& record) {
  if (count != data.field_names.size())
    fail(PRECEPT_USAGE, "the household has " + std::to_string(count) + " values; the policy's record has " +
                            std::to_string(data.field_names.size()) + " fields");
  if (count != 0) require(values, "values");
  for (std::size_t i = 0; i < count; ++i) record[i].second.assign(values[i] != nullptr ? values[i] : "");
}

// The typed outcome of `result`, for a getter of `kind` on `output`.
const precept::TypedOutcome& typed_output(const precept_result* result, std::size_t output, precept_kind kind) {
  require(result, "result");
  check_output(*result->data, output);
  const precept_output_info& info = result->data->outputs[output];
  if (!result->typed)
    fail(PRECEPT_USAGE, std::string("the result was evaluated from text values: read output `") + info.name +
                            "` with precept_result_formatted");
  if (info.kind != kind)
    fail(PRECEPT_USAGE, std::string("output `") + info.name + "` is " + precept_kind_name(info.kind) + ", not " +
                            precept_kind_name(kind));
  return *result->typed_outcome;
}

template <class Set>
precept_status set_field(const char* call, precept_record* record, std::size_t field, precept_error** error,
                         Set&& set) {
  return precept::capi::catch_all(call, error, [&]() -> precept_status {
    check_field(*require(record, "record")->data, field);
    set(record->values);
    return PRECEPT_OK;
  });
}

}  // namespace

extern "C" {

precept_status precept_record_new(const precept_policy* policy, precept_record** record, precept_error** error) {
  return PRECEPT_C_CALL({
    const auto& data = require(policy, "policy")->data;
    *require(record, "record") = new precept_record{data, precept::TypedRecord(data->policy)};
    return PRECEPT_OK;
  });
}

precept_status precept_record_clear(precept_record* record, precept_error** error) {
  return PRECEPT_C_CALL({
    require(record, "record")->values.clear();
    return PRECEPT_OK;
  });
}

precept_status precept_record_set_empty(precept_record* record, size_t field, precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) { r.set_empty(field); });
}
precept_status precept_record_set_bool(precept_record* record, size_t field, int value, precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) { r.set_bool(field, value != 0); });
}
precept_status precept_record_set_int(precept_record* record, size_t field, int64_t value, precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) { r.set_int(field, value); });
}
precept_status precept_record_set_money(precept_record* record, size_t field, int64_t fen, precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) { r.set_money(field, fen); });
}
precept_status precept_record_set_decimal(precept_record* record, size_t field, int64_t millionths,
                                          precept_error** error) {
  return set_field(__func__, record, field, error,
                   [&](precept::TypedRecord& r) { r.set_decimal(field, millionths); });
}
precept_status precept_record_set_date(precept_record* record, size_t field, int32_t days_since_1970,
                                       precept_error** error) {
  return set_field(__func__, record, field, error,
                   [&](precept::TypedRecord& r) { r.set_date(field, days_since_1970); });
}
precept_status precept_record_set_enum(precept_record* record, size_t field, uint32_t member,
                                       precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) { r.set_enum(field, member); });
}
precept_status precept_record_set_text(precept_record* record, size_t field, const char* utf8, size_t length,
                                       precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) {
    if (length != 0) require(utf8, "utf8");
    r.set_text(field, std::string_view(utf8 != nullptr ? utf8 : "", utf8 != nullptr ? length : 0));
  });
}
precept_status precept_record_set_enum_list(precept_record* record, size_t field, const uint32_t* members,
                                            size_t count, precept_error** error) {
  return set_field(__func__, record, field, error, [&](precept::TypedRecord& r) {
    if (count != 0) require(members, "members");
    r.set_enum_list(field, std::span<const std::uint32_t>(members, members != nullptr ? count : 0));
  });
}

void precept_record_free(precept_record* record) { delete record; }

precept_status precept_evaluator_new(const precept_policy* policy, unsigned flags, precept_evaluator** evaluator,
                                     precept_error** error) {
  return PRECEPT_C_CALL({
    const auto& data = require(policy, "policy")->data;
    require(evaluator, "evaluator");
    if ((flags & ~(PRECEPT_ALLOW_UNKNOWN_FIELDS | PRECEPT_NUMBERS_AS_INT64)) != 0)
      fail(PRECEPT_USAGE, "unknown flags " + std::to_string(flags));
    *evaluator = new precept_evaluator(data, flags);
    return PRECEPT_OK;
  });
}

void precept_evaluator_free(precept_evaluator* evaluator) { delete evaluator; }

precept_status precept_evaluate(precept_evaluator* evaluator, const precept_record* record,
                                const precept_result** result, precept_error** error) {
  return PRECEPT_C_CALL({
    require(evaluator, "evaluator");
    require(record, "record");
    require(result, "result");
    *result = nullptr;
    precept_result& out = evaluator->result;
    out.typed = false;
    out.typed_outcome.reset();
    const precept::TypedOutcome outcome = evaluator->evaluator.evaluate(record->values);
    if (!outcome.ok()) {
      precept::Outcome rejected;
      rejected.kind = outcome.kind();
      rejected.column = outcome.column();
      rejected.error = outcome.error();
      rejected.declaration = outcome.declaration();
      rejected.policy_file = outcome.policy_file();
      rejected.policy_line = outcome.policy_line();
      return precept::capi::report_rejection(error, rejected);
    }
    out.typed = true;
    out.typed_outcome.emplace(outcome);
    *result = &out;
    return PRECEPT_OK;
  });
}

precept_status precept_evaluate_text(precept_evaluator* evaluator, const char* const* values, size_t count,
                                     const precept_result** result, precept_error** error) {
  return PRECEPT_C_CALL({
    require(evaluator, "evaluator");
    require(result, "result");
    *result = nullptr;
    precept_result& out = evaluator->result;
    out.typed = false;
    out.typed_outcome.reset();
    fill_text(*evaluator->data, values, count, evaluator->record);
    out.text_outcome = evaluator->evaluator.evaluate(evaluator->record);
    if (!out.text_outcome.ok) return precept::capi::report_rejection(error, out.text_outcome);
    *result = &out;
    return PRECEPT_OK;
  });
}

precept_status precept_result_bool(const precept_result* result, size_t output, int* value, precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_BOOL);
    *require(value, "value") = outcome.boolean(output) ? 1 : 0;
    return PRECEPT_OK;
  });
}

precept_status precept_result_int(const precept_result* result, size_t output, int64_t* value,
                                  precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_INT);
    *require(value, "value") = outcome.scalar(output);
    return PRECEPT_OK;
  });
}

precept_status precept_result_money(const precept_result* result, size_t output, int64_t* fen,
                                    precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_MONEY);
    *require(fen, "fen") = outcome.scalar(output);
    return PRECEPT_OK;
  });
}

precept_status precept_result_decimal(const precept_result* result, size_t output, int64_t* millionths,
                                      precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_DECIMAL);
    *require(millionths, "millionths") = outcome.scalar(output);
    return PRECEPT_OK;
  });
}

precept_status precept_result_date(const precept_result* result, size_t output, int32_t* days_since_1970,
                                   precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_DATE);
    *require(days_since_1970, "days_since_1970") = static_cast<std::int32_t>(outcome.scalar(output));
    return PRECEPT_OK;
  });
}

precept_status precept_result_enum(const precept_result* result, size_t output, uint32_t* member,
                                   precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_ENUM);
    *require(member, "member") = static_cast<std::uint32_t>(outcome.scalar(output));
    return PRECEPT_OK;
  });
}

precept_status precept_result_text(const precept_result* result, size_t output, const char** utf8, size_t* length,
                                   precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_TEXT);
    require(utf8, "utf8");
    require(length, "length");
    // The typed outcome's texts lie side by side in one buffer: a copy per
    // output (whose storage is reused) gives C its NUL.
    std::string& copy = result->texts[output];
    copy.assign(outcome.text(output));
    *utf8 = copy.c_str();
    *length = copy.size();
    return PRECEPT_OK;
  });
}

precept_status precept_result_enum_list(const precept_result* result, size_t output, const uint32_t** members,
                                        size_t* count, precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_ENUM_LIST);
    require(members, "members");
    require(count, "count");
    const std::span<const std::uint32_t> list = outcome.enum_list(output);
    *members = list.data();
    *count = list.size();
    return PRECEPT_OK;
  });
}

precept_status precept_result_list(const precept_result* result, size_t output, const int64_t** items,
                                   size_t* count, precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::TypedOutcome& outcome = typed_output(result, output, PRECEPT_KIND_LIST);
    require(items, "items");
    require(count, "count");
    const std::span<const std::int64_t> list = outcome.list(output);
    *items = list.data();
    *count = list.size();
    return PRECEPT_OK;
  });
}

precept_status precept_result_formatted(const precept_result* result, size_t output, const char** text,
                                        precept_error** error) {
  return PRECEPT_C_CALL({
    require(result, "result");
    check_output(*result->data, output);
    if (result->typed)
      fail(PRECEPT_USAGE, std::string("the result was evaluated from typed values: read output `") +
                              result->data->outputs[output].name + "` with its typed getter (precept_result_" +
                              precept_kind_name(result->data->outputs[output].kind) + ")");
    *require(text, "text") = result->text_outcome.values[output].c_str();
    return PRECEPT_OK;
  });
}

precept_status precept_evaluate_arrow(precept_evaluator* evaluator, const struct ArrowSchema* schema,
                                      const struct ArrowArray* batch, struct ArrowSchema* out_schema,
                                      struct ArrowArray* out_array, precept_batch_report* report,
                                      precept_error** error) {
  return PRECEPT_C_CALL({
    require(evaluator, "evaluator");
    require(schema, "schema");
    require(batch, "batch");
    require(out_schema, "out_schema");
    require(out_array, "out_array");
    if (!evaluator->columnar) {
      precept::ColumnarOptions options;
      options.allow_unknown_fields = (evaluator->flags & PRECEPT_ALLOW_UNKNOWN_FIELDS) != 0;
      options.numbers_as_int64 = (evaluator->flags & PRECEPT_NUMBERS_AS_INT64) != 0;
      evaluator->columnar.emplace(evaluator->data->policy, options);
    }
    const precept::ColumnarReport done = evaluator->columnar->evaluate(*schema, *batch, out_schema, out_array);
    if (report != nullptr) {
      report->rows = done.rows;
      report->evaluated = done.evaluated;
      report->rejected = done.rejected;
    }
    return PRECEPT_OK;
  });
}

precept_status precept_explain_text(const precept_policy* policy, const char* const* values, size_t count,
                                    size_t key_field, precept_explain_format format, char** text,
                                    precept_error** error) {
  return PRECEPT_C_CALL({
    const PolicyData& data = *require(policy, "policy")->data;
    require(text, "text");
    check_field(data, key_field);
    if (format != PRECEPT_EXPLAIN_JSON && format != PRECEPT_EXPLAIN_TEXT)
      fail(PRECEPT_USAGE, "unknown explanation format " + std::to_string(static_cast<int>(format)));
    std::vector<std::pair<std::string, std::string>> record;
    record.reserve(count);
    for (const std::string& name : data.field_names) record.emplace_back(name, std::string());
    fill_text(data, values, count, record);
    const precept::Explanation why = precept::explain(data.policy, record, data.field_names[key_field]);
    *text = precept::capi::copy_out(format == PRECEPT_EXPLAIN_JSON ? why.json() : why.text(data.explain_file));
    return PRECEPT_OK;
  });
}

}  // extern "C"
