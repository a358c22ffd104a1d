// Radix-2 NTT over Z/pZ, p = 15 * 2^27 + 1: decimation in frequency forward (no bit reversal),
// decimation in time inverse. Recursive so that levels below 2^15 points run in cache; the
// out-of-cache levels run their butterflies in parallel over TBB.
#include "kernels/toeplitz/detail/ntt.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <array>
#include <bit>
#include <stdexcept>
#include <vector>

namespace qkdpp::kernels::detail {

namespace {

constexpr std::uint64_t kRModP = (std::uint64_t{1} << 32) % kNttPrime;
constexpr std::uint32_t kR2 = static_cast<std::uint32_t>(kRModP * kRModP % kNttPrime);  // R^2 mod p
constexpr std::uint32_t to_mont(std::uint32_t x) noexcept { return ntt_mont_mul(x, kR2); }
constexpr std::uint32_t kOneMont = to_mont(1);

constexpr std::uint32_t mont_pow(std::uint32_t base_mont, std::uint64_t e) noexcept {
  std::uint32_t r = kOneMont;
  while (e != 0) {
    if (e & 1) r = ntt_mont_mul(r, base_mont);
    base_mont = ntt_mont_mul(base_mont, base_mont);
    e >>= 1;
  }
  return r;
}

// Primitive len-th root of unity (Montgomery form); inverse when `inverse`.
std::uint32_t root_of_unity(std::size_t len, bool inverse) noexcept {
  std::uint32_t w = mont_pow(to_mont(kNttGenerator), (kNttPrime - 1) / len);
  return inverse ? mont_pow(w, len - 1) : w;
}

constexpr unsigned kTableLog = 16;             // levels up to 2^16 points use full twiddle tables
constexpr std::size_t kInCacheLen = 1u << 15;  // below this, run all levels iteratively
constexpr std::size_t kChunk = 1u << 12;       // twiddles generated per chunk on large levels

struct Tables {
  // table[dir][half + j] = w_{2 half}^j for half < 2^kTableLog (Montgomery form).
  std::array<std::vector<std::uint32_t>, 2> table;
  // chunk[dir][e][j] = w_{2^e}^j for j < kChunk, e > kTableLog; step[dir][e] = w_{2^e}^kChunk.
  std::array<std::array<std::vector<std::uint32_t>, kNttMaxLog + 1>, 2> chunk;
  std::array<std::array<std::uint32_t, kNttMaxLog + 1>, 2> step{};

  Tables() {
    for (int dir = 0; dir < 2; ++dir) {
      auto& t = table[dir];
      t.assign(std::size_t{1} << kTableLog, 0);
      for (std::size_t half = 1; half < t.size(); half *= 2) {
        const std::uint32_t w = root_of_unity(2 * half, dir == 1);
        std::uint32_t x = kOneMont;
        for (std::size_t j = 0; j < half; ++j, x = ntt_mont_mul(x, w)) t[half + j] = x;
      }
      for (unsigned e = kTableLog + 1; e <= kNttMaxLog; ++e) {
        const std::uint32_t w = root_of_unity(std::size_t{1} << e, dir == 1);
        auto& c = chunk[dir][e];
        c.resize(kChunk);
        std::uint32_t x = kOneMont;
        for (std::size_t j = 0; j < kChunk; ++j, x = ntt_mont_mul(x, w)) c[j] = x;
        step[dir][e] = x;
      }
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

// Calls fn(tw, j0, count) over j in [0, total) in chunks, with tw[i] = w_len^(j0 + i) (inverse
// roots when kInverse): from the table for small len, generated per chunk otherwise. Chunks run in
// parallel unless the block fits in cache.
template <bool kInverse, class Fn>
void for_twiddle_chunks(std::size_t len, std::size_t total, Fn&& fn) {
  const Tables& t = tables();
  const int dir = kInverse ? 1 : 0;
  if (len / 2 < (std::size_t{1} << kTableLog)) {
    const std::uint32_t* tw = t.table[dir].data() + len / 2;
    if (len <= kInCacheLen) {
      fn(tw, 0, total);
      return;
    }
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, total, kChunk),
        [&](const tbb::blocked_range<std::size_t>& r) { fn(tw + r.begin(), r.begin(), r.size()); });
    return;
  }
  const unsigned e = static_cast<unsigned>(std::countr_zero(len));
  const std::vector<std::uint32_t>& base = t.chunk[dir][e];
  const std::uint32_t step = t.step[dir][e];
  const NttLoops& loops = ntt_loops();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, total / kChunk),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      std::array<std::uint32_t, kChunk> tw;
                      for (std::size_t c = r.begin(); c != r.end(); ++c) {
                        loops.mul_scalar(tw.data(), base.data(), mont_pow(step, c), kChunk);
                        fn(tw.data(), c * kChunk, kChunk);
                      }
                    });
}

// One butterfly level over a block of `len` points.
template <bool kInverse>
void level(std::uint32_t* a, std::size_t len, const NttLoops& loops) {
  const std::size_t half = len / 2;
  for_twiddle_chunks<kInverse>(len, half,
                               [&](const std::uint32_t* tw, std::size_t j0, std::size_t count) {
                                 if constexpr (kInverse) {
                                   loops.dit(a + j0, a + half + j0, tw, count);
                                 } else {
                                   loops.dif(a + j0, a + half + j0, tw, count);
                                 }
                               });
}

// Two levels (len and len/2) in one pass over a block, halving memory traffic out of cache.
template <bool kInverse>
void level4(std::uint32_t* a, std::size_t len, const NttLoops& loops) {
  const std::size_t q = len / 4;
  const std::uint32_t quarter = mont_pow(root_of_unity(len, kInverse), q);
  for_twiddle_chunks<kInverse>(len, q,
                               [&](const std::uint32_t* tw, std::size_t j0, std::size_t count) {
                                 if constexpr (kInverse) {
                                   loops.dit4(a, q, tw, quarter, j0, count);
                                 } else {
                                   loops.dif4(a, q, tw, quarter, j0, count);
                                 }
                               });
}

// All levels of a block that fits in cache: levels with at least 8 butterflies per block through
// the dif/dit loops, the three smallest levels fused in dif_tail/dit_head.
template <bool kInverse>
void in_cache(std::uint32_t* a, std::size_t len, const NttLoops& loops) {
  const std::uint32_t* table = tables().table[kInverse ? 1 : 0].data();
  const auto one_level = [&](std::size_t l) {
    const std::size_t half = l / 2;
    for (std::size_t start = 0; start < len; start += l) {
      if constexpr (kInverse) {
        loops.dit(a + start, a + start + half, table + half, half);
      } else {
        loops.dif(a + start, a + start + half, table + half, half);
      }
    }
  };
  if (len < 8) {  // tiny transforms: every level through the plain loops
    if constexpr (kInverse) {
      for (std::size_t l = 2; l <= len; l *= 2) one_level(l);
    } else {
      for (std::size_t l = len; l >= 2; l /= 2) one_level(l);
    }
    return;
  }
  if constexpr (kInverse) {
    loops.dit_head(a, len, table);
    for (std::size_t l = 16; l <= len; l *= 2) one_level(l);
  } else {
    for (std::size_t l = len; l >= 16; l /= 2) one_level(l);
    loops.dif_tail(a, len, table);
  }
}

void forward_rec(std::uint32_t* a, std::size_t len, const NttLoops& loops) {
  if (len <= kInCacheLen) {
    in_cache<false>(a, len, loops);
    return;
  }
  if (len / 2 > kInCacheLen) {
    const std::size_t q = len / 4;
    level4<false>(a, len, loops);
    tbb::parallel_invoke([&] { forward_rec(a, q, loops); }, [&] { forward_rec(a + q, q, loops); },
                         [&] { forward_rec(a + 2 * q, q, loops); },
                         [&] { forward_rec(a + 3 * q, q, loops); });
    return;
  }
  level<false>(a, len, loops);
  tbb::parallel_invoke([&] { forward_rec(a, len / 2, loops); },
                       [&] { forward_rec(a + len / 2, len / 2, loops); });
}

void inverse_rec(std::uint32_t* a, std::size_t len, const NttLoops& loops) {
  if (len <= kInCacheLen) {
    in_cache<true>(a, len, loops);
    return;
  }
  if (len / 2 > kInCacheLen) {
    const std::size_t q = len / 4;
    tbb::parallel_invoke([&] { inverse_rec(a, q, loops); }, [&] { inverse_rec(a + q, q, loops); },
                         [&] { inverse_rec(a + 2 * q, q, loops); },
                         [&] { inverse_rec(a + 3 * q, q, loops); });
    level4<true>(a, len, loops);
    return;
  }
  tbb::parallel_invoke([&] { inverse_rec(a, len / 2, loops); },
                       [&] { inverse_rec(a + len / 2, len / 2, loops); });
  level<true>(a, len, loops);
}

void check_length(std::size_t len) {
  if (len == 0 || !std::has_single_bit(len) || len > (std::size_t{1} << kNttMaxLog)) {
    throw std::invalid_argument("NTT length must be a power of two up to 2^27");
  }
}

}  // namespace

const NttLoops& ntt_loops_for(SimdLevel level) noexcept {
  return *select_by_level(level, &scalar::kNttLoops, &sse41::kNttLoops, &avx2::kNttLoops);
}

const NttLoops& ntt_loops() noexcept { return ntt_loops_for(active_simd_level()); }

void ntt_forward(std::span<std::uint32_t> a) {
  check_length(a.size());
  forward_rec(a.data(), a.size(), ntt_loops());
}

void ntt_inverse(std::span<std::uint32_t> a) {
  check_length(a.size());
  inverse_rec(a.data(), a.size(), ntt_loops());
}

std::uint32_t ntt_plain_factor(std::size_t length) noexcept {
  // mont(L c R^-1, L^-1 R^2) = c.
  const std::uint32_t l_mont = to_mont(static_cast<std::uint32_t>(length % kNttPrime));
  const std::uint32_t l_inv_mont = mont_pow(l_mont, kNttPrime - 2);  // L^-1 R (Fermat inverse)
  return ntt_mont_mul(l_inv_mont, kR2);
}

}  // namespace qkdpp::kernels::detail
