// `qkdpp toeplitz`: Toeplitz-hashes a raw packed file with a seed file (SPEC sections 1 and 2).
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "engine/core/error.hpp"
#include "engine/io/packed_file.hpp"
#include "engine/privacy/toeplitz_hashing.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

namespace {

struct ToeplitzOptions {
  std::string seed_file;
  std::string input;
  std::string bits;  // empty: 8 * input file size
  std::string out_bits;
  std::string output;
  std::string kernel = "auto";
  unsigned threads = 0;
  bool quiet = false;
};

void run_toeplitz(const ToeplitzOptions& opt) {
  const auto kernel = kernels::parse_toeplitz_kernel(opt.kernel);
  if (!kernel)
    throw InputError("--kernel: '" + opt.kernel + "' is not one of auto, naive, clmul, ntt, fft");
  const std::uint64_t n = opt.bits.empty() ? engine::io::packed_file_capacity_bits(opt.input)
                                           : parse_bit_count(opt.bits, "--bits");
  const std::uint64_t m = parse_bit_count(opt.out_bits, "--out-bits");
  if (n == 0) throw InputError("--bits: the input must have at least one bit");
  if (n > kernels::kToeplitzMaxInputBits) {
    throw InputError("--bits: " + std::to_string(n) +
                     " exceeds the supported maximum of 2^28 bits");
  }
  if (m == 0 || m > n) {
    throw InputError("--out-bits: " + std::to_string(m) + " must lie in [1, " + std::to_string(n) +
                     "] (--bits)");
  }
  const std::uint64_t seed_bits = n + m - 1;
  const std::uint64_t seed_capacity = engine::io::packed_file_capacity_bits(opt.seed_file);
  if (seed_capacity < seed_bits) {
    throw InputError("--seed-file " + opt.seed_file + " holds " + std::to_string(seed_capacity) +
                     " bits but the seed must have N + M - 1 = " + std::to_string(seed_bits) +
                     " bits");
  }
  const kernels::BitVector seed = engine::io::read_packed_file(opt.seed_file, seed_bits);
  const kernels::BitVector input = engine::io::read_packed_file(opt.input, n);

  std::optional<tbb::global_control> threads;
  if (opt.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, opt.threads);
  const kernels::ToeplitzKernel used =
      *kernel == kernels::ToeplitzKernel::kAuto ? kernels::choose_toeplitz_kernel(n, m) : *kernel;
  const auto t0 = std::chrono::steady_clock::now();
  const kernels::BitVector out = engine::toeplitz_hash(seed, input, m, used);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  engine::io::write_packed_file(opt.output, out);
  if (!opt.quiet) {
    std::string how;
    if (used == kernels::ToeplitzKernel::kFft) {
      const kernels::FftPlanSummary plan = kernels::fft_plan_summary(n, m);
      how = " (2^" + std::to_string(plan.log_len) + "-point transforms, " +
            (plan.block_bits == 0
                 ? std::string("one product")
                 : std::to_string(plan.input_blocks) + " x " + std::to_string(plan.output_blocks) +
                       " blocks of " + std::to_string(plan.block_bits) + " bits") +
            ")";
    }
    std::printf(
        "hashed %llu bits to %llu bits with the %s kernel%s in %.3f ms (%.1f Mbit/s of input)\n",
        static_cast<unsigned long long>(n), static_cast<unsigned long long>(m),
        std::string(kernels::to_string(used)).c_str(), how.c_str(), seconds * 1e3,
        static_cast<double>(n) / seconds / 1e6);
  }
}

}  // namespace

void register_toeplitz_command(CLI::App& app) {
  auto opt = std::make_shared<ToeplitzOptions>();
  CLI::App* cmd = app.add_subcommand(
      "toeplitz",
      "Toeplitz-hash a raw packed bit file (privacy amplification, SPEC section 2): "
      "y_i = XOR_j s[i + N - 1 - j] x_j for i < M");
  cmd->add_option("--seed-file", opt->seed_file,
                  "Packed seed file; must hold at least N + M - 1 bits")
      ->required();
  cmd->add_option("--input", opt->input, "Packed input file x")->required();
  cmd->add_option("--bits", opt->bits, "Input length N in bits (default: 8 * input file size)");
  cmd->add_option("--out-bits", opt->out_bits, "Output length M in bits, 1 <= M <= N")->required();
  cmd->add_option("-o,--output", opt->output,
                  "Output packed file (ceil(M/8) bytes, written atomically)")
      ->required();
  cmd->add_option("--kernel", opt->kernel,
                  "Kernel: auto, naive, clmul, ntt or fft (all give identical output)")
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Worker threads (default, or 0: all cores)");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing on success");
  cmd->callback([opt] { run_toeplitz(*opt); });
}

}  // namespace qkdpp::tools
