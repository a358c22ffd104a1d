// FER simulation: batches of frames decoded in parallel, one decoder per thread.
#include "engine/decoding/fer_simulation.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

#include "engine/core/entropy.hpp"
#include "engine/simulation/correlated_keys.hpp"

namespace qkdpp::engine {

std::vector<FerPoint> simulate_fer(const ParityCheckMatrix& h, const QuasiCyclicCode* qc,
                                   const std::vector<double>& qbers, const FerOptions& options) {
  // Column kinds of the rate adaptation: 0 key bit, 1 punctured, 2 shortened.
  const bool adapted = !options.punctured.empty() || !options.shortened.empty();
  std::vector<std::uint8_t> kind(adapted ? h.cols() : 0, 0);
  for (const auto* columns : {&options.punctured, &options.shortened}) {
    const std::uint8_t k = columns == &options.punctured ? 1 : 2;
    for (const std::uint32_t c : *columns) {
      if (c >= h.cols() || kind[c] != 0) {
        throw std::invalid_argument("simulate_fer: rate adaptation column " + std::to_string(c) +
                                    (c >= h.cols() ? " outside the code" : " listed twice"));
      }
      kind[c] = k;
    }
  }
  const double punctured = static_cast<double>(options.punctured.size());
  const double shortened = static_cast<double>(options.shortened.size());
  struct Worker {
    SyndromeDecoder decoder;
    kernels::BitVector alice, bob, decoded;
    std::vector<float> llr;
  };
  tbb::enumerable_thread_specific<Worker> workers([&] {
    return Worker{SyndromeDecoder(h, qc, options.decoder), {}, {}, {}, {}};
  });
  std::vector<FerPoint> points;
  for (std::size_t p = 0; p < qbers.size(); ++p) {
    const double q = qbers[p];
    FerPoint point;
    point.qber = q;
    point.efficiency =
        (static_cast<double>(h.rows()) - punctured) /
        ((static_cast<double>(h.cols()) - punctured - shortened) * binary_entropy(q));
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t iterations = 0;
    while (point.frames < options.max_frames && point.frame_errors < options.max_frame_errors) {
      const std::size_t batch = std::min(options.batch, options.max_frames - point.frames);
      std::atomic<std::size_t> errors{0}, bits{0}, iters{0};
      std::atomic<std::int64_t> nanoseconds{0};
      tbb::parallel_for(std::size_t{0}, batch, [&](std::size_t k) {
        Worker& w = workers.local();
        const std::uint64_t frame_seed =
            options.seed ^ (0x9e3779b97f4a7c15ULL * (p + 1)) ^ ((point.frames + k) << 20);
        CorrelatedKeySource source(h.cols(), QberProfile::constant(q), frame_seed);
        source.next(h.cols(), w.alice, w.bob);
        for (const std::uint32_t c : options.shortened) {
          w.alice.set(c, false);
          w.bob.set(c, false);
        }
        const kernels::BitVector syndrome = qc ? qc->syndrome(w.alice) : h.syndrome(w.alice);
        if (adapted) {  // as Bob's session fills them
          const float magnitude = kernels::bsc_llr(false, q);
          w.llr.resize(h.cols());
          for (std::size_t i = 0; i < h.cols(); ++i) {
            w.llr[i] = kind[i] == 1   ? 0.0f
                       : kind[i] == 2 ? kKnownLlr
                                      : (w.bob.get(i) ? -magnitude : magnitude);
          }
        }
        const auto start = std::chrono::steady_clock::now();
        const auto result =
            adapted ? w.decoder.decode(w.llr, syndrome, w.decoded, options.max_iterations)
                    : w.decoder.decode_bsc(w.bob, q, syndrome, w.decoded, options.max_iterations);
        nanoseconds.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
        const std::size_t wrong = hamming_distance(w.decoded, w.alice);
        if (!result.converged || wrong != 0) errors.fetch_add(1);
        bits.fetch_add(wrong);
        iters.fetch_add(result.iterations);
      });
      point.frames += batch;
      point.frame_errors += errors.load();
      point.bit_errors += bits.load();
      iterations += iters.load();
      point.decode_seconds += static_cast<double>(nanoseconds.load()) * 1e-9;
    }
    point.mean_iterations = static_cast<double>(iterations) / static_cast<double>(point.frames);
    point.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    points.push_back(point);
  }
  return points;
}

}  // namespace qkdpp::engine
