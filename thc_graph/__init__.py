"""thc-graph: a linked open data knowledge graph of the democratic transition."""

__version__ = "0.1.0"
