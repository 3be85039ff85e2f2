// AWS Signature Version 4 for the Kinesis JSON protocol (kinesis-wire.md §7). Pure functions:
// no clock, no I/O, so the signer is checked against fixed test vectors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/credentials.h"

namespace runnel::cli::sigv4 {

struct Header {
  std::string name;   // lowercase
  std::string value;  // trimmed
};

// What gets signed. `headers` are the headers to sign (any order, any case); `host` must be
// among them. `amz_date` is YYYYMMDD'T'HHMMSS'Z' and must also be sent as X-Amz-Date.
struct SigningInput {
  std::string_view method = "POST";
  std::string_view path = "/";
  std::vector<Header> headers;
  std::string_view body;
  std::string_view amz_date;
  std::string_view region;
  std::string_view service = "kinesis";
};

// The intermediate values, exposed for tests and debugging.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "content-type;host;x-amz-date;x-amz-target"
  std::string signature;       // 64 lowercase hex
  std::string authorization;   // the full Authorization header value
};

std::string HexSha256(std::string_view data);
// Lowercase hex of the derived signing key (kSigning).
std::string HexSigningKey(std::string_view secret_key, std::string_view date,
                          std::string_view region, std::string_view service);

Signature Sign(const SigningInput& in, const Credentials& creds);

// Formats epoch seconds as the X-Amz-Date value.
std::string AmzDate(int64_t epoch_seconds);

}  // namespace runnel::cli::sigv4
