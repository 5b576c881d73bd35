/* An independent producer and consumer of the Arrow C Data Interface, written
 * in C99 from the specification (https://arrow.apache.org/docs/format/CDataInterface.html)
 * and not from Precept's code, so that the columnar tests check Precept against
 * the specification rather than against itself.
 *
 * The producer builds record batches (a "+s" struct array of named columns)
 * with validity bitmaps, non-zero offsets on the batch and on every column,
 * dictionaries and lists; every struct it makes has a release callback that
 * frees it and is counted, so a test can check each ran exactly once.
 * The consumer reads a result batch back (checking its layout) and releases it. */
#ifndef PRECEPT_TESTS_ARROW_TEST_H
#define PRECEPT_TESTS_ARROW_TEST_H

#include <precept/arrow.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ producer */

/* Release bookkeeping, over every schema and array node made since the last
 * reset (a reset frees the bookkeeping; release the batches first). */
void ptest_tracking_reset(void);
long ptest_tracking_made(void);         /* nodes made */
long ptest_tracking_released(void);     /* nodes whose release ran (once) */
long ptest_tracking_misreleased(void);  /* release calls on a node already released: must stay 0 */

typedef struct ptest_batch ptest_batch;

/* A batch of `rows` rows. The struct array gets ArrowArray.offset =
 * parent_offset (its children then hold parent_offset leading elements that
 * are not part of it), and every column its own offset = child_offset (that
 * many more leading elements in its buffers). The leading elements are filled
 * with values that would be wrong if read. */
ptest_batch* ptest_batch_new(int64_t rows, int64_t parent_offset, int64_t child_offset);

/* `valid` has one byte per row (0: null), or is NULL when no value is null
 * (then the column has no validity bitmap). Values under a null are ignored. */
void ptest_add_bool(ptest_batch* batch, const char* name, const int64_t* values, const uint8_t* valid);
/* format: "c", "s", "i", "l" (int8..int64) or "tdD" (date32, days since 1970-01-01). */
void ptest_add_int(ptest_batch* batch, const char* name, const char* format, const int64_t* values,
                   const uint8_t* valid);
/* decimal128 "d:precision,scale" of the unscaled values. */
void ptest_add_decimal(ptest_batch* batch, const char* name, int precision, int scale, const int64_t* unscaled,
                       const uint8_t* valid);
/* format "u" (int32 offsets) or "U" (int64 offsets). */
void ptest_add_text(ptest_batch* batch, const char* name, const char* format, const char* const* values,
                    const uint8_t* valid);
/* Indices (index_format "c", "s" or "i") into a "u" dictionary of `entries` texts. */
void ptest_add_dictionary(ptest_batch* batch, const char* name, const char* index_format, const int64_t* indices,
                          const uint8_t* valid, const char* const* dictionary, int64_t entries);
/* A list ("+l") of texts: row r has counts[r] items, taken in order from
 * `items` (item_valid: one byte per item, or NULL). With a dictionary, the
 * items are int32 indices (`indices`) into it instead of texts. */
void ptest_add_text_list(ptest_batch* batch, const char* name, const int64_t* counts, const char* const* items,
                         const uint8_t* item_valid, const uint8_t* valid);
void ptest_add_dictionary_list(ptest_batch* batch, const char* name, const int64_t* counts, const int64_t* indices,
                               const uint8_t* valid, const char* const* dictionary, int64_t entries);

/* Hands the batch over into *schema and *array (the caller releases them) and
 * frees the builder. */
void ptest_batch_finish(ptest_batch* batch, struct ArrowSchema* schema, struct ArrowArray* array);

/* ------------------------------------------------------------------ consumer */

/* NULL when `schema`/`array` is a well-formed struct batch whose every column
 * has the buffers and children its format requires, lengths that cover the
 * batch, and offsets in range; else what is wrong. */
const char* pconsume_check(const struct ArrowSchema* schema, const struct ArrowArray* array);

/* The index of the column named `name`, or -1. */
int64_t pconsume_column(const struct ArrowSchema* schema, const char* name);

/* Row `row` of column `column` as Precept writes it in a results CSV: "true" or
 * "false", whole numbers, decimals with exactly their scale's places, dates as
 * YYYY-MM-DD, a dictionary entry's text, a list's items joined by ';'.
 * Returns 1 and writes `out` (NUL-terminated, at most cap bytes) for a value,
 * 0 for a null, -1 for a layout this consumer does not read. */
int pconsume_text(const struct ArrowSchema* schema, const struct ArrowArray* array, int64_t column, int64_t row,
                  char* out, size_t cap);

/* A fixed-width value of row `row` of column `column` as an integer: a bool,
 * an int, a date's days, a dictionary index, a decimal128's unscaled value
 * (1 only when it fits int64). Returns 1, 0 for a null, -1 otherwise. */
int pconsume_int64(const struct ArrowSchema* schema, const struct ArrowArray* array, int64_t column, int64_t row,
                   int64_t* out);

/* Releases both through their callbacks; 0 when each callback ran and marked
 * its struct released (release set to NULL), as the specification requires. */
int pconsume_release(struct ArrowSchema* schema, struct ArrowArray* array);

#ifdef __cplusplus
}
#endif

#endif
