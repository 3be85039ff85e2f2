// The keys `runnel serve --auth sigv4` accepts, read from a file in the AWS shared-credentials
// INI format:
//
//   [default]                     ; or [profile name]; names are informational
//   aws_access_key_id = AKIDEXAMPLE
//   aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//   account_id = 111122223333     ; optional: the namespace this key's streams live in
//
// Lines starting with '#' or ';' are comments; other keys (region, aws_session_token, ...)
// are ignored. A profile without account_id uses the server's --account-id.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace runnel::api::auth {

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;  // never logged
  std::string account_id;         // 12 digits
};

// Access key id -> credential. Immutable once loaded; safe to share between threads.
class CredentialStore {
 public:
  // Parses INI text. Errors (e.g. "line 3: expected 'key = value'", a profile with a key id
  // but no secret, a non-12-digit account_id, a key id in two profiles) name the line or
  // profile, never a secret.
  static Result<CredentialStore, std::string> Parse(std::string_view text,
                                                    std::string_view default_account);
  static Result<CredentialStore, std::string> Load(const std::string& path,
                                                   std::string_view default_account);

  const Credential* Find(std::string_view access_key_id) const;
  size_t size() const { return by_key_id_.size(); }

 private:
  std::map<std::string, Credential, std::less<>> by_key_id_;
};

bool IsAccountId(std::string_view s);  // exactly 12 ASCII digits

}  // namespace runnel::api::auth
