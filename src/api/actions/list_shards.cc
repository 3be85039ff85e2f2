// ListShards (kinesis-api-actions.md §2): filters, MaxResults and NextToken.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/describe_json.h"
#include "api/next_token.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName,  kNextToken,   kExclusiveStartShardId,
                                 kMaxResults,  kStreamCreationTimestamp, kShardFilter,
                                 kStreamArn,   kStreamId};

struct Filter {
  std::string type = "FROM_TRIM_HORIZON";
  std::optional<uint32_t> after;  // AFTER_SHARD_ID
  int64_t timestamp_ms = 0;       // AT_TIMESTAMP / FROM_TIMESTAMP
};

bool Passes(const Filter& f, const stream::ShardMeta& s, int64_t horizon_ms) {
  if (f.type == "AT_LATEST") return s.open();
  if (f.type == "AFTER_SHARD_ID") return true;  // handled as the exclusive start
  // Open at instant t: created by then (or one of the stream's first shards) and not closed
  // before it. A reshard closes parents and creates children at the same instant.
  auto open_at = [&](int64_t t) {
    return (s.created_ms <= t || !s.parent) && (!s.closed_ms || *s.closed_ms >= t);
  };
  if (f.type == "AT_TRIM_HORIZON") return open_at(horizon_ms);
  if (f.type == "AT_TIMESTAMP") return open_at(std::max(f.timestamp_ms, horizon_ms));
  if (f.type == "FROM_TIMESTAMP") {
    int64_t t = std::max(f.timestamp_ms, horizon_ms);
    return !s.closed_ms || *s.closed_ms >= t;
  }
  return true;  // FROM_TRIM_HORIZON: every shard not yet expired
}

std::string EncodeFilter(const Filter& f) {
  return fmt::format("{},{}", f.type, f.timestamp_ms);
}

// The inverse of EncodeFilter, for a token that passed its own decoding: nullopt unless the
// type is one of the model's and the timestamp an integer (a forged token is invalid, not
// an internal failure).
std::optional<Filter> DecodeFilter(std::string_view text) {
  size_t comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  Filter f;
  f.type = std::string(text.substr(0, comma));
  if (std::find(std::begin(kShardFilterTypeValues), std::end(kShardFilterTypeValues), f.type) ==
      std::end(kShardFilterTypeValues)) {
    return std::nullopt;
  }
  std::string_view ts = text.substr(comma + 1);
  auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), f.timestamp_ms);
  if (ec != std::errc() || p != ts.data() + ts.size()) return std::nullopt;
  return f;
}

void Handle(ActionContext& ctx) {
  const int64_t now = Clock::NowMs();
  const int64_t max_results = std::min<int64_t>(ctx.Integer("MaxResults").value_or(1000), 1000);
  std::string name;
  std::optional<uint32_t> after;
  Filter filter;
  if (auto token = ctx.String("NextToken")) {
    // The token carries the stream, position and filter; live AWS rejects each of these
    // beside it (e.g. "NextToken and ShardFilter cannot be provided together.", seen by KCL
    // and Beam users on streams of more than 1000 shards).
    for (std::string_view other : {"StreamName", "StreamARN", "ExclusiveStartShardId",
                                   "StreamCreationTimestamp", "ShardFilter"}) {
      if (ctx.body.at_key(other).error() == simdjson::SUCCESS &&
          !ctx.body.at_key(other).is_null()) {
        return ctx.Fail(InvalidArgument(
            fmt::format("NextToken and {} cannot be provided together.", other)));
      }
    }
    auto t = DecodeNextToken(*token);
    std::optional<Filter> decoded;
    if (t) {
      after = stream::ShardIndexOf(t->position);
      decoded = DecodeFilter(t->extra);
    }
    if (!t || t->stream.empty() || !after || !decoded) {
      return ctx.Fail(InvalidArgument(fmt::format("Invalid NextToken: {}", *token)));
    }
    if (now - t->issued_ms > kNextTokenLifetimeMs) {
      return ctx.Fail(ApiError{"ExpiredNextTokenException", 400,
                               fmt::format("The NextToken {} has expired.", *token)});
    }
    name = t->stream;
    filter = std::move(*decoded);
  } else {
    if (!ctx.String("StreamName") && !ctx.String("StreamARN")) {
      return ctx.Fail(InvalidArgument("Either NextToken or StreamName should be provided."));
    }
    auto n = ctx.StreamName();
    if (!n) return;
    name = std::move(*n);
    if (auto start = ctx.String("ExclusiveStartShardId")) after = stream::ShardIndexOf(*start);
    if (auto f = ctx.Object("ShardFilter")) {
      std::string_view type;
      if ((*f)["Type"].get(type) != simdjson::SUCCESS) type = "FROM_TRIM_HORIZON";
      filter.type = std::string(type);
      simdjson::dom::element v;
      bool has_shard = (*f)["ShardId"].get(v) == simdjson::SUCCESS && !v.is_null();
      bool has_ts = (*f)["Timestamp"].get(v) == simdjson::SUCCESS && !v.is_null();
      if (type == "AFTER_SHARD_ID") {
        if (!has_shard) {
          return ctx.Fail(InvalidArgument(
              "Must specify ShardId in ShardFilter when ShardFilter type is AFTER_SHARD_ID."));
        }
        std::string_view id;
        if ((*f)["ShardId"].get(id) != simdjson::SUCCESS) id = {};
        after = stream::ShardIndexOf(id);
      } else if (type == "AT_TIMESTAMP" || type == "FROM_TIMESTAMP") {
        if (!has_ts) {
          return ctx.Fail(InvalidArgument(fmt::format(
              "Must specify Timestamp in ShardFilter when ShardFilter type is {}.", type)));
        }
        filter.timestamp_ms = TimestampMsValue(v);
      } else if (has_shard || has_ts) {
        return ctx.Fail(InvalidArgument(fmt::format(
            "ShardId and Timestamp must not be specified when ShardFilter type is {}.", type)));
      }
    }
  }

  auto meta = ctx.registry.Describe(ctx.account, name);
  if (!meta) return ctx.Fail(meta.error());
  const stream::StreamMeta& m = *meta;
  if (m.status == stream::StreamStatus::kCreating || m.status == stream::StreamStatus::kDeleting) {
    // Only an ACTIVE or UPDATING stream lists its shards: the reference lists
    // ResourceInUseException for a stream that is not ready, and the KCL's shard detector
    // waits on exactly that ("Stream is not in Active/Updating status"). DescribeStream
    // instead answers (with an empty shard list while CREATING).
    stream::StreamError e;
    e.code = stream::StreamErrc::kStreamNotActive;
    e.stream = m.name;
    e.account = m.account;
    e.other = std::string(stream::StatusName(m.status));
    return ctx.Fail(e);
  }
  if (auto ts = ctx.TimestampMs("StreamCreationTimestamp"); ts && *ts / 1000 != m.created_ms / 1000) {
    stream::StreamError e;
    e.code = stream::StreamErrc::kStreamNotFound;
    e.stream = m.name;
    e.account = m.account;
    return ctx.Fail(e);
  }
  const int64_t horizon_ms = m.HorizonMs(now);

  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("Shards").BeginArray();
  int64_t count = 0;
  std::optional<uint32_t> last;
  bool more = false;
  for (const auto& s : m.shards) {
    if (after && s.index <= *after) continue;
    if (s.closed_ms && *s.closed_ms < horizon_ms) continue;  // expired
    if (!Passes(filter, s, horizon_ms)) continue;
    if (count == max_results) {
      more = true;
      break;
    }
    WriteShard(w, s);
    last = s.index;
    ++count;
  }
  w.EndArray();
  if (more) {
    w.Member("NextToken",
             EncodeNextToken({now, m.name, stream::ShardIdOf(*last), EncodeFilter(filter)}));
  }
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kListShardsAction{"ListShards", kFields, Handle};

}  // namespace runnel::api
