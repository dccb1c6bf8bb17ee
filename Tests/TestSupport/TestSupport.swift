import VectorStore
/// Shared test helpers.
public enum TestSupportModule {}
