"""orgmodel: registry, time travel, lineage and progress of agencies and PSUs, and MILP scenarios."""

__version__ = "0.1.0"
