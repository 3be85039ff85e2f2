// AVX2 block loops behind base64.cc's run-time dispatch (only call when the CPU has AVX2).
// Each converts whole blocks and returns how much input it consumed; base64.cc finishes
// the rest (and reports errors) with the scalar code.
#pragma once

#include <cstddef>
#include <cstdint>

namespace runnel::base64::detail {

// Encodes 24-byte blocks while 32 input bytes are readable; writes 32 chars per block.
// Returns the input bytes consumed (a multiple of 24).
size_t EncodeBlocksAvx2(const uint8_t* in, size_t n, char* dst);

// Decodes 32-char blocks while at least 44 chars remain, so a block never holds the final
// quantum (where '=' may be) and its 32-byte store stays within n / 4 * 3 output bytes.
// Stops before the first block holding a char outside the alphabet. Returns the chars
// consumed (a multiple of 32); 24 bytes are written per block.
size_t DecodeBlocksAvx2(const uint8_t* in, size_t n, uint8_t* dst);

// Checks 32-char blocks while 32 chars remain. Returns the chars consumed (a multiple of 32):
// all of them are in the alphabet; it stops before the first block that is not.
size_t AlphabetBlocksAvx2(const uint8_t* in, size_t n);

}  // namespace runnel::base64::detail
