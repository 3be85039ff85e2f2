// consume: print a stream's records as they arrive, by polling GetRecords (long polling
// against Runnel) or, with --consumer NAME, through SubscribeToShard (push).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/command_groups.h"
#include "cli/consumer.h"
#include "cli/push_consumer.h"
#include "cli/record_format.h"

namespace runnel::cli {
namespace {

struct ConsumeArgs {
  GlobalFlags global;
  std::string stream;
  std::string name;
  std::string from = "trim-horizon";
  std::string shard = "all";
  int64_t max = 0;
  bool follow = true;
  std::string format = "text";
  int64_t wait_ms = 1000;
  std::string consumer;  // enhanced fan-out consumer name: push mode
  bool deregister = false;
};

int RunConsume(const ConsumeArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, args.stream, StreamRequirement::kRequired, &code);
  if (!session) return code;
  auto start = ParseStartingPosition(args.from);
  if (!start.ok()) return ReportUsageError(start.error());
  OutputFormat format = args.format == "json" ? OutputFormat::kJson : OutputFormat::kText;

  ConsumeOptions options;
  options.stream = session->stream;
  options.start = *start;
  options.shard = args.shard;
  options.max_records = args.max;
  options.follow = args.follow;
  options.wait_ms = args.wait_ms;
  if (args.deregister && args.consumer.empty()) return ReportUsageError("--deregister needs --consumer NAME");

  InstallStopHandler();
  std::string label = args.name;
  auto sink = [&](const std::string& shard_id, const Record& r) {
    std::string line = format == OutputFormat::kJson ? FormatRecordJson(label, shard_id, r, WallMs())
                                                     : FormatRecordText(label, shard_id, r);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
  auto flush = [] { std::fflush(stdout); };
  ConsumeStats stats;
  std::string via;
  if (args.consumer.empty()) {
    Consumer consumer(*session->client, options, sink, flush);
    auto r = consumer.Run();
    std::fflush(stdout);
    if (!r.ok()) return ReportServiceError(r.error());
    stats = *r;
  } else {
    PushOptions push;
    push.consume = options;
    push.consumer_name = args.consumer;
    push.deregister = args.deregister;
    PushConsumer consumer(*session->client, push, sink, flush);
    auto r = consumer.Run();
    std::fflush(stdout);
    if (!r.ok()) return ReportServiceError(r.error());
    stats = r->consume;
    via = " via consumer " + args.consumer + " (" + std::to_string(r->subscriptions) + " subscription" +
          (r->subscriptions == 1 ? "" : "s") + (r->registered ? ", registered now" : "") +
          (args.deregister ? ", deregistered" : "") + ")";
  }
  std::fprintf(stderr, "%s%s%lld records from %lld shard%s of stream %s%s%s\n", label.c_str(),
               label.empty() ? "" : ": ", static_cast<long long>(stats.records),
               static_cast<long long>(stats.shards_read), stats.shards_read == 1 ? "" : "s",
               session->stream.c_str(), via.c_str(), stats.interrupted ? " (interrupted)" : "");
  return kExitOk;
}

}  // namespace

void AddConsumeCommand(CLI::App& app) {
  auto args = std::make_shared<ConsumeArgs>();
  CLI::App* sub = app.add_subcommand("consume", "Read and print a stream's records");
  AddStreamFlag(sub, &args->stream);
  sub->add_option("--name", args->name, "Consumer label, shown on every record");
  sub->add_option("--from", args->from,
                  "Start position: trim-horizon, latest, at-timestamp=T (epoch seconds or "
                  "ISO 8601 UTC), at-sequence=SEQ")
      ->capture_default_str();
  sub->add_option("--shard", args->shard, "Shard id to read, or all")->capture_default_str();
  sub->add_option("--max", args->max, "Stop after N records")->check(CLI::NonNegativeNumber);
  sub->add_flag("--follow,!--no-follow", args->follow,
                "Keep reading new records (default); --no-follow stops once caught up");
  sub->add_option("--wait-ms", args->wait_ms,
                  "Polling: long-poll GetRecords up to this long (Runnel's x-runnel-wait-ms "
                  "header; other servers ignore it); 0: plain polling")
      ->check(CLI::Range(int64_t{0}, int64_t{5000}))
      ->capture_default_str();
  sub->add_option("--consumer", args->consumer,
                  "Read through SubscribeToShard as enhanced fan-out consumer NAME (registered "
                  "if needed)");
  sub->add_flag("--deregister", args->deregister, "With --consumer: deregister the consumer at exit");
  sub->add_option("--format", args->format, "Output: text, or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  AddGlobalFlags(sub, &args->global);
  sub->callback([args] { SetExitCode(RunConsume(*args)); });
}

}  // namespace runnel::cli
