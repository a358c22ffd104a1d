// The crash-safe journal of a key-file run, `<output>.journal`: one self-checksummed record per
// completed block (its /blocks record, final key and audit seed), appended with a single write as
// the block leaves the pipeline. The HDF5 output is not crash-consistent (a killed process can
// leave its metadata half written), so `qkdpp run --resume` rebuilds the output from the journal
// and continues after its last whole record; a record torn by the kill fails its checksum and is
// dropped (docs/pipeline.md, "Resuming").
//
// Layout (little-endian): "QKPPJRN1", u64 fingerprint length, the fingerprint (the run's
// parameters as a JSON object), its 16-byte BLAKE2b; then per block: u64 payload length, the
// payload, its 16-byte BLAKE2b. Payload: the BlockRecord fields in declaration order (u64, f64,
// u8, u32 as declared), then the final key and the seed, each as u64 bit count + packed bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "engine/io/key_file.hpp"

namespace qkdpp::engine::io {

// Appends block records. Creating truncates; opening for resumption keeps the first
// `valid_bytes` (what read_key_journal() found intact) and drops the rest.
class KeyJournalWriter {
 public:
  static KeyJournalWriter create(const std::filesystem::path& path, const std::string& fingerprint);
  static KeyJournalWriter reopen(const std::filesystem::path& path, std::uint64_t valid_bytes);
  KeyJournalWriter(KeyJournalWriter&& other) noexcept;
  KeyJournalWriter& operator=(KeyJournalWriter&& other) noexcept;
  ~KeyJournalWriter();
  // IoError if the record cannot be written whole (disk full).
  void append(const BlockRecord& record, const kernels::BitVector& final_key,
              const kernels::BitVector& seed);
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  KeyJournalWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  void write_all(const std::vector<std::uint8_t>& bytes);
  std::filesystem::path path_;
  int fd_ = -1;
};

struct KeyJournalScan {
  std::string fingerprint;
  std::uint64_t blocks = 0;
  std::uint64_t valid_bytes = 0;    // header and whole records
  std::uint64_t dropped_bytes = 0;  // a torn or corrupt tail after them
};

// Reads the journal, calling `on_block` for each intact record in order. InputError naming the
// file if the header is damaged (nothing can be resumed then), if `expected_fingerprint` is
// non-empty and differs (naming the parameters that differ, before any record is read), or if a
// record breaks the block order. At most `max_blocks` records are taken (valid_bytes ends there).
KeyJournalScan read_key_journal(
    const std::filesystem::path& path, const std::string& expected_fingerprint,
    const std::function<void(const BlockRecord&, const kernels::BitVector& final_key,
                             const kernels::BitVector& seed)>& on_block,
    std::uint64_t max_blocks = UINT64_MAX);

// The journal path for an output file.
std::filesystem::path journal_path(const std::filesystem::path& output);

}  // namespace qkdpp::engine::io
