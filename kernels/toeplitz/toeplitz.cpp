// Toeplitz hashing: argument checks, the block decomposition shared by the CLMUL and NTT kernels,
// the naive reference and kernel selection.
//
// Block decomposition: with block size k (bits), output blocks I < Mb = ceil(m/k) and input blocks
// J < K = ceil(n/k), y_I = XOR_J MP_k(window_{I-J}, x_J), where window d starts at bit
// (d + K - 1) k of the seed padded on the left with K k - n zeros (derivation in
// docs/toeplitz.md). Windows are word-aligned because k is a multiple of 64.
#include "kernels/toeplitz/toeplitz.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/dispatch/simd_level.hpp"
#include "kernels/memory/aligned_allocator.hpp"
#include "kernels/toeplitz/detail/additive_fft.hpp"
#include "kernels/toeplitz/detail/middle_product.hpp"
#include "kernels/toeplitz/detail/ntt.hpp"

namespace qkdpp::kernels {

namespace {

using WordBuffer = std::vector<Word, AlignedAllocator<Word>>;
using U32Buffer = std::vector<std::uint32_t, AlignedAllocator<std::uint32_t>>;

Word reverse_word(Word v) noexcept {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

// rev[t] = x[n - 1 - t] for t < n.
WordBuffer reversed_input(std::span<const Word> x, std::size_t n) {
  const std::size_t w = words_for_bits(n);
  WordBuffer full(w), rev(w, 0);
  for (std::size_t i = 0; i < w; ++i)
    full[w - 1 - i] = reverse_word(i + 1 == w && n % 64 ? x[i] & low_mask(n % 64) : x[i]);
  copy_bits(rev, 0, full, 64 * w - n, n);
  return rev;
}

// y_i = parity(popcount(seed[i, i + n) AND rev)).
bool row_bit(std::span<const Word> seed, std::span<const Word> rev, std::size_t n,
             std::size_t i) noexcept {
  Word acc = 0;
  const std::size_t full = n / 64;
  for (std::size_t w = 0; w < full; ++w) acc ^= extract_bits(seed, i + 64 * w, 64) & rev[w];
  if (n % 64 != 0) acc ^= extract_bits(seed, i + 64 * full, n % 64) & rev[full];
  return std::popcount(acc) & 1;
}

void naive_kernel(std::span<const Word> seed, std::span<const Word> x, std::size_t n, std::size_t m,
                  std::span<Word> y) {
  const WordBuffer rev = reversed_input(x, n);
  std::fill(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(words_for_bits(m)), Word{0});
  for (std::size_t i = 0; i < m; ++i) {
    if (row_bit(seed, rev, n, i)) y[i / 64] |= Word{1} << (i % 64);
  }
}

struct BlockPlan {
  std::size_t kw = 0;  // block size in words
  std::size_t k = 0;   // block size in bits
  std::size_t input_blocks = 0;
  std::size_t output_blocks = 0;
  WordBuffer seed;  // left-padded seed
  WordBuffer x;     // input padded to input_blocks * k bits

  const Word* window(std::size_t out_block, std::size_t in_block) const noexcept {
    return seed.data() + (out_block + input_blocks - 1 - in_block) * kw;
  }

  // The transform-domain schedule of the fft and ntt kernels: every window d = I - J + K - 1 once,
  // load(d) (window d starts at seed bit d k), then accumulate(I, J) for each block pair using it.
  template <class Load, class Accumulate>
  void for_each_window(Load&& load, Accumulate&& accumulate) const {
    for (std::size_t d = 0; d + 1 < input_blocks + output_blocks; ++d) {
      load(d);
      for (std::size_t j = 0; j < input_blocks; ++j) {
        if (d + j + 1 < input_blocks || d + j + 1 - input_blocks >= output_blocks) continue;
        accumulate(d + j + 1 - input_blocks, j);
      }
    }
  }
};

BlockPlan make_plan(std::span<const Word> seed, std::span<const Word> x, std::size_t n,
                    std::size_t m, std::size_t kw) {
  BlockPlan p;
  p.kw = kw;
  p.k = 64 * kw;
  p.input_blocks = (n + p.k - 1) / p.k;
  p.output_blocks = (m + p.k - 1) / p.k;
  p.seed.assign((p.output_blocks + p.input_blocks) * kw + 1, 0);
  copy_bits(p.seed, p.input_blocks * p.k - n, seed, 0, n + m - 1);
  p.x.assign(p.input_blocks * kw, 0);
  copy_bits(p.x, 0, x, 0, n);
  return p;
}

// ---- CLMUL kernel ------------------------------------------------------------------------

constexpr std::size_t kParallelMpWords = 1u << 12;  // fork Karatsuba's three products above this

void middle_product_parallel(detail::MiddleProductFn mp, const Word* s, const Word* x, Word* y,
                             std::size_t kw) {
  if (kw >= kParallelMpWords && kw % 2 == 0 && kw > detail::kMpBaseWords) {
    const std::size_t h = kw / 2;
    WordBuffer s_ab(2 * h), s_bc(2 * h), x01(h), beta(h, 0);
    for (std::size_t i = 0; i < 2 * h; ++i) {
      s_ab[i] = s[i] ^ s[h + i];
      s_bc[i] = s[h + i] ^ s[2 * h + i];
    }
    for (std::size_t i = 0; i < h; ++i) x01[i] = x[i] ^ x[h + i];
    tbb::parallel_invoke([&] { middle_product_parallel(mp, s_ab.data(), x + h, y, h); },
                         [&] { middle_product_parallel(mp, s_bc.data(), x, y + h, h); },
                         [&] { middle_product_parallel(mp, s + h, x01.data(), beta.data(), h); });
    for (std::size_t i = 0; i < h; ++i) {
      y[i] ^= beta[i];
      y[h + i] ^= beta[i];
    }
    return;
  }
  thread_local WordBuffer work;
  const std::size_t need = detail::middle_product_work_words(kw);
  if (work.size() < need) work.resize(need);
  mp(s, x, y, kw, work.data());
}

void clmul_kernel(std::span<const Word> seed, std::span<const Word> x, std::size_t n, std::size_t m,
                  std::span<Word> y) {
  const BlockPlan plan =
      make_plan(seed, x, n, m, detail::choose_middle_product_words(words_for_bits(m)));
  const detail::MiddleProductFn mp = detail::middle_product_for(active_simd_level());
  const std::size_t acc_words = plan.output_blocks * plan.kw;
  const auto accumulate = [&](WordBuffer& acc, std::size_t in_block) {
    for (std::size_t out = 0; out < plan.output_blocks; ++out) {
      middle_product_parallel(mp, plan.window(out, in_block), plan.x.data() + in_block * plan.kw,
                              acc.data() + out * plan.kw, plan.kw);
    }
  };
  WordBuffer total(acc_words, 0);
  if (plan.input_blocks == 1 || n * static_cast<double>(m) < 1e9) {
    for (std::size_t j = 0; j < plan.input_blocks; ++j) accumulate(total, j);
  } else {
    tbb::enumerable_thread_specific<WordBuffer> partial([&] { return WordBuffer(acc_words, 0); });
    tbb::parallel_for(std::size_t{0}, plan.input_blocks,
                      [&](std::size_t j) { accumulate(partial.local(), j); });
    for (const WordBuffer& p : partial) {
      for (std::size_t i = 0; i < acc_words; ++i) total[i] ^= p[i];
    }
  }
  copy_bits(y, 0, total, 0, m);
}

// ---- NTT kernel --------------------------------------------------------------------------

constexpr std::size_t kNttMaxLength = std::size_t{1} << detail::kNttMaxLog;

// dst[t] = bit (offset + t) of src for t < bits, 0 up to dst.size().
void expand_bits(std::span<const Word> src, std::size_t offset, std::size_t bits,
                 std::span<std::uint32_t> dst) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, dst.size(), 1u << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t t = r.begin(); t < r.end(); ++t) {
                        dst[t] = t < bits
                                     ? static_cast<std::uint32_t>(
                                           (src[(offset + t) / 64] >> ((offset + t) % 64)) & 1u)
                                     : 0u;
                      }
                    });
}

// Bits out[out_offset + i] = parity of convolution coefficient first + i, for i < count.
void collect_parity(std::span<const std::uint32_t> conv, std::size_t first, std::size_t count,
                    std::span<Word> out, std::size_t out_offset) {
  const std::uint32_t factor = detail::ntt_plain_factor(conv.size());
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t bit = out_offset + i;
    const Word v = detail::ntt_mont_mul(conv[first + i], factor) & 1u;
    out[bit / 64] = (out[bit / 64] & ~(Word{1} << (bit % 64))) | (v << (bit % 64));
  }
}

// ---- additive-FFT kernel ------------------------------------------------------------------

// A product of an a_bits-bit and a b_bits-bit polynomial, cut into 32-bit chunks, computed modulo
// s_K(y): chunk coefficients t >= L = 2^K fold onto t - L + 2^j for every proper submask j of K
// (y^L = sum_j y^(2^j) there), the highest landing at t - L + D with D = 2^(K - lowest bit of K).
// Output bits [first, first + count) read chunks ceil((first - 62) / 32) .. (first + count - 1) /
// 32, which must lie below L and above every landing.
// D = 2^(K - lowest set bit of K): y^L = sum over proper submasks j of K of y^(2^j), the largest
// being K without its lowest bit (1 for K a power of two).
std::size_t fold_reach(unsigned log_len) noexcept {
  return std::size_t{1} << (log_len - (1u << std::countr_zero(log_len)));
}

bool fft_alias_free(unsigned log_len, std::size_t a_bits, std::size_t b_bits, std::size_t first,
                    std::size_t count) noexcept {
  const std::size_t len = std::size_t{1} << log_len;
  const std::size_t t_lo = first >= 62 ? (first - 62 + 31) / 32 : 0;
  const std::size_t t_hi = (first + count - 1) / 32;
  if (t_hi >= len) return false;
  const std::size_t top = (a_bits + 31) / 32 + (b_bits + 31) / 32 - 2;  // highest product chunk
  if (top < len) return true;
  if (log_len == 0) return true;  // y^1 = 0 mod s_0 = y: nothing folds, high terms vanish
  return top - len + fold_reach(log_len) < t_lo;
}

struct FftPlan {
  unsigned log_len = 0;
  std::size_t kw = 0;  // block size in words; 0 = one product of the whole seed and input
  std::size_t input_blocks = 1, output_blocks = 1;
  double cost = 0;
};

constexpr std::size_t kFftMemoryWords = std::size_t{1} << 26;  // 512 MiB of transform arrays

// Cheapest transform size: butterflies ~ (K + 4) L per transform, plus pointwise products, plus a
// fixed cost per transform and per product (calls, tables; fitted on Zen 1 so that many tiny
// transforms do not win on paper only).
FftPlan choose_fft_plan(std::size_t n, std::size_t m, unsigned max_log) {
  constexpr double kPerTransform = 300, kPerProduct = 100;
  FftPlan best;
  best.cost = -1;
  for (unsigned k_log = 0; k_log <= max_log; ++k_log) {
    const double len = std::ldexp(1.0, static_cast<int>(k_log));
    const double transform = (k_log + 4) * len + kPerTransform;
    if (fft_alias_free(k_log, n + m - 1, n, n - 1, m)) {
      const double cost = 3 * transform + len + kPerProduct;
      if (best.cost < 0 || cost < best.cost) best = {k_log, 0, 1, 1, cost};
      break;  // every larger transform costs more than this one
    }
    if (k_log < 2) continue;
    const std::size_t l = std::size_t{1} << k_log;
    const std::size_t kw = (l - fold_reach(k_log)) / 4;  // windows of 2k bits in L - D chunks
    if (kw == 0) continue;
    const std::size_t k = 64 * kw, in = (n + k - 1) / k, out = (m + k - 1) / k;
    if ((in + out + 1) * l > kFftMemoryWords) continue;
    const double cost = static_cast<double>(2 * (in + out) - 1) * transform +
                        static_cast<double>(in * out) * (len + kPerProduct);
    if (best.cost < 0 || cost < best.cost) best = {k_log, kw, in, out, cost};
  }
  return best;
}

// dst[t] = bits [offset + 32 t, offset + 32 t + 32) of src, cut at `bits`; zero up to dst.size().
// offset must be a multiple of 64.
void load_chunks(std::span<const Word> src, std::size_t offset, std::size_t bits,
                 std::span<std::uint32_t> dst) {
  const std::size_t chunks = (bits + 31) / 32, full_words = bits / 64;
  const Word* in = src.data() + offset / 64;
  std::uint32_t* out = dst.data();
  for (std::size_t w = 0; w < full_words; ++w) {
    out[2 * w] = static_cast<std::uint32_t>(in[w]);
    out[2 * w + 1] = static_cast<std::uint32_t>(in[w] >> 32);
  }
  for (std::size_t t = 2 * full_words; t < chunks; ++t) {
    Word v = (in[t / 2] >> (32 * (t % 2))) & 0xFFFFFFFFu;
    if (32 * t + 32 > bits) v &= low_mask(bits - 32 * t);
    out[t] = static_cast<std::uint32_t>(v);
  }
  std::fill(out + chunks, out + dst.size(), std::uint32_t{0});
}

// Chunks of src as above, transformed into f (2^K words); `coeffs` is scratch of 2^K 32-bit words.
void transform_chunks(std::span<const Word> src, std::size_t offset, std::size_t bits,
                      std::span<std::uint32_t> coeffs, std::span<std::uint64_t> f, unsigned log_len,
                      const detail::AfftTables& tables) {
  load_chunks(src, offset, bits, coeffs);
  detail::afft_forward32(coeffs, f, log_len, (bits + 31) / 32, tables);
}

// out[out_offset + i] = bit first + i of sum_t h[t] z^(32 t), for i < count.
void collect_chunks(std::span<const std::uint64_t> h, std::size_t first, std::size_t count,
                    std::span<Word> out, std::size_t out_offset) {
  const std::size_t w0 = first / 64, w1 = (first + count - 1) / 64;
  const auto chunk = [&](std::size_t t) { return t < h.size() ? h[t] : 0; };
  WordBuffer r(w1 - w0 + 1);
  for (std::size_t w = w0; w <= w1; ++w) {
    r[w - w0] = chunk(2 * w) ^ (chunk(2 * w + 1) << 32) ^ (w > 0 ? chunk(2 * w - 1) >> 32 : 0);
  }
  copy_bits(out, out_offset, r, first - 64 * w0, count);
}

// The fft kernel's transform arrays, kept per thread and reused: fresh pages cost a fault and a
// clear per call (a third of a single-product 2^20-bit hash; more than half of a blocked one on
// this VM). A call borrows its thread's arrays when they total at most kKeptWords 64-bit words and
// no other call on this thread holds them: a thread waiting inside parallel_invoke or
// parallel_for may run another hash's task (TBB work stealing), and that hash must not write into
// the waiting one's arrays. Otherwise, and for larger plans, the call has arrays of its own. The
// kept arrays never hold more than one borrowing call's sizes (an array larger than asked for is
// replaced), so each thread keeps at most kKeptWords words (8 MiB). Contents are not cleared:
// callers write every entry before reading it.
class TransformArrays {
 public:
  static constexpr std::size_t kKeptWords = std::size_t{1} << 20;

  // `words` arrays of len 64-bit words and `chunks` arrays of len 32-bit words.
  TransformArrays(std::size_t words, std::size_t chunks, std::size_t len) {
    thread_local Set kept;
    thread_local bool kept_in_use = false;
    const bool keep = !kept_in_use && words * len + (chunks * len + 1) / 2 <= kKeptWords;
    set_ = keep ? &kept : &own_;
    if (keep) {
      kept_in_use = true;
      in_use_ = &kept_in_use;
    }
    fit(set_->words, words, len);
    fit(set_->chunks, chunks, len);
  }
  ~TransformArrays() {
    if (in_use_ != nullptr) *in_use_ = false;
  }
  TransformArrays(const TransformArrays&) = delete;
  TransformArrays& operator=(const TransformArrays&) = delete;

  WordBuffer& words(std::size_t i) noexcept { return set_->words[i]; }
  U32Buffer& chunks(std::size_t i) noexcept { return set_->chunks[i]; }

 private:
  struct Set {
    std::vector<WordBuffer> words;
    std::vector<U32Buffer> chunks;
  };
  template <class Buffer>
  static void fit(std::vector<Buffer>& arrays, std::size_t count, std::size_t len) {
    arrays.resize(count);
    for (Buffer& a : arrays) {
      if (a.capacity() > len) a = Buffer();  // free the larger storage of an earlier call
      a.resize(len);
    }
  }
  Set own_;
  Set* set_ = nullptr;
  bool* in_use_ = nullptr;
};

}  // namespace

namespace detail {

void toeplitz_fft(std::span<const Word> seed, std::span<const Word> x, std::size_t n, std::size_t m,
                  std::span<Word> y, unsigned max_log) {
  if (max_log > kAfftMaxLog) throw std::invalid_argument("toeplitz_fft: max_log above 24");
  const FftPlan plan = choose_fft_plan(n, m, max_log);
  if (plan.cost < 0) throw std::invalid_argument("toeplitz_fft: no transform size fits");
  const AfftTables tables(plan.log_len);
  const std::size_t len = std::size_t{1} << plan.log_len;
  const AfftLoops& loops = afft_loops();
  if (plan.kw == 0) {
    TransformArrays arrays(2, 2, len);
    WordBuffer &a = arrays.words(0), &b = arrays.words(1);
    U32Buffer &ca = arrays.chunks(0), &cb = arrays.chunks(1);
    tbb::parallel_invoke([&] { transform_chunks(seed, 0, n + m - 1, ca, a, plan.log_len, tables); },
                         [&] { transform_chunks(x, 0, n, cb, b, plan.log_len, tables); });
    loops.mul(a.data(), a.data(), b.data(), len);
    afft_inverse(a, plan.log_len, tables);
    collect_chunks(a, n - 1, m, y, 0);
    return;
  }
  const BlockPlan blocks = make_plan(seed, x, n, m, plan.kw);
  const std::size_t k = blocks.k, in_blocks = blocks.input_blocks,
                    out_blocks = blocks.output_blocks;
  if (!fft_alias_free(plan.log_len, 2 * k - 1, k, k - 1, k)) {
    throw std::logic_error("toeplitz_fft: block size aliases the wanted coefficients");
  }
  // Arrays 0 .. in_blocks - 1: the input blocks' transforms; then the output blocks'
  // accumulators; then the current window's transform.
  TransformArrays arrays(in_blocks + out_blocks + 1, 1, len);
  const auto xs = [&](std::size_t j) -> WordBuffer& { return arrays.words(j); };
  const auto acc = [&](std::size_t i) -> WordBuffer& { return arrays.words(in_blocks + i); };
  WordBuffer& window = arrays.words(in_blocks + out_blocks);
  U32Buffer& coeffs = arrays.chunks(0);
  for (std::size_t j = 0; j < in_blocks; ++j) {
    transform_chunks(blocks.x, j * k, k, coeffs, xs(j), plan.log_len, tables);
  }
  for (std::size_t i = 0; i < out_blocks; ++i) std::fill(acc(i).begin(), acc(i).end(), Word{0});
  blocks.for_each_window(
      [&](std::size_t d) {
        transform_chunks(blocks.seed, d * k, 2 * k - 1, coeffs, window, plan.log_len, tables);
      },
      [&](std::size_t i, std::size_t j) {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, len, 1u << 14),
                          [&](const tbb::blocked_range<std::size_t>& r) {
                            loops.mul_acc(acc(i).data() + r.begin(), window.data() + r.begin(),
                                          xs(j).data() + r.begin(), r.size());
                          });
      });
  std::fill(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(words_for_bits(m)), Word{0});
  for (std::size_t i = 0; i < out_blocks; ++i) {
    afft_inverse(acc(i), plan.log_len, tables);
    collect_chunks(acc(i), k - 1, std::min(k, m - i * k), y, i * k);
  }
}

void toeplitz_ntt(std::span<const Word> seed, std::span<const Word> x, std::size_t n, std::size_t m,
                  std::span<Word> y, std::size_t max_length) {
  if (max_length < 128 || max_length > kNttMaxLength || !std::has_single_bit(max_length)) {
    throw std::invalid_argument("toeplitz_ntt: max_length must be a power of two in [2^7, 2^27]");
  }
  const detail::NttLoops& loops = detail::ntt_loops();
  if (n + m - 1 <= max_length) {
    // One cyclic convolution of length L >= n + m - 1: the wanted coefficients n-1 .. n+m-2 do not
    // alias.
    const std::size_t len = std::max<std::size_t>(2, std::bit_ceil(n + m - 1));
    U32Buffer a(len), b(len), c(len, 0);
    tbb::parallel_invoke([&] { expand_bits(seed, 0, n + m - 1, a), detail::ntt_forward(a); },
                         [&] { expand_bits(x, 0, n, b), detail::ntt_forward(b); });
    loops.mul_acc(c.data(), a.data(), b.data(), len);
    detail::ntt_inverse(c);
    collect_parity(c, n - 1, m, y, 0);
    return;
  }
  // Blocked: MP_k with k = L/2 per block pair; transforms of input blocks are reused across
  // windows, products accumulate in the transform domain, one inverse per output block.
  const std::size_t len = max_length;
  const BlockPlan plan = make_plan(seed, x, n, m, len / 2 / 64);
  const std::size_t in_blocks = plan.input_blocks, out_blocks = plan.output_blocks;
  std::vector<U32Buffer> xs(in_blocks), acc(out_blocks);
  for (std::size_t j = 0; j < in_blocks; ++j) {
    xs[j].resize(len);
    expand_bits(plan.x, j * plan.k, plan.k, xs[j]);
    detail::ntt_forward(xs[j]);
  }
  for (auto& a : acc) a.assign(len, 0);
  U32Buffer window(len);
  plan.for_each_window(
      [&](std::size_t d) {
        expand_bits(plan.seed, d * plan.k, 2 * plan.k - 1, window);
        detail::ntt_forward(window);
      },
      [&](std::size_t i, std::size_t j) {
        loops.mul_acc(acc[i].data(), window.data(), xs[j].data(), len);
      });
  std::fill(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(words_for_bits(m)), Word{0});
  for (std::size_t i = 0; i < out_blocks; ++i) {
    detail::ntt_inverse(acc[i]);
    collect_parity(acc[i], plan.k - 1, std::min(plan.k, m - i * plan.k), y, i * plan.k);
  }
}

}  // namespace detail

namespace {

void check_arguments(std::span<const Word> seed, std::span<const Word> x, std::size_t n,
                     std::size_t m, std::span<Word> y) {
  if (n == 0 || m == 0 || m > n) {
    throw std::invalid_argument("toeplitz_hash: need 1 <= m <= n, got n = " + std::to_string(n) +
                                ", m = " + std::to_string(m));
  }
  if (n > kToeplitzMaxInputBits) {
    throw std::invalid_argument("toeplitz_hash: n = " + std::to_string(n) +
                                " exceeds the supported 2^28 bits");
  }
  if (seed.size() < words_for_bits(n + m - 1)) {
    throw std::invalid_argument(
        "toeplitz_hash: the seed must hold n + m - 1 = " + std::to_string(n + m - 1) +
        " bits, got " + std::to_string(seed.size() * 64));
  }
  if (x.size() < words_for_bits(n))
    throw std::invalid_argument("toeplitz_hash: input shorter than n bits");
  if (y.size() < words_for_bits(m))
    throw std::invalid_argument("toeplitz_hash: output shorter than m bits");
}

}  // namespace

std::string_view to_string(ToeplitzKernel kernel) noexcept {
  switch (kernel) {
    case ToeplitzKernel::kNaive:
      return "naive";
    case ToeplitzKernel::kClmul:
      return "clmul";
    case ToeplitzKernel::kNtt:
      return "ntt";
    case ToeplitzKernel::kFft:
      return "fft";
    case ToeplitzKernel::kAuto:
      break;
  }
  return "auto";
}

std::optional<ToeplitzKernel> parse_toeplitz_kernel(std::string_view name) noexcept {
  for (ToeplitzKernel k : {ToeplitzKernel::kAuto, ToeplitzKernel::kNaive, ToeplitzKernel::kClmul,
                           ToeplitzKernel::kNtt, ToeplitzKernel::kFft}) {
    if (name == to_string(k)) return k;
  }
  return std::nullopt;
}

ToeplitzKernel choose_toeplitz_kernel(std::size_t n, std::size_t m) noexcept {
  if (n == 0 || m == 0 || m > n || n > kToeplitzMaxInputBits) return ToeplitzKernel::kClmul;
  // The clmul kernel runs ceil(n/k) ceil(m/k) Karatsuba middle products of kw = k/64 words, about
  // kw^log2(3) units each; the fft kernel's cost is its plan's. Unit times fitted on Zen 1 (about
  // 3.3 and 0.88 ns, docs/performance.md); the NTT kernel is never faster than the fft kernel.
  // The fft kernel's AVX-512 loops (eight VPCLMULQDQ products per instruction) run 2.2-2.3x
  // faster than its avx2 ones at 2^16-2^22 bits, the clmul kernel's not at all
  // (docs/performance.md "Fourteenth session").
  const std::size_t kw = detail::choose_middle_product_words(words_for_bits(m)), k = 64 * kw;
  const double clmul = static_cast<double>(((n + k - 1) / k) * ((m + k - 1) / k)) *
                       std::pow(static_cast<double>(kw), std::log2(3.0)) * 3.3;
  const double fft_unit = active_simd_level() == SimdLevel::kAvx512 ? 0.88 / 2.2 : 0.88;
  const double fft = choose_fft_plan(n, m, detail::kAfftMaxLog).cost * fft_unit;
  return clmul <= fft ? ToeplitzKernel::kClmul : ToeplitzKernel::kFft;
}

void toeplitz_hash(std::span<const Word> seed, std::span<const Word> x, std::size_t n,
                   std::size_t m, std::span<Word> y, ToeplitzKernel kernel) {
  check_arguments(seed, x, n, m, y);
  if (kernel == ToeplitzKernel::kAuto) kernel = choose_toeplitz_kernel(n, m);
  switch (kernel) {
    case ToeplitzKernel::kNaive:
      naive_kernel(seed, x, n, m, y);
      break;
    case ToeplitzKernel::kNtt:
      detail::toeplitz_ntt(seed, x, n, m, y, kNttMaxLength);
      break;
    case ToeplitzKernel::kFft:
      detail::toeplitz_fft(seed, x, n, m, y, detail::kAfftMaxLog);
      break;
    default:
      clmul_kernel(seed, x, n, m, y);
      break;
  }
  if (m % 64 != 0) y[m / 64] &= low_mask(m % 64);
}

FftPlanSummary fft_plan_summary(std::size_t n, std::size_t m) {
  if (n == 0 || m == 0 || m > n || n > kToeplitzMaxInputBits) {
    throw std::invalid_argument("fft_plan_summary: need 1 <= m <= n <= 2^28");
  }
  const FftPlan plan = choose_fft_plan(n, m, detail::kAfftMaxLog);
  return {plan.log_len, 64 * plan.kw, plan.input_blocks, plan.output_blocks};
}

std::vector<bool> toeplitz_output_bits(std::span<const Word> seed, std::span<const Word> x,
                                       std::size_t n, std::span<const std::size_t> rows) {
  const WordBuffer rev = reversed_input(x, n);
  std::vector<bool> out;
  out.reserve(rows.size());
  for (std::size_t i : rows) out.push_back(row_bit(seed, rev, n, i));
  return out;
}

}  // namespace qkdpp::kernels
