// Bit-vector primitives and the BSC simulator, in key bits per second per core.
// Baseline: a bit-by-bit loop in the same binary.
#include <benchmark/benchmark.h>

#include "engine/random/random_source.hpp"
#include "engine/simulation/correlated_keys.hpp"
#include "kernels/bits/bit_vector.hpp"

namespace {

using qkdpp::kernels::BitVector;

// Key bits per second; Google Benchmark prints it with an SI prefix (e.g. "key_bit/s=1.2G/s").
void set_key_rate(benchmark::State& state, double bits_per_iteration) {
  state.counters["key_bit/s"] =
      benchmark::Counter(bits_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SliceUnaligned(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  qkdpp::engine::SeededRandom rng(1);
  const BitVector v = rng.random_bits(n + 64);
  for (auto _ : state) benchmark::DoNotOptimize(v.slice(13, n));
  set_key_rate(state, static_cast<double>(n));
}
BENCHMARK(BM_SliceUnaligned)->Arg(1 << 16)->Arg(1 << 20);

void BM_SliceBitByBitBaseline(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  qkdpp::engine::SeededRandom rng(1);
  const BitVector v = rng.random_bits(n + 64);
  for (auto _ : state) {
    BitVector out(n);
    for (std::size_t i = 0; i < n; ++i) out.set(i, v.get(i + 13));
    benchmark::DoNotOptimize(out);
  }
  set_key_rate(state, static_cast<double>(n));
}
BENCHMARK(BM_SliceBitByBitBaseline)->Arg(1 << 16)->Arg(1 << 20);

void BM_HammingDistance(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  qkdpp::engine::SeededRandom rng(2);
  const BitVector a = rng.random_bits(n), b = rng.random_bits(n);
  for (auto _ : state) benchmark::DoNotOptimize(hamming_distance(a, b));
  set_key_rate(state, static_cast<double>(n));
}
BENCHMARK(BM_HammingDistance)->Arg(1 << 20);

void BM_SimulateBsc(benchmark::State& state) {
  const double qber = static_cast<double>(state.range(0)) / 1000.0;
  constexpr std::uint64_t kChunk = 1 << 22;
  qkdpp::engine::CorrelatedKeySource src(~std::uint64_t{0} >> 1,
                                         qkdpp::engine::QberProfile::constant(qber), 3);
  BitVector a, b;
  for (auto _ : state) src.next(kChunk, a, b);
  state.SetLabel("QBER " + std::to_string(qber));
  set_key_rate(state, static_cast<double>(kChunk));
}
BENCHMARK(BM_SimulateBsc)->Arg(10)->Arg(30)->Arg(110);

}  // namespace
