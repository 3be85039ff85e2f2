#include "cli/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "common/sigv4_core.h"

namespace runnel::cli::sigv4 {
namespace {

using runnel::sigv4::CanonicalHeaderValue;
using runnel::sigv4::SigningKey;

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string HexSha256(std::string_view data) { return runnel::sigv4::HexSha256(data); }

std::string HexSigningKey(std::string_view secret_key, std::string_view date,
                          std::string_view region, std::string_view service) {
  return runnel::sigv4::ToHex(SigningKey(secret_key, date, region, service));
}

Signature Sign(const SigningInput& in, const Credentials& creds) {
  // Canonical headers, sorted by lowercase name; repeated names are joined with ','.
  std::vector<Header> headers;
  headers.reserve(in.headers.size());
  for (const Header& h : in.headers) {
    headers.push_back({ToLower(h.name), CanonicalHeaderValue(h.value)});
  }
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
  sig.string_to_sign = runnel::sigv4::StringToSign(in.amz_date, scope, sig.canonical_request);

  std::string key = SigningKey(creds.secret_access_key, date, in.region, in.service);
  sig.signature = runnel::sigv4::HexSignature(key, sig.string_to_sign);
  sig.authorization = std::string(runnel::sigv4::kAlgorithm) + " Credential=" +
                      creds.access_key_id + "/" + scope +
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
