// Little-endian fixed-width encoding helpers for on-disk formats.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace runnel::coding {

inline void PutFixed32(char* dst, uint32_t v) { std::memcpy(dst, &v, 4); }  // x86-64: LE
inline void PutFixed64(char* dst, uint64_t v) { std::memcpy(dst, &v, 8); }
inline uint32_t GetFixed32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
inline uint64_t GetFixed64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }
inline void AppendFixed32(std::string& s, uint32_t v) { char b[4]; PutFixed32(b, v); s.append(b, 4); }
inline void AppendFixed64(std::string& s, uint64_t v) { char b[8]; PutFixed64(b, v); s.append(b, 8); }

}  // namespace runnel::coding
