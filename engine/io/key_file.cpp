// qkdpp-keys files: packed key datasets through PackedBitAppender, /blocks as an extendible
// compound dataset appended record by record.
#include "engine/io/key_file.hpp"

#include <array>
#include <cstddef>
#include <cstring>

#include "engine/core/error.hpp"
#include "engine/io/hdf5_support.hpp"
#include "engine/io/key_journal.hpp"

namespace qkdpp::engine::io {

using detail::H5Handle;
using detail::hdf5_error_text;
using kernels::BitVector;

namespace {

// The compound type of /blocks records, in memory layout.
H5Handle record_type() {
  H5Handle t(H5Tcreate(H5T_COMPOUND, sizeof(BlockRecord)), H5Tclose);
  const auto u64 = [&](const char* name, std::size_t offset) {
    H5Tinsert(t.get(), name, offset, H5T_NATIVE_UINT64);
  };
  u64("index", offsetof(BlockRecord, index));
  u64("start_bit", offsetof(BlockRecord, start_bit));
  u64("bits", offsetof(BlockRecord, bits));
  H5Tinsert(t.get(), "qber", offsetof(BlockRecord, qber), H5T_NATIVE_DOUBLE);
  u64("leak_ec_bits", offsetof(BlockRecord, leak_ec_bits));
  u64("verify_bits", offsetof(BlockRecord, verify_bits));
  u64("final_bits", offsetof(BlockRecord, final_bits));
  u64("final_offset", offsetof(BlockRecord, final_offset));
  H5Tinsert(t.get(), "status", offsetof(BlockRecord, status), H5T_NATIVE_UINT8);
  H5Tinsert(t.get(), "efficiency", offsetof(BlockRecord, efficiency), H5T_NATIVE_DOUBLE);
  H5Tinsert(t.get(), "qber_estimate", offsetof(BlockRecord, qber_estimate), H5T_NATIVE_DOUBLE);
  H5Tinsert(t.get(), "rounds", offsetof(BlockRecord, rounds), H5T_NATIVE_UINT32);
  return t;
}

}  // namespace

struct KeyFileWriter::Impl {
  std::filesystem::path path, partial;
  KeyWriteOptions options;
  H5Handle file, blocks;
  std::optional<detail::PackedBitAppender> key, seeds;
  std::uint64_t records = 0;
  bool committed = false;
  std::optional<KeyJournalWriter> journal;
  std::vector<BlockRecord> resumed;
  std::uint64_t dropped_journal_bytes = 0;

  void discard() noexcept {
    key.reset();
    seeds.reset();
    blocks.reset();
    file.reset();
    std::error_code ec;
    std::filesystem::remove(partial, ec);
  }
};

KeyFileWriter::KeyFileWriter(std::filesystem::path path, KeyWriteOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.chunk_bytes == 0) throw std::invalid_argument("KeyFileWriter: chunk_bytes is 0");
  {  // HDF5 calls under the library lock; the journal below appends through append()
    std::lock_guard lock(detail::hdf5_mutex());
    detail::silence_hdf5_errors();
    impl_->path = std::move(path);
    impl_->partial = detail::partial_path(impl_->path);
    impl_->options = options;
    impl_->file = detail::create_partial_file(impl_->partial);
    try {
      const std::string where = impl_->partial.string();
      H5Handle final_group(
          H5Gcreate2(impl_->file.get(), "final", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      if (!final_group.valid())
        throw IoError(where + ": cannot create /final: " + hdf5_error_text());
      impl_->key.emplace(final_group.get(), "key", options.chunk_bytes, 0, where + ": /final");
      if (options.audit) {
        H5Handle audit(
            H5Gcreate2(impl_->file.get(), "audit", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            H5Gclose);
        if (!audit.valid()) throw IoError(where + ": cannot create /audit: " + hdf5_error_text());
        impl_->seeds.emplace(audit.get(), "pa_seed", options.chunk_bytes, 0, where + ": /audit");
      }
      hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {1024};
      H5Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
      H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      H5Pset_chunk(dcpl.get(), 1, chunk);
      const H5Handle type = record_type();
      impl_->blocks = H5Handle(H5Dcreate2(impl_->file.get(), "blocks", type.get(), space.get(),
                                          H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                               H5Dclose);
      if (!impl_->blocks.valid()) {
        throw IoError(where + ": cannot create /blocks: " + hdf5_error_text());
      }
    } catch (...) {
      impl_->discard();
      throw;
    }
  }
  if (options.journal_fingerprint.empty()) return;
  try {
    open_journal();
  } catch (...) {
    std::lock_guard lock(detail::hdf5_mutex());
    impl_->discard();
    throw;
  }
}

void KeyFileWriter::open_journal() {
  const std::filesystem::path jpath = journal_path(impl_->path);
  const std::string& fingerprint = impl_->options.journal_fingerprint;
  if (!impl_->options.resume || !std::filesystem::exists(jpath)) {
    impl_->journal = KeyJournalWriter::create(jpath, fingerprint);
    return;
  }
  const KeyJournalScan scan = read_key_journal(
      jpath, fingerprint,
      [&](const BlockRecord& r, const BitVector& key, const BitVector& seed) {
        append(r, key, seed);
        impl_->resumed.push_back(r);
      },
      impl_->options.resume_max_blocks);
  impl_->dropped_journal_bytes = scan.dropped_bytes;
  impl_->journal = KeyJournalWriter::reopen(jpath, scan.valid_bytes);
}

KeyFileWriter::~KeyFileWriter() {
  if (impl_ && !impl_->committed) {
    std::lock_guard lock(detail::hdf5_mutex());
    impl_->discard();
  }
}

void KeyFileWriter::append(BlockRecord record, const BitVector& final_key, const BitVector& seed) {
  if (impl_->committed) throw std::logic_error("KeyFileWriter::append after commit");
  if (record.index != impl_->records) {
    throw std::logic_error("KeyFileWriter::append: block " + std::to_string(record.index) +
                           " where " + std::to_string(impl_->records) + " was due");
  }
  if (record.status != 0 && final_key.size() != 0) {
    throw std::logic_error("KeyFileWriter::append: key bits from a block that was not accepted");
  }
  record.final_bits = final_key.size();
  record.final_offset = impl_->key->bits();
  impl_->key->append(final_key);
  if (impl_->seeds && final_key.size() > 0) impl_->seeds->append(seed);
  std::lock_guard lock(detail::hdf5_mutex());
  hsize_t size[1] = {impl_->records + 1};
  if (H5Dset_extent(impl_->blocks.get(), size) < 0) {
    throw IoError(impl_->partial.string() + ": cannot extend /blocks: " + hdf5_error_text());
  }
  hsize_t start[1] = {impl_->records}, count[1] = {1};
  H5Handle fspace(H5Dget_space(impl_->blocks.get()), H5Sclose);
  H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  H5Handle mspace(H5Screate_simple(1, count, nullptr), H5Sclose);
  const H5Handle type = record_type();
  if (H5Dwrite(impl_->blocks.get(), type.get(), mspace.get(), fspace.get(), H5P_DEFAULT, &record) <
      0) {
    throw IoError(impl_->partial.string() +
                  ": cannot write /blocks (disk full?): " + hdf5_error_text());
  }
  ++impl_->records;
  if (impl_->journal) impl_->journal->append(record, final_key, seed);
}

void KeyFileWriter::set_attribute(const std::string& name, const std::string& value) {
  detail::write_attribute_locked(impl_->file.get(), name, value);
}
void KeyFileWriter::set_attribute(const std::string& name, double value) {
  detail::write_attribute_locked(impl_->file.get(), name, value);
}
void KeyFileWriter::set_attribute(const std::string& name, std::uint64_t value) {
  detail::write_attribute_locked(impl_->file.get(), name, value);
}

void KeyFileWriter::commit() {
  if (impl_->committed) return;
  std::lock_guard lock(detail::hdf5_mutex());
  try {
    impl_->key->finish();
    if (impl_->seeds) impl_->seeds->finish();
    detail::write_string_attribute(impl_->file.get(), "format", std::string(kKeysFormatName));
    detail::write_uint_attribute(impl_->file.get(), "version", kKeysFormatVersion);
    if (!impl_->key->close() || (impl_->seeds && !impl_->seeds->close()) ||
        !impl_->blocks.reset()) {
      throw IoError(impl_->partial.string() + ": error closing datasets: " + hdf5_error_text());
    }
    detail::close_and_rename(impl_->file, impl_->partial, impl_->path);
    impl_->committed = true;
    if (impl_->journal) {
      impl_->journal.reset();
      std::error_code ec;
      std::filesystem::remove(journal_path(impl_->path), ec);
    }
  } catch (...) {
    impl_->discard();
    impl_->committed = true;
    throw;
  }
}

std::uint64_t KeyFileWriter::final_bits() const noexcept { return impl_->key->bits(); }
std::uint64_t KeyFileWriter::blocks() const noexcept { return impl_->records; }
const std::filesystem::path& KeyFileWriter::partial_path() const noexcept { return impl_->partial; }
const std::vector<BlockRecord>& KeyFileWriter::resumed_records() const noexcept {
  return impl_->resumed;
}
std::uint64_t KeyFileWriter::dropped_journal_bytes() const noexcept {
  return impl_->dropped_journal_bytes;
}

std::optional<std::string> KeyFileContents::string_attribute(const std::string& name) const {
  for (const auto& [k, v] : string_attributes) {
    if (k == name) return v;
  }
  return std::nullopt;
}

namespace {

BitVector read_packed(hid_t file, const char* name, const std::string& where) {
  H5Handle d(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
  if (!d.valid()) throw InputError(where + ": missing dataset " + name);
  const auto bits = detail::read_uint_attribute(d.get(), "bits", where + ": " + name);
  if (!bits) throw InputError(where + ": " + name + " has no 'bits' attribute");
  H5Handle space(H5Dget_space(d.get()), H5Sclose);
  hsize_t n = 0;
  if (H5Sget_simple_extent_ndims(space.get()) != 1) {
    throw InputError(where + ": " + name + " is not one-dimensional");
  }
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  if (n != (*bits + 7) / 8) {
    throw InputError(where + ": " + name + " holds " + std::to_string(n) + " bytes for " +
                     std::to_string(*bits) + " bits");
  }
  std::vector<std::uint8_t> bytes(n);
  if (n > 0 &&
      H5Dread(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) {
    throw IoError(where + ": cannot read " + name + ": " + hdf5_error_text());
  }
  return BitVector::from_bytes(bytes, *bits);
}

}  // namespace

KeyFileContents read_key_file(const std::filesystem::path& path) {
  std::lock_guard lock(detail::hdf5_mutex());
  detail::silence_hdf5_errors();
  const std::string where = path.string();
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw IoError(where + ": cannot open: " + hdf5_error_text());
  const auto format = detail::read_string_attribute(file.get(), "format", where);
  if (format != std::string(kKeysFormatName)) {
    throw InputError(where + ": format attribute is not '" + std::string(kKeysFormatName) + "'");
  }
  const auto version = detail::read_uint_attribute(file.get(), "version", where);
  if (version != kKeysFormatVersion) throw InputError(where + ": unsupported version");
  KeyFileContents out;
  out.final_key = read_packed(file.get(), "/final/key", where);
  if (H5Lexists(file.get(), "/audit", H5P_DEFAULT) > 0) {
    out.audit_seeds = read_packed(file.get(), "/audit/pa_seed", where);
  }
  H5Handle blocks(H5Dopen2(file.get(), "/blocks", H5P_DEFAULT), H5Dclose);
  if (!blocks.valid()) throw InputError(where + ": missing dataset /blocks");
  H5Handle space(H5Dget_space(blocks.get()), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  out.blocks.resize(n);
  const H5Handle type = record_type();
  if (n > 0 &&
      H5Dread(blocks.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.blocks.data()) < 0) {
    throw InputError(where + ": /blocks does not have the record fields: " + hdf5_error_text());
  }
  for (const char* name : {"security_model", "code_family", "input"}) {
    if (auto v = detail::read_string_attribute(file.get(), name, where)) {
      out.string_attributes.emplace_back(name, *v);
    }
  }
  return out;
}

}  // namespace qkdpp::engine::io
