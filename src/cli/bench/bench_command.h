// `runnel bench <scenario>`: the built-in load generator (put-records, put-record,
// get-records, fanout). It speaks only the public Kinesis JSON API, so it measures Runnel,
// a peer emulator or AWS alike. See bench/README.md.
#pragma once

namespace CLI {
class App;
}

namespace runnel::cli::bench {
// Registers `bench`; its exit code (0 ok, 1 usage, 2 errors or failed checks) is recorded
// with cli::SetExitCode.
void AddBenchCommand(CLI::App& app);
}  // namespace runnel::cli::bench
