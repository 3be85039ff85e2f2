#include "common/file.h"

#include <fcntl.h>
#include <stdlib.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace runnel {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel_file_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileTest, WriteFileAtomicCreatesAndReplaces) {
  auto path = dir_ / "meta.json";
  ASSERT_TRUE(WriteFileAtomic(path, "first version").ok());
  EXPECT_EQ(ReadFile(path).value(), "first version");
  ASSERT_TRUE(WriteFileAtomic(path, "v2").ok());  // shorter: no stale tail
  EXPECT_EQ(ReadFile(path).value(), "v2");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "meta.json.tmp"));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) (void)e, ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(FileTest, WriteFileAtomicReportsMissingDirectory) {
  auto r = WriteFileAtomic(dir_ / "no" / "such" / "file", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().err, ENOENT);
  EXPECT_NE(r.error().what.find("no/such"), std::string::npos) << r.error().what;
}

TEST_F(FileTest, ReadFileOfMissingFileFails) {
  auto r = ReadFile(dir_ / "missing");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().err, ENOENT);
}

TEST_F(FileTest, PWritePReadTruncateSize) {
  auto f = File::Open(dir_ / "data", O_RDWR | O_CREAT);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->PWriteAll("hello world", 11, 0).ok());
  ASSERT_TRUE(f->PWriteAll("W", 1, 6).ok());
  char buf[32];
  auto n = f->PRead(buf, sizeof(buf), 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "hello World");  // short read at EOF
  ASSERT_TRUE(f->Truncate(5).ok());
  EXPECT_EQ(f->Size().value(), 5u);
  EXPECT_TRUE(f->DataSync().ok());
  EXPECT_TRUE(SyncDir(dir_).ok());
}

}  // namespace
}  // namespace runnel
