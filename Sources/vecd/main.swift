import Foundation
import VecService

/// `vecd <command> [options]`: one executable for the server and its clients.
let usage = """
    usage: vecd <command> [options]

    Commands:
      serve     run the Qdrant-compatible REST service
      ingest    load documents into a collection
      query     search a collection from the command line
      backup    write a whole-node backup (registry and every tenant) to one file
      restore   restore a whole-node backup into an empty data directory
      usage     print each tenant's usage and share of a running node
      version   print the version
      help      print this text

    Run `vecd serve --help` for the server's options.
    """

let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
let status: Int32
switch arguments.first ?? "help" {
case "serve": status = runServe(arguments: rest)
case "ingest": status = runIngest(arguments: rest)
case "query": status = runQuery(arguments: rest)
case "backup": status = runBackup(arguments: rest)
case "restore": status = runRestore(arguments: rest)
case "usage": status = runUsage(arguments: rest)
case "version", "--version":
    print("vecd \(Service.versionInfo["version"]?.stringValue ?? "?")")
    status = 0
case "help", "--help", "-h":
    print(usage)
    status = 0
case let other:
    FileHandle.standardError.write(Data("vecd: unknown command `\(other)`\n\n\(usage)\n".utf8))
    status = 2
}
exit(status)
