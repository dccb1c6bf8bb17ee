import COpenBLAS
/// Text embedding and reranking on the CPU.
public enum EmbedderModule {}
