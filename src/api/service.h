// api::Service: the Kinesis JSON protocol, independent of HTTP framing. The server layer hands
// it one parsed HTTP request and gets back exactly one ApiResponse (possibly later, from
// another thread, e.g. after a group-commit fsync).
//
// Check order (kinesis-wire.md §6): method -> content type -> target -> body parse ->
// auth -> types -> constraints -> action.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::stream {
class StreamRegistry;
}

namespace runnel::api {

struct ApiRequest {
  std::string_view method;        // "POST"
  std::string_view target;        // X-Amz-Target header ("" if absent)
  std::string_view content_type;  // Content-Type header ("" if absent)
  std::string_view body;          // must stay valid until `respond` has been called
  // Lower-cased header name -> value, for auth and extensions (x-runnel-*).
  std::function<std::string_view(std::string_view lower_name)> header;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/x-amz-json-1.1";
  std::string body;
  std::string error_type;  // set on errors (for logs and x-amzn-ErrorType)
};

using Respond = std::function<void(ApiResponse)>;

struct ServiceOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Enables the admin operation Runnel_20240101.AdvanceClock (api/admin.h). Tests only.
  bool enable_test_clock = false;
};

class Service {
 public:
  Service(stream::StreamRegistry& registry, ServiceOptions options);
  // Calls `respond` exactly once, on this thread or on a committer thread.
  void Handle(const ApiRequest& request, Respond respond);

 private:
  stream::StreamRegistry& registry_;
  ServiceOptions options_;
};

}  // namespace runnel::api
