/// Pure approximate nearest-neighbour search: HNSW graph and distance kernels.
public enum VectorIndexModule {}
