// RegisterStreamConsumer, DeregisterStreamConsumer, DescribeStreamConsumer,
// ListStreamConsumers (kinesis-api-actions.md §8).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/actions/stream_consumers.h"
#include "api/next_token.h"
#include "api/resource_arn.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {

std::optional<ConsumerArn> ParseConsumerArn(std::string_view arn) {
  // arn:{partition}:kinesis:{region}:{account}:stream/{stream}/consumer/{name}:{epoch}
  auto parts = SplitArn(arn);
  if (!parts) return std::nullopt;
  std::string_view resource = parts->resource;
  if (resource.substr(0, 7) != "stream/") return std::nullopt;
  resource.remove_prefix(7);
  size_t slash = resource.find("/consumer/");
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view rest = resource.substr(slash + 10);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  ConsumerArn out;
  out.region = std::string(parts->region);
  out.account = std::string(parts->account);
  out.stream = std::string(resource.substr(0, slash));
  out.consumer = std::string(rest.substr(0, colon));
  return out;
}

std::optional<ConsumerTarget> ResolveConsumer(ActionContext& ctx) {
  auto arn = ctx.String("ConsumerARN");
  auto name = ctx.String("ConsumerName");
  auto stream_arn = ctx.String("StreamARN");
  if (arn) {
    auto parsed = ParseConsumerArn(*arn);
    if (!parsed) {
      ctx.Fail(InvalidArgument(fmt::format("Invalid ConsumerARN {}", *arn)));
      return std::nullopt;
    }
    if (parsed->region != ctx.options.region || parsed->account != ctx.account) {
      stream::StreamError e;
      e.code = stream::StreamErrc::kConsumerNotFound;
      e.value = std::string(*arn);
      e.account = parsed->account;
      ctx.Fail(e);
      return std::nullopt;
    }
    if ((name && *name != parsed->consumer) ||
        (stream_arn &&
         *stream_arn != stream::StreamArn(ctx.options.region, ctx.account, parsed->stream))) {
      ctx.Fail(InvalidArgument(
          "ConsumerARN, StreamARN and ConsumerName do not refer to the same consumer."));
      return std::nullopt;
    }
    return ConsumerTarget{parsed->stream, parsed->consumer, std::string(*arn)};
  }
  if (!name || !stream_arn) {
    ctx.Fail(InvalidArgument("Either ConsumerARN or both StreamARN and ConsumerName are required."));
    return std::nullopt;
  }
  auto stream = ctx.StreamName();
  if (!stream) return std::nullopt;
  return ConsumerTarget{*stream, std::string(*name), ""};
}

std::optional<stream::StreamRegistry::ConsumerInfo> LookUpConsumer(ActionContext& ctx,
                                                                   const ConsumerTarget& t) {
  auto info = ctx.registry.DescribeConsumer(ctx.account, t.stream, t.consumer);
  if (info && !t.arn.empty() && info->arn != t.arn) {
    // Same name, another registration (a re-registered name gets a new ARN).
    stream::StreamError e;
    e.code = stream::StreamErrc::kConsumerNotFound;
    e.value = t.arn;
    e.account = ctx.account;
    ctx.Fail(e);
    return std::nullopt;
  }
  if (!info) {
    stream::StreamError e = info.error();
    if (e.code == stream::StreamErrc::kConsumerNotFound && !t.arn.empty()) e.value = t.arn;
    ctx.Fail(e);
    return std::nullopt;
  }
  return *info;
}

namespace {

constexpr FieldSpec kRegisterFields[] = {Required(kStreamArn), Required(kConsumerName),
                                         kStreamId, kTags};
constexpr FieldSpec kByConsumerFields[] = {kStreamArn, kConsumerName, kConsumerArn, kStreamId};
constexpr FieldSpec kListFields[] = {Required(kStreamArn), kNextToken, kMaxResults,
                                     kStreamCreationTimestamp, kStreamId};

bool ParseInt64(std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

void WriteConsumer(JsonWriter& w, const stream::StreamRegistry::ConsumerInfo& c,
                   bool with_stream_arn) {
  w.BeginObject();
  w.Member("ConsumerName", c.meta.name).Member("ConsumerARN", c.arn);
  w.Member("ConsumerStatus", stream::ConsumerStatusName(c.meta.status));
  w.Key("ConsumerCreationTimestamp").TimestampMs(c.meta.created_ms);
  if (with_stream_arn) w.Member("StreamARN", c.stream_arn);
  w.EndObject();
}

void Register(ActionContext& ctx) {
  auto stream = ctx.StreamName();
  if (!stream) return;
  std::map<std::string, std::string> tags;
  if (auto t = ctx.Object("Tags")) {
    for (auto [k, v] : *t) {
      std::string_view value;
      if (v.get(value) == simdjson::SUCCESS) tags.emplace(std::string(k), std::string(value));
    }
  }
  auto info = ctx.registry.RegisterConsumer(ctx.account, *stream, *ctx.String("ConsumerName"),
                                            std::move(tags));
  if (!info) return ctx.Fail(info.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("Consumer");
  WriteConsumer(w, *info, false);
  w.EndObject();
  ctx.Ok(std::move(out));
}

void Describe(ActionContext& ctx) {
  auto target = ResolveConsumer(ctx);
  if (!target) return;
  auto info = LookUpConsumer(ctx, *target);
  if (!info) return;
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("ConsumerDescription");
  WriteConsumer(w, *info, true);
  w.EndObject();
  ctx.Ok(std::move(out));
}

void Deregister(ActionContext& ctx) {
  auto target = ResolveConsumer(ctx);
  if (!target) return;
  if (!LookUpConsumer(ctx, *target)) return;
  auto r = ctx.registry.DeregisterConsumer(ctx.account, target->stream, target->consumer);
  if (!r) return ctx.Fail(r.error());
  ctx.OkEmpty();
}

// Pages are in registration order, keyed by (creation time, name): a token names the last
// consumer returned by that key, so the next page starts right after it even if that consumer
// has been deregistered (and is gone) in between.
void List(ActionContext& ctx) {
  auto stream = ctx.StreamName();
  if (!stream) return;
  const int64_t now = Clock::NowMs();
  std::optional<std::pair<int64_t, std::string>> after;  // key of the previous page's last item
  if (auto token = ctx.String("NextToken")) {
    if (ctx.TimestampMs("StreamCreationTimestamp")) {
      return ctx.Fail(InvalidArgument(
          "NextToken and StreamCreationTimestamp cannot be provided together."));
    }
    auto t = DecodeNextToken(*token);
    int64_t created_ms = 0;
    if (!t || t->stream != *stream || !ParseInt64(t->extra, &created_ms)) {
      return ctx.Fail(InvalidArgument(fmt::format("Invalid NextToken: {}", *token)));
    }
    if (now - t->issued_ms > kNextTokenLifetimeMs) {
      return ctx.Fail(ApiError{"ExpiredNextTokenException", 400,
                               fmt::format("The NextToken {} has expired.", *token)});
    }
    after.emplace(created_ms, t->position);
  }
  auto list = ctx.registry.ListConsumers(ctx.account, *stream);
  if (!list) return ctx.Fail(list.error());
  if (auto ts = ctx.TimestampMs("StreamCreationTimestamp")) {
    // Names a stream of that name created at another time (as ListShards): not this one.
    auto meta = ctx.registry.Describe(ctx.account, *stream);
    if (!meta) return ctx.Fail(meta.error());
    if (*ts / 1000 != meta->created_ms / 1000) {
      stream::StreamError e;
      e.code = stream::StreamErrc::kStreamNotFound;
      e.stream = meta->name;
      e.account = meta->account;
      return ctx.Fail(e);
    }
  }
  auto key = [](const stream::StreamRegistry::ConsumerInfo& c) {
    return std::pair<int64_t, std::string_view>(c.meta.created_ms, c.meta.name);
  };
  std::stable_sort(list->begin(), list->end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
  const size_t max =
      static_cast<size_t>(std::min<int64_t>(ctx.Integer("MaxResults").value_or(100), 100));
  size_t i = 0;
  if (after) {
    const std::pair<int64_t, std::string_view> from(after->first, after->second);
    while (i < list->size() && !(from < key((*list)[i]))) ++i;
  }
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("Consumers").BeginArray();
  size_t n = 0;
  for (; i < list->size() && n < max; ++i, ++n) WriteConsumer(w, (*list)[i], false);
  w.EndArray();
  if (i < list->size()) {
    const auto& last = (*list)[i - 1].meta;
    w.Member("NextToken",
             EncodeNextToken({now, *stream, last.name, std::to_string(last.created_ms)}));
  }
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kRegisterStreamConsumerAction{"RegisterStreamConsumer", kRegisterFields,
                                              Register};
const ActionDef kDescribeStreamConsumerAction{"DescribeStreamConsumer", kByConsumerFields,
                                              Describe};
const ActionDef kDeregisterStreamConsumerAction{"DeregisterStreamConsumer", kByConsumerFields,
                                                Deregister};
const ActionDef kListStreamConsumersAction{"ListStreamConsumers", kListFields, List};

}  // namespace runnel::api
