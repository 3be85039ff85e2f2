// Server-side AWS Signature Version 4 verification (kinesis-wire.md §7), for
// `runnel serve --auth sigv4`. Runs at step 6 of the pre-dispatch order (§6): after the body
// parsed and the operation is known, before type and constraint checks.
//
// What is checked, in order (each failure is AWS's error, HTTP 400):
//   1. an Authorization header is present          -> MissingAuthenticationTokenException
//   2. it has the AWS4-HMAC-SHA256 algorithm, Credential, SignedHeaders, Signature, a
//      5-part credential scope ending in aws4_request, and the request has X-Amz-Date or
//      Date                                        -> IncompleteSignatureException
//   3. scope service is "kinesis", scope date == the request date's YYYYMMDD
//                                                  -> InvalidSignatureException
//   4. request time within +-5 minutes of now      -> InvalidSignatureException
//      ("Signature expired: ..." / "Signature not yet current: ...")
//   5. the access key id is known                  -> UnrecognizedClientException
//   6. X-Amz-Content-Sha256, when sent, equals the body's hash; the signature over the
//      canonical request (exactly the SignedHeaders the client listed; `host` resolves to
//      Host or HTTP/2 :authority, `:authority` is taken literally) matches, compared in
//      constant time                               -> InvalidSignatureException
// Any scope region is accepted (the signature covers it).
//
// Limits: the canonical URI is the ":path" pseudo-header when the server layer supplies one
// (without its query), else "/" (every Kinesis SDK posts to "/"); presigned query-string
// authentication is not supported (such requests have no Authorization header and get
// MissingAuthenticationTokenException). Repeated headers are seen as the server layer joins
// them. Secrets and signatures are never logged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/auth/credentials_file.h"
#include "api/service.h"
#include "common/result.h"

namespace runnel::api::auth {

// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...` header. Empty members were absent.
struct AuthorizationHeader {
  std::string algorithm;
  std::string credential;  // AKID/YYYYMMDD/region/service/aws4_request
  std::string signed_headers;
  std::string signature;
};
AuthorizationHeader ParseAuthorization(std::string_view value);
// The same parse without copies: the members point into `value`.
struct AuthorizationView {
  std::string_view algorithm;
  std::string_view credential;
  std::string_view signed_headers;
  std::string_view signature;
};
AuthorizationView ParseAuthorizationView(std::string_view value);

// Verifies `request` at wall-clock time `now_epoch_s`. Returns the verified credential
// (whose account_id is the caller's namespace) or the error to send.
// `request.header` must answer lower-case names.
Result<const Credential*, ApiError> VerifySigV4(const ApiRequest& request,
                                                const CredentialStore& credentials,
                                                int64_t now_epoch_s);

// --auth none: the account implied by a well-formed Authorization header whose access key
// id is 12 digits (as kinesis-mock does), else nullopt (the server's default account).
std::optional<std::string> AccountFromUnverifiedKeyId(const ApiRequest& request);

// The AWS texts (kinesis-errors.md §2).
ApiError MissingAuthenticationToken();
ApiError IncompleteSignature(std::string message);
ApiError InvalidSignature(std::string message);
ApiError UnrecognizedClient();

}  // namespace runnel::api::auth
