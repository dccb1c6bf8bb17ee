import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Expands the command line's paths into the files to ingest.
public enum FileWalker {
    /// The result of a walk: files in a stable order, and paths that could not be used.
    public struct Result: Sendable {
        public var files: [String]
        public var problems: [DocumentError]
        /// Entries left out on purpose (a link leaving the folder, a FIFO or device), with why;
        /// warnings, not failures.
        public var skipped: [(path: String, reason: String)] = []
        /// The folders walked (absolute, standardized as `files` are): everything stored from
        /// under them was either seen in this walk or is gone or left out now.
        public var folders: [String] = []

        public init(
            files: [String],
            problems: [DocumentError],
            skipped: [(path: String, reason: String)] = []
        ) {
            self.files = files
            self.problems = problems
            self.skipped = skipped
        }
    }

    /// Files named directly are taken whatever their extension (the reader decides whether
    /// they are text); folders are walked recursively for the extensions `DocumentFormat`
    /// knows, skipping hidden entries. Each folder's files are sorted so runs are repeatable.
    ///
    /// Inside a folder, a symbolic link is followed only when its target resolves to a place
    /// inside the same folder: a link to `/etc/passwd` or to another tenant's files must not
    /// be ingested by accident, so it is skipped with a warning that names it. Each real
    /// folder is entered once, so link loops end. Only regular files are read: a FIFO named
    /// `x.txt` would block the reader forever.
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
                // The tree is the folder's real location: a root given through a link is fine.
                let root = realPath(absolute) ?? absolute
                var visited = Set<String>()
                result.folders.append(absolute)
                walk(folder: absolute, root: root, into: &result, seen: &seen, visited: &visited)
            } else if seen.insert(absolute).inserted {
                result.files.append(absolute)
            }
        }
        return result
    }

    /// The canonical path with every link resolved (`realpath(3)`); `nil` when a component
    /// is missing (a dangling link) or cannot be searched.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path` (canonical) is `root` itself or lies below it.
    static func isInside(_ path: String, root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    private static func walk(
        folder: String,
        root: String,
        into result: inout Result,
        seen: inout Set<String>,
        visited: inout Set<String>
    ) {
        // Each real folder once, so a link back to an ancestor cannot recurse forever.
        guard visited.insert(realPath(folder) ?? folder).inserted else { return }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            result.problems.append(.unreadable(path: folder, reason: "cannot list folder"))
            return
        }
        for entry in entries where !entry.hasPrefix(".") {
            let path = folder + "/" + entry
            guard let kind = entryKind(path, root: root, into: &result) else { continue }
            if kind == .directory {
                walk(folder: path, root: root, into: &result, seen: &seen, visited: &visited)
            } else if DocumentFormat(path: path) != nil, seen.insert(path).inserted {
                result.files.append(path)
            }
        }
    }

    private enum EntryKind { case directory, file }

    /// What `path` is once links inside the tree are followed; `nil` (with a warning where
    /// it matters) for what the walk leaves out.
    private static func entryKind(
        _ path: String,
        root: String,
        into result: inout Result
    ) -> EntryKind? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }  // vanished since the listing
        if (status.st_mode & S_IFMT) == S_IFLNK {
            guard let target = realPath(path) else {
                // A dangling link: nothing to read, and nothing worth a warning.
                return nil
            }
            guard isInside(target, root: root) else {
                result.skipped.append(
                    (path, "symbolic link to \(target), outside \(root); not followed")
                )
                return nil
            }
            guard stat(target, &status) == 0 else { return nil }
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        default:
            // Only warn for names the walk would have read; other special files are noise.
            if DocumentFormat(path: path) != nil {
                result.skipped.append((path, "not a regular file (FIFO, socket or device)"))
            }
            return nil
        }
    }
}
