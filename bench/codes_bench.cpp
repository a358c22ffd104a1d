// Syndrome computation s = H x on the bundled 2^20-bit codes, in Mbit/s of key per core: the
// quasi-cyclic block-rotation kernel against the generic per-row gather over the expanded matrix
// (baseline, same binary).
#include <benchmark/benchmark.h>

#include <string>

#include "engine/codes/code_io.hpp"
#include "engine/random/random_source.hpp"

namespace {

const char* kCodes[] = {"qkdpp-n20-r050.qc", "qkdpp-n20-r078.qc", "qkdpp-n20-r094.qc"};

struct Fixture {
  qkdpp::engine::LoadedCode code;
  qkdpp::kernels::BitVector x;
  explicit Fixture(int index) {
    code = qkdpp::engine::load_code(std::string(QKDPP_SOURCE_DIR) + "/datasets/codes/" +
                                    kCodes[index]);
    qkdpp::engine::SeededRandom rng(1);
    x = rng.random_bits(code.matrix.cols());
  }
};

void report(benchmark::State& state, const Fixture& f) {
  state.counters["Mbit/s"] = benchmark::Counter(static_cast<double>(f.code.matrix.cols()) / 1e6,
                                                benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(kCodes[state.range(0)]);
}

void BM_SyndromeQuasiCyclic(benchmark::State& state) {
  const Fixture f(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.code.quasi_cyclic->syndrome(f.x));
  report(state, f);
}
BENCHMARK(BM_SyndromeQuasiCyclic)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

void BM_SyndromeGenericBaseline(benchmark::State& state) {
  const Fixture f(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(f.code.matrix.syndrome(f.x));
  report(state, f);
}
BENCHMARK(BM_SyndromeGenericBaseline)->DenseRange(0, 2)->Unit(benchmark::kMicrosecond);

}  // namespace
