// Arrow C Data Interface arrays that Precept produces (a columnar batch's
// results): built in C++ containers, then handed over as ArrowSchema and
// ArrowArray structs whose release callbacks free them, as the specification's
// ownership rules say (the consumer calls the parent's release; a child it has
// moved out, its release set to null, is left to it).
#pragma once

#include <precept/arrow.h>

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace precept {

// Buffers that results released earlier gave back, for the next results to
// use: a stream of batches of one size then allocates nothing, where fresh
// buffers of some megabytes each would each be mapped and faulted in anew by
// the allocator for every batch. Shared by an evaluator and every result it
// made (a result may be released after the evaluator is gone, on any thread).
class BufferPool {
 public:
  // Storage for at least `words` words (empty), from the pool when it has some.
  std::vector<std::uint64_t> take(std::size_t words);
  // Keeps `storage` for a later take(), within a bound on what the pool holds.
  void give(std::vector<std::uint64_t>&& storage);

  // The pool buffers made on this thread take from and give back to, while set
  // (see PoolScope); none by default.
  static std::shared_ptr<BufferPool>& current();

 private:
  std::mutex mutex_;
  std::multimap<std::size_t, std::vector<std::uint64_t>> free_;  // by capacity, in words
  std::size_t free_words_ = 0;
};

// Sets BufferPool::current() for a scope.
class PoolScope {
 public:
  explicit PoolScope(std::shared_ptr<BufferPool> pool) : saved_(std::move(BufferPool::current())) {
    BufferPool::current() = std::move(pool);
  }
  ~PoolScope() { BufferPool::current() = std::move(saved_); }
  PoolScope(const PoolScope&) = delete;
  PoolScope& operator=(const PoolScope&) = delete;

 private:
  std::shared_ptr<BufferPool> saved_;
};

// A buffer of bytes kept in 8-byte words, so that every buffer is aligned as
// Arrow asks (at least 8 bytes). Never empty: a consumer gets a valid pointer
// even for a buffer of no bytes. Made while a PoolScope is set, it draws its
// storage from that pool and gives it back when destroyed.
class OwnedBuffer {
 public:
  OwnedBuffer() : pool_(BufferPool::current()) { grow_to(1); }
  ~OwnedBuffer() {
    if (pool_) pool_->give(std::move(words_));
  }
  OwnedBuffer(OwnedBuffer&& other) noexcept
      : words_(std::move(other.words_)), size_(other.size_), pool_(std::move(other.pool_)) {
    other.size_ = 0;
  }
  OwnedBuffer& operator=(OwnedBuffer&& other) noexcept {
    std::swap(words_, other.words_);
    std::swap(size_, other.size_);
    std::swap(pool_, other.pool_);
    return *this;
  }
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;

  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words_.data()); }
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(words_.data()); }
  std::size_t size() const { return size_; }
  // Grows (new bytes are zero) or shrinks to `bytes`.
  void resize(std::size_t bytes) {
    grow_to(bytes / 8 + 1);
    size_ = bytes;
  }
  // Room for `bytes` in all without growing again (the size is unchanged).
  void reserve(std::size_t bytes) {
    if (bytes >= words_.size() * 8) grow_to(bytes / 8 + 1);
  }
  void append(const void* bytes, std::size_t count) {
    if (count == 0) return;
    const std::size_t at = size_;
    if (at + count >= words_.size() * 8) grow_to(std::max(words_.size() * 2, (at + count) / 8 + 1));
    std::memcpy(data() + at, bytes, count);
    size_ = at + count;
  }

 private:
  // Exactly `words` words: kept ones keep their values, new ones are zero.
  void grow_to(std::size_t words) {
    if (words > words_.capacity() && pool_) {
      std::vector<std::uint64_t> bigger = pool_->take(words);
      bigger.assign(words_.begin(), words_.end());
      pool_->give(std::move(words_));
      words_ = std::move(bigger);
    }
    words_.resize(words);
  }

  std::vector<std::uint64_t> words_;
  std::size_t size_ = 0;
  std::shared_ptr<BufferPool> pool_;
};

struct OwnedArray {
  std::int64_t length = 0;
  std::int64_t null_count = 0;
  // In the order the format prescribes; a validity bitmap of an array with no
  // nulls may be left out (validity_absent), which exports a null pointer.
  std::vector<OwnedBuffer> buffers;
  bool validity_absent = false;
  std::vector<OwnedArray> children;
  std::unique_ptr<OwnedArray> dictionary;
};

struct OwnedSchema {
  std::string format;
  std::string name;
  std::int64_t flags = 0;
  std::vector<OwnedSchema> children;
  std::unique_ptr<OwnedSchema> dictionary;
};

// Move `array` (or `schema`) into `*out`, which the consumer then owns and
// frees with its release callback. On std::bad_alloc, *out is not written and
// nothing leaks.
void export_array(OwnedArray&& array, ArrowArray* out);
void export_schema(OwnedSchema&& schema, ArrowSchema* out);

}  // namespace precept
