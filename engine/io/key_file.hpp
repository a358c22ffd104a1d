// Writer and reader for `qkdpp-keys` HDF5 files (SPEC section 6): the final secret key of a run,
// one record per input block, and with --audit the privacy-amplification seeds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/bits/bit_vector.hpp"

namespace qkdpp::engine::io {

inline constexpr std::string_view kKeysFormatName = "qkdpp-keys";
inline constexpr std::uint64_t kKeysFormatVersion = 1;

// One /blocks record (SPEC section 6 fields, plus diagnostics).
struct BlockRecord {
  std::uint64_t index = 0;
  std::uint64_t start_bit = 0;  // offset in the input stream
  std::uint64_t bits = 0;       // key bits consumed
  double qber = 0.0;
  std::uint64_t leak_ec_bits = 0;
  std::uint64_t verify_bits = 0;
  std::uint64_t final_bits = 0;
  std::uint64_t final_offset = 0;  // bit offset in /final/key
  std::uint8_t status = 0;         // 0 = accepted; docs/protocol.md lists the reasons
  double efficiency = 0.0;         // leak_ec_bits / (bits h2(qber)), 0 unless accepted
  double qber_estimate = 0.0;
  std::uint32_t rounds = 0;
  friend bool operator==(const BlockRecord&, const BlockRecord&) = default;
};

struct KeyWriteOptions {
  bool audit = false;
  std::uint64_t chunk_bytes = 1u << 20;
  // Non-empty: keep the crash-safe journal <path>.journal (key_journal.hpp) tagged with this JSON
  // object of the run's parameters, so that an interrupted run can be resumed; commit() removes it.
  std::string journal_fingerprint;
  // With a journal: if <path>.journal exists, rebuild the output from its intact records and
  // continue after them (InputError if it was written with other parameters).
  bool resume = false;
  // Resuming: take at most this many blocks from the journal (a two-machine run keeps the blocks
  // both sides completed) and cut the rest.
  std::uint64_t resume_max_blocks = UINT64_MAX;
};

// Writes to `<path>.partial` and renames on commit(); an uncommitted writer deletes its partial
// file (the journal stays, for a resumed run). IoError on any write failure (disk full, unwritable
// directory).
class KeyFileWriter {
 public:
  KeyFileWriter(std::filesystem::path path, KeyWriteOptions options = {});
  ~KeyFileWriter();
  KeyFileWriter(const KeyFileWriter&) = delete;
  KeyFileWriter& operator=(const KeyFileWriter&) = delete;
  // Appends a block: its record (final_offset is filled in here) and, when accepted, its final
  // key and (audit) its seed. Records must come in block order.
  void append(BlockRecord record, const kernels::BitVector& final_key,
              const kernels::BitVector& seed);
  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, double value);
  void set_attribute(const std::string& name, std::uint64_t value);
  void commit();
  std::uint64_t final_bits() const noexcept;
  std::uint64_t blocks() const noexcept;
  const std::filesystem::path& partial_path() const noexcept;
  // The records of the blocks taken over from an interrupted run's journal (resume), in order;
  // the next append() continues after them.
  const std::vector<BlockRecord>& resumed_records() const noexcept;
  // Bytes of a torn or corrupt journal tail that resuming dropped (the block it held is redone).
  std::uint64_t dropped_journal_bytes() const noexcept;

 private:
  void open_journal();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole qkdpp-keys file (validating the format attributes); InputError naming the file
// and object for schema violations.
struct KeyFileContents {
  std::vector<BlockRecord> blocks;
  kernels::BitVector final_key;
  std::optional<kernels::BitVector> audit_seeds;
  std::optional<std::string> string_attribute(const std::string& name) const;
  std::vector<std::pair<std::string, std::string>> string_attributes;
};
KeyFileContents read_key_file(const std::filesystem::path& path);

}  // namespace qkdpp::engine::io
