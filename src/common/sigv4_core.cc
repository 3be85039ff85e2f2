#include "common/sigv4_core.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace runnel::sigv4 {

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xF];
  }
  return out;
}

std::string HexSha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return ToHex(std::string_view(reinterpret_cast<const char*>(md), sizeof(md)));
}

std::string HmacSha256(std::string_view key, std::string_view msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string SigningKey(std::string_view secret_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string k_date = HmacSha256(std::string("AWS4").append(secret_key), date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space && !out.empty()) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string s(kAlgorithm);
  s.append("\n").append(amz_date).append("\n").append(scope).append("\n");
  s.append(HexSha256(canonical_request));
  return s;
}

std::string HexSignature(std::string_view signing_key, std::string_view string_to_sign) {
  return ToHex(HmacSha256(signing_key, string_to_sign));
}

}  // namespace runnel::sigv4
