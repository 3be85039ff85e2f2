// AVX2 base64 after Muła and Lemire, "Faster Base64 Encoding and Decoding Using AVX2
// Instructions" (ACM TWEB 2018), in the formulation of aklomp/base64. Debian 12 packages no
// SIMD base64 library (libb64 is scalar), hence this file. Compiled for baseline x86-64;
// only these functions carry target("avx2"), and base64.cc calls them after checking CPUID.
#include "common/base64_avx2.h"

#include <immintrin.h>

namespace runnel::base64::detail {
namespace {

// 12 input bytes per 128-bit lane -> 16 six-bit values, one per byte.
__attribute__((target("avx2"))) inline __m256i EncReshuffle(__m256i in) {
  // Lane 0 gets bytes 0..11, lane 1 bytes 12..23.
  in = _mm256_permutevar8x32_epi32(in, _mm256_setr_epi32(0, 1, 2, 0, 3, 4, 5, 0));
  // Each 3-byte group a b c -> b a c b (so every 16-bit half holds the bits it needs).
  in = _mm256_shuffle_epi8(in, _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                                1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10));
  const __m256i t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0FC0FC00));
  const __m256i t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
  const __m256i t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003F03F0));
  const __m256i t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
  return _mm256_or_si256(t1, t3);
}

// Six-bit values -> alphabet chars: add a per-range offset picked by pshufb.
__attribute__((target("avx2"))) inline __m256i EncTranslate(__m256i in) {
  // Ranges: [0,25] +65 'A'..; [26,51] +71 'a'..; [52,61] -4 '0'..; 62 -19 '+'; 63 -16 '/'.
  const __m256i lut = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16,
                                       0, 0, 65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19,
                                       -16, 0, 0);
  __m256i idx = _mm256_subs_epu8(in, _mm256_set1_epi8(51));  // 0 for [0,51], 1..12 above
  const __m256i above25 = _mm256_cmpgt_epi8(in, _mm256_set1_epi8(25));
  idx = _mm256_sub_epi8(idx, above25);  // +1 for everything above 25
  return _mm256_add_epi8(in, _mm256_shuffle_epi8(lut, idx));
}

// lut_lo[low nibble] & lut_hi[high nibble] is non-zero exactly for chars outside the
// alphabet (including '=' and bytes >= 0x80).
__attribute__((target("avx2"))) inline bool InAlphabet(__m256i str, __m256i& hi_nibbles) {
  const __m256i lut_lo = _mm256_setr_epi8(
      0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B,
      0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B,
      0x1B, 0x1A);
  const __m256i lut_hi = _mm256_setr_epi8(
      0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
      0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
      0x10, 0x10);
  const __m256i mask_2f = _mm256_set1_epi8(0x2F);
  hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(str, 4), mask_2f);
  const __m256i lo_nibbles = _mm256_and_si256(str, mask_2f);
  const __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
  const __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
  return _mm256_testz_si256(lo, hi);
}

// 32 chars -> 32 six-bit values; returns false if any char is outside the alphabet.
__attribute__((target("avx2"))) inline bool DecTranslate(__m256i& str) {
  __m256i hi_nibbles;
  if (!InAlphabet(str, hi_nibbles)) return false;
  // Offset to add per high nibble (index 1 is '/', picked via the eq_2f adjustment).
  const __m256i lut_roll = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0,
                                            0, 0);
  const __m256i mask_2f = _mm256_set1_epi8(0x2F);
  const __m256i eq_2f = _mm256_cmpeq_epi8(str, mask_2f);
  const __m256i roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_nibbles));
  str = _mm256_add_epi8(str, roll);
  return true;
}

// 32 six-bit values -> 24 bytes in the low 24 bytes of the result.
__attribute__((target("avx2"))) inline __m256i DecReshuffle(__m256i in) {
  const __m256i ab_bc = _mm256_maddubs_epi16(in, _mm256_set1_epi32(0x01400140));
  __m256i out = _mm256_madd_epi16(ab_bc, _mm256_set1_epi32(0x00011000));
  out = _mm256_shuffle_epi8(out, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1,
                                                  -1, -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12,
                                                  -1, -1, -1, -1));
  return _mm256_permutevar8x32_epi32(out, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, -1, -1));
}

}  // namespace

__attribute__((target("avx2"))) size_t EncodeBlocksAvx2(const uint8_t* in, size_t n, char* dst) {
  size_t i = 0;
  for (; i + 32 <= n; i += 24) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    v = EncTranslate(EncReshuffle(v));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), v);
    dst += 32;
  }
  return i;
}

__attribute__((target("avx2"))) size_t DecodeBlocksAvx2(const uint8_t* in, size_t n,
                                                        uint8_t* dst) {
  size_t i = 0;
  for (; n - i >= 44; i += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    if (!DecTranslate(v)) break;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), DecReshuffle(v));
    dst += 24;
  }
  return i;
}

__attribute__((target("avx2"))) size_t AlphabetBlocksAvx2(const uint8_t* in, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i hi_nibbles;
    if (!InAlphabet(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)), hi_nibbles)) {
      break;
    }
  }
  return i;
}

}  // namespace runnel::base64::detail
