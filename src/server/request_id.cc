#include "server/request_id.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>

#include "common/base64.h"

namespace runnel::server {
namespace {

// xoshiro256** (Blackman & Vigna): fast, 256-bit state, good statistical quality.
class Xoshiro256 {
 public:
  Xoshiro256() {
    std::random_device device;
    for (auto& word : state_) {
      word = (uint64_t{device()} << 32) ^ device();
    }
    if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) state_[0] = 1;
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

Xoshiro256& ThreadGenerator() {
  thread_local Xoshiro256 generator;
  return generator;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::array<char, kRequestIdSize> NewRequestId() {
  Xoshiro256& generator = ThreadGenerator();
  uint8_t bytes[16];
  const uint64_t high = generator.Next();
  const uint64_t low = generator.Next();
  std::memcpy(bytes, &high, 8);
  std::memcpy(bytes + 8, &low, 8);
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant

  std::array<char, kRequestIdSize> id;
  size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id[pos++] = '-';
    id[pos++] = kHexDigits[bytes[i] >> 4];
    id[pos++] = kHexDigits[bytes[i] & 0x0f];
  }
  return id;
}

std::array<char, kExtendedRequestIdSize> NewExtendedRequestId() {
  static_assert(kExtendedRequestIdSize == 72 / 3 * 4);
  Xoshiro256& generator = ThreadGenerator();
  uint64_t words[9];
  for (auto& word : words) word = generator.Next();
  std::array<char, kExtendedRequestIdSize> id;
  base64::EncodeTo(std::string_view(reinterpret_cast<const char*>(words), sizeof(words)),
                   id.data());
  return id;
}

}  // namespace runnel::server
