// One registration function per subcommand group (one .cc file each); AddCliCommands calls
// them all.
#pragma once

namespace CLI {
class App;
}

namespace runnel::cli {

void AddStreamCommands(CLI::App& app);   // stream_commands.cc
void AddProduceCommands(CLI::App& app);  // produce_command.cc: put, produce
void AddConsumeCommand(CLI::App& app);   // consume_command.cc
void AddDemoCommand(CLI::App& app);      // demo_command.cc

}  // namespace runnel::cli
