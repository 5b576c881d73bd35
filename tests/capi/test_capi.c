/* The C API (precept/precept.h) from C99: every call, every kind of value,
 * and the error paths (bad source with its place, a damaged .pcb, the wrong
 * kind, unknown names, NULL pointers, indices out of range), a columnar batch
 * from an Arrow producer written here, and explanations. Run from the
 * repository root (it reads tests/capi/data/ and policies/). Exits 1 naming
 * every check that failed. */
#include <precept/precept.h>

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A call that must succeed; on failure prints its error and counts it. */
#define OK(call)                                                                          \
  do {                                                                                    \
    precept_error* ok_error_ = NULL;                                                      \
    precept_status ok_status_ = (call);                                                   \
    if (ok_status_ != PRECEPT_OK) {                                                       \
      fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,                  \
              precept_error_message(ok_error_), precept_status_name(ok_status_));         \
      ++failures;                                                                         \
    }                                                                                     \
    precept_error_free(ok_error_);                                                        \
  } while (0)
#define ERR (&ok_error_)

/* A call that must fail with `status`, its message containing `words`. */
static void expect_failure(const char* what, int line, precept_status status, precept_error* error,
                           precept_status expected, const char* words) {
  if (status != expected || error == NULL || precept_error_status(error) != expected ||
      strstr(precept_error_message(error), words) == NULL) {
    fprintf(stderr, "%s:%d: %s: expected %s containing `%s`, got %s: %s\n", __FILE__, line, what,
            precept_status_name(expected), words, precept_status_name(status), precept_error_message(error));
    ++failures;
  }
}
#define FAILS(expected, words, call)                                          \
  do {                                                                        \
    precept_error* fails_error_ = NULL;                                       \
    precept_status fails_status_ = (call);                                    \
    expect_failure(#call, __LINE__, fails_status_, fails_error_, expected, words); \
    precept_error_free(fails_error_);                                         \
  } while (0)
#define FERR (&fails_error_)

static char* read_file(const char* path, size_t* length) {
  FILE* file = fopen(path, "rb");
  char* bytes;
  long size;
  if (file == NULL) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fseek(file, 0, SEEK_END);
  size = ftell(file);
  fseek(file, 0, SEEK_SET);
  bytes = malloc((size_t)size + 1);
  if (bytes == NULL || fread(bytes, 1, (size_t)size, file) != (size_t)size) exit(2);
  bytes[size] = '\0';
  fclose(file);
  *length = (size_t)size;
  return bytes;
}

/* Field and output indices of tests/capi/data/every_kind.pol. */
enum { F_ID, F_MEMBERS, F_INCOME, F_RATE, F_BORN, F_GRADE, F_ADULT, F_AIDS, F_DEPOSITS, F_PENSION, F_NOTE, FIELDS };
enum { O_ID, O_MEMBERS, O_PER_CAPITA, O_RATE, O_BORN, O_GRADE, O_ADULT, O_AIDS, O_SAVINGS, O_PENSION, O_NOTE, O_POOR };

static void test_names_and_version(void) {
  EXPECT(strcmp(precept_version(), "0.1.0") == 0);
  EXPECT(precept_bytecode_format_version() >= 4);
  EXPECT(strcmp(precept_status_name(PRECEPT_OK), "ok") == 0);
  EXPECT(strcmp(precept_status_name(PRECEPT_REJECTED), "rejected") == 0);
  EXPECT(strcmp(precept_status_name((precept_status)42), "unknown") == 0);
  EXPECT(PRECEPT_POLICY_ERRORS == 1 && PRECEPT_USAGE == 2 && PRECEPT_BAD_INPUT == 3 && PRECEPT_WRITE_FAILED == 4 &&
         PRECEPT_OUT_OF_MEMORY == 6);
  EXPECT(strcmp(precept_kind_name(PRECEPT_KIND_MONEY), "money") == 0);
  EXPECT(strcmp(precept_kind_name(PRECEPT_KIND_ENUM_LIST), "enum_list") == 0);
  EXPECT(strcmp(precept_kind_name((precept_kind)99), "unknown") == 0);
  /* The error's accessors take NULL. */
  EXPECT(precept_error_status(NULL) == PRECEPT_OK);
  EXPECT(strcmp(precept_error_message(NULL), "") == 0 && precept_error_line(NULL) == 0);
  precept_error_free(NULL);
  precept_policy_free(NULL);
  precept_evaluator_free(NULL);
  precept_record_free(NULL);
  precept_diagnostics_free(NULL);
  precept_free(NULL);
}

static void test_bad_source(void) {
  static const char source[] = "policy \"broken\" year 2016\nrecord r { members: int }\noutput poor = membrs > 3\n";
  precept_policy* policy = (precept_policy*)1;
  precept_diagnostics* diagnostics = NULL;
  precept_error* error = NULL;
  precept_diagnostic d;
  size_t count = 0;
  char* rendered = NULL;
  const precept_status status = precept_compile(source, strlen(source), "broken.pol", &policy, &diagnostics, &error);
  EXPECT(status == PRECEPT_POLICY_ERRORS);
  EXPECT(policy == NULL);
  EXPECT(precept_error_status(error) == PRECEPT_POLICY_ERRORS);
  EXPECT(strcmp(precept_error_file(error), "broken.pol") == 0);
  EXPECT(precept_error_line(error) == 3 && precept_error_column(error) == 15);
  EXPECT(strstr(precept_error_message(error), "unknown name `membrs`") != NULL);
  EXPECT(strstr(precept_error_hint(error), "members") != NULL);
  precept_error_free(error);
  OK(precept_diagnostics_count(diagnostics, &count, ERR));
  EXPECT(count == 1);
  OK(precept_diagnostics_get(diagnostics, 0, &d, ERR));
  EXPECT(d.severity == PRECEPT_SEVERITY_ERROR && d.line == 3 && d.column == 15 && strcmp(d.file, "broken.pol") == 0);
  FAILS(PRECEPT_USAGE, "out of range", precept_diagnostics_get(diagnostics, 1, &d, FERR));
  FAILS(PRECEPT_USAGE, "`diagnostic` is NULL", precept_diagnostics_get(diagnostics, 0, NULL, FERR));
  OK(precept_diagnostics_render(diagnostics, &rendered, ERR));
  EXPECT(rendered != NULL && strstr(rendered, "broken.pol:3:15: error: unknown name `membrs`") != NULL);
  precept_free(rendered);
  precept_diagnostics_free(diagnostics);
  /* Without the diagnostics, or the error: the status alone. */
  policy = NULL;
  EXPECT(precept_compile(source, strlen(source), NULL, &policy, NULL, NULL) == PRECEPT_POLICY_ERRORS);
  FAILS(PRECEPT_USAGE, "`source` is NULL", precept_compile(NULL, 5, NULL, &policy, NULL, FERR));
  FAILS(PRECEPT_USAGE, "`policy` is NULL", precept_compile(source, strlen(source), NULL, NULL, NULL, FERR));
  FAILS(PRECEPT_POLICY_ERRORS, "cannot read the file",
        precept_compile_file("tests/capi/data/no_such.pol", &policy, NULL, FERR));
}

static void test_describe(const precept_policy* policy) {
  precept_policy_info info;
  precept_field_info f;
  precept_output_info o;
  size_t index = 99;
  OK(precept_policy_describe(policy, &info, ERR));
  EXPECT(strcmp(info.name, "every kind") == 0 && info.year == 2015);
  EXPECT(info.field_count == FIELDS && info.output_count == 12);
  EXPECT(strstr(info.source_file, "every_kind.pol") != NULL);

  OK(precept_policy_field(policy, F_MEMBERS, &f, ERR));
  EXPECT(strcmp(f.name, "members") == 0 && f.kind == PRECEPT_KIND_INT && !f.optional && !f.has_default);
  EXPECT(strcmp(f.bound, ">= 1") == 0 && strcmp(f.description, "people in the household") == 0 && f.line == 8);
  OK(precept_policy_field(policy, F_INCOME, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_MONEY && f.bound[0] == '\0' && f.members == NULL && f.member_count == 0);
  OK(precept_policy_field(policy, F_RATE, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_DECIMAL);
  OK(precept_policy_field(policy, F_BORN, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_DATE);
  OK(precept_policy_field(policy, F_GRADE, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_ENUM && f.member_count == 3 && strcmp(f.members[0], "low") == 0 &&
         strcmp(f.members[2], "high") == 0);
  OK(precept_policy_field(policy, F_ADULT, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_BOOL);
  OK(precept_policy_field(policy, F_AIDS, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_ENUM_LIST && f.member_count == 3 && strcmp(f.members[1], "school") == 0);
  OK(precept_policy_field(policy, F_DEPOSITS, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_MONEY && f.optional && !f.has_default);
  OK(precept_policy_field(policy, F_PENSION, &f, ERR));
  EXPECT(f.has_default && strcmp(f.default_value, "0.00") == 0 && f.default_scalar == 0);
  OK(precept_policy_field(policy, F_NOTE, &f, ERR));
  EXPECT(f.kind == PRECEPT_KIND_TEXT && f.optional);
  FAILS(PRECEPT_USAGE, "field index 11 is out of range", precept_policy_field(policy, FIELDS, &f, FERR));
  FAILS(PRECEPT_USAGE, "`info` is NULL", precept_policy_field(policy, 0, NULL, FERR));
  FAILS(PRECEPT_USAGE, "`policy` is NULL", precept_policy_field(NULL, 0, &f, FERR));

  OK(precept_policy_output(policy, O_PER_CAPITA, &o, ERR));
  EXPECT(strcmp(o.name, "per_capita") == 0 && o.kind == PRECEPT_KIND_MONEY);
  OK(precept_policy_output(policy, O_AIDS, &o, ERR));
  EXPECT(o.kind == PRECEPT_KIND_ENUM_LIST && o.element == PRECEPT_KIND_ENUM && o.member_count == 3);
  OK(precept_policy_output(policy, O_POOR, &o, ERR));
  EXPECT(o.kind == PRECEPT_KIND_BOOL);
  OK(precept_policy_output(policy, O_NOTE, &o, ERR));
  EXPECT(o.kind == PRECEPT_KIND_TEXT && strcmp(o.name, "note_out") == 0);
  FAILS(PRECEPT_USAGE, "output index 12 is out of range", precept_policy_output(policy, 12, &o, FERR));

  OK(precept_policy_field_index(policy, "aids", &index, ERR));
  EXPECT(index == F_AIDS);
  OK(precept_policy_output_index(policy, "savings", &index, ERR));
  EXPECT(index == O_SAVINGS);
  {
    precept_error* error = NULL;
    EXPECT(precept_policy_field_index(policy, "membres", &index, &error) == PRECEPT_USAGE);
    EXPECT(strstr(precept_error_message(error), "no field `membres`") != NULL);
    EXPECT(strcmp(precept_error_field(error), "membres") == 0);
    precept_error_free(error);
  }
  FAILS(PRECEPT_USAGE, "no output `total`", precept_policy_output_index(policy, "total", &index, FERR));
  FAILS(PRECEPT_USAGE, "`name` is NULL", precept_policy_field_index(policy, NULL, &index, FERR));
  {
    char* listing = NULL;
    OK(precept_policy_disassemble(policy, &listing, ERR));
    EXPECT(listing != NULL && strlen(listing) > 100);
    precept_free(listing);
  }
}

/* h1 of every_kind: 4 members, 6157.78 yuan, rate 0.125, born 2001-02-03
 * (day 11356), grade mid, adult, aids food;clinic, no deposits, pension by
 * default, note "hello". */
static void set_h1(precept_record* record) {
  static const uint32_t aids[] = {0, 2};
  OK(precept_record_clear(record, ERR));
  OK(precept_record_set_text(record, F_ID, "h1", 2, ERR));
  OK(precept_record_set_int(record, F_MEMBERS, 4, ERR));
  OK(precept_record_set_money(record, F_INCOME, 615778, ERR));
  OK(precept_record_set_decimal(record, F_RATE, 125000, ERR));
  OK(precept_record_set_date(record, F_BORN, 11356, ERR));
  OK(precept_record_set_enum(record, F_GRADE, 1, ERR));
  OK(precept_record_set_bool(record, F_ADULT, 1, ERR));
  OK(precept_record_set_enum_list(record, F_AIDS, aids, 2, ERR));
  OK(precept_record_set_empty(record, F_DEPOSITS, ERR));
  OK(precept_record_set_text(record, F_NOTE, "hello", 5, ERR));
}

static const char* const h1_text[FIELDS] = {"h1",   "4",          "6157.78", "0.125", "2001-02-03", "mid",
                                            "1",    "food;clinic", "",        NULL,    "hello"};

static void test_typed(const precept_policy* policy) {
  precept_record* record = NULL;
  precept_evaluator* evaluator = NULL;
  const precept_result* result = NULL;
  int flag = -1;
  int64_t number = 0;
  int32_t day = 0;
  uint32_t member = 99;
  const uint32_t* members = NULL;
  size_t count = 0;
  const char* text = NULL;
  size_t length = 0;
  OK(precept_record_new(policy, &record, ERR));
  OK(precept_evaluator_new(policy, 0, &evaluator, ERR));
  set_h1(record);
  OK(precept_evaluate(evaluator, record, &result, ERR));
  EXPECT(result != NULL);
  OK(precept_result_text(result, O_ID, &text, &length, ERR));
  EXPECT(length == 2 && strcmp(text, "h1") == 0);
  OK(precept_result_int(result, O_MEMBERS, &number, ERR));
  EXPECT(number == 4);
  OK(precept_result_money(result, O_PER_CAPITA, &number, ERR));
  EXPECT(number == 153944); /* 6157.78 / 4 = 1539.445, half to even */
  OK(precept_result_decimal(result, O_RATE, &number, ERR));
  EXPECT(number == 125000);
  OK(precept_result_date(result, O_BORN, &day, ERR));
  EXPECT(day == 11356);
  OK(precept_result_enum(result, O_GRADE, &member, ERR));
  EXPECT(member == 1);
  OK(precept_result_bool(result, O_ADULT, &flag, ERR));
  EXPECT(flag == 1);
  OK(precept_result_enum_list(result, O_AIDS, &members, &count, ERR));
  EXPECT(count == 2 && members[0] == 0 && members[1] == 2);
  OK(precept_result_money(result, O_SAVINGS, &number, ERR));
  EXPECT(number == 0);
  OK(precept_result_money(result, O_PENSION, &number, ERR));
  EXPECT(number == 0);
  OK(precept_result_text(result, O_NOTE, &text, &length, ERR));
  EXPECT(strcmp(text, "hello") == 0);
  OK(precept_result_bool(result, O_POOR, &flag, ERR));
  EXPECT(flag == 1);
  /* Getters of the wrong kind, of the text path, out of range. */
  FAILS(PRECEPT_USAGE, "output `per_capita` is money, not int", precept_result_int(result, O_PER_CAPITA, &number, FERR));
  FAILS(PRECEPT_USAGE, "with its typed getter", precept_result_formatted(result, O_PER_CAPITA, &text, FERR));
  FAILS(PRECEPT_USAGE, "output index 12 is out of range", precept_result_bool(result, 12, &flag, FERR));
  FAILS(PRECEPT_USAGE, "`value` is NULL", precept_result_bool(result, O_POOR, NULL, FERR));
  FAILS(PRECEPT_USAGE, "`result` is NULL", precept_result_bool(NULL, O_POOR, &flag, FERR));

  /* Setters of the wrong kind, out of range: usage, the record unchanged. */
  FAILS(PRECEPT_USAGE, "income", precept_record_set_int(record, F_INCOME, 5, FERR));
  FAILS(PRECEPT_USAGE, "field index 11 is out of range", precept_record_set_int(record, FIELDS, 5, FERR));
  FAILS(PRECEPT_USAGE, "grade", precept_record_set_enum(record, F_GRADE, 3, FERR));
  {
    static const uint32_t bad[] = {0, 7};
    FAILS(PRECEPT_USAGE, "aids", precept_record_set_enum_list(record, F_AIDS, bad, 2, FERR));
  }
  FAILS(PRECEPT_USAGE, "`record` is NULL", precept_record_set_bool(NULL, F_ADULT, 1, FERR));
  FAILS(PRECEPT_USAGE, "`utf8` is NULL", precept_record_set_text(record, F_NOTE, NULL, 3, FERR));
  OK(precept_evaluate(evaluator, record, &result, ERR)); /* still h1 */
  OK(precept_result_money(result, O_PER_CAPITA, &number, ERR));
  EXPECT(number == 153944);

  /* Rejections: data, with their kind and field. */
  {
    precept_error* error = NULL;
    OK(precept_record_set_int(record, F_MEMBERS, 0, ERR));
    EXPECT(precept_evaluate(evaluator, record, &result, &error) == PRECEPT_REJECTED);
    EXPECT(result == NULL);
    EXPECT(strcmp(precept_error_kind(error), "bound_failed") == 0);
    EXPECT(strcmp(precept_error_field(error), "members") == 0);
    EXPECT(strcmp(precept_error_message(error), "`members` must be at least 1, found `0`") == 0);
    precept_error_free(error);
    error = NULL;
    OK(precept_record_set_int(record, F_MEMBERS, 4, ERR));
    OK(precept_record_set_empty(record, F_INCOME, ERR));
    EXPECT(precept_evaluate(evaluator, record, &result, &error) == PRECEPT_REJECTED);
    EXPECT(strcmp(precept_error_kind(error), "value_missing") == 0 && strcmp(precept_error_field(error), "income") == 0);
    precept_error_free(error);
    error = NULL;
    OK(precept_record_set_money(record, F_INCOME, 615778, ERR));
    OK(precept_record_set_int(record, F_MEMBERS, 1234567890, ERR));
    EXPECT(precept_evaluate(evaluator, record, &result, &error) == PRECEPT_REJECTED);
    EXPECT(strcmp(precept_error_kind(error), "value_unreadable") == 0);
    EXPECT(strstr(precept_error_message(error), "found `1234567890`") != NULL);
    precept_error_free(error);
  }
  FAILS(PRECEPT_USAGE, "`record` is NULL", precept_evaluate(evaluator, NULL, &result, FERR));
  FAILS(PRECEPT_USAGE, "`evaluator` is NULL", precept_evaluate(NULL, record, &result, FERR));
  FAILS(PRECEPT_USAGE, "`result` is NULL", precept_evaluate(evaluator, record, NULL, FERR));
  FAILS(PRECEPT_USAGE, "unknown flags", precept_evaluator_new(policy, 64, &evaluator, FERR));

  /* Text in, text out: the same household read by `precept run`'s rules. */
  OK(precept_evaluate_text(evaluator, h1_text, FIELDS, &result, ERR));
  {
    static const char* const expected[] = {"h1",          "4",    "1539.44", "0.125000", "2001-02-03", "mid", "true",
                                           "food;clinic", "0.00", "0.00",    "hello",    "true"};
    size_t i;
    for (i = 0; i < 12; ++i) {
      OK(precept_result_formatted(result, i, &text, ERR));
      EXPECT(text != NULL && strcmp(text, expected[i]) == 0);
    }
  }
  FAILS(PRECEPT_USAGE, "with precept_result_formatted", precept_result_money(result, O_PER_CAPITA, &number, FERR));
  FAILS(PRECEPT_USAGE, "the household has 3 values; the policy's record has 11 fields",
        precept_evaluate_text(evaluator, h1_text, 3, &result, FERR));
  {
    const char* bad[FIELDS];
    precept_error* error = NULL;
    memcpy(bad, h1_text, sizeof bad);
    bad[F_INCOME] = "12.345";
    EXPECT(precept_evaluate_text(evaluator, bad, FIELDS, &result, &error) == PRECEPT_REJECTED);
    EXPECT(strcmp(precept_error_kind(error), "value_unreadable") == 0 && strcmp(precept_error_field(error), "income") == 0);
    EXPECT(strstr(precept_error_message(error), "found `12.345`") != NULL);
    precept_error_free(error);
  }

  /* A record made for another policy. */
  {
    precept_policy* other = NULL;
    precept_record* foreign = NULL;
    OK(precept_compile_file("policies/xijiang_2015.pol", &other, NULL, ERR));
    OK(precept_record_new(other, &foreign, ERR));
    FAILS(PRECEPT_USAGE, "", precept_evaluate(evaluator, foreign, &result, FERR));
    precept_record_free(foreign);
    precept_policy_free(other);
  }
  precept_record_free(record);
  precept_evaluator_free(evaluator);
}

/* ---- a columnar batch: a small Arrow producer ---------------------------- */

static int released_arrays = 0, released_schemas = 0;
static void release_array(struct ArrowArray* array) {
  ++released_arrays;
  array->release = NULL;
}
static void release_schema(struct ArrowSchema* schema) {
  ++released_schemas;
  schema->release = NULL;
}

typedef struct child {
  struct ArrowSchema schema;
  struct ArrowArray array;
  const void* buffers[3];
} child;

static void make_child(child* c, const char* name, const char* format, int64_t rows, int64_t n_buffers,
                       const void* b0, const void* b1, const void* b2) {
  memset(c, 0, sizeof *c);
  c->schema.format = format;
  c->schema.name = name;
  c->schema.flags = ARROW_FLAG_NULLABLE;
  c->schema.release = release_schema;
  c->buffers[0] = b0;
  c->buffers[1] = b1;
  c->buffers[2] = b2;
  c->array.length = rows;
  c->array.null_count = -1;
  c->array.n_buffers = n_buffers;
  c->array.buffers = c->buffers;
  c->array.release = release_array;
}

static void test_columnar(const precept_policy* policy) {
  /* Three households: h1; h2 with no income (a required field's null:
   * value_missing); h3 with 0 members (bound_failed). */
  enum { ROWS = 3 };
  static const int32_t id_offsets[] = {0, 2, 4, 6};
  static const int64_t members[] = {4, 2, 0}, income[] = {615778, 0, 100}, rate[] = {125000, 1000000, 0};
  static const int32_t born[] = {11356, 0, 0};
  static const uint8_t all_valid = 0x7, income_valid = 0x5, adult_bits = 0x1;
  static const int32_t grade_offsets[] = {0, 3, 6, 9};
  static const int32_t aid_offsets[] = {0, 2, 2, 3}, aid_name_offsets[] = {0, 4, 10, 16};
  child columns[9], aid_names;
  struct ArrowSchema* schemas[9];
  struct ArrowArray* arrays[9];
  struct ArrowSchema* aid_schema_children[1];
  struct ArrowArray* aid_array_children[1];
  struct ArrowSchema batch_schema, out_schema;
  struct ArrowArray batch, out;
  const void* batch_buffers[1] = {NULL};
  precept_evaluator* evaluator = NULL;
  precept_batch_report report;
  int i;
  make_child(&columns[0], "id", "u", ROWS, 3, NULL, id_offsets, "h1h2h3");
  make_child(&columns[1], "members", "l", ROWS, 2, NULL, members, NULL);
  make_child(&columns[2], "income", "l", ROWS, 2, &income_valid, income, NULL);
  make_child(&columns[3], "rate", "l", ROWS, 2, NULL, rate, NULL);
  make_child(&columns[4], "born", "tdD", ROWS, 2, &all_valid, born, NULL);
  make_child(&columns[5], "grade", "u", ROWS, 3, NULL, grade_offsets, "midlowlow");
  make_child(&columns[6], "adult", "b", ROWS, 2, NULL, &adult_bits, NULL);
  make_child(&columns[7], "aids", "+l", ROWS, 2, NULL, aid_offsets, NULL);
  make_child(&aid_names, "item", "u", 3, 3, NULL, aid_name_offsets, "foodclinicschool");
  aid_schema_children[0] = &aid_names.schema;
  aid_array_children[0] = &aid_names.array;
  columns[7].schema.n_children = 1;
  columns[7].schema.children = aid_schema_children;
  columns[7].array.n_children = 1;
  columns[7].array.children = aid_array_children;
  make_child(&columns[8], "note", "u", ROWS, 3, NULL, id_offsets, "h1h2h3");
  for (i = 0; i < 9; ++i) {
    schemas[i] = &columns[i].schema;
    arrays[i] = &columns[i].array;
  }
  memset(&batch_schema, 0, sizeof batch_schema);
  batch_schema.format = "+s";
  batch_schema.n_children = 9;
  batch_schema.children = schemas;
  batch_schema.release = release_schema;
  memset(&batch, 0, sizeof batch);
  batch.length = ROWS;
  batch.n_buffers = 1;
  batch.buffers = batch_buffers;
  batch.n_children = 9;
  batch.children = arrays;
  batch.release = release_array;

  OK(precept_evaluator_new(policy, PRECEPT_NUMBERS_AS_INT64, &evaluator, ERR));
  memset(&report, 0, sizeof report);
  OK(precept_evaluate_arrow(evaluator, &batch_schema, &batch, &out_schema, &out, &report, ERR));
  EXPECT(report.rows == 3 && report.evaluated == 1 && report.rejected == 2);
  EXPECT(released_arrays == 0 && released_schemas == 0); /* the input stays the caller's */
  EXPECT(out.length == 3 && out_schema.n_children == 15);
  if (out_schema.n_children == 15) {
    const struct ArrowArray* per_capita = out.children[O_PER_CAPITA];
    const struct ArrowArray* kinds = out.children[12];
    const int32_t* kind_offsets = kinds->buffers[1];
    const char* kind_bytes = kinds->buffers[2];
    EXPECT(strcmp(out_schema.children[O_PER_CAPITA]->name, "per_capita") == 0);
    EXPECT(strcmp(out_schema.children[O_PER_CAPITA]->format, "l") == 0);
    EXPECT(((const int64_t*)per_capita->buffers[1])[per_capita->offset] == 153944);
    EXPECT(strcmp(out_schema.children[12]->name, "reject_kind") == 0);
    EXPECT(strncmp(kind_bytes + kind_offsets[kinds->offset + 1], "value_missing", 13) == 0);
    EXPECT(strncmp(kind_bytes + kind_offsets[kinds->offset + 2], "bound_failed", 12) == 0);
  }
  out.release(&out);
  out_schema.release(&out_schema);
  EXPECT(out.release == NULL && out_schema.release == NULL);

  /* A batch without a required field's column: bad input, naming it. */
  batch_schema.n_children = batch.n_children = 1;
  {
    precept_error* error = NULL;
    EXPECT(precept_evaluate_arrow(evaluator, &batch_schema, &batch, &out_schema, &out, NULL, &error) ==
           PRECEPT_BAD_INPUT);
    EXPECT(strstr(precept_error_message(error), "members") != NULL);
    EXPECT(precept_error_field(error)[0] != '\0');
    precept_error_free(error);
  }
  FAILS(PRECEPT_USAGE, "`out_array` is NULL",
        precept_evaluate_arrow(evaluator, &batch_schema, &batch, &out_schema, NULL, NULL, FERR));
  precept_evaluator_free(evaluator);
}

static void test_explain(const precept_policy* policy) {
  char* text = NULL;
  OK(precept_explain_text(policy, h1_text, FIELDS, F_ID, PRECEPT_EXPLAIN_JSON, &text, ERR));
  EXPECT(text != NULL && strncmp(text, "{\"id\":\"h1\"", 10) == 0);
  EXPECT(text != NULL && strstr(text, "\"per_capita\"") != NULL && strstr(text, "\"1539.44\"") != NULL);
  precept_free(text);
  text = NULL;
  OK(precept_explain_text(policy, h1_text, FIELDS, F_ID, PRECEPT_EXPLAIN_TEXT, &text, ERR));
  EXPECT(text != NULL && strstr(text, "per_capita") != NULL && strstr(text, "1539.44") != NULL);
  precept_free(text);
  {
    const char* bad[FIELDS];
    memcpy(bad, h1_text, sizeof bad);
    bad[F_MEMBERS] = "0";
    text = NULL;
    OK(precept_explain_text(policy, bad, FIELDS, F_ID, PRECEPT_EXPLAIN_JSON, &text, ERR));
    EXPECT(text != NULL && strstr(text, "\"rejected\":true") != NULL);
    precept_free(text);
  }
  FAILS(PRECEPT_USAGE, "field index 11 is out of range",
        precept_explain_text(policy, h1_text, FIELDS, FIELDS, PRECEPT_EXPLAIN_JSON, &text, FERR));
  FAILS(PRECEPT_USAGE, "unknown explanation format",
        precept_explain_text(policy, h1_text, FIELDS, F_ID, (precept_explain_format)5, &text, FERR));
  FAILS(PRECEPT_USAGE, "`text` is NULL",
        precept_explain_text(policy, h1_text, FIELDS, F_ID, PRECEPT_EXPLAIN_JSON, NULL, FERR));
}

static void test_save_and_load(const precept_policy* policy, const char* scratch) {
  void* bytes = NULL;
  size_t length = 0;
  precept_policy* loaded = NULL;
  precept_policy_info info;
  precept_diagnostics* diagnostics = NULL;
  char path[4096];
  OK(precept_policy_save(policy, &bytes, &length, ERR));
  EXPECT(bytes != NULL && length > 16);
  OK(precept_load(bytes, length, "every.pcb", &loaded, NULL, ERR));
  OK(precept_policy_describe(loaded, &info, ERR));
  EXPECT(strcmp(info.name, "every kind") == 0 && info.field_count == FIELDS);
  test_typed(loaded); /* a loaded program evaluates as the compiled one */
  precept_policy_free(loaded);
  loaded = NULL;
  /* Damaged: truncated, then not a program at all. */
  {
    precept_error* error = NULL;
    EXPECT(precept_load(bytes, length / 2, "half.pcb", &loaded, &diagnostics, &error) == PRECEPT_POLICY_ERRORS);
    EXPECT(loaded == NULL && strcmp(precept_error_file(error), "half.pcb") == 0);
    EXPECT(strstr(precept_error_message(error), "truncated") != NULL);
    precept_error_free(error);
    precept_diagnostics_free(diagnostics);
  }
  FAILS(PRECEPT_POLICY_ERRORS, "", precept_load("not a program", 13, NULL, &loaded, NULL, FERR));
  FAILS(PRECEPT_USAGE, "`bytes` is NULL", precept_load(NULL, 3, NULL, &loaded, NULL, FERR));
  precept_free(bytes);

  snprintf(path, sizeof path, "%s/every.pcb", scratch);
  OK(precept_policy_save_file(policy, path, ERR));
  OK(precept_load_file(path, &loaded, NULL, ERR));
  precept_policy_free(loaded);
  loaded = NULL;
  OK(precept_compile_file(path, &loaded, NULL, ERR)); /* a .pcb is recognised */
  precept_policy_free(loaded);
  FAILS(PRECEPT_WRITE_FAILED, "cannot write", precept_policy_save_file(policy, "/nonexistent/dir/x.pcb", FERR));
  FAILS(PRECEPT_POLICY_ERRORS, "cannot read the file", precept_load_file("/nonexistent/x.pcb", &loaded, NULL, FERR));
  FAILS(PRECEPT_USAGE, "`path` is NULL", precept_load_file(NULL, &loaded, NULL, FERR));
}

int main(int argc, char** argv) {
  precept_policy* policy = NULL;
  precept_diagnostics* diagnostics = NULL;
  size_t length = 0, count = 9;
  char* source;
  if (argc != 2) {
    fprintf(stderr, "usage: test_capi SCRATCH_DIRECTORY (run from the repository root)\n");
    return 2;
  }
  test_names_and_version();
  test_bad_source();
  source = read_file("tests/capi/data/every_kind.pol", &length);
  OK(precept_compile(source, length, "tests/capi/data/every_kind.pol", &policy, &diagnostics, ERR));
  free(source);
  OK(precept_diagnostics_count(diagnostics, &count, ERR));
  EXPECT(count == 0);
  precept_diagnostics_free(diagnostics);
  if (policy == NULL) return 1;
  test_describe(policy);
  test_typed(policy);
  test_columnar(policy);
  test_explain(policy);
  test_save_and_load(policy, argv[1]);
  precept_policy_free(policy);
  return checks_done();
}
