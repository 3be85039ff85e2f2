// Errors of the storage layer: bytes and offsets only, no Kinesis words.
#pragma once

#include <string>

#include "common/result.h"
#include "common/strong_int.h"

namespace runnel::storage {

enum class StorageErrc {
  kIoError,     // a syscall failed (detail says which); the log may be fenced
  kCorruption,  // a checksum or framing check failed in the middle of a file
  kNoSpace,     // ENOSPC
  kOutOfRange,  // offset below the log start or above its end
  kClosed,      // the log is fenced after a failed fsync, or closed
};

struct StorageError {
  StorageErrc code = StorageErrc::kIoError;
  std::string detail;  // for logs only; never sent to clients
};

template <class T>
using StorageResult = Result<T, StorageError>;

// Record number within one log (0-based, dense, never reused).
using Offset = StrongInt<uint64_t, struct OffsetTag>;
// Byte position within one segment file.
using FilePos = StrongInt<uint64_t, struct FilePosTag>;

enum class SyncMode { kAlways, kInterval, kNone };

}  // namespace runnel::storage
