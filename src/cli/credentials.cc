#include "cli/credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace runnel::cli {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

std::optional<Credentials> ParseCredentialsFile(std::string_view text, std::string_view profile) {
  Credentials creds;
  bool in_profile = false;
  bool found = false;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = Trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      size_t close = line.find(']');
      std::string_view name = Trim(line.substr(1, close == std::string_view::npos ? 0 : close - 1));
      in_profile = name == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(line.substr(0, eq));
    std::string value(Trim(line.substr(eq + 1)));
    if (key == "aws_access_key_id") creds.access_key_id = value;
    if (key == "aws_secret_access_key") creds.secret_access_key = value;
    if (key == "aws_session_token") creds.session_token = value;
  }
  if (!found || creds.access_key_id.empty() || creds.secret_access_key.empty()) return std::nullopt;
  creds.source = "credentials file [" + std::string(profile) + "]";
  return creds;
}

Credentials LoadCredentials() {
  std::string key = Env("AWS_ACCESS_KEY_ID");
  std::string secret = Env("AWS_SECRET_ACCESS_KEY");
  if (!key.empty() && !secret.empty()) {
    return Credentials{key, secret, Env("AWS_SESSION_TOKEN"), "environment"};
  }
  std::string path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty() && !Env("HOME").empty()) path = Env("HOME") + "/.aws/credentials";
  std::string profile = Env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  if (!path.empty()) {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      if (auto creds = ParseCredentialsFile(ss.str(), profile)) return *creds;
    }
  }
  return Credentials{"test", "test", "", "dummy"};
}

}  // namespace runnel::cli
