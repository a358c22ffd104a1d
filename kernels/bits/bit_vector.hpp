// BitVector: an owning, growable bit string packed LSB-first in 64-bit words (SPEC section 1).
// Invariant: bits at positions >= size() in the last word are zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/bits/bit_ops.hpp"
#include "kernels/memory/aligned_allocator.hpp"

namespace qkdpp::kernels {

class BitVector {
 public:
  using WordStorage = std::vector<Word, AlignedAllocator<Word>>;

  BitVector() = default;
  // `bits` zero bits.
  explicit BitVector(std::size_t bits);

  // Takes `bits` bits from LSB-first packed bytes; `bytes` must hold at least ceil(bits/8) bytes.
  // Any bits of the last byte beyond `bits` are ignored.
  static BitVector from_bytes(std::span<const std::uint8_t> bytes, std::size_t bits);
  // Takes `bits` bits from packed words; `words` must hold at least ceil(bits/64) words.
  static BitVector from_words(std::span<const Word> words, std::size_t bits);

  std::size_t size() const noexcept { return bits_; }
  bool empty() const noexcept { return bits_ == 0; }
  std::size_t word_count() const noexcept { return words_.size(); }
  std::size_t byte_count() const noexcept { return bytes_for_bits(bits_); }

  std::span<Word> words() noexcept { return {words_.data(), words_.size()}; }
  std::span<const Word> words() const noexcept { return {words_.data(), words_.size()}; }

  bool get(std::size_t i) const noexcept { return (words_[i / kWordBits] >> (i % kWordBits)) & 1u; }
  void set(std::size_t i, bool value) noexcept {
    const Word bit = Word{1} << (i % kWordBits);
    words_[i / kWordBits] = value ? (words_[i / kWordBits] | bit) : (words_[i / kWordBits] & ~bit);
  }
  void flip(std::size_t i) noexcept { words_[i / kWordBits] ^= Word{1} << (i % kWordBits); }

  // Writes ceil(size()/8) LSB-first bytes; `out` must be at least that long.
  void to_bytes(std::span<std::uint8_t> out) const;
  std::vector<std::uint8_t> to_bytes() const;

  // Bits [offset, offset + bits) as a new vector. Throws std::out_of_range past the end.
  BitVector slice(std::size_t offset, std::size_t bits) const;
  // Appends all bits of `other` (or the given range of it) at the end of this vector.
  void append(const BitVector& other);
  void append(const BitVector& other, std::size_t offset, std::size_t bits);
  // Overwrites bits [dst_offset, dst_offset + other.size()) with `other`; must fit.
  void assign_range(std::size_t dst_offset, const BitVector& other);
  // Grows with zeros or truncates to `bits` bits.
  void resize(std::size_t bits);
  void reserve(std::size_t bits) { words_.reserve(words_for_bits(bits)); }
  void clear() noexcept { words_.clear(), bits_ = 0; }

  // Bitwise XOR with a vector of the same length (std::invalid_argument otherwise).
  BitVector& operator^=(const BitVector& other);
  std::size_t popcount() const noexcept { return popcount_bits(words(), bits_); }

  friend bool operator==(const BitVector& a, const BitVector& b) noexcept {
    return a.bits_ == b.bits_ && a.words_ == b.words_;
  }

 private:
  WordStorage words_;
  std::size_t bits_ = 0;
};

// Number of positions where a and b differ; the vectors must have equal length.
std::size_t hamming_distance(const BitVector& a, const BitVector& b);
BitVector operator^(BitVector a, const BitVector& b);
BitVector concatenate(std::span<const BitVector> parts);

}  // namespace qkdpp::kernels
