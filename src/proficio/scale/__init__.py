"""The state's batch at scale: the same ``proficio.core`` kernels in one process or on
Apache Spark (``proficio.scale.spark``), over the state's Parquet store.

Nothing here imports Django: the runners read and write Parquet files and call the
kernels; the ``state`` app's actions read their output into the database."""
