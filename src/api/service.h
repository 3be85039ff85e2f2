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

namespace auth {
class CredentialStore;
}

struct ApiRequest {
  std::string_view method;        // "POST"
  std::string_view target;        // X-Amz-Target header ("" if absent)
  std::string_view content_type;  // Content-Type header ("" if absent)
  std::string_view body;          // must stay valid until `respond` has been called
  // Readable bytes after body.data() + body.size() (their values do not matter). With at
  // least simdjson::SIMDJSON_PADDING the body is parsed in place; otherwise it is copied
  // into a padded buffer first.
  size_t body_padding = 0;
  // Lower-cased header name -> value, for auth and extensions (x-runnel-*).
  std::function<std::string_view(std::string_view lower_name)> header;
};

// The body of a streaming response (SubscribeToShard's event stream), written by the api layer
// after the server has sent the response head. Implemented by the server for HTTP/1.1
// (chunked transfer encoding) and HTTP/2 (DATA frames on the request's stream).
// Thread-safe: may be called from any thread.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues `bytes` for the client. `written(true)` runs once they have been handed to the
  // socket / accepted by HTTP/2 flow control, so a producer that waits for it before writing
  // more never makes the server buffer without bound. `written(false)`: the client is gone.
  // Empty `bytes` send nothing: `written` just runs on the connection's thread (a way for a
  // producer woken elsewhere to move its work there).
  virtual void Write(std::string bytes, std::function<void(bool ok)> written) = 0;
  // Ends the body (HTTP/1.1: last chunk; HTTP/2: END_STREAM). Idempotent.
  virtual void Finish() = 0;
  // Registers `closed`, called once if the client disconnects or the server shuts down
  // before Finish().
  virtual void OnClose(std::function<void()> closed) = 0;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/x-amz-json-1.1";
  std::string body;
  std::string error_type;  // set on errors (for logs and x-amzn-ErrorType)
  // Set for streaming responses: `body` is ignored; after the head (status, content_type) is
  // sent the server calls this with the stream to write the body to.
  std::function<void(std::shared_ptr<ResponseStream>)> stream_body;
};

using Respond = std::function<void(ApiResponse)>;

struct ServiceOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // Enables the admin operation Runnel_20240101.AdvanceClock (api/admin.h). Tests only.
  bool enable_test_clock = false;
  // --auth: kNone accepts every request (the account is --account-id, or a 12-digit access
  // key id in a well-formed Authorization header); kSigV4 verifies every request against
  // `credentials` and uses the verified key's account (api/auth/sigv4_verifier.h).
  enum class Auth { kNone, kSigV4 };
  Auth auth = Auth::kNone;
  std::shared_ptr<const auth::CredentialStore> credentials = nullptr;  // for kSigV4
  // --tail-wait-ms: a GetRecords without the x-runnel-wait-ms header that finds nothing at
  // the end of an open shard which received a record within the last second is held up to
  // this long for the next record (actions/get_records.cc). 0: answer at once.
  int64_t tail_wait_ms = 5;
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
