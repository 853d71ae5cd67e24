/// The inference engine (GGUF, OpenBLAS). See Sources/MoE/README in the tree.
public enum MoE {}
