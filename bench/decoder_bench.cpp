// Syndrome decoding throughput in Mbit/s of key per core: the fast layered min-sum decoder at each
// SIMD level and precision, and its box-plus rule, against the reference floating-point BP decoder
// (baseline, same run), on the bundled codes at QBER 1, 3, 6 and 10 % (each with the highest-rate
// bundled code that the fast decoder decodes there). Every benchmark iteration decodes one of four
// pre-generated frames in turn; counters: Mbit/s, mean iterations, frames that failed.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/codes/code_io.hpp"
#include "engine/decoding/syndrome_decoder.hpp"
#include "engine/simulation/correlated_keys.hpp"

namespace {

using qkdpp::engine::DecoderConfig;
using qkdpp::engine::DecoderKind;
using qkdpp::kernels::BitVector;
using qkdpp::kernels::MinSumPrecision;
using qkdpp::kernels::SimdLevel;

struct Point {
  const char* code;
  double qber;
};

constexpr Point kPoints[] = {
    {"qkdpp-n20-r088", 0.010}, {"qkdpp-n20-r074", 0.030}, {"qkdpp-n20-r060", 0.060},
    {"qkdpp-n20-r044", 0.100}, {"qkdpp-n16-r088", 0.010}, {"qkdpp-n16-r074", 0.030},
    {"qkdpp-n16-r060", 0.060}, {"qkdpp-n16-r044", 0.100},
};

constexpr std::size_t kFrames = 4;
constexpr std::size_t kMaxIterations = 100;

struct Frames {
  qkdpp::engine::LoadedCode code;
  std::vector<BitVector> alice, bob, syndrome;
};

const Frames& frames(const Point& p) {
  static std::map<std::string, std::unique_ptr<Frames>> cache;
  const std::string key = std::string(p.code) + "@" + std::to_string(p.qber);
  auto& slot = cache[key];
  if (!slot) {
    slot = std::make_unique<Frames>();
    slot->code = qkdpp::engine::load_code(std::string(QKDPP_SOURCE_DIR) + "/datasets/codes/" +
                                          p.code + ".qc");
    const std::size_t n = slot->code.matrix.cols();
    qkdpp::engine::CorrelatedKeySource source(n * kFrames,
                                              qkdpp::engine::QberProfile::constant(p.qber), 7);
    for (std::size_t f = 0; f < kFrames; ++f) {
      BitVector a, b;
      source.next(n, a, b);
      slot->syndrome.push_back(slot->code.quasi_cyclic->syndrome(a));
      slot->alice.push_back(std::move(a));
      slot->bob.push_back(std::move(b));
    }
  }
  return *slot;
}

void run(benchmark::State& state, const Point& p, DecoderConfig config) {
  const Frames& f = frames(p);
  qkdpp::engine::SyndromeDecoder decoder(f.code.matrix, &*f.code.quasi_cyclic, config);
  BitVector word;
  std::size_t k = 0, iterations = 0, failures = 0;
  for (auto _ : state) {
    const auto r = decoder.decode_bsc(f.bob[k], p.qber, f.syndrome[k], word, kMaxIterations);
    iterations += r.iterations;
    failures += !r.converged || word != f.alice[k];
    k = (k + 1) % kFrames;
  }
  const double n = static_cast<double>(f.code.matrix.cols());
  state.counters["Mbit/s"] =
      benchmark::Counter(n / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["iters"] =
      benchmark::Counter(static_cast<double>(iterations), benchmark::Counter::kAvgIterations);
  state.counters["failed"] = static_cast<double>(failures);
}

const int kRegistered = [] {
  for (const Point& p : kPoints) {
    const std::string where = std::string(p.code) + "/q" + std::to_string(p.qber).substr(0, 5);
    DecoderConfig bp;
    bp.kind = DecoderKind::kBeliefPropagation;
    benchmark::RegisterBenchmark(("BM_Decode/bp_reference/" + where).c_str(),
                                 [p, bp](benchmark::State& s) { run(s, p, bp); })
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5);
    for (const auto& [pname, precision] :
         {std::pair{"ms16", MinSumPrecision::kInt16}, std::pair{"ms8", MinSumPrecision::kInt8}}) {
      for (const SimdLevel level :
           {SimdLevel::kScalar, SimdLevel::kSse41, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
        if (level > qkdpp::kernels::cpu_simd_level()) continue;
        DecoderConfig ms = qkdpp::engine::default_decoder_config(precision);
        ms.level = level;
        benchmark::RegisterBenchmark(("BM_Decode/" + std::string(pname) + "_" +
                                      std::string(qkdpp::kernels::to_string(level)) + "/" + where)
                                         .c_str(),
                                     [p, ms](benchmark::State& s) { run(s, p, ms); })
            ->Unit(benchmark::kMillisecond)
            ->MinTime(0.5);
      }
    }
    // The box-plus rule (8-bit messages) at the vector levels: its cost against ms8 on the same
    // frames.
    for (const SimdLevel level : {SimdLevel::kSse41, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
      if (level > qkdpp::kernels::cpu_simd_level()) continue;
      DecoderConfig bx = qkdpp::engine::default_decoder_config(MinSumPrecision::kInt8,
                                                               qkdpp::engine::CheckRule::kBoxPlus);
      bx.level = level;
      benchmark::RegisterBenchmark(
          ("BM_Decode/bx8_" + std::string(qkdpp::kernels::to_string(level)) + "/" + where).c_str(),
          [p, bx](benchmark::State& s) { run(s, p, bx); })
          ->Unit(benchmark::kMillisecond)
          ->MinTime(0.5);
    }
  }
  return 0;
}();

}  // namespace
