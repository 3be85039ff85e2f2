#include "common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace runnel {
namespace {
Unexpected<FileError> Err(std::string_view op, const std::filesystem::path& p) {
  int e = errno;
  return MakeUnexpected(FileError{e, std::string(op) + " " + p.string() + ": " + std::strerror(e)});
}
Unexpected<FileError> ErrFd(std::string_view op, int fd) {
  int e = errno;
  return MakeUnexpected(
      FileError{e, std::string(op) + " fd " + std::to_string(fd) + ": " + std::strerror(e)});
}
}  // namespace

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Result<File, FileError> File::Open(const std::filesystem::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return Err("open", p);
  return File(fd);
}

Result<void, FileError> File::PWriteAll(const void* data, size_t n, uint64_t pos) const {
  auto* c = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::pwrite(fd_, c, n, static_cast<off_t>(pos));
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrFd("pwrite", fd_);
    }
    c += w;
    n -= static_cast<size_t>(w);
    pos += static_cast<uint64_t>(w);
  }
  return {};
}

Result<size_t, FileError> File::PRead(void* data, size_t n, uint64_t pos) const {
  auto* c = static_cast<char*>(data);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, c + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrFd("pread", fd_);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Result<uint64_t, FileError> File::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrFd("fstat", fd_);
  return static_cast<uint64_t>(st.st_size);
}

Result<void, FileError> File::Truncate(uint64_t size) const {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return ErrFd("ftruncate", fd_);
  return {};
}

Result<void, FileError> File::DataSync() const {
  if (::fdatasync(fd_) != 0) return ErrFd("fdatasync", fd_);
  return {};
}

Result<void, FileError> File::Sync() const {
  if (::fsync(fd_) != 0) return ErrFd("fsync", fd_);
  return {};
}

Result<void, FileError> SyncDir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Err("open dir", dir);
  File f(fd);
  if (::fsync(fd) != 0) return Err("fsync dir", dir);
  return {};
}

Result<void, FileError> WriteFileAtomic(const std::filesystem::path& path,
                                        std::string_view contents) {
  auto tmp = path;
  tmp += ".tmp";
  {
    auto f = File::Open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!f) return MakeUnexpected(f.error());
    if (auto r = f->PWriteAll(contents.data(), contents.size(), 0); !r) return r;
    if (auto r = f->Sync(); !r) return r;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Err("rename", tmp);
  return SyncDir(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
}

Result<std::string, FileError> ReadFile(const std::filesystem::path& path) {
  auto f = File::Open(path, O_RDONLY);
  if (!f) return MakeUnexpected(f.error());
  auto size = f->Size();
  if (!size) return MakeUnexpected(size.error());
  std::string s(*size, '\0');
  auto n = f->PRead(s.data(), s.size(), 0);
  if (!n) return MakeUnexpected(n.error());
  s.resize(*n);
  return s;
}

}  // namespace runnel
