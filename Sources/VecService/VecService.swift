import VectorStore
import Embedder
import CMicroHTTPD
import CCrypto
/// The Qdrant-compatible REST service.
public enum VecServiceModule {}
