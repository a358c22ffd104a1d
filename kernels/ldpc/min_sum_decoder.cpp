// Layered min-sum: the scalar reference arithmetic and the decoder's state handling. The SIMD
// instances (min_sum_simd.cpp) must reproduce reference_iterate() bit for bit.
#include "kernels/ldpc/min_sum_decoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "kernels/ldpc/detail/min_sum.hpp"

#if defined(__x86_64__) || defined(__SSE__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace qkdpp::kernels {

namespace detail {
namespace {

template <class M>
inline std::size_t position(const MinSumView<M>& v, std::size_t b, std::size_t i) noexcept {
  std::size_t j = i + v.block_shift[b];
  if (j >= v.z) j -= v.z;
  return v.block_col[b] * v.stride + j;
}

// The box-plus rule (MinSumDecoder's header): t_k in scratch[k], the prefixes F_k in
// scratch[degree + k].
template <class M>
std::size_t reference_boxplus_iterate(const MinSumView<M>& v) noexcept {
  const int s = v.saturation, limit = v.message_limit, h = v.boxplus_shift;
  const int correction = v.boxplus_correction, half = (1 << h) >> 1;
  const auto sat = [s](int x) { return std::clamp(x, -s, s); };
  const auto magnitude = [limit, h](int t) { return std::min(std::abs(t), limit) << h; };
  std::size_t unsatisfied = 0;
  for (std::size_t r = 0; r < v.layers; ++r) {
    const std::size_t b0 = v.layer_ptr[r], degree = v.layer_ptr[r + 1] - b0;
    Posterior* const t = v.scratch;
    Posterior* const prefix = v.scratch + degree;
    for (std::size_t i = 0; i < v.z; ++i) {
      bool negative = v.syndrome[r * v.stride + i] < 0, parity = negative;
      int forward = 0;
      for (std::size_t k = 0; k < degree; ++k) {
        const std::size_t b = b0 + k;
        const Posterior l = v.posterior[position(v, b, i)];
        parity ^= l < 0;
        t[k] = static_cast<Posterior>(sat(l - v.messages[b * v.stride + i]));
        negative ^= t[k] < 0;
        prefix[k] = static_cast<Posterior>(forward);
        const int a = magnitude(t[k]);
        forward = k == 0 ? a : boxplus_magnitude(forward, a, correction);
      }
      unsatisfied += parity ? 1 : 0;
      int backward = 0;
      for (std::size_t k = degree; k-- > 0;) {
        const std::size_t b = b0 + k;
        const int out = degree == 1       ? limit << h
                        : k + 1 == degree ? prefix[k]
                        : k == 0          ? backward
                                          : boxplus_magnitude(prefix[k], backward, correction);
        const int a = magnitude(t[k]);
        backward = k + 1 == degree ? a : boxplus_magnitude(backward, a, correction);
        const int m = std::min((out + half) >> h, limit);
        const int message = (negative ^ (t[k] < 0)) ? -m : m;
        v.messages[b * v.stride + i] = static_cast<M>(message);
        v.posterior[position(v, b, i)] = static_cast<Posterior>(sat(t[k] + message));
      }
    }
  }
  return unsatisfied;
}

template <class M>
std::size_t reference_iterate(const MinSumView<M>& v) noexcept {
  const int s = v.saturation;
  const auto sat = [s](int x) { return std::clamp(x, -s, s); };
  const auto g = [&v](int m) {
    // Scaled-offset rounds as pmulhrsw does: (m f + 2^14) >> 15.
    const int attenuated = v.rule == MinSumVariant::kNormalized ? m - (m >> v.parameter)
                           : v.rule == MinSumVariant::kOffset
                               ? std::max(m - v.parameter, 0)
                               : std::max(((m * v.factor + (1 << 14)) >> 15) - v.parameter, 0);
    return std::min<int>(attenuated, v.message_limit);
  };
  if (v.rule == MinSumVariant::kBoxPlus) return reference_boxplus_iterate(v);
  std::size_t unsatisfied = 0;
  for (std::size_t r = 0; r < v.layers; ++r) {
    const std::size_t b0 = v.layer_ptr[r], b1 = v.layer_ptr[r + 1];
    for (std::size_t i = 0; i < v.z; ++i) {
      int min1 = s, min2 = s;
      bool negative = v.syndrome[r * v.stride + i] < 0, parity = negative;
      for (std::size_t b = b0; b < b1; ++b) {
        const Posterior l = v.posterior[position(v, b, i)];
        parity ^= l < 0;
        const int t = sat(l - v.messages[b * v.stride + i]);
        v.scratch[b - b0] = static_cast<Posterior>(t);
        const int mag = std::abs(t);
        min2 = std::min(min2, std::max(min1, mag));
        min1 = std::min(min1, mag);
        negative ^= t < 0;
      }
      unsatisfied += parity ? 1 : 0;
      const int g1 = g(min1), g2 = g(min2);
      for (std::size_t b = b0; b < b1; ++b) {
        const int t = v.scratch[b - b0];
        const int m =
            !v.block_offset
                ? (std::abs(t) == min1 ? g2 : g1)
                : std::min<int>(
                      std::max((std::abs(t) == min1 ? min2 : min1) - v.block_offset[b], 0),
                      v.message_limit);
        const int message = (negative ^ (t < 0)) ? -m : m;
        v.messages[b * v.stride + i] = static_cast<M>(message);
        v.posterior[position(v, b, i)] = static_cast<Posterior>(sat(t + message));
      }
    }
  }
  return unsatisfied;
}

template <class M>
bool reference_satisfied(const MinSumView<M>& v) noexcept {
  for (std::size_t r = 0; r < v.layers; ++r) {
    for (std::size_t i = 0; i < v.z; ++i) {
      bool parity = v.syndrome[r * v.stride + i] < 0;
      for (std::size_t b = v.layer_ptr[r]; b < v.layer_ptr[r + 1]; ++b) {
        parity ^= v.posterior[position(v, b, i)] < 0;
      }
      if (parity) return false;
    }
  }
  return true;
}

}  // namespace

const MinSumKernels kMinSumReference = {
    {&reference_iterate<std::int8_t>, &reference_satisfied<std::int8_t>},
    {&reference_iterate<std::int16_t>, &reference_satisfied<std::int16_t>},
};

}  // namespace detail

namespace {

// Bits [0, blocks * z) of `bits`, block by block, into out[c * stride + i]: if1 where the bit is
// set, if0 elsewhere. Reads whole words (bits are consecutive across blocks).
template <class T>
void expand_bits(std::span<const Word> bits, std::size_t blocks, std::size_t z, std::size_t stride,
                 T if0, T if1, T* out) noexcept {
  const T diff = static_cast<T>(if0 ^ if1);
  std::size_t bit = 0;
  for (std::size_t c = 0; c < blocks; ++c) {
    T* dst = out + c * stride;
    std::size_t i = 0;
    while (i < z) {
      const std::size_t shift = bit % kWordBits;
      const std::size_t take = std::min(kWordBits - shift, z - i);
      const Word w = bits[bit / kWordBits] >> shift;
      for (std::size_t j = 0; j < take; ++j) {
        dst[i + j] = static_cast<T>(if0 ^ (diff & -static_cast<T>((w >> j) & 1u)));
      }
      i += take;
      bit += take;
    }
  }
}

// The sign bits of in[c * stride + i] as consecutive bits c * z + i of `out` (zeroed first).
template <class T>
void pack_signs(const T* in, std::size_t blocks, std::size_t z, std::size_t stride,
                std::span<Word> out) noexcept {
  std::fill(out.begin(), out.end(), Word{0});
  std::size_t bit = 0;
  for (std::size_t c = 0; c < blocks; ++c) {
    const T* src = in + c * stride;
    std::size_t i = 0;
    while (i < z) {
      const std::size_t shift = bit % kWordBits;
      const std::size_t take = std::min(kWordBits - shift, z - i);
      Word w = 0;
      for (std::size_t j = 0; j < take; ++j) w |= static_cast<Word>(src[i + j] < 0) << j;
      out[bit / kWordBits] |= w << shift;
      i += take;
      bit += take;
    }
  }
}

std::size_t message_bytes(MinSumPrecision p) noexcept {
  return p == MinSumPrecision::kInt8 ? 1 : 2;
}

}  // namespace

MinSumDecoder::MinSumDecoder(LayeredCode code, const MinSumConfig& config, SimdLevel level)
    : code_(std::move(code)), config_(config), level_(level) {
  code_.validate();
  if (config_.variant == MinSumVariant::kNormalized &&
      (config_.normalization_shift < 1 || config_.normalization_shift > 7)) {
    throw std::invalid_argument("MinSumDecoder: normalisation shift must be in [1, 7]");
  }
  if (config_.variant != MinSumVariant::kNormalized &&
      (config_.offset < 0 || config_.offset > 16384)) {
    throw std::invalid_argument("MinSumDecoder: offset must be in [0, 16384]");
  }
  if (!config_.degree_offsets.empty() && config_.variant != MinSumVariant::kOffset) {
    throw std::invalid_argument("MinSumDecoder: degree offsets apply to the offset rule only");
  }
  for (int o : config_.degree_offsets) {
    if (o < 0 || o > 16384)
      throw std::invalid_argument("MinSumDecoder: degree offsets must be in [0, 16384]");
  }
  if (config_.variant == MinSumVariant::kBoxPlus &&
      !(config_.boxplus_correction >= 0.0f && config_.boxplus_correction <= 4.0f)) {
    throw std::invalid_argument("MinSumDecoder: box-plus correction must be in [0, 4] LLR");
  }
  if (config_.variant == MinSumVariant::kScaledOffset &&
      !(config_.scale_factor > 0.0f && config_.scale_factor < 1.0f)) {
    throw std::invalid_argument("MinSumDecoder: scale factor must be in (0, 1)");
  }
  if (!(config_.llr_scale > 0.0f) || !std::isfinite(config_.llr_scale)) {
    throw std::invalid_argument("MinSumDecoder: LLR scale must be positive");
  }
  const std::size_t lanes = detail::kMinSumLanes;
  const std::size_t p = sizeof(detail::Posterior);
  // Intra-frame vectors need at least one full vector of checks per layer; below that the
  // reference loop runs at every level and blocks are stored unpadded.
  level_ = effective_level(code_.z, level);
  stride_ = code_.z < detail::kMinSumAvx2Lanes ? code_.z : (code_.z + lanes - 1) / lanes * lanes;
  const std::size_t degree = std::max<std::size_t>(code_.max_layer_degree(), 1);
  std::vector<std::size_t> column_degree(code_.block_cols, 0);
  for (std::uint32_t c : code_.block_col)
    max_column_degree_ = std::max(max_column_degree_, ++column_degree[c]);
  if (!config_.degree_offsets.empty()) {
    const auto& table = config_.degree_offsets;
    block_offset_.reserve(code_.blocks());
    for (std::uint32_t c : code_.block_col) {
      const std::size_t d = column_degree[c];
      block_offset_.push_back(static_cast<std::int16_t>(table[std::min(d, table.size()) - 1]));
    }
  }
  // Channel values keep at least a quarter of the range; above that the posteriors cannot
  // saturate, and the vector loops drop their clamps (exact mode).
  constexpr int kSaturation = std::numeric_limits<detail::Posterior>::max();
  const int type_limit = config_.precision == MinSumPrecision::kInt8 ? 127 : kSaturation;
  message_limit_ =
      config_.message_limit > 0 ? std::min(config_.message_limit, type_limit) : type_limit;
  const long long headroom =
      kSaturation - static_cast<long long>(max_column_degree_) * message_limit_;
  exact_ = headroom >= kSaturation / 4;
  channel_bound_ = exact_ ? static_cast<int>(headroom) : kSaturation;
  posterior_.assign((code_.block_cols * stride_ + lanes) * p, 0);
  channel_.assign(posterior_.size(), 0);
  messages_.assign((code_.blocks() * stride_ + lanes) * message_bytes(config_.precision), 0);
  syndrome_.assign((code_.layers * stride_ + lanes) * p, 0);
  // The box-plus rule keeps the prefixes and the chain's inputs beside the t values.
  const std::size_t copies = config_.variant == MinSumVariant::kBoxPlus ? 3 : 1;
  scratch_.assign(copies * (detail::kMinSumChunkVectors * degree + 1) * lanes * p, 0);
  if (config_.variant == MinSumVariant::kBoxPlus) {
    // At least 16 units per LLR inside the chain (h extra bits, at most 5). Magnitudes reach
    // limit << h and the chain adds two of them, so the limit is capped at 8191 >> h (at the
    // default scales 127 and 1023 stay).
    while (boxplus_shift_ < 5 &&
           config_.llr_scale * static_cast<float>(1 << boxplus_shift_) < 16.0f)
      ++boxplus_shift_;
    message_limit_ = std::min(message_limit_, 8191 >> boxplus_shift_);
    boxplus_correction_ =
        static_cast<int>(std::min(std::lround(config_.boxplus_correction * config_.llr_scale *
                                              static_cast<float>(1 << boxplus_shift_)),
                                  8191L));
  }
  cursors_.assign(degree * sizeof(detail::MinSumCursor), 0);
}

std::int16_t* MinSumDecoder::posteriors() noexcept {
  return reinterpret_cast<std::int16_t*>(posterior_.data());
}

template <class M>
DecodeResult MinSumDecoder::run(const BitVector* syndrome, BitVector& word, IterationLimit limit) {
  const std::size_t z = code_.z;
  using detail::Posterior;
  Posterior* syn = reinterpret_cast<Posterior*>(syndrome_.data());
  if (syndrome != nullptr) {  // a fresh decoding; otherwise resume from the current state
    expand_bits<Posterior>(syndrome->words(), code_.layers, z, stride_, 0, -1, syn);
    std::memset(messages_.data(), 0, messages_.size());
    std::memcpy(channel_.data(), posterior_.data(), posterior_.size());
    has_state_ = true;
  }

  detail::MinSumView<M> view;
  view.z = z;
  view.stride = stride_;
  view.layers = code_.layers;
  view.layer_ptr = code_.layer_ptr.data();
  view.block_col = code_.block_col.data();
  view.block_shift = code_.block_shift.data();
  view.posterior = posteriors();
  view.messages = reinterpret_cast<M*>(messages_.data());
  view.syndrome = syn;
  view.scratch = reinterpret_cast<Posterior*>(scratch_.data());
  view.cursors = reinterpret_cast<detail::MinSumCursor*>(cursors_.data());
  view.saturation = std::numeric_limits<Posterior>::max();
  view.rule = config_.variant;
  view.parameter =
      config_.variant == MinSumVariant::kNormalized ? config_.normalization_shift : config_.offset;
  view.factor =
      static_cast<Posterior>(std::clamp(std::lround(config_.scale_factor * 32768.0f), 1L, 32767L));
  view.message_limit = static_cast<Posterior>(message_limit_);
  view.exact = exact_;
  view.block_offset = block_offset_.empty() ? nullptr : block_offset_.data();
  view.boxplus_shift = boxplus_shift_;
  view.boxplus_correction = static_cast<detail::Posterior>(boxplus_correction_);
  view.narrow_chain = boxplus_shift_ == 1 && message_limit_ <= 127 && boxplus_correction_ <= 63;

  const detail::MinSumKernels* kernels =
      select_by_level(level_, &detail::kMinSumReference, &detail::sse41::kMinSum,
                      &detail::avx2::kMinSum, &detail::avx512::kMinSum);
  const detail::MinSumFns<M>& fns = [&]() -> const detail::MinSumFns<M>& {
    if constexpr (sizeof(M) == 1) {
      return kernels->m8;
    } else {
      return kernels->m16;
    }
  }();

  DecodeResult result;
  StallWatch watch(limit.stall);
  for (std::size_t it = 1; it <= limit.max; ++it) {
    const std::size_t progress = fns.iterate(view);
    result.iterations = it;
    if (fns.satisfied(view)) {
      result.converged = true;
      break;
    }
    if (watch.stalled(it, progress)) {
      result.stalled = it < limit.max;
      break;
    }
  }
  if (word.size() != cols()) word = BitVector(cols());
  pack_signs<Posterior>(view.posterior, code_.block_cols, z, stride_, word.words());
  return result;
}

SimdLevel MinSumDecoder::effective_level(std::size_t z, SimdLevel requested) noexcept {
  if (z < detail::kMinSumAvx2Lanes) return SimdLevel::kScalar;
  if (requested == SimdLevel::kAvx512 && z < detail::kMinSumLanes) return SimdLevel::kAvx2;
  return requested;
}

namespace {

// std::lrint of a float that fits an int, inline: in the current rounding mode (round to nearest
// even by default). std::lrint itself is a libm call here (it may set errno), one per frame bit.
inline int round_to_int(float x) noexcept {
#if defined(__x86_64__) || defined(__SSE__)
  return _mm_cvtss_si32(_mm_set_ss(x));
#else
  return static_cast<int>(std::lrint(x));
#endif
}

}  // namespace

std::int16_t MinSumDecoder::quantize(float llr) const noexcept {
  const auto bound = static_cast<float>(channel_bound_);
  return static_cast<std::int16_t>(
      round_to_int(std::clamp(llr * config_.llr_scale, -bound, bound)));
}

void MinSumDecoder::quantize(const float* in, std::int16_t* out, std::size_t count) const noexcept {
  std::size_t i = 0;
#if defined(__SSE2__)
  // Eight at a time, the same operations as quantize(): one rounding multiply, the clamp (no
  // NaNs come in), conversion in the current rounding mode; the bound fits 16 bits, so the
  // saturating pack never saturates.
  const __m128 scale = _mm_set1_ps(config_.llr_scale);
  const __m128 high = _mm_set1_ps(static_cast<float>(channel_bound_));
  const __m128 low = _mm_set1_ps(-static_cast<float>(channel_bound_));
  const auto convert = [&](const float* at) {
    return _mm_cvtps_epi32(_mm_max_ps(_mm_min_ps(_mm_mul_ps(_mm_loadu_ps(at), scale), high), low));
  };
  for (; i + 8 <= count; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm_packs_epi32(convert(in + i), convert(in + i + 4)));
  }
#endif
  for (; i < count; ++i) out[i] = quantize(in[i]);
}

DecodeResult MinSumDecoder::run_configured(const BitVector* syndrome, BitVector& word,
                                           IterationLimit limit) {
  return config_.precision == MinSumPrecision::kInt8 ? run<std::int8_t>(syndrome, word, limit)
                                                     : run<std::int16_t>(syndrome, word, limit);
}

DecodeResult MinSumDecoder::decode(std::span<const float> channel_llr, const BitVector& syndrome,
                                   BitVector& word, IterationLimit limit) {
  if (channel_llr.size() != cols() || syndrome.size() != rows()) {
    throw std::invalid_argument("MinSumDecoder::decode: LLR or syndrome length mismatch");
  }
  std::int16_t* post = posteriors();
  for (std::size_t c = 0; c < code_.block_cols; ++c) {
    quantize(channel_llr.data() + c * code_.z, post + c * stride_, code_.z);
  }
  return run_configured(&syndrome, word, limit);
}

DecodeResult MinSumDecoder::decode_bsc(const BitVector& received, float llr_magnitude,
                                       const BitVector& syndrome, BitVector& word,
                                       IterationLimit limit) {
  if (received.size() != cols() || syndrome.size() != rows()) {
    throw std::invalid_argument("MinSumDecoder::decode_bsc: word or syndrome length mismatch");
  }
  const auto q = std::max<std::int16_t>(quantize(llr_magnitude), 1);
  expand_bits<std::int16_t>(received.words(), code_.block_cols, code_.z, stride_, q,
                            static_cast<std::int16_t>(-q), posteriors());
  return run_configured(&syndrome, word, limit);
}

DecodeResult MinSumDecoder::resume(std::span<const std::uint32_t> columns,
                                   std::span<const float> channel_llr, BitVector& word,
                                   IterationLimit limit) {
  if (!has_state_) throw std::logic_error("MinSumDecoder::resume: no decoding to resume");
  if (channel_llr.size() != cols()) {
    throw std::invalid_argument("MinSumDecoder::resume: LLR length mismatch");
  }
  constexpr int kSaturation = std::numeric_limits<detail::Posterior>::max();
  std::int16_t* post = posteriors();
  auto* channel = reinterpret_cast<std::int16_t*>(channel_.data());
  for (const std::uint32_t col : columns) {
    if (col >= cols()) throw std::invalid_argument("MinSumDecoder::resume: column out of range");
    const std::size_t at = col / code_.z * stride_ + col % code_.z;
    const std::int16_t q = quantize(channel_llr[col]);
    // Posterior = channel + current check messages: swap the channel term only.
    post[at] = static_cast<std::int16_t>(
        std::clamp(post[at] - channel[at] + q, -kSaturation, kSaturation));
    channel[at] = q;
  }
  return run_configured(nullptr, word, limit);
}

}  // namespace qkdpp::kernels
