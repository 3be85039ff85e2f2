// Registers the client subcommands (create-stream, delete-stream, list-streams,
// describe-stream, put, produce, consume, demo, ...) on the command tree. The subcommands
// talk to a server only through the public Kinesis wire protocol.
#pragma once

namespace CLI {
class App;
}

namespace runnel::cli {
void AddCliCommands(CLI::App& app);
// Exit code of the subcommand that ran: 0 ok, 1 usage error, 2 service error.
int ExitCode();
}  // namespace runnel::cli
