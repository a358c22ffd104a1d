// BitVector and bit_ops against a naive one-bool-per-bit reference, on awkward lengths and offsets.
#include "kernels/bits/bit_vector.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace qkdpp::kernels {
namespace {

constexpr std::uint64_t kSeed = 20261128;
const std::vector<std::size_t> kSizes = {0,  1,   7,   8,   9,    63,   64,
                                         65, 127, 128, 129, 1000, 4097, 100003};

using Naive = std::vector<bool>;

Naive random_naive(std::mt19937_64& rng, std::size_t n) {
  Naive v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = rng() & 1;
  return v;
}

BitVector from_naive(const Naive& v) {
  BitVector b(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) b.set(i, v[i]);
  return b;
}

Naive to_naive(const BitVector& b) {
  Naive v(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) v[i] = b.get(i);
  return v;
}

// The last word's bits beyond size() must be zero (SPEC section 1).
void expect_clean_padding(const BitVector& b) {
  if (b.size() % 64 != 0) {
    EXPECT_EQ(b.words().back() >> (b.size() % 64), 0u) << "padding bits set at size " << b.size();
  }
  EXPECT_EQ(b.word_count(), words_for_bits(b.size()));
}

TEST(BitVector, PacksLsbFirstAsSpecSectionOne) {
  const std::vector<std::uint8_t> bytes = {0x01, 0x80, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03};
  const BitVector b = BitVector::from_bytes(bytes, 66);
  EXPECT_TRUE(b.get(0));
  EXPECT_FALSE(b.get(1));
  EXPECT_TRUE(b.get(15));
  EXPECT_TRUE(b.get(16) && b.get(23));
  EXPECT_TRUE(b.get(64) && b.get(65));
  EXPECT_EQ(b.words()[0], 0x0000000000ff8001ULL);  // little-endian words
  EXPECT_EQ(b.words()[1], 0x3ULL);
}

TEST(BitVector, BytesRoundTripOnAwkwardSizesAndClearsPadding) {
  std::mt19937_64 rng(kSeed);
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  for (std::size_t n : kSizes) {
    std::vector<std::uint8_t> bytes(bytes_for_bits(n));
    for (auto& x : bytes) x = static_cast<std::uint8_t>(rng());  // garbage in the padding too
    const BitVector b = BitVector::from_bytes(bytes, n);
    ASSERT_EQ(b.size(), n);
    expect_clean_padding(b);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(b.get(i), ((bytes[i / 8] >> (i % 8)) & 1) != 0) << i;
    const auto out = b.to_bytes();
    ASSERT_EQ(out.size(), bytes.size());
    for (std::size_t i = 0; i + 1 < out.size(); ++i) EXPECT_EQ(out[i], bytes[i]);
    if (n % 8 != 0) {
      EXPECT_EQ(out.back(), bytes.back() & ((1u << (n % 8)) - 1))
          << "unused high bits must be zero";
    }
    EXPECT_EQ(BitVector::from_words(b.words(), n), b);
  }
}

TEST(BitVector, SliceMatchesNaiveAtEveryOffsetClass) {
  std::mt19937_64 rng(kSeed + 1);
  for (std::size_t n : kSizes) {
    const Naive ref = random_naive(rng, n);
    const BitVector b = from_naive(ref);
    for (int trial = 0; trial < 40 && n > 0; ++trial) {
      const std::size_t off = rng() % (n + 1);
      const std::size_t len = rng() % (n - off + 1);
      const BitVector s = b.slice(off, len);
      expect_clean_padding(s);
      ASSERT_EQ(to_naive(s), Naive(ref.begin() + static_cast<long>(off),
                                   ref.begin() + static_cast<long>(off + len)))
          << "n=" << n << " off=" << off << " len=" << len;
    }
  }
  EXPECT_EQ(BitVector(10).slice(10, 0).size(), 0u);
}

TEST(BitVector, AppendAndConcatenateMatchNaive) {
  std::mt19937_64 rng(kSeed + 2);
  BitVector acc;
  Naive ref;
  std::vector<BitVector> parts;
  for (std::size_t n : kSizes) {
    const Naive piece = random_naive(rng, n);
    acc.append(from_naive(piece));
    parts.push_back(from_naive(piece));
    ref.insert(ref.end(), piece.begin(), piece.end());
    expect_clean_padding(acc);
    ASSERT_EQ(to_naive(acc), ref);
  }
  EXPECT_EQ(concatenate(parts), acc);
  // Appending a sub-range of itself.
  BitVector self = from_naive(random_naive(rng, 130));
  const BitVector expected_tail = self.slice(3, 70);
  self.append(self, 3, 70);
  EXPECT_EQ(self.slice(130, 70), expected_tail);
}

TEST(BitVector, XorPopcountHammingMatchNaive) {
  std::mt19937_64 rng(kSeed + 3);
  for (std::size_t n : kSizes) {
    const Naive a = random_naive(rng, n), b = random_naive(rng, n);
    std::size_t pop = 0, dist = 0;
    Naive x(n);
    for (std::size_t i = 0; i < n; ++i) {
      pop += a[i];
      dist += a[i] != b[i];
      x[i] = a[i] != b[i];
    }
    const BitVector va = from_naive(a), vb = from_naive(b);
    EXPECT_EQ(va.popcount(), pop);
    EXPECT_EQ(hamming_distance(va, vb), dist);
    EXPECT_EQ(to_naive(va ^ vb), x);
  }
}

TEST(BitOps, CopyAndXorAtArbitraryOffsetsLeaveOtherBitsAlone) {
  std::mt19937_64 rng(kSeed + 4);
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t src_bits = 1 + rng() % 700, dst_bits = 1 + rng() % 700;
    const Naive src = random_naive(rng, src_bits), dst = random_naive(rng, dst_bits);
    const std::size_t so = rng() % src_bits, doff = rng() % dst_bits;
    const std::size_t len = rng() % (std::min(src_bits - so, dst_bits - doff) + 1);
    BitVector vs = from_naive(src), vcopy = from_naive(dst), vxor = from_naive(dst);
    copy_bits(vcopy.words(), doff, vs.words(), so, len);
    xor_bits(vxor.words(), doff, vs.words(), so, len);
    Naive want_copy = dst, want_xor = dst;
    for (std::size_t i = 0; i < len; ++i) {
      want_copy[doff + i] = src[so + i];
      want_xor[doff + i] = dst[doff + i] != src[so + i];
    }
    ASSERT_EQ(to_naive(vcopy), want_copy) << "trial " << trial;
    ASSERT_EQ(to_naive(vxor), want_xor) << "trial " << trial;
    EXPECT_EQ(extract_bits(vs.words(), so, std::min<std::size_t>(len, 64)),
              vs.slice(so, std::min<std::size_t>(len, 64)).words().empty()
                  ? 0u
                  : vs.slice(so, std::min<std::size_t>(len, 64)).words()[0]);
  }
}

TEST(BitVector, ResizeTruncatesAndZeroExtends) {
  BitVector b(200);
  for (std::size_t i = 0; i < 200; ++i) b.set(i, true);
  b.resize(70);
  expect_clean_padding(b);
  EXPECT_EQ(b.popcount(), 70u);
  b.resize(300);
  EXPECT_EQ(b.popcount(), 70u);
  EXPECT_FALSE(b.get(299));
  b.flip(299);
  EXPECT_TRUE(b.get(299));
}

TEST(BitVector, RejectsOutOfRangeAndMismatchedArguments) {
  BitVector b(100);
  EXPECT_THROW(b.slice(90, 11), std::out_of_range);
  EXPECT_THROW(b.slice(101, 0), std::out_of_range);
  EXPECT_THROW(b.append(BitVector(5), 3, 3), std::out_of_range);
  EXPECT_THROW(b.assign_range(95, BitVector(6)), std::out_of_range);
  EXPECT_THROW(b ^= BitVector(99), std::invalid_argument);
  EXPECT_THROW(hamming_distance(b, BitVector(101)), std::invalid_argument);
  const std::vector<std::uint8_t> two(2);
  EXPECT_THROW(BitVector::from_bytes(two, 17), std::invalid_argument);
}

}  // namespace
}  // namespace qkdpp::kernels
