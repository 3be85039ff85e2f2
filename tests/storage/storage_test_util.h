// Helpers shared by the storage tests: a temp dir and small log/file manipulations.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "common/file.h"
#include "storage/log.h"

namespace runnel::storage::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/runnel_storage_XXXXXX";
    char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path log_dir() const { return path_ / "log"; }

 private:
  std::filesystem::path path_;
};

inline std::string Payload(uint64_t i, size_t size = 20) {
  std::string s = "record-" + std::to_string(i) + "-";
  while (s.size() < size) s.push_back(static_cast<char>('a' + (s.size() + i) % 26));
  return s;
}

// Appends `batches` batches of `per_batch` records; record i has Payload(i) and timestamp
// ts0 + i.
inline void AppendRecords(Log& log, int batches, int per_batch, int64_t ts0 = 1000,
                          size_t size = 20) {
  BatchBuilder b;
  for (int k = 0; k < batches; ++k) {
    b.Clear();
    uint64_t first = log.EndOffset().value();
    for (int j = 0; j < per_batch; ++j) {
      uint64_t i = first + static_cast<uint64_t>(j);
      b.Add(ts0 + static_cast<int64_t>(i), Payload(i, size));
    }
    auto r = log.Append(b);
    ASSERT_TRUE(r.ok()) << r.error().detail;
    ASSERT_EQ(r->value(), first);
  }
}

inline std::vector<std::filesystem::path> Files(const std::filesystem::path& dir,
                                                const std::string& ext) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline void FlipByte(const std::filesystem::path& file, uint64_t pos) {
  int fd = ::open(file.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c;
  ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(pos)), 1);
  c = static_cast<char>(c ^ 0x5a);
  ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(pos)), 1);
  ::close(fd);
}

inline void AppendBytes(const std::filesystem::path& file, const std::string& bytes) {
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

// Reads every record in [from, end) and checks payloads and timestamps.
inline void ExpectRecords(const Log& log, uint64_t from, uint64_t end, int64_t ts0 = 1000,
                          size_t size = 20) {
  ReadBuffer buffer;
  std::vector<RecordView> out;
  uint64_t next = from;
  while (next < end) {
    auto r = log.Read(Offset(next), ReadOptions{}, buffer, out);
    ASSERT_TRUE(r.ok()) << r.error().detail;
    ASSERT_FALSE(out.empty()) << "at " << next;
    for (const auto& rec : out) {
      ASSERT_EQ(rec.offset.value(), next);
      ASSERT_EQ(rec.payload, Payload(next, size));
      ASSERT_EQ(rec.timestamp_ms, ts0 + static_cast<int64_t>(next));
      ++next;
    }
    ASSERT_EQ(r->value(), next);
  }
  EXPECT_EQ(next, end);
}

}  // namespace runnel::storage::testing
