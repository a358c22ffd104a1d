// Parity-check matrix files (SPEC section 4): MacKay's alist (padded or not), the qkdpp
// quasi-cyclic base-matrix text format (docs/codes.md), and the CSC JSON and rate-adaption CSV
// files of the LDPC4QKD project. Loaders reject malformed input with InputError naming the file
// and line (JSON: the field and index).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/codes/parity_check_matrix.hpp"

namespace qkdpp::engine {

// A loaded code: always the expanded matrix, plus the quasi-cyclic form when the file has one.
struct LoadedCode {
  std::string format;  // "alist", "qc", "ldpc4qkd-json", "ldpc4qkd-qc-json"
  ParityCheckMatrix matrix;
  std::optional<QuasiCyclicCode> quasi_cyclic;
};

ParityCheckMatrix parse_alist(std::string_view text, const std::string& name);
std::string format_alist(const ParityCheckMatrix& h, bool padded);

QuasiCyclicCode parse_qc(std::string_view text, const std::string& name);
std::string format_qc(const QuasiCyclicCode& code, const std::vector<std::string>& comments = {});

// LDPC4QKD CSC JSON: plain (`n_rows`, `n_columns`, `colptr`, `rowval`) or quasi-cyclic (also
// `nzval` exponents and `qc_expansion_factor`; sizes are then the base matrix's).
LoadedCode parse_ldpc4qkd_json(std::string_view text, const std::string& name);

// LDPC4QKD rate-adaption CSV: lines "rowA,rowB" (0-based check rows merged in order).
std::vector<std::pair<std::uint32_t, std::uint32_t>> parse_rate_adaption_csv(
    std::string_view text, const std::string& name);

// By extension: .alist, .qc, .json (LDPC4QKD). Throws InputError for unreadable or unknown files.
LoadedCode load_code(const std::filesystem::path& path);
// The quasi-cyclic form alone, without expanding it (a 2^20-bit code's expansion takes about
// 40 MB and a tenth of a second): .qc files, and LDPC4QKD quasi-cyclic JSON through load_code.
// InputError for unreadable files or codes without a quasi-cyclic form.
QuasiCyclicCode load_quasi_cyclic(const std::filesystem::path& path);
std::vector<std::pair<std::uint32_t, std::uint32_t>> load_rate_adaption_csv(
    const std::filesystem::path& path);

// Writes atomically (temporary name, then rename); IoError on failure.
void save_text_file(const std::filesystem::path& path, const std::string& text);

// The measured decoding thresholds of a code directory: its thresholds.txt, or another file of
// the directory ("name qber" lines, '#' comments; written by tools/plot_fer.py), as name -> QBER;
// empty when the file is absent, InputError naming the line when it is malformed.
std::map<std::string, double> load_thresholds(const std::filesystem::path& directory,
                                              const std::string& file = "thresholds.txt");

// Which bits a rate-adapted frame of the protocol shortens (docs/codes.md, "Which columns to
// shorten"): with ring shortening, the puncturing candidates left unpunctured (the parity ring's
// degree-2 columns on the bundled codes) and a fixed seeded draw of the others; with random
// shortening, as many columns drawn by a fixed seeded shuffle of the ring layout's key positions,
// the unpunctured candidates then carrying key bits. The value is sent in the syndrome message.
enum class Shortening : std::uint8_t { kRing = 0, kRandom = 1 };
inline const char* to_string(Shortening s) noexcept {
  return s == Shortening::kRing ? "ring" : "random";
}

// The median decoding threshold of a rate-adapted code: with this fraction of its puncturing
// candidates punctured and its other modulated bits shortened (the protocol's frame layout), half
// of the frames at `qber` decode.
struct AdaptedThreshold {
  double punctured_fraction = 0;
  double qber = 0;
};

// A code directory's adapted thresholds ("name fraction qber" lines, '#' comments; written by
// tools/adapted_thresholds.py), per code by ascending fraction; empty when the file is absent,
// InputError naming the line when it is malformed (fraction outside [0, 1] or repeated, QBER
// outside (0, 0.5)).
std::map<std::string, std::vector<AdaptedThreshold>> load_adapted_thresholds(
    const std::filesystem::path& directory, const std::string& file);

// The adapted-thresholds file that goes with a thresholds file of the same rule: "adapted-" + it
// for ring shortening, "adapted-random-" + it for random shortening.
inline std::string adapted_thresholds_file(const std::string& thresholds_file,
                                           Shortening shortening = Shortening::kRing) {
  return (shortening == Shortening::kRing ? "adapted-" : "adapted-random-") + thresholds_file;
}

}  // namespace qkdpp::engine
