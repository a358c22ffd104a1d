// FER simulation: batches of frames decoded in parallel, one decoder per thread.
#include "engine/decoding/fer_simulation.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>

#include "engine/core/entropy.hpp"
#include "engine/simulation/correlated_keys.hpp"
#include "kernels/ldpc/bp_decoder.hpp"

namespace qkdpp::engine {

std::vector<FerPoint> simulate_fer(const ParityCheckMatrix& h, const std::vector<double>& qbers,
                                   const FerOptions& options) {
  struct Worker {
    kernels::BeliefPropagationDecoder decoder;
    std::vector<float> llr;
    kernels::BitVector alice, bob, decoded;
  };
  tbb::enumerable_thread_specific<Worker> workers([&] {
    return Worker{kernels::BeliefPropagationDecoder(h.row_ptr(), h.row_indices(), h.cols()),
                  std::vector<float>(h.cols()),
                  {},
                  {},
                  {}};
  });
  std::vector<FerPoint> points;
  for (std::size_t p = 0; p < qbers.size(); ++p) {
    const double q = qbers[p];
    FerPoint point;
    point.qber = q;
    point.efficiency =
        static_cast<double>(h.rows()) / (static_cast<double>(h.cols()) * binary_entropy(q));
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t iterations = 0;
    while (point.frames < options.max_frames && point.frame_errors < options.max_frame_errors) {
      const std::size_t batch = std::min(options.batch, options.max_frames - point.frames);
      std::atomic<std::size_t> errors{0}, bits{0}, iters{0};
      tbb::parallel_for(std::size_t{0}, batch, [&](std::size_t k) {
        Worker& w = workers.local();
        const std::uint64_t frame_seed =
            options.seed ^ (0x9e3779b97f4a7c15ULL * (p + 1)) ^ ((point.frames + k) << 20);
        CorrelatedKeySource source(h.cols(), QberProfile::constant(q), frame_seed);
        source.next(h.cols(), w.alice, w.bob);
        for (std::size_t i = 0; i < h.cols(); ++i) w.llr[i] = kernels::bsc_llr(w.bob.get(i), q);
        const auto result =
            w.decoder.decode(w.llr, h.syndrome(w.alice), w.decoded, options.max_iterations);
        const std::size_t wrong = hamming_distance(w.decoded, w.alice);
        if (!result.converged || wrong != 0) errors.fetch_add(1);
        bits.fetch_add(wrong);
        iters.fetch_add(result.iterations);
      });
      point.frames += batch;
      point.frame_errors += errors.load();
      point.bit_errors += bits.load();
      iterations += iters.load();
    }
    point.mean_iterations = static_cast<double>(iterations) / static_cast<double>(point.frames);
    point.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    points.push_back(point);
  }
  return points;
}

}  // namespace qkdpp::engine
