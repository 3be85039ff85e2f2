// put (one record) and produce (a file of records).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/cli_common.h"
#include "cli/command_groups.h"
#include "cli/producer.h"

namespace runnel::cli {
namespace {

struct PutArgs {
  GlobalFlags global;
  std::string stream;
  std::string partition_key;
  std::string data;
  std::string data_file;
};

struct ProduceArgs {
  GlobalFlags global;
  std::string stream;
  std::string file;
  double rate = 0;
  std::string partition_key = "word";
  int batch = 1;
};

int RunPut(const PutArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, args.stream, StreamRequirement::kRequired, &code);
  if (!session) return code;
  std::string data = args.data;
  if (!args.data_file.empty()) {
    std::ifstream in(args.data_file, std::ios::binary);
    if (!in) return ReportUsageError("cannot read " + args.data_file);
    std::stringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  }
  auto r = session->client->PutRecord(session->stream, args.partition_key, data);
  if (!r.ok()) return ReportServiceError(r.error());
  std::printf("%s %s\n", r->shard_id.c_str(), r->sequence_number.c_str());
  return kExitOk;
}

int RunProduce(const ProduceArgs& args) {
  int code = kExitOk;
  auto session = OpenSession(args.global, args.stream, StreamRequirement::kRequired, &code);
  if (!session) return code;
  std::filesystem::path file =
      args.file.empty() ? FindWordsFile(session->settings, "words.json") : std::filesystem::path(args.file);
  auto records = LoadRecords(file);
  if (!records.ok()) return ReportUsageError(records.error());

  InstallStopHandler();
  ProduceOptions options;
  options.stream = session->stream;
  options.partition_key = args.partition_key;
  options.batch = args.batch;
  options.rate = args.rate;
  options.progress = isatty(STDERR_FILENO) != 0;
  Producer producer(*session->client, options);
  auto stats = producer.Run(*records);
  if (!stats.ok()) return ReportServiceError(stats.error());
  double secs = std::max(stats->seconds, 0.001);
  std::printf("produced %lld records from %s to stream %s in %.2f s (%.0f records/s, %lld calls",
              static_cast<long long>(stats->records), file.string().c_str(), session->stream.c_str(),
              stats->seconds, static_cast<double>(stats->records) / secs,
              static_cast<long long>(stats->calls));
  if (stats->retried > 0) {
    std::printf(", %lld entries retried", static_cast<long long>(stats->retried));
  }
  if (stats->resent_acked > 0) {
    std::printf(", %lld re-sent to keep per-key order", static_cast<long long>(stats->resent_acked));
  }
  std::printf(")\n");
  return kExitOk;
}

}  // namespace

void AddProduceCommands(CLI::App& app) {
  {
    auto args = std::make_shared<PutArgs>();
    CLI::App* sub = app.add_subcommand("put", "Put one record; prints its shard and sequence number");
    AddStreamFlag(sub, &args->stream);
    sub->add_option("--partition-key,-k", args->partition_key, "Partition key")->required();
    CLI::Option* data = sub->add_option("--data", args->data, "Record data (text)");
    CLI::Option* file = sub->add_option("--data-file", args->data_file, "Read the record data from a file")
                            ->check(CLI::ExistingFile);
    data->excludes(file);
    file->excludes(data);
    AddGlobalFlags(sub, &args->global);
    sub->callback([args, data, file] {
      if (data->count() == 0 && file->count() == 0) {
        throw CLI::RequiredError("--data or --data-file");
      }
      SetExitCode(RunPut(*args));
    });
  }
  {
    auto args = std::make_shared<ProduceArgs>();
    CLI::App* sub = app.add_subcommand(
        "produce", "Send every element of a JSON array or NDJSON file as a record");
    AddStreamFlag(sub, &args->stream);
    sub->add_option("--file,-f", args->file,
                    "Input file (default: words.json next to config.json, ./words.json, "
                    "./examples/words.json)");
    sub->add_option("--rate", args->rate, "Records per second (default: unlimited)")
        ->check(CLI::NonNegativeNumber);
    sub->add_option("--partition-key,-k", args->partition_key,
                    "word (the record's text), random, or a fixed KEY")
        ->capture_default_str();
    sub->add_option("--batch", args->batch, "Records per PutRecords call; 1 uses PutRecord")
        ->check(CLI::Range(1, 500))
        ->capture_default_str();
    AddGlobalFlags(sub, &args->global);
    sub->callback([args] { SetExitCode(RunProduce(*args)); });
  }
}

}  // namespace runnel::cli
