/* precept-c-api: Precept's C API (precept/precept.h) as a C program uses it.
 *
 * Run from the repository root:
 *
 *   precept-c-api [policy [register [household to explain]]]
 *
 * (defaults: policies/xijiang_2015.pol, examples/data/xijiang_sample.csv,
 * 360733-0000001). It compiles the policy, describes its record and outputs,
 * reads the register (a CSV file with a header line), and evaluates it twice:
 *
 *   - one household at a time, with typed values: each cell the example can
 *     read (a number, 0/1, a member's name, ...) is set as a typed value; a
 *     row with a cell it cannot read goes to Precept as text instead
 *     (precept_evaluate_text), so that Precept rejects it with its own
 *     reasons, as `precept run` does;
 *   - the same typed rows as one columnar batch (the Arrow C Data Interface),
 *     whose results must agree with the typed ones;
 *
 * then explains one household (the JSON of `precept explain --format json`)
 * and prints what it decided: per household its id, poor, category, cause,
 * measures and total, and per rejected row its line, kind, field and reason. */
#include <precept/precept.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- failing loudly ---------------------------------------------------- */

/* Prints the error of a failed call and exits with its status (the `precept`
 * command's exit codes). */
static void die(const char* what, precept_status status, precept_error* error) {
  fprintf(stderr, "%s: %s (%s)", what, precept_error_message(error), precept_status_name(status));
  if (precept_error_file(error)[0] != '\0')
    fprintf(stderr, " at %s:%u:%u", precept_error_file(error), (unsigned)precept_error_line(error),
            (unsigned)precept_error_column(error));
  fputc('\n', stderr);
  precept_error_free(error);
  exit((int)status);
}

#define CHECK(call)                                       \
  do {                                                    \
    precept_error* check_error_ = NULL;                   \
    precept_status check_status_ = (call);                \
    (void)check_error_;                                   \
    if (check_status_ != PRECEPT_OK) die(#call, check_status_, check_error_); \
  } while (0)
/* The calls pass &error explicitly: CHECK's expansion names it. */
#define E (&check_error_)

static void* allocate(size_t bytes) {
  void* memory = calloc(1, bytes ? bytes : 1);
  if (memory == NULL) {
    fputs("out of memory\n", stderr);
    exit(6);
  }
  return memory;
}

/* ---- a small RFC 4180 reader ------------------------------------------- */

typedef struct row {
  size_t line;   /* where the row starts, 1-based (the header is line 1) */
  size_t count;  /* cells */
  char** cells;  /* NUL-terminated */
} row;

typedef struct table {
  row* rows;  /* rows[0] is the header */
  size_t count;
} table;

/* Reads the whole file: fields separated by commas, quoted fields with ""
 * for a quote and line breaks inside, CRLF or LF line ends, a UTF-8 BOM. */
static table read_csv(const char* path) {
  table t = {NULL, 0};
  size_t capacity = 0, line = 1;
  FILE* file = fopen(path, "rb");
  char* cell = NULL;
  size_t cell_length = 0, cell_capacity = 0;
  row current = {1, 0, NULL};
  size_t cells_capacity = 0;
  int c, quoted = 0, at_cell_start = 1, any = 0;
  if (file == NULL) {
    fprintf(stderr, "cannot open the data file `%s`\n", path);
    exit(3);
  }
  c = fgetc(file);
  if (c == 0xEF) { /* a BOM: EF BB BF */
    if (fgetc(file) != 0xBB || fgetc(file) != 0xBF) {
      fprintf(stderr, "%s: not UTF-8\n", path);
      exit(3);
    }
    c = fgetc(file);
  }
  for (;; c = fgetc(file)) {
    int end_cell = 0, end_row = 0;
    if (c == EOF) {
      if (!any) break;
      end_cell = end_row = 1;
    } else if (quoted) {
      if (c == '"') {
        int next = fgetc(file);
        if (next == '"') {
          c = '"';
        } else {
          quoted = 0;
          ungetc(next, file);
          continue;
        }
      } else if (c == '\n') {
        ++line;
      }
    } else if (c == '"' && at_cell_start) {
      quoted = 1;
      at_cell_start = 0;
      any = 1;
      continue;
    } else if (c == ',') {
      end_cell = 1;
    } else if (c == '\r') {
      continue; /* of a CRLF */
    } else if (c == '\n') {
      end_cell = end_row = 1;
    }
    if (!end_cell) {
      if (cell_length + 2 > cell_capacity) {
        cell_capacity = cell_capacity ? 2 * cell_capacity : 64;
        cell = realloc(cell, cell_capacity);
        if (cell == NULL) exit(6);
      }
      cell[cell_length++] = (char)c;
      at_cell_start = 0;
      any = 1;
      continue;
    }
    if (current.count == cells_capacity) {
      cells_capacity = cells_capacity ? 2 * cells_capacity : 32;
      current.cells = realloc(current.cells, cells_capacity * sizeof *current.cells);
      if (current.cells == NULL) exit(6);
    }
    current.cells[current.count] = allocate(cell_length + 1);
    if (cell_length) memcpy(current.cells[current.count], cell, cell_length);
    ++current.count;
    cell_length = 0;
    at_cell_start = 1;
    if (end_row) {
      if (t.count == capacity) {
        capacity = capacity ? 2 * capacity : 1024;
        t.rows = realloc(t.rows, capacity * sizeof *t.rows);
        if (t.rows == NULL) exit(6);
      }
      t.rows[t.count++] = current;
      current.cells = NULL;
      current.count = 0;
      cells_capacity = 0;
      current.line = ++line;
      any = 0;
      if (c == EOF) break;
    }
  }
  free(cell);
  fclose(file);
  return t;
}

/* ---- cells as typed values (the caller's own reading) ------------------ */

/* One cell read as its field's kind: the scalar (bool .. enum), or the text.
 * Returns 0 when the example cannot read the cell: then Precept reads the row. */
typedef struct typed_cell {
  int empty;
  int64_t scalar;
  const char* text;
} typed_cell;

/* An optionally signed number with at most `places` decimals, as an integer
 * count of 10^-places (money: fen, places 2; decimal: millionths, 6). */
static int read_fixed(const char* text, int places, int64_t* value) {
  int negative = 0, digits = 0, decimals = -1;
  int64_t v = 0;
  if (*text == '-') {
    negative = 1;
    ++text;
  }
  for (; *text; ++text) {
    if (*text == '.' && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (*text < '0' || *text > '9' || ++digits > 17) return 0;
    if (decimals >= 0 && ++decimals > places) return 0;
    v = v * 10 + (*text - '0');
  }
  if (digits == 0) return 0;
  for (decimals = decimals < 0 ? 0 : decimals; decimals < places; ++decimals) v *= 10;
  *value = negative ? -v : v;
  return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int read_date(const char* text, int64_t* days) {
  int y, m, d;
  char extra;
  if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 || m > 12 || d < 1 || d > 31) return 0;
  y -= m <= 2;
  {
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *days = (int64_t)era * 146097 + doe - 719468;
  }
  return 1;
}

static int read_cell(const precept_field_info* field, const char* text, typed_cell* out) {
  size_t m;
  out->empty = text[0] == '\0';
  out->scalar = 0;
  out->text = text;
  if (out->empty) return 1;
  switch (field->kind) {
    case PRECEPT_KIND_BOOL:
      if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0) return 0;
      out->scalar = text[0] == '1';
      return 1;
    case PRECEPT_KIND_INT: return read_fixed(text, 0, &out->scalar);
    case PRECEPT_KIND_MONEY: return read_fixed(text, 2, &out->scalar);
    case PRECEPT_KIND_DECIMAL: return read_fixed(text, 6, &out->scalar);
    case PRECEPT_KIND_DATE: return read_date(text, &out->scalar);
    case PRECEPT_KIND_ENUM:
      for (m = 0; m < field->member_count; ++m)
        if (strcmp(text, field->members[m]) == 0) {
          out->scalar = (int64_t)m;
          return 1;
        }
      return 0;
    case PRECEPT_KIND_TEXT: return 1;
    default: return 0; /* lists: left to Precept's reading */
  }
}

static void set_cell(precept_record* record, size_t index, const precept_field_info* field, const typed_cell* cell) {
  if (cell->empty) {
    CHECK(precept_record_set_empty(record, index, E));
    return;
  }
  switch (field->kind) {
    case PRECEPT_KIND_BOOL: CHECK(precept_record_set_bool(record, index, (int)cell->scalar, E)); break;
    case PRECEPT_KIND_INT: CHECK(precept_record_set_int(record, index, cell->scalar, E)); break;
    case PRECEPT_KIND_MONEY: CHECK(precept_record_set_money(record, index, cell->scalar, E)); break;
    case PRECEPT_KIND_DECIMAL: CHECK(precept_record_set_decimal(record, index, cell->scalar, E)); break;
    case PRECEPT_KIND_DATE: CHECK(precept_record_set_date(record, index, (int32_t)cell->scalar, E)); break;
    case PRECEPT_KIND_ENUM: CHECK(precept_record_set_enum(record, index, (uint32_t)cell->scalar, E)); break;
    default: CHECK(precept_record_set_text(record, index, cell->text, strlen(cell->text), E)); break;
  }
}

/* ---- a columnar batch, built as an Arrow producer ---------------------- */

/* Every buffer of the batch, freed by its release callbacks. */
typedef struct column {
  size_t field;         /* field index */
  precept_kind kind;
  uint8_t* validity;
  int64_t* numbers;     /* bool .. enum as int64 (bool and date converted below) */
  uint8_t* bits;        /* bool values */
  int32_t* days;        /* date values */
  int32_t* offsets;     /* text and enum (member names) */
  char* bytes;
  size_t bytes_length, bytes_capacity;
  const void* buffers[3];
  struct ArrowArray array;
  struct ArrowSchema schema;
} column;

typedef struct batch {
  size_t columns;
  column* column;
  int64_t rows;
  struct ArrowArray* child_arrays[64];
  struct ArrowSchema* child_schemas[64];
  const void* buffers[1];
  struct ArrowArray array;
  struct ArrowSchema schema;
  int released_array, released_schema;
} batch;

static void release_child_array(struct ArrowArray* array) { array->release = NULL; }
static void release_child_schema(struct ArrowSchema* schema) { schema->release = NULL; }

static void release_batch_array(struct ArrowArray* array) {
  batch* b = array->private_data;
  size_t i;
  for (i = 0; i < b->columns; ++i) {
    column* c = &b->column[i];
    if (c->array.release) c->array.release(&c->array);
    free(c->validity);
    free(c->numbers);
    free(c->bits);
    free(c->days);
    free(c->offsets);
    free(c->bytes);
  }
  array->release = NULL;
  b->released_array = 1;
}

static void release_batch_schema(struct ArrowSchema* schema) {
  batch* b = schema->private_data;
  size_t i;
  for (i = 0; i < b->columns; ++i)
    if (b->column[i].schema.release) b->column[i].schema.release(&b->column[i].schema);
  schema->release = NULL;
  b->released_schema = 1;
}

static void append_bytes(column* c, const char* text) {
  const size_t length = strlen(text);
  if (c->bytes_length + length + 1 > c->bytes_capacity) {
    c->bytes_capacity = 2 * (c->bytes_length + length) + 64;
    c->bytes = realloc(c->bytes, c->bytes_capacity);
    if (c->bytes == NULL) exit(6);
  }
  memcpy(c->bytes + c->bytes_length, text, length);
  c->bytes_length += length;
}

/* Columns for every field the register has, room for `capacity` rows. */
static void batch_start(batch* b, const precept_policy* policy, const size_t* field_of_column, size_t columns,
                        size_t capacity) {
  size_t i;
  memset(b, 0, sizeof *b);
  if (columns > 64) {
    fputs("the example builds batches of at most 64 columns\n", stderr);
    exit(2);
  }
  b->columns = columns;
  b->column = allocate(columns * sizeof *b->column);
  for (i = 0; i < columns; ++i) {
    column* c = &b->column[i];
    precept_field_info info;
    CHECK(precept_policy_field(policy, field_of_column[i], &info, E));
    c->field = field_of_column[i];
    c->kind = info.kind;
    c->validity = allocate(capacity / 8 + 1);
    c->numbers = allocate(capacity * sizeof *c->numbers);
    c->bits = allocate(capacity / 8 + 1);
    c->days = allocate(capacity * sizeof *c->days);
    c->offsets = allocate((capacity + 1) * sizeof *c->offsets);
    c->schema.name = info.name;
    c->schema.flags = ARROW_FLAG_NULLABLE;
    c->schema.release = release_child_schema;
    c->array.release = release_child_array;
  }
}

static void batch_append(batch* b, const typed_cell* cells, const precept_policy* policy) {
  const int64_t r = b->rows++;
  size_t i;
  for (i = 0; i < b->columns; ++i) {
    column* c = &b->column[i];
    const typed_cell* cell = &cells[i];
    precept_field_info info;
    if (!cell->empty) c->validity[r / 8] |= (uint8_t)(1u << (r % 8));
    switch (c->kind) {
      case PRECEPT_KIND_BOOL:
        if (cell->scalar) c->bits[r / 8] |= (uint8_t)(1u << (r % 8));
        break;
      case PRECEPT_KIND_DATE: c->days[r] = (int32_t)cell->scalar; break;
      case PRECEPT_KIND_ENUM: /* as its member's name: Precept maps names to members */
        CHECK(precept_policy_field(policy, c->field, &info, E));
        if (!cell->empty) append_bytes(c, info.members[cell->scalar]);
        break;
      case PRECEPT_KIND_TEXT: append_bytes(c, cell->text); break;
      default: c->numbers[r] = cell->scalar; break;
    }
    c->offsets[r + 1] = (int32_t)c->bytes_length;
  }
}

static void batch_finish(batch* b) {
  size_t i;
  for (i = 0; i < b->columns; ++i) {
    column* c = &b->column[i];
    c->buffers[0] = c->validity;
    c->array.length = b->rows;
    c->array.null_count = -1;
    c->array.buffers = c->buffers;
    switch (c->kind) {
      case PRECEPT_KIND_BOOL:
        c->schema.format = "b";
        c->buffers[1] = c->bits;
        c->array.n_buffers = 2;
        break;
      case PRECEPT_KIND_DATE:
        c->schema.format = "tdD";
        c->buffers[1] = c->days;
        c->array.n_buffers = 2;
        break;
      case PRECEPT_KIND_ENUM:
      case PRECEPT_KIND_TEXT:
        c->schema.format = "u";
        c->buffers[1] = c->offsets;
        c->buffers[2] = c->bytes ? c->bytes : "";
        c->array.n_buffers = 3;
        break;
      default: /* int, money (fen), decimal (millionths) */
        c->schema.format = "l";
        c->buffers[1] = c->numbers;
        c->array.n_buffers = 2;
        break;
    }
    b->child_arrays[i] = &c->array;
    b->child_schemas[i] = &c->schema;
  }
  b->schema.format = "+s";
  b->schema.n_children = (int64_t)b->columns;
  b->schema.children = b->child_schemas;
  b->schema.release = release_batch_schema;
  b->schema.private_data = b;
  b->array.length = b->rows;
  b->array.n_buffers = 1;
  b->buffers[0] = NULL;
  b->array.buffers = b->buffers;
  b->array.n_children = (int64_t)b->columns;
  b->array.children = b->child_arrays;
  b->array.release = release_batch_array;
  b->array.private_data = b;
}

/* ---- reading results (Arrow consumer) ---------------------------------- */

static int64_t child_named(const struct ArrowSchema* schema, const char* name) {
  int64_t i;
  for (i = 0; i < schema->n_children; ++i)
    if (strcmp(schema->children[i]->name, name) == 0) return i;
  fprintf(stderr, "the result has no column `%s`\n", name);
  exit(8);
}

static int valid(const struct ArrowArray* a, int64_t row) {
  const uint8_t* bits = a->buffers[0];
  row += a->offset;
  return bits == NULL || (bits[row / 8] >> (row % 8)) & 1;
}

/* An element of a utf8 array, into `out` (at most `size` bytes). */
static void utf8_at(const struct ArrowArray* a, int64_t row, char* out, size_t size) {
  const int32_t* offsets = a->buffers[1];
  const char* bytes = a->buffers[2];
  size_t length = (size_t)(offsets[a->offset + row + 1] - offsets[a->offset + row]);
  if (length >= size) length = size - 1;
  memcpy(out, bytes + offsets[a->offset + row], length);
  out[length] = '\0';
}

/* The member index of a dictionary-encoded enum element (int32 indices; the
 * dictionary lists the members in declaration order). */
static int32_t enum_at(const struct ArrowArray* a, int64_t row) { return ((const int32_t*)a->buffers[1])[a->offset + row]; }

/* ---- what a household got ----------------------------------------------- */

/* The outputs the example prints, as typed values. */
typedef struct decision {
  int rejected;
  char kind[32];
  int poor;
  uint32_t category, cause;
  uint32_t measures[16];
  size_t measure_count;
  int64_t total; /* fen */
} decision;

typedef struct outputs {
  size_t poor, category, cause, measures, total;
  precept_output_info category_info, cause_info, measures_info;
} outputs;

static void print_decision(const char* id, const decision* d, const outputs* o) {
  size_t i;
  const int64_t total = d->total < 0 ? -d->total : d->total;
  printf("%s: poor=%s category=%s cause=%s measures=", id, d->poor ? "true" : "false",
         o->category_info.members[d->category], o->cause_info.members[d->cause]);
  for (i = 0; i < d->measure_count; ++i)
    printf("%s%s", i ? ";" : "", o->measures_info.members[d->measures[i]]);
  printf(" total=%s%lld.%02lld\n", d->total < 0 ? "-" : "", (long long)(total / 100), (long long)(total % 100));
}

/* The member index of an enum output read as text (the text path's results
 * are text, as a CSV export has them). */
static uint32_t member_named(const precept_output_info* info, const char* name, size_t length) {
  uint32_t m;
  for (m = 0; m < info->member_count; ++m)
    if (strlen(info->members[m]) == length && strncmp(info->members[m], name, length) == 0) return m;
  fprintf(stderr, "`%.*s` is not a member of output %s\n", (int)length, name, info->name);
  exit(8);
}

int main(int argc, char** argv) {
  const char* policy_path = argc > 1 ? argv[1] : "policies/xijiang_2015.pol";
  const char* register_path = argc > 2 ? argv[2] : "examples/data/xijiang_sample.csv";
  const char* explain_id = argc > 3 ? argv[3] : "360733-0000001";
  precept_policy* policy = NULL;
  precept_diagnostics* diagnostics = NULL;
  precept_policy_info info;
  precept_evaluator* evaluator = NULL;
  precept_record* record = NULL;
  table t;
  size_t i, r, columns, key = 0, key_column = 0, decided = 0, rejected = 0, by_text = 0;
  size_t* field_of_column;
  precept_field_info* field_info;
  typed_cell* cells;
  decision* decisions;
  int* in_batch;
  batch b;
  outputs o;
  struct ArrowSchema result_schema;
  struct ArrowArray result_array;
  precept_batch_report report;
  int64_t row_in_batch;
  size_t diagnostic_count = 0;

  printf("Precept %s (C API, .pcb format %u)\n", precept_version(), precept_bytecode_format_version());

  /* Compile, with diagnostics: warnings come even when it compiles. */
  {
    precept_error* error = NULL;
    const precept_status status = precept_compile_file(policy_path, &policy, &diagnostics, &error);
    char* rendered = NULL;
    CHECK(precept_diagnostics_count(diagnostics, &diagnostic_count, E));
    if (diagnostic_count > 0) {
      CHECK(precept_diagnostics_render(diagnostics, &rendered, E));
      fputs(rendered, stderr);
      precept_free(rendered);
    }
    precept_diagnostics_free(diagnostics);
    if (status != PRECEPT_OK) die(policy_path, status, error);
  }
  CHECK(precept_policy_describe(policy, &info, E));
  printf("policy: %s (%d), %s: %zu fields, %zu outputs\n", info.name, info.year, info.place, info.field_count,
         info.output_count);

  /* Introspect: the record's fields and the outputs, with their kinds. */
  field_info = allocate(info.field_count * sizeof *field_info);
  for (i = 0; i < info.field_count; ++i) {
    precept_field_info* f = &field_info[i];
    CHECK(precept_policy_field(policy, i, f, E));
    printf("  field %s: %s", f->name, precept_kind_name(f->kind));
    if (f->member_count > 0) {
      size_t m;
      printf(" {");
      for (m = 0; m < f->member_count; ++m) printf("%s%s", m ? ", " : "", f->members[m]);
      printf("}");
    }
    if (f->optional) printf(", optional");
    if (f->has_default) printf(", default %s", f->default_value);
    if (f->bound[0]) printf(", where %s", f->bound);
    if (f->description[0]) printf(" \"%s\"", f->description);
    printf("\n");
  }
  for (i = 0; i < info.output_count; ++i) {
    precept_output_info out;
    CHECK(precept_policy_output(policy, i, &out, E));
    printf("  output %s: %s\n", out.name, precept_kind_name(out.kind));
  }
  CHECK(precept_policy_output_index(policy, "poor", &o.poor, E));
  CHECK(precept_policy_output_index(policy, "category", &o.category, E));
  CHECK(precept_policy_output_index(policy, "main_cause", &o.cause, E));
  CHECK(precept_policy_output_index(policy, "measures", &o.measures, E));
  CHECK(precept_policy_output_index(policy, "total_assistance", &o.total, E));
  CHECK(precept_policy_output(policy, o.category, &o.category_info, E));
  CHECK(precept_policy_output(policy, o.cause, &o.cause_info, E));
  CHECK(precept_policy_output(policy, o.measures, &o.measures_info, E));

  /* The register: its header names the fields (looked up once). */
  t = read_csv(register_path);
  if (t.count == 0) {
    fprintf(stderr, "%s: empty\n", register_path);
    return 3;
  }
  columns = t.rows[0].count;
  field_of_column = allocate(columns * sizeof *field_of_column);
  for (i = 0; i < columns; ++i) {
    precept_error* error = NULL;
    const precept_status status = precept_policy_field_index(policy, t.rows[0].cells[i], &field_of_column[i], &error);
    if (status != PRECEPT_OK) die(register_path, status, error);
  }
  if (columns != info.field_count) {
    fprintf(stderr, "%s: %zu columns; the policy's record has %zu fields\n", register_path, columns,
            info.field_count);
    return 3;
  }
  CHECK(precept_policy_field_index(policy, "household_id", &key, E));
  for (i = 0; i < columns; ++i)
    if (field_of_column[i] == key) key_column = i;

  /* One household at a time, typed. */
  CHECK(precept_evaluator_new(policy, PRECEPT_NUMBERS_AS_INT64, &evaluator, E));
  CHECK(precept_record_new(policy, &record, E));
  cells = allocate(columns * sizeof *cells);
  decisions = allocate(t.count * sizeof *decisions);
  in_batch = allocate(t.count * sizeof *in_batch);
  batch_start(&b, policy, field_of_column, columns, t.count);
  for (r = 1; r < t.count; ++r) {
    const row* household = &t.rows[r];
    decision* d = &decisions[r];
    const precept_result* result = NULL;
    precept_error* error = NULL;
    precept_status status;
    int typed = 1;
    if (household->count != columns) {
      /* The register's shape is the reader's business, as `precept run`'s. */
      printf("rejected: line %zu: field_count: expected %zu fields as in the header, found %zu\n", household->line,
             columns, household->count);
      d->rejected = 1;
      ++rejected;
      continue;
    }
    for (i = 0; i < columns && typed; ++i)
      typed = read_cell(&field_info[field_of_column[i]], household->cells[i], &cells[i]);
    if (typed) {
      CHECK(precept_record_clear(record, E));
      for (i = 0; i < columns; ++i) set_cell(record, field_of_column[i], &field_info[field_of_column[i]], &cells[i]);
      status = precept_evaluate(evaluator, record, &result, &error);
      batch_append(&b, cells, policy);
      in_batch[r] = 1;
    } else {
      /* A cell the example cannot read: Precept reads the row as text. */
      const char** values = allocate(columns * sizeof *values);
      for (i = 0; i < columns; ++i) values[field_of_column[i]] = household->cells[i];
      status = precept_evaluate_text(evaluator, values, columns, &result, &error);
      free(values);
      ++by_text;
    }
    if (status == PRECEPT_REJECTED) {
      printf("rejected: line %zu: %s: %s", household->line, precept_error_kind(error), precept_error_message(error));
      if (precept_error_field(error)[0]) printf(" [field %s]", precept_error_field(error));
      if (precept_error_declaration(error)[0])
        printf(" [%s at %s:%u]", precept_error_declaration(error), precept_error_file(error),
               (unsigned)precept_error_line(error));
      printf("\n");
      d->rejected = 1;
      snprintf(d->kind, sizeof d->kind, "%s", precept_error_kind(error));
      precept_error_free(error);
      ++rejected;
      continue;
    }
    if (status != PRECEPT_OK) die("precept_evaluate", status, error);
    if (typed) {
      const uint32_t* measures;
      uint32_t member;
      CHECK(precept_result_bool(result, o.poor, &d->poor, E));
      CHECK(precept_result_enum(result, o.category, &member, E));
      d->category = member;
      CHECK(precept_result_enum(result, o.cause, &member, E));
      d->cause = member;
      CHECK(precept_result_enum_list(result, o.measures, &measures, &d->measure_count, E));
      if (d->measure_count > 16) d->measure_count = 16;
      memcpy(d->measures, measures, d->measure_count * sizeof *measures);
      CHECK(precept_result_money(result, o.total, &d->total, E));
    } else {
      /* Text in, text out: the values as the results CSV has them. */
      const char *text, *item;
      CHECK(precept_result_formatted(result, o.poor, &text, E));
      d->poor = strcmp(text, "true") == 0;
      CHECK(precept_result_formatted(result, o.category, &text, E));
      d->category = member_named(&o.category_info, text, strlen(text));
      CHECK(precept_result_formatted(result, o.cause, &text, E));
      d->cause = member_named(&o.cause_info, text, strlen(text));
      CHECK(precept_result_formatted(result, o.measures, &text, E));
      for (item = text; *item && d->measure_count < 16;) {
        const size_t length = strcspn(item, ";");
        d->measures[d->measure_count++] = member_named(&o.measures_info, item, length);
        item += length + (item[length] == ';');
      }
      CHECK(precept_result_formatted(result, o.total, &text, E));
      if (!read_fixed(text, 2, &d->total)) die("a money output", PRECEPT_INTERNAL_ERROR, NULL);
    }
    print_decision(household->cells[key_column], d, &o);
    ++decided;
  }
  printf("households: %zu rows, %zu decided, %zu rejected (%zu read by Precept as text)\n", t.count - 1, decided,
         rejected, by_text);

  /* The typed rows again, as one columnar batch. */
  batch_finish(&b);
  CHECK(precept_evaluate_arrow(evaluator, &b.schema, &b.array, &result_schema, &result_array, &report, E));
  {
    const int64_t poor = child_named(&result_schema, "poor"), category = child_named(&result_schema, "category");
    const int64_t cause = child_named(&result_schema, "main_cause");
    const int64_t measures = child_named(&result_schema, "measures");
    const int64_t total = child_named(&result_schema, "total_assistance");
    const int64_t kind = child_named(&result_schema, "reject_kind");
    size_t disagreements = 0;
    row_in_batch = 0;
    for (r = 1; r < t.count; ++r) {
      const decision* d = &decisions[r];
      decision c;
      const struct ArrowArray* list;
      int64_t k;
      if (!in_batch[r]) continue;
      memset(&c, 0, sizeof c);
      if (valid(result_array.children[kind], row_in_batch)) {
        c.rejected = 1;
        utf8_at(result_array.children[kind], row_in_batch, c.kind, sizeof c.kind);
      } else {
        const struct ArrowArray* p = result_array.children[poor];
        const int64_t bit = p->offset + row_in_batch;
        c.poor = (((const uint8_t*)p->buffers[1])[bit / 8] >> (bit % 8)) & 1;
        c.category = (uint32_t)enum_at(result_array.children[category], row_in_batch);
        c.cause = (uint32_t)enum_at(result_array.children[cause], row_in_batch);
        list = result_array.children[measures];
        for (k = ((const int32_t*)list->buffers[1])[list->offset + row_in_batch];
             k < ((const int32_t*)list->buffers[1])[list->offset + row_in_batch + 1] && c.measure_count < 16; ++k)
          c.measures[c.measure_count++] = (uint32_t)enum_at(list->children[0], k);
        c.total = ((const int64_t*)result_array.children[total]->buffers[1])[result_array.children[total]->offset +
                                                                              row_in_batch];
      }
      if (c.rejected != d->rejected || (c.rejected && strcmp(c.kind, d->kind) != 0) ||
          (!c.rejected && (c.poor != d->poor || c.category != d->category || c.cause != d->cause ||
                           c.measure_count != d->measure_count || c.total != d->total ||
                           memcmp(c.measures, d->measures, c.measure_count * sizeof *c.measures) != 0))) {
        printf("the batch disagrees on line %zu\n", t.rows[r].line);
        ++disagreements;
      }
      ++row_in_batch;
    }
    printf("columnar batch: %lld rows, %lld evaluated, %lld rejected; %s the typed results\n",
           (long long)report.rows, (long long)report.evaluated, (long long)report.rejected,
           disagreements ? "DISAGREES with" : "agrees with");
    result_array.release(&result_array);
    result_schema.release(&result_schema);
    if (disagreements) return 8;
  }
  b.array.release(&b.array);
  b.schema.release(&b.schema);

  /* Explain one household: the JSON `precept explain --format json` prints. */
  for (r = 1; r < t.count; ++r) {
    if (t.rows[r].count != columns || strcmp(t.rows[r].cells[key_column], explain_id) != 0) continue;
    {
      const char** values = allocate(columns * sizeof *values);
      char* json = NULL;
      for (i = 0; i < columns; ++i) values[field_of_column[i]] = t.rows[r].cells[i];
      CHECK(precept_explain_text(policy, values, columns, key, PRECEPT_EXPLAIN_JSON, &json, E));
      printf("explain %s: %s\n", explain_id, json);
      precept_free(json);
      free(values);
    }
    break;
  }

  precept_record_free(record);
  precept_evaluator_free(evaluator);
  precept_policy_free(policy);
  for (r = 0; r < t.count; ++r) {
    for (i = 0; i < t.rows[r].count; ++i) free(t.rows[r].cells[i]);
    free(t.rows[r].cells);
  }
  free(t.rows);
  free(field_of_column);
  free(field_info);
  free(cells);
  free(decisions);
  free(in_batch);
  free(b.column);
  return 0;
}
