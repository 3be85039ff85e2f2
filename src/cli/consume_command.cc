// consume: print a stream's records as they arrive.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/cli_common.h"
#include "cli/command_groups.h"
#include "cli/consumer.h"
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

  InstallStopHandler();
  std::string label = args.name;
  auto sink = [&](const std::string& shard_id, const Record& r) {
    std::string line = format == OutputFormat::kJson ? FormatRecordJson(label, shard_id, r, WallMs())
                                                     : FormatRecordText(label, shard_id, r);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
  Consumer consumer(*session->client, options, sink, [] { std::fflush(stdout); });
  auto stats = consumer.Run();
  std::fflush(stdout);
  if (!stats.ok()) return ReportServiceError(stats.error());
  std::fprintf(stderr, "%s%s%lld records from %lld shard%s of stream %s%s\n", label.c_str(),
               label.empty() ? "" : ": ", static_cast<long long>(stats->records),
               static_cast<long long>(stats->shards_read), stats->shards_read == 1 ? "" : "s",
               session->stream.c_str(), stats->interrupted ? " (interrupted)" : "");
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
                "Keep polling for new records (default); --no-follow stops once caught up");
  sub->add_option("--format", args->format, "Output: text, or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  AddGlobalFlags(sub, &args->global);
  sub->callback([args] { SetExitCode(RunConsume(*args)); });
}

}  // namespace runnel::cli
