/* Precept's C API: compile or load a policy, describe its record and outputs,
 * evaluate households one at a time (typed values, or text as a CSV export has
 * it) or as a columnar batch (the Arrow C Data Interface), explain one, and
 * save the compiled program. C99; the same header compiles as C++. For
 * bindings (Python, a database extension) and for C programs; C++ programs may
 * prefer <precept/precept.hpp>, which this API is built on.
 *
 *   precept_policy* policy = NULL;
 *   precept_error* error = NULL;
 *   if (precept_compile_file("policies/xijiang_2015.pol", &policy, NULL, &error) != PRECEPT_OK) {
 *     fprintf(stderr, "%s:%u:%u: %s\n", precept_error_file(error), precept_error_line(error),
 *             precept_error_column(error), precept_error_message(error));
 *     precept_error_free(error);
 *     return 1;
 *   }
 *   ... precept_evaluator_new(policy, 0, &evaluator, &error) ... precept_evaluate(...) ...
 *   precept_policy_free(policy);
 *
 * examples/c_api/c_api.c is a complete program making every kind of call.
 *
 * Libraries. libprecept (pkg-config `precept`, CMake Precept::precept) has every
 * call. libprecept_eval (`precept-eval`, Precept::precept_eval), which links
 * neither ANTLR nor Z3, has every call but the two that compile source
 * (precept_compile, precept_compile_file): a service that only evaluates loads
 * .pcb files.
 *
 * Statuses and errors. Every call that can fail returns a precept_status and
 * takes a last argument `precept_error** error`. On success it returns
 * PRECEPT_OK and sets *error to NULL; on failure it returns another status and
 * sets *error to a new error object (the message, and where there is one the
 * file, line and column, the field, the declaration and the rejection's kind),
 * which the caller frees with precept_error_free(). `error` may be NULL when
 * the status is enough. On failure the other outputs are not written, but
 * for what a call says it sets then (a NULL policy or result, the
 * diagnostics of a failed compile). No C++ exception
 * crosses this API: each is caught and becomes a status (std::bad_alloc:
 * PRECEPT_OUT_OF_MEMORY). The calls that cannot fail (the error's accessors,
 * the names, the version, the *_free calls) return their value directly; every
 * pointer they take may be NULL.
 *
 * Ownership. A handle made by a *_new, compile or load call belongs to the
 * caller, who frees it with its *_free call (each accepts NULL). Text and
 * arrays handed out by a handle (names, descriptions, a result's values) are
 * borrowed: valid while the handle lives and, for a result, until the next
 * evaluation on its evaluator. Memory handed out as `char**` / `void**` (JSON,
 * serialized bytes) belongs to the caller: free it with precept_free(). A
 * policy may be freed while evaluators and records made from it live: they
 * share the compiled program. The structs the API fills (precept_field_info,
 * ...) may gain members before version 1.0; the libraries' SONAME
 * (libprecept.so.0.1) changes when they do.
 *
 * Threads. A precept_policy is immutable: share one across threads, and call
 * any function taking a `const precept_policy*` from several threads at once.
 * A precept_evaluator, a precept_record and a result are for one thread at a
 * time: make an evaluator (and records) per thread. Errors and diagnostics are
 * plain data owned by whoever received them.
 *
 * Values (the same in the typed C++ API and in Arrow columns): bool 0/1; int
 * int64; money int64 fen (exact, scale 2: 1539.44 yuan is 153944); decimal
 * int64 millionths (scale 6); date int32 days since 1970-01-01; enum uint32
 * member index in the order the field's members are listed (the declaration
 * order); text UTF-8 bytes; list of enum: member indices in order. Never a
 * double for money, decimals or rates. */
#ifndef PRECEPT_PRECEPT_H
#define PRECEPT_PRECEPT_H

#include <stddef.h>
#include <stdint.h>

#include <precept/arrow.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The enums below are plain C enums. Seen from C++ they get `int` as their
 * underlying type, so that any number a C caller passes (a status from a newer
 * version, a wrong format) is a value the library may look at and refuse,
 * rather than one C++ gives no meaning to. */
#ifdef __cplusplus
#define PRECEPT_ENUM(name) enum name : int
#else
#define PRECEPT_ENUM(name) enum name
#endif

/* ---- statuses and errors ---------------------------------------------- */

/* What a call did. The numbers follow the `precept` command's exit codes where
 * the meanings overlap (README, "Exit codes"): 0, 1, 2, 3, 4 and 6. */
typedef PRECEPT_ENUM(precept_status) {
  PRECEPT_OK = 0,
  /* The policy has errors: source that does not compile, a file that cannot
   * be read, a .pcb that is damaged or of another format version. The
   * diagnostics say everything; the error names the first. */
  PRECEPT_POLICY_ERRORS = 1,
  /* The call was made wrongly: a NULL pointer, an index out of range, a value
   * of the wrong kind for its field or output, a name the policy does not
   * have. A bug in the calling program, not in the data. */
  PRECEPT_USAGE = 2,
  /* The input cannot be used: a columnar batch that cannot be read (a required
   * field's column missing, an unknown or duplicate column, a column of the
   * wrong type, a malformed array). The error names the column. */
  PRECEPT_BAD_INPUT = 3,
  /* Writing an output failed (precept_policy_save_file); nothing that looks
   * complete is left behind. */
  PRECEPT_WRITE_FAILED = 4,
  /* An allocation failed. The handles involved stay usable. */
  PRECEPT_OUT_OF_MEMORY = 6,
  /* The household was rejected, as `precept run` would reject its row: the
   * error's kind (precept_error_kind: "bound_failed", ...) says why, with the
   * field or the policy's declaration and its file and line. Data, not a bug. */
  PRECEPT_REJECTED = 7,
  /* Something Precept did not expect went wrong: a bug of Precept's (please
   * report the message). */
  PRECEPT_INTERNAL_ERROR = 8
} precept_status;

/* The status's stable name in snake case ("ok", "policy_errors", "usage",
 * "bad_input", "write_failed", "out_of_memory", "rejected", "internal_error");
 * "unknown" for a number that is none of them. */
const char* precept_status_name(precept_status status);

typedef struct precept_error precept_error;

/* The status the failed call returned (PRECEPT_OK for NULL). */
precept_status precept_error_status(const precept_error* error);
/* What went wrong, in plain words (English, for a policy officer). Never NULL. */
const char* precept_error_message(const precept_error* error);
/* The file the problem is in (a policy source, a layer, a .pcb); "" if none. */
const char* precept_error_file(const precept_error* error);
/* 1-based line and column (in characters) in that file; 0 when unknown. For a
 * rejection by a rule of the policy, the line of its declaration. */
uint32_t precept_error_line(const precept_error* error);
uint32_t precept_error_column(const precept_error* error);
/* For PRECEPT_REJECTED: the rejection's kind, the stable snake-case name of
 * the C++ RejectKind ("value_missing", "value_unreadable", "bound_failed",
 * "require_failed", "overflow", "division_by_zero", "no_table_row",
 * "several_unique_rows", ...). "" for any other status. */
const char* precept_error_kind(const precept_error* error);
/* The field (input column) at fault, for a rejection, an unknown field or a
 * bad column of a batch; "" if none. */
const char* precept_error_field(const precept_error* error);
/* The policy's declaration that rejected the household ("require members",
 * "table housing"); "" if none. */
const char* precept_error_declaration(const precept_error* error);
/* What to do about it, when Precept knows (a diagnostic's hint); "" if none. */
const char* precept_error_hint(const precept_error* error);
void precept_error_free(precept_error* error);

/* Frees memory this API handed to the caller through `char**` or `void**`. */
void precept_free(void* memory);

/* Precept's version ("0.1.0"), and the .pcb format version it reads and writes. */
const char* precept_version(void);
unsigned precept_bytecode_format_version(void);

/* ---- diagnostics ------------------------------------------------------- */

typedef PRECEPT_ENUM(precept_severity) {
  PRECEPT_SEVERITY_ERROR = 0,
  PRECEPT_SEVERITY_WARNING = 1,
  PRECEPT_SEVERITY_NOTE = 2
} precept_severity;

/* One diagnostic. Its strings are borrowed from the precept_diagnostics it
 * came from. */
typedef struct precept_diagnostic {
  precept_severity severity;
  const char* file;
  uint32_t line;    /* 1-based; 0 when the problem has no place in the source */
  uint32_t column;  /* 1-based, in characters */
  const char* message;
  const char* hint; /* what to do; "" if nothing to say */
} precept_diagnostic;

/* The errors, warnings and notes of one compile or load, in source order. */
typedef struct precept_diagnostics precept_diagnostics;

precept_status precept_diagnostics_count(const precept_diagnostics* diagnostics, size_t* count,
                                         precept_error** error);
precept_status precept_diagnostics_get(const precept_diagnostics* diagnostics, size_t index,
                                       precept_diagnostic* diagnostic, precept_error** error);
/* All of them as `precept check` prints them (file:line:col, the source line,
 * a caret, the hint), into *text (NUL-terminated; free with precept_free). */
precept_status precept_diagnostics_render(const precept_diagnostics* diagnostics, char** text,
                                          precept_error** error);
void precept_diagnostics_free(precept_diagnostics* diagnostics);

/* ---- policies: compile, load, save ------------------------------------ */

typedef struct precept_policy precept_policy;

/* In the four calls below, `diagnostics` may be NULL; otherwise *diagnostics
 * receives every diagnostic (warnings come even when the policy compiles),
 * also when the call fails with PRECEPT_POLICY_ERRORS, and is the caller's to
 * free. The error of PRECEPT_POLICY_ERRORS is the first error diagnostic. */

/* Compiles policy source (`length` bytes of UTF-8, no NUL needed); `file_name`
 * names it in diagnostics (NULL: "<policy>"). A policy that `extends` another
 * reads its parent relative to the current directory: use
 * precept_compile_file for layered policies. libprecept only. */
precept_status precept_compile(const char* source, size_t length, const char* file_name,
                               precept_policy** policy, precept_diagnostics** diagnostics,
                               precept_error** error);
/* Reads a file: a .pcb (recognised by its magic number) is loaded and
 * verified, anything else is compiled as policy source (its parents read
 * relative to its folder). As `precept check`. libprecept only. */
precept_status precept_compile_file(const char* path, precept_policy** policy,
                                    precept_diagnostics** diagnostics, precept_error** error);
/* Loads a compiled program (the bytes of a .pcb), verifying it before anything
 * runs; `file_name` names it in diagnostics (NULL: "<program>"). */
precept_status precept_load(const void* bytes, size_t length, const char* file_name,
                            precept_policy** policy, precept_diagnostics** diagnostics,
                            precept_error** error);
/* Reads and loads a .pcb file. */
precept_status precept_load_file(const char* path, precept_policy** policy,
                                 precept_diagnostics** diagnostics, precept_error** error);

/* The compiled program as bytes (what `precept compile` writes), into *bytes
 * (free with precept_free) and *length. */
precept_status precept_policy_save(const precept_policy* policy, void** bytes, size_t* length,
                                   precept_error** error);
/* Writes the compiled program to `path`: into a temporary file beside it,
 * renamed over `path` once complete (PRECEPT_WRITE_FAILED when it cannot be). */
precept_status precept_policy_save_file(const precept_policy* policy, const char* path,
                                        precept_error** error);
void precept_policy_free(precept_policy* policy);

/* ---- introspection ----------------------------------------------------- */

/* The kinds of values (the language's types). */
typedef PRECEPT_ENUM(precept_kind) {
  PRECEPT_KIND_BOOL = 0,
  PRECEPT_KIND_INT = 1,
  PRECEPT_KIND_MONEY = 2,
  PRECEPT_KIND_DECIMAL = 3,
  PRECEPT_KIND_DATE = 4,
  PRECEPT_KIND_ENUM = 5,
  PRECEPT_KIND_TEXT = 6,
  PRECEPT_KIND_ENUM_LIST = 7,
  /* Outputs only: a list of numbers, dates or booleans (a `collect` table's
   * amount column); its items are of precept_output_info.element. */
  PRECEPT_KIND_LIST = 8
} precept_kind;

/* "bool", "int", "money", "decimal", "date", "enum", "text", "enum_list",
 * "list" (as <precept/schema.hpp> names them); "unknown" for another number. */
const char* precept_kind_name(precept_kind kind);

/* The policy as a whole. Strings borrowed from the policy. */
typedef struct precept_policy_info {
  const char* name;         /* the `policy "..."` title */
  const char* place;        /* its place, "" if none */
  int year;
  const char* source_file;  /* as diagnostics name it; a layered policy's names its chain */
  size_t field_count;       /* fields of its record */
  size_t output_count;
} precept_policy_info;

/* One field of the policy's record. Strings and arrays borrowed from the policy. */
typedef struct precept_field_info {
  const char* name;
  precept_kind kind;
  const char* const* members; /* an enum's (or list of enum's) members, in order; NULL otherwise */
  size_t member_count;
  int optional;               /* 1: may be empty */
  int has_default;            /* 1: an empty value takes default_value */
  const char* default_value;  /* as a CSV cell writes it ("0.00", a member's name); "" if none */
  int64_t default_scalar;     /* the default as a typed value, for the kinds bool .. enum */
  const char* bound;          /* the `where` check, operator and value (">= 1"); "" if none */
  const char* description;    /* "" if none */
  uint32_t line;              /* where the field is declared; 0 if unknown */
} precept_field_info;

/* One output, in the policy's output order. */
typedef struct precept_output_info {
  const char* name;
  precept_kind kind;
  precept_kind element;       /* an item's kind for ENUM_LIST (ENUM) and LIST; else kind itself */
  const char* const* members; /* as for fields */
  size_t member_count;
  const char* expression;     /* as written in the `output` list; "" when the program does not say */
  const char* file;           /* the layer's file it is written in, "" for the policy's own */
  uint32_t line;              /* 0 when the program does not say */
} precept_output_info;

precept_status precept_policy_describe(const precept_policy* policy, precept_policy_info* info,
                                       precept_error** error);
precept_status precept_policy_field(const precept_policy* policy, size_t index, precept_field_info* info,
                                    precept_error** error);
precept_status precept_policy_output(const precept_policy* policy, size_t index, precept_output_info* info,
                                     precept_error** error);
/* Looks a name up once (not per household): PRECEPT_USAGE, naming it, when
 * the policy has no such field or output. */
precept_status precept_policy_field_index(const precept_policy* policy, const char* name, size_t* index,
                                          precept_error** error);
precept_status precept_policy_output_index(const precept_policy* policy, const char* name, size_t* index,
                                           precept_error** error);
/* The bytecode listing (`precept disasm`) into *text (free with precept_free). */
precept_status precept_policy_disassemble(const precept_policy* policy, char** text, precept_error** error);

/* ---- one household at a time ------------------------------------------ */

/* A household's field values, made for one policy and reused from household
 * to household (precept_record_clear). Every field starts empty; an empty
 * value is read as an empty CSV cell: an optional field is empty, a field with
 * a default takes it, a required field rejects the household (value_missing).
 * A setter of the wrong kind for its field, an index out of range or an enum
 * member out of range is PRECEPT_USAGE, naming the field, and changes nothing. */
typedef struct precept_record precept_record;

precept_status precept_record_new(const precept_policy* policy, precept_record** record, precept_error** error);
precept_status precept_record_clear(precept_record* record, precept_error** error);
precept_status precept_record_set_empty(precept_record* record, size_t field, precept_error** error);
precept_status precept_record_set_bool(precept_record* record, size_t field, int value, precept_error** error);
precept_status precept_record_set_int(precept_record* record, size_t field, int64_t value, precept_error** error);
precept_status precept_record_set_money(precept_record* record, size_t field, int64_t fen, precept_error** error);
precept_status precept_record_set_decimal(precept_record* record, size_t field, int64_t millionths,
                                          precept_error** error);
precept_status precept_record_set_date(precept_record* record, size_t field, int32_t days_since_1970,
                                       precept_error** error);
precept_status precept_record_set_enum(precept_record* record, size_t field, uint32_t member,
                                       precept_error** error);
/* The text is copied. */
precept_status precept_record_set_text(precept_record* record, size_t field, const char* utf8, size_t length,
                                       precept_error** error);
precept_status precept_record_set_enum_list(precept_record* record, size_t field, const uint32_t* members,
                                            size_t count, precept_error** error);
void precept_record_free(precept_record* record);

/* Holds the scratch space of evaluations: one per thread. */
typedef struct precept_evaluator precept_evaluator;

/* precept_evaluator_new's flags. */
#define PRECEPT_ALLOW_UNKNOWN_FIELDS 1u /* a batch's columns the record lacks are ignored, not refused */
#define PRECEPT_NUMBERS_AS_INT64 2u     /* a batch's money and decimal outputs as int64 fen / millionths
                                           instead of decimal128 with scale 2 / 6 */

precept_status precept_evaluator_new(const precept_policy* policy, unsigned flags, precept_evaluator** evaluator,
                                     precept_error** error);
void precept_evaluator_free(precept_evaluator* evaluator);

/* One household's outputs, borrowed from the evaluator that made it: valid
 * until the next evaluation on that evaluator, or its free. */
typedef struct precept_result precept_result;

/* Evaluates one household given as typed values. PRECEPT_OK and *result; or
 * PRECEPT_REJECTED, *result NULL and the error saying why (kind, field or
 * declaration with its file and line, the words `precept run` writes to its
 * rejects). */
precept_status precept_evaluate(precept_evaluator* evaluator, const precept_record* record,
                                const precept_result** result, precept_error** error);
/* Evaluates one household given as text, values[i] the text of field i as a
 * CSV export has it (NULL or "": empty), read by exactly the rules of `precept
 * run`; `count` must be the number of fields. For CSV-like callers. */
precept_status precept_evaluate_text(precept_evaluator* evaluator, const char* const* values, size_t count,
                                     const precept_result** result, precept_error** error);

/* An output's value, by output index. Typed in, typed out: a result of
 * precept_evaluate is read with the typed getters, one of
 * precept_evaluate_text with precept_result_formatted (text in, text out, as
 * a CSV export and `precept run` have them). PRECEPT_USAGE for an index out of
 * range, a getter of the wrong kind (naming the output and its kind) or of
 * the other path. */
precept_status precept_result_bool(const precept_result* result, size_t output, int* value, precept_error** error);
precept_status precept_result_int(const precept_result* result, size_t output, int64_t* value,
                                  precept_error** error);
precept_status precept_result_money(const precept_result* result, size_t output, int64_t* fen,
                                    precept_error** error);
precept_status precept_result_decimal(const precept_result* result, size_t output, int64_t* millionths,
                                      precept_error** error);
precept_status precept_result_date(const precept_result* result, size_t output, int32_t* days_since_1970,
                                   precept_error** error);
precept_status precept_result_enum(const precept_result* result, size_t output, uint32_t* member,
                                   precept_error** error);
/* Text: *utf8 points to `*length` bytes (NUL-terminated too). */
precept_status precept_result_text(const precept_result* result, size_t output, const char** utf8,
                                   size_t* length, precept_error** error);
precept_status precept_result_enum_list(const precept_result* result, size_t output, const uint32_t** members,
                                        size_t* count, precept_error** error);
/* A LIST output: its items, each in the representation of its element kind. */
precept_status precept_result_list(const precept_result* result, size_t output, const int64_t** items,
                                   size_t* count, precept_error** error);
/* Any output as the results CSV of `precept run` prints it ("1539.44",
 * "true", "medical_aid;housing_renovation"), NUL-terminated. */
precept_status precept_result_formatted(const precept_result* result, size_t output, const char** text,
                                        precept_error** error);

/* ---- a columnar batch (the Arrow C Data Interface) -------------------- */

/* What one batch evaluation did: rows == evaluated + rejected. */
typedef struct precept_batch_report {
  int64_t rows;
  int64_t evaluated;
  int64_t rejected;
} precept_batch_report;

/* Evaluates every row of a record batch: `schema` a struct ("+s") whose
 * children are the record's fields matched by name, `batch` its data, both the
 * caller's (read in place, never released or modified by this call). The
 * results are moved into *out_schema / *out_array: a struct array with one row
 * per input row, one child per output in output order (typed: bool "b", int
 * "l", money and decimal "d:38,2" / "d:38,6" or int64 with
 * PRECEPT_NUMBERS_AS_INT64, date "tdD", enum dictionary-encoded with its
 * members as the dictionary, text "u", list of enum "+l"), null for a rejected
 * row, then "reject_kind", "reject_column" and "reject_message" (utf8, null
 * where the row was not rejected). The caller releases them with their release
 * callbacks. Column types accepted and the rules for nulls are those of
 * <precept/columnar.hpp>. A batch that cannot be read is PRECEPT_BAD_INPUT,
 * the error naming the column; then the outputs are not written. `report` may
 * be NULL. */
precept_status precept_evaluate_arrow(precept_evaluator* evaluator, const struct ArrowSchema* schema,
                                      const struct ArrowArray* batch, struct ArrowSchema* out_schema,
                                      struct ArrowArray* out_array, precept_batch_report* report,
                                      precept_error** error);

/* ---- explanations ------------------------------------------------------ */

typedef PRECEPT_ENUM(precept_explain_format) {
  PRECEPT_EXPLAIN_JSON = 0, /* one line of JSON, what `precept explain --format json` prints (no newline) */
  PRECEPT_EXPLAIN_TEXT = 1  /* what `precept explain` prints, for people */
} precept_explain_format;

/* Why a household gets its outputs: the explanation of <precept/explain.hpp>,
 * from the same code as `precept explain`, into *text (NUL-terminated; free
 * with precept_free). The household is given as text values, as
 * precept_evaluate_text takes them (an explanation quotes the values as the
 * register has them). `key_field` is the field whose value is the
 * explanation's id (e.g. household_id's index). A rejected household is
 * explained too (PRECEPT_OK; the explanation says "rejected" and why). */
precept_status precept_explain_text(const precept_policy* policy, const char* const* values, size_t count,
                                    size_t key_field, precept_explain_format format, char** text,
                                    precept_error** error);

#ifdef __cplusplus
}
#endif

#endif /* PRECEPT_PRECEPT_H */
