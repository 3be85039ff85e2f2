// Thin POSIX file helpers. Every function reports failure as a FileError carrying errno and
// the path; none throws.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace runnel {

struct FileError {
  int err = 0;           // errno
  std::string what;      // "open /path/x: No such file or directory"
};

// RAII file descriptor.
class File {
 public:
  File() = default;
  explicit File(int fd) : fd_(fd) {}
  File(File&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // flags as for open(2); mode 0644.
  static Result<File, FileError> Open(const std::filesystem::path& p, int flags);
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  Result<void, FileError> PWriteAll(const void* data, size_t n, uint64_t pos) const;
  // Reads up to n bytes at pos; returns the count (short only at EOF).
  Result<size_t, FileError> PRead(void* data, size_t n, uint64_t pos) const;
  Result<uint64_t, FileError> Size() const;
  Result<void, FileError> Truncate(uint64_t size) const;
  Result<void, FileError> DataSync() const;  // fdatasync
  Result<void, FileError> Sync() const;      // fsync

 private:
  int fd_ = -1;
};

// fsyncs a directory so that creations, renames and deletions in it are durable.
Result<void, FileError> SyncDir(const std::filesystem::path& dir);

// Atomically replaces `path` with `contents`: write path.tmp, fsync, rename, fsync the dir.
Result<void, FileError> WriteFileAtomic(const std::filesystem::path& path, std::string_view contents);

// Reads a whole (small) file.
Result<std::string, FileError> ReadFile(const std::filesystem::path& path);

}  // namespace runnel
