#include "api/auth/sigv4_verifier.h"

#include <openssl/crypto.h>

#include <ctime>

#include <fmt/format.h>

#include "common/sigv4_core.h"

namespace runnel::api::auth {
namespace {

constexpr int64_t kMaxSkewSeconds = 5 * 60;
constexpr std::string_view kService = "kinesis";
constexpr std::string_view kTerminator = "aws4_request";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string AmzDate(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// YYYYMMDD'T'HHMMSS'Z' -> epoch seconds.
std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm));
}

// RFC 1123 ("Sun, 30 Aug 2015 12:36:00 GMT") -> epoch seconds.
std::optional<int64_t> ParseHttpDate(std::string_view s) {
  std::string z(s);
  std::tm tm{};
  const char* end = strptime(z.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// Splits "a/b/c/d/e" into exactly 5 parts.
bool SplitScope(std::string_view credential, std::string_view parts[5]) {
  size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    size_t slash = credential.find('/', start);
    if (slash == std::string_view::npos) return false;
    parts[i] = credential.substr(start, slash - start);
    start = slash + 1;
  }
  parts[4] = credential.substr(start);
  return parts[4].find('/') == std::string_view::npos;
}

// SignedHeaders "a;b;c" -> "a:v\nb:v\nc:v\n".
std::string CanonicalHeaders(const ApiRequest& request, std::string_view signed_headers) {
  std::string out;
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', start);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    std::string name(signed_headers.substr(start, semi - start));
    start = semi + 1;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // `host` resolves to Host, or to :authority on HTTP/2 (the server layer answers
    // header("host") with it); `:authority` itself is looked up literally.
    std::string_view value = request.header ? request.header(name) : std::string_view{};
    out.append(name).append(":").append(runnel::sigv4::CanonicalHeaderValue(value)).append("\n");
  }
  return out;
}

std::string_view CanonicalUri(const ApiRequest& request) {
  std::string_view path = request.header ? request.header(":path") : std::string_view{};
  path = path.substr(0, path.find('?'));
  return path.empty() ? std::string_view("/") : path;
}

}  // namespace

ApiError MissingAuthenticationToken() {
  return ApiError{"MissingAuthenticationTokenException", 400, "Missing Authentication Token",
                  false};
}

ApiError IncompleteSignature(std::string message) {
  return ApiError{"IncompleteSignatureException", 400, std::move(message), false};
}

ApiError InvalidSignature(std::string message) {
  return ApiError{"InvalidSignatureException", 400, std::move(message), false};
}

ApiError UnrecognizedClient() {
  return ApiError{"UnrecognizedClientException", 400,
                  "The security token included in the request is invalid.", false};
}

AuthorizationView ParseAuthorizationView(std::string_view value) {
  AuthorizationView h;
  value = Trim(value);
  size_t sp = value.find_first_of(" \t");
  h.algorithm = value.substr(0, sp);
  if (sp == std::string_view::npos) return h;
  std::string_view rest = value.substr(sp + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string_view::npos) comma = rest.size();
    std::string_view param = Trim(rest.substr(start, comma - start));
    start = comma + 1;
    size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = Trim(param.substr(0, eq));
    std::string_view param_value = Trim(param.substr(eq + 1));
    if (name == "Credential") {
      h.credential = param_value;
    } else if (name == "SignedHeaders") {
      h.signed_headers = param_value;
    } else if (name == "Signature") {
      h.signature = param_value;
    }
  }
  return h;
}

AuthorizationHeader ParseAuthorization(std::string_view value) {
  const AuthorizationView v = ParseAuthorizationView(value);
  return AuthorizationHeader{std::string(v.algorithm), std::string(v.credential),
                             std::string(v.signed_headers), std::string(v.signature)};
}

Result<const Credential*, ApiError> VerifySigV4(const ApiRequest& request,
                                                const CredentialStore& credentials,
                                                int64_t now_epoch_s) {
  auto header = [&](std::string_view name) {
    return request.header ? request.header(name) : std::string_view{};
  };
  const std::string_view raw = header("authorization");
  if (raw.empty()) return MakeUnexpected(MissingAuthenticationToken());

  // 2. Incomplete: every missing piece named, then the raw header (kinesalite/AWS).
  const AuthorizationView auth = ParseAuthorizationView(raw);
  const std::string_view amz_date_header = header("x-amz-date");
  const std::string_view date_header = header("date");
  if (auth.algorithm != runnel::sigv4::kAlgorithm) {
    return MakeUnexpected(IncompleteSignature(
        fmt::format("Unsupported AWS 'algorithm': '{}'. Authorization={}", auth.algorithm, raw)));
  }
  std::string missing;
  if (auth.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (auth.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (auth.signed_headers.empty()) {
    missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  if (amz_date_header.empty() && date_header.empty()) {
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) {
    return MakeUnexpected(IncompleteSignature(fmt::format("{}Authorization={}", missing, raw)));
  }
  std::string_view scope_parts[5];
  if (!SplitScope(auth.credential, scope_parts)) {
    return MakeUnexpected(IncompleteSignature(fmt::format(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '{}'",
        auth.credential)));
  }
  const std::string_view key_id = scope_parts[0], scope_date = scope_parts[1],
                         region = scope_parts[2], service = scope_parts[3];
  if (scope_parts[4] != kTerminator) {
    return MakeUnexpected(IncompleteSignature(
        fmt::format("Credential should be scoped with a valid terminator: 'aws4_request', not "
                    "'{}'.",
                    scope_parts[4])));
  }

  // The request time: X-Amz-Date, else Date.
  std::optional<int64_t> request_time;
  std::string amz_date;
  if (!amz_date_header.empty()) {
    request_time = ParseAmzDate(amz_date_header);
    amz_date = std::string(amz_date_header);
  } else {
    request_time = ParseHttpDate(date_header);
    if (request_time) amz_date = AmzDate(*request_time);
  }
  if (!request_time) {
    return MakeUnexpected(IncompleteSignature(fmt::format(
        "Date must be in ISO-8601 'basic format'. Got '{}'. See "
        "http://en.wikipedia.org/wiki/ISO_8601",
        amz_date_header.empty() ? date_header : amz_date_header)));
  }

  // 3. Scope.
  if (service != kService) {
    return MakeUnexpected(
        InvalidSignature(fmt::format("Credential should be scoped to correct service: '{}'. ",
                                     kService)));
  }
  if (scope_date != std::string_view(amz_date).substr(0, 8)) {
    return MakeUnexpected(InvalidSignature(fmt::format(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '{}' != '{}', from '{}'.",
        scope_date, std::string_view(amz_date).substr(0, 8), amz_date)));
  }

  // 4. Clock skew, both ways.
  if (*request_time < now_epoch_s - kMaxSkewSeconds) {
    return MakeUnexpected(InvalidSignature(fmt::format(
        "Signature expired: {} is now earlier than {} ({} - 5 min.)", amz_date,
        AmzDate(now_epoch_s - kMaxSkewSeconds), AmzDate(now_epoch_s))));
  }
  if (*request_time > now_epoch_s + kMaxSkewSeconds) {
    return MakeUnexpected(InvalidSignature(fmt::format(
        "Signature not yet current: {} is still later than {} ({} + 5 min.)", amz_date,
        AmzDate(now_epoch_s + kMaxSkewSeconds), AmzDate(now_epoch_s))));
  }

  // 5. Key.
  const Credential* cred = credentials.Find(key_id);
  if (cred == nullptr) return MakeUnexpected(UnrecognizedClient());

  // 6. Payload hash and signature.
  const std::string body_hash = runnel::sigv4::HexSha256(request.body);
  const std::string_view claimed_hash = header("x-amz-content-sha256");
  if (!claimed_hash.empty() && claimed_hash != body_hash) {
    return MakeUnexpected(InvalidSignature(
        "The provided 'x-amz-content-sha256' header does not match what was computed."));
  }
  std::string canonical;
  canonical.append(request.method).append("\n");
  canonical.append(CanonicalUri(request)).append("\n");
  canonical.append("\n");  // query string: Kinesis requests have none
  canonical.append(CanonicalHeaders(request, auth.signed_headers)).append("\n");
  canonical.append(auth.signed_headers).append("\n");
  canonical.append(body_hash);

  const std::string scope = fmt::format("{}/{}/{}/{}", scope_date, region, service, kTerminator);
  const std::string expected = runnel::sigv4::HexSignature(
      runnel::sigv4::SigningKey(cred->secret_access_key, scope_date, region, service),
      runnel::sigv4::StringToSign(amz_date, scope, canonical));
  if (auth.signature.size() != expected.size() ||
      CRYPTO_memcmp(auth.signature.data(), expected.data(), expected.size()) != 0) {
    return MakeUnexpected(InvalidSignature(
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details."));
  }
  return cred;
}

namespace {

// An account comes only from a Credential value that starts with 12 digits and '/', so the
// header must contain 12 digits followed by '/'. Most headers fail this at their first
// slash (AKIA... key ids), which is far cheaper than parsing them.
bool HasTwelveDigitsBeforeASlash(std::string_view s) {
  constexpr size_t kDigits = 12;
  for (size_t slash = s.find('/', kDigits); slash != std::string_view::npos;
       slash = s.find('/', slash + 1)) {
    size_t n = 0;
    while (n < kDigits && s[slash - 1 - n] >= '0' && s[slash - 1 - n] <= '9') ++n;
    if (n == kDigits) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> AccountFromUnverifiedKeyId(const ApiRequest& request) {
  if (!request.header) return std::nullopt;
  std::string_view raw = request.header("authorization");
  if (raw.empty() || !HasTwelveDigitsBeforeASlash(raw)) return std::nullopt;
  // Views into the header: this runs on every request, so nothing is copied.
  const AuthorizationView auth = ParseAuthorizationView(raw);
  std::string_view parts[5];
  if (auth.algorithm != runnel::sigv4::kAlgorithm || !SplitScope(auth.credential, parts)) {
    return std::nullopt;
  }
  if (!IsAccountId(parts[0])) return std::nullopt;
  return std::string(parts[0]);
}

}  // namespace runnel::api::auth
