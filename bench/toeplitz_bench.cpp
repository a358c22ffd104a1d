// Toeplitz hashing throughput in Mbit/s of input key (n) per core, for every kernel, against two
// baselines in the same run: the naive kernel and Debian's libgf2x product (whose coefficients
// n-1 .. n+m-2 are the same hash). Arguments: log2(n), compression m/n in percent.
#include <benchmark/benchmark.h>
#include <gf2x.h>
#include <immintrin.h>
#include <tbb/global_control.h>

#include <random>

#include "kernels/bits/bit_vector.hpp"
#include "kernels/toeplitz/toeplitz.hpp"

namespace {

using qkdpp::kernels::BitVector;
using qkdpp::kernels::ToeplitzKernel;

struct Problem {
  std::size_t n, m;
  BitVector seed, x, y;
  explicit Problem(const benchmark::State& state)
      : n(std::size_t{1} << state.range(0)), m(n * static_cast<std::size_t>(state.range(1)) / 100) {
    std::mt19937_64 rng(1);
    seed = BitVector(n + m - 1);
    x = BitVector(n);
    for (auto& w : seed.words()) w = rng();
    for (auto& w : x.words()) w = rng();
    seed.resize(n + m - 1);
    x.resize(n);
    y = BitVector(m);
  }
};

void report(benchmark::State& state, const Problem& p) {
  state.counters["Mbit/s"] = benchmark::Counter(static_cast<double>(p.n) / 1e6,
                                                benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel("m/n=" + std::to_string(state.range(1)) + "%");
}

template <ToeplitzKernel kKernel>
void BM_Toeplitz(benchmark::State& state) {
  // One thread, so that figures are per core; BM_ToeplitzParallel measures both cores.
  tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
  Problem p(state);
  for (auto _ : state) {
    qkdpp::kernels::toeplitz_hash(p.seed.words(), p.x.words(), p.n, p.m, p.y.words(), kKernel);
    benchmark::DoNotOptimize(p.y.words().data());
  }
  report(state, p);
}

void BM_ToeplitzParallel(benchmark::State& state) {
  Problem p(state);
  for (auto _ : state) {
    qkdpp::kernels::toeplitz_hash(p.seed.words(), p.x.words(), p.n, p.m, p.y.words(),
                                  ToeplitzKernel::kAuto);
    benchmark::DoNotOptimize(p.y.words().data());
  }
  report(state, p);
}

void BM_Gf2xProductBaseline(benchmark::State& state) {
  Problem p(state);
  std::vector<unsigned long> c(p.seed.word_count() + p.x.word_count());
  for (auto _ : state) {
    gf2x_mul(c.data(), reinterpret_cast<const unsigned long*>(p.seed.words().data()),
             p.seed.word_count(), reinterpret_cast<const unsigned long*>(p.x.words().data()),
             p.x.word_count());
    benchmark::DoNotOptimize(c.data());
  }
  report(state, p);
}

// The bound the fft kernel's butterflies run against: independent PCLMULQDQ (eight chains), in
// billions per second (1 / Gop/s = ns each).
__attribute__((target("pclmul,sse4.1"))) void BM_PclmulThroughput(benchmark::State& state) {
  if (!__builtin_cpu_supports("pclmul")) {
    state.SkipWithError("no PCLMULQDQ");
    return;
  }
  __m128i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm_set_epi64x(i * 77 + 1, i * 1234567 + 3);
  const __m128i c = _mm_set_epi64x(0x1234567, 0x7654321);
  constexpr int kRounds = 1024;
  for (auto _ : state) {
    for (int r = 0; r < kRounds; ++r) {
      for (auto& a : acc) a = _mm_clmulepi64_si128(a, c, 0x00);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.counters["Gop/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 8 * kRounds / 1e9, benchmark::Counter::kIsRate);
}

void sizes(benchmark::internal::Benchmark* b, int lo, int hi) {
  for (int e = lo; e <= hi; ++e) {
    for (int pct : {25, 50, 75}) b->Args({e, pct});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_PclmulThroughput);
BENCHMARK(BM_Toeplitz<ToeplitzKernel::kNaive>)->Apply([](auto* b) { sizes(b, 12, 18); });
BENCHMARK(BM_Gf2xProductBaseline)->Apply([](auto* b) { sizes(b, 12, 22); });
BENCHMARK(BM_Toeplitz<ToeplitzKernel::kClmul>)->Apply([](auto* b) { sizes(b, 12, 24); });
BENCHMARK(BM_Toeplitz<ToeplitzKernel::kNtt>)->Apply([](auto* b) { sizes(b, 16, 27); });
BENCHMARK(BM_Toeplitz<ToeplitzKernel::kFft>)->Apply([](auto* b) { sizes(b, 12, 27); });
BENCHMARK(BM_ToeplitzParallel)->Apply([](auto* b) { sizes(b, 16, 27); });

}  // namespace
