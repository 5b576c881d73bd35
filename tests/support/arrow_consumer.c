/* The consumer half of arrow_test.h: reading a result batch back. */
#include "arrow_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bit(const void* bits, int64_t i) { return (((const uint8_t*)bits)[i >> 3] >> (i & 7)) & 1; }

static int is_valid(const struct ArrowArray* a, int64_t i) {
  return a->buffers[0] == NULL || bit(a->buffers[0], a->offset + i);
}

static int64_t read_int(const void* data, int width, int64_t i) {
  const uint8_t* at = (const uint8_t*)data + i * width;
  switch (width) {
    case 1: { int8_t x; memcpy(&x, at, 1); return x; }
    case 2: { int16_t x; memcpy(&x, at, 2); return x; }
    case 4: { int32_t x; memcpy(&x, at, 4); return x; }
    default: { int64_t x; memcpy(&x, at, 8); return x; }
  }
}

static int int_width(const char* format) {
  if (strcmp(format, "c") == 0) return 1;
  if (strcmp(format, "s") == 0) return 2;
  if (strcmp(format, "i") == 0 || strcmp(format, "tdD") == 0) return 4;
  if (strcmp(format, "l") == 0) return 8;
  return 0;
}

static int decimal_scale(const char* format, int* scale) {
  int precision;
  return sscanf(format, "d:%d,%d", &precision, scale) == 2;
}

static int64_t text_offset(const struct ArrowArray* a, int large, int64_t i) {
  return large ? read_int(a->buffers[1], 8, i) : read_int(a->buffers[1], 4, i);
}

/* Element i of a text array, or NULL for a null; *size its bytes. */
static const char* text_at(const struct ArrowArray* a, int large, int64_t i, int64_t* size) {
  int64_t begin, end;
  if (!is_valid(a, i)) return NULL;
  begin = text_offset(a, large, a->offset + i);
  end = text_offset(a, large, a->offset + i + 1);
  *size = end - begin;
  return (const char*)a->buffers[2] + begin;
}

/* ---------------------------------------------------------------- checking */

static const char* check_array(const struct ArrowSchema* s, const struct ArrowArray* a, int64_t needed) {
  const char* f = s->format;
  int scale;
  if (!s->release || !a->release) return "a released struct";
  if (a->length < needed || a->offset < 0) return "an array shorter than its parent";
  if (a->null_count > 0 && a->buffers[0] == NULL) return "nulls without a validity bitmap";
  if (s->dictionary) {
    if (!a->dictionary) return "a dictionary schema without a dictionary array";
    if (int_width(f) == 0 || strcmp(f, "tdD") == 0) return "dictionary indices that are not integers";
    if (a->n_buffers != 2 || !a->buffers[1]) return "dictionary indices without their buffer";
    {
      const char* problem = check_array(s->dictionary, a->dictionary, 0);
      int64_t i;
      if (problem) return problem;
      for (i = 0; i < a->length; ++i)
        if (is_valid(a, i)) {
          int64_t index = read_int(a->buffers[1], int_width(f), a->offset + i);
          if (index < 0 || index >= a->dictionary->length) return "a dictionary index out of range";
        }
    }
    return NULL;
  }
  if (strcmp(f, "b") == 0 || int_width(f) != 0 || decimal_scale(f, &scale)) {
    if (a->n_buffers != 2 || !a->buffers[1]) return "a fixed-width array without its values buffer";
    return NULL;
  }
  if (strcmp(f, "u") == 0 || strcmp(f, "U") == 0) {
    int64_t i;
    if (a->n_buffers != 3 || !a->buffers[1] || !a->buffers[2]) return "a text array without its buffers";
    for (i = 0; i < a->length; ++i)
      if (text_offset(a, f[0] == 'U', a->offset + i + 1) < text_offset(a, f[0] == 'U', a->offset + i))
        return "decreasing text offsets";
    return NULL;
  }
  if (strcmp(f, "+l") == 0) {
    int64_t last;
    if (a->n_buffers != 2 || !a->buffers[1] || a->n_children != 1 || s->n_children != 1)
      return "a list without its offsets or items";
    last = read_int(a->buffers[1], 4, a->offset + a->length);
    if (last > a->children[0]->length) return "list offsets past the items";
    return check_array(s->children[0], a->children[0], 0);
  }
  return "a format this consumer does not read";
}

const char* pconsume_check(const struct ArrowSchema* schema, const struct ArrowArray* array) {
  int64_t c;
  if (strcmp(schema->format, "+s") != 0) return "the batch is not a struct";
  if (array->n_buffers != 1) return "the batch's struct has not one buffer";
  if (schema->n_children != array->n_children) return "schema and array have different column counts";
  for (c = 0; c < schema->n_children; ++c) {
    const char* problem;
    if (!schema->children[c]->name) return "a column without a name";
    problem = check_array(schema->children[c], array->children[c], array->offset + array->length);
    if (problem) return problem;
  }
  return NULL;
}

int64_t pconsume_column(const struct ArrowSchema* schema, const char* name) {
  int64_t c;
  for (c = 0; c < schema->n_children; ++c)
    if (schema->children[c]->name && strcmp(schema->children[c]->name, name) == 0) return c;
  return -1;
}

/* ---------------------------------------------------------------- reading */

/* Days since 1970-01-01 as a civil date (proleptic Gregorian), from the
 * well-known era arithmetic. */
static void civil(int64_t days, int64_t* y, int* m, int* d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* A value of element i of a non-list array, as text; 0 for a null. */
static int element_text(const struct ArrowSchema* s, const struct ArrowArray* a, int64_t i, char* out, size_t cap) {
  const char* f = s->format;
  int scale;
  if (!is_valid(a, i)) return 0;
  if (s->dictionary) {
    int64_t index = read_int(a->buffers[1], int_width(f), a->offset + i);
    return element_text(s->dictionary, a->dictionary, index, out, cap);
  }
  if (strcmp(f, "b") == 0) {
    snprintf(out, cap, "%s", bit(a->buffers[1], a->offset + i) ? "true" : "false");
    return 1;
  }
  if (strcmp(f, "tdD") == 0) {
    int64_t y;
    int m, d;
    civil(read_int(a->buffers[1], 4, a->offset + i), &y, &m, &d);
    snprintf(out, cap, "%04lld-%02d-%02d", (long long)y, m, d);
    return 1;
  }
  if (int_width(f) != 0) {
    snprintf(out, cap, "%lld", (long long)read_int(a->buffers[1], int_width(f), a->offset + i));
    return 1;
  }
  if (decimal_scale(f, &scale)) {
    uint64_t words[2];
    uint64_t magnitude, unit = 1;
    int negative, k;
    memcpy(words, (const uint8_t*)a->buffers[1] + (a->offset + i) * 16, 16);
    if (words[1] != ((words[0] >> 63) ? ~(uint64_t)0 : 0)) {
      snprintf(out, cap, "(beyond int64)");
      return 1;
    }
    negative = (int64_t)words[0] < 0;
    magnitude = negative ? 0 - words[0] : words[0];
    if (scale < 0 || scale > 18) return -1;
    for (k = 0; k < scale; ++k) unit *= 10;
    {
      /* the fraction's digits, zero-padded to the scale */
      char fraction[20];
      uint64_t rest = magnitude % unit;
      fraction[scale] = '\0';
      for (k = scale - 1; k >= 0; --k) {
        fraction[k] = (char)('0' + (int)(rest % 10));
        rest /= 10;
      }
      snprintf(out, cap, "%s%llu%s%s", negative ? "-" : "", (unsigned long long)(magnitude / unit),
               scale > 0 ? "." : "", fraction);
    }
    return 1;
  }
  if (strcmp(f, "u") == 0 || strcmp(f, "U") == 0) {
    int64_t size = 0;
    const char* text = text_at(a, f[0] == 'U', i, &size);
    if ((size_t)size >= cap) size = (int64_t)cap - 1;
    memcpy(out, text, (size_t)size);
    out[size] = '\0';
    return 1;
  }
  return -1;
}

int pconsume_text(const struct ArrowSchema* schema, const struct ArrowArray* array, int64_t column, int64_t row,
                  char* out, size_t cap) {
  const struct ArrowSchema* s = schema->children[column];
  const struct ArrowArray* a = array->children[column];
  const int64_t i = array->offset + row;
  if (strcmp(s->format, "+l") == 0) {
    int64_t begin, end, k;
    size_t used = 0;
    if (!is_valid(a, i)) return 0;
    begin = read_int(a->buffers[1], 4, a->offset + i);
    end = read_int(a->buffers[1], 4, a->offset + i + 1);
    out[0] = '\0';
    for (k = begin; k < end; ++k) {
      char item[256];
      if (element_text(s->children[0], a->children[0], k, item, sizeof item) != 1) return -1;
      used += (size_t)snprintf(out + used, cap - used, "%s%s", k == begin ? "" : ";", item);
      if (used >= cap) return -1;
    }
    return 1;
  }
  return element_text(s, a, i, out, cap);
}

int pconsume_int64(const struct ArrowSchema* schema, const struct ArrowArray* array, int64_t column, int64_t row,
                   int64_t* out) {
  const struct ArrowSchema* s = schema->children[column];
  const struct ArrowArray* a = array->children[column];
  const int64_t i = array->offset + row;
  int scale;
  if (!is_valid(a, i)) return 0;
  if (strcmp(s->format, "b") == 0) {
    *out = bit(a->buffers[1], a->offset + i);
    return 1;
  }
  if (int_width(s->format) != 0) {
    *out = read_int(a->buffers[1], int_width(s->format), a->offset + i);
    return 1;
  }
  if (decimal_scale(s->format, &scale)) {
    uint64_t words[2];
    memcpy(words, (const uint8_t*)a->buffers[1] + (a->offset + i) * 16, 16);
    if (words[1] != ((words[0] >> 63) ? ~(uint64_t)0 : 0)) return -1;
    *out = (int64_t)words[0];
    return 1;
  }
  return -1;
}

int pconsume_release(struct ArrowSchema* schema, struct ArrowArray* array) {
  int problems = 0;
  if (!array->release || !schema->release) return 1;
  array->release(array);
  schema->release(schema);
  if (array->release != NULL) ++problems;
  if (schema->release != NULL) ++problems;
  return problems;
}
