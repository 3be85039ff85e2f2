#include "cli/bench/request_builder.h"

#include <fmt/format.h>

#include <chrono>

#include "cli/sigv4.h"

namespace runnel::cli::bench {

RequestBuilder::RequestBuilder(std::string host_header, std::string region, Signing signing,
                               Credentials credentials)
    : host_header_(std::move(host_header)),
      region_(std::move(region)),
      signing_(signing),
      credentials_(std::move(credentials)) {
  std::string date = sigv4::AmzDate(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch()).count());
  dummy_auth_ = fmt::format(
      "X-Amz-Date: {}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDRUNNELBENCH/{}/{}/kinesis/"
      "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
      "Signature=0000000000000000000000000000000000000000000000000000000000000000\r\n",
      date, date.substr(0, 8), region_);
}

std::string RequestBuilder::Head(std::string_view action, std::string_view body,
                                 std::string_view extra_headers) const {
  std::string head;
  head.reserve(512);
  head += "POST / HTTP/1.1\r\nHost: ";
  head += host_header_;
  head += "\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.";
  head += action;
  head += "\r\n";
  if (signing_ == Signing::kDummy) {
    head += dummy_auth_;
  } else {
    std::string date = sigv4::AmzDate(
        std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch()).count());
    std::string target = fmt::format("Kinesis_20131202.{}", action);
    sigv4::SigningInput in;
    in.headers = {{"content-type", "application/x-amz-json-1.1"},
                  {"host", host_header_},
                  {"x-amz-date", date},
                  {"x-amz-target", target}};
    if (!credentials_.session_token.empty())
      in.headers.push_back({"x-amz-security-token", credentials_.session_token});
    in.body = body;
    in.amz_date = date;
    in.region = region_;
    sigv4::Signature sig = sigv4::Sign(in, credentials_);
    head += "X-Amz-Date: " + date + "\r\n";
    if (!credentials_.session_token.empty())
      head += "X-Amz-Security-Token: " + credentials_.session_token + "\r\n";
    head += "Authorization: " + sig.authorization + "\r\n";
  }
  head += extra_headers;
  head += "Content-Length: ";
  head += std::to_string(body.size());
  head += "\r\n\r\n";
  return head;
}

void AppendRandomBytes(std::mt19937_64& rng, size_t n, std::string& out) {
  size_t start = out.size();
  out.resize(start + n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[start + i + j] = static_cast<char>(v >> (8 * j));
  }
}

std::string RandomPartitionKey(std::mt19937_64& rng) { return fmt::format("{:016x}", rng()); }

void AppendJsonString(std::string_view s, std::string& out) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace runnel::cli::bench
