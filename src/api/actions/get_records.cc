// GetRecords (kinesis-api-actions.md §3): up to Limit records and 10 MiB per call.
// Runnel extension: with the request header `x-runnel-wait-ms: N` (capped at 5000) a call
// that finds no records waits until records arrive on the shard or N ms pass (long polling),
// without blocking the I/O thread: the answer is sent from the stream layer's waiter thread.
// Without the header (any ordinary client), an empty read at the end of an open shard that
// received a record within the last second is held the same way for up to --tail-wait-ms
// (default 5 ms): on a live shard the next record usually arrives within that time, and a
// polling consumer gets it at once instead of sleeping after an empty answer. An idle shard
// is answered at once. `x-runnel-wait-ms: 0` opts out. The answer is the one the client
// would get by calling again a few ms later, so the wire contract is AWS's.
#include <charconv>
#include <chrono>
#include <optional>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/records_json.h"
#include "api/shapes.h"
#include "common/buffer_pool.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kShardIterator, kLimit, kStreamArn, kStreamId};
constexpr int64_t kMaxWaitMs = 5000;
// A shard counts as live for the tail wait when its newest record is at most this old.
constexpr int64_t kTailActiveMs = 1000;

thread_local stream::GetRecordsOutput t_out;

std::string Render(const stream::GetRecordsOutput& r) {
  // Large answers reuse a body the server has finished writing (common/buffer_pool.h).
  std::string out = buffer_pool::Take(EstimateRecordsJson(r.records));
  JsonWriter w(out);
  w.BeginObject();
  WriteRecords(w, r.records);
  if (r.next_iterator) w.Member("NextShardIterator", *r.next_iterator);
  w.Member("MillisBehindLatest", r.millis_behind_latest);
  WriteChildShards(w, r.child_shards);
  w.EndObject();
  return out;
}

// The x-runnel-wait-ms header (capped at kMaxWaitMs); nullopt if absent or not a
// non-negative integer.
std::optional<int64_t> HeaderWaitMs(const ApiRequest& request) {
  if (!request.header) return std::nullopt;
  std::string_view v = request.header("x-runnel-wait-ms");
  int64_t ms = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), ms);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || ms < 0) return std::nullopt;
  return std::min(ms, kMaxWaitMs);
}

// How long to hold the empty answer `r`: the header's wait, else the tail wait when the
// read ended at the end of a live open shard (tail_arrival_ms is set only there).
int64_t WaitMs(const ActionContext& ctx, const stream::GetRecordsOutput& r) {
  if (!r.records.empty() || !r.next_iterator) return 0;
  if (auto ms = HeaderWaitMs(ctx.request)) return *ms;
  if (ctx.options.tail_wait_ms <= 0 || r.tail_arrival_ms <= 0) return 0;
  if (Clock::NowMs() - r.tail_arrival_ms > kTailActiveMs) return 0;
  return std::min(ctx.options.tail_wait_ms, kMaxWaitMs);
}

void Handle(ActionContext& ctx) {
  auto limit = static_cast<uint32_t>(ctx.Integer("Limit").value_or(10000));
  std::string_view iterator = *ctx.String("ShardIterator");
  stream::GetRecordsOutput& r = t_out;
  if (auto res = ctx.registry.GetRecords(ctx.account, iterator, limit, &r); !res) {
    return ctx.Fail(res.error());
  }
  const int64_t wait_ms = WaitMs(ctx, r);
  if (wait_ms > 0) {
    // Nothing yet: answer when records arrive (the same iterator, read again) or at the
    // deadline (then typically empty).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    ctx.registry.WaitForRecords(
        ctx.account, iterator, deadline,
        [registry = &ctx.registry, account = ctx.account, it = std::string(iterator), limit,
         respond = std::move(ctx.respond)](bool /*data*/) {
          stream::GetRecordsOutput& again = t_out;
          if (auto res = registry->GetRecords(account, it, limit, &again); !res) {
            return SendError(respond, ToApiError(res.error()));
          }
          ApiResponse resp;
          resp.body = Render(again);
          respond(std::move(resp));
        });
    return;
  }
  ctx.Ok(Render(r));
}

}  // namespace

const ActionDef kGetRecordsAction{"GetRecords", kFields, Handle};

}  // namespace runnel::api
