// Word-level operations on bit strings packed LSB-first in 64-bit words (SPEC section 1).
// These take spans and offsets so that callers can work on slices without copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace qkdpp::kernels {

using Word = std::uint64_t;
inline constexpr std::size_t kWordBits = 64;

constexpr std::size_t words_for_bits(std::size_t bits) noexcept {
  return (bits + kWordBits - 1) / kWordBits;
}
constexpr std::size_t bytes_for_bits(std::size_t bits) noexcept { return (bits + 7) / 8; }

// Mask with the low `bits` bits set, for 0 <= bits <= 64.
constexpr Word low_mask(std::size_t bits) noexcept {
  return bits >= kWordBits ? ~Word{0} : ((Word{1} << bits) - 1);
}

// Reads `bits` (<= 64) bits starting at bit `offset` of `src`; the result is right-aligned.
Word extract_bits(std::span<const Word> src, std::size_t offset, std::size_t bits) noexcept;

// dst[dst_offset, dst_offset + bits) = src[src_offset, src_offset + bits); other bits of dst
// are untouched. The ranges must lie within the spans; overlapping spans are not allowed.
void copy_bits(std::span<Word> dst, std::size_t dst_offset, std::span<const Word> src,
               std::size_t src_offset, std::size_t bits) noexcept;

// dst[dst_offset + i] ^= src[src_offset + i] for i < bits.
void xor_bits(std::span<Word> dst, std::size_t dst_offset, std::span<const Word> src,
              std::size_t src_offset, std::size_t bits) noexcept;

// Number of set bits among the first `bits` bits of `words`.
std::size_t popcount_bits(std::span<const Word> words, std::size_t bits) noexcept;

// Number of positions i < bits where a and b differ.
std::size_t hamming_distance_bits(std::span<const Word> a, std::span<const Word> b,
                                  std::size_t bits) noexcept;

// Packs/unpacks between LSB-first bytes and little-endian 64-bit words. `bits` valid bits;
// bits beyond it in the destination are zeroed (the SPEC's padding rule).
void pack_bytes_to_words(std::span<const std::uint8_t> bytes, std::size_t bits,
                         std::span<Word> words) noexcept;
void unpack_words_to_bytes(std::span<const Word> words, std::size_t bits,
                           std::span<std::uint8_t> bytes) noexcept;

}  // namespace qkdpp::kernels
