// Opaque pagination tokens (ListStreams, ListShards, ListStreamConsumers): base64 of
// "<issued ms>|<stream>|<position>|<extra>". They expire after 300 s
// (ExpiredNextTokenException), as AWS's do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace runnel::api {

constexpr int64_t kNextTokenLifetimeMs = 300000;

struct NextToken {
  int64_t issued_ms = 0;
  std::string stream;    // stream the listing is about ("" for ListStreams)
  std::string position;  // last item returned (shard id, stream name, ...)
  std::string extra;     // listing-specific state (e.g. shard filter)
};

std::string EncodeNextToken(const NextToken& t);
// nullopt when the token is not one of ours.
std::optional<NextToken> DecodeNextToken(std::string_view token);

}  // namespace runnel::api
