import Foundation

/// Expands the command line's paths into the files to ingest.
public enum FileWalker {
    /// The result of a walk: files in a stable order, and paths that could not be used.
    public struct Result: Sendable {
        public var files: [String]
        public var problems: [DocumentError]
    }

    /// Files named directly are taken whatever their extension (the reader decides whether
    /// they are text); folders are walked recursively for the extensions `DocumentFormat`
    /// knows, skipping hidden entries. Each folder's files are sorted so runs are repeatable.
    public static func collect(_ paths: [String]) -> Result {
        var result = Result(files: [], problems: [])
        var seen = Set<String>()
        for path in paths {
            let absolute = DocumentReader.absolutePath(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
                result.problems.append(
                    .unreadable(path: absolute, reason: "no such file or folder")
                )
                continue
            }
            if isDirectory.boolValue {
                var visited = Set<String>()
                walk(folder: absolute, into: &result, seen: &seen, visited: &visited)
            } else if seen.insert(absolute).inserted {
                result.files.append(absolute)
            }
        }
        return result
    }

    private static func walk(
        folder: String,
        into result: inout Result,
        seen: inout Set<String>,
        visited: inout Set<String>
    ) {
        // Symlinked folders are followed once each, so a link loop cannot recurse forever.
        let resolved = (folder as NSString).resolvingSymlinksInPath
        guard visited.insert(resolved).inserted else { return }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            result.problems.append(.unreadable(path: folder, reason: "cannot list folder"))
            return
        }
        for entry in entries where !entry.hasPrefix(".") {
            let path = folder + "/" + entry
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                continue  // a dangling symlink: nothing to read
            }
            if isDirectory.boolValue {
                walk(folder: path, into: &result, seen: &seen, visited: &visited)
            } else if DocumentFormat(path: path) != nil, seen.insert(path).inserted {
                result.files.append(path)
            }
        }
    }
}
