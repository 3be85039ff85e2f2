// Request identifiers sent on every response: x-amzn-RequestId (a UUID v4) and x-amz-id-2 (the
// "extended request id", base64 of 72 random bytes, as kinesalite sends).
//
// Both come from a per-thread xoshiro256** generator seeded once per thread from
// std::random_device, so producing an id costs a few hundred nanoseconds and no syscall.
// The ids are unique in practice but NOT cryptographically unpredictable; never use them as
// secrets. Thread-safe (each thread has its own generator).
#pragma once

#include <array>
#include <cstddef>

namespace runnel::server {

inline constexpr size_t kRequestIdSize = 36;          // 8-4-4-4-12 lower-case hex
inline constexpr size_t kExtendedRequestIdSize = 96;  // base64 of 72 bytes, no padding needed

// A random UUID v4, e.g. "1b4e28ba-2fa1-41d2-883f-0016d3cca427".
std::array<char, kRequestIdSize> NewRequestId();

// base64 of 72 random bytes.
std::array<char, kExtendedRequestIdSize> NewExtendedRequestId();

}  // namespace runnel::server
