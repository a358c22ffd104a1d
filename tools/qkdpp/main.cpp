// The qkdpp command-line program: parses arguments, runs one subcommand, reports errors in one
// line.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <iostream>
#include <string>
#include <string_view>

#include "engine/core/error.hpp"
#include "kernels/dispatch/simd_level.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

std::uint64_t parse_bit_count(const std::string& text, const std::string& option) {
  const auto bad = [&] {
    return InputError(option + ": '" + text + "' is not a bit count (e.g. 1000000, 1e6, 2^20)");
  };
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (text.empty() || text.front() == '-') throw bad();
  if (const auto caret = text.find('^'); caret != std::string::npos) {
    unsigned base = 0, exponent = 0;
    auto r1 = std::from_chars(first, first + caret, base);
    auto r2 = std::from_chars(first + caret + 1, last, exponent);
    if (r1.ec != std::errc() || r1.ptr != first + caret || r2.ec != std::errc() || r2.ptr != last ||
        base != 2 || exponent > 63) {
      throw bad();
    }
    return std::uint64_t{1} << exponent;
  }
  std::uint64_t value = 0;
  auto r = std::from_chars(first, last, value);
  if (r.ec == std::errc() && r.ptr == last) return value;
  double d = 0;
  auto rd = std::from_chars(first, last, d);
  if (rd.ec != std::errc() || rd.ptr != last || !(d >= 0) || d >= 1.8e19 || std::floor(d) != d)
    throw bad();
  return static_cast<std::uint64_t>(d);
}

}  // namespace qkdpp::tools

namespace {

// An error message on one line: line breaks (HDF5's texts can embed a ctime() stamp with its
// newline) become single spaces.
std::string one_line(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != '\n' && c != '\r') {
      out += c;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace qkdpp;
  CLI::App app{
      "qkdpp: QKD post-processing engine (LDPC reconciliation, verification, privacy "
      "amplification)"};
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version,
               "Print the version and the SIMD level kernels dispatch to");
  tools::register_simulate_command(app);
  tools::register_toeplitz_command(app);
  tools::register_codes_command(app);
  tools::register_codegen_command(app);
  tools::register_fer_command(app);
  tools::register_distill_command(app);
  tools::register_run_command(app);

  // Subcommand callbacks run inside parse(); every failure ends here as one line on stderr.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const qkdpp::Error& e) {
    std::cerr << "qkdpp: error: " << one_line(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "qkdpp: internal error: " << one_line(e.what()) << "\n";
    return 2;
  }
  if (show_version) {
    std::cout << "qkdpp " << QKDPP_VERSION << "\n"
              << "SIMD level: " << kernels::to_string(kernels::active_simd_level())
              << " (CPU supports " << kernels::to_string(kernels::cpu_simd_level())
              << "; dispatch targets: avx512 (LDPC decoder, additive FFT), avx2, sse4.1, scalar; "
                 "override with QKDPP_SIMD)\n";
    return 0;
  }
  if (app.get_subcommands().empty()) std::cout << app.help();
  return 0;
}
