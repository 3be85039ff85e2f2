// RequestBuilder: HTTP/1.1 request heads for Kinesis JSON calls, and the request bodies the
// scenarios send. Heads are either unsigned (a fixed dummy SigV4-shaped Authorization header,
// which emulators that only check its presence accept) or SigV4-signed per request.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "cli/credentials.h"

namespace runnel::cli::bench {

enum class Signing { kDummy, kSigV4 };

class RequestBuilder {
 public:
  RequestBuilder(std::string host_header, std::string region, Signing signing,
                 Credentials credentials);

  // The request head (request line + headers + blank line) for `action` with `body`.
  // kDummy: cheap, no hashing. kSigV4: signs with the current time (hashes the body).
  // `extra_headers`: complete header lines ("Name: value\r\n...") added unsigned.
  std::string Head(std::string_view action, std::string_view body,
                   std::string_view extra_headers = {}) const;
  Signing signing() const { return signing_; }

 private:
  std::string host_header_;
  std::string region_;
  Signing signing_;
  Credentials credentials_;
  std::string dummy_auth_;  // "Authorization: ...\r\nX-Amz-Date: ...\r\n"
};

// Appends `n` random bytes.
void AppendRandomBytes(std::mt19937_64& rng, size_t n, std::string& out);
// A random 16-hex-digit partition key.
std::string RandomPartitionKey(std::mt19937_64& rng);
// JSON string escaping for stream names and keys (they are [a-zA-Z0-9_.-] in practice).
void AppendJsonString(std::string_view s, std::string& out);

}  // namespace runnel::cli::bench
