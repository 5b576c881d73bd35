/* The C API from a program linked with libprecept_eval alone (no compiler, no
 * ANTLR, no Z3): a .pcb of W1 loaded, one household evaluated typed and by
 * text, and explained. The .pcb comes from `precept compile` (the test's
 * fixture). Exits 1 naming every check that failed. */
#include <precept/precept.h>

#include "check.h"

#include <stdio.h>
#include <string.h>

/* W1's household 360733-0000001, by field name and text. */
static const char* const household[][2] = {
    {"household_id", "360733-0000001"}, {"county", "会昌县"}, {"township", "西江镇"}, {"village", "西头村"},
    {"members", "4"}, {"labor_count", "1"}, {"net_income", "6157.78"}, {"deposits", "7848.2"}, {"owns_car", "0"},
    {"owns_town_house", "0"}, {"public_employee", "0"}, {"house", "d"}, {"dibao", "0"}, {"wubao", "0"},
    {"ill_members", "1"}, {"disabled_members", "0"}, {"students", "0"}, {"disaster_loss", "0"}, {"safe_water", "1"},
    {"remote", "0"}};
enum { FIELDS = sizeof household / sizeof household[0] };

static size_t field(const precept_policy* policy, const char* name) {
  size_t index = 0;
  if (precept_policy_field_index(policy, name, &index, NULL) != PRECEPT_OK) {
    fprintf(stderr, "no field %s\n", name);
    ++failures;
  }
  return index;
}

int main(int argc, char** argv) {
  precept_policy* policy = NULL;
  precept_evaluator* evaluator = NULL;
  precept_record* record = NULL;
  precept_error* error = NULL;
  precept_policy_info info;
  const precept_result* result = NULL;
  const char* values[FIELDS];
  size_t i, total = 0, key;
  int64_t fen = 0;
  char* json = NULL;
  if (argc != 2) {
    fprintf(stderr, "usage: test_capi_eval W1.pcb\n");
    return 2;
  }
  if (precept_load_file(argv[1], &policy, NULL, &error) != PRECEPT_OK) {
    fprintf(stderr, "%s: %s\n", argv[1], precept_error_message(error));
    precept_error_free(error);
    return 1;
  }
  EXPECT(precept_policy_describe(policy, &info, NULL) == PRECEPT_OK && info.field_count == FIELDS &&
         info.year == 2015);
  EXPECT(precept_evaluator_new(policy, 0, &evaluator, NULL) == PRECEPT_OK);
  EXPECT(precept_record_new(policy, &record, NULL) == PRECEPT_OK);
  EXPECT(precept_policy_output_index(policy, "total_assistance", &total, NULL) == PRECEPT_OK);

  /* Typed. */
  EXPECT(precept_record_set_text(record, field(policy, "household_id"), "360733-0000001", 14, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_text(record, field(policy, "county"), "x", 1, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_text(record, field(policy, "township"), "x", 1, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_text(record, field(policy, "village"), "x", 1, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_int(record, field(policy, "members"), 4, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_int(record, field(policy, "labor_count"), 1, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_money(record, field(policy, "net_income"), 615778, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_money(record, field(policy, "deposits"), 784820, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "owns_car"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "owns_town_house"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "public_employee"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_enum(record, field(policy, "house"), 2, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "dibao"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "wubao"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_int(record, field(policy, "ill_members"), 1, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_int(record, field(policy, "disabled_members"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_int(record, field(policy, "students"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_money(record, field(policy, "disaster_loss"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "safe_water"), 1, NULL) == PRECEPT_OK);
  EXPECT(precept_record_set_bool(record, field(policy, "remote"), 0, NULL) == PRECEPT_OK);
  EXPECT(precept_evaluate(evaluator, record, &result, NULL) == PRECEPT_OK);
  EXPECT(result != NULL && precept_result_money(result, total, &fen, NULL) == PRECEPT_OK && fen == 2300000);

  /* Text, by field index. */
  for (i = 0; i < FIELDS; ++i) values[field(policy, household[i][0])] = household[i][1];
  EXPECT(precept_evaluate_text(evaluator, values, FIELDS, &result, NULL) == PRECEPT_OK);
  {
    const char* text = NULL;
    EXPECT(result != NULL && precept_result_formatted(result, total, &text, NULL) == PRECEPT_OK &&
           strcmp(text, "23000.00") == 0);
  }

  /* Explained. */
  key = field(policy, "household_id");
  EXPECT(precept_explain_text(policy, values, FIELDS, key, PRECEPT_EXPLAIN_JSON, &json, NULL) == PRECEPT_OK);
  EXPECT(json != NULL && strstr(json, "\"compared\":[\"per_capita 1539.44 < poverty_line 2736.00\"]") != NULL);
  precept_free(json);

  precept_record_free(record);
  precept_evaluator_free(evaluator);
  precept_policy_free(policy);
  return checks_done();
}
