// Additive FFT over GF(2^64): Cantor basis, basis conversion between monomial and novel polynomial
// bases, and the recursive transform drivers (blocks that fit in cache run level by level; larger
// ones split, their halves in parallel over TBB).
//
// Novel basis with a Cantor basis: X_k = prod_{bit i of k} s_i(y), where s_i (the vanishing
// polynomial of span(v_0 .. v_{i-1})) has 0/1 coefficients, s_i(y) = sum_{j submask of i} y^(2^j).
// A block of 2^d coefficients splits as f = f0 + s_{d-1} f1 (monomial -> novel: divide by s_{d-1},
// recurse on remainder and quotient); since s_{d-1} is linear with s_{d-1}(v_{d-1}) = 1 and zero on
// v_0 .. v_{d-2}, f on beta + span(v_0 .. v_{d-1}) is f0 + c f1 on the first half and
// f0 + (c + 1) f1 on the second, c = s_{d-1}(beta): the butterfly of AfftLoops.
#include "kernels/toeplitz/detail/additive_fft.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace qkdpp::kernels::detail {

namespace {

using U64 = std::uint64_t;

// Solves v^2 + v = w with bit 0 of v clear (w must have trace 0). The map v -> v^2 + v is linear
// with kernel {0, 1}, so the columns of t^1 .. t^63 are independent: Gaussian elimination.
U64 solve_artin_schreier(U64 w) {
  U64 col[64];
  for (unsigned k = 0; k < 64; ++k) {
    const U64 tk = U64{1} << k;
    col[k] = gf64_mul_portable(tk, tk) ^ tk;
  }
  // Row r: bit k of rows[r] = bit r of col[k] (k >= 1); rhs[r] = bit r of w.
  U64 rows[64];
  bool rhs[64];
  for (unsigned r = 0; r < 64; ++r) {
    rows[r] = 0;
    for (unsigned k = 1; k < 64; ++k) rows[r] |= ((col[k] >> r) & 1u) << k;
    rhs[r] = (w >> r) & 1u;
  }
  unsigned pivot_row[64] = {};
  unsigned rank = 0;
  for (unsigned k = 1; k < 64; ++k) {
    unsigned p = rank;
    while (p < 64 && !((rows[p] >> k) & 1u)) ++p;
    if (p == 64) throw std::logic_error("cantor_basis: singular system");
    std::swap(rows[p], rows[rank]);
    std::swap(rhs[p], rhs[rank]);
    for (unsigned r = 0; r < 64; ++r) {
      if (r != rank && ((rows[r] >> k) & 1u)) {
        rows[r] ^= rows[rank];
        rhs[r] ^= rhs[rank];
      }
    }
    pivot_row[k] = rank++;
  }
  for (unsigned r = rank; r < 64; ++r) {
    if (rhs[r]) throw std::logic_error("cantor_basis: v^2 + v = w has no solution");
  }
  U64 v = 0;
  for (unsigned k = 1; k < 64; ++k) v |= static_cast<U64>(rhs[pivot_row[k]]) << k;
  return v;
}

constexpr unsigned kLeafLog = 13;      // blocks of 2^13 words (64 KiB) run level by level
constexpr unsigned kParallelLog = 15;  // halves of blocks above 2^15 words run as parallel tasks
constexpr std::size_t kParallelChunk = std::size_t{1} << 14;

// Offsets 2^j of the low terms of s_{d-1}: j a proper submask of d - 1 (at most 15 for d <= 25).
struct LowTerms {
  std::array<std::uint32_t, 16> off{};
  unsigned count = 0;
};
constexpr std::array<LowTerms, kAfftMaxLog + 2> kLowTerms = [] {
  std::array<LowTerms, kAfftMaxLog + 2> t{};
  for (unsigned d = 1; d < t.size(); ++d) {
    const unsigned e = d - 1;
    for (unsigned j = 0; j < e; ++j) {
      if ((j & e) == j) t[d].off[t[d].count++] = 1u << j;
    }
  }
  return t;
}();

template <class E>
void xor_into(E* __restrict dst, const E* __restrict src, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) dst[i] ^= src[i];
}

// Chunked work over [0, count), in parallel when large.
template <class Fn>
void for_chunks(std::size_t count, Fn&& fn) {
  if (count < 4 * kParallelChunk) return fn(std::size_t{0}, count);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, kParallelChunk),
                    [&](const tbb::blocked_range<std::size_t>& r) { fn(r.begin(), r.size()); });
}

// Elementwise XOR of `count` words, in parallel when long.
template <class E>
inline void xor_block(E* dst, const E* src, std::size_t count) {
  if (count < 4 * kParallelChunk) return xor_into(dst, src, count);
  for_chunks(count, [&](std::size_t b, std::size_t c) { xor_into(dst + b, src + b, c); });
}

// Direct conversion, level by level, for small blocks of wide elements (blocks of single words take
// the unrolled Taylor instances below). Elements are `width` consecutive words. Dividing a block of
// 2^d elements by s_{d-1} = y^H + low leaves the remainder in [0, H), the quotient in [H, 2H):
// top-down, the low terms of source i land at i - H + 2^j <= i - H/2, so a chunk of H/2 sources is
// final before any of its own updates. Multiplying back runs the same chunks bottom-up.
template <bool kDivide, class E>
void apply_s(E* f, unsigned d, std::size_t width) {
  const std::size_t h = std::size_t{1} << (d - 1), half = h / 2;
  const LowTerms& t = kLowTerms[d];
  for (std::size_t lo : kDivide ? std::array{h + half, h} : std::array{h, h + half}) {
    for (unsigned o = 0; o < t.count; ++o)
      xor_block(f + (lo - h + t.off[o]) * width, f + lo * width, half * width);
  }
}

template <class E>
void to_novel_direct(E* f, unsigned d, std::size_t width) {
  for (unsigned dd = d; dd >= 2; --dd) {  // s_0 = y has no low terms: level 1 is the identity
    for (std::size_t b = 0; b < (std::size_t{1} << d); b += std::size_t{1} << dd)
      apply_s<true>(f + b * width, dd, width);
  }
}

template <class E>
void from_novel_direct(E* f, unsigned d, std::size_t width) {
  for (unsigned dd = 2; dd <= d; ++dd) {
    for (std::size_t b = 0; b < (std::size_t{1} << d); b += std::size_t{1} << dd)
      apply_s<false>(f + b * width, dd, width);
  }
}

// Fast conversion by Taylor expansion (Gao and Mateer's idea, applied to the novel basis). With
// tau = 2^T, T a power of two below d: s_T(y) = y^tau + y and s_{T+i} = s_i(s_T), so
// X_{k_lo + 2^T k_hi}(y) = X_{k_lo}(y) X_{k_hi}(s_T(y)). Hence: (1) expand f in powers of
// z = y^tau + y, f = sum_i G_i(y) z^i with deg G_i < tau (row i of a 2^(d-T) x tau matrix);
// (2) convert each column, a polynomial in z, to the novel basis (rows as elements); (3) convert
// each row to the novel basis in y. Cost about (d/4) log2(d) XORs per element, against sum_d
// (2^popcount(d-1) - 1) / 2 for the direct method (16 against 32.5 at d = 16).

// Taylor expansion at z on 2^d elements (d > T) of which the first `used` may be nonzero: divide
// by z^(2^k) = y^m + y^(2^k) (m = half the block, 2^k = m / tau), recurse on remainder and
// quotient. The only low term lands m - 2^k >= m/2 below its source.
template <class E>
void taylor(E* f, unsigned d, unsigned tau_log, std::size_t width, std::size_t used) {
  if (d <= tau_log || used == 0) return;
  const std::size_t m = std::size_t{1} << (d - 1), shift = m >> tau_log, half = m / 2;
  if (used > m) {
    for (std::size_t lo : {m + half, m})
      xor_block(f + (lo - m + shift) * width, f + lo * width, half * width);
  }
  taylor(f, d - 1, tau_log, width, std::min(used, m));
  taylor(f + m * width, d - 1, tau_log, width, used > m ? used - m : 0);
}

template <class E>
void untaylor(E* f, unsigned d, unsigned tau_log, std::size_t width) {
  if (d <= tau_log) return;
  const std::size_t m = std::size_t{1} << (d - 1), shift = m >> tau_log, half = m / 2;
  untaylor(f, d - 1, tau_log, width);
  untaylor(f + m * width, d - 1, tau_log, width);
  for (std::size_t lo : {m, m + half})
    xor_block(f + (lo - m + shift) * width, f + lo * width, half * width);
}

constexpr unsigned kDirectLog = 3;  // blocks of 2^3 elements convert directly

template <class Fn>
void for_rows(std::size_t rows, std::size_t row_words, Fn&& fn) {
  if (rows * row_words < (std::size_t{1} << 16)) {
    for (std::size_t i = 0; i < rows; ++i) fn(i);
    return;
  }
  tbb::parallel_for(std::size_t{0}, rows, fn);
}

// The same Taylor recursion with the dimension and element width as template parameters, for
// blocks of at most 2^8 words: every XOR has a compile-time length and offset, so the compiler
// unrolls and vectorises the many small blocks at the bottom of the recursion.
template <std::size_t N, class E>
inline void xor_fixed(E* __restrict dst, const E* __restrict src) noexcept {
  for (std::size_t i = 0; i < N; ++i) dst[i] ^= src[i];
}

template <unsigned D, unsigned T, std::size_t W, bool kForward, class E>
inline void taylor_ct(E* f) noexcept {
  if constexpr (D > T) {
    constexpr std::size_t m = std::size_t{1} << (D - 1), shift = m >> T, half = m / 2;
    if constexpr (!kForward) {
      taylor_ct<D - 1, T, W, kForward>(f);
      taylor_ct<D - 1, T, W, kForward>(f + m * W);
      xor_fixed<half * W>(f + shift * W, f + m * W);
    }
    xor_fixed<half * W>(f + (half + shift) * W, f + (m + half) * W);
    if constexpr (kForward) {
      xor_fixed<half * W>(f + shift * W, f + m * W);
      taylor_ct<D - 1, T, W, kForward>(f);
      taylor_ct<D - 1, T, W, kForward>(f + m * W);
    }
  }
}

template <unsigned D, std::size_t W, bool kToNovel, class E>
inline void convert_ct(E* f) noexcept {
  if constexpr (D >= 2) {
    constexpr unsigned t = std::bit_floor(D - 1);
    constexpr std::size_t tau = std::size_t{1} << t, rows = std::size_t{1} << (D - t);
    if constexpr (kToNovel) {
      taylor_ct<D, t, W, true>(f);
      convert_ct<D - t, W * tau, true>(f);
      for (std::size_t i = 0; i < rows; ++i) convert_ct<t, W, true>(f + i * tau * W);
    } else {
      for (std::size_t i = 0; i < rows; ++i) convert_ct<t, W, false>(f + i * tau * W);
      convert_ct<D - t, W * tau, false>(f);
      taylor_ct<D, t, W, false>(f);
    }
  }
}

template <bool kToNovel, class E, unsigned... D>
constexpr auto small_conversions(std::integer_sequence<unsigned, D...>) noexcept {
  return std::array<void (*)(E*) noexcept, sizeof...(D)>{&convert_ct<D, 1, kToNovel, E>...};
}

// Blocks of 2^d <= 2^8 single words: the unrolled instances (d = 0, 1 are the identity).
template <bool kToNovel, class E>
bool convert_small_words(E* f, unsigned d) noexcept {
  static constexpr auto table =
      small_conversions<kToNovel, E>(std::make_integer_sequence<unsigned, 9>{});
  if (d >= table.size()) return false;
  table[d](f);
  return true;
}

template <class E>
void to_novel_fast(E* f, unsigned d, std::size_t width, std::size_t used) {
  if (used == 0) return;
  if (width == 1 && convert_small_words<true>(f, d)) return;
  if (d <= kDirectLog) return to_novel_direct(f, d, width);
  const unsigned t = std::bit_floor(d - 1);
  const std::size_t tau = std::size_t{1} << t,
                    rows_used = (std::min(used, std::size_t{1} << d) + tau - 1) >> t;
  taylor(f, d, t, width, used);
  to_novel_fast(f, d - t, width * tau, rows_used);
  for_rows(rows_used, tau * width,
           [&](std::size_t i) { to_novel_fast(f + i * tau * width, t, width, tau); });
}

template <class E>
void from_novel_fast(E* f, unsigned d, std::size_t width) {
  if (width == 1 && convert_small_words<false>(f, d)) return;
  if (d <= kDirectLog) return from_novel_direct(f, d, width);
  const unsigned t = std::bit_floor(d - 1);
  const std::size_t tau = std::size_t{1} << t, rows = std::size_t{1} << (d - t);
  for_rows(rows, tau * width,
           [&](std::size_t i) { from_novel_fast(f + i * tau * width, t, width); });
  from_novel_fast(f, d - t, width * tau);
  untaylor(f, d, t, width);
}

struct Transform {
  const AfftLoops& loops;
  const U64* consts;

  // Block of 2^d words with group index `base` at its own level.
  void forward(U64* f, unsigned d, std::size_t base, std::size_t used) const {
    if (d == 0 || used == 0) return;
    const std::size_t len = std::size_t{1} << d, h = len / 2;
    if (d <= kLeafLog) {
      for (unsigned dd = d; dd >= 1; --dd)
        loops.forward_level(f, len, std::size_t{1} << (dd - 1), consts + (base << (d - dd)));
      return;
    }
    if (used <= h) {
      // Upper half zero: a stays, b = a.
      for_chunks(h, [&](std::size_t b, std::size_t c) { std::copy_n(f + b, c, f + h + b); });
    } else {
      for_chunks(h, [&](std::size_t b, std::size_t c) {
        loops.forward_butterflies(f + b, f + h + b, consts[base], c);
      });
    }
    const std::size_t sub = std::min(used, h);
    if (d > kParallelLog) {
      tbb::parallel_invoke([&] { forward(f, d - 1, 2 * base, sub); },
                           [&] { forward(f + h, d - 1, 2 * base + 1, sub); });
    } else {
      forward(f, d - 1, 2 * base, sub);
      forward(f + h, d - 1, 2 * base + 1, sub);
    }
  }

  void inverse(U64* f, unsigned d, std::size_t base) const {
    if (d == 0) return;
    const std::size_t len = std::size_t{1} << d, h = len / 2;
    if (d <= kLeafLog) {
      for (unsigned dd = 1; dd <= d; ++dd)
        loops.inverse_level(f, len, std::size_t{1} << (dd - 1), consts + (base << (d - dd)));
      return;
    }
    if (d > kParallelLog) {
      tbb::parallel_invoke([&] { inverse(f, d - 1, 2 * base); },
                           [&] { inverse(f + h, d - 1, 2 * base + 1); });
    } else {
      inverse(f, d - 1, 2 * base);
      inverse(f + h, d - 1, 2 * base + 1);
    }
    for_chunks(h, [&](std::size_t b, std::size_t c) {
      loops.inverse_butterflies(f + b, f + h + b, consts[base], c);
    });
  }
};

void check_size(std::span<const U64> f, unsigned log_len, const AfftTables* tables) {
  if (log_len > kAfftMaxLog || f.size() != (std::size_t{1} << log_len)) {
    throw std::invalid_argument("additive FFT: the array must hold 2^K words, K <= 24");
  }
  if (tables != nullptr && tables->max_log() < log_len) {
    throw std::invalid_argument("additive FFT: tables built for a smaller dimension");
  }
}

}  // namespace

const std::array<std::uint64_t, 64>& cantor_basis() noexcept {
  static const std::array<std::uint64_t, 64> basis = [] {
    std::array<std::uint64_t, 64> b{};
    b[0] = 1;
    for (unsigned i = 1; i < 64; ++i) b[i] = solve_artin_schreier(b[i - 1]);
    return b;
  }();
  return basis;
}

namespace {

std::vector<std::uint64_t> group_constants(unsigned max_log) {
  const std::array<std::uint64_t, 64>& v = cantor_basis();
  std::vector<std::uint64_t> c(max_log == 0 ? 1 : std::size_t{1} << (max_log - 1), 0);
  for (std::size_t g = 1; g < c.size(); ++g) {
    const unsigned low = static_cast<unsigned>(std::countr_zero(g));
    c[g] = c[g & (g - 1)] ^ v[low + 1];
  }
  return c;
}

}  // namespace

AfftTables::AfftTables(unsigned max_log) : max_log_(max_log) {
  if (max_log > kAfftMaxLog) throw std::invalid_argument("AfftTables: dimension above 24");
  if (max_log <= kAfftSharedLog) {
    static const std::vector<std::uint64_t> shared = group_constants(kAfftSharedLog);
    consts_ = shared.data();
  } else {
    own_ = group_constants(max_log);
    consts_ = own_.data();
  }
}

const AfftLoops& afft_loops_for(SimdLevel level) noexcept {
  return *select_by_level(level, &scalar::kAfftLoops, &sse41::kAfftLoops, &avx2::kAfftLoops,
                          &avx512::kAfftLoops);
}

const AfftLoops& afft_loops() noexcept { return afft_loops_for(active_simd_level()); }

void afft_to_novel(std::span<std::uint64_t> f, unsigned log_len) {
  check_size(f, log_len, nullptr);
  to_novel_fast(f.data(), log_len, 1, f.size());
}

void afft_from_novel(std::span<std::uint64_t> f, unsigned log_len) {
  check_size(f, log_len, nullptr);
  from_novel_fast(f.data(), log_len, 1);
}

void afft_forward(std::span<std::uint64_t> f, unsigned log_len, std::size_t used,
                  const AfftTables& tables) {
  check_size(f, log_len, &tables);
  used = std::min(used, f.size());
  to_novel_fast(f.data(), log_len, 1, used);
  Transform{afft_loops(), tables.consts()}.forward(f.data(), log_len, 0, used);
}

void afft_forward32(std::span<std::uint32_t> coeffs, std::span<std::uint64_t> f, unsigned log_len,
                    std::size_t used, const AfftTables& tables) {
  check_size(f, log_len, &tables);
  if (coeffs.size() != f.size()) throw std::invalid_argument("additive FFT: 2^K coefficients");
  used = std::min(used, f.size());
  to_novel_fast(coeffs.data(), log_len, 1, used);
  for_chunks(f.size(), [&](std::size_t b, std::size_t c) {
    std::copy_n(coeffs.data() + b, c, f.data() + b);
  });
  Transform{afft_loops(), tables.consts()}.forward(f.data(), log_len, 0, used);
}

void afft_inverse(std::span<std::uint64_t> f, unsigned log_len, const AfftTables& tables) {
  check_size(f, log_len, &tables);
  Transform{afft_loops(), tables.consts()}.inverse(f.data(), log_len, 0);
  from_novel_fast(f.data(), log_len, 1);
}

}  // namespace qkdpp::kernels::detail
