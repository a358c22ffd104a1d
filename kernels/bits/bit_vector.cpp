// BitVector: owning packed bit string; delegates the word arithmetic to bit_ops.
#include "kernels/bits/bit_vector.hpp"

#include <stdexcept>
#include <string>

namespace qkdpp::kernels {

BitVector::BitVector(std::size_t bits) : words_(words_for_bits(bits), 0), bits_(bits) {}

BitVector BitVector::from_bytes(std::span<const std::uint8_t> bytes, std::size_t bits) {
  if (bytes.size() < bytes_for_bits(bits)) {
    throw std::invalid_argument("BitVector::from_bytes: " + std::to_string(bits) + " bits need " +
                                std::to_string(bytes_for_bits(bits)) + " bytes, got " +
                                std::to_string(bytes.size()));
  }
  BitVector v(bits);
  pack_bytes_to_words(bytes, bits, v.words());
  return v;
}

BitVector BitVector::from_words(std::span<const Word> words, std::size_t bits) {
  if (words.size() < words_for_bits(bits)) {
    throw std::invalid_argument("BitVector::from_words: " + std::to_string(bits) + " bits need " +
                                std::to_string(words_for_bits(bits)) + " words, got " +
                                std::to_string(words.size()));
  }
  BitVector v(bits);
  copy_bits(v.words(), 0, words, 0, bits);
  return v;
}

void BitVector::to_bytes(std::span<std::uint8_t> out) const {
  if (out.size() < byte_count())
    throw std::invalid_argument("BitVector::to_bytes: output too small");
  unpack_words_to_bytes(words(), bits_, out);
}

std::vector<std::uint8_t> BitVector::to_bytes() const {
  std::vector<std::uint8_t> out(byte_count());
  unpack_words_to_bytes(words(), bits_, out);
  return out;
}

BitVector BitVector::slice(std::size_t offset, std::size_t bits) const {
  if (offset > bits_ || bits > bits_ - offset) {
    throw std::out_of_range("BitVector::slice: range [" + std::to_string(offset) + ", +" +
                            std::to_string(bits) + ") exceeds " + std::to_string(bits_) + " bits");
  }
  BitVector out(bits);
  copy_bits(out.words(), 0, words(), offset, bits);
  return out;
}

void BitVector::append(const BitVector& other) { append(other, 0, other.size()); }

void BitVector::append(const BitVector& other, std::size_t offset, std::size_t bits) {
  if (offset > other.bits_ || bits > other.bits_ - offset) {
    throw std::out_of_range("BitVector::append: source range exceeds its length");
  }
  const std::size_t old = bits_;
  if (&other == this) {
    const BitVector copy = other.slice(offset, bits);
    resize(old + bits);
    copy_bits(words(), old, copy.words(), 0, bits);
    return;
  }
  resize(old + bits);
  copy_bits(words(), old, other.words(), offset, bits);
}

void BitVector::assign_range(std::size_t dst_offset, const BitVector& other) {
  if (dst_offset > bits_ || other.bits_ > bits_ - dst_offset) {
    throw std::out_of_range("BitVector::assign_range: range exceeds the destination");
  }
  copy_bits(words(), dst_offset, other.words(), 0, other.bits_);
}

void BitVector::resize(std::size_t bits) {
  words_.resize(words_for_bits(bits), 0);
  bits_ = bits;
  if (bits % kWordBits != 0) words_.back() &= low_mask(bits % kWordBits);
}

BitVector& BitVector::operator^=(const BitVector& other) {
  if (other.bits_ != bits_) {
    throw std::invalid_argument("BitVector xor: lengths differ (" + std::to_string(bits_) + " vs " +
                                std::to_string(other.bits_) + ")");
  }
  for (std::size_t i = 0; i < words_.size(); ++i) words_[i] ^= other.words_[i];
  return *this;
}

std::size_t hamming_distance(const BitVector& a, const BitVector& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("hamming_distance: lengths differ (" + std::to_string(a.size()) +
                                " vs " + std::to_string(b.size()) + ")");
  }
  return hamming_distance_bits(a.words(), b.words(), a.size());
}

BitVector operator^(BitVector a, const BitVector& b) {
  a ^= b;
  return a;
}

BitVector concatenate(std::span<const BitVector> parts) {
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  BitVector out;
  out.reserve(total);
  for (const auto& p : parts) out.append(p);
  return out;
}

}  // namespace qkdpp::kernels
