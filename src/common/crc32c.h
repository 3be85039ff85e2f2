// CRC-32C (Castagnoli), hardware-accelerated with SSE4.2 when the CPU has it.
// Debian 12 packages no crc32c library, so this is the one hand-written checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace runnel::crc32c {

// Extends `crc` (0 to start) over `data`.
uint32_t Extend(uint32_t crc, const void* data, size_t n);
inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// Stored CRCs are masked (as LevelDB does) so that a CRC of data containing CRCs stays strong.
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t m) {
  uint32_t rot = m - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace runnel::crc32c
