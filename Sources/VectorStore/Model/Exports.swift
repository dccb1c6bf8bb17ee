@_exported import VecCore
