// The pure building blocks of AWS Signature Version 4 (kinesis-wire.md §7), shared by the
// CLI's signer (cli/sigv4) and the server's verifier (api/auth/sigv4_verifier). No clock,
// no I/O, no secrets kept.
#pragma once

#include <string>
#include <string_view>

namespace runnel::sigv4 {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string ToHex(std::string_view bytes);  // lowercase
std::string HexSha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view msg);  // raw 32 bytes

// kSigning = HMAC chain over "AWS4"+secret, date (YYYYMMDD), region, service, "aws4_request".
std::string SigningKey(std::string_view secret_key, std::string_view date,
                       std::string_view region, std::string_view service);

// A header value as SigV4 canonicalises it: trimmed, internal runs of spaces/tabs collapsed
// to one space.
std::string CanonicalHeaderValue(std::string_view v);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// Lowercase hex HMAC of the string to sign with the derived key.
std::string HexSignature(std::string_view signing_key, std::string_view string_to_sign);

}  // namespace runnel::sigv4
