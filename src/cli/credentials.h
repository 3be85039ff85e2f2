// AWS credentials for signing: from the environment, else the shared credentials file, else
// the dummy pair that emulators accept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace runnel::cli {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
  std::string source;         // "environment", "~/.aws/credentials [profile]", "dummy"
};

// Parses an INI credentials file; returns the keys of `profile`, or nullopt when absent.
std::optional<Credentials> ParseCredentialsFile(std::string_view text, std::string_view profile);

// Lookup order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN); then
// $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile $AWS_PROFILE or "default";
// then "test"/"test".
Credentials LoadCredentials();

}  // namespace runnel::cli
