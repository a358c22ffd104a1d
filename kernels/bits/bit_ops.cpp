// Word-level bit-string operations: shifts and masks, one destination word per step.
#include "kernels/bits/bit_ops.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace qkdpp::kernels {

Word extract_bits(std::span<const Word> src, std::size_t offset, std::size_t bits) noexcept {
  if (bits == 0) return 0;
  const std::size_t w = offset / kWordBits;
  const std::size_t b = offset % kWordBits;
  Word v = src[w] >> b;
  if (b != 0 && b + bits > kWordBits) v |= src[w + 1] << (kWordBits - b);
  return v & low_mask(bits);
}

namespace {

// Applies op(dst_word, src_bits, mask) over destination words; src bits are fetched at any offset.
template <class Op>
void for_each_dst_word(std::span<Word> dst, std::size_t dst_offset, std::span<const Word> src,
                       std::size_t src_offset, std::size_t bits, Op op) noexcept {
  std::size_t done = 0;
  while (done < bits) {
    const std::size_t dpos = dst_offset + done;
    const std::size_t dw = dpos / kWordBits;
    const std::size_t db = dpos % kWordBits;
    const std::size_t take = std::min(kWordBits - db, bits - done);
    const Word v = extract_bits(src, src_offset + done, take);
    const Word mask = low_mask(take) << db;
    op(dst[dw], v << db, mask);
    done += take;
  }
}

}  // namespace

void copy_bits(std::span<Word> dst, std::size_t dst_offset, std::span<const Word> src,
               std::size_t src_offset, std::size_t bits) noexcept {
  if (dst_offset % kWordBits == 0 && src_offset % kWordBits == 0) {
    const std::size_t full = bits / kWordBits;
    if (full != 0)
      std::memcpy(dst.data() + dst_offset / kWordBits, src.data() + src_offset / kWordBits,
                  full * sizeof(Word));
    const std::size_t rest = bits % kWordBits;
    if (rest != 0) {
      Word& d = dst[dst_offset / kWordBits + full];
      const Word mask = low_mask(rest);
      d = (d & ~mask) | (src[src_offset / kWordBits + full] & mask);
    }
    return;
  }
  for_each_dst_word(dst, dst_offset, src, src_offset, bits,
                    [](Word& d, Word v, Word mask) { d = (d & ~mask) | (v & mask); });
}

void xor_bits(std::span<Word> dst, std::size_t dst_offset, std::span<const Word> src,
              std::size_t src_offset, std::size_t bits) noexcept {
  for_each_dst_word(dst, dst_offset, src, src_offset, bits,
                    [](Word& d, Word v, Word mask) { d ^= v & mask; });
}

std::size_t popcount_bits(std::span<const Word> words, std::size_t bits) noexcept {
  const std::size_t full = bits / kWordBits;
  std::size_t count = 0;
  for (std::size_t i = 0; i < full; ++i) count += static_cast<std::size_t>(std::popcount(words[i]));
  const std::size_t rest = bits % kWordBits;
  if (rest != 0) count += static_cast<std::size_t>(std::popcount(words[full] & low_mask(rest)));
  return count;
}

std::size_t hamming_distance_bits(std::span<const Word> a, std::span<const Word> b,
                                  std::size_t bits) noexcept {
  const std::size_t full = bits / kWordBits;
  std::size_t count = 0;
  for (std::size_t i = 0; i < full; ++i)
    count += static_cast<std::size_t>(std::popcount(a[i] ^ b[i]));
  const std::size_t rest = bits % kWordBits;
  if (rest != 0)
    count += static_cast<std::size_t>(std::popcount((a[full] ^ b[full]) & low_mask(rest)));
  return count;
}

void pack_bytes_to_words(std::span<const std::uint8_t> bytes, std::size_t bits,
                         std::span<Word> words) noexcept {
  static_assert(std::endian::native == std::endian::little, "qkdpp assumes a little-endian host");
  const std::size_t nbytes = bytes_for_bits(bits);
  const std::size_t nwords = words_for_bits(bits);
  if (nwords == 0) return;
  words[nwords - 1] = 0;
  std::memcpy(words.data(), bytes.data(), nbytes);
  if (bits % kWordBits != 0) words[nwords - 1] &= low_mask(bits % kWordBits);
}

void unpack_words_to_bytes(std::span<const Word> words, std::size_t bits,
                           std::span<std::uint8_t> bytes) noexcept {
  const std::size_t nbytes = bytes_for_bits(bits);
  if (nbytes == 0) return;
  std::memcpy(bytes.data(), words.data(), nbytes);
  if (bits % 8 != 0) bytes[nbytes - 1] &= static_cast<std::uint8_t>((1u << (bits % 8)) - 1);
}

}  // namespace qkdpp::kernels
