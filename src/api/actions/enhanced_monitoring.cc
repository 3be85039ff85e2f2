// EnableEnhancedMonitoring / DisableEnhancedMonitoring (kinesis-api-actions.md §5): edit
// EnhancedMonitoring[0].ShardLevelMetrics (no metrics are emitted). "ALL" stands for the seven
// metric names. The list is kept in the model's order. The stream must be ACTIVE; it does not
// pass through UPDATING.
#include <algorithm>
#include <iterator>
#include <span>
#include <vector>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kStreamName, kShardLevelMetrics, kStreamArn, kStreamId};

// kMetricsNameValues without the trailing "ALL".
constexpr std::span<const std::string_view> kAllMetrics(kMetricsNameValues,
                                                        std::size(kMetricsNameValues) - 1);

enum class Change { kEnable, kDisable };

void WriteMetrics(JsonWriter& w, std::string_view key, const std::vector<std::string>& metrics) {
  w.Key(key).BeginArray();
  for (const auto& m : metrics) w.String(m);
  w.EndArray();
}

template <Change change>
void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  std::vector<std::string_view> requested;
  // A named optional: `for (auto v : *ctx.Array(...))` would iterate a destroyed temporary.
  const auto metrics = ctx.Array("ShardLevelMetrics");
  for (auto v : *metrics) {
    std::string_view metric;
    if (v.get(metric) != simdjson::SUCCESS) continue;
    if (metric == "ALL") {
      requested.assign(kAllMetrics.begin(), kAllMetrics.end());
      break;
    }
    requested.push_back(metric);
  }
  std::vector<std::string> before;
  auto r = ctx.registry.UpdateStream(
      ctx.account, *name, stream::StreamRegistry::Require::kActive,
      [&](stream::StreamMeta& m) -> stream::StreamResult<void> {
        before = m.shard_level_metrics;
        std::vector<std::string> after;
        for (std::string_view metric : kAllMetrics) {
          bool had = std::find(before.begin(), before.end(), metric) != before.end();
          bool asked = std::find(requested.begin(), requested.end(), metric) != requested.end();
          if (change == Change::kEnable ? (had || asked) : (had && !asked)) {
            after.emplace_back(metric);
          }
        }
        m.shard_level_metrics = std::move(after);
        return {};
      });
  if (!r) return ctx.Fail(r.error());
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Member("StreamName", r->name);
  WriteMetrics(w, "CurrentShardLevelMetrics", before);
  WriteMetrics(w, "DesiredShardLevelMetrics", r->shard_level_metrics);
  w.Member("StreamARN", r->Arn());
  w.EndObject();
  ctx.Ok(std::move(out));
}

}  // namespace

const ActionDef kEnableEnhancedMonitoringAction{"EnableEnhancedMonitoring", kFields,
                                                Handle<Change::kEnable>};
const ActionDef kDisableEnhancedMonitoringAction{"DisableEnhancedMonitoring", kFields,
                                                 Handle<Change::kDisable>};

}  // namespace runnel::api
