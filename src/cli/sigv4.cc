#include "cli/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace runnel::cli::sigv4 {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string ToHex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 0xF];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims and collapses internal runs of spaces to one (SigV4 canonical header values).
std::string CanonicalValue(std::string_view v) {
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

std::string SigningKey(std::string_view secret_key, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string k_date = Hmac(std::string("AWS4").append(secret_key), date);
  std::string k_region = Hmac(k_date, region);
  std::string k_service = Hmac(k_region, service);
  return Hmac(k_service, "aws4_request");
}

}  // namespace

std::string HexSha256(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return ToHex(md, sizeof(md));
}

std::string HexSigningKey(std::string_view secret_key, std::string_view date,
                          std::string_view region, std::string_view service) {
  std::string key = SigningKey(secret_key, date, region, service);
  return ToHex(reinterpret_cast<const unsigned char*>(key.data()), key.size());
}

Signature Sign(const SigningInput& in, const Credentials& creds) {
  // Canonical headers, sorted by lowercase name; repeated names are joined with ','.
  std::vector<Header> headers;
  headers.reserve(in.headers.size());
  for (const Header& h : in.headers) headers.push_back({ToLower(h.name), CanonicalValue(h.value)});
  std::stable_sort(headers.begin(), headers.end(),
                   [](const Header& a, const Header& b) { return a.name < b.name; });

  Signature sig;
  std::string canonical_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].name == headers[i - 1].name) {
      canonical_headers.back() = ',';  // replace the previous '\n'
      canonical_headers.append(headers[i].value).push_back('\n');
      continue;
    }
    if (!sig.signed_headers.empty()) sig.signed_headers.push_back(';');
    sig.signed_headers.append(headers[i].name);
    canonical_headers.append(headers[i].name).append(":").append(headers[i].value).push_back('\n');
  }

  sig.canonical_request.append(in.method).append("\n");
  sig.canonical_request.append(in.path).append("\n");
  sig.canonical_request.append("\n");  // no query string
  sig.canonical_request.append(canonical_headers).append("\n");
  sig.canonical_request.append(sig.signed_headers).append("\n");
  sig.canonical_request.append(HexSha256(in.body));

  std::string_view date = in.amz_date.substr(0, 8);
  std::string scope = std::string(date) + "/" + std::string(in.region) + "/" +
                      std::string(in.service) + "/aws4_request";
  sig.string_to_sign = std::string(kAlgorithm) + "\n" + std::string(in.amz_date) + "\n" + scope +
                       "\n" + HexSha256(sig.canonical_request);

  std::string key = SigningKey(creds.secret_access_key, date, in.region, in.service);
  std::string raw = Hmac(key, sig.string_to_sign);
  sig.signature = ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  sig.authorization = std::string(kAlgorithm) + " Credential=" + creds.access_key_id + "/" + scope +
                      ", SignedHeaders=" + sig.signed_headers + ", Signature=" + sig.signature;
  return sig;
}

std::string AmzDate(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace runnel::cli::sigv4
