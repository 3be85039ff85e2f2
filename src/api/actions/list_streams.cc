// ListStreams (kinesis-api-actions.md §2): names in lexicographic order, paged by
// ExclusiveStartStreamName or NextToken.
#include <fmt/format.h>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/describe_json.h"
#include "api/next_token.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kLimit, kExclusiveStartStreamName, kNextToken};

void Handle(ActionContext& ctx) {
  const int64_t now = Clock::NowMs();
  const int64_t limit = std::min<int64_t>(ctx.Integer("Limit").value_or(100), 100);
  std::string after;
  auto start = ctx.String("ExclusiveStartStreamName");
  if (auto token = ctx.String("NextToken")) {
    if (start) {
      return ctx.Fail(InvalidArgument(
          "NextToken and ExclusiveStartStreamName cannot be provided together."));
    }
    auto t = DecodeNextToken(*token);
    if (!t || !t->stream.empty()) {
      return ctx.Fail(InvalidArgument(fmt::format("Invalid NextToken: {}", *token)));
    }
    if (now - t->issued_ms > kNextTokenLifetimeMs) {
      return ctx.Fail(ApiError{"ExpiredNextTokenException", 400,
                               fmt::format("The NextToken {} has expired.", *token)});
    }
    after = t->position;
  } else if (start) {
    after = std::string(*start);
  }

  auto streams = ctx.registry.List(ctx.account);
  std::string out;
  JsonWriter w(out);
  w.BeginObject().Key("StreamNames").BeginArray();
  std::vector<const stream::StreamMeta*> page;
  bool more = false;
  for (const auto& m : streams) {
    if (!after.empty() && m.name <= after) continue;
    if (static_cast<int64_t>(page.size()) == limit) {
      more = true;
      break;
    }
    page.push_back(&m);
    w.String(m.name);
  }
  w.EndArray();
  w.Key("HasMoreStreams").Bool(more);
  if (more) {
    w.Member("NextToken", EncodeNextToken({now, "", page.back()->name, ""}));
  }
  w.Key("StreamSummaries").BeginArray();
  for (const auto* m : page) {
    w.BeginObject();
    w.Member("StreamName", m->name).Member("StreamARN", m->Arn());
    w.Member("StreamStatus", stream::StatusName(m->status));
    WriteStreamModeDetails(w, m->mode);
    w.Key("StreamCreationTimestamp").TimestampMs(m->created_ms);
    w.EndObject();
  }
  w.EndArray().EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kListStreamsAction{"ListStreams", kFields, Handle};

}  // namespace runnel::api
